"""The array backend: one code path for NumPy (CPU) and CuPy (GPU).

Every layer, loss and optimizer in minigan starts with

    xp = get_array_module(x)

and then calls ``xp.exp``, ``xp.matmul`` and so on. ``xp`` is the ``numpy`` module for NumPy
arrays and the ``cupy`` module for CuPy arrays, so the same lines run on both (the idiom comes
from Chainer). Code branches on ``xp is numpy`` only where the two libraries really differ.

Choosing the device
-------------------
* ``MINIGAN_DEVICE=cpu`` (the default) or ``MINIGAN_DEVICE=gpu`` in the environment, or
* ``minigan.backend.set_device("gpu")`` from Python.

Layers create their parameters on the current device; ``Module.to(device=...)`` moves them.
Asking for the GPU without CuPy or without a CUDA device raises :class:`DeviceUnavailableError`
with one message saying what is missing and how to install it.

Precision
---------
The default dtype is float32, what a GPU is fast at. The gradient checks ask for float64 with
``Module.to(dtype=numpy.float64)`` or :func:`set_default_dtype`.

Random numbers
--------------
:func:`manual_seed` seeds the host generator that the weight initializers draw from, so the same
seed gives the same initial weights on the CPU and on the GPU. :class:`RNG` is a seeded generator
that lives on one device, for random numbers drawn during training (dropout masks, noise).
"""
from __future__ import annotations

import ctypes
import os
import sys

import numpy

DEVICES = ("cpu", "gpu")

_GPU_INSTALL_HINT = (
    "Install the CuPy wheel that matches your CUDA version, for example "
    "`pip install \"minigan[gpu]\"` (CUDA 13.x, cupy-cuda13x) or "
    "`pip install \"minigan[gpu-cuda12]\"` (CUDA 12.x); `nvidia-smi` prints the CUDA version. "
    "Or run on the CPU: --device cpu on the command line (the default), or MINIGAN_DEVICE=cpu in the "
    "environment, or set_device(\"cpu\") from Python."
)


class DeviceUnavailableError(RuntimeError):
    """The GPU was asked for, but CuPy or a CUDA device is missing."""


def _import_cupy():
    """Return the cupy module, or None when CuPy is not installed or cannot load."""
    try:
        import cupy  # noqa: F401  (optional dependency)
    except Exception:  # ImportError, or a CuPy build that fails to load its CUDA libraries
        return None
    return cupy


def gpu_unavailable_reason() -> str | None:
    """Why the GPU cannot be used, in one sentence, or None when it can."""
    cupy = _import_cupy()
    if cupy is None:
        return "CuPy is not installed (or failed to import)."
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError when there is no driver
        return f"CuPy is installed but no CUDA device can be used ({type(exc).__name__}: {exc})."
    if count == 0:
        return "CuPy is installed but no CUDA device was found."
    return None


def gpu_available() -> bool:
    return gpu_unavailable_reason() is None


def _require_gpu():
    reason = gpu_unavailable_reason()
    if reason is not None:
        raise DeviceUnavailableError(f"minigan: the GPU was requested, but {reason} {_GPU_INSTALL_HINT}")
    return _import_cupy()


def _check_device_name(device: str) -> str:
    if device not in DEVICES:
        raise ValueError(f"minigan.backend: device must be one of {DEVICES}, got {device!r}")
    return device


def _keep_freed_memory_for_reuse() -> bool:
    """Ask glibc to keep freed memory in the process instead of returning it to the kernel.

    A conv layer's im2col matrix is 20 to 40 MB and is made anew every step. By default glibc
    serves blocks over 32 MB with a fresh mmap and unmaps them when freed, so every step pays a
    page fault per 4 KiB page: on the 2-core machine this project is measured on, an im2col into
    fresh memory took 11.8 ms against 5.9 ms into reused memory, and the DCGAN discriminator's
    second conv went from 44% to 50% of the matrix-product peak (``minigan bench layers``).
    Raising the mmap and trim thresholds makes freed blocks reusable (the same thing PyTorch's
    caching allocator does for its tensors). Linux/glibc only; MINIGAN_KEEP_MEMORY=0 turns it off.
    """
    if os.environ.get("MINIGAN_KEEP_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3       # from glibc's malloc.h
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):                     # not glibc (musl, macOS): keep the defaults
        return False


KEEPS_FREED_MEMORY = _keep_freed_memory_for_reuse()

_current_device = _check_device_name(os.environ.get("MINIGAN_DEVICE", "cpu").strip().lower() or "cpu")
_default_dtype = numpy.dtype(numpy.float32)


