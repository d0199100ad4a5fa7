"""MNIST and Fashion-MNIST, read from the original gzip IDX files with NumPy alone.

Where the files are looked for, in order:

1. an explicit ``path`` argument (``--data`` on the command line);
2. the ``MINIGAN_DATA`` environment variable;
3. the user cache, ``~/.cache/minigan`` (``$XDG_CACHE_HOME/minigan`` when that is set).

Each location holds one folder per dataset: ``<root>/mnist/`` and ``<root>/fashion-mnist/``, with
the four files under their original names. ``path`` may also name the dataset folder itself.

Every file is checked against the size and SHA-256 of the published file before it is parsed, so
a truncated or corrupt download is reported as such and never crashes deep inside NumPy. When the
files are in none of the places, they are downloaded into the cache from the public mirrors (with
a progress bar, into a temporary file renamed only once complete and verified). Offline, the error
lists the exact files needed and where to put them.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass

import numpy
from tqdm import tqdm

from minigan.io import atomic_path

# name: (size in bytes, sha256) of the files as originally published
FILES = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "train-labels-idx1-ubyte.gz": (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "t10k-images-idx3-ubyte.gz": (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "t10k-labels-idx1-ubyte.gz": (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        "train-labels-idx1-ubyte.gz": (29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        "t10k-images-idx3-ubyte.gz": (4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        "t10k-labels-idx1-ubyte.gz": (5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    },
}

MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"],
}


class DatasetError(RuntimeError):
    """A dataset file is missing, corrupt or cannot be fetched; the message says what to do."""


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "minigan")


def _check_name(name: str):
    if name not in FILES:
        raise ValueError(f"minigan.data: unknown dataset {name!r}; expected one of {sorted(FILES)}")


def candidate_folders(name: str, path: str | None = None) -> list[str]:
    """The folders searched for ``name``'s files, in order."""
    roots = [r for r in (path, os.environ.get("MINIGAN_DATA"), cache_dir()) if r]
    folders = []
    for root in roots:
        root = os.path.expanduser(root)
        folders += [os.path.join(root, name)] + ([root] if root == path else [])
    return folders


