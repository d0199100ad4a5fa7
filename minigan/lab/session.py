"""One toy GAN in the lab: trained on a thread of its own, and looked at through the engine.

Everything the page shows is computed here by minigan's own layers and losses, under one lock, so
a view never sees half a step:

* ``real``, ``fake``: 480 training points and G's outputs for 480 fixed noise vectors;
* ``heat``: D's output on a 48 × 48 grid over the plane, σ(D) for the losses whose D is a
  classifier, the raw critic value for the others (LSGAN, hinge, WGAN-GP);
* ``arrows``: −∂L_G/∂x at each fake point, from the generator objective's own backward through a
  frozen D (the direction in which the generator step pushes that sample);
* ``manifold``: G applied to a grid of noise cells (z is 2-D in the toy model), the plane of z
  as G warps it;
* ``history``: D's and G's losses, D(x), D(G(z)) and every layer's gradient norm at every step;
  ``metrics``: modes captured, % high quality and reverse KL every ``METRICS_EVERY`` steps.

The run is a ``minigan train`` run: the same TrainConfig, the same Trainer, the same batches in the
same order (``Trainer.epoch_batches``). ``save`` writes it as a run folder that ``minigan train
--resume``, ``sample`` and ``eval`` take, and ``open`` loads one (minigan/lab/runs.py).

``slow_step`` runs one ordinary ``Trainer.train_step`` and records it in its ten sub-steps (draw z,
G forward, D on real and fake, L_D, D backward, D update, D on G(z) again, L_G, backward into G, G
update), each with its equation, its live numbers and the points and heatmap as they were then: the
page walks through them in order.
"""
from __future__ import annotations

import dataclasses
import threading
import time

import numpy

from minigan.backend import to_numpy
from minigan.data import TOY_DATASETS
from minigan.evaluation.evaluate import evaluate_points
from minigan.gan.objectives import AdversarialObjective
from minigan.training import TrainConfig, Trainer

from . import substeps
from .looking import looking_at, plain

LOSSES = ("nonsaturating", "minimax", "lsgan", "hinge", "wgan-gp")
DATASETS = ("ring", "grid", "line", "moons", "drawn")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
VIEW_POINTS = 480                  # divisible by every pack size up to 6 (a packed D reads m points)
GRID = 48                          # heatmap cells per side
MANIFOLD = 15                      # noise-grid lines per side: z in [-2, 2]²
EXTENT = 3.0                       # the plane shown: [-EXTENT, EXTENT]²; the ring has radius 2, drawn points fit
GRID_EXTENT = 5.0                  # the grid's modes reach ±4
HISTORY = 2000                     # steps kept for the curves
METRICS_EVERY = 100                # steps between two scorings of 2,500 samples (ring and grid only)
POINTS = 20_000                    # training points of a data set (one epoch)
MAX_DRAWN = 400                    # points a learner may draw
DRAWN_STD = 0.05                   # each drawn point becomes a small Gaussian blob

# What the page may set: TrainConfig fields (TrainConfig validates every value and names the flag),
# and ``data``/``units``, which the session turns into fields. None: the loss's own preset.
DEFAULTS = {"loss": "nonsaturating", "data": "ring", "hidden_layers": 2, "units": 128, "optimizer": None,
            "lr_g": None, "lr_d": None, "n_critic": None, "batch_size": 128, "r1": 0.0, "spectral_norm": False,
            "unroll": 0, "pack": 1, "ema": 0.0, "seed": 0}
# Changed on the running run, between two steps; every other setting starts a new run at step 0.
LIVE = ("lr_g", "lr_d", "n_critic")
# A new loss brings its paper's optimizer settings (WGAN-GP: Adam 1e-4, betas (0, 0.9), n_critic 5).
PRESET_BY_LOSS = ("optimizer", "lr_g", "lr_d", "n_critic")


def line_points(n: int, rng) -> numpy.ndarray:
    """A line segment from (−2, −1) to (2, 1), blurred by N(0, 0.05²): (n, 2)."""
    t = rng.uniform(-2, 2, n)
    return numpy.stack([t, t / 2], axis=1) + rng.normal(0, 0.05, (n, 2))


