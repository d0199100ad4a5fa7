"""Bad input gets a clear error that names the layer or function, what it expected and what it got."""
import numpy
import pytest

from minigan import losses, nn, optim


def f32(*shape):
    return numpy.ones(shape, dtype=numpy.float32)


def test_wrong_feature_count():
    with pytest.raises(ValueError, match=r"Dense\(784→256\)\.forward: expected 784 input features, got input of shape \(64, 100\)"):
        nn.Dense(784, 256).forward(f32(64, 100))


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"Dense\(4→2\)\.forward: expected a 2-D input \(N, in_features\), got float32 array of shape \(3, 2, 2\)"):
        nn.Dense(4, 2).forward(f32(3, 2, 2))


@pytest.mark.parametrize("layer", [nn.Dense(4, 2), nn.ReLU(), nn.Tanh(), nn.Dropout(0.1)], ids=repr)
def test_integer_input_is_a_type_error(layer):
    with pytest.raises(TypeError, match=r"expected input of dtype float32 or float64, got uint8 array of shape \(2, 4\)"):
        layer.forward(numpy.ones((2, 4), dtype=numpy.uint8))


def test_a_list_is_not_an_array():
    with pytest.raises(TypeError, match=r"Dense\(2→1\)\.forward: expected input to be a NumPy or CuPy array, got list"):
        nn.Dense(2, 1).forward([[1.0, 2.0]])


def test_dtype_mismatch_with_the_parameters():
    with pytest.raises(TypeError, match="input dtype float64 does not match the layer's parameters \\(float32\\)"):
        nn.Dense(2, 1).forward(numpy.ones((1, 2)))


@pytest.mark.parametrize("fn", [losses.generator_loss_minimax, losses.generator_loss_nonsaturating,
                                lambda z: losses.bce_with_logits(z, 1.0)], ids=["minimax", "nonsaturating", "bce"])
@pytest.mark.parametrize("bad", [numpy.nan, numpy.inf, -numpy.inf])
def test_nan_or_inf_logits_are_refused(fn, bad):
    z = f32(4, 1)
    z[2] = bad
    with pytest.raises(ValueError, match=r"logits contains \d NaN and \d Inf values .*shape \(4, 1\)"):
        fn(z)


def test_targets_must_match_the_logits_exactly():
    with pytest.raises(ValueError, match=r"bce_with_logits: expected targets to have the shape of the logits \(4, 1\), got float32 array of shape \(4,\)"):
        losses.bce_with_logits(f32(4, 1), f32(4))
    with pytest.raises(ValueError, match=r"expected a target in \[0, 1\], got 2"):
        losses.bce_with_logits(f32(4, 1), 2)


def test_backward_with_no_forward():
    with pytest.raises(ValueError, match=r"Tanh\(\)\.backward: called with no pending forward"):
        nn.Tanh().backward(f32(2, 2))


def test_gradient_of_the_wrong_shape():
    layer = nn.Dense(3, 2)
    layer.forward(f32(5, 3))
    with pytest.raises(ValueError, match=r"Dense\(3→2\)\.backward: expected dy of shape \(5, 2\) \(the shape forward returned\), got float32 array of shape \(5, 1\)"):
        layer.backward(f32(5, 1))
    layer.backward(f32(5, 2))   # the refused call did not consume the cache


def test_reshape_size_mismatch():
    with pytest.raises(ValueError, match=r"Reshape\(\(7, 7\)\)\.forward: expected \(N, \.\.\.\) with 49 values per example"):
        nn.Reshape((7, 7)).forward(f32(2, 50))


