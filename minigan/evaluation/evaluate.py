"""``minigan eval``: FID, Inception Score, class coverage (images) or mode metrics (toy points).

    minigan eval --run runs/NAME [--n 10000]      samples the run's generator (minigan/training/sample.py
                                                   ``evaluate_run``), then evaluates the samples here
    minigan eval --samples samples.npz             evaluates saved samples (minigan sample's format)

Every FID is reported with its floor, FID(real training images, real test images) at the same N:
a generator cannot be expected to beat the distance between two samples of the real data.

Samples that come with ``labels`` (a conditional run: cGAN, AC-GAN) add the *label accuracy*: the
share the classifier puts in the class that was asked for. An InfoGAN run's ``labels`` are its
categorical code, which names the digits in an order of its own: it gets the *code accuracy* after
the best one-to-one matching of codes to classes (:func:`minigan.evaluation.metrics.best_matching`).
"""
from __future__ import annotations

import json
import zipfile

import numpy

from minigan.data import grid_modes, load, ring_modes

from . import metrics
from .classifier import class_probabilities, features, load_classifier

TOY_STD = {"ring": 0.02, "grid": 0.05}


IMAGE_SETS = ("mnist", "fashion-mnist")


def _as_model_input(images) -> numpy.ndarray:
    """uint8 (N, 28, 28) in 0..255, or float (N, [1,] 28, 28) in [-1, 1] as ``minigan sample`` and
    the generators write them → float32 (N, 1, 28, 28) in [-1, 1]. Anything else is refused: a
    float image in 0..255 or 0..1 would be scored as if it were in [-1, 1], silently."""
    images = numpy.asarray(images)
    where = "minigan eval"
    if images.dtype == numpy.uint8:
        images = images.astype(numpy.float32) / 127.5 - 1
    elif images.dtype.kind != "f":
        raise ValueError(f"{where}: expected images as uint8 (0..255) or floats in [-1, 1] (as `minigan sample` "
                         f"writes them), got {images.dtype} values")
    else:
        if not numpy.isfinite(images).all():
            raise ValueError(f"{where}: the images contain {int(numpy.isnan(images).sum())} NaN and "
                             f"{int(numpy.isinf(images).sum())} Inf values; they cannot be scored")
        low, high = float(images.min()), float(images.max())
        if low < -1 - 1e-6 or high > 1 + 1e-6:
            hint = " (they look like 0..255: save them as uint8)" if high > 2 else ""
            raise ValueError(f"{where}: expected float images in [-1, 1] (as `minigan sample` writes them) or uint8 "
                             f"0..255, got float values from {low:g} to {high:g}{hint}")
        if low >= 0:       # an MNIST-like image in [-1, 1] has its background near −1
            raise ValueError(f"{where}: expected float images in [-1, 1] (background near −1), got float values from "
                             f"{low:g} to {high:g}, none negative: these look like images scaled to [0, 1]; use "
                             "2·x − 1, or uint8 0..255")
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"minigan eval: expected images of shape (N, 28, 28) or (N, 1, 28, 28), got {images.shape}")
    return images.astype(numpy.float32)


def evaluate_images(images, dataset: str = "mnist", n_bootstrap: int = 10, data_path=None, labels=None,
                    labels_are_codes: bool = False) -> dict:
    images = _as_model_input(images)
    model = load_classifier(dataset)
    n = len(images)
    reference = metrics.reference_stats(dataset, model, "test", data_path=data_path)
    value, boot_mean, boot_std = metrics.fid(features(model, images), reference, n_bootstrap)
    real_train = load(dataset, "train", path=data_path).images[:n]
    floor = metrics.frechet_distance(*metrics.gaussian_stats(features(model, real_train)), *reference)
    probs = class_probabilities(model, images)
    real_test = load(dataset, "test", path=data_path).images[:n]
    hist = metrics.class_histogram(probs)
    return {"dataset": dataset, "n": n, "fid": value, "fid_bootstrap_mean": boot_mean, "fid_bootstrap_std": boot_std,
            "fid_floor_train_vs_test": floor, "inception_score": metrics.inception_score(probs),
            "inception_score_real_test": metrics.inception_score(class_probabilities(model, real_test)), "class_histogram": hist.tolist(),
            "classes_covered": metrics.classes_covered(hist), "kl_to_uniform": metrics.kl_to_uniform(hist),
            **_label_scores(probs, labels, labels_are_codes)}


