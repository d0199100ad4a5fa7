"""Datasets. For now the 2-D toy mixtures (toy.py); MNIST and Fashion-MNIST come with the trainer."""
from .toy import grid, grid_modes, ring, ring_modes

__all__ = ["ring", "ring_modes", "grid", "grid_modes"]
