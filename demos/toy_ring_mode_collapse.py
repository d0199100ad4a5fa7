"""Mode collapse on the ring of 8 Gaussians, seen happening: the same data, two set-ups.

Time: about a minute on an idle 2-core machine with both cores (measured 51.5 s: 8 chunks of Metz et al.'s
plain GAN, 4,000 steps in all, and 10 epochs × 195 steps of minigan's toy GAN).

The ring is the standard testbed for mode collapse: the data has 8 well-separated modes, and a
generator that covers only some of them has collapsed. Whether a plain GAN collapses there depends
on its networks and optimizer, not on the loss alone, so this demo trains two set-ups on the same ring:

* **Metz et al. 2017's** (``--recipe unrolled --unroll 0``, the plain GAN of the unrolled-GAN
  paper's Figure 1): G z (256) → 128 → 128 → 2, D x/4 → 128 → 1, the minimax loss, Adam 1e-4 with
  β1 0.5, batch 512. Its samples sit on a few neighbouring modes at a time and move round the ring:
  D learns to reject the region G occupies, G jumps to the region D now accepts, and no mode is
  kept. We train it for 4,000 steps in chunks of 500 and, after each, draw 2,500 points and record
  which modes they cover.
* **minigan's small toy GAN** (``--model toy``, 2 → 128 → 128 → 2, the non-saturating loss, Adam
  1e-3, batch 256, 10 epochs of 195 steps): it covers all 8 modes.

A mode is covered when at least one point lies within 3 standard deviations of it (the VEEGAN and
PacGAN definition of a high-quality sample, minigan.evaluation.metrics.toy_metrics). The cure for the
first set-up, unrolling D (Metz et al.'s own), is demos/unrolled_toy.py, and docs/mode-collapse.md
has both over five seeds; this demo is the one-minute look.

What it prints (seed 0, ``python demos/toy_ring_mode_collapse.py`` on the 2-core reference machine,
2 BLAS threads, 2026-12-01; two fresh runs gave the same):

    Metz et al.'s plain GAN, modes covered after each chunk of 500 steps:
        4 (1 2 3 7), 2 (2 3), 1 (7), 1 (3), 1 (6), 1 (0), 2 (5 6), 4 (2 3 4 5)
        the covered modes changed at 7 of 7 checkpoints; never more than 4 of 8 at once
    minigan's toy GAN: 8 of 8 modes, 8% of its points within 3 std of a mode (after its last epoch;
        its own metrics.jsonl, 1,000 points an epoch, gives 59% after the epoch before: it covers the
        ring, but how sharply swings from epoch to epoch)

One run is one draw: the thread count and the processor's BLAS kernel round the products
differently, so another machine gives another sequence of modes (docs/training.md#cpu-threads);
``--seeds 0 1 2`` shows the spread.
"""
import os

import numpy
from tqdm import tqdm

from minigan.cli import demo_arguments
from minigan.data import ring_modes
from minigan.evaluation.evaluate import evaluate_points
from minigan.io import atomic_savefig
from minigan.training import TrainConfig, recipes, train
from minigan.training.sample import generate, load_generator
from minigan import models

args = demo_arguments(__doc__, "runs/demo_toy_ring", add=lambda p: p.add_argument(
    "--seeds", type=int, nargs="+", default=[0], metavar="S", help="train both set-ups once per seed (default: 0)"))
OUT = args.out
CHUNK, STEPS = 500, 4000          # Metz's plain GAN: scored every 500 steps up to 4,000
N_POINTS = 2500                   # as the papers score


def points_of(run, seed, step):
    """N_POINTS fresh samples of the run's G (eval mode) and their scores."""
    G, config = load_generator(run)
    points = generate(G, N_POINTS, models.noise_dim(config), numpy.random.default_rng((seed, step)))
    return points, evaluate_points(points, "ring")


hopping, covering = {}, {}
for seed in args.seeds:
    suffix = "" if seed == 0 else f"_seed{seed}"

    # The small toy GAN first: a folder already holding a run is refused here, before any training.
    toy_run = os.path.join(OUT, f"toy{suffix}")
    train(TrainConfig(model="toy", dataset="ring", loss="nonsaturating", epochs=10, batch_size=256, lr_g=1e-3,
                      lr_d=1e-3, out=toy_run, seed=seed), overwrite=args.overwrite, progress=False, pictures=False,
          log=lambda *a, **k: None)
    covering[seed] = points_of(toy_run, seed, 0)

    # Metz et al.'s plain GAN, trained in chunks; each chunk resumes the last bit for bit (tests/test_recipes.py).
    metz_run = os.path.join(OUT, f"metz{suffix}")
    hopping[seed] = []
    for step in tqdm(range(CHUNK, STEPS + 1, CHUNK), desc=f"Metz et al.'s plain GAN, seed {seed}", unit="chunk"):
        config = TrainConfig(**recipes.settings("unrolled", {"unroll": 0, "seed": seed, "out": metz_run,
                                                             "max_steps": step, "checkpoint_every": CHUNK}))
        first = step == CHUNK
        train(config, resume=not first, overwrite=args.overwrite if first else False, progress=False,
              pictures=False, log=lambda *a, **k: None)
        hopping[seed].append((step, *points_of(metz_run, seed, step)))

for seed in args.seeds:
    print(f"\nseed {seed}: which modes the plain GAN of Metz et al.'s set-up covers (mode k at angle 2πk/8)")
    for step, _, scores in hopping[seed]:
        print(f"  step {step:>5,}: {scores['modes_captured']} of 8 modes  {' '.join(map(str, scores['captured']))}")
    covered = [tuple(s["captured"]) for _, _, s in hopping[seed]]
    changes = sum(a != b for a, b in zip(covered, covered[1:]))
    print(f"  the covered modes changed at {changes} of {len(covered) - 1} checkpoints; never more than "
          f"{max(len(c) for c in covered)} of 8 at once")
    toy = covering[seed][1]
    print(f"minigan's toy GAN, seed {seed}: {toy['modes_captured']} of 8 modes, "
          f"{toy['high_quality_percent']:.0f}% of its points within 3 std of a mode")

# ---- the picture: the plain GAN's points chunk by chunk, then the toy GAN's -------------------------------
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

modes = ring_modes()
for seed in args.seeds:
    panels = [(f"Metz, step {step:,}: {s['modes_captured']}/8", p, "tab:red") for step, p, s in hopping[seed]]
    toy_points, toy = covering[seed]
    panels.append((f"toy GAN, end: {toy['modes_captured']}/8", toy_points, "tab:green"))
    fig, axes = plt.subplots(1, len(panels), figsize=(1.9 * len(panels), 2.2))
    for ax, (title, points, colour) in zip(axes, panels):
        ax.scatter(points[:, 0], points[:, 1], s=1, c=colour, alpha=0.3)
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", c="black", s=10)
        ax.set_xlim(-3, 3), ax.set_ylim(-3, 3), ax.set_aspect("equal"), ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(title, fontsize=7)
    fig.suptitle(f"The ring, seed {seed}: Metz et al.'s plain GAN moves round the ring (red); "
                 "minigan's toy GAN covers it (green)", fontsize=8)
    fig.tight_layout()
    path = os.path.join(OUT, "hopping.png" if seed == 0 else f"hopping_seed{seed}.png")
    atomic_savefig(fig, path, dpi=90)
    plt.close(fig)
    print(f"picture: {path}")
