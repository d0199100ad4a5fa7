"""Gradient penalties and the double backward: the gradcheck rows, the classic WGAN-GP bugs as
failing tests, the API contract (accumulation, no pending cache), and the layers that refuse."""
import numpy
import pytest

from minigan import gradcheck, nn

from minigan.gradcheck import suite

from minigan.gan import penalties
from minigan.backend import manual_seed
from minigan.checks import CallOrderError


@pytest.mark.parametrize("case", suite.PENALTY_CASES, ids=lambda c: c.name)
def test_penalty_gradients_against_finite_differences(case):
    results = suite.run_penalty_case(case)
    critic, _ = case.build()
    assert {r.wrt for r in results} == {"x"} | {name for name, _ in critic.named_parameters()}
    for r in results:
        assert r.max_rel_error <= gradcheck.THRESHOLD, f"{r.name} d/d{r.wrt}: {r.max_rel_error:.2e}"


@pytest.mark.parametrize("case", suite.PENALTY_CASES, ids=lambda c: c.name)
def test_the_penalty_cases_stay_away_from_the_kinks(case):
    """Every LeakyReLU input is ≥ 0.01 from 0, while the finite differences move a weight by 2h =
    2e-4, which moves a pre-activation by at most 2e-4 times an input of size ≤ 4."""
    critic, x = case.build()
    critic.to(dtype=numpy.float64)
    h = x
    for layer in critic.layers:
        if isinstance(layer, nn.LeakyReLU):
            assert float(numpy.abs(h).min()) >= 0.01
        h = layer.predict(h)


def test_the_smooth_critic_has_a_nonzero_input_gradient_of_the_penalty():
    """With Tanh and Sigmoid the second sweep carries something, so the x row is not 0 against 0."""
    critic, x = suite.PENALTY_CASES[1].build()
    critic.to(dtype=numpy.float64)
    _, _, dx = penalties._gradient_penalty(critic, x, 10.0)
    assert dx is not None and float(numpy.abs(dx).max()) > 1e-3


# ---- the classic bugs, each as a test that a buggy implementation fails ---------------------------
def linear_critic(w, b=0.0):
    """D(x) = x·w + b: its input gradient is w for every sample, known exactly."""
    D = nn.Sequential(nn.Flatten(), nn.Dense(len(w), 1))
    D.to(dtype=numpy.float64)
    D[1].weight.data[:, 0] = w
    D[1].bias.data[:] = b
    return D


def test_the_norm_is_taken_per_sample_not_over_the_batch():
    """g_n = w for each of the N samples: per sample ‖g_n‖ = ‖w‖, over the batch it would be √N·‖w‖."""
    w = numpy.array([0.6, 0.8, 1.2])                     # ‖w‖ = √2.44
    x = numpy.random.default_rng(0).standard_normal((16, 3))
    value = penalties.gradient_penalty(linear_critic(w), x, weight=10.0)
    assert value == pytest.approx(10.0 * (numpy.sqrt(2.44) - 1) ** 2, rel=1e-12)
    assert value != pytest.approx(10.0 * (numpy.sqrt(16 * 2.44) - 1) ** 2, rel=1e-3)


def test_the_norm_covers_every_non_batch_axis_of_an_image():
    """For (N, C, H, W) inputs each sample's norm runs over C·H·W values, against a loop."""
    manual_seed(1)
    D = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Dense(3 * 4 * 4, 1))
    D.to(dtype=numpy.float64)
    x = numpy.random.default_rng(1).standard_normal((3, 2, 4, 4))
    value, norms, _ = penalties._gradient_penalty(D, x, 1.0)
    expected = []
    for n in range(3):                                    # ∂D(x_n)/∂x_n by central differences, one sample
        g = gradcheck.numerical_gradient(lambda: float(D.predict(x[n:n + 1])[0, 0]), x[n:n + 1])
        expected.append(numpy.sqrt((g ** 2).sum()))
    numpy.testing.assert_allclose(norms, expected, rtol=1e-8)
    assert value == pytest.approx(numpy.mean((numpy.array(expected) - 1) ** 2), rel=1e-8)


