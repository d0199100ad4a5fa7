"""Choosing what to generate: the conditional GAN (MLP and DCGAN) and AC-GAN on MNIST, trained,
sampled one class at a time and evaluated. The runs of docs/metrics.md (conditional GANs).

    python demos/conditional_mnist.py            # about 15 minutes on an idle 2-core laptop

Writes runs/demo_conditional/<name>/ (each an ordinary run folder: samples per epoch, one row per
class), a grid of sevens per run, and runs/demo_conditional/results.jsonl, one line per run with its
command, FID and label accuracy (does a requested 7 look like a 7?).
"""
import json
import os

from minigan.cli import demo_arguments, run_command
from minigan.training.sample import evaluate_run

args = demo_arguments(__doc__, "runs/demo_conditional")
OUT = args.out
REPLACE = ["--overwrite"] if args.overwrite else []     # a run this demo wrote before
SEEDS = (0, 1, 2)       # the two cGAN runs have targets (issue 12), so every seed is reported
RUNS = {
    **{f"cgan_mlp_seed{s}": ["--model", "mlp", "--conditional", "--epochs", "10", "--seed", str(s)] for s in SEEDS},
    **{f"cgan_dcgan_w025_seed{s}": ["--model", "dcgan", "--width", "0.25", "--conditional", "--epochs", "3",
                                    "--seed", str(s)] for s in SEEDS},
    "acgan_mlp": ["--model", "mlp", "--loss", "acgan", "--epochs", "10"],
}
os.makedirs(OUT, exist_ok=True)

for name, flags in RUNS.items():
    folder = os.path.join(OUT, name)
    command = ["train", *flags, "--dataset", "mnist", "--out", folder, *REPLACE]
    run_command(command)

    # Ask for one class: ten sevens.
    run_command(["sample", "--run", folder, "--n", "10", "--label", "7", "--out", os.path.join(folder, "sevens.npz"),
          "--grid", os.path.join(folder, "sevens.png")])

    # FID and label accuracy on 10,000 samples, 1,000 of each class.
    result = evaluate_run(folder, n=10000)
    row = {"run": name, "command": "minigan " + " ".join(command), "fid": result["fid"],
           "label_accuracy": result["label_accuracy"]}
    print(json.dumps(row))
    with open(os.path.join(OUT, "results.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")
