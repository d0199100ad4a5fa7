"""Datasets: the IDX reader, checksums, where files are found, downloads, batches, toy mixtures."""
import functools
import http.server
import os
import shutil
import threading

import numpy
import pytest

from minigan import data
from minigan.data import mnist

SHARED = os.environ["MINIGAN_DATA"]


@pytest.mark.needs_data
def test_mnist_train_set_is_scaled_to_minus_one_one_with_the_published_class_counts():
    ds = data.load("mnist", "train")
    assert ds.images.shape == (60000, 1, 28, 28) and ds.images.dtype == numpy.float32
    assert ds.images.min() == -1.0 and ds.images.max() == 1.0
    assert numpy.bincount(ds.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.mark.needs_data
def test_fashion_mnist_test_split_and_a_subset_of_classes():
    ds = data.load("fashion-mnist", "test", classes=[7, 0])
    assert ds.images.shape == (2000, 1, 28, 28)
    assert sorted(set(ds.labels.tolist())) == [0, 7]
    assert data.CLASS_NAMES["fashion-mnist"][7] == "Sneaker"


@pytest.mark.needs_data
def test_to_uint8_inverts_the_scaling():
    raw = mnist.read_idx(os.path.join(SHARED, "mnist", "t10k-images-idx3-ubyte.gz"))
    assert numpy.array_equal(data.to_uint8(data.load("mnist", "test").images[:, 0]), raw)


def _linked_copy(tmp_path, name="mnist"):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    for f in mnist.FILES[name]:
        os.symlink(os.path.join(SHARED, name, f), folder / f)
    return folder


@pytest.mark.needs_data
def test_search_order_explicit_path_then_environment_then_cache(tmp_path, monkeypatch):
    explicit = _linked_copy(tmp_path / "explicit")
    cache = tmp_path / "xdg"
    _linked_copy(cache / "minigan")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert mnist.locate("mnist", path=str(tmp_path / "explicit"), download=False) == str(explicit)
    assert mnist.locate("mnist", path=str(explicit), download=False) == str(explicit)   # the dataset folder itself
    assert mnist.locate("mnist", download=False) == os.path.join(SHARED, "mnist")      # MINIGAN_DATA
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "empty"))
    assert mnist.locate("mnist", download=False) == str(cache / "minigan" / "mnist")   # the cache


