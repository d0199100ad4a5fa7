"""Choosing what to generate: how a GAN's networks are told *which* sample to make.

One small piece per variant, chosen from the run's configuration by :func:`from_config`:

============================ =============================== ======================================
piece                        G's input                       D's input → outputs
============================ =============================== ======================================
:class:`Unconditional`       z                               x → logit
:class:`ClassConditional`    (z, y)                          (x, y) → logit       cGAN, ``--conditional``
:class:`~minigan.acgan.AuxiliaryClassifier`  (z, y)         x → (logit, class logits)  ``--loss acgan``
:class:`~minigan.infogan.InfoGAN`  (z, c, c′)               x → (logit, Q(c|x), Q(c′|x)) ``--infogan``
============================ =============================== ======================================

y is a class label (N,) int64; c InfoGAN's categorical code, c′ its continuous codes. Networks with
two inputs or several outputs are ordinary ``Sequential`` networks that begin with ``Parallel`` +
``Concat`` or end with a ``Fork`` (minigan/nn/branches.py); :mod:`minigan.models` builds them from
the piece's ``codes``, ``label_to_discriminator`` and ``heads``.

A piece tells the trainer four things, and the training step reads the same for every variant
(minigan/train.py):

* ``draw(n, rng)``: the codes of n fakes (a tuple: (y,), (c, c′), or () for a plain GAN);
* ``generator_input(z, codes)`` and ``real_input(x, y)`` / ``fake_input(x, codes)``: what G and D read;
* ``auxiliary(y, codes)``: the loss on D's extra heads for this step (None: no heads), with a
  ``real_term`` and a ``fake_term`` like a GAN loss; the generator minimizes the fake term too;
* ``discriminator_terms(config, loss)``: terms D's step adds after its loss, like a penalty (the cGAN's
  mismatched pairs, real images with wrong labels: minigan/mismatch.py).

Derivations and the choices behind each piece: docs/conditional-gans.md, docs/infogan.md.
"""
from __future__ import annotations

import numpy

from . import nn
from .backend import to_device

CLASSES = 10      # MNIST and Fashion-MNIST


class Unconditional:
    """The plain GAN: G(z), D(x). Nothing to choose."""

    name = None
    classes = 0                      # how many labels a sample can be asked for
    label_noun = ""                  # what a label names, in messages
    picture_rows = ""                # what the rows of a picture from grid_codes are, in its caption
    label_to_discriminator = False   # whether D reads (x, y)
    heads = ()                       # widths of D's extra outputs beside the logit

    def __init__(self, allowed=None):
        self.allowed = numpy.arange(self.classes) if allowed is None else numpy.asarray(allowed, dtype=numpy.int64)

    def noise_dim(self, default: int) -> int:
        return default

    def code_inputs(self, noise_dim: int) -> tuple:
        """(module, width) of each code G reads beside z (a label: a one-hot of 10); none here."""
        return ()

    # ---- training ------------------------------------------------------------------------------
    def draw(self, n: int, rng, device: str = "cpu") -> tuple:
        return ()

    def generator_input(self, z, codes: tuple):
        return (z, *codes) if codes else z

    def real_input(self, images, labels):
        return images

    def fake_input(self, images, codes: tuple):
        return images

    def auxiliary(self, labels, codes: tuple):
        return None

    def discriminator_terms(self, config, loss) -> list:
        """Terms this variant adds to D's step (called like penalties: ``term(D, real, fake, labels)``); none here."""
        return []

    # ---- sampling ------------------------------------------------------------------------------
    def check_label(self, label):
        """Refuse a ``--label`` this run cannot draw: any label on an unconditional run, or one outside its classes."""
        if label is None:
            return
        if not self.classes:
            raise ValueError("minigan sample: --label asks for a class, but this run is unconditional (trained "
                             "without --conditional, --loss acgan or --infogan); its generator takes noise only")
        if label in set(self.allowed.tolist()):
            return
        if len(self.allowed) == self.classes:
            raise ValueError(f"minigan sample: expected --label (a {self.label_noun}) in [0, {self.classes}), got {label}")
        raise ValueError(f"minigan sample: expected --label to be one of the classes this run was trained on "
                         f"(--classes {' '.join(map(str, self.allowed.tolist()))}), got {label}")

    def requested(self, n: int, label: int | None = None):
        """The labels (or categorical codes) of ``n`` samples: all ``label``, or the classes in turn (0, 1, …, 9, 0, …)."""
        self.check_label(label)
        labels = numpy.full(n, label) if label is not None else self.allowed[numpy.arange(n) % len(self.allowed)]
        return labels.astype(numpy.int64)

    def sample_codes(self, n: int, rng, label: int | None = None) -> tuple:
        """Host codes for ``n`` samples to look at: classes balanced unless ``label``; () here."""
        self.check_label(label)
        return ()

    def sample_arrays(self, codes: tuple) -> dict:
        """What ``minigan sample`` writes beside the images about the codes: ``labels`` (and InfoGAN's
        ``continuous``); nothing here."""
        return {}

    def grid_codes(self, columns: int, rng) -> tuple:
        """Host codes for a picture with one row per class, ``columns`` samples each; () here (no classes)."""
        return ()

    def picture_caption(self) -> str:
        """What the rows of a picture from ``grid_codes`` are."""
        return f"\n{self.picture_rows}" if self.picture_rows else ""

    def end_of_run_pictures(self, G, noise_dim: int, out: str, device: str, seed: int) -> list:
        """Pictures only this variant draws when training ends (InfoGAN's traversals); none here."""
        return []


