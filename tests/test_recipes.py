"""Recipes (minigan/training/recipes.py): a paper's set-up under one name, flags on top, recorded in
config.json; and the two papers' toy networks they train (minigan/models.py)."""
import json

import numpy
import pytest

from minigan import models, nn
from minigan.cli import main
from minigan.training import TrainConfig, recipes


def test_a_recipe_sets_the_papers_options_and_flags_override_them(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--recipe", "pacgan", "--dataset", "ring", "--pack", "2", "--batch-size", "50",
                 "--max-steps", "2", "--toy-samples", "500", "--out", str(out), "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())
    pacgan = recipes.RECIPES["pacgan"].settings
    for key in ("model", "loss", "updates", "optimizer", "lr_g", "lr_d", "beta1", "beta2", "epochs"):
        assert config[key] == pacgan[key], key                  # the recipe's
    assert (config["recipe"], config["dataset"], config["pack"], config["batch_size"]) == ("pacgan", "ring", 2, 50)


def test_recipes_in_python_and_a_wrong_name():
    config = TrainConfig(**recipes.settings("unrolled", {"unroll": 10})).validate()
    assert (config.model, config.unroll, config.batch_size, config.loss, config.recipe) == \
        ("toy-unrolled", 10, 512, "minimax", "unrolled")
    assert TrainConfig().recipe == "none"
    with pytest.raises(ValueError, match="--recipe must be one of pacgan, unrolled, wgan-gp-toy, got 'pacman'"):
        recipes.settings("pacman")


def test_the_pacgan_toy_networks_are_the_papers():
    G, D = models.build("toy-pacgan")
    dense = [m for m in G.layers if isinstance(m, nn.Dense)]
    norms = [m for m in G.layers if isinstance(m, nn.BatchNorm1d)]
    assert [(m.in_features, m.out_features, m.bias is None) for m in dense] == \
        [(2, 400, True), (400, 400, True), (400, 400, True), (400, 400, True), (400, 2, False)]
    assert len(norms) == 4 and all(m.momentum == 0.05 for m in norms)
    maxouts = [m for m in D.layers if isinstance(m, nn.Maxout)]
    assert [(m.in_features, m.out_features, m.pieces) for m in maxouts] == [(2, 200, 5), (200, 200, 5), (200, 200, 5)]
    assert isinstance(D.layers[-1], nn.Dense) and D.layers[-1].out_features == 1
    weights = numpy.concatenate([p.data.ravel() for p in D.parameters() + G.parameters() if p.data.ndim > 1])
    assert abs(weights.std() - 0.02) < 0.001                     # N(0, 0.02²), the paper's code
    packed = nn.pack_discriminator(D, 2)                         # PacGAN widens the first Maxout, same init
    first = packed.layers[1]
    assert isinstance(first, nn.Maxout) and first.in_features == 4 and abs(first.weight.data.std() - 0.02) < 0.002


def test_the_unrolled_toy_networks_are_the_papers():
    G, D = models.build("toy-unrolled")
    assert models.noise_dim({"model": "toy-unrolled"}) == 256
    assert isinstance(D.layers[0], nn.Scale) and D.layers[0].factor == 0.25         # x/4 first
    for layer in [m for m in G.layers + D.layers if isinstance(m, nn.Dense)]:
        w = layer.weight.data.astype(numpy.float64)
        numpy.testing.assert_allclose(numpy.linalg.svd(w, compute_uv=False), models.UNROLLED_GAIN, rtol=1e-5)
    assert [type(m).__name__ for m in G.layers] == ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    assert [type(m).__name__ for m in D.layers] == ["Scale", "Dense", "ReLU", "Dense"]


def test_the_toy_networks_refuse_an_image_set():
    with pytest.raises(ValueError, match="--model toy-pacgan does not fit --dataset mnist"):
        TrainConfig(model="toy-pacgan", dataset="mnist").validate()


def test_bench_times_a_recipes_step(capsys):
    assert main(["bench", "train", "--recipe", "pacgan", "--steps", "2", "--batch-size", "20", "--in-process"]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (row["recipe"], row["model"], row["batch"]) == ("pacgan", "toy-pacgan", 20) and row["ms_per_step"] > 0


def test_the_pacgan_study_trains_in_chunks_skips_what_is_done_and_saves_the_points(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "demos" / "pacgan_toy.py"
    command = [sys.executable, str(script), "--steps", "4", "--every", "2", "--packs", "1", "--out", str(tmp_path)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "2 chunks of 2 steps to train" in first.stdout and "| grid | GAN | 0: " in first.stdout
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and all(0 <= r["high_quality_percent"] <= 100 for r in rows)
    points = numpy.load(tmp_path / "grid" / "pack1" / "seed0" / "points_4.npz")["points"]
    assert points.shape == (2500, 2)
    for picture in ("curves.png", "points.png", "training.png"):
        assert (tmp_path / picture).stat().st_size > 5_000, picture
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert "0 chunks of 2 steps to train (2 already in" in again.stdout        # nothing trained twice
    # Two chunks, each resuming the last, are one run of 4 steps: the same weights, bit for bit.
    whole = tmp_path / "whole"
    assert main(["train", "--recipe", "pacgan", "--pack", "1", "--max-steps", "4", "--checkpoint-every", "2",
                 "--out", str(whole), "--quiet"]) == 0
    from minigan.training.sample import load_generator
    chunked, _ = load_generator(str(tmp_path / "grid" / "pack1" / "seed0"))
    straight, _ = load_generator(str(whole))
    assert all(numpy.array_equal(a, b) for a, b in zip(chunked.state_dict().values(), straight.state_dict().values()))


def test_the_unrolled_study_records_which_modes_each_checkpoint_covers(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "demos" / "unrolled_toy.py"
    done = subprocess.run([sys.executable, str(script), "--steps", "4", "--every", "2", "--unroll", "0", "2",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| GAN | " in done.stdout and "| unrolled, K = 2 | " in done.stdout
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [(r["unroll"], r["step"]) for r in rows] == [(0, 2), (0, 4), (2, 2), (2, 4)]
    for r in rows:          # the modes it covers, by index, as many as it captures
        assert len(r["captured"]) == r["modes_captured"] and set(r["captured"]) <= set(range(8))
    assert json.loads((tmp_path / "unroll2" / "seed0" / "config.json").read_text())["unroll"] == 2
    assert (tmp_path / "hopping.png").stat().st_size > 10_000 and (tmp_path / "curves.png").stat().st_size > 10_000


def test_a_studys_pictures_show_checkpoints_spread_over_training_the_last_included():
    from minigan.training.study_pictures import modes_of, shown_checkpoints
    assert shown_checkpoints([500 * i for i in range(1, 21)]) == [500, 2500, 4500, 6000, 8000, 10000]
    assert shown_checkpoints([2, 4]) == [2, 4]
    assert numpy.allclose(modes_of("ring", 2.0)[0], [1.0, 0.0]) and len(modes_of("grid")) == 25


def test_the_wgan_gp_toy_recipe_shrinks_each_set_as_the_paper_does_and_scores_in_its_stds():
    from minigan.evaluation.evaluate import evaluate_points
    from minigan.data import ring
    from minigan.training import Trainer
    grid = TrainConfig(**recipes.settings("wgan-gp-toy")).validate()
    ring_run = TrainConfig(**recipes.settings("wgan-gp-toy", {"dataset": "ring"})).validate()
    mine = TrainConfig(**recipes.settings("wgan-gp-toy", {"dataset": "ring", "toy_scale": 1.0})).validate()
    assert (grid.toy_scale, ring_run.toy_scale, mine.toy_scale) == (2.828, 1.414, 1.0)      # the flag wins
    assert (grid.gp_weight, grid.n_critic, grid.beta1, grid.beta2, grid.batch_size) == (0.1, 5, 0.5, 0.9, 256)
    trainer = Trainer(TrainConfig(**recipes.settings("wgan-gp-toy", {"dataset": "ring", "toy_samples": 2000})))
    radii = numpy.linalg.norm(trainer.real, axis=1)
    assert abs(numpy.median(radii) - 2 / 1.414) < 0.01                    # the ring of radius 2, divided by 1.414
    # Points drawn from the shrunk ring are high quality against the shrunk modes and std, not the plain ones.
    points = ring(2500, numpy.random.default_rng(0)) / 1.414
    assert evaluate_points(points, "ring", 1.414)["high_quality_percent"] > 99
    assert evaluate_points(points, "ring")["high_quality_percent"] < 1
    G, D = models.build("toy-wgan-gp")
    assert [type(m).__name__ for m in D.layers] == ["Dense", "ReLU"] * 3 + ["Dense"]
    assert [m.out_features for m in G.layers if isinstance(m, nn.Dense)] == [512, 512, 512, 2]
    assert D.double_backward_problem() is None                            # the penalty can go through it
    with pytest.raises(ValueError, match="--toy-scale belongs to the toy sets"):
        TrainConfig(toy_scale=2.0).validate()


def test_the_wgan_gp_study_draws_the_critics_surface(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "demos" / "wgan_gp_toy.py"
    done = subprocess.run([sys.executable, str(script), "--steps", "10", "--every", "5", "--datasets", "ring",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| ring | 0/8" in done.stdout or "| ring | " in done.stdout
    config = json.loads((tmp_path / "ring" / "seed0" / "config.json").read_text())
    assert (config["recipe"], config["toy_scale"], config["gp_weight"]) == ("wgan-gp-toy", 1.414, 0.1)
    for picture in ("critic.png", "training.png", "curves.png"):
        assert (tmp_path / picture).stat().st_size > 5_000, picture
