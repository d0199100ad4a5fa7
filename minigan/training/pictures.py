"""Pictures of a run, as PNG (and one GIF) files in the run folder; no display needed.

* ``samples/epoch_NNN.png``: a grid of G's samples from the fixed noise, every epoch (toy data:
  real and generated points scattered over the modes);
* ``samples.gif``: those grids as an animation across the epochs;
* ``samples.png``: the same grid at the end of the run, whatever its length;
* ``losses.png``: D and G losses, and mean D(x) / D(G(z)), over the steps;
* ``grad_norms.png``: every layer's gradient norm over the steps (log scale), where vanishing
  and exploding gradients show;
* ``traversal_c1.png``, ``traversal_c2.png`` (InfoGAN, when training ends): each continuous code swept
  from −2 to 2, one row per categorical code;
* ``penalty.png`` (runs with a gradient penalty or R1): the penalty and the mean norm of D's input
  gradient ‖∂D(x)/∂x‖ over the steps; under WGAN-GP that norm should approach 1.
"""
from __future__ import annotations

import glob
import os
import textwrap

import matplotlib
import numpy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from PIL import Image  # noqa: E402  (Pillow comes with matplotlib)

from minigan.backend import to_device, to_numpy  # noqa: E402
from minigan.conditional import codes_to  # noqa: E402
from minigan.conditional.infogan import traversal_codes  # noqa: E402
from minigan.data import toy  # noqa: E402
from minigan.io import atomic_path, atomic_savefig, read_jsonl  # noqa: E402


def image_grid(images, columns: int = 8):
    """(N, 1, 28, 28) images in [-1, 1] → one (rows·28, columns·28) array in [0, 1], 2-pixel gaps."""
    images = numpy.asarray(images)[:, 0]
    n, h, w = images.shape
    rows = -(-n // columns)
    grid = numpy.ones((rows * (h + 2) + 2, columns * (w + 2) + 2))
    for k, img in enumerate(images):
        r, c = divmod(k, columns)
        grid[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + c * (w + 2):2 + c * (w + 2) + w] = (img + 1) / 2
    return grid


def save_image_grid(images, path: str, title: str = "", columns: int = 8):
    grid = image_grid(images, columns)
    width = grid.shape[1] / 40                                   # inches
    # The title wrapped to the picture's width (a 9-point character is about 0.07 inch wide), and
    # room made for every line of it, so that no title is clipped.
    lines = [part for line in title.splitlines() for part in textwrap.wrap(line, max(20, int(width / 0.07)))]
    fig, ax = plt.subplots(figsize=(width, grid.shape[0] / 40 + 0.18 * len(lines) + (0.12 if lines else 0)))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if lines:
        ax.set_title("\n".join(lines), fontsize=9)
    fig.tight_layout(pad=0.2)
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)


def save_toy_scatter(real, fake, modes, path: str, title: str = ""):
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.scatter(real[:, 0], real[:, 1], s=3, c="tab:blue", alpha=0.3, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="tab:orange", alpha=0.5, label="generated")
    ax.scatter(modes[:, 0], modes[:, 1], marker="x", c="black", s=30, label="modes")
    lim = 1.3 * float(abs(modes).max()) + 0.5
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=2)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)


def epoch_pictures(trainer, out: str):
    """The sample picture of the epoch just finished (G in eval mode, from the fixed noise), and the GIF."""
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    draw_samples(trainer, os.path.join(out, "samples", f"epoch_{trainer.epoch:03d}.png"),
                 f"epoch {trainer.epoch}, step {trainer.step}")
    save_gif(sorted(glob.glob(os.path.join(out, "samples", "epoch_*.png"))), os.path.join(out, "samples.gif"))


def draw_samples(trainer, path: str, when: str):
    """G's samples from the fixed noise (G in eval mode; the averaged G when --ema is on), as a grid of
    images, or as points over the real data and the modes for a toy set."""
    config = trainer.config
    G = trainer.sampling_generator
    was_training = G.training
    G.eval()
    codes = codes_to(trainer.fixed_codes, config.device)      # one row per class for a conditional run
    fake = to_numpy(G.predict(trainer.condition.generator_input(to_device(trainer.fixed_noise, config.device), codes)))
    G.train(was_training)
    title = f"{config.model} on {config.dataset}, {when}" + (", EMA weights" if trainer.G_ema is not None else "")
    if config.dataset in ("ring", "grid"):
        modes = (toy.ring_modes() if config.dataset == "ring" else toy.grid_modes()) / config.toy_scale
        save_toy_scatter(trainer.real[:2000], fake, modes, path, title)
    else:
        save_image_grid(fake, path, title + caption(trainer.condition), columns=trainer.picture_columns)


