"""Input checks shared by every layer, loss and optimizer.

Each check raises a ``TypeError`` or ``ValueError`` whose message names *where* it happened (the
layer or function), what was expected and what was received. A learner who passes a list, an
integer image or a tensor of the wrong shape reads what went wrong instead of a broadcasting error
from deep inside NumPy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy

from .backend import get_array_module


class CallOrderError(ValueError):
    """forward() and backward() were called in an order that would mix up two batches."""


class Site:
    """Names where a check runs, e.g. 'Dense(784→256).forward'. The text is built only when an
    error message needs it, so checks on the hot path cost no string formatting."""
    __slots__ = ("owner", "method")

    def __init__(self, owner, method: str):
        self.owner, self.method = owner, method

    def __str__(self):
        owner = str(self.owner)
        if "\n" in owner:                      # a container prints its layers; the message needs its name
            owner = f"{type(self.owner).__name__}(...)"
        return f"{owner}.{self.method}"


def _is_array(x) -> bool:
    return isinstance(x, numpy.ndarray) or type(x).__module__.startswith("cupy")


def describe(x) -> str:
    """A short description of an array for error messages: 'float32 array of shape (64, 784)'."""
    if _is_array(x):
        return f"{x.dtype} array of shape {tuple(x.shape)}"
    return f"{type(x).__name__} {x!r}"[:120]


def check_float_array(where: str, x, what: str = "input"):
    """``x`` must be a NumPy or CuPy array of float32 or float64."""
    if not _is_array(x):
        raise TypeError(f"{where}: expected {what} to be a NumPy or CuPy array, got {describe(x)}")
    if x.dtype not in (numpy.float32, numpy.float64):
        hint = " (integer images must be scaled to floats first, e.g. x.astype(numpy.float32) / 127.5 - 1)" \
            if numpy.issubdtype(x.dtype, numpy.integer) else ""
        raise TypeError(f"{where}: expected {what} of dtype float32 or float64, got {describe(x)}{hint}")
    return x


def check_ndim(where: str, x, ndim: int, layout: str, what: str = "input"):
    if x.ndim != ndim:
        raise ValueError(f"{where}: expected a {ndim}-D {what} {layout}, got {describe(x)}")


def check_finite(where: str, x, what: str = "input",
                 hint: str = "training has probably diverged (try a lower learning rate)"):
    """Refuse NaN and Inf: propagating them silently hides where training diverged."""
    xp = get_array_module(x)
    if not bool(xp.isfinite(x).all()):
        n_nan = int(xp.isnan(x).sum())
        n_inf = int(xp.isinf(x).sum())
        raise ValueError(f"{where}: {what} contains {n_nan} NaN and {n_inf} Inf values ({describe(x)}); {hint}")


def check_same_shape(where: str, a, b, what_a: str, what_b: str):
    """No silent broadcasting: two arrays that are combined elementwise must have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{where}: expected {what_b} to have the shape of {what_a} {tuple(a.shape)}, "
                         f"got {describe(b)}")


def check_positive_int(where: str, value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) or value <= 0:
        raise ValueError(f"{where}: expected {what} to be a positive integer, got {value!r}")
    return int(value)


def check_labels(where, labels, classes: int, what: str = "labels"):
    """``labels`` must be a 1-D integer array (N,) with every value in [0, classes)."""
    if not _is_array(labels):
        raise TypeError(f"{where}: expected {what} as a NumPy or CuPy integer array (N,), got {describe(labels)}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{where}: expected integer {what} (class indices 0..{classes - 1}), got {describe(labels)}")
    if labels.ndim != 1:
        raise ValueError(f"{where}: expected {what} of shape (N,), one class index per example, got {describe(labels)}")
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"{where}: expected {what} in [0, {classes}), got values from {int(labels.min())} to "
                         f"{int(labels.max())}")
    return labels


class TooLargeError(ValueError):
    """What was asked for would not fit in this machine's memory; the message says the estimate."""


def format_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def available_memory() -> int | None:
    """Bytes of memory this process could still get: Linux's MemAvailable, else the physical
    memory (macOS, BSD); None where neither can be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


# Below this an allocation is not worth reading /proc/meminfo for (the check also runs in forwards).
_SMALL = 256 * 1024 * 1024


def check_fits(where, nbytes: float, what: str, smaller: str):
    """Refuse, before allocating, what would need more memory than this machine has free.

    ``nbytes``: an estimate of the largest memory the operation holds at once; ``what`` says what
    needs it ("T (128, 5·10⁹) and its gradient and Adam moments"); ``smaller`` says what to change.
    A MemoryError from deep inside NumPy would say neither, and on Linux a large enough allocation
    instead succeeds and the system starts killing processes.
    """
    if nbytes < _SMALL:
        return
    free = available_memory()
    if free is not None and nbytes > free:
        raise TooLargeError(f"{where}: {what} would need about {format_bytes(nbytes)}, and this machine has "
                            f"{format_bytes(free)} free; {smaller}")


@dataclass(frozen=True)
class Rule:
    """A compatibility rule between training options, written beside the piece it protects.

    ``refuses(config)`` is true for a combination that cannot train correctly; ``reason(config)`` says
    which flags clash and why, in words a user can act on. minigan/training/options.py collects every
    rule and checks them after each option's own type and range.
    """
    name: str
    refuses: Callable[[object], bool]
    reason: Callable[[object], str]
