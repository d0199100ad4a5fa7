"""``minigan lab``: a GAN learning in the browser, computed by minigan's own engine (docs/lab.md).

Read in this order:

1. ``session.py``: one toy GAN being trained (a ``Trainer``, dealt its batches as ``minigan train``
   deals them), a thread that steps it while the page says play, the settings (``minigan train``'s
   flags), and the views the page draws, each computed by the engine: real and fake points, D's
   output over the plane, the generator's gradient arrows −∂L_G/∂x, G's manifold, the curves;
2. ``looking.py``: how a view looks through the networks without moving the run;
3. ``substeps.py``: slow motion: one ordinary training step recorded in its ten sub-steps, each
   with its equation and live numbers;
4. ``runs.py``: saving the lab's run as a ``minigan train`` run folder, and opening one;
5. ``watch.py``: the page of runs: ``minigan train``'s run folders read as they are written;
6. ``server.py``: the local web server (the standard library's ``http.server``): a random token on
   every request, Host and Origin checked, a size limit on requests, clear 4xx errors; the page,
   its state as JSON, its controls, and minigan's own source files with line anchors;
7. ``static/``: the two pages (plain HTML, CSS and JavaScript, no library and no build step).
"""
