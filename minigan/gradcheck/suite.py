"""The table behind ``minigan gradcheck``: every layer and loss in the library, checked in float64.

Each :class:`Case` builds a float64 module (or loss) and an input, and names the modes to check.
The same list drives ``tests/test_gradcheck.py``, so the command a learner runs and the tests CI
runs prove the same things. Add a row here when you add a layer.

Inputs to ReLU and LeakyReLU are drawn with |x| ≥ 0.1, far from the kink at 0 compared with the
2·h = 2e-4 that the finite differences move them.
"""
from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from typing import Callable

import numpy

from minigan import losses, nn
from minigan.backend import manual_seed
from .checker import (THRESHOLD, CheckResult, check_hessian_vector_product, check_loss, check_module, check_penalty,
                      check_unrolled)


def normal(shape, seed: int, scale: float = 1.0):
    return scale * numpy.random.default_rng(seed).standard_normal(shape)


def away_from_zero(shape, seed: int, margin: float = 0.1):
    """Normal samples pushed at least ``margin`` away from 0 (the kink of ReLU and LeakyReLU)."""
    z = normal(shape, seed)
    return numpy.sign(z) * (margin + numpy.abs(z))


@dataclass
class Case:
    """One layer or network to check: ``build()`` returns (module, input)."""
    name: str
    build: Callable
    modes: tuple = ("train", "eval")
    method: str = "elementwise"


def _small_gan():
    manual_seed(3)
    generator = nn.Sequential(nn.Dense(4, 8), nn.ReLU(), nn.Dense(8, 2), nn.Tanh())
    discriminator = nn.Sequential(nn.Dense(2, 8), nn.LeakyReLU(0.2), nn.Dropout(0.25, seed=5), nn.Dense(8, 1))
    return generator, discriminator


def _scatter_by(way, layer):
    """The convolution ``layer`` with its scatter computed one way: "col2im" or "phases"."""
    layer.scatter_way = way
    return layer


def _with_running_stats(layer):
    """Give a BatchNorm layer running statistics other than 0 and 1, and γ, β other than 1 and 0."""
    rng = numpy.random.default_rng(7)
    f = layer.num_features
    layer.running_mean[...] = rng.standard_normal(f)
    layer.running_var[...] = rng.uniform(0.5, 2.0, f)
    if layer.gamma is not None:
        layer.gamma.data[...] = rng.uniform(0.5, 1.5, f)
        layer.beta.data[...] = rng.standard_normal(f)
    return layer


def _small_dcgan():
    """The TensorFlow DCGAN tutorial's structure at toy width: 6 → 8·2·2 → 4×4 → 8×8 images."""
    manual_seed(4)
    generator = nn.Sequential(
        nn.Dense(6, 8 * 2 * 2, bias=False), _with_running_stats(nn.BatchNorm1d(32)), nn.LeakyReLU(0.2),
        nn.Reshape((8, 2, 2)),
        nn.ConvTranspose2d(8, 4, 5, stride=2, padding="same", bias=False), _with_running_stats(nn.BatchNorm2d(4)),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(4, 1, 5, stride=2, padding=2, output_padding=1, bias=False), nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 4, 5, stride=2, padding=2), nn.LeakyReLU(0.2), nn.Dropout(0.3, seed=6),
        nn.Conv2d(4, 8, 5, stride=2, padding="same"), nn.LeakyReLU(0.2), nn.Dropout(0.3, seed=7),
        nn.Flatten(), nn.Dense(8 * 2 * 2, 1),
    )
    return generator, discriminator


def _seeded(build):
    """Run ``build`` with a fixed initializer seed, so every row is reproducible."""
    def wrapped():
        manual_seed(0)
        return build()
    return wrapped


