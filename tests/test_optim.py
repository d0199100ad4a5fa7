"""Optimizers: first steps against hand-computed values, convergence on a quadratic, exact resume."""
import math

import numpy
import pytest

from minigan import nn, optim


def param(values, grad):
    p = nn.Parameter(numpy.array(values, dtype=numpy.float64), "w")
    p.grad[...] = grad
    return p


def test_sgd_first_step_by_hand():
    p = param([1.0, -2.0], [0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    assert p.data.tolist() == pytest.approx([1.0 - 0.05, -2.0 + 0.1])


def test_sgd_momentum_and_nesterov_by_hand():
    # v1 = g = 1, θ1 = 1 − 0.1·1 = 0.9; v2 = 0.9·1 + 1 = 1.9, θ2 = 0.9 − 0.19 = 0.71
    p = param([1.0], [1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    assert p.data[0] == pytest.approx(0.9)
    opt.step()
    assert p.data[0] == pytest.approx(0.71)
    # Nesterov: v1 = 1, θ1 = 1 − 0.1·(1 + 0.9·1) = 0.81
    q = param([1.0], [1.0])
    optim.SGD([q], lr=0.1, momentum=0.9, nesterov=True).step()
    assert q.data[0] == pytest.approx(0.81)


def test_adam_first_two_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = param([0.5], [0.2])
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    opt.step()
    # step 1: m = 0.02, v = 4e-5; m̂ = 0.2, v̂ = 0.04 -> θ = 0.5 − 0.01·0.2/(0.2 + 1e-8)
    assert p.data[0] == pytest.approx(0.5 - lr * 0.2 / (0.2 + eps), rel=1e-14)
    p.grad[...] = -0.4
    opt.step()
    m = b1 * 0.02 + (1 - b1) * -0.4
    v = b2 * 4e-5 + (1 - b2) * 0.16
    expected = 0.5 - lr * 0.2 / (0.2 + eps) - lr * (m / (1 - b1 ** 2)) / (math.sqrt(v / (1 - b2 ** 2)) + eps)
    assert p.data[0] == pytest.approx(expected, rel=1e-14)


def test_weight_decay_and_l1_are_added_to_the_gradient():
    p = param([2.0, -3.0], [0.0, 0.0])
    optim.SGD([p], lr=0.1, weight_decay=0.5, l1=0.2).step()
    # g = 0 + 0.5·θ + 0.2·sign(θ) = [1.2, −1.7]
    assert p.data.tolist() == pytest.approx([2.0 - 0.12, -3.0 + 0.17])
    q = param([2.0], [0.0])
    optim.Adam([q], lr=0.1, weight_decay=0.5).step()
    assert q.data[0] == pytest.approx(2.0 - 0.1, rel=1e-6)      # Adam's first step is lr·sign(g)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.05),
], ids=["sgd", "momentum", "nesterov", "adam"])
def test_converges_on_a_quadratic(make):
    """Minimize ½ (θ − c)ᵀ A (θ − c) with A positive definite: the minimum is θ = c."""
    rng = numpy.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    A = a @ a.T / 5 + numpy.eye(5)
    c = rng.standard_normal(5)
    p = nn.Parameter(numpy.zeros(5), "theta")
    opt = make([p])
    for _ in range(2000):
        opt.zero_grad()
        p.grad += A @ (p.data - c)
        opt.step()
    numpy.testing.assert_allclose(p.data, c, atol=1e-4)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.01, betas=(0.5, 0.999)),
                                  lambda ps: optim.RMSProp(ps, lr=0.01)], ids=["sgd", "adam", "rmsprop"])
def test_state_dict_resumes_bit_identically(make):
    def run(opt, p, steps, start):
        for s in range(start, start + steps):
            opt.zero_grad()
            p.grad += numpy.sin(p.data * (s + 1))
            opt.step()

    p_straight = nn.Parameter(numpy.linspace(-1, 1, 6).astype(numpy.float32), "w")
    run(make([p_straight]), p_straight, 20, 0)

    p_a = nn.Parameter(numpy.linspace(-1, 1, 6).astype(numpy.float32), "w")
    opt_a = make([p_a])
    run(opt_a, p_a, 10, 0)
    saved_state, saved_data = opt_a.state_dict(), p_a.data.copy()
    p_b = nn.Parameter(saved_data, "w")
    opt_b = make([p_b])
    opt_b.load_state_dict(saved_state)
    run(opt_b, p_b, 10, 10)
    assert numpy.array_equal(p_b.data, p_straight.data)


