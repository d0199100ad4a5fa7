"""The adversarial trainer behind ``minigan train``.

One *step* takes one real batch and does one discriminator update; every ``n_critic``-th step also
does one generator update (WGAN uses n_critic = 5). ``Trainer.train_step`` is the algorithm:

    fake = G(z, codes)               codes: a label y (cGAN, AC-GAN), InfoGAN's (c, c′), or none
    D step:  L_D(D(real), D(fake))   backward into D only (G's cache stays for the G step)
             + auxiliary loss        on D's extra heads (AC-GAN's classes, InfoGAN's Q)
             + each D term           add their gradients into D: the penalties WGAN-GP, R1
                                     (minigan/lipschitz.py); the cGAN's mismatched pairs (minigan/mismatch.py)
             optimizer step, then each constraint (WGAN: weight clipping)
    G step:  L_G(D(fake)) (+ aux)    backward through a frozen D into G

What G and D read (z or (z, y); x or (x, y)) and the auxiliary loss come from the run's conditioning
piece (minigan/conditioning.py), so the step reads the same for the plain GAN, the cGAN, AC-GAN
and InfoGAN.

Everything else here is bookkeeping a careful run needs: a JSONL log with one row per step
(losses, mean D(x) and D(G(z)), every layer's gradient norm), a divergence guard, atomic
checkpoints that resume bit-identically on the CPU, and pictures in the run folder.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math
import os
import time
from dataclasses import dataclass

import numpy

from . import checkpoint, conditioning, lipschitz, losses, models, optim, run_folder
from .backend import RNG, get_array_module, manual_seed, set_device, to_device, to_numpy
from .data import batches
from .discriminator_pass import discriminator_pass
from .data import mnist as mnist_data
from .data import toy as toy_data
from .ema import WeightAverage
from .objectives import generator_objective
from .unrolled import check_unrollable
from .io import atomic_path, read_jsonl, strict_json

IMAGE_DATASETS = ("mnist", "fashion-mnist")
TOY_DATASETS = ("ring", "grid")
DATASETS = IMAGE_DATASETS + TOY_DATASETS


class DivergenceError(RuntimeError):
    """NaN or Inf appeared in a loss or a gradient; the message names the step and the layer."""


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
    ema: float = 0.0                  # weight averaging of G: the decay β (e.g. 0.999); 0: off (minigan/ema.py)
    pack: int = 1                     # PacGAN: D judges packs of this many samples (Lin et al. 2018)
    minibatch_kernels: int = 0        # minibatch discrimination: B kernels of 5 before D's last layer (0: off)
    feature_matching: bool = False    # G matches the mean of D's features on real data (Salimans et al. 2016)
    unroll: int = 0                   # unrolled GAN: G steps against D after this many look-ahead steps (0: off)
    unroll_lr: float = 0.002          # the look-ahead's gradient-descent learning rate η (minigan/unrolled.py)
    fresh_noise: bool = False         # the G step draws new z (Goodfellow et al.'s Algorithm 1) instead of
                                      # reusing the D step's batch
    conditional: bool = False         # cGAN: G(z, y) and D(x, y) (Mirza & Osindero 2014); --loss acgan: AC-GAN
    mismatch: float | None = None     # cGAN: weight of D's term on real images with wrong labels (minigan/mismatch.py);
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


def load_real_data(config: TrainConfig):
    """The training set as float32, images (N, 1, 28, 28) in [-1, 1] or toy points (N, 2), and its
    labels (N,) int64 (None for the toy sets)."""
    labels = None
    if config.dataset in IMAGE_DATASETS:
        dataset = mnist_data.load(config.dataset, "train", path=config.data_path, classes=config.classes)
        data, labels = dataset.images, dataset.labels
    else:
        sampler = toy_data.ring if config.dataset == "ring" else toy_data.grid
        data = sampler(config.toy_samples, numpy.random.default_rng(config.seed + 1)).astype(numpy.float32)
    if config.batch_size > len(data):
        raise ValueError(f"minigan train: --batch-size {config.batch_size} is larger than the dataset "
                         f"({len(data)} examples)")
    return data, labels


def layer_groups(prefix: str, module) -> dict:
    """{"G.0 Dense(100→256)": [params]}: the parameters of each layer that has any. Containers (a
    Parallel, a Fork of D's heads, a Sequential inside them) are opened: each layer inside counts
    apart ("D.5.1 Dense(256→10)", the class head)."""
    groups = {}
    for i, layer in enumerate(module.children()):
        if layer.is_container:
            groups.update(layer_groups(f"{prefix}.{i}", layer))
        elif layer.parameters():
            groups[f"{prefix}.{i} {layer!r}"] = layer.parameters()
    return groups


def gradient_norms(groups: dict) -> dict:
    """The L2 norm of each layer's gradient (all its parameters together); NaN/Inf pass through."""
    norms = {}
    for name, params in groups.items():
        xp = get_array_module(params[0].grad)
        norms[name] = math.sqrt(sum(float(xp.vdot(p.grad.ravel(), p.grad.ravel())) for p in params))
    return norms


def _diverged(step: int, what: str, where: str):
    return DivergenceError(f"training diverged at step {step}: {what} in {where}. Checkpoints never hold NaN or "
                           "Inf weights, so the last one written (if any) is intact; try a lower learning rate "
                           "(or another loss).")


def _check_finite(step: int, what: str, values: dict):
    for name, value in values.items():
        if not math.isfinite(value):
            raise _diverged(step, f"the {what} is {value}", name)


def _first_non_finite_layer(groups: dict):
    for name, params in groups.items():
        xp = get_array_module(params[0].data)
        if not all(bool(xp.isfinite(p.data).all()) for p in params):
            return name
    return None


class Trainer:
    """Owns the networks, optimizers, data and random state of one run."""

    def __init__(self, config: TrainConfig, real_data: numpy.ndarray | None = None, real_labels=None):
        self.config = config.validate()
        set_device(config.device)
        manual_seed(config.seed)                      # initial weights and Dropout seeds
        self.G, self.D = models.build_from_config(dataclasses.asdict(config))
        self.condition = conditioning.from_config(dataclasses.asdict(config))   # plain, cGAN, AC-GAN, InfoGAN
        self.noise_dim = models.noise_dim(dataclasses.asdict(config))
        self.loss = losses.get_gan_loss(config.loss)
        self.generator_objective = generator_objective(config, self.loss)   # adversarial, feature matching, unrolled
        if config.unroll:
            check_unrollable(self.D)                    # before the first step, naming the layer that cannot
        penalties, self.constraints = lipschitz.pieces_for(config)
        lipschitz.check_critic(self.D, penalties)
        # What D's step adds after its loss, each into D's .grad: penalties (WGAN-GP, R1) and the
        # conditioning's own terms (the cGAN's mismatched pairs, minigan/mismatch.py).
        self.d_terms = penalties + self.condition.discriminator_terms(config, self.loss)
        # Weight averaging: a copy of G that follows it (minigan/ema.py); never trained, always in eval mode.
        self.G_ema = copy.deepcopy(self.G).eval() if config.ema else None
        self.averaging = WeightAverage(self.G_ema, config.ema) if config.ema else None
        self.opt_g = self._optimizer(self.G, config.lr_g)
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self.real, self.labels = load_real_data(config) if real_data is None else (real_data, real_labels)
        if config.eval_every_epoch and config.dataset in IMAGE_DATASETS:
            from .classifier import load_classifier
            load_classifier(config.dataset)             # fail now, not after the first epoch
        self.noise_rng = numpy.random.default_rng(config.seed + 3)    # z for training steps
        self.code_rng = numpy.random.default_rng(config.seed + 5)     # the fakes' labels or codes
        # The pictures' fixed input: 64 samples, or one row of 10 per class for a conditional run.
        picture_rng = numpy.random.default_rng(config.seed + 4)
        self.picture_columns = 10 if self.condition.classes else 8
        self.fixed_codes = self.condition.grid_codes(self.picture_columns, picture_rng)
        n_pictures = len(self.fixed_codes[0]) if self.fixed_codes else (64 if config.model != "toy" else 1000)
        self.fixed_noise = picture_rng.standard_normal((n_pictures, self.noise_dim)).astype(numpy.float32)
        self.step = 0                  # steps done (one real batch each)
        self.epoch = 0                 # epochs completed
        self.position = 0              # batches done in the current epoch
        self.g_groups = layer_groups("G", self.G)
        self.d_groups = layer_groups("D", self.D)
        self.last_g = {"g_loss": None, "grad_norms": {}, "aux": {}}     # None: no generator update yet

    def _optimizer(self, module, lr):
        c = self.config
        if c.optimizer == "adam":
            return optim.Adam(module.parameters(), lr=lr, betas=(c.beta1, c.beta2))
        if c.optimizer == "rmsprop":
            return optim.RMSProp(module.parameters(), lr=lr)
        return optim.SGD(module.parameters(), lr=lr, momentum=c.beta1)

    @property
    def steps_per_epoch(self) -> int:
        return len(self.real) // self.config.batch_size

    # ---- the algorithm -------------------------------------------------------------------------
    def train_step(self, real, noise, labels=None) -> dict:
        """One D update on (real, G(noise)); a G update every n_critic steps. Returns the log row.
        ``labels``: the real batch's classes (N,) int64, which conditional variants need."""
        with numpy.errstate(over="ignore", invalid="ignore"):   # overflow is caught below, with a clearer message
            return self._train_step(real, noise, labels)

    def _fakes(self, noise, keep_cache: bool):
        """G(z, codes) for new codes: (fake images, codes). G keeps its cache only for its own backward."""
        codes = self.condition.draw(noise.shape[0], self.code_rng, self.config.device)
        g_input = self.condition.generator_input(noise, codes)
        return (self.G.forward(g_input) if keep_cache else self.G.predict(g_input)), codes

    def _train_step(self, real, noise, labels) -> dict:
        xp = get_array_module(real)
        batch = real.shape[0]
        if not bool(xp.isfinite(real).all()):        # the NaN rule: data is checked once per step, here
            raise ValueError(f"minigan train: the real batch of step {self.step + 1} contains "
                             f"{int(xp.isnan(real).sum())} NaN and {int(xp.isinf(real).sum())} Inf values: the "
                             "training data is damaged (the weights are not to blame)")
        g_turn = (self.step + 1) % self.config.n_critic == 0
        reuse = g_turn and not self.config.fresh_noise                        # the G step reuses these fakes
        fake, codes = self._fakes(noise, keep_cache=reuse)                    # G keeps its cache for its turn
        real_in = self.condition.real_input(real, labels)                     # x, or (x, y) for the cGAN
        aux = self.condition.auxiliary(labels, codes)                         # AC-GAN, InfoGAN: the heads' loss

        # Discriminator: L_D on real and fake (one pass, or two when D's samples interact).
        self.opt_d.zero_grad()
        d_loss, out = discriminator_pass(self.D, self.loss, real_in, self.condition.fake_input(fake, codes),
                                         1.0 - self.config.label_smoothing, check=self._finite, auxiliary=aux)
        # The heads' loss (class or information loss) is inside d_loss; the log shows it apart too.
        d_aux = {f"d_{aux.name}": aux.values["real"] + aux.values["fake"]} if aux is not None else {}
        extras = {}
        for term in self.d_terms:                             # WGAN-GP, R1, mismatched pairs: add into D's .grad
            extras.update(term(self.D, real, fake, labels))
        d_norms = gradient_norms(self.d_groups)
        _check_finite(self.step + 1, "D loss", {"D": d_loss, **extras})
        _check_finite(self.step + 1, "gradient", d_norms)
        self.opt_d.step()
        for constrain in self.constraints:                                    # WGAN: clip the weights
            constrain(self.D)

        if g_turn:
            # Generator: through D (frozen: its gradients stay untouched) into G.
            if self.config.fresh_noise:                                       # Algorithm 1 draws new z here
                fake, codes = self._fakes(self.next_noise(batch), keep_cache=True)
                aux = self.condition.auxiliary(labels, codes)
            self.opt_g.zero_grad()
            g_loss, d_fake_images = self.generator_objective(self.D, real_in, self.condition.fake_input(fake, codes),
                                                             check=self._finite, auxiliary=aux)
            self.G.backward(d_fake_images, input_grad=False)                   # the noise needs no gradient
            g_norms = gradient_norms(self.g_groups)
            _check_finite(self.step + 1, "G loss", {"G": g_loss})
            _check_finite(self.step + 1, "gradient", g_norms)
            self.opt_g.step()
            if self.averaging is not None:
                self.averaging.update(self.G)
            self.last_g = {"g_loss": g_loss, "grad_norms": g_norms,
                           "aux": {f"g_{aux.name}": aux.values["fake"]} if aux is not None else {}}

        self.step += 1
        scores = to_numpy(out).astype(numpy.float64)
        if self.loss.probabilities:                                           # D(x) = σ(logit)
            scores = 1 / (1 + numpy.exp(-scores))
        return {"step": self.step, "epoch": self.epoch + 1, "d_loss": d_loss, "g_loss": self.last_g["g_loss"],
                "d_real": float(scores[:len(scores) // 2].mean()), "d_fake": float(scores[len(scores) // 2:].mean()),
                **extras, **d_aux, **self.last_g["aux"],
                "grad_norms": {**d_norms, **self.last_g["grad_norms"]}}

    def _finite(self, out):
        """Stop with the step and the first layer holding NaN/Inf weights when D's output is not finite."""
        if not bool(get_array_module(out).isfinite(out).all()):
            self.D.clear_cache()
            self.G.clear_cache()
            where = (_first_non_finite_layer(self.g_groups) or _first_non_finite_layer(self.d_groups)
                     or "the discriminator's output (its activations overflowed float32)")
            raise _diverged(self.step + 1, "NaN or Inf values", where)
        return out

    # ---- data ----------------------------------------------------------------------------------
    def epoch_batches(self):
        """The rest of the current epoch's (images, labels) batches (labels None for unlabeled data), in an
        order fixed by (seed, epoch), so a resumed run continues the same permutation at the same place."""
        epoch_rng = numpy.random.default_rng((self.config.seed, self.epoch))
        order = batches(numpy.arange(len(self.real)), self.config.batch_size, epoch_rng)
        return ((self.real[i], None if self.labels is None else self.labels[i])
                for i in itertools.islice(order, self.position, None))

    def next_noise(self, n: int):
        return to_device(self.noise_rng.standard_normal((n, self.noise_dim)).astype(numpy.float32), self.config.device)

    def end_epoch(self):
        self.epoch += 1
        self.position = 0

    # ---- checkpoints ---------------------------------------------------------------------------
    def random_state(self) -> dict:
        # Dropout generators on the GPU (CuPy) cannot export their state: a GPU run resumes with
        # fresh masks from the seed, so only CPU runs resume bit for bit.
        return {"noise": self.noise_rng.bit_generator.state, "codes": self.code_rng.bit_generator.state,
                "d_terms": {t.name: t.rng.bit_generator.state for t in self.d_terms if t.rng is not None},
                "dropout": {name: m.rng.get_state() for name, m in self._dropouts()
                            if m.rng is not None and m.rng.device == "cpu"}}

    def _dropouts(self):
        from .nn import Dropout
        for prefix, net in (("G", self.G), ("D", self.D)):
            for name, m in net.named_modules(prefix):        # nested ones too ("D.0.0.2": inside D's body)
                if isinstance(m, Dropout):
                    yield name, m

    def save_checkpoint(self, path: str):
        """Write the checkpoint atomically; weights holding NaN/Inf stop the run instead (DivergenceError)."""
        bad = checkpoint.first_non_finite(self.networks())
        if bad is not None:
            raise _diverged(self.step, "NaN or Inf values (after the optimizer step)", bad.replace("/", " layer "))
        meta = {"config": dataclasses.asdict(self.config), "step": self.step, "epoch": self.epoch,
                "position": self.position, "random_state": self.random_state()}
        checkpoint.save(path, self.networks(), {"G": self.opt_g, "D": self.opt_d}, meta)

    def networks(self) -> dict:
        """What a checkpoint holds: G, D, and the averaged G when there is one."""
        return {"G": self.G, "D": self.D, **({"G_ema": self.G_ema} if self.G_ema is not None else {})}

    @property
    def sampling_generator(self):
        """The generator that pictures and evaluation show: the averaged one when averaging is on."""
        return self.G_ema if self.G_ema is not None else self.G

    def load_checkpoint(self, path: str):
        meta = checkpoint.read_meta(path)
        saved = meta["config"]
        # A checkpoint written before a key existed was trained with that key's default.
        defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
        mismatches = [f"{key}={saved.get(key, defaults.get(key))!r}, this run asks for {key}={getattr(self.config, key)!r}"
                      for key in ("model", "width", "dataset", "loss", "optimizer", "spectral_norm", "dropout", "ema",
                                  "pack", "minibatch_kernels", "conditional", "infogan")
                      if saved.get(key, defaults.get(key)) != getattr(self.config, key)]
        if mismatches:
            raise checkpoint.CheckpointError(f"minigan: cannot resume from {path!r}: it was written with "
                                             + "; ".join(mismatches))
        checkpoint.load(path, self.networks(), {"G": self.opt_g, "D": self.opt_d})
        # The optimizers' state comes back; their hyperparameters are this run's (same config:
        # the same numbers, so the run continues exactly; a new --lr-g/--lr-d on resume applies).
        for opt, lr in ((self.opt_g, self.config.lr_g), (self.opt_d, self.config.lr_d)):
            opt.lr = lr
            if isinstance(opt, optim.Adam):
                opt.betas = (self.config.beta1, self.config.beta2)
            elif isinstance(opt, optim.SGD):
                opt.momentum = self.config.beta1
        self.step, self.epoch, self.position = meta["step"], meta["epoch"], meta["position"]
        state = meta["random_state"]
        self.noise_rng.bit_generator.state = state["noise"]
        if "codes" in state:                    # checkpoints from before conditioning drew no codes
            self.code_rng.bit_generator.state = state["codes"]
        saved_terms = state.get("d_terms", state.get("penalties", {}))     # "penalties": checkpoints before 2026-11
        for term in self.d_terms:
            if term.name in saved_terms:
                term.rng.bit_generator.state = saved_terms[term.name]
        for name, m in self._dropouts():
            if name in state["dropout"]:
                if m.rng is None or m.rng.device != self.config.device:
                    m.rng = RNG(m.seed, self.config.device)
                m.rng.set_state(state["dropout"][name])


def run_dir_files(out: str) -> dict:
    return run_folder.paths(out)


def train(config: TrainConfig, resume: bool = False, progress: bool = True, real_data=None,
          pictures: bool = True, log=print, overwrite: bool = False) -> Trainer:
    """Run (or resume) training as ``config`` says, writing everything into ``config.out``.

    A folder that already holds a run is refused unless ``resume`` (continue it) or ``overwrite``
    (delete that run's files first) is given: see minigan/run_folder.py.
    """
    from . import monitor, plots

    config.validate()
    files = run_dir_files(config.out)
    if resume and not os.path.isfile(files["checkpoint"]):
        raise checkpoint.CheckpointError(f"minigan train: --resume given but {files['checkpoint']!r} does not exist")
    run_folder.prepare(config.out, resume, overwrite, log=log)
    from . import threads
    warning = threads.busy_warning(threads.current()[0])
    if warning:
        log(warning)
    trainer = Trainer(config, real_data)
    history = []
    if resume:
        held = checkpoint.read_meta(files["checkpoint"])["config"]      # the settings that trained so far
        trainer.load_checkpoint(files["checkpoint"])
        log(f"resumed from {files['checkpoint']} at step {trainer.step} (epoch {trainer.epoch + 1})")
        _truncate_log(files["log"], trainer.step, warn=log)
        history = _settings_history(files["config"], held, dataclasses.asdict(config), trainer.step)
    record = {**dataclasses.asdict(config), **({"history": history} if history else {})}
    with atomic_path(files["config"]) as tmp, open(tmp, "w") as f:
        f.write(strict_json(record, indent=2))

    total_steps = config.epochs * trainer.steps_per_epoch
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total_steps, initial=min(trainer.step, total_steps), unit="step",
                   desc=f"{config.model} on {config.dataset}", dynamic_ncols=True)
    started = time.perf_counter()
    with open(files["log"], "a") as log_file:
        while trainer.epoch < config.epochs and trainer.step < total_steps:
            for real, labels in trainer.epoch_batches():
                if trainer.step >= total_steps:
                    break
                row = trainer.train_step(to_device(real, config.device), trainer.next_noise(len(real)),
                                         None if labels is None else to_device(labels, config.device))
                trainer.position += 1
                try:
                    log_file.write(strict_json(row) + "\n")
                except OSError as exc:
                    raise OSError(f"minigan train: could not append to {files['log']!r}: {exc.strerror} (the "
                                  "checkpoint on disk is whole; free space, then --resume)") from exc
                if trainer.step % config.checkpoint_every == 0:          # a kill mid-epoch loses at most this much
                    log_file.flush()
                    trainer.save_checkpoint(files["checkpoint"])
                if bar is not None:
                    bar.update(1)
                    if trainer.step % 10 == 0:
                        g_loss = "-" if row["g_loss"] is None else f"{row['g_loss']:.3f}"
                        bar.set_postfix(d_loss=f"{row['d_loss']:.3f}", g_loss=g_loss,
                                        epoch=f"{trainer.epoch + 1}/{config.epochs}")
            if trainer.position >= trainer.steps_per_epoch:
                trainer.end_epoch()
                log_file.flush()
                if pictures:
                    plots.epoch_pictures(trainer, config.out)
                monitor.after_epoch(trainer, config.out, log=bar.write if bar is not None else log)
            trainer.save_checkpoint(files["checkpoint"])
    if bar is not None:
        bar.close()
    if pictures:
        plots.run_pictures(files["log"], config.out, config.dataset in TOY_DATASETS)
        trainer.condition.end_of_run_pictures(trainer.sampling_generator, trainer.noise_dim, config.out, config.device,
                                              config.seed)
    log(f"{trainer.step} steps in {time.perf_counter() - started:.1f} s; run folder: {config.out}")
    return trainer


def _settings_history(config_path: str, held: dict, now: dict, step: int) -> list:
    """config.json's ``history``: one entry per resume that changed a setting, {"from_step", "changed":
    {key: [before, after]}}, so the record says which settings held when."""
    history = []
    if os.path.isfile(config_path):
        try:
            with open(config_path) as f:
                history = json.load(f).get("history", [])
        except (OSError, ValueError):
            history = []
    ignore = {"out"}
    changed = {k: [held.get(k), v] for k, v in now.items() if k not in ignore and held.get(k) != v}
    if changed:
        history.append({"from_step": step, "changed": changed})
    return history


def _truncate_log(path: str, step: int, warn=print):
    """Drop log rows after ``step`` (written after the checkpoint the run resumes from), and a torn
    last line."""
    if not os.path.exists(path):
        return
    rows = [row for row in read_jsonl(path, warn=warn) if row["step"] <= step]
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.writelines(strict_json(row) + "\n" for row in rows)