LAYER_CASES = [
    Case("Dense 5→4", _seeded(lambda: (nn.Dense(5, 4), normal((3, 5), 1)))),
    Case("Dense 5→4 no bias", _seeded(lambda: (nn.Dense(5, 4, bias=False), normal((3, 5), 2)))),
    Case("Dense 3→2 batch 1", _seeded(lambda: (nn.Dense(3, 2, init="he_normal"), normal((1, 3), 3)))),
    Case("ReLU", lambda: (nn.ReLU(), away_from_zero((4, 5), 4))),
    Case("LeakyReLU 0.2", lambda: (nn.LeakyReLU(0.2), away_from_zero((4, 5), 5))),
    Case("Sigmoid", lambda: (nn.Sigmoid(), normal((4, 5), 6, scale=3.0))),
    Case("Tanh", lambda: (nn.Tanh(), normal((4, 5), 7, scale=2.0))),
    Case("Dropout 0.3", lambda: (nn.Dropout(0.3, seed=1), normal((4, 6), 8))),
    Case("Flatten (2,3,4,5)", lambda: (nn.Flatten(), normal((2, 3, 4, 5), 9))),
    Case("Reshape (2,12)→(2,3,4)", lambda: (nn.Reshape((3, 4)), normal((2, 12), 10))),
    Case("Generator MLP 4→8→2", lambda: (_small_gan()[0], normal((6, 4), 11))),
    Case("Discriminator MLP 2→8→1", lambda: (_small_gan()[1], normal((6, 2), 12))),
    Case("D(G(z)) generator step", lambda: (nn.Sequential(*_small_gan()), normal((6, 4), 13))),
    # Convolutions: stride 1 and 2, int / "same" / "valid" padding, odd sizes, non-square kernels,
    # unequal channel counts, output_padding, with and without bias.
    Case("Conv2d 3→4 k3 s1 p1", _seeded(lambda: (nn.Conv2d(3, 4, 3, padding=1), normal((2, 3, 5, 5), 30)))),
    Case("Conv2d 3→2 k3 s2 p1, 7×7", _seeded(lambda: (nn.Conv2d(3, 2, 3, stride=2, padding=1), normal((2, 3, 7, 7), 31)))),
    Case("Conv2d 2→3 k(3,2) s(2,1) no bias", _seeded(lambda: (nn.Conv2d(2, 3, (3, 2), stride=(2, 1), bias=False),
                                                               normal((2, 2, 7, 6), 32)))),
    Case("Conv2d 2→3 k5 s2 'same', 7×9", _seeded(lambda: (nn.Conv2d(2, 3, 5, stride=2, padding="same"),
                                                          normal((2, 2, 7, 9), 33)))),
    Case("Conv2d 2→3 k3 s2 'valid'", _seeded(lambda: (nn.Conv2d(2, 3, 3, stride=2, padding="valid"), normal((2, 2, 7, 8), 34)))),
    Case("Conv2d 2→3 k4 s2 p1, 8×8", _seeded(lambda: (nn.Conv2d(2, 3, 4, stride=2, padding=1), normal((2, 2, 8, 8), 122)))),
    Case("ConvTranspose2d 3→2 k4 s2 p1, 4→8", _seeded(lambda: (nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1),
                                                              normal((2, 3, 4, 4), 123)))),
    Case("ConvTranspose2d 3→2 k3 s1 p1", _seeded(lambda: (nn.ConvTranspose2d(3, 2, 3, padding=1), normal((2, 3, 4, 4), 35)))),
    Case("ConvTranspose2d 3→2 k5 s2 p2 op1", _seeded(lambda: (nn.ConvTranspose2d(3, 2, 5, stride=2, padding=2, output_padding=1),
                                                               normal((2, 3, 3, 3), 36)))),
    Case("ConvTranspose2d 2→3 k(3,2) s(2,1) op(1,0) no bias",
         _seeded(lambda: (nn.ConvTranspose2d(2, 3, (3, 2), stride=(2, 1), output_padding=(1, 0), bias=False),
                          normal((2, 2, 3, 3), 37)))),
    Case("ConvTranspose2d 3→2 k5 s2 'same'", _seeded(lambda: (nn.ConvTranspose2d(3, 2, 5, stride=2, padding="same"),
                                                               normal((2, 3, 3, 4), 38)))),
    Case("ConvTranspose2d 2→2 k3 s2 'valid'", _seeded(lambda: (nn.ConvTranspose2d(2, 2, 3, stride=2, padding="valid"),
                                                                normal((1, 2, 3, 3), 39)))),
    # The rows above scatter by col2im; these by stride phases (minigan/nn/scatter.py).
    Case("ConvTranspose2d 3→2 k5 s2 p2 op1, by phases",
         _seeded(lambda: (_scatter_by("phases", nn.ConvTranspose2d(3, 2, 5, stride=2, padding=2, output_padding=1)),
                          normal((2, 3, 3, 3), 124)))),
    Case("ConvTranspose2d 3→2 k4 s2 p1, 4→8, by phases",
         _seeded(lambda: (_scatter_by("phases", nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1)), normal((2, 3, 4, 4), 126)))),
    Case("Conv2d 2→3 k5 s2 'same', 7×9, by phases",
         _seeded(lambda: (_scatter_by("phases", nn.Conv2d(2, 3, 5, stride=2, padding="same")), normal((2, 2, 7, 9), 125)))),
    # BatchNorm: eval mode runs on non-trivial running statistics.
    Case("BatchNorm1d 4", lambda: (_with_running_stats(nn.BatchNorm1d(4)), normal((6, 4), 40, 2.0))),
    Case("BatchNorm2d 3", lambda: (_with_running_stats(nn.BatchNorm2d(3)), normal((4, 3, 3, 2), 41, 2.0))),
    Case("BatchNorm2d 3 affine=False", lambda: (_with_running_stats(nn.BatchNorm2d(3, affine=False)),
                                                normal((4, 3, 3, 2), 42, 2.0))),
    # Whole DCGAN-style networks, small.
    Case("DCGAN-style generator (small)", lambda: (_small_dcgan()[0], normal((3, 6), 43))),
    Case("DCGAN-style discriminator (small)", lambda: (_small_dcgan()[1], normal((3, 1, 8, 8), 44))),
    # DCGAN layer shapes at a batch of 2, along random directions.
    Case("Conv2d 16→32 k5 s2 p2, 14×14 (directions)",
         _seeded(lambda: (nn.Conv2d(16, 32, 5, stride=2, padding=2), normal((2, 16, 14, 14), 45))), method="direction"),
    Case("ConvTranspose2d 32→16 k5 s2 p2 op1, 7→14 (directions)",
         _seeded(lambda: (nn.ConvTranspose2d(32, 16, 5, stride=2, padding=2, output_padding=1, bias=False),
                          normal((2, 32, 7, 7), 46))), method="direction"),
    Case("BatchNorm2d 32, 7×7 (directions)",
         lambda: (_with_running_stats(nn.BatchNorm2d(32)), normal((4, 32, 7, 7), 47, 2.0)), method="direction"),
    Case("Discriminator MLP 64→128→1 (directions)",
         _seeded(lambda: (nn.Sequential(nn.Dense(64, 128), nn.LeakyReLU(0.2), nn.Dense(128, 1)),
                          normal((32, 64), 14))),
         method="direction"),
]


