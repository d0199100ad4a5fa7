"""Per-epoch evaluation during training, and the mode-collapse alarm.

After every epoch the trainer calls :func:`after_epoch`. For the 2-D toy sets it always measures
the modes captured by 1000 samples from noise drawn anew each epoch (seeded by the run's seed and the
epoch, so a run repeats); for images, with ``--eval-every-epoch``,
it computes FID (``--eval-n`` samples, default 2000, against the cached test-set statistics) and
the classifier's class histogram. Each epoch adds a row to ``metrics.jsonl`` and redraws
``metrics.png``.

The alarm: when the classes covered (images) or the modes captured (toy) fall to 70% or less of
the best value the run has reached, it logs a warning that explains mode collapse in plain words.
"""
from __future__ import annotations

import os

import numpy

from minigan.evaluation import metrics
from minigan.evaluation.classifier import class_probabilities, features, load_classifier
from minigan.evaluation.evaluate import evaluate_points
from minigan.io import atomic_path, read_jsonl, strict_json

from . import pictures
from .sample import check_samples_fit, generate, sample_codes

DROP = 0.7


def _read_rows(path: str, up_to_epoch: int) -> list[dict]:
    if not os.path.exists(path):
        return []
    return [r for r in read_jsonl(path) if r["epoch"] <= up_to_epoch]


def _samples(trainer, n: int):
    rng = numpy.random.default_rng((trainer.config.seed, 7, trainer.epoch))
    codes = sample_codes(trainer.condition, n, rng)          # classes balanced for a conditional run
    return generate(trainer.sampling_generator, n, trainer.noise_dim, rng, trainer.config.device, codes=codes,
                    condition=trainer.condition, where="minigan train", fewer="--eval-n")


def check_evaluation_fits(config):
    """Before the first step: the samples of each epoch's evaluation must fit in memory (else the run
    would find out only at the end of its first epoch). An image is 1·28·28 float32s."""
    if config.eval_every_epoch and config.dataset not in ("ring", "grid"):
        check_samples_fit("minigan train", config.eval_n, 28 * 28 * 4, "--eval-n")


def after_epoch(trainer, out: str, log=print) -> dict | None:
    """Measure the epoch just finished; append to metrics.jsonl; warn on a sharp drop in coverage."""
    config = trainer.config
    toy = config.dataset in ("ring", "grid")
    if not (toy or config.eval_every_epoch):
        return None
    path = os.path.join(out, "metrics.jsonl")
    rows = _read_rows(path, trainer.epoch - 1)
    if toy:
        result = evaluate_points(_samples(trainer, 1000), config.dataset, config.toy_scale)
        coverage, of, what = result["modes_captured"], result["n_modes"], "modes captured"
    else:
        model = load_classifier(config.dataset)
        images = _samples(trainer, config.eval_n)
        reference = metrics.reference_stats(config.dataset, model, "test", data_path=config.data_path)
        value = metrics.frechet_distance(*metrics.gaussian_stats(features(model, images)), *reference)
        hist = metrics.class_histogram(class_probabilities(model, images))
        result = {"fid": value, "class_histogram": hist.tolist(), "classes_covered": metrics.classes_covered(hist)}
        coverage, of, what = result["classes_covered"], 10, "classes covered"
    best = max([r["coverage"] for r in rows] + [0])
    row = {"epoch": trainer.epoch, "step": trainer.step, "coverage": coverage, **result}
    if best >= 3 and coverage <= DROP * best:
        row["alarm"] = f"{what} fell from {best} to {coverage} of {of}"
        log(f"WARNING epoch {trainer.epoch}: {row['alarm']}. {metrics.COLLAPSE_EXPLANATION}")
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        for r in rows + [row]:
            f.write(strict_json(r) + "\n")     # an infinite reverse KL (no mode reached) is written as null
    pictures.save_metrics_plot(rows + [row], os.path.join(out, "metrics.png"), what, of, toy)
    return row
