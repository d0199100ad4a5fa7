"""Every training option in one table: the one source the rest is made from.

Each :class:`Option` says a field of ``TrainConfig`` (minigan/training/config.py): its type, its
allowed range or choices, its default, its help text, and whether ``--resume`` may change it. From
this table come

* ``TrainConfig`` itself, field by field, with these defaults;
* ``TrainConfig.validate``: each option's own check, then every compatibility :class:`Rule` below,
  all with one message form: ``minigan train: --beta1 must be in [0, 1), got 1.5``;
* the flags of ``minigan train`` (minigan/cli.py): names, types, help;
* the resume policy: what ``--resume`` may change, on the command line and in ``Trainer.load_checkpoint``;
* the table of options in docs/options.md (:func:`markdown_table` prints it; tests/test_options.py keeps
  the page equal to it).

An option that only some runs use says what it belongs to (``belongs_to``): set where the run does
not use it (``--clip`` without ``--loss wgan``, ``--unroll-lr`` without ``--unroll``), it is refused by
one rule, the same for every such flag, rather than ignored in silence. The compatibility rules
between pieces (``--unroll`` with ``--feature-matching``, conditioning with penalties, ``--r1`` with
WGAN, ...) are not here: each sits beside the piece it protects, with its reason, and :data:`RULES`
gathers them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from minigan import conditional, losses, models
from minigan.data import DATASETS, IMAGE_DATASETS, TOY_DATASETS
from minigan.gan import lipschitz, objectives

from .recipes import RECIPES

INF = math.inf


@dataclass(frozen=True)
class Range:
    """An interval of allowed numbers, closed or open at either end: ``Range(0, 1, high_open=True)`` is [0, 1)."""
    low: float
    high: float = INF
    low_open: bool = False
    high_open: bool = True

    def __contains__(self, value) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def words(self, kind) -> str:
        """What "must be" says: "in [0, 1)", "> 0", "a positive integer", "an integer >= 0"."""
        if kind is int and self.high == INF:
            if (self.low, self.low_open) in ((1, False), (0, True)):
                return "a positive integer"
            return f"an integer >= {self.low}" if not self.low_open else f"an integer > {self.low}"
        if self.high == INF:
            return f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


POSITIVE = Range(0, low_open=True)             # (0, ∞)
AT_LEAST_0 = Range(0)                          # [0, ∞)
AT_LEAST_1 = Range(1)                          # the positive integers
FRACTION = Range(0, 1)                         # [0, 1)


@dataclass(frozen=True)
class Option:
    """One training option: a ``TrainConfig`` field and its ``minigan train`` flag."""
    name: str                         # the TrainConfig field (and config.json key)
    kind: type                        # int, float, bool or str; a list of ints when ``many``
    default: object                   # None: filled from the loss's preset (config.py), or derived
    help: str
    choices: tuple = ()               # the allowed values of a str option
    range: Range | None = None        # the allowed values of a number (of each element, when ``many``)
    resumable: bool = False           # whether --resume may change it (the schedule, and where the run runs)
    flag: str | None = None           # the command-line flag; default: --name with dashes
    metavar: str | None = None
    many: bool = False                # a list: --classes 0 1 7
    # An option that only some runs use: (what it belongs to, in words; whether this run uses it). Set to
    # anything but ``unused`` where the run does not use it, it is refused: one rule for every such
    # flag (a value nothing reads would otherwise be ignored in silence).
    belongs_to: tuple | None = None
    unused: tuple = ()                # the values that mean "not set" (the default; a preset's "off")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def problem(self, value) -> str | None:
        """Why ``value`` is not allowed (the words after the flag), or None."""
        if value is None:
            return None if self.default is None else f"must be set, got {value!r}"
        if self.many:
            if not isinstance(value, (list, tuple)) or not value:
                return f"must be a list of one or more values, got {value!r}"
            if len(set(map(repr, value))) < len(value):      # a repeat would weigh that value twice, silently
                return f"must not repeat a value, got {list(value)!r}"
            return next((wrong for v in value if (wrong := self._problem_one(v)) is not None), None)
        return self._problem_one(value)

    def _problem_one(self, value) -> str | None:
        if self.kind is bool:
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if self.kind is str:
            if not isinstance(value, str):
                return f"must be a string, got {value!r}"
            if self.choices and value not in self.choices:
                return f"must be one of {', '.join(self.choices)}, got {value!r}"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be {'an integer' if self.kind is int else 'a number'}, got {value!r}"
        if self.kind is int and not isinstance(value, int):
            return f"must be an integer, got {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        if self.range is not None and value not in self.range:
            return f"must be {self.range.words(self.kind)}, got {value!r}"
        return None

    def misplaced(self, config) -> str | None:
        """Why this option's value has no place in ``config`` (it belongs to a piece the run does not use)."""
        if self.belongs_to is None:
            return None
        where, used = self.belongs_to
        value = getattr(config, self.name)
        if used(config) or value in (self.default, *self.unused):
            return None
        shown = " ".join(map(str, value)) if self.many else repr(value)      # as typed: --classes 3 7
        return f"{self.cli_flag} belongs to {where}; this run does not use it, so {self.cli_flag} {shown} would be ignored"

    def help_text(self) -> str:
        """The help of the flag, with its default and range."""
        extra = []
        if self.range is not None and self.kind is not bool:
            extra.append(self.range.words(self.kind))
        if self.default not in (None, False) and not self.many:
            extra.append(f"default: {self.default:g}" if isinstance(self.default, float) else f"default: {self.default}")
        return self.help + (f" ({'; '.join(extra)})" if extra else "")


