"""2-D Gaussian mixtures: the standard testbed for mode collapse (VEEGAN, PacGAN, Unrolled GAN).

* ``ring``: ``n_modes`` Gaussians evenly spaced on a circle of ``radius`` (8 modes, radius 2,
  std 0.02 by default);
* ``grid``: a ``side × side`` grid of Gaussians ``spacing`` apart, centred on 0 (5 × 5, spacing 2,
  std 0.05 by default).

A generator that covers only some modes has *collapsed*; these sets make that visible at a glance.
Every sampler returns float64 points of shape (n, 2) drawn from ``rng`` (a numpy Generator).
"""
from __future__ import annotations

import numpy

from minigan.checks import check_fits, check_positive_int


def _check_spread(where: str, **values):
    for name, v in values.items():
        if not (isinstance(v, (int, float)) and numpy.isfinite(v) and v > 0):
            raise ValueError(f"{where}: expected {name} > 0, got {v!r}")


def ring_modes(n_modes: int = 8, radius: float = 2.0):
    """Centres of the ring mixture, shape (n_modes, 2)."""
    check_positive_int("ring_modes", n_modes, "n_modes")
    _check_spread("ring_modes", radius=radius)
    angles = 2 * numpy.pi * numpy.arange(n_modes) / n_modes
    return radius * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1)


def grid_modes(side: int = 5, spacing: float = 2.0):
    """Centres of the grid mixture, shape (side², 2)."""
    check_positive_int("grid_modes", side, "side")
    _check_spread("grid_modes", spacing=spacing)
    ticks = (numpy.arange(side) - (side - 1) / 2) * spacing
    gx, gy = numpy.meshgrid(ticks, ticks)
    return numpy.stack([gx.ravel(), gy.ravel()], axis=1)


def _mixture(where: str, modes, n: int, std: float, rng):
    check_positive_int(where, n, "n")
    _check_spread(where, std=std)
    # The mode indices (int64), the noise and the points (float64), and the caller's float32 copy.
    check_fits(where, n * (8 + 16 + 16 + 8), f"{n} points", "ask for fewer points (--toy-samples)")
    which = rng.integers(0, len(modes), size=n)          # (n,): a mode for each sample
    return modes[which] + std * rng.standard_normal((n, 2))


def ring(n: int, rng, n_modes: int = 8, radius: float = 2.0, std: float = 0.02):
    """n points from the ring of ``n_modes`` Gaussians."""
    return _mixture("ring", ring_modes(n_modes, radius), n, std, rng)


def grid(n: int, rng, side: int = 5, spacing: float = 2.0, std: float = 0.05):
    """n points from the ``side × side`` grid of Gaussians."""
    return _mixture("grid", grid_modes(side, spacing), n, std, rng)
