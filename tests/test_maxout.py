"""Maxout: the forward against loops written from the definition, the cases of the gradient check
kept away from ties, ReLU as a maxout, the orthogonal initializer, and the layer's errors.
The backward itself is proven by the gradient check (minigan gradcheck rows "Maxout ...")."""
import numpy
import pytest

from minigan import nn
from minigan.backend import to_numpy
from minigan.gradcheck import suite
from minigan.nn.init import orthogonal, orthogonal_with_gain


def naive_maxout(x, W, b):
    """y[n, o] = max over j of (Σ_d x[n, d] W[d, j, o] + b[j, o]), one element at a time."""
    n, d_in = x.shape
    _, k, d_out = W.shape
    y = numpy.zeros((n, d_out))
    for i in range(n):
        for o in range(d_out):
            pieces = [sum(x[i, d] * W[d, j, o] for d in range(d_in)) + (b[j, o] if b is not None else 0.0)
                      for j in range(k)]
            y[i, o] = max(pieces)
    return y


@pytest.mark.parametrize("bias", [True, False])
def test_the_maxout_forward_matches_loops(xp, bias):
    layer = nn.Maxout(4, 3, 5, bias=bias).to(device="cpu" if xp is numpy else "gpu")
    if bias:
        layer.bias.data[...] = xp.asarray(numpy.random.default_rng(1).standard_normal((5, 3)).astype(numpy.float32))
    x = numpy.random.default_rng(0).standard_normal((6, 4)).astype(numpy.float32)
    y = to_numpy(layer.forward(xp.asarray(x)))
    ref = naive_maxout(x, to_numpy(layer.weight.data), to_numpy(layer.bias.data) if bias else None)
    assert y.shape == (6, 3) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def _maxout_gaps(module, x):
    """The smallest lead of a winning piece over the runner-up, for each Maxout inside ``module``."""
    gaps = []
    for layer in (module.layers if isinstance(module, nn.Sequential) else [module]):
        if isinstance(layer, nn.Maxout) and layer.pieces > 1:
            z = x @ layer.weight.data.reshape(layer.in_features, -1)
            if layer.bias is not None:
                z = z + layer.bias.data.reshape(-1)
            top2 = numpy.sort(z.reshape(len(x), layer.pieces, layer.out_features), axis=1)[:, -2:, :]
            gaps.append(float((top2[:, 1] - top2[:, 0]).min()))
        x = layer.predict(x)
    return gaps


@pytest.mark.parametrize("case", [c for c in suite.LAYER_CASES if "Maxout" in c.name], ids=lambda c: c.name)
def test_the_maxout_cases_stay_away_from_ties(case):
    from minigan.backend import set_default_dtype
    set_default_dtype(numpy.float64)
    module, x = case.build()
    gaps = _maxout_gaps(module, x)
    assert all(gap >= 1e-3 for gap in gaps), f"{case.name}: a winning piece leads by only {min(gaps):.2g}"


def test_relu_is_a_maxout_of_two_pieces():
    """ReLU(x) = max(x, 0): a Maxout with pieces x·1 and x·0, and their gradients agree too."""
    layer = nn.Maxout(3, 3, 2, bias=False)
    weight = numpy.zeros((3, 2, 3), dtype=numpy.float32)
    weight[numpy.arange(3), 0, numpy.arange(3)] = 1.0          # piece 0 of unit o is x[o]; piece 1 is 0
    layer.weight.data[...] = weight
    x = numpy.array([[1.5, -0.5, 0.25], [-2.0, 3.0, -0.1]], dtype=numpy.float32)
    dy = numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=numpy.float32)
    relu = nn.ReLU()
    numpy.testing.assert_array_equal(layer.forward(x), relu.forward(x))
    numpy.testing.assert_array_equal(layer.backward(dy), relu.backward(dy))


def test_an_exact_tie_gives_the_gradient_to_the_first_piece_only():
    """Two identical pieces tie everywhere: the subgradient must not count the upstream twice."""
    layer = nn.Maxout(2, 3, 3, bias=False)
    w = numpy.random.default_rng(4).standard_normal((2, 3, 3)).astype(numpy.float32)
    w[:, 2] = w[:, 0]                                            # pieces 0 and 2 are the same function
    w[:, 1] = -10 * numpy.abs(w[:, 0]) - 1                       # piece 1 never wins for x > 0
    layer.weight.data[...] = w
    x = numpy.abs(numpy.random.default_rng(5).standard_normal((4, 2))).astype(numpy.float32) + 0.1
    y = layer.forward(x)
    numpy.testing.assert_allclose(y, x @ w[:, 0])
    dx = layer.backward(numpy.ones_like(y))
    numpy.testing.assert_allclose(dx, numpy.ones_like(y) @ w[:, 0].T, rtol=1e-6)   # once, not twice
    assert not layer.weight.grad[:, 2].any() and layer.weight.grad[:, 0].any()


def test_maxout_gradients_accumulate_and_skip_frozen_parameters():
    layer = nn.Maxout(2, 2, 3)
    x = numpy.random.default_rng(3).standard_normal((4, 2)).astype(numpy.float32)
    dy = numpy.ones((4, 2), dtype=numpy.float32)
    layer.forward(x)
    layer.backward(dy)
    first = layer.weight.grad.copy()
    layer.forward(x)
    layer.backward(dy)
    numpy.testing.assert_allclose(layer.weight.grad, 2 * first)          # += , not =
    layer.zero_grad()
    with layer.frozen():
        layer.forward(x)
        layer.backward(dy)
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


def test_maxout_errors_name_the_layer_and_what_it_got():
    with pytest.raises(ValueError, match="Maxout.*pieces.*0"):
        nn.Maxout(3, 2, 0)
    layer = nn.Maxout(3, 2, 4)
    with pytest.raises(ValueError, match=r"Maxout\(3→2, 4 pieces\)\.forward: expected 3 input features, got input of shape \(5, 4\)"):
        layer.forward(numpy.zeros((5, 4), dtype=numpy.float32))
    with pytest.raises(ValueError, match=r"Maxout\(3→2, 4 pieces\)\.forward"):
        layer.forward(numpy.zeros((5, 3, 1), dtype=numpy.float32))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (6, 2, 3), (2, 3, 3, 3)])
def test_the_orthogonal_initializer_gives_orthonormal_columns_or_rows(shape):
    w = orthogonal(shape, rng=numpy.random.default_rng(0))
    assert w.shape == shape
    m = w.reshape(shape[0], -1)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T       # the smaller Gram matrix is I
    numpy.testing.assert_allclose(gram, numpy.eye(len(gram)), atol=1e-12)
    scaled = orthogonal_with_gain(1.4)(shape, rng=numpy.random.default_rng(0))
    numpy.testing.assert_allclose(numpy.linalg.svd(scaled.reshape(shape[0], -1), compute_uv=False), 1.4)


def test_the_orthogonal_initializer_is_not_biased_by_the_qr_signs():
    """Without the sign correction, QR's convention (R's diagonal ≥ 0 in LAPACK) makes the first
    column of Q lean towards the first column of the Gaussian draw; with it, Q's entries average 0."""
    rng = numpy.random.default_rng(1)
    draws = numpy.stack([orthogonal((3, 3), rng=rng) for _ in range(4000)])
    assert abs(draws.mean(axis=0)).max() < 0.03
    layer = nn.Dense(6, 4, init="orthogonal")
    m = to_numpy(layer.weight.data).astype(numpy.float64)
    numpy.testing.assert_allclose(m.T @ m, numpy.eye(4), atol=1e-6)
