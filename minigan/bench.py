"""Benchmarks: scripts that print numbers (never timed tests).

``minigan bench train`` times the full training step of the mlp, dcgan and dcgan --width 0.25
models at batch 64 and prints one JSON object per configuration. ``--loss wgan-gp`` times the
WGAN-GP step instead and, beside it, the plain WGAN step of the same critic (no dropout), so the
cost of the gradient penalty's double backward reads as one ratio. Losses with n_critic > 1 are
timed over whole cycles of n_critic steps (n_critic D updates and one G update), divided by n_critic.

``minigan bench layers`` times forward and backward of the DCGAN's conv, conv-transpose and
BatchNorm layers (the TensorFlow tutorial's architecture, docs/baselines.md) at batch 64, and
compares each with this machine's float32 matrix-product peak, measured in the same run.

FLOPs count only multiply-adds of dense, conv and conv-transpose layers, at 2 FLOPs each; a
backward pass counts as twice its forward (input and weight gradients), as in BASELINES.md.
"""
from __future__ import annotations

import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy
from tqdm import tqdm

from . import models, nn
from .backend import to_device, xp_for
from .training import Trainer, TrainConfig, recipes, threads

TARGET_FRACTION = 0.5   # issue target: forward + backward at ≥ 50% of the matrix-product peak


def _synchronize(xp):
    if xp is not numpy:
        xp.cuda.Device().synchronize()


def _median_ms(fn, xp, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    _synchronize(xp)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _synchronize(xp)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def matmul_peak_gflops(xp, n: int = 2048, repeats: int = 5) -> float:
    """float32 n×n @ n×n: the machine's practical ceiling for the work a conv layer turns into."""
    a = xp.asarray(numpy.random.default_rng(0).random((n, n), dtype=numpy.float32))
    b = a.copy()
    ms = _median_ms(lambda: a @ b, xp, repeats)
    return 2 * n ** 3 / (ms * 1e-3) / 1e9


def channels_last(xp, shape, seed: int):
    """A (N, C, H, W) array laid out channels-last, as minigan's conv layers hand activations on."""
    n, c, h, w = shape
    data = numpy.random.default_rng(seed).standard_normal((n, h, w, c)).astype(numpy.float32)
    return xp.asarray(data).transpose(0, 3, 1, 2)


@dataclass
class LayerCase:
    name: str
    make: callable
    input_shape: tuple     # with batch = 1; scaled by the batch size
    target: bool = False   # one of the three layers the target names


def layer_flops(layer, x_shape, y_shape) -> float:
    """Forward FLOPs (2 per multiply-add); 0 for BatchNorm, which is memory-bound."""
    if isinstance(layer, nn.Conv2d):
        n, f, ho, wo = y_shape
        kh, kw = layer.kernel_size
        return 2.0 * n * ho * wo * f * layer.in_channels * kh * kw
    if isinstance(layer, nn.ConvTranspose2d):
        n, c, h, w = x_shape
        kh, kw = layer.kernel_size
        return 2.0 * n * h * w * c * layer.out_channels * kh * kw
    return 0.0


def dcgan_layer_cases():
    return [
        LayerCase("G ConvTranspose 256→128, 5×5 s1, 7×7", lambda: nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False),
                  (256, 7, 7), target=True),
        LayerCase("G ConvTranspose 128→64, 5×5 s2, 7→14",
                  lambda: nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), (128, 7, 7), target=True),
        LayerCase("G ConvTranspose 64→1, 5×5 s2, 14→28",
                  lambda: nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), (64, 14, 14)),
        LayerCase("D Conv 1→64, 5×5 s2, 28→14", lambda: nn.Conv2d(1, 64, 5, 2, 2), (1, 28, 28)),
        LayerCase("D Conv 64→128, 5×5 s2, 14→7", lambda: nn.Conv2d(64, 128, 5, 2, 2), (64, 14, 14), target=True),
        LayerCase("G BatchNorm1d 12544", lambda: nn.BatchNorm1d(7 * 7 * 256), (7 * 7 * 256,)),
        LayerCase("G BatchNorm2d 128, 7×7", lambda: nn.BatchNorm2d(128), (128, 7, 7)),
        LayerCase("G BatchNorm2d 64, 14×14", lambda: nn.BatchNorm2d(64), (64, 14, 14)),
    ]


