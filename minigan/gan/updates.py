"""When the two networks move: after each gradient, or both after both gradients.

What it changes: docs/training.md#one-step ("When the networks move")

The trainer computes D's gradient, then G's (minigan/training/trainer.py). When does D's update land?

* :class:`Alternating` (``--updates alternating``, the default): at once. G's gradient is then taken
  against the D that just moved: Goodfellow et al.'s Algorithm 1, and most GAN code.
* :class:`Simultaneous` (``--updates simultaneous``): only after G's gradient is in. Both gradients
  come from the same batch and the same D, and then both networks move: simultaneous gradient
  descent on the game, as in the PacGAN toy experiments' code (one ``session.run`` of both
  optimizers). On a step without a G update (``--n-critic`` above 1), D moves at the step's end.

The trainer hands its D update to ``discriminator_ready(move)`` and calls ``step_done()`` last.
"""
from __future__ import annotations


class Alternating:
    """D moves as soon as its gradient is in."""
    name = "alternating"

    def discriminator_ready(self, move):
        move()

    def step_done(self):
        pass


class Simultaneous:
    """D's update waits until G's gradient has been taken against the same, unmoved D."""
    name = "simultaneous"

    def __init__(self):
        self._waiting = None

    def discriminator_ready(self, move):
        self._waiting = move

    def step_done(self):
        if self._waiting is not None:
            move, self._waiting = self._waiting, None
            move()


SCHEDULES = {s.name: s for s in (Alternating, Simultaneous)}


def schedule(name: str):
    """The update schedule ``--updates NAME`` asks for."""
    return SCHEDULES[name]()