# SpectralNorm rows: the power iteration frozen (u stays put), so every evaluation is one function.
def _frozen_power_iteration(module):
    for m in module.modules():
        if isinstance(m, nn.SpectralNorm):
            m.power_iteration = False
    return module


LAYER_CASES += [
    Case("SpectralNorm(Dense 5→4)", _seeded(lambda: (_frozen_power_iteration(nn.SpectralNorm(nn.Dense(5, 4))),
                                                     normal((3, 5), 50)))),
    Case("SpectralNorm(Conv2d 2→3 k3 s2 p1)",
         _seeded(lambda: (_frozen_power_iteration(nn.SpectralNorm(nn.Conv2d(2, 3, 3, stride=2, padding=1))),
                          normal((2, 2, 5, 5), 51)))),
]


def _spread(shape, seed):
    """Inputs whose minibatch features differ clearly between samples (away from |·|'s kinks)."""
    return normal(shape, seed, scale=2.0)


LAYER_CASES += [
    Case("Pack m=2, (4,3)→(2,6)", lambda: (nn.Pack(2), normal((4, 3), 52))),
    Case("Pack m=2, (4,1,3,3)→(2,2,3,3)", lambda: (nn.Pack(2), normal((4, 1, 3, 3), 53))),
    Case("MinibatchDiscrimination 4→4+3, kernel_dim 2",
         _seeded(lambda: (nn.MinibatchDiscrimination(4, 3, 2), _spread((5, 4), 54)))),
    Case("D with minibatch discrimination (small)",
         _seeded(lambda: (nn.with_minibatch_discrimination(
             nn.Sequential(nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 1)), 3, 2), _spread((4, 2), 78)))),
]