def bench_layers(batch_size: int = 64, device: str = "cpu", repeats: int = 10, progress: bool = True):
    """Time every DCGAN layer case; returns (peak GFLOP/s, list of result dicts)."""
    xp = xp_for(device)
    peak = matmul_peak_gflops(xp)
    cases = dcgan_layer_cases()
    iterator = cases
    if progress:
        iterator = tqdm(cases, desc="bench layers", unit="layer", leave=False, file=sys.stderr)
    results = []
    for case in iterator:
        layer = case.make().to(device=device)
        shape = (batch_size,) + case.input_shape
        x = channels_last(xp, shape, 0) if len(shape) == 4 else xp.asarray(
            numpy.random.default_rng(0).standard_normal(shape).astype(numpy.float32))
        y = layer.forward(x)
        layer.clear_cache()
        dy = channels_last(xp, y.shape, 1) if y.ndim == 4 else xp.ones_like(y)

        def forward():
            layer.clear_cache()
            layer.forward(x)

        def forward_backward():
            layer.forward(x)
            layer.backward(dy)

        fwd = _median_ms(forward, xp, repeats)
        layer.clear_cache()
        total = _median_ms(forward_backward, xp, repeats)
        gflop = 3 * layer_flops(layer, x.shape, y.shape) / 1e9        # forward + backward (2×)
        rate = gflop / (total * 1e-3) if gflop else None
        results.append({
            "layer": case.name, "input": list(x.shape), "output": list(y.shape), "device": device,
            "forward_ms": round(fwd, 3), "backward_ms": round(total - fwd, 3), "total_ms": round(total, 3),
            "gflop": round(gflop, 3), "gflops": round(rate, 1) if rate else None,
            "fraction_of_peak": round(rate / peak, 3) if rate else None, "target": case.target,
        })
    return peak, results


def format_layer_table(peak: float, results, device: str) -> str:
    header = ("layer", "input → output", "fwd ms", "bwd ms", "total ms", "GFLOP", "GFLOP/s", "of peak",
              "target ≥ 50%")
    rows = []
    for r in results:
        shapes = "×".join(map(str, r["input"][1:])) + " → " + "×".join(map(str, r["output"][1:]))
        met = "-"
        if r["target"]:
            met = "met" if r["fraction_of_peak"] >= TARGET_FRACTION else "NOT met"
        rows.append((r["layer"], shapes, f"{r['forward_ms']:.2f}", f"{r['backward_ms']:.2f}", f"{r['total_ms']:.2f}",
                     f"{r['gflop']:.2f}" if r["gflop"] else "-", f"{r['gflops']:.0f}" if r["gflops"] else "-",
                     f"{100 * r['fraction_of_peak']:.0f}%" if r["fraction_of_peak"] else "-", met))
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    line = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    batch = results[0]["input"][0] if results else 0
    out = [f"minigan bench layers: batch {batch}, float32, device {device}, {threads.describe()}; "
           f"matrix-product peak measured now: {peak:.0f} GFLOP/s (2048×2048 @ 2048×2048)",
           "FLOPs: 2 per multiply-add, backward = 2 × forward; BatchNorm is memory-bound (no FLOPs counted)",
           "target: the three largest conv layers should run forward + backward at ≥ 50% of the measured "
           "matrix-product peak (they are matrix products underneath); '-' marks layers without a target", "",
           line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out)


def main_layers(args) -> int:
    peak, results = bench_layers(args.batch_size, args.device, args.repeats, progress=not args.json)
    if args.json:
        for r in results:
            print(json.dumps({**r, "peak_gflops": round(peak, 1)}))
    else:
        print(format_layer_table(peak, results, args.device))
    return 0



# ---------------------------------------------------------------------------------------------
# minigan bench train: the full GAN training step
# ---------------------------------------------------------------------------------------------
DEFAULT_TRAIN_CONFIGS = [("mlp", 1.0), ("dcgan", 1.0), ("dcgan", 0.25)]


# What a recipe's bench row leaves out of its settings: the data and the budget, not the step.
NOT_THE_STEP = ("dataset", "toy_samples", "epochs", "max_steps", "batch_size")


