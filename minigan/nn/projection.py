"""Projection: the output layer of a projection discriminator (Miyato & Koyama 2018).

    out[n] = h[n] · w + b + ⟨E[yₙ], h[n]⟩          h (N, F) features, y (N,) labels → (N, 1)

The first two terms are an ordinary Dense(F → 1), D's unconditional verdict; the inner product with
the label's embedding E[y] (a learned row per class) adds "does this look like class y?". Miyato &
Koyama derive it from the log-likelihood ratio of a conditional model whose class posterior is a
softmax on φ(x): log p(y|x)/q(y|x) is linear in φ(x), with one vector per class.

Backward, with dy (N, 1):

    dL/dh[n] = dy[n] (w + E[yₙ])ᵀ          dL/dw = hᵀ dy          dL/db = Σₙ dy[n]
    dL/dE[k] = Σ_{n: yₙ = k} dy[n] h[n]    = (onehot(y)ᵀ (dy ⊙ h))[k]     a scatter-add, as in Embedding

and no gradient for the labels. Derivation: docs/backward/multi-input.md#projection. Gradient check:
the "Projection ..." rows of ``minigan gradcheck``.
"""
from __future__ import annotations

import numpy

from minigan.checks import Site, check_float_array, check_labels, check_ndim, check_positive_int, describe
from .embedding import one_hot
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host


class Projection(Module):
    """(h, y) → h·w + b + ⟨E[y], h⟩, shape (N, 1). Parameters, in order: ``weight`` (F, 1), ``bias`` (1,),
    ``embedding`` (classes, F)."""

    skips_input_grad = True

    def __init__(self, features: int, classes: int, init="glorot_uniform"):
        super().__init__()
        self.features = check_positive_int("Projection", features, "features")
        self.classes = check_positive_int("Projection", classes, "classes")
        draw = get_initializer("Projection", init)
        self.weight = parameter_from_host(draw((features, 1), fan_in=features, fan_out=1), "weight")
        self.bias = parameter_from_host(numpy.zeros(1), "bias")
        self.embedding = parameter_from_host(draw((classes, features), fan_in=features, fan_out=1), "embedding")

    def extra_repr(self):
        return f"{self.features}, classes={self.classes}"

    def check_input(self, inputs):
        site = Site(self, "forward")
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise TypeError(f"{site}: expected a tuple (features (N, {self.features}), labels (N,)), got {describe(inputs)}")
        h, labels = inputs
        check_float_array(site, h, "features")
        check_ndim(site, h, 2, f"(N, {self.features})", "features")
        if h.shape[1] != self.features or h.dtype != self.weight.data.dtype:
            raise ValueError(f"{site}: expected {self.weight.data.dtype} features (N, {self.features}), got {describe(h)}")
        check_labels(site, labels, self.classes)
        if labels.shape[0] != h.shape[0]:
            raise ValueError(f"{site}: expected one label per example ({h.shape[0]}), got {describe(labels)}")

    def _forward(self, inputs):
        h, labels = inputs
        rows = self.embedding.data[labels]                                   # (N, F): E[y]
        out = h @ self.weight.data + self.bias.data + (rows * h).sum(axis=1, keepdims=True)   # (N, 1)
        return out, (h, labels, rows)

    def _backward(self, dy, cache, input_grad=True):
        h, labels, rows = cache
        if self.weight.requires_grad:
            self.weight.grad += h.T @ dy                                     # (F, N) @ (N, 1)
            self.bias.grad += dy.sum(axis=0)
            self.embedding.grad += one_hot(labels, self.classes, h.dtype).T @ (dy * h)   # (K, N) @ (N, F)
        if not input_grad:
            return None
        return dy * (self.weight.data.T + rows), None                         # (N, F); labels: none