O = Option
OPTIONS = [
    # What is trained, on what.
    O("recipe", str, "none", "a published experiment's set-up (networks, loss, optimizer, updates, batch, data, "
      "budget), which flags given beside it override: pacgan (Lin et al. 2018's toy experiments), unrolled (Metz "
      "et al. 2017's), wgan-gp-toy (Gulrajani et al. 2017's); minigan/training/recipes.py",
      choices=("none",) + tuple(RECIPES), metavar="NAME"),
    O("model", str, "mlp", "the network pair; infogan: the InfoGAN paper's networks (docs/infogan.md); toy-pacgan, "
      "toy-unrolled, toy-wgan-gp: the PacGAN, unrolled-GAN and WGAN-GP papers' networks for the 2-D sets "
      "(docs/mode-collapse.md)",
      choices=models.MODELS),
    O("dataset", str, "mnist", "training data; ring and grid are 2-D mixtures for the toy models", choices=DATASETS),
    O("loss", str, "nonsaturating", "the GAN loss. wgan and wgan-gp bring their papers' settings, which flags override: "
      "wgan = RMSProp 5e-5, n_critic 5, clipping 0.01; wgan-gp = Adam 1e-4, betas (0, 0.9), n_critic 5, gradient "
      "penalty 10, no dropout in D; acgan = nonsaturating with a class head on D (AC-GAN, conditional on the class)",
      choices=tuple(losses.GAN_LOSSES)),
    O("width", float, 1.0, "multiplier of every hidden width, e.g. 0.25 for a laptop-sized DCGAN",
      range=Range(0, models.MAX_WIDTH, low_open=True, high_open=False)),
    O("hidden_layers", int, None, "hidden layers in each of the toy model's networks (default: 2)",
      range=Range(1, models.MAX_TOY_LAYERS, high_open=False), metavar="L",
      belongs_to=("--model toy (the papers' models keep their depths)", lambda c: c.model == "toy")),
    O("classes", int, None, "train on these digit classes only, e.g. 0 1 7", range=Range(0, 9, high_open=False),
      many=True, metavar="K", belongs_to=("the image sets (--dataset mnist or fashion-mnist), whose examples have classes",
                                          lambda c: c.dataset in IMAGE_DATASETS)),
    O("toy_samples", int, 50_000, "points in a toy dataset (one epoch)", range=AT_LEAST_1, metavar="N",
      belongs_to=("the toy sets (--dataset ring or grid)", lambda c: c.dataset in TOY_DATASETS)),
    O("toy_scale", float, 1.0, "the toy set's points divided by this, its modes and spread with them (WGAN-GP's "
      "toy experiment: 2.828 for the grid, 1.414 for the ring); the scores measure in its own stds either way",
      range=POSITIVE, metavar="S", belongs_to=("the toy sets (--dataset ring or grid)",
                                                lambda c: c.dataset in TOY_DATASETS)),
    # How long, and where.
    O("epochs", int, 10, "passes over the data", range=AT_LEAST_1, resumable=True),
    O("batch_size", int, 64, "batch size", range=AT_LEAST_1),
    O("max_steps", int, None, "stop after this many steps (a checkpoint is written)", range=AT_LEAST_1,
      resumable=True, metavar="STEPS"),
    O("seed", int, 0, "random seed; the same seed gives the same run on the CPU", range=AT_LEAST_0),
    O("device", str, "cpu", "where the matrix products run", choices=("cpu", "gpu"), resumable=True),
    O("out", str, "runs/run", "the run folder", resumable=True),
    O("data_path", str, None, "folder with the dataset files (else MINIGAN_DATA, then ~/.cache/minigan; downloaded "
      "there if missing)", flag="--data", resumable=True, metavar="FOLDER"),
    # The optimizers.
    O("optimizer", str, None, "optimizer of both networks (default: adam; rmsprop for --loss wgan)",
      choices=("adam", "rmsprop", "sgd")),
    O("lr_g", float, None, "generator learning rate (default: 2e-4; the loss's preset for wgan, wgan-gp)",
      range=POSITIVE, resumable=True, metavar="LR"),
    O("lr_d", float, None, "discriminator learning rate (default: 2e-4; the loss's preset for wgan, wgan-gp)",
      range=POSITIVE, resumable=True, metavar="LR"),
    O("beta1", float, None, "Adam's beta1, SGD's momentum (default: 0.5; 0 for wgan-gp)", range=FRACTION,
      resumable=True, belongs_to=("--optimizer adam or sgd (RMSProp has no beta1)", lambda c: c.optimizer != "rmsprop"),
      unused=(0.5,)),
    O("beta2", float, None, "Adam's beta2 (default: 0.999; 0.9 for wgan-gp)", range=FRACTION, resumable=True,
      belongs_to=("--optimizer adam", lambda c: c.optimizer == "adam"), unused=(0.999,)),
    O("n_critic", int, None, "discriminator steps per generator step (default: 5 for wgan and wgan-gp, else 1)",
      range=AT_LEAST_1),
    # The discriminator's loss and its constraints.
    O("label_smoothing", float, 0.0, "one-sided: real target = 1 - this (e.g. 0.1)", range=Range(0, 0.5),
      belongs_to=("the losses with a real-label target (minimax, nonsaturating, lsgan, acgan)",
                  lambda c: c.loss not in losses.GAN_LOSSES or losses.get_gan_loss(c.loss).smoothing)),
    O("clip", float, 0.01, "WGAN's weight-clipping bound c (--loss wgan)", range=POSITIVE,
      belongs_to=("--loss wgan (weight clipping)", lambda c: c.loss == "wgan")),
    O("gp_weight", float, None, "WGAN-GP's penalty weight lambda (--loss wgan-gp; default: 10)", range=POSITIVE,
      metavar="LAMBDA", belongs_to=("--loss wgan-gp", lambda c: c.loss == "wgan-gp")),
    O("r1", float, 0.0, "R1 penalty (gamma/2)·E‖∇D(x)‖² on the real data, e.g. 10; 0: off", range=AT_LEAST_0,
      metavar="GAMMA"),
    O("spectral_norm", bool, False, "spectral normalization on every layer of the discriminator"),
    O("dropout", float, None, "dropout rate of the dcgan discriminator (default: 0.3; 0 for wgan-gp, whose penalty "
      "cannot go through dropout)", range=FRACTION,
      belongs_to=("--model dcgan (the only discriminator with dropout)", lambda c: c.model == "dcgan"), unused=(0.0,)),
    # Against mode collapse, and the generator's objective.
    O("pack", int, 1, "PacGAN: the discriminator judges packs of M samples, real with real and fake with fake; "
      "1: no packing", range=AT_LEAST_1, metavar="M"),
    O("minibatch_kernels", int, 0, "minibatch discrimination (Salimans et al. 2016): B kernels of dimension 5 before "
      "D's last layer; 0: off", range=AT_LEAST_0, metavar="B"),
    O("feature_matching", bool, False, "the generator matches the mean of D's features on real data instead of "
      "fooling D (Salimans et al. 2016)"),
    O("unroll", int, 0, "unrolled GAN (Metz et al. 2017): the generator steps against D after K look-ahead steps, "
      "differentiated through them; dense discriminators only (toy, mlp); 0: off", range=AT_LEAST_0, metavar="K"),
    O("unroll_lr", float, 0.002, "learning rate of the look-ahead's gradient-descent steps", range=POSITIVE,
      metavar="ETA", belongs_to=("--unroll", lambda c: bool(c.unroll))),
    O("updates", str, "alternating", "when the networks move: alternating (D moves, then G's gradient sees the "
      "new D; Goodfellow et al.'s Algorithm 1) or simultaneous (both gradients from the same batch and the same D, "
      "then both move; the PacGAN toy experiments), minigan/gan/updates.py", choices=("alternating", "simultaneous")),
    O("fresh_noise", bool, False, "draw new noise for the generator step, as Goodfellow et al.'s Algorithm 1 does "
      "(default: reuse the discriminator step's batch)"),
    O("ema", float, 0.0, "keep an exponential moving average of G's weights (e.g. 0.999; its decay warms up over the "
      "first steps, minigan/gan/ema.py), used by sample, eval and the pictures; 0: off", range=FRACTION, metavar="DECAY"),
    # Choosing what to generate.
    O("conditional", bool, False, "conditional GAN (Mirza & Osindero 2014): G(z, y) and D(x, y) with the class y "
      "one-hot; sample with `minigan sample --label K` (docs/conditional-gans.md). --loss acgan is the "
      "auxiliary-classifier GAN instead"),
    O("mismatch", float, None, "--conditional: weight of the mismatched pairs, real images with wrong labels that D "
      "must call fake (Reed et al. 2016; minigan/conditional/mismatch.py). Default 1; 0 is Mirza & Osindero's plain "
      "cGAN", range=AT_LEAST_0, metavar="W",
      belongs_to=("--conditional (only the cGAN's D reads a label beside the image)", lambda c: bool(c.conditional)),
      unused=(0.0,)),
    O("infogan", bool, False, "InfoGAN (Chen et al. 2016): G reads a 10-way code and 2 continuous codes beside 62 "
      "noise values; a Q head on D's body reads them back (docs/infogan.md)"),
    # Watching the run.
    O("eval_every_epoch", bool, False, "FID and class histogram after every epoch (metrics.jsonl, metrics.png) with a "
      "mode-collapse alarm; toy sets are always measured", resumable=True),
    O("eval_n", int, 2000, "samples per evaluation (FID needs a covariance, so at least 2)", range=Range(2),
      resumable=True, metavar="N", belongs_to=("--eval-every-epoch on an image set (the toy sets are always "
                                                 "measured, on 1000 samples)",
                                                 lambda c: c.eval_every_epoch and c.dataset not in TOY_DATASETS)),
    O("checkpoint_every", int, 500, "save a checkpoint every this many steps, besides every epoch end",
      range=AT_LEAST_1, resumable=True, metavar="STEPS"),
]
del O
BY_NAME = {o.name: o for o in OPTIONS}

