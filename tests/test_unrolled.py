"""The unrolled GAN (minigan/gan/unrolled.py): Hessian-vector products and the unrolled generator gradient
against finite differences, a check that can fail (the first-order gradient does), the contract with D
(left as found), the layers that refuse, and training with --unroll (resumes exactly)."""
import numpy
import pytest

from minigan import gradcheck, losses, nn
from minigan.gradcheck import checker

from minigan.gradcheck import suite
from minigan.backend import manual_seed
from minigan.gan.objectives import AdversarialObjective
from minigan.training import TrainConfig, Trainer
from minigan.gan.discriminator_pass import discriminator_pass
from minigan.gan.unrolled import UnrolledObjective, check_unrollable, hessian_vector_product


@pytest.mark.parametrize("case", suite.SECOND_ORDER_CASES, ids=lambda c: c.name)
def test_second_order_gradients_against_finite_differences(case):
    results = suite.run_second_order_case(case)
    G, D, _, _ = suite._unroll_toy(case.critic, case.seed)
    expected = ({"fake"} | {n for n, _ in D.named_parameters()} if case.kind == "hvp"
                else {"z"} | {f"G.{n}" for n, _ in G.named_parameters()})
    assert {r.wrt for r in results} == expected
    for r in results:
        assert r.max_rel_error <= gradcheck.THRESHOLD, f"{r.name} d/d{r.wrt}: {r.max_rel_error:.2e}"


@pytest.mark.parametrize("case", [c for c in suite.SECOND_ORDER_CASES if c.critic is
                                  suite.leaky_point_critic], ids=lambda c: c.name)
def test_the_leaky_cases_stay_away_from_the_kinks(case):
    """Every LeakyReLU input stays ≥ 0.01 from 0 at every point of the look-ahead (θ⁰ … θᴷ), on real
    and fake points, far beyond what the finite differences' 2h = 2e-4 steps move them."""
    G, D, z, real = suite._unroll_toy(case.critic, case.seed)
    G.to(dtype=numpy.float64)
    D.to(dtype=numpy.float64)
    fake = G.predict(z)
    loss = losses.get_gan_loss(case.loss)
    for step in range(case.steps + 1):
        h = numpy.concatenate([real, fake])
        for layer in D.layers:
            if isinstance(layer, nn.LeakyReLU):
                assert float(numpy.abs(h).min()) >= 0.01, f"look-ahead step {step}"
            h = layer.predict(h)
        D.zero_grad()
        discriminator_pass(D, loss, real, fake)
        for p in D.parameters():
            p.data = p.data - case.lr * p.grad


def _float64_toy(seed=93):
    G, D, z, real = suite._unroll_toy(suite.smooth_point_critic, seed)
    G.to(dtype=numpy.float64)
    D.to(dtype=numpy.float64)
    return G, D, z, real


def test_the_check_can_fail_without_the_second_order_terms():
    """Against D after the look-ahead, the first-order gradient (D's dependence on G ignored) misses
    the mixed terms: the same finite differences reject it, so the rows above test something."""
    G, D, z, real = _float64_toy()
    loss = losses.get_gan_loss("nonsaturating")
    fake = G.predict(z)
    exact = UnrolledObjective(loss, 3, 0.5)(D, real, fake)[1]
    start = [p.data for p in D.parameters()]
    for _ in range(3):                                   # move D to θ³ by hand, then take the plain step there
        D.zero_grad()
        discriminator_pass(D, loss, real, fake)
        for p in D.parameters():
            p.data = p.data - 0.5 * p.grad
    first_order = AdversarialObjective(loss)(D, real, fake)[1]
    for p, data in zip(D.parameters(), start):
        p.data = data

    def value():
        return checker.unrolled_value(nn.Sequential(), D, loss, fake, real, 3, 0.5)

    numeric = gradcheck.numerical_gradient(value, fake)
    assert gradcheck.rel_error(numeric, exact) <= gradcheck.THRESHOLD
    assert gradcheck.rel_error(numeric, first_order) > 1e-3


def test_the_objective_leaves_d_as_it_found_it():
    G, D, z, real = _float64_toy()
    fake = G.predict(z)
    for p in D.parameters():
        p.grad[...] = 0.25                                 # something the D step left there
    before = [(p.data.copy(), p.grad.copy()) for p in D.parameters()]
    UnrolledObjective(losses.get_gan_loss("nonsaturating"), 2, 0.5)(D, real, fake)
    for p, (data, grad) in zip(D.parameters(), before):
        assert numpy.array_equal(p.data, data) and numpy.array_equal(p.grad, grad)
        assert p.grad_adjoint is None
    assert all(m._pending is None and m._double is None for m in D.modules())


