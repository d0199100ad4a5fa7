"""Exercise 4: the generator's two losses, minimax and non-saturating."""
from __future__ import annotations

import numpy

from minigan import losses
from minigan.gradcheck.checker import check_loss
from .grading import Exercise, Result, attempt, close

SKELETON = '''"""Exercise 4: the generator losses, on D's logits ℓ = D(G(z)) (D(x) = σ(ℓ)).

Fill in both functions, then run:  minigan exercise check gan_losses

minimax (Goodfellow et al. 2014, eq. 1):   L = mean log(1 − σ(ℓ)) = −mean softplus(ℓ)
non-saturating (their section 3):         L = mean −log σ(ℓ)     =  mean softplus(−ℓ)
softplus(z) = max(z, 0) + log1p(e^(−|z|)). Means over every element: N = ℓ.size.
Each returns (L as a Python float, dL/dℓ shaped like ℓ); work out dL/dℓ yourself (σ' = σ(1 − σ)).
Then look at both gradients where D confidently rejects the fakes (ℓ ≪ 0): that is the point.
Derivation: docs/backward/losses.md
"""
import numpy as np


def generator_loss_minimax(fake_logits):
    raise NotImplementedError("generator_loss_minimax: return (L, dL/dl) (stuck? minigan exercise hint gan_losses)")


def generator_loss_nonsaturating(fake_logits):
    raise NotImplementedError("generator_loss_nonsaturating: return (L, dL/dl)")
'''

HINTS = (
    "Both losses are means of a softplus, of ℓ or of −ℓ. Do one element: ℓ_k appears in one term, divided by N.",
    "d softplus(z)/dz = σ(z). For softplus(−ℓ), the chain rule brings a factor −1; and σ(−ℓ) = 1 − σ(ℓ).",
    "The minimax gradient is −σ(ℓ)/N, the non-saturating one −σ(−ℓ)/N. Now put ℓ = −10 (D sure the sample is "
    "fake) into both: which one still moves the generator? That is section 3 of Goodfellow et al.",
)


def check(module):
    rng = numpy.random.default_rng(0)
    results = []
    for name in ("generator_loss_minimax", "generator_loss_nonsaturating"):
        mine, engine = getattr(module, name), getattr(losses, name)

        def values(mine=mine, engine=engine, name=name):
            z = rng.normal(0, 3, (8, 1))
            v, g = mine(z)
            ve, ge = engine(z)
            hint = "the gradient misses the 1/N of the mean" if close(g, ge * z.size) else (
                "the gradient has the wrong sign" if close(g, -ge) else "see the docstring's formulas")
            return Result(f"{name}: value and gradient", close(v, ve) and close(g, ge), "", hint)
        results += attempt(name, values)

        def stable(mine=mine, engine=engine, name=name):
            z = numpy.array([[1e4], [-1e4], [30.0], [-30.0]])
            with numpy.errstate(all="ignore"):
                v, g = mine(z)
            ok = bool(numpy.isfinite(v)) and bool(numpy.isfinite(g).all()) and close(v, engine(z)[0])
            return Result(f"{name}: finite for logits of ±1e4", ok, "", "use softplus; log(σ(ℓ)) overflows")
        results += attempt(name, stable)

        def gradcheck(mine=mine, name=name):
            r = check_loss(mine, rng.normal(0, 2, (6, 1)), name=name)
            return Result(f"{name}: gradient check", r.passed, f"max relative error {r.max_rel_error:.1e}")
        results += attempt(name, gradcheck)
    return results


EXERCISE = Exercise("gan_losses", "The generator losses: minimax log(1 − D(G(z))) and non-saturating −log D(G(z))",
                    SKELETON, check, ("minigan.losses:generator_loss_minimax", "minigan.losses:generator_loss_nonsaturating"),
                    "backward/losses.md", HINTS)
