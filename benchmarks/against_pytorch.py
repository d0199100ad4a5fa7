#!/usr/bin/env python3
"""minigan's training step beside PyTorch's, in one run: ms/step, the ratio, the BLAS kernel, the threads.

PyTorch is never a dependency of minigan or of its tests. Install both into an environment of
their own, beside the project's:

    python3 -m venv .venv-bench && . .venv-bench/bin/activate
    pip install -e . torch==2.13.0 threadpoolctl
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/against_pytorch.py --threads 2

(``env -u ...`` lets NumPy's OpenBLAS pick its native kernels, as on a learner's machine; the
project's machines force the Haswell ones.) Each minigan row is ``minigan bench train`` in a fresh
process; each PyTorch row builds the same networks and the same step in this one. Rows alternate
between the two, ``--rounds`` times, and the medians are printed.

The steps (the first three as ../shared/bench/torch_reference.py defines them):

* ``mlp``, ``dcgan``, ``dcgan-0.25``: z ~ N(0, 1), fake = G(z); D step: BCE(D(real), 1) +
  BCE(D(fake.detach()), 0), backward, Adam; G step: BCE(D(fake), 1) back through D, Adam.
  Adam 2e-4, betas (0.5, 0.999); batch 64 unless --batch-size.
* ``infogan``: minigan's ``models.infogan`` networks without codes (``minigan bench train --model
  infogan``; BatchNorm in D, so D sees real and fake in two passes on both sides), z of 62.
* ``pacgan``: the PacGAN toy experiment's step (``--recipe pacgan``, minigan/training/recipes.py):
  G 2 → 4 × [Linear 400 (no bias), BatchNorm (momentum 0.05), ReLU] → 2; D 3 × maxout (200 units,
  5 pieces) → 1; both gradients from the same batch and the same D, then both Adam steps (1e-4,
  betas (0.8, 0.999)); batch 100.
* ``wgan-gp-toy``: WGAN-GP's toy experiment (``--recipe wgan-gp-toy``): G 2 → 3 × [Linear 512, ReLU] → 2,
  the critic 2 → 3 × [Linear 512, ReLU] → 1; each step one critic update (D(G(z)) − D(x) + λ (‖∇D(x̂)‖ − 1)²
  at x̂ between real and fake, λ 0.1, the penalty's gradient by double backward), and every fifth step
  one G update (−D(G(z))); Adam 1e-4, betas (0.5, 0.9); batch 256. The time is per critic step (five
  steps and one G update, divided by five), as ``minigan bench train`` reports it.

``--width W`` scales every hidden width of the two toy set-ups on both sides (``minigan bench train
--recipe ... --width W``), for the growth with width; ``--batch-size`` for the growth with batch.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

MODELS = {"mlp": ["--model", "mlp"], "dcgan-0.25": ["--model", "dcgan", "--width", "0.25"],
          "dcgan": ["--model", "dcgan"], "infogan": ["--model", "infogan"], "pacgan": ["--recipe", "pacgan"],
          "wgan-gp-toy": ["--recipe", "wgan-gp-toy"]}
BATCH = {"pacgan": 100, "wgan-gp-toy": 256}
N_CRITIC = {"wgan-gp-toy": 5}
WIDTHS = ("pacgan", "wgan-gp-toy")        # the set-ups whose --width both sides follow


def scaled(units, width):
    """minigan.models' rounding of a hidden width, so both sides build the same networks."""
    return max(1, int(round(units * width)))


def minigan_ms(name, batch, threads, steps, width=1.0):
    """(ms per step, peak RSS in MiB) of ``minigan bench train`` in a fresh process."""
    cmd = [sys.executable, "-m", "minigan", "bench", "train", *MODELS[name], "--steps", str(steps),
           "--threads", str(threads)] + (["--width", str(width)] if name in WIDTHS else []) \
        + (["--batch-size", str(batch)] if batch else [])       # dcgan-0.25 brings its own --width
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return row["ms_per_step"], row["peak_rss_mib"]


def torch_ms_fresh(name, batch, threads, steps, width=1.0):
    """(ms per step, peak RSS in MiB) of the PyTorch step, in a fresh process as minigan's is."""
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-child", name, str(batch), str(threads), str(steps),
           str(width)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return row["ms"], row["rss"]


def torch_networks(name, torch, width=1.0):
    nn = torch.nn
    if name == "wgan-gp-toy":
        h = scaled(512, width)
        G = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                          nn.Linear(h, 2))
        D = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                          nn.Linear(h, 1))
        return G, D, 2, (2,)
    if name == "pacgan":
        h, u = scaled(400, width), scaled(200, width)
        layers, features = [], 2
        for _ in range(4):
            layers += [nn.Linear(features, h, bias=False), nn.BatchNorm1d(h, momentum=0.05), nn.ReLU()]
            features = h
        G = nn.Sequential(*layers, nn.Linear(h, 2))

        class Maxout(nn.Module):
            def __init__(self, i, o, k):
                super().__init__()
                self.linear, self.k, self.o = nn.Linear(i, o * k), k, o

            def forward(self, x):
                return self.linear(x).view(x.shape[0], self.k, self.o).max(dim=1).values

        D = nn.Sequential(Maxout(2, u, 5), Maxout(u, u, 5), Maxout(u, u, 5), nn.Linear(u, 1))
        return G, D, 2, (2,)
    if name == "infogan":          # minigan's models.infogan without codes (what bench train --model infogan times)
        G = nn.Sequential(nn.Linear(62, 1024), nn.BatchNorm1d(1024), nn.ReLU(), nn.Linear(1024, 7 * 7 * 128),
                          nn.BatchNorm1d(7 * 7 * 128), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
                          nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
        D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.1), nn.Conv2d(64, 128, 4, 2, 1),
                          nn.BatchNorm2d(128), nn.LeakyReLU(0.1), nn.Flatten(), nn.Linear(7 * 7 * 128, 1024),
                          nn.LeakyReLU(0.1), nn.Linear(1024, 1))
        return G, D, 62, (1, 28, 28)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
    import torch_reference
    G, D = torch_reference.build({"dcgan-0.25": "dcgan_small"}.get(name, name), torch)
    return G, D, 100, (1, 28, 28)


