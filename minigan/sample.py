"""``minigan sample``: draw samples from a trained run's generator.

Images are written as ``images``: uint8, 0..255, shape (N, 28, 28); toy runs as ``points``:
float, shape (N, 2). The generator runs in eval mode (BatchNorm uses its running statistics).
"""
from __future__ import annotations

import json
import os

import numpy

from . import checkpoint, models
from .backend import manual_seed, set_device, to_device, to_numpy
from .data import to_uint8
from .io import atomic_path


def load_generator(run: str, device: str = "cpu", raw_weights: bool = False):
    """The generator of run folder ``run`` (from its latest checkpoint) and the run's configuration.

    For a run trained with ``--ema`` this is the averaged generator, unless ``raw_weights``."""
    path = os.path.join(run, "checkpoint.npz")
    if not os.path.isdir(run):
        raise checkpoint.CheckpointError(f"minigan sample: the run folder {run!r} does not exist")
    meta = checkpoint.read_meta(path)
    config = meta["config"]
    set_device(device)
    manual_seed(0)
    G, _ = models.build_from_config(config)
    which = "G_ema" if config.get("ema") and not raw_weights else "G"
    checkpoint.load(path, {which: G})
    bad = checkpoint.first_non_finite({which: G})
    if bad is not None:
        raise checkpoint.CheckpointError(f"minigan sample: the checkpoint {path!r} holds NaN or Inf weights ({bad}); "
                                         "its samples would be meaningless")
    return G.eval(), config


def generate(G, n: int, noise_dim: int, rng, device: str = "cpu", batch_size: int = 500) -> numpy.ndarray:
    """``n`` samples of G (in eval mode, restored after) from noise drawn with ``rng``, as NumPy."""
    was_training = G.training
    G.eval()
    chunks = []
    for start in range(0, n, batch_size):
        z = rng.standard_normal((min(batch_size, n - start), noise_dim)).astype(numpy.float32)
        chunks.append(to_numpy(G.predict(to_device(z, device))))
    G.train(was_training)
    return numpy.concatenate(chunks)


def sample(run: str, n: int, out: str, grid: str | None = None, seed: int = 0, device: str = "cpu",
           batch_size: int = 500, raw_weights: bool = False) -> numpy.ndarray:
    if n <= 0:
        raise ValueError(f"minigan sample: expected --n > 0, got {n}")
    G, config = load_generator(run, device, raw_weights)
    rng = numpy.random.default_rng(seed)
    generated = generate(G, n, models.NOISE_DIM[config["model"]], rng, device, batch_size)
    toy = config["model"] == "toy"
    arrays = {"points": generated.astype(numpy.float64)} if toy else {"images": to_uint8(generated)[:, 0]}
    arrays["config"] = numpy.array(json.dumps(config))
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as f:
            numpy.savez(f, **arrays)
    if grid:
        from . import plots
        if toy:
            from .data import toy as toy_data
            ring = config["dataset"] == "ring"
            modes = toy_data.ring_modes() if ring else toy_data.grid_modes()
            real = (toy_data.ring if ring else toy_data.grid)(2000, numpy.random.default_rng(seed + 1))
            plots.save_toy_scatter(real, generated[:2000], modes, grid, f"{min(n, 2000)} of {n} samples from {run}")
        else:
            plots.save_image_grid(generated[:64], grid, f"64 of {n} samples from {run}")
    return generated
