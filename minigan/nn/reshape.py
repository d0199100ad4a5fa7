"""Flatten and Reshape: they move no numbers, so the backward only undoes the reshape.

Flatten: (N, d1, d2, ...) -> (N, d1·d2·...). Reshape(shape): (N, F) -> (N, *shape), F = prod(shape).
Derivation (one line): docs/backward/activations.md#reshape.
"""
from __future__ import annotations

import math

from minigan.checks import check_positive_int
from .module import Module


class Flatten(Module):
    """(N, C, H, W) (or any (N, ...)) -> (N, C·H·W)."""

    def check_input(self, x):
        super().check_input(x)
        if x.ndim < 2:
            raise ValueError(f"{self}.forward: expected an input with a batch axis, (N, ...), "
                             f"got shape {tuple(x.shape)}")

    def _forward(self, x):
        return x.reshape(x.shape[0], -1), x.shape

    def _backward(self, dy, x_shape):
        return dy.reshape(x_shape)

    def _double_backward(self, ddx, dy, x_shape):
        return ddx.reshape(dy.shape), None


class Reshape(Module):
    """(N, F) -> (N, *shape); the generator uses it to turn a dense output into (N, C, H, W)."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(check_positive_int("Reshape", s, "every target size") for s in shape)

    def extra_repr(self):
        return f"{self.shape}"

    def check_input(self, x):
        super().check_input(x)
        if x.ndim < 1 or math.prod(x.shape[1:]) != math.prod(self.shape):
            raise ValueError(f"{self}.forward: expected (N, ...) with {math.prod(self.shape)} values per "
                             f"example to reshape to (N, {', '.join(map(str, self.shape))}), got shape "
                             f"{tuple(x.shape)}")

    def _forward(self, x):
        return x.reshape((x.shape[0],) + self.shape), x.shape

    def _backward(self, dy, x_shape):
        return dy.reshape(x_shape)

    def _double_backward(self, ddx, dy, x_shape):
        return ddx.reshape(dy.shape), None
