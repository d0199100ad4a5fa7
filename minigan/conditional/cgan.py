"""The conditional GAN (Mirza & Osindero 2014): G(z, y) and D(x, y), for a class y chosen by the user.

Derivation and the measured choices of how G and D read y: docs/conditional-gans.md.
"""
from __future__ import annotations

import numpy

from minigan import nn
from minigan.backend import to_device

from .mismatch import MismatchedLabels
from .plain import CLASSES, Unconditional


class ClassConditional(Unconditional):
    """cGAN (Mirza & Osindero 2014): G(z, y) and D(x, y). G reads the one-hot label joined to z; the mlp D
    reads it joined to the flattened image, the dcgan D through a projection (minigan/models.py)."""

    name = "conditional"
    classes = CLASSES
    label_noun = "class"
    picture_rows = "row k: class k asked for"
    code_names = ("labels",)
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

    def discriminator_terms(self, config, loss, seed):
        if not config.mismatch:
            return []
        return [MismatchedLabels(loss, config.mismatch, self.allowed, CLASSES, seed=seed)]

    def codes_for(self, labels, rng):
        return (labels,)
