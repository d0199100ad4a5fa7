"""GAN losses on logits. Each returns ``(value, gradient)``: the mean loss as a Python float and
dL/dlogits with the shape of the logits.

The discriminator outputs a logit ℓ (any real number); D(x) = σ(ℓ) is the probability "real".
Working with logits instead of probabilities lets every loss be written without log(0):

    −log σ(ℓ)     = softplus(−ℓ)          softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|))
    −log(1 − σ(ℓ)) = softplus(ℓ)

and every gradient comes out as a difference of probabilities, bounded by 1 in size, even for
logits of ±1e4. Derivations: docs/backward/losses.md. Gradient checks: tests/test_gradcheck.py.

Reduction: the GAN losses take the mean over every element of the logits, so their gradients carry
a factor 1/N (N = logits.size; one logit per sample, or per pack). The two losses over K values per
sample, ``softmax_cross_entropy`` (K classes) and ``gaussian_nll`` (K continuous codes), sum over the
K values and take the mean over the N samples: their gradients carry 1/N, not 1/(N·K).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .backend import get_array_module
from .checks import check_finite, check_float_array, check_same_shape
from minigan.nn.activations import stable_sigmoid


def softplus(z):
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^(−|z|))."""
    xp = get_array_module(z)
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def _check_logits(where: str, logits):
    check_float_array(where, logits, "logits")
    check_finite(where, logits, "logits")


def _targets_like(where: str, logits, targets):
    """Targets are a number (one label for the whole batch) or an array shaped exactly like the logits."""
    xp = get_array_module(logits)
    if isinstance(targets, (int, float)):
        if not 0 <= targets <= 1:
            raise ValueError(f"{where}: expected a target in [0, 1], got {targets!r}")
        return xp.full(logits.shape, targets, dtype=logits.dtype)
    check_float_array(where, targets, "targets")
    check_same_shape(where, logits, targets, "the logits", "targets")
    check_finite(where, targets, "targets")
    if bool(((targets < 0) | (targets > 1)).any()):
        raise ValueError(f"{where}: expected targets in [0, 1], got values from {float(targets.min())} "
                         f"to {float(targets.max())}")
    return targets


def bce_with_logits(logits, targets):
    """Binary cross-entropy of σ(logits) against ``targets``, averaged over all elements.

    L = mean[ −t·log σ(ℓ) − (1 − t)·log(1 − σ(ℓ)) ] = mean[ softplus(ℓ) − t·ℓ ]
    dL/dℓ = (σ(ℓ) − t) / N

    Shapes: logits (N, 1) or any shape; targets a number in [0, 1] or an array of the same shape.
    """
    where = "bce_with_logits"
    _check_logits(where, logits)
    t = _targets_like(where, logits, targets)
    n = logits.size
    value = float((softplus(logits) - t * logits).sum()) / n
    grad = (stable_sigmoid(logits) - t) / n
    return value, grad


def discriminator_loss(real_logits, fake_logits, real_target: float = 1.0, fake_target: float = 0.0):
    """The discriminator's loss: BCE(D(x), 1) + BCE(D(G(z)), 0).

    Minimizing it is maximizing log D(x) + log(1 − D(G(z))), the discriminator's side of the GAN
    game (Goodfellow et al. 2014, eq. 1). ``real_target=0.9`` is one-sided label smoothing
    (Salimans et al. 2016): the fake target stays 0.

    Returns ``(value, d_real_logits, d_fake_logits)``.
    """
    real_value, d_real = bce_with_logits(real_logits, real_target)
    fake_value, d_fake = bce_with_logits(fake_logits, fake_target)
    return real_value + fake_value, d_real, d_fake


def generator_loss_minimax(fake_logits):
    """The generator's loss in the original minimax game: L = mean log(1 − D(G(z))).

    log(1 − σ(ℓ)) = −softplus(ℓ), so dL/dℓ = −σ(ℓ) / N. When D confidently rejects the fakes
    (ℓ → −∞) this gradient vanishes: the generator *saturates* and learns slowly early on.
    """
    where = "generator_loss_minimax"
    _check_logits(where, fake_logits)
    n = fake_logits.size
    value = -float(softplus(fake_logits).sum()) / n
    grad = -stable_sigmoid(fake_logits) / n
    return value, grad