def maxout_case(in_features, out_features, pieces, n, seed, bias=True):
    """A Maxout layer and an input whose winning piece leads the runner-up by at least 0.05 in every
    unit (tests/test_maxout.py::test_the_maxout_cases_stay_away_from_ties checks it): the finite
    differences move z by about 1e-4, so no perturbation changes which piece wins."""
    def build():
        manual_seed(seed)
        layer = nn.Maxout(in_features, out_features, pieces, bias=bias)
        if bias:
            layer.bias.data[...] = normal((pieces, out_features), seed + 1)
        return layer, normal((n, in_features), seed + 2, scale=2.0)
    return build


LAYER_CASES += [
    Case("Maxout 4→3, 5 pieces", maxout_case(4, 3, 5, 6, 120)),
    Case("Maxout 3→2, 2 pieces, no bias", maxout_case(3, 2, 2, 5, 130, bias=False)),
    Case("Maxout 5→4, 1 piece (a Dense layer)", maxout_case(5, 4, 1, 3, 140)),
    Case("D of the PacGAN toy experiment (small): Maxout, Maxout, Dense", _seeded(lambda: _small_maxout_d())),
]


def _small_maxout_d():
    """The PacGAN toy D's shape, small; biases spread so that no unit sits near a tie."""
    first, second = maxout_case(2, 4, 3, 5, 150)()[0], maxout_case(4, 3, 3, 5, 160)()[0]
    return nn.Sequential(first, second, nn.Dense(3, 1)), normal((5, 2), 170, scale=2.0)


# Several inputs and several outputs (docs/backward/multi-input.md): the join, the branches, labels.
def _labels(n, classes, seed):
    """Integer labels with repeats (a scatter-add must add those up), every class present if n allows."""
    labels = numpy.arange(n) % classes
    return numpy.random.default_rng(seed).permutation(labels).astype(numpy.int64)


def _small_conditional_mlp_d():
    """The conditional MLP discriminator's structure, small: (x, y) → [flatten(x), onehot(y)] → logit, 3 class logits."""
    return nn.Sequential(nn.Parallel(nn.Flatten(), nn.OneHot(3)), nn.Concat(), nn.Dense(4 * 4 + 3, 6),
                         nn.LeakyReLU(0.2), nn.Fork(nn.Dense(6, 1), nn.Dense(6, 3)))