def test_interpolate_draws_one_alpha_per_sample():
    """x̂_n − fake_n = α_n (real_n − fake_n): one α per sample, shared by all its pixels, in [0, 1],
    different across samples. α of shape (N,) against (N, C, H, W), one α for the batch, or one
    per pixel each fail here."""
    rng = numpy.random.default_rng(0)
    real, fake = rng.standard_normal((2, 32, 1, 5, 5))
    x_hat = penalties.interpolate(real, fake, numpy.random.default_rng(1))
    assert x_hat.shape == real.shape and x_hat.dtype == real.dtype
    ratios = ((x_hat - fake) / (real - fake)).reshape(32, -1)    # α_n in every column of row n
    numpy.testing.assert_allclose(ratios, ratios[:, :1].repeat(25, axis=1), rtol=1e-9, atol=1e-12)
    alpha = ratios[:, 0]
    assert ((0 <= alpha) & (alpha <= 1)).all() and alpha.std() > 0.1


def test_interpolate_is_seeded_and_refuses_mismatched_batches():
    real = numpy.ones((4, 2), numpy.float32)
    fake = numpy.zeros((4, 2), numpy.float32)
    a = penalties.interpolate(real, fake, numpy.random.default_rng(3))
    b = penalties.interpolate(real, fake, numpy.random.default_rng(3))
    assert numpy.array_equal(a, b) and a.dtype == numpy.float32
    with pytest.raises(ValueError, match="expected fake to have the shape of real"):
        penalties.interpolate(real, numpy.zeros((3, 2), numpy.float32), numpy.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        penalties.interpolate(real, fake, 0)


def test_the_penalty_is_on_the_raw_critic_not_on_its_sigmoid():
    """With a large bias σ(D) saturates and its gradient σ'·w vanishes; the raw critic's is w."""
    w = numpy.array([1.5, 0.0])
    x = numpy.random.default_rng(0).standard_normal((8, 2))
    value = penalties.gradient_penalty(linear_critic(w, b=12.0), x, weight=1.0)
    assert value == pytest.approx((1.5 - 1) ** 2, rel=1e-12)           # on σ(D) it would be ≈ (0 − 1)² = 1


def test_a_critic_with_batchnorm_is_refused_with_the_reason():
    D = nn.Sequential(nn.Dense(2, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.Dense(4, 1))
    x = numpy.random.default_rng(0).standard_normal((8, 2)).astype(numpy.float32)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\) in training mode.*WGAN-GP paper drops batch normalization"):
        penalties.gradient_penalty(D, x)
    assert all(m._pending is None and m._double is None for m in D.modules())     # nothing ran
    D.eval()                                                            # eval mode: an affine map, supported
    assert penalties.gradient_penalty(D, x) >= 0


def test_a_critic_with_dropout_is_refused_with_the_reason():
    D = nn.Sequential(nn.Dense(2, 4), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Dense(4, 1))
    x = numpy.random.default_rng(0).standard_normal((8, 2)).astype(numpy.float32)
    with pytest.raises(ValueError, match=r"Dropout\(p=0.3\) in training mode.*--dropout 0"):
        penalties.r1_penalty(D, x, gamma=1.0)


def test_a_layer_without_a_double_backward_says_which_layers_have_one():
    D = nn.Sequential(nn.Reshape((1, 2, 2)), nn.ConvTranspose2d(1, 1, 3), nn.Flatten(), nn.Dense(16, 1))
    with pytest.raises(ValueError, match="ConvTranspose2d.*has no double backward.*Dense, Conv2d"):
        penalties.gradient_penalty(D, numpy.zeros((2, 4), numpy.float32))


# ---- the API contract -------------------------------------------------------------------------------
def test_penalties_add_into_grad_and_leave_no_pending_cache():
    manual_seed(0)
    D = suite.smooth_critic().to(dtype=numpy.float64)
    x = numpy.random.default_rng(0).standard_normal((6, 3))
    D.zero_grad()
    penalties.gradient_penalty(D, x, weight=10.0)
    once = [p.grad.copy() for p in D.parameters()]
    assert all(m._pending is None and m._double is None for m in D.modules())
    penalties.gradient_penalty(D, x, weight=10.0)                      # accumulates, like backward
    for p, g in zip(D.parameters(), once):
        numpy.testing.assert_allclose(p.grad, 2 * g, rtol=1e-12)
    D.forward(x)                                                        # the critic is free for the next call
    D.clear_cache()


def test_r1_is_half_gamma_times_the_mean_squared_norm():
    w = numpy.array([3.0, 4.0])                                         # ‖w‖² = 25
    x = numpy.random.default_rng(0).standard_normal((5, 2))
    assert penalties.r1_penalty(linear_critic(w), x, gamma=0.4) == pytest.approx(0.5 * 0.4 * 25, rel=1e-12)


def test_a_zero_input_gradient_gives_a_finite_penalty_gradient():
    D = linear_critic(numpy.zeros(3))
    D.zero_grad()
    assert penalties.gradient_penalty(D, numpy.ones((4, 3)), weight=10.0) == pytest.approx(10.0)
    assert all(numpy.isfinite(p.grad).all() for p in D.parameters())


def test_double_backward_needs_a_kept_backward():
    layer = nn.Dense(2, 2)
    x = numpy.ones((3, 2), numpy.float32)
    layer.forward(x)
    layer.backward(numpy.ones((3, 2), numpy.float32))                  # not kept
    with pytest.raises(CallOrderError, match="keep_for_double_backward=True"):
        layer.double_backward(numpy.ones((3, 2), numpy.float32))
    layer.forward(x)
    layer.backward(numpy.ones((3, 2), numpy.float32), keep_for_double_backward=True)
    with pytest.raises(ValueError, match=r"expected ddx of shape \(3, 2\)"):
        layer.double_backward(numpy.ones((3, 1), numpy.float32))


@pytest.mark.parametrize("bad,message", [(-1.0, "finite number >= 0"), (float("nan"), "finite number >= 0"),
                                         ("10", "finite number >= 0")])
def test_bad_weights_are_clear_errors(bad, message):
    D = linear_critic(numpy.ones(2))
    with pytest.raises(ValueError, match=message):
        penalties.gradient_penalty(D, numpy.ones((2, 2)), weight=bad)
    with pytest.raises(ValueError, match=message):
        penalties.r1_penalty(D, numpy.ones((2, 2)), gamma=bad)


def test_penalties_run_on_each_backend(xp):
    manual_seed(0)
    D = suite.conv_critic().to(device="cpu" if xp is numpy else "gpu")
    x = xp.asarray(numpy.random.default_rng(0).standard_normal((4, 1, 7, 7)).astype(numpy.float32))
    D.zero_grad()
    value = penalties.gradient_penalty(D, x, 10.0)
    assert numpy.isfinite(value) and all(float(abs(p.grad).sum()) > 0 for p in D.parameters()
                                         if p.name == "weight")


def test_the_documented_list_of_layers_with_a_double_backward_is_the_code():
    """nn/second_order.py, its refusal message and docs/backward/double-backward.md list the layers that
    have a double backward; that list is exactly the layers that define one (plus Sequential, which
    runs its layers' in turn)."""
    import inspect
    import pathlib

    from minigan.nn import second_order
    have = sorted(name for name in dir(nn) if inspect.isclass(getattr(nn, name))
                  and issubclass(getattr(nn, name), nn.Module) and getattr(nn, name) is not nn.Module
                  and (getattr(nn, name)._double_backward is not second_order.SecondOrder._double_backward
                       or name == "Sequential"))
    # BatchNorm1d/2d are "BatchNorm" in the lists (eval mode only), like Dropout.
    listed_in = {"second_order.py": second_order.__doc__.split("Layers with a double backward:")[1].split("(tests/")[0],
                 "the refusal": nn.ConvTranspose2d(1, 1, 3).double_backward_unsupported(),
                 "double-backward.md": (pathlib.Path(__file__).parent.parent / "docs" / "backward" / "double-backward.md")
                 .read_text(encoding="utf-8").split("say so and list the")[1].split("`penalties.gradient_penalty`")[0]}
    for where, text in listed_in.items():
        words = set(text.replace(",", " ").replace("(", " ").replace(")", " ").split())
        named = sorted({n for n in have if (n.rstrip("12d") if n.startswith("BatchNorm") else n) in words})
        assert named == have, f"{where} leaves out {sorted(set(have) - set(named))}"
