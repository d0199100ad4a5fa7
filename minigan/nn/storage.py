"""Where a module's arrays live and how they are saved: the part of ``Module`` that is not the math.

* ``named_parameters()`` and buffers (``register_buffer``: running statistics, saved with the model
  and never optimized);
* ``to(device=..., dtype=...)``: move or cast every parameter and buffer (gradients are reset);
* ``state_dict()`` / ``load_state_dict()``: NumPy arrays keyed by dotted name, checked for fit.

``Module`` (minigan/nn/module.py) inherits these.
"""
from __future__ import annotations

import numpy

from minigan.backend import device_of, get_array_module, to_device, to_numpy


class Storage:
    """Naming, moving and saving a module's parameters and buffers."""

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


def _convert(a, device, dtype):
    if device is not None:
        a = to_device(a, device)
    if dtype is not None:
        a = a.astype(dtype)
    return a
