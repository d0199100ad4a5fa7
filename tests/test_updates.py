"""--updates: when D's update lands. Alternating (Algorithm 1): at once, so G's gradient sees the new
D. Simultaneous (the PacGAN toy experiments): after G's gradient, so both come from the same D."""
import json

import numpy
import pytest

from minigan.cli import main
from minigan.training import TrainConfig, Trainer

DATA = numpy.random.default_rng(0).standard_normal((256, 2)).astype(numpy.float32)


def _trainer(updates, **settings):
    return Trainer(TrainConfig(model="toy", dataset="ring", updates=updates, **settings), real_data=DATA)


def _same(a: dict, b: dict) -> bool:
    return all(numpy.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_simultaneous_updates_take_both_gradients_from_the_same_discriminator(loss):
    real = DATA[:64]
    together = _trainer("simultaneous", loss=loss, n_critic=1)
    noise = together.next_noise(64)
    together.train_step(real, noise)

    # D moves the same way under both schedules: its gradient comes first in both.
    alternating = _trainer("alternating", loss=loss, n_critic=1)
    alternating.train_step(real, noise)
    assert _same(together.D.state_dict(), alternating.D.state_dict())
    # G's step under the simultaneous schedule is the G step against the D that has not moved ...
    unmoved = _trainer("alternating", loss=loss, n_critic=1)
    fake, codes = unmoved._fakes(noise, keep_cache=True)
    unmoved.generator_step(real, fake, codes, None)
    assert _same(together.G.state_dict(), unmoved.G.state_dict())
    # ... and not the one against the D that moved, which the alternating schedule takes.
    assert not _same(together.G.state_dict(), alternating.G.state_dict())


def test_with_several_critic_steps_d_still_moves_on_every_step():
    trainer = _trainer("simultaneous", loss="wgan-gp")             # n_critic 5: four D-only steps first
    before = trainer.D.state_dict()
    trainer.train_step(DATA[:64], trainer.next_noise(64))
    assert trainer.step == 1 and not _same(before, trainer.D.state_dict())


def test_updates_is_an_option_recorded_in_the_run_and_checked(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "toy", "--dataset", "ring", "--updates", "simultaneous", "--max-steps", "3",
                 "--toy-samples", "256", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["updates"] == "simultaneous"
    assert main(["train", "--model", "toy", "--dataset", "ring", "--updates", "together", "--out",
                 str(tmp_path / "other")]) == 1
    assert "--updates must be one of alternating, simultaneous, got 'together'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="updates must be one of alternating, simultaneous, got 'together'"):
        TrainConfig(updates="together").validate()
