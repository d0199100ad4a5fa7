"""The scatter behind ConvTranspose2d's forward and Conv2d's input gradient, computed two ways.

Both are the same operation (docs/convolution.md): every input pixel adds a weighted copy of the
kernel onto the output,

    y[n, a, b, f] = Σ_{i·s + u − top = a}  Σ_{j·s + v − left = b}  Σ_c  x[n, i, j, c] · W[c, f, u, v]

with x (N, H, W, C) channels-last, W (C, F, kh, kw) and y (N, Ho, Wo, F).

**The col2im way** (:func:`scatter_by_col2im`, the plain one): form every product x·W first,
(N·H·W, C) @ (C, kh·kw·F), then add the kh·kw slices of that column matrix onto the output
(minigan/nn/im2col.py), 25 strided read-modify-write passes for a 5×5 kernel.

**The phase way** (:func:`scatter_by_phases`, sub-pixel convolution). Along one axis, the output
rows a with a + top ≡ r (mod s) only ever receive kernel rows u = r, r + s, r + 2s, …, and the
input row that meets kernel row u = r + s·t is i = q − t with q = (a + top − r) / s. So that phase
of the output is an ordinary stride-1 convolution of x with the sub-kernel W[r::s], reversed
(t counts down while i counts up):

    y[q·s + r − top] = Σ_t x[q − t] · W[r + s·t]        t = 0 … T_r − 1,   T_r = ceil((k − r) / s)

Each of the s_h·s_w phases is one im2col of x (a single gather) and one matrix product written
straight into its strided slice of y: no output is ever added to twice, and the products the crop
would throw away are never formed. The same numbers come out, summed in another order.

**Which way runs**: col2im, unless a layer's ``scatter_way`` is set to "phases". The phase way
gathers about kh·kw·C numbers per input pixel where the col2im way's columns hold kh·kw·F, so it
moves C/F times as much memory, and it saves col2im's per-row cost on each of its kh·kw passes.
Timed alone (benchmarks/scatter_ways.py), it took 0.4–0.8 of col2im's time on the small DCGAN's
scatters to 16 and 32 channels, about the same at 128 → 64, 1.3× at 256 → 128 and 1.6–8.5× on
the scatters to a single channel (the more input channels, the worse); over a whole training step in fresh processes no gain showed
(docs/speed.md#what-was-tried). So it is here to read, to check and to time, not the default.

Proof: tests/test_conv.py checks the two ways against each other on every stride, padding and kernel
the models use (and more), and the gradient checks of both layers run through both ways.
"""
from __future__ import annotations

from minigan.backend import get_array_module
from . import im2col as columns

WAYS = ("col2im", "phases")


def scatter(x, weight, stride_hw, offset_hw, out_hw, way: str = "col2im", where: str = "scatter"):
    """y (N, Ho, Wo, F) from x (N, H, W, C) and weight (C, F, kh, kw), computed ``way``."""
    if way == "col2im":
        return scatter_by_col2im(x, weight, stride_hw, offset_hw, out_hw)
    if way == "phases":
        return scatter_by_phases(x, weight, stride_hw, offset_hw, out_hw)
    raise ValueError(f"{where}: expected scatter_way to be one of {WAYS}, got {way!r}")


def canvas_size(in_hw, kernel_hw, stride_hw, offset_hw, out_hw):
    """(Hc, Wc) of the col2im way's canvas: the kernels reach (H − 1)·s + k pixels, and the canvas
    also covers the crop where it asks for more (output_padding, or a kernel smaller than the stride)."""
    return tuple(max((size - 1) * s + k, off + out)
                 for size, k, s, off, out in zip(in_hw, kernel_hw, stride_hw, offset_hw, out_hw))


