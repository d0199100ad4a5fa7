"""Conv2d and ConvTranspose2d against loop references written from the definitions, and the
adjoint identity ⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩."""
import itertools
import math

import numpy
import pytest

from minigan import nn
from minigan.backend import to_numpy
from minigan.nn.conv_geometry import same_pads
from minigan.nn.scatter import scatter_by_col2im, scatter_by_phases


def explicit_pads(padding, size, kernel, stride):
    """(top, bottom) padding and output size of a conv along one axis, straight from the conventions."""
    if padding == "valid":
        return (0, 0), (size - kernel) // stride + 1
    if padding == "same":
        out = math.ceil(size / stride)
        return same_pads(size, out, kernel, stride), out
    return (padding, padding), (size + 2 * padding - kernel) // stride + 1


def naive_conv2d(x, W, b, stride, padding):
    """y[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v W[f, c, u, v] · x_pad[n, c, i·sh + u, j·sw + v]."""
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    (sh, sw) = stride
    (pt, pb), ho = explicit_pads(padding[0], h, kh, sh)
    (pl, pr), wo = explicit_pads(padding[1], w, kw, sw)
    xp = numpy.zeros((n, c, h + pt + pb, w + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + w] = x
    y = numpy.zeros((n, f, ho, wo))
    for ni, fi, i, j in itertools.product(range(n), range(f), range(ho), range(wo)):
        total = 0.0 if b is None else b[fi]
        for ci, u, v in itertools.product(range(c), range(kh), range(kw)):
            total += W[fi, ci, u, v] * xp[ni, ci, i * sh + u, j * sw + v]
        y[ni, fi, i, j] = total
    return y


def naive_conv_transpose2d(x, W, b, stride, crop, out_hw):
    """Every input pixel scatters x[n, c, i, j]·W[c, f, :, :] onto the output at (i·sh − top, j·sw − left)."""
    n, c, h, w = x.shape
    _, f, kh, kw = W.shape
    (sh, sw), (top, left), (ho, wo) = stride, crop, out_hw
    y = numpy.zeros((n, f, ho, wo))
    for ni, ci, i, j, fi, u, v in itertools.product(range(n), range(c), range(h), range(w), range(f), range(kh), range(kw)):
        oi, oj = i * sh + u - top, j * sw + v - left
        if 0 <= oi < ho and 0 <= oj < wo:
            y[ni, fi, oi, oj] += x[ni, ci, i, j] * W[ci, fi, u, v]
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def transpose_out_and_crop(padding, output_padding, size, kernel, stride):
    """The conv-transpose output size and crop offset, straight from the PyTorch / Keras formulas."""
    if padding == "same":
        return size * stride, same_pads(size * stride, size, kernel, stride)[0]
    if padding == "valid":
        return size * stride + max(kernel - stride, 0), 0
    return (size - 1) * stride - 2 * padding + kernel + output_padding, padding


CONV_CASES = [  # in, out, kernel, stride, padding, bias, input (N, C, H, W)
    (3, 4, 3, 1, 1, True, (2, 3, 5, 5)),
    (3, 2, 3, 2, 1, True, (2, 3, 7, 7)),            # stride 2, odd size
    (2, 3, (3, 2), (2, 1), 0, False, (2, 2, 7, 6)),  # non-square kernel, unequal strides, no bias
    (2, 3, 5, 2, "same", True, (2, 2, 7, 9)),       # Keras "same": asymmetric (1, 2) padding
    (2, 3, 4, 2, "same", True, (1, 2, 8, 8)),       # even kernel, total padding 2
    (2, 3, 3, 2, "valid", True, (2, 2, 7, 8)),
    (1, 2, 5, 2, 2, True, (2, 1, 14, 14)),          # the DCGAN discriminator's first layer, smaller
    (2, 3, 4, 2, 1, True, (2, 2, 14, 14)),          # the infogan model's D: 4×4, stride 2, padding 1 (14 → 7)
]


@pytest.mark.parametrize("cin,cout,k,s,p,bias,shape", CONV_CASES)
def test_conv2d_matches_the_loop_reference(xp, cin, cout, k, s, p, bias, shape):
    layer = nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias).to(device="cpu" if xp is numpy else "gpu", dtype=numpy.float64)
    if bias:
        layer.bias.data[...] = xp.asarray(numpy.linspace(-1, 1, cout))
    x = numpy.random.default_rng(0).standard_normal(shape)
    y = to_numpy(layer.forward(xp.asarray(x)))
    pads = (p, p) if not isinstance(p, str) else (p, p)
    ref = naive_conv2d(x, to_numpy(layer.weight.data), to_numpy(layer.bias.data) if bias else None,
                       layer.stride, pads)
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