def test_a_hessian_vector_product_is_linear_in_v_and_symmetric():
    """⟨u, H v⟩ = ⟨v, H u⟩ (H is a Hessian), and H(2v) = 2 H v."""
    G, D, z, real = _float64_toy(90)
    fake = G.predict(z)
    loss = losses.get_gan_loss("nonsaturating")
    rng = numpy.random.default_rng(0)
    u = [rng.standard_normal(p.shape) for p in D.parameters()]
    v = [rng.standard_normal(p.shape) for p in D.parameters()]
    h_u, _ = hessian_vector_product(D, loss, real, fake, u)
    h_v, _ = hessian_vector_product(D, loss, real, fake, v)
    h_2v, _ = hessian_vector_product(D, loss, real, fake, [2 * x for x in v])
    dot = lambda a, b: sum(float((x * y).sum()) for x, y in zip(a, b))  # noqa: E731
    assert dot(u, h_v) == pytest.approx(dot(v, h_u), rel=1e-10)
    assert all(numpy.allclose(a, 2 * b, rtol=1e-12, atol=0) for a, b in zip(h_2v, h_v))


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "lsgan", "wgan", "hinge"])
def test_each_loss_curvature_is_the_derivative_of_its_gradient(name):
    """loss.curvature(out) = d/d out of the term's gradient, elementwise (hinge: away from its kinks)."""
    loss = losses.get_gan_loss(name)
    out = suite.away_from_zero((6, 1), 3) * 0.7 + 0.05   # |out ± 1| ≥ 0.02: away from hinge kinks
    out = out[numpy.abs(numpy.abs(out) - 1) > 0.02].reshape(-1, 1)
    for term in (lambda o: loss.real_term(o, 1.0)[1], lambda o: loss.fake_term(o)[1]):
        h = 1e-5
        numeric = (term(out + h) - term(out - h)) / (2 * h)
        assert numpy.allclose(loss.curvature(out), numeric, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("make,layer", [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Dense(2, 1)), "Conv2d"),
    (lambda: nn.Sequential(nn.Dense(2, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.Dense(4, 1)), "BatchNorm1d"),
    (lambda: nn.with_minibatch_discrimination(nn.Sequential(nn.Dense(2, 6), nn.Tanh(), nn.Dense(6, 1)), 3, 2),
     "MinibatchDiscrimination"),
    (lambda: nn.Sequential(nn.Dense(2, 4), nn.Dropout(0.3), nn.Dense(4, 1)), "Dropout"),
])
def test_a_discriminator_that_cannot_be_unrolled_says_which_layer_and_why(make, layer):
    manual_seed(0)
    with pytest.raises(ValueError, match=f"unrolled GAN.*{layer}"):
        check_unrollable(make())


def test_the_double_backward_itself_refuses_adjoints_a_layer_would_ignore():
    """SpectralNorm has a double backward (for penalties) but ignores parameter-gradient adjoints: a
    Hessian-vector product through it stops with the layer's name instead of coming out wrong."""
    manual_seed(0)
    D = nn.spectral_norm_all(nn.Sequential(nn.Dense(2, 4), nn.Tanh(), nn.Dense(4, 1)))
    D.to(dtype=numpy.float64)
    real, fake = suite.normal((3, 2), 1), suite.normal((3, 2), 2)
    v = [numpy.ones(p.shape) for p in D.parameters()]
    with pytest.raises(ValueError, match="SpectralNorm.*cannot differentiate"):
        hessian_vector_product(D, losses.get_gan_loss("nonsaturating"), real, fake, v)
    assert all(p.grad_adjoint is None for p in D.parameters())


def test_spectral_norm_cannot_be_unrolled_and_the_trainer_says_so_before_the_first_step(tmp_path):
    config = TrainConfig(model="toy", dataset="ring", unroll=2, spectral_norm=True, toy_samples=256, batch_size=32,
                         out=str(tmp_path))
    with pytest.raises(ValueError, match="--unroll.*SpectralNorm"):
        Trainer(config)
    with pytest.raises(ValueError, match="--unroll.*Conv2d"):
        Trainer(TrainConfig(model="dcgan", dataset="mnist", unroll=1, width=0.25, out=str(tmp_path)),
                real_data=numpy.zeros((64, 1, 28, 28), numpy.float32))


@pytest.mark.parametrize("fields,message", [
    (dict(unroll=-1), "--unroll"), (dict(unroll=True), "--unroll"), (dict(unroll=2, unroll_lr=0.0), "--unroll-lr"),
    (dict(unroll=2, feature_matching=True), "--unroll and --feature-matching"),
])
def test_bad_unroll_settings_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(model="toy", dataset="ring", **fields).validate()
