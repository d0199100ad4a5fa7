"""The generator's objective: what the G step minimizes, one small piece per variant.

Each objective is called as ``objective(D, real, fake, check) -> (L_G, dL_G/dfake)`` and leaves D's
parameters and ``.grad`` as it found them; the trainer then runs ``G.backward(dL_G/dfake)``:

* :class:`AdversarialObjective`: L_G = loss.generator(D(G(z))), the usual step (here);
* :class:`~minigan.feature_matching.FeatureMatching`: match the mean of D's features (Salimans et al. 2016);
* :class:`~minigan.unrolled.UnrolledObjective`: L_G against D after k look-ahead steps (Metz et al. 2017).
"""
from __future__ import annotations

from .feature_matching import FeatureMatching
from .unrolled import UnrolledObjective


class AdversarialObjective:
    """The usual generator step: L_G = loss.generator(D(G(z))), back through a frozen D."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, D, real, fake, check=lambda out: out):
        g_loss, d_out = self.loss.generator(check(D.forward(fake)))
        with D.frozen():
            return g_loss, D.backward(d_out)                 # (L_G, dL_G/dfake)


def generator_objective(config, loss):
    """The generator's objective the configuration asks for."""
    if config.feature_matching:
        return FeatureMatching()
    if config.unroll:
        return UnrolledObjective(loss, config.unroll, config.unroll_lr, 1.0 - config.label_smoothing)
    return AdversarialObjective(loss)
