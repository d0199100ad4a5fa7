"""The adversarial trainer behind ``minigan train``: Algorithm 1 of Goodfellow et al. (2014).

One *step* takes one real batch and does one discriminator update; every ``n_critic``-th step also
does one generator update (WGAN uses n_critic = 5). ``Trainer.train_step`` is the algorithm, and its
two halves are ``discriminator_step`` and ``generator_step``:

    fake = G(z, codes)                 codes: a label y (cGAN, AC-GAN), InfoGAN's (c, c′), or none
    D step:  L_D(D(x), D(G(z)))        backward into D only (G's cache waits for the G step)
             + L_aux                   on D's extra heads (AC-GAN's classes, InfoGAN's Q)
             + each D term             each adds its gradient into D: the penalties WGAN-GP and R1
                                       (minigan/gan/lipschitz.py); the cGAN's mismatched pairs
                                       (minigan/conditional/mismatch.py)
             optimizer step, then each constraint (WGAN: weight clipping)
    G step:  L_G(D(G(z))) (+ L_aux)    backward through a frozen D into G; optimizer step; the average

D's optimizer step lands at once (alternating updates, Algorithm 1) or after G's gradient
(simultaneous updates): the run's update schedule decides (minigan/gan/updates.py).

What G and D read (z or (z, y); x or (x, y)) and the auxiliary loss come from the run's conditioning
piece (minigan/conditional/), and the generator's objective (adversarial, feature matching,
unrolled) from minigan/gan/objectives.py, so the step reads the same for every variant.

The guards, the gradient norms and the log row are minigan/training/watch.py; the loop, the run
folder and the checkpoints' files are minigan/training/run.py.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy

from minigan import conditional, losses, models, optim
from minigan.backend import RNG, get_array_module, manual_seed, set_device, to_device
from minigan.data import batches
from minigan.data import mnist as mnist_data
from minigan.data import toy as toy_data
from minigan.evaluation.classifier import load_classifier
from minigan.gan import lipschitz, updates
from minigan.gan.discriminator_pass import discriminator_pass
from minigan.gan.ema import WeightAverage
from minigan.gan.objectives import generator_objective
from minigan.gan.unrolled import check_unrollable
from minigan.nn import Dropout

from . import checkpoint, options
from .config import IMAGE_DATASETS, TrainConfig
from .sample import grid_codes
from .watch import check_real_batch, checked_gradients, diverged, first_non_finite_layer, layer_groups, log_row

# The run's random streams, each seeded with --seed plus its own offset: no two streams share a
# seed (so one stream's draws never shift another's), and the same --seed gives the same run.
SEED_OFFSETS = {"toy_data": 1, "penalty": 2, "noise": 3, "pictures": 4, "codes": 5, "mismatched_labels": 6}


def load_real_data(config: TrainConfig):
    """The training set as float32, images (N, 1, 28, 28) in [-1, 1] or toy points (N, 2), and its
    labels (N,) int64 (None for the toy sets)."""
    labels = None
    if config.dataset in IMAGE_DATASETS:
        dataset = mnist_data.load(config.dataset, "train", path=config.data_path, classes=config.classes)
        data, labels = dataset.images, dataset.labels
    else:
        sampler = toy_data.ring if config.dataset == "ring" else toy_data.grid
        points = sampler(config.toy_samples, numpy.random.default_rng(config.seed + SEED_OFFSETS["toy_data"]))
        data = (points / config.toy_scale).astype(numpy.float32)     # --toy-scale: the set shrunk, modes and spread
    return data, labels


def _checked_real_data(config: TrainConfig, data):
    """Training data given from Python must look like what load_real_data gives: float (N, 1, 28, 28) images
    in [-1, 1] or (N, 2) points. (uint8 images would train on 0..255, silently.)"""
    shape = (2,) if config.dataset not in IMAGE_DATASETS else (1, 28, 28)
    if not isinstance(data, numpy.ndarray) or data.dtype.kind != "f" or data.shape[1:] != shape:
        raise TypeError(f"minigan.training.Trainer: expected real_data as a float NumPy array of shape (N, "
                        f"{', '.join(map(str, shape))}) for --dataset {config.dataset} (images in [-1, 1]), got "
                        f"{getattr(data, 'dtype', type(data).__name__)} of shape {getattr(data, 'shape', '?')}")
    return data


class Trainer:
    """Owns the networks, optimizers, data and random state of one run."""

    def __init__(self, config: TrainConfig, real_data: numpy.ndarray | None = None, real_labels=None):
        self.config = config.validate(unused_too=False)   # train() applies that rule to a new run
        set_device(config.device)
        manual_seed(config.seed)                      # initial weights and Dropout seeds
        self.G, self.D = models.build_from_config(dataclasses.asdict(config))
        self.condition = conditional.from_config(dataclasses.asdict(config))   # plain, cGAN, AC-GAN, InfoGAN
        self.noise_dim = models.noise_dim(dataclasses.asdict(config))
        self.loss = losses.get_gan_loss(config.loss)
        self.generator_objective = generator_objective(config, self.loss)   # adversarial, feature matching, unrolled
        if config.unroll:
            check_unrollable(self.D)                    # before the first step, naming the layer that cannot
        penalties, self.constraints = lipschitz.pieces_for(config, seed=config.seed + SEED_OFFSETS["penalty"])
        lipschitz.check_critic(self.D, penalties)
        # What D's step adds after its loss, each into D's .grad: penalties (WGAN-GP, R1) and the
        # conditioning's own terms (the cGAN's mismatched pairs, minigan/conditional/mismatch.py).
        self.d_terms = penalties + self.condition.discriminator_terms(
            config, self.loss, seed=config.seed + SEED_OFFSETS["mismatched_labels"])
        # Weight averaging: a copy of G that follows it (minigan/gan/ema.py); never trained, always in eval mode.
        self.G_ema = copy.deepcopy(self.G).eval() if config.ema else None
        self.averaging = WeightAverage(self.G_ema, config.ema) if config.ema else None
        self.updates = updates.schedule(config.updates)      # when D moves: at once, or after G's gradient
        self.opt_g = self._optimizer(self.G, config.lr_g)
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self.real, self.labels = load_real_data(config) if real_data is None else (_checked_real_data(config, real_data),
                                                                                    real_labels)
        if config.batch_size > len(self.real):
            raise ValueError(f"minigan train: --batch-size {config.batch_size} is larger than the dataset "
                             f"({len(self.real)} examples)")
        if config.eval_every_epoch and config.dataset in IMAGE_DATASETS:
            load_classifier(config.dataset)             # fail now, not after the first epoch
        self.noise_rng = numpy.random.default_rng(config.seed + SEED_OFFSETS["noise"])    # z for training steps
        self.code_rng = numpy.random.default_rng(config.seed + SEED_OFFSETS["codes"])     # the fakes' labels or codes
        # The pictures' fixed input: 64 samples, or one row of 10 per class for a conditional run.
        picture_rng = numpy.random.default_rng(config.seed + SEED_OFFSETS["pictures"])
        self.picture_columns = 10 if self.condition.classes else 8
        self.fixed_codes = grid_codes(self.condition, self.picture_columns, picture_rng)
        n_pictures = len(self.fixed_codes[0]) if self.fixed_codes else (64 if config.model not in models.TOY_MODELS else 1000)
        self.fixed_noise = picture_rng.standard_normal((n_pictures, self.noise_dim)).astype(numpy.float32)
        self.step = 0                  # steps done (one real batch each)
        self.epoch = 0                 # epochs completed
        self.position = 0              # batches done in the current epoch
        self.g_groups = layer_groups("G", self.G)
        self.d_groups = layer_groups("D", self.D)
        self.real_target = 1.0 - config.label_smoothing          # one-sided label smoothing of D's real target
        self.last_g = {"g_loss": None, "grad_norms": {}, "aux": {}}     # None: no generator update yet

    def _optimizer(self, module, lr):
        c = self.config
        if c.optimizer == "adam":
            return optim.Adam(module.parameters(), lr=lr, betas=(c.beta1, c.beta2))
        if c.optimizer == "rmsprop":
            return optim.RMSProp(module.parameters(), lr=lr)
        return optim.SGD(module.parameters(), lr=lr, momentum=c.beta1)

    @property
    def steps_per_epoch(self) -> int:
        return len(self.real) // self.config.batch_size

    # ---- the algorithm -------------------------------------------------------------------------
    def train_step(self, real, noise, labels=None) -> dict:
        """One iteration of Algorithm 1 on (real, G(noise)): a D update, and a G update every
        n_critic steps. Returns the log row. ``labels``: the real batch's classes (N,) int64, which
        conditional variants need."""
        with numpy.errstate(over="ignore", invalid="ignore"):   # overflow is caught by the guards, with a clearer message
            check_real_batch(real, self.step + 1)
            g_turn = (self.step + 1) % self.config.n_critic == 0
            fake, codes = self._fakes(noise, keep_cache=g_turn and not self.config.fresh_noise)
            d_record = self.discriminator_step(real, fake, codes, labels)
            if g_turn:
                if self.config.fresh_noise:                   # Algorithm 1 draws new z for the G step
                    fake, codes = self._fakes(self.next_noise(len(real)), keep_cache=True)
                self.last_g = self.generator_step(real, fake, codes, labels)
            self.updates.step_done()                          # --updates simultaneous: D moves now, after G's gradient
            self.step += 1
            return log_row(self.step, self.epoch + 1, d_record, self.last_g, self.loss.probabilities)

    def discriminator_step(self, real, fake, codes, labels) -> dict:
        """θ_D ← θ_D − update(∇θ_D [L_D(D(x), D(G(z))) + L_aux + Σ terms]), then D's constraints."""
        aux = self.condition.auxiliary(labels, codes)       # the loss on D's extra heads, or None
        self.opt_d.zero_grad()
        # L_D(D(x), D(G(z))) + L_aux: forward and backward into D's .grad; one pass over [x; G(z)],
        # or two when D's samples interact (BatchNorm). G's cache waits for the G step.
        d_loss, scores = discriminator_pass(self.D, self.loss, self.condition.real_input(real, labels),
                                            self.condition.fake_input(fake, codes), self.real_target,
                                            check=self._finite, auxiliary=aux)
        # + each term (the WGAN-GP or R1 penalty, the cGAN's mismatched pairs): each adds its gradient into D.
        terms = {}
        for term in self.d_terms:
            terms.update(term(self.D, real, fake, labels))
        norms = checked_gradients(self.step + 1, self.d_groups, {"D": d_loss, **terms}, "D loss")
        self.updates.discriminator_ready(self._move_discriminator)   # now, or after G's gradient (gan/updates.py)
        # The heads' loss is inside d_loss; the log shows it apart too.
        aux_log = {f"d_{aux.name}": aux.values["real"] + aux.values["fake"]} if aux is not None else {}
        return {"d_loss": d_loss, "scores": scores, "terms": terms, "aux": aux_log, "grad_norms": norms}

    def _move_discriminator(self):
        self.opt_d.step(gradients_checked=True)   # checked_gradients did
        for constrain in self.constraints:                  # WGAN: clip the weights back into [−c, c]
            constrain(self.D)

    def generator_step(self, real, fake, codes, labels) -> dict:
        """θ_G ← θ_G − update(∇θ_G [L_G(D(G(z))) + L_aux]), back through a frozen D; then G's average."""
        aux = self.condition.auxiliary(labels, codes)
        self.opt_g.zero_grad()
        # L_G and its gradient toward the fake samples, through D frozen (its .grad stays untouched).
        g_loss, d_fake = self.generator_objective(self.D, self.condition.real_input(real, labels),
                                                  self.condition.fake_input(fake, codes), check=self._finite,
                                                  auxiliary=aux)
        self.G.backward(d_fake, input_grad=False)           # into G's .grad; the noise needs no gradient
        norms = checked_gradients(self.step + 1, self.g_groups, {"G": g_loss}, "G loss")
        self.opt_g.step(gradients_checked=True)
        if self.averaging is not None:                      # θ_ema ← β_t·θ_ema + (1 − β_t)·θ_G, warmed up
            self.averaging.update(self.G, t=self.opt_g.step_count)
        aux_log = {f"g_{aux.name}": aux.values["fake"]} if aux is not None else {}
        return {"g_loss": g_loss, "grad_norms": norms, "aux": aux_log}

    def _fakes(self, noise, keep_cache: bool):
        """G(z, codes) for new codes: (fake images, codes). G keeps its cache only for its own backward."""
        codes = self.condition.draw(noise.shape[0], self.code_rng, self.config.device)
        g_input = self.condition.generator_input(noise, codes)
        fake = self.G.forward(g_input) if keep_cache else self.G.predict(g_input)
        return self._finite(fake, "the generator's output"), codes

    def _finite(self, out, what: str = "the discriminator's output"):
        """Stop with the step and the first layer holding NaN/Inf weights when a network's output is not
        finite. (Checked here, before the next network's own input check, which could not name the layer.)"""
        if not bool(get_array_module(out).isfinite(out).all()):
            self.D.clear_cache()
            self.G.clear_cache()
            where = (first_non_finite_layer(self.g_groups) or first_non_finite_layer(self.d_groups)
                     or f"{what} (its activations overflowed float32)")
            raise diverged(self.step + 1, "NaN or Inf values", where)
        return out

    # ---- data ----------------------------------------------------------------------------------
    def epoch_batches(self):
        """The rest of the current epoch's (images, labels) batches (labels None for unlabeled data), in an
        order fixed by (seed, epoch), so a resumed run continues the same permutation at the same place."""
        epoch_rng = numpy.random.default_rng((self.config.seed, self.epoch))
        order = batches(numpy.arange(len(self.real)), self.config.batch_size, epoch_rng)
        return ((self.real[i], None if self.labels is None else self.labels[i])
                for i in itertools.islice(order, self.position, None))

    def next_noise(self, n: int):
        return to_device(self.noise_rng.standard_normal((n, self.noise_dim)).astype(numpy.float32), self.config.device)

    def end_epoch(self):
        self.epoch += 1
        self.position = 0

    # ---- checkpoints ---------------------------------------------------------------------------
    def random_state(self) -> dict:
        # Dropout generators on the GPU (CuPy) cannot export their state: a GPU run resumes with
        # fresh masks from the seed, so only CPU runs resume bit for bit.
        return {"noise": self.noise_rng.bit_generator.state, "codes": self.code_rng.bit_generator.state,
                "d_terms": {t.name: t.rng.bit_generator.state for t in self.d_terms if t.rng is not None},
                "dropout": {name: m.rng.get_state() for name, m in self._dropouts()
                            if m.rng is not None and m.rng.device == "cpu"}}

    def _dropouts(self):
        for prefix, net in (("G", self.G), ("D", self.D)):
            for name, m in net.named_modules(prefix):        # nested ones too ("D.0.0.2": inside D's body)
                if isinstance(m, Dropout):
                    yield name, m

    def save_checkpoint(self, path: str):
        """Write the checkpoint atomically; weights holding NaN/Inf stop the run instead (DivergenceError)."""
        bad = checkpoint.first_non_finite(self.networks())
        if bad is not None:
            raise diverged(self.step, "NaN or Inf values (after the optimizer step)", bad.replace("/", " layer "))
        meta = {"config": dataclasses.asdict(self.config), "step": self.step, "epoch": self.epoch,
                "position": self.position, "random_state": self.random_state()}
        checkpoint.save(path, self.networks(), {"G": self.opt_g, "D": self.opt_d}, meta)

    def networks(self) -> dict:
        """What a checkpoint holds: G, D, and the averaged G when there is one."""
        return {"G": self.G, "D": self.D, **({"G_ema": self.G_ema} if self.G_ema is not None else {})}

    @property
    def sampling_generator(self):
        """The generator that pictures and evaluation show: the averaged one when averaging is on."""
        return self.G_ema if self.G_ema is not None else self.G

    def load_checkpoint(self, path: str):
        meta = checkpoint.read_meta(path)
        saved = meta["config"]
        # The resume policy of the table of options: only the resumable fields may differ. A checkpoint
        # written before a field existed was trained with that field's default (None: a derived default,
        # which such a checkpoint cannot contradict).
        mismatches = [f"{o.name}={saved.get(o.name, o.default)!r}, this run asks for {o.name}={getattr(self.config, o.name)!r}"
                      for o in options.OPTIONS
                      if not o.resumable and (o.name in saved or o.default is not None)
                      and saved.get(o.name, o.default) != getattr(self.config, o.name)]
        if mismatches:
            raise checkpoint.CheckpointError(f"minigan: cannot resume from {path!r}: it was written with "
                                             + "; ".join(mismatches))
        checkpoint.load(path, self.networks(), {"G": self.opt_g, "D": self.opt_d})
        # The optimizers' state comes back; their hyperparameters are this run's (same config:
        # the same numbers, so the run continues exactly; a new --lr-g/--lr-d on resume applies).
        for opt, lr in ((self.opt_g, self.config.lr_g), (self.opt_d, self.config.lr_d)):
            opt.lr = lr
            if isinstance(opt, optim.Adam):
                opt.betas = (self.config.beta1, self.config.beta2)
            elif isinstance(opt, optim.SGD):
                opt.momentum = self.config.beta1
        self.step, self.epoch, self.position = meta["step"], meta["epoch"], meta["position"]
        state = meta["random_state"] if isinstance(meta["random_state"], dict) else {}
        # Without a stream's state the run would go on with other random numbers: not the run it was.
        # (A GPU run's Dropout states cannot be saved: it resumes with fresh masks, as random_state says.)
        dropout = state.get("dropout", {})
        cpu_run = saved.get("device", "cpu") == "cpu" and self.step > 0
        lost = ([] if "noise" in state else ["noise"]) + [
            f"dropout {name}" for name, m in self._dropouts() if cpu_run and m.p > 0 and name not in dropout]
        if lost:
            raise checkpoint.CheckpointError(f"minigan: cannot resume from {path!r} exactly: its random state lacks "
                                             f"{', '.join(lost)} (the checkpoint is damaged)")
        self.noise_rng.bit_generator.state = state["noise"]
        if "codes" in state:                    # checkpoints from before conditioning drew no codes
            self.code_rng.bit_generator.state = state["codes"]
        saved_terms = state.get("d_terms", state.get("penalties", {}))     # "penalties": checkpoints before 2026-11
        for term in self.d_terms:
            if term.name in saved_terms:
                term.rng.bit_generator.state = saved_terms[term.name]
        for name, m in self._dropouts():
            if name in dropout:
                if m.rng is None or m.rng.device != self.config.device:
                    m.rng = RNG(m.seed, self.config.device)
                m.rng.set_state(dropout[name])
