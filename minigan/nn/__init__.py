"""Layers: every one a forward and a backward pass side by side, on NumPy or CuPy.

Read in this order:

1. ``module.py``: the contract every layer shares (forward, backward, predict, the one pending cache,
   frozen parameters, gradient accumulation); docs/module-api.md. ``parameter.py``: an array and
   its accumulated gradient; ``storage.py``: devices, dtypes, buffers, saving and loading;
2. ``dense.py``, ``activations.py``, ``dropout.py``, ``reshape.py``, ``scale.py``: the first layers;
3. ``sequential.py``: a network as a list of layers; ``init.py``: the initializers;
4. convolution: ``conv_geometry.py`` (output sizes), ``im2col.py`` (patches and their adjoint),
   ``conv.py``, ``conv_transpose.py``, ``scatter.py`` (the transposed convolution's scatter, by col2im
   or by stride phases); docs/convolution.md;
5. ``batchnorm.py``: batch statistics and running buffers; docs/batchnorm.md;
6. several inputs and outputs: ``join.py`` (Concat), ``branches.py`` (Parallel, Fork, Identity),
   ``embedding.py`` (OneHot, Embedding), ``projection.py``, ``planes.py``; docs/backward/multi-input.md;
7. against mode collapse and for Lipschitz critics: ``pack.py`` (PacGAN),
   ``minibatch_discrimination.py``, ``spectral_norm.py``; ``maxout.py`` (the PacGAN toy experiment's
   discriminator layer, docs/backward/maxout.md);
8. ``second_order.py``: the double backward, for gradient penalties and the unrolled GAN;
   docs/backward/double-backward.md.
"""
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .branches import Fork, Identity, Parallel
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding, OneHot, one_hot
from .join import Concat
from .maxout import Maxout
from .module import Module, inference
from .parameter import Parameter
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
           "Sequential", "Maxout", "SpectralNorm", "spectral_norm_all", "Pack", "pack_discriminator",
           "MinibatchDiscrimination", "with_minibatch_discrimination", "Concat", "Parallel", "Fork", "Identity",
           "OneHot", "Embedding", "one_hot", "Planes", "Projection", "Scale"]
