"""The PacGAN toy experiment (Lin et al. 2018, Table 1), with the paper's own set-up (--recipe pacgan).

    python demos/pacgan_toy.py                       # a quick look: about 2 minutes (see --steps below)
    python demos/pacgan_toy.py --full                # the paper's budget: 400,000 steps, 10 seeds, both sets
    python demos/pacgan_toy.py --steps 50000 --seeds 0 1 2 --packs 1 2     # a cut budget

Each run is minigan's ``--recipe pacgan`` (minigan/training/recipes.py): G 2 → 4 × [Dense 400, BatchNorm,
ReLU] → 2, D 3 × Maxout (200 units, 5 pieces) → 1, both updated from the same batch, Adam 1e-4 with
β1 0.8, batch 100, 100,000 fixed training points; ``--pack m`` makes it PacGANm. Every ``--every``
steps it draws 2,500 points from G (BatchNorm in eval mode, with its running statistics, as the paper
samples) and scores them as the paper does (minigan.evaluation.metrics.toy_metrics): modes captured,
% high-quality samples (within 3 std of a mode) and the reverse KL of the modes' histogram.

A run trains in chunks of ``--every`` steps, each one resuming the last from its checkpoint (minigan
resumes bit for bit, so the chunks change nothing), and every chunk appends one line to
``--out``/results.jsonl. A chunk already there is not trained again: an interrupted study goes on
where it stopped, one machine session after another. Its points are saved as
``<set>/pack<m>/seed<S>/points_<step>.npz`` (an array ``points`` (2500, 2)), so anyone can score them
again. At the end the script prints every seed's final numbers, the mean ± std over the seeds, the
paper's rows beside them, and draws curves.png (modes and high quality against steps, every run),
points.png (the last points of each variant's first seed) and training.png (those runs' points at six
checkpoints: the grid being formed, then sharpened).

The quick look (the default: the grid, GAN and PacGAN2, seed 0, 3,000 steps) is far from the paper's
budget and is there to show the pieces working; the numbers worth comparing come from --full or a
cut budget whose curves have flattened.
"""
from __future__ import annotations

import json
import os

import numpy

