"""The trainer end to end: run folder contents, determinism, exact resume, kill -9 during a save,
the divergence guard, sampling, and clear errors."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy
import pytest

from minigan.training import checkpoint
from minigan.cli import main
from minigan.training import DivergenceError, Trainer, TrainConfig, train


def synthetic_images(n=256, seed=0):
    return numpy.random.default_rng(seed).uniform(-1, 1, (n, 1, 28, 28)).astype(numpy.float32)


def weights(trainer):
    """Every array of every network a checkpoint holds (G, D, and the averaged G with --ema)."""
    return {f"{name}/{k}": v for name, net in trainer.networks().items() for k, v in net.state_dict().items()}


def toy_straight_and_resumed(tmp_path, **fields):
    """20 toy steps straight, and 10 + 10 resumed from the folder's checkpoint (crossing an epoch)."""
    def config(out, steps):
        return TrainConfig(model="toy", dataset="ring", epochs=3, batch_size=32, toy_samples=32 * 8, out=str(out),
                           max_steps=steps, **fields)
    straight = train(config(tmp_path / "straight", 20), progress=False, pictures=False, log=lambda *a: None)
    train(config(tmp_path / "resumed", 10), progress=False, pictures=False, log=lambda *a: None)
    resumed = train(config(tmp_path / "resumed", 20), resume=True, progress=False, pictures=False, log=lambda *a: None)
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys()
    assert all(numpy.array_equal(a[k], b[k]) for k in a), [k for k in a if not numpy.array_equal(a[k], b[k])]
    return straight, resumed


def test_a_toy_run_writes_log_checkpoint_config_and_pictures(tmp_path):
    out = tmp_path / "ring"
    config = TrainConfig(model="toy", dataset="ring", epochs=2, batch_size=100, toy_samples=2000, out=str(out),
                         lr_g=1e-3, lr_d=1e-3)
    trainer = train(config, progress=False, log=lambda *a: None)
    assert trainer.step == 40
    for name in ("config.json", "log.jsonl", "checkpoint.npz", "losses.png", "grad_norms.png", "samples.gif",
                 "samples/epoch_001.png", "samples/epoch_002.png"):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "config.json").read_text())["model"] == "toy"
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 41))
    for r in rows:
        assert {"d_loss", "g_loss", "d_real", "d_fake", "grad_norms", "epoch"} <= set(r)
        assert 0 < r["d_real"] < 1 and 0 < r["d_fake"] < 1
        assert len(r["grad_norms"]) == 6                   # 3 Dense layers in G, 3 in D
        assert all(v > 0 for v in r["grad_norms"].values())
    assert checkpoint.read_meta(str(out / "checkpoint.npz"))["step"] == 40


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "lsgan", "wgan", "hinge"])
def test_every_loss_trains_without_diverging(tmp_path, loss):
    config = TrainConfig(model="toy", dataset="ring", epochs=1, batch_size=64, toy_samples=64 * 30, out=str(tmp_path),
                         loss=loss, lr_g=1e-3, lr_d=1e-3, n_critic=5 if loss == "wgan" else 1)
    trainer = train(config, progress=False, pictures=False, log=lambda *a: None)
    assert trainer.step == 30
    if loss == "wgan":   # weight clipping keeps the critic's weights in [-c, c]
        assert all(float(abs(p.data).max()) <= 0.01 + 1e-9 for p in trainer.D.parameters())


