"""The run folder: which files are a run's own, and the rules that keep a finished run from being lost.

A run folder (``minigan train --out DIR``) holds config.json, log.jsonl, checkpoint.npz,
metrics.jsonl and the pictures. Four rules:

* **One run at a time.** A training holds the folder's lock (:func:`held`, an operating-system lock
  through ``filelock``) from before it touches any file until it ends. A second ``train``,
  ``--resume`` or ``--overwrite`` on a live run is refused, naming the process that holds it, and
  changes nothing (not even the live run's temporary files). The operating system releases the lock
  when a process dies, so a killed run's lock never blocks. ``sample`` and ``eval`` need no lock: the
  checkpoint is replaced atomically, so they read a whole one.
* **A run is never overwritten by a repeated command.** ``train`` into a folder that holds a run
  stops and names the two ways on: ``--resume`` (continue it) or ``--overwrite`` (delete that
  run's own files, listed in :data:`RUN_FILES`, and nothing else in the folder, then start again).
* **Temporary files left by a kill during a save are cleaned** when a run starts or resumes (the
  atomic writes of minigan/io.py name them ``.<file>.<random>.tmp``).
* **Every output path is checked before the first step**, so no training is lost to a folder that
  cannot be written.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import time

import filelock

from minigan.io import atomic_path

RUN_FILES = ("config.json", "log.jsonl", "checkpoint.npz", "metrics.jsonl", "losses.png", "grad_norms.png",
             "penalty.png", "metrics.png", "samples.png", "samples.gif", "traversal_c1.png", "traversal_c2.png")
EPOCH_PICTURES = os.path.join("samples", "epoch_*.png")


LOCK = ".minigan.lock"                 # the lock itself: empty, and left in place (deleting a lock file races)
LOCK_OWNER = ".minigan.lock.owner"     # who holds it: process id, command, start time (for the message)


class RunFolderError(FileExistsError):
    """The output folder already holds a run, and neither --resume nor --overwrite was given."""


class RunFolderInUseError(RunFolderError):
    """Another process is training in this folder now."""


def _owner(out: str) -> str:
    try:
        with open(os.path.join(out, LOCK_OWNER)) as f:
            owner = json.load(f)
        return f"process {owner['pid']} ({owner['command']}, started {owner['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (it has not said which yet)"


@contextlib.contextmanager
def held(out: str, where: str = "minigan train"):
    """Hold the run folder ``out`` for this process while the block runs; refuse at once if another
    process holds it (RunFolderInUseError, naming it)."""
    os.makedirs(out, exist_ok=True)
    lock = filelock.FileLock(os.path.join(out, LOCK))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise RunFolderInUseError(f"{where}: the folder {out!r} is in use by {_owner(out)}: a run folder holds one "
                                  "run at a time. Wait for that run to end (or stop it), or choose another --out; "
                                  "nothing in the folder was changed") from None
    try:
        owner = {"pid": os.getpid(), "command": where, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        with atomic_path(os.path.join(out, LOCK_OWNER)) as tmp, open(tmp, "w") as f:
            json.dump(owner, f)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(os.path.join(out, LOCK_OWNER))
        lock.release()


def paths(out: str) -> dict:
    return {"config": os.path.join(out, "config.json"), "log": os.path.join(out, "log.jsonl"),
            "checkpoint": os.path.join(out, "checkpoint.npz")}


def existing_run_files(out: str) -> list[str]:
    """The run's own files present in ``out`` (relative names), epoch pictures included."""
    found = [name for name in RUN_FILES if os.path.lexists(os.path.join(out, name))]
    found += sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, EPOCH_PICTURES)))
    return found


def stale_temporaries(out: str) -> list[str]:
    """Temporary files that an interrupted atomic write of one of the run's files left behind."""
    names = list(RUN_FILES)
    found = [p for name in names for p in glob.glob(os.path.join(glob.escape(out), f".{name}.*.tmp"))]
    found += glob.glob(os.path.join(glob.escape(out), "samples", ".epoch_*.png.*.tmp"))
    return sorted(found)


def check_writable_folder(where: str, folder: str):
    """Before any work: ``folder`` is a folder (made if missing) that takes a file; else an error naming it."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(f"{where}: {folder!r} is a file; it needs a folder to write into")
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, ".minigan-write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as exc:
        raise OSError(f"{where}: cannot write into {folder!r}: {exc.strerror}") from exc


def prepare(out: str, resume: bool, overwrite: bool, log=print):
    """Check ``out`` before any training (train() has checked that it is a writable folder before taking
    its lock): either fresh, resumed or explicitly overwritten."""
    if resume and overwrite:
        raise ValueError("minigan train: --resume continues the run in the folder and --overwrite deletes it; "
                         "give one of them")
    for name in ("config", "log", "checkpoint"):
        path = paths(out)[name]
        if os.path.isdir(path):
            raise OSError(f"minigan train: {path!r} is a folder; the run needs to write a file there")
    for tmp in stale_temporaries(out):
        os.remove(tmp)
        log(f"removed {tmp}, left by an interrupted save")
    present = existing_run_files(out)
    if resume or not present:
        return
    if not overwrite:
        shown = ", ".join(present[:6]) + (f" and {len(present) - 6} more" if len(present) > 6 else "")
        raise RunFolderError(
            f"minigan train: the folder {out!r} already holds a run ({shown}). Continue it with "
            f"--resume, or start again with --overwrite, which deletes that run's own files (and nothing "
            f"else in the folder); or choose another --out")
    for name in present:
        os.remove(os.path.join(out, name))
    samples = os.path.join(out, "samples")
    if os.path.isdir(samples) and not os.listdir(samples):
        os.rmdir(samples)
    log(f"--overwrite: deleted the previous run's {len(present)} files in {out}")


def pictures_written(out: str) -> list[str]:
    """The pictures this run folder holds now, for the closing message."""
    names = [n for n in ("samples.png", "samples.gif", "losses.png", "grad_norms.png", "penalty.png", "metrics.png",
                         "traversal_c1.png", "traversal_c2.png")
             if os.path.isfile(os.path.join(out, n))]
    epochs = sorted(glob.glob(os.path.join(out, EPOCH_PICTURES)))
    shown = [os.path.join(out, n) for n in names]
    if epochs:
        shown.append(f"{len(epochs)} epoch pictures in {os.path.join(out, 'samples')}")
    return shown
