"""Atomic file writes: a temporary file in the same folder, then one rename.

``os.replace`` is atomic on POSIX and Windows, so a reader (or a run restarted after a crash or a
``kill -9``) sees either the old file or the complete new one, never half of it.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path: str):
    """Yield a temporary path next to ``path``; on success it is renamed onto ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(f"minigan: cannot write {path!r}: {exc.strerror} (is the folder writable?)") from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600 files; give the usual permissions
    try:
        try:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())   # the bytes are on disk before the name points at them
            os.replace(tmp, path)
        except OSError as exc:          # a full disk, most often: say which file, and that the old one stands
            kept = "the previous version is kept" if os.path.exists(path) else "nothing was written"
            raise OSError(f"minigan: could not write {path!r}: {exc.strerror or exc} ({kept})") from exc
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_savefig(fig, path: str, **kwargs):
    """``fig.savefig`` through :func:`atomic_path` (the format comes from ``path``'s extension)."""
    fmt = os.path.splitext(path)[1].lstrip(".") or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def strict_json(value, **kwargs) -> str:
    """``json.dumps`` that writes JSON: NaN and ±Infinity (which Python would write as bare ``NaN``
    and ``Infinity``, rejected by strict parsers) become ``null``: "no value"."""
    return json.dumps(_finite_or_none(value), allow_nan=False, **kwargs)


def read_jsonl(path: str, warn=None) -> list[dict]:
    """The rows of a JSON-lines file. A last line cut short (a crash or a full disk mid-write) is
    dropped, with a word to ``warn``; a damaged line anywhere else is an error naming it."""
    with open(path) as f:
        lines = f.read().split("\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if all(not rest.strip() for rest in lines[number:]):
                if warn is not None:
                    warn(f"minigan: dropped the last line of {path} (line {number}): it was cut short, "
                         "as a crash or a full disk during a write leaves it")
                break
            raise ValueError(f"minigan: {path} line {number} is not valid JSON ({exc.msg}); the file is damaged") from exc
    return rows
