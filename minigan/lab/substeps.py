"""Slow motion: one ordinary training step, recorded in the ten sub-steps of Algorithm 1.

``record`` runs ``Trainer.train_step`` itself, not a copy of it. While it runs, the trainer's own
pieces are wrapped on this one trainer object (``_fakes``, ``discriminator_step``,
``_move_discriminator``, ``generator_objective``, ``generator_step``), and each wrapper notes what
its piece computed: the numbers the step really used. The wrappers are taken off before
``record`` returns, so the run goes on as if the step had been an ordinary one (a test checks that
a recorded step leaves the same weights as a plain one).

Each frame names its equation, with the live values put in, and the code that computes it (a key
of the server's ``CODE`` table, which the page turns into a link to the line).
"""
from __future__ import annotations

import contextlib

import numpy

from minigan.backend import to_numpy
from minigan.gan.discriminator_pass import split_heads

from .looking import looking_at, plain

# Each loss as the page writes it: (L_D's real term, L_D's fake term, L_G), and the code of each. The
# fake term carries its sign, so that L_D reads as it is written: the real term, then "− …" or "+ …".
EQUATIONS = {
    "nonsaturating": ("−mean log σ(D(x))", "− mean log(1 − σ(D(G(z))))", "−mean log σ(D(G(z)))",
                      ("bce", "bce", "g_nonsaturating")),
    "minimax": ("−mean log σ(D(x))", "− mean log(1 − σ(D(G(z))))", "mean log(1 − σ(D(G(z))))",
                ("bce", "bce", "g_minimax")),
    "lsgan": ("½ mean (D(x) − 1)²", "+ ½ mean D(G(z))²", "½ mean (D(G(z)) − 1)²",
              ("lsgan_real", "lsgan_fake", "lsgan_g")),
    "hinge": ("mean max(0, 1 − D(x))", "+ mean max(0, 1 + D(G(z)))", "−mean D(G(z))",
              ("hinge_real", "hinge_fake", "negative_mean")),
    "wgan-gp": ("−mean D(x)", "+ mean D(G(z))", "−mean D(G(z))", ("negative_mean", "wgan_fake", "negative_mean")),
}


def equations(loss: str) -> dict:
    real, fake, generator, _ = EQUATIONS[loss]
    return {"d": f"L_D = {real} {fake}", "g": f"L_G = {generator}"}


def one_network_step(t, part: str, real, noise):
    """The D step alone (``part`` "d") or the G step alone ("g"), with the trainer's own pieces."""
    fake, codes = t._fakes(noise, keep_cache=part == "g")
    if part == "d":
        t.discriminator_step(real, fake, codes, None)
    else:
        t.last_g = t.generator_step(real, fake, codes, None)
    t.updates.step_done()


def _stats(a) -> str:
    a = numpy.asarray(a, dtype=numpy.float64)
    return f"mean {a.mean():.3f}, std {a.std():.3f}"


def _norms(norms: dict, network: str) -> str:
    return ", ".join(f"{name.split(' ')[0]} {value:.3g}" for name, value in norms.items() if name.startswith(network))


@contextlib.contextmanager
def _wrapped(t, name, wrapper):
    """``t.name`` replaced by ``wrapper(original, *args, **kwargs)`` for the block, on this object only."""
    original = getattr(t, name)
    setattr(t, name, lambda *args, **kwargs: wrapper(original, *args, **kwargs))
    try:
        yield
    finally:
        if name in vars(t):            # a method: drop the instance attribute; an attribute: put it back
            delattr(t, name) if callable(getattr(type(t), name, None)) else setattr(t, name, original)


