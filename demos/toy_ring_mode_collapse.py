"""Mode collapse on the ring of 8 Gaussians: the minimax loss against the non-saturating loss.

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
A fresh run with seed 0 on the 2-core reference machine, 2 BLAS threads (the default there):
minimax covered 7 of 8 modes with 26% of its samples within 3 std, non-saturating 8 of 8 with 54%.
With 1 thread (--threads 1 or MINIGAN_THREADS=1) the same seed gave 8 of 8 with 43% and 8 of 8 with
30%: a different thread count rounds the matrix products differently, and a GAN amplifies that
(docs/training.md#cpu-threads). So read one run as one draw: results move with the seed
(TrainConfig(seed=...)) and the thread count; run a few to see how often each loss collapses.
"""
import os

import numpy

from minigan.cli import demo_arguments
from minigan.data import ring_modes
from minigan.training.pictures import save_toy_scatter
from minigan.training.sample import load_generator
from minigan.training import TrainConfig, train

args = demo_arguments(__doc__, "runs/demo_toy_ring")
OUT = args.out
STD = 0.02                       # the ring's mode width (minigan.data.ring's default)
modes = ring_modes()             # (8, 2)


def modes_covered(points):
    """Modes with at least one generated point within 3 std, and the share of such points."""
    distances = numpy.linalg.norm(points[:, None, :] - modes[None, :, :], axis=2)    # (n, 8)
    near = distances.min(axis=1) < 3 * STD
    covered = set(distances.argmin(axis=1)[near].tolist())
    return len(covered), near.mean()


for loss in ("minimax", "nonsaturating"):
    run = os.path.join(OUT, loss)
    config = TrainConfig(model="toy", dataset="ring", loss=loss, epochs=10, batch_size=256, lr_g=1e-3,
                         lr_d=1e-3, out=run, seed=0)
    train(config, overwrite=args.overwrite)

    # The trained generator, on 5000 fresh noise vectors.
    G, _ = load_generator(run)
    points = G.predict(numpy.random.default_rng(1).standard_normal((5000, 2)).astype(numpy.float32))
    covered, quality = modes_covered(points)
    print(f"{loss:>14}: {covered} of 8 modes covered, {100 * quality:.0f}% of samples within 3 std of a mode")
    save_toy_scatter(numpy.asarray(modes), points, modes, os.path.join(OUT, f"{loss}.png"),
                     f"{loss}: {covered}/8 modes, {100 * quality:.0f}% high quality")

print(f"pictures: {OUT}/minimax.png, {OUT}/nonsaturating.png; per-epoch samples and curves in each run folder")