@pytest.mark.needs_data
def test_a_truncated_file_is_a_clear_checksum_error(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for f in mnist.FILES["mnist"]:
        shutil.copy(os.path.join(SHARED, "mnist", f), folder / f)
    with open(folder / "t10k-labels-idx1-ubyte.gz", "r+b") as f:
        f.truncate(1000)
    with pytest.raises(data.DatasetError, match=r"t10k-labels-idx1-ubyte.gz: expected 4542 bytes, found 1000"):
        data.load("mnist", path=str(tmp_path), download=False)
    with open(folder / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(b"\0" * 4542)   # right size, wrong bytes
    with pytest.raises(data.DatasetError, match="SHA-256 checksum mismatch"):
        data.load("mnist", path=str(tmp_path), download=False)


def test_offline_without_files_lists_what_is_needed_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(data.DatasetError) as info:
        mnist.locate("fashion-mnist", mirrors=["http://127.0.0.1:9/"], progress=False)   # port 9: nothing listens
    message = str(info.value)
    for f in mnist.FILES["fashion-mnist"]:
        assert f in message
    assert str(tmp_path / "cache" / "minigan" / "fashion-mnist") in message and "MINIGAN_DATA" in message
    assert "The download failed" in message
    assert "could not download it: " in message and "could not write" not in message    # a network failure, said as one
    assert "--data <folder>" in message                                                 # the flag that gives the path


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server (loopback only) playing the public mirror."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.mark.needs_data
def test_missing_files_are_downloaded_verified_and_written_atomically(tmp_path, monkeypatch, mirror):
    root, url = mirror
    for f in mnist.FILES["mnist"]:
        shutil.copy(os.path.join(SHARED, "mnist", f), root / f)
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = mnist.locate("mnist", mirrors=[url], progress=False)
    assert folder == str(tmp_path / "cache" / "minigan" / "mnist")
    assert sorted(os.listdir(folder)) == sorted(mnist.FILES["mnist"])       # no temporary files left
    assert len(data.load("mnist", "test")) == 10000


@pytest.mark.needs_data
def test_a_corrupt_download_is_refused_and_not_kept(tmp_path, monkeypatch, mirror):
    root, url = mirror
    for f in mnist.FILES["mnist"]:
        shutil.copy(os.path.join(SHARED, "mnist", f), root / f)
    (root / "train-labels-idx1-ubyte.gz").write_bytes(b"x" * 28881)
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(data.DatasetError, match="checksum mismatch"):
        mnist.locate("mnist", mirrors=[url], progress=False)
    assert "train-labels-idx1-ubyte.gz" not in os.listdir(tmp_path / "cache" / "minigan" / "mnist")


def test_an_explicit_path_that_does_not_exist(tmp_path):
    with pytest.raises(data.DatasetError, match="does not exist"):
        mnist.locate("mnist", path=str(tmp_path / "nope"), download=False)


def test_not_an_idx_file(tmp_path):
    import gzip
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x12\x34\x56\x78" + b"\0" * 20)
    with pytest.raises(data.DatasetError, match="not an unsigned-byte IDX file"):
        mnist.read_idx(str(bad))


@pytest.mark.needs_data
def test_unknown_dataset_and_bad_classes():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        data.load("cifar")
    with pytest.raises(ValueError, match="classes must be digits 0..9"):
        data.load("mnist", classes=[3, 12])


def test_batches_shuffle_from_a_seed():
    x = numpy.arange(10)
    a = list(data.batches(x, 3, numpy.random.default_rng(1)))
    b = list(data.batches(x, 3, numpy.random.default_rng(1)))
    assert [list(v) for v in a] == [list(v) for v in b]               # the same seed, the same order
    assert [len(v) for v in a] == [3, 3, 3]                           # the last partial batch is dropped
    assert len(set(numpy.concatenate(a).tolist())) == 9               # no example twice
    c = list(data.batches(x, 3, numpy.random.default_rng(2)))
    assert [list(v) for v in a] != [list(v) for v in c]
    assert [len(v) for v in data.batches(x, 3, numpy.random.default_rng(1), drop_last=False)] == [3, 3, 3, 1]


@pytest.mark.parametrize("sampler,modes,n_modes", [(data.ring, data.ring_modes, 8), (data.grid, data.grid_modes, 25)])
def test_toy_mixtures_put_every_sample_near_a_mode(sampler, modes, n_modes):
    points = sampler(5000, numpy.random.default_rng(0))
    centres = modes()
    assert points.shape == (5000, 2) and centres.shape == (n_modes, 2)
    nearest = numpy.linalg.norm(points[:, None] - centres[None], axis=2).argmin(axis=1)
    assert len(set(nearest.tolist())) == n_modes                     # every mode is used
    distances = numpy.linalg.norm(points - centres[nearest], axis=1)
    assert distances.max() < 0.3


def test_toy_mixture_parameters():
    assert numpy.allclose(numpy.linalg.norm(data.ring_modes(6, radius=3.0), axis=1), 3.0)
    points = data.grid(20000, numpy.random.default_rng(0), side=3, spacing=10.0, std=0.5)
    centres = data.grid_modes(3, 10.0)
    nearest = numpy.linalg.norm(points[:, None] - centres[None], axis=2).argmin(axis=1)
    assert abs((points - centres[nearest]).std() - 0.5) < 0.01       # the std parameter is the spread per axis
    with pytest.raises(ValueError, match="expected std > 0, got 0"):
        data.ring(10, numpy.random.default_rng(0), std=0)
    with pytest.raises(ValueError, match="expected n_modes to be a positive integer"):
        data.ring_modes(0)