def generator_loss_nonsaturating(fake_logits):
    """The non-saturating generator loss: L = mean −log D(G(z)) = BCE(D(G(z)), 1).

    dL/dℓ = (σ(ℓ) − 1) / N, which is close to −1/N exactly when D rejects the fakes, so the
    generator gets a strong signal when it needs one (Goodfellow et al. 2014, section 3).
    """
    where = "generator_loss_nonsaturating"
    _check_logits(where, fake_logits)
    n = fake_logits.size
    value = float(softplus(-fake_logits).sum()) / n
    grad = (stable_sigmoid(fake_logits) - 1) / n
    return value, grad


def softmax_cross_entropy(logits, labels):
    """Cross-entropy of softmax(logits) against integer class labels, averaged over the batch.

    Shapes: logits (N, K), labels (N,) integers in [0, K). With p = softmax(z),
    L = mean_n −log p[n, y_n] = mean_n (logsumexp(z_n) − z[n, y_n]),   dL/dz = (p − onehot(y)) / N.
    (The classifier behind the FID and Inception Score; derivation in docs/metrics.md.)
    """
    where = "softmax_cross_entropy"
    _check_logits(where, logits)
    if logits.ndim != 2:
        raise ValueError(f"{where}: expected logits of shape (N, K), got shape {tuple(logits.shape)}")
    xp = get_array_module(logits)
    n, k = logits.shape
    if tuple(labels.shape) != (n,) or not xp.issubdtype(labels.dtype, xp.integer):
        raise ValueError(f"{where}: expected integer labels of shape ({n},), got {labels.dtype} array of shape "
                         f"{tuple(labels.shape)}")
    if n and (int(labels.min()) < 0 or int(labels.max()) >= k):
        raise ValueError(f"{where}: labels must lie in [0, {k}), got {int(labels.min())}..{int(labels.max())}")
    shifted = logits - logits.max(axis=1, keepdims=True)             # (N, K): exp cannot overflow
    log_z = xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))       # (N, 1)
    log_p = shifted - log_z                                          # log softmax
    rows = xp.arange(n)
    value = -float(log_p[rows, labels].sum()) / n
    grad = xp.exp(log_p)
    grad[rows, labels] -= 1
    return value, grad / n


def gaussian_nll(mean, target):
    """Negative log-likelihood of ``target`` under a Gaussian N(mean, 1) per dimension, averaged over the batch.

    Shapes: mean and target (N, K). Summed over the K dimensions (they are independent), averaged over N:
    L = mean_n Σ_k [ ½ (t[n,k] − μ[n,k])² + ½ log 2π ],   dL/dμ = (μ − t) / N.
    InfoGAN's continuous codes (minigan/conditional/infogan.py; derivation in docs/infogan.md).
    """
    where = "gaussian_nll"
    _check_logits(where, mean)
    check_float_array(where, target, "target")
    check_same_shape(where, mean, target, "the predicted mean", "target")
    check_finite(where, target, "target")
    if mean.ndim != 2:
        raise ValueError(f"{where}: expected means of shape (N, K), got shape {tuple(mean.shape)}")
    n, k = mean.shape
    gap = mean - target                                              # (N, K)
    value = float((0.5 * gap * gap).sum()) / n + 0.5 * k * math.log(2 * math.pi)
    return value, gap / n

# ---------------------------------------------------------------------------------------------
# Losses on raw discriminator outputs (a "critic": no sigmoid). Shapes as above.
# ---------------------------------------------------------------------------------------------
def _check_pair(where, real, fake):
    _check_logits(where, real)
    _check_logits(where, fake)


def lsgan_real_term(real_out, real_target: float = 1.0):
    """½ mean (D(x) − b)²;  d/dD(x) = (D(x) − b) / N. b is Mao et al.'s real label (1)."""
    _check_logits("lsgan_real_term", real_out)
    n = real_out.size
    return 0.5 * float(((real_out - real_target) ** 2).sum()) / n, (real_out - real_target) / n


def lsgan_fake_term(fake_out):
    """½ mean (D(G(z)) − a)² with the fake label a = 0;  d/dD(G(z)) = D(G(z)) / N."""
    _check_logits("lsgan_fake_term", fake_out)
    return 0.5 * float((fake_out ** 2).sum()) / fake_out.size, fake_out / fake_out.size


