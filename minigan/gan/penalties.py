"""Penalties on the critic's input gradient: WGAN-GP (Gulrajani et al. 2017) and R1 (Mescheder et al. 2018).

Both are functions of g_n = ∂D(x_n)/∂x_n, the critic's gradient with respect to its own input,
one per sample: run D forward, backward with upstream 1 for every sample (the gradient of ΣD,
which for sample n is the gradient of D(x_n), since samples do not interact), and take norms over
each sample's non-batch axes. With s_n = ‖g_n‖²:

    WGAN-GP   P = λ · mean_n (‖g_n‖ − 1)²       at x̂ = α·real + (1 − α)·fake, α ~ U[0, 1] per sample
    R1        P = (γ/2) · mean_n ‖g_n‖²         at the real samples

The gradient of P with respect to the critic's parameters goes back through that backward pass
itself: ∂P/∂g_n = 2·P'(s_n)·g_n, then ``D.double_backward(∂P/∂g)`` (minigan/nn/module.py). The
derivation, layer by layer: docs/backward/double-backward.md. Proof: `minigan gradcheck` rows
"gradient_penalty …" and "r1_penalty …"; the classic bugs as failing tests in tests/test_penalties.py.

Like ``backward``, each penalty **adds** its gradient into the critic's ``.grad`` and leaves no
pending cache behind.
"""
from __future__ import annotations

import math

import numpy

from minigan.backend import get_array_module, to_device, device_of
from minigan.checks import check_float_array, check_same_shape, describe


def interpolate(real, fake, rng):
    """x̂ = α·real + (1 − α)·fake with one α ~ U[0, 1] per sample (WGAN-GP, Algorithm 1, line 6).

    Shapes: real and fake (N, ...), the same; α (N, 1, ..., 1) so that it scales a whole sample.
    ``rng`` is a ``numpy.random.Generator``; the N numbers are drawn on the host, so a seed gives
    the same x̂ on the CPU and the GPU.
    """
    where = "minigan.gan.penalties.interpolate"
    check_float_array(where, real, "real")
    check_float_array(where, fake, "fake")
    check_same_shape(where, real, fake, "real", "fake")
    if real.ndim < 2 or real.shape[0] == 0:
        raise ValueError(f"{where}: expected batches of shape (N, ...) with N >= 1, got {describe(real)}")
    if not isinstance(rng, numpy.random.Generator):
        raise TypeError(f"{where}: expected rng to be a numpy.random.Generator, got {describe(rng)}")
    n = real.shape[0]
    alpha = rng.uniform(0.0, 1.0, size=(n,) + (1,) * (real.ndim - 1)).astype(real.dtype)   # (N, 1, ..., 1)
    alpha = to_device(alpha, device_of(real))
    return fake + alpha * (real - fake)


def penalize_input_gradient(D, x, penalty_of_squared_norms, where: str = "penalize_input_gradient"):
    """The machinery both penalties share. Returns ``(value, norms, dx)``.

    ``penalty_of_squared_norms(s)`` takes s (N,) = ‖g_n‖² and returns (P as a float, dP/ds (N,)).
    Adds ∂P/∂θ into D's ``.grad``; ``norms`` (N,) are ‖g_n‖ (for the log); ``dx`` is ∂P/∂x, or
    None where it is zero (a piecewise-linear critic). D is left with no pending cache.
    """
    check_float_array(where, x, "x")
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{where}: expected a batch of shape (N, ...) with N >= 1, got {describe(x)}")
    D.check_double_backward()       # a clear error before any work (BatchNorm, Dropout, ...)
    xp = get_array_module(x)
    n = x.shape[0]
    out = D.forward(x)
    try:
        with D.frozen():                                   # ∂ΣD/∂θ is no part of the penalty
            g = D.backward(xp.ones_like(out), keep_for_double_backward=True)   # (N, ...) = ∂D(x_n)/∂x_n
        squared = (g * g).reshape(n, -1).sum(axis=1)       # (N,): s_n = ‖g_n‖², each sample on its own
        value, d_squared = penalty_of_squared_norms(squared)
        if not math.isfinite(value):
            raise ValueError(f"{where}: the penalty is {value} (the critic's input gradients have norms up to "
                             f"{float(xp.sqrt(squared).max()):.3g}); training has probably diverged")
        dg = (2 * d_squared).reshape((n,) + (1,) * (g.ndim - 1)) * g     # ∂P/∂g_n = 2·P'(s_n)·g_n
        dx = D.double_backward(dg)
    except Exception:
        D.clear_cache()             # leave nothing half-done behind
        raise
    return value, xp.sqrt(squared), dx


