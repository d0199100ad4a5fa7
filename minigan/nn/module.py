"""``Module``: the contract every layer in minigan shares.

A layer is an object with

* ``y = layer.forward(x)``: computes the output and keeps what the backward pass needs (the *cache*);
* ``dx = layer.backward(dy)``: uses that cache, returns dL/dx and **adds** (``+=``) dL/dθ into
  every parameter's ``.grad``;
* ``layer.predict(x)``: the same forward, keeping no cache, in the layer's current mode (in training
  mode Dropout still drops and BatchNorm still normalizes with, and updates, the batch's
  statistics); for sampling and evaluation call ``eval()`` first, as minigan's sample, eval and
  pictures do;
* ``parameters()``, ``zero_grad()``, ``train()``, ``eval()``.

A subclass writes only the math, side by side::

    def _forward(self, x):        -> (y, cache)
    def _backward(self, dy, cache) -> dx

The bookkeeping around them lives here, once:

**One pending cache per layer.** A GAN runs its discriminator on a real batch and on a fake batch.
If both forwards ran before the backwards, the real batch's backward would silently use the fake
batch's activations (the classic from-scratch GAN bug). So ``forward`` refuses to run while a
previous forward still waits for its ``backward``, and ``backward`` refuses to run with no
forward. Both raise :class:`~minigan.checks.CallOrderError` saying what to do. ``clear_cache()``
drops a pending cache on purpose, and ``predict`` (or ``with inference():``) stores none.

**The double backward** (gradient penalties, the unrolled GAN's Hessian-vector products) is
second-order machinery a first reader can skip: ``backward(dy, keep_for_double_backward=True)``
keeps what it needs, and everything else is in minigan/nn/second_order.py, which ``Module``
inherits from.

**Several inputs and outputs.** ``x`` may be a tuple (a conditional network reads (z, y) or (x, y));
``backward`` then returns a tuple of gradients, one per input, None for an integer label. ``y`` may
be a tuple (D's heads, from a ``Fork``); ``backward`` then takes a tuple of gradients, one per output.
See minigan/nn/branches.py and docs/backward/multi-input.md.

**Frozen parameters.** The generator step backpropagates *through* D into G, but must not change
D. ``with D.frozen(): dfake = D.backward(dlogits)`` computes the input gradient and leaves D's
``.grad`` untouched (it also skips the work of computing them). See docs/module-api.md.

Parameter order: a layer's own parameters come in the order the layer creates them (``weight``
then ``bias``), and a ``Sequential`` lists its layers' parameters in layer order.

Beside this file: ``parameter.py`` (``Parameter``: an array and its accumulated gradient),
``storage.py`` (moving a module to a device or dtype, buffers, saving and loading its state) and
``second_order.py`` (the double backward).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from minigan.backend import device_of
from minigan.checks import CallOrderError, Site, check_finite, check_float_array, describe

from .parameter import Parameter
from .second_order import KeptBackward, SecondOrder
from .storage import Storage


_inference_depth = 0
_call_depth = 0        # > 0 inside a layer's forward or backward: a container calling its layers


@contextlib.contextmanager
def inference():
    """Inside this block, ``forward`` keeps no cache: for sampling and evaluation."""
    global _inference_depth
    _inference_depth += 1
    try:
        yield
    finally:
        _inference_depth -= 1


@dataclass
class Pending:
    """What a forward keeps for its backward: the layer's cache and the shape of what it returned."""
    cache: object
    output_shape: object        # a shape, or a list of shapes for a layer with several outputs (Fork)


