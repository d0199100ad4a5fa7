"""Weight initializers, chosen per layer with ``init=`` (a name or a function).

Each initializer draws in float64 on the host from :func:`minigan.backend.host_rng` (seeded by
``minigan.backend.manual_seed``), so the same seed gives the same starting weights in float32 and
float64, on the CPU and on the GPU. ``fan_in``/``fan_out`` count the inputs and outputs that one
weight connects (for a conv layer: channels × kernel area).

=============== ============================================ ==========================================
name            distribution                                 where it comes from
=============== ============================================ ==========================================
glorot_uniform  U(-a, a), a = sqrt(6 / (fan_in + fan_out))   Glorot & Bengio 2010; the Keras default,
                                                             so the TensorFlow tutorials use it
he_normal       N(0, 2 / fan_in)                             He et al. 2015, for ReLU networks
dcgan_normal    N(0, 0.02²)                                  Radford et al. 2015 (the DCGAN paper)
standard_normal N(0, 1)                                      Embedding tables (PyTorch's default there)
orthogonal      a random orthogonal matrix (orthonormal      Saxe et al. 2014; the unrolled GAN's toy
                columns, or rows when it is wide)            experiment (Metz et al. 2017)
zeros           0                                            biases
=============== ============================================ ==========================================

``orthogonal_with_gain(g)`` is ``orthogonal`` times g (the same as PyTorch's ``orthogonal_(gain=g)``).
"""
from __future__ import annotations

import math

import numpy

from minigan.backend import host_rng


def glorot_uniform(shape, fan_in: int, fan_out: int, rng=None):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (rng or host_rng()).uniform(-limit, limit, size=shape)


def he_normal(shape, fan_in: int, fan_out: int, rng=None):
    return (rng or host_rng()).normal(0.0, math.sqrt(2.0 / fan_in), size=shape)


def dcgan_normal(shape, fan_in: int, fan_out: int, rng=None):
    return (rng or host_rng()).normal(0.0, 0.02, size=shape)


def standard_normal(shape, fan_in: int = 0, fan_out: int = 0, rng=None):
    return (rng or host_rng()).standard_normal(size=shape)


def orthogonal(shape, fan_in: int = 0, fan_out: int = 0, rng=None):
    """A weight whose matrix (rows = shape[0], columns = the rest, flattened) has orthonormal columns,
    or orthonormal rows when it has more columns than rows: uniformly random among such matrices.

    The QR factors of a Gaussian matrix A = QR give an orthonormal Q, but Q alone is not uniform:
    the signs of R's diagonal are a convention of the algorithm. Multiplying Q's columns by those signs
    makes Q independent of it (Mezzadri 2007), as PyTorch and TensorFlow do."""
    rows, cols = shape[0], int(numpy.prod(shape[1:]))
    a = (rng or host_rng()).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = numpy.linalg.qr(a)                           # q (max, min) with orthonormal columns
    q *= numpy.sign(numpy.diag(r))                      # one sign per column: uniform, not QR's convention
    return (q if rows >= cols else q.T).reshape(shape)


def orthogonal_with_gain(gain: float):
    """``orthogonal`` scaled by ``gain``: every singular value of the weight's matrix is ``gain``."""
    def orthogonal_scaled(shape, fan_in: int = 0, fan_out: int = 0, rng=None):
        return gain * orthogonal(shape, fan_in, fan_out, rng)
    orthogonal_scaled.__name__ = f"orthogonal_with_gain({gain:g})"
    return orthogonal_scaled


def zeros(shape, fan_in: int = 0, fan_out: int = 0, rng=None):
    return numpy.zeros(shape)


INITIALIZERS = {f.__name__: f for f in (glorot_uniform, he_normal, dcgan_normal, standard_normal, orthogonal, zeros)}


def get_initializer(where: str, init):
    """Turn ``init`` (a name from INITIALIZERS or a function) into a function."""
    if callable(init):
        return init
    if init not in INITIALIZERS:
        raise ValueError(f"{where}: unknown initializer {init!r}; expected one of {sorted(INITIALIZERS)} "
                         "or a function (shape, fan_in, fan_out, rng) -> array")
    return INITIALIZERS[init]
