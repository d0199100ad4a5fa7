"""Run one exercise check on a learner's file in a process of its own (``minigan exercise check`` starts it).

    python -m minigan.exercises.isolated NAME LEARNER_FILE RESULTS_JSON

The learner's code runs here, never in the grader: a ``sys.exit``, an endless loop, a crash or a
definition under another name ends or stalls this process only, and the grader
(minigan/exercises/__init__.py ``check``) reports it as a failed check pointing at the learner's file.
The results go to RESULTS_JSON, so nothing the learner prints can be taken for them.
"""
from __future__ import annotations

import dataclasses
import json
import sys

from minigan.exercises import get
from minigan.exercises.grading import ExerciseError, Result, learner_line, load_learner, missing_definition


def _run(name: str, path: str) -> list:
    exercise = get(name)
    try:
        learner = load_learner(path, name)
        return exercise.check(learner)
    except ExerciseError as exc:
        return [Result("your file imports", False, str(exc).replace("minigan exercise check: ", ""),
                       "fix the first error it names, then check again")]
    except AttributeError as exc:         # the checker asked the learner's module for a definition it lacks
        missing = missing_definition(exc, "your file defines the exercise", path)
        if missing is None:
            raise
        return [missing]
    except SystemExit as exc:             # sys.exit() or exit() in the learner's code
        return [Result("your code runs to the end", False, f"it called sys.exit({exc.code!r})"
                       f"{learner_line(exc.__traceback__, path)}", "a checked file must not exit; remove the call")]


def main(argv) -> int:
    name, path, results = argv
    rows = _run(name, path)
    with open(results, "w", encoding="utf-8") as f:
        json.dump([dataclasses.asdict(r) for r in rows], f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
