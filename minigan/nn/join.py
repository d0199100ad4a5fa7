"""Concat: join several inputs into one array, the way a conditional GAN joins z and a label.

    y = [x₁, x₂, …, x_k]      along ``axis`` (1: features of (N, F) inputs, or channels of (N, C, H, W))

Each output element is a copy of exactly one input element, so the backward only hands each input
its own slice of dy: dx_i = dy[..., start_i:stop_i, ...]. Nothing is added, nothing is lost.
Derivation: docs/backward/multi-input.md#concat. Gradient check: the "Concat ..." rows of
``minigan gradcheck`` (minigan/gradcheck/suite.py).

A layer with several inputs takes them as a tuple and its backward returns a tuple of gradients,
one per input, in order (docs/module-api.md#several-inputs-and-outputs).
"""
from __future__ import annotations

from minigan.backend import get_array_module
from minigan.checks import Site, check_float_array, check_positive_int, describe
from .module import Module


class Concat(Module):
    """(x₁, …, x_k) → one array, joined along ``axis``; every other axis must agree.

    Shapes: x_i (N, F_i) → (N, ΣF_i) with ``axis=1`` (an MLP's z and one-hot y), or
    x_i (N, C_i, H, W) → (N, ΣC_i, H, W) (an image and its label planes).
    """

    def __init__(self, axis: int = 1):
        super().__init__()
        self.axis = check_positive_int("Concat", axis, "axis (the batch axis 0 is never joined)")

    def extra_repr(self):
        return f"axis={self.axis}"

    def check_input(self, xs):
        site = Site(self, "forward")
        if not isinstance(xs, (tuple, list)) or len(xs) < 2:
            raise TypeError(f"{site}: expected a tuple of at least two arrays to join, got {describe(xs)}")
        for k, x in enumerate(xs):
            check_float_array(site, x, f"input {k}")
        first = xs[0]
        for k, x in enumerate(xs[1:], start=1):
            if x.ndim != first.ndim or self.axis >= x.ndim:
                raise ValueError(f"{site}: expected inputs with the same number of axes (more than {self.axis}), "
                                 f"got input 0 {describe(first)} and input {k} {describe(x)}")
            other = [a for a in range(x.ndim) if a != self.axis]
            if any(x.shape[a] != first.shape[a] for a in other):
                raise ValueError(f"{site}: inputs must agree on every axis except {self.axis}, got input 0 "
                                 f"{describe(first)} and input {k} {describe(x)}")
            if x.dtype != first.dtype:
                raise TypeError(f"{site}: inputs must share one dtype, got input 0 {describe(first)} and "
                                f"input {k} {describe(x)}")

    def _forward(self, xs):
        xp = get_array_module(xs[0])
        sizes = [x.shape[self.axis] for x in xs]
        return xp.concatenate(xs, axis=self.axis), sizes    # (N, ΣF_i) or (N, ΣC_i, H, W)

    def _backward(self, dy, sizes):
        grads, start = [], 0
        for size in sizes:                                     # input i's own slice of dy
            index = (slice(None),) * self.axis + (slice(start, start + size),)
            grads.append(dy[index])
            start += size
        return tuple(grads)