@pytest.mark.parametrize("make,message", [
    (lambda: nn.Dense(0, 3), "Dense: expected in_features to be a positive integer, got 0"),
    (lambda: nn.Dense(3, 2.5), "Dense: expected out_features to be a positive integer, got 2.5"),
    (lambda: nn.Dropout(1.0), r"Dropout: expected a drop probability 0 <= p < 1, got 1.0"),
    (lambda: nn.LeakyReLU(-0.1), "LeakyReLU: expected 0 <= negative_slope < 1"),
    (lambda: nn.Dense(2, 2, init="kaiming"), "unknown initializer 'kaiming'"),
    (lambda: nn.Sequential(nn.Dense(2, 2), "relu"), "Sequential: expected layers .* got str at position 1"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.Adam(p, lr=-1), "Adam: expected lr to be a finite number >= 0, got -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), r"Adam: expected betas in \[0, 1\)"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=1.5), "SGD: expected 0 <= momentum < 1, got 1.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs a momentum > 0"),
    (lambda p: optim.SGD([], lr=0.1), "SGD: got an empty parameter list"),
    (lambda p: optim.SGD([numpy.zeros(3)], lr=0.1), "SGD: expected minigan.nn.Parameter objects, got ndarray"),
])
def test_bad_optimizer_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(nn.Dense(2, 2).parameters())


# ---------------------------------------------------------------------------------------------
# The sweep: bad inputs across the Python API and the CLI, one row each. Every row names the
# exception type and the words the message must contain: what was expected and what was got.
# None may end inside NumPy (a raw broadcasting or indexing error) or pass silently.
# ---------------------------------------------------------------------------------------------
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402

from minigan import models  # noqa: E402

from minigan.data import toy as toy_data  # noqa: E402
from minigan.evaluation import evaluate  # noqa: E402
from minigan.gan import penalties  # noqa: E402
from minigan.gan.unrolled import UnrolledObjective  # noqa: E402
from minigan.cli import main  # noqa: E402
from minigan.training import TrainConfig, Trainer, run_folder  # noqa: E402


def _kept_dense():
    layer = nn.Dense(2, 2)
    layer.forward(f32(3, 2))
    layer.backward(f32(3, 2))
    return layer


def _twice():
    layer = nn.Tanh()
    layer.forward(f32(2, 2))
    layer.forward(f32(2, 2))


def _load_sgd_into_adam():
    optim.Adam(nn.Dense(3, 2).parameters()).load_state_dict(
        optim.SGD(nn.Dense(3, 2).parameters(), lr=0.1, momentum=0.5).state_dict())


def _with(x, value):
    x.flat[0] = value
    return x


def _step_with(make_optimizer, value):
    layer = nn.Dense(3, 2)
    opt = make_optimizer(layer.parameters())
    layer.weight.grad[1, 1] = value
    before = layer.weight.data.copy()
    try:
        opt.step()
    finally:
        assert numpy.array_equal(before, layer.weight.data) and opt.step_count == 0, "the refused step changed the weights"


def _unroll(steps):
    D = nn.Dense(2, 1)
    UnrolledObjective(losses.get_gan_loss("nonsaturating"), steps, 0.1)(D, f32(4, 2), f32(4, 2))


API_CASES = [
    # layers: shapes, dtypes, ranks
    ("dense features", lambda: nn.Dense(784, 256).forward(f32(64, 100)), ValueError, ["expected 784 input features", "(64, 100)"]),
    ("dense rank", lambda: nn.Dense(4, 2).forward(f32(3, 2, 2)), ValueError, ["expected a 2-D input", "(3, 2, 2)"]),
    ("dense uint8", lambda: nn.Dense(4, 2).forward(numpy.ones((2, 4), numpy.uint8)), TypeError, ["float32 or float64", "uint8"]),
    ("dense list", lambda: nn.Dense(2, 1).forward([[1.0, 2.0]]), TypeError, ["NumPy or CuPy array", "list"]),
    ("dense float64 vs float32", lambda: nn.Dense(2, 1).forward(numpy.ones((1, 2))), TypeError, ["float64", "(float32)"]),
    ("conv channels", lambda: nn.Conv2d(2, 3, 3).forward(f32(1, 4, 5, 5)), ValueError, ["expected 2 input channels", "(1, 4, 5, 5)"]),
    ("conv rank", lambda: nn.Conv2d(2, 3, 3).forward(f32(2, 5, 5)), ValueError, ["4-D input (N, C, H, W)", "(2, 5, 5)"]),
    ("conv kernel too big", lambda: nn.Conv2d(2, 3, 7).forward(f32(1, 2, 5, 5)), ValueError, ["7×7 kernel is larger", "5×5"]),
    ("convT channels", lambda: nn.ConvTranspose2d(2, 3, 3).forward(f32(1, 4, 5, 5)), ValueError, ["expected 2 input channels", "4 channels"]),
    ("bn1d features", lambda: nn.BatchNorm1d(4).forward(f32(3, 5)), ValueError, ["expected 4 features", "(3, 5)"]),
    ("bn2d rank", lambda: nn.BatchNorm2d(4).forward(f32(3, 4)), ValueError, ["4-D input (N, C, H, W)", "(3, 4)"]),
    ("bn batch of one", lambda: nn.BatchNorm1d(4).forward(f32(1, 4)), ValueError, ["more than one value per feature", "(1, 4)"]),
    ("reshape size", lambda: nn.Reshape((7, 7)).forward(f32(2, 50)), ValueError, ["49 values per example", "(2, 50)"]),
    ("flatten 1-D", lambda: nn.Flatten().forward(f32(3)), ValueError, ["batch axis", "(3,)"]),
    ("backward first", lambda: nn.Tanh().backward(f32(2, 2)), ValueError, ["no pending forward"]),
    ("dy shape", lambda: (lambda l: (l.forward(f32(5, 3)), l.backward(f32(5, 1))))(nn.Dense(3, 2)), ValueError,
     ["expected dy of shape (5, 2)", "(5, 1)"]),
    ("forward twice", _twice, ValueError, ["called again while the previous forward still waits"]),
    ("double backward not kept", lambda: _kept_dense().double_backward(f32(3, 2)), ValueError, ["keep_for_double_backward=True"]),
    # constructors
    ("dense zero", lambda: nn.Dense(0, 3), ValueError, ["positive integer", "got 0"]),
    ("dense negative", lambda: nn.Dense(-2, 3), ValueError, ["positive integer", "got -2"]),
    ("dense float size", lambda: nn.Dense(3, 2.5), ValueError, ["positive integer", "got 2.5"]),
    ("conv kernel 0", lambda: nn.Conv2d(2, 3, 0), ValueError, ["kernel_size to be a positive int", "got 0"]),
    ("conv padding name", lambda: nn.Conv2d(2, 3, 3, padding="full"), ValueError, ["'same' or 'valid'", "'full'"]),
    ("conv stride 0", lambda: nn.Conv2d(2, 3, 3, stride=(1, 0)), ValueError, ["stride to be a positive int", "(1, 0)"]),
    ("dropout p=1", lambda: nn.Dropout(1.0), ValueError, ["0 <= p < 1", "1.0"]),
    ("leaky slope", lambda: nn.LeakyReLU(1.5), ValueError, ["0 <= negative_slope < 1", "1.5"]),
    ("bn momentum", lambda: nn.BatchNorm1d(4, momentum=2), ValueError, ["0 <= momentum <= 1", "got 2"]),
    ("bn eps", lambda: nn.BatchNorm1d(4, eps=0), ValueError, ["eps > 0", "got 0"]),
    ("initializer", lambda: nn.Dense(2, 2, init="kaiming"), ValueError, ["unknown initializer 'kaiming'"]),
    ("sequential str", lambda: nn.Sequential(nn.Dense(2, 2), "relu"), TypeError, ["expected layers", "str at position 1"]),
    ("spectral norm convT", lambda: nn.SpectralNorm(nn.ConvTranspose2d(2, 2, 3)), TypeError, ["Dense or Conv2d", "ConvTranspose2d"]),
    ("spectral norm iterations", lambda: nn.SpectralNorm(nn.Dense(2, 2), n_power_iterations=0), ValueError,
     ["n_power_iterations to be a positive integer", "got 0"]),
    ("models width", lambda: models.build("mlp", 0), ValueError, ["width must be in (0, 8]", "got 0"]),
    ("models name", lambda: models.build("vae"), ValueError, ["unknown model 'vae'", "'dcgan'"]),
    # losses
    ("bce nan", lambda: losses.bce_with_logits(numpy.array([[numpy.nan]], numpy.float32), 1.0), ValueError, ["1 NaN", "(1, 1)"]),
    ("bce target shape", lambda: losses.bce_with_logits(f32(4, 1), f32(4)), ValueError, ["shape of the logits (4, 1)", "(4,)"]),
    ("bce target 2", lambda: losses.bce_with_logits(f32(4, 1), 2), ValueError, ["target in [0, 1]", "got 2"]),
    ("bce int logits", lambda: losses.bce_with_logits(numpy.ones((4, 1), numpy.int64), 1.0), TypeError, ["float32 or float64", "int64"]),
    ("ce labels range", lambda: losses.softmax_cross_entropy(numpy.ones((3, 4)), numpy.array([0, 1, 7])), ValueError, ["[0, 4)", "0..7"]),
    ("ce float labels", lambda: losses.softmax_cross_entropy(numpy.ones((3, 4)), numpy.array([0., 1., 2.])), ValueError,
     ["integer labels of shape (3,)", "float64"]),
    ("d loss inf", lambda: losses.discriminator_loss(numpy.array([[numpy.inf]]), f32(1, 1)), ValueError, ["1 Inf"]),
    ("gan loss name", lambda: losses.get_gan_loss("kl"), ValueError, ["unknown GAN loss 'kl'", "'wgan-gp'"]),
    # optimizers
    ("adam lr", lambda: optim.Adam(nn.Dense(2, 2).parameters(), lr=-1), ValueError, ["finite number >= 0", "-1"]),
    ("adam betas", lambda: optim.Adam(nn.Dense(2, 2).parameters(), betas=(1.0, 0.999)), ValueError, ["betas in [0, 1)", "(1.0, 0.999)"]),
    ("sgd empty", lambda: optim.SGD([], lr=0.1), ValueError, ["empty parameter list"]),
    ("sgd arrays", lambda: optim.SGD([numpy.zeros(3)], lr=0.1), TypeError, ["minigan.nn.Parameter", "ndarray"]),
    ("rmsprop alpha", lambda: optim.RMSProp(nn.Dense(2, 2).parameters(), alpha=1.0), ValueError, ["0 <= alpha < 1", "1.0"]),
    ("adam loads sgd state", _load_sgd_into_adam, ValueError, ["['m', 'v']", "['velocity']"]),
    # penalties
    ("gp with batchnorm", lambda: penalties.gradient_penalty(nn.Sequential(nn.Dense(2, 4), nn.BatchNorm1d(4), nn.Dense(4, 1)),
                                                              f32(4, 2)), ValueError, ["BatchNorm1d(4) in training mode"]),
    ("gp weight", lambda: penalties.gradient_penalty(nn.Dense(2, 1), f32(4, 2), weight=-1), ValueError, ["finite number >= 0", "-1"]),
    ("gp int input", lambda: penalties.gradient_penalty(nn.Dense(2, 1), numpy.ones((4, 2), numpy.int32)), TypeError, ["float32 or float64", "int32"]),
    ("interpolate shapes", lambda: penalties.interpolate(f32(4, 2), f32(3, 2), numpy.random.default_rng(0)), ValueError,
     ["shape of real (4, 2)", "(3, 2)"]),
    ("interpolate rng", lambda: penalties.interpolate(f32(4, 2), f32(4, 2), 7), TypeError, ["numpy.random.Generator", "int 7"]),
    ("r1 with dropout", lambda: penalties.r1_penalty(nn.Sequential(nn.Dense(2, 4), nn.Dropout(0.5), nn.Dense(4, 1)), f32(4, 2), 1.0),
     ValueError, ["Dropout(p=0.5) in training mode"]),
    # the run's configuration
    ("config toy on mnist", lambda: TrainConfig(model="toy", dataset="mnist").validate(), ValueError, ["minigan train: --model toy does not fit --dataset mnist"]),
    ("config loss", lambda: TrainConfig(loss="nope").validate(), ValueError, ["minigan train: --loss must be one of", "'nope'"]),
    ("config epochs", lambda: TrainConfig(epochs=0).validate(), ValueError, ["minigan train: --epochs must be a positive integer, got 0"]),
    ("config batch", lambda: TrainConfig(batch_size=-3).validate(), ValueError, ["minigan train: --batch-size must be a positive integer, got -3"]),
    ("config lr", lambda: TrainConfig(lr_g=0.0).validate(), ValueError, ["minigan train: --lr-g must be > 0, got 0.0"]),
    ("config smoothing", lambda: TrainConfig(label_smoothing=0.6).validate(), ValueError, ["[0, 0.5)", "0.6"]),
    ("config clip", lambda: TrainConfig(loss="wgan", clip=-1).validate(), ValueError, ["--clip", "> 0", "-1"]),
    ("config seed", lambda: TrainConfig(seed=-1).validate(), ValueError, ["minigan train: --seed must be an integer >= 0, got -1"]),
    ("config eval-n", lambda: TrainConfig(eval_n=1).validate(), ValueError, ["minigan train: --eval-n must be an integer >= 2, got 1"]),
    ("config width", lambda: TrainConfig(width=0).validate(), ValueError, ["minigan train: --width must be in (0, 8], got 0"]),
    ("config classes", lambda: TrainConfig(classes=[3, 11]).validate(), ValueError, ["minigan train: --classes must be in [0, 9], got 11"]),
    ("config gp weight", lambda: TrainConfig(gp_weight=5.0).validate(), ValueError, ["--gp-weight belongs to --loss wgan-gp"]),
    ("config r1 with wgan", lambda: TrainConfig(loss="wgan", r1=1.0).validate(), ValueError, ["--r1", "wgan"]),
    ("config dropout on mlp", lambda: TrainConfig(dropout=0.5).validate(), ValueError, ["--dropout belongs to --model dcgan", "--dropout 0.5 would be ignored"]),
    ("config optimizer", lambda: TrainConfig(optimizer="adagrad").validate(), ValueError, ["minigan train: --optimizer must be one of adam, rmsprop, sgd, got 'adagrad'"]),
    ("config beta1", lambda: TrainConfig(beta1=1.2).validate(), ValueError, ["minigan train: --beta1 must be in [0, 1), got 1.2"]),
    ("config checkpoint-every", lambda: TrainConfig(checkpoint_every=0).validate(), ValueError, ["--checkpoint-every", "0"]),
    # NaN and Inf from Python, where they enter a network or an optimizer (issue 22)
    ("dense nan", lambda: nn.Dense(2, 2).forward(_with(f32(3, 2), numpy.nan)), ValueError, ["Dense(2→2).forward", "1 NaN and 0 Inf"]),
    ("dense inf", lambda: nn.Dense(2, 2).forward(_with(f32(3, 2), numpy.inf)), ValueError, ["Dense(2→2).forward", "0 NaN and 1 Inf"]),
    ("sequential nan", lambda: nn.Sequential(nn.Dense(2, 2), nn.ReLU()).forward(_with(f32(3, 2), numpy.nan)), ValueError,
     ["Sequential(...).forward", "1 NaN"]),
    ("predict nan", lambda: nn.Dense(2, 2).predict(_with(f32(3, 2), -numpy.inf)), ValueError, ["Dense(2→2).forward", "1 Inf"]),
    ("conv nan", lambda: nn.Conv2d(1, 2, 3).forward(_with(f32(1, 1, 5, 5), numpy.nan)), ValueError, ["Conv2d", "1 NaN"]),
    ("dense dy nan", lambda: (lambda l: (l.forward(f32(3, 2)), l.backward(_with(f32(3, 2), numpy.nan))))(nn.Dense(2, 2)),
     ValueError, ["Dense(2→2).backward", "dy contains 1 NaN"]),
    ("adam nan gradient", lambda: _step_with(optim.Adam, numpy.nan), ValueError, ["Adam.step", "parameter 0 (weight", "1 NaN",
                                                                                  "no parameter was changed"]),
    ("sgd inf gradient", lambda: _step_with(lambda ps: optim.SGD(ps, lr=0.1), numpy.inf), ValueError, ["SGD.step", "1 Inf"]),
    ("rmsprop nan gradient", lambda: _step_with(optim.RMSProp, numpy.nan), ValueError, ["RMSProp.step", "1 NaN"]),
    # sizes too large to hold, refused before allocating (issue 22)
    ("minibatch kernels 1e9", lambda: nn.MinibatchDiscrimination(128, 10**9), ValueError, ["MinibatchDiscrimination", "TiB",
                                                                                          "fewer kernels"]),
    ("minibatch batch 1e5", lambda: nn.MinibatchDiscrimination(4, 1000).forward(f32(100_000, 4)), ValueError,
     ["pairwise differences of 100000 samples", "smaller batch"]),
    ("unroll 1e12 steps", lambda: _unroll(10**12), ValueError, ["1000000000000 look-ahead copies", "--unroll"]),
    ("toy ring 1e12", lambda: toy_data.ring(10**12, numpy.random.default_rng(0)), ValueError, ["ring: 1000000000000 points",
                                                                                               "--toy-samples"]),
    # more layers and pieces
    ("one-hot out of range", lambda: nn.OneHot(10).forward(numpy.array([3, 12])), ValueError, ["[0, 10)", "12"]),
    ("one-hot float labels", lambda: nn.OneHot(10).forward(numpy.array([1.0, 2.0])), TypeError, ["integer", "float64"]),
    ("pack batch", lambda: nn.Pack(3).forward(f32(4, 2)), ValueError, ["Pack", "(4, 2)"]),
    ("dropout on mlp", lambda: models.build("mlp", 1.0, dropout=0.3), ValueError, ["no Dropout layers", "0.3"]),
    ("points shape", lambda: evaluate.evaluate_points(numpy.zeros((10, 3)), "ring"), ValueError, ["(10, 3)"]),
    ("optimizer state shape", lambda: optim.Adam(nn.Dense(3, 2).parameters()).load_state_dict(
        optim.Adam(nn.Dense(2, 2).parameters()).state_dict()), ValueError, ["shape (2, 2)", "(3, 2)"]),
    ("real data uint8", lambda: Trainer(TrainConfig(model="mlp", dataset="mnist", batch_size=4),
                                        real_data=numpy.zeros((8, 1, 28, 28), numpy.uint8)), TypeError, ["float NumPy array", "uint8"]),
    ("real data shape", lambda: Trainer(TrainConfig(model="toy", dataset="ring", batch_size=4),
                                        real_data=numpy.zeros((8, 3), numpy.float32)), TypeError, ["(N, 2)", "(8, 3)"]),
    # the run's configuration, from Python (issue 22)
    ("config batch True", lambda: TrainConfig(batch_size=True).validate(), ValueError, ["--batch-size must be an integer, got True"]),
    ("config max steps 2.5", lambda: TrainConfig(max_steps=2.5).validate(), ValueError, ["--max-steps must be an integer, got 2.5"]),
    ("config epochs nan", lambda: TrainConfig(epochs=float("nan")).validate(), ValueError, ["--epochs must be an integer, got nan"]),
    ("config lr inf", lambda: TrainConfig(lr_d=float("inf")).validate(), ValueError, ["--lr-d must be a finite number, got inf"]),
    ("config repeated classes", lambda: TrainConfig(classes=[3, 3, 7]).validate(), ValueError, ["must not repeat a value", "[3, 3, 7]"]),
    ("config unroll-lr alone", lambda: TrainConfig(unroll_lr=0.01).validate(), ValueError, ["--unroll-lr belongs to --unroll"]),
    ("config clip alone", lambda: TrainConfig(clip=0.1).validate(), ValueError, ["--clip belongs to --loss wgan"]),
    ("config eval-n on a toy set", lambda: TrainConfig(model="toy", dataset="ring", eval_n=500).validate(), ValueError,
     ["--eval-n belongs to --eval-every-epoch"]),
    ("config mismatch alone", lambda: TrainConfig(mismatch=1.0).validate(), ValueError, ["--mismatch belongs to --conditional"]),
    ("config beta2 with rmsprop", lambda: TrainConfig(optimizer="rmsprop", beta2=0.9).validate(), ValueError, ["--beta2 belongs to --optimizer adam"]),
    ("config smoothing with wgan", lambda: TrainConfig(loss="wgan", label_smoothing=0.1).validate(), ValueError,
     ["--label-smoothing belongs to"]),
    ("config unroll 1e9", lambda: TrainConfig(model="toy", dataset="ring", unroll=10**9).validate(), ValueError,
     ["more than 100 look-ahead steps"]),
    ("config pack 1e9", lambda: TrainConfig(pack=10**9).validate(), ValueError, ["multiple of --pack 1000000000"]),
    ("config dcgan batch 1", lambda: TrainConfig(model="dcgan", batch_size=1).validate(), ValueError, ["--batch-size 1 is too small",
                                                                                                      "BatchNorm"]),
    ("config width 9", lambda: TrainConfig(width=9).validate(), ValueError, ["--width must be in (0, 8], got 9"]),
    ("config ema 1", lambda: TrainConfig(ema=1.0).validate(), ValueError, ["--ema must be in [0, 1), got 1.0"]),
    ("config r1 negative", lambda: TrainConfig(r1=-1.0).validate(), ValueError, ["--r1 must be >= 0, got -1.0"]),
    ("config dataset", lambda: TrainConfig(dataset="cifar").validate(), ValueError, ["--dataset must be one of", "'cifar'"]),
    ("config classes on a toy set", lambda: TrainConfig(model="toy", dataset="ring", classes=[1]).validate(), ValueError, ["--classes"]),
    ("nan in the real data", lambda: Trainer(TrainConfig(model="toy", dataset="ring", toy_samples=256),
                                             real_data=numpy.full((256, 2), numpy.nan, numpy.float32)).train_step(
        numpy.full((64, 2), numpy.nan, numpy.float32), numpy.zeros((64, 2), numpy.float32)), ValueError,
     ["real batch of step 1 contains 128 NaN", "training data is damaged"]),
]


@pytest.mark.parametrize("make,kind,words", [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_the_api_sweep(make, kind, words):
    with pytest.raises(kind) as info:
        make()
    message = str(info.value)
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    assert "numpy" not in str(info.traceback[-1].path), f"raised from inside NumPy: {info.traceback[-1]}"


@pytest.fixture(scope="module")
def a_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "run"
    assert main(["train", "--model", "toy", "--dataset", "ring", "--epochs", "1", "--batch-size", "500", "--quiet",
                 "--out", str(out)]) == 0
    return out


def _samples(folder, name, **arrays):
    path = os.path.join(folder, name)
    numpy.savez(path, **arrays)
    return path


IMAGES = numpy.random.default_rng(0).uniform(0, 255, (50, 28, 28))
WITH_NAN = numpy.full((50, 28, 28), -0.5, numpy.float32)
WITH_NAN[:, 0, 0] = numpy.nan                     # one NaN pixel in each of the 50 images
CLI_CASES = [
    # (id, argv with {run} and {tmp} placeholders, exit code, words in stderr)
    ("unknown recipe", ["train", "--recipe", "pacman"], 1, ["minigan train: --recipe must be one of pacgan, unrolled, wgan-gp-toy, got 'pacman'"]),
    ("a recipe's toy network on an image set", ["train", "--recipe", "pacgan", "--dataset", "mnist"], 1,
     ["minigan train: --recipe pacgan trains on ring or grid (its paper's toy experiment), got --dataset mnist"]),
    ("unknown model", ["train", "--model", "gan9000"], 1, ["minigan train: --model must be one of mlp, dcgan, infogan, toy, toy-pacgan, toy-unrolled, toy-wgan-gp, got 'gan9000'"]),
    ("batch size 0", ["train", "--batch-size", "0"], 1, ["minigan train: --batch-size must be a positive integer, got 0"]),
    ("negative seed", ["train", "--seed", "-1"], 1, ["minigan train: --seed must be an integer >= 0, got -1"]),
    ("typo suggestion", ["train", "--spectralnorm"], 2, ["--spectralnorm", "did you mean --spectral-norm?"]),
    ("bad width", ["train", "--width", "abc"], 2, ["minigan train: --width must be a number, got 'abc'"]),
    ("folder holds a run", ["train", "--model", "toy", "--dataset", "ring", "--quiet", "--out", "{run}"], 1,
     ["already holds a run", "--resume", "--overwrite"]),
    ("resume nothing", ["train", "--resume", "--quiet", "--out", "{tmp}/none"], 1, ["no run to resume", "checkpoint.npz does not exist"]),
    ("resume and overwrite", ["train", "--resume", "--overwrite", "--quiet", "--out", "{run}"], 1, ["give one of them"]),
    ("resume contradiction", ["train", "--resume", "--model", "mlp", "--quiet", "--out", "{run}"], 1,
     ["--model 'mlp' (the run: 'toy')"]),
    ("gp on the dcgan dropout", ["train", "--model", "dcgan", "--loss", "wgan-gp", "--dropout", "0.3", "--quiet",
                                 "--out", "{tmp}/gp"], 1, ["Dropout(p=0.3) in training mode", "--dropout 0"]),
    ("classes out of range", ["train", "--classes", "11", "--quiet", "--out", "{tmp}/c"], 1, ["minigan train: --classes must be in [0, 9], got 11"]),
    ("missing data folder", ["train", "--data", "{tmp}/nowhere", "--quiet", "--out", "{tmp}/d"], 1, ["the data path"]),
    ("gpu without cupy", ["train", "--device", "gpu", "--model", "toy", "--dataset", "ring", "--quiet", "--out", "{tmp}/g"],
     1, ["CuPy", "--device cpu"]),
    ("sample no run", ["sample", "--run", "{tmp}/none", "--out", "{tmp}/s.npz"], 1, ["does not exist"]),
    ("sample n 0", ["sample", "--run", "{run}", "--n", "0", "--out", "{tmp}/s.npz"], 2, ["--n", "got 0"]),
    ("eval neither", ["eval"], 1, ["exactly one of --run and --samples"]),
    ("eval 0..255 floats", ["eval", "--samples", "{f255}"], 1, ["float values from", "to 25", "uint8"]),
    ("eval 0..1 floats", ["eval", "--samples", "{f01}"], 1, ["none negative", "[0, 1]"]),
    ("eval bool images", ["eval", "--samples", "{fbool}"], 1, ["uint8 (0..255) or floats in [-1, 1]", "bool"]),
    ("eval nan images", ["eval", "--samples", "{fnan}"], 1, ["50 NaN"]),
    ("eval points as mnist", ["eval", "--samples", "{fpts}", "--dataset", "mnist"], 1, ["toy set", "'mnist'"]),
    ("demo into a file", ["demo", "--quiet", "--out", "{file}"], 1, ["is a file", "needs a folder"]),
    ("classifier into a folder", ["classifier", "--quiet", "--out", "{tmp}"], 1, ["is a folder", "give a file name"]),
    ("bench unknown model", ["bench", "train", "--model", "vae"], 2, ["invalid choice: 'vae'"]),
    # issue 22: flags that do not apply, one rule for all
    ("repeated classes", ["train", "--classes", "3", "3", "7", "--quiet", "--out", "{tmp}/c"], 1, ["--classes must not repeat a value"]),
    ("unroll-lr alone", ["train", "--unroll-lr", "0.01", "--quiet", "--out", "{tmp}/u"], 1, ["--unroll-lr belongs to --unroll"]),
    ("clip alone", ["train", "--clip", "0.1", "--quiet", "--out", "{tmp}/u"], 1, ["--clip belongs to --loss wgan"]),
    ("eval-n on a toy set", ["train", "--model", "toy", "--dataset", "ring", "--eval-n", "500", "--quiet", "--out", "{tmp}/u"],
     1, ["--eval-n belongs to --eval-every-epoch"]),
    ("classes on a toy set", ["train", "--model", "toy", "--dataset", "ring", "--classes", "1", "--quiet", "--out", "{tmp}/u"],
     1, ["--classes belongs to the image sets", "--classes 1 would be ignored"]),
    ("beta2 with rmsprop", ["train", "--optimizer", "rmsprop", "--beta2", "0.9", "--quiet", "--out", "{tmp}/u"], 1,
     ["--beta2 belongs to --optimizer adam"]),
    ("dropout on the mlp", ["train", "--dropout", "0.5", "--quiet", "--out", "{tmp}/u"], 1, ["--dropout belongs to --model dcgan"]),
    ("mismatch alone", ["train", "--mismatch", "1", "--quiet", "--out", "{tmp}/u"], 1, ["--mismatch belongs to --conditional"]),
    ("gp weight alone", ["train", "--gp-weight", "5", "--quiet", "--out", "{tmp}/u"], 1, ["--gp-weight belongs to --loss wgan-gp"]),
    ("smoothing with wgan", ["train", "--loss", "wgan", "--label-smoothing", "0.1", "--quiet", "--out", "{tmp}/u"], 1,
     ["--label-smoothing belongs to"]),
    # issue 22: sizes that cannot be held or would run for ever, refused before allocating
    ("pack 1e9", ["train", "--pack", "1000000000", "--quiet", "--out", "{tmp}/h"], 1, ["multiple of --pack 1000000000"]),
    ("minibatch kernels 1e9", ["train", "--model", "toy", "--dataset", "ring", "--minibatch-kernels", "1000000000", "--quiet",
                               "--out", "{tmp}/h"], 1, ["MinibatchDiscrimination", "would need about", "fewer kernels"]),
    ("unroll 1e9", ["train", "--model", "toy", "--dataset", "ring", "--unroll", "1000000000", "--quiet", "--out", "{tmp}/h"], 1,
     ["more than 100 look-ahead steps"]),
    ("toy samples 1e12", ["train", "--model", "toy", "--dataset", "ring", "--toy-samples", "1000000000000", "--quiet",
                          "--out", "{tmp}/h"], 1, ["1000000000000 points would need about", "--toy-samples"]),
    ("eval-n 1e12", ["train", "--eval-every-epoch", "--eval-n", "1000000000000", "--quiet", "--out", "{tmp}/h"], 1,
     ["minigan train: 1000000000000 samples would need about", "ask for fewer (--eval-n"]),
    ("batch larger than the data", ["train", "--model", "toy", "--dataset", "ring", "--toy-samples", "100", "--batch-size",
                                    "1000", "--quiet", "--out", "{tmp}/h"], 1, ["larger than the dataset (100 examples)"]),
    ("sample n 1e12", ["sample", "--run", "{run}", "--n", "1000000000000", "--out", "{tmp}/s.npz"], 1,
     ["minigan sample: 1000000000000 samples would need about"]),
    ("eval n 1e12", ["eval", "--run", "{run}", "--n", "1000000000000"], 1, ["minigan eval: 1000000000000 samples would need about"]),
    ("dcgan batch 1", ["train", "--model", "dcgan", "--batch-size", "1", "--quiet", "--out", "{tmp}/h"], 1,
     ["--batch-size 1 is too small for --model dcgan"]),
    # numbers of the wrong kind
    ("epochs 2.5", ["train", "--epochs", "2.5"], 2, ["--epochs must be an integer, got '2.5'"]),
    ("lr nan", ["train", "--lr-g", "nan", "--quiet", "--out", "{tmp}/n"], 1, ["--lr-g must be a finite number, got nan"]),
    ("lr negative", ["train", "--lr-d", "-1", "--quiet", "--out", "{tmp}/n"], 1, ["--lr-d must be > 0, got -1.0"]),
    ("width 9", ["train", "--width", "9", "--quiet", "--out", "{tmp}/n"], 1, ["--width must be in (0, 8], got 9.0"]),
    ("ema 1", ["train", "--ema", "1", "--quiet", "--out", "{tmp}/n"], 1, ["--ema must be in [0, 1), got 1.0"]),
    ("checkpoint every 0", ["train", "--checkpoint-every", "0", "--quiet", "--out", "{tmp}/n"], 1, ["--checkpoint-every must be"]),
    ("sample n -5", ["sample", "--run", "{run}", "--n", "-5", "--out", "{tmp}/s.npz"], 2, ["--n", "got -5"]),
    ("sample label on a plain run", ["sample", "--run", "{run}", "--label", "3", "--out", "{tmp}/s.npz"], 1, ["--label"]),
    ("sample into a folder", ["sample", "--run", "{run}", "--n", "10", "--out", "{tmp}"], 1, ["--out", "is a folder; give a file name"]),
    ("grid into a folder", ["sample", "--run", "{run}", "--n", "10", "--out", "{tmp}/s.npz", "--grid", "{tmp}"], 1,
     ["--grid", "is a folder"]),
    ("eval n 0", ["eval", "--run", "{run}", "--n", "0"], 2, ["--n must be a positive integer, got 0"]),
    ("eval both", ["eval", "--run", "{run}", "--samples", "{fpts}"], 1, ["exactly one of --run and --samples"]),
    # damaged files, hand edits and a live run (issue 22)
    ("eval a torn npz", ["eval", "--samples", "{ftorn}"], 1, ["{ftorn}"]),
    ("eval a text file", ["eval", "--samples", "{file}"], 1, ["{file}", "not a zip archive"]),
    ("sample a torn checkpoint", ["sample", "--run", "{torn}", "--out", "{tmp}/s.npz"], 1, ["checkpoint.npz"]),
    ("resume a torn checkpoint", ["train", "--resume", "--quiet", "--out", "{torn}"], 1, ["checkpoint.npz"]),
    ("resume a hand-edited config", ["train", "--resume", "--quiet", "--out", "{edited}"], 1, ["lr_g", "config.json"]),
    ("train on a live run", ["train", "--model", "toy", "--dataset", "ring", "--quiet", "--out", "{locked}"], 1,
     ["is in use by process", "one run at a time"]),
    ("overwrite a live run", ["train", "--model", "toy", "--dataset", "ring", "--overwrite", "--quiet", "--out", "{locked}"], 1,
     ["is in use by process"]),
    ("resume a live run", ["train", "--resume", "--quiet", "--out", "{locked}"], 1, ["is in use by process"]),
    ("exercise dir is a file", ["exercise", "start", "dense", "--dir", "{file}"], 1, ["{file}"]),
    ("exercise unknown", ["exercise", "check", "convolution3d", "--dir", "{tmp}"], 1, ["convolution3d"]),
    ("no command", [], 2, []),
]


@pytest.mark.parametrize("argv,code,words", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_the_cli_sweep(argv, code, words, a_run, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    fill = {"run": str(a_run), "tmp": str(tmp_path), "file": str(tmp_path / "file"),
            "f255": _samples(tmp_path, "f255.npz", images=IMAGES.astype(numpy.float32)),
            "f01": _samples(tmp_path, "f01.npz", images=(IMAGES / 255).astype(numpy.float32)),
            "fbool": _samples(tmp_path, "fbool.npz", images=IMAGES > 128),
            "fnan": _samples(tmp_path, "fnan.npz", images=WITH_NAN),
            "fpts": _samples(tmp_path, "fpts.npz", points=numpy.zeros((10, 2)), config=numpy.array(json.dumps({"dataset": "ring"})))}
    if any("{torn}" in a or "{edited}" in a or "{locked}" in a for a in argv):
        fill.update(_damaged_copies(a_run, tmp_path))
    if any("{ftorn}" in a for a in argv):
        whole = _samples(tmp_path, "whole.npz", images=IMAGES.astype(numpy.uint8))
        fill["ftorn"] = str(tmp_path / "torn.npz")
        with open(whole, "rb") as f:
            (tmp_path / "torn.npz").write_bytes(f.read()[:5000])
    argv = [a.format(**fill) for a in argv]
    words = [w.format(**fill) for w in words]
    live = "locked" in fill and fill["locked"] in argv          # a training holds that folder meanwhile
    with run_folder.held(fill["locked"]) if live else contextlib.nullcontext():
        try:
            got = main(argv)
        except SystemExit as exc:
            got = exc.code
    err = capsys.readouterr().err
    assert got == code, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"


def _damaged_copies(run, tmp_path) -> dict:
    """Copies of the sweep's run: its checkpoint torn, its config.json edited by hand, and one held by a
    live training (the test holds its lock)."""
    torn, edited, locked = (shutil.copytree(run, tmp_path / name) for name in ("torn", "edited", "locked"))
    data = (torn / "checkpoint.npz").read_bytes()
    (torn / "checkpoint.npz").write_bytes(data[:len(data) // 2])
    record = json.loads((edited / "config.json").read_text())
    record["lr_g"] = 123.0
    (edited / "config.json").write_text(json.dumps(record))
    return {"torn": str(torn), "edited": str(edited), "locked": str(locked)}
