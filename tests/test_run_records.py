"""What a run leaves behind can be trusted: every log line is strict JSON (no bare NaN or
Infinity), missing values do not blank a curve, a torn last line does not stop a resume."""
import json

import numpy
import pytest

from minigan.training import pictures
from minigan.io import read_jsonl, strict_json
from minigan.training import TrainConfig, train


def strict_rows(path):
    """Parse every line with NaN, Infinity and -Infinity rejected, as a strict JSON parser does."""
    def reject(constant):
        raise ValueError(f"{path}: {constant} is not JSON")
    return [json.loads(line, parse_constant=reject) for line in path.read_text().splitlines()]


def test_a_wgan_log_is_strict_json_with_null_before_the_first_generator_update(tmp_path):
    config = TrainConfig(model="toy", dataset="ring", loss="wgan", epochs=1, batch_size=64, toy_samples=64 * 12,
                         out=str(tmp_path))
    train(config, progress=False, log=lambda *a: None)
    rows = strict_rows(tmp_path / "log.jsonl")
    assert [r["g_loss"] for r in rows[:4]] == [None] * 4          # n_critic = 5: G's first update is step 5
    assert all(isinstance(r["g_loss"], float) for r in rows[4:])
    strict_rows(tmp_path / "metrics.jsonl")


def test_an_infinite_reverse_kl_is_written_as_null(tmp_path):
    """A generator with no sample near any mode has reverse KL = inf; metrics.jsonl must stay JSON."""
    assert strict_json({"reverse_kl": float("inf"), "x": [float("nan"), 1.0]}) == '{"reverse_kl": null, "x": [null, 1.0]}'


def test_the_moving_average_skips_missing_values():
    values = [None] * 4 + [1.0, 3.0, float("nan"), 5.0]
    smoothed = pictures.moving_average(values, window=3)
    assert numpy.isnan(smoothed[:4]).all()                        # nothing yet to average
    numpy.testing.assert_allclose(smoothed[4:], [1.0, 2.0, 2.0, 4.0])


def test_a_torn_last_log_line_is_dropped_on_resume_with_a_word(tmp_path):
    out = tmp_path / "run"
    config = TrainConfig(model="toy", dataset="ring", epochs=2, batch_size=64, toy_samples=64 * 5, out=str(out))
    train(config, progress=False, pictures=False, log=lambda *a: None)
    log_path = out / "log.jsonl"
    text = log_path.read_text()
    log_path.write_text(text + text.splitlines()[-1][:37])         # a full disk cut the next row short
    messages = []
    config = TrainConfig(model="toy", dataset="ring", epochs=3, batch_size=64, toy_samples=64 * 5, out=str(out))
    train(config, resume=True, progress=False, pictures=False, log=messages.append)
    assert any("dropped the last line" in m and "cut short" in m for m in messages)
    assert [r["step"] for r in strict_rows(log_path)] == list(range(1, 16))


