#!/usr/bin/env python3
"""Where one training step's time goes: per operation, and the share spent in the matrix products.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/step_breakdown.py --model dcgan --threads 2
    python benchmarks/step_breakdown.py --model dcgan --width 0.25 --batch-size 128
    python benchmarks/step_breakdown.py --recipe pacgan          # a paper's toy step (minigan/training/recipes.py)

The step is ``minigan bench train``'s (Trainer.train_step on synthetic data: G forward, D on real
and fake, both backward passes, both Adam steps, float32). It is timed plain first (the median of
``--steps`` steps), then once more with every layer's forward and backward, im2col, the zero
padding, the two ways of the scatter (minigan/nn/scatter.py) and col2im inside the first, the
losses and the optimizer steps wrapped in timers (their medians per step).

The matrix products are inside the layers, so their time is measured by replaying them: every
product a Dense, Conv2d and ConvTranspose2d layer computes in the step (its shapes, and whether
an operand is a transposed view), timed alone with the same BLAS. That gives the step's BLAS time,
the share of the step it is, and the step's FLOP rate against the float32 matrix-product peak
measured in the same run (2048³).
"""
from __future__ import annotations

import argparse
import collections
import itertools
import statistics
import time

import numpy
import threadpoolctl

from minigan import losses, nn, optim
from minigan.gan import penalties
from minigan.bench import _median_ms, matmul_peak_gflops, recipe_step
from minigan.training import recipes
from minigan.nn import conv, conv_transpose, im2col, scatter
from minigan.training import Trainer, TrainConfig, threads

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", default="dcgan", choices=("mlp", "dcgan", "infogan"))
parser.add_argument("--width", type=float, default=1.0)
parser.add_argument("--recipe", default=None, choices=[r for r in recipes.RECIPES],
                    help="time a paper's toy step instead of --model (its networks, loss, optimizer, updates)")
parser.add_argument("--batch-size", type=int, default=None, help="default: 64, or the recipe's")
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--threads", type=int, default=None)
args = parser.parse_args()
threads.configure(args.threads)

if args.recipe:                                      # as minigan bench train --recipe builds it
    args.batch_size = args.batch_size or recipes.RECIPES[args.recipe].settings["batch_size"]
    fields = {**recipe_step(args.recipe), "dataset": recipes.RECIPES[args.recipe].settings["dataset"]}
    args.model, shape = fields["model"], (2,)
else:
    args.batch_size, fields, shape = args.batch_size or 64, {"model": args.model, "dataset": "mnist"}, (1, 28, 28)
config = TrainConfig(**{**fields, "width": args.width, "batch_size": args.batch_size, "out": ""})
data = numpy.random.default_rng(0).uniform(-1, 1, (args.batch_size * 4, *shape)).astype(numpy.float32)
trainer = Trainer(config, real_data=data)
real = data[:args.batch_size]
noises = itertools.cycle([trainer.next_noise(args.batch_size) for _ in range(4)])


def step():
    """n_critic steps (one G update among them), so a WGAN-GP critic's cycle is timed whole; the
    figures below are per step (the cycle divided by n_critic), as minigan bench train gives them."""
    for _ in range(config.n_critic):
        trainer.train_step(real, next(noises))


step_ms = _median_ms(step, numpy, args.steps, warmup=3) / config.n_critic    # warm-up: caches, allocator

# ---- the instrumented step ---------------------------------------------------------------------
spent = collections.defaultdict(float)               # name → seconds in the current step
products = []                                        # (m, k, n, a transposed, b transposed) of this step


