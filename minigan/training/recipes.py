"""Recipes: a published experiment's set-up under one name, ``minigan train --recipe NAME``.

A recipe is a set of training options (networks, loss, optimizer, update schedule, batch, data,
budget) taken from a paper and its authors' code. Flags given beside it override its settings, and
config.json records every setting that ran, and the recipe's name. In Python:
``TrainConfig(**recipes.settings("pacgan", pack=2))``.

Where minigan's set-up still differs from the paper's, the recipe's ``differs`` says how;
docs/mode-collapse.md gives the sources and the runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipe:
    name: str
    source: str                                   # the paper, and where its set-up was read
    settings: dict = field(default_factory=dict)  # TrainConfig fields
    differs: str = ""                             # what minigan does not reproduce, in words
    datasets: tuple = ("ring", "grid")            # the data its networks are for
    per_dataset: dict = field(default_factory=dict)   # {dataset: settings} on top, for that set only


RECIPES = {r.name: r for r in [
    Recipe("pacgan",
           "Lin et al. 2018 (PacGAN), Table 1; the authors' synthetic_data_experiments code",
           dict(model="toy-pacgan", dataset="grid", loss="nonsaturating", updates="simultaneous", optimizer="adam",
                lr_g=1e-4, lr_d=1e-4, beta1=0.8, beta2=0.999, batch_size=100, toy_samples=100_000, epochs=400),
           differs="the ring is minigan's (radius 2, std 0.02: the paper's radius 1, std 0.01 scaled by 2); "
                   "BatchNorm's epsilon is 1e-5 (Blocks': 1e-4)"),
    Recipe("unrolled",
           "Metz et al. 2017 (Unrolled GAN), the 2-D experiment (appendix A); orthogonal gain 1.4 from the "
           "authors' notebook",
           dict(model="toy-unrolled", dataset="ring", loss="minimax", optimizer="adam", lr_g=1e-4, lr_d=1e-4,
                beta1=0.5, beta2=0.999, batch_size=512, toy_samples=51_200, epochs=250),
           differs="the look-ahead steps are plain gradient descent at --unroll-lr (the paper unrolls D's own "
                   "Adam steps); 25,000 steps of batch 512 over a fixed set of 51,200 points (the paper draws "
                   "fresh points)"),
    Recipe("wgan-gp-toy",
           "Gulrajani et al. 2017 (WGAN-GP), the toy experiment; the authors' gan_toy.py",
           dict(model="toy-wgan-gp", dataset="grid", loss="wgan-gp", optimizer="adam", lr_g=1e-4, lr_d=1e-4,
                beta1=0.5, beta2=0.9, n_critic=5, gp_weight=0.1, batch_size=256, toy_samples=256_000, epochs=500),
           per_dataset={"grid": {"toy_scale": 2.828}, "ring": {"toy_scale": 1.414}},
           differs="500 epochs of a fixed set of 256,000 points, 500,000 critic steps = 100,000 generator "
                   "iterations (the paper draws fresh points every batch); Glorot-uniform weights, which is "
                   "what gan_toy.py's default initialization draws"),
]}


def settings(name: str, given: dict | None = None) -> dict:
    """The recipe's settings with ``given`` (the flags typed beside it) on top, and its name."""
    if name == "none":
        return dict(given or {})
    if name not in RECIPES:
        raise ValueError(f"minigan train: --recipe must be one of {', '.join(RECIPES)}, got {name!r}")
    recipe = RECIPES[name]
    dataset = (given or {}).get("dataset", recipe.settings["dataset"])
    merged = {**recipe.settings, **recipe.per_dataset.get(dataset, {}), **(given or {}), "recipe": name}
    if merged["dataset"] not in recipe.datasets:
        raise ValueError(f"minigan train: --recipe {name} trains on {' or '.join(recipe.datasets)} (its paper's "
                         f"toy experiment), got --dataset {merged['dataset']}")
    return merged