TRANSPOSE_CASES = [  # in, out, kernel, stride, padding, output_padding, bias, input
    (3, 2, 3, 1, 1, 0, True, (2, 3, 4, 4)),
    (3, 2, 5, 2, 2, 1, True, (2, 3, 3, 3)),          # the DCGAN's 7 → 14 step, smaller
    (2, 3, 5, 2, 2, 0, False, (1, 2, 3, 4)),
    (2, 3, (3, 2), (2, 1), 0, (1, 0), True, (2, 2, 3, 3)),   # non-square kernel, unequal strides
    (3, 2, 5, 2, "same", 0, True, (2, 3, 3, 4)),     # Keras: output = input × stride
    (2, 2, 1, 2, "same", 0, True, (1, 2, 3, 3)),     # kernel < stride: "same" extends past the scatter
    (2, 2, 3, 2, "valid", 0, False, (2, 2, 3, 3)),
    (4, 3, 5, 1, 2, 0, True, (2, 4, 7, 7)),          # the DCGAN's 7 × 7 stride-1 layer, smaller
    (3, 2, 4, 2, 1, 0, True, (2, 3, 7, 7)),          # the infogan model's G: 4×4, stride 2, padding 1 (7 → 14)
]


@pytest.mark.parametrize("way", ["col2im", "phases"])
@pytest.mark.parametrize("cin,cout,k,s,p,op,bias,shape", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_the_loop_reference(xp, cin, cout, k, s, p, op, bias, shape, way):
    layer = nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p, output_padding=op, bias=bias)
    layer.scatter_way = way
    layer.to(device="cpu" if xp is numpy else "gpu", dtype=numpy.float64)
    if bias:
        layer.bias.data[...] = xp.asarray(numpy.linspace(-1, 1, cout))
    x = numpy.random.default_rng(1).standard_normal(shape)
    y = to_numpy(layer.forward(xp.asarray(x)))
    ops = layer.output_padding
    (ho, top), (wo, left) = (transpose_out_and_crop(p if isinstance(p, str) else layer.padding[a], ops[a],
                                                     shape[2 + a], layer.kernel_size[a], layer.stride[a]) for a in (0, 1))
    ref = naive_conv_transpose2d(x, to_numpy(layer.weight.data), to_numpy(layer.bias.data) if bias else None,
                                 layer.stride, (top, left), (ho, wo))
    assert y.shape == ref.shape == (shape[0], cout, ho, wo)
    numpy.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("way", ["col2im", "phases"])
@pytest.mark.parametrize("cin,cout,k,s,p,bias,shape", CONV_CASES)
def test_conv2d_input_gradient_matches_the_loop_reference(xp, cin, cout, k, s, p, bias, shape, way):
    """dx[n, c, a, b] = Σ over the (i, j, u, v) with i·s + u − pad_top = a (and j·s + v − pad_left = b)
    of W[f, c, u, v] · dy[n, f, i, j]: the scatter of dy, by either way."""
    layer = nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias).to(device="cpu" if xp is numpy else "gpu",
                                                                       dtype=numpy.float64)
    layer.scatter_way = way
    rng = numpy.random.default_rng(4)
    x = rng.standard_normal(shape)
    y = layer.forward(xp.asarray(x))
    dy = rng.standard_normal(y.shape)
    dx = to_numpy(layer.backward(xp.asarray(dy)))
    (pt, _), _ = explicit_pads(p, shape[2], layer.kernel_size[0], layer.stride[0])
    (pl, _), _ = explicit_pads(p, shape[3], layer.kernel_size[1], layer.stride[1])
    ref = naive_conv_transpose2d(dy, to_numpy(layer.weight.data), None, layer.stride, (pt, pl), shape[2:])
    numpy.testing.assert_allclose(dx, ref, rtol=1e-12, atol=1e-12)


