"""Exercises 10 and 11: the whole GAN step, and the WGAN-GP gradient penalty."""
from __future__ import annotations

import numpy

from minigan.gradcheck import suite as gradcheck_suite
from minigan import models, optim, toy_gan
from minigan.gan import penalties
from minigan.backend import manual_seed
from minigan.data import ring
from minigan.losses import get_gan_loss
from .grading import Exercise, Result, attempt, close

STEP_SKELETON = '''"""Exercise 10: one GAN training step (Goodfellow et al. 2014, Algorithm 1).

Fill in gan_step, then run:  minigan exercise check gan_step

1. fake = G.forward(noise)                       G keeps its cache for step 3
2. the discriminator: zero its gradients; logits of [real; fake] in one D.forward; the loss pair's
   loss.discriminator(real_logits, fake_logits) -> (d_loss, d_real, d_fake); D.backward of the two
   gradients (concatenated); opt_d.step()
3. the generator: zero its gradients; g_loss, d_logits = loss.generator(D.forward(fake));
   backpropagate through D WITHOUT touching D's gradients (with D.frozen(): ...) into G.backward;
   opt_g.step()
Return (d_loss, g_loss). Reference: minigan/toy_gan.py, docs/training.md#one-step
"""
import numpy as np


def gan_step(G, D, opt_g, opt_d, real, noise, loss):
    raise NotImplementedError("gan_step: D step on [real; fake], then G step through a frozen D; "
                              "return (d_loss, g_loss) (stuck? minigan exercise hint gan_step)")
'''

PENALTY_SKELETON = '''"""Exercise 11: the WGAN-GP gradient penalty, through the double backward.

Fill in gradient_penalty, then run:  minigan exercise check gradient_penalty

P = weight · mean_n (‖g_n‖ − 1)²,  g_n = ∂D(x̂_n)/∂x̂_n, the norm over each sample's non-batch axes.
1. out = D.forward(x_hat); g = D.backward(ones like out, keep_for_double_backward=True), inside
   `with D.frozen():` (the parameter gradient of ΣD is no part of P)
2. norms (N,), P, and dP/dg (work it out: P depends on g through the norms)
3. D.double_backward(dP/dg) adds ∂P/∂θ into D's .grad
Return P as a float, on the raw critic output (no sigmoid). Derivation: docs/backward/double-backward.md
"""
import numpy as np


def gradient_penalty(D, x_hat, weight=10.0):
    raise NotImplementedError("gradient_penalty: return P, with ∂P/∂θ added into D's .grad "
                              "(stuck? minigan exercise hint gradient_penalty)")
'''

STEP_HINTS = (
    "D learns first, on real and fake together; then G learns from D's opinion of the same fakes. Each network "
    "zeroes its own gradients before its backward, because gradients accumulate.",
    "loss.discriminator gives the gradients toward the real and the fake logits; D.backward wants them as one "
    "array, in the order of the forward's batch ([real; fake]).",
    "In the G step D must pass the gradient through without learning: compute the fake logits again "
    "(D.forward(fake)), and call D.backward inside `with D.frozen():`; its result is dL_G/dfake, which "
    "G.backward takes (G still holds its cache from step 1).",
)
PENALTY_HINTS = (
    "P depends on D's parameters only through g, the input gradient, so the path is: g (a backward kept for "
    "the double backward), then dP/dg, then the double backward, which turns dP/dg into ∂P/∂θ.",
    "Per sample, P_n = weight·(‖g_n‖ − 1)²/N and d‖g‖/dg = g/‖g‖. The norm runs over every axis but the batch "
    "(reshape g to (N, −1)).",
    "dP/dg_n = 2·weight·(‖g_n‖ − 1)·g_n/(N·‖g_n‖), shaped like g; pass it to D.double_backward. The first "
    "backward runs inside D.frozen(), since only the double backward's parameter gradient is part of P.",
)


def _toy_pair():
    manual_seed(0)
    G, D = models.toy(width=0.5)
    G2, D2 = models.toy(width=0.5)
    G2.load_state_dict(G.state_dict())
    D2.load_state_dict(D.state_dict())
    return (G, D), (G2, D2)


def _adams(G, D):
    return optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999)), optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))


