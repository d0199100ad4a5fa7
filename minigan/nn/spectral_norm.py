"""Spectral normalization (Miyato et al. 2018): a Dense or Conv2d whose weight is divided by its
largest singular value, so the layer is (close to) 1-Lipschitz.

    W̄ = W / σ(W),    σ(W) = uᵀ W v   (u, v: the top singular vectors, from power iteration)

W is viewed as a matrix W_mat of shape (out, in·…): Dense's (in, out) weight transposed,
Conv2d's (F, C, kh, kw) reshaped to (F, C·kh·kw). One step of power iteration per forward, in
training mode, refines the estimate of u that the previous step left (u is a *buffer*: saved,
moved, never optimized):

    v ← W_matᵀ u / ‖W_matᵀ u‖,    u ← W_mat v / ‖W_mat v‖

Eval mode does not update u (it computes v from the stored u and nothing more).

Backward: the paper, like every implementation, treats u and v as constants. Then σ = uᵀW_mat v
is linear in W with ∂σ/∂W_mat = u vᵀ, and the chain rule through W̄ = W/σ gives

    dW_mat = (dW̄_mat − ⟨dW̄, W̄⟩ · u vᵀ) / σ

where dW̄ is what the wrapped layer's own backward computes for the weight it was given.
Derivation: docs/spectral-norm.md. Proof: `minigan gradcheck` rows "SpectralNorm …" (the power
iteration frozen with ``power_iteration = False``, so every finite-difference evaluation sees the
same u; otherwise u would move with W, and u, v are constants only by the convention above).

The wrapped layer keeps doing its own math: before each call this wrapper hands it W̄ as its
weight, and afterwards turns the gradient it collected for W̄ into one for W.
"""
from __future__ import annotations

import numpy

from minigan.backend import device_of, get_array_module, new_seed, to_device
from minigan.checks import check_positive_int
from .conv import Conv2d
from .dense import Dense
from .module import Module
from .parameter import Parameter
from .projection import Projection
from .sequential import Sequential


