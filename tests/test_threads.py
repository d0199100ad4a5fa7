"""The CPU thread policy (minigan/training/threads.py): where the count comes from, the warning on a busy
machine, and that the count reaches the BLAS and the benchmark rows. Never a timing."""
import json

import pytest
import threadpoolctl

from minigan.training import threads
from minigan.cli import main


def test_the_count_comes_from_the_flag_then_the_environment_then_the_cores(monkeypatch):
    monkeypatch.delenv("MINIGAN_THREADS", raising=False)
    assert threads.resolve(None) == (threads.available_cores(), "all cores")
    monkeypatch.setenv("MINIGAN_THREADS", "1")
    assert threads.resolve(None) == (1, "MINIGAN_THREADS")
    assert threads.resolve(3) == (3, "--threads")


@pytest.mark.parametrize("bad", ["zero", "0", "-2", "1.5"])
def test_a_bad_minigan_threads_is_a_clear_error(monkeypatch, bad):
    monkeypatch.setenv("MINIGAN_THREADS", bad)
    with pytest.raises(ValueError, match="expected MINIGAN_THREADS to be a positive integer"):
        threads.resolve(None)


def test_configure_limits_the_blas(monkeypatch):
    monkeypatch.delenv("MINIGAN_THREADS", raising=False)
    try:
        threads.configure(1)
        assert all(p["num_threads"] == 1 for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")
        assert threads.describe() == "1 BLAS thread (--threads)"
    finally:
        threads.configure(None)


def test_a_busy_machine_gets_a_warning_and_an_idle_one_does_not(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    warning = threads.busy_warning(2, load=2.4)
    assert "load average 2.4 on 2 cores" in warning and "--threads 1" in warning
    assert threads.busy_warning(2, load=0.3) is None
    assert threads.busy_warning(1, load=9.0) is None          # one thread has nothing to fight over


def test_bench_rows_say_how_many_threads_ran(capsys):
    assert main(["bench", "train", "--model", "toy", "--steps", "2", "--in-process", "--threads", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["threads"] == 1
    threads.configure(None)
