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
import tempfile

import numpy

from minigan import conditional, models
from minigan.backend import manual_seed, set_device, to_device, to_numpy
from minigan.checks import check_fits
from minigan.conditional import codes_to
from minigan.data import to_uint8
from minigan.data import toy as toy_data
from minigan.evaluation import evaluate
from minigan.io import atomic_path

from . import checkpoint, pictures
from .config import from_checkpoint_record


def load_generator(run: str, device: str = "cpu", raw_weights: bool = False):
    """The generator of run folder ``run`` (from its latest checkpoint) and the run's configuration.

    For a run trained with ``--ema`` this is the averaged generator, unless ``raw_weights``."""
    path = os.path.join(run, "checkpoint.npz")
    if not os.path.isdir(run):
        raise checkpoint.CheckpointError(f"minigan sample: the run folder {run!r} does not exist")
    meta = checkpoint.read_meta(path)
    config = meta["config"]
    from_checkpoint_record(config, path)          # a damaged record is named here, not deep inside a layer
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


def load_discriminator(run: str, device: str = "cpu"):
    """The discriminator (WGAN's critic) of run folder ``run``, from its latest checkpoint, in eval mode,
    and the run's configuration: for pictures of its value over the data space."""
    path = os.path.join(run, "checkpoint.npz")
    meta = checkpoint.read_meta(path)
    from_checkpoint_record(meta["config"], path)
    set_device(device)
    manual_seed(0)
    _, D = models.build_from_config(meta["config"])
    checkpoint.load(path, {"D": D})
    return D.eval(), meta["config"]


def check_label(condition, label):
    """Refuse a ``--label`` this run cannot draw: any label on an unconditional run, or one outside its classes."""
    if label is None:
        return
    if isinstance(label, bool) or not isinstance(label, (int, numpy.integer)):
        raise ValueError(f"minigan sample: expected --label to be a class index, got {label!r}")
    if not condition.classes:
        raise ValueError("minigan sample: --label asks for a class, but this run is unconditional (trained "
                         "without --conditional, --loss acgan or --infogan); its generator takes noise only")
    allowed = condition.allowed.tolist()
    if label in set(allowed):
        return
    if len(allowed) == condition.classes:
        raise ValueError(f"minigan sample: expected --label (a {condition.label_noun}) in [0, {condition.classes}), "
                         f"got {label}")
    raise ValueError(f"minigan sample: expected --label to be one of the classes this run was trained on "
                     f"(--classes {' '.join(map(str, allowed))}), got {label}")


def sample_codes(condition, n: int, rng, label: int | None = None) -> tuple:
    """Host codes for ``n`` samples to look at: all of class ``label``, or the run's classes in turn
    (0, 1, …, 9, 0, …); () for an unconditional run."""
    check_label(condition, label)
    if not condition.classes:
        return ()
    allowed = condition.allowed
    labels = numpy.full(n, label) if label is not None else allowed[numpy.arange(n) % len(allowed)]
    return condition.codes_for(labels.astype(numpy.int64), rng)


def grid_codes(condition, columns: int, rng) -> tuple:
    """Host codes for a picture with one row per class, ``columns`` samples each; () without classes."""
    if not condition.classes:
        return ()
    return condition.codes_for(numpy.repeat(condition.allowed, columns).astype(numpy.int64), rng)


def generate(G, n: int, noise_dim: int, rng, device: str = "cpu", batch_size: int = 500, codes: tuple = (),
             condition=None, where: str = "minigan sample", fewer: str = "--n") -> numpy.ndarray:
    """``n`` samples of G (in eval mode, restored after) from noise drawn with ``rng``, as NumPy.
    ``codes``: host arrays of n rows each (labels, InfoGAN's codes) that ``condition`` joins to z.
    ``n`` too many to hold is refused after the first chunk (``where`` and the flag ``fewer`` name it)."""
    was_training = G.training
    G.eval()
    chunks = []
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        z = to_device(rng.standard_normal((stop - start, noise_dim)).astype(numpy.float32), device)
        if codes:
            z = condition.generator_input(z, codes_to(tuple(c[start:stop] for c in codes), device))
        chunks.append(to_numpy(G.predict(z)))
        if start == 0:      # one chunk gives the size of a sample
            check_samples_fit(where, n, chunks[0][0].nbytes, fewer)
    G.train(was_training)
    return numpy.concatenate(chunks)