def set_device(device: str) -> None:
    """Make ``device`` ("cpu" or "gpu") the device new parameters and arrays are created on."""
    global _current_device
    _check_device_name(device)
    if device == "gpu":
        _require_gpu()
    _current_device = device


def get_device() -> str:
    """The current device, "cpu" or "gpu"."""
    if _current_device == "gpu":
        _require_gpu()  # MINIGAN_DEVICE=gpu on a machine without one fails here, clearly
    return _current_device


def xp_for(device: str | None = None):
    """The array module (numpy or cupy) of ``device`` (default: the current device)."""
    device = get_device() if device is None else _check_device_name(device)
    return _require_gpu() if device == "gpu" else numpy


def get_array_module(*arrays):
    """Return ``cupy`` if any of ``arrays`` is a CuPy array, else ``numpy``."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            return _import_cupy()
    return numpy


def device_of(x) -> str:
    return "cpu" if get_array_module(x) is numpy else "gpu"


def to_device(x, device: str | None = None):
    """Copy ``x`` to ``device`` ("cpu" or "gpu"); returns ``x`` itself when it is already there."""
    device = get_device() if device is None else _check_device_name(device)
    if device == "cpu":
        return to_numpy(x)
    cupy = _require_gpu()
    return cupy.asarray(x)


def to_numpy(x):
    """A NumPy array with the values of ``x`` (a NumPy array, a CuPy array or a Python number)."""
    if get_array_module(x) is not numpy:
        return x.get()
    return numpy.asarray(x)


def set_default_dtype(dtype) -> None:
    """Set the floating dtype new parameters get: float32 (the default) or float64."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise ValueError(f"minigan.backend.set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> numpy.dtype:
    return _default_dtype


# ---------------------------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------------------------
_host_rng = numpy.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed the host generator used by the weight initializers and by layers created without a seed."""
    global _host_rng
    _host_rng = numpy.random.default_rng(seed)


def host_rng() -> numpy.random.Generator:
    """The host (NumPy) generator behind :func:`manual_seed`."""
    return _host_rng


def new_seed() -> int:
    """A fresh seed drawn from the host generator (for layers created without an explicit seed)."""
    return int(_host_rng.integers(0, 2**63 - 1))


class RNG:
    """A seeded random generator that produces arrays on one device.

    On the CPU it wraps ``numpy.random.Generator(PCG64(seed))``; on the GPU it wraps
    ``cupy.random.RandomState(seed)``. The two streams differ: CPU runs are bit-reproducible
    from the seed, GPU runs are reproducible on the same GPU.
    """

    def __init__(self, seed: int | None = None, device: str | None = None):
        self.seed = new_seed() if seed is None else int(seed)
        self.device = get_device() if device is None else _check_device_name(device)
        if self.device == "cpu":
            self._gen = numpy.random.Generator(numpy.random.PCG64(self.seed))
        else:
            self._gen = _require_gpu().random.RandomState(self.seed % 2**63)

    def normal(self, shape, dtype=None):
        dtype = get_default_dtype() if dtype is None else dtype
        return self._gen.standard_normal(size=shape, dtype=dtype)

    def uniform(self, shape, dtype=None):
        """Uniform samples in [0, 1)."""
        dtype = get_default_dtype() if dtype is None else dtype
        if self.device == "cpu":
            return self._gen.random(size=shape, dtype=dtype)
        return self._gen.random_sample(size=shape, dtype=dtype)

    def keep_mask(self, shape, p_drop: float):
        """A boolean mask, True with probability ≈ 1 − p_drop; returns (mask, exact keep probability).

        On the CPU the draws are 16-bit integers compared with round(p·65536): twice as fast as
        float draws (a DCGAN discriminator draws 3.6 million per step), with p quantized to
        1/65536. The exact keep probability comes back so inverted dropout can scale by it.
        """
        if self.device == "cpu":
            threshold = int(round(p_drop * 65536))
            draws = self._gen.integers(0, 65536, size=shape, dtype=numpy.uint16)
            return draws >= threshold, 1 - threshold / 65536
        return self._gen.random_sample(size=shape, dtype=numpy.float32) >= p_drop, 1 - p_drop

    def permutation(self, n: int):
        return self._gen.permutation(n)

    # The CPU generator's state is a plain dict, so checkpoints can store it and resume exactly.
    def get_state(self):
        if self.device == "cpu":
            return self._gen.bit_generator.state
        raise NotImplementedError("minigan.backend.RNG: saving the state of a GPU generator is not supported")

    def set_state(self, state) -> None:
        if self.device == "cpu":
            self._gen.bit_generator.state = state
        else:
            raise NotImplementedError("minigan.backend.RNG: restoring the state of a GPU generator is not supported")
