"""Layers. Every one has forward/backward/predict/parameters/zero_grad/train/eval (see module.py)."""
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .branches import Fork, Identity, Parallel
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding, OneHot, one_hot
from .join import Concat
from .module import Module, Parameter, inference
from .minibatch_discrimination import MinibatchDiscrimination, with_minibatch_discrimination
from .pack import Pack, pack_discriminator
from .planes import Planes
from .projection import Projection
from .reshape import Flatten, Reshape
from .scale import Scale
from .sequential import Sequential
from .spectral_norm import SpectralNorm, spectral_norm_all

__all__ = ["Module", "Parameter", "inference", "Dense", "Conv2d", "ConvTranspose2d", "BatchNorm1d",
           "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Flatten", "Reshape",
           "Sequential", "SpectralNorm", "spectral_norm_all", "Pack", "pack_discriminator",
           "MinibatchDiscrimination", "with_minibatch_discrimination", "Concat", "Parallel", "Fork", "Identity",
           "OneHot", "Embedding", "one_hot", "Planes", "Projection", "Scale"]