class ClassConditional(Unconditional):
    """cGAN (Mirza & Osindero 2014): G(z, y) and D(x, y). G reads the one-hot label joined to z; the mlp D
    reads it joined to the flattened image, the dcgan D through a projection (minigan/models.py)."""

    name = "conditional"
    classes = CLASSES
    label_noun = "class"
    picture_rows = "row k: class k asked for"
    label_to_discriminator = True
    # How the networks read the label (minigan/models.py). The values are the measured choices of
    # docs/conditional-gans.md; demos/conditional_ablation.py sets the alternatives and measures them.
    generator_label_scale = 1.0               # G reads the plain one-hot beside z
    mlp_discriminator_label_scale = 784 ** 0.5  # the mlp D reads it scaled to the image's norm (√784 = 28)
    dcgan_discriminator = "projection"        # the dcgan D: "projection" (Miyato & Koyama) or "planes"

    def code_inputs(self, noise_dim):
        return ((nn.OneHot(CLASSES, scale=self.generator_label_scale), CLASSES),)

    def draw(self, n, rng, device="cpu"):
        return (to_device(rng.choice(self.allowed, size=n).astype(numpy.int64), device),)   # y of each fake

    def real_input(self, images, labels):
        if labels is None:
            raise ValueError(f"minigan train: the {self.name} GAN needs the real images' labels, got none")
        return (images, labels)

    def fake_input(self, images, codes):
        return (images, codes[0])            # D judges "is this a real 7?" with the 7 it was asked for

    def discriminator_terms(self, config, loss):
        if not config.mismatch:
            return []
        from .mismatch import MismatchedLabels
        return [MismatchedLabels(loss, config.mismatch, self.allowed, CLASSES, seed=config.seed + 6)]

    def sample_codes(self, n, rng, label=None):
        return (self.requested(n, label),)

    def sample_arrays(self, codes):
        return {"labels": codes[0]}

    def grid_codes(self, columns, rng):
        return (numpy.repeat(self.allowed, columns).astype(numpy.int64),)


def codes_to(codes: tuple, device: str) -> tuple:
    """Host codes onto ``device`` (the generator's)."""
    return tuple(to_device(c, device) for c in codes)


def from_config(config: dict):
    """The piece a run's configuration (config.json or ``asdict(TrainConfig)``) asks for."""
    from .acgan import AuxiliaryClassifier
    from .infogan import InfoGAN
    allowed = config.get("classes")
    if config.get("infogan"):
        return InfoGAN()
    if config.get("loss") == "acgan":
        return AuxiliaryClassifier(allowed)
    if config.get("conditional"):
        return ClassConditional(allowed)
    return Unconditional()