def scatter_geometries():
    """Every kernel 1-5 (and a non-square one), stride 1-3 per axis, padding int / 'same' / 'valid',
    output_padding, input sizes 1-7: the (ConvTranspose2d, input shape) pairs that are valid."""
    cases = []
    for k, s, p, op, h in itertools.product([1, 2, 3, 4, 5, (5, 3)], [1, 2, 3, (2, 1), (1, 3)], [0, 1, 2, "same", "valid"],
                                            [0, 1, 2], [1, 3, 4, 7]):
        strides = (s, s) if isinstance(s, int) else s
        if op >= min(strides) or (isinstance(p, str) and op):
            continue
        layer = nn.ConvTranspose2d(3, 2, k, stride=s, padding=p, output_padding=op, bias=False)
        _, (ho, wo), _ = layer.geometry(h, h + 1)
        if ho > 0 and wo > 0:
            cases.append((layer, (2, h, h + 1, 3)))
    return cases


def test_the_two_scatter_ways_agree_on_every_geometry(xp):
    """The stride phases give col2im's numbers (to float64 rounding) on 600-odd geometries, including
    kernels smaller than the stride, where some outputs receive no term at all."""
    rng = numpy.random.default_rng(5)
    cases = scatter_geometries()
    assert len(cases) > 600
    for layer, shape in cases:
        x = xp.asarray(rng.standard_normal(shape))
        weight = xp.asarray(rng.standard_normal(layer.weight.data.shape))
        (top, left), out_hw, _ = layer.geometry(*shape[1:3])
        by_col2im = scatter_by_col2im(x, weight, layer.stride, (top, left), out_hw)
        by_phases = scatter_by_phases(x, weight, layer.stride, (top, left), out_hw)
        assert by_phases.shape == by_col2im.shape == (shape[0], *out_hw, 2), layer
        numpy.testing.assert_allclose(to_numpy(by_phases), to_numpy(by_col2im), rtol=1e-12, atol=1e-12, err_msg=str(layer))


def test_an_unknown_scatter_way_is_a_clear_error():
    layer = nn.ConvTranspose2d(3, 2, 3)
    assert layer.scatter_way == "col2im"                # the default
    layer.scatter_way = "fast"
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(3→2.*expected scatter_way to be one of "
                                         r"\('col2im', 'phases'\), got 'fast'"):
        layer.forward(numpy.ones((1, 3, 4, 4), dtype=numpy.float32))


def test_the_tensorflow_dcgan_sizes_7_14_28():
    x = numpy.zeros((2, 8, 7, 7), dtype=numpy.float32)
    up1 = nn.ConvTranspose2d(8, 4, 5, stride=2, padding="same")
    up2 = nn.ConvTranspose2d(4, 1, 5, stride=2, padding="same")
    assert up2.predict(up1.predict(x)).shape == (2, 1, 28, 28)
    pt = nn.ConvTranspose2d(8, 4, 5, stride=2, padding=2, output_padding=1)   # PyTorch's spelling
    assert pt.predict(x).shape == (2, 4, 14, 14)
    down = nn.Conv2d(1, 4, 5, stride=2, padding="same")
    assert down.predict(numpy.zeros((2, 1, 28, 28), dtype=numpy.float32)).shape == (2, 4, 14, 14)


