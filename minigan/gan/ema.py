"""Weight averaging of the generator (Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training").

A GAN's generator keeps circling around a good solution instead of settling on it, so its weights
at any one step are a noisy sample. An exponential moving average of them,

    θ_ema ← β·θ_ema + (1 − β)·θ          after every generator update, β = --ema (e.g. 0.999)

averages the circling out, at no cost to training (the average is never trained, only read). The
BatchNorm running statistics are averaged the same way, so the averaged network is self-consistent.
With β = 0.999 the average spans about 1/(1 − β) = 1,000 generator steps.

The trainer keeps the average in a second copy of G (``Trainer.G_ema``), saves it in checkpoints
(``G_ema/...``), and ``minigan sample``, ``minigan eval`` and the pictures use it unless told to use
the raw weights (``--raw-weights``). Tests: tests/test_train.py (the update by hand, exact resume,
sampling from either).
"""
from __future__ import annotations


class WeightAverage:
    """θ_ema ← β·θ_ema + (1 − β)·θ over the parameters and buffers of two networks of one shape."""

    def __init__(self, average, decay: float):
        if not 0 < decay < 1:
            raise ValueError(f"WeightAverage: expected 0 < decay < 1, got {decay!r}")
        self.average, self.decay = average, float(decay)

    def update(self, source):
        """Move the average one step towards ``source`` (in place)."""
        arrays = [(a.data, s.data) for a, s in zip(self.average.parameters(), source.parameters())]
        arrays += [(a, s) for (_, a), (_, s) in zip(self.average.named_buffers(), source.named_buffers())]
        for avg, src in arrays:                      # parameters, then buffers (BatchNorm's running statistics)
            avg *= self.decay
            avg += (1 - self.decay) * src
