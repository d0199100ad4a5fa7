"""Mismatched pairs: the cGAN's discriminator also learns that a real image with a wrong label is fake.

A cGAN's D judges pairs (x, y), "is this a real image *of class y*?" (Mirza & Osindero 2014). Trained
only on (real x, its label y) and (G(z, y′), y′), D can score a pair high for looking real without
checking that x shows y: nothing in its training data is real *and* wrongly labeled. Reed et al.
2016 (GAN-CLS, the "matching-aware discriminator") add that third kind of pair:

    L_D = real_term(D(x, y)) + fake_term(D(G(z, y′), y′)) + w · fake_term(D(x, ŷ))

with ŷ ≠ y drawn uniformly from the other classes the run trains on. The first two terms are the
cGAN's; the third is a supervised lesson on real data only: "an 8 labeled 3 is fake". D must then
read the class from the image, and G, which only ever sees D through fake_term(D(G(z, y′), y′)), is
pushed to draw the class it was asked for. G's step is unchanged (a wrong pair holds no generated
image). When every image has one true label, a wrong pair lies where p_data(x, y) = 0, where D's best
response was "fake" already; on the data's support it stays p_data / (p_data + p_g), so a G that
matches the data is still what the game rewards. The term makes D learn the label sooner.

The backward needs nothing new: the gradient of w · fake_term(D(x, ŷ)) with respect to D's parameters
is D's own backward of w · ∂fake_term/∂out (docs/conditional-gans.md#mismatched-pairs).
``tests/test_conditional.py`` checks it against central differences in float64.

``--mismatch W`` sets w (default 1 with ``--conditional``; 0 gives Mirza & Osindero's plain cGAN).
docs/metrics.md measures both.
"""
from __future__ import annotations

import numpy

from minigan.backend import device_of, to_device
from minigan.checks import Rule


class MismatchedLabels:
    """w · fake_term(D(x, ŷ)) on the real batch x with wrong labels ŷ; adds its gradient into D's ``.grad``."""

    name = "mismatch"

    def __init__(self, loss, weight: float, allowed, classes: int, seed: int):
        allowed = numpy.asarray(allowed, dtype=numpy.int64)
        if len(allowed) < 2:
            raise ValueError(f"MismatchedLabels: a wrong label needs at least two classes, got {allowed.tolist()}")
        self.loss, self.weight, self.allowed = loss, weight, allowed
        self.position = numpy.full(classes, -1, dtype=numpy.int64)     # class → its index in ``allowed``
        self.position[allowed] = numpy.arange(len(allowed))
        self.rng = numpy.random.default_rng(seed)                       # the wrong labels; saved in checkpoints
        self._on_device = {}                                            # device → (position, allowed), copied once

    def wrong_labels(self, labels):
        """ŷ (N,): for each label another of the allowed classes, uniformly (a shift of 1 … m−1 places)."""
        m = len(self.allowed)
        shift = self.rng.integers(1, m, size=labels.shape[0])          # never 0: ŷ ≠ y
        device = device_of(labels)
        if device not in self._on_device:
            self._on_device[device] = (to_device(self.position, device), to_device(self.allowed, device))
        position, allowed = self._on_device[device]
        return allowed[(position[labels] + to_device(shift, device)) % m]

    def __call__(self, D, real, fake, labels) -> dict:
        out = D.forward((real, self.wrong_labels(labels)))             # (N, 1): D's verdict on real x, wrong ŷ
        value, d_out = self.loss.fake_term(out)
        D.backward(self.weight * d_out, input_grad=False)               # the images need no gradient
        return {"d_mismatch_loss": self.weight * value}


# The training options' rules for the mismatched pairs (minigan/training/options.py).
RULES = [
    Rule("a mismatched pair needs a wrong label",
         lambda c: bool(c.mismatch) and c.classes is not None and len(set(c.classes)) < 2,
         lambda c: f"--mismatch needs a wrong label, so at least two --classes, got --classes "
                   f"{' '.join(map(str, c.classes))} (use --mismatch 0)"),
]
