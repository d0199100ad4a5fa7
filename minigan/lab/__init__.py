"""``minigan lab``: a GAN learning in the browser, computed by minigan's own engine (docs/lab.md).

Read in this order:

1. ``session.py``: one toy GAN being trained (a ``Trainer``), a thread that steps it while the page
   says play, and the views the page draws, each computed by the engine: real and fake points,
   D's output over the plane, the generator's gradient arrows −∂L_G/∂x, the loss curves;
2. ``server.py``: the local web server (the standard library's ``http.server``): a random token on
   every request, Host and Origin checked, a size limit on requests, clear 4xx errors; the page,
   its state as JSON, its controls, and minigan's own source files with line anchors;
3. ``static/``: the page (plain HTML, CSS and JavaScript, no library and no build step).
"""
