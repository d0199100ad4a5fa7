"""Exercise 3: binary cross-entropy on logits, the loss behind every GAN loss."""
from __future__ import annotations

import numpy

from minigan import losses
from minigan.gradcheck.checker import check_loss
from .grading import Exercise, Result, attempt, close

SKELETON = '''"""Exercise 3: binary cross-entropy with logits, L = mean[ softplus(ℓ) − t·ℓ ].

Fill in bce_with_logits, then run:  minigan exercise check bce_with_logits

ℓ are logits (any real numbers), t targets in [0, 1] (a number, or an array shaped like ℓ).
With σ(ℓ) = 1/(1 + e^(−ℓ)):   −t·log σ(ℓ) − (1 − t)·log(1 − σ(ℓ)) = softplus(ℓ) − t·ℓ,
where softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)) never overflows.
The mean is over every element (N = ℓ.size). Work out dL/dℓ yourself.
Return (L as a Python float, dL/dℓ shaped like ℓ). It must stay finite for logits of ±1e4.
Derivation: docs/backward/losses.md#bce-with-logits
"""
import numpy as np


def bce_with_logits(logits, targets):
    """Return (mean loss as a float, dL/dlogits)."""
    raise NotImplementedError("bce_with_logits: return (L, dL/dlogits) (stuck? minigan exercise hint bce_with_logits)")
'''

HINTS = (
    "Differentiate one element first: ℓ_k appears in exactly one term of the mean, (softplus(ℓ_k) − t_k·ℓ_k) / N.",
    "softplus(z) = log(1 + e^z). Differentiate it and write e^z / (1 + e^z) as a function named in the docstring.",
    "d softplus(z)/dz = σ(z) and d(t·ℓ)/dℓ = t; keep the 1/N of the mean. For the value use the stable "
    "softplus, and compute σ without overflow too (from e^(−|ℓ|), which never exceeds 1).",
)


def check(module):
    bce = module.bce_with_logits
    rng = numpy.random.default_rng(0)
    results = []

    def values():
        rows = []
        cases = [("target 1", rng.normal(0, 3, (8, 1)), 1.0), ("target 0.9", rng.normal(0, 3, (8, 1)), 0.9),
                 ("array targets", rng.normal(0, 3, (4, 3)), rng.uniform(0, 1, (4, 3)))]
        for name, z, t in cases:
            v, g = bce(z, t)
            ve, ge = losses.bce_with_logits(z, t)
            hint = ""
            if close(g, ge * z.size):
                hint = "the gradient misses the 1/N of the mean"
            elif close(g, -ge):
                hint = "the gradient has the wrong sign: it is (σ(ℓ) − t)/N"
            rows.append(Result(f"value and gradient, {name}", close(v, ve) and close(g, ge), "",
                               hint or "L = mean(softplus(ℓ) − t·ℓ), dL/dℓ = (σ(ℓ) − t)/N"))
        return rows
    results += attempt("values", values)

    def stable():
        z = numpy.array([[1e4], [-1e4], [50.0], [-50.0]])
        with numpy.errstate(all="ignore"):
            v, g = bce(z, 1.0)
        ok = bool(numpy.isfinite(v)) and bool(numpy.isfinite(g).all()) and close(v, losses.bce_with_logits(z, 1.0)[0])
        return Result("finite for logits of ±1e4", ok, "", "write softplus as max(z, 0) + log1p(exp(−|z|)); "
                      "log(sigmoid(ℓ)) overflows")
    results += attempt("stability", stable)

    def gradcheck():
        r = check_loss(lambda z: bce(z, 0.7), rng.normal(0, 2, (6, 1)), name="bce_with_logits")
        return Result("gradient check dL/dℓ", r.passed, f"max relative error {r.max_rel_error:.1e}")
    results += attempt("gradient check", gradcheck)
    return results


EXERCISE = Exercise("bce_with_logits", "BCE with logits: mean[softplus(ℓ) − tℓ], stable, and its gradient",
                    SKELETON, check, ("minigan.losses:softplus", "minigan.losses:bce_with_logits"), "backward/losses.md#bce-with-logits", HINTS)
