"""A first adversarial run: a small dense GAN, built from the engine's parts, learns the ring."""
import numpy
import pytest

from minigan import toy_gan


def test_generator_samples_move_onto_the_ring():
    run = toy_gan.train(steps=500, batch_size=128, seed=0, n_snapshots=2)
    start = toy_gan.distance_to_ring(run.snapshots[0][1])
    end = toy_gan.distance_to_ring(run.snapshots[-1][1])
    assert start > 1.5            # at initialisation G puts everything near the origin
    assert end < 0.5 * start, (start, end)
    # D is still in the game: its loss has not collapsed to 0 (the generator is fooling it at times)
    assert numpy.mean(run.history["d_loss"][-50:]) > 0.3
    assert all(numpy.isfinite(v) for values in run.history.values() for v in values)


def test_training_is_deterministic_on_the_cpu():
    a = toy_gan.train(steps=30, seed=3)
    b = toy_gan.train(steps=30, seed=3)
    for pa, pb in zip(a.generator.parameters() + a.discriminator.parameters(),
                      b.generator.parameters() + b.discriminator.parameters()):
        assert numpy.array_equal(pa.data, pb.data)


def test_the_generator_step_leaves_the_discriminator_unchanged():
    import minigan.optim as optim
    from minigan.losses import generator_loss_nonsaturating

    G, D = toy_gan.build_toy_gan()
    before = [p.data.copy() for p in D.parameters()]
    opt_g = optim.Adam(G.parameters(), lr=1e-2)
    noise = numpy.random.default_rng(0).standard_normal((16, 2)).astype(numpy.float32)
    fake = G.forward(noise)
    loss, dlogits = generator_loss_nonsaturating(D.forward(fake))
    with D.frozen():
        G.backward(D.backward(dlogits))
    opt_g.step()
    assert all(numpy.array_equal(b, p.data) and not p.grad.any() for b, p in zip(before, D.parameters()))
    assert any(p.grad.any() for p in G.parameters())


def test_the_trainers_step_is_bit_identical_to_the_one_page_gan_step():
    """Trainer.train_step on the plain config (nonsaturating loss, Adam, no smoothing, the fakes reused
    for the G step) is Algorithm 1 exactly as toy_gan.gan_step writes it: same weights, batch and
    noise give the same parameters, bit for bit, step after step."""
    import copy

    from minigan.data import ring
    from minigan.losses import get_gan_loss
    from minigan.optim import Adam
    from minigan.training import TrainConfig, Trainer

    rng = numpy.random.default_rng(0)
    data = ring(512, rng).astype(numpy.float32)
    config = TrainConfig(model="toy", dataset="ring", batch_size=64, lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.999,
                         out="unused")
    trainer = Trainer(config, real_data=data)
    G, D = copy.deepcopy(trainer.G), copy.deepcopy(trainer.D)
    start = [p.data.copy() for p in G.parameters()]
    opt_g = Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    loss = get_gan_loss("nonsaturating")
    for step in range(5):
        real = data[64 * step:64 * (step + 1)]
        noise = rng.standard_normal((64, 2)).astype(numpy.float32)
        row = trainer.train_step(real, noise)
        d_loss, g_loss, _, _ = toy_gan.gan_step(G, D, opt_g, opt_d, real, noise, loss)
        assert row["d_loss"] == d_loss and row["g_loss"] == g_loss
        for mine, theirs in zip(trainer.G.parameters() + trainer.D.parameters(), G.parameters() + D.parameters()):
            assert numpy.array_equal(mine.data, theirs.data), f"step {step + 1}: {mine.name} differs"
    assert not any(numpy.array_equal(a, p.data) for a, p in zip(start, G.parameters()))    # the weights moved


def test_the_toy_model_depth_is_a_setting_of_the_toy_model_only():
    from minigan import models
    G, D = models.build("toy", hidden_layers=4)
    assert [type(m).__name__ for m in G.layers].count("Dense") == 5 and [type(m).__name__ for m in D.layers].count("Dense") == 5
    assert str(models.build("toy")[0]) == str(models.build("toy", hidden_layers=2)[0])       # the default depth
    for name, depth, words in (("mlp", 3, "only the toy model's depth"), ("toy", 0, "from 1 to 8"),
                               ("toy", 9, "from 1 to 8"), ("toy", True, "from 1 to 8")):
        with pytest.raises(ValueError, match=words):
            models.build(name, hidden_layers=depth)