class Module(SecondOrder, Storage):
    """Base class of every layer. See the module docstring for the contract."""

    # Layers whose _backward takes ``input_grad`` and can skip computing dL/dx (Dense, the convs,
    # Sequential). Elementwise layers compute it anyway: it is as cheap as checking.
    skips_input_grad = False

    # Containers (Sequential) pass ``keep_for_double_backward`` on to their layers instead of keeping
    # a (cache, dy) pair of their own. (SpectralNorm is no container: it runs its layer's math itself.)
    is_container = False

    def __init__(self):
        self.training = True
        self._pending = None       # Pending: the forward that waits for its backward
        self._double = None        # what the double backward needs (minigan/nn/second_order.py)
        self._buffer_names = []    # running statistics: saved with the model, never optimized

    # ---- the math (subclasses) -----------------------------------------------------------
    def _forward(self, x):
        raise NotImplementedError

    def _backward(self, dy, cache):
        raise NotImplementedError

    def couples_samples(self) -> bool:
        """Whether one sample's output depends on the other samples of the batch (BatchNorm in
        training mode, minibatch discrimination). The trainer then shows D real and fake separately."""
        return False

    def check_input(self, x):
        """Validate ``x`` before ``_forward``; layers extend this with their shape rules."""
        check_float_array(Site(self, "forward"), x)
        params = self.own_parameters()
        if params:
            p = params[0].data
            if x.dtype != p.dtype:
                raise TypeError(f"{self}.forward: input dtype {x.dtype} does not match the layer's "
                                f"parameters ({p.dtype}); convert the input or call .to(dtype=...)")
            if device_of(x) != device_of(p):
                raise TypeError(f"{self}.forward: input is on the {device_of(x)} but the layer's "
                                f"parameters are on the {device_of(p)}; call .to(device=...)")

    # ---- calls -----------------------------------------------------------------------------
    def forward(self, x):
        """Compute the output for ``x`` and keep the cache its ``backward`` needs.

        NaN or Inf in ``x`` is refused where it enters a network (the outermost call), so a
        layer inside a container does not test the same values again."""
        self.check_input(x)
        if not _call_depth:
            check_finite_values(Site(self, "forward"), x, "input")
        if _inference_depth:
            y, _ = self._run(self._forward, x)
            return y
        if self._pending is not None:
            raise CallOrderError(
                f"{self}.forward: called again while the previous forward still waits for its "
                "backward. Its activations would be overwritten and the next backward would use the "
                "wrong batch. Call backward() first, clear_cache() to drop them, or predict() for a "
                "forward that keeps nothing.")
        y, cache = self._run(self._forward, x)
        self._pending = Pending(cache, output_shape(y))
        return y

    @staticmethod
    def _run(method, *args, **kwargs):
        """Call ``_forward`` or ``_backward`` one level deeper, so that the layers a container calls
        know they are inside a network."""
        global _call_depth
        _call_depth += 1
        try:
            return method(*args, **kwargs)
        finally:
            _call_depth -= 1

    def backward(self, dy, input_grad: bool = True, keep_for_double_backward: bool = False):
        """Return dL/dx for the pending forward and add dL/dθ into each parameter's ``.grad``.

        ``input_grad=False`` says the caller has no use for dL/dx (x is data: real images, or
        noise); layers that can then skip that work (a whole matrix product, and col2im for a
        conv) and return None.

        ``keep_for_double_backward=True`` keeps the forward's cache and ``dy`` so that
        :meth:`double_backward` can differentiate the dx this call returns (a gradient penalty).
        """
        if self._pending is None:
            raise CallOrderError(
                f"{self}.backward: called with no pending forward. Each backward() needs exactly one "
                "forward() before it (predict() keeps nothing to backpropagate through).")
        cache = self._pending.cache
        check_upstream(Site(self, "backward"), dy, self._pending.output_shape)
        if not _call_depth:
            check_finite_values(Site(self, "backward"), dy, "dy")
        if keep_for_double_backward:
            if not input_grad:
                raise ValueError(f"{self}.backward: keep_for_double_backward=True differentiates the input "
                                 "gradient, so it needs input_grad=True")
            self.check_double_backward()
        self._pending = None
        if self.is_container:
            return self._run(self._backward, dy, cache, input_grad=input_grad,
                             keep_for_double_backward=keep_for_double_backward)
        dx = (self._run(self._backward, dy, cache, input_grad=input_grad) if self.skips_input_grad
              else self._run(self._backward, dy, cache))
        if keep_for_double_backward:
            self._double = KeptBackward(cache, dy, tuple(dx.shape))
        return dx

    def predict(self, x):
        """Forward that stores no cache, so no backward can follow. It runs in the current mode:
        in training mode Dropout drops and BatchNorm uses (and updates) batch statistics, exactly as
        ``forward`` would. For inference, call ``eval()`` first."""
        with inference():
            return self.forward(x)

    def __call__(self, x):
        return self.forward(x)

    def clear_cache(self):
        """Drop the pending caches (and kept backwards) of this module and every sub-module."""
        for m in self.modules():
            m._pending = None
            m._double = None

    # ---- structure ---------------------------------------------------------------------------
    def children(self) -> list["Module"]:
        return []

    def modules(self):
        """This module and every module inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_modules(self, prefix: str):
        """(dotted name, module) for every module inside this one, depth first: ("D.0", ...), ("D.0.0", ...)."""
        for i, child in enumerate(self.children()):
            yield f"{prefix}.{i}", child
            yield from child.named_modules(f"{prefix}.{i}")

    def own_parameters(self) -> list[Parameter]:
        """This layer's own parameters, in the order the layer created them."""
        return [v for v in vars(self).values() if isinstance(v, Parameter)]

    def parameters(self) -> list[Parameter]:
        return [p for m in self.modules() for p in m.own_parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True):
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, flag: bool = True):
        for p in self.parameters():
            p.requires_grad = flag
        return self

    @contextlib.contextmanager
    def frozen(self):
        """Backpropagate through this module without touching its parameters' gradients."""
        saved = [p.requires_grad for p in self.parameters()]
        self.requires_grad_(False)
        try:
            yield self
        finally:
            for p, flag in zip(self.parameters(), saved):
                p.requires_grad = flag

    # ---- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


def check_finite_values(site, x, what: str):
    """NaN/Inf in a float array, or in any float array of a tuple (a conditional network's (z, y)),
    is refused; integer labels cannot hold either."""
    if isinstance(x, (tuple, list)):
        for i, part in enumerate(x):
            check_finite_values(site, part, f"{what}[{i}]")
    elif x is not None and getattr(x, "dtype", None) is not None and x.dtype.kind == "f":
        check_finite(site, x, what, hint="a network cannot compute with them (check the data, or where this "
                     "array was computed)")


def output_shape(y):
    """The shape of a forward's output: ``tuple(y.shape)`` for an array, and a *list* of those for a
    layer with several outputs (``Fork``: one per head), which returns a tuple of arrays."""
    if isinstance(y, tuple):
        return [output_shape(part) for part in y]
    return tuple(y.shape)


def check_upstream(site, dy, y_shape):
    """dy must have exactly the structure and shapes forward returned: an array, or (several outputs)
    a tuple of arrays, one per output, in order."""
    if isinstance(y_shape, list):
        if not isinstance(dy, (tuple, list)) or len(dy) != len(y_shape):
            raise ValueError(f"{site}: forward returned {len(y_shape)} outputs, so dy must be a tuple of "
                             f"{len(y_shape)} gradients (one per output, in order), got {describe(dy)}")
        for k, (part, shape) in enumerate(zip(dy, y_shape)):
            if part is not None:     # None: no gradient for this output (a label passed on through it)
                check_upstream(f"{site} (output {k})", part, shape)
        return
    check_float_array(site, dy, "the upstream gradient dy")
    if tuple(dy.shape) != y_shape:
        raise ValueError(f"{site}: expected dy of shape {y_shape} (the shape forward returned), got {describe(dy)}")
