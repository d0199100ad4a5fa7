"""One discriminator pass: the forward and backward of L_D on a real and a fake batch.

Shared by the trainer's D step (minigan/training/trainer.py) and the unrolled GAN's look-ahead
(minigan/gan/unrolled.py).
"""
from __future__ import annotations

from minigan.backend import get_array_module


def couples_samples(module) -> bool:
    """Whether a sample's output from ``module`` depends on the rest of its batch (BatchNorm in
    training mode, minibatch discrimination)."""
    return any(m.couples_samples() for m in module.modules())


def join(a, b):
    """[a; b] along the batch: arrays, or tuples of arrays (D's inputs (x, y)) element by element."""
    if isinstance(a, tuple):
        return tuple(join(p, q) for p, q in zip(a, b))
    return get_array_module(a).concatenate([a, b])


def images_of(x):
    """The image part of D's input or of its gradient: x itself, or x[0] of (x, y)."""
    return x[0] if isinstance(x, tuple) else x


def split_heads(out):
    """D's output → (the adversarial output, the extra heads): (out, ()) or (out[0], out[1:]) for a Fork."""
    return (out[0], tuple(out[1:])) if isinstance(out, tuple) else (out, ())


def with_heads(d_out, d_heads):
    """The gradient D's backward takes: d_out alone, or (d_out, *d_heads) for a D with extra heads."""
    return (d_out, *d_heads) if d_heads else d_out


def _check_heads(heads, auxiliary):
    if bool(heads) != (auxiliary is not None):
        raise ValueError(f"discriminator_pass: D has {len(heads)} extra heads but "
                         f"{'no' if auxiliary is None else 'an'} auxiliary loss was given; each head needs its loss")


def discriminator_pass(D, loss, real, fake, real_target: float = 1.0, check=lambda out: out,
                       keep_for_double_backward: bool = False, auxiliary=None):
    """Forward and backward of the discriminator loss L_D = real_term(D(real)) + fake_term(D(fake)).

    When each sample's output depends only on that sample, D sees [real; fake] as one batch of 2B,
    in one pass: the same as two passes, in one matrix product per layer. When D's samples interact
    (``Module.couples_samples``: BatchNorm in training mode, minibatch discrimination) one batch is
    not two: BatchNorm would normalize real and fake with their pooled statistics, minibatch
    discrimination would compare real samples with fake ones, and the generator step, which shows D
    a fake-only batch, would see another function than the one the D step trained. Then D sees real
    and fake in two passes, as in the PyTorch DCGAN example
    (tests/test_train.py::test_a_discriminator_with_batchnorm_sees_real_and_fake_in_separate_passes).

    ``real`` and ``fake`` are D's inputs: image batches, or (images, labels) for a conditional D.
    A D with extra heads (AC-GAN's class head, InfoGAN's Q) returns (logit, *heads); ``auxiliary``
    is then this step's loss on them (minigan/conditional/__init__.py), added to L_D.

    Adds ∂L_D/∂θ into D's ``.grad``; returns (L_D, D's adversarial outputs on [real; fake]).
    ``keep_for_double_backward=True`` keeps the pass for a double backward (the unrolled GAN's
    Hessian-vector products, minigan/gan/unrolled.py); that needs the one-pass case.
    """
    xp = get_array_module(images_of(real))
    if couples_samples(D):
        if keep_for_double_backward:
            raise ValueError("discriminator_pass: cannot keep two passes for one double backward (D's samples "
                             "interact, so real and fake go through D separately)")
        out_real, heads = split_heads(D.forward(real))
        _check_heads(heads, auxiliary)
        value_real, d_real = loss.real_term(check(out_real), real_target)
        aux_real, d_heads = auxiliary.real_term(heads) if heads else (0.0, ())
        D.backward(with_heads(d_real, d_heads), input_grad=False)              # data needs no gradient
        out_fake, heads = split_heads(D.forward(fake))
        value_fake, d_fake = loss.fake_term(check(out_fake))
        aux_fake, d_heads = auxiliary.fake_term(heads) if heads else (0.0, ())
        D.backward(with_heads(d_fake, d_heads), input_grad=False)
        return value_real + value_fake + aux_real + aux_fake, xp.concatenate([out_real, out_fake])
    out, heads = split_heads(D.forward(join(real, fake)))                    # (2B, 1): one pass, one cache
    _check_heads(heads, auxiliary)
    out = check(out)
    half = out.shape[0] // 2                    # B, or B/m packs with PacGAN (packs never mix real and fake)
    d_loss, d_real, d_fake = loss.discriminator(out[:half], out[half:], real_target=real_target)
    d_heads = ()
    if heads:
        aux_real, g_real = auxiliary.real_term(tuple(h[:half] for h in heads))
        aux_fake, g_fake = auxiliary.fake_term(tuple(h[half:] for h in heads))
        d_loss += aux_real + aux_fake
        d_heads = tuple(xp.concatenate([a, b]) for a, b in zip(g_real, g_fake))
    D.backward(with_heads(xp.concatenate([d_real, d_fake]), d_heads), input_grad=keep_for_double_backward,
               keep_for_double_backward=keep_for_double_backward)
    return d_loss, out