def gradient_penalty(D, x_hat, weight: float = 10.0) -> float:
    """WGAN-GP: weight · mean_n (‖∂D(x̂_n)/∂x̂_n‖₂ − 1)², on the raw critic output (no sigmoid).

    x̂ (N, ...) is usually :func:`interpolate` (real, fake). Adds the penalty's gradient into every
    parameter's ``.grad`` of D and returns its value.
    """
    return _gradient_penalty(D, x_hat, weight)[0]


def _check_weight(where, weight, name):
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"{where}: expected {name} to be a finite number >= 0, got {weight!r}")
    return float(weight)


def _gradient_penalty(D, x_hat, weight):
    where = "minigan.gan.penalties.gradient_penalty"
    weight = _check_weight(where, weight, "weight")

    def penalty(squared):                       # P = w·mean (√s − 1)²,  dP/ds = w·(√s − 1)/(N·√s)
        xp = get_array_module(squared)
        n = squared.shape[0]
        norms = xp.sqrt(squared)
        value = weight * float(((norms - 1) ** 2).sum()) / n
        # At g = 0 the direction g/‖g‖ is undefined; dP/dg = 2·P'(s)·g is 0 there, so any finite
        # stand-in for 1/‖g‖ gives it.
        d_squared = weight * (norms - 1) / (n * xp.maximum(norms, 1e-30))
        return value, d_squared

    return penalize_input_gradient(D, x_hat, penalty, where)


def r1_penalty(D, real, gamma: float) -> float:
    """R1: (γ/2) · mean_n ‖∂D(x_n)/∂x_n‖² at the real samples (Mescheder et al. 2018, eq. 9).

    It pushes the critic's gradient on the data towards zero, which makes the non-saturating GAN
    converge locally. Adds its gradient into D's ``.grad`` and returns its value.
    """
    return _r1_penalty(D, real, gamma)[0]


def _r1_penalty(D, real, gamma):
    where = "minigan.gan.penalties.r1_penalty"
    gamma = _check_weight(where, gamma, "gamma")

    def penalty(squared):                       # P = (γ/2)·mean s,  dP/ds = γ/(2N)
        xp = get_array_module(squared)
        n = squared.shape[0]
        return 0.5 * gamma * float(squared.sum()) / n, xp.full(squared.shape, 0.5 * gamma / n, dtype=squared.dtype)

    return penalize_input_gradient(D, real, penalty, where)


def penalty_value(D, x, kind: str, weight: float) -> float:
    """The penalty's value alone, from a forward and one backward (no double backward): what the
    gradient checks differentiate numerically. ``kind`` is "gradient_penalty" or "r1"."""
    xp = get_array_module(x)
    out = D.forward(x)
    with D.frozen():
        g = D.backward(xp.ones_like(out))
    norms = xp.sqrt((g * g).reshape(x.shape[0], -1).sum(axis=1))
    if kind == "gradient_penalty":
        return weight * float(((norms - 1) ** 2).mean())
    return 0.5 * weight * float((norms ** 2).mean())


__all__ = ["interpolate", "gradient_penalty", "r1_penalty", "penalize_input_gradient", "penalty_value"]
