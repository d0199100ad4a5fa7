"""Forward passes against naive references written from the definitions, element by element,
plus the module API: parameter order, accumulation, modes, predict."""
import math

import numpy
import pytest

from minigan import nn
from minigan.backend import to_numpy


def naive_dense(x, W, b):
    n, d_in = x.shape
    d_out = W.shape[1]
    y = numpy.zeros((n, d_out))
    for i in range(n):
        for j in range(d_out):
            y[i, j] = sum(x[i, k] * W[k, j] for k in range(d_in)) + (b[j] if b is not None else 0.0)
    return y


def elementwise(f, x):
    return numpy.vectorize(f)(x)


@pytest.mark.parametrize("bias", [True, False])
def test_dense_forward_matches_loops(xp, bias):
    layer = nn.Dense(5, 3, bias=bias).to(device="cpu" if xp is numpy else "gpu")
    if bias:
        layer.bias.data[...] = xp.asarray(numpy.array([0.5, -1.0, 2.0], dtype=numpy.float32))
    x = numpy.random.default_rng(0).standard_normal((4, 5)).astype(numpy.float32)
    y = to_numpy(layer.forward(xp.asarray(x)))
    ref = naive_dense(x, to_numpy(layer.weight.data), to_numpy(layer.bias.data) if bias else None)
    assert y.shape == (4, 3) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


ACTIVATIONS = [
    (nn.ReLU(), lambda v: v if v > 0 else 0.0),
    (nn.LeakyReLU(0.2), lambda v: v if v > 0 else 0.2 * v),
    (nn.Sigmoid(), lambda v: 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))),
    (nn.Tanh(), math.tanh),
]


@pytest.mark.parametrize("layer,reference", ACTIVATIONS, ids=lambda a: repr(a) if isinstance(a, nn.Module) else "")
def test_activation_forward_matches_the_definition(xp, layer, reference):
    x = numpy.random.default_rng(1).standard_normal((6, 7)) * 4
    x[0, :3] = [-800.0, 800.0, 0.0]    # far tails: no overflow warnings, exact limits
    y = to_numpy(layer.forward(xp.asarray(x)))
    numpy.testing.assert_allclose(y, elementwise(reference, x), rtol=1e-12, atol=1e-300)
    layer.clear_cache()


def test_activations_do_not_change_their_input():
    x = numpy.linspace(-3, 3, 12).reshape(3, 4)
    before = x.copy()
    for layer, _ in ACTIVATIONS:
        dx = layer.backward(numpy.ones_like(layer.forward(x)))
        assert dx.shape == x.shape
    assert numpy.array_equal(x, before)


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = numpy.ones((200, 500), dtype=numpy.float32)
    drop = nn.Dropout(0.3, seed=4)
    y = drop.forward(x)
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01                       # keep probability 1 - p
    keep_prob = 1 - round(0.3 * 65536) / 65536                  # p is drawn at a resolution of 1/65536
    numpy.testing.assert_allclose(y[kept], 1 / keep_prob, rtol=1e-6)  # kept values scaled by 1/(1-p)
    assert abs(keep_prob - 0.7) < 1e-5
    assert abs(y.mean() - 1.0) < 0.01                           # expectation preserved
    dx = drop.backward(numpy.full_like(x, 2.0))
    assert numpy.array_equal(dx != 0, kept)                     # the same mask in the backward
    assert numpy.array_equal(nn.Dropout(0.3, seed=4).forward(x), y)           # seeded
    assert not numpy.array_equal(nn.Dropout(0.3, seed=5).predict(x), y)
    drop.eval()
    assert numpy.array_equal(drop.forward(x), x)
    assert numpy.array_equal(drop.backward(x), x)


def test_flatten_and_reshape_are_inverse_reshapes():
    x = numpy.arange(2 * 3 * 4 * 5, dtype=numpy.float64).reshape(2, 3, 4, 5)
    flat = nn.Flatten()
    y = flat.forward(x)
    assert y.shape == (2, 60) and numpy.array_equal(y[1], x[1].ravel())
    assert flat.backward(y).shape == x.shape
    back = nn.Reshape((3, 4, 5))
    assert numpy.array_equal(back.forward(y), x)
    assert back.backward(x).shape == (2, 60)


def test_parameters_come_in_documented_order_with_names():
    model = nn.Sequential(nn.Dense(3, 4), nn.ReLU(), nn.Dense(4, 2, bias=False))
    params = model.parameters()
    assert [p.name for p in params] == ["weight", "bias", "weight"]
    assert [p.shape for p in params] == [(3, 4), (4,), (4, 2)]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    for p in params:
        assert p.grad.shape == p.data.shape and not p.grad.any()


def test_parameter_gradients_accumulate_until_zero_grad():
    layer = nn.Dense(3, 2)
    x = numpy.random.default_rng(2).standard_normal((5, 3)).astype(numpy.float32)
    dy = numpy.ones((5, 2), dtype=numpy.float32)
    layer.forward(x)
    layer.backward(dy)
    once = layer.weight.grad.copy()
    layer.forward(x)
    layer.backward(dy)
    numpy.testing.assert_allclose(layer.weight.grad, 2 * once, rtol=1e-6)
    numpy.testing.assert_allclose(layer.bias.grad, [10.0, 10.0])
    layer.zero_grad()
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


def test_train_and_eval_reach_every_layer():
    model = nn.Sequential(nn.Dense(2, 2), nn.Dropout(0.5))
    model.eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_predict_keeps_nothing_for_backward():
    model = nn.Sequential(nn.Dense(3, 2), nn.Tanh())
    x = numpy.ones((4, 3), dtype=numpy.float32)
    y = model.predict(x)
    assert all(m._pending is None for m in model.modules())
    model.forward(x)                       # predict left no pending cache, so this is allowed
    numpy.testing.assert_array_equal(model.backward(numpy.ones_like(y)).shape, x.shape)
    with nn.inference():
        model.forward(x)
    assert all(m._pending is None for m in model.modules())


def test_state_dict_round_trip_and_mismatch():
    a, b = nn.Sequential(nn.Dense(3, 4), nn.Dense(4, 1)), nn.Sequential(nn.Dense(3, 4), nn.Dense(4, 1))
    b.load_state_dict(a.state_dict())
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert numpy.array_equal(pa.data, pb.data)
    with pytest.raises(ValueError, match="has shape"):
        nn.Sequential(nn.Dense(3, 5), nn.Dense(5, 1)).load_state_dict(a.state_dict())


@pytest.mark.parametrize("name,std", [("glorot_uniform", math.sqrt(2 / (400 + 300))),
                                      ("he_normal", math.sqrt(2 / 400)), ("dcgan_normal", 0.02)])
def test_initializers_have_their_documented_spread(name, std):
    w = nn.Dense(400, 300, init=name).weight.data
    assert abs(w.std() / std - 1) < 0.02
    assert abs(w.mean()) < 0.02 * std * 10
    if name == "glorot_uniform":
        assert numpy.abs(w).max() <= math.sqrt(6 / 700) + 1e-7