def _small_conditional_conv_d():
    """The conditional DCGAN discriminator's structure, small: 3 label planes beside the image's channel."""
    return nn.Sequential(nn.Parallel(nn.Identity(), nn.Sequential(nn.OneHot(3), nn.Planes(6, 6))), nn.Concat(),
                         nn.Conv2d(1 + 3, 2, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(),
                         nn.Dense(2 * 3 * 3, 1))


def _small_infogan_g():
    """The InfoGAN generator's input, small: (z, categorical code, continuous codes) → one vector → image."""
    return nn.Sequential(nn.Parallel(nn.Identity(), nn.OneHot(3), nn.Identity()), nn.Concat(),
                         nn.Dense(4 + 3 + 2, 5), nn.Tanh(), nn.Dense(5, 6), nn.Reshape((1, 2, 3)))


LAYER_CASES += [
    Case("Concat (3,2)+(3,4), features", lambda: (nn.Concat(), (normal((3, 2), 90), normal((3, 4), 91)))),
    Case("Concat (2,1,3,3)+(2,2,3,3), channels", lambda: (nn.Concat(axis=1),
                                                          (normal((2, 1, 3, 3), 92), normal((2, 2, 3, 3), 93)))),
    Case("Parallel(Dense 3→2, Tanh)", _seeded(lambda: (nn.Parallel(nn.Dense(3, 2), nn.Tanh()),
                                                       (normal((4, 3), 94), normal((4, 2), 95))))),
    Case("Fork(Dense 4→1, Dense 4→3)", _seeded(lambda: (nn.Fork(nn.Dense(4, 1), nn.Dense(4, 3)), normal((5, 4), 96)))),
    Case("Fork(Dense 4→1, Q: Dense 4→3, Tanh, Fork(Dense 3→2, Dense 3→2)), flattened",
         _seeded(lambda: (nn.Fork(nn.Dense(4, 1), nn.Sequential(nn.Dense(4, 3), nn.Tanh(),
                                                                nn.Fork(nn.Dense(3, 2), nn.Dense(3, 2)))),
                          normal((5, 4), 120)))),
    Case("Scale 1/√3", lambda: (nn.Scale(3 ** -0.5), normal((4, 5), 121))),
    Case("Embedding 4→3, repeated labels", _seeded(lambda: (nn.Embedding(4, 3), _labels(7, 4, 97)))),
    Case("Planes (3,2)→(3,2,4,5)", lambda: (nn.Planes(4, 5), normal((3, 2), 98))),
    Case("Projection F=4, 3 classes, repeated labels",
         _seeded(lambda: (nn.Projection(4, 3), (normal((6, 4), 106), _labels(6, 3, 107))))),
    Case("projection discriminator (small)",
         _seeded(lambda: (nn.Sequential(nn.Parallel(nn.Sequential(nn.Flatten(), nn.Dense(9, 4), nn.Tanh()), nn.Identity()),
                                        nn.Projection(4, 3)), (normal((4, 1, 3, 3), 108), _labels(4, 3, 109))))),
    Case("conditional MLP discriminator with a class head (small)",
         _seeded(lambda: (_small_conditional_mlp_d(), (normal((5, 1, 4, 4), 99), _labels(5, 3, 100))))),
    Case("conditional conv discriminator, label planes (small)",
         _seeded(lambda: (_small_conditional_conv_d(), (normal((3, 1, 6, 6), 101), _labels(3, 3, 102))))),
    Case("InfoGAN-style generator (z, c, c') (small)",
         _seeded(lambda: (_small_infogan_g(), (normal((4, 4), 103), _labels(4, 3, 104), normal((4, 2), 105))))),
]

# ---------------------------------------------------------------------------------------------
# Gradient penalties: their gradient through the double backward, for every critic parameter and x.
# Inputs and seeds are chosen so every LeakyReLU input lies ≥ 0.01 from the kink
# (tests/test_penalties.py::test_the_penalty_cases_stay_away_from_the_kinks checks it).
# ---------------------------------------------------------------------------------------------
@dataclass
class PenaltyCase:
    """``build()`` returns (critic, x); ``kind`` is "gradient_penalty" or "r1"."""
    name: str
    kind: str
    build: Callable
    weight: float


def mlp_critic():
    """The toy model's critic shape, small: Dense → LeakyReLU → Dense → LeakyReLU → Dense."""
    return nn.Sequential(nn.Dense(3, 8), nn.LeakyReLU(0.2), nn.Dense(8, 6), nn.LeakyReLU(0.2), nn.Dense(6, 1))


def smooth_critic():
    """Tanh and Sigmoid have second derivatives, so ∂P/∂x and the second sweep are not zero."""
    return nn.Sequential(nn.Dense(3, 6), nn.Tanh(), nn.Dense(6, 5), nn.Sigmoid(), nn.Dense(5, 1))


def conv_critic():
    """The issue's conv critic: Conv2d s2 'same' → LeakyReLU → Conv2d → LeakyReLU → Flatten → Dense."""
    return nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding="same"), nn.LeakyReLU(0.2),
                         nn.Conv2d(4, 6, 3, stride=2, padding="same"), nn.LeakyReLU(0.2),
                         nn.Flatten(), nn.Dense(6 * 2 * 2, 1))


