"""Exercises: write a backward pass yourself, and let gradient checks grade it at once.

    minigan exercise list                          the exercises, in learning order (11)
    minigan exercise start NAME [--dir exercises]  writes exercises/NAME.py for you to fill in
    minigan exercise check NAME [--dir exercises]  grades it: forward against the engine's, a float64
                                                   gradient check of every gradient, a training run
                                                   where one makes sense; a hint for common mistakes
    minigan exercise hint NAME [--dir exercises]   the next hint, in levels from a nudge to the key step
    minigan exercise solution NAME                 the engine's own code for it, and its derivation

Each exercise is one file in this package: a skeleton (the class or function with its docstring,
the bodies replaced by a ``raise NotImplementedError`` that says what to compute) and a checker.
The checks come from minigan/exercises/grading.py, and run on the learner's file in a process of its
own with a time limit (``isolated.py``), so that file can neither end nor stall the grader. In learning order: ``dense.py``, ``leaky_relu.py``,
``bce.py``, ``gan_losses.py``, ``adam.py``, ``batchnorm.py``, ``conv.py`` (Conv2d), ``col2im.py``,
``conv.py`` again (ConvTranspose2d), ``gan_step.py`` (the GAN step, then the gradient penalty).
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap

from minigan.io import atomic_path

from . import adam, bce, batchnorm, col2im, conv, dense, gan_losses, gan_step, leaky_relu
from .grading import ExerciseError, Result, check_learner_file, format_table

# The learning order: a layer, an activation, the losses, the optimizer, normalization, convolution
# and its adjoint, the whole step, then the gradient penalty.
EXERCISES = {e.name: e for e in (dense.EXERCISE, leaky_relu.EXERCISE, bce.EXERCISE, gan_losses.EXERCISE,
                                 adam.EXERCISE, batchnorm.EXERCISE, conv.CONV2D, col2im.EXERCISE,
                                 conv.CONV_TRANSPOSE2D, gan_step.GAN_STEP, gan_step.GRADIENT_PENALTY)}


def get(name: str):
    if name not in EXERCISES:
        raise ExerciseError(f"minigan exercise: no exercise named {name!r}; the exercises are {list(EXERCISES)} "
                            "(minigan exercise list)")
    return EXERCISES[name]


def list_text() -> str:
    width = max(len(name) for name in EXERCISES)
    rows = [f"{i:>2}. {e.name:<{width}}  {e.title}" for i, e in enumerate(EXERCISES.values(), 1)]
    return "\n".join(rows + ["", "Start one with: minigan exercise start NAME"])


def start(name: str, folder: str = "exercises") -> str:
    """Write the skeleton to folder/NAME.py; never overwrite a file that exists. Returns the path."""
    exercise = get(name)
    path = os.path.join(folder, f"{name}.py")
    if os.path.exists(path):
        raise ExerciseError(f"minigan exercise start: {path} exists already and is left as it is (your work is in "
                            f"it). Check it with: minigan exercise check {name}" + (f" --dir {folder}" if folder != "exercises" else ""))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ExerciseError(f"minigan exercise start: --dir {folder!r} is a file; give a folder to write {name}.py into")
    os.makedirs(folder, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(exercise.skeleton)
    return path


TIMEOUT = 60          # seconds a check may run before it counts as a hang (``--timeout``)


def check(name: str, folder: str = "exercises", timeout: float = TIMEOUT):
    """Grade folder/NAME.py in a process of its own (minigan/exercises/isolated.py), so that the
    learner's code can neither end nor stall the grader; returns the list of results (each .passed, .hint)."""
    get(name)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ExerciseError(f"minigan exercise check: --dir {folder!r} is a file; give the folder that holds {name}.py")
    path = os.path.join(folder, f"{name}.py")
    check_learner_file(path, name)
    with tempfile.TemporaryDirectory() as tmp:
        results = os.path.join(tmp, "results.json")
        try:
            done = subprocess.run([sys.executable, "-m", "minigan.exercises.isolated", name, path, results],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return [Result("your code finishes", False, f"{path} did not finish within {timeout:g} s (an endless "
                           "loop, at import or in a method?)", "look for a loop whose condition never changes; "
                           "--timeout gives a slow machine more time")]
        if not os.path.isfile(results):
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            return [Result("your code runs to the end", False, f"the check's process ended with code "
                           f"{done.returncode} before it reported: {tail[0]}", "run python on your file to see it")]
        with open(results, encoding="utf-8") as f:
            return [Result(**row) for row in json.load(f)]


HINTS_FILE = ".minigan-hints.json"      # in the exercises folder: how many hints of each exercise were shown


def _hints_taken(folder: str) -> dict:
    try:
        with open(os.path.join(folder, HINTS_FILE), encoding="utf-8") as f:
            taken = json.load(f)
        return taken if isinstance(taken, dict) else {}
    except (OSError, ValueError):
        return {}


def next_hint_level(name: str, folder: str = "exercises", taken: dict | None = None) -> int:
    """The level (1-based) the next ``hint`` call shows; past the last, the last again."""
    taken = _hints_taken(folder) if taken is None else taken
    return min(int(taken.get(name, 0)) + 1, len(get(name).hints))


def hint(name: str, folder: str = "exercises") -> str:
    """The next hint of exercise ``name``, one level further each call (remembered in folder/.minigan-hints.json)."""
    exercise = get(name)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ExerciseError(f"minigan exercise hint: --dir {folder!r} is a file; give the folder of your exercise files")
    taken = _hints_taken(folder)
    level = next_hint_level(name, folder, taken)
    text = f"hint {level} of {len(exercise.hints)} for {name}: {exercise.hints[level - 1]}"
    if level == len(exercise.hints):
        text += (f"\n\nThat was the last hint. The derivation: {derivation_link(exercise)}; the engine's own code: "
                 f"minigan exercise solution {name}")
    os.makedirs(folder, exist_ok=True)
    with atomic_path(os.path.join(folder, HINTS_FILE)) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump({**taken, name: level}, f)
    return text


# The folder that holds minigan/: the repository in a checkout (with docs/ beside it), site-packages
# after `pip install .`.
_ABOVE_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def derivation_link(exercise) -> str:
    """The derivation's page on the docs site (site/PAGE.html after `mkdocs build`), and its source in
    this checkout when there is one (an editable install; `pip install .` installs no docs/)."""
    page, _, anchor = exercise.derivation.partition("#")
    site = page[:-len(".md")] + ".html" + (f"#{anchor}" if anchor else "")
    source = os.path.join(_ABOVE_PACKAGE, "docs", page)
    where = f"({source})" if os.path.isfile(source) else f"(docs/{page} in the minigan repository)"
    return f"site/{site} once the docs site is built (README, \"The docs site\") {where}"


def solution(name: str) -> str:
    """The engine's own code for exercise ``name``, read from the installed package, and its derivation."""
    exercise = get(name)
    parts = [f"{exercise.title}", f"the derivation: {derivation_link(exercise)}", ""]
    for reference in exercise.code:
        module_name, _, qualified = reference.partition(":")
        target = importlib.import_module(module_name)
        for attribute in qualified.split("."):
            target = getattr(target, attribute)
        lines, first = inspect.getsourcelines(target)
        path = inspect.getsourcefile(target)
        shown = os.path.relpath(path, _ABOVE_PACKAGE) if path.startswith(_ABOVE_PACKAGE) else path
        parts += [f"# {qualified}: {shown}, lines {first}-{first + len(lines) - 1}", textwrap.dedent("".join(lines)).rstrip(), ""]
    return "\n".join(parts).rstrip()


__all__ = ["EXERCISES", "get", "list_text", "start", "check", "hint", "next_hint_level", "solution", "format_table",
           "ExerciseError"]
