"""``minigan sample``: draw samples from a trained run's generator.

Images are written as ``images``: uint8, 0..255, shape (N, 28, 28); toy runs as ``points``:
float, shape (N, 2). The generator runs in eval mode (BatchNorm uses its running statistics).

A conditional run (cGAN, AC-GAN) also writes ``labels``: int64 (N,), the class each sample was asked
for, balanced over the run's classes (0, 1, …, 9, 0, 1, …) unless ``--label K`` asks for one class.
An InfoGAN run writes its categorical code as ``labels`` (a code, not a class: ``minigan eval``
matches codes to classes) and its continuous codes as ``continuous`` (N, 2).
"""
from __future__ import annotations

import json
import os

import numpy

from . import checkpoint, conditioning, models
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


def generate(G, n: int, noise_dim: int, rng, device: str = "cpu", batch_size: int = 500, codes: tuple = (),
             condition=None) -> numpy.ndarray:
    """``n`` samples of G (in eval mode, restored after) from noise drawn with ``rng``, as NumPy.
    ``codes``: host arrays of n rows each (labels, InfoGAN's codes) that ``condition`` joins to z."""
    was_training = G.training
    G.eval()
    chunks = []
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        z = to_device(rng.standard_normal((stop - start, noise_dim)).astype(numpy.float32), device)
        if codes:
            z = condition.generator_input(z, conditioning.codes_to(tuple(c[start:stop] for c in codes), device))
        chunks.append(to_numpy(G.predict(z)))
    G.train(was_training)
    return numpy.concatenate(chunks)


def sample(run: str, n: int, out: str, grid: str | None = None, seed: int = 0, device: str = "cpu",
           batch_size: int = 500, raw_weights: bool = False, label: int | None = None) -> numpy.ndarray:
    """Sample run ``run`` into ``out`` (see the module docstring); returns the samples. ``label``: ask a
    conditional run for this class only (an InfoGAN run: this categorical code)."""
    if n <= 0:
        raise ValueError(f"minigan sample: expected --n > 0, got {n}")
    if label is not None and (isinstance(label, bool) or not isinstance(label, (int, numpy.integer))):
        raise ValueError(f"minigan sample: expected --label to be a class index, got {label!r}")
    G, config = load_generator(run, device, raw_weights)
    condition = conditioning.from_config(config)
    rng = numpy.random.default_rng(seed)
    codes = condition.sample_codes(n, rng, label)     # refuses --label on an unconditional run, or out of range
    generated = generate(G, n, models.noise_dim(config), rng, device, batch_size, codes, condition)
    toy = config["model"] == "toy"
    arrays = {"points": generated.astype(numpy.float64)} if toy else {"images": to_uint8(generated)[:, 0]}
    arrays.update(condition.sample_arrays(codes))      # labels (and InfoGAN's continuous codes)
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
        elif condition.classes and label is None:
            # One row per class (per categorical code), 10 samples each, from the grid's own noise.
            grid_rng = numpy.random.default_rng(seed + 1)
            grid_codes = condition.grid_codes(10, grid_rng)
            pictures = generate(G, len(grid_codes[0]), models.noise_dim(config), grid_rng, device, batch_size,
                                grid_codes, condition)
            plots.save_image_grid(pictures, grid, f"samples from {run}" + condition.picture_caption(), columns=10)
        else:
            asked = f" (label {label})" if label is not None else ""
            plots.save_image_grid(generated[:64], grid, f"64 of {n} samples from {run}{asked}")
    return generated
