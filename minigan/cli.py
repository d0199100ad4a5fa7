"""The ``minigan`` command (also ``python -m minigan``).

    minigan train       train a GAN (mlp, dcgan or toy) and write its log, checkpoints and pictures
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
import os
import sys
import time


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
    results = exercises.check(args.name, args.dir)
    print(exercises.format_table(args.name, results))
    return 0 if all(r.passed for r in results) else 1


def _cmd_gradcheck(args) -> int:
    from .gradcheck import suite as gradcheck_suite

    return gradcheck_suite.main()


# --adam: (learning rate, beta1) of the DCGAN paper and of the TensorFlow tutorial.
ADAM_PRESETS = {"dcgan": (2e-4, 0.5), "tf": (1e-4, 0.9)}
# Flags whose config field has another name.
_TRAIN_FIELD = {"data": "data_path"}
# What a resumed run may change (the schedule and where it runs); everything else defines the run.
_RESUMABLE = {"epochs", "max_steps", "lr_g", "lr_d", "beta1", "beta2", "device", "data_path", "eval_every_epoch",
              "eval_n", "checkpoint_every"}
_NOT_SETTINGS = {"resume", "overwrite", "quiet", "out", "func", "command", "adam", "threads"}


def _flag(field: str) -> str:
    """The command-line flag of a TrainConfig field: data_path -> --data, lr_g -> --lr-g."""
    names = {v: k for k, v in _TRAIN_FIELD.items()}
    return "--" + names.get(field, field).replace("_", "-")


def _explicit_train_flags(argv) -> dict:
    """{field: value} for the train flags given on the command line (not their defaults)."""
    parser = build_parser()
    for action in _subcommands(parser)["train"]._actions:
        action.default = argparse.SUPPRESS
    given = vars(parser.parse_args(argv))
    return {_TRAIN_FIELD.get(k, k): v for k, v in given.items() if k not in _NOT_SETTINGS | {"command"}}


def _resumed_config(args):
    """The run's own config.json, with the flags a resume may change applied; every contradiction at once."""
    import dataclasses
    import json

    from minigan.training import TrainConfig
    path = os.path.join(args.out, "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"minigan train --resume: no run to resume in {args.out!r} ({path} does not exist)")
    with open(path) as f:
        saved = json.load(f)
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    given = _explicit_train_flags(args.argv)
    if args.adam is not None:
        lr, beta1 = ADAM_PRESETS[args.adam]
        given.setdefault("lr_g", lr)
        given.setdefault("lr_d", lr)
        given.setdefault("beta1", beta1)
    mismatches = [f"{_flag(k)} {v!r} (the run: {saved.get(k)!r})" for k, v in given.items()
                  if k not in _RESUMABLE and k in fields and saved.get(k) != v]
    if mismatches:
        raise ValueError(f"minigan train --resume: {len(mismatches)} flag(s) contradict the run saved in {path}: "
                         f"{'; '.join(mismatches)}. Leave them out: --resume reads every setting from the run "
                         f"folder (only {', '.join(sorted(_flag(k) for k in _RESUMABLE))} may change)")
    settings = {k: v for k, v in saved.items() if k in fields}
    settings.update({k: v for k, v in given.items() if k in _RESUMABLE})
    settings["out"] = args.out
    return TrainConfig(**settings)


def _cmd_train(args) -> int:
    from minigan.training.run_folder import pictures_written
    from minigan.training import train

    config = _resumed_config(args) if args.resume else _new_config(args)
    train(config, resume=args.resume, overwrite=args.overwrite, progress=not args.quiet)
    written = pictures_written(args.out)
    print("pictures: " + ("; ".join(written) if written else "none yet (they are drawn at the end of each epoch)"))
    return 0


def _new_config(args):
    from minigan.training import TrainConfig

    # Flags left out stay None, and TrainConfig fills them from the loss's preset (train.LOSS_PRESETS).
    lr_preset, beta1_preset = ADAM_PRESETS.get(args.adam, (None, None))
    if args.adam is not None and args.optimizer not in (None, "adam"):
        raise ValueError(f"--adam {args.adam} is an Adam preset, but --optimizer {args.optimizer} was given")
    return TrainConfig(
        model=args.model, dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size, loss=args.loss,
        out=args.out, width=args.width, device=args.device, seed=args.seed,
        optimizer="adam" if args.adam is not None else args.optimizer,
        lr_g=args.lr_g if args.lr_g is not None else lr_preset,
        lr_d=args.lr_d if args.lr_d is not None else lr_preset,
        beta1=args.beta1 if args.beta1 is not None else beta1_preset, beta2=args.beta2,
        n_critic=args.n_critic, label_smoothing=args.label_smoothing, clip=args.clip,
        gp_weight=args.gp_weight, r1=args.r1, spectral_norm=args.spectral_norm, dropout=args.dropout,
        ema=args.ema, fresh_noise=args.fresh_noise, pack=args.pack, minibatch_kernels=args.minibatch_kernels,
        feature_matching=args.feature_matching, unroll=args.unroll, unroll_lr=args.unroll_lr,
        conditional=args.conditional, mismatch=args.mismatch, infogan=args.infogan, classes=args.classes,
        data_path=args.data,
        max_steps=args.max_steps, eval_every_epoch=args.eval_every_epoch, eval_n=args.eval_n,
        checkpoint_every=args.checkpoint_every)


def _cmd_sample(args) -> int:
    from minigan.training.sample import sample

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


def _check_writable_file(where: str, path: str):
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where}: --out {path!r} is a folder; give a file name (e.g. {path}/weights.npz)")
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
    """argparse, plus a suggestion for a mistyped flag: "--epoch" → "did you mean --epochs?"."""

    def parse_args(self, args=None, namespace=None):
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message):
        if message.startswith("unrecognized arguments:"):
            message += _suggestions(self, message.split(":", 1)[1].split())
        super().error(message)