def _critic_case(make, shape, seed, init_seed=0, spectral=False):
    def build():
        manual_seed(init_seed)
        critic = make()
        if spectral:
            _frozen_power_iteration(nn.spectral_norm_all(critic))
        return critic, normal(shape, seed)
    return build


PENALTY_CASES = [
    PenaltyCase("gradient_penalty, MLP critic (LeakyReLU)", "gradient_penalty", _critic_case(mlp_critic, (5, 3), 77, 1), 10.0),
    PenaltyCase("gradient_penalty, MLP critic (Tanh, Sigmoid)", "gradient_penalty",
                _critic_case(smooth_critic, (5, 3), 61), 10.0),
    PenaltyCase("gradient_penalty, conv critic", "gradient_penalty", _critic_case(conv_critic, (2, 1, 7, 7), 73, 7), 10.0),
    PenaltyCase("gradient_penalty, spectral-norm conv critic", "gradient_penalty",
                _critic_case(conv_critic, (2, 1, 7, 7), 73, 7, spectral=True), 10.0),
    PenaltyCase("r1_penalty, MLP critic (Tanh, Sigmoid)", "r1", _critic_case(smooth_critic, (5, 3), 64), 2.0),
    PenaltyCase("r1_penalty, conv critic", "r1", _critic_case(conv_critic, (2, 1, 7, 7), 81, 5), 2.0),
]


def run_penalty_case(case: PenaltyCase) -> list[CheckResult]:
    critic, x = case.build()
    return check_penalty(case.kind, critic, x, case.weight, case.name)


def _pick(result, which: int):
    """(value, d_real, d_fake) -> (value, d_real) or (value, d_fake)."""
    return result[0], result[which]


# discriminator_loss takes two logit arrays and returns two gradients; check each with the other fixed.
def d_loss_wrt_real(real_logits, fake_logits=normal((8, 1), 23)):
    value, d_real, _ = losses.discriminator_loss(real_logits, fake_logits)
    return value, d_real


def d_loss_wrt_fake(fake_logits, real_logits=normal((8, 1), 25)):
    value, _, d_fake = losses.discriminator_loss(real_logits, fake_logits)
    return value, d_fake


LOSS_CASES = [
    ("bce_with_logits, target 1", lambda z: losses.bce_with_logits(z, 1.0), normal((8, 1), 20, 3.0)),
    ("bce_with_logits, target 0.9 (smoothed)", lambda z: losses.bce_with_logits(z, 0.9), normal((8, 1), 21, 3.0)),
    ("bce_with_logits, array targets", lambda z: losses.bce_with_logits(z, numpy.linspace(0, 1, 8).reshape(8, 1)),
     normal((8, 1), 22, 3.0)),
    ("discriminator_loss wrt real logits", d_loss_wrt_real, normal((8, 1), 24, 3.0)),
    ("discriminator_loss wrt fake logits", d_loss_wrt_fake, normal((8, 1), 26, 3.0)),
    ("generator_loss_minimax", losses.generator_loss_minimax, normal((8, 1), 27, 3.0)),
    ("generator_loss_nonsaturating", losses.generator_loss_nonsaturating, normal((8, 1), 28, 3.0)),
    ("lsgan_discriminator_loss wrt real", lambda z: _pick(losses.lsgan_discriminator_loss(z, normal((8, 1), 29), 0.9), 1),
     normal((8, 1), 30, 2.0)),
    ("lsgan_discriminator_loss wrt fake", lambda z: _pick(losses.lsgan_discriminator_loss(normal((8, 1), 31), z), 2),
     normal((8, 1), 32, 2.0)),
    ("lsgan_generator_loss", losses.lsgan_generator_loss, normal((8, 1), 33, 2.0)),
    ("wgan_critic_loss wrt real", lambda z: _pick(losses.wgan_critic_loss(z, normal((8, 1), 34)), 1), normal((8, 1), 35)),
    ("wgan_critic_loss wrt fake", lambda z: _pick(losses.wgan_critic_loss(normal((8, 1), 36), z), 2), normal((8, 1), 37)),
    ("wgan_generator_loss", losses.wgan_generator_loss, normal((8, 1), 38)),
    ("softmax_cross_entropy", lambda z: losses.softmax_cross_entropy(z, numpy.array([0, 3, 1, 3, 2, 0])),
     normal((6, 4), 43, 2.0)),
    ("gaussian_nll (InfoGAN's continuous codes)", lambda z: losses.gaussian_nll(z, normal((6, 2), 44)),
     normal((6, 2), 45, 2.0)),
    # hinge: logits kept at least 0.1 away from its kinks at ±1
    ("hinge_discriminator_loss wrt real", lambda z: _pick(losses.hinge_discriminator_loss(z, normal((8, 1), 39)), 1),
     1 + away_from_zero((8, 1), 40)),
    ("hinge_discriminator_loss wrt fake", lambda z: _pick(losses.hinge_discriminator_loss(normal((8, 1), 41), z), 2),
     -1 + away_from_zero((8, 1), 42)),
]


