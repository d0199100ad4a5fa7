"""Feature matching (Salimans et al. 2016, section 3.1): the generator matches D's features, not D's verdict.

Instead of maximizing D's output on its samples, G minimizes the distance between the mean of an
intermediate layer of D on real data and on its samples:

    L_G = ‖ mean_n f(x_n) − mean_n f(G(z)_n) ‖²,    f = D's layers up to the last one (its features)

    ∂L_G/∂f(G(z)_n) = −2 (mean f(x) − mean f(G(z))) / N      (the same vector for every fake sample)

D still trains as usual; only G's objective changes, so G cannot overtrain on the current D's
verdict. f is ``D.up_to(k)``, a view of D's first k layers (minigan/nn/sequential.py), so nothing
special is needed to run D part way or to backpropagate from there.
"""
from __future__ import annotations

from minigan.backend import get_array_module


class FeatureMatching:
    """L_G = ‖mean f(real) − mean f(fake)‖², f = D.up_to(layer) (default: all but D's last layer)."""

    def __init__(self, layer: int | None = None):
        self.layer = layer

    def features_of(self, D):
        return D.up_to(self.layer if self.layer is not None else len(D) - 1)

    def __call__(self, D, real, fake, check=lambda out: out, auxiliary=None):
        if auxiliary is not None:
            raise ValueError(f"{type(self).__name__}: not written for a discriminator with extra heads (AC-GAN, InfoGAN)")
        f = self.features_of(D)
        target = f.predict(real).mean(axis=0)               # (K,): the real features' mean, a constant here
        feats = check(f.forward(fake))                      # (N, K)
        n = feats.shape[0]
        gap = target - feats.mean(axis=0)                   # (K,)
        value = float((gap * gap).sum())
        d_feats = get_array_module(feats).broadcast_to(-2 * gap / n, feats.shape).copy()   # (N, K)
        with D.frozen():
            return value, f.backward(d_feats)
