import os
import pathlib
import subprocess
import sys

import numpy
import pytest

from minigan.cli import main


def test_demo_trains_and_writes_a_picture(tmp_path, capsys):
    assert main(["demo", "--steps", "40", "--quiet", "--out", str(tmp_path)]) == 0
    png = tmp_path / "ring.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "picture:" in capsys.readouterr().out
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]   # the atomic write left no temporaries


@pytest.mark.parametrize("command", [[], ["demo"], ["gradcheck"], ["bench"], ["bench", "layers"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main(command + ["--help"])
    assert info.value.code == 0
    assert "usage: minigan" in capsys.readouterr().out


def test_python_dash_m_minigan_works():
    result = subprocess.run([sys.executable, "-m", "minigan", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "gradcheck" in result.stdout


def test_bad_arguments_are_reported_by_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--steps", "0"])
    assert info.value.code == 2
    assert "minigan demo: --steps must be a positive integer, got 0" in capsys.readouterr().err


def test_an_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--steps", "2", "--quiet", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("minigan demo: --out: cannot write into")


def test_bench_layers_prints_one_row_per_layer(capsys):
    """The benchmark is a script that prints numbers; here only its shape is checked, never a speed."""
    import json
    assert main(["bench", "layers", "--batch-size", "2", "--repeats", "1", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 8 and sum(r["target"] for r in rows) == 3
    for r in rows:
        assert r["total_ms"] > 0 and r["peak_gflops"] > 0
        assert {"layer", "input", "output", "forward_ms", "backward_ms", "gflops", "fraction_of_peak"} <= set(r)
    conv = next(r for r in rows if r["layer"].startswith("D Conv 64→128"))
    assert conv["input"] == [2, 64, 14, 14] and conv["output"] == [2, 128, 7, 7]
    assert conv["gflop"] == pytest.approx(3 * 2 * 2 * 49 * 128 * 64 * 25 / 1e9, abs=1e-3)


def test_bench_layers_table(capsys):
    assert main(["bench", "layers", "--batch-size", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "matrix-product peak measured now" in out and "target ≥ 50%" in out


def test_the_readme_python_snippet_runs_as_written():
    """README's "A first look at the code" block, executed exactly as a reader would paste it."""
    import pathlib
    import re
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no python block"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert numpy.isfinite(namespace["d_loss"]) and numpy.isfinite(namespace["g_loss"])


@pytest.mark.parametrize("ci,code,word", [("", 0, "1 skipped"), ("true", 1, "1 failed")])
def test_data_tests_skip_with_the_reason_offline_but_fail_in_ci(tmp_path, ci, code, word):
    """Without the dataset files a learner's pytest skips the data tests and says how to run them;
    CI (CI=true) must fail instead, so a missing dataset never hides behind a skip."""
    import pathlib
    root = pathlib.Path(__file__).parent.parent
    env = dict(os.environ, MINIGAN_DATA=str(tmp_path / "no-data"), CI=ci, HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                             "tests/test_data.py::test_unknown_dataset_and_bad_classes"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == code, result.stdout[-2000:]
    assert word in result.stdout
    if not ci:
        assert "set MINIGAN_DATA to a folder holding mnist/ and fashion-mnist/" in result.stdout


ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMOS = sorted(p.name for p in (ROOT / "demos").glob("*.py"))


@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_answers_help_without_running(demo, tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "demos" / demo), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:") and "--help" in result.stdout
    assert not any(tmp_path.iterdir()), "--help wrote something"      # it trained nothing, and wrote no folder


def test_a_demo_run_again_is_refused_in_one_line_naming_overwrite(tmp_path):
    # The folder of the demo's first run already holds one (a short run stands in for an earlier demo).
    assert main(["train", "--model", "toy", "--dataset", "ring", "--max-steps", "2", "--quiet", "--out",
                 str(tmp_path / "ring" / "minimax")]) == 0
    again = subprocess.run([sys.executable, str(ROOT / "demos" / "toy_ring_losses.py"), "--out",
                            str(tmp_path / "ring")], capture_output=True, text=True, timeout=600)
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert "already holds a run" in again.stderr and "run it again with --overwrite" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