def save_gif(frames: list[str], path: str, seconds_per_frame: float = 0.6):
    """Animate the epoch pictures (Pillow comes with matplotlib)."""
    if not frames:
        return
    images = [Image.open(f).convert("P", palette=Image.ADAPTIVE) for f in frames]
    size = images[0].size
    images = [im.resize(size) for im in images]
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(seconds_per_frame * 1000), loop=0)


def moving_average(values, window: int = 50):
    """Mean of the last ``window`` values at each point (fewer at the start), skipping missing ones
    (None or NaN: a WGAN's generator loss before its first update). NaN where a window holds none."""
    v = numpy.array([numpy.nan if x is None else x for x in values], dtype=float)
    present = numpy.isfinite(v)
    sums = numpy.cumsum(numpy.insert(numpy.where(present, v, 0.0), 0, 0.0))
    counts = numpy.cumsum(numpy.insert(present.astype(float), 0, 0.0))
    idx = numpy.arange(1, len(v) + 1)
    start = numpy.maximum(idx - window, 0)
    n = counts[idx] - counts[start]
    with numpy.errstate(invalid="ignore", divide="ignore"):
        return numpy.where(n > 0, (sums[idx] - sums[start]) / numpy.maximum(n, 1), numpy.nan)


def read_log(path: str) -> list[dict]:
    return read_jsonl(path)