def test_a_damaged_line_in_the_middle_is_an_error_naming_it(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"step": 1}\n{"step": 2\n{"step": 3}\n')
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        read_jsonl(str(path))


# ---- nothing lost: a finished run is never overwritten by a repeated command ------------------------
from minigan.cli import main  # noqa: E402

TOY = ["train", "--model", "toy", "--dataset", "ring", "--epochs", "1", "--batch-size", "500", "--quiet"]


def test_training_into_a_folder_that_holds_a_run_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TOY + ["--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".minigan.lock")}
    capsys.readouterr()
    assert main(TOY + ["--seed", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--resume" in err and "--overwrite" in err and str(out) in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()
            and not p.name.startswith(".minigan.lock")} == before                           # untouched


def test_overwrite_deletes_the_runs_own_files_and_nothing_else(tmp_path):
    out = tmp_path / "run"
    assert main(TOY[:6] + ["2"] + TOY[7:] + ["--out", str(out)]) == 0          # 2 epochs: 2 epoch pictures
    (out / "notes.txt").write_text("mine")
    (out / "samples" / "favourite.png").write_bytes(b"mine")
    assert main(TOY + ["--seed", "1", "--overwrite", "--out", str(out)]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "samples" / "favourite.png").exists()
    assert sorted(p.name for p in (out / "samples").glob("epoch_*.png")) == ["epoch_001.png"]   # no stale epoch 2
    assert json.loads((out / "config.json").read_text())["seed"] == 1
    assert main(TOY + ["--resume", "--overwrite", "--out", str(out)]) == 1


def test_stale_temporary_files_of_an_interrupted_save_are_removed(tmp_path):
    out = tmp_path / "run"
    assert main(TOY + ["--out", str(out)]) == 0
    stale = [out / ".checkpoint.npz.abc123.tmp", out / "samples" / ".epoch_001.png.xyz.tmp"]
    for p in stale:
        p.write_bytes(b"half a file")
    (out / ".mine.tmp").write_bytes(b"not the run's")
    assert main(TOY[:6] + ["2"] + TOY[7:] + ["--resume", "--out", str(out)]) == 0
    assert not any(p.exists() for p in stale) and (out / ".mine.tmp").exists()


def test_the_closing_message_names_only_the_pictures_written(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TOY + ["--max-steps", "3", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "samples.gif" not in said and "epoch pictures" not in said and not (out / "samples.gif").exists()
    assert str(out / "losses.png") in said and (out / "losses.png").exists()


def test_a_checkpoint_path_that_is_a_folder_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "checkpoint.npz").mkdir(parents=True)
    assert main(TOY + ["--out", str(out)]) == 1
    assert "checkpoint.npz' is a folder" in capsys.readouterr().err and not (out / "log.jsonl").exists()


# ---- --resume needs nothing but the folder -------------------------------------------------------------
def test_resume_reads_every_setting_from_the_run_folder(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--model", "toy", "--dataset", "grid", "--width", "0.5", "--loss", "lsgan", "--seed", "3",
                 "--epochs", "1", "--batch-size", "500", "--quiet", "--out", str(out)]) == 0
    assert main(["train", "--resume", "--out", str(out), "--epochs", "2", "--quiet"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert (saved["model"], saved["dataset"], saved["width"], saved["loss"], saved["seed"], saved["epochs"]) == \
        ("toy", "grid", 0.5, "lsgan", 3, 2)
    assert saved["history"] == [{"from_step": 100, "changed": {"epochs": [1, 2]}}]


def test_resume_lists_every_contradicting_flag_at_once(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TOY + ["--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", "--out", str(out), "--model", "mlp", "--dataset", "mnist", "--width", "2",
                 "--seed", "5", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "4 flag(s) contradict the run" in err
    for part in ("--model 'mlp' (the run: 'toy')", "--dataset 'mnist' (the run: 'ring')", "--width 2.0 (the run: 1.0)",
                 "--seed 5 (the run: 0)"):
        assert part in err


def test_a_new_learning_rate_on_resume_is_recorded_with_the_step_it_took_effect(tmp_path):
    out = tmp_path / "run"
    assert main(TOY + ["--out", str(out)]) == 0
    assert main(["train", "--resume", "--out", str(out), "--epochs", "2", "--lr-g", "1e-3", "--quiet"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["lr_g"] == 1e-3
    assert saved["history"] == [{"from_step": 100, "changed": {"epochs": [1, 2], "lr_g": [2e-4, 1e-3]}}]


def test_resume_without_a_run_names_the_missing_file(tmp_path, capsys):
    assert main(["train", "--resume", "--out", str(tmp_path / "none"), "--quiet"]) == 1
    assert "no run to resume" in capsys.readouterr().err


# ---- damaged checkpoints and non-finite weights --------------------------------------------------------
import shutil  # noqa: E402


def _damage(data: bytes, how: str) -> bytes:
    if how == "empty":
        return b""
    if how == "truncated":
        return data[:len(data) // 2]
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    return bytes(flipped)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "run"
    assert main(TOY + ["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("how,message", [("empty", "the file is empty"), ("truncated", "truncated"),
                                         ("flipped", "corrupted")])
@pytest.mark.parametrize("command", ["resume", "sample"])
def test_a_damaged_checkpoint_is_a_clear_error(finished_run, tmp_path, capsys, how, message, command):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    ckpt = run / "checkpoint.npz"
    ckpt.write_bytes(_damage(ckpt.read_bytes(), how))
    argv = (["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)] if command == "resume"
            else ["sample", "--run", str(run), "--n", "4", "--out", str(tmp_path / "s.npz")])
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"the checkpoint '{ckpt}' is damaged" in err and message in err and "Traceback" not in err


def _copy_with_meta(finished_run, tmp_path, edit):
    """A copy of the finished run whose checkpoint metadata ``edit(meta)`` has changed in place."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    with numpy.load(run / "checkpoint.npz") as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"]))
    edit(meta)
    arrays["meta"] = numpy.array(json.dumps(meta))
    numpy.savez(run / "checkpoint.npz", **arrays)
    return run


def test_a_checkpoint_whose_metadata_lacks_keys_is_a_clear_error(finished_run, tmp_path, capsys):
    def drop(meta):
        del meta["step"], meta["random_state"]
    run = _copy_with_meta(finished_run, tmp_path, drop)
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 1
    assert "its metadata lacks ['step', 'random_state']" in capsys.readouterr().err


def test_an_overflowing_step_is_never_saved(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "toy", "--dataset", "ring", "--lr-g", "1e41", "--max-steps", "1", "--quiet",
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "training diverged at step 1" in err and "G layer 0.weight" in err
    assert checkpoint.read_meta(str(out / "checkpoint.npz"))["step"] == 0     # only the step-0 checkpoint, whole


def test_sampling_refuses_a_checkpoint_with_non_finite_weights(finished_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    with numpy.load(run / "checkpoint.npz") as f:
        arrays = {k: f[k] for k in f.files}
    arrays["G/2.weight"] = numpy.full_like(arrays["G/2.weight"], numpy.inf)
    numpy.savez(run / "checkpoint.npz", **arrays)
    assert main(["sample", "--run", str(run), "--n", "4", "--out", str(tmp_path / "s.npz")]) == 1
    assert "holds NaN or Inf weights (G/2.weight)" in capsys.readouterr().err
    assert not (tmp_path / "s.npz").exists()


# ---- kill -9 at random moments, many times ---------------------------------------------------------------
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from minigan.training import checkpoint  # noqa: E402


def _train_cmd(out):
    return [sys.executable, "-m", "minigan", "train", "--model", "toy", "--dataset", "ring", "--epochs", "10",
            "--toy-samples", "6400", "--checkpoint-every", "37", "--quiet", "--out", str(out)]


def _wait_for(condition, what: str, proc, seconds: float = 300):
    """Poll until ``condition()``; the bound only catches a hang, it times nothing."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.01)


def _log_lines(out) -> int:
    try:
        with open(out / "log.jsonl", "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


# Where each kill lands, chosen, not drawn: before anything is written; right after the step-0
# checkpoint; after step k of the log, at and around the every-37-steps checkpoints and the epoch ends
# (every 100 steps: the epoch's checkpoint and pictures), and mid-epoch. Each is found by watching the
# run folder, never by sleeping, so the test does the same on an idle and on a loaded machine.
KILL_POINTS = ["at once", "step-0 checkpoint", 1, 36, 37, 38, 100, 101, 250, 600]


def test_kills_at_chosen_points_never_lose_or_corrupt_a_run(tmp_path):
    """SIGKILL at each point of KILL_POINTS, each run resumed from the folder alone (or started again
    when nothing was written): the checkpoint always loads, every log line parses once the run
    resumes, no temporary file outlives a restart, and the finished run equals one never killed."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MPLBACKEND="Agg")
    straight = tmp_path / "straight"
    subprocess.run(_train_cmd(straight), env=env, check=True, capture_output=True)

    killed = tmp_path / "killed"
    resume = [sys.executable, "-m", "minigan", "train", "--resume", "--quiet", "--out", str(killed)]
    done = 0                             # steps the folder's log held before this attempt
    for point in KILL_POINTS:
        started = (killed / "checkpoint.npz").exists()
        proc = subprocess.Popen(resume if started else _train_cmd(killed), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if point == "step-0 checkpoint":
            _wait_for(lambda: (killed / "checkpoint.npz").exists(), "step-0 checkpoint", proc)
        elif point != "at once":
            target = max(point, done + 1)
            _wait_for(lambda: _log_lines(killed) >= target, f"log line {target}", proc)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (killed / "checkpoint.npz").exists():
            meta = checkpoint.read_meta(str(killed / "checkpoint.npz"))      # loads, whole
            assert meta["step"] <= _log_lines(killed) + 1
        done = _log_lines(killed)
    assert (killed / "checkpoint.npz").exists() and done >= 600
    # Finish the run; it must clean every temporary and end where the straight run ended.
    subprocess.run(resume, env=env, check=True, capture_output=True)
    assert not list(killed.glob(".*.tmp")) and not list((killed / "samples").glob(".*.tmp"))
    rows = strict_rows(killed / "log.jsonl")
    assert [r["step"] for r in rows] == list(range(1, len(rows) + 1)) == [r["step"] for r in strict_rows(straight / "log.jsonl")]
    with numpy.load(straight / "checkpoint.npz") as a, numpy.load(killed / "checkpoint.npz") as b:
        arrays = [k for k in a.files if k != "meta"]
        assert arrays and all(numpy.array_equal(a[k], b[k]) for k in arrays)


def test_a_run_killed_before_its_first_step_resumes_from_step_0(tmp_path, capsys, monkeypatch):
    """The step-0 checkpoint is written before anything else of a new run: a folder whose run died
    before its first step is continued by --resume, from step 0, exactly."""
    from minigan.training import Trainer
    straight, out = tmp_path / "straight", tmp_path / "run"
    assert main(TOY + ["--max-steps", "20", "--out", str(straight)]) == 0

    def dies(self, *args, **kwargs):          # what a kill before the first step leaves behind
        raise KeyboardInterrupt
    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "train_step", dies)
        assert main(TOY + ["--max-steps", "20", "--out", str(out)]) == 130     # one line, no traceback
    assert checkpoint.read_meta(str(out / "checkpoint.npz"))["step"] == 0 and _log_lines(out) == 0
    capsys.readouterr()
    assert main(["train", "--resume", "--quiet", "--out", str(out)]) == 0
    assert "at step 0" in capsys.readouterr().out
    with numpy.load(straight / "checkpoint.npz") as a, numpy.load(out / "checkpoint.npz") as b:
        arrays = [k for k in a.files if k != "meta"]
        assert arrays and all(numpy.array_equal(a[k], b[k]) for k in arrays)


def test_a_second_training_on_a_live_run_is_refused_and_changes_nothing(tmp_path, capsys):
    """The folder's lock: while one process trains there, train, --resume and --overwrite are refused,
    naming that process, and leave its files (a temporary of an in-flight save too) alone. The lock
    dies with its process: a killed holder never blocks."""
    out = tmp_path / "run"
    assert main(TOY + ["--max-steps", "5", "--out", str(out)]) == 0      # the live run's files so far
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".minigan.lock")}
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from minigan.training.run_folder import held\n"
                               f"with held({str(out)!r}):\n    print('holding', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert holder.stdout.readline().strip() == b"holding"
    in_flight = out / ".checkpoint.npz.abc123.tmp"
    in_flight.write_bytes(b"a save in progress")
    for extra in ([], ["--resume"], ["--overwrite"]):
        assert main(TOY + ["--out", str(out)] + extra) == 1
        err = capsys.readouterr().err
        assert f"is in use by process {holder.pid} (minigan train, started " in err and "nothing in the folder was changed" in err
    assert in_flight.exists()
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p != in_flight
            and not p.name.startswith(".minigan.lock")} == before
    holder.kill()
    holder.wait()
    assert main(TOY + ["--max-steps", "8", "--resume", "--out", str(out)]) == 0   # the dead holder's lock died with it
    assert not in_flight.exists()                                    # and its stale temporary is cleaned now


def test_resume_reads_the_checkpoint_and_refuses_a_hand_edited_config(finished_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    config = json.loads((run / "config.json").read_text())
    config["lr_g"], config["seed"] = 123.0, 7
    (run / "config.json").write_text(json.dumps(config))
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 1
    err = capsys.readouterr().err
    assert "config.json in" in err and "was edited by hand: lr_g 123.0 (the checkpoint: 0.0002); seed 7 (the checkpoint: 0)" in err


@pytest.mark.parametrize("damage", ["missing", "truncated", "null"])
def test_a_missing_or_damaged_config_json_is_rebuilt_from_the_checkpoint(finished_run, tmp_path, capsys, damage):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    original = json.loads((run / "config.json").read_text())
    if damage == "missing":
        (run / "config.json").unlink()
    else:
        (run / "config.json").write_text('{"model": "to' if damage == "truncated" else "null")
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 0
    err = capsys.readouterr().err
    assert "config.json " + ("is missing" if damage == "missing" else "is damaged") in err
    assert "the settings come from the checkpoint" in err
    rebuilt = json.loads((run / "config.json").read_text())
    assert {k: v for k, v in rebuilt.items() if k not in ("epochs", "history", "out")} == \
        {k: v for k, v in original.items() if k not in ("epochs", "history", "out")}
    assert rebuilt["epochs"] == 2


def test_eval_of_a_run_trusts_the_checkpoint_not_a_hand_edited_config(finished_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    config = json.loads((run / "config.json").read_text())
    config["dataset"] = "grid"                                   # the run learned the ring
    (run / "config.json").write_text(json.dumps(config))
    assert main(["eval", "--run", str(run), "--n", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "ring" and result["n_modes"] == 8


# ---- readable pictures, help for every flag, mid-epoch checkpoints ----------------------------------------
def _capture_figures(monkeypatch, module):
    figures = {}

    def capture(fig, path, **kwargs):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        figures[os.path.basename(path)] = fig
        figures[os.path.basename(path) + " renderer"] = canvas.get_renderer()   # plt.close swaps the canvas later
    monkeypatch.setattr(module, "atomic_savefig", capture)
    return figures


def _rows(epochs=3, steps_per_epoch=40):
    rows = []
    for step in range(1, epochs * steps_per_epoch + 1):
        rows.append({"step": step, "epoch": (step - 1) // steps_per_epoch + 1, "d_loss": 1.0, "g_loss": None if step < 5 else 0.7,
                     "d_real": 0.6, "d_fake": 0.4, "grad_norms": {f"D.{i} Dense(128→128) with a long name": 0.1 for i in range(6)}})
    return rows


def test_the_loss_and_gradient_pictures_keep_legends_off_the_data_and_mark_whole_epochs(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt
    figures = _capture_figures(monkeypatch, pictures)
    log = tmp_path / "log.jsonl"
    log.write_text("".join(strict_json(r) + "\n" for r in _rows()))
    pictures.run_pictures(str(log), str(tmp_path))
    for name in ("losses.png", "grad_norms.png"):
        fig = figures[name]
        renderer = figures[name + " renderer"]
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None and ax.get_label() != "<colorbar>":
                assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer)), name
                assert all(t.get_fontsize() >= 8 for t in legend.get_texts()), name      # readable layer names
        tops = [c for ax in fig.axes for c in ax.child_axes]                             # the epoch axis
        labels = [t.get_text() for top in tops for t in top.get_xticklabels()]
        assert labels == ["1", "2", "3"], (name, labels)
    plt.close("all")


def test_the_toy_metrics_picture_has_whole_epoch_ticks(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt

    figures = _capture_figures(monkeypatch, pictures)
    rows = [{"epoch": e, "coverage": 8, "high_quality_percent": 50.0} for e in (1, 2, 3)]
    pictures.save_metrics_plot(rows, str(tmp_path / "metrics.png"), "modes captured", 8, toy=True)
    ticks = figures["metrics.png"].axes[0].get_xticks()
    shown = [t for t in ticks if 1 <= t <= 3]
    assert shown and all(float(t).is_integer() for t in shown)
    plt.close("all")


def test_every_option_of_every_command_has_help():
    from minigan.cli import build_parser

    def walk(parser, name):
        parser.format_help()                      # a command whose flags come from a table fills them now
        for flag in parser.flags:
            yield f"{name} {flag}", parser.helps[flag]
        for sub_name, sub in parser.commands.items():
            yield from walk(sub, f"{name} {sub_name}")
    found = dict(walk(build_parser(), "minigan"))
    assert "minigan train --beta1" in found and "minigan bench train --steps" in found    # every command reached
    missing = [flag for flag, text in found.items() if not text or not text.strip()]
    assert not missing, missing


def test_checkpoints_are_written_every_n_steps_inside_an_epoch(monkeypatch, tmp_path):
    from minigan.training import trainer as train_module
    saved = []
    real_save = train_module.Trainer.save_checkpoint

    def recording(self, path):
        saved.append(self.step)
        real_save(self, path)
    monkeypatch.setattr(train_module.Trainer, "save_checkpoint", recording)
    config = TrainConfig(model="toy", dataset="ring", epochs=1, batch_size=32, toy_samples=32 * 25, out=str(tmp_path),
                         checkpoint_every=10)
    train(config, progress=False, pictures=False, log=lambda *a: None)
    assert saved[:3] == [0, 10, 20] and saved[-1] == 25       # step 0 (before training), mid-epoch, the epoch's end


def _no_space(*args, **kwargs):
    import errno
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_during_a_save_names_the_file_and_keeps_the_last_checkpoint(finished_run, tmp_path, capsys,
                                                                                  monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = (run / "checkpoint.npz").read_bytes()
    monkeypatch.setattr(checkpoint.numpy, "savez", _no_space)
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 1
    err = capsys.readouterr().err
    assert f"could not write '{run / 'checkpoint.npz'}': No space left on device (the previous version is kept)" in err
    assert (run / "checkpoint.npz").read_bytes() == before and not list(run.glob(".*.tmp"))


def test_a_full_disk_while_logging_says_how_to_go_on(tmp_path, capsys, monkeypatch):
    import builtins
    real_open = builtins.open

    class FullLog:
        """A buffered file on a full disk: the write fails, and so does the flush that closing tries."""
        def __init__(self, f):
            self.f = f

        def write(self, text):
            _no_space()

        def flush(self):
            _no_space()

        def close(self):
            self.f.close()
            _no_space()

        def __getattr__(self, name):
            return getattr(self.f, name)

    def opening(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return FullLog(f) if str(path).endswith("log.jsonl") and "a" in mode else f
    monkeypatch.setattr(builtins, "open", opening)
    assert main(TOY + ["--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "could not append to" in err and "log.jsonl" in err and "No space left on device" in err and "--resume" in err
    assert "[Errno 28]" not in err                 # the close that fails again adds no raw second error


def test_a_run_folder_written_before_the_restructure_still_resumes_exactly(tmp_path):
    """tests/fixtures/run_before_restructure: a WGAN-GP toy run of 6 steps written by minigan 32ff3ce,
    before the subpackages, the table of options and the new seed of the penalty's α. Resumed here to
    step 10, it logs exactly what that version logged when it resumed the same folder to step 10
    (kept beside it): the weights, both Adams' state and every random stream come back from the old
    checkpoint bit for bit."""
    import json
    import shutil
    fixture = os.path.join(os.path.dirname(__file__), "fixtures", "run_before_restructure")
    out = tmp_path / "old-run"
    out.mkdir()
    for name in ("checkpoint.npz", "config.json", "log.jsonl"):
        shutil.copy(os.path.join(fixture, name), out / name)
    saved = json.loads((out / "config.json").read_text())
    config = TrainConfig(**{**{k: v for k, v in saved.items() if k != "history"}, "out": str(out), "max_steps": 10})
    train(config, resume=True, progress=False, pictures=False, log=lambda *a: None)
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    with open(os.path.join(fixture, "expected_steps_7_to_10.jsonl")) as f:
        expected = [json.loads(line) for line in f]
    assert [r["step"] for r in rows] == list(range(1, 11))
    assert rows[6:] == expected


# ---- the silent and raw answers of issue 22, each now a clear error ------------------------------
@pytest.mark.parametrize("field,value,words", [
    ("model", None, "its configuration lacks ['model']"),
    ("classes", [3, 12], "--classes must be in [0, 9], got 12"),
    ("config", "null", "its configuration is a NoneType"),
])
def test_a_checkpoint_with_a_damaged_configuration_is_named(finished_run, tmp_path, capsys, field, value, words):
    def damage(meta):
        if field == "config":
            meta["config"] = None
        elif value is None:
            del meta["config"][field]
        else:
            meta["config"][field] = value
    run = _copy_with_meta(finished_run, tmp_path, damage)
    for argv in (["sample", "--run", str(run), "--n", "10", "--out", str(tmp_path / "s.npz")],
                 ["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "is damaged" in err and words in err and "Traceback" not in err, err


def test_a_checkpoint_that_lost_a_random_stream_cannot_resume_silently(finished_run, tmp_path, capsys):
    run = _copy_with_meta(finished_run, tmp_path, lambda meta: meta["random_state"].pop("noise"))
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 1
    assert "cannot resume from" in capsys.readouterr().err


def test_eval_of_a_truncated_samples_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "s.npz"
    numpy.savez(path, points=numpy.zeros((10, 2)))
    path.write_bytes(path.read_bytes()[:40])
    assert main(["eval", "--samples", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is not a whole .npz file" in err and "Traceback" not in err


def test_repeated_classes_an_ascii_terminal_and_a_batch_of_one_are_answered(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONIOENCODING="ascii")
    helped = subprocess.run([sys.executable, "-m", "minigan", "train", "--help"], env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and "--r1" in helped.stdout and "UnicodeEncodeError" not in helped.stderr
    with pytest.raises(ValueError, match=r"--classes must not repeat a value, got \[3, 3, 7\]"):
        TrainConfig(classes=[3, 3, 7]).validate()
    with pytest.raises(ValueError, match="--batch-size 1 is too small for --model dcgan: its BatchNorm layers"):
        TrainConfig(model="dcgan", batch_size=1).validate()


def test_real_data_given_from_python_is_checked(tmp_path):
    from minigan.training import Trainer
    config = TrainConfig(out=str(tmp_path), batch_size=4)
    with pytest.raises(TypeError, match=r"expected real_data as a float NumPy array of shape \(N, 1, 28, 28\).*uint8"):
        Trainer(config, real_data=numpy.zeros((8, 1, 28, 28), numpy.uint8))
    with pytest.raises(ValueError, match="is larger than the data"):
        Trainer(config, real_data=numpy.zeros((2, 1, 28, 28), numpy.float32))
    for bad in (dict(batch_size=True), dict(max_steps=2.5)):
        with pytest.raises(ValueError, match="must be an integer"):
            TrainConfig(**bad).validate()


def test_a_run_that_started_with_an_unused_setting_still_resumes_but_a_new_unused_flag_is_refused(
        finished_run, tmp_path, capsys):
    """The rule for options set where the run does not use them answers what is asked now: a run written
    before that rule, with --clip 0.02 on a non-WGAN loss (which changed nothing), still samples and
    resumes; an unused flag given to the resume itself is refused."""
    run = _copy_with_meta(finished_run, tmp_path, lambda meta: meta["config"].update(clip=0.02))
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "clip": 0.02}))
    assert main(["sample", "--run", str(run), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", "--epochs", "3", "--eval-n", "500", "--quiet", "--out", str(run)]) == 1
    assert "--eval-n belongs to --eval-every-epoch on an image set" in capsys.readouterr().err


def test_ctrl_c_stops_after_a_whole_step_saves_it_and_says_how_to_go_on(tmp_path):
    """A first Ctrl-C (SIGINT) stops the run after the step it is in, saves that step, and prints one
    line, with no traceback; the run then resumes from exactly that step."""
    out = tmp_path / "run"
    proc = subprocess.Popen(_train_cmd(out), stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    _wait_for(lambda: _log_lines(out) >= 20, "20 logged steps", proc)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=300)[1].decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    step = checkpoint.read_meta(str(out / "checkpoint.npz"))["step"]
    assert f"stopped by Ctrl-C after step {step}; checkpoint.npz holds that step. Continue with: minigan train " \
           f"--resume --out {out}" in err
    assert json.loads((out / "log.jsonl").read_text().splitlines()[-1])["step"] == step >= 20
    assert main(["train", "--resume", "--max-steps", str(step + 5), "--quiet", "--out", str(out)]) == 0
    assert checkpoint.read_meta(str(out / "checkpoint.npz"))["step"] == step + 5


def test_every_run_ends_with_its_sample_picture_and_a_resume_counts_its_own_steps(tmp_path, capsys):
    out = tmp_path / "short"
    assert main(["train", "--model", "mlp", "--max-steps", "3", "--batch-size", "8", "--out", str(out)]) == 0
    assert (out / "samples.png").is_file() and not (out / "samples").exists()      # shorter than one epoch
    assert "3 steps in" in capsys.readouterr().out
    assert main(["train", "--resume", "--max-steps", "5", "--out", str(out)]) == 0
    assert "2 steps in" in (said := capsys.readouterr().out) and "(steps 4 to 5)" in said
