"""The ``minigan`` command (also ``python -m minigan``).

    minigan demo        train the toy GAN on a ring of Gaussians and draw it (the quick start)
    minigan gradcheck   prove every backward pass in the library against finite differences
    minigan bench       benchmarks that print numbers (``minigan bench layers``)

``minigan <command> --help`` describes each one.
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _cmd_demo(args) -> int:
    from . import toy_gan

    start = time.perf_counter()
    run = toy_gan.train(steps=args.steps, batch_size=args.batch_size, loss=args.loss, seed=args.seed,
                        progress=not args.quiet)
    path = os.path.join(args.out, "ring.png")
    toy_gan.plot(run, path)
    first, last = run.snapshots[0][1], run.snapshots[-1][1]
    print(f"trained a {args.loss} GAN on the 8-Gaussian ring for {args.steps} steps "
          f"in {time.perf_counter() - start:.1f} s")
    print(f"mean distance from a generated point to its nearest mode: "
          f"{toy_gan.distance_to_ring(first):.3f} at step 0 -> {toy_gan.distance_to_ring(last):.3f} "
          f"at step {args.steps}")
    print(f"picture: {path}")
    return 0


def _cmd_gradcheck(args) -> int:
    from . import gradcheck_suite

    return gradcheck_suite.main()


def _cmd_bench_layers(args) -> int:
    from . import bench

    return bench.main_layers(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minigan",
        description="minigan: a from-scratch GAN engine on NumPy/CuPy, every backward pass written out.")
    sub = parser.add_subparsers(dest="command", metavar="command")

    demo = sub.add_parser("demo", help="train a small GAN on a 2-D ring of Gaussians and draw it",
                          description="Train a small dense GAN on the ring of 8 Gaussians (a few seconds "
                                      "on a laptop) and write ring.png: real vs generated points over "
                                      "training, and the loss curves.")
    demo.add_argument("--out", default="runs/demo", help="folder for the picture (default: runs/demo)")
    demo.add_argument("--steps", type=_positive_int, default=2000, help="training steps (default: 2000)")
    demo.add_argument("--batch-size", type=_positive_int, default=128, help="batch size (default: 128)")
    demo.add_argument("--loss", choices=("nonsaturating", "minimax"), default="nonsaturating",
                      help="generator loss (default: nonsaturating)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_cmd_demo)

    gc = sub.add_parser("gradcheck", help="check every layer's and loss's gradients; exit 1 on a failure",
                        description="Compare every backward pass in minigan with float64 finite "
                                    "differences and print a table (name, mode, tensor, shape, max "
                                    "relative error, PASS/FAIL). Exits non-zero if any row fails.")
    gc.set_defaults(func=_cmd_gradcheck)

    bench = sub.add_parser("bench", help="benchmarks that print numbers",
                           description="Benchmarks: they print numbers (ms, GFLOP/s, fraction of peak).")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="benchmark", required=True)
    layers = bench_sub.add_parser(
        "layers", help="forward/backward of the DCGAN's conv, conv-transpose and BatchNorm layers",
        description="Time forward and backward of the DCGAN's conv, conv-transpose and BatchNorm layers "
                    "(float32) and compare with the float32 matrix-product peak measured in the same run.")
    layers.add_argument("--batch-size", type=_positive_int, default=64, help="batch size (default: 64)")
    layers.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device (default: cpu)")
    layers.add_argument("--repeats", type=_positive_int, default=10, help="timed repeats per layer; the median is "
                        "reported (default: 10)")
    layers.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    layers.set_defaults(func=_cmd_bench_layers)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        # Errors from minigan already say where and what; a traceback would only hide the message.
        print(f"minigan {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
