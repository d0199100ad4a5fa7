"""The adversarial trainer behind ``minigan train``.

One *step* takes one real batch and does one discriminator update; every ``n_critic``-th step also
does one generator update (WGAN uses n_critic = 5). ``Trainer.train_step`` is the algorithm:

    fake = G(z, codes)               codes: a label y (cGAN, AC-GAN), InfoGAN's (c, c′), or none
    D step:  L_D(D(real), D(fake))   backward into D only (G's cache stays for the G step)
             + auxiliary loss        on D's extra heads (AC-GAN's classes, InfoGAN's Q)
             + each D term           add their gradients into D: the penalties WGAN-GP, R1
                                     (minigan/gan/lipschitz.py); the cGAN's mismatched pairs (minigan/conditional/mismatch.py)
             optimizer step, then each constraint (WGAN: weight clipping)
    G step:  L_G(D(fake)) (+ aux)    backward through a frozen D into G

What G and D read (z or (z, y); x or (x, y)) and the auxiliary loss come from the run's conditioning
piece (minigan/conditional/__init__.py), so the step reads the same for the plain GAN, the cGAN, AC-GAN
and InfoGAN.

Everything else here is bookkeeping a careful run needs: a JSONL log with one row per step
(losses, mean D(x) and D(G(z)), every layer's gradient norm), a divergence guard, atomic
checkpoints that resume bit-identically on the CPU, and pictures in the run folder.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import math

import numpy

from minigan import conditional, losses, models, optim
from minigan.backend import RNG, get_array_module, manual_seed, set_device, to_device, to_numpy
from minigan.data import batches
from minigan.data import mnist as mnist_data
from minigan.data import toy as toy_data
from minigan.evaluation.classifier import load_classifier
from minigan.gan import lipschitz
from minigan.gan.discriminator_pass import discriminator_pass
from minigan.gan.ema import WeightAverage
from minigan.gan.objectives import generator_objective
from minigan.gan.unrolled import check_unrollable
from minigan.nn import Dropout

from . import checkpoint
from .config import IMAGE_DATASETS, TrainConfig
from .sample import grid_codes

class DivergenceError(RuntimeError):
    """NaN or Inf appeared in a loss or a gradient; the message names the step and the layer."""


def load_real_data(config: TrainConfig):
    """The training set as float32, images (N, 1, 28, 28) in [-1, 1] or toy points (N, 2), and its
    labels (N,) int64 (None for the toy sets)."""
    labels = None
    if config.dataset in IMAGE_DATASETS:
        dataset = mnist_data.load(config.dataset, "train", path=config.data_path, classes=config.classes)
        data, labels = dataset.images, dataset.labels
    else:
        sampler = toy_data.ring if config.dataset == "ring" else toy_data.grid
        data = sampler(config.toy_samples, numpy.random.default_rng(config.seed + 1)).astype(numpy.float32)
    if config.batch_size > len(data):
        raise ValueError(f"minigan train: --batch-size {config.batch_size} is larger than the dataset "
                         f"({len(data)} examples)")
    return data, labels


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


def _diverged(step: int, what: str, where: str):
    return DivergenceError(f"training diverged at step {step}: {what} in {where}. Checkpoints never hold NaN or "
                           "Inf weights, so the last one written (if any) is intact; try a lower learning rate "
                           "(or another loss).")


def _check_finite(step: int, what: str, values: dict):
    for name, value in values.items():
        if not math.isfinite(value):
            raise _diverged(step, f"the {what} is {value}", name)


def _first_non_finite_layer(groups: dict):
    for name, params in groups.items():
        xp = get_array_module(params[0].data)
        if not all(bool(xp.isfinite(p.data).all()) for p in params):
            return name
    return None


class Trainer:
    """Owns the networks, optimizers, data and random state of one run."""

    def __init__(self, config: TrainConfig, real_data: numpy.ndarray | None = None, real_labels=None):
        self.config = config.validate()
        set_device(config.device)
        manual_seed(config.seed)                      # initial weights and Dropout seeds
        self.G, self.D = models.build_from_config(dataclasses.asdict(config))
        self.condition = conditional.from_config(dataclasses.asdict(config))   # plain, cGAN, AC-GAN, InfoGAN
        self.noise_dim = models.noise_dim(dataclasses.asdict(config))
        self.loss = losses.get_gan_loss(config.loss)
        self.generator_objective = generator_objective(config, self.loss)   # adversarial, feature matching, unrolled
        if config.unroll:
            check_unrollable(self.D)                    # before the first step, naming the layer that cannot
        penalties, self.constraints = lipschitz.pieces_for(config)
        lipschitz.check_critic(self.D, penalties)
        # What D's step adds after its loss, each into D's .grad: penalties (WGAN-GP, R1) and the
        # conditioning's own terms (the cGAN's mismatched pairs, minigan/conditional/mismatch.py).
        self.d_terms = penalties + self.condition.discriminator_terms(config, self.loss)
        # Weight averaging: a copy of G that follows it (minigan/gan/ema.py); never trained, always in eval mode.
        self.G_ema = copy.deepcopy(self.G).eval() if config.ema else None
        self.averaging = WeightAverage(self.G_ema, config.ema) if config.ema else None
        self.opt_g = self._optimizer(self.G, config.lr_g)
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self.real, self.labels = load_real_data(config) if real_data is None else (real_data, real_labels)
        if config.eval_every_epoch and config.dataset in IMAGE_DATASETS:
            load_classifier(config.dataset)             # fail now, not after the first epoch
        self.noise_rng = numpy.random.default_rng(config.seed + 3)    # z for training steps
        self.code_rng = numpy.random.default_rng(config.seed + 5)     # the fakes' labels or codes
        # The pictures' fixed input: 64 samples, or one row of 10 per class for a conditional run.
        picture_rng = numpy.random.default_rng(config.seed + 4)
        self.picture_columns = 10 if self.condition.classes else 8
        self.fixed_codes = grid_codes(self.condition, self.picture_columns, picture_rng)
        n_pictures = len(self.fixed_codes[0]) if self.fixed_codes else (64 if config.model != "toy" else 1000)
        self.fixed_noise = picture_rng.standard_normal((n_pictures, self.noise_dim)).astype(numpy.float32)
        self.step = 0                  # steps done (one real batch each)
        self.epoch = 0                 # epochs completed
        self.position = 0              # batches done in the current epoch
        self.g_groups = layer_groups("G", self.G)
        self.d_groups = layer_groups("D", self.D)
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
        """One D update on (real, G(noise)); a G update every n_critic steps. Returns the log row.
        ``labels``: the real batch's classes (N,) int64, which conditional variants need."""
        with numpy.errstate(over="ignore", invalid="ignore"):   # overflow is caught below, with a clearer message
            return self._train_step(real, noise, labels)

    def _fakes(self, noise, keep_cache: bool):
        """G(z, codes) for new codes: (fake images, codes). G keeps its cache only for its own backward."""
        codes = self.condition.draw(noise.shape[0], self.code_rng, self.config.device)
        g_input = self.condition.generator_input(noise, codes)
        return (self.G.forward(g_input) if keep_cache else self.G.predict(g_input)), codes

    def _train_step(self, real, noise, labels) -> dict:
        xp = get_array_module(real)
        batch = real.shape[0]
        if not bool(xp.isfinite(real).all()):        # the NaN rule: data is checked once per step, here
            raise ValueError(f"minigan train: the real batch of step {self.step + 1} contains "
                             f"{int(xp.isnan(real).sum())} NaN and {int(xp.isinf(real).sum())} Inf values: the "
                             "training data is damaged (the weights are not to blame)")
        g_turn = (self.step + 1) % self.config.n_critic == 0
        reuse = g_turn and not self.config.fresh_noise                        # the G step reuses these fakes
        fake, codes = self._fakes(noise, keep_cache=reuse)                    # G keeps its cache for its turn
        real_in = self.condition.real_input(real, labels)                     # x, or (x, y) for the cGAN
        aux = self.condition.auxiliary(labels, codes)                         # AC-GAN, InfoGAN: the heads' loss

        # Discriminator: L_D on real and fake (one pass, or two when D's samples interact).
        self.opt_d.zero_grad()
        d_loss, out = discriminator_pass(self.D, self.loss, real_in, self.condition.fake_input(fake, codes),
                                         1.0 - self.config.label_smoothing, check=self._finite, auxiliary=aux)
        # The heads' loss (class or information loss) is inside d_loss; the log shows it apart too.
        d_aux = {f"d_{aux.name}": aux.values["real"] + aux.values["fake"]} if aux is not None else {}
        extras = {}
        for term in self.d_terms:                             # WGAN-GP, R1, mismatched pairs: add into D's .grad
            extras.update(term(self.D, real, fake, labels))
        d_norms = gradient_norms(self.d_groups)
        _check_finite(self.step + 1, "D loss", {"D": d_loss, **extras})
        _check_finite(self.step + 1, "gradient", d_norms)
        self.opt_d.step()
        for constrain in self.constraints:                                    # WGAN: clip the weights
            constrain(self.D)

        if g_turn:
            # Generator: through D (frozen: its gradients stay untouched) into G.
            if self.config.fresh_noise:                                       # Algorithm 1 draws new z here
                fake, codes = self._fakes(self.next_noise(batch), keep_cache=True)
                aux = self.condition.auxiliary(labels, codes)
            self.opt_g.zero_grad()
            g_loss, d_fake_images = self.generator_objective(self.D, real_in, self.condition.fake_input(fake, codes),
                                                             check=self._finite, auxiliary=aux)
            self.G.backward(d_fake_images, input_grad=False)                   # the noise needs no gradient
            g_norms = gradient_norms(self.g_groups)
            _check_finite(self.step + 1, "G loss", {"G": g_loss})
            _check_finite(self.step + 1, "gradient", g_norms)
            self.opt_g.step()
            if self.averaging is not None:
                self.averaging.update(self.G)
            self.last_g = {"g_loss": g_loss, "grad_norms": g_norms,
                           "aux": {f"g_{aux.name}": aux.values["fake"]} if aux is not None else {}}

        self.step += 1
        scores = to_numpy(out).astype(numpy.float64)
        if self.loss.probabilities:                                           # D(x) = σ(logit)
            scores = 1 / (1 + numpy.exp(-scores))
        return {"step": self.step, "epoch": self.epoch + 1, "d_loss": d_loss, "g_loss": self.last_g["g_loss"],
                "d_real": float(scores[:len(scores) // 2].mean()), "d_fake": float(scores[len(scores) // 2:].mean()),
                **extras, **d_aux, **self.last_g["aux"],
                "grad_norms": {**d_norms, **self.last_g["grad_norms"]}}

    def _finite(self, out):
        """Stop with the step and the first layer holding NaN/Inf weights when D's output is not finite."""
        if not bool(get_array_module(out).isfinite(out).all()):
            self.D.clear_cache()
            self.G.clear_cache()
            where = (_first_non_finite_layer(self.g_groups) or _first_non_finite_layer(self.d_groups)
                     or "the discriminator's output (its activations overflowed float32)")
            raise _diverged(self.step + 1, "NaN or Inf values", where)
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
            raise _diverged(self.step, "NaN or Inf values (after the optimizer step)", bad.replace("/", " layer "))
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
        # A checkpoint written before a key existed was trained with that key's default.
        defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
        mismatches = [f"{key}={saved.get(key, defaults.get(key))!r}, this run asks for {key}={getattr(self.config, key)!r}"
                      for key in ("model", "width", "dataset", "loss", "optimizer", "spectral_norm", "dropout", "ema",
                                  "pack", "minibatch_kernels", "conditional", "infogan")
                      if saved.get(key, defaults.get(key)) != getattr(self.config, key)]
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
        state = meta["random_state"]
        self.noise_rng.bit_generator.state = state["noise"]
        if "codes" in state:                    # checkpoints from before conditioning drew no codes
            self.code_rng.bit_generator.state = state["codes"]
        saved_terms = state.get("d_terms", state.get("penalties", {}))     # "penalties": checkpoints before 2026-11
        for term in self.d_terms:
            if term.name in saved_terms:
                term.rng.bit_generator.state = saved_terms[term.name]
        for name, m in self._dropouts():
            if name in state["dropout"]:
                if m.rng is None or m.rng.device != self.config.device:
                    m.rng = RNG(m.seed, self.config.device)
                m.rng.set_state(state["dropout"][name])
