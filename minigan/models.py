"""The GANs minigan trains: ``mlp``, ``dcgan``, ``infogan`` (the InfoGAN paper's networks), and for the
2-D sets ``toy``, ``toy-pacgan``, ``toy-unrolled`` and ``toy-wgan-gp`` (those papers' networks).
Each builder returns (G, D).

Image models map noise (N, noise_dim) to images (N, 1, 28, 28) in [-1, 1] (tanh), and images to
one logit per image (N, 1). ``width`` multiplies every hidden width (channel count or units), so
``width=0.25`` gives a DCGAN a laptop trains in minutes.

``condition`` (minigan/conditional/__init__.py) makes the same networks conditional, in three places:

* G's input: the codes (a label y, or InfoGAN's c and c′) are joined to z,
  ``Parallel(Identity(), OneHot(10), ...)`` then ``Concat()``, and G's first layer grows to match;
* D's input (cGAN): the one-hot label is joined to the flattened image (mlp), or enters D's last
  layer through a projection, φ(x)·w + b + ⟨E[y], φ(x)⟩ (dcgan);
* D's output (AC-GAN, InfoGAN): the last layer becomes ``Fork(logit, class head, ...)``, heads on one body
  (the infogan model's heads share a hidden layer of their own first, the paper's Q).
"""
from __future__ import annotations

from . import nn
from .checks import Rule
from .conditional import Unconditional, from_config
from .data import IMAGE_DATASETS, TOY_DATASETS
from .nn.init import orthogonal_with_gain

MODELS = ("mlp", "dcgan", "infogan", "toy", "toy-pacgan", "toy-unrolled", "toy-wgan-gp")
TOY_MODELS = ("toy", "toy-pacgan", "toy-unrolled", "toy-wgan-gp")        # the networks for the 2-D sets
MAX_WIDTH = 8          # --width is in (0, MAX_WIDTH]: wider nets than that do not fit a learner's machine
NOISE_DIM = {"mlp": 100, "dcgan": 100, "infogan": 62, "toy": 2, "toy-pacgan": 2, "toy-unrolled": 256, "toy-wgan-gp": 2}


MAX_TOY_LAYERS = 8                  # --hidden-layers: deeper toy nets train poorly without normalization


def _scaled(units: int, width: float) -> int:
    return max(1, int(round(units * width)))


PLAIN = Unconditional()


def _generator_input(condition, noise_dim: int, noise=None):
    """The layers that join G's inputs (z, *codes) into one vector, and that vector's width.
    ``noise``: a layer z passes through first (the infogan model's ``Scale``); None: z as it is."""
    codes = condition.code_inputs(noise_dim)
    if not codes:
        return ([noise] if noise is not None else []), noise_dim
    branches = [noise if noise is not None else nn.Identity()] + [module for module, _ in codes]
    return [nn.Parallel(*branches), nn.Concat()], noise_dim + sum(w for _, w in codes)


def _output(condition, features: int, head_layer=None):
    """D's last layer: one logit, or (AC-GAN, InfoGAN) a Fork of the logit and the extra heads.
    ``head_layer`` (units, slope): the heads share a hidden layer of their own, Dense, BatchNorm and
    LeakyReLU, before their Dense outputs (the InfoGAN paper's Q); None: the heads read D's features."""
    logit = nn.Dense(features, 1)
    if not condition.heads:
        return logit
    if head_layer is None:
        return nn.Fork(logit, *(nn.Dense(features, width) for width in condition.heads))
    units, slope = head_layer
    q = nn.Sequential(nn.Dense(features, units), nn.BatchNorm1d(units), nn.LeakyReLU(slope),
                      nn.Fork(*(nn.Dense(units, width) for width in condition.heads)))
    return nn.Fork(logit, q)            # (logit, *heads): Fork flattens Q's outputs into its own


