"""A LeNet-style classifier built from minigan's own layers: the "Inception network" of our metrics.

FID and the Inception Score need a network that knows the data. Instead of downloading
Inception-v3, minigan trains a small classifier per dataset with its own layers and ships the
weights inside the package (minigan/evaluation/weights/), with their SHA-256 and the command that rebuilds
them bit for bit on the CPU:

    minigan classifier --dataset mnist --epochs 6 --seed 0 --out minigan/evaluation/weights/mnist_classifier.npz
    minigan classifier --dataset fashion-mnist --epochs 6 --seed 0 --out minigan/evaluation/weights/fashion-mnist_classifier.npz

Architecture (strided convolutions in place of LeNet's pooling):

    Conv 1→32, 5×5, stride 2, "same" (28→14), ReLU
    Conv 32→64, 5×5, stride 2, "same" (14→7), ReLU
    Flatten, Dense 3136→128, ReLU          ← the 128 features FID compares
    Dropout 0.3, Dense 128→10               ← the class logits the Inception Score uses
"""
from __future__ import annotations

import hashlib
import json
import os
import time

import numpy

from tqdm import tqdm

from minigan import data, nn, optim
from minigan.io import atomic_path
from minigan.backend import device_of, manual_seed, to_device, to_numpy
from minigan.losses import softmax_cross_entropy

FEATURE_LAYERS = 7          # layers[:7] end with the ReLU after Dense(3136→128): the FID features
WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")

# SHA-256 of the shipped weight files; `minigan classifier` with the documented arguments
# reproduces them exactly on the CPU (tests/test_metrics.py checks the files against these).
WEIGHTS_SHA256 = {
    "mnist_classifier.npz": "3ed14836bbc971c8c7ae2dfb159c25b70b957f717ef9a8da977518c6d9e56bd0",          # 99.16% test accuracy
    "fashion-mnist_classifier.npz": "c83122c145823860879ec4535c3c434f40984dac30df9ea65458ea4a0cd547e0",  # 91.13%
}


def build_classifier():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, stride=2, padding="same"), nn.ReLU(),
        nn.Conv2d(32, 64, 5, stride=2, padding="same"), nn.ReLU(),
        nn.Flatten(), nn.Dense(64 * 7 * 7, 128), nn.ReLU(),
        nn.Dropout(0.3), nn.Dense(128, 10),
    )


def _predict_batches(model, images, batch_size: int, upto: int | None = None):
    """Run host ``images`` through ``model`` (or its first ``upto`` layers) on the model's device,
    batch by batch; yields NumPy float64 outputs."""
    head = model if upto is None else nn.Sequential(*model.layers[:upto])
    device = device_of(model.parameters()[0].data)
    for start in range(0, len(images), batch_size):
        out = head.predict(to_device(numpy.ascontiguousarray(images[start:start + batch_size]), device))
        yield to_numpy(out).astype(numpy.float64)


def accuracy(model, images, labels, batch_size: int = 1000) -> float:
    model.eval()
    predicted = numpy.concatenate([z.argmax(axis=1) for z in _predict_batches(model, images, batch_size)])
    return float((predicted == numpy.asarray(labels)).mean())


def train_classifier(dataset: str = "mnist", epochs: int = 6, seed: int = 0, batch_size: int = 64,
                     lr: float = 1e-3, lr_decay: float = 0.7, data_path=None, progress: bool = True, max_steps=None):
    """Train the classifier with Adam on the training split; returns (model, test accuracy).

    The learning rate is multiplied by ``lr_decay`` after every epoch (1e-3, 7e-4, 4.9e-4, ...):
    large steps first, then small ones to settle (4 epochs at a constant 1e-3 stopped at 98.9%).
    """
    manual_seed(seed)
    model = build_classifier()
    opt = optim.Adam(model.parameters(), lr=lr)
    train_set = data.load(dataset, "train", path=data_path)
    test_set = data.load(dataset, "test", path=data_path)
    steps_per_epoch = len(train_set) // batch_size
    total = epochs * steps_per_epoch if max_steps is None else min(max_steps, epochs * steps_per_epoch)
    bar = None
    if progress:
        bar = tqdm(total=total, unit="step", desc=f"classifier on {dataset}")
    step = 0
    for epoch in range(epochs):
        opt.lr = lr * lr_decay ** epoch
        model.train()
        epoch_rng = numpy.random.default_rng((seed, epoch))
        for idx in data.batches(numpy.arange(len(train_set)), batch_size, epoch_rng):   # shuffled indices
            if step >= total:
                break
            opt.zero_grad()
            loss, dlogits = softmax_cross_entropy(model.forward(train_set.images[idx]), train_set.labels[idx])
            model.backward(dlogits, input_grad=False)
            opt.step()
            step += 1
            if bar is not None:
                bar.update(1)
                if step % 50 == 0:
                    bar.set_postfix(loss=f"{loss:.3f}", epoch=f"{epoch + 1}/{epochs}")
    if bar is not None:
        bar.close()
    return model.eval(), accuracy(model, test_set.images, test_set.labels)


def save_weights(model, path: str, meta: dict):
    arrays = dict(model.state_dict())
    arrays["meta"] = numpy.array(json.dumps(meta))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            numpy.savez(f, **arrays)


def file_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_classifier(dataset: str = "mnist", path: str | None = None):
    """The shipped classifier for ``dataset`` (eval mode), checked against its SHA-256."""
    path = path or os.path.join(WEIGHTS_DIR, f"{dataset}_classifier.npz")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"minigan.evaluation.classifier: no classifier weights at {path!r}; build them with "
                                f"`minigan classifier --dataset {dataset} --out {path}`")
    expected = WEIGHTS_SHA256.get(os.path.basename(path))
    digest = file_sha256(path)
    if expected is not None and digest != expected:
        raise ValueError(f"minigan.evaluation.classifier: {path!r} does not match its recorded SHA-256 {expected}")
    model = build_classifier()
    with numpy.load(path) as f:
        model.load_state_dict({k: f[k] for k in f.files if k != "meta"})
        model.meta = json.loads(str(f["meta"]))
    model.weights_sha256 = digest      # names the cached reference statistics of these weights
    return model.eval()


def features(model, images, batch_size: int = 1000):
    """The 128 penultimate-layer features of each image, float64, shape (N, 128)."""
    return numpy.concatenate(list(_predict_batches(model, images, batch_size, upto=FEATURE_LAYERS)))


def class_probabilities(model, images, batch_size: int = 1000):
    """softmax(logits) of each image, float64, shape (N, 10)."""
    out = []
    for z in _predict_batches(model, images, batch_size):
        z -= z.max(axis=1, keepdims=True)
        p = numpy.exp(z)
        out.append(p / p.sum(axis=1, keepdims=True))
    return numpy.concatenate(out)


def main(args) -> int:
    start = time.perf_counter()
    model, acc = train_classifier(args.dataset, args.epochs, args.seed, data_path=args.data, progress=not args.quiet)
    # The command without --out, so the file's bytes do not depend on where it is written.
    command = f"minigan classifier --dataset {args.dataset} --epochs {args.epochs} --seed {args.seed}"
    save_weights(model, args.out, {"dataset": args.dataset, "epochs": args.epochs, "seed": args.seed,
                                   "test_accuracy": acc, "command": command})
    print(f"{args.dataset}: test accuracy {100 * acc:.2f}% after {args.epochs} epochs "
          f"({time.perf_counter() - start:.0f} s); weights {args.out} sha256 {file_sha256(args.out)}")
    return 0
