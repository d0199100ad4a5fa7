#!/usr/bin/env python3
"""A training step on a machine that is busy with something else: how much slower, per thread count.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/contention.py --model dcgan --width 0.25

Runs ``minigan bench train`` (a fresh process each time) on the idle machine, then again while
``--busy`` other processes each keep one core busy (a plain Python loop: another program's work),
for the thread policy's default (all cores; docs/training.md#cpu-threads) and for each ``--threads``
count asked for. Prints ms per step and the slowdown against the same thread count idle. The
issue's target: a default run slows by no more than 1.5× with one busy process beside it.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time


def busy(stop):
    while not stop.is_set():
        for _ in range(100_000):
            pass


def bench(model_args, threads, steps):
    cmd = [sys.executable, "-m", "minigan", "bench", "train", *model_args, "--steps", str(steps)]
    cmd += ["--threads", str(threads)] if threads else []
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="dcgan")
    parser.add_argument("--width", default="0.25")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--busy", type=int, default=1, help="busy processes beside the run (default: 1)")
    parser.add_argument("--threads", type=int, nargs="*", default=[1], help="thread counts to compare with the "
                        "default (default: 1)")
    args = parser.parse_args()
    model_args = ["--model", args.model, "--width", args.width]
    counts = [None] + args.threads
    print(f"# {time.strftime('%Y-%m-%d')}: minigan bench train {' '.join(model_args)}, {os.cpu_count()} cores, "
          f"{args.busy} busy process(es) in the second column")
    idle = {c: bench(model_args, c, args.steps) for c in counts}
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=busy, args=(stop,)) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    try:
        time.sleep(1.0)                                   # let the spinners take their cores
        loaded = {c: bench(model_args, c, args.steps) for c in counts}
    finally:
        stop.set()
        for p in spinners:
            p.join()
    print("| threads | idle ms/step | busy ms/step | slowdown |")
    print("|---|---|---|---|")
    for c in counts:
        a, b = idle[c]["ms_per_step"], loaded[c]["ms_per_step"]
        label = f"default ({idle[c]['threads']})" if c is None else str(c)
        print(f"| {label} | {a:.2f} | {b:.2f} | {b / a:.2f}× |")


if __name__ == "__main__":
    main()
