"""Datasets: MNIST and Fashion-MNIST (``mnist.py``: the IDX reader, checksums, the download and the
search order --data, MINIGAN_DATA, ~/.cache/minigan), and the 2-D toy mixtures (``toy.py``: the ring
of 8 and the grid of 25 Gaussians)."""
from .mnist import CLASS_NAMES, DatasetError, ImageDataset, batches, cache_dir, load, locate, to_uint8
from .toy import grid, grid_modes, ring, ring_modes

__all__ = ["load", "locate", "batches", "to_uint8", "cache_dir", "DatasetError", "ImageDataset", "CLASS_NAMES",
           "ring", "ring_modes", "grid", "grid_modes"]

IMAGE_DATASETS = ("mnist", "fashion-mnist")     # (N, 1, 28, 28) images, for the mlp, dcgan and infogan models
TOY_DATASETS = ("ring", "grid")                 # 2-D points, for the toy model
DATASETS = IMAGE_DATASETS + TOY_DATASETS