def lsgan_discriminator_loss(real_out, fake_out, real_target: float = 1.0):
    """Least-squares GAN (Mao et al. 2017, eq. 2): L_D = ½ mean (D(x) − b)² + ½ mean (D(G(z)) − a)²,
    with their 0-1 coding: a = 0 the fake label, b = 1 the real label (``real_target``).

    dL/dD(x) = (D(x) − b) / N,  dL/dD(G(z)) = (D(G(z)) − a) / N. Returns (value, d_real, d_fake).
    """
    _check_pair("lsgan_discriminator_loss", real_out, fake_out)
    return _add(lsgan_real_term(real_out, real_target), lsgan_fake_term(fake_out))


def _add(real_half, fake_half):
    """(value, d_real) + (value, d_fake) → (value, d_real, d_fake)."""
    return real_half[0] + fake_half[0], real_half[1], fake_half[1]


def lsgan_generator_loss(fake_out):
    """L_G = ½ mean (D(G(z)) − c)², c = 1 (the value G wants D to believe);  dL/dD(G(z)) = (D(G(z)) − 1) / N."""
    _check_logits("lsgan_generator_loss", fake_out)
    n = fake_out.size
    return 0.5 * float(((fake_out - 1) ** 2).sum()) / n, (fake_out - 1) / n


def negative_mean(out):
    """−mean D(·);  d/dD = −1/N. One function, two roles: WGAN's real term (the critic raises D(x)) and
    the generator loss of WGAN and the hinge GAN (G raises D(G(z)))."""
    _check_logits("negative_mean (the WGAN real term and generator loss)", out)
    xp = get_array_module(out)
    return -float(out.mean()), xp.full(out.shape, -1.0 / out.size, dtype=out.dtype)


wgan_real_term = negative_mean


def wgan_fake_term(fake_out):
    """+mean D(G(z));  d/dD(G(z)) = +1/N."""
    _check_logits("wgan_fake_term", fake_out)
    xp = get_array_module(fake_out)
    return float(fake_out.mean()), xp.full(fake_out.shape, 1.0 / fake_out.size, dtype=fake_out.dtype)


def wgan_critic_loss(real_out, fake_out):
    """Wasserstein GAN (Arjovsky et al. 2017): the critic maximizes mean D(x) − mean D(G(z)), so
    L_D = mean D(G(z)) − mean D(x);  dL/dD(x) = −1/N,  dL/dD(G(z)) = +1/N.

    The critic must stay K-Lipschitz: the trainer clips its weights to [−c, c] after each step
    (or, for ``--loss wgan-gp``, adds the gradient penalty: minigan/gan/penalties.py).
    """
    _check_pair("wgan_critic_loss", real_out, fake_out)
    return _add(wgan_real_term(real_out), wgan_fake_term(fake_out))


wgan_generator_loss = negative_mean      # L_G = −mean D(G(z)); also the hinge GAN's generator loss


def hinge_real_term(real_out):
    """mean relu(1 − D(x));  d/dD(x) = −1/N where D(x) < 1, else 0."""
    _check_logits("hinge_real_term", real_out)
    xp = get_array_module(real_out)
    margin = 1 - real_out
    return float(xp.maximum(margin, 0).sum()) / real_out.size, -(margin > 0).astype(real_out.dtype) / real_out.size


def hinge_fake_term(fake_out):
    """mean relu(1 + D(G(z)));  d/dD(G(z)) = +1/N where D(G(z)) > −1, else 0."""
    _check_logits("hinge_fake_term", fake_out)
    xp = get_array_module(fake_out)
    margin = 1 + fake_out
    return float(xp.maximum(margin, 0).sum()) / fake_out.size, (margin > 0).astype(fake_out.dtype) / fake_out.size


def hinge_discriminator_loss(real_out, fake_out):
    """Hinge loss (Lim & Ye 2017; SAGAN, BigGAN): L_D = mean relu(1 − D(x)) + mean relu(1 + D(G(z))).

    dL/dD(x) = −1/N where D(x) < 1, else 0;  dL/dD(G(z)) = +1/N where D(G(z)) > −1, else 0.
    """
    _check_pair("hinge_discriminator_loss", real_out, fake_out)
    return _add(hinge_real_term(real_out), hinge_fake_term(fake_out))


