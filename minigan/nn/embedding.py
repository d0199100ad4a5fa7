"""Labels into vectors: ``OneHot`` and ``Embedding``.

A class label y ∈ {0, …, K−1} is not a number to compute with (7 is not "more" than 3), so a network
reads it as a vector:

* ``OneHot(K)``: y → e_y ∈ {0, 1}ᴷ, the y-th unit vector. No parameters. A conditional GAN joins it
  to z (the generator) or to the image's features (the discriminator) with ``Concat``.
* ``Embedding(K, D)``: y → W[y], row y of a learned table W (K, D). The same thing as
  OneHot followed by a bias-free Dense: e_yᵀ W = W[y] (tests/test_conditional.py::test_one_hot_then_a_bias_free_dense_is_an_embedding
  proves it).

Backward. A label is discrete: there is no dL/dy, so both return None for it. Embedding's weight
gradient is a *scatter-add*: row W[k] was used by every example with yₙ = k, so

    dL/dW[k] = Σ_{n: yₙ = k} dyₙ        = (onehot(y)ᵀ dy)[k]      (K, N) @ (N, D) → (K, D)

Two examples with the same label must both count, which a plain ``W.grad[y] += dy`` gets wrong (fancy
assignment keeps one of the duplicates). ``numpy.add.at`` gets it right but is slow (an unbuffered
loop); here it is one matrix product with the one-hot matrix, the same code on NumPy and CuPy.
``demos/embedding_scatter_add.py`` measures it 9 to 25 times faster than ``add.at`` with 10 classes
(docs/metrics.md); it costs K·N·D, so with thousands of classes a sorted ``reduceat`` would win.
Derivation: docs/backward/multi-input.md#embedding. Gradient check: the "Embedding" rows of
``minigan gradcheck``.
"""
from __future__ import annotations

from minigan.backend import get_array_module, get_default_dtype
from minigan.checks import Site, check_labels, check_positive_int
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host


def one_hot(labels, classes: int, dtype):
    """(N,) integer labels → (N, classes) rows of the identity matrix."""
    xp = get_array_module(labels)
    out = xp.zeros((labels.shape[0], classes), dtype=dtype)
    out[xp.arange(labels.shape[0]), labels] = 1          # one 1 per row: no duplicates within a row
    return out


class OneHot(Module):
    """(N,) integer labels in [0, classes) → (N, classes) rows ``scale``·e_y, in ``dtype`` (default: the
    default float dtype, so that it joins float inputs). A label has no gradient: backward returns None.

    ``scale`` gives the label the weight of what it is joined to. A Dense layer's output variance at
    initialization grows with the squared norm of its input, so a plain one-hot (norm 1) beside a
    flattened image (784 pixels of ±1, norm 28) has almost no say; the conditional MLP discriminator
    scales it by 28 (docs/conditional-gans.md#how-much-say-the-label-has measures it).
    """

    def __init__(self, classes: int, dtype=None, scale: float = 1.0):
        super().__init__()
        self.classes = check_positive_int("OneHot", classes, "classes")
        self.dtype = dtype
        if not (isinstance(scale, (int, float)) and 0 < scale < float("inf")):
            raise ValueError(f"OneHot: expected scale > 0, got {scale!r}")
        self.scale = float(scale)

    def extra_repr(self):
        return f"{self.classes}" + (f", scale={self.scale:g}" if self.scale != 1 else "")

    def check_input(self, labels):
        check_labels(Site(self, "forward"), labels, self.classes)

    def _forward(self, labels):
        rows = one_hot(labels, self.classes, self.dtype or get_default_dtype())
        return (rows * self.scale if self.scale != 1 else rows), None

    def _backward(self, dy, cache):
        return None             # labels are discrete: there is no dL/dy

    def _converted(self, device, dtype):
        if dtype is not None:
            self.dtype = dtype   # follow the network's float dtype (gradient checks run in float64)


class Embedding(Module):
    """(N,) integer labels in [0, num_embeddings) → (N, embedding_dim): row y of ``weight``.

    Shapes: labels (N,), weight (num_embeddings, embedding_dim), output (N, embedding_dim).
    """

    skips_input_grad = True

    def __init__(self, num_embeddings: int, embedding_dim: int, init="standard_normal"):
        super().__init__()
        self.num_embeddings = check_positive_int("Embedding", num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int("Embedding", embedding_dim, "embedding_dim")
        draw = get_initializer("Embedding", init)
        w = draw((num_embeddings, embedding_dim), fan_in=num_embeddings, fan_out=embedding_dim)
        self.weight = parameter_from_host(w, "weight")

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"

    def check_input(self, labels):
        check_labels(Site(self, "forward"), labels, self.num_embeddings)

    def _forward(self, labels):
        return self.weight.data[labels], labels                   # (N, D): a gather, one row per label

    def _backward(self, dy, labels, input_grad=True):
        if self.weight.requires_grad:
            rows = one_hot(labels, self.num_embeddings, dy.dtype)  # (N, K)
            self.weight.grad += rows.T @ dy                        # (K, N) @ (N, D): repeated labels add up
        return None                                                # no dL/d(labels)