def test_the_same_seed_gives_bit_identical_weights(tmp_path):
    data = synthetic_images()
    runs = []
    for name in ("a", "b"):
        config = TrainConfig(model="dcgan", width=0.125, dataset="mnist", epochs=1, batch_size=16,
                             out=str(tmp_path / name), max_steps=6)
        runs.append(weights(train(config, progress=False, pictures=False, real_data=data, log=lambda *a: None)))
    assert runs[0].keys() == runs[1].keys()
    assert all(numpy.array_equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_resume_continues_bit_identically(tmp_path):
    """N steps, then N resumed steps, equal 2N steps straight: weights, BatchNorm buffers, Adam
    state, Dropout masks and the data order all come back from the checkpoint. 10 steps cross an
    epoch boundary (8 batches per epoch)."""
    data = synthetic_images(128)

    def config(out, steps):
        return TrainConfig(model="dcgan", width=0.125, dataset="mnist", epochs=3, batch_size=16, out=str(out),
                           max_steps=steps, label_smoothing=0.1)

    straight = train(config(tmp_path / "straight", 20), progress=False, pictures=False, real_data=data, log=lambda *a: None)
    train(config(tmp_path / "resumed", 10), progress=False, pictures=False, real_data=data, log=lambda *a: None)
    resumed = train(config(tmp_path / "resumed", 20), resume=True, progress=False, pictures=False, real_data=data,
                    log=lambda *a: None)
    assert resumed.step == straight.step == 20
    a, b = weights(straight), weights(resumed)
    assert all(numpy.array_equal(a[k], b[k]) for k in a), [k for k in a if not numpy.array_equal(a[k], b[k])]
    for opt_a, opt_b in ((straight.opt_g, resumed.opt_g), (straight.opt_d, resumed.opt_d)):
        assert all(numpy.array_equal(x, y) for x, y in zip(opt_a.slots["m"], opt_b.slots["m"]))
    log_rows = (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in log_rows] == list(range(1, 21))


KILL_SCRIPT = r"""
import sys
import numpy
from minigan.training import Trainer, TrainConfig
config = TrainConfig(model="mlp", dataset="mnist", out=sys.argv[1], width=2.0)
trainer = Trainer(config, real_data=numpy.zeros((64, 1, 28, 28), numpy.float32))
trainer.step += 1
trainer.save_checkpoint(sys.argv[1] + "/checkpoint.npz")
print("ready", flush=True)        # one whole checkpoint exists: from here a kill may land anywhere
while True:                       # save over and over until killed
    trainer.step += 1
    trainer.save_checkpoint(sys.argv[1] + "/checkpoint.npz")
"""


def test_kill_9_during_a_save_never_corrupts_the_latest_checkpoint(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    path = tmp_path / "checkpoint.npz"
    # The delays only vary where in a save the kill lands; on a slow machine they land in other saves, and
    # the outcome does not change: whenever it lands, the checkpoint on disk must read back whole.
    for delay in (0.3, 0.45, 0.6, 0.75, 0.9):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        meta = checkpoint.read_meta(str(path))          # the latest checkpoint reads back whole
        trainer = Trainer(TrainConfig(model="mlp", dataset="mnist", out=str(tmp_path), width=2.0),
                          real_data=numpy.zeros((64, 1, 28, 28), numpy.float32))
        trainer.load_checkpoint(str(path))
        assert trainer.step == meta["step"] >= 1
    leftovers = [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    assert len(leftovers) <= 5                             # a killed save can leave its temporary, never a bad checkpoint


def test_divergence_stops_training_names_the_step_and_layer_and_keeps_the_checkpoint(tmp_path):
    config = TrainConfig(model="toy", dataset="ring", epochs=1, batch_size=100, toy_samples=1000, out=str(tmp_path))
    train(config, progress=False, pictures=False, log=lambda *a: None)
    good = checkpoint.read_meta(str(tmp_path / "checkpoint.npz"))["step"]
    trainer = Trainer(config)
    trainer.load_checkpoint(str(tmp_path / "checkpoint.npz"))
    trainer.G.layers[2].weight.data[0, 0] = numpy.nan            # what an exploding update leaves behind
    with pytest.raises(DivergenceError, match=r"training diverged at step 11: .* in G\.2 Dense\(128→128\)"):
        trainer.train_step(trainer.real[:100], trainer.next_noise(100))
    assert checkpoint.read_meta(str(tmp_path / "checkpoint.npz"))["step"] == good


def test_a_run_that_diverges_through_the_cli_keeps_its_last_good_checkpoint(tmp_path, capsys):
    out = str(tmp_path / "run")
    args = ["train", "--model", "toy", "--dataset", "ring", "--epochs", "1", "--batch-size", "500", "--quiet",
            "--out", out]
    assert main(args) == 0
    good = checkpoint.read_meta(os.path.join(out, "checkpoint.npz"))["step"]
    assert main(["train", "--model", "toy", "--dataset", "ring", "--epochs", "3", "--batch-size", "500", "--quiet",
                 "--out", out, "--resume", "--lr-d", "1e30", "--lr-g", "1e30"]) == 1
    assert "training diverged at step" in capsys.readouterr().err
    assert checkpoint.read_meta(os.path.join(out, "checkpoint.npz"))["step"] == good


def test_sample_writes_uint8_images_and_a_grid(tmp_path):
    config = TrainConfig(model="mlp", dataset="mnist", epochs=1, batch_size=16, out=str(tmp_path / "run"), max_steps=3)
    train(config, progress=False, pictures=False, real_data=synthetic_images(64), log=lambda *a: None)
    assert main(["sample", "--run", str(tmp_path / "run"), "--n", "1000", "--out", str(tmp_path / "s.npz"),
                 "--grid", str(tmp_path / "g.png")]) == 0
    images = numpy.load(tmp_path / "s.npz")["images"]
    assert images.shape == (1000, 28, 28) and images.dtype == numpy.uint8 and images.max() > 0
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_sample_writes_points_for_toy_runs(tmp_path):
    config = TrainConfig(model="toy", dataset="grid", epochs=1, batch_size=100, toy_samples=500, out=str(tmp_path / "run"))
    train(config, progress=False, pictures=False, log=lambda *a: None)
    assert main(["sample", "--run", str(tmp_path / "run"), "--n", "300", "--out", str(tmp_path / "p.npz")]) == 0
    points = numpy.load(tmp_path / "p.npz")["points"]
    assert points.shape == (300, 2) and points.dtype == numpy.float64


@pytest.mark.needs_data
def test_an_mlp_trains_on_real_mnist_from_the_command_line(tmp_path):
    out = str(tmp_path / "mlp")
    assert main(["train", "--model", "mlp", "--dataset", "mnist", "--epochs", "1", "--max-steps", "30", "--quiet",
                 "--classes", "0", "1", "--out", out]) == 0
    assert len(open(os.path.join(out, "log.jsonl")).readlines()) == 30


@pytest.mark.parametrize("args,code,message", [
    (["--model", "gan9000"], 1, "minigan train: --model must be one of mlp, dcgan, infogan, toy, toy-pacgan, toy-unrolled, toy-wgan-gp, got 'gan9000'"),
    (["--dataset", "cifar"], 1, "minigan train: --dataset must be one of mnist, fashion-mnist, ring, grid, got 'cifar'"),
    (["--loss", "kl"], 1, "minigan train: --loss must be one of minimax, nonsaturating, lsgan, wgan, wgan-gp, acgan, "
                          "hinge, got 'kl'"),
    (["--batch-size", "0"], 1, "minigan train: --batch-size must be a positive integer, got 0"),
    (["--width", "-1"], 1, "minigan train: --width must be in (0, 8], got -1.0"),
    (["--epochs", "2.5"], 2, "minigan train: --epochs must be an integer, got '2.5'"),
])
def test_bad_flags_get_one_message_form(args, code, message, tmp_path, capsys):
    """Whether argparse (a value that is no number) or the table of options (a value out of range) refuses
    it, the message reads the same: "minigan train: --flag must be ..., got ..."."""
    try:
        got = main(["train", "--quiet", "--out", str(tmp_path / "run")] + args)
    except SystemExit as exc:
        got = exc.code
    err = capsys.readouterr().err
    assert got == code and message in err, err
    assert "error:" not in err                     # one prefix, the command's


@pytest.mark.parametrize("config,message", [
    (dict(model="toy", dataset="mnist"), "--model toy does not fit --dataset mnist"),
    (dict(model="mlp", dataset="ring"), "--model mlp does not fit --dataset ring"),
    (dict(model="mlp", dataset="mnist", loss="hinge", label_smoothing=0.1),
     "--label-smoothing belongs to the losses with a real-label target"),
    (dict(model="mlp", dataset="mnist", loss="nope"), "--loss must be one of"),
])
def test_bad_configurations_are_clear_errors(config, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        TrainConfig(out=str(tmp_path), **config).validate()


@pytest.mark.needs_data
def test_a_batch_larger_than_the_dataset(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--dataset", "mnist", "--classes", "0", "--batch-size", "100000",
                 "--quiet", "--out", str(tmp_path)]) == 1
    assert "--batch-size 100000 is larger than the dataset (5923 examples)" in capsys.readouterr().err


def test_a_bad_data_path_and_an_unwritable_output_folder(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing"), "--quiet", "--out", str(tmp_path / "r")]) == 1
    assert "the data path" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--model", "toy", "--dataset", "ring", "--quiet", "--out", str(blocker / "run")]) == 1
    assert "minigan train: the output folder: cannot write into" in capsys.readouterr().err


def test_resuming_from_a_checkpoint_of_another_architecture(tmp_path, capsys):
    out = str(tmp_path / "run")
    base = ["train", "--model", "toy", "--dataset", "ring", "--epochs", "1", "--batch-size", "500", "--quiet", "--out", out]
    assert main(base) == 0
    assert main(base + ["--width", "0.5", "--resume"]) == 1
    assert "--width 0.5 (the run: 1.0)" in capsys.readouterr().err
    # The Python API (no config.json to read from) compares with the checkpoint, every key at once.
    config = TrainConfig(model="toy", dataset="grid", width=0.5, batch_size=500, out=out)
    with pytest.raises(checkpoint.CheckpointError, match=r"width=1.0, this run asks for width=0.5; dataset='ring', "
                                                         r"this run asks for dataset='grid'|dataset='ring', this run asks "
                                                         r"for dataset='grid'.*width"):
        train(config, resume=True, progress=False, log=lambda *a: None)
    assert main(["train", "--model", "toy", "--dataset", "grid", "--quiet", "--out", str(tmp_path / "none"),
                 "--resume"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_bench_train_prints_one_json_object(capsys):
    """A benchmark prints numbers; only its shape is checked here, never a speed."""
    assert main(["bench", "train", "--model", "mlp", "--steps", "2", "--in-process"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert {"model", "batch", "device", "ms_per_step", "samples_per_s", "peak_rss_mib"} <= set(row)
    assert row["model"] == "mlp" and row["batch"] == 64 and row["ms_per_step"] > 0


# ---- Lipschitz critics: WGAN-GP, R1, spectral normalization, RMSProp presets ----------------------
def test_loss_presets_fill_what_is_not_given_and_flags_override(tmp_path):
    wgan = TrainConfig(loss="wgan")
    assert (wgan.optimizer, wgan.lr_g, wgan.lr_d, wgan.n_critic) == ("rmsprop", 5e-5, 5e-5, 5)
    gp = TrainConfig(loss="wgan-gp", model="dcgan")
    assert (gp.optimizer, gp.lr_g, gp.beta1, gp.beta2, gp.n_critic, gp.gp_weight, gp.dropout) == \
        ("adam", 1e-4, 0.0, 0.9, 5, 10.0, 0.0)
    assert TrainConfig(loss="wgan-gp", n_critic=2, gp_weight=1.0).n_critic == 2
    plain = TrainConfig()
    assert (plain.optimizer, plain.lr_g, plain.beta1, plain.beta2, plain.n_critic) == ("adam", 2e-4, 0.5, 0.999, 1)
    assert isinstance(Trainer(TrainConfig(model="toy", dataset="ring", loss="wgan", toy_samples=256)).opt_d,
                      __import__("minigan").optim.RMSProp)


def test_wgan_gp_logs_the_penalty_and_the_gradient_norm_and_draws_them(tmp_path):
    out = tmp_path / "gp"
    config = TrainConfig(model="toy", dataset="ring", loss="wgan-gp", epochs=1, batch_size=64, toy_samples=64 * 20,
                         out=str(out))
    train(config, progress=False, log=lambda *a: None)
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert len(rows) == 20 and all(r["penalty"] >= 0 and r["input_grad_norm"] > 0 for r in rows)
    assert (out / "penalty.png").stat().st_size > 0
    saved = json.loads((out / "config.json").read_text())
    assert (saved["loss"], saved["gp_weight"], saved["n_critic"], saved["beta2"]) == ("wgan-gp", 10.0, 5, 0.9)


def test_the_penalty_gradient_is_in_the_discriminator_step():
    """Same run with λ = 0 and λ = 10: the first D update differs, so the penalty reached D's .grad."""
    data = numpy.random.default_rng(0).standard_normal((256, 2)).astype(numpy.float32)
    after = []
    for weight in (1e-12, 10.0):
        trainer = Trainer(TrainConfig(model="toy", dataset="ring", loss="wgan-gp", gp_weight=weight), real_data=data)
        trainer.train_step(data[:64], trainer.next_noise(64))
        after.append(trainer.D.state_dict())
    assert any(not numpy.allclose(after[0][k], after[1][k]) for k in after[0] if k.endswith("weight"))


@pytest.mark.parametrize("fields", [dict(loss="wgan-gp"), dict(r1=1.0, spectral_norm=True), dict(pack=2),
                                    dict(minibatch_kernels=5), dict(feature_matching=True)],
                         ids=["wgan-gp", "r1+sn", "pack", "minibatch", "feature-matching"])
def test_every_variant_resumes_bit_identically(tmp_path, fields):
    """The penalty's α generator, the spectral-norm u buffers and everything else the variants add
    come back from the checkpoint."""
    toy_straight_and_resumed(tmp_path, **fields)


def test_a_spectral_norm_run_samples_and_evaluates(tmp_path):
    run = tmp_path / "sn"
    assert main(["train", "--model", "toy", "--dataset", "ring", "--spectral-norm", "--epochs", "1", "--batch-size",
                 "500", "--quiet", "--out", str(run)]) == 0
    assert "D/0.u" in numpy.load(run / "checkpoint.npz").files
    assert main(["sample", "--run", str(run), "--n", "50", "--out", str(tmp_path / "s.npz")]) == 0
    assert main(["train", "--epochs", "2", "--quiet", "--out", str(run), "--resume"]) == 0   # keeps spectral norm
    assert "D/0.u" in numpy.load(run / "checkpoint.npz").files


def test_a_critic_that_cannot_be_penalized_stops_before_training(tmp_path, capsys):
    out = tmp_path / "dcgan"
    assert main(["train", "--model", "dcgan", "--width", "0.125", "--loss", "wgan-gp", "--dropout", "0.3",
                 "--quiet", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "the gradient penalty (--loss wgan-gp) differentiates the discriminator's input gradient" in err
    assert "Dropout(p=0.3) in training mode" in err and "--dropout 0" in err
    assert not (out / "log.jsonl").exists() and not (out / "checkpoint.npz").exists()


@pytest.mark.parametrize("args,message", [
    (["--gp-weight", "5"], "--gp-weight belongs to --loss wgan-gp"),
    (["--loss", "wgan", "--r1", "1"], "--r1 is a penalty for the probability losses"),
    (["--dropout", "0.5"], "--dropout belongs to --model dcgan (the only discriminator with dropout)"),
    (["--dropout", "1.5", "--model", "dcgan"], "minigan train: --dropout must be in [0, 1), got 1.5"),
    (["--adam", "tf", "--optimizer", "sgd"], "--adam tf is an Adam preset"),
])
def test_conflicting_lipschitz_flags_are_clear_errors(args, message, tmp_path, capsys):
    assert main(["train", "--quiet", "--out", str(tmp_path)] + args) == 1
    assert message in capsys.readouterr().err


def test_bench_train_with_the_gradient_penalty_prints_the_ratio_to_wgan(capsys):
    """Shape only (never a speed): the WGAN-GP row carries the same critic's plain WGAN time."""
    assert main(["bench", "train", "--model", "toy", "--steps", "5", "--loss", "wgan-gp", "--in-process"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["loss"] == "wgan-gp" and row["ms_per_step"] > 0 and row["wgan_same_critic_ms_per_step"] > 0
    assert row["ratio_to_wgan"] == pytest.approx(row["ms_per_step"] / row["wgan_same_critic_ms_per_step"], rel=0.02)


# ---- the discriminator pass: one concatenated batch, or two passes with BatchNorm ------------------------
from minigan import losses as losses_module, nn  # noqa: E402
from minigan.backend import manual_seed  # noqa: E402
from minigan.gan.discriminator_pass import discriminator_pass  # noqa: E402


def _d_grads(D):
    return [p.grad.copy() for p in D.parameters()]


def _two_passes(D, loss, real, fake):
    D.zero_grad()
    _, d_real = loss.real_term(D.forward(real), 1.0)
    D.backward(d_real)
    _, d_fake = loss.fake_term(D.forward(fake))
    D.backward(d_fake)
    return _d_grads(D)


def _one_pass(D, loss, real, fake):
    D.zero_grad()
    out = D.forward(numpy.concatenate([real, fake]))
    _, d_real, d_fake = loss.discriminator(out[:len(real)], out[len(real):])
    D.backward(numpy.concatenate([d_real, d_fake]))
    return _d_grads(D)


@pytest.mark.parametrize("with_batchnorm", [False, True], ids=["no-batchnorm", "batchnorm"])
def test_a_discriminator_with_batchnorm_sees_real_and_fake_in_separate_passes(with_batchnorm):
    manual_seed(0)
    layers = [nn.Dense(2, 8)] + ([nn.BatchNorm1d(8)] if with_batchnorm else []) + [nn.LeakyReLU(0.2), nn.Dense(8, 1)]
    D = nn.Sequential(*layers).to(dtype=numpy.float64)
    rng = numpy.random.default_rng(0)
    real, fake = rng.normal(1.0, 1.0, (16, 2)), rng.normal(-1.0, 0.5, (16, 2))
    loss = losses_module.get_gan_loss("nonsaturating")
    buffers = {k: v.copy() for k, v in D.state_dict().items()}
    two = _two_passes(D, loss, real, fake)
    D.load_state_dict(buffers)
    one = _one_pass(D, loss, real, fake)
    D.load_state_dict(buffers)
    D.zero_grad()
    discriminator_pass(D, loss, real, fake)
    used = _d_grads(D)
    # The trainer's way equals two passes (up to the order of the sums: one matrix product over 2B
    # rows, or two over B).
    assert all(numpy.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(used, two))
    same = all(numpy.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(one, two))
    assert same != with_batchnorm          # one pass equals two exactly when D has no BatchNorm


def test_the_toy_gan_uses_the_loss_pairs_discriminator_loss():
    from minigan import toy_gan
    run = toy_gan.train(steps=40, loss="wgan", seed=0)
    assert min(run.history["d_loss"]) < 0        # a WGAN critic loss goes negative; BCE never does


def test_the_toy_gan_step_runs_g_once_so_batchnorm_statistics_move_once():
    from minigan import optim, toy_gan
    manual_seed(0)
    G = nn.Sequential(nn.Dense(2, 4), nn.BatchNorm1d(4, momentum=0.5), nn.ReLU(), nn.Dense(4, 2))
    D = nn.Sequential(nn.Dense(2, 4), nn.LeakyReLU(0.2), nn.Dense(4, 1))
    noise = numpy.random.default_rng(1).standard_normal((8, 2)).astype(numpy.float32)
    expected = 0.5 * G[0].predict(noise).mean(axis=0)                # one update from running_mean = 0
    toy_gan.gan_step(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()),
                     numpy.zeros((8, 2), numpy.float32), noise, losses_module.get_gan_loss("nonsaturating"))
    numpy.testing.assert_allclose(G[1].running_mean, expected, rtol=1e-6)


# ---- weight averaging of G (--ema) and fresh noise for the generator step (--fresh-noise) ----------------
def test_weight_average_by_hand():
    from minigan.gan.ema import WeightAverage
    manual_seed(0)
    avg, src = nn.Dense(3, 2), nn.Dense(3, 2)
    start = avg.weight.data.copy()
    WeightAverage(avg, 0.9).update(src)
    numpy.testing.assert_allclose(avg.weight.data, 0.9 * start + 0.1 * src.weight.data, rtol=1e-6)
    with pytest.raises(ValueError, match="0 < decay < 1"):
        WeightAverage(avg, 1.0)
    average = WeightAverage(avg, 0.999)
    assert average.decay_at(1) == pytest.approx(2 / 11) and average.decay_at(80) == pytest.approx(0.9)
    assert average.decay_at(10**6) == 0.999                        # the warm-up ends at β


def test_the_averaged_generator_follows_g_after_every_generator_step():
    data = numpy.random.default_rng(0).standard_normal((256, 2)).astype(numpy.float32)
    trainer = Trainer(TrainConfig(model="toy", dataset="ring", ema=0.9), real_data=data)
    expected = {k: v.astype(numpy.float64) for k, v in trainer.G.state_dict().items()}
    for t in range(1, 4):
        trainer.train_step(data[:64], trainer.next_noise(64))
        beta = min(0.9, (1 + t) / (10 + t))                       # the warm-up: 0.18, 0.25, 0.31
        expected = {k: beta * expected[k] + (1 - beta) * v for k, v in trainer.G.state_dict().items()}
    for k, v in trainer.G_ema.state_dict().items():
        numpy.testing.assert_allclose(v, expected[k], rtol=1e-5, atol=1e-7)
    assert trainer.sampling_generator is trainer.G_ema and not trainer.G_ema.training


def test_an_averaged_run_resumes_exactly_and_samples_either_generator(tmp_path, capsys):
    _, resumed = toy_straight_and_resumed(tmp_path, ema=0.9, fresh_noise=True)     # G_ema compared too
    assert any(k.startswith("G_ema/") for k in weights(resumed))
    run = str(tmp_path / "resumed")
    assert main(["sample", "--run", run, "--n", "50", "--out", str(tmp_path / "avg.npz")]) == 0
    assert main(["sample", "--run", run, "--n", "50", "--out", str(tmp_path / "raw.npz"), "--raw-weights"]) == 0
    averaged, raw = numpy.load(tmp_path / "avg.npz")["points"], numpy.load(tmp_path / "raw.npz")["points"]
    G_ema = resumed.G_ema
    noise = numpy.random.default_rng(0).standard_normal((50, 2)).astype(numpy.float32)
    numpy.testing.assert_allclose(averaged, G_ema.predict(noise), rtol=1e-6)
    assert not numpy.allclose(averaged, raw)


def test_fresh_noise_draws_new_z_for_the_generator_step():
    data = numpy.random.default_rng(0).standard_normal((256, 2)).astype(numpy.float32)
    weights_after = []
    for fresh in (False, True):
        trainer = Trainer(TrainConfig(model="toy", dataset="ring", fresh_noise=fresh), real_data=data)
        noise = trainer.next_noise(64)
        before = trainer.noise_rng.bit_generator.state["state"]["state"]
        trainer.train_step(data[:64], noise)
        drew = trainer.noise_rng.bit_generator.state["state"]["state"] != before
        assert drew == fresh                          # only --fresh-noise draws a second z inside the step
        weights_after.append(trainer.G.state_dict())
    assert any(not numpy.array_equal(weights_after[0][k], weights_after[1][k]) for k in weights_after[0])


# ---- PacGAN packing and minibatch discrimination -----------------------------------------------------------
def test_minibatch_discrimination_matches_its_definition():
    manual_seed(0)
    layer = nn.MinibatchDiscrimination(3, 4, 2).to(dtype=numpy.float64)
    f = numpy.random.default_rng(0).standard_normal((5, 3))
    y = layer.predict(f)
    M = (f @ layer.T.data).reshape(5, 4, 2)
    o = numpy.zeros((5, 4))
    for i in range(5):
        for b in range(4):
            o[i, b] = sum(numpy.exp(-numpy.abs(M[i, b] - M[j, b]).sum()) for j in range(5))
    numpy.testing.assert_allclose(y, numpy.concatenate([f, o], axis=1), rtol=1e-12)
    assert layer.couples_samples()


def test_pack_puts_m_samples_side_by_side_and_never_mixes_real_with_fake():
    x = numpy.arange(24, dtype=numpy.float64).reshape(4, 1, 2, 3)
    packed = nn.Pack(2).predict(x)
    assert packed.shape == (2, 2, 2, 3) and numpy.array_equal(packed[1, 0], x[2, 0])
    with pytest.raises(ValueError, match="a multiple of 2"):
        nn.Pack(2).predict(x[:3])
    manual_seed(0)
    D = nn.pack_discriminator(nn.Sequential(nn.Dense(2, 4), nn.LeakyReLU(0.2), nn.Dense(4, 1)), 2)
    real, fake = numpy.ones((6, 2), numpy.float32), -numpy.ones((6, 2), numpy.float32)
    d_loss, out = discriminator_pass(D, losses_module.get_gan_loss("nonsaturating"), real, fake)
    assert out.shape == (6, 1)                                          # 3 real packs, then 3 fake packs
    numpy.testing.assert_allclose(out[:3], D.predict(real), rtol=1e-6)
    numpy.testing.assert_allclose(out[3:], D.predict(fake), rtol=1e-6)
    with pytest.raises(ValueError, match="must be a multiple of --pack 3"):
        TrainConfig(model="toy", dataset="ring", batch_size=64, pack=3).validate()


def test_a_discriminator_with_minibatch_discrimination_sees_real_and_fake_apart():
    manual_seed(0)
    D = nn.with_minibatch_discrimination(nn.Sequential(nn.Dense(2, 4), nn.Tanh(), nn.Dense(4, 1)), 3, 2)
    rng = numpy.random.default_rng(0)
    real, fake = rng.normal(1, 1, (6, 2)).astype(numpy.float32), rng.normal(-1, 1, (6, 2)).astype(numpy.float32)
    _, out = discriminator_pass(D, losses_module.get_gan_loss("nonsaturating"), real, fake)
    numpy.testing.assert_allclose(out[:6], D.predict(real), rtol=1e-5)      # real judged among real only
    numpy.testing.assert_allclose(out[6:], D.predict(fake), rtol=1e-5)


# ---- feature matching ----------------------------------------------------------------------------------------
def test_feature_matching_gradient_against_finite_differences():
    from minigan.gan.feature_matching import FeatureMatching
    from minigan.gradcheck import numerical_gradient, rel_error
    manual_seed(0)
    D = nn.Sequential(nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 5), nn.Tanh(), nn.Dense(5, 1)).to(dtype=numpy.float64)
    rng = numpy.random.default_rng(0)
    real, fake = rng.standard_normal((7, 2)), rng.standard_normal((5, 2))
    objective = FeatureMatching()
    value, d_fake = objective(D, real, fake)
    f = objective.features_of(D)                     # D's layers but the last: (N, 5) features

    def loss():
        gap = f.predict(real).mean(axis=0) - f.predict(fake).mean(axis=0)
        return float((gap * gap).sum())
    assert value == pytest.approx(loss(), rel=1e-12)
    assert rel_error(numerical_gradient(loss, fake), d_fake) < 1e-7
    assert all(not p.grad.any() for p in D.parameters())               # D frozen: G's objective only
    assert all(m._pending is None for m in D.modules())


def test_up_to_is_a_view_sharing_the_layers():
    manual_seed(0)
    D = nn.Sequential(nn.Dense(2, 3), nn.ReLU(), nn.Dense(3, 1))
    head = D.up_to(2)
    assert head.layers[0] is D.layers[0] and len(head) == 2
    x = numpy.ones((4, 2), numpy.float32)
    numpy.testing.assert_allclose(head.predict(x), D[1].predict(D[0].predict(x)))
    with pytest.raises(ValueError, match="expected 1 <= k <= 3"):
        D.up_to(0)


def test_a_feature_matching_run_logs_its_squared_distance(tmp_path):
    toy_straight_and_resumed(tmp_path, feature_matching=True)
    rows = [json.loads(line) for line in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert all(r["g_loss"] >= 0 for r in rows)                           # a squared distance


# ---- the unrolled GAN (more in tests/test_unrolled.py) ---------------------------------------------
def test_an_unrolled_run_trains_and_resumes_exactly(tmp_path):
    straight, _ = toy_straight_and_resumed(tmp_path, unroll=2, unroll_lr=0.05)
    assert straight.step == 20


def test_unrolled_with_packing_trains(tmp_path):
    """PacGAN's Pack has a double backward and no parameters, so a packed D unrolls too."""
    config = TrainConfig(model="toy", dataset="ring", unroll=2, pack=2, toy_samples=32 * 4, batch_size=32,
                         epochs=1, out=str(tmp_path))
    assert train(config, progress=False, pictures=False, log=lambda *a: None).step == 4


def test_no_two_random_streams_of_a_run_share_a_seed():
    """The gradient penalty's α and the fakes' codes once both took seed + 5. Each stream now has an
    offset of its own: with a penalty and with the cGAN's mismatched pairs, every stream starts apart."""
    from minigan.training.trainer import SEED_OFFSETS
    assert len(set(SEED_OFFSETS.values())) == len(SEED_OFFSETS)
    points = numpy.random.default_rng(0).standard_normal((256, 2)).astype(numpy.float32)
    trainer = Trainer(TrainConfig(model="toy", dataset="ring", loss="wgan-gp", seed=4, out="unused"), real_data=points)
    alpha = trainer.d_terms[0].rng
    assert alpha.bit_generator.state != trainer.code_rng.bit_generator.state
    assert alpha.bit_generator.state == numpy.random.default_rng(4 + SEED_OFFSETS["penalty"]).bit_generator.state
