"""Exercises 7 and 9: Conv2d as one matrix product (im2col), and ConvTranspose2d as its adjoint."""
from __future__ import annotations

import numpy

from minigan import nn
from minigan.backend import manual_seed
from .grading import Exercise, Result, attempt, close, gradient_rows

CONV_SKELETON = '''"""Exercise 7: Conv2d as one matrix product.

Fill in _forward and _backward, then run:  minigan exercise check conv2d

    cols = im2col(x_pad)          (N·Ho·Wo, kh·kw·C)   every kh×kw window as a row
    y    = cols @ W_mat + b       W_mat = self._weight_matrix(), (kh·kw·C, F)
The forward is one matrix product, so the backward is the backward of a Dense layer (exercise 1)
followed by the adjoint of im2col (exercise 8). Work out dW_mat, db and dx from that.
The helpers work channels-last: x (N, C, H, W) -> x.transpose(0, 2, 3, 1) is (N, H, W, C);
place_on_canvas pads it, im2col/col2im take and give (N, Hc, Wc, C) canvases; W_mat rows are in
(kh, kw, C) order, so dW_mat.reshape(kh, kw, C, F).transpose(3, 2, 0, 1) is (F, C, kh, kw).
Derivation: docs/convolution.md#conv2d-backward
"""
from minigan.nn import Conv2d as EngineConv2d
from minigan.nn.im2col import col2im, im2col, place_on_canvas


class Conv2d(EngineConv2d):
    skips_input_grad = False        # this version always returns dL/dx

    def _forward(self, x):
        n, c, h, w = x.shape
        (ph, pw), (ho, wo) = self.geometry(h, w)     # ((top, bottom), (left, right)) paddings, output size
        raise NotImplementedError("Conv2d._forward: pad x (channels-last) with place_on_canvas, im2col it, "
                                  "multiply by self._weight_matrix(), add the bias, reshape to (N, F, Ho, Wo)")

    def _backward(self, dy, cache):
        raise NotImplementedError("Conv2d._backward: add dL/dW (as (F, C, kh, kw)) and dL/db into the parameters' "
                                  ".grad; return dL/dx, (N, C, H, W) (stuck? minigan exercise hint conv2d)")
'''

TRANSPOSE_SKELETON = '''"""Exercise 9: ConvTranspose2d, the adjoint of Conv2d: a matrix product, then col2im.

Fill in _forward and _backward, then run:  minigan exercise check conv_transpose2d

    cols = x_mat @ W_mat          x_mat (N·H·W, C), W_mat = self._weight_matrix() (C, kh·kw·F)
    y    = crop(col2im(cols)) + b every input pixel scatters a kh×kw×F patch; no zeros inserted
    backward: the adjoint of each step, taken in reverse order (work out each step's adjoint)
self.geometry(h, w) gives ((top, left) crop offsets, (Ho, Wo), canvas size (Hc, Wc)).
Channels-last helpers as in the conv2d exercise. Derivation: docs/convolution.md
"""
from minigan.nn import ConvTranspose2d as EngineConvTranspose2d
from minigan.nn.im2col import col2im, im2col, place_on_canvas


class ConvTranspose2d(EngineConvTranspose2d):
    skips_input_grad = False

    def _forward(self, x):
        n, c, h, w = x.shape
        (top, left), (ho, wo), canvas_hw = self.geometry(h, w)
        raise NotImplementedError("ConvTranspose2d._forward: x_mat @ W_mat, col2im onto an (N, Hc, Wc, F) canvas, "
                                  "crop [top:top+Ho, left:left+Wo], add the bias, return NCHW")

    def _backward(self, dy, cache):
        raise NotImplementedError("ConvTranspose2d._backward: add dL/dW (as (C, F, kh, kw)) and dL/db into the "
                                  "parameters' .grad; return dL/dx as NCHW (stuck? minigan exercise hint conv_transpose2d)")
'''

CONV_HINTS = (
    "Name the steps of the forward: pad, im2col, one product cols @ W_mat, + b. The backward runs their "
    "adjoints in the other order: the product's (a Dense layer's backward), then im2col's, then the padding's.",
    "For y_mat = cols @ W_mat + b the Dense layer's rules give dW_mat, db and dcols from dy_mat, the output "
    "gradient as (N·Ho·Wo, F) in the same channels-last row order as cols.",
    "dW_mat = colsᵀ·dy_mat, db = Σ_rows dy_mat, dcols = dy_mat·W_matᵀ. im2col's adjoint is col2im (your "
    "exercise 8) onto the padded canvas, and the padding's adjoint is cropping it off. Reshape dW_mat back "
    "with the (kh, kw, C) row order.",
)
TRANSPOSE_HINTS = (
    "The forward's steps: a product x_mat @ W_mat, col2im, a crop, + b. The backward runs their adjoints in "
    "reverse: the crop's, then col2im's, then the product's.",
    "A crop's adjoint puts the gradient back where it was cut from, zeros around it (place_on_canvas); "
    "col2im's adjoint is im2col (it copies where col2im added).",
    "dcols = im2col(place_on_canvas(dy)); then the Dense rules: dW_mat = x_matᵀ·dcols, dx_mat = dcols·W_matᵀ, "
    "and db sums dy over N, H and W.",
)

CONV_CASES = [(dict(in_channels=3, out_channels=4, kernel_size=3, padding=1), (2, 3, 5, 5)),
              (dict(in_channels=2, out_channels=3, kernel_size=5, stride=2, padding="same"), (2, 2, 7, 9)),
              (dict(in_channels=2, out_channels=2, kernel_size=(3, 2), stride=(2, 1)), (1, 2, 7, 6))]
