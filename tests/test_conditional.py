"""Several inputs and outputs (Concat, Parallel, Fork, OneHot, Embedding, Planes), the conditional
GANs (cGAN, AC-GAN, InfoGAN), and sampling and evaluating them. Gradient checks of the layers are
rows of `minigan gradcheck` (tests/test_gradcheck.py); here: forwards against loops written from the
definitions, the heads' losses through the whole discriminator step, training, resume, and errors."""

import json

import numpy
import pytest

from minigan import losses, nn

from minigan.evaluation import metrics
from minigan.conditional.acgan import ClassLoss
from minigan.backend import manual_seed
from minigan.cli import main
from minigan.gan.discriminator_pass import discriminator_pass
from minigan.gan.objectives import AdversarialObjective
from minigan.gradcheck import THRESHOLD, numerical_gradient, rel_error
from minigan.conditional.infogan import InformationLoss, traversal_codes
from minigan.training import TrainConfig, Trainer, train


def rng(seed=0):
    return numpy.random.default_rng(seed)


# ---- forwards against loops ----------------------------------------------------------------------
def test_concat_forward_and_backward_against_loops():
    a, b = rng(1).standard_normal((3, 2)), rng(2).standard_normal((3, 4))
    y = nn.Concat().forward((a, b))
    for n in range(3):
        for j in range(6):
            assert y[n, j] == (a[n, j] if j < 2 else b[n, j - 2])
    dy = rng(3).standard_normal((3, 6))
    layer = nn.Concat()
    layer.forward((a, b))
    da, db = layer.backward(dy)
    assert numpy.array_equal(da, dy[:, :2]) and numpy.array_equal(db, dy[:, 2:])


def test_planes_forward_against_a_loop():
    x = rng(4).standard_normal((2, 3))
    y = nn.Planes(4, 5).forward(x)
    for n, c, i, j in numpy.ndindex(2, 3, 4, 5):
        assert y[n, c, i, j] == x[n, c]


def test_embedding_is_a_row_lookup_and_its_gradient_adds_repeated_labels():
    manual_seed(0)
    layer = nn.Embedding(5, 3)
    labels = numpy.array([1, 4, 1, 1, 0])
    y = layer.forward(labels)
    for n, k in enumerate(labels):
        assert numpy.array_equal(y[n], layer.weight.data[k])
    dy = rng(5).standard_normal((5, 3)).astype(numpy.float32)
    layer.backward(dy)
    expected = numpy.zeros((5, 3))
    for n, k in enumerate(labels):               # the scatter-add, one row at a time
        expected[k] += dy[n]
    reference = numpy.zeros((5, 3))
    numpy.add.at(reference, labels, dy)
    assert numpy.allclose(layer.weight.grad, expected, atol=1e-6) and numpy.allclose(expected, reference)
    assert not numpy.allclose(layer.weight.grad[1], dy[1])    # label 1 appears three times: all three count


def test_one_hot_then_a_bias_free_dense_is_an_embedding():
    manual_seed(0)
    dense = nn.Dense(4, 3, bias=False)
    table = nn.Embedding(4, 3)
    table.weight.data[...] = dense.weight.data
    labels = numpy.array([3, 0, 2, 2])
    assert numpy.allclose(nn.Sequential(nn.OneHot(4), dense).forward(labels), table.forward(labels))


def test_fork_adds_the_gradients_of_its_heads():
    manual_seed(0)
    h1, h2 = nn.Dense(4, 2), nn.Dense(4, 3)
    fork = nn.Fork(h1, h2)
    x = rng(6).standard_normal((5, 4)).astype(numpy.float32)
    y1, y2 = fork.forward(x)
    d1, d2 = rng(7).standard_normal((5, 2)).astype(numpy.float32), rng(8).standard_normal((5, 3)).astype(numpy.float32)
    dx = fork.backward((d1, d2))
    assert numpy.allclose(dx, d1 @ h1.weight.data.T + d2 @ h2.weight.data.T, atol=1e-6)


