"""What the trainer watches around each step, so that the step itself reads as the algorithm.

* the guards: a real batch holding NaN or Inf stops the run before it trains on it; a loss, a
  penalty or a gradient that is NaN or Inf stops it before the optimizer step (the weights, and so
  the checkpoints, never hold NaN), naming the step and the first layer to blame;
* every layer's gradient norm, before each update;
* the log row of a step: the losses, the extra terms, mean D(x) and D(G(z)), the norms.

minigan/training/trainer.py calls these; minigan/training/run.py writes the rows to log.jsonl.
"""
from __future__ import annotations

import math

import numpy

from minigan.backend import get_array_module, to_numpy


class DivergenceError(RuntimeError):
    """NaN or Inf appeared in a loss or a gradient; the message names the step and the layer."""


def layer_groups(prefix: str, module) -> dict:
    """{"G.0 Dense(100→256)": [params]}: the parameters of each layer that has any. Containers (a
    Parallel, a Fork of D's heads, a Sequential inside them) are opened: each layer inside counts
    apart ("D.5.1 Dense(256→10)", the class head)."""
    groups = {}
    for i, layer in enumerate(module.children()):
        if layer.is_container:
            groups.update(layer_groups(f"{prefix}.{i}", layer))
        elif layer.parameters():
            groups[f"{prefix}.{i} {layer!r}"] = layer.parameters()
    return groups


def gradient_norms(groups: dict) -> dict:
    """The L2 norm of each layer's gradient (all its parameters together); NaN/Inf pass through."""
    norms = {}
    for name, params in groups.items():
        xp = get_array_module(params[0].grad)
        norms[name] = math.sqrt(sum(float(xp.vdot(p.grad.ravel(), p.grad.ravel())) for p in params))
    return norms


def diverged(step: int, what: str, where: str) -> DivergenceError:
    return DivergenceError(f"training diverged at step {step}: {what} in {where}. Checkpoints never hold NaN or "
                           "Inf weights, so the last one written (if any) is intact; try a lower learning rate "
                           "(or another loss).")


def check_real_batch(real, step: int):
    """The NaN rule for data: each real batch is checked once, before D sees it."""
    xp = get_array_module(real)
    if not bool(xp.isfinite(real).all()):
        raise ValueError(f"minigan train: the real batch of step {step} contains {int(xp.isnan(real).sum())} NaN "
                         f"and {int(xp.isinf(real).sum())} Inf values: the training data is damaged (the weights "
                         "are not to blame)")


def check_finite(step: int, what: str, values: dict):
    for name, value in values.items():
        if not math.isfinite(value):
            raise diverged(step, f"the {what} is {value}", name)


def first_non_finite_layer(groups: dict):
    for name, params in groups.items():
        xp = get_array_module(params[0].data)
        if not all(bool(xp.isfinite(p.data).all()) for p in params):
            return name
    return None


def checked_gradients(step: int, groups: dict, losses: dict, loss_name: str) -> dict:
    """Before an update: every loss and gradient must be finite. Returns the layers' gradient norms."""
    norms = gradient_norms(groups)
    check_finite(step, loss_name, losses)
    check_finite(step, "gradient", norms)
    return norms


def log_row(step: int, epoch: int, d: dict, g: dict, probabilities: bool) -> dict:
    """One row of log.jsonl from the D step's record ``d`` and the last G step's record ``g`` (its
    ``g_loss`` None before the first generator update, as under WGAN's n_critic)."""
    scores = to_numpy(d["scores"]).astype(numpy.float64)      # D's outputs on [real; fake]
    if probabilities:                                          # D(x) = σ(logit)
        scores = 1 / (1 + numpy.exp(-scores))
    half = len(scores) // 2
    return {"step": step, "epoch": epoch, "d_loss": d["d_loss"], "g_loss": g["g_loss"],
            "d_real": float(scores[:half].mean()), "d_fake": float(scores[half:].mean()),
            **d["terms"], **d["aux"], **g["aux"], "grad_norms": {**d["grad_norms"], **g["grad_norms"]}}
