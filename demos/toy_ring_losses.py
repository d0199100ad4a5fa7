"""The minimax loss against the non-saturating loss on the ring of 8 Gaussians (minigan's small toy GAN).

Time: about 12 seconds on an idle 2-core laptop with both cores (two runs of 10 epochs × 195 steps
of a small MLP GAN; measured 12.2 s).

The ring is the standard testbed for mode collapse: the data has 8 well-separated modes, and a
generator that covers only some of them has collapsed. We train the same toy GAN twice, changing
only the generator's loss:

* minimax:        G minimizes log(1 − D(G(z)));  its gradient vanishes when D rejects the fakes;
* non-saturating: G minimizes −log D(G(z));      strong gradient exactly then.

Then we count, after every epoch, how many modes have generated samples within 3 standard
deviations (the VEEGAN/PacGAN definition of a "high-quality" sample), and draw the samples.
Watch the counts: a run that chases one mode after another, or sits on a few, is collapsing.
One run is one draw: results move with the seed and with the thread count, which rounds the
matrix products differently (docs/training.md#cpu-threads). `--seeds 0 1 2 3 4` on the 2-core
reference machine (2026-12-01), modes covered and the share of samples within 3 std:

    2 BLAS threads (the default there)   minimax        7-8 modes, 26% to 72%  (seed 0: 7, 26%)
                                         non-saturating 7-8 modes, 18% to 54%  (seed 0: 8, 54%)
    1 thread (--threads 1)               minimax        8 modes,   15% to 43%  (seed 0: 8, 43%)
                                         non-saturating 8 modes,   30% to 67%  (seed 0: 8, 30%)

Every seed is in docs/metrics.md. On the ring, neither loss collapses reliably at these settings;
the spread between seeds is larger than the difference between the losses. For a collapse that
happens (a set-up whose plain GAN moves round the ring, never covering it), see
demos/toy_ring_mode_collapse.py.
"""
import os

import numpy

from minigan.cli import demo_arguments
from minigan.data import ring_modes
from minigan.training.pictures import save_toy_scatter
from minigan.training.sample import load_generator
from minigan.training import TrainConfig, train

args = demo_arguments(__doc__, "runs/demo_toy_ring_losses", add=lambda p: p.add_argument(
    "--seeds", type=int, nargs="+", default=[0], metavar="S", help="train each loss once per seed (default: 0)"))
OUT = args.out
STD = 0.02                       # the ring's mode width (minigan.data.ring's default)
modes = ring_modes()             # (8, 2)


def modes_covered(points):
    """Modes with at least one generated point within 3 std, and the share of such points."""
    distances = numpy.linalg.norm(points[:, None, :] - modes[None, :, :], axis=2)    # (n, 8)
    near = distances.min(axis=1) < 3 * STD
    covered = set(distances.argmin(axis=1)[near].tolist())
    return len(covered), near.mean()


results = {"minimax": [], "nonsaturating": []}
for seed in args.seeds:
    for loss in results:
        name = loss if seed == 0 else f"{loss}_seed{seed}"
        run = os.path.join(OUT, name)
        config = TrainConfig(model="toy", dataset="ring", loss=loss, epochs=10, batch_size=256, lr_g=1e-3,
                             lr_d=1e-3, out=run, seed=seed)
        train(config, overwrite=args.overwrite)

        # The trained generator, on 5000 fresh noise vectors.
        G, _ = load_generator(run)
        points = G.predict(numpy.random.default_rng(1).standard_normal((5000, 2)).astype(numpy.float32))
        covered, quality = modes_covered(points)
        results[loss].append((covered, quality))
        print(f"{loss:>14}, seed {seed}: {covered} of 8 modes covered, {100 * quality:.0f}% of samples within 3 std "
              "of a mode")
        save_toy_scatter(numpy.asarray(modes), points, modes, os.path.join(OUT, f"{name}.png"),
                         f"{loss}, seed {seed}: {covered}/8 modes, {100 * quality:.0f}% high quality")

if len(args.seeds) > 1:                 # one run is one draw: the spread over the seeds
    for loss, runs in results.items():
        counts, shares = [c for c, _ in runs], [100 * q for _, q in runs]
        print(f"{loss:>14}, seeds {' '.join(map(str, args.seeds))}: {min(counts)} to {max(counts)} modes, "
              f"{min(shares):.0f}% to {max(shares):.0f}% high quality")
print(f"pictures: {OUT}/minimax.png, {OUT}/nonsaturating.png (and *_seedS.png); per-epoch samples and curves in "
      "each run folder")