# ---------------------------------------------------------------------------------------------
# Second order: Hessian-vector products of L_D (the double backward with parameter-gradient
# adjoints), and the unrolled GAN's generator gradient against finite differences of the unrolled
# objective f_K. Smooth critics (Tanh, Sigmoid), and one LeakyReLU critic whose pre-activations stay
# ≥ 0.01 from the kink along the whole look-ahead (tests/test_unrolled.py checks it).
# ---------------------------------------------------------------------------------------------
def _unroll_toy(make_critic, seed):
    """(G, D, z, real): G 2 → 6 → 2 (Tanh), D from ``make_critic`` on 2-D points, a batch of 4."""
    manual_seed(seed)
    G = nn.Sequential(nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 2))
    return G, make_critic(), normal((4, 2), seed + 1), normal((4, 2), seed + 2, 2.0)


def smooth_point_critic():
    return nn.Sequential(nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 5), nn.Sigmoid(), nn.Dense(5, 1))


def leaky_point_critic():
    return nn.Sequential(nn.Dense(2, 6), nn.LeakyReLU(0.2), nn.Dense(6, 5), nn.LeakyReLU(0.2), nn.Dense(5, 1))


def scaled_point_critic():
    """The unrolled toy D's shape (Metz et al.: x/4 first), smooth: Scale's double backward is in the chain."""
    return nn.Sequential(nn.Scale(0.25), nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 1))


@dataclass
class SecondOrderCase:
    """``kind``: "hvp" (a Hessian-vector product of L_D) or "unrolled" (the unrolled generator gradient)."""
    name: str
    kind: str
    loss: str
    critic: Callable
    seed: int
    steps: int = 0
    lr: float = 0.5


SECOND_ORDER_CASES = [
    SecondOrderCase("Hessian-vector product of L_D, BCE, Tanh/Sigmoid critic", "hvp", "nonsaturating", smooth_point_critic, 90),
    SecondOrderCase("Hessian-vector product of L_D, BCE, LeakyReLU critic", "hvp", "nonsaturating", leaky_point_critic, 91),
    SecondOrderCase("Hessian-vector product of L_D, LSGAN, Tanh/Sigmoid critic", "hvp", "lsgan", smooth_point_critic, 92),
    SecondOrderCase("unrolled G gradient, k=1, non-saturating", "unrolled", "nonsaturating", smooth_point_critic, 93, 1),
    SecondOrderCase("unrolled G gradient, k=3, non-saturating", "unrolled", "nonsaturating", smooth_point_critic, 94, 3),
    SecondOrderCase("unrolled G gradient, k=3, minimax", "unrolled", "minimax", smooth_point_critic, 95, 3),
    SecondOrderCase("unrolled G gradient, k=2, LeakyReLU critic", "unrolled", "nonsaturating", leaky_point_critic, 96, 2),
    SecondOrderCase("unrolled G gradient, k=3, critic reading x/4 (Scale)", "unrolled", "nonsaturating",
                    scaled_point_critic, 97, 3),
]


