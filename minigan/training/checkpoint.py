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
import zipfile
import zlib

import numpy

from minigan.io import atomic_path


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, or belongs to another architecture."""


def _json_default(value):
    if isinstance(value, (numpy.integer,)):
        return int(value)
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint's metadata")


def first_non_finite(models: dict) -> str | None:
    """'G/3.weight' for the first parameter or buffer holding NaN or Inf; None when all are finite."""
    for prefix, module in models.items():
        for name, value in module.state_dict().items():
            if not numpy.isfinite(value).all():
                return f"{prefix}/{name}"
    return None


def save(path: str, models: dict, optimizers: dict, meta: dict):
    """Write ``models`` ({"G": module, ...}), ``optimizers`` ({"G": opt, ...}) and ``meta`` atomically.

    Weights holding NaN or Inf are never saved (the previous checkpoint stays): CheckpointError.
    """
    bad = first_non_finite(models)
    if bad is not None:
        raise CheckpointError(f"minigan: not saving {path!r}: {bad} holds NaN or Inf values (training diverged); "
                              "the previous checkpoint is kept")
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


# What can go wrong reading a damaged .npz: an empty or truncated file (EOFError, BadZipFile), a
# flipped byte (BadZipFile "Bad CRC-32", zlib.error), a missing entry (KeyError), bad JSON.
_DAMAGE = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
REQUIRED_META = ("config", "step", "epoch", "position", "random_state", "optimizers")


def _describe_damage(path: str, exc: BaseException) -> str:
    size = os.path.getsize(path)
    if size == 0:
        what = "the file is empty"
    elif isinstance(exc, EOFError) or "not a zip file" in str(exc):
        what = f"the file is truncated or not a checkpoint ({size} bytes)"
    elif "CRC" in str(exc) or isinstance(exc, zlib.error):
        what = f"its contents are corrupted ({exc})"
    elif isinstance(exc, KeyError):
        what = f"an entry is missing ({exc})"
    else:
        what = f"{type(exc).__name__}: {exc}"
    return (f"minigan: the checkpoint {path!r} is damaged: {what}. It cannot be resumed or sampled; "
            "train again (with --overwrite) or use a copy")


def _read(path: str, arrays_too: bool):
    """(meta, arrays) of a checkpoint, every way of being damaged answered with CheckpointError."""
    if not os.path.isfile(path):
        raise CheckpointError(f"minigan: no checkpoint at {path!r}")
    try:
        with numpy.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in data.files if k != "meta"} if arrays_too else {}
    except _DAMAGE as exc:
        raise CheckpointError(_describe_damage(path, exc)) from exc
    missing = [k for k in REQUIRED_META if k not in meta] if isinstance(meta, dict) else list(REQUIRED_META)
    if missing:
        raise CheckpointError(f"minigan: the checkpoint {path!r} is damaged: its metadata lacks {missing}")
    return meta, arrays


def read_meta(path: str) -> dict:
    """The JSON metadata of a checkpoint (configuration, counters, generator states)."""
    return _read(path, arrays_too=False)[0]


def load(path: str, models: dict, optimizers: dict | None = None) -> dict:
    """Restore ``models`` (and ``optimizers``) from ``path``; returns the metadata."""
    meta, arrays = _read(path, arrays_too=True)
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
        try:
            saved = meta["optimizers"][prefix]
            opt.load_state_dict({"slots": slots, "step_count": saved["step_count"],
                                 "hyperparameters": saved["hyperparameters"]})
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"minigan: the optimizer state in {path!r} does not fit: {exc}") from exc
    return meta
