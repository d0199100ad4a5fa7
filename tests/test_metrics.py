"""FID, Inception Score, class and mode coverage, the shipped classifiers, `minigan eval`, the alarm."""
import json
import math
import os

import numpy
import pytest

from minigan.evaluation import classifier, metrics
from minigan.cli import main


def random_spd(d, seed):
    a = numpy.random.default_rng(seed).standard_normal((d, d))
    return a @ a.T / d + 0.1 * numpy.eye(d)


def test_trace_sqrt_product_matches_the_eigenvalues_of_the_product():
    s1, s2 = random_spd(6, 0), random_spd(6, 1)
    # Σ1Σ2 is similar to the SPD matrix Σ1^½ Σ2 Σ1^½, so its eigenvalues are real and positive
    expected = numpy.sqrt(numpy.linalg.eigvals(s1 @ s2).real).sum()
    assert metrics.trace_sqrt_product(s1, s2) == pytest.approx(expected, rel=1e-10)
    d1, d2 = numpy.diag([1.0, 4.0, 9.0]), numpy.diag([4.0, 1.0, 0.0])
    assert metrics.trace_sqrt_product(d1, d2) == pytest.approx(2 + 2 + 0)


def test_frechet_distance_of_one_dimensional_gaussians_is_the_closed_form():
    # FID(N(m1, s1²), N(m2, s2²)) = (m1 − m2)² + (s1 − s2)²
    value = metrics.frechet_distance(numpy.array([1.0]), numpy.array([[4.0]]), numpy.array([-2.0]), numpy.array([[9.0]]))
    assert value == pytest.approx(9 + 1)
    mu, sigma = numpy.zeros(5), random_spd(5, 2)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-9)


def test_a_rank_deficient_covariance_gives_a_finite_real_fid():
    features = numpy.tile(numpy.random.default_rng(0).standard_normal(8), (1000, 1))    # 1000 copies of one point
    mu, sigma = metrics.gaussian_stats(features)
    assert numpy.allclose(sigma, 0)
    value = metrics.frechet_distance(mu, sigma, numpy.zeros(8), random_spd(8, 3))
    assert math.isfinite(value) and value > 0


def test_inception_score_bounds():
    one_hot = numpy.eye(10)[numpy.arange(1000) % 10]
    assert metrics.inception_score(one_hot) == pytest.approx(10, rel=1e-6)         # sharp and diverse
    assert metrics.inception_score(numpy.eye(10)[numpy.zeros(1000, int)]) == pytest.approx(1)   # one class
    assert metrics.inception_score(numpy.full((1000, 10), 0.1)) == pytest.approx(1)  # undecided


def test_class_histogram_coverage_and_kl_to_uniform():
    balanced = metrics.class_histogram(numpy.eye(10)[numpy.arange(500) % 10])
    assert balanced.tolist() == [50] * 10
    assert metrics.classes_covered(balanced) == 10 and metrics.kl_to_uniform(balanced) == pytest.approx(0, abs=1e-9)
    collapsed = numpy.array([495, 5, 0, 0, 0, 0, 0, 0, 0, 0])
    assert metrics.classes_covered(collapsed) == 2          # 5 ≥ 10% of a fair share of 50
    assert metrics.kl_to_uniform([100] + [0] * 9) == pytest.approx(math.log(10))


def test_toy_metrics():
    from minigan.data import ring, ring_modes
    good = ring(2000, numpy.random.default_rng(0))
    m = metrics.toy_metrics(good, ring_modes(), 0.02)
    assert m["modes_captured"] == 8 and m["high_quality_percent"] > 98 and m["reverse_kl"] < 0.01
    one_mode = numpy.tile(ring_modes()[3], (500, 1))
    m = metrics.toy_metrics(one_mode, ring_modes(), 0.02)
    assert m["modes_captured"] == 1 and m["reverse_kl"] == pytest.approx(math.log(8))
    far = numpy.full((100, 2), 10.0)
    assert metrics.toy_metrics(far, ring_modes(), 0.02)["high_quality_percent"] == 0