class SpectralNorm(Module):
    """SpectralNorm(layer, n_power_iterations=1): ``layer`` (Dense or Conv2d) with W̄ = W/σ(W).

    Shapes: those of the wrapped layer. Parameters, in order: ``weight`` (the raw W, the one the
    optimizer changes) and ``bias`` (the layer's own, when it has one). Buffer: ``u`` (out,).
    ``power_iteration = False`` freezes u in training mode too (the gradient checks do this).
    """

    skips_input_grad = True

    def __init__(self, layer, n_power_iterations: int = 1, eps: float = 1e-12, seed: int | None = None):
        super().__init__()
        if not isinstance(layer, (Dense, Conv2d)):
            raise TypeError(f"SpectralNorm: expected a Dense or Conv2d layer to wrap, got {layer!r}")
        self.n_power_iterations = check_positive_int("SpectralNorm", n_power_iterations, "n_power_iterations")
        if not eps > 0:
            raise ValueError(f"SpectralNorm: expected eps > 0, got {eps!r}")
        self.eps = float(eps)
        self.layer = layer
        self.weight = layer.weight            # the raw W: what the optimizer sees and changes
        self.bias = layer.bias                # shared with the layer
        # The layer's own weight slot holds W̄ during each call; it is never optimized or saved.
        layer.weight = Parameter(self.weight.data.copy(), "weight")
        out = self._matrix(self.weight.data).shape[0]
        u = numpy.random.default_rng(new_seed() if seed is None else seed).standard_normal(out)
        self.register_buffer("u", to_device((u / numpy.linalg.norm(u)).astype(self.weight.dtype),
                                            device_of(self.weight.data)))
        self.power_iteration = True

    def extra_repr(self):
        return f"{self.layer!r}, n_power_iterations={self.n_power_iterations}"

    def double_backward_unsupported(self):
        return self.layer.double_backward_unsupported()

    # ---- the weight as a matrix ------------------------------------------------------------
    def _matrix(self, w):
        """(out, in·…): Dense's (in, out) weight transposed; Conv2d's (F, C, kh, kw) flattened per filter."""
        return w.T if isinstance(self.layer, Dense) else w.reshape(w.shape[0], -1)

    def _unmatrix(self, w_mat):
        return w_mat.T if isinstance(self.layer, Dense) else w_mat.reshape(self.weight.shape)

    def _normalize(self, a):
        xp = get_array_module(a)
        return a / (xp.sqrt((a * a).sum()) + self.eps)

    def sigma(self):
        """σ(W) as the current u estimates it (no update): uᵀ W_mat v with v = W_matᵀu/‖W_matᵀu‖."""
        w_mat = self._matrix(self.weight.data)
        v = self._normalize(w_mat.T @ self.u)
        return float(self.u @ (w_mat @ v))

    # ---- the math ----------------------------------------------------------------------------
    def check_input(self, x):
        super().check_input(x)                     # against the raw W's dtype and device
        self.layer.weight.data = self.weight.data  # the layer's checks compare with its own weight
        self.layer.check_input(x)

    def _forward(self, x):
        w_mat = self._matrix(self.weight.data)                 # (out, in·…)
        u = self.u
        if self.training and self.power_iteration:
            for _ in range(self.n_power_iterations):
                v = self._normalize(w_mat.T @ u)               # (in·…,)
                u = self._normalize(w_mat @ v)                 # (out,)
            self.u[...] = u                                    # in place: the buffer keeps its identity
        else:
            v = self._normalize(w_mat.T @ u)
        u = u.copy()                                           # the backward's constants, whatever u does next
        sigma = u @ (w_mat @ v)                                # a 0-d array: no host sync on the GPU
        w_bar = self.weight.data / sigma
        self.layer.weight.data = w_bar
        y, layer_cache = self.layer._forward(x)
        return y, (layer_cache, w_bar, sigma, u, v)

    def _through_layer(self, call, w_bar, sigma, u, v):
        """Run ``call`` (the layer's backward or double backward) on W̄, then turn dW̄ into dW."""
        inner = self.layer.weight
        inner.data = w_bar
        inner.grad = get_array_module(w_bar).zeros_like(w_bar)
        inner.requires_grad = self.weight.requires_grad
        result = call()
        if self.weight.requires_grad:
            dw_bar = self._matrix(inner.grad)                  # (out, in·…)
            w_bar_mat = self._matrix(w_bar)
            along_sigma = (dw_bar * w_bar_mat).sum()           # ⟨dW̄, W̄⟩
            dw_mat = (dw_bar - along_sigma * (u[:, None] * v[None, :])) / sigma
            self.weight.grad += self._unmatrix(dw_mat)
        return result

    def _backward(self, dy, cache, input_grad=True):
        layer_cache, w_bar, sigma, u, v = cache
        return self._through_layer(lambda: self.layer._backward(dy, layer_cache, input_grad=input_grad),
                                   w_bar, sigma, u, v)

    def _double_backward(self, ddx, dy, cache):
        layer_cache, w_bar, sigma, u, v = cache
        return self._through_layer(lambda: self.layer._double_backward(ddx, dy, layer_cache), w_bar, sigma, u, v)


def spectral_norm_all(module, n_power_iterations: int = 1):
    """Wrap every Dense and Conv2d inside a Sequential (recursively, branches and heads included) in
    :class:`SpectralNorm`, in place.

    Miyato et al. normalize every layer of the discriminator, the last one included.
    """
    if not isinstance(module, Sequential):
        raise TypeError(f"spectral_norm_all: expected a Sequential, got {module!r}")
    for m in module.modules():
        if isinstance(m, Projection):
            raise ValueError(f"spectral_norm_all: {m} has parameters (its class embedding) that no spectrally "
                             "normalized version is written for; train the projection discriminator without "
                             "--spectral-norm")
    _wrap_each(module.layers, n_power_iterations)
    return module


def _wrap_each(layers: list, n_power_iterations: int):
    """Wrap the Dense and Conv2d layers of ``layers`` in place, and those inside containers (Sequential,
    and Parallel and Fork: a conditional D's branches and heads). A container's ``children()`` is its
    own list of layers, so replacing an item there replaces the layer."""
    for i, layer in enumerate(layers):
        if isinstance(layer, (Dense, Conv2d)):
            layers[i] = SpectralNorm(layer, n_power_iterations)
        elif layer.is_container:
            _wrap_each(layer.children(), n_power_iterations)


__all__ = ["SpectralNorm", "spectral_norm_all"]
