"""Weight averaging of the generator (Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training").

A GAN's generator keeps circling around a good solution instead of settling on it, so its weights
at any one step are a noisy sample. An exponential moving average of them,

    θ_ema ← β·θ_ema + (1 − β)·θ          after every generator update, β = --ema (e.g. 0.999)

averages the circling out, at no cost to training (the average is never trained, only read). The
BatchNorm running statistics are averaged the same way, so the averaged network is self-consistent.
With β = 0.999 the average spans about 1/(1 − β) = 1,000 generator steps.

**The warm-up.** The average starts as a copy of G's *initial* weights, and with a constant β = 0.999
those still weigh 0.999^500 ≈ 61% after 500 steps: a short run would sample the untrained network.
So the decay of update t (t = 1, 2, …) is

    β_t = min(β, (1 + t) / (10 + t))

(TensorFlow's ExponentialMovingAverage with ``num_updates``): 0.18 at the first update, 0.9 by
t = 80, 0.999 from t ≈ 9,000 on. Early on the average follows G closely; later it averages over
1/(1 − β) steps as asked.

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

    def decay_at(self, t: int) -> float:
        """β_t = min(β, (1 + t)/(10 + t)): the warm-up of the module docstring."""
        return min(self.decay, (1 + t) / (10 + t))

    def update(self, source, t: int | None = None):
        """Move the average one step towards ``source`` (in place). ``t``: the number of this update
        (1 for the first), which sets the warm-up's decay; None: the constant β, no warm-up."""
        decay = self.decay if t is None else self.decay_at(t)
        arrays = [(a.data, s.data) for a, s in zip(self.average.parameters(), source.parameters())]
        arrays += [(a, s) for (_, a), (_, s) in zip(self.average.named_buffers(), source.named_buffers())]
        for avg, src in arrays:                      # parameters, then buffers (BatchNorm's running statistics)
            avg *= decay
            avg += (1 - decay) * src
