"""InfoGAN (Chen et al. 2016): codes the generator must make *visible*, with no labels at all.

G reads (z, c, c′): noise z (62 values, the paper's MNIST set-up), a categorical code c ∈ {0..9}
(uniform, one-hot in G's input) and two continuous codes c′ ~ U(−1, 1). Nothing tells G what the codes
mean. Instead a head Q, sharing D's body (a ``Fork`` beside the real/fake logit), tries to read the
codes back from G(z, c, c′), and G and Q together maximize a lower bound on the mutual information
I(c, c′; G(z, c, c′)):

    I(c; G(z, c)) ≥ E_{c, z}[ log Q(c | G(z, c)) ] + H(c)          (H(c) = log 10 is a constant)

so the information loss both minimize is the negative log-likelihood of the codes under Q:

    L_I = λ_cat · CE(Q_cat(x̃), c)  +  λ_cont · NLL_Gaussian(Q_mean(x̃); c′)     x̃ = G(z, c, c′)

with Q(c′|x) a Gaussian of mean Q_mean(x) and variance 1 in each dimension (so its NLL is
½‖c′ − μ‖² + const). λ_cat = 1 as in the paper; λ_cont = 0.1, smaller, as the paper advises for
continuous codes. D minimizes L_D + L_I (Q's head and the shared body), G minimizes L_G + L_I. The
real images carry no codes: on them L_I is 0.

Derivation of the bound: docs/infogan.md. The categorical code's accuracy (after matching codes to
digit classes one to one) is what ``minigan eval`` reports: minigan/evaluation/metrics.py ``best_matching``.
"""
from __future__ import annotations

import numpy

from minigan import nn
from minigan.backend import get_array_module, get_default_dtype, to_device
from .plain import CLASSES, Unconditional
from minigan.losses import gaussian_nll, softmax_cross_entropy

NOISE_DIM = 62           # Chen et al. 2016, MNIST: 62 noise values, one 10-way code, two continuous codes
CONTINUOUS = 2
LAMBDA_CATEGORICAL = 1.0
LAMBDA_CONTINUOUS = 0.1


class InformationLoss:
    """This step's L_I on Q's heads (categorical logits (N, 10), continuous means (N, 2))."""

    name = "info_loss"

    def __init__(self, codes, lambda_cat: float = LAMBDA_CATEGORICAL, lambda_cont: float = LAMBDA_CONTINUOUS):
        self.categorical, self.continuous = codes
        self.lambda_cat, self.lambda_cont = lambda_cat, lambda_cont
        self.values = {}

    def real_term(self, heads):
        xp = get_array_module(heads[0])
        self.values["real"] = 0.0
        return 0.0, tuple(xp.zeros_like(h) for h in heads)       # real images carry no codes

    def fake_term(self, heads):
        cat_logits, means = heads
        v_cat, d_cat = softmax_cross_entropy(cat_logits, self.categorical)
        v_cont, d_cont = gaussian_nll(means, self.continuous)
        value = self.lambda_cat * v_cat + self.lambda_cont * v_cont
        self.values["fake"] = value
        return value, (self.lambda_cat * d_cat, self.lambda_cont * d_cont)


class InfoGAN(Unconditional):
    """G(z, c, c′); D(x) → (logit, Q's 10 categorical logits, Q's 2 continuous means)."""

    name = "infogan"
    classes = CLASSES                  # values of the categorical code
    label_noun = "categorical code"
    picture_rows = "row k: categorical code k"
    code_names = ("labels", "continuous")   # a code, not a class: eval matches codes to classes
    continuous = CONTINUOUS                # each one drawn as a latent traversal when training ends
    heads = (CLASSES, CONTINUOUS)
    code_scale = 1.0                   # the one-hot code as it is (demos/conditional_ablation.py tries √62)

    def __init__(self, allowed=None):
        super().__init__(None)         # the code is unsupervised: all 10 values, whatever --classes says

    def code_inputs(self, noise_dim):
        # The plain one-hot, as in the paper (a scaled one was measured too: docs/infogan.md).
        return ((nn.OneHot(CLASSES, scale=self.code_scale), CLASSES), (nn.Identity(), CONTINUOUS))

    def noise_dim(self, default):
        return NOISE_DIM

    def draw(self, n, rng, device="cpu"):
        categorical = rng.integers(0, CLASSES, size=n).astype(numpy.int64)
        continuous = rng.uniform(-1.0, 1.0, size=(n, CONTINUOUS)).astype(get_default_dtype())
        return to_device(categorical, device), to_device(continuous, device)

    def auxiliary(self, labels, codes):
        return InformationLoss(codes)

    def codes_for(self, labels, rng):
        return labels, rng.uniform(-1.0, 1.0, size=(len(labels), CONTINUOUS)).astype(get_default_dtype())


def traversal_codes(which: int, columns: int = 9, low: float = -2.0, high: float = 2.0):
    """Codes of a latent traversal: row k has categorical code k, column j continuous code ``which`` at
    low + j·(high − low)/(columns − 1), the other continuous code at 0. Returns (c, c′), 10·columns rows."""
    if which not in range(CONTINUOUS):
        raise ValueError(f"traversal_codes: expected the continuous code 0 or 1, got {which!r}")
    categorical = numpy.repeat(numpy.arange(CLASSES), columns).astype(numpy.int64)      # (10·columns,)
    continuous = numpy.zeros((CLASSES * columns, CONTINUOUS))
    continuous[:, which] = numpy.tile(numpy.linspace(low, high, columns), CLASSES)
    return categorical, continuous.astype(get_default_dtype())
