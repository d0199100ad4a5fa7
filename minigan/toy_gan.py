"""A first adversarial run: a small dense GAN learns the ring of 8 Gaussians.

This is the whole GAN algorithm in one page, built from the engine's parts. Read ``gan_step``
top to bottom: it is Algorithm 1 of Goodfellow et al. (2014), with the discriminator and generator
losses of one ``GANLoss`` pair from minigan/losses.py (non-saturating by default). ``minigan demo`` runs ``train`` and draws the picture; tests/test_toy_gan.py checks that the
generator's samples move onto the ring.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy
from tqdm import tqdm

from . import models, nn
from .backend import get_array_module, manual_seed, to_numpy
from .data import ring, ring_modes
from .io import atomic_savefig
from .losses import get_gan_loss
from .optim import Adam


def build_toy_gan():
    """G: 2-D noise → 64 → 64 → 2-D point, D: point → 64 → 64 → one logit: models.toy at half width
    (the trainer's toy model, minigan/models.py)."""
    return models.toy(width=0.5)


def gan_step(G, D, opt_g, opt_d, real, noise, loss):
    """One discriminator update, then one generator update. Returns (d_loss, g_loss, D(x), D(G(z))).

    ``loss`` is a ``GANLoss`` pair (minigan.losses.get_gan_loss). G runs forward once: the same fakes
    serve both updates, and a BatchNorm generator updates its running statistics once per step.
    """
    xp = get_array_module(real)
    batch = real.shape[0]
    fake = G.forward(noise)                                    # (B, 2); G keeps its cache for step 2

    # 1) Discriminator: push D(real) up and D(fake) down. Only D's backward runs here: G's cache
    #    waits, so nothing flows into G.
    opt_d.zero_grad()
    logits = D.forward(xp.concatenate([real, fake]))           # (2B, 1): one pass, one cache (no BatchNorm in D)
    d_loss, d_real, d_fake = loss.discriminator(logits[:batch], logits[batch:])
    D.backward(xp.concatenate([d_real, d_fake]))
    opt_d.step()

    # 2) Generator: backpropagate the generator loss *through* D into G. D is frozen, so its
    #    gradients stay untouched (and are not even computed); only G's optimizer steps.
    opt_g.zero_grad()
    fake_logits = D.forward(fake)
    g_loss, d_fake_logits = loss.generator(fake_logits)
    with D.frozen():
        d_fake_points = D.backward(d_fake_logits)              # dL_G/dG(z), (B, 2)
    G.backward(d_fake_points)
    opt_g.step()

    score = (lambda z: 1 / (1 + numpy.exp(-z))) if loss.probabilities else (lambda z: z)   # noqa: E731 (logging only)
    d_x = float(score(to_numpy(logits[:batch])).mean())
    d_g_z = float(score(to_numpy(fake_logits)).mean())
    return d_loss, g_loss, d_x, d_g_z


def distance_to_ring(points, radius: float = 2.0, n_modes: int = 8):
    """Mean distance from each point to its nearest mode centre: 0 means every sample sits on a mode."""
    modes = ring_modes(n_modes, radius)
    d = numpy.linalg.norm(points[:, None, :] - modes[None, :, :], axis=2)   # (n, n_modes)
    return float(d.min(axis=1).mean())


@dataclass
class ToyRun:
    """What ``train`` returns: the history, and snapshots of G's samples for the picture."""
    generator: nn.Module
    discriminator: nn.Module
    history: dict = field(default_factory=lambda: {"d_loss": [], "g_loss": [], "d_x": [], "d_g_z": []})
    snapshots: list = field(default_factory=list)    # (step, points) pairs
    real: numpy.ndarray | None = None


def train(steps: int = 2000, batch_size: int = 128, loss: str = "nonsaturating", seed: int = 0,
          lr: float = 1e-3, n_snapshots: int = 4, progress: bool = False) -> ToyRun:
    """Train the toy GAN on the ring; every ``steps // n_snapshots`` steps, sample 1000 points."""
    manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    G, D = build_toy_gan()
    opt_g = Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    pair = get_gan_loss(loss)                 # the discriminator and generator losses that belong together
    fixed_noise = rng.standard_normal((1000, 2)).astype(numpy.float32)
    run = ToyRun(G, D, real=ring(1000, rng))
    run.snapshots.append((0, G.predict(fixed_noise)))

    steps_iter = range(1, steps + 1)
    if progress:
        steps_iter = tqdm(steps_iter, desc=f"toy GAN ({loss})", unit="step")
    every = max(1, steps // n_snapshots)
    for step in steps_iter:
        real = ring(batch_size, rng).astype(numpy.float32)
        noise = rng.standard_normal((batch_size, 2)).astype(numpy.float32)
        values = gan_step(G, D, opt_g, opt_d, real, noise, pair)
        for key, value in zip(run.history, values):
            run.history[key].append(value)
        if step % every == 0 or step == steps:
            if run.snapshots[-1][0] != step:
                run.snapshots.append((step, G.predict(fixed_noise)))
            if progress:
                steps_iter.set_postfix(d_loss=f"{values[0]:.3f}", g_loss=f"{values[1]:.3f}")
    return run


def plot(run: ToyRun, path: str):
    """Real vs generated points at each snapshot, and the loss curves, in one PNG."""
    # matplotlib is slow to import and only this picture needs it: gan_step's readers (the exercises,
    # the tests) import this module too.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(run.snapshots)
    fig, axes = plt.subplots(1, n + 1, figsize=(3.2 * (n + 1), 3.4))
    for ax, (step, points) in zip(axes, run.snapshots):
        ax.scatter(run.real[:, 0], run.real[:, 1], s=3, c="tab:blue", alpha=0.4, label="real")
        ax.scatter(points[:, 0], points[:, 1], s=3, c="tab:orange", alpha=0.5, label="generated")
        ax.set_title(f"step {step}\nmean distance to a mode {distance_to_ring(points):.2f}", fontsize=9)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
    axes[0].legend(loc="lower left", fontsize=7, markerscale=3)
    ax = axes[-1]
    ax.plot(run.history["d_loss"], label="D loss", lw=0.8)
    ax.plot(run.history["g_loss"], label="G loss", lw=0.8)
    ax.set_xlabel("step")
    ax.set_title("losses", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    atomic_savefig(fig, path)
    plt.close(fig)