# The compatibility rules, each defined beside the piece it protects.
RULES = models.RULES + lipschitz.RULES + objectives.RULES + conditional.RULES

# --adam: the (learning rate, beta1) presets of the DCGAN paper and of the TensorFlow tutorial.
ADAM_PRESETS = {"dcgan": (2e-4, 0.5), "tf": (1e-4, 0.9)}


def resumable() -> set:
    """The fields ``--resume`` may change: the schedule and where the run runs."""
    return {o.name for o in OPTIONS if o.resumable}


def problems(config, unused_too: bool = True) -> list:
    """Every reason ``config`` cannot train: each option's type and range, in the table's order; then
    (``unused_too``) each option set where the run does not use it; then the rules between options."""
    found = [f"{o.cli_flag} {why}" for o in OPTIONS if (why := o.problem(getattr(config, o.name))) is not None]
    if found:                   # the rest reads the values, which must have their types first
        return found
    if unused_too:
        found = [why for o in OPTIONS if (why := o.misplaced(config)) is not None]
    return found + [rule.reason(config) for rule in RULES if rule.refuses(config)]


def markdown_table() -> str:
    """The table of docs/options.md."""
    rows = ["| flag | `TrainConfig` field | type | allowed | default | `--resume` may change it | used only with | what |",
            "|---|---|---|---|---|---|---|---|"]
    for o in OPTIONS:
        kind = ("list of " if o.many else "") + o.kind.__name__
        allowed = (", ".join(f"`{c}`" for c in o.choices) if o.choices
                   else o.range.words(o.kind) if o.range is not None else "true / false" if o.kind is bool else "any")
        default = "preset" if o.default is None and o.name in PRESET_FIELDS else (
            "derived" if o.default is None and o.name == "mismatch" else "none" if o.default is None else f"`{o.default}`")
        only = o.belongs_to[0] if o.belongs_to else ""
        rows.append(f"| `{o.cli_flag}` | `{o.name}` | {kind} | {allowed} | {default} | "
                    f"{'yes' if o.resumable else 'no'} | {only} | {o.help.replace('|', '/')} |")
    return "\n".join(rows)


# The fields whose None default is filled from the loss's preset, then the defaults (config.py).
PRESET_FIELDS = ("optimizer", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "gp_weight", "dropout")
