"""CuPy against NumPy: every layer, loss and optimizer gives the same numbers on the GPU, within
float32 tolerance. Run with `pytest -m gpu` on a machine with CUDA; elsewhere they skip, saying why."""
import numpy
import pytest

from minigan import backend, losses, nn, optim
from minigan.backend import to_numpy
from conftest import requires_gpu

pytestmark = [pytest.mark.gpu, requires_gpu]

RTOL, ATOL = 1e-4, 1e-5


def build_layers():
    return [
        (lambda: nn.Dense(6, 5), (8, 6)),
        (lambda: nn.Dense(6, 5, bias=False), (8, 6)),
        (lambda: nn.ReLU(), (8, 6)),
        (lambda: nn.LeakyReLU(0.2), (8, 6)),
        (lambda: nn.Sigmoid(), (8, 6)),
        (lambda: nn.Tanh(), (8, 6)),
        (lambda: nn.Flatten(), (4, 2, 3, 3)),
        (lambda: nn.Reshape((2, 3)), (4, 6)),
        (lambda: nn.Sequential(nn.Dense(6, 16), nn.LeakyReLU(0.2), nn.Dense(16, 1)), (8, 6)),
        (lambda: nn.Conv2d(3, 8, 5, stride=2, padding=2), (4, 3, 14, 14)),
        (lambda: nn.Conv2d(3, 8, (3, 2), stride=(2, 1), padding="same", bias=False), (4, 3, 9, 7)),
        (lambda: nn.ConvTranspose2d(8, 4, 5, stride=2, padding=2, output_padding=1), (4, 8, 7, 7)),
        (lambda: nn.ConvTranspose2d(8, 4, 5, stride=2, padding="same", bias=False), (4, 8, 7, 7)),
        (lambda: nn.ConvTranspose2d(8, 4, 5, stride=1, padding=2), (4, 8, 7, 7)),
        (lambda: nn.BatchNorm1d(6), (8, 6)),
        (lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ]


@pytest.mark.parametrize("make,shape", build_layers(), ids=lambda v: "" if isinstance(v, tuple) else None)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_forward_and_backward_match_numpy(make, shape, mode):
    import cupy
    backend.manual_seed(1)
    cpu = make()
    backend.manual_seed(1)
    gpu = make().to(device="gpu")          # same seed: the same initial weights
    cpu.train(mode == "train")
    gpu.train(mode == "train")
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal(shape).astype(numpy.float32)
    y_cpu = cpu.forward(x)
    y_gpu = gpu.forward(cupy.asarray(x))
    assert isinstance(y_gpu, cupy.ndarray)
    numpy.testing.assert_allclose(to_numpy(y_gpu), y_cpu, rtol=RTOL, atol=ATOL)
    dy = rng.standard_normal(y_cpu.shape).astype(numpy.float32)
    numpy.testing.assert_allclose(to_numpy(gpu.backward(cupy.asarray(dy))), cpu.backward(dy), rtol=RTOL, atol=ATOL)
    for pc, pg in zip(cpu.parameters(), gpu.parameters()):
        numpy.testing.assert_allclose(to_numpy(pg.grad), pc.grad, rtol=RTOL, atol=ATOL)
    for (name, bc), (_, bg) in zip(cpu.named_buffers(), gpu.named_buffers()):
        numpy.testing.assert_allclose(to_numpy(bg), bc, rtol=RTOL, atol=ATOL, err_msg=name)


def test_bench_layers_runs_on_the_gpu(capsys):
    from minigan.cli import main
    assert main(["bench", "layers", "--device", "gpu", "--batch-size", "8", "--repeats", "2"]) == 0
    assert "device gpu" in capsys.readouterr().out


def test_dropout_on_the_gpu_is_inverted_and_seeded():
    import cupy
    x = cupy.ones((300, 400), dtype=cupy.float32)
    y = nn.Dropout(0.3, seed=2).forward(x)
    kept = to_numpy(y != 0)
    assert abs(kept.mean() - 0.7) < 0.01
    numpy.testing.assert_allclose(to_numpy(y)[kept], 1 / 0.7, rtol=1e-6)   # exact p on the GPU
    numpy.testing.assert_array_equal(to_numpy(nn.Dropout(0.3, seed=2).forward(x)), to_numpy(y))


@pytest.mark.parametrize("fn", [lambda z: losses.bce_with_logits(z, 0.9), losses.generator_loss_minimax,
                                losses.generator_loss_nonsaturating], ids=["bce", "minimax", "nonsaturating"])
def test_losses_match_numpy(fn):
    import cupy
    z = numpy.linspace(-30, 30, 64, dtype=numpy.float32).reshape(64, 1)
    v_cpu, g_cpu = fn(z)
    v_gpu, g_gpu = fn(cupy.asarray(z))
    assert v_gpu == pytest.approx(v_cpu, rel=1e-5)
    numpy.testing.assert_allclose(to_numpy(g_gpu), g_cpu, rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda ps: optim.Adam(ps, lr=0.01, betas=(0.5, 0.999), l1=1e-3)],
                         ids=["sgd", "adam"])