def wgan_gp_cycle(G, D, opt_g, opt_d, real, batch, z_dim, torch, gp_weight=0.1, n_critic=5):
    """n_critic critic updates with the gradient penalty, then one G update (what minigan's
    train_step does over n_critic steps of --recipe wgan-gp-toy)."""
    for turn in range(n_critic):
        g_turn = turn == n_critic - 1
        fake = G(torch.randn(batch, z_dim))
        if not g_turn:
            fake = fake.detach()
        opt_d.zero_grad()
        alpha = torch.rand(batch, 1)
        between = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
        grad, = torch.autograd.grad(D(between).sum(), between, create_graph=True)
        penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
        (D(fake.detach()).mean() - D(real).mean() + gp_weight * penalty).backward()
        opt_d.step()
        if g_turn:
            grads = torch.autograd.grad(-D(fake).mean(), list(G.parameters()))
            for p, g in zip(G.parameters(), grads):
                p.grad = g
            opt_g.step()


def torch_ms(name, batch, threads, steps, width=1.0):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    G, D, z_dim, shape = torch_networks(name, torch, width)
    G.train(), D.train()
    simultaneous = name == "pacgan"
    lr, betas = {"pacgan": (1e-4, (0.8, 0.999)), "wgan-gp-toy": (1e-4, (0.5, 0.9))}.get(name, (2e-4, (0.5, 0.999)))
    opt_g, opt_d = torch.optim.Adam(G.parameters(), lr=lr, betas=betas), torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    bce = torch.nn.BCEWithLogitsLoss()
    real = torch.rand((batch, *shape)) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        if name in N_CRITIC:
            return wgan_gp_cycle(G, D, opt_g, opt_d, real, batch, z_dim, torch, n_critic=N_CRITIC[name])
        fake = G(torch.randn(batch, z_dim))
        opt_d.zero_grad()
        (bce(D(real), ones) + bce(D(fake.detach()), zeros)).backward()
        if not simultaneous:
            opt_d.step()
        g_loss = bce(D(fake), ones)
        grads = torch.autograd.grad(g_loss, list(G.parameters()))        # D's .grad untouched, as minigan's frozen D
        for p, g in zip(G.parameters(), grads):
            p.grad = g
        if simultaneous:
            opt_d.step()                                                 # after G's gradient: both from the same D
        opt_g.step()

    for _ in range(5):
        step()
    times, per = [], N_CRITIC.get(name, 1)            # a cycle of n_critic steps, timed whole
    for _ in range(max(1, steps // per)):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) / per)
    return 1000 * statistics.median(times)


def blas():
    import numpy  # noqa: F401  (threadpoolctl reports the libraries already loaded)
    from threadpoolctl import threadpool_info
    return "; ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})" for i in threadpool_info()
                     if i["user_api"] == "blas")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--batch-size", type=int, default=None, help="default: 64, 100 for pacgan, 256 for wgan-gp-toy")
    parser.add_argument("--width", type=float, default=1.0, help="hidden-width multiplier of pacgan and wgan-gp-toy")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement (median)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per side, alternating")
    parser.add_argument("--torch-child", nargs=5, metavar=("MODEL", "BATCH", "THREADS", "STEPS", "WIDTH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch
    if args.torch_child:                              # one PyTorch measurement in this fresh process
        name, batch, threads, steps, width = args.torch_child
        ms = torch_ms(name, int(batch), int(threads), int(steps), float(width))
        print(json.dumps({"ms": ms, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        return
    print(f"# {time.strftime('%Y-%m-%d')}, {args.threads} threads; NumPy's BLAS: {blas()}; PyTorch {torch.__version__}; "
          "each measurement a fresh process, minigan and PyTorch alternating; peak RSS of that process")
    print("| model | width | batch | minigan ms/step | PyTorch ms/step | ratio | minigan peak RSS MiB | PyTorch peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models:
        batch = args.batch_size or BATCH.get(name, 64)
        width = args.width if name in WIDTHS else 1.0
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(minigan_ms(name, batch, args.threads, args.steps, width))
            theirs.append(torch_ms_fresh(name, batch, args.threads, args.steps, width))
        a, b = statistics.median(o[0] for o in ours), statistics.median(t[0] for t in theirs)
        ra, rb = max(o[1] for o in ours), max(t[1] for t in theirs)
        print(f"| {name} | {width:g} | {batch} | {a:.2f} | {b:.2f} | {a / b:.2f}× | {ra:.0f} | {rb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
