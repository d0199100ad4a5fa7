"""The unrolled GAN's 2-D experiment (Metz et al. 2017, Figure 1), with the paper's set-up (--recipe unrolled).

    python demos/unrolled_toy.py                     # a quick look: about 2 minutes
    python demos/unrolled_toy.py --full              # the paper's budget: 25,000 steps, 5 seeds
    python demos/unrolled_toy.py --steps 10000 --seeds 0 1 2 --unroll 0 5 10

Each run is minigan's ``--recipe unrolled`` (minigan/training/recipes.py): G z (256) → 128 → 128 → 2
(ReLU), D x/4 → 128 (ReLU) → 1, orthogonal weights, the minimax loss, Adam 1e-4 with β1 0.5, batch
512, the ring of 8 Gaussians; ``--unroll 0`` is the plain GAN, ``--unroll K`` lets G step against D
after K look-ahead steps (docs/unrolled-gan.md). Every ``--every`` steps it draws 2,500 points and
records which modes they cover: the paper's figure shows the plain GAN hopping from mode to mode
while the unrolled one spreads over all eight.

The runs train in chunks that resume from their checkpoints and are scored after each, with
results.jsonl saying what is done, as demos/pacgan_toy.py does (minigan/training/study.py). At the
end it prints every seed's modes at the last step and, for each run, the modes covered at every
checkpoint; hopping.png draws the points of each variant's first seed at six checkpoints, and curves.png
every run's modes and high quality against steps.
"""
from __future__ import annotations

import os

import numpy

from minigan.cli import demo_arguments
from minigan.training import study_pictures
from minigan.evaluation.metrics import spread_kl
from minigan.training.study import run_folder, run_study


def add_flags(parser):
    parser.add_argument("--full", action="store_true", help="the paper's budget: 25,000 steps, seeds 0-4, "
                        "--unroll 0 and 10 (about 20 minutes a run unrolled, at one thread)")
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default: 1,500; --full: 25,000)")
    parser.add_argument("--every", type=int, default=None, help="score every this many steps (default: --steps "
                        "/ 10; --full: 1,000)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 (--full: 0-4)")
    parser.add_argument("--unroll", type=int, nargs="+", default=[0, 10], help="look-ahead steps; 0 is the plain "
                        "GAN (default: 0 10)")


args = demo_arguments(__doc__, "runs/unrolled_toy", add=add_flags)
steps = args.steps or (25_000 if args.full else 1_500)
every = args.every or (1_000 if args.full else max(1, steps // 10))
seeds = args.seeds or (list(range(5)) if args.full else [0])
checkpoints = list(range(every, steps, every)) + [steps]
runs = [{"unroll": k, "seed": s} for k in args.unroll for s in seeds]
done = run_study(args.out, "unrolled", runs, checkpoints, overwrite=args.overwrite)


def name(unroll):
    return "GAN" if unroll == 0 else f"unrolled, K = {unroll}"


print(f"\nafter {steps:,} steps (the paper: 25,000): modes captured of 8, and % high quality, per seed")
print("| variant | " + " | ".join(f"seed {s}" for s in seeds) + " | runs with 8/8 |")
print("|---|" + "---|" * (len(seeds) + 1))
for unroll in args.unroll:
    final = [done[unroll, s, steps] for s in seeds]
    cells = [f"{r['modes_captured']}/8, {r['high_quality_percent']:.0f}%" for r in final]
    print(f"| {name(unroll)} | " + " | ".join(cells) + f" | {sum(r['modes_captured'] == 8 for r in final)} of {len(seeds)} |")

print("\nwhich modes each run covers, checkpoint by checkpoint (mode k sits at angle 2πk/8):")
for unroll in args.unroll:
    for seed in seeds:
        covered = [done[unroll, seed, step]["captured"] for step in checkpoints]
        changes = sum(a != b for a, b in zip(covered, covered[1:]))
        print(f"  {name(unroll)}, seed {seed}: " + " ".join("".join(map(str, c)) or "-" for c in covered)
              + f"   ({changes} changes between checkpoints)")

# A sample is high quality within 3 std (0.06) of a mode, so a G spread round the whole ring but not yet sharp
# captures few modes; the spread KL counts every sample by its nearest mode and tells that G from one that sits.
print("\nhow evenly the points spread over the modes' neighbourhoods, sharp or not, checkpoint by checkpoint "
      "(metrics.spread_kl: 0 = even, log 8 = 2.08 = all nearest one mode):")
modes = study_pictures.modes_of("ring")
for unroll in args.unroll:
    for seed in seeds:
        spread = [spread_kl(numpy.load(os.path.join(run_folder(args.out, {"unroll": unroll, "seed": seed}),
                                                    f"points_{step}.npz"))["points"], modes) for step in checkpoints]
        after = [v for step, v in zip(checkpoints, spread) if step > checkpoints[-1] // 5]
        print(f"  {name(unroll)}, seed {seed}: " + " ".join(f"{v:.2f}" for v in spread)
              + f"   (after the first fifth: {min(after):.2f} to {max(after):.2f})")

# ---- the pictures: the hopping sequence (each variant's first seed at six checkpoints), the curves -------------
first_seeds = [run for run in runs if run["seed"] == seeds[0]]
study_pictures.points_over_training(args.out, done, first_seeds, checkpoints, lambda run: name(run["unroll"]),
                                    lambda run: study_pictures.modes_of("ring"), os.path.join(args.out, "hopping.png"),
                                    f"Metz et al.'s ring, seed {seeds[0]}: the plain GAN hops, the unrolled one spreads",
                                    colour=lambda run: "tab:green" if run["unroll"] else "tab:red")
study_pictures.curves(done, runs, checkpoints, lambda run: name(run["unroll"]), os.path.join(args.out, "curves.png"),
                      f"Metz et al.'s ring: every seed, scored every {every:,} steps")
print(f"\nthe hopping sequence: {os.path.join(args.out, 'hopping.png')}; curves: {os.path.join(args.out, 'curves.png')}")
