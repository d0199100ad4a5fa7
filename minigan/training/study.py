"""The machinery of the demos' long studies (demos/pacgan_toy.py, demos/unrolled_toy.py): a run
trained in chunks, each resuming the last from its checkpoint, and scored after each chunk.

minigan resumes bit for bit, so a run trained in chunks is the run trained in one go
(tests/test_recipes.py checks it); what the chunks add is a score at every boundary, and a study
that stops (a machine session ends) loses at most one chunk: its results file says what is done.
"""
from __future__ import annotations

import os

import numpy

from tqdm import tqdm

from minigan import models
from minigan.evaluation.evaluate import evaluate_points
from minigan.io import atomic_path, read_jsonl, strict_json

from . import TrainConfig, recipes, train
from .sample import generate, load_generator

N_POINTS = 2500                     # VEEGAN and PacGAN score 2,500 samples


def done_rows(path: str, key) -> dict:
    """The rows already in the results file ``path``, by ``key(row)``."""
    return {key(r): r for r in (read_jsonl(path) if os.path.exists(path) else [])}


def train_chunk(config: TrainConfig, first: bool) -> None:
    """Train ``config.out`` up to ``config.max_steps``: from scratch for the first chunk (replacing
    what an unfinished earlier attempt left), else resuming from the run's last checkpoint."""
    resume = not first and os.path.exists(os.path.join(config.out, "checkpoint.npz"))
    train(config, resume=resume, overwrite=not resume, progress=False, pictures=False, log=lambda *a, **k: None)


def score_points(folder: str, dataset: str, seed: int, step: int, n: int = N_POINTS) -> dict:
    """``n`` points of the run's G (BatchNorm in eval mode), saved as ``points_<step>.npz`` (an array
    ``points`` (n, 2), for anyone to score again) and scored: modes captured (and which), % high quality,
    reverse KL."""
    G, config = load_generator(folder)
    points = generate(G, n, models.noise_dim(config), numpy.random.default_rng((seed, step)))
    with atomic_path(os.path.join(folder, f"points_{step}.npz")) as tmp:
        with open(tmp, "wb") as f:
            numpy.savez(f, points=points)
    return evaluate_points(points, dataset, config.get("toy_scale", 1.0))


def run_folder(out: str, run: dict) -> str:
    """Where a study's run trains: ``out/<its values>`` (``grid/pack2/seed0``; a set by its name)."""
    return os.path.join(out, *(str(v) if k == "dataset" else f"{k}{v}" for k, v in run.items()))


def run_study(out: str, recipe: str, runs: list, checkpoints: list, overwrite: bool = False,
              common: dict | None = None) -> dict:
    """Train every run of a study up to each of ``checkpoints`` in turn, scoring after each chunk.

    ``runs``: dicts of TrainConfig fields on top of ``recipe`` (``{"dataset": "grid", "pack": 2,
    "seed": 0}``); each trains in ``out/<its values>`` (``grid/pack2/seed0``). ``common``: fields every
    run shares, on top of the recipe and under the run's own (not in its folder's name). Every chunk appends
    one row to ``out/results.jsonl``: the run's fields, the step and the scores. Returns every row,
    those of earlier sessions too, by (the run's values..., step); a chunk already there is not
    trained again (``overwrite``: forget them and start over)."""
    os.makedirs(out, exist_ok=True)
    results_path = os.path.join(out, "results.jsonl")
    if overwrite and os.path.exists(results_path):
        os.remove(results_path)
    fields = list(runs[0])
    done = done_rows(results_path, key=lambda r: (*(r[k] for k in fields), r["step"]))
    todo = [(run, step) for run in runs for step in checkpoints if (*run.values(), step) not in done]
    every = checkpoints[0]
    print(f"{len(todo)} chunks of {every:,} steps to train ({len(done)} already in {results_path})")
    with open(results_path, "a") as results:
        for run, step in tqdm(todo, unit="chunk"):
            folder = run_folder(out, run)
            config = TrainConfig(**recipes.settings(recipe, {**(common or {}), **run, "out": folder, "max_steps": step,
                                                             "checkpoint_every": every}))
            train_chunk(config, first=step == checkpoints[0])
            row = {**run, "step": step, **score_points(folder, config.dataset, config.seed, step)}
            done[(*run.values(), step)] = row
            results.write(strict_json(row) + "\n")
            results.flush()
    return done
