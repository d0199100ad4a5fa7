"""Scale: multiply the input by a fixed number, y = s·x, so dL/dx = s·dL/dy. No parameters.

The InfoGAN paper's generator (minigan/models.py ``infogan``) reads z at the spread of the paper's
prior: the paper draws z ~ U(−1, 1), of standard deviation 1/√3, while minigan draws every z from
N(0, 1), so that G multiplies z by 1/√3 before joining the codes to it. What matters is z's size next
to the codes': the layer after the join is followed by BatchNorm, which undoes any common scale.
The unrolled GAN's toy discriminator (Metz et al. 2017) divides its input by 4 the same way.
Derivation: docs/backward/multi-input.md#scale. Gradient check: the "Scale" row of ``minigan gradcheck``,
and (its double backward) "unrolled G gradient, k=3, critic reading x/4 (Scale)".
"""
from __future__ import annotations

from minigan.checks import Site, check_float_array
from .module import Module


class Scale(Module):
    """(any shape) → the same shape, every value times ``factor`` (a fixed number, not learned)."""

    def __init__(self, factor: float):
        super().__init__()
        if not (isinstance(factor, (int, float)) and 0 < abs(factor) < float("inf")):
            raise ValueError(f"Scale: expected a finite, non-zero factor, got {factor!r}")
        self.factor = float(factor)

    def extra_repr(self):
        return f"{self.factor:g}"

    def check_input(self, x):
        check_float_array(Site(self, "forward"), x)

    def _forward(self, x):
        return x * x.dtype.type(self.factor), None

    def _backward(self, dy, cache):
        return dy * dy.dtype.type(self.factor)          # y = s·x: each x reaches the loss through s

    def _double_backward(self, ddx, dy, cache):
        # The backward dx = s·dy is linear in dy and does not involve x: its linearized forward is the
        # forward itself, and nothing flows to x (the unrolled toy D divides its input by 4 this way).
        return ddx * ddx.dtype.type(self.factor), None
