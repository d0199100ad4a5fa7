"""GAN losses on logits. Each returns ``(value, gradient)``: the mean loss as a Python float and
dL/dlogits with the shape of the logits.

The discriminator outputs a logit ℓ (any real number); D(x) = σ(ℓ) is the probability "real".
Working with logits instead of probabilities lets every loss be written without log(0):

    −log σ(ℓ)     = softplus(−ℓ)          softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|))
    −log(1 − σ(ℓ)) = softplus(ℓ)

and every gradient comes out as a difference of probabilities, bounded by 1 in size, even for
logits of ±1e4. Derivations: docs/backward/losses.md. Gradient checks: tests/test_gradcheck.py.

Reduction: the mean over every element, so the gradient carries a factor 1/N (N = logits.size).
"""
from __future__ import annotations

from .backend import get_array_module
from .checks import check_finite, check_float_array, check_same_shape
from .nn.activations import stable_sigmoid


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


GENERATOR_LOSSES = {
    "minimax": generator_loss_minimax,
    "nonsaturating": generator_loss_nonsaturating,
}


def get_generator_loss(name: str):
    if name not in GENERATOR_LOSSES:
        raise ValueError(f"minigan.losses: unknown generator loss {name!r}; expected one of "
                         f"{sorted(GENERATOR_LOSSES)}")
    return GENERATOR_LOSSES[name]


__all__ = ["softplus", "bce_with_logits", "discriminator_loss", "generator_loss_minimax",
           "generator_loss_nonsaturating", "get_generator_loss"]
