"""What ``minigan train --resume`` continues with: the checkpoint's settings, and the flags that may change.

The checkpoint holds the whole configuration its weights were trained with, so it is the source of
truth; config.json is a copy for people to read. On ``--resume``:

* a flag that the table of options (minigan/training/options.py) says may change on resume is
  applied; any other flag that differs from the run is refused, all of them listed at once;
* config.json is checked against the checkpoint. A value edited there by hand is listed and refused
  the way a contradicting flag is (the edit would otherwise train silently, or be silently ignored).
  The one difference that is no edit: a setting changed by the last resume's flag, recorded in
  config.json's ``history``, when that resume was stopped before it wrote a checkpoint;
* a missing or damaged config.json is rebuilt from the checkpoint, with a word saying so.
"""
from __future__ import annotations

import json
import os

from . import checkpoint, options
from .config import TrainConfig, from_checkpoint_record

IGNORED = {"out", "history"}          # where the run is, and the record of earlier resumes


def _read_config_json(path: str):
    """config.json's settings, or (None, why) when it is missing or damaged."""
    if not os.path.isfile(path):
        return None, "is missing"
    try:
        with open(path) as f:
            saved = json.load(f)
    except (OSError, ValueError) as exc:
        return None, f"is damaged ({exc})"
    if not isinstance(saved, dict):
        return None, f"is damaged (it holds a {type(saved).__name__}, not the settings)"
    return saved, None


def _flag(name: str) -> str:
    return options.BY_NAME[name].cli_flag if name in options.BY_NAME else name


def resumed_config(out: str, given: dict, log=print) -> TrainConfig:
    """The configuration that resumes the run in ``out``, with the flags ``given`` ({field: value}, only
    those typed) applied where a resume may change them. Raises ValueError listing every contradiction."""
    ckpt = os.path.join(out, "checkpoint.npz")
    config_path = os.path.join(out, "config.json")
    if not os.path.isfile(ckpt):
        raise FileNotFoundError(f"minigan train --resume: no run to resume in {out!r} ({ckpt} does not exist)")
    held = checkpoint.read_meta(ckpt)["config"]                 # what the weights were trained with
    from_checkpoint_record(held, ckpt)
    defaults = {o.name: o.default for o in options.OPTIONS}
    held = {**{k: v for k, v in defaults.items() if v is not None}, **held}   # older checkpoints: the defaults
    may_change = options.resumable()

    saved, problem = _read_config_json(config_path)
    if saved is None:
        log(f"minigan train --resume: {config_path} {problem}; the settings come from the checkpoint, and "
            "config.json is written anew")
    else:
        history = saved.get("history") or [{}]
        last = history[-1].get("changed", {}) if isinstance(history[-1], dict) else {}
        edits = [f"{k} {saved[k]!r} (the checkpoint: {held.get(k)!r})" for k in sorted(saved)
                 if k not in IGNORED and k in options.BY_NAME and saved[k] != held.get(k)
                 and not (k in may_change and isinstance(last.get(k), list) and last[k][-1] == saved[k])]
        if edits:
            raise ValueError(f"minigan train --resume: config.json in {out!r} was edited by hand: {'; '.join(edits)}. "
                             "--resume reads the settings from the checkpoint, which trained the weights: restore "
                             "config.json (or delete it: it is rebuilt), and give a change as a flag; only "
                             f"{', '.join(sorted(_flag(k) for k in may_change))} may change")
        # A resume stopped before its first checkpoint: its flags still hold.
        held.update({k: saved[k] for k in may_change & set(saved) if k not in IGNORED})

    mismatches = [f"{_flag(k)} {v!r} (the run: {held.get(k)!r})" for k, v in given.items()
                  if k not in may_change and held.get(k) != v]
    if mismatches:
        raise ValueError(f"minigan train --resume: {len(mismatches)} flag(s) contradict the run saved in {ckpt}: "
                         f"{'; '.join(mismatches)}. Leave them out: --resume reads every setting from the run "
                         f"folder (only {', '.join(sorted(_flag(k) for k in may_change))} may change)")
    settings = {k: v for k, v in held.items() if k in options.BY_NAME}
    settings.update({k: v for k, v in given.items() if k in may_change})
    settings["out"] = out
    config = TrainConfig(**settings)
    # A flag given now must do something (the run's own settings were accepted when it started).
    unused = [why for k in given if (why := options.BY_NAME[k].misplaced(config)) is not None]
    if unused:
        raise ValueError(f"minigan train --resume: {unused[0]}")
    return config
