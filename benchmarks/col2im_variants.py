#!/usr/bin/env python3
"""col2im, the largest cost of a DCGAN step outside the matrix products, against three other ways to write it.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/col2im_variants.py --threads 2

For the col2im calls of one dcgan and one dcgan --width 0.25 step (ConvTranspose2d forward,
Conv2d's input gradient), at batch 64, it times (median of 9, ms):

* ``minigan``: minigan.nn.im2col.col2im: kh·kw strided slice additions onto the canvas;
* ``blocked``: the same additions, a block of images at a time, so that the canvas block stays in
  cache across the kh·kw additions (block of about 1 MiB of canvas);
* ``phases``: the columns copied once to (kh, kw, N, Ho, Wo, C), so that every addition reads a
  contiguous slice, summed per stride phase into a contiguous buffer, written to the canvas once
  per phase;

and, for the ConvTranspose2d forwards (matrix product, then col2im), ``per-offset GEMM``: one
product per kernel offset, added straight onto its canvas slice, so that the big column matrix is
never made. Every variant is checked equal to minigan's (to float32 rounding).
"""
from __future__ import annotations

import argparse

import numpy

from minigan.bench import _median_ms
from minigan.nn.im2col import col2im
from minigan.training import threads


def median_ms(fn):
    return _median_ms(fn, numpy, repeats=9, warmup=1)


def col2im_blocked(cols, canvas_shape, kernel_hw, stride_hw, out_hw, block_bytes=1 << 20):
    n, hc, wc, c = canvas_shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    cols = cols.reshape(n, ho, wo, kh, kw, c)
    canvas = numpy.zeros(canvas_shape, dtype=cols.dtype)
    b = max(1, block_bytes // (hc * wc * c * cols.itemsize))
    for start in range(0, n, b):
        part, src = canvas[start:start + b], cols[start:start + b]
        for i in range(kh):
            for j in range(kw):
                part[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] += src[:, :, :, i, j, :]
    return canvas


def col2im_phases(cols, canvas_shape, kernel_hw, stride_hw, out_hw):
    n, hc, wc, c = canvas_shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    per_offset = cols.reshape(n, ho, wo, kh, kw, c).transpose(3, 4, 0, 1, 2, 5).copy()   # (kh, kw, N, Ho, Wo, C)
    canvas = numpy.empty(canvas_shape, dtype=cols.dtype)
    for pi in range(sh):
        for pj in range(sw):
            sub = canvas[:, pi::sh, pj::sw, :]
            acc = numpy.zeros(sub.shape, dtype=cols.dtype)
            for i in range(pi, kh, sh):
                for j in range(pj, kw, sw):
                    a, b = (i - pi) // sh, (j - pj) // sw
                    acc[:, a:a + ho, b:b + wo, :] += per_offset[i, j]
            sub[...] = acc
    return canvas


def transposed_conv_per_offset(x_mat, w_mat, canvas_shape, k, s, hw):
    """ConvTranspose2d's forward without the column matrix: canvas slice (i, j) += x_mat @ W[i, j]."""
    n, hc, wc, f = canvas_shape
    h, w = hw
    c = x_mat.shape[1]
    w4 = numpy.ascontiguousarray(w_mat.reshape(c, k, k, f).transpose(1, 2, 0, 3))          # (k, k, C, F)
    canvas = numpy.zeros(canvas_shape, numpy.float32)
    for i in range(k):
        for j in range(k):
            canvas[:, i:i + s * (h - 1) + 1:s, j:j + s * (w - 1) + 1:s, :] += (x_mat @ w4[i, j]).reshape(n, h, w, f)
    return canvas


CASES = [  # (name, canvas (N, Hc, Wc, C), kernel, stride, the columns' (Ho, Wo), a ConvTranspose2d forward?)
    ("dcgan G ConvT 256→128, 5×5 s1, 7×7", (64, 11, 11, 128), 5, 1, (7, 7), 256),
    ("dcgan G ConvT 128→64, 5×5 s2, 7→14", (64, 17, 17, 64), 5, 2, (7, 7), 128),
    ("dcgan G ConvT 64→1, 5×5 s2, 14→28", (64, 31, 31, 1), 5, 2, (14, 14), 64),
    ("dcgan D Conv 64→128 input gradient, 2 × 64", (128, 17, 17, 64), 5, 2, (7, 7), None),
    ("0.25 G ConvT 64→32, 5×5 s1, 7×7", (64, 11, 11, 32), 5, 1, (7, 7), 64),
    ("0.25 G ConvT 32→16, 5×5 s2, 7→14", (64, 17, 17, 16), 5, 2, (7, 7), 32),
    ("0.25 D Conv 16→32 input gradient, 2 × 64", (128, 17, 17, 16), 5, 2, (7, 7), None),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads.configure(args.threads)
    rng = numpy.random.default_rng(0)
    print(f"# col2im variants, float32, {threads.describe()}; ms, median of 9")
    print("| col2im of | minigan | blocked | phases | GEMM + col2im | per-offset GEMM |")
    print("|---|---|---|---|---|---|")
    for name, canvas, k, s, (ho, wo), c_in in CASES:
        n, _, _, c = canvas
        cols = rng.standard_normal((n * ho * wo, k * k * c), dtype=numpy.float32)
        reference = col2im(cols, canvas, (k, k), (s, s), (ho, wo))
        cells = []
        for fn in (col2im, col2im_blocked, col2im_phases):
            assert numpy.allclose(fn(cols, canvas, (k, k), (s, s), (ho, wo)), reference, atol=1e-4), (name, fn.__name__)
            cells.append(median_ms(lambda fn=fn: fn(cols, canvas, (k, k), (s, s), (ho, wo))))
        if c_in is not None:                              # the whole ConvTranspose2d forward, both ways
            x_mat = rng.standard_normal((n * ho * wo, c_in), dtype=numpy.float32)
            w_mat = rng.standard_normal((c_in, k * k * c), dtype=numpy.float32)
            plain = lambda: col2im(x_mat @ w_mat, canvas, (k, k), (s, s), (ho, wo))  # noqa: E731
            fused = lambda: transposed_conv_per_offset(x_mat, w_mat, canvas, k, s, (ho, wo))  # noqa: E731
            assert numpy.allclose(plain(), fused(), atol=1e-3), name
            cells += [median_ms(plain), median_ms(fused)]
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in cells) + (" | – | –" if c_in is None else "") + " |")


if __name__ == "__main__":
    main()
