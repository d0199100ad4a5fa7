"""A first adversarial run: a small dense GAN, built from the engine's parts, learns the ring."""
import numpy

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