def mlp(width: float = 1.0, dropout=None, condition=PLAIN):
    """The dense GAN of the vanilla-GAN document (Goodfellow et al. 2014 style), made correct.

    G: 100 → 256 → 256 → 784, ReLU, tanh output, reshaped to (1, 28, 28).
    D: 784 → 256 → 256 → 1, LeakyReLU 0.2, one logit (the sigmoid lives in the loss).
    cGAN: G reads [z, onehot(y)] (110 values), D reads [flatten(x), 28·onehot(y)] (794 values): the
    label scaled to the image's norm (√784 = 28) so that 784 pixels do not drown it out.
    """
    h = _scaled(256, width)
    joins, g_in = _generator_input(condition, condition.noise_dim(100))
    if condition.label_to_discriminator:    # (x, y) → [flatten(x), s·onehot(y)]: (N, 784 + 10)
        label = nn.OneHot(condition.classes, scale=condition.mlp_discriminator_label_scale)
        d_input = [nn.Parallel(nn.Flatten(), label), nn.Concat()]
        d_in = 784 + condition.classes
    else:
        d_input, d_in = [nn.Flatten()], 784
    generator = nn.Sequential(
        *joins,
        nn.Dense(g_in, h), nn.ReLU(),
        nn.Dense(h, h), nn.ReLU(),
        nn.Dense(h, 784), nn.Tanh(),
        nn.Reshape((1, 28, 28)),
    )
    discriminator = nn.Sequential(
        *d_input,
        nn.Dense(d_in, h), nn.LeakyReLU(0.2),
        nn.Dense(h, h), nn.LeakyReLU(0.2),
        _output(condition, h),
    )
    return generator, discriminator


def dcgan(width: float = 1.0, dropout=None, condition=PLAIN):
    """The TensorFlow DCGAN tutorial's architecture (tensorflow.org/tutorials/generative/dcgan),
    as written in docs/baselines.md, in NCHW and in Keras' own settings:

    G: Dense(100 → 7·7·256, no bias), BatchNorm, LeakyReLU; reshape (256, 7, 7);
       ConvTranspose(256→128, 5×5, stride 1, "same", no bias), BatchNorm, LeakyReLU;
       ConvTranspose(128→64, 5×5, stride 2, "same", no bias), BatchNorm, LeakyReLU;
       ConvTranspose(64→1, 5×5, stride 2, "same", no bias), tanh  → (1, 28, 28).
    D: Conv(1→64, 5×5, stride 2, "same"), LeakyReLU, Dropout 0.3;
       Conv(64→128, 5×5, stride 2, "same"), LeakyReLU, Dropout 0.3; Flatten, Dense(6272 → 1).

    Keras defaults kept: LeakyReLU slope 0.3, BatchNormalization momentum 0.99 and epsilon 1e-3
    (PyTorch momentum 0.01), Glorot-uniform weights. Keras "same" pads a 5×5 stride-2 layer (1, 2);
    PyTorch's padding=2 (+ output_padding=1) gives the same sizes and FLOPs, on a grid shifted by one.

    ``dropout`` replaces D's 0.3 (None keeps it); at 0 the Dropout layers stay, as identities, so
    parameter names and checkpoints keep their layout. WGAN-GP's critic has none (its preset sets 0).

    cGAN: G reads [z, onehot(y)]. D is a projection discriminator (Miyato & Koyama 2018): its body φ
    reads the image alone and its last layer is ``Projection``, φ(x)·w + b + ⟨E[y], φ(x)⟩. With
    ``condition.dcgan_discriminator = "planes"`` D reads the image with 10 label planes beside it
    instead, (N, 1 + 10, 28, 28) (docs/conditional-gans.md compares the two).
    """
    p = 0.3 if dropout is None else dropout
    c1, c2, c3 = (_scaled(c, width) for c in (256, 128, 64))
    d1, d2 = (_scaled(c, width) for c in (64, 128))

    def bn1d(f):
        return nn.BatchNorm1d(f, momentum=0.01, eps=1e-3)

    def bn2d(c):
        return nn.BatchNorm2d(c, momentum=0.01, eps=1e-3)

    joins, g_in = _generator_input(condition, condition.noise_dim(100))
    generator = nn.Sequential(
        *joins,
        nn.Dense(g_in, 7 * 7 * c1, bias=False), bn1d(7 * 7 * c1), nn.LeakyReLU(0.3),
        nn.Reshape((c1, 7, 7)),
        nn.ConvTranspose2d(c1, c2, 5, stride=1, padding="same", bias=False), bn2d(c2), nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(c2, c3, 5, stride=2, padding="same", bias=False), bn2d(c3), nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(c3, 1, 5, stride=2, padding="same", bias=False), nn.Tanh(),
    )

    def body(in_channels):                  # the image's features φ(x): (N, d2·7·7)
        return [nn.Conv2d(in_channels, d1, 5, stride=2, padding="same"), nn.LeakyReLU(0.3), nn.Dropout(p),
                nn.Conv2d(d1, d2, 5, stride=2, padding="same"), nn.LeakyReLU(0.3), nn.Dropout(p), nn.Flatten()]

    features = d2 * 7 * 7
    if not condition.label_to_discriminator:
        discriminator = nn.Sequential(*body(1), _output(condition, features))
    elif condition.dcgan_discriminator == "projection":   # (x, y) → (φ(x), y) → φ(x)·w + b + ⟨E[y], φ(x)⟩
        discriminator = nn.Sequential(nn.Parallel(nn.Sequential(*body(1)), nn.Identity()),
                                      nn.Projection(features, condition.classes))
    else:                                   # (x, y) → [x, planes(onehot(y))]: (N, 1 + 10, 28, 28)
        planes = nn.Sequential(nn.OneHot(condition.classes), nn.Planes(28, 28))
        discriminator = nn.Sequential(nn.Parallel(nn.Identity(), planes), nn.Concat(axis=1),
                                      *body(1 + condition.classes), nn.Dense(features, 1))
    return generator, discriminator


