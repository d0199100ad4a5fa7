"""Conv2d: 2-D convolution (cross-correlation, as in every deep-learning library), via im2col.

    y[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v  W[f, c, u, v] · x_pad[n, c, i·s + u, j·s + v]

Written as one matrix product (minigan/nn/im2col.py):

    cols = im2col(x_pad)          (N·Ho·Wo, kh·kw·C)
    y    = cols @ W_mat + b       W_mat = W as (kh·kw·C, F)

Backward (docs/convolution.md derives it):

    dW_mat = colsᵀ @ dy_mat       (kh·kw·C, F)
    dcols  = dy_mat @ W_matᵀ      (N·Ho·Wo, kh·kw·C)
    dx     = col2im(dcols)        the adjoint of im2col: a transposed convolution of dy
                                  (or stride phase by stride phase: minigan/nn/scatter.py)

Double backward (for gradient penalties; docs/backward/double-backward.md#conv2d): dx is linear
in dy and W, so with ddcols = im2col(ddx_pad),

    ddy_mat = ddcols @ W_mat      (the forward, without bias, applied to ddx)
    dW_mat += ddcolsᵀ @ dy_mat    (the weight gradient, with ddx in the place of x)

Proof: `minigan gradcheck` rows "Conv2d …"; the loop reference in tests/test_conv.py.
"""
from __future__ import annotations

import numpy

from minigan.checks import Site, check_ndim, check_positive_int
from .conv_geometry import conv_geometry, pair, parse_padding
from .im2col import im2col, place_on_canvas
from .scatter import scatter
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host


class ConvLayer(Module):
    """What Conv2d and ConvTranspose2d share: arguments, weight creation, input checks.

    ``weight_shape`` is (F, C, kh, kw) for Conv2d and (C, F, kh, kw) for ConvTranspose2d, and
    fan_in/fan_out count the connections of one weight either way (see minigan/nn/init.py).

    ``scatter_way`` says how the scatter (ConvTranspose2d's forward, Conv2d's input gradient) is
    computed: "col2im" (the default) or "phases", stride phase by stride phase (sub-pixel
    convolution, minigan/nn/scatter.py). The two give the same numbers up to rounding.
    """

    def __init__(self, where: str, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 bias: bool, init, transposed: bool):
        super().__init__()
        self.in_channels = check_positive_int(where, in_channels, "in_channels")
        self.out_channels = check_positive_int(where, out_channels, "out_channels")
        self.kernel_size = pair(where, kernel_size, "kernel_size", 1)
        self.stride = pair(where, stride, "stride", 1)
        self.padding = parse_padding(where, padding)
        self.init = init                               # kept for widened_input (PacGAN's packing)
        self.scatter_way = "col2im"
        kh, kw = self.kernel_size
        fan_in, fan_out = in_channels * kh * kw, out_channels * kh * kw
        shape = (in_channels, out_channels, kh, kw) if transposed else (out_channels, in_channels, kh, kw)
        # A transposed conv's weight is read as the kernel of the conv it is the adjoint of, which maps
        # out_channels -> in_channels; its fans are computed from that conv, as Keras' Conv2DTranspose
        # and PyTorch (which reads dim 1 of (in, out, kh, kw) as fan-in) both do, so the initial weights
        # match theirs. (An output pixel of the transposed conv itself sums about in_channels·kh·kw/s²
        # terms.) Glorot is symmetric in the two fans, so only He and similar one-fan schemes notice.
        if transposed:
            fan_in, fan_out = fan_out, fan_in
        self.weight = parameter_from_host(get_initializer(where, init)(shape, fan_in=fan_in, fan_out=fan_out), "weight")
        self.bias = parameter_from_host(numpy.zeros(out_channels), "bias") if bias else None

    def extra_repr(self):
        extra = f", output_padding={self.output_padding}" if any(getattr(self, "output_padding", (0, 0))) else ""
        return (f"{self.in_channels}→{self.out_channels}, kernel={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding!r}{extra}" + ("" if self.bias is not None else ", bias=False"))

    def check_input(self, x):
        super().check_input(x)
        check_ndim(Site(self, "forward"), x, 4, "(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{self}.forward: expected {self.in_channels} input channels, got input of "
                             f"shape {tuple(x.shape)} ({x.shape[1]} channels)")