def check_samples_fit(where: str, n: int, sample_bytes: int, fewer: str = "--n"):
    """``n`` samples of ``sample_bytes`` each must fit three times over: the chunks, their join and the
    copy that is saved or scored."""
    check_fits(where, 3 * n * sample_bytes, f"{n} samples", f"ask for fewer ({fewer}; FID is usually measured on 10000)")


def sample(run: str, n: int, out: str, grid: str | None = None, seed: int = 0, device: str = "cpu",
           batch_size: int = 500, raw_weights: bool = False, label: int | None = None,
           where: str = "minigan sample") -> numpy.ndarray:
    """Sample run ``run`` into ``out`` (see the module docstring); returns the samples. ``label``: ask a
    conditional run for this class only (an InfoGAN run: this categorical code). ``where``: the command
    that asked, for the messages."""
    if n <= 0:
        raise ValueError(f"{where}: expected --n > 0, got {n}")
    G, config = load_generator(run, device, raw_weights)
    condition = conditional.from_config(config)
    rng = numpy.random.default_rng(seed)
    codes = sample_codes(condition, n, rng, label)     # refuses --label on an unconditional run, or out of range
    generated = generate(G, n, models.noise_dim(config), rng, device, batch_size, codes, condition, where=where)
    toy = config["model"] in models.TOY_MODELS
    arrays = {"points": generated.astype(numpy.float64)} if toy else {"images": to_uint8(generated)[:, 0]}
    arrays.update(zip(condition.code_names, codes))      # labels (and InfoGAN's continuous codes)
    arrays["config"] = numpy.array(json.dumps(config))
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as f:
            numpy.savez(f, **arrays)
    if grid:
        # An averaged run's two generators must not share a title.
        weights = (", raw weights" if raw_weights else ", EMA weights") if config.get("ema") else ""
        if toy:
            ring = config["dataset"] == "ring"
            modes = toy_data.ring_modes() if ring else toy_data.grid_modes()
            real = (toy_data.ring if ring else toy_data.grid)(2000, numpy.random.default_rng(seed + 1))
            pictures.save_toy_scatter(real, generated[:2000], modes, grid,
                                      f"{min(n, 2000)} of {n} samples from {run}{weights}")
        elif condition.classes and label is None:
            # One row per class (per categorical code), 10 samples each, from the grid's own noise.
            grid_rng = numpy.random.default_rng(seed + 1)
            codes = grid_codes(condition, 10, grid_rng)
            images = generate(G, len(codes[0]), models.noise_dim(config), grid_rng, device, batch_size, codes, condition)
            pictures.save_image_grid(images, grid, f"samples from {run}{weights}" + pictures.caption(condition), columns=10)
        else:
            asked = f" (label {label})" if label is not None else ""
            pictures.save_image_grid(generated[:64], grid, f"64 of {n} samples from {run}{asked}{weights}")
    return generated


def evaluate_run(run: str, n: int = 10000, seed: int = 0, raw_weights: bool = False) -> dict:
    """``minigan eval --run``: ``n`` samples of the run's generator, scored by minigan/evaluation/evaluate.py."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "samples.npz")
        generated = sample(run, n, path, seed=seed, raw_weights=raw_weights, where="minigan eval")   # floats
        with numpy.load(path) as f:
            labels = f["labels"] if "labels" in f.files else None              # what each sample was asked to show
    # The checkpoint's own record decides (config.json is a copy a person may have edited).
    config = checkpoint.read_meta(os.path.join(run, "checkpoint.npz"))["config"]
    if config["dataset"] in evaluate.TOY_STD:
        return evaluate.evaluate_points(generated, config["dataset"], config.get("toy_scale", 1.0))
    return evaluate.evaluate_images(generated, config["dataset"], labels=labels, labels_are_codes=bool(config.get("infogan")))
