"""Putting a number on a GAN: FID, the "MNIST Inception Score", class coverage, toy-mode metrics.

All of them read generated samples through minigan's own classifier (minigan/evaluation/classifier.py):
its 128 penultimate features for FID, its class probabilities for the Inception Score and the
class histogram. Formulas, pitfalls and results: docs/metrics.md.

* FID = ‖μ_g − μ_r‖² + tr Σ_g + tr Σ_r − 2 tr (Σ_g^½ Σ_r Σ_g^½)^½   (float64; the trace of the
  matrix square root through symmetric eigendecompositions, negative eigenvalues clipped to 0, so
  nothing complex leaks out and a collapsed generator gives a large, finite number);
* IS = exp( E_x KL(p(y|x) ‖ p(y)) );
* class histogram, classes covered, KL(histogram ‖ uniform);
* toy mixtures: modes captured, % high-quality samples (within 3 std of a mode), reverse KL.
"""
from __future__ import annotations

import math
import os

import numpy

from minigan.data import cache_dir, load
from minigan.io import atomic_path

from .classifier import features

COLLAPSE_EXPLANATION = (
    "Mode collapse: the generator has found a few outputs that fool the discriminator and is "
    "producing little else, so whole classes (or modes) of the data are disappearing from its "
    "samples. The discriminator will learn to reject those outputs and the generator will jump to "
    "others, instead of covering the data. Try the non-saturating loss, a lower learning rate, "
    "label smoothing, or an earlier checkpoint.")


# ---- FID -------------------------------------------------------------------------------------
def gaussian_stats(features):
    """Mean (D,) and covariance (D, D) of (N, D) features, in float64."""
    f = numpy.asarray(features, dtype=numpy.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"gaussian_stats: expected (N, D) features with N >= 2, got shape {f.shape}")
    return f.mean(axis=0), numpy.cov(f, rowvar=False)


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    w, v = numpy.linalg.eigh((matrix + matrix.T) / 2)
    return (v * numpy.sqrt(numpy.clip(w, 0, None))) @ v.T


def trace_sqrt_product(sigma_1, sigma_2) -> float:
    """tr (Σ1 Σ2)^½ = tr (Σ1^½ Σ2 Σ1^½)^½: the second form is symmetric PSD, so eigh applies."""
    root = _psd_sqrt(sigma_1)
    inner = root @ sigma_2 @ root
    w = numpy.linalg.eigvalsh((inner + inner.T) / 2)
    return float(numpy.sqrt(numpy.clip(w, 0, None)).sum())


def frechet_distance(mu_1, sigma_1, mu_2, sigma_2) -> float:
    diff = mu_1 - mu_2
    value = float(diff @ diff + numpy.trace(sigma_1) + numpy.trace(sigma_2)
                  - 2 * trace_sqrt_product(sigma_1, sigma_2))
    return max(value, 0.0)      # round-off can leave −1e-12 for identical sets


def fid(generated_features, reference_stats, n_bootstrap: int = 10, seed: int = 0):
    """FID of generated features against reference (μ, Σ): (value on all samples, bootstrap mean, std).

    The bootstrap resamples the generated features with replacement ``n_bootstrap`` times (0: no
    bootstrap, mean and std are NaN).
    """
    mu_r, sigma_r = reference_stats
    value = frechet_distance(*gaussian_stats(generated_features), mu_r, sigma_r)
    if n_bootstrap == 0:
        return value, float("nan"), float("nan")
    rng = numpy.random.default_rng(seed)
    n = len(generated_features)
    boots = [frechet_distance(*gaussian_stats(generated_features[rng.integers(0, n, n)]), mu_r, sigma_r)
             for _ in range(n_bootstrap)]
    return value, float(numpy.mean(boots)), float(numpy.std(boots))


# ---- Inception Score and classes ---------------------------------------------------------------
def inception_score(probabilities, eps: float = 1e-12) -> float:
    """exp(E_x KL(p(y|x) ‖ p(y))) with p(y) the mean of p(y|x) over the samples. 1 … number of classes."""
    p = numpy.asarray(probabilities, dtype=numpy.float64)
    marginal = p.mean(axis=0, keepdims=True)
    kl = (p * (numpy.log(p + eps) - numpy.log(marginal + eps))).sum(axis=1)
    return float(math.exp(kl.mean()))


def class_histogram(probabilities, n_classes: int = 10):
    """How many samples the classifier assigns to each class (argmax)."""
    return numpy.bincount(numpy.asarray(probabilities).argmax(axis=1), minlength=n_classes)


def classes_covered(histogram, min_share: float = 0.1) -> int:
    """Classes that get at least ``min_share`` of a fair share (N/K samples): 10% by default."""
    h = numpy.asarray(histogram, dtype=numpy.float64)
    return int((h >= min_share * h.sum() / len(h)).sum())


def kl_to_uniform(histogram, eps: float = 1e-12) -> float:
    """KL(q ‖ uniform) of the normalized histogram q: 0 for balanced classes, log K for one class."""
    q = numpy.asarray(histogram, dtype=numpy.float64)
    q = q / q.sum()
    return float((q * numpy.log(q * len(q) + eps)).sum())


