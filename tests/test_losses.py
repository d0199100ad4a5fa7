"""Loss values against the textbook formulas computed element by element, and their behaviour in
the far tails (logits of ±1e4)."""
import math

import numpy
import pytest

from minigan import losses
from minigan.backend import to_numpy


def sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


LOGITS = numpy.array([[-4.0], [-1.5], [-0.2], [0.0], [0.7], [2.5], [5.0]])


def mean(values):
    return sum(values) / len(values)


def test_bce_with_logits_is_the_cross_entropy_of_the_sigmoid(xp):
    t = numpy.array([[1.0], [0.0], [0.9], [0.5], [1.0], [0.0], [0.1]])
    value, grad = losses.bce_with_logits(xp.asarray(LOGITS), xp.asarray(t))
    ref = mean([-(ti * math.log(sigmoid(z)) + (1 - ti) * math.log(1 - sigmoid(z)))
                for z, ti in zip(LOGITS.ravel(), t.ravel())])
    assert value == pytest.approx(ref, rel=1e-12)
    ref_grad = [(sigmoid(z) - ti) / len(t) for z, ti in zip(LOGITS.ravel(), t.ravel())]
    numpy.testing.assert_allclose(to_numpy(grad).ravel(), ref_grad, rtol=1e-12)


def test_discriminator_loss_is_real_against_one_plus_fake_against_zero():
    real, fake = LOGITS, -LOGITS[::-1]
    value, d_real, d_fake = losses.discriminator_loss(real, fake)
    ref = mean([-math.log(sigmoid(z)) for z in real.ravel()]) + mean([-math.log(1 - sigmoid(z)) for z in fake.ravel()])
    assert value == pytest.approx(ref, rel=1e-12)
    assert numpy.array_equal(d_real, losses.bce_with_logits(real, 1.0)[1])
    assert numpy.array_equal(d_fake, losses.bce_with_logits(fake, 0.0)[1])


def test_the_value_function_is_minus_the_discriminator_loss():
    """V(D, G) = E_x log D(x) + E_z log(1 − D(G(z))), estimated on a batch from its definition with
    D = σ(logit): D's loss is −V, and the minimax generator loss is V's second term (G descends V)."""
    real, fake = LOGITS, -0.5 * LOGITS[::-1]
    v = mean([math.log(sigmoid(z)) for z in real.ravel()]) + mean([math.log(1 - sigmoid(z)) for z in fake.ravel()])
    assert losses.discriminator_loss(real, fake)[0] == pytest.approx(-v, rel=1e-12)
    second_term = mean([math.log(1 - sigmoid(z)) for z in fake.ravel()])
    assert losses.generator_loss_minimax(fake)[0] == pytest.approx(second_term, rel=1e-12)


def test_one_sided_label_smoothing_changes_only_the_real_target():
    real, fake = LOGITS, LOGITS
    v_smooth, d_real, d_fake = losses.discriminator_loss(real, fake, real_target=0.9)
    assert v_smooth == pytest.approx(losses.bce_with_logits(real, 0.9)[0] + losses.bce_with_logits(fake, 0.0)[0])
    numpy.testing.assert_allclose(d_real.ravel(), [(sigmoid(z) - 0.9) / 7 for z in real.ravel()], rtol=1e-12)
    assert numpy.array_equal(d_fake, losses.discriminator_loss(real, fake)[2])


def test_generator_losses_match_their_formulas():
    minimax, g_mm = losses.generator_loss_minimax(LOGITS)
    nonsat, g_ns = losses.generator_loss_nonsaturating(LOGITS)
    assert minimax == pytest.approx(mean([math.log(1 - sigmoid(z)) for z in LOGITS.ravel()]), rel=1e-12)
    assert nonsat == pytest.approx(mean([-math.log(sigmoid(z)) for z in LOGITS.ravel()]), rel=1e-12)
    numpy.testing.assert_allclose(g_mm.ravel(), [-sigmoid(z) / 7 for z in LOGITS.ravel()], rtol=1e-12)
    numpy.testing.assert_allclose(g_ns.ravel(), [(sigmoid(z) - 1) / 7 for z in LOGITS.ravel()], rtol=1e-12)


def test_minimax_saturates_where_nonsaturating_does_not():
    """When D confidently rejects the fakes (logit -10), the minimax gradient almost vanishes."""
    rejected = numpy.full((4, 1), -10.0)
    _, g_mm = losses.generator_loss_minimax(rejected)
    _, g_ns = losses.generator_loss_nonsaturating(rejected)
    assert numpy.abs(g_mm).max() < 1e-4 * numpy.abs(g_ns).min()


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_losses_stay_finite_for_logits_of_plus_minus_1e4(xp, dtype):
    z = xp.asarray(numpy.array([[-1e4], [1e4], [-1e4], [1e4]], dtype=dtype))
    results = [losses.bce_with_logits(z, 1.0), losses.bce_with_logits(z, 0.0), losses.bce_with_logits(z, 0.9),
               losses.generator_loss_minimax(z), losses.generator_loss_nonsaturating(z)]
    value, d_real, d_fake = losses.discriminator_loss(z, z)
    results += [(value, d_real), (value, d_fake)]
    for value, grad in results:
        assert math.isfinite(value)
        grad = to_numpy(grad)
        assert grad.dtype == dtype and numpy.isfinite(grad).all()
        assert numpy.abs(grad).max() <= 1 / 4 + 1e-7          # |σ − t| ≤ 1, mean over 4
    # the exact values in the tails: −log σ(−1e4) = 1e4, −log σ(1e4) = 0
    assert losses.generator_loss_nonsaturating(z)[0] == pytest.approx(0.5 * 1e4, rel=1e-6)
    assert losses.bce_with_logits(z, 1.0)[1].ravel().tolist() == pytest.approx([-0.25, 0, -0.25, 0])
