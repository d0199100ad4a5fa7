"""The generator's objective: what the G step minimizes, one small piece per variant.

Each objective is called as ``objective(D, real, fake, check, auxiliary) -> (L_G, dL_G/dfake)`` and
leaves D's parameters and ``.grad`` as it found them; the trainer then runs ``G.backward(dL_G/dfake)``.
``real`` and ``fake`` are D's inputs (images, or (images, labels) for a conditional D); dL_G/dfake is
the gradient toward the fake *images*. ``auxiliary`` is the loss on D's extra heads (AC-GAN,
InfoGAN; minigan/conditional/__init__.py), or None.

* :class:`AdversarialObjective`: L_G = loss.generator(D(G(z))), the usual step (here);
* :class:`~minigan.gan.feature_matching.FeatureMatching`: match the mean of D's features (Salimans et al. 2016);
* :class:`~minigan.gan.unrolled.UnrolledObjective`: L_G against D after k look-ahead steps (Metz et al. 2017).
"""
from __future__ import annotations

from minigan.checks import Rule

from .discriminator_pass import images_of, split_heads, with_heads
from .feature_matching import FeatureMatching
from .unrolled import UnrolledObjective


class AdversarialObjective:
    """The usual generator step: L_G = loss.generator(D(G(z))), back through a frozen D; plus, for a D
    with extra heads, the auxiliary loss's fake term (AC-GAN: G's samples must show their class)."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, D, real, fake, check=lambda out: out, auxiliary=None):
        out, heads = split_heads(D.forward(fake))
        g_loss, d_out = self.loss.generator(check(out))
        d_heads = ()
        if heads:
            aux_value, d_heads = auxiliary.fake_term(heads)
            g_loss += aux_value
        with D.frozen():
            return g_loss, images_of(D.backward(with_heads(d_out, d_heads)))   # (L_G, dL_G/dfake)


def generator_objective(config, loss):
    """The generator's objective the configuration asks for."""
    if config.feature_matching:
        return FeatureMatching()
    if config.unroll:
        return UnrolledObjective(loss, config.unroll, config.unroll_lr, 1.0 - config.label_smoothing)
    return AdversarialObjective(loss)


# The training options' rule that keeps one objective per run (minigan/training/options.py).
MAX_UNROLL = 100

RULES = [
    Rule("the look-ahead has an end",
         lambda c: c.unroll > MAX_UNROLL,
         lambda c: f"--unroll {c.unroll} is more than {MAX_UNROLL} look-ahead steps: each generator step would run "
                   f"about {5 * c.unroll + 1} passes of D (a forward and backward per step, and a double backward "
                   "on the way back; docs/unrolled-gan.md#cost) and keep a copy of D's weights per step. Metz et "
                   "al. unrolled 5 to 10 steps on the toy sets"),
    Rule("one generator objective",
         lambda c: bool(c.unroll) and c.feature_matching,
         lambda c: "--unroll and --feature-matching are two different generator objectives; choose one"),
]