def moons_points(n: int, rng) -> numpy.ndarray:
    """Two interleaved half circles of radius 1.5 (the "two moons"), blurred by N(0, 0.05²): (n, 2)."""
    t = rng.uniform(0, numpy.pi, n)
    upper = rng.random(n) < 0.5
    x = numpy.where(upper, numpy.cos(t), 1 - numpy.cos(t)) - 0.5
    y = numpy.where(upper, numpy.sin(t), 0.5 - numpy.sin(t)) - 0.25
    return 1.5 * numpy.stack([x, y], axis=1) + rng.normal(0, 0.05, (n, 2))


def drawn_points(drawn, n: int, rng) -> numpy.ndarray:
    """``n`` points around the learner's own (each a Gaussian blob of std DRAWN_STD): (n, 2)."""
    drawn = numpy.asarray(drawn, dtype=numpy.float64)
    return drawn[rng.integers(0, len(drawn), n)] + rng.normal(0, DRAWN_STD, (n, 2))


def check_drawn(points) -> list:
    """The drawn points as [[x, y], ...], or ValueError saying what is wrong with them."""
    if not isinstance(points, list) or not 1 <= len(points) <= MAX_DRAWN:
        got = f"{len(points)} points" if isinstance(points, list) else repr(type(points).__name__)
        raise ValueError(f"minigan lab: drawn data must be a list of 1 to {MAX_DRAWN} points [x, y], got {got}")
    for p in points:
        if (not isinstance(p, list) or len(p) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                          for v in p)
                or not all(abs(v) <= EXTENT for v in p)):
            raise ValueError(f"minigan lab: each drawn point must be [x, y] with |x|, |y| <= {EXTENT:g}, got {p!r}")
    return [[float(x), float(y)] for x, y in points]


def config_for(settings: dict) -> TrainConfig:
    """The run's TrainConfig: a toy run of ``minigan train`` (``data`` line, moons and drawn train on
    points the session makes, under the name ring; the run folder then cannot be saved)."""
    s = dict(settings)
    data, units = s.pop("data"), s.pop("units")
    s.pop("drawn", None)
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= 1024:
        raise ValueError(f"minigan lab: units must be an integer from 1 to 1024, got {units!r}")
    if s["hidden_layers"] == 2:
        s["hidden_layers"] = None              # the toy model's own depth: config.json stays a plain toy run's
    return TrainConfig(model="toy", dataset=data if data in TOY_DATASETS else "ring", width=units / 128,
                       toy_samples=POINTS, epochs=10_000, out="", **s).validate()


