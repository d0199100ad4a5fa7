"""What the lab's views share: looking through the networks without moving the run, and JSON numbers."""
from __future__ import annotations

import contextlib

import numpy


@contextlib.contextmanager
def looking_at(*modules):
    """Run forwards through ``modules`` for a picture without changing the run: a forward in training
    mode moves buffers (SpectralNorm's power iteration refines u, BatchNorm updates its running
    statistics), and a view must not move the run. The buffers come back as they were."""
    saved = [{name: b.copy() for name, b in m.named_buffers()} for m in modules]
    try:
        yield
    finally:
        for m, state in zip(modules, saved):
            for name, b in m.named_buffers():
                b[...] = state[name]


def plain(a, digits=4):
    """float32 arrays → short JSON numbers."""
    return numpy.round(numpy.asarray(a, dtype=numpy.float64), digits).tolist()