def check_step(module):
    gan_step = module.gan_step
    loss = get_gan_loss("nonsaturating")
    rng = numpy.random.default_rng(0)
    results = []

    def one_step():
        (G, D), (G2, D2) = _toy_pair()
        mine_opts, engine_opts = _adams(G, D), _adams(G2, D2)
        rows = []
        for step in range(2):
            real = ring(32, rng).astype(numpy.float32)
            noise = rng.standard_normal((32, 2)).astype(numpy.float32)
            d_loss, g_loss = gan_step(G, D, mine_opts[0], mine_opts[1], real, noise, loss)[:2]
            e_d, e_g = toy_gan.gan_step(G2, D2, engine_opts[0], engine_opts[1], real, noise, loss)[:2]
            same_d = all(close(a.grad, b.grad, rtol=1e-5, atol=1e-7) for a, b in zip(D.parameters(), D2.parameters()))
            hint = "D was not frozen in the generator step: its .grad holds the generator's gradient too" if not same_d \
                else "zero each network's gradients before its backward (opt.zero_grad()): they accumulate"
            ok = same_d and all(close(a.data, b.data, rtol=1e-5, atol=1e-7)
                                for a, b in zip(G.parameters() + D.parameters(), G2.parameters() + D2.parameters()))
            rows.append(Result(f"step {step + 1} against the engine", ok and close(d_loss, e_d, rtol=1e-5)
                               and close(g_loss, e_g, rtol=1e-5), "", hint))
        return rows
    results += attempt("steps", one_step)

    def ring_run():
        (G, D), _ = _toy_pair()
        opt_g, opt_d = _adams(G, D)
        data_rng = numpy.random.default_rng(0)
        fixed = data_rng.standard_normal((1000, 2)).astype(numpy.float32)
        start = toy_gan.distance_to_ring(G.predict(fixed))
        for _ in range(500):
            gan_step(G, D, opt_g, opt_d, ring(128, data_rng).astype(numpy.float32),
                     data_rng.standard_normal((128, 2)).astype(numpy.float32), loss)
        end = toy_gan.distance_to_ring(G.predict(fixed))
        return Result("your step trains the toy GAN (500 steps)", end < 0.5 * start,
                      f"mean distance to a mode {start:.2f} → {end:.2f}", "the GAN did not learn the ring")
    results += attempt("training", ring_run)
    return results


def check_penalty(module):
    mine_fn = module.gradient_penalty
    results = []
    for case in (gradcheck_suite.PENALTY_CASES[1], gradcheck_suite.PENALTY_CASES[2]):
        def compare(case=case):
            D, x = case.build()
            D.to(dtype=numpy.float64)
            D2, _ = case.build()
            D2.to(dtype=numpy.float64)
            D.zero_grad()
            D2.zero_grad()
            value = mine_fn(D, x, 10.0)
            expected = penalties.gradient_penalty(D2, x, 10.0)
            grads_ok = all(close(a.grad, b.grad, rtol=1e-7, atol=1e-12) for a, b in zip(D.parameters(), D2.parameters()))
            out = D2.forward(x)
            with D2.frozen():
                g = D2.backward(numpy.ones_like(out))
            batch_norm = 10.0 * (numpy.sqrt((g * g).sum()) - 1) ** 2
            hint = "the norm is over the whole batch: take one norm per sample, over its non-batch axes" \
                if close(value, batch_norm) else (
                    "the penalty's gradient never reached D's .grad: call D.double_backward(dP/dg)"
                    if not any(p.grad.any() for p in D.parameters()) else
                    "P = weight·mean_n (‖g_n‖ − 1)² on the raw critic output; dP/dg_n = 2·weight·(‖g_n‖ − 1)·g_n/(N·‖g_n‖)")
            pending = any(m._pending is not None or m._double is not None for m in D.modules())
            return [Result(f"{case.name}: value", close(value, expected), "", hint),
                    Result(f"{case.name}: gradients into D's .grad", grads_ok, "", hint),
                    Result(f"{case.name}: no pending cache left", not pending, "", "every forward needs its backward, "
                           "and the kept backward its double_backward")]
        results += attempt(case.name, compare)
    return results


GAN_STEP = Exercise("gan_step", "The whole GAN step: D on real and fake, then G through a frozen D", STEP_SKELETON,
                    check_step, ("minigan.toy_gan:gan_step",), "module-api.md#the-generator-step", STEP_HINTS)
GRADIENT_PENALTY = Exercise("gradient_penalty", "WGAN-GP's gradient penalty through the double backward",
                            PENALTY_SKELETON, check_penalty, ("minigan.gan.penalties:gradient_penalty",), "backward/double-backward.md", PENALTY_HINTS)
