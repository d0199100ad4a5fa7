"""The run folder: which files are a run's own, and the rules that keep a finished run from being lost.

A run folder (``minigan train --out DIR``) holds config.json, log.jsonl, checkpoint.npz,
metrics.jsonl and the pictures. Three rules:

* **A run is never overwritten by a repeated command.** ``train`` into a folder that holds a run
  stops and names the two ways on: ``--resume`` (continue it) or ``--overwrite`` (delete that
  run's own files, listed in :data:`RUN_FILES`, and nothing else in the folder, then start again).
* **Temporary files left by a kill during a save are cleaned** when a run starts or resumes (the
  atomic writes of minigan/io.py name them ``.<file>.<random>.tmp``).
* **Every output path is checked before the first step**, so no training is lost to a folder that
  cannot be written.
"""
from __future__ import annotations

import glob
import os

RUN_FILES = ("config.json", "log.jsonl", "checkpoint.npz", "metrics.jsonl", "losses.png", "grad_norms.png",
             "penalty.png", "metrics.png", "samples.gif", "traversal_c1.png", "traversal_c2.png")
EPOCH_PICTURES = os.path.join("samples", "epoch_*.png")


class RunFolderError(FileExistsError):
    """The output folder already holds a run, and neither --resume nor --overwrite was given."""


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
    """Check ``out`` before any training: writable, and either fresh, resumed or explicitly overwritten."""
    if resume and overwrite:
        raise ValueError("minigan train: --resume continues the run in the folder and --overwrite deletes it; "
                         "give one of them")
    check_writable_folder("minigan train: the output folder", out)
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
    names = [n for n in ("samples.gif", "losses.png", "grad_norms.png", "penalty.png", "metrics.png",
                         "traversal_c1.png", "traversal_c2.png")
             if os.path.isfile(os.path.join(out, n))]
    epochs = sorted(glob.glob(os.path.join(out, EPOCH_PICTURES)))
    shown = [os.path.join(out, n) for n in names]
    if epochs:
        shown.append(f"{len(epochs)} epoch pictures in {os.path.join(out, 'samples')}")
    return shown
