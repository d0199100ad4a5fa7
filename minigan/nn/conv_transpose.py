"""ConvTranspose2d: the adjoint (transpose) of Conv2d, written as a matrix product and col2im.

Each input pixel x[n, :, i, j] scatters a weighted copy of the kernel onto the output, starting
at (i·s − p_top, j·s − p_left):

    y[n, f, i·s + u − p_top, j·s + v − p_left] += Σ_c x[n, c, i, j] · W[c, f, u, v]   (+ b[f])

That is exactly Conv2d's input gradient, so it is computed the same way (docs/convolution.md):

    cols = x_mat @ W_mat          (N·H·W, C) @ (C, kh·kw·F)  ->  (N·H·W, kh·kw·F)
    y    = crop(col2im(cols))     no zeros inserted between input pixels

or, with ``scatter_way = "phases"``, stride phase by stride phase (sub-pixel convolution): the
same sums without col2im (minigan/nn/scatter.py).

Backward: the adjoint of that is a plain convolution of dy:

    dcols  = im2col(pad(dy))      (N·H·W, kh·kw·F)
    dx_mat = dcols @ W_matᵀ       (N·H·W, C)
    dW_mat = x_matᵀ @ dcols       (C, kh·kw·F)

Proof: `minigan gradcheck` rows "ConvTranspose2d …"; the loop reference and the adjoint test
⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩ in tests/test_conv.py.
"""
from __future__ import annotations

from minigan.backend import get_array_module
from .conv import ConvLayer
from .conv_geometry import conv_transpose_geometry, pair
from .im2col import im2col, place_on_canvas
from .scatter import canvas_size, scatter


class ConvTranspose2d(ConvLayer):
    """ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, bias=True).

    Shapes: x (N, C, H, W) → y (N, F, Ho, Wo) with Ho = (H − 1)·s − 2p + kh + output_padding;
    weight (C, F, kh, kw), bias (F,) (PyTorch's layout). Parameters, in order: ``weight``, ``bias``.
    ``padding="same"`` gives Ho = H·s (Keras), so 7 → 14 → 28 works as in the TensorFlow DCGAN
    tutorial; ``"valid"`` gives Ho = H·s + max(kh − s, 0). ``output_padding`` (< stride) adds rows
    and columns at the bottom/right, to pick among the input sizes a strided conv maps to H.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, bias: bool = True, init="glorot_uniform"):
        where = "ConvTranspose2d"
        super().__init__(where, in_channels, out_channels, kernel_size, stride, padding, bias, init, transposed=True)
        self.output_padding = pair(where, output_padding, "output_padding", 0)
        if isinstance(self.padding, str) and any(self.output_padding):
            raise ValueError(f"{where}: output_padding must be 0 with padding={self.padding!r} "
                             f"(the output size is fixed by the mode), got {output_padding!r}")
        for op, s in zip(self.output_padding, self.stride):
            if op >= s:
                raise ValueError(f"{where}: expected output_padding < stride, got output_padding="
                                 f"{output_padding!r} with stride={stride!r}")

    def geometry(self, h: int, w: int):
        """(crop offsets (top, left), output size (Ho, Wo), canvas size) for an h×w input."""
        (top, ho), (left, wo) = (conv_transpose_geometry(self.padding, op, size, k, s, axis) for axis, (op, size, k, s)
                                 in enumerate(zip(self.output_padding, (h, w), self.kernel_size, self.stride)))
        return (top, left), (ho, wo), canvas_size((h, w), self.kernel_size, self.stride, (top, left), (ho, wo))

    def check_input(self, x):
        super().check_input(x)
        _, (ho, wo), _ = self.geometry(*x.shape[2:])
        if ho <= 0 or wo <= 0:
            raise ValueError(f"{self}.forward: the padding removes the whole output ({ho}×{wo}) for input "
                             f"of shape {tuple(x.shape)}")

    def _weight_matrix(self):
        c, f, kh, kw = self.weight.data.shape
        return self.weight.data.transpose(0, 2, 3, 1).reshape(c, kh * kw * f)   # (C, kh·kw·F)

    def _forward(self, x):
        n, c, h, w = x.shape
        (top, left), (ho, wo), canvas_hw = self.geometry(h, w)
        x_mat = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)             # (N·H·W, C), kept for dW
        y = scatter(x_mat.reshape(n, h, w, c), self.weight.data, self.stride, (top, left), (ho, wo),
                    self.scatter_way, str(self))                           # (N, Ho, Wo, F)
        if self.bias is not None:
            y = y + self.bias.data
        return y.transpose(0, 3, 1, 2), (x_mat, (h, w), (top, left), canvas_hw)

    skips_input_grad = True

    def _backward(self, dy, cache, input_grad=True):
        x_mat, (h, w), (top, left), canvas_hw = cache
        xp = get_array_module(dy)
        n, f = dy.shape[:2]
        dy_nhwc = dy.transpose(0, 2, 3, 1)                                 # (N, Ho, Wo, F)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy_nhwc.sum(axis=(0, 1, 2))
        dcanvas = place_on_canvas(dy_nhwc, canvas_hw, (top, left))         # the crop's adjoint: zero padding
        dcols = im2col(dcanvas, self.kernel_size, self.stride, (h, w))     # (N·H·W, kh·kw·F)
        if self.weight.requires_grad:
            c, _, kh, kw = self.weight.data.shape
            dw_mat = x_mat.T @ dcols                                       # (C, kh·kw·F)
            self.weight.grad += dw_mat.reshape(c, kh, kw, f).transpose(0, 3, 1, 2)
        if not input_grad:
            return None
        w_mat_t = xp.ascontiguousarray(self._weight_matrix().T)            # (kh·kw·F, C); contiguous for BLAS
        dx_mat = dcols @ w_mat_t                                           # (N·H·W, C)
        return dx_mat.reshape(n, h, w, self.in_channels).transpose(0, 3, 1, 2)
