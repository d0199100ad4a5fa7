"""Mode collapse, measured: every technique on the ring and the grid, 5 seeds each, beside the published tables.

    python demos/mode_collapse_study.py                 # the whole study: writes docs/mode-collapse.md
    python demos/mode_collapse_study.py --seeds 0 --techniques ns unrolled --datasets ring   # a slice

For each (data set, technique, seed) it trains minigan's toy GAN (G 2 → 128 → 128 → 2, D 2 → 128 →
128 → 1, LeakyReLU; models.toy), draws 2,500 points from the trained generator and scores them as
VEEGAN and PacGAN do (minigan.evaluation.metrics.toy_metrics): modes captured, % high-quality samples (within
3 std of a mode), reverse KL. The set-up, and where it differs from the papers', is in
docs/mode-collapse.md.

Runs go to runs/mode_collapse/<data>/<technique>/seed<S>; each finished run appends one line to
runs/mode_collapse/results.jsonl, and a run already there is not trained again, so an interrupted
study continues where it stopped (``--fresh`` starts over). ``--jobs 2`` trains two runs at a time,
one BLAS thread each (the toy networks are too small for two threads to help one run).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy

from minigan.data import grid_modes, ring_modes
from minigan.evaluation.evaluate import evaluate_points
from minigan.io import atomic_path, atomic_savefig, read_jsonl, strict_json
from minigan.training.sample import generate, load_generator
from minigan.training import TrainConfig, train

# ---- the set-up -----------------------------------------------------------------------------------
# What every run shares: minigan's toy model and TrainConfig's defaults (Adam 2e-4, β1 0.5), batch 128,
# 20 epochs of 50,000 points = 7,800 discriminator steps. (PacGAN trains 400 epochs of 100,000 points at
# batch 100, i.e. 400,000 steps: 50× more than fits in the 30-minute budget of this study.)
COMMON = dict(model="toy", batch_size=128, epochs=20, toy_samples=50_000, checkpoint_every=10_000)

# Each technique is a set of TrainConfig fields on top of COMMON (the non-saturating loss unless it says).
TECHNIQUES = {
    "minimax": dict(loss="minimax"),
    "ns": dict(loss="nonsaturating"),
    "wgan-gp": dict(loss="wgan-gp"),                   # its paper's preset: Adam 1e-4 β (0, 0.9), n_critic 5, λ 10
    "spectral-norm": dict(spectral_norm=True),
    "pacgan2": dict(pack=2),
    "minibatch-disc": dict(minibatch_kernels=10),
    "feature-matching": dict(feature_matching=True),
    "ema": dict(ema=0.999),
    "fresh-noise": dict(fresh_noise=True),
    "unrolled5": dict(unroll=5),
}
LABELS = {
    "minimax": "GAN, minimax", "ns": "GAN, non-saturating", "wgan-gp": "WGAN-GP", "spectral-norm": "NS + spectral norm",
    "pacgan2": "PacGAN2", "minibatch-disc": "minibatch discrimination (10 kernels)",
    "feature-matching": "feature matching", "ema": "NS + EMA of G (0.999)", "fresh-noise": "NS + fresh noise",
    "unrolled5": "unrolled GAN, k = 5",
}
DATASETS = ("ring", "grid")
N_SAMPLES = 2500                                         # VEEGAN and PacGAN score 2,500 samples

# The published rows, as the papers print them: VEEGAN's Table 1 gives the mean of 5 runs (modes, % high
# quality); PacGAN's Table 1 gives the mean ± standard error of 10 trials (modes, % high quality, reverse KL).
PUBLISHED = {
    "ring": [("VEEGAN Table 1", "GAN", "1", "99.3", None), ("VEEGAN Table 1", "ALI", "2.8", "0.13", None),
             ("VEEGAN Table 1", "Unrolled GAN", "7.6", "35.6", None), ("VEEGAN Table 1", "VEEGAN", "8", "52.9", None),
             ("PacGAN Table 1", "GAN", "6.3±0.5", "98.2±0.2", "0.45±0.09"),
             ("PacGAN Table 1", "ALI", "6.6±0.3", "97.6±0.4", "0.36±0.04"),
             ("PacGAN Table 1", "PacGAN2", "7.9±0.1", "95.6±2.0", "0.07±0.03"),
             ("PacGAN Table 1", "PacGAN3", "7.8±0.1", "97.7±0.3", "0.10±0.02"),
             ("PacGAN Table 1", "PacGAN4", "7.8±0.1", "95.9±1.4", "0.07±0.02")],
    "grid": [("VEEGAN Table 1", "GAN", "3.3", "0.5", None), ("VEEGAN Table 1", "ALI", "15.8", "1.6", None),
             ("VEEGAN Table 1", "Unrolled GAN", "23.6", "16", None), ("VEEGAN Table 1", "VEEGAN", "24.6", "40", None),
             ("PacGAN Table 1", "GAN", "17.3±0.8", "94.8±0.7", "0.70±0.07"),
             ("PacGAN Table 1", "ALI", "24.1±0.4", "95.7±0.6", "0.14±0.03"),
             ("PacGAN Table 1", "PacGAN2", "23.8±0.7", "91.3±0.8", "0.13±0.04"),
             ("PacGAN Table 1", "PacGAN3", "24.6±0.4", "94.2±0.4", "0.06±0.02"),
             ("PacGAN Table 1", "PacGAN4", "24.8±0.2", "93.6±0.6", "0.04±0.01")],
}


def published_mean(text):
    """'6.3±0.5' → 6.3 (None stays None: VEEGAN reports no reverse KL)."""
    return None if text is None else float(text.split("±")[0])


def run_one(dataset: str, technique: str, seed: int, root: str) -> dict:
    """Train one run and score 2,500 samples of its generator (the averaged one with EMA)."""
    from minigan.training import threads
    threads.configure(1)
    out = os.path.join(root, dataset, technique, f"seed{seed}")
    config = TrainConfig(dataset=dataset, seed=seed, out=out, **COMMON, **TECHNIQUES[technique])
    started = time.perf_counter()
    train(config, progress=False, pictures=False, log=lambda *a, **k: None, overwrite=True)
    seconds = time.perf_counter() - started
    G, _ = load_generator(out)
    points = generate(G, N_SAMPLES, 2, numpy.random.default_rng((seed, 2500)))
    numpy.save(os.path.join(out, "points.npy"), points)
    return {"dataset": dataset, "technique": technique, "seed": seed, "seconds": round(seconds, 1),
            **evaluate_points(points, dataset)}


def mean_std(values):
    values = numpy.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


# ---- the study ------------------------------------------------------------------------------------
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
parser.add_argument("--techniques", nargs="+", default=list(TECHNIQUES), choices=list(TECHNIQUES))
parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
parser.add_argument("--jobs", type=int, default=2, help="runs trained at a time (default: 2, one per core)")
parser.add_argument("--out", default="runs/mode_collapse")
parser.add_argument("--doc", default="docs/mode-collapse.md", help="the page whose generated part is rewritten "
                    "(only after a full study: all techniques, both data sets, seeds 0-4)")
parser.add_argument("--fresh", action="store_true", help="forget earlier results and train every run again")
args = parser.parse_args()

os.makedirs(args.out, exist_ok=True)
results_path = os.path.join(args.out, "results.jsonl")
if args.fresh and os.path.exists(results_path):
    os.remove(results_path)
done = {(r["dataset"], r["technique"], r["seed"]): r for r in read_jsonl(results_path)} \
    if os.path.exists(results_path) else {}
todo = [(d, t, s) for d in args.datasets for t in args.techniques for s in args.seeds if (d, t, s) not in done]
print(f"{len(todo)} runs to train ({len(done)} already in {results_path}), {args.jobs} at a time")

from tqdm import tqdm  # noqa: E402  (progress bar over the runs)

study_started = time.perf_counter()
with ProcessPoolExecutor(max_workers=args.jobs) as pool, open(results_path, "a") as results_file:
    futures = {pool.submit(run_one, d, t, s, args.out): (d, t, s) for d, t, s in todo}
    for future in tqdm(as_completed(futures), total=len(futures), unit="run"):
        row = future.result()
        done[(row["dataset"], row["technique"], row["seed"])] = row
        results_file.write(strict_json(row) + "\n")
        results_file.flush()
study_seconds = time.perf_counter() - study_started
print(f"trained {len(todo)} runs in {study_seconds / 60:.1f} min")

# ---- the table ------------------------------------------------------------------------------------
rows = {}
print(f"\n{'data':5} {'technique':38} {'modes':>11} {'high quality %':>15} {'reverse KL':>13} {'s/run':>6}")
for dataset in args.datasets:
    for technique in args.techniques:
        runs = [done[(dataset, technique, s)] for s in args.seeds]
        summary = {"modes": mean_std([r["modes_captured"] for r in runs]),
                   "hq": mean_std([r["high_quality_percent"] for r in runs]),
                   "kl": mean_std([r["reverse_kl"] for r in runs]),
                   "seconds": float(numpy.mean([r["seconds"] for r in runs])), "runs": runs}
        rows[(dataset, technique)] = summary
        print(f"{dataset:5} {LABELS[technique]:38} {summary['modes'][0]:5.1f} ± {summary['modes'][1]:3.1f} "
              f"{summary['hq'][0]:8.1f} ± {summary['hq'][1]:4.1f} {summary['kl'][0]:6.2f} ± {summary['kl'][1]:4.2f} "
              f"{summary['seconds']:6.0f}")

full = set(args.techniques) == set(TECHNIQUES) and set(args.datasets) == set(DATASETS) \
    and sorted(args.seeds) == [0, 1, 2, 3, 4]
if not full:
    print("\n(a slice of the study: docs/mode-collapse.md is only rewritten by the full study)")
    sys.exit(0)

# ---- pictures: seed 0 of every technique, ring and grid side by side ------------------------------
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

image_dir = os.path.join(os.path.dirname(args.doc), "img", "mode_collapse")
os.makedirs(image_dir, exist_ok=True)
modes_of = {"ring": ring_modes(), "grid": grid_modes()}
for technique in TECHNIQUES:
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.3))
    for ax, dataset in zip(axes, DATASETS):
        points = numpy.load(os.path.join(args.out, dataset, technique, "seed0", "points.npy"))
        run = done[(dataset, technique, 0)]
        modes = modes_of[dataset]
        ax.scatter(points[:, 0], points[:, 1], s=2, c="tab:orange", alpha=0.4)
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", c="black", s=20)
        lim = 1.3 * float(abs(modes).max()) + 0.5
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{dataset}: {run['modes_captured']}/{run['n_modes']} modes, "
                     f"{run['high_quality_percent']:.0f}% HQ", fontsize=8)
    fig.suptitle(f"{LABELS[technique]} (seed 0, 2,500 samples)", fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, os.path.join(image_dir, f"{technique}.png"), dpi=90)
    plt.close(fig)


# ---- the page's generated part ------------------------------------------------------------------
def fmt(pair, digits):
    return f"{pair[0]:.{digits}f} ± {pair[1]:.{digits}f}"


def beats(ours, published):
    """The published rows this row beats on all the metrics both report (more modes, more HQ, lower KL)."""
    won = []
    for source, name, modes, hq, kl in published:
        modes, hq, kl = published_mean(modes), published_mean(hq), published_mean(kl)
        better = ours["modes"][0] > modes and ours["hq"][0] > hq and (kl is None or ours["kl"][0] < kl)
        if better:
            won.append(f"{source} {name}")
    return won


lines = ["<!-- generated by demos/mode_collapse_study.py: edits between these markers are overwritten -->", ""]
for dataset in DATASETS:
    n_modes = 8 if dataset == "ring" else 25
    lines += [f"### {dataset.capitalize()}: {'8 Gaussians on a circle of radius 2, std 0.02' if dataset == 'ring' else '25 Gaussians on a 5 × 5 grid, spacing 2, std 0.05'}",
              "", f"| | modes (of {n_modes}) | high-quality % | reverse KL | per seed: modes / HQ % / KL | s per run |",
              "|---|---|---|---|---|---|"]
    for technique in TECHNIQUES:
        r = rows[(dataset, technique)]
        per_seed = "; ".join(f"{x['modes_captured']} / {x['high_quality_percent']:.1f} / {x['reverse_kl']:.2f}"
                             for x in r["runs"])
        lines.append(f"| **minigan: {LABELS[technique]}** | {fmt(r['modes'], 1)} | {fmt(r['hq'], 1)} | "
                     f"{fmt(r['kl'], 2)} | {per_seed} | {r['seconds']:.0f} |")
    for source, name, modes, hq, kl in PUBLISHED[dataset]:
        spread = "(± standard error, 10 trials)" if kl is not None else "(mean of 5 runs)"
        modes, hq, kl = (("–" if t is None else t.replace("±", " ± ")) for t in (modes, hq, kl))
        lines.append(f"| {source}: {name} | {modes} | {hq} | {kl} | {spread} | |")
    lines += ["", "Which published rows each of ours beats on every metric both report (more modes, more "
              "high-quality samples and, where the paper gives it, a lower reverse KL):", ""]
    for technique in TECHNIQUES:
        won = beats(rows[(dataset, technique)], PUBLISHED[dataset])
        lines.append(f"- {LABELS[technique]}: {', '.join(won) if won else 'none'}")
    lines.append("")
lines += ["Pictures (seed 0 of each technique, ring left, grid right):", ""]
lines += [f"![{LABELS[t]}](img/mode_collapse/{t}.png)" for t in TECHNIQUES]
total_cpu = sum(r["seconds"] for r in done.values())
lines += ["", f"Wall time: {study_seconds / 60:.1f} min for this invocation ({len(todo)} runs trained, "
          f"{args.jobs} at a time); {total_cpu / 60:.1f} min of training summed over all 100 runs. "
          f"Command: `python demos/mode_collapse_study.py --fresh`.", "",
          "<!-- end of the generated part -->"]

begin, end = "<!-- generated by demos/mode_collapse_study.py", "<!-- end of the generated part -->"
text = open(args.doc).read() if os.path.exists(args.doc) else f"# Mode collapse\n\n{begin}\n{end}\n"
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
with atomic_path(args.doc) as tmp, open(tmp, "w") as f:
    f.write(head + "\n".join(lines) + tail)
print(f"\nwrote {args.doc} and {image_dir}/*.png")
