"""Networks with several inputs or several outputs: ``Parallel``, ``Fork`` and ``Identity``.

Together with :class:`~minigan.nn.join.Concat` they build every network a conditional GAN needs
out of ``Sequential``, with no graph library:

* ``Parallel(f₁, …, f_k)``: (x₁, …, x_k) → (f₁(x₁), …, f_k(x_k)). One branch per input; the
  backward hands each branch its own dy and returns (dx₁, …, dx_k). A dy of None (the next layer
  has no gradient for a label it read) means nothing flows back along that branch.
* ``Fork(h₁, …, h_k)``: x → (h₁(x), …, h_k(x)). Several heads read the same features (AC-GAN's class
  head, InfoGAN's Q head beside the real/fake logit). x reaches the loss along k paths, so by the
  multivariate chain rule its gradient is the **sum** dx = Σᵢ hᵢ.backward(dyᵢ). A head that itself
  returns several outputs (a hidden layer and then a Fork of its own: the InfoGAN paper's Q) adds each
  of them to the flat tuple, so the loss sees (logit, categorical logits, means), not a nested tuple.
* ``Identity()``: x → x, for a branch that passes its input through.

An input that is a discrete label (OneHot, Embedding) has no gradient: its slot in the returned
tuple is None. Derivations: docs/backward/multi-input.md. Gradient checks: the "Parallel", "Fork"
and "conditional ..." rows of ``minigan gradcheck``.
"""
from __future__ import annotations

from minigan.checks import describe
from .module import Module


class Identity(Module):
    """x → x (any shape, any dtype: it also passes labels through to a layer that reads them); dx = dy."""

    def check_input(self, x):
        pass

    def _forward(self, x):
        return x, None

    def _backward(self, dy, cache):
        return dy

    def _double_backward(self, ddx, dy, cache):
        return ddx, None


class _Branches(Module):
    """What Parallel and Fork share: a list of modules (``branches``) whose parameters, caches and
    modes are theirs, and a forward that runs each one and leaves no half-filled caches if one fails."""

    is_container = True
    skips_input_grad = True

    def __init__(self, *branches: Module):
        super().__init__()
        where = type(self).__name__
        if not branches:
            raise ValueError(f"{where}: expected at least one module")
        for i, m in enumerate(branches):
            if not isinstance(m, Module):
                raise TypeError(f"{where}: expected layers (minigan.nn.Module), got {type(m).__name__} at position {i}")
        self.branches = list(branches)

    def children(self):
        return self.branches

    def _run_each(self, inputs):
        try:
            return tuple(branch.forward(x) for branch, x in zip(self.branches, inputs)), None
        except Exception:
            self.clear_cache()          # a failed forward leaves no half-filled caches behind
            raise

    def _refuse_double(self, keep_for_double_backward):
        if keep_for_double_backward:
            raise ValueError(f"{self}.backward: no double backward is written for {type(self).__name__} yet")

    def extra_repr(self):
        return ", ".join(repr(b) for b in self.branches)


class Parallel(_Branches):
    """(x₁, …, x_k) → (f₁(x₁), …, f_k(x_k)): branch i sees input i only. Parameters: each branch's, in order."""

    def check_input(self, xs):
        if not isinstance(xs, (tuple, list)) or len(xs) != len(self.branches):
            raise TypeError(f"{self}.forward: expected a tuple of {len(self.branches)} inputs (one per branch), got "
                            f"{describe(xs)}" + (f" with {len(xs)} items" if isinstance(xs, (tuple, list)) else ""))

    def _forward(self, xs):
        return self._run_each(xs)

    def _backward(self, dys, cache, input_grad=True, keep_for_double_backward=False):
        self._refuse_double(keep_for_double_backward)
        grads = []
        for branch, dy in zip(self.branches, dys):
            if dy is None:              # nothing flows back along this branch (it carried labels)
                branch.clear_cache()
                grads.append(None)
            else:
                grads.append(branch.backward(dy, input_grad=input_grad))
        return tuple(grads) if input_grad else None


class Fork(_Branches):
    """x → (h₁(x), …, h_k(x)): every head reads the same x. Parameters: each head's, in order.

    A head that returns a tuple contributes each of its outputs in order: Fork(a, Sequential(b, Fork(c, d)))
    returns the flat (a(x), c(b(x)), d(b(x))). ``backward`` takes one gradient per output, in the same flat
    order (zeros for an output the loss does not use), hands each head its own, and returns
    dx = Σᵢ dL/dx along head i.
    """

    def check_input(self, x):
        pass            # each head checks it

    def _forward(self, x):
        outputs, _ = self._run_each([x] * len(self.branches))
        flat, counts = [], []           # counts[i]: how many outputs head i gave (None: one array)
        for y in outputs:
            if isinstance(y, tuple):
                flat.extend(y)
                counts.append(len(y))
            else:
                flat.append(y)
                counts.append(None)
        return tuple(flat), counts

    def _backward(self, dys, counts, input_grad=True, keep_for_double_backward=False):
        self._refuse_double(keep_for_double_backward)
        dx, start = None, 0
        for head, count in zip(self.branches, counts):
            dy = dys[start] if count is None else tuple(dys[start:start + count])   # this head's own outputs
            start += 1 if count is None else count
            d = head.backward(dy, input_grad=input_grad)
            if input_grad:
                dx = d if dx is None else dx + d        # x reaches the loss through every head: add
        return dx