def run_second_order_case(case: SecondOrderCase) -> list[CheckResult]:
    G, D, z, real = _unroll_toy(case.critic, case.seed)
    loss = losses.get_gan_loss(case.loss)
    if case.kind == "hvp":
        G.to(dtype=numpy.float64)
        v = [normal(p.shape, case.seed + 10 + i) for i, p in enumerate(D.parameters())]
        return check_hessian_vector_product(D, loss, real, G.predict(z.astype(numpy.float64)), v, case.name)
    return check_unrolled(G, D, loss, z, real, case.steps, case.lr, case.name)


def run_layer_case(case: Case) -> list[CheckResult]:
    results = []
    for mode in case.modes:
        module, x = case.build()
        results += check_module(module, x, mode=mode, method=case.method, name=case.name)
    return results


def run_loss_case(name, fn, logits) -> CheckResult:
    return check_loss(fn, logits, name=name)


def case_names() -> list[str]:
    """The name of every case, in the table's order (what ``--filter`` matches)."""
    return ([c.name for c in LAYER_CASES] + [name for name, _, _ in LOSS_CASES] + [c.name for c in PENALTY_CASES]
            + [c.name for c in SECOND_ORDER_CASES])


def run_all(name_filter: str = "") -> list[CheckResult]:
    """Every case whose name contains ``name_filter`` (case-insensitive; "" runs them all)."""
    wanted = lambda name: name_filter.lower() in name.lower()    # noqa: E731
    results = []
    for case in LAYER_CASES:
        if wanted(case.name):
            results += run_layer_case(case)
    for name, fn, logits in LOSS_CASES:
        if wanted(name):
            results.append(run_loss_case(name, fn, logits))
    for case in PENALTY_CASES:
        if wanted(case.name):
            results += run_penalty_case(case)
    for case in SECOND_ORDER_CASES:
        if wanted(case.name):
            results += run_second_order_case(case)
    return results


HEADER = ("name", "mode", "tensor", "shape", "max rel error", "PASS/FAIL")
WIDTH = 100             # the table fits a 100-column terminal: a long name wraps inside its column


def format_table(results: list[CheckResult], only_failed: bool = False) -> str:
    """The table (``only_failed``: just the failing rows), then the count over every result."""
    shown = [r for r in results if not (only_failed and r.passed)]
    rows = [(r.name, r.mode or "-", r.wrt, "×".join(map(str, r.shape)), f"{r.max_rel_error:.2e}",
             "PASS" if r.passed else "FAIL") for r in shown]
    widths = [max(len(str(row[i])) for row in [HEADER] + rows) for i in range(len(HEADER))]
    widths[0] = max(len(HEADER[0]), min(widths[0], WIDTH - sum(widths[1:]) - 2 * (len(HEADER) - 1)))

    def lines(row):
        name = textwrap.wrap(row[0], widths[0]) or [""]
        first = "  ".join(str(c).ljust(w) for c, w in zip((name[0],) + tuple(row[1:]), widths)).rstrip()
        return [first] + [part for part in name[1:]]

    out = lines(HEADER) + ["  ".join("-" * w for w in widths)] + [text for row in rows for text in lines(row)]
    n_fail = sum(not r.passed for r in results)
    out.append(f"\n{len(results)} gradients checked in float64 (threshold {THRESHOLD:g}): "
               f"{len(results) - n_fail} passed, {n_fail} failed" + (" (only the failed rows are shown)"
                                                                      if only_failed else ""))
    return "\n".join(out)


def main(stream=None, name_filter: str = "", only_failed: bool = False) -> int:
    """Print the table; return 0 when every row passes, 1 otherwise (2: the filter matched no case)."""
    stream = stream or sys.stdout
    if name_filter and not any(name_filter.lower() in name.lower() for name in case_names()):
        raise ValueError(f"minigan gradcheck: --filter {name_filter!r} matches no case; the cases' names start with "
                         + ", ".join(sorted({name.split("(")[0].split()[0].rstrip(",:") for name in case_names()})))
    results = run_all(name_filter)
    print(format_table(results, only_failed), file=stream)
    return 0 if all(r.passed for r in results) else 1