def test_rmsprop_converges_on_a_quadratic_to_within_its_step_size():
    """g/√v stays near ±1 as g shrinks (v shrinks with it), so near the minimum RMSProp keeps
    stepping about lr: it settles within a few lr of it, not at it."""
    rng = numpy.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    A = a @ a.T / 5 + numpy.eye(5)
    c = rng.standard_normal(5)
    p = nn.Parameter(numpy.zeros(5), "theta")
    opt = optim.RMSProp([p], lr=1e-3)
    for _ in range(4000):
        opt.zero_grad()
        p.grad += A @ (p.data - c)
        opt.step()
    numpy.testing.assert_allclose(p.data, c, atol=5e-3)


def test_rmsprop_first_two_steps_by_hand():
    lr, alpha, eps = 0.01, 0.99, 1e-8
    p = param([0.5], [0.2])
    opt = optim.RMSProp([p], lr=lr, alpha=alpha, eps=eps)
    opt.step()
    v1 = (1 - alpha) * 0.2 ** 2                          # 4e-4
    theta1 = 0.5 - lr * 0.2 / (math.sqrt(v1) + eps)      # 0.5 − 0.01·0.2/0.02 = 0.4
    assert p.data[0] == pytest.approx(theta1, rel=1e-12)
    p.grad[...] = -0.1
    opt.step()
    v2 = alpha * v1 + (1 - alpha) * 0.01
    assert p.data[0] == pytest.approx(theta1 + lr * 0.1 / (math.sqrt(v2) + eps), rel=1e-12)
    with pytest.raises(ValueError, match="expected 0 <= alpha < 1"):
        optim.RMSProp([p], alpha=1.0)


def test_load_state_dict_refuses_a_state_of_another_shape():
    opt = optim.Adam(nn.Dense(3, 2).parameters())
    with pytest.raises(ValueError, match="has shape"):
        opt.load_state_dict(optim.Adam(nn.Dense(4, 2).parameters()).state_dict())
    with pytest.raises(ValueError, match="saved by another optimizer"):
        opt.load_state_dict(optim.SGD(nn.Dense(3, 2).parameters(), lr=0.1, momentum=0.5).state_dict())


def test_frozen_parameters_are_not_updated():
    layer = nn.Dense(2, 2)
    before = layer.weight.data.copy()
    layer.weight.grad[...] = 1.0
    layer.weight.requires_grad = False
    optim.Adam(layer.parameters()).step()
    assert numpy.array_equal(layer.weight.data, before)


def test_optimizers_work_on_each_backend(xp):
    layer = nn.Dense(3, 1).to(device="cpu" if xp is numpy else "gpu")
    opt = optim.Adam(layer.parameters(), lr=0.1)
    x = xp.asarray(numpy.random.default_rng(0).standard_normal((16, 3)).astype(numpy.float32))
    target = x @ xp.asarray(numpy.array([[1.0], [-2.0], [0.5]], dtype=numpy.float32))
    for _ in range(300):
        opt.zero_grad()
        y = layer.forward(x)
        layer.backward(2 * (y - target) / len(x))
        opt.step()
    assert float(((layer.predict(x) - target) ** 2).mean()) < 1e-3


def test_adam_in_chunks_is_adam_to_the_bit(monkeypatch):
    """A large parameter is updated 64Ki elements at a time (cache-sized, docs/backward/adam.md#speed):
    every element gets the same operations, so the weights and moments equal the whole-array update's."""
    rng = numpy.random.default_rng(0)
    start = rng.standard_normal((700, 301)).astype(numpy.float32)       # 210,700 elements: 3 chunks and a part
    grads = [rng.standard_normal(start.shape).astype(numpy.float32) for _ in range(3)]

    def run(chunk):
        monkeypatch.setattr(optim.Adam, "CHUNK", chunk)
        monkeypatch.setattr(optim.Adam, "CHUNKED_FROM", 100_000)          # this parameter is chunked
        p = nn.Parameter(start.copy(), "w")
        opt = optim.Adam([p], lr=1e-3, betas=(0.5, 0.999))
        for g in grads:
            p.grad[...] = g
            opt.step()
        return p.data, opt.slots["m"][0], opt.slots["v"][0]

    chunked, whole = run(1 << 16), run(10 ** 9)
    assert all(numpy.array_equal(a, b) for a, b in zip(chunked, whole))
    assert not numpy.array_equal(chunked[0], start)