# ---------------------------------------------------------------------------------------------
# The pairs the trainer chooses from (``--loss``).
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GANLoss:
    """A discriminator loss and a generator loss that belong together.

    The discriminator's loss is a sum of a term on the real batch and a term on the fake batch,
    kept apart so D can see the two batches in one pass or in two (BatchNorm: see
    minigan/gan/discriminator_pass.py):

    ``real_term(real_out, real_target)`` and ``fake_term(fake_out)`` each return (value, gradient);
    ``discriminator(real, fake, real_target)`` returns their sum and both gradients, (value, d_real,
    d_fake); ``generator(fake)`` returns (value, d_fake). ``probabilities`` says whether D's output
    is the logit of a probability (then D(x) = σ(output)) or a raw critic score.

    ``curvature(out)`` is the second derivative of either term, elementwise, d²term/d out² (the
    same for the real and the fake term: the target only shifts the first derivative). The unrolled
    GAN needs it to differentiate D's gradient step (minigan/gan/unrolled.py).
    """
    name: str
    real_term: Callable
    fake_term: Callable
    generator: Callable
    probabilities: bool
    smoothing: bool          # whether a real target other than 1 means anything
    curvature: Callable

    def discriminator(self, real, fake, real_target: float = 1.0):
        return _add(self.real_term(real, real_target), self.fake_term(fake))


def _bce_real(real, real_target=1.0):
    return bce_with_logits(real, real_target)


def _bce_fake(fake):
    return bce_with_logits(fake, 0.0)


def bce_curvature(logits):
    """d²/dℓ² of mean[softplus(ℓ) − t·ℓ] = σ(ℓ)(1 − σ(ℓ)) / N, whatever the target t."""
    s = stable_sigmoid(logits)
    return s * (1 - s) / logits.size


def lsgan_curvature(out):
    """d²/dD² of ½ mean (D − b)² = 1 / N."""
    return get_array_module(out).full(out.shape, 1.0 / out.size, dtype=out.dtype)


def linear_curvature(out):
    """WGAN's terms are linear in D's output and the hinge's piecewise linear: 0 (away from the hinge's kink)."""
    return get_array_module(out).zeros_like(out)


def _no_target(fn):
    def term(real, real_target=1.0):
        return fn(real)
    term.__name__ = fn.__name__
    return term


GAN_LOSSES = {
    "minimax": GANLoss("minimax", _bce_real, _bce_fake, generator_loss_minimax, True, True, bce_curvature),
    "nonsaturating": GANLoss("nonsaturating", _bce_real, _bce_fake, generator_loss_nonsaturating, True, True,
                             bce_curvature),
    "lsgan": GANLoss("lsgan", lsgan_real_term, lsgan_fake_term, lsgan_generator_loss, False, True, lsgan_curvature),
    "wgan": GANLoss("wgan", _no_target(wgan_real_term), wgan_fake_term, wgan_generator_loss, False, False,
                    linear_curvature),
    # The same pair; the trainer adds the gradient penalty (minigan/gan/lipschitz.py) instead of clipping.
    "wgan-gp": GANLoss("wgan-gp", _no_target(wgan_real_term), wgan_fake_term, wgan_generator_loss, False, False,
                       linear_curvature),
    # AC-GAN (Odena et al. 2017) plays the nonsaturating game; its class head adds a second loss
    # (minigan/conditional/acgan.py), which is why it has a name of its own.
    "acgan": GANLoss("acgan", _bce_real, _bce_fake, generator_loss_nonsaturating, True, True, bce_curvature),
    "hinge": GANLoss("hinge", _no_target(hinge_real_term), hinge_fake_term, wgan_generator_loss, False, False,
                     linear_curvature),
}


def get_gan_loss(name: str) -> GANLoss:
    if name not in GAN_LOSSES:
        raise ValueError(f"minigan.losses: unknown GAN loss {name!r}; expected one of {sorted(GAN_LOSSES)}")
    return GAN_LOSSES[name]


__all__ = ["softplus", "bce_with_logits", "discriminator_loss", "generator_loss_minimax",
           "generator_loss_nonsaturating", "lsgan_discriminator_loss", "lsgan_real_term", "lsgan_fake_term",
           "lsgan_generator_loss", "negative_mean", "wgan_critic_loss", "wgan_real_term", "wgan_fake_term", "wgan_generator_loss",
           "hinge_discriminator_loss", "hinge_real_term", "hinge_fake_term", "bce_curvature", "lsgan_curvature",
           "linear_curvature", "gaussian_nll", "GANLoss", "GAN_LOSSES",
           "get_gan_loss", "softmax_cross_entropy"]
