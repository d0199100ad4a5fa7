"""Batch normalization: BatchNorm1d for (N, F), BatchNorm2d for (N, C, H, W).

Training, per feature (per channel for 2-D, over the m = N·H·W values it has in the batch):

    μ = mean(x),  σ² = mean((x − μ)²)                 biased variance, to normalize
    x̂ = (x − μ) / √(σ² + ε),   y = γ·x̂ + β

Backward, in the compact form (derived step by step in docs/batchnorm.md):

    dβ = Σ dy,   dγ = Σ dy·x̂
    dx = γ / (m·√(σ² + ε)) · (m·dy − dβ − x̂·dγ)

Eval mode uses the running estimates instead of the batch's statistics, so y is an affine
function of x: dx = dy·γ/√(running_var + ε).

Running estimates (PyTorch's convention; defaults momentum 0.1, eps 1e-5):

    running_mean ← (1 − momentum)·running_mean + momentum·μ
    running_var  ← (1 − momentum)·running_var  + momentum·σ²·m/(m − 1)   (unbiased)

They are *buffers*: saved in ``state_dict()``, moved by ``to()``, never seen by an optimizer.
Keras' BatchNormalization writes the same update as ``moving = moving·momentum + batch·(1 −
momentum)`` with momentum 0.99 and epsilon 1e-3: Keras momentum 0.99 is PyTorch momentum 0.01.
To match the TensorFlow tutorials, use ``BatchNorm1d(F, momentum=0.01, eps=1e-3)``.

Proof: `minigan gradcheck` rows "BatchNorm …" (train and eval); references in tests/test_batchnorm.py.
"""
from __future__ import annotations

import numpy

from minigan.backend import get_default_dtype, to_device
from minigan.checks import Site, check_positive_int
from .module import Module
from .parameter import parameter_from_host


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d; they differ only in the axes they reduce over."""

    axes: tuple = ()       # the axes the statistics are taken over
    layout: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__()
        where = type(self).__name__
        self.num_features = check_positive_int(where, num_features, "num_features")
        if not eps > 0:
            raise ValueError(f"{where}: expected eps > 0, got {eps!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"{where}: expected 0 <= momentum <= 1, got {momentum!r}")
        self.eps, self.momentum = float(eps), float(momentum)
        dtype = get_default_dtype()
        self.gamma = parameter_from_host(numpy.ones(num_features), "gamma") if affine else None
        self.beta = parameter_from_host(numpy.zeros(num_features), "beta") if affine else None
        self.register_buffer("running_mean", to_device(numpy.zeros(num_features, dtype)))
        self.register_buffer("running_var", to_device(numpy.ones(num_features, dtype)))

    def extra_repr(self):
        return f"{self.num_features}" + ("" if self.gamma is not None else ", affine=False")

    def check_input(self, x):
        super().check_input(x)
        where = Site(self, "forward")
        if x.ndim != len(self.layout.split(",")):
            raise ValueError(f"{where}: expected a {len(self.layout.split(','))}-D input {self.layout}, "
                             f"got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{where}: expected {self.num_features} features on axis 1, got input of shape "
                             f"{tuple(x.shape)}")
        if self.training and x.size // x.shape[1] < 2:
            raise ValueError(f"{where}: training mode needs more than one value per feature to estimate a "
                             f"variance, got input of shape {tuple(x.shape)} (use eval() for single examples)")

    def _broadcast(self, v):
        """(F,) → (1, F) or (1, F, 1, 1), to line up with x."""
        return v.reshape((1, -1) + (1,) * (len(self.axes) - 1))

    def _forward(self, x):
        if self.training:
            m = x.size // x.shape[1]
            mean = x.mean(axis=self.axes)                              # (F,)
            centred = x - self._broadcast(mean)
            var = (centred * centred).mean(axis=self.axes)             # (F,), biased
            inv_std = (var + self.eps) ** -0.5                         # (F,): 1/√(σ² + ε)
            self.running_mean *= 1 - self.momentum                     # in place: buffers keep their identity
            self.running_mean += self.momentum * mean
            self.running_var *= 1 - self.momentum
            self.running_var += (self.momentum * m / (m - 1)) * var
        else:
            centred = x - self._broadcast(self.running_mean)
            inv_std = (self.running_var + self.eps) ** -0.5
        x_hat = centred * self._broadcast(inv_std)
        y = x_hat if self.gamma is None else x_hat * self._broadcast(self.gamma.data) + self._broadcast(self.beta.data)
        return y, (x_hat, inv_std, self.training)

    def _backward(self, dy, cache):
        x_hat, inv_std, batch_stats = cache
        d_beta = dy.sum(axis=self.axes)                                # (F,)
        d_gamma = (dy * x_hat).sum(axis=self.axes)                     # (F,)
        if self.gamma is not None:
            if self.gamma.requires_grad:
                self.gamma.grad += d_gamma
            if self.beta.requires_grad:
                self.beta.grad += d_beta
            scale = self.gamma.data * inv_std                          # (F,): γ/√(σ² + ε)
        else:
            scale = inv_std
        if not batch_stats:                                            # eval: y is affine in x
            return dy * self._broadcast(scale)
        m = dy.size // dy.shape[1]
        return self._broadcast(scale / m) * (m * dy - self._broadcast(d_beta) - x_hat * self._broadcast(d_gamma))

    def couples_samples(self):
        return self.training                        # batch statistics in training, running ones in eval

    def double_backward_unsupported(self):
        if self.training:
            return (f"{self} in training mode: it normalizes with the batch's own mean and variance, so "
                    "each sample's output depends on every other sample and ∂D(x̂_n)/∂x̂_n is no longer the "
                    "gradient of one sample's score; a per-sample gradient penalty is then taken on the wrong "
                    "function. The WGAN-GP paper drops batch normalization from the critic for this reason "
                    "(Gulrajani et al. 2017, section 4). Build the critic without BatchNorm (spectral "
                    "normalization, nn.SpectralNorm, is the usual replacement)")
        return None

    def _double_backward(self, ddx, dy, cache):
        # Eval mode only (training mode is refused above): dx = dy·γ·inv_std, linear in dy and γ.
        x_hat, inv_std, _ = cache
        if self.gamma is None:
            return ddx * self._broadcast(inv_std), None
        if self.gamma.requires_grad:
            self.gamma.grad += (ddx * dy).sum(axis=self.axes) * inv_std   # (F,)
        return ddx * self._broadcast(self.gamma.data * inv_std), None


class BatchNorm1d(_BatchNorm):
    """BatchNorm1d(num_features): x (N, F) → y (N, F). Parameters ``gamma``, ``beta`` (F,)."""
    axes = (0,)
    layout = "(N, F)"


class BatchNorm2d(_BatchNorm):
    """BatchNorm2d(num_channels): x (N, C, H, W) → y, statistics per channel over N·H·W values."""
    axes = (0, 2, 3)
    layout = "(N, C, H, W)"

    def __init__(self, num_channels: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__(num_channels, eps, momentum, affine)
