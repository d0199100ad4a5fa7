"""Exercise 6: BatchNorm's training-mode forward and backward."""
from __future__ import annotations

import numpy

from minigan import nn
from .grading import Exercise, Result, attempt, close, gradient_rows

SKELETON = '''"""Exercise 6: BatchNorm1d in training mode, on x of shape (N, F).

Fill in _forward and _backward, then run:  minigan exercise check batchnorm

Per feature, over the m = N values in the batch:
    μ = mean(x),  σ² = mean((x − μ)²)   (biased),   x̂ = (x − μ)/√(σ² + ε),   y = γ·x̂ + β
with γ = self.gamma.data, β = self.beta.data, ε = self.eps. The backward adds dL/dβ and dL/dγ
into self.beta.grad and self.gamma.grad, and returns dL/dx. Careful: x̂ depends on every x in the
batch, through μ and σ². Derivation, step by step: docs/batchnorm.md
Eval mode (running statistics) and the running-statistics update are done for you.
"""
from minigan.nn import BatchNorm1d as EngineBatchNorm1d


class BatchNorm1d(EngineBatchNorm1d):
    def _forward(self, x):
        if not self.training:
            return super()._forward(x)                  # eval mode: done for you
        m = x.shape[0]
        raise NotImplementedError("BatchNorm1d._forward: compute the batch's statistics, x_hat and y; call "
                                  "self._update_running(mu, var, m); return (y, cache)")

    def _update_running(self, mu, var, m):             # done for you (PyTorch's convention)
        self.running_mean *= 1 - self.momentum
        self.running_mean += self.momentum * mu
        self.running_var *= 1 - self.momentum
        self.running_var += self.momentum * m / (m - 1) * var

    def _backward(self, dy, cache):
        if not self.training:
            return super()._backward(dy, cache)         # eval mode: done for you
        raise NotImplementedError("BatchNorm1d._backward: add dL/dbeta and dL/dgamma into the parameters' .grad; "
                                  "return dL/dx (stuck? minigan exercise hint batchnorm)")
'''

HINTS = (
    "β and γ act per feature on every example, so their gradients sum over the batch. For dx draw the graph "
    "x → μ → σ² → x̂ → y: each x reaches x̂ directly, and through μ and σ², which every x of the batch shares.",
    "Go back one node at a time, per feature: dx̂ = dy·γ; dσ² = Σ_n dx̂·(x − μ)·(−½)(σ² + ε)^(−3/2); "
    "dμ = Σ_n dx̂·(−1/√(σ² + ε)) + dσ²·(−2/m)·Σ_n (x − μ).",
    "Then dx = dx̂/√(σ² + ε) + dσ²·2(x − μ)/m + dμ/m. Use Σ_n (x − μ) = 0 and write everything in terms of x̂: "
    "it collapses to one line with two batch sums (docs/batchnorm.md does it step by step).",
)


def _pair(cls, features, seed):
    rng = numpy.random.default_rng(seed)
    engine = nn.BatchNorm1d(features).to(dtype=numpy.float64)
    engine.gamma.data[...] = rng.uniform(0.5, 1.5, features)
    engine.beta.data[...] = rng.standard_normal(features)
    mine = cls(features).to(dtype=numpy.float64)
    mine.load_state_dict(engine.state_dict())
    return mine, engine


def check(module):
    BatchNorm1d = module.BatchNorm1d
    rng = numpy.random.default_rng(0)
    results = []

    def forward():
        rows = []
        for n, f in ((8, 3), (5, 6), (32, 2)):
            mine, engine = _pair(BatchNorm1d, f, n)
            x = rng.normal(2.0, 3.0, (n, f))
            y = mine.predict(x)
            ok = close(y, engine.predict(x))
            stats = close(mine.running_mean, engine.running_mean) and close(mine.running_var, engine.running_var)
            rows.append(Result(f"forward, x {n}×{f}", ok and stats, "" if stats else "running statistics differ",
                               "normalize with the batch's own mean and biased variance, per feature (axis 0)"))
        return rows
    results += attempt("forward", forward)

    def backward():
        mine, engine = _pair(BatchNorm1d, 4, 1)
        x, dy = rng.normal(1.0, 2.0, (10, 4)), rng.standard_normal((10, 4))
        for layer in (mine, engine):
            layer.zero_grad()
            layer.forward(x)
        dx, expected = mine.backward(dy), engine.backward(dy)
        inv_std = 1 / numpy.sqrt(x.var(axis=0) + engine.eps)
        hint = ("BatchNorm backward without the m·dy − Σdy − x̂·Σ(dy·x̂) terms: dy·γ/√(σ² + ε) is eval mode's "
                "backward; in training x̂ depends on x through μ and σ² too, so dx = γ/(m·√(σ² + ε))·(m·dy − Σdy "
                "− x̂·Σ(dy·x̂))"
                if close(dx, dy * engine.gamma.data * inv_std) else
                "dx = γ/(m·√(σ² + ε)) · (m·dy − Σdy − x̂·Σ(dy·x̂)), sums over the batch")
        return [Result("dL/dx", close(dx, expected), "", hint),
                Result("dL/dγ, dL/dβ", close(mine.gamma.grad, engine.gamma.grad) and close(mine.beta.grad, engine.beta.grad),
                       "", "dβ = Σ dy, dγ = Σ dy·x̂ over the batch, added (+=) into .grad")]
    results += attempt("backward", backward)
    results += attempt("gradient check", lambda: gradient_rows(_pair(BatchNorm1d, 3, 2)[0],
                                                               rng.normal(0.0, 2.0, (6, 3))))
    return results


EXERCISE = Exercise("batchnorm", "BatchNorm in training mode: normalize by the batch, and the backward through μ and σ²",
                    SKELETON, check, ("minigan.nn.batchnorm:_BatchNorm._forward", "minigan.nn.batchnorm:_BatchNorm._backward"),
                    "batchnorm.md", HINTS)
