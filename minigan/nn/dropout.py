"""Inverted dropout.

Training: each element is kept with probability 1 − p and the kept ones are scaled by 1/(1 − p),
so the expected output equals the input and eval mode needs no rescaling. Eval: the identity.

Derivation: docs/backward/dropout.md. Gradient check: tests/test_gradcheck.py ("Dropout").
"""
from __future__ import annotations

from minigan.backend import RNG, device_of, new_seed
from .module import Module


class Dropout(Module):
    """y = x · m / (1 − p), m ~ Bernoulli(1 − p) elementwise; dx = dy · m / (1 − p).

    Shapes: any; the mask has the shape of x. ``seed`` fixes the masks (drawn from
    ``minigan.backend.manual_seed`` when omitted), so runs repeat exactly on the CPU.
    """

    def __init__(self, p: float = 0.5, seed: int | None = None):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: expected a drop probability 0 <= p < 1, got {p!r}")
        self.p = float(p)
        self.seed = new_seed() if seed is None else int(seed)
        self.rng = None  # made on first use, on the device of the input

    def extra_repr(self):
        return f"p={self.p}"

    def _forward(self, x):
        if not self.training or self.p == 0:
            return x, None
        if self.rng is None or self.rng.device != device_of(x):
            self.rng = RNG(self.seed, device_of(x))
        keep, keep_prob = self.rng.keep_mask(x.shape, self.p)  # keep_prob: 1 − p up to 1/65536 on the CPU
        scaled_mask = keep.astype(x.dtype)
        scaled_mask *= 1 / keep_prob                            # (same as x): 0 or 1/(1 − p)
        return x * scaled_mask, scaled_mask

    def _backward(self, dy, scaled_mask):
        return dy if scaled_mask is None else dy * scaled_mask

    def double_backward_unsupported(self):
        if self.training and self.p > 0:
            return (f"{self} in training mode: a gradient penalty constrains ‖∂D(x)/∂x‖ of the critic, "
                    "and with dropout every call is a differently thinned network, so the penalty would "
                    "hold a random sub-network to it, not the critic (the WGAN-GP critic has no dropout, "
                    "Gulrajani et al. 2017). Build the critic without Dropout (minigan train --model dcgan: "
                    "--dropout 0)")
        return None

    def _double_backward(self, ddx, dy, scaled_mask):
        return ddx if scaled_mask is None else ddx * scaled_mask, None   # eval: the identity