def test_spread_kl_tells_a_blurred_ring_from_a_collapsed_one_by_every_samples_nearest_mode():
    from minigan.data import ring_modes
    modes = ring_modes()
    rng = numpy.random.default_rng(0)
    # A blurred ring: every sample far from high quality (noise of std 0.5), yet spread over every mode.
    blurred = modes[rng.integers(0, 8, 4000)] + 0.5 * rng.standard_normal((4000, 2))
    assert metrics.toy_metrics(blurred, modes, 0.02)["high_quality_percent"] < 2
    assert metrics.spread_kl(blurred, modes) < 0.02
    # A blob on mode 2 and its neighbours: as blurred, but on one side of the ring.
    blob = modes[2] + 0.6 * rng.standard_normal((4000, 2))
    assert metrics.spread_kl(blob, modes) > 0.8
    # Against a loop over the samples, from the definition: shares by nearest mode, then Σ s log(8 s).
    shares = numpy.zeros(8)
    for x in blob[:300]:
        shares[min(range(8), key=lambda k: (x[0] - modes[k][0]) ** 2 + (x[1] - modes[k][1]) ** 2)] += 1
    shares /= shares.sum()
    expected = sum(s * math.log(8 * s) for s in shares if s > 0)
    assert metrics.spread_kl(blob[:300], modes) == pytest.approx(expected, abs=1e-9)
    assert metrics.spread_kl(numpy.tile(modes[5], (50, 1)), modes) == pytest.approx(math.log(8))


@pytest.mark.needs_data
@pytest.mark.parametrize("dataset,minimum", [("mnist", 0.99), ("fashion-mnist", 0.89)])
def test_the_shipped_classifiers_match_their_checksums_and_accuracy(dataset, minimum):
    path = os.path.join(classifier.WEIGHTS_DIR, f"{dataset}_classifier.npz")
    assert classifier.file_sha256(path) == classifier.WEIGHTS_SHA256[f"{dataset}_classifier.npz"]
    model = classifier.load_classifier(dataset)
    assert model.meta["test_accuracy"] >= minimum
    from minigan.data import load
    test = load(dataset, "test")
    assert classifier.accuracy(model, test.images, test.labels) == model.meta["test_accuracy"]


@pytest.mark.needs_data
def test_classifier_training_is_deterministic():
    a, _ = classifier.train_classifier("mnist", epochs=1, max_steps=15, progress=False)
    b, _ = classifier.train_classifier("mnist", epochs=1, max_steps=15, progress=False)
    sa, sb = a.state_dict(), b.state_dict()
    assert all(numpy.array_equal(sa[k], sb[k]) for k in sa)


@pytest.mark.needs_data
def test_fid_of_the_test_set_against_itself_is_about_zero_and_a_collapsed_generator_is_large_but_finite():
    from minigan.data import load
    model = classifier.load_classifier("mnist")
    reference = metrics.reference_stats("mnist", model, "test")
    test = load("mnist", "test").images
    same, _, _ = metrics.fid(classifier.features(model, test), reference, n_bootstrap=0)
    assert same < 1e-6
    collapsed = numpy.repeat(test[:1], 10000, axis=0)                 # 10,000 copies of one image
    value, boot_mean, boot_std = metrics.fid(classifier.features(model, collapsed), reference, n_bootstrap=2)
    assert math.isfinite(value) and value > 50 * max(same, 1e-3) and value > 10
    assert math.isfinite(boot_mean) and boot_std >= 0


@pytest.mark.needs_data
def test_minigan_eval_on_a_run_and_on_samples(tmp_path, capsys):
    run = str(tmp_path / "run")
    assert main(["train", "--model", "mlp", "--epochs", "1", "--max-steps", "20", "--quiet", "--out", run]) == 0
    capsys.readouterr()
    assert main(["eval", "--run", run, "--n", "300"]) == 0
    out = capsys.readouterr().out
    assert "FID floor (real train vs test)" in out and "Inception Score" in out and "classes covered" in out
    assert main(["sample", "--run", run, "--n", "200", "--out", str(tmp_path / "s.npz")]) == 0
    capsys.readouterr()
    assert main(["eval", "--samples", str(tmp_path / "s.npz"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 200 and math.isfinite(result["fid"]) and sum(result["class_histogram"]) == 200
    assert main(["eval"]) == 1


def test_the_collapse_alarm_explains_mode_collapse(tmp_path):
    from minigan.data import ring_modes
    from minigan.training.monitor import after_epoch
    from minigan.training import Trainer, TrainConfig
    config = TrainConfig(model="toy", dataset="ring", out=str(tmp_path), toy_samples=1000, batch_size=100)
    trainer = Trainer(config)
    with open(tmp_path / "metrics.jsonl", "w") as f:
        f.write(json.dumps({"epoch": 1, "step": 10, "coverage": 8, "modes_captured": 8, "high_quality_percent": 90.0}) + "\n")
    last = trainer.G.layers[-1]                                         # make G put everything on one mode
    last.weight.data[...] = 0
    last.bias.data[...] = ring_modes()[2].astype(numpy.float32)
    trainer.epoch = 2
    messages = []
    row = after_epoch(trainer, str(tmp_path), log=messages.append)
    assert row["modes_captured"] == 1 and row["alarm"] == "modes captured fell from 8 to 1 of 8"
    assert len(messages) == 1 and "Mode collapse" in messages[0] and "epoch 2" in messages[0]
    assert (tmp_path / "metrics.png").stat().st_size > 0
