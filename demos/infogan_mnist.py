"""InfoGAN on MNIST: three seeds, the categorical code's accuracy after matching codes to digits,
and the latent traversals. The runs of docs/metrics.md (InfoGAN): the paper's networks
(``--model infogan``, docs/infogan.md#the-networks) at half width, with the paper's generator rate
(1e-3) and batch size (128), for 10 epochs.

    python demos/infogan_mnist.py            # about 25 minutes on an idle 2-core laptop (8 per seed)

Writes runs/demo_infogan/seed<S>/ (with traversal_c1.png and traversal_c2.png: rows = categorical
code, columns = a continuous code from −2 to 2) and runs/demo_infogan/results.jsonl, one line per
seed, failures included.
"""
import json
import os

from minigan.cli import demo_arguments, run_command
from minigan.training.sample import evaluate_run

args = demo_arguments(__doc__, "runs/demo_infogan")
OUT = args.out
REPLACE = ["--overwrite"] if args.overwrite else []     # a run this demo wrote before
os.makedirs(OUT, exist_ok=True)

for seed in (0, 1, 2):
    folder = os.path.join(OUT, f"seed{seed}")
    command = ["train", "--model", "infogan", "--width", "0.5", "--infogan", "--dataset", "mnist", "--epochs", "10",
               "--lr-g", "1e-3", "--batch-size", "128", "--seed", str(seed), "--out", folder, *REPLACE]
    run_command(command)
    result = evaluate_run(folder, n=10000)
    row = {"seed": seed, "command": "minigan " + " ".join(command), "fid": result["fid"],
           "code_accuracy": result["code_accuracy"], "code_to_class": result["code_to_class"],
           "reaches_90_percent": result["code_accuracy"] >= 0.90}
    print(json.dumps(row))
    with open(os.path.join(OUT, "results.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")
