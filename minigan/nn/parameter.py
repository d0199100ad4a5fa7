"""``Parameter``: a trainable array and the gradient that accumulates into it.

Every backward pass adds (``+=``) its dL/dθ into ``.grad``; nothing else resets it but an explicit
``zero_grad()`` (the optimizers' or a module's), so a discriminator step over a real and a fake
batch, and the penalties after it, sum into one gradient.
"""
from __future__ import annotations

import numpy

from minigan.backend import get_array_module, get_default_dtype, to_device
from minigan.checks import describe


class Parameter:
    """A trainable array: ``.data``, its gradient ``.grad`` (same shape, same dtype) and a ``.name``."""

    def __init__(self, data, name: str):
        self.data = data
        self.grad = get_array_module(data).zeros_like(data)
        self.name = name
        self.requires_grad = True
        # ∂P/∂(this gradient) for a second-order P = ⟨∇θ L, v⟩ (the unrolled GAN's Hessian-vector
        # products, minigan/gan/unrolled.py): set by the caller around a double backward, None means 0.
        self.grad_adjoint = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self):
        self.grad[...] = 0  # in place: optimizers may hold a reference to this array

    def __repr__(self):
        return f"Parameter({self.name}, {describe(self.data)})"


def parameter_from_host(values, name: str) -> Parameter:
    """A Parameter with the default dtype on the current device, from host (NumPy) ``values``.

    Initializers draw on the host in float64 (minigan/nn/init.py), so a seed gives the same
    starting weights whatever the dtype and the device.
    """
    return Parameter(to_device(numpy.asarray(values).astype(get_default_dtype())), name)
