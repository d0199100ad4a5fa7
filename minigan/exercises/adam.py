"""Exercise 5: the Adam update, with bias correction."""
from __future__ import annotations

import numpy

from minigan import nn, optim
from .grading import Exercise, Result, attempt, close

SKELETON = '''"""Exercise 5: one Adam update of one parameter (Kingma & Ba 2015).

Fill in _update, then run:  minigan exercise check adam

With t = self.step_count (already counted for this step), (β1, β2) = self.betas, ε = self.eps,
m = self.slots["m"][i] and v = self.slots["v"][i] (this parameter's moments, updated IN PLACE):
    m ← β1·m + (1 − β1)·g
    v ← β2·v + (1 − β2)·g²
    m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)       (both start at 0: undo that bias)
    θ ← θ − lr · m̂ / (√v̂ + ε)                      θ is p.data, changed in place
Derivation: docs/backward/adam.md
"""
import numpy as np

from minigan.optim import Adam as EngineAdam


class Adam(EngineAdam):
    def _update(self, i, p, g):
        raise NotImplementedError("Adam._update: the docstring's four lines, for parameter i, in place "
                                  "(stuck? minigan exercise hint adam)")
'''

HINTS = (
    "Change the arrays in place (m *= ..., m += ..., p.data -= ...), never by rebinding a name (m = ...): the "
    "optimizer must find the new moments in self.slots at the next step, and the layer its new weights.",
    "t = self.step_count is already 1 at the first step. The corrections divide by (1 − β^t), which is small "
    "early on: at t = 1, m̂ is exactly g.",
    "ε goes outside the square root: √v̂ + ε. And v averages g², elementwise (g * g), not g.",
)


def _run(cls, steps, betas=(0.9, 0.999)):
    p = nn.Parameter(numpy.array([0.5, -1.0, 2.0]), "w")
    opt = cls([p], lr=0.01, betas=betas)
    rng = numpy.random.default_rng(0)
    for _ in range(steps):
        p.grad[...] = rng.standard_normal(3)
        opt.step()
    return p.data.copy()


def _uncorrected(steps, correct_m: bool, correct_v: bool):
    """The common mistake, to recognize it: one bias correction or both left out."""
    theta, m, v = numpy.array([0.5, -1.0, 2.0]), numpy.zeros(3), numpy.zeros(3)
    rng = numpy.random.default_rng(0)
    for t in range(1, steps + 1):
        g = rng.standard_normal(3)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat = m / (1 - 0.9 ** t) if correct_m else m
        v_hat = v / (1 - 0.999 ** t) if correct_v else v
        theta = theta - 0.01 * m_hat / (numpy.sqrt(v_hat) + 1e-8)
    return theta


def check(module):
    Adam = module.Adam
    results = []

    def steps():
        rows = []
        for n in (1, 2, 50):
            mine, engine = _run(Adam, n), _run(optim.Adam, n)
            uncorrected = any(close(mine, _uncorrected(n, cm, cv)) for cm, cv in ((False, False), (False, True), (True, False)))
            hint = "no bias correction: divide m by (1 − β1^t) and v by (1 − β2^t)" if uncorrected \
                else "m, v updated in place, then θ −= lr·m̂/(√v̂ + ε)"
            rows.append(Result(f"{n} step{'s' if n > 1 else ''} against the engine", close(mine, engine, rtol=1e-9), "", hint))
        return rows
    results += attempt("steps", steps)

    def quadratic():
        rng = numpy.random.default_rng(1)
        a = rng.standard_normal((4, 4))
        A, c = a @ a.T / 4 + numpy.eye(4), rng.standard_normal(4)
        p = nn.Parameter(numpy.zeros(4), "theta")
        opt = Adam([p], lr=0.05)
        for _ in range(2000):
            opt.zero_grad()
            p.grad += A @ (p.data - c)
            opt.step()
        return Result("minimizes a quadratic", close(p.data, c, atol=1e-4), "", "θ must move against the gradient")
    results += attempt("quadratic", quadratic)
    return results


EXERCISE = Exercise("adam", "Adam: moments, bias correction, the update", SKELETON, check,
                    ("minigan.optim:Adam._update", "minigan.optim:Adam._adam"), "backward/adam.md", HINTS)
