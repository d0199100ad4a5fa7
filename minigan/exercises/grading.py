"""What every exercise checker shares: loading the learner's file, the result rows, the table."""
from __future__ import annotations

import importlib.util
import os
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy

from minigan.gradcheck.checker import THRESHOLD, check_module


class ExerciseError(ValueError):
    """An exercise that does not exist, a file that is missing, or one that will not import."""


@dataclass
class Exercise:
    name: str
    title: str
    skeleton: str            # the file `start` writes
    check: Callable          # learner module -> list[Result]
    solution: str            # where the engine's code is
    derivation: str          # where its derivation is


@dataclass
class Result:
    check: str
    passed: bool
    detail: str = ""
    hint: str = ""


def load_learner(path: str, name: str):
    if not os.path.isfile(path):
        raise ExerciseError(f"minigan exercise check: {path} does not exist; write it with: minigan exercise start "
                            f"{name}" + (f" --dir {os.path.dirname(path)}" if os.path.dirname(path) != "exercises" else ""))
    spec = importlib.util.spec_from_file_location(f"minigan_exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ExerciseError(f"minigan exercise check: {path} does not import: {type(exc).__name__}: {exc}") from exc
    return module


def attempt(check: str, fn: Callable[[], Result | list]) -> list:
    """Run one check; a NotImplementedError or any exception becomes a FAIL row that says what happened."""
    try:
        out = fn()
        return out if isinstance(out, list) else [out]
    except NotImplementedError as exc:
        return [Result(check, False, f"not written yet: {exc}")]
    except Exception as exc:                                   # the learner's code raised: show where
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return [Result(check, False, f"{type(exc).__name__}: {exc} (at {os.path.basename(frame.filename)}:{frame.lineno})")]


def close(a, b, rtol=1e-9, atol=1e-12) -> bool:
    a, b = numpy.asarray(a, dtype=numpy.float64), numpy.asarray(b, dtype=numpy.float64)
    return a.shape == b.shape and numpy.allclose(a, b, rtol=rtol, atol=atol)


def format_table(name: str, results: list) -> str:
    width = max([len(r.check) for r in results] + [5])
    lines = [f"minigan exercise check {name}", ""]
    for r in results:
        lines.append(f"{'PASS' if r.passed else 'FAIL'}  {r.check.ljust(width)}  {r.detail}")
        if r.hint and not r.passed:
            lines.append(f"      {'':{width}}  hint: {r.hint}")
    n_fail = sum(not r.passed for r in results)
    lines += ["", f"{len(results) - n_fail} passed, {n_fail} failed" + ("" if n_fail else ": well done")]
    return "\n".join(lines)


def gradient_rows(module, x) -> list:
    """One row per gradient of a float64 gradient check of ``module`` at ``x``, in train mode."""
    rows = []
    for r in check_module(module, x, mode="train"):
        rows.append(Result(f"gradient check d/d{r.wrt}", r.passed, f"max relative error {r.max_rel_error:.1e} "
                           f"(threshold {THRESHOLD:g})"))
    return rows


__all__ = ["Exercise", "Result", "ExerciseError", "load_learner", "attempt", "close", "format_table", "gradient_rows"]
