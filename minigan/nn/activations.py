"""Elementwise activations: ReLU, LeakyReLU, Sigmoid, Tanh.

Each backward multiplies the upstream gradient by the local derivative f'(x), elementwise.
Derivations: docs/backward/activations.md; double backwards (for gradient penalties):
docs/backward/double-backward.md#activations
Gradient checks: tests/test_gradcheck.py; forward references: tests/test_layers.py

Shapes: any; y and dx have the shape of x. None of them changes its input in place.
"""
from __future__ import annotations

from minigan.backend import get_array_module
from .module import Module


def stable_sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))                   # in (0, 1]: never overflows
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class ReLU(Module):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0 (we take 0 at the kink x = 0)."""

    def _forward(self, x):
        positive = x > 0
        return x * positive, positive

    def _backward(self, dy, positive):
        return dy * positive

    def _double_backward(self, ddx, dy, positive):
        return ddx * positive, None              # f'' = 0 away from the kink: nothing flows to x


class LeakyReLU(Module):
    """y = x for x > 0, a·x otherwise; dy/dx = 1 or a. The default a = 0.2 is the DCGAN paper's; minigan's
    dcgan model uses 0.3, Keras' default, as the TensorFlow tutorial it follows does (minigan/models.py)."""

    def __init__(self, negative_slope: float = 0.2):
        super().__init__()
        if not 0 <= negative_slope < 1:
            raise ValueError(f"LeakyReLU: expected 0 <= negative_slope < 1, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def extra_repr(self):
        return f"{self.negative_slope}"

    def _forward(self, x):
        slope = (x > 0).astype(x.dtype)          # f'(x): 1 where x > 0 ...
        slope *= 1 - self.negative_slope
        slope += self.negative_slope             # ... and a elsewhere. (xp.where(x > 0, 1, a) measured 15× slower)
        return x * slope, slope                  # f is piecewise linear: y = f'(x)·x

    def _backward(self, dy, slope):
        return dy * slope

    def _double_backward(self, ddx, dy, slope):
        return ddx * slope, None                 # f'' = 0 away from the kink: nothing flows to x


class Sigmoid(Module):
    """y = σ(x); dy/dx = y (1 − y). The backward reuses y, so the cache is the output."""

    def _forward(self, x):
        y = stable_sigmoid(x)
        return y, y

    def _backward(self, dy, y):
        return dy * y * (1 - y)

    def _double_backward(self, ddx, dy, y):
        slope = y * (1 - y)                      # σ'(x)
        return ddx * slope, ddx * dy * slope * (1 - 2 * y)   # σ''(x) = σ'(x)(1 − 2σ(x))


class Tanh(Module):
    """y = tanh(x); dy/dx = 1 − y². The generator's output layer: images live in [-1, 1]."""

    def _forward(self, x):
        y = get_array_module(x).tanh(x)
        return y, y

    def _backward(self, dy, y):
        return dy * (1 - y * y)

    def _double_backward(self, ddx, dy, y):
        slope = 1 - y * y                        # tanh'(x)
        return ddx * slope, -2 * ddx * dy * y * slope         # tanh''(x) = −2 tanh(x)(1 − tanh²(x))