def timed(name, fn):
    def wrapper(*a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent[name] += time.perf_counter() - t0
    return wrapper


def record_products(layer, kind, x_shape, y_shape):
    """The matrix products of one layer's forward or backward, from its shapes (docstrings of the layers)."""
    if isinstance(layer, nn.Maxout):                 # every piece in one product: (N, in) @ (in, k·out)
        n, i = x_shape
        o = layer.pieces * layer.out_features
        products.extend([(n, i, o, False, False)] if kind == "forward" else [(i, n, o, True, False), (n, o, i, False, True)])
    elif isinstance(layer, nn.Dense):
        n, i = x_shape
        o = y_shape[1]
        products.extend([(n, i, o, False, False)] if kind == "forward" else [(i, n, o, True, False), (n, o, i, False, True)])
    elif isinstance(layer, nn.Conv2d):
        n, c, h, w = x_shape
        _, f, ho, wo = y_shape
        k = layer.kernel_size[0] * layer.kernel_size[1] * c
        (ph, pw), _ = layer.geometry(h, w)
        products.extend([(n * ho * wo, k, f, False, False)] if kind == "forward"
                        else [(k, n * ho * wo, f, True, False)]            # dW; then dx, the scatter of dy
                        + scatter_products(layer, n, (ho, wo), f, c, (ph[0], pw[0]), (h, w)))
    elif isinstance(layer, nn.ConvTranspose2d):
        n, c, h, w = x_shape
        f = layer.out_channels * layer.kernel_size[0] * layer.kernel_size[1]
        (top, left), out_hw, _ = layer.geometry(h, w)
        products.extend(scatter_products(layer, n, (h, w), c, layer.out_channels, (top, left), out_hw)
                        if kind == "forward" else [(c, n * h * w, f, True, False), (n * h * w, f, c, False, False)])


def scatter_products(layer, n, in_hw, c, f, offset_hw, out_hw):
    """The products of a scatter from (n, *in_hw, c) to (n, *out_hw, f), the way the layer runs it."""
    (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
    if layer.scatter_way == "col2im":
        return [(n * in_hw[0] * in_hw[1], c, kh * kw * f, False, False)]
    rows, cols = scatter.phase_plan(out_hw[0], kh, sh, offset_hw[0]), scatter.phase_plan(out_hw[1], kw, sw, offset_hw[1])
    return [(n * count_h * count_w, taps_h * taps_w * c, f, False, False)
            for (_, _, count_h, _, taps_h), (_, _, count_w, _, taps_w) in itertools.product(rows, cols)
            if taps_h and taps_w]


leaf_types = {type(m) for net in (trainer.G, trainer.D) for m in net.modules() if not m.children()}
originals = []
for cls in leaf_types:
    for kind in ("_forward", "_backward", "_double_backward"):
        if not hasattr(cls, kind):
            continue
        original = cls.__dict__.get(kind) or getattr(cls, kind)
        originals.append((cls, kind, cls.__dict__.get(kind)))

        def make(cls=cls, kind=kind, original=original):
            label = f"{cls.__name__} {kind[1:]}"

            def wrapper(self, *a, **k):
                t0 = time.perf_counter()
                out = original(self, *a, **k)
                spent[label] += time.perf_counter() - t0
                if kind == "_forward":
                    y = out[0]
                    if hasattr(a[0], "shape") and hasattr(y, "shape"):     # a head's (logit, heads) has no one shape
                        self._breakdown_shapes = (a[0].shape, y.shape)
                        record_products(self, "forward", a[0].shape, y.shape)
                elif kind == "_double_backward":
                    if isinstance(self, nn.Dense):       # the penalty's: ddxᵀ dy and ddx W (no parameter adjoints)
                        n, i = a[0].shape
                        o = a[1].shape[1]
                        products.extend([(i, n, o, True, False), (n, i, o, False, False)])
                elif hasattr(self, "_breakdown_shapes"):
                    record_products(self, "backward", *self._breakdown_shapes)
                return out
            return wrapper
        setattr(cls, kind, make())
for module, names in ((conv, ("im2col", "place_on_canvas")), (conv_transpose, ("im2col", "place_on_canvas")),
                      (scatter, ("scatter_by_col2im", "scatter_by_phases")), (im2col, ("col2im",))):
    for name in names:
        setattr(module, name, timed(name, getattr(module, name)))
for cls in (optim.Adam,):
    cls.step = timed("Adam step", cls.step)
for name in ("bce_with_logits", "generator_loss_nonsaturating"):
    setattr(losses, name, timed(name, getattr(losses, name)))
# WGAN-GP: the penalty, inclusive of its double backward (the trainer's piece calls this one)
penalties._gradient_penalty = timed("gradient penalty (incl. its double backward)", penalties._gradient_penalty)

per_step = collections.defaultdict(list)
totals = []
for _ in range(args.steps):
    spent.clear()
    products.clear()
    t0 = time.perf_counter()
    step()
    totals.append((time.perf_counter() - t0) / config.n_critic)
    for name, seconds in spent.items():
        per_step[name].append(seconds / config.n_critic)
step_products = list(products)                       # the last cycle's products (every cycle has the same)

# ---- the products, replayed alone ---------------------------------------------------------------
rng = numpy.random.default_rng(0)


def replay_ms(m, k, n, ta, tb):
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=numpy.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=numpy.float32)
    a, b = (a.T if ta else a), (b.T if tb else b)
    return _median_ms(lambda: a @ b, numpy, 7)


blas_ms, flops = 0.0, 0.0
shapes = collections.Counter(step_products)
for (m, k, n, ta, tb), count in shapes.items():
    blas_ms += count * replay_ms(m, k, n, ta, tb) / config.n_critic
    flops += count * 2.0 * m * k * n / config.n_critic
peak = matmul_peak_gflops(numpy)

kernel = "; ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
                   for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
print(f"# {args.model} width {args.width:g}, batch {args.batch_size}, float32, {threads.describe()}; "
      f"{args.steps} steps; BLAS: {kernel}")
print(f"step: {step_ms:.2f} ms (median, plain); instrumented: {1e3 * statistics.median(totals):.2f} ms")
print(f"matrix products: {len(step_products)} per step, {flops / 1e9:.2f} GFLOP; replayed alone: {blas_ms:.2f} ms "
      f"= {100 * blas_ms / step_ms:.0f}% of the step")
print(f"float32 matrix-product peak now (2048³): {peak:.0f} GFLOP/s; the step runs at "
      f"{flops / (step_ms * 1e-3) / 1e9:.0f} GFLOP/s = {100 * flops / (step_ms * 1e-3) / 1e9 / peak:.0f}% of it; "
      f"its products alone at {flops / (blas_ms * 1e-3) / 1e9:.0f} GFLOP/s = "
      f"{100 * flops / (blas_ms * 1e-3) / 1e9 / peak:.0f}%")
print()
print(f"{'piece (inclusive: a layer includes its im2col, col2im and products)':72} {'ms/step':>8} {'of step':>8}")
for name, values in sorted(per_step.items(), key=lambda kv: -statistics.median(kv[1])):
    ms = 1e3 * statistics.median(values)
    print(f"{name:72} {ms:8.2f} {100 * ms / step_ms:7.1f}%")
