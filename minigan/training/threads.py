"""CPU threads for the matrix products (NumPy's BLAS): how many, and why.

The policy, from measurements on the 2-core reference machine (docs/training.md#cpu-threads has
the table and the commands):

* **All the cores this process may run on**, unless ``--threads N`` or the environment variable
  ``MINIGAN_THREADS=N`` says otherwise. On an idle machine two threads beat one for every model
  (1.35× to 1.6× faster per step), so the default keeps every default benchmark row as fast as it was.
* **A warning when the cores are already busy.** OpenBLAS keeps its worker threads spinning for a
  while after each product, waiting for the next one; next to another busy process those spinning
  threads steal the cores the work needs. Measured: with a second training run going, two threads
  made the MLP step 3× to 60× slower than one thread, the small DCGAN 2× to 3×. When the load average
  at start-up says the cores are taken, ``minigan train`` says so and suggests ``--threads 1``. It
  does not change the count by itself: the count decides the run (below), and a run must not depend
  on what else happened to be running.

The same seed gives the same run for the same thread count (and the same NumPy build and CPU). A
different thread count gives a different run from the first steps: the matrix products split their
sums across threads differently, so the last bits differ, and a GAN's training amplifies them.
"""
from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

ENV = "MINIGAN_THREADS"
_applied = None          # (count, source) set by configure(), for reporting


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve(requested: int | None = None) -> tuple[int, str]:
    """(thread count, where it came from): ``requested`` (--threads), then MINIGAN_THREADS, then all cores."""
    if requested is not None:
        return _check(requested, "--threads"), "--threads"
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"minigan: expected {ENV} to be a positive integer, got {text!r}") from None
        return _check(value, ENV), ENV
    return available_cores(), "all cores"


def _check(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"minigan: expected {what} to be a positive integer, got {value!r}")
    return value


def configure(requested: int | None = None) -> int:
    """Limit NumPy's BLAS to the resolved thread count (threadpoolctl); returns the count."""
    global _applied
    count, source = resolve(requested)
    threadpool_limits(limits=count, user_api="blas")
    _applied = (count, source)
    return count


def current() -> tuple[int, str]:
    """(count, source) in force: what configure() set, else what it would set."""
    return _applied if _applied is not None else resolve(None)


def describe(requested: int | None = None) -> str:
    """'2 BLAS threads (all cores)': the policy in force, for printing beside a timing."""
    count, source = resolve(requested) if requested is not None else current()
    return f"{count} BLAS thread{'s' if count != 1 else ''} ({source})"


def busy_warning(count: int, load: float | None = None) -> str | None:
    """A warning when other work already keeps the cores busy and ``count`` > 1 threads would fight it."""
    if count <= 1:
        return None
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            return None
    cores = available_cores()
    if load < cores - 0.5:
        return None
    return (f"note: the CPU is already busy (load average {load:.1f} on {cores} cores). With {count} BLAS threads "
            f"each step can be several times slower than with one (spinning threads fight the other work); "
            f"consider --threads 1 (or MINIGAN_THREADS=1). A different thread count gives a different run for "
            f"the same seed.")