def test_optimizer_steps_match_numpy(make):
    import cupy
    backend.manual_seed(4)
    cpu = nn.Dense(5, 3)
    backend.manual_seed(4)
    gpu = nn.Dense(5, 3).to(device="gpu")
    opt_cpu, opt_gpu = make(cpu.parameters()), make(gpu.parameters())
    for step in range(5):
        g = numpy.random.default_rng(step).standard_normal((5, 3)).astype(numpy.float32)
        cpu.weight.grad[...] = g
        gpu.weight.grad[...] = cupy.asarray(g)
        opt_cpu.step()
        opt_gpu.step()
    numpy.testing.assert_allclose(to_numpy(gpu.weight.data), cpu.weight.data, rtol=RTOL, atol=ATOL)
    state = opt_gpu.state_dict()      # saved as NumPy, loadable on either device
    assert all(isinstance(a, numpy.ndarray) for arrays in state["slots"].values() for a in arrays)


def test_a_toy_gan_step_runs_on_the_gpu():
    import cupy
    from minigan import toy_gan
    backend.set_device("gpu")
    G, D = toy_gan.build_toy_gan()
    opt_g, opt_d = optim.Adam(G.parameters(), lr=1e-3), optim.Adam(D.parameters(), lr=1e-3)
    real = cupy.asarray(numpy.random.default_rng(0).standard_normal((32, 2)).astype(numpy.float32))
    noise = cupy.asarray(numpy.random.default_rng(1).standard_normal((32, 2)).astype(numpy.float32))
    d_loss, g_loss, d_x, d_g_z = toy_gan.gan_step(G, D, opt_g, opt_d, real, noise, losses.get_gan_loss("nonsaturating"))
    assert all(numpy.isfinite(v) for v in (d_loss, g_loss, d_x, d_g_z))


def test_the_trainer_runs_saves_and_samples_on_the_gpu(tmp_path):
    from minigan.training.sample import sample
    from minigan.training import Trainer, TrainConfig
    config = TrainConfig(model="dcgan", width=0.125, dataset="mnist", device="gpu", batch_size=16, out=str(tmp_path))
    data = numpy.random.default_rng(0).uniform(-1, 1, (64, 1, 28, 28)).astype(numpy.float32)
    trainer = Trainer(config, real_data=data)
    for batch, _ in list(trainer.epoch_batches())[:3]:
        row = trainer.train_step(backend.to_device(batch, "gpu"), trainer.next_noise(16))
        assert numpy.isfinite(row["d_loss"]) and all(numpy.isfinite(v) for v in row["grad_norms"].values())
    trainer.save_checkpoint(str(tmp_path / "checkpoint.npz"))
    import json
    with open(tmp_path / "config.json", "w") as f:
        json.dump({"dataset": "mnist"}, f)
    images = sample(str(tmp_path), 32, str(tmp_path / "s.npz"), device="gpu")
    assert images.shape == (32, 1, 28, 28)


@pytest.mark.parametrize("fields", [dict(conditional=True), dict(loss="acgan"), dict(infogan=True)],
                         ids=["cgan", "acgan", "infogan"])
def test_conditional_steps_on_the_gpu_match_the_cpu(tmp_path, fields):
    """The labels, one-hot rows and heads' losses of the conditional GANs, on CuPy: the same first step
    as on the CPU (the codes are drawn on the host), within float32 tolerance."""
    from minigan.training import Trainer, TrainConfig
    data = numpy.random.default_rng(0).uniform(-1, 1, (32, 1, 28, 28)).astype(numpy.float32)
    labels = numpy.arange(32) % 10
    rows = {}
    for device in ("cpu", "gpu"):
        config = TrainConfig(model="mlp", width=0.25, dataset="mnist", device=device, batch_size=16,
                             out=str(tmp_path / device), **fields)
        trainer = Trainer(config, real_data=data, real_labels=labels)
        batch, batch_labels = next(iter(trainer.epoch_batches()))
        rows[device] = trainer.train_step(backend.to_device(batch, device), trainer.next_noise(16),
                                          backend.to_device(batch_labels, device))
    assert rows["gpu"]["d_loss"] == pytest.approx(rows["cpu"]["d_loss"], rel=1e-4)
    assert rows["gpu"]["g_loss"] == pytest.approx(rows["cpu"]["g_loss"], rel=1e-4)
