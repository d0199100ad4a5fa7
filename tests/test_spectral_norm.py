"""Spectral normalization: σ(W̄) ≈ 1, u is a buffer (saved, never optimized, frozen in eval), the
gradient rule against finite differences (gradcheck rows "SpectralNorm …"), and checkpoints."""
import numpy
import pytest

from minigan import nn, optim
from minigan.backend import manual_seed


@pytest.mark.parametrize("make,shape", [(lambda: nn.Dense(20, 12), (8, 20)),
                                        (lambda: nn.Conv2d(3, 5, 3, stride=2, padding=1), (4, 3, 9, 9))],
                         ids=["dense", "conv"])
def test_power_iteration_finds_the_largest_singular_value(make, shape):
    sn = nn.SpectralNorm(make())
    x = numpy.random.default_rng(0).standard_normal(shape).astype(numpy.float32)
    for _ in range(60):                                   # one power-iteration step per training forward
        sn.forward(x)
        sn.clear_cache()
    w_mat = sn._matrix(sn.weight.data).astype(numpy.float64)
    true_sigma = numpy.linalg.svd(w_mat, compute_uv=False)[0]
    assert sn.sigma() == pytest.approx(true_sigma, rel=1e-4)
    w_bar = sn._matrix(sn.layer.weight.data).astype(numpy.float64)    # what the last forward used
    assert numpy.linalg.svd(w_bar, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-4)


def test_the_output_is_the_wrapped_layer_with_w_divided_by_sigma():
    dense = nn.Dense(6, 4)
    w = dense.weight.data.copy()
    sn = nn.SpectralNorm(dense).eval()
    x = numpy.random.default_rng(1).standard_normal((3, 6)).astype(numpy.float32)
    reference = x @ (w / sn.sigma()) + dense.bias.data
    numpy.testing.assert_allclose(sn.predict(x), reference, rtol=1e-5, atol=1e-6)


def test_u_is_a_buffer_updated_in_training_only():
    sn = nn.SpectralNorm(nn.Dense(5, 3))
    assert [name for name, _ in sn.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in sn.named_buffers()] == ["u"]
    assert set(sn.state_dict()) == {"weight", "bias", "u"}
    x = numpy.ones((2, 5), numpy.float32)
    u0 = sn.u.copy()
    sn.eval().predict(x)
    assert numpy.array_equal(sn.u, u0)                    # eval: no update
    sn.train().predict(x)
    assert not numpy.array_equal(sn.u, u0)                # training: one power-iteration step
    opt = optim.Adam(sn.parameters())
    assert all(p is not sn.layer.weight for p in opt.params)   # W̄ is never optimized


def test_the_gradient_reaches_the_raw_weight_and_respects_frozen():
    sn = nn.SpectralNorm(nn.Dense(4, 2))
    x = numpy.random.default_rng(0).standard_normal((3, 4)).astype(numpy.float32)
    y = sn.forward(x)
    sn.backward(numpy.ones_like(y))
    assert float(abs(sn.weight.grad).sum()) > 0
    sn.zero_grad()
    y = sn.forward(x)
    with sn.frozen():
        dx = sn.backward(numpy.ones_like(y))
    assert dx.shape == x.shape and not sn.weight.grad.any() and not sn.bias.grad.any()


def test_state_dict_round_trip_restores_u_and_the_output():
    manual_seed(0)
    a = nn.Sequential(nn.Dense(3, 4), nn.LeakyReLU(0.2), nn.Dense(4, 1))
    nn.spectral_norm_all(a)
    x = numpy.random.default_rng(0).standard_normal((5, 3)).astype(numpy.float32)
    for _ in range(3):
        a.predict(x)
    manual_seed(1)
    b = nn.spectral_norm_all(nn.Sequential(nn.Dense(3, 4), nn.LeakyReLU(0.2), nn.Dense(4, 1)))
    b.load_state_dict(a.state_dict())
    assert numpy.array_equal(a.eval().predict(x), b.eval().predict(x))


def test_only_dense_and_conv2d_can_be_wrapped():
    with pytest.raises(TypeError, match="expected a Dense or Conv2d layer"):
        nn.SpectralNorm(nn.ConvTranspose2d(2, 2, 3))
    with pytest.raises(ValueError, match="n_power_iterations to be a positive integer"):
        nn.SpectralNorm(nn.Dense(2, 2), n_power_iterations=0)
