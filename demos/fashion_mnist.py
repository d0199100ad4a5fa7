"""A GAN on Fashion-MNIST: the same MLP GAN as on MNIST, on clothes instead of digits.

Time: about 1.5 minutes on an idle 2-core laptop with both cores (15 epochs × 937 steps at ~5 ms a
step); on a busy machine see docs/training.md#cpu-threads (--threads 1).

Fashion-MNIST is harder than MNIST: textures and shapes vary more inside a class. Compare the
sample grids with the MNIST run's: shoes, trousers and bags come first, shirts and pullovers
(which look alike) later. To train on some classes only, e.g. sneakers and ankle boots:
    python demos/fashion_mnist.py runs/shoes 7 9
"""
from minigan.cli import demo_arguments
from minigan.data import CLASS_NAMES
from minigan.training import TrainConfig, train

args = demo_arguments(__doc__, "runs/demo_fashion_mnist", add=lambda p: p.add_argument(
    "--classes", type=int, nargs="+", metavar="K", help="train on these classes only, e.g. 5 7 9 (the shoes)"))
out, classes = args.out, args.classes
if classes:
    print("classes:", ", ".join(CLASS_NAMES["fashion-mnist"][c] for c in classes))
config = TrainConfig(model="mlp", dataset="fashion-mnist", epochs=15, batch_size=64, out=out, classes=classes)
train(config, overwrite=args.overwrite)
print(f"samples: {out}/samples.gif; curves: {out}/losses.png, {out}/grad_norms.png")
