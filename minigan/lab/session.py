"""One toy GAN in the lab: trained on a thread of its own, and looked at through the engine.

Everything the page shows is computed here by minigan's own layers and losses, under one lock, so
a view never sees half a step:

* ``real``, ``fake``: 400 training points and G's outputs for 400 fixed noise vectors;
* ``heat``: D's output on a 48 × 48 grid over the plane, σ(D) for the losses whose D is a
  classifier, the raw critic value for WGAN-GP;
* ``arrows``: −∂L_G/∂x at each fake point, from the generator objective's own backward through a
  frozen D (the direction in which the generator step pushes that sample);
* ``history``: D's and G's losses, D(x) and D(G(z)) at every step.
"""
from __future__ import annotations

import threading
import time

import numpy

from minigan.backend import to_numpy
from minigan.gan.discriminator_pass import split_heads
from minigan.training import TrainConfig, Trainer

LOSSES = ("nonsaturating", "minimax", "lsgan", "hinge", "wgan-gp")
DATASETS = ("ring", "grid")
VIEW_POINTS = 400
GRID = 48                          # heatmap cells per side
EXTENT = 3.0                       # the plane shown: [-EXTENT, EXTENT]²; the ring has radius 2
HISTORY = 2000                     # steps kept for the curves


class LabSession:
    """The run the page drives: ``settings`` are TrainConfig fields of a toy run."""

    def __init__(self, loss: str = "nonsaturating", dataset: str = "ring", seed: int = 0):
        self.lock = threading.Lock()
        self.playing = threading.Event()
        self.stopped = threading.Event()
        self.steps_per_second = 0.0
        self.error = None                  # why training stopped (a diverged run), shown on the page
        self.reset(loss=loss, dataset=dataset, seed=seed)
        self.thread = threading.Thread(target=self._run, name="minigan-lab-training", daemon=True)
        self.thread.start()

    # ---- the run ---------------------------------------------------------------------------------
    def reset(self, loss: str | None = None, dataset: str | None = None, seed: int | None = None):
        """A new run with these settings (the others kept): new networks, step 0."""
        with self.lock:
            old = getattr(self, "settings", {"loss": "nonsaturating", "dataset": "ring", "seed": 0})
            settings = {**old, **{k: v for k, v in (("loss", loss), ("dataset", dataset), ("seed", seed))
                                  if v is not None}}
            if settings["loss"] not in LOSSES:
                raise ValueError(f"minigan lab: loss must be one of {', '.join(LOSSES)}, got {settings['loss']!r}")
            if settings["dataset"] not in DATASETS:
                raise ValueError(f"minigan lab: dataset must be one of {', '.join(DATASETS)}, got "
                                 f"{settings['dataset']!r}")
            config = TrainConfig(model="toy", batch_size=128, toy_samples=20_000, out="", **settings)
            self.settings, self.trainer, self.error = settings, Trainer(config), None
            rng = numpy.random.default_rng(settings["seed"] + 100)
            self.batch_rng = numpy.random.default_rng(settings["seed"] + 101)
            self.real_view = self.trainer.real[rng.choice(len(self.trainer.real), VIEW_POINTS, replace=False)]
            self.noise_view = rng.standard_normal((VIEW_POINTS, self.trainer.noise_dim)).astype(numpy.float32)
            ticks = numpy.linspace(-EXTENT, EXTENT, GRID, dtype=numpy.float32)
            gx, gy = numpy.meshgrid(ticks, ticks)
            self.plane = numpy.stack([gx.ravel(), gy.ravel()], axis=1)          # (GRID², 2), row by row
            self.history = []

    def step(self, n: int = 1):
        """``n`` training steps (each a D update, and a G update every n_critic steps)."""
        for _ in range(n):
            with self.lock:
                t = self.trainer
                real = t.real[self.batch_rng.integers(0, len(t.real), t.config.batch_size)]
                row = t.train_step(real, t.next_noise(t.config.batch_size))
                self.history.append({k: row[k] for k in ("step", "d_loss", "g_loss", "d_real", "d_fake")})
                del self.history[:-HISTORY]

    def _run(self):
        done, started = 0, time.perf_counter()
        while not self.stopped.is_set():
            if not self.playing.wait(timeout=0.2):
                done, started = 0, time.perf_counter()
                continue
            if not self.play_step():
                continue
            done += 1
            elapsed = time.perf_counter() - started
            if elapsed > 1.0:                              # steps per second over the last second or so
                self.steps_per_second, done, started = done / elapsed, 0, time.perf_counter()

    def play_step(self) -> bool:
        """One step while playing; a run that diverges (DivergenceError) pauses and keeps the reason."""
        try:
            self.step()
            return True
        except (ValueError, RuntimeError) as error:
            self.error = str(error)
            self.playing.clear()
            return False

    def close(self):
        self.stopped.set()
        self.playing.clear()
        self.thread.join(timeout=5)

    # ---- the views -------------------------------------------------------------------------------
    def view(self) -> dict:
        """Everything the page draws, as plain lists (JSON)."""
        with self.lock:
            t = self.trainer
            fake = to_numpy(t.G.predict(self.noise_view))                       # (400, 2)
            out, _ = split_heads(t.D.forward(fake))
            g_loss, d_out = t.loss.generator(out)                               # L_G and ∂L_G/∂D(G(z))
            with t.D.frozen():                                                  # the G step's backward, D untouched
                d_fake = to_numpy(t.D.backward(d_out))
            heat = to_numpy(t.D.predict(self.plane)).reshape(GRID, GRID).astype(numpy.float64)
            if t.loss.probabilities:
                heat = 1 / (1 + numpy.exp(-heat))
            def plain(a, digits=4):                                             # float32 → short JSON numbers
                return numpy.round(numpy.asarray(a, dtype=numpy.float64), digits).tolist()
            return {"step": t.step, "settings": self.settings, "playing": self.playing.is_set(), "error": self.error,
                    "steps_per_second": round(self.steps_per_second, 1),
                    "real": plain(self.real_view), "fake": plain(fake),
                    "arrows": plain(-d_fake * len(fake), 5),                    # −∂L_G/∂x per sample (× N: L_G is a mean)
                    "heat": plain(heat), "heat_kind": "D(x)" if t.loss.probabilities else "critic",
                    "extent": EXTENT, "g_loss": float(g_loss), "history": self.history[-600:]}
