"""Exercise 1: the Dense layer's forward and backward."""
from __future__ import annotations

import numpy

from minigan import models, nn, optim
from minigan.backend import manual_seed
from minigan.data import ring
from minigan.losses import get_gan_loss
from minigan.toy_gan import distance_to_ring, gan_step
from .grading import Exercise, Result, attempt, close, gradient_rows

SKELETON = '''"""Exercise 1: the Dense (fully connected) layer, y = x W + b.

Fill in _forward and _backward, then run:  minigan exercise check dense

Shapes: x (N, in_features); W = self.weight.data (in_features, out_features);
b = self.bias.data (out_features,); y (N, out_features).
The backward gets dy = dL/dy (N, out_features) and must
  * ADD dL/dW into self.weight.grad and dL/db into self.bias.grad (+=: gradients accumulate),
  * return dL/dx (N, in_features).
Derivation: docs/backward/dense.md. The constructor, the parameters and the input checks come from
minigan.nn.Dense, so only the math is yours.
"""
from minigan.nn import Dense as EngineDense


class Dense(EngineDense):
    skips_input_grad = False        # this version always returns dL/dx

    def _forward(self, x):
        """Return (y, cache): y = x W + b, and whatever _backward will need."""
        raise NotImplementedError("Dense._forward: compute y, shape (N, out_features), and return (y, cache)")

    def _backward(self, dy, cache):
        """Add dL/dW and dL/db into the parameters' .grad; return dL/dx."""
        raise NotImplementedError("Dense._backward: add dL/dW into self.weight.grad and dL/db into "
                                  "self.bias.grad; return dL/dx (stuck? minigan exercise hint dense)")
'''

HINTS = (
    "Write y = xW + b one number at a time: y_nj = Σ_i x_ni W_ij + b_j. For each of W_ij, b_j and x_ni, "
    "ask which of the y's it reaches.",
    "Chain rule: dL/dW_ij = Σ_n dL/dy_nj · ∂y_nj/∂W_ij. One W_ij reaches the y_nj of every example n, so its "
    "gradient is a sum over the batch, and so is b_j's; one x_ni reaches every output j of its own row.",
    "∂y_nj/∂W_ij = x_ni, ∂y_nj/∂b_j = 1, ∂y_nj/∂x_ni = W_ij. Each gradient is then a sum of products: find the "
    "matrix product with the right shape (dW has W's shape (in, out), dx has x's (N, in)), and add (+=) the "
    "parameter gradients into .grad.",
)


def _pair(learner_cls, n_in, n_out, seed):
    """(learner layer, engine layer) with the same float64 weights and a non-zero bias."""
    manual_seed(seed)
    engine = nn.Dense(n_in, n_out).to(dtype=numpy.float64)
    engine.bias.data[...] = numpy.random.default_rng(seed).standard_normal(n_out)
    learner = learner_cls(n_in, n_out).to(dtype=numpy.float64)
    learner.load_state_dict(engine.state_dict())
    return learner, engine


def _grads(layer, x, dy):
    layer.zero_grad()
    layer.forward(x)
    dx = layer.backward(dy)
    return dx, layer.weight.grad.copy(), layer.bias.grad.copy()


def check(module):
    Dense = module.Dense
    rng = numpy.random.default_rng(0)
    results = []

    def forward():
        rows = []
        for n, n_in, n_out in ((3, 5, 4), (1, 3, 2), (7, 8, 8)):
            learner, engine = _pair(Dense, n_in, n_out, n)
            x = rng.standard_normal((n, n_in))
            y = learner.forward(x)
            learner.clear_cache()
            ok = close(y, engine.predict(x))
            rows.append(Result(f"forward, x {n}×{n_in} → {n_out}", ok, "" if ok else "y differs from the engine's",
                               "" if ok else "y = x @ W + b: W is (in, out), so x @ W, not W @ x or x @ W.T"))
        return rows
    results += attempt("forward", forward)

    def hints():
        learner, engine = _pair(Dense, 4, 4, 1)           # square W: a transposed dW still has the right shape
        x, dy = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
        dx_l, dw_l, db_l = _grads(learner, x, dy)
        dx_e, dw_e, db_e = _grads(engine, x, dy)
        rows = [Result("dL/dW", close(dw_l, dw_e), "", "dW is transposed: it is xᵀ·dy, shape (in, out)"
                       if close(dw_l, dw_e.T) else "dW = xᵀ·dy, added (+=) into self.weight.grad"),
                Result("dL/db", close(db_l, db_e), "", "the bias gradient is averaged: it is the SUM of dy over the batch"
                       if close(db_l, db_e / 6) else "db = Σ over the batch of dy (each example adds b once)"),
                Result("dL/dx", close(dx_l, dx_e), "", "dx is divided by N: no 1/N here (the loss already has it)"
                       if close(dx_l, dx_e / 6) else "dx = dy·Wᵀ, shape (N, in)")]
        learner.zero_grad()                                  # gradients must accumulate, not be overwritten
        _grads(learner, x, dy)
        learner.forward(x)
        learner.backward(dy)
        # Against the learner's own dW: a wrong dW that accumulates passes here (its row above fails).
        twice = close(learner.weight.grad, 2 * dw_l)
        rows.append(Result("gradients accumulate", twice, "", "use += into .grad: two backward passes must add up"))
        return rows
    results += attempt("gradients", hints)

    def gradcheck():
        learner, _ = _pair(Dense, 5, 3, 2)
        return gradient_rows(learner, rng.standard_normal((4, 5)))
    results += attempt("gradient check", gradcheck)

    def training():
        manual_seed(0)
        G, D = models.toy(width=0.5)
        for net in (G, D):                                   # every Dense becomes the learner's, same weights
            for i, layer in enumerate(net.layers):
                if isinstance(layer, nn.Dense):
                    mine = Dense(layer.in_features, layer.out_features)
                    mine.load_state_dict(layer.state_dict())
                    net.layers[i] = mine
        data_rng = numpy.random.default_rng(0)
        opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
        opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
        fixed = data_rng.standard_normal((1000, 2)).astype(numpy.float32)
        start = distance_to_ring(G.predict(fixed))
        for _ in range(500):
            real = ring(128, data_rng).astype(numpy.float32)
            noise = data_rng.standard_normal((128, 2)).astype(numpy.float32)
            gan_step(G, D, opt_g, opt_d, real, noise, get_gan_loss("nonsaturating"))
        end = distance_to_ring(G.predict(fixed))
        ok = end < 0.5 * start
        return Result("your Dense in the toy GAN (500 steps)", ok,
                      f"mean distance to a mode {start:.2f} → {end:.2f}", "" if ok else "the GAN did not learn the ring")
    results += attempt("training", training)
    return results


EXERCISE = Exercise("dense", "Dense layer: y = xW + b, forward and backward", SKELETON, check,
                    ("minigan.nn.dense:Dense._forward", "minigan.nn.dense:Dense._backward"), "backward/dense.md", HINTS)
