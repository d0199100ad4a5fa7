"""What every exercise checker shares: loading the learner's file, the result rows, the table.

The learner's code runs in a process of its own (minigan/exercises/isolated.py); here, every error
it raises is reported at the learner's own file and line, never at a line of the grader.
"""
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
    skeleton: str            # the file `start` writes: what to compute, never the result
    check: Callable          # learner module -> list[Result]
    code: tuple              # the engine's own code for it: "module:qualified.name", shown by `solution`
    derivation: str          # its derivation: a page of docs/, "backward/dense.md" (with an #anchor or not)
    hints: tuple = ()        # in levels, from a nudge to the derivation's key step (`minigan exercise hint`)


@dataclass
class Result:
    check: str
    passed: bool
    detail: str = ""
    hint: str = ""


_LEARNER_FILE = None          # the file being checked, so errors are reported at its lines


def learner_line(tb, path=None) -> str:
    """Where in the learner's file ``tb`` went deepest, as " (at exercises/dense.py:12)"; empty if it never did."""
    path = os.path.abspath(path or _LEARNER_FILE or "")
    frames = [f for f in traceback.extract_tb(tb) if os.path.abspath(f.filename) == path]
    return f" (at {os.path.relpath(path)}:{frames[-1].lineno})" if frames else ""


def check_learner_file(path: str, name: str):
    """The learner's file must exist; if not, say how to write it."""
    if not os.path.isfile(path):
        raise ExerciseError(f"minigan exercise check: {path} does not exist; write it with: minigan exercise start "
                            f"{name}" + (f" --dir {os.path.dirname(path)}" if os.path.dirname(path) != "exercises" else ""))


def load_learner(path: str, name: str):
    """Import the learner's file (in the isolated check process)."""
    global _LEARNER_FILE
    check_learner_file(path, name)
    _LEARNER_FILE = path
    spec = importlib.util.spec_from_file_location(f"minigan_exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ExerciseError(f"minigan exercise check: {path} does not import: SyntaxError: {exc.msg} (at "
                            f"{os.path.relpath(path)}:{exc.lineno})") from exc
    except Exception as exc:
        raise ExerciseError(f"minigan exercise check: {path} does not import: {type(exc).__name__}: {exc}"
                            f"{learner_line(exc.__traceback__, path)}") from exc
    return module


def attempt(check: str, fn: Callable[[], Result | list]) -> list:
    """Run one check; a NotImplementedError or any exception becomes a FAIL row that says what happened."""
    try:
        out = fn()
        return out if isinstance(out, list) else [out]
    except NotImplementedError as exc:
        return [Result(check, False, f"not written yet: {exc}")]
    except AttributeError as exc:
        missing = missing_definition(exc, check)
        return [missing or Result(check, False, f"AttributeError: {exc}{learner_line(exc.__traceback__)}")]
    except Exception as exc:                                   # the learner's code raised: show where, in its file
        return [Result(check, False, f"{type(exc).__name__}: {exc}{learner_line(exc.__traceback__)}")]


def missing_definition(exc: AttributeError, check: str, path=None) -> Result | None:
    """The failed row for the grader asking the learner's module for a name it does not define (an
    empty file, a class renamed); None for any other AttributeError."""
    path = path or _LEARNER_FILE
    if not getattr(exc, "name", None) or getattr(getattr(exc, "obj", None), "__file__", None) != path:
        return None
    return Result(check, False, f"{os.path.relpath(path)} defines no {exc.name!r}",
                  f"keep the skeleton's name {exc.name!r} (minigan exercise start writes it)")


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


__all__ = ["Exercise", "Result", "ExerciseError", "check_learner_file", "load_learner", "learner_line", "attempt",
           "missing_definition", "close", "format_table", "gradient_rows"]
