"""``Parameter`` and ``Module``: the shape every layer in minigan shares.

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

**The double backward.** A gradient penalty (WGAN-GP, R1) is a function of the *input gradient*
g = backward(dy), so its gradient with respect to θ runs back through the backward pass itself.
``backward(dy, keep_for_double_backward=True)`` keeps the forward cache and dy; then
``double_backward(ddx)`` takes ddx = ∂P/∂g and adds ∂P/∂θ into every ``.grad``. A subclass writes
``_double_backward(ddx, dy, cache) -> (ddy, dx_second)``. Derivation: docs/backward/double-backward.md.

The same two sweeps differentiate the *parameter* gradients: with ``p.grad_adjoint = v`` set on
each parameter, ``double_backward`` computes ∂P/∂θ and ∂P/∂x for P = ⟨∇θ L, v⟩, a Hessian-vector
product (the unrolled GAN backpropagates through D's updates with it). Layers with parameters say
they can with ``differentiates_parameter_gradients = True`` (Dense); :meth:`second_order_problem`
names the first that cannot.

**Several inputs and outputs.** ``x`` may be a tuple (a conditional network reads (z, y) or (x, y));
``backward`` then returns a tuple of gradients, one per input, None for an integer label. ``y`` may
be a tuple (D's heads, from a ``Fork``); ``backward`` then takes a tuple of gradients, one per output.
See minigan/nn/branches.py and docs/backward/multi-input.md.

**Frozen parameters.** The generator step backpropagates *through* D into G, but must not change
D. ``with D.frozen(): dfake = D.backward(dlogits)`` computes the input gradient and leaves D's
``.grad`` untouched (it also skips the work of computing them). See docs/module-api.md.

Parameter order: a layer's own parameters come in the order the layer creates them (``weight``
then ``bias``), and a ``Sequential`` lists its layers' parameters in layer order.
"""
from __future__ import annotations

import contextlib

import numpy

from minigan.backend import device_of, get_array_module, get_default_dtype, to_device, to_numpy
from minigan.checks import CallOrderError, Site, check_float_array, describe


class Parameter:
    """A trainable array: ``.data``, its gradient ``.grad`` (same shape, same dtype) and a ``.name``."""

    def __init__(self, data, name: str):
        self.data = data
        self.grad = get_array_module(data).zeros_like(data)
        self.name = name
        self.requires_grad = True
        # ∂P/∂(this gradient) for a second-order P = ⟨∇θ L, v⟩ (the unrolled GAN's Hessian-vector
        # products, minigan/gan/unrolled.py): set by the caller around a double backward, None means 0.
        self.grad_adjoint = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self):
        self.grad[...] = 0  # in place: optimizers may hold a reference to this array

    def __repr__(self):
        return f"Parameter({self.name}, {describe(self.data)})"


def parameter_from_host(values, name: str) -> Parameter:
    """A Parameter with the default dtype on the current device, from host (NumPy) ``values``.

    Initializers draw on the host in float64 (minigan/nn/init.py), so a seed gives the same
    starting weights whatever the dtype and the device.
    """
    return Parameter(to_device(numpy.asarray(values).astype(get_default_dtype())), name)


_inference_depth = 0


@contextlib.contextmanager
def inference():
    """Inside this block, ``forward`` keeps no cache: for sampling and evaluation."""
    global _inference_depth
    _inference_depth += 1
    try:
        yield
    finally:
        _inference_depth -= 1


