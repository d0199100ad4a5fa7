"""The DCGAN on MNIST: the TensorFlow DCGAN tutorial's architecture, written in minigan.

Time: about 3 minutes on an idle 2-core laptop with both cores at the default width 0.25 (5 epochs
× 937 steps at ~35 ms a step; `minigan bench train` measured 33.5–34.8 ms). With --full (width 1,
the tutorial's exact sizes, ~217 ms a step): about 3.5 minutes an epoch. On a busy machine see
docs/training.md#cpu-threads (--threads 1).

G: Dense → BatchNorm → LeakyReLU → reshape (256, 7, 7) → ConvTranspose 5×5 (7×7) → BatchNorm →
   LeakyReLU → ConvTranspose 5×5 stride 2 (14×14) → BatchNorm → LeakyReLU → ConvTranspose 5×5
   stride 2 (28×28) → tanh.
D: Conv 5×5 stride 2 → LeakyReLU → Dropout → Conv 5×5 stride 2 → LeakyReLU → Dropout → Dense.
Width 0.25 divides every channel count by 4.

Usage: python demos/dcgan_mnist.py [--full] [--out FOLDER] [--overwrite]
"""
from minigan.cli import demo_arguments
from minigan.training import TrainConfig, train

args = demo_arguments(__doc__, "runs/demo_dcgan", add=lambda p: p.add_argument(
    "--full", action="store_true", help="the full-width DCGAN (default: width 0.25); default --out runs/demo_dcgan_full"))
full = args.full
out = "runs/demo_dcgan_full" if full and args.out == "runs/demo_dcgan" else args.out
config = TrainConfig(model="dcgan", dataset="mnist", width=1.0 if full else 0.25, epochs=5, batch_size=64, out=out)
train(config, overwrite=args.overwrite)
print(f"samples: {out}/samples.gif; curves: {out}/losses.png, {out}/grad_norms.png")
