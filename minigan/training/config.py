"""``TrainConfig``: everything that defines a run, saved as config.json in the run folder.

Its fields, their defaults and their checks are the table of options (minigan/training/options.py);
this file adds what the table cannot say: the presets a loss brings (its paper's recipe), and the
one default that depends on other fields (``mismatch``).
"""
from __future__ import annotations

import dataclasses

from minigan.data import DATASETS, IMAGE_DATASETS, TOY_DATASETS

from . import options
from .checkpoint import CheckpointError

# Settings a field left at None takes: the loss's own preset first (its paper's recipe), then these.
DEFAULT_SETTINGS = {"optimizer": "adam", "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "n_critic": 1}
LOSS_PRESETS = {
    # Arjovsky et al. 2017, Algorithm 1: RMSProp, α = 5e-5, n_critic = 5 (and clipping c = 0.01).
    "wgan": {"optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "n_critic": 5},
    # Gulrajani et al. 2017, Algorithm 1: λ = 10, n_critic = 5, Adam α = 1e-4, β = (0, 0.9); no
    # dropout or batch normalization in the critic.
    "wgan-gp": {"optimizer": "adam", "lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5,
                "gp_weight": 10.0, "dropout": 0.0},
}


def _post_init(self):
    """Fill the fields left at None: the loss's preset, then ``DEFAULT_SETTINGS``; then ``mismatch``."""
    if isinstance(self.loss, str):
        for key, value in {**DEFAULT_SETTINGS, **LOSS_PRESETS.get(self.loss, {})}.items():
            if getattr(self, key) is None:
                setattr(self, key, value)
    if self.mismatch is None:          # on for the cGAN, when there is a wrong label to give
        several = not isinstance(self.classes, (list, tuple)) or len(set(self.classes)) >= 2
        self.mismatch = 1.0 if self.conditional and several else 0.0


def validate(self, unused_too: bool = True):
    """Check every option against the table, then every compatibility rule; raise the first problem
    (``minigan train: --beta1 must be in [0, 1), got 1.5``). Returns the config.

    ``unused_too=False`` leaves out the rule for options set where the run does not use them: that
    rule answers what a user asks for now, so a new run applies it, while a run that already trained
    (resumed, sampled) keeps the settings it started with; an unused one changed nothing then either."""
    found = options.problems(self, unused_too)
    if found:
        raise ValueError(f"minigan train: {found[0]}")
    return self


__all__ = ["DATASETS", "DEFAULT_SETTINGS", "IMAGE_DATASETS", "LOSS_PRESETS", "TOY_DATASETS", "TrainConfig",
           "from_checkpoint_record"]

TrainConfig = dataclasses.make_dataclass(
    "TrainConfig",
    [(o.name, list if o.many else o.kind, dataclasses.field(default=o.default)) for o in options.OPTIONS],
    namespace={"__post_init__": _post_init, "validate": validate, "__module__": __name__,
               "__doc__": """Everything that defines a run; saved as config.json in the run folder.

    One field per row of the table of options (minigan/training/options.py, docs/options.md), with
    that row's default. Fields left at None take the loss's preset (``LOSS_PRESETS``), then
    ``DEFAULT_SETTINGS``: so ``TrainConfig(loss="wgan")`` trains with RMSProp 5e-5 and n_critic 5,
    and any field given explicitly overrides the preset. ``validate()`` checks the table's types and
    ranges, then the compatibility rules."""})


# The settings that shape the networks: a checkpoint's record without them cannot rebuild them.
SHAPING = ("model", "dataset", "width")


def from_checkpoint_record(record, path: str) -> TrainConfig:
    """The TrainConfig a checkpoint's metadata records, checked like any other; a damaged record (not a
    dict, a shaping setting missing, a value out of range) is a CheckpointError naming the file."""
    if not isinstance(record, dict):
        raise CheckpointError(f"minigan: the checkpoint {path!r} is damaged: its configuration is a "
                              f"{type(record).__name__}, not the settings")
    missing = [k for k in SHAPING if k not in record]
    if missing:
        raise CheckpointError(f"minigan: the checkpoint {path!r} is damaged: its configuration lacks {missing}")
    try:
        return TrainConfig(**{k: v for k, v in record.items() if k in options.BY_NAME}).validate(unused_too=False)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"minigan: the checkpoint {path!r} is damaged: its configuration does not hold: "
                              f"{str(exc).replace('minigan train: ', '')}") from None