@pytest.mark.parametrize("k,s,p,op,shape", [
    (3, 1, 1, 0, (2, 3, 5, 5)),
    (5, 2, 2, 1, (2, 3, 14, 14)),
    (5, 2, 2, 0, (2, 3, 13, 13)),
    ((3, 2), (2, 1), 0, 0, (2, 3, 7, 6)),
    ((3, 2), (2, 1), 0, (1, 0), (2, 3, 8, 6)),
    (4, 2, 1, 0, (2, 3, 8, 8)),
])
def test_conv_transpose_is_the_adjoint_of_conv(xp, k, s, p, op, shape):
    """With shared weights, ⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩ for every x and y (to 1e-12)."""
    n, c, h, w = shape
    conv = nn.Conv2d(c, 4, k, stride=s, padding=p, bias=False).to(device="cpu" if xp is numpy else "gpu",
                                                                     dtype=numpy.float64)
    rng = numpy.random.default_rng(2)
    x = xp.asarray(rng.standard_normal(shape))
    cx = conv.predict(x)
    tconv = nn.ConvTranspose2d(4, c, k, stride=s, padding=p, output_padding=op, bias=False)
    tconv.to(device="cpu" if xp is numpy else "gpu", dtype=numpy.float64)
    tconv.weight.data[...] = conv.weight.data          # (F, C, kh, kw) is (in, out, kh, kw) for the transpose
    y = xp.asarray(rng.standard_normal(cx.shape))
    ty = tconv.predict(y)
    assert ty.shape == x.shape
    lhs, rhs = float((cx * y).sum()), float((x * ty).sum())
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs))


def test_conv_input_gradient_is_a_conv_transpose_of_dy():
    """Conv2d's backward computes dx with the same col2im a ConvTranspose2d forward uses."""
    rng = numpy.random.default_rng(3)
    conv = nn.Conv2d(3, 4, 5, stride=2, padding=2, bias=False).to(dtype=numpy.float64)
    x = rng.standard_normal((2, 3, 14, 14))
    y = conv.forward(x)
    dy = rng.standard_normal(y.shape)
    dx = conv.backward(dy)
    tconv = nn.ConvTranspose2d(4, 3, 5, stride=2, padding=2, output_padding=1, bias=False).to(dtype=numpy.float64)
    tconv.weight.data[...] = conv.weight.data
    numpy.testing.assert_allclose(dx, tconv.predict(dy), rtol=1e-12, atol=1e-12)


def test_outputs_are_nchw_views_of_channels_last_memory():
    """The public shape is (N, C, H, W); the memory underneath is channels-last, so the next conv
    gathers its patches without a transpose copy."""
    y = nn.Conv2d(3, 8, 3, padding=1).predict(numpy.ones((2, 3, 6, 6), dtype=numpy.float32))
    assert y.shape == (2, 8, 6, 6)
    assert y.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("make,shape,message", [
    (lambda: nn.Conv2d(3, 4, 5), (2, 3, 4, 4), r"the 5×5 kernel is larger than the padded input 4×4"),
    (lambda: nn.Conv2d(3, 4, 3), (2, 2, 8, 8), r"expected 3 input channels, got input of shape \(2, 2, 8, 8\) \(2 channels\)"),
    (lambda: nn.Conv2d(3, 4, 3), (3, 8, 8), r"expected a 4-D input \(N, C, H, W\), got float32 array of shape \(3, 8, 8\)"),
    (lambda: nn.ConvTranspose2d(3, 4, 3), (2, 5, 4, 4), r"expected 3 input channels"),
    (lambda: nn.ConvTranspose2d(3, 4, 3), (3, 4, 4), r"expected a 4-D input"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding=3), (1, 3, 1, 1), r"the padding removes the whole output"),
])
def test_bad_input_is_a_clear_error(make, shape, message):
    with pytest.raises(ValueError, match=message):
        make().forward(numpy.ones(shape, dtype=numpy.float32))


@pytest.mark.parametrize("make,message", [
    (lambda: nn.Conv2d(3, 4, 0), r"Conv2d: expected kernel_size to be a positive int or a pair of them, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, stride=0), r"Conv2d: expected stride to be a positive int or a pair of them, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, stride=(2, -1)), r"expected stride to be a positive int"),
    (lambda: nn.Conv2d(0, 4, 3), r"Conv2d: expected in_channels to be a positive integer, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), r"expected padding to be a non-negative int"),
    (lambda: nn.Conv2d(3, 4, 3, padding="full"), r"expected padding to be an int, a pair, 'same' or 'valid', got 'full'"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2), r"expected output_padding < stride"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=1, output_padding=1), r"expected output_padding < stride"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding="same", output_padding=1), r"output_padding must be 0 with padding='same'"),
    (lambda: nn.ConvTranspose2d(3, -4, 3), r"expected out_channels to be a positive integer, got -4"),
])
def test_bad_arguments_are_a_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()