def _subcommands(parser) -> dict:
    """{name: sub-parser} of ``parser``'s commands (argparse keeps them in its subparsers action)."""
    return parser._subparsers._group_actions[0].choices if parser._subparsers else {}


def _suggestions(parser, unknown) -> str:
    import difflib
    commands = _subcommands(parser)
    argv = getattr(parser, "_argv", [])
    command = next((a for a in argv if a in commands), None)
    scope = commands[command] if command else parser
    options = [s for action in scope._actions for s in action.option_strings if s.startswith("--")]
    hints = []
    for token in unknown:
        if token.startswith("-"):
            close = difflib.get_close_matches(token.split("=", 1)[0], options, n=1, cutoff=0.6)
            if close:
                hints.append(f"{token}: did you mean {close[0]}?")
    return (" (" + "; ".join(hints) + ")") if hints else ""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="minigan",
        description="minigan: a from-scratch GAN engine on NumPy/CuPy, every backward pass written out.")
    sub = parser.add_subparsers(dest="command", metavar="command")

    tr = sub.add_parser("train", help="train a GAN and write its log, checkpoints and pictures",
                        description="Train a GAN. The run folder gets config.json (the full configuration), "
                                    "log.jsonl (one row per step), checkpoint.npz (atomic, resumable), a sample "
                                    "picture per epoch, samples.gif, losses.png and grad_norms.png.")
    tr.add_argument("--model", choices=("mlp", "dcgan", "infogan", "toy"), default="mlp",
                    help="network pair (default: mlp); infogan: the InfoGAN paper's networks (docs/infogan.md)")
    tr.add_argument("--dataset", choices=("mnist", "fashion-mnist", "ring", "grid"), default="mnist",
                    help="training data; ring and grid are 2-D mixtures for --model toy (default: mnist)")
    tr.add_argument("--epochs", type=_positive_int, default=10, help="passes over the data (default: 10)")
    tr.add_argument("--batch-size", type=_positive_int, default=64, help="batch size (default: 64)")
    tr.add_argument("--loss", choices=("nonsaturating", "minimax", "lsgan", "wgan", "wgan-gp", "hinge", "acgan"),
                    default="nonsaturating", help="GAN loss (default: nonsaturating). wgan and wgan-gp bring their "
                    "papers' settings, which flags override: wgan = RMSProp 5e-5, n_critic 5, clipping 0.01; "
                    "wgan-gp = Adam 1e-4, betas (0, 0.9), n_critic 5, gradient penalty 10, no dropout in D; acgan = "
                    "nonsaturating with a class head on D (AC-GAN, conditional on the class)")
    tr.add_argument("--out", default="runs/run", help="run folder (default: runs/run)")
    tr.add_argument("--width", type=_positive_float, default=1.0, help="multiplier of every hidden width, "
                    "e.g. 0.25 for a laptop-sized DCGAN (default: 1)")
    tr.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device (default: cpu)")
    tr.add_argument("--seed", type=_non_negative_int, default=0, help="random seed; the same seed gives the same "
                    "run on the CPU (default: 0)")
    tr.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    tr.add_argument("--overwrite", action="store_true", help="the --out folder holds a run: delete that run's "
                    "files (config, log, checkpoint, metrics, pictures; nothing else) and start again")
    tr.add_argument("--optimizer", choices=("adam", "rmsprop", "sgd"), default=None,
                    help="optimizer of both networks (default: adam; rmsprop for --loss wgan)")
    tr.add_argument("--adam", choices=tuple(ADAM_PRESETS), default=None, help="Adam preset: dcgan = lr 2e-4, "
                    "beta1 0.5 (the DCGAN paper, the default for most losses); tf = lr 1e-4, beta1 0.9 "
                    "(the TensorFlow tutorial)")
    tr.add_argument("--lr-g", type=_positive_float, default=None, help="generator learning rate")
    tr.add_argument("--lr-d", type=_positive_float, default=None, help="discriminator learning rate")
    tr.add_argument("--beta1", type=float, default=None, help="Adam beta1 (SGD: momentum)")
    tr.add_argument("--beta2", type=float, default=None, help="Adam beta2 (default: 0.999; 0.9 for wgan-gp)")
    tr.add_argument("--n-critic", type=_positive_int, default=None, help="discriminator steps per generator "
                    "step (default: 5 for wgan and wgan-gp, else 1)")
    tr.add_argument("--label-smoothing", type=float, default=0.0, help="one-sided: real target = 1 - this "
                    "(e.g. 0.1)")
    tr.add_argument("--clip", type=_positive_float, default=0.01, help="WGAN weight clipping bound (default: 0.01)")
    tr.add_argument("--gp-weight", type=_positive_float, default=None, help="WGAN-GP's penalty weight lambda "
                    "(--loss wgan-gp; default: 10)")
    tr.add_argument("--r1", type=_positive_float, default=0.0, metavar="GAMMA", help="R1 penalty (gamma/2)·E‖∇D(x)‖² "
                    "on the real data, e.g. 10 (default: off)")
    tr.add_argument("--spectral-norm", action="store_true", help="spectral normalization on every layer of the "
                    "discriminator (Miyato et al. 2018)")
    tr.add_argument("--ema", type=float, default=0.0, metavar="DECAY", help="keep an exponential moving average "
                    "of G's weights (e.g. 0.999), used by sample, eval and the pictures (default: off)")
    tr.add_argument("--pack", type=_positive_int, default=1, metavar="M", help="PacGAN: the discriminator judges "
                    "packs of M samples, real with real and fake with fake (default: 1, no packing)")
    tr.add_argument("--minibatch-kernels", type=int, default=0, metavar="B", help="minibatch discrimination "
                    "(Salimans et al. 2016): B kernels of dimension 5 before D's last layer (default: 0, off)")
    tr.add_argument("--feature-matching", action="store_true", help="the generator matches the mean of D's "
                    "features on real data instead of fooling D (Salimans et al. 2016)")
    tr.add_argument("--unroll", type=int, default=0, metavar="K", help="unrolled GAN (Metz et al. 2017): the "
                    "generator steps against D after K look-ahead steps, differentiated through them; dense "
                    "discriminators only (toy, mlp) (default: 0, off)")
    tr.add_argument("--unroll-lr", type=_positive_float, default=0.002, metavar="ETA", help="learning rate of the "
                    "look-ahead's gradient-descent steps (default: 0.002)")
    tr.add_argument("--conditional", action="store_true", help="conditional GAN (Mirza & Osindero 2014): G(z, y) "
                    "and D(x, y) with the class y one-hot; sample with `minigan sample --label K` "
                    "(docs/conditional-gans.md). --loss acgan is the auxiliary-classifier GAN instead")
    tr.add_argument("--mismatch", type=float, default=None, metavar="W", help="--conditional: weight of the "
                    "mismatched pairs, real images with wrong labels that D must call fake (Reed et al. 2016; "
                    "minigan/conditional/mismatch.py). Default 1; 0 is Mirza & Osindero's plain cGAN")
    tr.add_argument("--infogan", action="store_true", help="InfoGAN (Chen et al. 2016): G reads a 10-way code and 2 "
                    "continuous codes beside 62 noise values; a Q head on D's body reads them back (docs/infogan.md)")
    tr.add_argument("--fresh-noise", action="store_true", help="draw new noise for the generator step, as "
                    "Goodfellow et al.'s Algorithm 1 does (default: reuse the discriminator step's batch)")
    tr.add_argument("--dropout", type=float, default=None, help="dropout rate of the dcgan discriminator "
                    "(default: 0.3; 0 for wgan-gp, whose penalty cannot go through dropout)")
    tr.add_argument("--classes", type=int, nargs="+", default=None, help="train on these classes only, e.g. 0 1 7")
    tr.add_argument("--data", default=None, help="folder with the dataset files (else MINIGAN_DATA, then "
                    "~/.cache/minigan; downloaded there if missing)")
    tr.add_argument("--max-steps", type=_positive_int, default=None, help="stop after this many steps")
    tr.add_argument("--eval-every-epoch", action="store_true", help="FID and class histogram after every epoch "
                    "(metrics.jsonl, metrics.png) with a mode-collapse alarm; toy sets are always measured")
    tr.add_argument("--eval-n", type=_positive_int, default=2000, help="samples per evaluation (default: 2000)")
    tr.add_argument("--checkpoint-every", type=_positive_int, default=500, metavar="STEPS",
                    help="save a checkpoint every this many steps, besides every epoch end (default: 500)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_threads(tr)
    tr.set_defaults(func=_cmd_train)

    sa = sub.add_parser("sample", help="draw samples from a trained run",
                        description="Draw samples from a run's generator (eval mode) into an .npz: 'images' "
                                    "(uint8 0..255, shape (N, 28, 28)) or, for toy runs, 'points' (N, 2).")
    sa.add_argument("--run", required=True, help="the run folder (with checkpoint.npz)")
    sa.add_argument("--n", type=_positive_int, default=10000, help="number of samples (default: 10000)")
    sa.add_argument("--out", required=True, help="output .npz file")
    sa.add_argument("--grid", default=None, help="also write a PNG of the first 64 samples")
    sa.add_argument("--seed", type=_non_negative_int, default=0, help="noise seed (default: 0)")
    sa.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="device to run G on (default: cpu)")
    sa.add_argument("--label", type=int, default=None, metavar="K", help="conditional runs: every sample of class K "
                    "(InfoGAN: categorical code K); default: classes balanced, written as 'labels' beside 'images'")
    sa.add_argument("--raw-weights", action="store_true", help="for a run trained with --ema: sample the raw "
                    "generator instead of the averaged one")
    _add_threads(sa)
    sa.set_defaults(func=_cmd_sample)

    ev = sub.add_parser("eval", help="FID, Inception Score and class coverage (or toy-mode metrics) of a run",
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

    cl = sub.add_parser("classifier", help="train the LeNet-style classifier behind FID and the Inception Score",
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

    demo = sub.add_parser("demo", help="train a small GAN on a 2-D ring of Gaussians and draw it",
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

    ex = sub.add_parser("exercise", help="write a backward pass yourself; gradient checks grade it",
                        description="Exercises in learning order (Dense, LeakyReLU, BCE with logits, the GAN "
                                    "losses, Adam, BatchNorm, Conv2d, col2im, ConvTranspose2d, the GAN step, the "
                                    "gradient penalty): `start` writes a file to fill in, `check` grades it (forward against the "
                                    "engine, a float64 gradient check of every gradient, a training run where one "
                                    "makes sense, a hint for common mistakes; exit 0 only when all pass), "
                                    "`solution` says where the engine's code and derivation are.")
    ex.add_argument("action", choices=("list", "start", "check", "solution"), help="what to do")
    ex.add_argument("name", nargs="?", default=None, help="the exercise (see `minigan exercise list`)")
    ex.add_argument("--dir", default="exercises", help="folder of your exercise files (default: exercises)")
    ex.set_defaults(func=_cmd_exercise)

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
    _add_threads(layers)
    layers.set_defaults(func=_cmd_bench_layers)
    btrain = bench_sub.add_parser(
        "train", help="the full GAN training step: ms/step, samples/s, peak RSS",
        description="Time the full training step (G forward, D on real and fake, both backward passes, both "
                    "Adam steps; float32) after a warm-up; one JSON object per line per configuration. Without "
                    "--model: mlp, dcgan and dcgan --width 0.25, at batch 64.")
    btrain.add_argument("--model", choices=("mlp", "dcgan", "infogan", "toy"), default=None,
                        help="one model (default: mlp, dcgan and dcgan at width 0.25)")
    btrain.add_argument("--width", type=_positive_float, default=1.0, help="width multiplier with --model (default: 1)")
    btrain.add_argument("--batch-size", type=_positive_int, default=64, help="batch size (default: 64)")
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
            raise argparse.ArgumentTypeError(f"expected a positive {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {noun}, got {value}")
        return value
    return parse


_positive_int = _positive(int, "integer")


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value
_positive_float = _positive(float, "number")


def main(argv=None) -> int:
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
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        # Errors from minigan already say where and what; a traceback would only hide the message.
        text = str(exc)
        # Most messages already start with where they come from ("minigan train: ..."); say it once.
        print(f"error: {text}" if text.startswith("minigan") else f"minigan {args.command}: error: {text}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