class LabSession:
    """The run the page drives."""

    def __init__(self, **settings):
        self.lock = threading.Lock()
        self.playing = threading.Event()
        self.stopped = threading.Event()
        self.steps_per_second = 0.0
        self.error = None                  # why training stopped (a diverged run), shown on the page
        self.views_waiting = 0             # views waiting for the lock: playing lets them in first
        self.waiting_lock = threading.Lock()   # two views at once (two tabs) must not lose a count
        self.settings = dict(DEFAULTS)
        self.reset(**settings)
        self.thread = threading.Thread(target=self._run, name="minigan-lab-training", daemon=True)
        self.thread.start()

    # ---- the run ---------------------------------------------------------------------------------
    def reset(self, **changes):
        """A new run with these settings changed (the others kept): new networks, step 0."""
        with self.lock:
            unknown = sorted(set(changes) - set(DEFAULTS) - {"drawn"})
            if unknown:
                raise ValueError(f"minigan lab: no setting {', '.join(map(repr, unknown))}; the settings are "
                                 f"{', '.join(DEFAULTS)}")
            settings = {**self.settings, **changes}
            if "loss" in changes and changes["loss"] != self.settings["loss"]:
                settings.update({k: changes.get(k) for k in PRESET_BY_LOSS})
            if settings["loss"] not in LOSSES:
                raise ValueError(f"minigan lab: loss must be one of {', '.join(LOSSES)}, got {settings['loss']!r}")
            if settings["data"] not in DATASETS:
                raise ValueError(f"minigan lab: data must be one of {', '.join(DATASETS)}, got {settings['data']!r}")
            if settings["data"] == "drawn":
                settings["drawn"] = check_drawn(changes.get("drawn", settings.get("drawn")))
            else:
                settings.pop("drawn", None)
            config = config_for(settings)
            self._start(Trainer(config, self._points(settings)), settings)

    def _points(self, settings):
        """The training points for ``data`` (None: the toy set minigan itself loads)."""
        rng = numpy.random.default_rng(settings["seed"] + 200)
        make = {"line": lambda: line_points(POINTS, rng), "moons": lambda: moons_points(POINTS, rng),
                "drawn": lambda: drawn_points(settings.get("drawn"), POINTS, rng)}.get(settings["data"])
        return None if make is None else make().astype(numpy.float32)

    def _start(self, trainer: Trainer, settings: dict):
        """Look at ``trainer`` from now on (its step may be > 0: an opened run)."""
        self.settings, self.trainer, self.error = settings, trainer, None
        rng = numpy.random.default_rng(settings["seed"] + 100)
        self.real_view = trainer.real[rng.choice(len(trainer.real), VIEW_POINTS, replace=False)]
        self.noise_view = rng.standard_normal((VIEW_POINTS, trainer.noise_dim)).astype(numpy.float32)
        self.metric_noise = rng.standard_normal((2500, trainer.noise_dim)).astype(numpy.float32)
        self.extent = GRID_EXTENT if settings["data"] == "grid" else EXTENT
        ticks = numpy.linspace(-self.extent, self.extent, GRID, dtype=numpy.float32)
        gx, gy = numpy.meshgrid(ticks, ticks)
        self.plane = numpy.stack([gx.ravel(), gy.ravel()], axis=1)          # (GRID², 2), row by row
        z = numpy.linspace(-2, 2, MANIFOLD, dtype=numpy.float32)
        zx, zy = numpy.meshgrid(z, z)
        self.noise_grid = numpy.stack([zx.ravel(), zy.ravel()], axis=1)     # (MANIFOLD², 2)
        self.batches = trainer.epoch_batches()
        self.history, self.metrics = [], []
        self.run_id = getattr(self, "run_id", 0) + 1      # a new run: the page fetches its real points again
        self.partial_steps = 0             # D-only and G-only steps: the run then differs from `minigan train`'s
        self._score()

    def set_live(self, **changes):
        """Change learning rates or n_critic on the running run (config.json records the last values)."""
        with self.lock:
            wrong = sorted(set(changes) - set(LIVE))
            if wrong:
                raise ValueError(f"minigan lab: only {', '.join(LIVE)} change while training runs, not "
                                 f"{', '.join(wrong)}")
            t = self.trainer
            config = dataclasses.replace(t.config, **changes).validate()
            t.config = config
            t.opt_g.lr, t.opt_d.lr = config.lr_g, config.lr_d
            self.settings.update(changes)

    def _next_batch(self):
        """The next real batch, in `minigan train`'s order: epoch by epoch, as Trainer.epoch_batches deals them."""
        t = self.trainer
        for _ in range(2):
            for real, _labels in self.batches:
                t.position += 1
                return real
            t.end_epoch()
            self.batches = t.epoch_batches()
        raise RuntimeError("minigan lab: the data set has no whole batch")   # batch_size <= len(real) is checked

    def step(self, n: int = 1, part: str = "both"):
        """``n`` training steps: ``both`` (Trainer.train_step: a D update, and a G update every n_critic
        steps), or the D step alone, or the G step alone (those leave the step count where it is)."""
        if part not in ("both", "d", "g"):
            raise ValueError(f"minigan lab: part must be both, d or g, got {part!r}")
        for _ in range(n):
            with self.lock:
                t = self.trainer
                real, noise = self._next_batch(), t.next_noise(t.config.batch_size)
                if part == "both":
                    self._logged(t.train_step(real, noise))
                else:
                    self.partial_steps += 1
                    substeps.one_network_step(t, part, real, noise)

    def _logged(self, row: dict):
        """Keep a step's log row (as log.jsonl holds it) for the curves and a saved run; score now and then."""
        self.history.append(row)
        del self.history[:-HISTORY]
        if row["step"] % METRICS_EVERY == 0:
            self._score()

    def log_rows(self) -> list:
        """The log rows kept (the last HISTORY steps), as ``minigan train`` writes them to log.jsonl."""
        return list(self.history)

    def _score(self):
        """Modes captured, % high quality and reverse KL of 2,500 samples (ring and grid only)."""
        t = self.trainer
        if self.settings["data"] not in TOY_DATASETS:
            return
        with looking_at(t.sampling_generator):
            points = to_numpy(t.sampling_generator.predict(self.metric_noise)).astype(numpy.float64)
        if not numpy.isfinite(points).all():
            return
        scores = evaluate_points(points, self.settings["data"], t.config.toy_scale)
        kl = scores["reverse_kl"]               # infinite while no sample is near any mode: JSON has no ∞, so None
        self.metrics.append({"step": t.step, "modes_captured": scores["modes_captured"], "n_modes": scores["n_modes"],
                             "high_quality_percent": scores["high_quality_percent"],
                             "reverse_kl": kl if numpy.isfinite(kl) else None})

    def slow_step(self) -> list:
        """One training step, recorded in its ten sub-steps for the page to walk through."""
        with self.lock:
            t = self.trainer
            real, noise = self._next_batch(), t.next_noise(t.config.batch_size)
            frames, row = substeps.record(self, real, noise)
            self._logged(row)
            return frames

    def _run(self):
        done, started = 0, time.perf_counter()
        while not self.stopped.is_set():
            if not self.playing.wait(timeout=0.2):
                done, started = 0, time.perf_counter()
                continue
            if not self.play_step():
                continue
            while self.views_waiting:                      # a view is waiting: let it take the lock first,
                time.sleep(0.0005)                         # or the loop would retake it at once, every time
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
    def heat(self) -> numpy.ndarray:
        """D's output over the plane, (GRID, GRID): σ(D) for a classifier D, the critic's value otherwise.
        A packed D (PacGAN) judges packs: each cell is a pack of m copies of its point."""
        t = self.trainer
        with looking_at(t.D):
            out = to_numpy(t.D.predict(numpy.repeat(self.plane, t.config.pack, axis=0))).astype(numpy.float64)
        out = out.reshape(GRID, GRID)
        return 1 / (1 + numpy.exp(-out)) if t.loss.probabilities else out

    def arrows(self, fake) -> numpy.ndarray:
        """−∂L_G/∂x × N at the points ``fake`` (N, 2): the adversarial generator objective's own forward and
        backward through a frozen D (× N: L_G is a mean over the samples)."""
        t = self.trainer
        with looking_at(t.D):
            _, d_fake = AdversarialObjective(t.loss)(t.D, None, fake)
        return -to_numpy(d_fake) * len(fake)

    def view(self, have_run: int | None = None) -> dict:
        """Everything the page draws, as plain lists (JSON). ``have_run``: the run whose real points the
        page holds already (they stay the same for a run: they are then left out)."""
        with self.waiting_lock:
            self.views_waiting += 1
        with self.lock:
            with self.waiting_lock:
                self.views_waiting -= 1
            t = self.trainer
            G = t.sampling_generator
            with looking_at(G):
                fake = to_numpy(G.predict(self.noise_view))                     # (480, 2)
                manifold = to_numpy(G.predict(self.noise_grid)).reshape(MANIFOLD, MANIFOLD, 2)
            arrows = self.arrows(fake)
            resolved = {k: getattr(t.config, k) for k in ("optimizer", "lr_g", "lr_d", "n_critic")}
            return {"step": t.step, "settings": {**self.settings, **resolved}, "playing": self.playing.is_set(),
                    "error": self.error, "steps_per_second": round(self.steps_per_second, 1),
                    "run": self.run_id, "real": None if have_run == self.run_id else plain(self.real_view),
                    "fake": plain(fake), "arrows": plain(arrows, 5),
                    "heat": plain(self.heat(), 3), "heat_kind": "D(x)" if t.loss.probabilities else "critic",
                    "manifold": plain(manifold), "extent": self.extent,
                    "curves": curves(self.history), "metrics": self.metrics[-200:],
                    "partial_steps": self.partial_steps, "savable": self.settings["data"] in TOY_DATASETS,
                    "equations": substeps.equations(t.loss.name),
                    "choices": {"loss": LOSSES, "data": DATASETS, "optimizer": OPTIMIZERS}}


def curves(rows: list) -> dict:
    """The log rows as columns for the curves: the last 600, every other one from the newest back when
    there are more than 300 (the page draws 300 points), and each layer's gradient norm (None where a
    row has none: G's layers on a D-only step)."""
    rows = rows[-600:]
    if len(rows) > 300:
        rows = rows[(len(rows) - 1) % 2::2]                  # the newest row always among them
    layers = list(dict.fromkeys(name for r in rows for name in r["grad_norms"]))
    return {**{k: [r[k] for r in rows] for k in ("step", "d_loss", "g_loss", "d_real", "d_fake")},
            "grad_norms": {name: [r["grad_norms"].get(name) for r in rows] for name in layers}}
