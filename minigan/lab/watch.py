"""Watching ``minigan train``'s runs as they are written: the lab's page of runs (``/runs``).

For every run folder in the runs folder (``minigan lab --runs DIR``), MNIST runs as well as toy
ones: its settings (config.json), its curves (log.jsonl: the losses, D(x), D(G(z)) and every
layer's gradient norm), its per-epoch metrics and the collapse alarm (metrics.jsonl, which
``minigan train`` writes after each epoch: minigan/training/monitor.py) and its sample grids
(samples/epoch_NNN.png, samples.png). Nothing here writes: the files are read as ``minigan train``
leaves them, the last line of a log being written perhaps cut short (dropped, as ``read_jsonl``
does). The page asks again every two seconds, so the view follows a run that is training in
another terminal; a run whose folder lock is held is marked as training now.
"""
from __future__ import annotations

import json
import os
import re

from minigan.io import read_jsonl
from minigan.training.run_folder import LOCK_OWNER

from .runs import _inside, folders

MAX_POINTS = 400                       # log rows sent for the curves (evenly spaced, the last one always)
PICTURE = re.compile(r"^(samples/epoch_\d{3,}\.png|samples\.png|losses\.png|metrics\.png|grad_norms\.png)$")


_READ = {}                             # path → (mtime, size, rows): a file is parsed again only once it changed


def _rows(path: str) -> list:
    """The rows of a JSON-lines file of a run (none if it is not there yet). The page asks every two
    seconds, and a long run's log holds megabytes: it is read again only when its size or time changed."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return []
    seen = _READ.get(path)
    if seen is None or seen[:2] != (stat.st_mtime_ns, stat.st_size):
        seen = _READ[path] = (stat.st_mtime_ns, stat.st_size, read_jsonl(path))
    return seen[2]


def _settings(folder: str) -> dict:
    try:
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def list_all(root: str) -> list:
    """Every run folder in ``root`` (one with a config.json or a log.jsonl), by name, with what it is."""
    found = []
    for name, folder in folders(root):
        if not any(os.path.isfile(os.path.join(folder, f)) for f in ("config.json", "log.jsonl")):
            continue
        config = _settings(folder)
        found.append({"name": name, "model": config.get("model"), "dataset": config.get("dataset"),
                      "loss": config.get("loss"), "training": os.path.isfile(os.path.join(folder, LOCK_OWNER))})
    return found


def summary(root: str, name: str) -> dict:
    """What the page of runs draws for the run ``root/name``."""
    folder = _inside(root, name)
    if not os.path.isdir(folder):
        raise ValueError(f"minigan lab: no run {name!r} in the runs folder {root!r}")
    config = _settings(folder)
    log = _rows(os.path.join(folder, "log.jsonl"))
    every = max(1, -(-len(log) // MAX_POINTS))
    shown = log[::every] + ([log[-1]] if log and (len(log) - 1) % every else [])
    layers = list(dict.fromkeys(layer for r in shown for layer in r.get("grad_norms", {})))
    metrics = _rows(os.path.join(folder, "metrics.jsonl"))
    samples = os.path.join(folder, "samples")
    grids = sorted(f"samples/{f}" for f in os.listdir(samples) if PICTURE.match(f"samples/{f}")) \
        if os.path.isdir(samples) else []
    if os.path.isfile(os.path.join(folder, "samples.png")):
        grids.append("samples.png")
    last = log[-1] if log else {}
    return {"name": name, "settings": {k: config.get(k) for k in ("model", "dataset", "loss", "width", "batch_size",
                                                                  "epochs", "lr_g", "lr_d", "seed")},
            "training": os.path.isfile(os.path.join(folder, LOCK_OWNER)),
            "step": last.get("step", 0), "epoch": last.get("epoch", 0), "steps_logged": len(log),
            "curves": {**{k: [r.get(k) for r in shown] for k in ("step", "d_loss", "g_loss", "d_real", "d_fake")},
                       "grad_norms": {layer: [r.get("grad_norms", {}).get(layer) for r in shown] for layer in layers}},
            "metrics": metrics, "alarms": [f"epoch {r['epoch']}: {r['alarm']}" for r in metrics if r.get("alarm")],
            "grids": grids}


def picture(root: str, name: str, file: str) -> bytes:
    """The bytes of one of the run's pictures (``samples/epoch_003.png``, ``samples.png``, …), or ValueError."""
    if not isinstance(file, str) or not PICTURE.match(file):
        raise ValueError(f"minigan lab: a run's pictures are samples/epoch_NNN.png, samples.png, losses.png, "
                         f"metrics.png or grad_norms.png, not {file!r}")
    folder = os.path.realpath(_inside(root, name))
    path = os.path.realpath(os.path.join(folder, file))
    if not path.startswith(folder + os.sep) or not os.path.isfile(path):
        raise FileNotFoundError(f"minigan lab: the run {name!r} has no {file}")
    with open(path, "rb") as f:
        return f.read()