def infogan(width: float = 1.0, dropout=None, condition=PLAIN):
    """The InfoGAN paper's MNIST networks (Chen et al. 2016, appendix C.1, Table 1), minigan-style:

    G: [z/√3, codes] → Dense 1024, BatchNorm, ReLU → Dense 7·7·128, BatchNorm, ReLU → (128, 7, 7)
       → ConvTranspose(128→64, 4×4, stride 2, padding 1), BatchNorm, ReLU
       → ConvTranspose(64→1, 4×4, stride 2, padding 1), tanh  → (1, 28, 28).
    D: Conv(1→64, 4×4, stride 2, padding 1), LeakyReLU 0.1 → Conv(64→128, 4×4, stride 2, padding 1),
       BatchNorm, LeakyReLU 0.1 → Flatten → Dense 1024, LeakyReLU 0.1 → one logit.
    Q (the heads of InfoGAN and AC-GAN): Dense 128, BatchNorm, LeakyReLU 0.1 of its own on D's 1024
       features, then one Dense per head.

    Three differences from the paper, each explained in docs/infogan.md#the-networks: z ~ N(0, 1) scaled
    by 1/√3 (the paper's U(−1, 1) has that spread), a tanh output (minigan's images are in [−1, 1]) and
    no BatchNorm on D's 1024-unit layer. z has 62 values (NOISE_DIM). BatchNorm uses PyTorch's momentum
    0.1 and epsilon 1e-5; the LeakyReLU slope 0.1 is the paper's.

    cGAN: D is a projection discriminator over the same body, as in ``dcgan``.
    """
    f, c2, c1, q = (_scaled(u, width) for u in (1024, 128, 64, 128))
    joins, g_in = _generator_input(condition, condition.noise_dim(NOISE_DIM["infogan"]),
                                   noise=nn.Scale(3 ** -0.5))
    generator = nn.Sequential(
        *joins,
        nn.Dense(g_in, f), nn.BatchNorm1d(f), nn.ReLU(),
        nn.Dense(f, 7 * 7 * c2), nn.BatchNorm1d(7 * 7 * c2), nn.ReLU(),
        nn.Reshape((c2, 7, 7)),
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),   # (c1, 14, 14)
        nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1), nn.Tanh(),                        # (1, 28, 28)
    )
    body = [nn.Conv2d(1, c1, 4, stride=2, padding=1), nn.LeakyReLU(0.1),                     # (c1, 14, 14)
            nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.BatchNorm2d(c2), nn.LeakyReLU(0.1),  # (c2, 7, 7)
            nn.Flatten(), nn.Dense(7 * 7 * c2, f), nn.LeakyReLU(0.1)]                        # φ(x): (N, f)
    if condition.label_to_discriminator:    # (x, y) → (φ(x), y) → φ(x)·w + b + ⟨E[y], φ(x)⟩
        discriminator = nn.Sequential(nn.Parallel(nn.Sequential(*body), nn.Identity()),
                                      nn.Projection(f, condition.classes))
    else:
        discriminator = nn.Sequential(*body, _output(condition, f, head_layer=(q, 0.1)))
    return generator, discriminator


