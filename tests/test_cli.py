import os
import subprocess
import sys

import pytest

from minigan.cli import main


def test_demo_trains_and_writes_a_picture(tmp_path, capsys):
    assert main(["demo", "--steps", "40", "--quiet", "--out", str(tmp_path)]) == 0
    png = tmp_path / "ring.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "picture:" in capsys.readouterr().out
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]   # the atomic write left no temporaries


@pytest.mark.parametrize("command", [[], ["demo"], ["gradcheck"]])
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
    assert "expected a positive integer, got 0" in capsys.readouterr().err


def test_an_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--steps", "2", "--quiet", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert "minigan demo: error: minigan: cannot write" in err
