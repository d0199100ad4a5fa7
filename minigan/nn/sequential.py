"""Sequential: layers applied one after another; the backward visits them in reverse.

Each layer keeps its own pending cache, so the chain rule here is just a loop:
dL/dx_i = layer_i.backward(dL/dx_{i+1}).

The double backward is two loops: *up* from the first layer to the last (the backward ran from
the last to the first, so its own backward runs the other way), then *down* again, an ordinary
backward of what the activations' dependence on x contributed (docs/backward/double-backward.md).
"""
from __future__ import annotations

from .module import Module


class Sequential(Module):
    """``Sequential(Dense(2, 16), ReLU(), Dense(16, 1))``. Parameters: each layer's, in layer order."""

    def __init__(self, *layers: Module):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: expected layers (minigan.nn.Module), got {type(layer).__name__} "
                                f"at position {i}")
        self.layers = list(layers)

    def children(self):
        return self.layers

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def up_to(self, k: int) -> "Sequential":
        """A view of the first ``k`` layers (the same layer objects, so the same parameters and caches):
        run the network part way, and backpropagate from there (feature matching does)."""
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(self.layers):
            raise ValueError(f"Sequential.up_to: expected 1 <= k <= {len(self.layers)}, got {k!r}")
        view = Sequential(*self.layers[:k])
        view.training = self.training
        return view

    def check_input(self, x):
        pass  # the first layer checks its own input

    def _forward(self, x):
        try:
            for layer in self.layers:
                x = layer.forward(x)
        except Exception:
            self.clear_cache()  # a failed forward leaves no half-filled caches behind
            raise
        return x, None

    skips_input_grad = True
    is_container = True

    def _backward(self, dy, cache, input_grad=True, keep_for_double_backward=False):
        # Without input_grad, gradients are needed only down to the first layer with parameters;
        # the parameter-free layers before it (a Flatten, say) just drop their caches.
        first = 0 if input_grad else next((i for i, l in enumerate(self.layers) if l.parameters()), len(self.layers))
        for i in reversed(range(len(self.layers))):
            if i < first:
                self.layers[i].clear_cache()
            else:
                dy = self.layers[i].backward(dy, input_grad=input_grad or i > first,
                                             keep_for_double_backward=keep_for_double_backward)
        return dy if input_grad else None

    def double_backward_unsupported(self):
        return None   # a chain of layers has one when each layer has one (check_double_backward asks each)

    def double_backward_up(self, ddx):
        for layer in self.layers:            # first to last: the reverse of the backward's order
            ddx = layer.double_backward_up(ddx)
        return ddx

    def double_backward_down(self, dout):
        for layer in reversed(self.layers):  # last to first: an ordinary backward
            dout = layer.double_backward_down(dout)
        return dout

    def __repr__(self):
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"
