"""WGAN-GP's toy experiment (Gulrajani et al. 2017, Figure 1 and section 5.1), with the paper's set-up
(--recipe wgan-gp-toy).

    python demos/wgan_gp_toy.py                      # a quick look: about 2 minutes
    python demos/wgan_gp_toy.py --full               # the paper's budget: 100,000 G iterations, 5 seeds

Each run is minigan's ``--recipe wgan-gp-toy`` (minigan/training/recipes.py): G and the critic three
ReLU layers of 512 each, the gradient penalty with λ 0.1, 5 critic steps per G step, Adam 1e-4 with
β (0.5, 0.9), batch 256; the grid divided by 2.828 and the ring by 1.414, as gan_toy.py does. It trains
in resumable chunks scored every ``--every`` steps (minigan/training/study.py; results.jsonl says what
is done), prints every seed's modes and high quality at the end, and draws critic.png: for each set,
the critic's value over the plane (a WGAN critic is not a probability: its level sets are what the
generator climbs), with the real points in black and the generated ones in orange; training.png (the
first seed's points at six checkpoints) and curves.png (every run's modes and high quality against
steps).
"""
from __future__ import annotations

import os

import numpy

from minigan.backend import to_numpy
from minigan.cli import demo_arguments
from minigan.io import atomic_savefig
from minigan.training import TrainConfig
from minigan.training.sample import load_discriminator
from minigan.training import recipes, study_pictures
from minigan.training.study import run_study
from minigan.training.trainer import load_real_data


def add_flags(parser):
    parser.add_argument("--full", action="store_true", help="the paper's budget: 500,000 critic steps (100,000 "
                        "generator iterations), seeds 0-4, the grid and the ring")
    parser.add_argument("--steps", type=int, default=None, help="critic steps per run (default: 2,500; --full: "
                        "500,000)")
    parser.add_argument("--every", type=int, default=None, help="score every this many steps (default: --steps / 5)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 (--full: 0-4)")
    parser.add_argument("--datasets", nargs="+", choices=("grid", "ring"), default=["grid", "ring"])


args = demo_arguments(__doc__, "runs/wgan_gp_toy", add=add_flags)
steps = args.steps or (500_000 if args.full else 2_500)
every = args.every or max(1, steps // 5)
seeds = args.seeds or (list(range(5)) if args.full else [0])
checkpoints = list(range(every, steps, every)) + [steps]
runs = [{"dataset": d, "seed": s} for d in args.datasets for s in seeds]
done = run_study(args.out, "wgan-gp-toy", runs, checkpoints, overwrite=args.overwrite)
SCALE = {d: recipes.settings("wgan-gp-toy", {"dataset": d})["toy_scale"] for d in args.datasets}   # gan_toy.py's shrink

print(f"\nafter {steps:,} critic steps ({steps // 5:,} generator iterations; the paper: 100,000)")
print("| data | " + " | ".join(f"seed {s}: modes, HQ %" for s in seeds) + " | runs with every mode |")
print("|---|" + "---|" * (len(seeds) + 1))
for dataset in args.datasets:
    final = [done[dataset, s, steps] for s in seeds]
    cells = [f"{r['modes_captured']}/{r['n_modes']}, {r['high_quality_percent']:.1f}" for r in final]
    every_mode = sum(r["modes_captured"] == r["n_modes"] for r in final)
    print(f"| {dataset} | " + " | ".join(cells) + f" | {every_mode} of {len(seeds)} |")

# ---- the critic's value surface, with the real and the generated points ------------------------------------
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, len(args.datasets), figsize=(4.6 * len(args.datasets), 4.2), squeeze=False)
for ax, dataset in zip(axes[0], args.datasets):
    folder = os.path.join(args.out, dataset, f"seed{seeds[0]}")
    D, config = load_discriminator(folder)
    lim = 2.0
    ticks = numpy.linspace(-lim, lim, 161)
    gx, gy = numpy.meshgrid(ticks, ticks)
    plane = numpy.stack([gx.ravel(), gy.ravel()], axis=1).astype(numpy.float32)       # (161², 2)
    value = to_numpy(D.predict(plane)).reshape(gx.shape)                                # the critic's value
    surface = ax.contourf(gx, gy, value, levels=30, cmap="viridis")
    fig.colorbar(surface, ax=ax, fraction=0.046)
    real, _ = load_real_data(TrainConfig(**{**config, "toy_samples": 1000}))
    fake = numpy.load(os.path.join(folder, f"points_{steps}.npz"))["points"]
    ax.scatter(real[:, 0], real[:, 1], s=2, c="black", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:orange", alpha=0.5, label="generated")
    ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal")
    run = done[dataset, seeds[0], steps]
    ax.set_title(f"{dataset} / {config['toy_scale']}: {run['modes_captured']}/{run['n_modes']} modes, "
                 f"{run['high_quality_percent']:.0f}% HQ", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
fig.suptitle(f"WGAN-GP's toy set-up, seed {seeds[0]}, {steps:,} critic steps: the critic's value", fontsize=9)
fig.tight_layout()
atomic_savefig(fig, os.path.join(args.out, "critic.png"), dpi=90)
plt.close(fig)
first_seeds = [run for run in runs if run["seed"] == seeds[0]]
study_pictures.points_over_training(args.out, done, first_seeds, checkpoints, lambda run: run["dataset"],
                                    lambda run: study_pictures.modes_of(run["dataset"], SCALE[run["dataset"]]),
                                    os.path.join(args.out, "training.png"),
                                    f"WGAN-GP's toy set-up, seed {seeds[0]}: the points over training")
study_pictures.curves(done, runs, checkpoints, lambda run: "WGAN-GP", os.path.join(args.out, "curves.png"),
                      f"WGAN-GP's toy set-up: every seed, scored every {every:,} critic steps")
print(f"\nthe critic's surface: {os.path.join(args.out, 'critic.png')}; the points over training: "
      f"{os.path.join(args.out, 'training.png')}; curves: {os.path.join(args.out, 'curves.png')}")