def mark_epochs(ax, rows: list[dict]):
    """Faint vertical lines where each epoch starts, labelled on a top axis (whole epochs only)."""
    starts = {}
    for r in rows:
        starts.setdefault(r["epoch"], r["step"])
    epochs = sorted(starts)
    every = max(1, len(epochs) // 10)                  # at most about ten labels
    shown = epochs[::every]
    for e in epochs[1:]:                               # the first epoch starts at the left edge
        ax.axvline(starts[e] - 0.5, color="0.85", lw=0.6, zorder=0)
    top = ax.secondary_xaxis("top")
    top.set_xticks([starts[e] - 0.5 for e in shown])
    top.set_xticklabels([str(e) for e in shown], fontsize=7)
    top.set_xlabel("epoch", fontsize=8)


def run_pictures(log_path: str, out: str, toy_data: bool = False):
    """losses.png and grad_norms.png from the run's log."""
    rows = read_log(log_path)
    if not rows:
        return
    steps = [r["step"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for ax, keys in ((ax1, (("d_loss", "D loss"), ("g_loss", "G loss"))),
                     (ax2, (("d_real", "mean D(x)"), ("d_fake", "mean D(G(z))")))):
        for (key, label), colour in zip(keys, ("tab:blue", "tab:orange")):
            values = [numpy.nan if r[key] is None else r[key] for r in rows]     # None: no value that step
            ax.plot(steps, values, lw=0.4, alpha=0.25, color=colour)            # every step, faint
            ax.plot(steps, moving_average(values), lw=1.2, color=colour, label=f"{label} (moving average)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)   # beside the data
    mark_epochs(ax1, rows)
    ax1.set_ylabel("loss")
    ax2.set_ylabel("discriminator output")
    ax2.set_xlabel("step")
    fig.tight_layout()
    atomic_savefig(fig, os.path.join(out, "losses.png"), dpi=100)
    plt.close(fig)

    names = sorted({name for r in rows for name in r["grad_norms"]})
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for name in names:
        pts = [(r["step"], r["grad_norms"][name]) for r in rows if name in r["grad_norms"]]
        ax.plot([p[0] for p in pts], moving_average([max(p[1], 1e-12) for p in pts]), lw=0.9, label=name,
                linestyle="-" if name.startswith("G") else "--")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("gradient L2 norm")
    ax.set_title("per-layer gradient norms, moving average (G solid, D dashed)", fontsize=9)
    mark_epochs(ax, rows)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    atomic_savefig(fig, os.path.join(out, "grad_norms.png"), dpi=100)
    plt.close(fig)
    penalty_picture(rows, out)


def penalty_picture(rows: list[dict], out: str):
    """penalty.png: the penalty and the critic's mean input-gradient norm per step (when logged)."""
    rows = [r for r in rows if "input_grad_norm" in r]
    if not rows:
        return
    steps = [r["step"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for ax, key, label, colour in ((ax1, "penalty", "penalty (added to the D loss)", "tab:red"),
                                   (ax2, "input_grad_norm", "mean ‖∂D(x)/∂x‖ over the batch", "tab:purple")):
        values = [r[key] for r in rows]
        ax.plot(steps, values, lw=0.4, alpha=0.25, color=colour)
        ax.plot(steps, moving_average(values), lw=1.2, color=colour, label=f"{label} (moving average)")
        ax.legend(fontsize=8, loc="upper right")
    ax1.set_yscale("log")
    ax2.axhline(1.0, color="black", lw=0.8, ls=":", label="1 (the WGAN-GP target)")
    ax2.legend(fontsize=8, loc="upper right")
    ax2.set_ylabel("gradient norm")
    ax2.set_xlabel("step")
    fig.tight_layout()
    atomic_savefig(fig, os.path.join(out, "penalty.png"), dpi=100)
    plt.close(fig)


def caption(condition) -> str:
    """What the rows of a one-row-per-class picture are ("row k: class k asked for"), on a line of its own."""
    return f"\n{condition.picture_rows}" if condition.picture_rows else ""


def end_of_run_pictures(trainer, out: str) -> list[str]:
    """When training ends: samples.png (the samples at the last step, for every run, one shorter than
    an epoch too), and InfoGAN's latent traversals."""
    path = os.path.join(out, "samples.png")
    draw_samples(trainer, path, f"end of the run, step {trainer.step}")
    if not trainer.condition.continuous:
        return [path]
    return [path] + save_traversals(trainer.sampling_generator, trainer.condition, trainer.noise_dim, out, trainer.config.device,
                           trainer.config.seed)


def save_traversals(G, condition, noise_dim: int, out: str, device: str = "cpu", seed: int = 0,
                    columns: int = 9) -> list[str]:
    """InfoGAN's latent traversals, one picture per continuous code: row k has categorical code k, column j
    the continuous code swept from −2 to 2 (the other at 0), one noise vector z for every cell, so
    only the codes change along a row or a column. Writes traversal_c1.png, traversal_c2.png in ``out``."""
    z = numpy.random.default_rng(seed).standard_normal((1, noise_dim)).astype(numpy.float32)
    paths = []
    was_training = G.training
    G.eval()
    for which in range(condition.continuous):
        codes = traversal_codes(which, columns)
        noise = to_device(numpy.repeat(z, len(codes[0]), axis=0), device)
        images = to_numpy(G.predict(condition.generator_input(noise, codes_to(codes, device))))
        path = os.path.join(out, f"traversal_c{which + 1}.png")
        save_image_grid(images, path, f"row k: categorical code k; columns: continuous code c{which + 1} from −2 to 2",
                        columns=columns)
        paths.append(path)
    G.train(was_training)
    return paths


def save_metrics_plot(rows, path, what, of, toy):
    """metrics.png: the per-epoch quality (FID, or the high-quality share of toy samples) and the coverage
    (classes covered, or modes captured), with each alarm marked (minigan/training/monitor.py)."""
    epochs = [r["epoch"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if toy:
        ax.plot(epochs, [r["high_quality_percent"] for r in rows], "o-", label="high-quality samples (%)")
        ax.set_ylabel("% within 3 std of a mode")
    else:
        ax.plot(epochs, [r["fid"] for r in rows], "o-", label="FID (classifier features)")
        ax.set_ylabel("FID")
    ax2 = ax.twinx()
    ax2.plot(epochs, [r["coverage"] for r in rows], "s--", color="tab:red", label=what)
    ax2.set_ylim(0, of + 0.5)
    ax2.set_ylabel(what)
    for r in rows:
        if "alarm" in r:
            ax.axvline(r["epoch"], color="tab:red", alpha=0.3)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))      # epochs are whole numbers
    fig.legend(loc="upper center", fontsize=7, ncol=2)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
