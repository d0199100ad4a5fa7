"""Shared fixtures.

``xp`` runs a test once per backend: NumPy always, CuPy when a CUDA GPU is usable. The CuPy run is
marked ``gpu`` and is skipped, with the reason printed (pytest -ra), where there is none.
"""
import os

import numpy
import pytest

from minigan import backend

# Tests read datasets from the shared folder beside the checkout unless told otherwise.
os.environ.setdefault("MINIGAN_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))

GPU_REASON = backend.gpu_unavailable_reason()
requires_gpu = pytest.mark.skipif(GPU_REASON is not None, reason=f"no GPU: {GPU_REASON}")


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=[pytest.mark.gpu, requires_gpu])])
def xp(request):
    if request.param == "numpy":
        return numpy
    import cupy
    return cupy


@pytest.fixture(autouse=True)
def _reset_backend_state():
    """Each test starts on the CPU, in float32, with the initializer seed at 0."""
    backend.set_device("cpu")
    backend.set_default_dtype(numpy.float32)
    backend.manual_seed(0)
    yield
    backend.set_device("cpu")
    backend.set_default_dtype(numpy.float32)
