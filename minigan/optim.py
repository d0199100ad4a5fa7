"""Optimizers: SGD (with momentum and Nesterov), Adam and RMSProp, each with L2 and L1 regularization.

An optimizer holds a list of :class:`~minigan.nn.Parameter` and, in ``step()``, changes each
``p.data`` in place from ``p.grad``. It never zeroes gradients by itself: call ``zero_grad()``
(gradients accumulate with ``+=``, see minigan/nn/module.py). Parameters whose ``requires_grad``
is False are skipped.

Regularization is added to the gradient before the update (coupled, as in PyTorch's SGD/Adam):

    g ← g + weight_decay · θ        (L2: the gradient of ½·weight_decay·‖θ‖²)
    g ← g + l1 · sign(θ)            (L1: a subgradient of l1·‖θ‖₁)

The Adam and RMSProp updates are explained in docs/backward/adam.md; tests in tests/test_optim.py.
"""
from __future__ import annotations

import math

import numpy

from .backend import device_of, get_array_module, to_device, to_numpy
from minigan.nn.parameter import Parameter


class Optimizer:
    """Shared bookkeeping: parameter list, regularization, step count, state_dict."""

    slot_names: tuple[str, ...] = ()   # per-parameter state arrays, e.g. ("m", "v") for Adam

    def __init__(self, params, lr: float, weight_decay: float = 0.0, l1: float = 0.0):
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(f"{name}: expected minigan.nn.Parameter objects, got {type(p).__name__} at {i}")
        for hp, value in (("lr", lr), ("weight_decay", weight_decay), ("l1", l1)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: expected {hp} to be a finite number >= 0, got {value!r}")
        if lr == 0:
            raise ValueError(f"{name}: expected lr > 0, got 0")
        self.lr, self.weight_decay, self.l1 = float(lr), float(weight_decay), float(l1)
        self.step_count = 0
        self.slots = {s: [get_array_module(p.data).zeros_like(p.data) for p in self.params]
                      for s in self.slot_names}

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def _gradient(self, p):
        """p.grad plus the regularization terms."""
        g = p.grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.l1:
            g = g + self.l1 * get_array_module(p.data).sign(p.data)
        return g

    def step(self, gradients_checked: bool = False):
        """One update of every parameter that requires a gradient, from its accumulated ``.grad``.

        A gradient holding NaN or Inf is refused before any parameter changes: one such update
        turns every weight it touches into NaN for good. The trainer, which has already checked
        each gradient's norm for its log (minigan/training/watch.py), says so with
        ``gradients_checked=True`` and skips the second pass.
        """
        if not gradients_checked:
            self.check_gradients()
        self.step_count += 1
        for i, p in enumerate(self.params):
            if p.requires_grad:
                self._update(i, p, self._gradient(p))

    def check_gradients(self):
        """Raise ValueError naming the first parameter whose gradient holds NaN or Inf."""
        live = [p for p in self.params if p.requires_grad]
        if not live:
            return
        xp = get_array_module(live[0].grad)
        # One sum per gradient and one transfer: NaN and Inf survive a sum. Only when the total is
        # not finite (or a sum of huge finite values overflowed) is each gradient looked at.
        total = xp.stack([p.grad.sum(dtype=xp.float64) for p in live]).sum()
        if math.isfinite(float(total)):
            return
        for i, p in enumerate(self.params):
            if p.requires_grad and not bool(xp.isfinite(p.grad).all()):
                raise ValueError(
                    f"{type(self).__name__}.step: the gradient of parameter {i} ({p.name}, shape {tuple(p.shape)}) "
                    f"holds {int(xp.isnan(p.grad).sum())} NaN and {int(xp.isinf(p.grad).sum())} Inf values; no "
                    "parameter was changed. Find where the loss or its backward produced them (a learning rate "
                    "too high, a log of 0), then zero_grad() before the next step")

    def _update(self, i, p, g):
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "weight_decay": self.weight_decay, "l1": self.l1}

    def state_dict(self) -> dict:
        """Step count, hyperparameters and every state array (as NumPy), for exact resuming."""
        return {"step_count": self.step_count, "hyperparameters": self.hyperparameters(),
                "slots": {s: [to_numpy(a).copy() for a in arrays] for s, arrays in self.slots.items()}}

    def load_state_dict(self, state: dict):
        name = type(self).__name__
        slots = state.get("slots", {})
        if set(slots) != set(self.slot_names):
            raise ValueError(f"{name}.load_state_dict: expected state arrays {list(self.slot_names)}, "
                             f"got {sorted(slots)} (a state saved by another optimizer?)")
        for s, arrays in slots.items():
            if len(arrays) != len(self.params):
                raise ValueError(f"{name}.load_state_dict: the saved state has {len(arrays)} parameters, "
                                 f"this optimizer has {len(self.params)}")
            for i, (a, p) in enumerate(zip(arrays, self.params)):
                if tuple(a.shape) != tuple(p.shape):
                    raise ValueError(f"{name}.load_state_dict: state '{s}' of parameter {i} ({p.name}) has "
                                     f"shape {tuple(a.shape)}, the parameter has {tuple(p.shape)}")
            self.slots[s] = [to_device(numpy.asarray(a, dtype=p.dtype), device_of(p.data))
                             for a, p in zip(arrays, self.params)]
        for hp, value in state.get("hyperparameters", {}).items():
            setattr(self, hp, value)
        self.step_count = int(state["step_count"])
        return self


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's convention:

        v ← μ·v + g
        θ ← θ − lr·v                 (plain momentum; μ = 0 gives θ ← θ − lr·g)
        θ ← θ − lr·(g + μ·v)         (Nesterov)
    """

    slot_names = ("velocity",)

    def __init__(self, params, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(params, lr, weight_decay, l1)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: expected 0 <= momentum < 1, got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum": self.momentum, "nesterov": self.nesterov}

    def _update(self, i, p, g):
        if self.momentum == 0:
            p.data -= self.lr * g
            return
        v = self.slots["velocity"][i]
        v *= self.momentum
        v += g
        p.data -= self.lr * (g + self.momentum * v if self.nesterov else v)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), with bias correction:

        m ← β1·m + (1 − β1)·g            first moment (a running mean of g)
        v ← β2·v + (1 − β2)·g²           second moment (a running mean of g²)
        m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)     (both start at 0: undo that bias)
        θ ← θ − lr · m̂ / (√v̂ + ε)

    The DCGAN paper uses lr = 2e-4, β1 = 0.5; the TensorFlow DCGAN tutorial lr = 1e-4, β1 = 0.9.
    """

    slot_names = ("m", "v")

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(params, lr, weight_decay, l1)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam: expected betas in [0, 1), got {tuple(betas)!r}")
        if not eps > 0:
            raise ValueError(f"Adam: expected eps > 0, got {eps!r}")
        self.betas, self.eps = (float(b1), float(b2)), float(eps)

    def hyperparameters(self):
        return {**super().hyperparameters(), "betas": list(self.betas), "eps": self.eps}

    # Elements updated together on the CPU: the update makes eleven passes over its arrays, and a
    # chunk of 64Ki float32s (256 KiB an array) stays in cache from the first pass to the last,
    # where a whole large weight (InfoGAN's 6272 × 1024) would stream from memory eleven times.
    # Parameters under CHUNKED_FROM elements (their five arrays fit in a last-level cache) stay
    # whole. Every element gets the same operations either way, so the result is the same to the
    # bit (docs/backward/adam.md#speed; tests/test_optim.py).
    CHUNK = 1 << 16
    CHUNKED_FROM = 1 << 21

    def _update(self, i, p, g):
        xp = get_array_module(p.data)
        arrays = (p.data, g, self.slots["m"][i], self.slots["v"][i], self._scratch(i, p))
        if xp is not numpy or p.data.size < self.CHUNKED_FROM or not all(a.flags.c_contiguous for a in arrays):
            self._adam(xp, *arrays)                # a GPU kernel is one pass already; small arrays stay in cache
            return
        flat = [a.reshape(-1) for a in arrays]     # views: every array here is contiguous
        for start in range(0, p.data.size, self.CHUNK):
            self._adam(xp, *(a[start:start + self.CHUNK] for a in flat))

    def _adam(self, xp, data, g, m, v, scratch):
        """The update of ``data`` in place, its moments ``m`` and ``v`` with it (``scratch``: a buffer of its shape)."""
        b1, b2 = self.betas
        xp.multiply(g, 1 - b1, out=scratch)
        m *= b1
        m += scratch                               # m = β1·m + (1 − β1)·g
        xp.multiply(g, g, out=scratch)
        scratch *= 1 - b2
        v *= b2
        v += scratch                               # v = β2·v + (1 − β2)·g²
        # θ −= lr·m̂/(√v̂ + ε), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t). Multiplying through by
        # c2 = √(1 − β2^t) moves both corrections into scalars (Kingma & Ba, end of section 2):
        #   θ −= (lr·c2/(1 − β1^t)) · m / (√v + ε·c2)
        c2 = math.sqrt(1 - b2 ** self.step_count)
        xp.sqrt(v, out=scratch)
        scratch += self.eps * c2
        xp.divide(m, scratch, out=scratch)
        scratch *= self.lr * c2 / (1 - b1 ** self.step_count)
        data -= scratch

    def _scratch(self, i, p):
        if not hasattr(self, "_buffers"):
            self._buffers = {}
        buf = self._buffers.get(i)
        if buf is None or buf.shape != p.data.shape or buf.dtype != p.data.dtype:
            buf = self._buffers[i] = get_array_module(p.data).empty_like(p.data)
        return buf


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012), PyTorch's convention (no centering, no momentum):

        v ← α·v + (1 − α)·g²            a running mean of g² per parameter
        θ ← θ − lr · g / (√v + ε)

    Adam without the first moment and without bias correction. The WGAN paper (Arjovsky et al.
    2017) trains both networks with RMSProp at lr 5e-5, and reports that momentum-based optimizers
    such as Adam made training with weight clipping unstable.
    """

    slot_names = ("square_avg",)

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(params, lr, weight_decay, l1)
        if not 0 <= alpha < 1:
            raise ValueError(f"RMSProp: expected 0 <= alpha < 1, got {alpha!r}")
        if not eps > 0:
            raise ValueError(f"RMSProp: expected eps > 0, got {eps!r}")
        self.alpha, self.eps = float(alpha), float(eps)

    def hyperparameters(self):
        return {**super().hyperparameters(), "alpha": self.alpha, "eps": self.eps}

    def _update(self, i, p, g):
        xp = get_array_module(p.data)
        v = self.slots["square_avg"][i]
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)            # v = α·v + (1 − α)·g²
        p.data -= self.lr * g / (xp.sqrt(v) + self.eps)