from minigan.cli import demo_arguments
from minigan.io import atomic_path, atomic_savefig
from minigan.training import study_pictures
from minigan.training.study import run_study
PUBLISHED = {                                        # PacGAN Table 1: mean ± standard error over 10 trials
    ("ring", 1): ("6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09"),
    ("ring", 2): ("7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03"),
    ("ring", 4): ("7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02"),
    ("grid", 1): ("17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
    ("grid", 2): ("23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
    ("grid", 4): ("24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"),
}


def add_flags(parser):
    parser.add_argument("--full", action="store_true", help="the paper's budget: 400,000 steps, seeds 0-9, "
                        "packs 1 2 4, the grid and the ring (about 2.3 hours a run on two idle cores)")
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default: 3,000; --full: 400,000)")
    parser.add_argument("--every", type=int, default=None, help="score the generator every this many steps "
                        "(default: --steps / 10)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 (--full: 0-9)")
    parser.add_argument("--packs", type=int, nargs="+", default=None, help="1 is the plain GAN (default: 1 2; "
                        "--full: 1 2 4)")
    parser.add_argument("--datasets", nargs="+", choices=("grid", "ring"), default=None,
                        help="default: grid (--full: grid ring)")


args = demo_arguments(__doc__, "runs/pacgan_toy", add=add_flags)
steps = args.steps or (400_000 if args.full else 3_000)
every = args.every or max(1, steps // 10)
seeds = args.seeds or (list(range(10)) if args.full else [0])
packs = args.packs or ([1, 2, 4] if args.full else [1, 2])
datasets = args.datasets or (["grid", "ring"] if args.full else ["grid"])
checkpoints = list(range(every, steps, every)) + [steps]
runs = [{"dataset": d, "pack": m, "seed": s} for d in datasets for m in packs for s in seeds]
done = run_study(args.out, "pacgan", runs, checkpoints, overwrite=args.overwrite)


# ---- the table: every seed at the last step, the mean ± std, the paper's row ----------------------------
def mean_std(values):
    return f"{numpy.mean(values):.1f} ± {numpy.std(values):.1f}"


print(f"\nafter {steps:,} steps (the paper: 400,000); ± is the std over the seeds, the paper's a standard error")
print("| data | variant | seed: modes / HQ % / reverse KL | modes | HQ % | reverse KL | the paper: modes, HQ %, KL |")
print("|---|---|---|---|---|---|---|")
for dataset in datasets:
    for pack in packs:
        final = [done[dataset, pack, s, steps] for s in seeds]
        each = "; ".join(f"{s}: {r['modes_captured']} / {r['high_quality_percent']:.1f} / {r['reverse_kl']:.2f}"
                         for s, r in zip(seeds, final))
        name = "GAN" if pack == 1 else f"PacGAN{pack}"
        paper = ", ".join(PUBLISHED.get((dataset, pack), ("-",)))
        print(f"| {dataset} | {name} | {each} | {mean_std([r['modes_captured'] for r in final])} | "
              f"{mean_std([r['high_quality_percent'] for r in final])} | "
              f"{numpy.mean([r['reverse_kl'] for r in final]):.2f} ± {numpy.std([r['reverse_kl'] for r in final]):.2f} "
              f"| {paper} |")

# ---- the pictures --------------------------------------------------------------------------------------
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minigan.data import grid_modes, ring_modes  # noqa: E402

variant = lambda run: "GAN" if run["pack"] == 1 else f"PacGAN{run['pack']}"  # noqa: E731
study_pictures.curves(done, runs, checkpoints, variant, os.path.join(args.out, "curves.png"),
                      f"PacGAN's toy set-up: every seed, scored every {every:,} steps")
first_seeds = [run for run in runs if run["seed"] == seeds[0]]
study_pictures.points_over_training(args.out, done, first_seeds, checkpoints,
                                    lambda run: f"{run['dataset']}, {variant(run)}",
                                    lambda run: study_pictures.modes_of(run["dataset"]),
                                    os.path.join(args.out, "training.png"),
                                    f"PacGAN's toy set-up, seed {seeds[0]}: the points over training")

fig, axes = plt.subplots(len(datasets), len(packs), figsize=(3.2 * len(packs), 3.3 * len(datasets)), squeeze=False)
for row, dataset in enumerate(datasets):
    modes = ring_modes() if dataset == "ring" else grid_modes()
    for col, pack in enumerate(packs):
        ax = axes[row, col]
        run = done[dataset, pack, seeds[0], steps]
        points = numpy.load(os.path.join(args.out, dataset, f"pack{pack}", f"seed{seeds[0]}", f"points_{steps}.npz"))["points"]
        ax.scatter(points[:, 0], points[:, 1], s=2, c="tab:orange", alpha=0.4)
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", c="black", s=20)
        lim = 1.3 * float(abs(modes).max()) + 0.5
        ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal"), ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(f"{dataset}, {'GAN' if pack == 1 else f'PacGAN{pack}'}: {run['modes_captured']}/{run['n_modes']} "
                     f"modes, {run['high_quality_percent']:.0f}% HQ", fontsize=8)
fig.suptitle(f"seed {seeds[0]}, step {steps:,}, 2,500 points", fontsize=9)
fig.tight_layout()
atomic_savefig(fig, os.path.join(args.out, "points.png"), dpi=90)
plt.close(fig)
with atomic_path(os.path.join(args.out, "summary.json")) as tmp, open(tmp, "w") as f:
    json.dump({"steps": steps, "every": every, "seeds": seeds, "packs": packs, "datasets": datasets}, f)
print(f"\ncurves: {os.path.join(args.out, 'curves.png')}; points: {os.path.join(args.out, 'points.png')}; "
      f"over training: {os.path.join(args.out, 'training.png')}")
