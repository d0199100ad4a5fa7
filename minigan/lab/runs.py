"""The lab's runs are ``minigan train``'s runs: save one as a run folder, open one.

A saved folder holds what ``minigan train`` writes at a checkpoint: config.json, checkpoint.npz and
log.jsonl (the lab keeps the last 2,000 steps' rows; the curves of ``minigan train``'s pictures then
start there). ``minigan train --resume --out FOLDER --max-steps N`` goes on training it,
``minigan sample`` and ``minigan eval`` read it. The lab deals its batches as ``minigan train``
does (``Trainer.epoch_batches``), so a lab run of k steps is the run ``minigan train --max-steps k``
trains with the same settings, to the bit, unless D-only or G-only steps were taken or a learning
rate changed on the way (tests/test_lab.py checks it).

Every path comes from the runs folder chosen on the command line (``minigan lab --runs DIR``): a
name from the page is one folder name inside it, never a path, and a save never overwrites a run.
"""
from __future__ import annotations

import dataclasses
import os
import re

from minigan.io import atomic_path, strict_json
from minigan.training import Trainer, checkpoint, run_folder
from minigan.training.config import from_checkpoint_record

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _inside(root: str, name: str) -> str:
    """``root/name`` for a plain folder name, or ValueError."""
    if not isinstance(name, str) or not NAME.match(name) or name in (".", ".."):
        raise ValueError(f"minigan lab: a run is named by one folder name inside the runs folder (letters, digits, "
                         f". _ -), got {name!r}")
    return os.path.join(root, name)


def folders(root: str):
    """(name, path) of each folder in ``root`` that a run may be, by name: what the page may name."""
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        if NAME.match(name) and os.path.isdir(os.path.join(root, name)):
            yield name, os.path.join(root, name)


def list_runs(root: str) -> list:
    """The toy runs in ``root`` the lab can open: [{"name", "step", "loss", "dataset"}], by name."""
    found = []
    for name, folder in folders(root):
        path = os.path.join(folder, "checkpoint.npz")
        if not os.path.isfile(path):
            continue
        try:
            meta = checkpoint.read_meta(path)
        except (OSError, ValueError, checkpoint.CheckpointError):
            continue
        config = meta.get("config", {})
        if config.get("model") == "toy":
            found.append({"name": name, "step": meta.get("step"), "loss": config.get("loss"),
                          "dataset": config.get("dataset")})
    return found


def save(session, root: str) -> str:
    """Write the session's run as a new run folder in ``root``; returns its name."""
    with session.lock:
        t = session.trainer
        if session.settings["data"] not in ("ring", "grid"):
            raise ValueError(f"minigan lab: a run on {session.settings['data']!r} data cannot be saved: minigan train "
                             "learns the ring and the grid, and a saved run must resume there")
        base = f"lab-{t.config.loss}-{t.config.dataset}-step{t.step}"
        name = next(f"{base}{suffix}" for suffix in [""] + [f"-{k}" for k in range(2, 10_000)]
                    if not os.path.exists(os.path.join(root, f"{base}{suffix}")))
        folder = _inside(root, name)
        os.makedirs(folder)                      # a new folder: a run is never overwritten
        with run_folder.held(folder, "minigan lab"):
            config = dataclasses.replace(t.config, out=folder)
            kept, t.config = t.config, config
            try:
                t.save_checkpoint(os.path.join(folder, "checkpoint.npz"))
            finally:
                t.config = kept
            with atomic_path(os.path.join(folder, "config.json")) as tmp, open(tmp, "w") as f:
                f.write(strict_json(dataclasses.asdict(config), indent=2))
            with atomic_path(os.path.join(folder, "log.jsonl")) as tmp, open(tmp, "w") as f:
                f.writelines(strict_json(row) + "\n" for row in session.log_rows())
        return name


def open_run(session, root: str, name: str) -> None:
    """Make the run folder ``root/name`` (a toy run) the session's run, at its checkpoint's step."""
    folder = _inside(root, name)
    path = os.path.join(folder, "checkpoint.npz")
    if not os.path.isfile(path):
        raise ValueError(f"minigan lab: {name!r} is not a run folder in the runs folder (no checkpoint.npz)")
    config = from_checkpoint_record(checkpoint.read_meta(path).get("config"), path)
    if config.model != "toy":
        raise ValueError(f"minigan lab: {name!r} is a --model {config.model} run; the lab opens --model toy runs")
    trainer = Trainer(config)
    trainer.load_checkpoint(path)
    settings = {"loss": config.loss, "data": config.dataset, "hidden_layers": config.hidden_layers or 2,
                "units": round(config.width * 128), "optimizer": config.optimizer, "lr_g": config.lr_g,
                "lr_d": config.lr_d, "n_critic": config.n_critic, "batch_size": config.batch_size, "r1": config.r1,
                "spectral_norm": config.spectral_norm, "unroll": config.unroll, "pack": config.pack,
                "ema": config.ema, "seed": config.seed}
    with session.lock:
        session._start(trainer, settings)
