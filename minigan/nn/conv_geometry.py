"""Sizes and padding of convolutions, PyTorch and Keras conventions side by side.

Along one axis, with input size H, kernel k, stride s and paddings (p_top, p_bottom):

    Conv2d:           Ho = floor((H + p_top + p_bottom − k) / s) + 1
    ConvTranspose2d:  Ho = (H − 1)·s − p_top − p_bottom + k + output_padding

PyTorch pads symmetrically (``padding=p`` means p on both sides). Keras names two modes:

* ``"valid"``: no padding. Conv: Ho = ceil((H − k + 1) / s). Transpose: Ho = H·s + max(k − s, 0).
* ``"same"``: Conv: Ho = ceil(H / s), padding total = max((Ho − 1)·s + k − H, 0), split with the
  odd pixel at the *bottom/right* (p_top = total // 2). Transpose: Ho = H·s, with the paddings of
  the "same" conv that maps Ho back to H (it is that conv's adjoint).

So a 5×5, stride-2 "same" conv on 28×28 pads (1, 2) per axis: total 3, asymmetric. PyTorch's
``padding=2`` gives the same 14×14 output but samples different pixels. docs/convolution.md has a
worked table.
"""
from __future__ import annotations

import math


def pair(where: str, value, what: str, minimum: int):
    """An int or a pair of ints, each >= minimum, as a tuple (h, w)."""
    values = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        ok = len(values) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum
                                      for v in values)
    except TypeError:
        ok = False
    if not ok:
        kind = "positive" if minimum > 0 else "non-negative"
        raise ValueError(f"{where}: expected {what} to be a {kind} int or a pair of them, got {value!r}")
    return tuple(int(v) for v in values)


def parse_padding(where: str, padding):
    """'same', 'valid', or explicit symmetric padding as a pair of non-negative ints."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{where}: expected padding to be an int, a pair, 'same' or 'valid', got {padding!r}")
        return padding
    return pair(where, padding, "padding", 0)


def same_pads(in_size: int, out_size: int, kernel: int, stride: int):
    """Keras/TensorFlow 'same' padding of a conv that maps in_size to out_size: (top, bottom)."""
    total = max((out_size - 1) * stride + kernel - in_size, 0)
    return total // 2, total - total // 2


def conv_geometry(padding, size: int, kernel: int, stride: int, axis: int):
    """For Conv2d along one axis: ((pad_top, pad_bottom), output size)."""
    if padding == "same":
        out = math.ceil(size / stride)
        return same_pads(size, out, kernel, stride), out
    p = 0 if padding == "valid" else padding[axis]
    return (p, p), (size + 2 * p - kernel) // stride + 1


def conv_transpose_geometry(padding, output_padding: int, size: int, kernel: int, stride: int, axis: int):
    """For ConvTranspose2d along one axis: (crop offset, output size).

    The layer scatters into a canvas of (size − 1)·stride + kernel pixels (extended when the
    output needs more) and keeps the output size pixels starting at the crop offset.
    """
    if padding == "same":
        out = size * stride
        return same_pads(out, size, kernel, stride)[0], out
    if padding == "valid":
        return 0, size * stride + max(kernel - stride, 0)
    p = padding[axis]
    return p, (size - 1) * stride - 2 * p + kernel + output_padding