def record(session, real, noise) -> tuple:
    """(the ten frames, the step's log row) of one ``Trainer.train_step`` on (real, noise)."""
    t = session.trainer
    loss, probabilities = t.loss, t.loss.probabilities
    seen = {}
    real_eq, fake_eq, g_eq, (real_code, fake_code, g_code) = EQUATIONS[t.config.loss]
    n = len(real)

    def fakes(original, noise_, keep_cache):
        fake, codes = original(noise_, keep_cache)
        seen.setdefault("fake", to_numpy(fake))
        return fake, codes

    def d_step(original, *args):
        seen["heat_before"] = session.heat()
        record_ = original(*args)
        seen["d"] = record_
        return record_

    def move_d(original):
        original()
        seen["heat_after"] = session.heat()

    def objective(original, D, real_input, fake_input, **kwargs):
        with looking_at(D):
            out, _ = split_heads(D.predict(fake_input))             # D on G(z), after D's update
        seen["d_again"] = to_numpy(out).astype(numpy.float64)
        g_loss, d_fake = original(D, real_input, fake_input, **kwargs)
        seen["g_loss"], seen["arrows"] = float(g_loss), -to_numpy(d_fake) * len(fake_input)
        return g_loss, d_fake

    def g_step(original, *args):
        record_ = original(*args)
        seen["g"] = record_
        return record_

    with _wrapped(t, "_fakes", fakes), _wrapped(t, "discriminator_step", d_step), \
            _wrapped(t, "_move_discriminator", move_d), _wrapped(t, "generator_objective", objective), \
            _wrapped(t, "generator_step", g_step):
        row = t.train_step(real, noise)

    scores = to_numpy(seen["d"]["scores"]).astype(numpy.float64)          # D's outputs on [real; fake]
    half = len(scores) // 2
    out_real, out_fake = scores[:half], scores[half:]
    shown = (lambda s: 1 / (1 + numpy.exp(-s))) if probabilities else (lambda s: s)
    value_real = loss.real_term(seen["d"]["scores"][:half], t.real_target)[0]
    value_fake = loss.fake_term(seen["d"]["scores"][half:])[0]
    # D's other terms (WGAN-GP's penalty, R1), each adding its own gradient into D, and what they log
    terms = ", ".join(f"{name} {value:.4f}" for name, value in seen["d"]["terms"].items())
    terms = f"; D's other terms: {terms}" if terms else ""
    with looking_at(t.G):
        fake_after = to_numpy(t.G.predict(noise)) if "g" in seen else seen["fake"]
    d_name = "σ(D(·))" if probabilities else "D(·)"
    frames = [
        _frame(1, "draw z", f"z ~ N(0, I): ({n}, {noise.shape[1]}), {_stats(to_numpy(noise))}", "noise",
               points=seen["fake"], heat=seen["heat_before"], show="noise"),
        _frame(2, "G forward", f"G(z): {n} fake points, {_stats(seen['fake'])}", "g_forward",
               points=seen["fake"], heat=seen["heat_before"]),
        _frame(3, "D on real and on fake", f"{d_name} on x: mean {shown(out_real).mean():.4f};  on G(z): mean "
               f"{shown(out_fake).mean():.4f}", "d_pass", points=seen["fake"], heat=seen["heat_before"]),
        _frame(4, "the D loss", f"L_D = {real_eq} {fake_eq} = {value_real:.4f} + {value_fake:.4f} = "
               f"{seen['d']['d_loss']:.4f}{terms}", real_code, points=seen["fake"], heat=seen["heat_before"],
               also=fake_code),
        _frame(5, "D backward", f"∂L_D/∂θ_D into D's .grad; gradient norms: {_norms(seen['d']['grad_norms'], 'D')}",
               "d_backward", points=seen["fake"], heat=seen["heat_before"]),
        _frame(6, "the D update", f"θ_D ← θ_D − {t.config.optimizer}(∂L_D/∂θ_D), lr {t.config.lr_d:g}: the "
               "heatmap moves", "d_update", points=seen["fake"], heat=seen.get("heat_after", seen["heat_before"])),
    ]
    if "g" in seen:
        frames += [
            _frame(7, "D on G(z) again", f"{d_name} on G(z) with the updated D: mean {shown(seen['d_again']).mean():.4f}",
                   "g_objective", points=seen["fake"], heat=seen["heat_after"]),
            _frame(8, "the G loss", f"L_G = {g_eq} = {seen['g_loss']:.4f}", g_code, points=seen["fake"],
                   heat=seen["heat_after"], arrows=seen["arrows"]),
            _frame(9, "backward through frozen D into G", "∂L_G/∂x through D (its .grad untouched), then ∂L_G/∂θ_G "
                   f"into G's .grad; gradient norms: {_norms(seen['g']['grad_norms'], 'G')}", "g_step",
                   points=seen["fake"], heat=seen["heat_after"], arrows=seen["arrows"]),
            _frame(10, "the G update", f"θ_G ← θ_G − {t.config.optimizer}(∂L_G/∂θ_G), lr {t.config.lr_g:g}: the "
                   f"points move; G(z) now {_stats(fake_after)}", "g_update", points=fake_after,
                   heat=seen["heat_after"]),
        ]
    else:
        why = f"no G update at step {t.step}: with n_critic = {t.config.n_critic}, G steps every {t.config.n_critic}th step"
        frames += [_frame(k, name, why, "step", points=seen["fake"], heat=seen.get("heat_after", seen["heat_before"]))
                   for k, name in ((7, "D on G(z) again"), (8, "the G loss"), (9, "backward through frozen D into G"),
                                   (10, "the G update"))]
    return frames, row


def _frame(number, name, text, code, points, heat, arrows=None, also=None, show="points") -> dict:
    return {"number": number, "name": name, "text": text, "code": code, "also": also, "show": show,
            "points": plain(points), "heat": plain(heat), "arrows": None if arrows is None else plain(arrows, 5)}
