"""How the networks read the label: the measurements behind minigan's choices (docs/conditional-gans.md).

    python demos/conditional_ablation.py          # about 25 minutes on an idle 2-core laptop

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

args = demo_arguments(__doc__, "runs/demo_ablation")
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
] + [(f"InfoGAN mlp, code √62, seed {s}", MLP + ["--infogan", "--seed", str(s)], InfoGAN, {"code_scale": 62 ** 0.5})
     for s in (0, 1, 2)] + [
    ("InfoGAN dcgan width 0.25, 10 epochs, seed 0", ["--model", "dcgan", "--width", "0.25", "--epochs", "10", "--infogan"],
     InfoGAN, {}),
]
os.makedirs(OUT, exist_ok=True)

table = ["| run | FID | label (code) accuracy |", "|---|---|---|"]
for name, flags, piece, settings in ROWS:
    saved = {key: getattr(piece, key) for key in settings}
    for key, value in settings.items():          # AuxiliaryClassifier inherits ClassConditional's settings
        setattr(piece, key, value)
    try:
        folder = os.path.join(OUT, name.split(" (")[0].replace(", ", "_").replace(" ", "_").replace("√", "sqrt"))
        run_command(["train", *flags, "--dataset", "mnist", "--out", folder, *REPLACE, "--quiet"])
        result = evaluate_run(folder, n=10000)   # sampled with the same settings it was trained with
    finally:
        for key, value in saved.items():
            setattr(piece, key, value)
    accuracy = result.get("label_accuracy", result.get("code_accuracy"))
    row = {"run": name, "flags": " ".join(flags), "settings": settings, "fid": result["fid"], "accuracy": accuracy}
    print(json.dumps(row))
    with open(os.path.join(OUT, "results.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")
    table.append(f"| {name} | {result['fid']:.1f} | {100 * accuracy:.2f}% |")
print("\n".join(table))
