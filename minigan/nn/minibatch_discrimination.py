"""Minibatch discrimination (Salimans et al. 2016, section 3.2): each sample learns how close it is
to the rest of its batch, so D can see a batch of near-identical samples (mode collapse).

    M    = (f T) reshaped         f (N, A), T (A, B·C)  ->  M (N, B, C): B rows of C numbers per sample
    c_ijb = exp(−‖M_ib − M_jb‖₁)                          closeness of samples i and j in kernel b
    o_ib  = Σ_j c_ijb                                     (j = i included: it adds 1)
    y     = [f, o]                                        (N, A + B)

Backward (docs/minibatch-discrimination.md derives it): with g = dL/do (N, B) and
s_ijbc = sign(M_ibc − M_jbc), c is symmetric in (i, j), so each pair's closeness reaches both samples:

    dL/dM_kbc = −Σ_j c_kjb · s_kjbc · (g_kb + g_jb)
    dT = fᵀ · dM,    df = dL/dy[:, :A] + dM · Tᵀ

Memory is O(N²·B·C), estimated before each forward allocates it. Proof: `minigan gradcheck` rows "MinibatchDiscrimination …" (inputs kept away
from the kinks of |·| at M_ibc = M_jbc, i ≠ j).
"""
from __future__ import annotations

from minigan.backend import get_array_module
from minigan.checks import Site, check_fits, check_ndim, check_positive_int
from .dense import Dense
from .init import get_initializer
from .module import Module
from .parameter import parameter_from_host
from .sequential import Sequential


class MinibatchDiscrimination(Module):
    """MinibatchDiscrimination(in_features A, kernels B, kernel_dim C): (N, A) -> (N, A + B).

    Parameter: ``T`` (A, B·C). Salimans et al. use B = 100 and C = 5 on their image models.
    """

    def __init__(self, in_features: int, kernels: int, kernel_dim: int = 5, init="glorot_uniform"):
        super().__init__()
        where = "MinibatchDiscrimination"
        self.in_features = check_positive_int(where, in_features, "in_features")
        self.kernels = check_positive_int(where, kernels, "kernels")
        self.kernel_dim = check_positive_int(where, kernel_dim, "kernel_dim")
        shape = (in_features, kernels * kernel_dim)
        # T, its gradient and an optimizer's two moments, float64 while drawn.
        check_fits(where, 5 * 8 * shape[0] * shape[1], f"the tensor T {shape} with its gradient and Adam's moments",
                   "use fewer kernels (--minibatch-kernels)")
        self.T = parameter_from_host(get_initializer(where, init)(shape, fan_in=in_features, fan_out=shape[1]), "T")

    def extra_repr(self):
        return f"{self.in_features}→{self.in_features}+{self.kernels}, kernel_dim={self.kernel_dim}"

    def couples_samples(self):
        return True                                 # each sample's features measure the rest of its batch

    def check_input(self, x):
        super().check_input(x)
        check_ndim(Site(self, "forward"), x, 2, "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"{self}.forward: expected {self.in_features} input features, got input of shape "
                             f"{tuple(x.shape)}")

    def _forward(self, f):
        xp = get_array_module(f)
        n = f.shape[0]
        # The pairwise tensors (N, N, B, C): the differences, their signs (kept) and the backward's weights.
        check_fits(Site(self, "forward"), 3 * n * n * self.kernels * self.kernel_dim * f.itemsize,
                   f"the pairwise differences of {n} samples in {self.kernels} kernels (N²·B·C values, three times)",
                   "use fewer kernels (--minibatch-kernels) or a smaller batch")
        M = (f @ self.T.data).reshape(n, self.kernels, self.kernel_dim)    # (N, B, C)
        diff = M[:, None, :, :] - M[None, :, :, :]                         # (N, N, B, C): M_i − M_j
        c = xp.exp(-xp.abs(diff).sum(axis=3))                              # (N, N, B)
        o = c.sum(axis=1)                                                  # (N, B)
        return xp.concatenate([f, o], axis=1), (f, c, xp.sign(diff))

    def _backward(self, dy, cache):
        f, c, sign = cache
        n, a = f.shape
        g = dy[:, a:]                                                      # (N, B): dL/do
        weights = c * (g[:, None, :] + g[None, :, :])                      # (N, N, B): c_kjb (g_kb + g_jb)
        dM = -(weights[..., None] * sign).sum(axis=1)                      # (N, B, C)
        dM = dM.reshape(n, -1)                                             # (N, B·C)
        if self.T.requires_grad:
            self.T.grad += f.T @ dM                                        # (A, B·C)
        return dy[:, :a] + dM @ self.T.data.T                              # (N, A)


def with_minibatch_discrimination(D, kernels: int, kernel_dim: int = 5):
    """D (a Sequential ending in Dense) with a MinibatchDiscrimination layer before its last Dense,
    which is widened to take the B extra features."""
    layers = list(D.layers)
    last = layers[-1]
    if not isinstance(last, Dense):
        raise TypeError(f"with_minibatch_discrimination: D must end in a Dense layer, got {last!r}")
    layers[-1:] = [MinibatchDiscrimination(last.in_features, kernels, kernel_dim),
                   Dense(last.in_features + kernels, last.out_features, bias=last.bias is not None)]
    return Sequential(*layers)


__all__ = ["MinibatchDiscrimination", "with_minibatch_discrimination"]