TRANSPOSE_CASES = [(dict(in_channels=3, out_channels=2, kernel_size=3, padding=1), (2, 3, 4, 4)),
                   (dict(in_channels=3, out_channels=2, kernel_size=5, stride=2, padding="same"), (2, 3, 3, 4)),
                   (dict(in_channels=2, out_channels=3, kernel_size=5, stride=2, padding=2, output_padding=1), (1, 2, 3, 3))]


def _pair(cls, engine_cls, kwargs, seed):
    manual_seed(seed)
    engine = engine_cls(**kwargs).to(dtype=numpy.float64)
    engine.bias.data[...] = numpy.random.default_rng(seed).standard_normal(engine.out_channels)
    mine = cls(**kwargs).to(dtype=numpy.float64)
    mine.load_state_dict(engine.state_dict())
    return mine, engine


def _loop_conv(x, weight, bias, stride, pads):
    """Straight from the definition: y[n,f,i,j] = b[f] + Σ_c,u,v W[f,c,u,v]·x_pad[n,c,i·s+u,j·s+v]."""
    (pt, pb), (pl, pr) = pads
    xp = numpy.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    f, c, kh, kw = weight.shape
    ho = (xp.shape[2] - kh) // stride[0] + 1
    wo = (xp.shape[3] - kw) // stride[1] + 1
    y = numpy.zeros((x.shape[0], f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw]
            y[:, :, i, j] = numpy.einsum("ncuv,fcuv->nf", patch, weight) + bias
    return y


def _layer_checks(cls, engine_cls, cases, rng, loop_reference: bool):
    rows = []
    for k, (kwargs, shape) in enumerate(cases):
        mine, engine = _pair(cls, engine_cls, kwargs, k)
        x = rng.standard_normal(shape)
        y = mine.forward(x)
        mine.clear_cache()
        ok = close(y, engine.predict(x))
        label = f"forward, {shape[1]}→{kwargs['out_channels']}, kernel {kwargs['kernel_size']}, " \
                f"stride {kwargs.get('stride', 1)}, padding {kwargs.get('padding', 0)!r}"
        rows.append(Result(label, ok, "" if ok else "y differs from the engine's", "check the reshape orders: W_mat "
                           "rows are (kh, kw, C) for Conv2d, columns (kh, kw, F) for ConvTranspose2d"))
        if loop_reference and k == 0:
            (pads, _) = mine.geometry(*shape[2:])
            ref = _loop_conv(x, mine.weight.data, mine.bias.data, mine.stride, pads)
            rows.append(Result("forward against the loop definition", close(y, ref), "", "y[n,f,i,j] = b[f] + "
                               "Σ W[f,c,u,v]·x_pad[n,c,i·s+u,j·s+v]"))
        dy = rng.standard_normal(y.shape)
        for layer in (mine, engine):
            layer.zero_grad()
            layer.forward(x)
        dx, dx_e = mine.backward(dy), engine.backward(dy)
        ok = close(dx, dx_e) and close(mine.weight.grad, engine.weight.grad) and close(mine.bias.grad, engine.bias.grad)
        rows.append(Result(f"backward, case {k + 1}", ok, "", "dx, dW and db against the engine's; see the docstring"))
    kwargs, shape = cases[1]
    rows += [Result(f"{r.check}, case 2", r.passed, r.detail)
             for r in gradient_rows(_pair(cls, engine_cls, kwargs, 9)[0], rng.standard_normal(shape))]
    return rows


def check_conv(module):
    rng = numpy.random.default_rng(0)
    return attempt("conv2d", lambda: _layer_checks(module.Conv2d, nn.Conv2d, CONV_CASES, rng, True))


def check_transpose(module):
    rng = numpy.random.default_rng(0)
    results = attempt("conv_transpose2d", lambda: _layer_checks(module.ConvTranspose2d, nn.ConvTranspose2d,
                                                                 TRANSPOSE_CASES, rng, False))

    def adjoint():
        manual_seed(5)
        conv = nn.Conv2d(2, 3, 5, stride=2, padding="same", bias=False).to(dtype=numpy.float64)
        mine = module.ConvTranspose2d(3, 2, 5, stride=2, padding="same", bias=False).to(dtype=numpy.float64)
        mine.weight.data[...] = conv.weight.data                        # the same kernel, read from the other side
        x, y = rng.standard_normal((2, 2, 8, 8)), rng.standard_normal((2, 3, 4, 4))
        lhs = float((conv.predict(x) * y).sum())
        rhs = float((x * mine.predict(y)).sum())
        ok = abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs))
        return Result("adjoint of Conv2d: ⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩", ok, f"{lhs:.6f} vs {rhs:.6f}",
                      "the transpose scatters with the conv's own kernel: no flip, no zero insertion")
    return results + attempt("adjoint", adjoint)


CONV2D = Exercise("conv2d", "Conv2d as one matrix product: im2col, then cols @ W_mat", CONV_SKELETON, check_conv,
                  ("minigan.nn.conv:Conv2d._forward", "minigan.nn.conv:Conv2d._backward"),
                  "convolution.md#conv2d-backward", CONV_HINTS)
CONV_TRANSPOSE2D = Exercise("conv_transpose2d", "ConvTranspose2d as the adjoint of Conv2d: a product, then col2im",
                            TRANSPOSE_SKELETON, check_transpose, ("minigan.nn.conv_transpose:ConvTranspose2d._forward",
                             "minigan.nn.conv_transpose:ConvTranspose2d._backward"),
                            "convolution.md#convtranspose2d-is-the-adjoint-of-conv2d", TRANSPOSE_HINTS)