def _label_scores(probs, labels, labels_are_codes: bool) -> dict:
    """Label accuracy of a conditional run, or an InfoGAN run's code accuracy after the best matching."""
    if labels is None:
        return {}
    labels = numpy.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (len(probs),) or labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"minigan eval: expected 'labels' as {len(probs)} integers in [0, {probs.shape[1]}), one per "
                         f"image, got {labels.dtype} values of shape {labels.shape}")
    if not labels_are_codes:
        return {"label_accuracy": metrics.label_accuracy(probs, labels)}
    counts = metrics.confusion(labels, probs.argmax(axis=1), probs.shape[1], probs.shape[1])
    accuracy, matching = metrics.best_matching(counts)
    return {"code_accuracy": accuracy, "code_to_class": matching}


def evaluate_points(points, dataset: str = "ring", scale: float = 1.0) -> dict:
    """Modes captured (and which), % high quality and reverse KL of 2-D points against the toy set
    ``dataset``, its modes and std divided by ``scale`` (a run's --toy-scale)."""
    if dataset not in TOY_STD:
        raise ValueError(f"minigan eval: 2-D points are scored against a toy set {sorted(TOY_STD)}, got dataset "
                         f"{dataset!r}")
    points = numpy.asarray(points, dtype=numpy.float64)
    if points.ndim != 2 or points.shape[1] != 2 or not numpy.isfinite(points).all():
        raise ValueError(f"minigan eval: expected finite 2-D points of shape (N, 2), got shape {points.shape}")
    modes = (ring_modes() if dataset == "ring" else grid_modes()) / scale
    return {"dataset": dataset, "n": len(points), **metrics.toy_metrics(points, modes, TOY_STD[dataset] / scale)}


def evaluate_samples(path: str, dataset: str | None = None) -> dict:
    """``minigan eval --samples``: score the .npz ``minigan sample`` wrote (a damaged file is a clear error)."""
    try:
        with numpy.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        # NumPy reads a file that is no zip archive as a pickle, and says so: not what went wrong here.
        why = "it is not a zip archive" if not zipfile.is_zipfile(path) else f"{type(exc).__name__}: {exc}"
        raise ValueError(f"minigan eval: {path!r} is not a whole .npz file as `minigan sample` writes it "
                         f"({why})") from None
    return _evaluate_arrays(path, arrays, dataset)


def _evaluate_arrays(path: str, f: dict, dataset: str | None) -> dict:
    config = _record(path, f["config"]) if "config" in f else {}
    dataset = dataset or config.get("dataset")
    if "points" in f:
        return evaluate_points(f["points"], dataset or "ring", config.get("toy_scale", 1.0))
    if "images" not in f:
        raise ValueError(f"minigan eval: {path!r} holds neither 'images' nor 'points'")
    if dataset is not None and dataset not in IMAGE_SETS:
        raise ValueError(f"minigan eval: {path!r} holds images, which are scored against {list(IMAGE_SETS)}, "
                         f"got dataset {dataset!r}")
    labels = f["labels"] if "labels" in f else None
    return evaluate_images(f["images"], dataset or "mnist", labels=labels, labels_are_codes=bool(config.get("infogan")))


def _record(path: str, config) -> dict:
    try:
        record = json.loads(str(config))
    except ValueError as exc:
        raise ValueError(f"minigan eval: {path!r} holds a damaged 'config' ({exc})") from None
    if not isinstance(record, dict):
        raise ValueError(f"minigan eval: {path!r} holds a damaged 'config' (a {type(record).__name__}, not the settings)")
    return record


def format_result(result: dict) -> str:
    rows = [("dataset", result["dataset"]), ("samples", str(result["n"]))]
    if "fid" in result:
        rows += [("FID", f"{result['fid']:.2f}"),
                 ("FID, bootstrap mean ± std", f"{result['fid_bootstrap_mean']:.2f} ± {result['fid_bootstrap_std']:.2f}"),
                 ("FID floor (real train vs test)", f"{result['fid_floor_train_vs_test']:.2f}"),
                 ("Inception Score (1 … 10)", f"{result['inception_score']:.2f}"),
                 ("Inception Score of real test images", f"{result['inception_score_real_test']:.2f}"),
                 ("classes covered", f"{result['classes_covered']} of 10"),
                 ("KL(class histogram ‖ uniform)", f"{result['kl_to_uniform']:.3f}"),
                 ("class histogram", " ".join(map(str, result["class_histogram"])))]
        if "label_accuracy" in result:
            rows += [("label accuracy (classifier agrees with the label asked for)", f"{100 * result['label_accuracy']:.2f}%")]
        if "code_accuracy" in result:
            rows += [("categorical-code accuracy (best one-to-one matching)", f"{100 * result['code_accuracy']:.2f}%"),
                     ("code → class", " ".join(f"{k}→{c}" for k, c in enumerate(result["code_to_class"])))]
    else:
        rows += [("modes captured", f"{result['modes_captured']} of {result['n_modes']}"),
                 ("high-quality samples", f"{result['high_quality_percent']:.1f}%"),
                 ("reverse KL", f"{result['reverse_kl']:.3f}")]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
