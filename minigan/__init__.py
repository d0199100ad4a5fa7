"""minigan: a from-scratch educational GAN engine on NumPy (CPU) and CuPy (GPU).

Every forward and backward pass is written out by hand:

* minigan.backend   - numpy/cupy selection, devices, dtypes, seeded generators
* minigan.nn        - layers (Dense, activations, Dropout, Flatten, Reshape, Sequential)
* minigan.losses    - BCE with logits, discriminator and generator losses
* minigan.optim     - SGD and Adam
* minigan.gradcheck - the finite-difference proofs of every backward pass
"""
__version__ = "0.1.0"
