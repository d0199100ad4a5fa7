"""The ``minigan`` command (also ``python -m minigan``).

    minigan train       train a GAN (mlp, dcgan, infogan or toy) and write its log, checkpoints and pictures
    minigan sample      draw samples from a trained run
    minigan eval        FID, Inception Score, class coverage or toy-mode metrics of a run
    minigan classifier  train the classifier behind FID and the Inception Score
    minigan demo        train the toy GAN on a ring of Gaussians for a few seconds and draw it
    minigan gradcheck   prove every backward pass in the library against finite differences
    minigan exercise    write a backward pass yourself; gradient checks grade it
    minigan bench       benchmarks that print numbers (``bench layers``, ``bench train``)

``minigan <command> --help`` describes each one.

Each command imports what it needs inside its own function, the one place in minigan that does:
``minigan --help`` and every command keep a fast start-up, without loading the trainer, matplotlib
or the other commands.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import time


def _cmd_lab(args) -> int:
    from .lab.server import serve
    from .training import threads
    threads.configure(args.threads)                 # one lab uses at most these threads (1 unless --threads)
    serve(args.host, args.port, open_browser=args.open, runs_root=args.runs)
    return 0


def _cmd_demo(args) -> int:
    from . import toy_gan

    _check_writable_folder("minigan demo", args.out)
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


def _cmd_exercise(args) -> int:
    from . import exercises

    if args.action == "list":
        print(exercises.list_text())
        return 0
    if args.name is None:
        raise ValueError(f"minigan exercise {args.action}: expected an exercise name, one of {list(exercises.EXERCISES)}")
    if args.action == "start":
        path = exercises.start(args.name, args.dir)
        print(f"wrote {path}: fill in the parts that raise NotImplementedError, then run "
              f"minigan exercise check {args.name}" + (f" --dir {args.dir}" if args.dir != "exercises" else ""))
        return 0
    if args.action == "solution":
        print(exercises.solution(args.name))
        return 0
    if args.action == "hint":
        print(exercises.hint(args.name, args.dir))
        return 0
    results = exercises.check(args.name, args.dir, timeout=args.timeout)
    print(exercises.format_table(args.name, results))
    if all(r.passed for r in results):
        return 0
    dir_flag = f" --dir {args.dir}" if args.dir != "exercises" else ""
    level, total = exercises.next_hint_level(args.name, args.dir), len(exercises.get(args.name).hints)
    print(f"\nstuck? minigan exercise hint {args.name}{dir_flag} (hint {level} of {total})")
    return 1


def _cmd_gradcheck(args) -> int:
    from .gradcheck import suite as gradcheck_suite

    return gradcheck_suite.main(name_filter=args.filter, only_failed=args.failed)


def _train_settings(args) -> dict:
    """{field: value} of the table's flags given on the command line: the train parser's defaults are
    left out (argparse.SUPPRESS), so a flag that was not typed is not here."""
    from .training import options

    given = {o.name: getattr(args, o.name) for o in options.OPTIONS if hasattr(args, o.name)}
    if given.get("recipe", "none") != "none":      # a paper's set-up; explicit flags win (training/recipes.py)
        from .training import recipes
        given = recipes.settings(given["recipe"], given)
    if args.adam is not None:                      # a preset of three options; explicit flags win
        if given.get("optimizer", "adam") != "adam":
            raise ValueError(f"minigan train: --adam {args.adam} is an Adam preset, but --optimizer "
                             f"{given['optimizer']} was given")
        lr, beta1 = options.ADAM_PRESETS[args.adam]
        given = {"optimizer": "adam", "lr_g": lr, "lr_d": lr, "beta1": beta1, **given}
    return given


def _cmd_train(args) -> int:
    from .training import TrainConfig, options, train
    from .training.resume import resumed_config
    from .training.run_folder import pictures_written

    args.out = getattr(args, "out", options.BY_NAME["out"].default)
    if args.resume:          # the checkpoint's settings, with the flags a resume may change
        config = resumed_config(args.out, _train_settings(args), log=lambda text: print(text, file=sys.stderr))
    else:                    # flags left out take the table's defaults, and the loss's preset
        config = TrainConfig(**{"out": args.out, **_train_settings(args)})
    train(config, resume=args.resume, overwrite=args.overwrite, progress=not args.quiet)
    written = pictures_written(args.out)
    print("pictures: " + ("; ".join(written) if written else "none yet (they are drawn at the end of each epoch)"))
    return 0


def _cmd_sample(args) -> int:
    from minigan.training.sample import sample

    _check_writable_file("minigan sample", args.out, "samples.npz")      # before any sampling
    if args.grid:
        _check_writable_file("minigan sample", args.grid, "grid.png", flag="--grid")
    generated = sample(args.run, args.n, args.out, grid=args.grid, seed=args.seed, device=args.device, label=args.label,
                       raw_weights=args.raw_weights)
    print(f"wrote {len(generated)} samples to {args.out}" + (f" and a grid to {args.grid}" if args.grid else ""))
    return 0


def _cmd_eval(args) -> int:
    from .evaluation import evaluate
    from .io import strict_json
    from .training.sample import evaluate_run

    if (args.run is None) == (args.samples is None):
        raise ValueError("minigan eval: give exactly one of --run and --samples")
    result = (evaluate_run(args.run, args.n, args.seed, raw_weights=args.raw_weights) if args.run
              else evaluate.evaluate_samples(args.samples, args.dataset))
    print(strict_json(result) if args.json else evaluate.format_result(result))
    return 0


def _check_writable_folder(where: str, folder: str):
    from minigan.training.run_folder import check_writable_folder
    check_writable_folder(f"{where}: --out", folder)


def _check_writable_file(where: str, path: str, example: str = "weights.npz", flag: str = "--out"):
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where}: {flag} {path!r} is a folder; give a file name (e.g. "
                                f"{os.path.join(path, example)})")
    _check_writable_folder(where, os.path.dirname(os.path.abspath(path)))


def _cmd_classifier(args) -> int:
    from .evaluation import classifier

    _check_writable_file("minigan classifier", args.out)
    return classifier.main(args)


def _cmd_bench_train(args) -> int:
    from . import bench

    return bench.main_train(args)


def _cmd_bench_layers(args) -> int:
    from . import bench

    return bench.main_layers(args)


class _Parser(argparse.ArgumentParser):
    """argparse with minigan's message form (``minigan train: --epochs must be an integer, got 'x'``) and a
    suggestion for a mistyped flag: "--epoch" → "did you mean --epochs?". It records its own flags and
    commands, so nothing here reads argparse's private attributes."""

    def __init__(self, *args, fill=None, **kwargs):
        self.flags = []                 # every --flag of this parser
        self.helps = {}                 # --flag -> its help text
        self.commands = {}              # name -> sub-parser
        # fill(parser) adds flags when the parser is first used: ``minigan train``'s come from the table of
        # options, whose import (the whole trainer) the other commands and ``minigan --help`` need not wait for.
        self._fill = fill
        super().__init__(*args, **kwargs)

    def _filled(self):
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)
        return self

    def parse_known_args(self, args=None, namespace=None):
        return super(_Parser, self._filled()).parse_known_args(args, namespace)

    def format_help(self):
        return super(_Parser, self._filled()).format_help()

    def format_usage(self):
        return super(_Parser, self._filled()).format_usage()

    def add_argument(self, *names, **kwargs):
        flags = [n for n in names if n.startswith("--")]
        self.flags += flags
        self.helps.update({f: kwargs.get("help") for f in flags})
        return super().add_argument(*names, **kwargs)

    def add_command(self, sub, name: str, **kwargs):
        """``sub.add_parser(name, ...)``, remembered for the suggestions."""
        self.commands[name] = sub.add_parser(name, **kwargs)
        return self.commands[name]

    def parse_args(self, args=None, namespace=None):
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message):
        if message.startswith("unrecognized arguments:"):
            message += _suggestions(self, message.split(":", 1)[1].split())
        # "argument --epochs: must be an integer, got 'x'" -> "--epochs must be an integer, got 'x'"
        message = re.sub(r"^argument (--[\w-]+)(?:/-\w)?: (must .*)$", r"\1 \2", message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\n")


def _suggestions(parser, unknown) -> str:
    argv = getattr(parser, "_argv", [])
    command = next((a for a in argv if a in parser.commands), None)
    options = (parser.commands[command] if command else parser).flags
    hints = []
    for token in unknown:
        if token.startswith("-"):
            close = difflib.get_close_matches(token.split("=", 1)[0], options, n=1, cutoff=0.6)
            if close:
                hints.append(f"{token}: did you mean {close[0]}?")
    return (" (" + "; ".join(hints) + ")") if hints else ""


def _add_train_options(tr):
    """The flags of ``minigan train``, one per row of the table of options (minigan/training/options.py).
    Defaults are left to TrainConfig (argparse.SUPPRESS), so the settings given can be told apart."""
    from .training import options

    for o in options.OPTIONS:
        kwargs = {"default": argparse.SUPPRESS, "help": o.help_text(), "dest": o.name}
        if o.kind is bool:
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = _parse(o.kind)
            if o.many:
                kwargs["nargs"] = "+"
            if o.choices:
                kwargs["metavar"] = "{" + ",".join(o.choices) + "}"
            elif o.metavar:
                kwargs["metavar"] = o.metavar
        tr.add_argument(o.cli_flag, **kwargs)


def _parse(kind):
    """An argparse type that only converts the text; the table's checks say what is allowed."""
    if kind is str:
        return str

    def parse(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {'an integer' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="minigan",
        description="minigan: a from-scratch GAN engine on NumPy/CuPy, every backward pass written out.")
    sub = parser.add_subparsers(dest="command", metavar="command")

    tr = parser.add_command(sub, "train", help="train a GAN and write its log, checkpoints and pictures",
                            usage="minigan train [--model M] [--dataset D] [--loss L] [--epochs N] [--out FOLDER] "
                                  "[options]",
                            description="Train a GAN. The run folder gets config.json (the full configuration), "
                                        "log.jsonl (one row per step), checkpoint.npz (atomic, resumable), a sample "
                                        "picture per epoch, samples.gif, losses.png and grad_norms.png. Every option: "
                                        "docs/options.md.", fill=_add_train_options)
    tr.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    tr.add_argument("--overwrite", action="store_true", help="the --out folder holds a run: delete that run's "
                    "files (config, log, checkpoint, metrics, pictures; nothing else) and start again")
    tr.add_argument("--adam", choices=("dcgan", "tf"), default=None, help="Adam preset: dcgan = lr 2e-4, "
                    "beta1 0.5 (the DCGAN paper, the default for most losses); tf = lr 1e-4, beta1 0.9 "
                    "(the TensorFlow tutorial)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_threads(tr)
    tr.set_defaults(func=_cmd_train)

    sa = parser.add_command(sub, "sample", help="draw samples from a trained run",
                        description="Draw samples from a run's generator (eval mode) into an .npz: 'images' "
                                    "(uint8 0..255, shape (N, 28, 28)) or, for toy runs, 'points' (N, 2).")
    sa.add_argument("--run", required=True, help="the run folder (with checkpoint.npz)")
    sa.add_argument("--n", type=_positive_int, default=10000, help="number of samples (default: 10000)")
    sa.add_argument("--out", required=True, help="output .npz file")
    sa.add_argument("--grid", default=None, help="also write a PNG: the first 64 samples; for a conditional run "
                    "(without --label) 10 per class, one row each, from noise of its own; for a toy run the first "
                    "2000 points over the real data")
    sa.add_argument("--seed", type=_non_negative_int, default=0, help="noise seed (default: 0)")
    sa.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device to run G on (default: cpu)")
    sa.add_argument("--label", type=int, default=None, metavar="K", help="conditional runs: every sample of class K "
                    "(InfoGAN: categorical code K); default: classes balanced, written as 'labels' beside 'images'")
    sa.add_argument("--raw-weights", action="store_true", help="for a run trained with --ema: sample the raw "
                    "generator instead of the averaged one")
    _add_threads(sa)
    sa.set_defaults(func=_cmd_sample)

    ev = parser.add_command(sub, "eval", help="FID, Inception Score and class coverage (or toy-mode metrics) of a run",
                        description="Evaluate a run's generator (--run) or saved samples (--samples): FID "
                                    "(bootstrap mean ± std, with the real-data floor), the MNIST Inception "
                                    "Score, the class histogram and coverage; for toy runs the modes captured, "
                                    "the share of high-quality samples and the reverse KL.")
    ev.add_argument("--run", default=None, help="a run folder (its latest checkpoint)")
    ev.add_argument("--samples", default=None, help="an .npz written by `minigan sample`")
    ev.add_argument("--n", type=_positive_int, default=10000, help="samples to draw with --run (default: 10000)")
    ev.add_argument("--dataset", choices=("mnist", "fashion-mnist", "ring", "grid"), default=None,
                    help="the data the samples imitate (default: from the samples' configuration)")
    ev.add_argument("--seed", type=_non_negative_int, default=0, help="noise seed for --run (default: 0)")
    ev.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    ev.add_argument("--raw-weights", action="store_true", help="for a run trained with --ema: evaluate the raw "
                    "generator instead of the averaged one")
    _add_threads(ev)
    ev.set_defaults(func=_cmd_eval)

    cl = parser.add_command(sub, "classifier", help="train the LeNet-style classifier behind FID and the Inception Score",
                        description="Train the classifier minigan's metrics use (minigan/evaluation/classifier.py) and save "
                                    "its weights; the same arguments reproduce the shipped weights bit for bit.")
    cl.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist",
                    help="the dataset whose classifier to train (default: mnist)")
    cl.add_argument("--epochs", type=_positive_int, default=6, help="passes over the training set (default: 6, "
                    "which gives the shipped weights)")
    cl.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0, the shipped weights')")
    cl.add_argument("--out", required=True, help="the .npz to write")
    cl.add_argument("--data", default=None, help="folder with the dataset files")
    cl.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_threads(cl)
    cl.set_defaults(func=_cmd_classifier)

    demo = parser.add_command(sub, "demo", help="train a small GAN on a 2-D ring of Gaussians and draw it",
                          description="Train a small dense GAN on the ring of 8 Gaussians (a few seconds "
                                      "on a laptop) and write ring.png: real vs generated points over "
                                      "training, and the loss curves.")
    demo.add_argument("--out", default="runs/demo", help="folder for the picture (default: runs/demo)")
    demo.add_argument("--steps", type=_positive_int, default=2000, help="training steps (default: 2000)")
    demo.add_argument("--batch-size", type=_positive_int, default=128, help="batch size (default: 128)")
    demo.add_argument("--loss", choices=("nonsaturating", "minimax"), default="nonsaturating",
                      help="generator loss (default: nonsaturating)")
    demo.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_threads(demo)
    demo.set_defaults(func=_cmd_demo)

    lab = parser.add_command(sub, "lab", help="watch a toy GAN learn in the browser, every view computed by minigan",
                             description="Start a local web page (on 127.0.0.1, with a random token in its URL) "
                                         "that trains a toy GAN live: real and fake points over D's output, the "
                                         "generator's gradient arrows, G's manifold, the curves, slow motion through "
                                         "one step, each linked to the lines that compute it; and a page that follows "
                                         "minigan train's runs in --runs as they are written (docs/lab.md). Ctrl-C "
                                         "stops it.")
    lab.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1; any other "
                     "lets other machines in, and warns)")
    lab.add_argument("--port", type=_non_negative_int, default=8765, help="the port (default: 8765; 0: any free one)")
    lab.add_argument("--open", action="store_true", help="also open the page in a browser")
    lab.add_argument("--runs", default="runs", metavar="DIR", help="the runs folder, one folder per run as minigan "
                     "train --out writes them: the page saves runs into it and opens them from it, and its page of "
                     "runs shows every run in it (default: runs)")
    lab.add_argument("--threads", type=_positive_int, default=1, metavar="N",
                     help="CPU threads for the matrix products (default: 1: the toy networks' products are too small "
                          "for a second thread to help, and the page's server gets the other core; "
                          "docs/training.md#cpu-threads)")
    lab.set_defaults(func=_cmd_lab)

    ex = parser.add_command(sub, "exercise", help="write a backward pass yourself; gradient checks grade it",
                        description="Exercises in learning order (Dense, LeakyReLU, BCE with logits, the GAN "
                                    "losses, Adam, BatchNorm, Conv2d, col2im, ConvTranspose2d, the GAN step, the "
                                    "gradient penalty): `start` writes a file to fill in, `check` grades it (forward against the "
                                    "engine, a float64 gradient check of every gradient, a training run where one "
                                    "makes sense, a hint for common mistakes; exit 0 only when all pass), "
                                    "`hint` gives the next hint (levels, from a nudge to the derivation's key step), "
                                    "`solution` prints the engine's own code and where its derivation is.")
    ex.add_argument("action", choices=("list", "start", "check", "hint", "solution"), help="what to do")
    ex.add_argument("name", nargs="?", default=None, help="the exercise (see `minigan exercise list`)")
    ex.add_argument("--dir", default="exercises", help="folder of your exercise files (default: exercises)")
    ex.add_argument("--timeout", type=_positive_float, default=60.0, metavar="SECONDS",
                    help="check: how long your code may run before it counts as a hang (default: 60)")
    ex.set_defaults(func=_cmd_exercise)

    gc = parser.add_command(sub, "gradcheck", help="check every layer's and loss's gradients; exit 1 on a failure",
                        description="Compare every backward pass in minigan with float64 finite "
                                    "differences and print a table (name, mode, tensor, shape, max "
                                    "relative error, PASS/FAIL). Exits non-zero if any row fails.")
    gc.add_argument("--filter", default="", metavar="TEXT",
                    help="check only the cases whose name contains TEXT (any case), e.g. Conv2d or BatchNorm")
    gc.add_argument("--failed", action="store_true", help="show only the rows that fail (the count covers all)")
    gc.set_defaults(func=_cmd_gradcheck)

    bench = parser.add_command(sub, "bench", help="benchmarks that print numbers",
                           description="Benchmarks: they print numbers (ms, GFLOP/s, fraction of peak).")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="benchmark", required=True)
    layers = bench.add_command(bench_sub, 
        "layers", help="forward/backward of the DCGAN's conv, conv-transpose and BatchNorm layers",
        description="Time forward and backward of the DCGAN's conv, conv-transpose and BatchNorm layers "
                    "(float32) and compare with the float32 matrix-product peak measured in the same run.")
    layers.add_argument("--batch-size", type=_positive_int, default=64, help="batch size (default: 64)")
    layers.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device (default: cpu)")
    layers.add_argument("--repeats", type=_positive_int, default=10, help="timed repeats per layer; the median is "
                        "reported (default: 10)")
    layers.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    _add_threads(layers)
    layers.set_defaults(func=_cmd_bench_layers)
    btrain = bench.add_command(bench_sub, 
        "train", help="the full GAN training step: ms/step, samples/s, peak RSS",
        description="Time the full training step (G forward, D on real and fake, both backward passes, both "
                    "Adam steps; float32) after a warm-up; one JSON object per line per configuration. Without "
                    "--model: mlp, dcgan and dcgan --width 0.25, at batch 64.")
    btrain.add_argument("--model", choices=("mlp", "dcgan", "infogan", "toy", "toy-pacgan", "toy-unrolled", "toy-wgan-gp"),
                        default=None,
                        help="one model (default: mlp, dcgan and dcgan at width 0.25)")
    btrain.add_argument("--recipe", choices=("none", "pacgan", "unrolled", "wgan-gp-toy"), default="none",
                        help="time a paper's step: its networks, loss, optimizer and update schedule, at its batch "
                             "size unless --batch-size is given (minigan/training/recipes.py)")
    btrain.add_argument("--width", type=_positive_float, default=1.0, help="width multiplier with --model (default: 1)")
    btrain.add_argument("--batch-size", type=_positive_int, default=None,
                        help="batch size (default: 64, or the recipe's)")
    btrain.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device (default: cpu)")
    btrain.add_argument("--steps", type=_positive_int, default=30, help="timed steps; the median is reported")
    btrain.add_argument("--loss", choices=("nonsaturating", "wgan", "wgan-gp"), default="nonsaturating",
                        help="the GAN loss (default: nonsaturating); wgan-gp also times plain WGAN on the same "
                             "critic and prints the ratio")
    btrain.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    _add_threads(btrain)
    btrain.set_defaults(func=_cmd_bench_train)
    return parser


