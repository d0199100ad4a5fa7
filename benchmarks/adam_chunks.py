#!/usr/bin/env python3
"""Adam's update whole or in cache-sized chunks (docs/backward/adam.md#speed): one large weight, then whole steps.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/adam_chunks.py --threads 2

First the update of one 6272 × 1024 float32 weight (InfoGAN's largest), whole and in chunks of
``Adam.CHUNK`` elements (median of 9, ms); then ``minigan bench train``'s step of the infogan model (the
mlp's and the dcgan's parameters are all under ``Adam.CHUNKED_FROM``: their rows are unchanged) with the chunk size at its default and at "never" (10⁹), alternating, three rounds.
"""
from __future__ import annotations

import argparse
import statistics

import numpy

from minigan import nn, optim
from minigan.bench import _median_ms, _ms_per_train_step
from minigan.training import threads

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=None)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()
threads.configure(args.threads)
CHUNK, NEVER = optim.Adam.CHUNK, 10 ** 9
print(f"# Adam in chunks of {CHUNK} elements (parameters of {optim.Adam.CHUNKED_FROM} elements or more) against "
      f"whole arrays; {threads.describe()}")

rng = numpy.random.default_rng(0)
p = nn.Parameter(rng.standard_normal((6272, 1024)).astype(numpy.float32), "w")
p.grad[...] = rng.standard_normal(p.data.shape).astype(numpy.float32)
opt = optim.Adam([p], lr=2e-4, betas=(0.5, 0.999))
for label, chunk in (("whole", NEVER), ("chunked", CHUNK)):
    optim.Adam.CHUNK = chunk
    print(f"one update of a 6272 × 1024 weight, {label}: {_median_ms(opt.step, numpy, 9, warmup=1):.1f} ms")

for model in ("infogan",):                 # the mlp's and the dcgan's parameters are all too small to be chunked
    rows = {"whole": [], "chunked": []}
    for _ in range(args.rounds):
        for label, chunk in (("whole", NEVER), ("chunked", CHUNK)):
            optim.Adam.CHUNK = chunk
            rows[label].append(_ms_per_train_step(model, 1.0, 64, "cpu", 40 if model == "mlp" else 8, 3, "nonsaturating"))
    ratio = statistics.median(rows["chunked"]) / statistics.median(rows["whole"])
    print(f"{model} step, ms: chunked {', '.join(f'{x:.1f}' for x in rows['chunked'])}; whole "
          f"{', '.join(f'{x:.1f}' for x in rows['whole'])}; median ratio {ratio:.3f}")
optim.Adam.CHUNK = CHUNK
