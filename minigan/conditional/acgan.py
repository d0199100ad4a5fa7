"""AC-GAN (Odena, Olah & Shlens 2017): the discriminator also names the class.

G(z, y) makes a sample of class y. D reads the image alone and has two heads on one body
(``Fork``, minigan/nn/branches.py): the real/fake logit, and K class logits. With the class loss

    L_C = CE(D_class(x), y)  on real images (their labels)  +  CE(D_class(G(z, y)), y)  on fakes

D minimizes L_D + L_C and G minimizes L_G + CE(D_class(G(z, y)), y): both networks are trained on
the class loss, G to make its samples *classifiable* as the class it was asked for. The adversarial
part is the nonsaturating game (``--loss acgan`` = ``nonsaturating`` plus the class head).

CE is softmax cross-entropy (minigan/losses.py), dL/dz = (softmax(z) − onehot(y)) / N.
Derivation: docs/conditional-gans.md#ac-gan. Training test: tests/test_conditional.py.
"""
from __future__ import annotations

from .plain import CLASSES
from .cgan import ClassConditional
from minigan.losses import softmax_cross_entropy


class ClassLoss:
    """This step's class loss on D's class head; real_term/fake_term return (value, (d_class_logits,))."""

    name = "class_loss"

    def __init__(self, real_labels, fake_labels):
        self.real_labels, self.fake_labels = real_labels, fake_labels
        self.values = {}                      # the last value of each term, for the log

    def real_term(self, heads):
        return self._term("real", heads[0], self.real_labels)

    def fake_term(self, heads):
        return self._term("fake", heads[0], self.fake_labels)

    def _term(self, which, class_logits, labels):
        value, grad = softmax_cross_entropy(class_logits, labels)
        self.values[which] = value
        return value, (grad,)


class AuxiliaryClassifier(ClassConditional):
    """G(z, y) as in the cGAN; D(x) → (logit, class logits); both trained on the class loss."""

    name = "acgan"
    label_to_discriminator = False    # D must *find* the class in the image
    heads = (CLASSES,)

    def real_input(self, images, labels):
        return images

    def fake_input(self, images, codes):
        return images

    def auxiliary(self, labels, codes):
        if labels is None:
            raise ValueError("minigan train: AC-GAN needs the real images' labels for its class loss, got none")
        return ClassLoss(labels, codes[0])
