"""The pictures of a toy study (minigan/training/study.py), which the papers' demos share:

* :func:`curves`: modes captured and % high quality against steps, every run one line, a colour per
  variant, so a learner sees whether a cut budget has reached its plateau;
* :func:`points_over_training`: the saved points of some runs at six checkpoints spread over
  training (the unrolled GAN's hopping sequence, the grid being formed and sharpened).

Both read only what the study wrote (the rows of results.jsonl and the ``points_<step>.npz`` files),
so they redraw a finished study without training anything.
"""
from __future__ import annotations

import os

import matplotlib
import numpy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minigan.data import grid_modes, ring_modes  # noqa: E402
from minigan.io import atomic_savefig  # noqa: E402

from .study import run_folder  # noqa: E402

COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown")


def modes_of(dataset: str, scale: float = 1.0):
    """The centres of a toy set's modes (n_modes, 2), divided by its ``--toy-scale``."""
    return (ring_modes() if dataset == "ring" else grid_modes()) / scale


def curves(done: dict, runs: list, checkpoints: list, variant, path: str, title: str) -> None:
    """Modes captured (left) and % high quality (right) against steps, for every run.

    ``done``: the study's rows by (the run's values..., step); ``runs``: the run dicts; ``variant(run)``:
    the name of the run's variant (one colour and one legend entry each). A study over several sets
    gets one row of panels per set."""
    datasets = list(dict.fromkeys(run.get("dataset", "") for run in runs))        # in the runs' order
    names = list(dict.fromkeys(variant(run) for run in runs))
    fig, axes = plt.subplots(len(datasets), 2, figsize=(9, 3.0 * len(datasets)), squeeze=False)
    for row, dataset in enumerate(datasets):
        labelled = set()
        for run in (r for r in runs if r.get("dataset", "") == dataset):
            rows = [done[(*run.values(), step)] for step in checkpoints]
            name = variant(run)
            colour = COLOURS[names.index(name) % len(COLOURS)]
            label = None if name in labelled else name
            labelled.add(name)
            axes[row, 0].plot(checkpoints, [r["modes_captured"] for r in rows], color=colour, alpha=0.6, label=label)
            axes[row, 1].plot(checkpoints, [r["high_quality_percent"] for r in rows], color=colour, alpha=0.6,
                              label=label)
        n_modes = next(done[(*r.values(), checkpoints[0])]["n_modes"] for r in runs if r.get("dataset", "") == dataset)
        axes[row, 0].set_ylim(0, n_modes + 0.5)
        axes[row, 0].set_ylabel(f"{dataset + ': ' if dataset else ''}modes captured (of {n_modes})")
        axes[row, 1].set_ylabel(f"{dataset + ': ' if dataset else ''}high quality %")
        axes[row, 1].set_ylim(bottom=0)
        for ax in axes[row]:
            ax.set_xlabel("step")
            ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=90)
    plt.close(fig)


def shown_checkpoints(checkpoints: list, n: int = 6) -> list:
    """``n`` checkpoints spread evenly over training, the last included."""
    if len(checkpoints) <= n:
        return list(checkpoints)
    return [checkpoints[round(i * (len(checkpoints) - 1) / (n - 1))] for i in range(n)]


def points_over_training(out: str, done: dict, runs: list, checkpoints: list, label, modes, path: str,
                         title: str, colour=lambda run: "tab:orange") -> None:
    """One row per run of ``runs``: its saved points at six checkpoints, over its modes' centres.

    ``label(run)``: the row's name; ``modes(run)``: the centres (n_modes, 2) its points are scored
    against; ``colour(run)``: the points' colour."""
    shown = shown_checkpoints(checkpoints)
    fig, axes = plt.subplots(len(runs), len(shown), figsize=(2.1 * len(shown), 2.45 * len(runs)), squeeze=False)
    for row, run in enumerate(runs):
        centres = modes(run)
        lim = 1.3 * float(numpy.abs(centres).max()) + 0.4
        for col, step in enumerate(shown):
            ax = axes[row, col]
            points = numpy.load(os.path.join(run_folder(out, run), f"points_{step}.npz"))["points"]
            ax.scatter(points[:, 0], points[:, 1], s=1, c=colour(run), alpha=0.3)
            ax.scatter(centres[:, 0], centres[:, 1], marker="x", c="black", s=8)
            ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal")
            ax.set_xticks([]), ax.set_yticks([])
            scores = done[(*run.values(), step)]
            ax.set_title(f"step {step:,}: {scores['modes_captured']}/{scores['n_modes']}, "
                         f"{scores['high_quality_percent']:.1f}% HQ", fontsize=7)
        axes[row, 0].set_ylabel(label(run), fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=90)
    plt.close(fig)
