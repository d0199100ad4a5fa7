"""The MLP GAN on MNIST: the dense GAN of the vanilla-GAN document, made correct.

Time: about 1 minute on an idle 2-core laptop with both cores (10 epochs × 937 steps at ~5 ms a
step); on a busy machine see docs/training.md#cpu-threads (--threads 1).

G: 100 → 256 → 256 → 784 (ReLU, tanh); D: 784 → 256 → 256 → 1 (LeakyReLU 0.2, a logit).
Non-saturating loss, Adam 2e-4 with β1 = 0.5. Recognizable digits appear within 10 epochs.

Look at, in the run folder:
  samples/epoch_*.png and samples.gif   the same 64 noise vectors, epoch after epoch;
  losses.png                            D and G losses, mean D(x) and D(G(z));
  grad_norms.png                        each layer's gradient norm (vanishing/exploding gradients).
"""
from minigan.cli import demo_arguments
from minigan.training import TrainConfig, train

args = demo_arguments(__doc__, "runs/demo_mlp_mnist")
out = args.out
config = TrainConfig(model="mlp", dataset="mnist", epochs=10, batch_size=64, loss="nonsaturating", out=out)
train(config, overwrite=args.overwrite)
print(f"samples: {out}/samples.gif; curves: {out}/losses.png, {out}/grad_norms.png")