class Conv2d(ConvLayer):
    """Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True).

    Shapes: x (N, C, H, W) → y (N, F, Ho, Wo); weight (F, C, kh, kw), bias (F,) (PyTorch's
    layout). Parameters, in order: ``weight``, ``bias``. ``kernel_size``, ``stride`` and
    ``padding`` are an int or an (h, w) pair; ``padding`` may also be ``"same"`` or ``"valid"``
    with Keras/TensorFlow semantics (see minigan/nn/conv_geometry.py).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, init="glorot_uniform"):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding, bias, init,
                         transposed=False)

    def widened_input(self, factor: int) -> "Conv2d":
        """A new Conv2d like this one with ``factor`` times the input channels (PacGAN packs m samples)."""
        return Conv2d(self.in_channels * factor, self.out_channels, self.kernel_size, self.stride, self.padding,
                      bias=self.bias is not None, init=self.init)

    def geometry(self, h: int, w: int):
        """((pad_top, pad_bottom), (pad_left, pad_right)), (Ho, Wo) for an h×w input."""
        (ph, ho), (pw, wo) = (conv_geometry(self.padding, size, k, s, axis) for axis, (size, k, s)
                              in enumerate(zip((h, w), self.kernel_size, self.stride)))
        return (ph, pw), (ho, wo)

    def check_input(self, x):
        super().check_input(x)
        (ph, pw), _ = self.geometry(*x.shape[2:])
        padded = (x.shape[2] + sum(ph), x.shape[3] + sum(pw))
        if padded[0] < self.kernel_size[0] or padded[1] < self.kernel_size[1]:
            raise ValueError(f"{self}.forward: the {self.kernel_size[0]}×{self.kernel_size[1]} kernel is larger "
                             f"than the padded input {padded[0]}×{padded[1]} (input {tuple(x.shape)})")

    def _weight_matrix(self):
        f, c, kh, kw = self.weight.data.shape
        return self.weight.data.transpose(2, 3, 1, 0).reshape(kh * kw * c, f)   # (kh·kw·C, F)

    def _columns(self, x):
        """im2col of the zero-padded x (N, C, H, W): (cols (N·Ho·Wo, kh·kw·C), pads, (Ho, Wo))."""
        n, c, h, w = x.shape
        (ph, pw), (ho, wo) = self.geometry(h, w)
        x_nhwc = x.transpose(0, 2, 3, 1)                                  # (N, H, W, C), free for our own outputs
        canvas = place_on_canvas(x_nhwc, (h + sum(ph), w + sum(pw)), (ph[0], pw[0]))   # zero padding
        cols = im2col(canvas, self.kernel_size, self.stride, (ho, wo))      # (N·Ho·Wo, kh·kw·C)
        return cols, (ph, pw), (ho, wo)

    def _forward(self, x):
        n, c, h, w = x.shape
        cols, (ph, pw), (ho, wo) = self._columns(x)
        out = cols @ self._weight_matrix()                                # (N·Ho·Wo, F)
        if self.bias is not None:
            out += self.bias.data
        y = out.reshape(n, ho, wo, self.out_channels).transpose(0, 3, 1, 2)   # NCHW view of NHWC memory
        # Storing cols costs memory (kh·kw times the input) but saves a second gather in backward.
        return y, (cols, (h, w), (ph, pw), (ho, wo))

    def _add_weight_grad(self, cols, dy_mat):
        """weight.grad += colsᵀ @ dy_mat, reshaped from (kh·kw·C, F) to (F, C, kh, kw)."""
        f, c, kh, kw = self.weight.data.shape
        dw_mat = cols.T @ dy_mat                                           # (kh·kw·C, F)
        self.weight.grad += dw_mat.reshape(kh, kw, c, f).transpose(3, 2, 0, 1)

    skips_input_grad = True

    def _backward(self, dy, cache, input_grad=True):
        cols, (h, w), (ph, pw), (ho, wo) = cache
        dy_mat = dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)  # (N·Ho·Wo, F)
        if self.weight.requires_grad:
            self._add_weight_grad(cols, dy_mat)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy_mat.sum(axis=0)
        if not input_grad:
            return None
        # dx is the scatter of dy through W, read as a transposed convolution's (F, C, kh, kw) weight,
        # cropped to the unpadded input: the padding's gradient is never kept
        dx = scatter(dy_mat.reshape(dy.shape[0], ho, wo, self.out_channels), self.weight.data, self.stride,
                     (ph[0], pw[0]), (h, w), self.scatter_way, str(self))  # (N, H, W, C)
        return dx.transpose(0, 3, 1, 2)

    def _double_backward(self, ddx, dy, cache):
        # dx = crop(col2im(dy_mat @ W_matᵀ)): linear in dy and W, independent of x. The adjoint of
        # crop-then-col2im is pad-then-im2col, so ddx goes through the forward's own im2col.
        ddcols, _, (ho, wo) = self._columns(ddx)                          # (N·Ho·Wo, kh·kw·C)
        dy_mat = dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)  # (N·Ho·Wo, F)
        if self.weight.requires_grad:
            self._add_weight_grad(ddcols, dy_mat)
        ddy = ddcols @ self._weight_matrix()                              # (N·Ho·Wo, F): the forward, no bias
        return ddy.reshape(ddx.shape[0], ho, wo, self.out_channels).transpose(0, 3, 1, 2), None
