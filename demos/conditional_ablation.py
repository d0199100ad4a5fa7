"""How the networks read the label: the measurements behind minigan's choices (docs/conditional-gans.md).

    python demos/conditional_ablation.py                   # seed 0: about 25 minutes on an idle 2-core laptop
    python demos/conditional_ablation.py --seeds 0 1 2     # one run is one draw: three, and the range

A row already in results.jsonl (same run, same seed) is not trained again, so a study cut short
goes on where it stopped.

Each row trains one run with one setting changed from minigan's choice, evaluates it (FID, and the
label accuracy, or InfoGAN's code accuracy after matching), and appends it to
runs/demo_ablation/results.jsonl; the last line printed is the markdown table of docs. The
settings are class attributes of the conditioning pieces (minigan/conditional/__init__.py,
minigan/conditional/infogan.py), set here for one run and put back after it:

* ``generator_label_scale``: the one-hot label in G's input times this (1: plain; 10 = √100, z's norm);
* ``mlp_discriminator_label_scale``: the same in the mlp D's input (28 = √784, the image's norm);
* ``dcgan_discriminator``: "projection" or "planes";
* ``InfoGAN.code_scale``: the categorical code in G's input (√62, z's norm, against the plain 1);

and the flag ``--mismatch 0``: the cGAN without its mismatched pairs (minigan/conditional/mismatch.py).
"""
import json
import os

from minigan.cli import demo_arguments, run_command
from minigan.conditional import ClassConditional
from minigan.training.sample import evaluate_run
from minigan.conditional.infogan import InfoGAN

args = demo_arguments(__doc__, "runs/demo_ablation", add=lambda parser: parser.add_argument(
    "--seeds", type=int, nargs="+", default=[0], metavar="S", help="train every row once per seed (default: 0)"))
OUT = args.out
REPLACE = ["--overwrite"] if args.overwrite else []     # a run this demo wrote before
MLP = ["--model", "mlp", "--epochs", "10"]
DCGAN = ["--model", "dcgan", "--width", "0.25", "--epochs", "3"]
PLAIN = ["--mismatch", "0"]   # Mirza & Osindero's cGAN: D never sees a real image with a wrong label
ROWS = [  # (name, flags, the piece's class, {attribute: value})
    ("cGAN mlp, G 1, D 1, no mismatch", MLP + ["--conditional"] + PLAIN, ClassConditional,
     {"generator_label_scale": 1.0, "mlp_discriminator_label_scale": 1.0}),
    ("cGAN mlp, G 1, D 28, no mismatch", MLP + ["--conditional"] + PLAIN, ClassConditional, {}),
    ("cGAN mlp, G 10, D 28, no mismatch", MLP + ["--conditional"] + PLAIN, ClassConditional,
     {"generator_label_scale": 10.0}),
    ("cGAN mlp, G 1, D 28, mismatched pairs (minigan)", MLP + ["--conditional"], ClassConditional, {}),
    ("cGAN dcgan, label planes, G 1, no mismatch", DCGAN + ["--conditional"] + PLAIN, ClassConditional,
     {"dcgan_discriminator": "planes"}),
    ("cGAN dcgan, label planes, G 10, no mismatch", DCGAN + ["--conditional"] + PLAIN, ClassConditional,
     {"dcgan_discriminator": "planes", "generator_label_scale": 10.0}),
    ("cGAN dcgan, projection, G 1, no mismatch", DCGAN + ["--conditional"] + PLAIN, ClassConditional, {}),
    ("cGAN dcgan, projection, G 1, mismatched pairs (minigan)", DCGAN + ["--conditional"], ClassConditional, {}),
    ("AC-GAN mlp, G 1 (minigan)", MLP + ["--loss", "acgan"], ClassConditional, {}),
    ("AC-GAN mlp, G 10", MLP + ["--loss", "acgan"], ClassConditional, {"generator_label_scale": 10.0}),
    ("InfoGAN mlp, code √62", MLP + ["--infogan"], InfoGAN, {"code_scale": 62 ** 0.5}),
    ("InfoGAN dcgan width 0.25, 10 epochs", ["--model", "dcgan", "--width", "0.25", "--epochs", "10", "--infogan"],
     InfoGAN, {}),
]
os.makedirs(OUT, exist_ok=True)

results_file = os.path.join(OUT, "results.jsonl")
done = {}                                        # (run, seed) -> row, from an earlier (perhaps cut short) study
if os.path.exists(results_file) and not args.overwrite:
    with open(results_file) as f:
        for line in f:
            row = json.loads(line)
            done[row["run"], row.get("seed", 0)] = row

for name, flags, piece, settings in ROWS:         # row by row, every seed: a study cut short has whole rows
    for seed in args.seeds:
        if (name, seed) in done:
            continue
        saved = {key: getattr(piece, key) for key in settings}
        for key, value in settings.items():      # AuxiliaryClassifier inherits ClassConditional's settings
            setattr(piece, key, value)
        try:
            folder = os.path.join(OUT, name.split(" (")[0].replace(", ", "_").replace(" ", "_").replace("√", "sqrt")
                                  + f"_seed{seed}")
            run_command(["train", *flags, "--seed", str(seed), "--dataset", "mnist", "--out", folder, *REPLACE, "--quiet"])
            result = evaluate_run(folder, n=10000)   # sampled with the same settings it was trained with
        finally:
            for key, value in saved.items():
                setattr(piece, key, value)
        accuracy = result.get("label_accuracy", result.get("code_accuracy"))
        row = {"run": name, "seed": seed, "flags": " ".join(flags), "settings": settings,
               "fid": result["fid"], "accuracy": accuracy}
        print(json.dumps(row), flush=True)
        with open(results_file, "a") as f:
            f.write(json.dumps(row) + "\n")
        done[name, seed] = row

# One column per seed, then the range: one run is one draw.
seeds = args.seeds
table = ["| run | " + " | ".join(f"seed {s}: FID, accuracy" for s in seeds) + " | FID range | accuracy range |",
         "|---|" + "---|" * (len(seeds) + 2)]
for name, *_ in ROWS:
    rows = [done[name, s] for s in seeds]
    cells = [f"{r['fid']:.1f}, {100 * r['accuracy']:.2f}%" for r in rows]
    fids, accuracies = [r["fid"] for r in rows], [100 * r["accuracy"] for r in rows]
    table.append(f"| {name} | " + " | ".join(cells) + f" | {min(fids):.1f}–{max(fids):.1f} | "
                 f"{min(accuracies):.2f}–{max(accuracies):.2f}% |")
print("\n".join(table))