def scatter_by_col2im(x, weight, stride_hw, offset_hw, out_hw):
    """The plain way: one product (N·H·W, C) @ (C, kh·kw·F), col2im onto a canvas, then the crop."""
    n, h, w, c = x.shape
    _, f, kh, kw = weight.shape
    (sh, sw), (top, left), (ho, wo) = stride_hw, offset_hw, out_hw
    canvas_hw = canvas_size((h, w), (kh, kw), stride_hw, offset_hw, out_hw)
    w_mat = weight.transpose(0, 2, 3, 1).reshape(c, kh * kw * f)               # (C, kh·kw·F)
    cols = x.reshape(n * h * w, c) @ w_mat                                      # (N·H·W, kh·kw·F)
    canvas = columns.col2im(cols, (n, *canvas_hw, f), (kh, kw), (sh, sw), (h, w))
    return canvas[:, top:top + ho, left:left + wo, :]                          # (N, Ho, Wo, F), a view


def phase_plan(size_out: int, kernel: int, stride: int, offset: int):
    """Along one axis, per phase r with outputs: (r, first output a, output count, its q, taps T_r).

    T_r is 0 when the kernel is smaller than the stride: those outputs receive no term at all.
    """
    plan = []
    for r in range(stride):
        first = (r - offset) % stride                        # the first output a ≥ 0 with a + offset ≡ r
        if first >= size_out:
            continue
        count = (size_out - first + stride - 1) // stride
        q = (first + offset - r) // stride                   # exact division
        taps = max(0, (kernel - r + stride - 1) // stride)
        plan.append((r, first, count, q, taps))
    return plan


def zero_padding(plan, size: int):
    """(before, after): the zeros one axis of x needs so that every phase of ``plan`` reads inside it.

    Phase r reads the input rows q − (T_r − 1) … q + count − 1, of which only 0 … size − 1 exist."""
    reads = [(q - (taps - 1), q + count - 1) for _, _, count, q, taps in plan if taps]
    return max([0] + [-lo for lo, _ in reads]), max([0] + [hi - (size - 1) for _, hi in reads])


def scatter_by_phases(x, weight, stride_hw, offset_hw, out_hw):
    """The phase way: one gather and one product per stride phase, each written into its slice of y."""
    xp = get_array_module(x)
    n, h, w, c = x.shape
    _, f, kh, kw = weight.shape
    (sh, sw), (top, left), (ho, wo) = stride_hw, offset_hw, out_hw
    rows, cols = phase_plan(ho, kh, sh, top), phase_plan(wo, kw, sw, left)
    # One zero-padded copy of x serves every phase
    (before_h, after_h), (before_w, after_w) = zero_padding(rows, h), zero_padding(cols, w)
    canvas = columns.place_on_canvas(x, (before_h + h + after_h, before_w + w + after_w), (before_h, before_w))
    bn, bh, bw, bc = canvas.strides
    y = xp.empty((n, ho, wo, f), dtype=x.dtype)
    for r_h, first_h, count_h, q_h, taps_h in rows:
        for r_w, first_w, count_w, q_w, taps_w in cols:
            out = y[:, first_h::sh, first_w::sw, :]                              # (N, count_h, count_w, F), a view
            if taps_h == 0 or taps_w == 0:
                out[...] = 0
                continue
            corner = canvas[:, q_h - (taps_h - 1) + before_h:, q_w - (taps_w - 1) + before_w:, :]
            windows = xp.lib.stride_tricks.as_strided(                           # (N, count_h, count_w, T_h, T_w, C)
                corner, shape=(n, count_h, count_w, taps_h, taps_w, c), strides=(bn, bh, bw, bh, bw, bc))
            patches = windows.reshape(n * count_h * count_w, taps_h * taps_w * c)   # the one gather
            sub = weight[:, :, r_h::sh, r_w::sw][:, :, ::-1, ::-1]             # (C, F, T_h, T_w): W[r + s·t], t reversed
            sub_mat = xp.ascontiguousarray(sub.transpose(2, 3, 0, 1)).reshape(taps_h * taps_w * c, f)
            out[...] = (patches @ sub_mat).reshape(n, count_h, count_w, f)
    return y
