"""Bad input gets a clear error that names the layer or function, what it expected and what it got."""
import numpy
import pytest

from minigan import losses, nn, optim


def f32(*shape):
    return numpy.ones(shape, dtype=numpy.float32)


def test_wrong_feature_count():
    with pytest.raises(ValueError, match=r"Dense\(784→256\)\.forward: expected 784 input features, got input of shape \(64, 100\)"):
        nn.Dense(784, 256).forward(f32(64, 100))


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"Dense\(4→2\)\.forward: expected a 2-D input \(N, in_features\), got float32 array of shape \(3, 2, 2\)"):
        nn.Dense(4, 2).forward(f32(3, 2, 2))


@pytest.mark.parametrize("layer", [nn.Dense(4, 2), nn.ReLU(), nn.Tanh(), nn.Dropout(0.1)], ids=repr)
def test_integer_input_is_a_type_error(layer):
    with pytest.raises(TypeError, match=r"expected input of dtype float32 or float64, got uint8 array of shape \(2, 4\)"):
        layer.forward(numpy.ones((2, 4), dtype=numpy.uint8))


def test_a_list_is_not_an_array():
    with pytest.raises(TypeError, match=r"Dense\(2→1\)\.forward: expected input to be a NumPy or CuPy array, got list"):
        nn.Dense(2, 1).forward([[1.0, 2.0]])


def test_dtype_mismatch_with_the_parameters():
    with pytest.raises(TypeError, match="input dtype float64 does not match the layer's parameters \\(float32\\)"):
        nn.Dense(2, 1).forward(numpy.ones((1, 2)))


@pytest.mark.parametrize("fn", [losses.generator_loss_minimax, losses.generator_loss_nonsaturating,
                                lambda z: losses.bce_with_logits(z, 1.0)], ids=["minimax", "nonsaturating", "bce"])
@pytest.mark.parametrize("bad", [numpy.nan, numpy.inf, -numpy.inf])
def test_nan_or_inf_logits_are_refused(fn, bad):
    z = f32(4, 1)
    z[2] = bad
    with pytest.raises(ValueError, match=r"logits contains \d NaN and \d Inf values .*shape \(4, 1\)"):
        fn(z)


def test_targets_must_match_the_logits_exactly():
    with pytest.raises(ValueError, match=r"bce_with_logits: expected targets to have the shape of the logits \(4, 1\), got float32 array of shape \(4,\)"):
        losses.bce_with_logits(f32(4, 1), f32(4))
    with pytest.raises(ValueError, match=r"expected a target in \[0, 1\], got 2"):
        losses.bce_with_logits(f32(4, 1), 2)


def test_backward_with_no_forward():
    with pytest.raises(ValueError, match=r"Tanh\(\)\.backward: called with no pending forward"):
        nn.Tanh().backward(f32(2, 2))


def test_gradient_of_the_wrong_shape():
    layer = nn.Dense(3, 2)
    layer.forward(f32(5, 3))
    with pytest.raises(ValueError, match=r"Dense\(3→2\)\.backward: expected dy of shape \(5, 2\) \(the shape forward returned\), got float32 array of shape \(5, 1\)"):
        layer.backward(f32(5, 1))
    layer.backward(f32(5, 2))   # the refused call did not consume the cache


def test_reshape_size_mismatch():
    with pytest.raises(ValueError, match=r"Reshape\(\(7, 7\)\)\.forward: expected \(N, \.\.\.\) with 49 values per example"):
        nn.Reshape((7, 7)).forward(f32(2, 50))


@pytest.mark.parametrize("make,message", [
    (lambda: nn.Dense(0, 3), "Dense: expected in_features to be a positive integer, got 0"),
    (lambda: nn.Dense(3, 2.5), "Dense: expected out_features to be a positive integer, got 2.5"),
    (lambda: nn.Dropout(1.0), r"Dropout: expected a drop probability 0 <= p < 1, got 1.0"),
    (lambda: nn.LeakyReLU(-0.1), "LeakyReLU: expected 0 <= negative_slope < 1"),
    (lambda: nn.Dense(2, 2, init="kaiming"), "unknown initializer 'kaiming'"),
    (lambda: nn.Sequential(nn.Dense(2, 2), "relu"), "Sequential: expected layers .* got str at position 1"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.Adam(p, lr=-1), "Adam: expected lr to be a finite number >= 0, got -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), r"Adam: expected betas in \[0, 1\)"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=1.5), "SGD: expected 0 <= momentum < 1, got 1.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs a momentum > 0"),
    (lambda p: optim.SGD([], lr=0.1), "SGD: got an empty parameter list"),
    (lambda p: optim.SGD([numpy.zeros(3)], lr=0.1), "SGD: expected minigan.nn.Parameter objects, got ndarray"),
])
def test_bad_optimizer_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(nn.Dense(2, 2).parameters())