def toy(width: float = 1.0, dropout=None, condition=PLAIN, hidden_layers: int = 2):
    """Small MLPs for the 2-D mixtures: G 2 → 128 → 128 → 2 (linear output: the modes lie outside
    tanh's range), D 2 → 128 → 128 → 1, as in the mode-collapse experiments of Unrolled GAN/VEEGAN.
    ``hidden_layers``: how many 128-unit layers each network has (``--hidden-layers``; 2 by default)."""
    h = _scaled(128, width)
    g_layers, d_layers, features = [], [], 2
    for _ in range(hidden_layers):
        g_layers += [nn.Dense(features, h), nn.ReLU()]
        d_layers += [nn.Dense(features, h), nn.LeakyReLU(0.2)]
        features = h
    return nn.Sequential(*g_layers, nn.Dense(h, 2)), nn.Sequential(*d_layers, nn.Dense(h, 1))


def toy_pacgan(width: float = 1.0, dropout=None, condition=PLAIN):
    """The PacGAN toy experiments' networks (Lin et al. 2018; their code's synthetic_data_experiments):
    G: z (2) → 4 × [Dense 400 without bias, BatchNorm (running-stat momentum 0.05), ReLU] → Dense 2;
    D: 3 × Maxout (200 units, 5 pieces) → Dense 1. Every weight N(0, 0.02²), every bias 0. PacGAN
    (``--pack m``) widens D's first layer to read m points."""
    h, d = _scaled(400, width), _scaled(200, width)
    layers, features = [], 2
    for _ in range(4):
        layers += [nn.Dense(features, h, bias=False, init="dcgan_normal"), nn.BatchNorm1d(h, momentum=0.05), nn.ReLU()]
        features = h
    generator = nn.Sequential(*layers, nn.Dense(h, 2, init="dcgan_normal"))
    discriminator = nn.Sequential(nn.Maxout(2, d, 5, init="dcgan_normal"), nn.Maxout(d, d, 5, init="dcgan_normal"),
                                  nn.Maxout(d, d, 5, init="dcgan_normal"), nn.Dense(d, 1, init="dcgan_normal"))
    return generator, discriminator


# The orthogonal initializer's gain in the authors' public notebook of the unrolled GAN.
UNROLLED_GAIN = 1.4


def toy_unrolled(width: float = 1.0, dropout=None, condition=PLAIN):
    """The unrolled GAN's 2-D experiment (Metz et al. 2017, appendix A): G: z (256) → Dense 128, ReLU →
    Dense 128, ReLU → Dense 2; D: x/4 (to about [−1, 1]) → Dense 128, ReLU → Dense 1. Orthogonal
    weights (gain 1.4, the authors' notebook), zero biases."""
    h = _scaled(128, width)
    init = orthogonal_with_gain(UNROLLED_GAIN)
    generator = nn.Sequential(nn.Dense(256, h, init=init), nn.ReLU(), nn.Dense(h, h, init=init), nn.ReLU(),
                              nn.Dense(h, 2, init=init))
    discriminator = nn.Sequential(nn.Scale(0.25), nn.Dense(2, h, init=init), nn.ReLU(), nn.Dense(h, 1, init=init))
    return generator, discriminator


def toy_wgan_gp(width: float = 1.0, dropout=None, condition=PLAIN):
    """WGAN-GP's toy experiment (Gulrajani et al. 2017; the authors' gan_toy.py): G z (2) → 3 × [Dense
    512, ReLU] → 2; the critic 2 → 3 × [Dense 512, ReLU] → 1, no normalization (the penalty needs none)."""
    h = _scaled(512, width)

    def body(first: int):
        return [nn.Dense(first, h), nn.ReLU(), nn.Dense(h, h), nn.ReLU(), nn.Dense(h, h), nn.ReLU()]
    return nn.Sequential(*body(2), nn.Dense(h, 2)), nn.Sequential(*body(2), nn.Dense(h, 1))


