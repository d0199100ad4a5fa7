"""Planes: each feature of a vector becomes a constant H×W image plane.

    y[n, c, i, j] = x[n, c]          (N, C) → (N, C, H, W)

A conditional DCGAN discriminator joins a one-hot label to the image this way: 10 label planes
beside the image's channel, so the first convolution sees the label at every position
(the alternative to a projection: docs/conditional-gans.md#the-dcgan-discriminator-a-projection). Every input element is
copied to H·W outputs, so its gradient is the sum of theirs:

    dx[n, c] = Σᵢⱼ dy[n, c, i, j]

Derivation: docs/backward/multi-input.md#planes. Gradient check: the "Planes" row of ``minigan gradcheck``.
"""
from __future__ import annotations

from minigan.backend import get_array_module
from minigan.checks import Site, check_ndim, check_positive_int
from .module import Module


class Planes(Module):
    """(N, C) → (N, C, height, width): feature c fills plane c."""

    def __init__(self, height: int, width: int):
        super().__init__()
        self.height = check_positive_int("Planes", height, "height")
        self.width = check_positive_int("Planes", width, "width")

    def extra_repr(self):
        return f"{self.height}×{self.width}"

    def check_input(self, x):
        super().check_input(x)
        check_ndim(Site(self, "forward"), x, 2, "(N, C)")

    def _forward(self, x):
        xp = get_array_module(x)
        n, c = x.shape
        # A real copy, not a broadcast view: the next layer (Concat) copies it anyway.
        return xp.broadcast_to(x[:, :, None, None], (n, c, self.height, self.width)).copy(), None

    def _backward(self, dy, cache):
        return dy.sum(axis=(2, 3))                   # (N, C, H, W) → (N, C): each x fed H·W outputs

    def _double_backward(self, ddx, dy, cache):
        xp = get_array_module(ddx)
        return xp.broadcast_to(ddx[:, :, None, None], dy.shape).copy(), None
