"""BatchNorm1d/2d against per-feature loops, the running statistics (PyTorch's convention), buffers."""
import itertools
import math

import numpy
import pytest

from minigan import nn, optim
from minigan.backend import to_numpy


def per_feature_values(x, f):
    """All values of feature f: x[:, f] for (N, F), x[:, f, :, :] for (N, C, H, W)."""
    return [x[idx] for idx in itertools.product(*(range(s) if a != 1 else [f] for a, s in enumerate(x.shape)))]


def naive_batchnorm_train(x, gamma, beta, eps):
    y = numpy.empty_like(x)
    for f in range(x.shape[1]):
        values = per_feature_values(x, f)
        mu = sum(values) / len(values)
        var = sum((v - mu) ** 2 for v in values) / len(values)
        for idx in itertools.product(*(range(s) if a != 1 else [f] for a, s in enumerate(x.shape))):
            y[idx] = gamma[f] * (x[idx] - mu) / math.sqrt(var + eps) + beta[f]
    return y


@pytest.mark.parametrize("layer_cls,shape", [(nn.BatchNorm1d, (6, 4)), (nn.BatchNorm2d, (3, 4, 3, 5))])
def test_training_forward_normalizes_with_the_batch_statistics(xp, layer_cls, shape):
    layer = layer_cls(4).to(device="cpu" if xp is numpy else "gpu", dtype=numpy.float64)
    layer.gamma.data[...] = xp.asarray(numpy.array([1.0, 2.0, 0.5, -1.0]))
    layer.beta.data[...] = xp.asarray(numpy.array([0.0, 1.0, -1.0, 3.0]))
    x = numpy.random.default_rng(0).standard_normal(shape) * 3 + 2
    y = to_numpy(layer.forward(xp.asarray(x)))
    numpy.testing.assert_allclose(y, naive_batchnorm_train(x, [1.0, 2.0, 0.5, -1.0], [0.0, 1.0, -1.0, 3.0], 1e-5), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer_cls,shape", [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm2d, (4, 3, 2, 3))])
def test_running_statistics_use_the_unbiased_variance_and_pytorch_momentum(layer_cls, shape):
    layer = layer_cls(3, momentum=0.1).to(dtype=numpy.float64)
    rm, rv = numpy.zeros(3), numpy.ones(3)
    rng = numpy.random.default_rng(1)
    for _ in range(3):
        x = rng.standard_normal(shape) * 2 + 5
        layer.predict(x)
        for f in range(3):
            values = per_feature_values(x, f)
            m = len(values)
            mu = sum(values) / m
            unbiased = sum((v - mu) ** 2 for v in values) / (m - 1)
            rm[f] = 0.9 * rm[f] + 0.1 * mu
            rv[f] = 0.9 * rv[f] + 0.1 * unbiased
    numpy.testing.assert_allclose(layer.running_mean, rm, rtol=1e-12)
    numpy.testing.assert_allclose(layer.running_var, rv, rtol=1e-12)


def test_eval_uses_the_running_statistics_and_leaves_them_alone():
    layer = nn.BatchNorm1d(2).to(dtype=numpy.float64)
    layer.running_mean[...] = [1.0, -2.0]
    layer.running_var[...] = [4.0, 0.25]
    layer.gamma.data[...] = [2.0, 1.0]
    layer.beta.data[...] = [0.5, 0.0]
    layer.eval()
    x = numpy.array([[3.0, -2.0], [1.0, -1.0]])
    expected = numpy.array([[2 * 2 / math.sqrt(4 + 1e-5) + 0.5, 0.0], [0.5, 1 / math.sqrt(0.25 + 1e-5)]])
    numpy.testing.assert_allclose(layer.predict(x), expected, rtol=1e-12)
    assert layer.running_mean.tolist() == [1.0, -2.0]
    layer.forward(x[:1])   # eval mode accepts a single example
    numpy.testing.assert_allclose(layer.backward(numpy.ones((1, 2))), [[2 / math.sqrt(4 + 1e-5), 1 / math.sqrt(0.25 + 1e-5)]])


def test_running_statistics_are_buffers_saved_with_the_model_and_never_optimized():
    model = nn.Sequential(nn.Dense(3, 4), nn.BatchNorm1d(4))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.gamma", "1.beta"]
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var"]
    x = numpy.random.default_rng(2).standard_normal((8, 3)).astype(numpy.float32)
    model.forward(x)
    model.backward(numpy.ones((8, 4), dtype=numpy.float32))
    before = model[1].running_mean.copy()
    optim.Adam(model.parameters(), lr=0.1).step()
    assert numpy.array_equal(model[1].running_mean, before)
    state = model.state_dict()
    assert numpy.array_equal(state["1.running_var"], model[1].running_var)
    other = nn.Sequential(nn.Dense(3, 4), nn.BatchNorm1d(4))
    other.load_state_dict(state)
    assert numpy.array_equal(other[1].running_mean, model[1].running_mean)


def test_affine_false_has_no_parameters():
    layer = nn.BatchNorm2d(3, affine=False)
    assert layer.parameters() == []
    y = layer.forward(numpy.random.default_rng(3).standard_normal((4, 3, 2, 2)).astype(numpy.float32))
    numpy.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-6)
    numpy.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


@pytest.mark.parametrize("make,shape,error,message", [
    (lambda: nn.BatchNorm1d(4), (8, 5), ValueError, r"BatchNorm1d\(4\)\.forward: expected 4 features on axis 1, got input of shape \(8, 5\)"),
    (lambda: nn.BatchNorm2d(4), (8, 4), ValueError, r"BatchNorm2d\(4\)\.forward: expected a 4-D input \(N, C, H, W\), got shape \(8, 4\)"),
    (lambda: nn.BatchNorm1d(4), (1, 4), ValueError, r"training mode needs more than one value per feature"),
    (lambda: nn.BatchNorm1d(0), None, ValueError, r"BatchNorm1d: expected num_features to be a positive integer, got 0"),
    (lambda: nn.BatchNorm1d(3, momentum=2), None, ValueError, r"expected 0 <= momentum <= 1, got 2"),
])
def test_bad_input_is_a_clear_error(make, shape, error, message):
    with pytest.raises(error, match=message):
        make().forward(numpy.ones(shape, dtype=numpy.float32))
