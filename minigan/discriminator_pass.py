"""One discriminator pass: the forward and backward of L_D on a real and a fake batch.

Shared by the trainer's D step (minigan/train.py) and the unrolled GAN's look-ahead
(minigan/unrolled.py).
"""
from __future__ import annotations

from .backend import get_array_module


def couples_samples(module) -> bool:
    """Whether a sample's output from ``module`` depends on the rest of its batch (BatchNorm in
    training mode, minibatch discrimination)."""
    return any(m.couples_samples() for m in module.modules())


def discriminator_pass(D, loss, real, fake, real_target: float = 1.0, check=lambda out: out,
                       keep_for_double_backward: bool = False):
    """Forward and backward of the discriminator loss L_D = real_term(D(real)) + fake_term(D(fake)).

    When each sample's output depends only on that sample, D sees [real; fake] as one batch of 2B,
    in one pass: the same as two passes, in one matrix product per layer. When D's samples interact
    (``Module.couples_samples``: BatchNorm in training mode, minibatch discrimination) one batch is
    not two: BatchNorm would normalize real and fake with their pooled statistics, minibatch
    discrimination would compare real samples with fake ones, and the generator step, which shows D
    a fake-only batch, would see another function than the one the D step trained. Then D sees real
    and fake in two passes, as in the PyTorch DCGAN example
    (tests/test_train.py::test_a_discriminator_with_batchnorm_sees_real_and_fake_in_separate_passes).

    Adds ∂L_D/∂θ into D's ``.grad``; returns (L_D, D's outputs on [real; fake]).
    ``keep_for_double_backward=True`` keeps the pass for a double backward (the unrolled GAN's
    Hessian-vector products, minigan/unrolled.py); that needs the one-pass case.
    """
    xp = get_array_module(real)
    if couples_samples(D):
        if keep_for_double_backward:
            raise ValueError("discriminator_pass: cannot keep two passes for one double backward (D's samples "
                             "interact, so real and fake go through D separately)")
        out_real = check(D.forward(real))
        value_real, d_real = loss.real_term(out_real, real_target)
        D.backward(d_real, input_grad=False)                                  # data needs no gradient
        out_fake = check(D.forward(fake))
        value_fake, d_fake = loss.fake_term(out_fake)
        D.backward(d_fake, input_grad=False)
        return value_real + value_fake, xp.concatenate([out_real, out_fake])
    out = check(D.forward(xp.concatenate([real, fake])))                     # (2B, 1): one pass, one cache
    half = out.shape[0] // 2                    # B, or B/m packs with PacGAN (packs never mix real and fake)
    d_loss, d_real, d_fake = loss.discriminator(out[:half], out[half:], real_target=real_target)
    D.backward(xp.concatenate([d_real, d_fake]), input_grad=keep_for_double_backward,
               keep_for_double_backward=keep_for_double_backward)
    return d_loss, out
