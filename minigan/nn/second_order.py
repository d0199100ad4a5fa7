"""The double backward: the second-order half of the layer contract (minigan/nn/module.py).

A gradient penalty (WGAN-GP, R1) is a function of the *input gradient* g = backward(dy), so its
gradient with respect to θ runs back through the backward pass itself.
``backward(dy, keep_for_double_backward=True)`` keeps the forward's cache and dy (a
:class:`KeptBackward`); then ``double_backward(ddx)`` takes ddx = ∂P/∂g and adds ∂P/∂θ into every
``.grad``. A layer writes ``_double_backward(ddx, dy, cache) -> (ddy, dx_second)``. It runs in two
sweeps: *up* (:meth:`SecondOrder.double_backward_up`, the backward's own chain reversed, leaving an
:class:`AfterUp`) and *down* (:meth:`SecondOrder.double_backward_down`, an ordinary backward that
collects what the activations' dependence on x and θ contributes). Derivation:
docs/backward/double-backward.md.

The same two sweeps differentiate the *parameter* gradients: with ``p.grad_adjoint = v`` set on
each parameter, ``double_backward`` computes ∂P/∂θ and ∂P/∂x for P = ⟨∇θ L, v⟩, a Hessian-vector
product (the unrolled GAN backpropagates through D's updates with it, minigan/gan/unrolled.py).
Layers with parameters say they can with ``differentiates_parameter_gradients = True`` (Dense);
:meth:`SecondOrder.second_order_problem` names the first that cannot.

Layers with a double backward: Dense, Conv2d, the activations (ReLU, LeakyReLU, Tanh, Sigmoid),
Flatten, Reshape, Identity, Pack, Planes, Scale, SpectralNorm, Sequential, and BatchNorm and Dropout in
eval mode (tests/test_penalties.py checks this list against the layers).
"""
from __future__ import annotations

from dataclasses import dataclass

from minigan.backend import get_array_module
from minigan.checks import CallOrderError, Site, check_float_array, describe


@dataclass
class KeptBackward:
    """What ``backward(dy, keep_for_double_backward=True)`` keeps for the up sweep."""
    cache: object               # the forward's cache
    dy: object                  # the upstream gradient the backward took (a constant of the double backward)
    dx_shape: tuple             # the shape of the input gradient it returned


@dataclass
class AfterUp:
    """What the up sweep leaves for the down sweep."""
    cache: object
    dx_second: object           # (∂B/∂x)ᵀ ddx, or None where the backward does not depend on x


class SecondOrder:
    """The double-backward methods every ``Module`` inherits; a layer overrides ``_double_backward``."""

    # Layers whose _double_backward also reads ``p.grad_adjoint`` (∂P/∂ of their parameter gradients).
    # Layers without parameters need nothing more than a double backward.
    differentiates_parameter_gradients = False

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

    def double_backward_unsupported(self) -> str | None:
        """None when this layer (in its current mode) has a double backward, else the reason why not."""
        if type(self)._double_backward is SecondOrder._double_backward:
            return (f"{self} has no double backward (the backward of its backward, which a gradient "
                    "penalty needs); critics can be built from Dense, Conv2d, ReLU, LeakyReLU, Tanh, "
                    "Sigmoid, Flatten, Reshape, Identity, Pack, Planes, Scale, SpectralNorm and Sequential (BatchNorm and Dropout "
                    "in eval mode only)")
        return None

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
        if not isinstance(kept, KeptBackward):
            raise CallOrderError(f"{self}.double_backward: no backward was kept for it; call "
                                 "forward(x), then backward(dy, keep_for_double_backward=True), then double_backward")
        cache, dy, dx_shape = kept.cache, kept.dy, kept.dx_shape
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
        self._double = AfterUp(cache, dx_second)
        return ddy

    def double_backward_down(self, dout):
        """Second sweep: dout = ∂P/∂y (None: zero) → ∂P/∂x (None: zero), adding (∂f/∂θ)ᵀ dout into ``.grad``."""
        kept = self._double
        if not isinstance(kept, AfterUp):
            raise CallOrderError(f"{self}.double_backward_down: double_backward_up has not run")
        cache, dx = kept.cache, kept.dx_second
        self._double = None
        if dout is not None:
            d = self._backward(dout, cache, input_grad=True) if self.skips_input_grad else self._backward(dout, cache)
            dx = d if dx is None else dx + d
        return dx
