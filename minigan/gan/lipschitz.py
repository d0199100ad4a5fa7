"""Keeping the critic in check: the pieces the trainer plugs into its discriminator step.

A Wasserstein critic must be Lipschitz, and any discriminator trains more stably when its
gradients are tame. minigan has four ways, each a small piece with its math elsewhere:

| piece | what it does | where the math is |
|---|---|---|
| :class:`WeightClipping` (``--loss wgan``) | clip every critic weight to [−c, c] after each step | Arjovsky et al. 2017 |
| :class:`GradientPenaltyTerm` (``--loss wgan-gp``) | λ·mean (‖∂D(x̂)/∂x̂‖ − 1)² at interpolates | minigan/gan/penalties.py |
| :class:`R1Term` (``--r1 GAMMA``) | (γ/2)·mean ‖∂D(x)/∂x‖² at the real data | minigan/gan/penalties.py |
| spectral normalization (``--spectral-norm``) | every layer of D divides its weight by σ(W) | minigan/nn/spectral_norm.py |

The trainer's discriminator step calls each *penalty* after the loss's own backward, as
``term(D, real, fake, labels)``: it adds its gradient into D's ``.grad`` and returns what to log (the
labels are for terms that need them, such as the cGAN's mismatched pairs, minigan/conditional/mismatch.py). It
calls each *constraint* after the optimizer's step. Spectral normalization changes the network itself, so it is applied when D is built.
"""
from __future__ import annotations

import numpy

from . import penalties
from minigan.backend import get_array_module
from minigan.checks import Rule


class GradientPenaltyTerm:
    """WGAN-GP's penalty (Gulrajani et al. 2017, Algorithm 1): at x̂ = α·real + (1 − α)·fake."""

    name = "gradient_penalty"
    description = "the gradient penalty (--loss wgan-gp)"

    def __init__(self, weight: float, seed: int):
        self.weight = weight
        self.rng = numpy.random.default_rng(seed)      # the α's; its state goes into checkpoints

    def __call__(self, D, real, fake, labels=None) -> dict:
        x_hat = penalties.interpolate(real, fake, self.rng)
        value, norms, _ = penalties._gradient_penalty(D, x_hat, self.weight)
        return {"penalty": value, "input_grad_norm": float(norms.mean())}


class R1Term:
    """R1 (Mescheder et al. 2018): (γ/2)·mean ‖∂D(x)/∂x‖² on the real batch."""

    name = "r1"
    description = "the R1 penalty (--r1)"

    def __init__(self, gamma: float):
        self.gamma = gamma
        self.rng = None

    def __call__(self, D, real, fake, labels=None) -> dict:
        value, norms, _ = penalties._r1_penalty(D, real, self.gamma)
        return {"penalty": value, "input_grad_norm": float(norms.mean())}


class WeightClipping:
    """The original WGAN's constraint: every critic parameter clipped to [−c, c] after each step."""

    name = "weight_clipping"

    def __init__(self, bound: float):
        self.bound = bound

    def __call__(self, D):
        for p in D.parameters():
            get_array_module(p.data).clip(p.data, -self.bound, self.bound, out=p.data)


def pieces_for(config, seed: int) -> tuple[list, list]:
    """(penalties, constraints) that ``config`` asks for, in the order the D step applies them.
    ``seed``: the gradient penalty's α stream (the trainer gives it a seed no other stream has)."""
    terms, constraints = [], []
    if config.loss == "wgan-gp":
        terms.append(GradientPenaltyTerm(config.gp_weight, seed=seed))
    if config.r1:
        terms.append(R1Term(config.r1))
    if config.loss == "wgan":
        constraints.append(WeightClipping(config.clip))
    return terms, constraints


def check_critic(D, terms):
    """Stop before training when a penalty needs a double backward that D cannot give (BatchNorm, Dropout)."""
    reason = D.double_backward_problem() if terms else None
    if reason is not None:
        what = " and ".join(t.description for t in terms)
        raise ValueError(f"minigan train: {what} differentiates the discriminator's input gradient, which this "
                         f"discriminator cannot give: {reason}")


# The training options' rules that keep each critic constraint where it is correct (minigan/training/options.py).
RULES = [
    Rule("R1 is for the probability losses",
         lambda c: bool(c.r1) and c.loss in ("wgan", "wgan-gp"),
         lambda c: f"--r1 is a penalty for the probability losses (e.g. nonsaturating); the {c.loss} critic is "
                   "already constrained (weight clipping or gradient penalty)"),
    # A packed D reads m samples as one input: its gradient penalty would take the norm of each
    # sample's slice of that input (a linear critic measured slice norms 1.46 and 1.14 against the
    # pack's 1.85) and draw α per sample, so neither WGAN-GP's per-input norm nor its interpolates
    # would be the paper's. Until the penalty works per pack, the combination is refused.
    Rule("a penalty sees one sample, not a pack",
         lambda c: c.pack > 1 and (c.loss == "wgan-gp" or bool(c.r1)),
         lambda c: f"--pack {c.pack} does not combine with {'--loss wgan-gp' if c.loss == 'wgan-gp' else '--r1'}: "
                   "the penalty takes the input-gradient norm of each sample, but a packed discriminator's input "
                   "is a pack of samples, so the norm would be per slice of a pack and α drawn per sample"),
]
