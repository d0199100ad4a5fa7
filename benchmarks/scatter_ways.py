#!/usr/bin/env python3
"""The two ways of a transposed convolution's scatter (minigan/nn/scatter.py), timed side by side.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/scatter_ways.py --threads 2
    python benchmarks/scatter_ways.py --models dcgan-0.25 --batch-size 128 --rounds 3

For each model it prints two tables:

* every scatter of its training step (each ConvTranspose2d's forward in G, each Conv2d's input
  gradient in D), timed alone with the col2im way and with the stride phases, on the step's own
  shapes (median ms of 15 calls, per round);
* the whole training step (``minigan bench train``'s: G forward, D on real and fake, both
  backward passes, both Adam steps, float32) with every convolution set to each way in turn
  ("col2im", "phases", and "by-channels": phases only for the scatters to F ≤ 32 channels from
  C ≤ 2F; the order reversed every other round), in one process (median ms of ``--steps`` steps,
  per round).

The two ways give the same numbers up to float32 rounding (tests/test_conv.py), so only the time
differs. docs/speed.md quotes a run.
"""
from __future__ import annotations

import argparse
import itertools
import statistics

import numpy
import threadpoolctl

from minigan import nn
from minigan.bench import _median_ms
from minigan.nn.scatter import scatter_by_col2im, scatter_by_phases
from minigan.training import Trainer, TrainConfig, threads

MODELS = {"dcgan": ("dcgan", 1.0), "dcgan-0.25": ("dcgan", 0.25), "infogan": ("infogan", 1.0)}


def trainer_for(model, width, batch):
    config = TrainConfig(model=model, dataset="mnist", width=width, batch_size=batch, out="")
    data = numpy.random.default_rng(0).uniform(-1, 1, (batch * 4, 1, 28, 28)).astype(numpy.float32)
    return Trainer(config, real_data=data), data[:batch]


def scatters_of(trainer, real, noise):
    """(label, x shape (N, H, W, C), weight shape, stride, offset, output size) of every scatter in a step."""
    found = []
    convs = [m for net in (trainer.G, trainer.D) for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    for layer in convs:
        original = layer._forward

        def recording(x, layer=layer, original=original):
            n, c, h, w = x.shape
            y, cache = original(x)
            if isinstance(layer, nn.ConvTranspose2d):            # its forward: x (C channels) → y (F)
                offset, out_hw, _ = layer.geometry(h, w)
                found.append((f"G {layer}", (n, h, w, c), layer.weight.data.shape, layer.stride, offset, out_hw))
            else:                                                # its input gradient: dy (F channels) → dx (C)
                (ph, pw), (ho, wo) = layer.geometry(h, w)
                found.append((f"D {layer}, input gradient", (n, ho, wo, layer.out_channels), layer.weight.data.shape,
                              layer.stride, (ph[0], pw[0]), (h, w)))
            return y, cache
        layer._forward = recording
    trainer.train_step(real, noise)
    for layer in convs:
        del layer._forward                                       # back to the class's method
    unique = {}
    for row in found:                                            # D sees real and fake: one row per shape
        unique.setdefault(row[0], row)
    return list(unique.values()), convs


def by_channels(layer):
    """Phases where they timed faster alone: a scatter to F ≤ 32 channels from C ≤ 2F."""
    c, f = ((layer.in_channels, layer.out_channels) if isinstance(layer, nn.ConvTranspose2d)
            else (layer.out_channels, layer.in_channels))          # Conv2d's input gradient: dy (F) → dx (C)
    return "phases" if f <= 32 and c <= 2 * f else "col2im"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads.configure(args.threads)
    kernel = "; ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
                       for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
    print(f"# batch {args.batch_size}, float32, {threads.describe()}; BLAS: {kernel}; {args.rounds} rounds")
    rng = numpy.random.default_rng(0)
    for name in args.models:
        model, width = MODELS[name]
        trainer, real = trainer_for(model, width, args.batch_size)
        noises = itertools.cycle([trainer.next_noise(args.batch_size) for _ in range(4)])
        rows, convs = scatters_of(trainer, real, next(noises))
        print(f"\n## {name}: each scatter alone, ms (col2im / phases, ratio), one column per round")
        print("| scatter | x (N, H, W, C) → y | " + " | ".join(f"round {r + 1}" for r in range(args.rounds)) + " |")
        print("|---|---|" + "---|" * args.rounds)
        for label, x_shape, w_shape, stride, offset, out_hw in rows:
            x = rng.standard_normal(x_shape, dtype=numpy.float32)
            weight = rng.standard_normal(w_shape, dtype=numpy.float32)
            cells = []
            for _ in range(args.rounds):
                a = _median_ms(lambda: scatter_by_col2im(x, weight, stride, offset, out_hw), numpy, 15)
                b = _median_ms(lambda: scatter_by_phases(x, weight, stride, offset, out_hw), numpy, 15)
                cells.append(f"{a:.2f} / {b:.2f} ({b / a:.2f})")
            print(f"| {label} | {x_shape} → {(x_shape[0], *out_hw, w_shape[1])} | " + " | ".join(cells) + " |")
        ways = ("col2im", "phases", "by-channels")
        print(f"\n## {name}: the whole training step, ms, every convolution set to one way "
              f"(measured in the order {', '.join(ways)}, then back)")
        times = {way: [] for way in ways}
        for r in range(args.rounds):
            for way in (ways if r % 2 == 0 else ways[::-1]):
                for layer in convs:
                    layer.scatter_way = way if way != "by-channels" else by_channels(layer)
                times[way].append(_median_ms(lambda: trainer.train_step(real, next(noises)), numpy, args.steps, warmup=3))
        print("| way | " + " | ".join(f"round {r + 1}" for r in range(args.rounds)) + " | median | of col2im's |")
        print("|---|" + "---|" * (args.rounds + 2))
        base = statistics.median(times["col2im"])
        for way in ways:
            med = statistics.median(times[way])
            print(f"| {way} | " + " | ".join(f"{t:.2f}" for t in times[way]) + f" | {med:.2f} | {med / base:.2f} |")

if __name__ == "__main__":
    main()
