"""Exercise 8: col2im, the adjoint of im2col, behind Conv2d's input gradient and ConvTranspose2d."""
from __future__ import annotations

import numpy

from minigan import nn
from minigan.backend import manual_seed
from minigan.nn import im2col as engine_im2col
from .grading import Exercise, Result, attempt, close, gradient_rows

SKELETON = '''"""Exercise 8: col2im, the adjoint of im2col.

Fill in col2im, then run:  minigan exercise check col2im

im2col (minigan/nn/im2col.py) copies every kh×kw window of a channels-last canvas (N, Hc, Wc, C)
into a row: cols[(n, i, j), (u, v, c)] = canvas[n, i·sh + u, j·sw + v, c], shape (N·Ho·Wo, kh·kw·C).
col2im goes back: it ADDS each row of cols onto the window it came from and returns the canvas
(N, Hc, Wc, C). Windows overlap when the stride is smaller than the kernel, so a pixel collects
the sum of every window that covers it. This is Conv2d's input gradient and ConvTranspose2d's
forward (docs/convolution.md#convtranspose2d-is-the-adjoint-of-conv2d).
Hint for speed: for each kernel offset (u, v), the entries of every window at that offset form one
strided slice of the canvas.
"""
import numpy as np


def col2im(cols, canvas_shape, kernel_hw, stride_hw, out_hw):
    """cols (N·Ho·Wo, kh·kw·C) -> canvas (N, Hc, Wc, C), summing overlapping windows."""
    raise NotImplementedError("col2im: return the canvas (N, Hc, Wc, C) (stuck? minigan exercise hint col2im)")
'''

HINTS = (
    "Start from a canvas of zeros shaped canvas_shape, and give cols the axes it has in meaning: reshape it to "
    "(N, Ho, Wo, kh, kw, C).",
    "Each window (i, j) covers canvas rows i·sh … i·sh + kh − 1 and columns j·sw … j·sw + kw − 1. Adding, not "
    "assigning, is what makes overlapping windows sum.",
    "Loop over the kh·kw kernel offsets (u, v), not over the windows: canvas[:, u : u + sh·Ho : sh, "
    "v : v + sw·Wo : sw, :] += cols6[:, :, :, u, v, :] adds every window's (u, v) entry at once.",
)

GEOMETRIES = [((2, 7, 7, 3), (3, 3), (2, 2), (3, 3)), ((1, 6, 5, 2), (3, 2), (1, 1), (4, 4)),
              ((2, 9, 9, 1), (5, 5), (2, 2), (3, 3))]


def _assigned(cols, canvas_shape, kernel_hw, stride_hw, out_hw):
    """The common mistake, to recognize it: windows written with = instead of added."""
    n, hc, wc, c = canvas_shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    cols = cols.reshape(n, ho, wo, kh, kw, c)
    canvas = numpy.zeros(canvas_shape)
    for i in range(kh):
        for j in range(kw):
            canvas[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] = cols[:, :, :, i, j, :]
    return canvas


def check(module):
    col2im = module.col2im
    rng = numpy.random.default_rng(0)
    results = []

    def against_engine():
        rows = []
        for shape, k, s, out in GEOMETRIES:
            cols = rng.standard_normal((shape[0] * out[0] * out[1], k[0] * k[1] * shape[3]))
            got = col2im(cols, shape, k, s, out)
            ok = close(got, engine_im2col.col2im(cols, shape, k, s, out))
            hint = ("windows are written with = instead of added: where windows overlap, the canvas must hold the "
                    "SUM of their entries" if not ok and close(got, _assigned(cols, shape, k, s, out)) else
                    "cols row (n, i, j), column (u, v, c) goes to canvas[n, i·sh + u, j·sw + v, c], added")
            rows.append(Result(f"canvas {shape}, kernel {k}, stride {s}", ok, "", hint))
        return rows
    results += attempt("values", against_engine)

    def adjoint():
        shape, k, s, out = GEOMETRIES[0]
        x = rng.standard_normal(shape)
        c = rng.standard_normal((shape[0] * out[0] * out[1], k[0] * k[1] * shape[3]))
        lhs = float((engine_im2col.im2col(x, k, s, out) * c).sum())
        rhs = float((x * col2im(c, shape, k, s, out)).sum())
        ok = abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs))
        return Result("adjoint: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩", ok, f"{lhs:.6f} vs {rhs:.6f}",
                      "col2im must be exactly the transpose of im2col")
    results += attempt("adjoint", adjoint)

    def conv():
        original = engine_im2col.col2im
        engine_im2col.col2im = col2im                    # Conv2d's input gradient now runs on your col2im
        try:
            manual_seed(0)
            layer = nn.Conv2d(2, 3, 3, stride=2, padding=1)
            return [Result(f"Conv2d with your col2im: {r.check.replace('gradient check ', '')}", r.passed, r.detail)
                    for r in gradient_rows(layer, rng.standard_normal((2, 2, 7, 7)))]
        finally:
            engine_im2col.col2im = original
    results += attempt("conv gradient check", conv)
    return results


EXERCISE = Exercise("col2im", "col2im: the adjoint of im2col (Conv2d's input gradient, ConvTranspose2d's forward)",
                    SKELETON, check, ("minigan.nn.im2col:col2im",), "convolution.md", HINTS)
