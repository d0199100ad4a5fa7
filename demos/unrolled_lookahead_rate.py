"""The unrolled GAN's look-ahead rate η (--unroll-lr), measured over seeds: why minigan's default is 0.002.

    python demos/unrolled_lookahead_rate.py                    # η 0.05, 0.01, 0.002; ring and grid; seeds 0-2
    python demos/unrolled_lookahead_rate.py --seeds 0 --rates 0.01 0.002 --datasets ring

Each run is the mode-collapse study's toy GAN with k = 5 look-ahead steps (demos/mode_collapse_study.py:
models.toy, batch 128, 20 epochs of 50,000 points = 7,800 steps, the non-saturating loss, Adam 2e-4),
with only --unroll-lr changed. The look-ahead is plain gradient descent on D's loss
(docs/unrolled-gan.md): a large η moves D much further than one of its Adam steps does, and G then
learns against a discriminator that training never produces.

After each run it scores 2,500 points of G as VEEGAN and PacGAN do (modes captured, % high quality
within 3 std of a mode) and appends a row to <out>/results.jsonl; a run already there is not trained
again, so a study cut short goes on. The last lines printed are the markdown table of docs, every
seed in its own column. The runs behind docs/unrolled-gan.md's table are in
demos/results/unrolled_lookahead_rate.jsonl: copy it to <out>/results.jsonl, and a run with more
seeds trains only the new ones. A run is the 7,800-step k = 5 run of docs/unrolled-gan.md#cost
(about 65 s there); these 18 took 5 to 7 minutes each on one thread of a 2-core machine that was
busy with other work (1 h 56 min in all).
"""
from __future__ import annotations

from minigan.cli import demo_arguments
from minigan.training.study import run_study

STEPS = 7_800                       # 20 epochs of 50,000 points at batch 128 (390 steps an epoch)
COMMON = dict(model="toy", batch_size=128, epochs=20, toy_samples=50_000, unroll=5)


def add_flags(parser):
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.01, 0.002], metavar="ETA",
                        help="look-ahead learning rates (default: 0.05 0.01 0.002)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--datasets", nargs="+", default=["ring", "grid"], choices=("ring", "grid"))


args = demo_arguments(__doc__, "runs/unrolled_lookahead_rate", add=add_flags)
runs = [{"dataset": d, "unroll_lr": eta, "seed": s} for d in args.datasets for eta in args.rates
        for s in args.seeds]
done = run_study(args.out, "none", runs, [STEPS], overwrite=args.overwrite, common=COMMON)

print(f"\nk = 5, after {STEPS:,} steps: modes captured, and % high quality, per seed")
for dataset in args.datasets:
    n_modes = 8 if dataset == "ring" else 25
    print(f"\n{dataset}:\n\n| η | " + " | ".join(f"seed {s}" for s in args.seeds) + f" | runs with {n_modes}/{n_modes} |")
    print("|---|" + "---|" * (len(args.seeds) + 1))
    for eta in args.rates:
        rows = [done[dataset, eta, s, STEPS] for s in args.seeds]
        cells = [f"{r['modes_captured']}/{n_modes}, {r['high_quality_percent']:.0f}%" for r in rows]
        full = sum(r["modes_captured"] == n_modes for r in rows)
        print(f"| {eta:g} | " + " | ".join(cells) + f" | {full} of {len(rows)} |")