def build(name: str, width: float = 1.0, dropout=None, condition=PLAIN, hidden_layers: int | None = None):
    """(G, D) for model ``name`` at ``width``; ``dropout``: the dcgan D's rate (mlp and toy have none);
    ``condition``: a piece from minigan/conditional/ (the toy model has none); ``hidden_layers``: the
    toy model's depth (the other models have their papers' depths)."""
    builders = {"mlp": mlp, "dcgan": dcgan, "infogan": infogan, "toy": toy, "toy-pacgan": toy_pacgan,
                "toy-unrolled": toy_unrolled, "toy-wgan-gp": toy_wgan_gp}
    if name not in builders:
        raise ValueError(f"minigan.models: unknown model {name!r}; expected one of {sorted(builders)}")
    if isinstance(width, bool) or not (isinstance(width, (int, float)) and 0 < width <= MAX_WIDTH):
        raise ValueError(f"minigan.models: width must be in (0, {MAX_WIDTH}], got {width!r}")
    if dropout and name != "dcgan":
        raise ValueError(f"minigan.models: the {name} discriminator has no Dropout layers, got dropout={dropout!r}")
    if name in TOY_MODELS and condition.name is not None:
        raise ValueError(f"minigan.models: the toy model learns unlabeled 2-D points; it has no {condition.name} "
                         "version (use --model mlp, dcgan or infogan on an image set)")
    if hidden_layers is None:
        return builders[name](width, dropout, condition)
    if name != "toy":
        raise ValueError(f"minigan.models: only the toy model's depth can be set, got hidden_layers={hidden_layers!r} "
                         f"for {name}")
    if isinstance(hidden_layers, bool) or not isinstance(hidden_layers, int) or not 1 <= hidden_layers <= MAX_TOY_LAYERS:
        raise ValueError(f"minigan.models: hidden_layers must be an integer from 1 to {MAX_TOY_LAYERS}, got {hidden_layers!r}")
    return toy(width, dropout, condition, hidden_layers)


def noise_dim(config: dict) -> int:
    """The length of z for a run's configuration (InfoGAN: 62, the paper's; its codes come on top)."""
    return from_config(config).noise_dim(NOISE_DIM[config["model"]])


def build_from_config(config: dict):
    """(G, D) exactly as a run's configuration (config.json, or ``dataclasses.asdict(TrainConfig)``)
    describes them: model, width, the dcgan D's dropout, conditioning (cGAN, AC-GAN, InfoGAN),
    minibatch discrimination, PacGAN packing and spectral normalization of D."""
    G, D = build(config["model"], config["width"], dropout=config.get("dropout"), condition=from_config(config),
                 hidden_layers=config.get("hidden_layers"))
    if config.get("minibatch_kernels", 0):            # D sees how close each sample is to its batch
        D = nn.with_minibatch_discrimination(D, config["minibatch_kernels"])
    if config.get("pack", 1) > 1:                     # PacGAN: D judges packs of m samples
        D = nn.pack_discriminator(D, config["pack"])
    if config.get("spectral_norm"):
        nn.spectral_norm_all(D)
    return G, D


# What the networks above can be trained on, as rules of the training options (minigan/training/options.py).
RULES = [
    Rule("the toy model learns the toy sets",
         lambda c: (c.model in TOY_MODELS) != (c.dataset in TOY_DATASETS),
         lambda c: f"--model {c.model} does not fit --dataset {c.dataset}: the toy models learn the 2-D sets "
                   f"{', '.join(TOY_DATASETS)}; mlp, dcgan and infogan the image sets {', '.join(IMAGE_DATASETS)}"),
    Rule("BatchNorm needs two samples",
         lambda c: c.model in ("dcgan", "infogan", "toy-pacgan") and c.batch_size < 2,
         lambda c: f"--batch-size {c.batch_size} is too small for --model {c.model}: its BatchNorm layers normalize "
                   "each feature over the batch, which needs at least 2 samples"),
    Rule("PacGAN packs divide the batch",
         lambda c: c.batch_size % c.pack != 0,
         lambda c: f"--batch-size {c.batch_size} must be a multiple of --pack {c.pack} (the discriminator judges "
                   "packs of that many samples, real with real and fake with fake)"),
]