def _add_threads(parser):
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="CPU threads for the matrix products (default: MINIGAN_THREADS, else all cores; "
                             "see docs/training.md#cpu-threads)")


def _positive(convert, noun: str):
    """An argparse type: ``convert(text)``, which must come out > 0."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be a positive {noun}, got {value}")
        return value
    return parse


_positive_int = _positive(int, "integer")
_positive_float = _positive(float, "number")


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


DEMO_OVERWRITE = "for this demo: run it again with --overwrite, or give another --out"


def demo_arguments(doc: str, out: str, add=None, argv=None):
    """The command line every script in demos/ shares: ``--help`` (the demo's docstring), ``--out``
    (the folder it writes, default ``out``), ``--overwrite`` (replace the runs it wrote before;
    without it a folder that holds a run is refused, and says so) and ``--threads`` (applied here,
    as the minigan commands apply it: MINIGAN_THREADS, else all cores). ``add(parser)`` adds the
    demo's own flags. An error from minigan then ends the demo with its one-line message, not a
    traceback."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     prog=f"python {os.path.relpath(sys.argv[0])}" if sys.argv and sys.argv[0] else None)
    parser.add_argument("--out", default=out, metavar="FOLDER", help=f"where the runs and pictures go (default: {out})")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the runs this demo wrote into --out before (without it such a folder is refused)")
    _add_threads(parser)
    if add is not None:
        add(parser)
    args = parser.parse_args(argv)
    from .training import threads
    threads.configure(args.threads)                 # the thread count decides the run (docs/training.md)
    previous = sys.excepthook

    def one_line(kind, error, traceback):
        if issubclass(kind, (ValueError, TypeError, OSError, RuntimeError)):
            text = str(error)
            if "already holds a run" in text and not args.overwrite:
                text += f" ({DEMO_OVERWRITE})"
            print(f"{parser.prog}: {text}", file=sys.stderr)
        else:
            previous(kind, error, traceback)

    sys.excepthook = one_line
    return args


def run_command(argv: list) -> None:
    """``minigan ARGV`` from a demo. A failure (its message already printed) stops the demo, which
    would otherwise go on to evaluate a run it did not train."""
    code = main(argv)
    if code != 0:
        if "--out" in argv and "--overwrite" not in argv:
            print(f"({DEMO_OVERWRITE})", file=sys.stderr)
        raise SystemExit(code)


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):       # an ASCII terminal still gets the math (as \u escapes)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    if args.command is None:
        parser.print_help()
        return 2
    try:
        from .training import threads
        threads.configure(getattr(args, "threads", None))     # minigan/training/threads.py: the policy and why
        return args.func(args)
    except KeyboardInterrupt:
        # A second Ctrl-C in train (the first stops after a whole step and saves it), or one anywhere else.
        after = (" at once; the checkpoint on disk is the last one written (continue with: minigan train --resume "
                 f"--out {getattr(args, 'out', 'DIR')})") if args.command == "train" else ""
        print(f"\nminigan {args.command}: stopped by Ctrl-C{after}", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        # Errors from minigan already say where and what; a traceback would only hide the message.
        text = str(exc)
        # One form for every error, as argparse's are printed too: "minigan train: --beta1 must be ...".
        print(text if text.startswith("minigan") else f"minigan {args.command}: {text}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)           # TrainingStopped (Ctrl-C, saved): 130, as a shell expects


if __name__ == "__main__":
    sys.exit(main())
