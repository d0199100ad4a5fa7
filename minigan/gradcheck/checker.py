"""Gradient checking: compare every backward pass with finite differences, in float64.

For a layer y = f(x; θ) we pick a random upstream gradient g (the shape of y) and the scalar

    L(x, θ) = Σ g ⊙ f(x; θ),

whose exact gradients are what ``backward(g)`` returns (dL/dx) and accumulates (dL/dθ). The
numerical estimate is the fourth-order central difference (the five-point stencil)

    ∂L/∂u ≈ (−L(u + 2h) + 8 L(u + h) − 8 L(u − h) + L(u − 2h)) / 12h,      error O(h⁴),

with h = 1e-4. Two errors compete: truncation (the stencil's O(h⁴) term) and float64 round-off
in the evaluations, which grows like ε/h. With h = 1e-5, a small DCGAN-style generator through
BatchNorm came out at 1.6e-7, over the 1e-7 bar from round-off alone (a larger h made it
smaller, the signature of round-off rather than of a wrong gradient). The plain two-point
difference needs h that small to keep its O(h²) truncation down; the five-point stencil does not,
and at h = 1e-4 every row is ≤ 2e-8. Every evaluation stays within 2h = 2e-4 of u, far from any
kink. It is taken in one of two modes:

* ``"elementwise"``: every element of u in turn (the exact picture; 4 forwards per element), for
  small tensors;
* ``"direction"``: along random unit directions v, comparing the same stencil for
  t ↦ L(u + t·v) with ⟨dL/du, v⟩ (4 forwards per direction), for large tensors.

The relative error is symmetric, |a − b| / max(1e-8, |a| + |b|), and we report its maximum.
Smooth ops pass at ≤ 1e-7. Ops with kinks (ReLU, LeakyReLU) are checked on inputs kept away from
the kink, never with a looser threshold.

Layers that draw random numbers (Dropout) have their generators rewound before every forward, so
all evaluations see the same mask; running statistics (BatchNorm) are restored afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy

from minigan.backend import get_array_module, to_numpy
from minigan.gan import penalties
from minigan.gan.discriminator_pass import discriminator_pass
from minigan.gan.unrolled import UnrolledObjective, hessian_vector_product

THRESHOLD = 1e-7


def rel_error(a, b) -> float:
    """max |a − b| / max(1e-8, |a| + |b|), elementwise over arrays (or for two numbers)."""
    a = numpy.asarray(to_numpy(a), dtype=numpy.float64)
    b = numpy.asarray(to_numpy(b), dtype=numpy.float64)
    return float(numpy.max(numpy.abs(a - b) / numpy.maximum(1e-8, numpy.abs(a) + numpy.abs(b))))


def _stencil(f, set_offset, h, project):
    """Five-point derivative of f along the perturbation that ``set_offset(k)`` applies (u + k·h·v).

    The differences are taken pairwise on f's *outputs* before they are projected and summed:
    outputs that the perturbation does not reach cancel exactly, so a zero gradient comes out as
    exactly zero and round-off stays at the scale of the outputs that moved.
    """
    values = {}
    for k in (2, 1, -1, -2):
        set_offset(k)
        values[k] = f()
    set_offset(0)
    combined = 8 * (values[1] - values[-1]) - (values[2] - values[-2])
    return project(combined) / (12 * h)


def numerical_gradient(f, u, h: float = 1e-4, project=float):
    """Central differences of ``project(f())`` with respect to every element of ``u``.

    ``f`` returns a number, or an array that ``project`` (for example ⟨g, ·⟩) turns into one.
    ``u`` is changed in place and restored, so ``f`` can read it through the layer that owns it.
    """
    xp = get_array_module(u)
    grad = xp.zeros(u.shape, dtype=numpy.float64)
    flat, gflat = u.reshape(-1), grad.reshape(-1)   # views: writing flat[i] writes u
    for i in range(flat.size):
        old = float(flat[i])

        def set_offset(k):
            flat[i] = old + k * h if k else old     # k = 0 restores the exact old value

        gflat[i] = _stencil(f, set_offset, h, project)
    return grad


def directional_check(f, u, analytic, n_directions: int = 3, h: float = 1e-4, seed: int = 0,
                      project=float) -> float:
    """Worst relative error between the numerical dL/dt of L(u + t·v) and ⟨analytic, v⟩ over random v."""
    xp = get_array_module(u)
    rng = numpy.random.default_rng(seed)
    saved = u.copy()
    worst = 0.0
    for _ in range(n_directions):
        v = rng.standard_normal(u.shape)
        v = xp.asarray(v / numpy.linalg.norm(v))   # unit length: every element moves by ≤ 2h

        def set_offset(k):
            u[...] = saved + (k * h) * v if k else saved

        numeric = _stencil(f, set_offset, h, project)
        worst = max(worst, rel_error(numeric, float((analytic * v).sum())))
    return worst


@dataclass
class CheckResult:
    """One row of a gradient-check table."""
    name: str
    wrt: str          # "x", "weight", "0.bias", ...
    shape: tuple
    max_rel_error: float
    mode: str = ""    # "train" / "eval" for layers, "" for losses

    @property
    def passed(self) -> bool:
        return self.max_rel_error <= THRESHOLD


def _snapshot_random_state(module):
    return [(m, m.rng.get_state()) for m in module.modules() if getattr(m, "rng", None) is not None]


def _flat(y):
    """One array of every output (a tuple of outputs, from a Fork, is laid end to end)."""
    if isinstance(y, tuple):
        return get_array_module(y[0]).concatenate([part.ravel() for part in y])
    return y.ravel()


def _split_like(flat, y):
    """The inverse of _flat: ``flat`` cut into arrays shaped like the outputs ``y``."""
    if not isinstance(y, tuple):
        return flat.reshape(y.shape)
    parts, start = [], 0
    for part in y:
        parts.append(flat[start:start + part.size].reshape(part.shape))
        start += part.size
    return tuple(parts)


def check_module(module, x, mode: str = "train", method: str = "elementwise", h: float = 1e-4,
                 n_directions: int = 3, seed: int = 0, name: str | None = None) -> list[CheckResult]:
    """Check dL/dx and every parameter gradient of ``module`` at input ``x``, in float64.

    The module is converted to float64 in place (``module.to(dtype=float64)``), put in ``mode``
    ("train" or "eval"), and returns one :class:`CheckResult` per checked tensor.

    ``x`` may be a tuple (a network with several inputs): each float input is checked ("x0", "x1",
    ...), and an integer input (labels) must get None, no gradient, back. The output may be a tuple
    (several heads): L = Σ over every output of g ⊙ y, with its own random g per output.
    """
    if mode not in ("train", "eval"):
        raise ValueError(f"check_module: mode must be 'train' or 'eval', got {mode!r}")
    if method not in ("elementwise", "direction"):
        raise ValueError(f"check_module: method must be 'elementwise' or 'direction', got {method!r}")
    several = isinstance(x, tuple)
    inputs = tuple(a.astype(numpy.float64) if a.dtype.kind == "f" else a for a in (x if several else (x,)))
    x = inputs if several else inputs[0]   # private copies that we perturb in place
    xp = get_array_module(inputs[0])
    name = name or repr(module)
    module.to(dtype=numpy.float64)
    module.train(mode == "train")

    buffers = [(m, n, getattr(m, n).copy()) for m in module.modules() for n in m._buffer_names]
    module.predict(x)                     # creates lazily made generators (Dropout) on x's device
    randomness = _snapshot_random_state(module)

    def rewind():
        for m, state in randomness:
            m.rng.set_state(state)
        for m, n, value in buffers:
            getattr(m, n)[...] = value

    rewind()
    shape_of_output = module.predict(x)
    upstream = xp.asarray(numpy.random.default_rng(seed).standard_normal(_flat(shape_of_output).size))

    def output():
        rewind()
        return _flat(module.predict(x)).copy()   # a copy: some layers return (a view of) x itself

    def project(dy):                      # L = Σ g ⊙ y, so dL = Σ g ⊙ dy
        return float((upstream * dy).sum())

    rewind()
    module.zero_grad()
    module.forward(x)
    dx = module.backward(_split_like(upstream, shape_of_output))
    grads = dx if several else (dx,)
    tensors = []
    for k, (u, g) in enumerate(zip(inputs, grads)):
        label = f"x{k}" if several else "x"
        if u.dtype.kind != "f":
            if g is not None:
                raise AssertionError(f"check_module: {name} returned a gradient for the integer input {label}")
            continue
        tensors.append((label, u, g))
    tensors += [(pname, p.data, p.grad.copy()) for pname, p in module.named_parameters()]

    results = []
    for wrt, u, analytic in tensors:
        if method == "elementwise":
            err = rel_error(numerical_gradient(output, u, h, project), analytic)
        else:
            err = directional_check(output, u, analytic, n_directions, h, seed, project)
        results.append(CheckResult(name, wrt, tuple(u.shape), err, mode))
    rewind()
    module.zero_grad()
    return results


def check_penalty(kind: str, critic, x, weight: float, name: str, h: float = 1e-4) -> list[CheckResult]:
    """Check a gradient penalty's gradient with respect to x and every parameter of ``critic``, in float64.

    ``kind`` is "gradient_penalty" (WGAN-GP) or "r1". The analytic side is what
    :mod:`minigan.gan.penalties` adds into ``.grad`` (through the double backward) and its ∂P/∂x; the
    numeric side differentiates the penalty's *value*, computed from one forward and one ordinary
    backward (``penalties.penalty_value``), so it shares no code with the double backward.
    Critics here have no random layers and no running statistics, so every evaluation is the same
    function. P is a single number, as for a loss.
    """
    xp = get_array_module(x)
    critic.to(dtype=numpy.float64)
    x = x.astype(numpy.float64)
    critic.zero_grad()
    run = penalties._gradient_penalty if kind == "gradient_penalty" else penalties._r1_penalty
    _, _, dx = run(critic, x, weight)
    analytic = [("x", x, xp.zeros_like(x) if dx is None else dx)]
    analytic += [(pname, p.data, p.grad.copy()) for pname, p in critic.named_parameters()]

    def value():
        return penalties.penalty_value(critic, x, kind, weight)

    mode = "train" if critic.training else "eval"
    results = [CheckResult(name, wrt, tuple(u.shape), rel_error(numerical_gradient(value, u, h), grad), mode)
               for wrt, u, grad in analytic]
    critic.zero_grad()
    return results


def check_loss(loss_fn, logits, name: str | None = None, h: float = 1e-3, **kwargs) -> CheckResult:
    """Check the gradient a loss returns against central differences of the value it returns.

    A loss returns only its mean, a single number, so round-off cannot cancel output by output as
    it does for layers; a larger step h = 1e-3 keeps the round-off small while the five-point stencil
    keeps the O(h⁴) truncation near 1e-12. The losses are smooth except the hinge loss, which has kinks
    at ±1: its rows keep the logits at least 0.1 from them, far beyond the 2h the stencil moves.
    """
    logits = logits.astype(numpy.float64)
    _, analytic = loss_fn(logits, **kwargs)
    numeric = numerical_gradient(lambda: loss_fn(logits, **kwargs)[0], logits, h)
    return CheckResult(name or loss_fn.__name__, "logits", tuple(logits.shape), rel_error(numeric, analytic))


def check_hessian_vector_product(critic, loss, real, fake, v, name: str, h: float = 1e-4) -> list[CheckResult]:
    """Check :func:`minigan.gan.unrolled.hessian_vector_product` (the double backward with parameter-gradient
    adjoints) against central differences of P = ⟨∇θ L_D, v⟩, in float64.

    The numeric side computes P from one forward and one *ordinary* backward of L_D, so it shares no
    code with the double backward. Rows: ∂P/∂fake and ∂P/∂θ (= H v) for every parameter.
    """
    critic.to(dtype=numpy.float64)
    real, fake = real.astype(numpy.float64), fake.astype(numpy.float64)
    params = critic.parameters()
    h_v, d_fake = hessian_vector_product(critic, loss, real, fake, v)

    def value():
        critic.zero_grad()
        discriminator_pass(critic, loss, real, fake)
        return sum(float((p.grad * vp).sum()) for p, vp in zip(params, v))

    analytic = [("fake", fake, d_fake)] + [(pname, p.data, hv) for (pname, p), hv in zip(critic.named_parameters(), h_v)]
    results = [CheckResult(name, wrt, tuple(u.shape), rel_error(numerical_gradient(value, u, h), grad), "train")
               for wrt, u, grad in analytic]
    critic.zero_grad()
    return results


def unrolled_value(G, D, loss, z, real, steps: int, lr: float) -> float:
    """f_K = L_G(D_θᴷ(G(z))) with θᴷ after ``steps`` gradient-descent steps on L_D, computed plainly
    (forwards and ordinary backwards only); D's parameters are put back afterwards."""
    params = D.parameters()
    start = [p.data for p in params]
    fake = G.predict(z)
    try:
        for _ in range(steps):
            D.zero_grad()
            discriminator_pass(D, loss, real, fake)
            for p in params:
                p.data = p.data - lr * p.grad
        return loss.generator(D.predict(fake))[0]
    finally:
        for p, data in zip(params, start):
            p.data = data
        D.zero_grad()


def check_unrolled(G, D, loss, z, real, steps: int, lr: float, name: str, h: float = 1e-4) -> list[CheckResult]:
    """Check the unrolled GAN's generator gradient (minigan.gan.unrolled.UnrolledObjective, second order)
    against central differences of the unrolled objective f_K (:func:`unrolled_value`), with respect to
    every parameter of G and to the noise z, in float64."""
    G.to(dtype=numpy.float64)
    D.to(dtype=numpy.float64)
    z, real = z.astype(numpy.float64), real.astype(numpy.float64)
    G.zero_grad()
    fake = G.forward(z)
    _, d_fake = UnrolledObjective(loss, steps, lr)(D, real, fake)
    d_z = G.backward(d_fake)
    analytic = [("z", z, d_z)] + [(f"G.{pname}", p.data, p.grad.copy()) for pname, p in G.named_parameters()]

    def value():
        return unrolled_value(G, D, loss, z, real, steps, lr)

    results = [CheckResult(name, wrt, tuple(u.shape), rel_error(numerical_gradient(value, u, h), grad), "train")
               for wrt, u, grad in analytic]
    G.zero_grad()
    return results