# ---- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,error,message", [
    (lambda: nn.OneHot(10).forward(numpy.array([0, 10])), ValueError, "OneHot(10).forward: expected labels in [0, 10), got values from 0 to 10"),
    (lambda: nn.OneHot(10).forward(numpy.array([-1, 2])), ValueError, "got values from -1 to 2"),
    (lambda: nn.OneHot(10).forward(numpy.array([1.0, 2.0])), TypeError, "expected integer labels"),
    (lambda: nn.Embedding(3, 2).forward(numpy.array([[0, 1]])), ValueError, "expected labels of shape (N,)"),
    (lambda: nn.Concat().forward((numpy.zeros((3, 2)), numpy.zeros((4, 2)))), ValueError, "must agree on every axis except 1"),
    (lambda: nn.Concat().forward(numpy.zeros((3, 2))), TypeError, "expected a tuple of at least two arrays"),
    (lambda: nn.Parallel(nn.Identity(), nn.Identity()).forward((numpy.zeros((2, 2)),)), TypeError,
     "expected a tuple of 2 inputs (one per branch)"),
])
def test_bad_inputs_to_the_joining_layers_are_clear_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_a_fork_flattens_a_head_with_several_outputs_and_hands_each_its_gradients():
    """Fork(a, Sequential(b, Fork(c, d))) → (a(x), c(b(x)), d(b(x))): one flat tuple, and backward takes one
    gradient per output in that order (the infogan model's Q: a hidden layer, then its two heads)."""
    manual_seed(0)
    a, b, c, d = nn.Dense(4, 1), nn.Dense(4, 3), nn.Dense(3, 2), nn.Dense(3, 5)
    fork = nn.Fork(a, nn.Sequential(b, nn.Fork(c, d)))
    x = rng(30).standard_normal((6, 4)).astype(numpy.float32)
    outputs = fork.forward(x)
    hidden = x @ b.weight.data + b.bias.data
    assert len(outputs) == 3 and [o.shape for o in outputs] == [(6, 1), (6, 2), (6, 5)]
    assert numpy.allclose(outputs[1], hidden @ c.weight.data + c.bias.data, atol=1e-5)
    assert numpy.allclose(outputs[2], hidden @ d.weight.data + d.bias.data, atol=1e-5)
    da, dc, dd = (rng(31 + i).standard_normal(o.shape).astype(numpy.float32) for i, o in enumerate(outputs))
    dx = fork.backward((da, dc, dd))
    d_hidden = dc @ c.weight.data.T + dd @ d.weight.data.T
    assert numpy.allclose(dx, da @ a.weight.data.T + d_hidden @ b.weight.data.T, atol=1e-5)
    assert numpy.allclose(c.weight.grad, hidden.T @ dc, atol=1e-4) and numpy.allclose(b.weight.grad, x.T @ d_hidden, atol=1e-4)


def test_a_fork_wants_one_gradient_per_head():
    fork = nn.Fork(nn.Identity(), nn.Identity())
    fork.forward(numpy.zeros((2, 3)))
    with pytest.raises(ValueError, match="forward returned 2 outputs, so dy must be a tuple of 2 gradients"):
        fork.backward(numpy.zeros((2, 3)))


