"""Exercise 2: LeakyReLU's forward and backward."""
from __future__ import annotations

import numpy

from minigan import nn
from minigan.gradcheck.suite import away_from_zero
from .grading import Exercise, Result, attempt, close, gradient_rows

SKELETON = '''"""Exercise 2: LeakyReLU, y = x for x > 0 and a·x otherwise (a = self.negative_slope).

Fill in _forward and _backward, then run:  minigan exercise check leaky_relu

Shapes: any; y and dx have the shape of x. At the kink x = 0, take the side x < 0.
Derivation: docs/backward/activations.md#leakyrelu
"""
from minigan.nn import LeakyReLU as EngineLeakyReLU


class LeakyReLU(EngineLeakyReLU):
    def _forward(self, x):
        """Return (y, cache)."""
        raise NotImplementedError("LeakyReLU._forward: compute y and return (y, cache)")

    def _backward(self, dy, cache):
        """Return dL/dx (LeakyReLU has no parameters)."""
        raise NotImplementedError("LeakyReLU._backward: return dL/dx (stuck? minigan exercise hint leaky_relu)")
'''

HINTS = (
    "The layer works element by element: each y depends on its own x only, so dL/dx is dL/dy times the local "
    "slope dy/dx, element by element (no sums).",
    "What is the slope of y = x? Of y = a·x? Which one applies depends on the sign of x, so the forward must "
    "keep what tells the backward that sign.",
    "Keep a boolean mask of x > 0 in the cache; the slope is 1 on it and a elsewhere (x = 0 included). "
    "numpy.where(mask, ..., ...) then gives the backward in one line.",
)


def check(module):
    LeakyReLU = module.LeakyReLU
    results = []

    def forward():
        rows = []
        for slope, shape in ((0.2, (4, 5)), (0.3, (2, 3, 4, 4)), (0.0, (6,))):
            x = away_from_zero(shape, 1)
            y = LeakyReLU(slope).predict(x)
            ok = close(y, nn.LeakyReLU(slope).predict(x))
            hint = ""
            if not ok and close(y, numpy.where(x > 0, slope * x, x)):
                hint = "the slope a is applied to the positive side: it belongs where x <= 0"
            rows.append(Result(f"forward, slope {slope}, shape {shape}", ok, "", hint or "y = x (x > 0), a·x (x <= 0)"))
        return rows
    results += attempt("forward", forward)

    def backward():
        x, dy = away_from_zero((5, 4), 2), numpy.random.default_rng(3).standard_normal((5, 4))
        mine, engine = LeakyReLU(0.2), nn.LeakyReLU(0.2)
        mine.forward(x)
        engine.forward(x)
        dx, expected = mine.backward(dy), engine.backward(dy)
        hint = "dx is the local slope times dy, not the slope alone" if close(dx, expected / numpy.where(dy == 0, 1, dy)) \
            else "dx = dy where x > 0, a·dy elsewhere"
        return Result("backward", close(dx, expected), "", hint)
    results += attempt("backward", backward)
    results += attempt("gradient check", lambda: gradient_rows(LeakyReLU(0.2), away_from_zero((4, 6), 4)))
    return results


EXERCISE = Exercise("leaky_relu", "LeakyReLU: y = x or a·x, forward and backward", SKELETON, check,
                    ("minigan.nn.activations:LeakyReLU._forward", "minigan.nn.activations:LeakyReLU._backward"),
                    "backward/activations.md#leakyrelu", HINTS)
