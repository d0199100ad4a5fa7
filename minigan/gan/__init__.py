"""The pieces of one training step, each the math of one published technique.

The trainer (minigan/training/trainer.py) runs Goodfellow et al.'s Algorithm 1; these files are what
its D step and G step call. Read them in this order:

1. ``discriminator_pass.py``: L_D(D(x), D(G(z))) forward and backward, in one pass or two
   (when D's samples interact);
2. ``objectives.py``: what the G step minimizes (the adversarial L_G), and the choice between
   objectives;
3. ``feature_matching.py``: the generator matches D's mean features (Salimans et al. 2016);
4. ``unrolled.py``: the generator steps against D after k look-ahead steps (Metz et al. 2017);
5. ``penalties.py``: the WGAN-GP and R1 gradient penalties, through the double backward;
6. ``lipschitz.py``: those penalties and weight clipping as terms and constraints of the D step,
   with the rules that say which critic each one fits;
7. ``ema.py``: the exponential moving average of G's weights;
8. ``updates.py``: when D's update lands, at once (alternating, Algorithm 1) or after G's gradient
   (simultaneous, the PacGAN toy experiments).

Nothing here knows about run folders, logs or the command line.
"""