# ---- the heads' losses through the whole discriminator step, against finite differences ---------
def _head_d(heads, head_layer=False):
    """A small D with heads on its features; ``head_layer``: the heads share a hidden layer with
    BatchNorm first (the infogan model's Q), so D's samples interact and real and fake take two passes."""
    manual_seed(2 if head_layer else 1)    # (seed 1 gives this D a logit weight gradient of 3e-6: below what
    if head_layer:                          # float64 differences resolve to 1e-7, relative)
        q = nn.Sequential(nn.Dense(5, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Fork(*(nn.Dense(3, w) for w in heads)))
        top = nn.Fork(nn.Dense(5, 1), q)
    else:
        top = nn.Fork(nn.Dense(5, 1), *(nn.Dense(5, w) for w in heads))
    return nn.Sequential(nn.Flatten(), nn.Dense(4, 5), nn.Tanh(), top).to(dtype=numpy.float64)


@pytest.mark.parametrize("which", ["acgan", "infogan", "infogan, Q with its own layer"])
def test_the_discriminator_step_with_heads_against_finite_differences(which):
    """L_D + the auxiliary loss, in one pass over [real; fake] (two passes when Q has BatchNorm): each
    head's gradient split at the right row, every D parameter checked in float64."""
    real, fake = rng(9).standard_normal((4, 1, 2, 2)), rng(10).standard_normal((4, 1, 2, 2))
    if which == "acgan":
        D = _head_d((3,))
        make_aux = lambda: ClassLoss(numpy.array([0, 2, 1, 2]), numpy.array([1, 1, 0, 2]))  # noqa: E731
    else:
        D = _head_d((3, 2), head_layer=which != "infogan")
        make_aux = lambda: InformationLoss((numpy.array([2, 0, 1, 1]), rng(11).uniform(-1, 1, (4, 2))))  # noqa: E731
    loss = losses.get_gan_loss("nonsaturating")
    D.zero_grad()
    discriminator_pass(D, loss, real, fake, auxiliary=make_aux())
    analytic_grads = [p.grad.copy() for p in D.parameters()]      # before the finite differences refill .grad
    for p, analytic in zip(D.parameters(), analytic_grads):

        def value():
            D.zero_grad()
            v, _ = discriminator_pass(D, loss, real, fake, auxiliary=make_aux())
            return v
        assert rel_error(numerical_gradient(value, p.data), analytic) <= THRESHOLD, p.name


@pytest.mark.parametrize("which", ["acgan", "infogan", "infogan, Q with its own layer"])
def test_the_generator_step_through_the_heads_against_finite_differences(which):
    """G's side: L_G(D(G(z))) + the auxiliary loss's fake term (G must make its class, or its codes,
    readable), back through a frozen D into G. Every G parameter checked in float64; D's .grad untouched."""
    D = _head_d((3,)) if which == "acgan" else _head_d((3, 2), head_layer=which != "infogan")
    if which == "acgan":
        make_aux = lambda: ClassLoss(numpy.array([0, 2, 1, 2]), numpy.array([1, 1, 0, 2]))  # noqa: E731
    else:
        make_aux = lambda: InformationLoss((numpy.array([2, 0, 1, 1]), rng(11).uniform(-1, 1, (4, 2))))  # noqa: E731
    manual_seed(3)
    G = nn.Sequential(nn.Dense(3, 4), nn.Tanh(), nn.Reshape((1, 2, 2))).to(dtype=numpy.float64)
    z = rng(12).standard_normal((4, 3))
    objective = AdversarialObjective(losses.get_gan_loss("nonsaturating"))
    D.zero_grad()
    G.zero_grad()
    value, d_fake = objective(D, None, G.forward(z), auxiliary=make_aux())
    G.backward(d_fake)
    assert all(not p.grad.any() for p in D.parameters())          # D was frozen
    logit, *heads = D.predict(G.predict(z))
    aux_value = make_aux().fake_term(tuple(heads))[0]
    assert aux_value > 0.1                                        # the heads' term is really in L_G:
    assert value == pytest.approx(losses.get_gan_loss("nonsaturating").generator(logit)[0] + aux_value, rel=1e-12)
    analytic_grads = [p.grad.copy() for p in G.parameters()]
    for p, analytic in zip(G.parameters(), analytic_grads):
        assert rel_error(numerical_gradient(lambda: objective(D, None, G.predict(z), auxiliary=make_aux())[0], p.data),
                         analytic) <= THRESHOLD, p.name


def test_a_discriminator_with_heads_needs_their_loss():
    D = _head_d((3,))
    with pytest.raises(ValueError, match="extra heads but no auxiliary loss"):
        discriminator_pass(D, losses.get_gan_loss("nonsaturating"), rng().standard_normal((2, 1, 2, 2)),
                           rng(1).standard_normal((2, 1, 2, 2)))


def test_the_information_loss_has_no_term_on_real_images_and_weighs_its_two_parts():
    heads = (rng(12).standard_normal((4, 10)), rng(13).standard_normal((4, 2)))
    codes = (numpy.array([1, 2, 3, 4]), rng(14).uniform(-1, 1, (4, 2)))
    aux = InformationLoss(codes, lambda_cat=1.0, lambda_cont=0.1)
    value, grads = aux.real_term(heads)
    assert value == 0 and all(not g.any() for g in grads)
    value, (d_cat, d_cont) = aux.fake_term(heads)
    v_cat, g_cat = losses.softmax_cross_entropy(heads[0], codes[0])
    v_cont, g_cont = losses.gaussian_nll(heads[1], codes[1])
    assert value == pytest.approx(v_cat + 0.1 * v_cont)
    assert numpy.allclose(d_cat, g_cat) and numpy.allclose(d_cont, 0.1 * g_cont)


# ---- metrics -------------------------------------------------------------------------------------
def test_best_matching_against_every_permutation():
    import itertools
    for k, seed in ((3, 0), (5, 1), (6, 2)):
        counts = rng(seed).integers(0, 40, (k, k))
        brute = max(sum(counts[i, p[i]] for i in range(k)) for p in itertools.permutations(range(k)))
        accuracy, matching = metrics.best_matching(counts)
        assert accuracy * counts.sum() == pytest.approx(brute)
        assert sorted(matching) == list(range(k)) and sum(counts[i, matching[i]] for i in range(k)) == brute


def test_label_accuracy_and_matched_code_accuracy_on_real_digits():
    from minigan.evaluation.classifier import class_probabilities, load_classifier
    from minigan.data import load
    test = load("mnist", "test")
    images, labels = test.images[:500], test.labels[:500]
    probs = class_probabilities(load_classifier("mnist"), images)
    assert metrics.label_accuracy(probs, labels) > 0.95                          # real 7s look like 7s
    assert metrics.label_accuracy(probs, rng(0).permutation(labels)) < 0.3       # shuffled labels do not
    renamed = numpy.array([3, 7, 0, 1, 9, 2, 8, 4, 6, 5])[labels]                # codes in an order of their own
    accuracy, matching = metrics.best_matching(metrics.confusion(renamed, probs.argmax(axis=1)))
    assert accuracy > 0.95 and [matching[c] for c in (3, 7, 0)] == [0, 1, 2]


# ---- training, resume, sampling ----------------------------------------------------------------
def _images_and_labels(n=128):
    from minigan.data import load
    data = load("mnist", "train")
    return data.images[:n], data.labels[:n]


def _config(out, **fields):
    return TrainConfig(**{"model": "mlp", "width": 0.1, "batch_size": 32, "epochs": 3, "out": str(out), **fields})


@pytest.mark.parametrize("fields", [dict(conditional=True), dict(loss="acgan"), dict(infogan=True),
                                    dict(model="dcgan", width=0.1, conditional=True),
                                    dict(model="infogan", width=0.05, infogan=True)],
                         ids=["cgan", "acgan", "infogan", "cgan-dcgan", "infogan-paper-networks"])
def test_conditional_runs_resume_bit_identically(tmp_path, fields):
    """The fakes' labels (or codes) come from their own generator, saved in the checkpoint."""
    def run(out, steps, resume=False):
        return train(_config(out, max_steps=steps, **fields), resume=resume, progress=False, pictures=False,
                     log=lambda *a: None)
    straight = run(tmp_path / "a", 6)
    run(tmp_path / "b", 3)
    resumed = run(tmp_path / "b", 6, resume=True)
    for name, net in straight.networks().items():
        for key, value in net.state_dict().items():
            assert numpy.array_equal(value, resumed.networks()[name].state_dict()[key]), f"{name}/{key}"


def test_a_conditional_run_logs_its_auxiliary_loss_and_samples_labels(tmp_path, capsys):
    out = tmp_path / "acgan"
    train(_config(out, loss="acgan", max_steps=8), progress=False, log=lambda *a: None)
    rows = [json.loads(line) for line in open(out / "log.jsonl")]
    assert {"d_class_loss", "g_class_loss"} <= set(rows[-1])
    assert any(name.startswith("D.5.1 Dense") for name in rows[-1]["grad_norms"])   # the class head, by itself

    assert main(["sample", "--run", str(out), "--n", "25", "--out", str(tmp_path / "s.npz"),
                 "--grid", str(tmp_path / "grid.png")]) == 0
    with numpy.load(tmp_path / "s.npz") as f:
        assert f["labels"].dtype == numpy.int64 and f["labels"].shape == (25,)
        assert numpy.bincount(f["labels"]).tolist() == [3] * 5 + [2] * 5        # balanced
        assert f["images"].shape == (25, 28, 28)
    assert (tmp_path / "grid.png").stat().st_size > 0
    assert main(["sample", "--run", str(out), "--n", "6", "--out", str(tmp_path / "7.npz"), "--label", "7"]) == 0
    with numpy.load(tmp_path / "7.npz") as f:
        assert f["labels"].tolist() == [7] * 6


def test_the_label_shapes_what_g_draws(tmp_path):
    """Same noise, two labels: a conditional generator's output depends on the label."""
    trainer = Trainer(_config(tmp_path / "c", conditional=True), *_images_and_labels(64))
    z = rng(1).standard_normal((2, trainer.noise_dim)).astype(numpy.float32)
    a = trainer.G.predict((z, numpy.array([1, 1])))
    b = trainer.G.predict((z, numpy.array([1, 2])))
    assert numpy.array_equal(a[0], b[0]) and not numpy.allclose(a[1], b[1])


@pytest.mark.parametrize("args,message", [
    (["--label", "3"], "--label asks for a class, but this run is unconditional"),
])
def test_label_on_an_unconditional_run_is_a_clear_error(tmp_path, capsys, args, message):
    out = tmp_path / "plain"
    train(_config(out, max_steps=2), progress=False, pictures=False, log=lambda *a: None)
    assert main(["sample", "--run", str(out), "--n", "4", "--out", str(tmp_path / "s.npz"), *args]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("label,message", [("10", "expected --label (a class) in [0, 10), got 10"), ("-1", "got -1")])
def test_a_label_outside_the_classes_is_a_clear_error(tmp_path, capsys, label, message):
    out = tmp_path / "cgan"
    train(_config(out, conditional=True, max_steps=2), progress=False, pictures=False, log=lambda *a: None)
    assert main(["sample", "--run", str(out), "--n", "4", "--out", str(tmp_path / "s.npz"), "--label", label]) == 1
    assert message in capsys.readouterr().err


def test_a_label_outside_the_trained_classes_names_them(tmp_path, capsys):
    out = tmp_path / "cgan"
    train(_config(out, conditional=True, classes=[0, 1, 7], max_steps=2), progress=False, pictures=False,
          log=lambda *a: None)
    assert main(["sample", "--run", str(out), "--n", "4", "--out", str(tmp_path / "s.npz"), "--label", "3"]) == 1
    assert "one of the classes this run was trained on (--classes 0 1 7), got 3" in capsys.readouterr().err


@pytest.mark.parametrize("fields,message", [
    (dict(conditional=True, infogan=True), "--conditional and --infogan are different ways to condition a GAN"),
    (dict(loss="acgan", conditional=True), "--conditional and --loss acgan"),
    (dict(model="toy", dataset="ring", conditional=True), "--conditional needs an image set"),
    (dict(infogan=True, r1=1.0), "--infogan does not combine with --r1 yet"),
    (dict(conditional=True, pack=2), "--conditional does not combine with --pack yet"),
    (dict(mismatch=1.0), "--mismatch belongs to --conditional (only the cGAN's D reads a label beside the image); "
                         "this run does not use it, so --mismatch 1.0 would be ignored"),
    (dict(loss="acgan", mismatch=0.5), "--mismatch belongs to --conditional"),
    (dict(conditional=True, mismatch=-1.0), "--mismatch must be >= 0, got -1.0"),
    (dict(conditional=True, classes=[3], mismatch=1.0), "--mismatch needs a wrong label, so at least two --classes"),
])
def test_conflicting_conditioning_flags_are_clear_errors(tmp_path, fields, message):
    with pytest.raises(ValueError) as info:
        _config(tmp_path / "x", **fields).validate()
    assert message in str(info.value)


def test_an_infogan_run_draws_its_traversals_and_evaluates_its_code(tmp_path, capsys):
    out = tmp_path / "info"
    train(_config(out, infogan=True, epochs=1, max_steps=2), progress=False, log=lambda *a: None)
    assert (out / "traversal_c1.png").is_file() and (out / "traversal_c2.png").is_file()
    assert main(["eval", "--run", str(out), "--n", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 <= result["code_accuracy"] <= 1 and sorted(result["code_to_class"]) == list(range(10))
    assert "label_accuracy" not in result


def test_traversal_codes_sweep_one_continuous_code_per_row():
    categorical, continuous = traversal_codes(1, columns=5)
    assert categorical.reshape(10, 5).tolist() == [[k] * 5 for k in range(10)]
    assert numpy.allclose(continuous[:5, 1], [-2, -1, 0, 1, 2]) and not continuous[:, 0].any()


def test_eval_of_a_conditional_run_reports_label_accuracy(tmp_path, capsys):
    out = tmp_path / "cgan"
    train(_config(out, conditional=True, max_steps=2), progress=False, pictures=False, log=lambda *a: None)
    assert main(["eval", "--run", str(out), "--n", "100"]) == 0
    assert "label accuracy (classifier agrees with the label asked for)" in capsys.readouterr().out


def test_spectral_norm_reaches_every_head_of_a_conditional_discriminator():
    from minigan import models
    _, D = models.build_from_config({"model": "mlp", "width": 0.1, "loss": "acgan", "spectral_norm": True})
    heads = D.layers[-1].branches
    assert all(isinstance(h, nn.SpectralNorm) for h in heads) and len(heads) == 2


def test_the_dcgan_discriminator_is_a_projection_and_label_planes_remain_a_choice(monkeypatch):
    """The conditional DCGAN's D: a projection (minigan's choice) or label planes (the alternative measured
    by demos/conditional_ablation.py); both read (x, y) and give one logit."""
    from minigan import models
    from minigan.conditional import ClassConditional
    config = {"model": "dcgan", "width": 0.1, "conditional": True}
    x, y = rng(20).uniform(-1, 1, (4, 1, 28, 28)).astype(numpy.float32), numpy.array([0, 3, 3, 9])
    _, D = models.build_from_config(config)
    assert isinstance(D.layers[-1], nn.Projection) and D.predict((x, y)).shape == (4, 1)
    monkeypatch.setattr(ClassConditional, "dcgan_discriminator", "planes")
    _, D = models.build_from_config(config)
    assert any(isinstance(m, nn.Planes) for m in D.modules()) and D.predict((x, y)).shape == (4, 1)


def test_the_infogan_model_is_the_papers_networks_with_q_on_a_layer_of_its_own():
    """--model infogan: G reads [z/√3, codes]; D's logit reads D's features directly, while Q's heads share
    a Dense + BatchNorm + LeakyReLU layer of their own; the same body serves AC-GAN and (projection) cGAN."""
    from minigan import models
    x, y = rng(22).uniform(-1, 1, (4, 1, 28, 28)).astype(numpy.float32), numpy.array([0, 3, 3, 9])
    G, D = models.build_from_config({"model": "infogan", "width": 0.125, "infogan": True})
    joins = G.layers[0].branches
    assert isinstance(joins[0], nn.Scale) and joins[0].factor == pytest.approx(3 ** -0.5)
    assert G.layers[0].branches[1].classes == 10 and models.noise_dim({"model": "infogan", "infogan": True}) == 62
    z = rng(23).standard_normal((4, 62)).astype(numpy.float32)
    assert G.predict((z, numpy.array([0, 1, 2, 3]), numpy.zeros((4, 2), numpy.float32))).shape == (4, 1, 28, 28)
    logit, q = D.layers[-1].branches
    assert isinstance(logit, nn.Dense) and logit.in_features == 128
    assert [type(m).__name__ for m in q.layers] == ["Dense", "BatchNorm1d", "LeakyReLU", "Fork"]
    assert [o.shape for o in D.predict(x)] == [(4, 1), (4, 10), (4, 2)]
    assert not any(isinstance(m, nn.BatchNorm1d) for m in D.layers[:-1])      # D's own dense layer has none
    _, D = models.build_from_config({"model": "infogan", "width": 0.125, "loss": "acgan"})
    assert [o.shape for o in D.predict(x)] == [(4, 1), (4, 10)]
    G, D = models.build_from_config({"model": "infogan", "width": 0.125})
    assert isinstance(G.layers[0], nn.Scale) and D.predict(x).shape == (4, 1)
    _, D = models.build_from_config({"model": "infogan", "width": 0.125, "conditional": True})
    assert isinstance(D.layers[-1], nn.Projection) and D.predict((x, y)).shape == (4, 1)


def test_the_projection_forward_against_its_definition():
    manual_seed(0)
    layer = nn.Projection(3, 4)
    h, y = rng(21).standard_normal((5, 3)).astype(numpy.float32), numpy.array([1, 0, 3, 1, 2])
    out = layer.forward((h, y))
    for n in range(5):
        expected = sum(h[n, f] * (layer.weight.data[f, 0] + layer.embedding.data[y[n], f]) for f in range(3))
        assert out[n, 0] == pytest.approx(expected + layer.bias.data[0], rel=1e-5)


def test_spectral_norm_refuses_a_projection_discriminator():
    from minigan import models
    with pytest.raises(ValueError, match="no spectrally normalized version is written for"):
        models.build_from_config({"model": "dcgan", "width": 0.1, "conditional": True, "spectral_norm": True})


# ---- the cGAN's mismatched pairs (minigan/conditional/mismatch.py) -------------------------------------------
def test_wrong_labels_are_the_other_trained_classes_uniformly():
    from minigan.conditional.mismatch import MismatchedLabels
    loss = losses.get_gan_loss("nonsaturating")
    term = MismatchedLabels(loss, 1.0, [1, 4, 7, 9], 10, seed=0)
    labels = numpy.repeat(numpy.array([1, 4, 7, 9]), 3000)
    wrong = term.wrong_labels(labels)
    assert wrong.dtype == numpy.int64 and wrong.shape == labels.shape
    assert not numpy.any(wrong == labels) and set(wrong.tolist()) == {1, 4, 7, 9}
    for k in (1, 4, 7, 9):                        # each of the 3 others about 1/3 of the time
        counts = numpy.bincount(wrong[labels == k], minlength=10)[[c for c in (1, 4, 7, 9) if c != k]]
        assert numpy.all(numpy.abs(counts / 3000 - 1 / 3) < 0.03), (k, counts)
    with pytest.raises(ValueError, match=r"at least two classes, got \[5\]"):
        MismatchedLabels(loss, 1.0, [5], 10, seed=0)


def _label_reading_d(kind):
    """Small float64 discriminators that read (x, y): the mlp's join, and a projection."""
    manual_seed(3)
    if kind == "join":
        D = nn.Sequential(nn.Parallel(nn.Flatten(), nn.OneHot(3, scale=2.0)), nn.Concat(),
                          nn.Dense(4 + 3, 5), nn.Tanh(), nn.Dense(5, 1))
    else:
        D = nn.Sequential(nn.Parallel(nn.Sequential(nn.Flatten(), nn.Dense(4, 5), nn.Tanh()), nn.Identity()),
                          nn.Projection(5, 3))
    return D.to(dtype=numpy.float64)


@pytest.mark.parametrize("kind", ["join", "projection"])
@pytest.mark.parametrize("loss_name", ["nonsaturating", "hinge"])
def test_the_mismatch_term_adds_its_gradient_against_finite_differences(kind, loss_name):
    """w · fake_term(D(x, ŷ)): every D parameter's gradient, in float64, added to what .grad held."""
    from minigan.conditional.mismatch import MismatchedLabels
    D, loss = _label_reading_d(kind), losses.get_gan_loss(loss_name)
    x, y = rng(30).standard_normal((6, 1, 2, 2)), numpy.array([0, 1, 2, 2, 1, 0])
    term = MismatchedLabels(loss, 0.7, [0, 1, 2], 3, seed=4)
    state = term.rng.bit_generator.state
    wrong = term.wrong_labels(y)
    assert not numpy.any(wrong == y)
    term.rng.bit_generator.state = state                   # the call below draws the same ŷ
    held = [rng(31 + i).standard_normal(p.data.shape) for i, p in enumerate(D.parameters())]
    for p, g in zip(D.parameters(), held):
        p.grad[...] = g
    logged = term(D, x, None, y)
    assert logged["d_mismatch_loss"] == pytest.approx(0.7 * loss.fake_term(D.predict((x, wrong)))[0], rel=1e-12)
    added = [p.grad - g for p, g in zip(D.parameters(), held)]
    for p, analytic in zip(D.parameters(), added):
        value = lambda: 0.7 * loss.fake_term(D.predict((x, wrong)))[0]   # noqa: E731
        assert rel_error(numerical_gradient(value, p.data), analytic) <= THRESHOLD, p.name


def test_a_cgan_trains_with_mismatched_pairs_by_default_and_logs_them(tmp_path):
    """On by default for --conditional (weight 1), off with --mismatch 0; the log shows the term."""
    assert TrainConfig(conditional=True).mismatch == 1.0 and TrainConfig().mismatch == 0.0
    assert TrainConfig(conditional=True, classes=[4]).mismatch == 0.0      # no wrong label to give
    for mismatch, logged in ((None, True), (0.0, False)):
        out = tmp_path / f"m{mismatch}"
        train(_config(out, conditional=True, mismatch=mismatch, max_steps=3), progress=False, pictures=False,
              log=lambda *a: None)
        rows = [json.loads(line) for line in open(out / "log.jsonl")]
        assert ("d_mismatch_loss" in rows[-1]) == logged
        if logged:
            assert numpy.isfinite(rows[-1]["d_mismatch_loss"]) and rows[-1]["d_mismatch_loss"] > 0
