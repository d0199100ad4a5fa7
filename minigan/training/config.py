"""``TrainConfig``: everything that defines a run, saved as config.json in the run folder.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from minigan import losses, models

IMAGE_DATASETS = ("mnist", "fashion-mnist")
TOY_DATASETS = ("ring", "grid")
DATASETS = IMAGE_DATASETS + TOY_DATASETS


# Settings a field left at None takes: the loss's own preset first (its paper's recipe), then these.
DEFAULT_SETTINGS = {"optimizer": "adam", "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "n_critic": 1}
LOSS_PRESETS = {
    # Arjovsky et al. 2017, Algorithm 1: RMSProp, α = 5e-5, n_critic = 5 (and clipping c = 0.01).
    "wgan": {"optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "n_critic": 5},
    # Gulrajani et al. 2017, Algorithm 1: λ = 10, n_critic = 5, Adam α = 1e-4, β = (0, 0.9); no
    # dropout or batch normalization in the critic.
    "wgan-gp": {"optimizer": "adam", "lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5,
                "gp_weight": 10.0, "dropout": 0.0},
}


@dataclass
class TrainConfig:
    """Everything that defines a run; saved as config.json in the run folder.

    Fields left at None take the loss's preset (``LOSS_PRESETS``), then ``DEFAULT_SETTINGS``: so
    ``TrainConfig(loss="wgan")`` trains with RMSProp 5e-5 and n_critic 5, and any field given
    explicitly overrides the preset.
    """
    model: str = "mlp"
    dataset: str = "mnist"
    epochs: int = 10
    batch_size: int = 64
    loss: str = "nonsaturating"
    out: str = "runs/run"
    width: float = 1.0
    device: str = "cpu"
    seed: int = 0
    optimizer: str | None = None      # "adam", "rmsprop" or "sgd", for both networks
    lr_g: float | None = None         # DCGAN paper: Adam 2e-4, β1 0.5; TF tutorial: 1e-4, β1 0.9
    lr_d: float | None = None
    beta1: float | None = None        # Adam's β1 (SGD: the momentum; RMSProp: unused)
    beta2: float | None = None        # Adam's β2 (RMSProp: unused, it keeps α = 0.99)
    n_critic: int | None = None       # discriminator steps per generator step
    label_smoothing: float = 0.0      # one-sided: the real target becomes 1 − label_smoothing
    clip: float = 0.01                # WGAN weight clipping bound c
    gp_weight: float | None = None    # WGAN-GP's λ (--loss wgan-gp only)
    r1: float = 0.0                   # R1 penalty γ on the real data (0: off)
    spectral_norm: bool = False       # spectral normalization on every layer of D
    dropout: float | None = None      # the dcgan discriminator's dropout rate (None: 0.3, the tutorial's)
    ema: float = 0.0                  # weight averaging of G: the decay β (e.g. 0.999); 0: off (minigan/gan/ema.py)
    pack: int = 1                     # PacGAN: D judges packs of this many samples (Lin et al. 2018)
    minibatch_kernels: int = 0        # minibatch discrimination: B kernels of 5 before D's last layer (0: off)
    feature_matching: bool = False    # G matches the mean of D's features on real data (Salimans et al. 2016)
    unroll: int = 0                   # unrolled GAN: G steps against D after this many look-ahead steps (0: off)
    unroll_lr: float = 0.002          # the look-ahead's gradient-descent learning rate η (minigan/gan/unrolled.py)
    fresh_noise: bool = False         # the G step draws new z (Goodfellow et al.'s Algorithm 1) instead of
                                      # reusing the D step's batch
    conditional: bool = False         # cGAN: G(z, y) and D(x, y) (Mirza & Osindero 2014); --loss acgan: AC-GAN
    mismatch: float | None = None     # cGAN: weight of D's term on real images with wrong labels (minigan/conditional/mismatch.py);
                                      # None: 1 for --conditional (with two classes or more), else 0
    infogan: bool = False             # InfoGAN: a 10-way and two continuous codes, and a Q head (Chen et al. 2016)
    classes: list | None = None       # train on a subset of the digit classes
    data_path: str | None = None
    toy_samples: int = 50_000         # size of a toy dataset (one epoch)
    max_steps: int | None = None      # stop after this many steps (a checkpoint is written)
    eval_every_epoch: bool = False    # FID and class histogram after every epoch (toy sets: always)
    eval_n: int = 2000                # samples for that evaluation
    checkpoint_every: int = 500       # also save every this many steps (epochs of the MNIST sets are 937)

    def __post_init__(self):
        for key, value in {**DEFAULT_SETTINGS, **LOSS_PRESETS.get(self.loss, {})}.items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.mismatch is None:          # on for the cGAN, when there is a wrong label to give
            several = not isinstance(self.classes, (list, tuple)) or len(set(self.classes)) >= 2
            self.mismatch = 1.0 if self.conditional and several else 0.0

    def validate(self):
        def bad(what, value, expected):
            raise ValueError(f"minigan train: expected {what} {expected}, got {value!r}")
        if self.model not in models.MODELS:
            bad("--model to be one of", self.model, list(models.MODELS))
        if self.dataset not in DATASETS:
            bad("--dataset to be one of", self.dataset, list(DATASETS))
        if self.loss not in losses.GAN_LOSSES:
            bad("--loss to be one of", self.loss, sorted(losses.GAN_LOSSES))
        if (self.model == "toy") != (self.dataset in TOY_DATASETS):
            raise ValueError(f"minigan train: model {self.model!r} does not fit dataset {self.dataset!r}: the toy "
                             f"model learns the 2-D sets {list(TOY_DATASETS)}, mlp and dcgan the image sets "
                             f"{list(IMAGE_DATASETS)}")
        if self.optimizer not in ("adam", "rmsprop", "sgd"):
            bad("--optimizer to be one of", self.optimizer, ["adam", "rmsprop", "sgd"])
        for name in ("beta1", "beta2"):
            if not (isinstance(getattr(self, name), (int, float)) and 0 <= getattr(self, name) < 1):
                bad(f"--{name} in [0, 1)", getattr(self, name), "")
        if self.gp_weight is not None and self.loss != "wgan-gp":
            raise ValueError(f"minigan train: --gp-weight belongs to --loss wgan-gp, got it with --loss {self.loss}")
        if self.loss == "wgan-gp" and not (isinstance(self.gp_weight, (int, float)) and 0 < self.gp_weight < math.inf):
            bad("--gp-weight > 0", self.gp_weight, "")
        if isinstance(self.pack, bool) or not isinstance(self.pack, int) or self.pack < 1:
            bad("--pack to be a positive integer", self.pack, "")
        if self.batch_size % self.pack:
            raise ValueError(f"minigan train: --batch-size {self.batch_size} must be a multiple of --pack {self.pack} "
                             "(the discriminator judges packs of that many samples)")
        if isinstance(self.minibatch_kernels, bool) or not isinstance(self.minibatch_kernels, int) \
                or self.minibatch_kernels < 0:
            bad("--minibatch-kernels to be an integer >= 0", self.minibatch_kernels, "")
        if isinstance(self.unroll, bool) or not isinstance(self.unroll, int) or self.unroll < 0:
            bad("--unroll (look-ahead steps of D) to be an integer >= 0", self.unroll, "")
        if not (isinstance(self.unroll_lr, (int, float)) and 0 < self.unroll_lr < math.inf):
            bad("--unroll-lr > 0", self.unroll_lr, "")
        if self.unroll and self.feature_matching:
            raise ValueError("minigan train: --unroll and --feature-matching are two different generator objectives; "
                             "choose one")
        self._validate_conditioning()
        if not (isinstance(self.ema, (int, float)) and 0 <= self.ema < 1):
            bad("--ema (the averaging decay) in [0, 1)", self.ema, "")
        if not (isinstance(self.r1, (int, float)) and 0 <= self.r1 < math.inf):
            bad("--r1 >= 0", self.r1, "")
        if self.r1 and self.loss in ("wgan", "wgan-gp"):
            raise ValueError(f"minigan train: --r1 is a penalty for the probability losses (e.g. nonsaturating); "
                             f"the {self.loss} critic is already constrained (weight clipping or gradient penalty)")
        if self.dropout is not None:
            if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
                bad("--dropout in [0, 1)", self.dropout, "")
            if self.dropout > 0 and self.model != "dcgan":
                raise ValueError(f"minigan train: --dropout sets the dcgan discriminator's dropout; the {self.model} "
                                 "discriminator has none")
        if not (isinstance(self.width, (int, float)) and 0 < self.width <= 8):
            bad("--width in (0, 8]", self.width, "")
        if self.classes is not None and (not self.classes or any(
                isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= 9 for c in self.classes)):
            bad("--classes to be digits 0..9", self.classes, "")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            bad("--seed to be an integer >= 0", self.seed, "")
        if not (isinstance(self.clip, (int, float)) and 0 < self.clip < math.inf):
            bad("--clip (the WGAN weight-clipping bound c) > 0", self.clip, "")
        if not (isinstance(self.eval_n, int) and self.eval_n >= 2):
            bad("--eval-n >= 2 (FID needs a covariance, from at least two samples; 2000 is the default)", self.eval_n, "")
        for name in ("epochs", "batch_size", "n_critic", "toy_samples", "checkpoint_every"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) > 0):
                bad(f"--{name.replace('_', '-')} to be a positive integer", getattr(self, name), "")
        for name in ("lr_g", "lr_d"):
            if not (getattr(self, name) > 0 and math.isfinite(getattr(self, name))):
                bad(f"--{name.replace('_', '-')} > 0", getattr(self, name), "")
        if not 0 <= self.label_smoothing < 0.5:
            bad("--label-smoothing in [0, 0.5)", self.label_smoothing, "")
        if self.label_smoothing and not losses.get_gan_loss(self.loss).smoothing:
            raise ValueError(f"minigan train: label smoothing has no meaning for the {self.loss} loss "
                             "(it has no real-label target)")
        if self.max_steps is not None and self.max_steps <= 0:
            bad("--max-steps to be a positive integer", self.max_steps, "")
        return self


    def _validate_conditioning(self):
        chosen = [flag for flag, on in (("--conditional", self.conditional), ("--loss acgan", self.loss == "acgan"),
                                        ("--infogan", self.infogan)) if on]
        if not (isinstance(self.mismatch, (int, float)) and 0 <= self.mismatch < math.inf):
            raise ValueError(f"minigan train: expected --mismatch (the weight of the mismatched pairs) >= 0, got "
                             f"{self.mismatch!r}")
        if self.mismatch and not self.conditional:
            raise ValueError(f"minigan train: --mismatch belongs to --conditional (only the cGAN's D reads a label "
                             f"beside the image), got it with {chosen[0] if chosen else 'an unconditional GAN'}")
        if self.mismatch and self.classes is not None and len(set(self.classes)) < 2:
            raise ValueError(f"minigan train: --mismatch needs a wrong label, so at least two --classes, got "
                             f"--classes {' '.join(map(str, self.classes))} (use --mismatch 0)")
        if not chosen:
            return
        if len(chosen) > 1:
            raise ValueError(f"minigan train: {' and '.join(chosen)} are different ways to condition a GAN; choose one")
        if self.model == "toy" or self.dataset not in IMAGE_DATASETS:
            raise ValueError(f"minigan train: {chosen[0]} needs an image set {list(IMAGE_DATASETS)} and an image model "
                             f"(--model mlp, dcgan or infogan), got --model {self.model} --dataset {self.dataset}")
        others = [flag for flag, on in (("--loss wgan-gp", self.loss == "wgan-gp"), ("--r1", self.r1),
                                        ("--unroll", self.unroll), ("--feature-matching", self.feature_matching),
                                        ("--pack", self.pack > 1), ("--minibatch-kernels", self.minibatch_kernels))
                  if on]
        if others:
            raise ValueError(f"minigan train: {chosen[0]} does not combine with {', '.join(others)} yet: those pieces "
                             "see D as a network with one input and one output")


