"""Maxout (LinearMaxout): k affine pieces per output unit, the largest one taken.

Derivation of the backward pass: docs/backward/maxout.md
Gradient check: minigan gradcheck rows "Maxout ..."; forward reference: tests/test_maxout.py
"""
from __future__ import annotations

import numpy

from minigan.checks import Site, check_ndim, check_positive_int
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host


class Maxout(Module):
    """y[n, o] = max_j z[n, j, o], with z[n, j, o] = Σ_d x[n, d] W[d, j, o] + b[j, o] (Goodfellow et
    al. 2013), the discriminator's layer in the PacGAN and VEEGAN toy experiments.

    Shapes: x (N, in_features), W (in_features, pieces, out_features), b (pieces, out_features),
    y (N, out_features). Parameters, in order: ``weight``, ``bias`` (when ``bias=True``).

    Each output unit is the upper envelope of ``pieces`` Dense units, so the layer is piecewise linear
    like ReLU (which is a maxout of the two pieces x and 0). Where two pieces tie, the first one wins,
    a subgradient. ``init`` names the weight initializer (:mod:`minigan.nn.init`; fan-in in_features,
    fan-out out_features); the bias starts at zero.

    The pieces axis comes before the units (W is (in, pieces, out), not (in, out, pieces)) so that
    the max runs over k contiguous (N, out) slices: NumPy reduces those elementwise, about four times
    faster than over a short last axis (docs/backward/maxout.md#speed).
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 5, bias: bool = True,
                 init="glorot_uniform"):
        super().__init__()
        self.in_features = check_positive_int("Maxout", in_features, "in_features")
        self.out_features = check_positive_int("Maxout", out_features, "out_features")
        self.pieces = check_positive_int("Maxout", pieces, "pieces")
        self.init = init                               # kept for widened_input (PacGAN's packing)
        draw = get_initializer("Maxout", init)
        w = draw((in_features, pieces, out_features), fan_in=in_features, fan_out=out_features)
        self.weight = parameter_from_host(w, "weight")
        self.bias = parameter_from_host(numpy.zeros((pieces, out_features)), "bias") if bias else None

    def widened_input(self, factor: int) -> "Maxout":
        """A new Maxout layer like this one with ``factor`` times the inputs (PacGAN packs m samples)."""
        return Maxout(self.in_features * factor, self.out_features, self.pieces, bias=self.bias is not None,
                      init=self.init)

    def extra_repr(self):
        return (f"{self.in_features}→{self.out_features}, {self.pieces} pieces"
                + ("" if self.bias is not None else ", bias=False"))

    def check_input(self, x):
        super().check_input(x)
        check_ndim(Site(self, "forward"), x, 2, "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"{self}.forward: expected {self.in_features} input features, got "
                             f"input of shape {tuple(x.shape)}")

    def _forward(self, x):
        n, k, out = x.shape[0], self.pieces, self.out_features
        z = x @ self.weight.data.reshape(self.in_features, k * out)    # every piece in one product: (N, k·out)
        if self.bias is not None:
            z += self.bias.data.reshape(k * out)
        z = z.reshape(n, k, out)                                       # piece j of unit o at z[n, j, o]
        y = z.max(axis=1)                                              # (N, out)
        won = z == y[:, None, :]                                       # (N, k, out): the winning piece
        if int(won.sum()) > n * out:                                   # an exact tie: the first piece wins
            won = _first_winners(won)
        return y, (x, won)

    skips_input_grad = True

    def _backward(self, dy, cache, input_grad=True):
        x, won = cache
        n, k, out = x.shape[0], self.pieces, self.out_features
        # y = z[winner]: the upstream gradient goes to the winning piece alone, the others get 0.
        dz = (won * dy[:, None, :]).reshape(n, k * out)               # (N, k·out)
        if self.weight.requires_grad:                                  # each piece is a Dense unit
            self.weight.grad += (x.T @ dz).reshape(self.weight.data.shape)   # (in, N) @ (N, k·out)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dz.sum(axis=0).reshape(k, out)
        if not input_grad:
            return None
        return dz @ self.weight.data.reshape(self.in_features, k * out).T     # (N, k·out) @ (k·out, in)


def _first_winners(won):
    """Of the pieces that tie for the max, keep only the first: (N, k, out) bool, one True per unit."""
    won = won.copy()
    taken = won[:, 0].copy()
    for j in range(1, won.shape[1]):
        won[:, j] &= ~taken
        taken |= won[:, j]
    return won