# ---- conditional runs: does a sample show the class (or code) it was asked for? ------------------
def label_accuracy(probabilities, labels) -> float:
    """Share of samples the classifier puts in the class they were asked for ("does a requested 7 look
    like a 7?"): mean over n of [argmax_k p[n, k] = labels[n]]."""
    labels = numpy.asarray(labels)
    probabilities = numpy.asarray(probabilities)
    if labels.shape != probabilities.shape[:1]:
        raise ValueError(f"label_accuracy: expected one label per sample, {probabilities.shape[0]}, got labels of "
                         f"shape {labels.shape}")
    return float((probabilities.argmax(axis=1) == labels).mean())


def confusion(codes, predicted, n_codes: int = 10, n_classes: int = 10) -> numpy.ndarray:
    """counts[k, j]: samples with code (or requested label) k that the classifier calls class j."""
    pairs = numpy.asarray(codes) * n_classes + numpy.asarray(predicted)          # (k, j) → one index k·C + j
    return numpy.bincount(pairs, minlength=n_codes * n_classes).reshape(n_codes, n_classes)


def best_matching(counts) -> tuple[float, list[int]]:
    """The one-to-one assignment of codes to classes that agrees with the most samples, and its accuracy.

    InfoGAN's categorical code learns the digits in an order of its own (code 3 may draw 7s), so its
    accuracy is measured after the best matching π: max over one-to-one π of Σₖ counts[k, π(k)] / N.
    Exact, by dynamic programming over the set of classes already used (2^K states; K = 10 gives 1024):
    best[S] = the most agreement for the first |S| codes matched to the classes in S.
    Returns (accuracy, π as a list: π[k] = the class of code k).
    """
    counts = numpy.asarray(counts)
    n_codes, n_classes = counts.shape
    if n_codes > n_classes:
        raise ValueError(f"best_matching: expected no more codes than classes, got {n_codes} codes, {n_classes} classes")
    best = {0: (0, [])}                        # set of used classes (a bit mask) → (agreement, classes of codes 0..)
    for k in range(n_codes):
        extended = {}
        for used, (score, chosen) in best.items():
            for j in range(n_classes):
                if used >> j & 1:
                    continue
                candidate = (score + int(counts[k, j]), chosen + [j])
                key = used | 1 << j
                if key not in extended or candidate[0] > extended[key][0]:
                    extended[key] = candidate
        best = extended
    score, matching = max(best.values(), key=lambda v: v[0])
    total = int(counts.sum())
    return (score / total if total else 0.0), matching


# ---- 2-D toy mixtures --------------------------------------------------------------------------
def toy_metrics(points, modes, std: float) -> dict:
    """Modes captured, % high-quality samples and reverse KL for 2-D samples (VEEGAN / PacGAN).

    A sample is high quality when it lies within 3 std of its nearest mode; a mode is captured when
    at least one high-quality sample is nearest to it (``captured`` lists them, by index into ``modes``). Reverse KL is KL(q ‖ p) between the share q
    of high-quality samples per mode and the uniform p of the data (log K when everything sits on
    one mode; large when few samples are high quality at all, computed over the modes with 1e-12
    added).
    """
    points = numpy.asarray(points, dtype=numpy.float64)
    modes = numpy.asarray(modes, dtype=numpy.float64)
    d = numpy.linalg.norm(points[:, None, :] - modes[None, :, :], axis=2)     # (n, K)
    nearest, distance = d.argmin(axis=1), d.min(axis=1)
    good = distance < 3 * std
    counts = numpy.bincount(nearest[good], minlength=len(modes))
    q = counts / max(counts.sum(), 1)
    reverse_kl = float((q * numpy.log((q + 1e-12) * len(modes))).sum()) if counts.sum() else float("inf")
    return {"modes_captured": int((counts > 0).sum()), "n_modes": len(modes),
            "high_quality_percent": float(100 * good.mean()), "reverse_kl": reverse_kl,
            "captured": numpy.flatnonzero(counts).tolist()}      # which modes: a GAN that hops changes them


def spread_kl(points, modes) -> float:
    """KL(s ‖ uniform) of the share s of *all* samples by their nearest mode, sharp or not.

    toy_metrics counts only high-quality samples, so a generator that is spread over every mode but
    not yet sharp scores few modes there. This tells the two failures apart: near 0 when the samples
    are spread evenly over the modes' neighbourhoods (however blurred), log K when all sit nearest one
    mode. On the ring the neighbourhoods are the eight angular sectors, so a plain GAN sitting on a
    few of them scores far above an unrolled one spread round the whole ring (docs/mode-collapse.md).
    """
    points = numpy.asarray(points, dtype=numpy.float64)
    modes = numpy.asarray(modes, dtype=numpy.float64)
    nearest = numpy.linalg.norm(points[:, None, :] - modes[None, :, :], axis=2).argmin(axis=1)   # (n,)
    return kl_to_uniform(numpy.bincount(nearest, minlength=len(modes)))


# ---- the real data's side ---------------------------------------------------------------------
def reference_stats(dataset: str, model, split: str = "test", n: int | None = None, data_path=None,
                    cache: bool = True):
    """(μ, Σ) of the classifier features of real images, cached in ~/.cache/minigan."""
    tag = getattr(model, "weights_sha256", None) or "model"
    path = os.path.join(cache_dir(), f"fid_{dataset}_{split}_{n or 'all'}_{tag[:12]}.npz")
    if cache and os.path.isfile(path):
        with numpy.load(path) as f:
            return f["mu"], f["sigma"]
    images = load(dataset, split, path=data_path).images
    if n is not None:
        images = images[:n]
    mu, sigma = gaussian_stats(features(model, images))
    if cache:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            numpy.savez(f, mu=mu, sigma=sigma)
    return mu, sigma