class Module:
    """Base class of every layer. See the module docstring for the contract."""

    # Layers whose _backward takes ``input_grad`` and can skip computing dL/dx (Dense, the convs,
    # Sequential). Elementwise layers compute it anyway: it is as cheap as checking.
    skips_input_grad = False

    # Containers (Sequential) pass ``keep_for_double_backward`` on to their layers instead of keeping
    # a (cache, dy) pair of their own. (SpectralNorm is no container: it runs its layer's math itself.)
    is_container = False

    # Layers whose _double_backward also reads ``p.grad_adjoint`` (∂P/∂ of their parameter gradients).
    # Layers without parameters need nothing more than a double backward.
    differentiates_parameter_gradients = False

    def __init__(self):
        self.training = True
        self._pending = None       # (cache, y.shape) of the forward that waits for its backward
        self._double = None        # what the double backward needs: see backward() and double_backward()
        self._buffer_names = []    # running statistics: saved with the model, never optimized

    # ---- the math (subclasses) -----------------------------------------------------------
    def _forward(self, x):
        raise NotImplementedError

    def _backward(self, dy, cache):
        raise NotImplementedError

    def _double_backward(self, ddx, dy, cache):
        """The backward of the backward, for a layer whose backward is dx = B(dy, x; θ).

        Given ddx = ∂P/∂dx for some scalar P, return (ddy, dx_second):

            ddy       = ∂P/∂dy = (∂B/∂dy)ᵀ ddx     B is linear in dy: this is the layer's
                                                  *linearized forward* applied to ddx
            dx_second = (∂B/∂x)ᵀ ddx              None where B does not depend on x (Dense,
                                                  convolutions, piecewise-linear activations)

        and add (∂B/∂θ)ᵀ ddx into each parameter's ``.grad``. Layers that cannot have one say why
        in :meth:`double_backward_unsupported`.
        """
        raise NotImplementedError(f"{self}: no double backward is written for this layer")

    def couples_samples(self) -> bool:
        """Whether one sample's output depends on the other samples of the batch (BatchNorm in
        training mode, minibatch discrimination). The trainer then shows D real and fake separately."""
        return False

    def double_backward_unsupported(self) -> str | None:
        """None when this layer (in its current mode) has a double backward, else the reason why not."""
        if type(self)._double_backward is Module._double_backward:
            return (f"{self} has no double backward (the backward of its backward, which a gradient "
                    "penalty needs); critics can be built from Dense, Conv2d, ReLU, LeakyReLU, Tanh, "
                    "Sigmoid, Flatten, Reshape, Pack, SpectralNorm and Sequential (BatchNorm and Dropout "
                    "in eval mode only)")
        return None

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
        """Compute the output for ``x`` and keep the cache its ``backward`` needs."""
        self.check_input(x)
        if _inference_depth:
            y, _ = self._forward(x)
            return y
        if self._pending is not None:
            raise CallOrderError(
                f"{self}.forward: called again while the previous forward still waits for its "
                "backward. Its activations would be overwritten and the next backward would use the "
                "wrong batch. Call backward() first, clear_cache() to drop them, or predict() for a "
                "forward that keeps nothing.")
        y, cache = self._forward(x)
        self._pending = (cache, output_shape(y))
        return y

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
        cache, y_shape = self._pending
        check_upstream(Site(self, "backward"), dy, y_shape)
        if keep_for_double_backward:
            if not input_grad:
                raise ValueError(f"{self}.backward: keep_for_double_backward=True differentiates the input "
                                 "gradient, so it needs input_grad=True")
            self.check_double_backward()
        self._pending = None
        if self.is_container:
            return self._backward(dy, cache, input_grad=input_grad, keep_for_double_backward=keep_for_double_backward)
        dx = self._backward(dy, cache, input_grad=input_grad) if self.skips_input_grad else self._backward(dy, cache)
        if keep_for_double_backward:
            self._double = ("kept", cache, dy, tuple(dx.shape))
        return dx

    # ---- the double backward ---------------------------------------------------------------
    def double_backward_problem(self) -> str | None:
        """Why the first layer inside this module that has no double backward has none; None if all have one."""
        for m in self.modules():
            reason = m.double_backward_unsupported()
            if reason is not None:
                return reason
        return None

    def second_order_problem(self) -> str | None:
        """Why this module cannot differentiate its *parameter* gradients (Hessian-vector products,
        the unrolled GAN), naming the first layer that cannot; None if it can."""
        written_for = ("it is written for dense networks: Dense, with ReLU, LeakyReLU, Tanh, Sigmoid, Flatten, "
                       "Reshape and Pack between them")
        for m in self.modules():
            if m.own_parameters() and not m.differentiates_parameter_gradients:
                return f"{m} has parameters whose gradients have no backward written ({written_for})"
            if m.double_backward_unsupported() is not None:
                return f"{m} has no double backward in its current mode ({written_for})"
        return None

    def check_double_backward(self):
        """Raise ValueError naming the first layer (in this module) that has no double backward, and why."""
        reason = self.double_backward_problem()
        if reason is not None:
            raise ValueError(f"{type(self).__name__}.double_backward: cannot differentiate the input "
                             f"gradient: {reason}")

    def double_backward(self, ddx):
        """Differentiate the input gradient g that ``backward(dy, keep_for_double_backward=True)`` returned.

        ``ddx`` = ∂P/∂g for a scalar P (a gradient penalty). Adds ∂P/∂θ into every parameter's
        ``.grad`` and returns ∂P/∂x (x: the forward's input), or None when it is zero (a
        piecewise-linear network's input gradient does not change with x). dy is a constant here.

        It runs in two sweeps (docs/backward/double-backward.md): *up* through the layers
        (:meth:`double_backward_up`, the backward's own chain reversed) and then *down*
        (:meth:`double_backward_down`, an ordinary backward that collects what the activations'
        dependence on x and θ contributes).
        """
        self.double_backward_up(ddx)
        return self.double_backward_down(None)

    def double_backward_up(self, ddx):
        """First sweep: ddx = ∂P/∂(this layer's dx) → ∂P/∂(this layer's dy). Adds (∂B/∂θ)ᵀ ddx into ``.grad``.
        ``ddx=None``: zero (P involves only parameter gradients, through their ``grad_adjoint``)."""
        kept = self._double
        if kept is None or kept[0] != "kept":
            raise CallOrderError(f"{self}.double_backward: no backward was kept for it; call "
                                 "forward(x), then backward(dy, keep_for_double_backward=True), then double_backward")
        _, cache, dy, dx_shape = kept
        if ddx is None:          # P does not involve the input gradient, only parameter gradients
            ddx = get_array_module(dy).zeros(dx_shape, dtype=dy.dtype)
        check_float_array(Site(self, "double_backward"), ddx, "ddx")
        if tuple(ddx.shape) != dx_shape:
            raise ValueError(f"{self}.double_backward: expected ddx of shape {dx_shape} (the shape backward "
                             f"returned), got {describe(ddx)}")
        if not self.differentiates_parameter_gradients and any(p.grad_adjoint is not None for p in self.parameters()):
            # Its _double_backward would ignore them, and H v would come out silently wrong.
            raise ValueError(f"{self}.double_backward: its parameter gradients carry adjoints (grad_adjoint, a "
                             f"Hessian-vector product), which this layer cannot differentiate: {self.second_order_problem()}")
        ddy, dx_second = self._double_backward(ddx, dy, cache)
        self._double = ("up", cache, dx_second)
        return ddy

    def double_backward_down(self, dout):
        """Second sweep: dout = ∂P/∂y (None: zero) → ∂P/∂x (None: zero), adding (∂f/∂θ)ᵀ dout into ``.grad``."""
        kept = self._double
        if kept is None or kept[0] != "up":
            raise CallOrderError(f"{self}.double_backward_down: double_backward_up has not run")
        _, cache, dx = kept
        self._double = None
        if dout is not None:
            d = self._backward(dout, cache, input_grad=True) if self.skips_input_grad else self._backward(dout, cache)
            dx = d if dx is None else dx + d
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

    def named_parameters(self, prefix: str = ""):
        """(dotted name, Parameter) pairs, e.g. ('0.weight', ...) inside a Sequential."""
        out = [(prefix + p.name, p) for p in self.own_parameters()]
        for i, child in enumerate(self.children()):
            out += child.named_parameters(f"{prefix}{i}.")
        return out

    def register_buffer(self, name: str, value):
        setattr(self, name, value)
        if name not in self._buffer_names:
            self._buffer_names.append(name)

    def named_buffers(self, prefix: str = ""):
        out = [(prefix + n, getattr(self, n)) for n in self._buffer_names]
        for i, child in enumerate(self.children()):
            out += child.named_buffers(f"{prefix}{i}.")
        return out

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

    def to(self, device: str | None = None, dtype=None):
        """Move parameters and buffers to ``device`` and/or cast them to ``dtype``; gradients are reset."""
        for m in self.modules():
            m._pending = None
            m._double = None
            for p in m.own_parameters():
                p.data = _convert(p.data, device, dtype)
                p.grad = get_array_module(p.data).zeros_like(p.data)
            for name in m._buffer_names:
                setattr(m, name, _convert(getattr(m, name), device, dtype))
            m._converted(device, dtype)
        return self

    def _converted(self, device, dtype):
        """Called by ``to()`` on every module after its arrays moved: a layer that makes new arrays
        without reading any (OneHot) learns its dtype here."""

    # ---- saving ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Parameters and buffers as NumPy arrays, keyed by dotted name."""
        state = {name: to_numpy(p.data).copy() for name, p in self.named_parameters()}
        state.update({name: to_numpy(b).copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict):
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(params) | set(buffers)
        missing, unexpected = expected - set(state), set(state) - expected
        if missing or unexpected:
            raise ValueError(f"{self}.load_state_dict: the saved state does not fit this model "
                             f"(missing {sorted(missing)}, unexpected {sorted(unexpected)})")
        for name, value in state.items():
            current = params[name].data if name in params else buffers[name]
            if tuple(value.shape) != tuple(current.shape):
                raise ValueError(f"{self}.load_state_dict: '{name}' has shape {tuple(current.shape)} "
                                 f"here but {tuple(value.shape)} in the saved state")
            value = to_device(numpy.asarray(value, dtype=current.dtype), device_of(current))
            current[...] = value
        return self

    # ---- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


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


def _convert(a, device, dtype):
    if device is not None:
        a = to_device(a, device)
    if dtype is not None:
        a = a.astype(dtype)
    return a
