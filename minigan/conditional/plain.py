"""The plain GAN, G(z) and D(x): the piece every conditioning variant builds on.

A conditioning piece tells the trainer what G and D read and which loss D's extra heads carry; the
package docstring (minigan/conditional/__init__.py) lists the pieces and what each one changes.
"""
from __future__ import annotations

import numpy

from minigan.backend import to_device

CLASSES = 10      # MNIST and Fashion-MNIST


class Unconditional:
    """The plain GAN: G(z), D(x). Nothing to choose."""

    name = None
    classes = 0                      # how many labels a sample can be asked for
    label_noun = ""                  # what a label names, in messages
    picture_rows = ""                # what the rows of a one-row-per-class picture are, in its caption
    code_names = ()                  # what ``minigan sample`` calls each code in its .npz file
    continuous = 0                   # continuous codes (InfoGAN's c′), each drawn as a traversal at the end
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

    def discriminator_terms(self, config, loss, seed: int) -> list:
        """Terms this variant adds to D's step (called like penalties: ``term(D, real, fake, labels)``),
        ``seed`` for a term that draws; none here."""
        return []

    # ---- what a sample is asked for ------------------------------------------------------------
    def codes_for(self, labels, rng) -> tuple:
        """Host codes of samples asked for ``labels`` (host (n,) int64, one class or categorical code
        each): (), (y,) or InfoGAN's (c, c′) with c′ drawn from ``rng``. Which labels to ask for, and
        the messages for a bad ``--label``, belong to sampling (minigan/training/sample.py)."""
        return ()


def codes_to(codes: tuple, device: str) -> tuple:
    """Host codes onto ``device`` (the generator's)."""
    return tuple(to_device(c, device) for c in codes)
