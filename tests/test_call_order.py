"""A discriminator sees a real batch and a fake batch. The engine must never use one batch's
activations in the other's backward: shown here, the correct use and the errors for misuse."""
import numpy
import pytest

from minigan import nn
from minigan.checks import CallOrderError


def make_discriminator():
    return nn.Sequential(nn.Dense(2, 8), nn.LeakyReLU(0.2), nn.Dense(8, 1))


def batches():
    rng = numpy.random.default_rng(0)
    return rng.standard_normal((4, 2)), rng.standard_normal((4, 2)) + 3


def test_real_then_fake_one_after_the_other_gives_the_gradients_of_one_joint_batch():
    real, fake = batches()
    dy = numpy.linspace(-1, 1, 8).reshape(8, 1)
    D = make_discriminator().to(dtype=numpy.float64)
    D.forward(real)
    dx_real = D.backward(dy[:4])
    D.forward(fake)
    dx_fake = D.backward(dy[4:])
    separate = [p.grad.copy() for p in D.parameters()]

    D.zero_grad()
    D.forward(numpy.concatenate([real, fake]))
    dx_joint = D.backward(dy)
    for g_sep, p in zip(separate, D.parameters()):
        numpy.testing.assert_allclose(g_sep, p.grad, rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(numpy.concatenate([dx_real, dx_fake]), dx_joint, rtol=1e-12)


def test_a_second_forward_before_the_pending_backward_is_refused():
    real, fake = batches()
    D = make_discriminator().to(dtype=numpy.float64)
    D.forward(real)
    with pytest.raises(CallOrderError, match="still waits for its backward"):
        D.forward(fake)
    # The refused call changed nothing: the real batch's backward still uses the real activations.
    dx = D.backward(numpy.ones((4, 1)))
    D2 = make_discriminator().to(dtype=numpy.float64)
    D2.load_state_dict(D.state_dict())
    D2.forward(real)
    numpy.testing.assert_array_equal(dx, D2.backward(numpy.ones((4, 1))))


def test_a_layer_inside_a_network_refuses_too():
    layer = nn.Dense(2, 3)
    layer.forward(numpy.ones((1, 2), dtype=numpy.float32))
    with pytest.raises(CallOrderError, match=r"Dense\(2→3\)\.forward"):
        layer.forward(numpy.ones((1, 2), dtype=numpy.float32))


def test_backward_with_no_forward_is_refused():
    with pytest.raises(CallOrderError, match="no pending forward"):
        make_discriminator().backward(numpy.ones((4, 1)))
    D = make_discriminator()
    D.forward(numpy.ones((4, 2), dtype=numpy.float32))
    D.backward(numpy.ones((4, 1), dtype=numpy.float32))
    with pytest.raises(CallOrderError, match="no pending forward"):   # each forward feeds one backward
        D.backward(numpy.ones((4, 1), dtype=numpy.float32))


def test_call_order_error_is_a_value_error():
    assert issubclass(CallOrderError, ValueError)


def test_clear_cache_drops_a_forward_on_purpose():
    D = make_discriminator()
    D.forward(numpy.ones((4, 2), dtype=numpy.float32))
    D.clear_cache()
    D.forward(numpy.ones((4, 2), dtype=numpy.float32))   # allowed again


def test_a_failed_forward_leaves_no_half_filled_caches():
    model = nn.Sequential(nn.Dense(2, 3), nn.Reshape((2, 2)))   # the Reshape rejects 3 features
    with pytest.raises(ValueError):
        model.forward(numpy.ones((1, 2), dtype=numpy.float32))
    assert all(m._pending is None for m in model.modules())


def test_frozen_discriminator_passes_the_gradient_to_the_generator_and_keeps_its_own_grads():
    real, _ = batches()
    D = make_discriminator().to(dtype=numpy.float64)
    dy = numpy.ones((4, 1))
    D.forward(real)
    dx_unfrozen = D.backward(dy)
    D.zero_grad()
    D.forward(real)
    with D.frozen():
        dx_frozen = D.backward(dy)
    numpy.testing.assert_array_equal(dx_frozen, dx_unfrozen)
    assert all(not p.grad.any() for p in D.parameters())
    assert all(p.requires_grad for p in D.parameters())   # unfrozen again after the block
