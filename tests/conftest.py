"""Shared fixtures.

``xp`` runs a test once per backend: NumPy always, CuPy when a CUDA GPU is usable. The CuPy run is
marked ``gpu`` and is skipped, with the reason printed (pytest -ra), where there is none.
"""
import os

import numpy
import pytest

from minigan import backend

# Tests read datasets from the shared folder beside the checkout unless told otherwise.
DATA_WAS_SET = "MINIGAN_DATA" in os.environ
os.environ.setdefault("MINIGAN_DATA", os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                                                    "data")))

GPU_REASON = backend.gpu_unavailable_reason()
requires_gpu = pytest.mark.skipif(GPU_REASON is not None, reason=f"no GPU: {GPU_REASON}")


def _data_missing_reason():
    """Why the MNIST / Fashion-MNIST files are not where the tests look, or None when they are."""
    from minigan.data.mnist import FILES
    folder = os.environ["MINIGAN_DATA"]
    missing = [f"{name}/{f}" for name, files in FILES.items() for f in files
               if not os.path.isfile(os.path.join(folder, name, f))]
    if not missing:
        return None
    where = f"MINIGAN_DATA={folder}" if DATA_WAS_SET else f"{folder} (MINIGAN_DATA is not set; the tests then look there)"
    return (f"the dataset files are not in {where} (missing {missing[0]}"
            f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}); set MINIGAN_DATA to a folder holding "
            "mnist/ and fashion-mnist/ with the original .gz files (this project's CI uses ../shared/data)")


def pytest_collection_modifyitems(config, items):
    """Tests marked needs_data skip, saying how to run them, when the data is missing; but never in CI
    (CI=true), where a missing dataset must fail the run rather than hide it."""
    reason = _data_missing_reason()
    if reason is None or os.environ.get("CI", "").lower() == "true":
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "needs_data" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The docs site of this checkout, built once (``mkdocs build --strict``) for the tests that read it."""
    from site_build import ROOT, build
    out = tmp_path_factory.mktemp("site")
    result = build(ROOT, out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out
