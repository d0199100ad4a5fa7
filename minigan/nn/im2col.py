"""im2col and col2im: convolution as one big matrix product.

A convolution slides a kh×kw window over the (padded) input. im2col copies every window into a
row of a matrix, so the whole convolution becomes one matrix product with the reshaped weight:

    cols (N·Ho·Wo, kh·kw·C)  @  W (kh·kw·C, F)  =  out (N·Ho·Wo, F)

col2im is the adjoint of im2col: it adds every row of a column matrix back onto the window it
came from. Windows overlap, so the sums are real sums. Conv2d's input gradient and
ConvTranspose2d's forward are both "matrix product, then col2im" (see docs/convolution.md).

Memory layout, chosen by measurement (docs/baselines.md#one-convolution): the helpers work on channels-last
(N, H, W, C) arrays. Then one window row of kh·kw·C numbers is gathered with ``as_strided`` as
kh·kw contiguous runs of C, and the whole im2col is one reshape-copy. The layers' public shapes
stay (N, C, H, W): they hand in and return NCHW-shaped *views* of channels-last memory, so the
transposes between the two cost nothing.

col2im adds the kh·kw shifted slices one after another (``canvas[:, i::s, j::s] += ...``), never
with ``numpy.add.at``, which measured 2 to 9 times slower.
"""
from __future__ import annotations

from minigan.backend import get_array_module


def place_on_canvas(x, canvas_hw, offset_hw):
    """Zero canvas (N, Hc, Wc, C) with ``x`` (N, H, W, C) copied in at ``offset_hw``: zero padding."""
    xp = get_array_module(x)
    n, h, w, c = x.shape
    (hc, wc), (top, left) = canvas_hw, offset_hw
    if (hc, wc) == (h, w):
        return xp.ascontiguousarray(x)
    canvas = xp.zeros((n, hc, wc, c), dtype=x.dtype)
    canvas[:, top:top + h, left:left + w, :] = x
    return canvas


def im2col(canvas, kernel_hw, stride_hw, out_hw):
    """Every kh×kw window of ``canvas`` (N, Hc, Wc, C) as a row: (N·Ho·Wo, kh·kw·C).

    Row (n, i, j) holds canvas[n, i·sh : i·sh + kh, j·sw : j·sw + kw, :] flattened in (kh, kw, C)
    order, the order of the reshaped weight.
    """
    xp = get_array_module(canvas)
    canvas = xp.ascontiguousarray(canvas)
    n, _, _, c = canvas.shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    bn, bh, bw, bc = canvas.strides                             # bytes between neighbours
    windows = xp.lib.stride_tricks.as_strided(                  # (N, Ho, Wo, kh, kw, C), a view
        canvas, shape=(n, ho, wo, kh, kw, c), strides=(bn, bh * sh, bw * sw, bh, bw, bc))
    return windows.reshape(n * ho * wo, kh * kw * c)            # the one copy


def col2im(cols, canvas_shape, kernel_hw, stride_hw, out_hw):
    """Adjoint of :func:`im2col`: add each row of ``cols`` (N·Ho·Wo, kh·kw·C) onto its window.

    Returns the canvas (N, Hc, Wc, C). For each kernel offset (i, j), the entries of every window
    at that offset form one strided slice of the canvas, so kh·kw slice additions do the job.
    """
    xp = get_array_module(cols)
    n, hc, wc, c = canvas_shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    cols = cols.reshape(n, ho, wo, kh, kw, c)
    canvas = xp.zeros(canvas_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            canvas[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] += cols[:, :, :, i, j, :]
    return canvas
