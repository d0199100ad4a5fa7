"""Measuring what a generator learned.

Read in this order:

1. ``metrics.py``: FID, the Inception Score, class coverage, and the toy sets' modes, high-quality
   share and reverse KL, each from its definition;
2. ``classifier.py``: the small LeNet-style classifier those metrics read (its trained weights ship
   in ``weights/``, with the command that rebuilds them bit for bit);
3. ``evaluate.py``: ``minigan eval``: the metrics on a set of samples, with the real-data floor.

Sampling a trained run's generator is training's part (minigan/training/sample.py).
"""