def verify_file(file_path: str, size: int, sha256: str):
    """Raise DatasetError unless the file has the published size and SHA-256."""
    actual_size = os.path.getsize(file_path)
    if actual_size != size:
        raise DatasetError(f"{file_path}: expected {size} bytes, found {actual_size} (truncated or not the "
                           "published file); delete it and it will be downloaded again")
    digest = hashlib.sha256()
    with open(file_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise DatasetError(f"{file_path}: SHA-256 checksum mismatch (expected {sha256}, got "
                           f"{digest.hexdigest()}); the file is corrupt: delete it and it will be downloaded again")


def _download(url: str, destination: str, size: int, sha256: str, progress: bool):
    """Fetch url into destination atomically, verifying it before the final rename."""

    with atomic_path(destination) as tmp:
        # A network failure is a DatasetError, said as one: the atomic write would report any OSError
        # (URLError is one) as "could not write", which a DNS failure is not.
        try:
            response = urllib.request.urlopen(url, timeout=30)
        except (urllib.error.URLError, OSError) as exc:
            raise DatasetError(f"could not download it: {getattr(exc, 'reason', None) or exc}") from exc
        with response, open(tmp, "wb") as out:
            bar = tqdm(total=size, unit="B", unit_scale=True, desc=os.path.basename(destination),
                       disable=not progress, leave=False)
            while True:
                try:
                    block = response.read(1 << 16)
                except OSError as exc:
                    raise DatasetError(f"the download broke off: {exc}") from exc
                if not block:
                    break
                out.write(block)
                bar.update(len(block))
            bar.close()
        verify_file(tmp, size, sha256)


def locate(name: str, path: str | None = None, download: bool = True, progress: bool = True,
           mirrors: list[str] | None = None) -> str:
    """The folder holding all four verified files of dataset ``name``; downloads them if needed."""
    _check_name(name)
    files = FILES[name]
    if path is not None and not os.path.isdir(os.path.expanduser(path)):
        raise DatasetError(f"minigan.data: the data path {path!r} does not exist")
    folders = candidate_folders(name, path)
    for folder in folders:
        if all(os.path.isfile(os.path.join(folder, f)) for f in files):
            for f, (size, sha) in files.items():
                verify_file(os.path.join(folder, f), size, sha)
            return folder
    target = os.path.join(cache_dir(), name)
    errors = []
    if download:
        for f, (size, sha) in files.items():
            destination = os.path.join(target, f)
            if os.path.isfile(destination):
                try:
                    verify_file(destination, size, sha)
                    continue
                except DatasetError:
                    os.remove(destination)   # a corrupt leftover: fetch it again
            for mirror in (mirrors or MIRRORS[name]):
                try:
                    _download(mirror + f, destination, size, sha, progress)
                    break
                except (urllib.error.URLError, OSError, DatasetError) as exc:
                    errors.append(f"{mirror + f}: {exc}")
            else:
                break
        else:
            return target
    listing = "\n".join(f"  {f}  ({size} bytes, sha256 {sha[:16]}…)" for f, (size, sha) in files.items())
    tried = "\n".join(f"  {d}" for d in folders)
    why = ("\nThe download failed:\n" + "\n".join(f"  {e}" for e in errors[-4:])) if errors else ""
    raise DatasetError(f"minigan.data: the {name} files were not found and could not be downloaded.\n"
                       f"Needed, in one folder named '{name}':\n{listing}\n"
                       f"Looked in:\n{tried}\n"
                       f"Put the files in {os.path.join(cache_dir(), name)}, or in <folder>/{name} and either set "
                       f"MINIGAN_DATA=<folder> or give it to the command (minigan train --data <folder>; in "
                       f"Python, path=<folder>).{why}")


def read_idx(file_path: str) -> numpy.ndarray:
    """Parse a gzip IDX file (big-endian header, unsigned bytes) into a uint8 array."""
    with gzip.open(file_path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise DatasetError(f"{file_path}: too short to be an IDX file ({len(data)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise DatasetError(f"{file_path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    if len(body) != int(numpy.prod(shape)):
        raise DatasetError(f"{file_path}: header says {shape} but holds {len(body)} values")
    return numpy.frombuffer(body, dtype=numpy.uint8).reshape(shape)


@dataclass
class ImageDataset:
    """Images scaled to [-1, 1] (for tanh generators), shape (N, 1, 28, 28), and labels (N,)."""
    name: str
    images: numpy.ndarray
    labels: numpy.ndarray

    def __len__(self):
        return len(self.images)


def load(name: str = "mnist", split: str = "train", path: str | None = None, classes=None,
         download: bool = True, dtype=numpy.float32) -> ImageDataset:
    """Load ``split`` ("train" or "test") of MNIST or Fashion-MNIST, optionally only some ``classes``."""
    _check_name(name)
    if split not in ("train", "test"):
        raise ValueError(f"minigan.data.load: split must be 'train' or 'test', got {split!r}")
    folder = locate(name, path, download)
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
    if classes is not None:
        classes = sorted(set(int(c) for c in classes))
        if not classes or not all(0 <= c <= 9 for c in classes):
            raise ValueError(f"minigan.data.load: classes must be digits 0..9, got {classes!r}")
        keep = numpy.isin(labels, classes)
        images, labels = images[keep], labels[keep]
    scaled = images.astype(dtype)[:, None, :, :] / dtype(127.5) - dtype(1.0)   # 0..255 -> [-1, 1]
    return ImageDataset(name, scaled, labels.astype(numpy.int64))


def to_uint8(images) -> numpy.ndarray:
    """[-1, 1] images back to 0..255 bytes."""
    return numpy.clip(numpy.rint((numpy.asarray(images) + 1.0) * 127.5), 0, 255).astype(numpy.uint8)


def batches(data: numpy.ndarray, batch_size: int, rng: numpy.random.Generator, drop_last: bool = True):
    """Yield shuffled batches of ``data`` (a new permutation from ``rng`` each call)."""
    order = rng.permutation(len(data))
    stop = len(data) - (len(data) % batch_size if drop_last else 0)
    for start in range(0, stop, batch_size):
        yield data[order[start:start + batch_size]]


__all__ = ["FILES", "MIRRORS", "CLASS_NAMES", "DatasetError", "cache_dir", "locate", "read_idx", "load",
           "to_uint8", "batches", "verify_file", "ImageDataset"]
