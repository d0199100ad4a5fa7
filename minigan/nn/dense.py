"""Dense (fully connected) layer: y = x W + b.

Derivation of the backward pass: docs/backward/dense.md; of the double backward (for gradient
penalties): docs/backward/double-backward.md#dense
Gradient check: tests/test_gradcheck.py (rows "Dense ..."); forward reference: tests/test_layers.py
"""
from __future__ import annotations

import numpy

from minigan.checks import Site, check_ndim, check_positive_int
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host


class Dense(Module):
    """y = x W + b.

    Shapes: x (N, in_features), W (in_features, out_features), b (out_features,),
    y (N, out_features). Parameters, in order: ``weight``, ``bias`` (when ``bias=True``).

    ``init`` names the weight initializer (see :mod:`minigan.nn.init`); the bias starts at zero.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init="glorot_uniform"):
        super().__init__()
        self.in_features = check_positive_int("Dense", in_features, "in_features")
        self.out_features = check_positive_int("Dense", out_features, "out_features")
        self.init = init                               # kept for widened_input (PacGAN's packing)
        draw = get_initializer("Dense", init)
        w = draw((in_features, out_features), fan_in=in_features, fan_out=out_features)
        self.weight = parameter_from_host(w, "weight")
        self.bias = parameter_from_host(numpy.zeros(out_features), "bias") if bias else None

    def widened_input(self, factor: int) -> "Dense":
        """A new Dense layer like this one with ``factor`` times the inputs (PacGAN packs m samples)."""
        return Dense(self.in_features * factor, self.out_features, bias=self.bias is not None, init=self.init)

    def extra_repr(self):
        return f"{self.in_features}→{self.out_features}" + ("" if self.bias is not None else ", bias=False")

    def check_input(self, x):
        super().check_input(x)
        check_ndim(Site(self, "forward"), x, 2, "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"{self}.forward: expected {self.in_features} input features, got "
                             f"input of shape {tuple(x.shape)}")

    def _forward(self, x):
        y = x @ self.weight.data                       # (N, in) @ (in, out) -> (N, out)
        if self.bias is not None:
            y += self.bias.data                        # (out,) broadcast over the batch
        return y, x                                    # the backward needs only x

    skips_input_grad = True

    def _backward(self, dy, x, input_grad=True):
        if self.weight.requires_grad:
            self.weight.grad += x.T @ dy               # (in, N) @ (N, out) -> (in, out)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy.sum(axis=0)           # each example added b once
        if not input_grad:
            return None
        return dy @ self.weight.data.T                 # (N, out) @ (out, in) -> (N, in)

    differentiates_parameter_gradients = True

    def _double_backward(self, ddx, dy, x):
        # The backward dx = dy Wᵀ is linear in dy and in W, and does not involve x or b.
        if self.weight.requires_grad:
            self.weight.grad += ddx.T @ dy             # (in, N) @ (N, out) -> (in, out)
        ddy = ddx @ self.weight.data                   # ddy: the forward without its bias, (N, out)
        dx_second = None
        # Adjoints of the parameter gradients dW = xᵀ dy and db = Σₙ dy (a Hessian-vector product):
        # P ∋ ⟨V, xᵀ dy⟩ gives ∂P/∂dy = x V and ∂P/∂x = dy Vᵀ; ⟨v, Σₙ dy⟩ gives ∂P/∂dy = v in every row.
        v_w = self.weight.grad_adjoint
        if v_w is not None:
            ddy += x @ v_w                             # (N, in) @ (in, out) -> (N, out)
            dx_second = dy @ v_w.T                     # (N, out) @ (out, in) -> (N, in)
        if self.bias is not None and self.bias.grad_adjoint is not None:
            ddy += self.bias.grad_adjoint              # (out,) broadcast over the batch
        return ddy, dx_second
