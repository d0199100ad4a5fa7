"""Choosing what to generate: how a GAN's networks are told *which* sample to make.

One small piece per variant, chosen from the run's configuration by :func:`from_config`. Read them
in this order, each builds on the one before:

================================================ ============ ============================= =====================
piece (file)                                     G's input    D's input → outputs           flag
================================================ ============ ============================= =====================
:class:`~.plain.Unconditional` (plain.py)        z            x → logit                     (the plain GAN)
:class:`~.cgan.ClassConditional` (cgan.py)       (z, y)       (x, y) → logit                ``--conditional``
:class:`~.mismatch.MismatchedLabels` (mismatch)  (the cGAN's extra D term: real x with a wrong y is fake)
:class:`~.acgan.AuxiliaryClassifier` (acgan.py)  (z, y)       x → (logit, class logits)     ``--loss acgan``
:class:`~.infogan.InfoGAN` (infogan.py)          (z, c, c′)   x → (logit, Q(c|x), Q(c′|x))  ``--infogan``
================================================ ============ ============================= =====================

y is a class label (N,) int64; c InfoGAN's categorical code, c′ its continuous codes. Networks with
two inputs or several outputs are ordinary ``Sequential`` networks that begin with ``Parallel`` +
``Concat`` or end with a ``Fork`` (minigan/nn/branches.py); :mod:`minigan.models` builds them from
the piece's ``code_inputs``, ``label_to_discriminator`` and ``heads``.

A piece tells the trainer four things, and the training step reads the same for every variant
(minigan/training/trainer.py):

* ``draw(n, rng)``: the codes of n fakes (a tuple: (y,), (c, c′), or () for a plain GAN);
* ``generator_input(z, codes)`` and ``real_input(x, y)`` / ``fake_input(x, codes)``: what G and D read;
* ``auxiliary(y, codes)``: the loss on D's extra heads for this step (None: no heads), with a
  ``real_term`` and a ``fake_term`` like a GAN loss; the generator minimizes the fake term too;
* ``discriminator_terms(config, loss, seed)``: terms D's step adds after its loss, like a penalty (the cGAN's
  mismatched pairs, real images with wrong labels: minigan/conditional/mismatch.py).

Sampling a trained run (which labels to ask for, ``--label``'s messages) is in
minigan/training/sample.py; the pictures (InfoGAN's traversals too) in minigan/training/pictures.py.

Derivations and the choices behind each piece: docs/conditional-gans.md, docs/infogan.md.
"""
from __future__ import annotations

from minigan.checks import Rule
from minigan.data import IMAGE_DATASETS

from . import mismatch
from .acgan import AuxiliaryClassifier
from .cgan import ClassConditional
from .infogan import InfoGAN
from .plain import CLASSES, Unconditional, codes_to

__all__ = ["AuxiliaryClassifier", "CLASSES", "ClassConditional", "InfoGAN", "RULES", "Unconditional", "codes_to",
           "from_config"]


def from_config(config: dict):
    """The piece a run's configuration (config.json or ``asdict(TrainConfig)``) asks for."""
    allowed = config.get("classes")
    if config.get("infogan"):
        return InfoGAN()
    if config.get("loss") == "acgan":
        return AuxiliaryClassifier(allowed)
    if config.get("conditional"):
        return ClassConditional(allowed)
    return Unconditional()


def _chosen(c) -> list:
    """The conditioning flags a configuration gives."""
    return [flag for flag, on in (("--conditional", c.conditional), ("--loss acgan", c.loss == "acgan"),
                                  ("--infogan", c.infogan)) if on]


def _one_input_pieces(c) -> list:
    """The flags of pieces that see D as a network with one input and one output."""
    return [flag for flag, on in (("--loss wgan-gp", c.loss == "wgan-gp"), ("--r1", c.r1), ("--unroll", c.unroll),
                                  ("--feature-matching", c.feature_matching), ("--pack", c.pack > 1),
                                  ("--minibatch-kernels", c.minibatch_kernels)) if on]


# The training options' rules that keep each conditioning piece where it is correct (minigan/training/options.py).
RULES = mismatch.RULES + [
    Rule("one way to condition",
         lambda c: len(_chosen(c)) > 1,
         lambda c: f"{' and '.join(_chosen(c))} are different ways to condition a GAN; choose one"),
    Rule("conditioning needs labeled images",
         lambda c: bool(_chosen(c)) and (c.model.startswith("toy") or c.dataset not in IMAGE_DATASETS),
         lambda c: f"{_chosen(c)[0]} needs an image set ({', '.join(IMAGE_DATASETS)}) and an image model (--model mlp, "
                   f"dcgan or infogan), got --model {c.model} --dataset {c.dataset}"),
    Rule("the pieces that read one input and one output",
         lambda c: bool(_chosen(c)) and bool(_one_input_pieces(c)),
         lambda c: f"{_chosen(c)[0]} does not combine with {', '.join(_one_input_pieces(c))} yet: those pieces see D "
                   "as a network with one input and one output"),
]