def recipe_step(name: str) -> dict:
    """The TrainConfig fields that shape a recipe's training step (networks, loss, optimizer, updates)."""
    return {k: v for k, v in recipes.settings(name).items() if k not in NOT_THE_STEP}


def _ms_per_train_step(model, width, batch_size, device, steps, warmup, loss, **fields) -> float:
    toy = model in models.TOY_MODELS
    config = TrainConfig(**{"model": model, "dataset": "ring" if toy else "mnist", "width": width,
                            "batch_size": batch_size, "device": device, "out": "", "loss": loss, **fields})
    shape = (batch_size * 4, 2) if toy else (batch_size * 4, 1, 28, 28)
    real_data = numpy.random.default_rng(0).uniform(-1, 1, shape).astype(numpy.float32)
    trainer = Trainer(config, real_data=real_data)
    real = to_device(real_data[:batch_size], device)
    noises = itertools.cycle([trainer.next_noise(batch_size) for _ in range(4)])
    cycle = config.n_critic                          # n_critic D steps and one G step

    def steps_of_one_cycle():
        for _ in range(cycle):
            trainer.train_step(real, next(noises))
    return _median_ms(steps_of_one_cycle, xp_for(device), max(1, steps // cycle), max(1, warmup // cycle)) / cycle


def bench_train_one(model: str, width: float, batch_size: int, device: str, steps: int, warmup: int = 5,
                    loss: str = "nonsaturating", recipe: str = "none") -> dict:
    """Median ms of ``Trainer.train_step`` (G forward, D on real and fake, both backward passes,
    both optimizer steps, float32) on synthetic data, after ``warmup`` steps. ``recipe``: time that
    paper's step instead (its networks, loss, optimizer and update schedule; minigan/training/recipes.py)."""
    fields = recipe_step(recipe) if recipe != "none" else {}
    if fields:
        model, loss = fields.pop("model"), fields.pop("loss")
    ms = _ms_per_train_step(model, width, batch_size, device, steps, warmup, loss, **fields)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    row = {**({"recipe": recipe} if recipe != "none" else {}), "model": model,
           **({"loss": loss} if loss != "nonsaturating" else {}), "width": width, "batch": batch_size,
           "device": device, "ms_per_step": round(ms, 2), "samples_per_s": round(batch_size / (ms * 1e-3)),
           "peak_rss_mib": round(peak_rss_mib), "threads": threads.current()[0]}
    if loss == "wgan-gp":       # the same critic (WGAN-GP's preset has no dropout) under plain WGAN
        wgan = _ms_per_train_step(model, width, batch_size, device, steps, warmup, "wgan", dropout=0.0)
        row["wgan_same_critic_ms_per_step"] = round(wgan, 2)
        # from the printed times, so that the row agrees with itself (a toy step is under a millisecond)
        row["ratio_to_wgan"] = round(row["ms_per_step"] / row["wgan_same_critic_ms_per_step"], 2)
    return row


def main_train(args) -> int:
    """One JSON object per line per configuration; each runs in a fresh process so its peak RSS is its own."""
    if args.recipe != "none":
        configs = [(recipe_step(args.recipe)["model"], args.width)]
    elif args.model is not None:
        configs = [(args.model, args.width)]
    else:
        configs = DEFAULT_TRAIN_CONFIGS
    batch_size = args.batch_size or (recipes.RECIPES[args.recipe].settings["batch_size"] if args.recipe != "none" else 64)
    if not args.in_process:
            print(f"# minigan bench train: {threads.describe(args.threads)}", file=sys.stderr, flush=True)
    if len(configs) == 1 and args.in_process:
        print(json.dumps(bench_train_one(configs[0][0], configs[0][1], batch_size, args.device, args.steps,
                                         loss=args.loss, recipe=args.recipe)))
        return 0
    for model, width in configs:
        cmd = [sys.executable, "-m", "minigan", "bench", "train", "--model", model, "--width", str(width),
               "--batch-size", str(batch_size), "--device", args.device, "--steps", str(args.steps),
               "--loss", args.loss, "--recipe", args.recipe, "--in-process"] + (["--threads", str(args.threads)] if args.threads else [])
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        print(result.stdout.strip(), flush=True)
    return 0
