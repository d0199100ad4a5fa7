import os
import subprocess
import sys

import numpy
import pytest

from minigan import backend, nn
from conftest import GPU_REASON


def test_get_array_module_is_numpy_for_numpy_arrays():
    assert backend.get_array_module(numpy.zeros(3)) is numpy
    assert backend.get_array_module(numpy.zeros(3), 1.0) is numpy


def test_to_numpy_and_to_device_round_trip_on_cpu():
    x = numpy.arange(6.0).reshape(2, 3)
    assert backend.to_device(x, "cpu") is x or numpy.array_equal(backend.to_device(x, "cpu"), x)
    assert numpy.array_equal(backend.to_numpy(x), x)
    assert backend.to_numpy(3.0) == 3.0


def test_unknown_device_name_is_rejected():
    with pytest.raises(ValueError, match="device must be one of"):
        backend.set_device("tpu")


@pytest.mark.skipif(GPU_REASON is None, reason="a GPU is available here, so the missing-GPU message cannot show")
def test_asking_for_a_missing_gpu_says_what_is_missing_and_how_to_install():
    with pytest.raises(backend.DeviceUnavailableError) as info:
        backend.set_device("gpu")
    message = str(info.value)
    assert "CuPy" in message and "pip install" in message and "MINIGAN_DEVICE=cpu" in message
    assert backend.get_device() == "cpu"  # the failed switch changed nothing


@pytest.mark.skipif(GPU_REASON is None, reason="a GPU is available here, so the missing-GPU message cannot show")
def test_minigan_device_gpu_without_gpu_gives_one_clear_line_not_a_traceback(tmp_path):
    env = dict(os.environ, MINIGAN_DEVICE="gpu")
    result = subprocess.run([sys.executable, "-m", "minigan", "demo", "--steps", "2", "--quiet",
                             "--out", str(tmp_path)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the GPU was requested" in result.stderr and "pip install" in result.stderr


def test_default_dtype_is_float32_and_float64_on_request():
    assert nn.Dense(3, 2).weight.data.dtype == numpy.float32
    backend.set_default_dtype(numpy.float64)
    assert nn.Dense(3, 2).weight.data.dtype == numpy.float64
    with pytest.raises(ValueError, match="expected float32 or float64, got int32"):
        backend.set_default_dtype(numpy.int32)


def test_manual_seed_makes_initial_weights_repeat_across_dtypes():
    backend.manual_seed(7)
    a = nn.Dense(4, 3).weight.data
    backend.manual_seed(7)
    backend.set_default_dtype(numpy.float64)
    b = nn.Dense(4, 3).weight.data
    assert numpy.array_equal(a, b.astype(numpy.float32))
    backend.manual_seed(8)
    assert not numpy.array_equal(nn.Dense(4, 3).weight.data, b)


def test_rng_is_reproducible_from_its_seed_and_its_state():
    r1, r2 = backend.RNG(5, "cpu"), backend.RNG(5, "cpu")
    assert numpy.array_equal(r1.normal((3, 4)), r2.normal((3, 4)))
    state = r1.get_state()
    u = r1.uniform((5,), dtype=numpy.float64)
    r1.set_state(state)
    assert numpy.array_equal(u, r1.uniform((5,), dtype=numpy.float64))
    assert r1.normal((2,)).dtype == numpy.float32
    assert not numpy.array_equal(backend.RNG(6, "cpu").normal((3,)), backend.RNG(5, "cpu").normal((3,)))
