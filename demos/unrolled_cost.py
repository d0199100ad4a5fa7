"""What unrolling costs: milliseconds per training step of the toy GAN against the look-ahead k.

    python demos/unrolled_cost.py [--batch 128] [--repeats 200]

Each step is one D update and one G update (n_critic = 1); k = 0 is the ordinary step. The G update
with k look-ahead steps runs D about 1 + 5k times (a forward and backward per look-ahead step, then a
forward, backward and double backward per Hessian-vector product), so the step should grow roughly
linearly in k. The numbers go into docs/unrolled-gan.md#cost.
"""
import argparse
import time

import numpy

from minigan.training import threads
from minigan.training import TrainConfig, Trainer

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--repeats", type=int, default=200)
parser.add_argument("--ks", type=int, nargs="+", default=[0, 1, 2, 5, 10])
args = parser.parse_args()
threads.configure(1)     # the toy networks are too small for a second thread to help

print(f"toy GAN (G 2-128-128-2, D 2-128-128-1), batch {args.batch}, {threads.describe()}, median of "
      f"{args.repeats} steps")
print(f"{'k':>3} {'ms/step':>9} {'× k=0':>7}")
baseline = None
for k in args.ks:
    trainer = Trainer(TrainConfig(model="toy", dataset="ring", batch_size=args.batch, toy_samples=4 * args.batch,
                                  unroll=k, out="runs/unrolled_cost"))
    real = trainer.real[:args.batch]
    times = []
    for i in range(args.repeats + 5):
        noise = trainer.next_noise(args.batch)
        started = time.perf_counter()
        trainer.train_step(real, noise)
        if i >= 5:                                # the first steps warm caches up
            times.append(time.perf_counter() - started)
    ms = 1000 * float(numpy.median(times))
    baseline = baseline or ms
    print(f"{k:>3} {ms:>9.2f} {ms / baseline:>7.1f}")
