"""Checkpoints: one ``.npz`` holding everything a run needs to continue exactly.

Keys:

* ``G/<name>``, ``D/<name>``: parameters and buffers (BatchNorm running statistics) by dotted name;
* ``opt_G/<slot>/<i>``, ``opt_D/<slot>/<i>``: optimizer state arrays (Adam's m and v, SGD's velocity);
* ``meta``: a JSON string with the configuration, step and epoch counters, the optimizers' step
  counts and hyperparameters, and the random generators' states.

The file is written to a temporary name in the same folder and renamed over the old checkpoint
(minigan/io.py), so a crash or a ``kill -9`` during a save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os

import numpy

from .io import atomic_path


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, or belongs to another architecture."""


def _json_default(value):
    if isinstance(value, (numpy.integer,)):
        return int(value)
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint's metadata")


def save(path: str, models: dict, optimizers: dict, meta: dict):
    """Write ``models`` ({"G": module, ...}), ``optimizers`` ({"G": opt, ...}) and ``meta`` atomically."""
    arrays = {}
    for prefix, module in models.items():
        for name, value in module.state_dict().items():
            arrays[f"{prefix}/{name}"] = value
    opt_meta = {}
    for prefix, opt in optimizers.items():
        state = opt.state_dict()
        for slot, values in state["slots"].items():
            for i, value in enumerate(values):
                arrays[f"opt_{prefix}/{slot}/{i}"] = value
        opt_meta[prefix] = {"step_count": state["step_count"], "hyperparameters": state["hyperparameters"]}
    arrays["meta"] = numpy.array(json.dumps({**meta, "optimizers": opt_meta}, default=_json_default))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            numpy.savez(f, **arrays)


def read_meta(path: str) -> dict:
    """The JSON metadata of a checkpoint (configuration, counters, generator states)."""
    with _open(path) as data:
        return json.loads(str(data["meta"]))


def _open(path: str):
    if not os.path.isfile(path):
        raise CheckpointError(f"minigan: no checkpoint at {path!r}")
    try:
        return numpy.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"minigan: {path!r} is not a readable checkpoint ({exc})") from exc


def load(path: str, models: dict, optimizers: dict | None = None) -> dict:
    """Restore ``models`` (and ``optimizers``) from ``path``; returns the metadata."""
    with _open(path) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {k: data[k] for k in data.files if k != "meta"}
    for prefix, module in models.items():
        state = {k[len(prefix) + 1:]: v for k, v in arrays.items() if k.startswith(prefix + "/")}
        try:
            module.load_state_dict(state)
        except ValueError as exc:
            raise CheckpointError(f"minigan: the checkpoint {path!r} does not fit this {prefix} "
                                  f"(was it written by another model or width?): {exc}") from exc
    for prefix, opt in (optimizers or {}).items():
        slots = {}
        for slot in opt.slot_names:
            keys = sorted((k for k in arrays if k.startswith(f"opt_{prefix}/{slot}/")), key=lambda k: int(k.rsplit("/", 1)[1]))
            slots[slot] = [arrays[k] for k in keys]
        saved = meta["optimizers"][prefix]
        try:
            opt.load_state_dict({"slots": slots, "step_count": saved["step_count"],
                                 "hyperparameters": saved["hyperparameters"]})
        except ValueError as exc:
            raise CheckpointError(f"minigan: the optimizer state in {path!r} does not fit: {exc}") from exc
    return meta
