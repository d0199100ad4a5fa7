"""The lab's local web server: the standard library's ``http.server``, so a learner can read all of it.

Every request must carry the lab's random token: in the URL (``?token=…``, as Jupyter does), or
sent back by the page on each call, or as the SameSite=Strict cookie the page's answer sets (so
that the docs site's pages and their fonts load without it in every URL). Its Host header must
name this server (against DNS rebinding), an Origin header, when there is one, must be this
server's (against other sites' pages posting to it), and a request body is at most ``MAX_BODY``
bytes. A bad request gets a 4xx and a one-line JSON error, never a traceback. The files it serves,
read-only, are the page's own, minigan's source files (by a path that must stay inside the
installed package), the docs site's (inside site/ of a checkout) and the runs folder's pictures.

    GET  /?token=T                       the page
    GET  /static/NAME?token=T            its script and stylesheet
    GET  /api/view?token=T[&run=N]       everything the page draws (JSON; minigan/lab/session.py); run=N:
                                         the page holds run N's real points, leave them out
    GET  /api/runs?token=T               the toy runs in the runs folder (minigan/lab/runs.py)
    POST /api/control?token=T            {"action": ACTION, …}: play, pause, step ({"steps": n, "part":
                                         "both" | "d" | "g"}), slow (one step in its ten sub-steps),
                                         reset ({"settings": {…}}: a new run), set ({"settings": {…}}:
                                         learning rates and n_critic, live), save, open ({"name": …})
    GET  /source?path=minigan/…py&token=T   a source file, every line numbered, #L12 anchors
    GET  /docs/PAGE.html?token=T         a derivation: the built docs site's page, else its Markdown source
    GET  /runs?token=T                   the page of runs: minigan train's run folders, as they are written
    GET  /api/watch?token=T[&name=RUN]   the runs folder's runs, or one run's curves, metrics and grids
    GET  /runfile?name=RUN&file=samples/epoch_001.png&token=T   one of a run's pictures
"""
from __future__ import annotations

import ast
import html
import http.cookies
import http.server
import json
import math
import os
import secrets
import threading
import urllib.parse
import webbrowser

import minigan

from . import runs, watch
from .session import DATASETS, LOSSES, LabSession

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
PACKAGE = os.path.dirname(os.path.abspath(minigan.__file__))
MAX_BODY = 16 * 1024
COOKIE = "minigan_lab_token"
MAX_STEPS = 1000                   # one "step" request; more would hold the page (use play)
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2"}
# The code behind each view and each piece of the step: (file in the package, definition).
CODE = {
    "step": ("training/trainer.py", "Trainer.train_step"),
    "d_step": ("training/trainer.py", "Trainer.discriminator_step"),
    "g_step": ("training/trainer.py", "Trainer.generator_step"),
    "d_loss": ("gan/discriminator_pass.py", "discriminator_pass"),
    "g_objective": ("gan/objectives.py", "AdversarialObjective"),
    "losses": ("losses.py", "GAN_LOSSES"),
    "heat": ("lab/session.py", "LabSession.heat"),
    "arrows": ("lab/session.py", "LabSession.arrows"),
    "manifold": ("lab/session.py", "LabSession.view"),
    "metrics": ("evaluation/metrics.py", "toy_metrics"),
    "slow": ("lab/substeps.py", "record"),
    "adam": ("optim.py", "Adam"),
    "dense": ("nn/dense.py", "Dense"),
    # the ten sub-steps of one step (minigan/lab/substeps.py), and each loss's terms
    "noise": ("training/trainer.py", "Trainer.next_noise"),
    "g_forward": ("training/trainer.py", "Trainer._fakes"),
    "d_pass": ("gan/discriminator_pass.py", "discriminator_pass"),
    "d_backward": ("nn/sequential.py", "Sequential._backward"),
    "d_update": ("training/trainer.py", "Trainer._move_discriminator"),
    "g_update": ("optim.py", "Optimizer.step"),
    "bce": ("losses.py", "bce_with_logits"),
    "g_nonsaturating": ("losses.py", "generator_loss_nonsaturating"),
    "g_minimax": ("losses.py", "generator_loss_minimax"),
    "lsgan_real": ("losses.py", "lsgan_real_term"),
    "lsgan_fake": ("losses.py", "lsgan_fake_term"),
    "lsgan_g": ("losses.py", "lsgan_generator_loss"),
    "hinge_real": ("losses.py", "hinge_real_term"),
    "hinge_fake": ("losses.py", "hinge_fake_term"),
    "negative_mean": ("losses.py", "negative_mean"),
    "wgan_fake": ("losses.py", "wgan_fake_term"),
}


def finite(value):
    """``value`` with NaN and ±Inf numbers as None: JSON has no such numbers, and a browser refuses a page of
    JSON that holds one (a diverging run's last losses)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


# The derivation behind each piece: a page of docs/ and its section (the docs site's anchors).
DERIVATIONS = {
    "step": "training.md#one-step", "d_step": "training.md#one-step", "g_step": "training.md#one-step",
    "noise": "training.md#one-step", "g_forward": "training.md#one-step", "d_update": "training.md#one-step",
    "d_pass": "backward/losses.md#the-discriminator-loss", "d_loss": "backward/losses.md#the-discriminator-loss",
    "bce": "backward/losses.md#bce-with-logits", "g_objective": "training.md#one-step",
    "g_nonsaturating": "backward/losses.md#the-non-saturating-generator-loss",
    "g_minimax": "backward/losses.md#the-minimax-generator-loss",
    "lsgan_real": "training.md#the-losses-loss", "lsgan_fake": "training.md#the-losses-loss",
    "lsgan_g": "training.md#the-losses-loss", "hinge_real": "training.md#the-losses-loss",
    "hinge_fake": "training.md#the-losses-loss", "negative_mean": "training.md#the-losses-loss",
    "wgan_fake": "training.md#the-losses-loss", "losses": "training.md#the-losses-loss",
    "d_backward": "backward/dense.md", "dense": "backward/dense.md",
    "g_update": "backward/adam.md#adam", "adam": "backward/adam.md#adam",
    "heat": "lab.md", "arrows": "lab.md", "manifold": "lab.md", "slow": "lab.md#slow-motion-one-step-in-its-ten-sub-steps",
    "metrics": "metrics.md",
}
CHECKOUT = os.path.dirname(PACKAGE)           # a git checkout holds docs/ and, once built, site/ here


class LabError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def definition_line(path: str, name: str) -> int:
    """The first line of ``name`` ("Class.method", "function", "CONSTANT") in the package file ``path``."""
    body = ast.parse(open(os.path.join(PACKAGE, path), encoding="utf-8").read()).body
    node = None
    for part in name.split("."):
        node = next(n for n in body if getattr(n, "name", None) == part
                    or any(getattr(t, "id", None) == part for t in getattr(n, "targets", [])))
        body = getattr(node, "body", [])
    return node.lineno


def code_links() -> dict:
    return {key: {"path": f"minigan/{path}", "name": name, "line": definition_line(path, name),
                  "derivation": DERIVATIONS.get(key)}
            for key, (path, name) in CODE.items()}


def docs_page(relative: str) -> tuple:
    """(bytes, content type) of the docs site's file ``relative`` ("backward/losses.html") when the site is
    built beside the package (``mkdocs build`` in a checkout), else the page's Markdown source as text,
    else LabError 404 saying where the derivation is."""
    site = os.path.join(CHECKOUT, "site")
    path = os.path.realpath(os.path.join(site, relative))
    if path.startswith(os.path.realpath(site) + os.sep) and os.path.isfile(path):
        with open(path, "rb") as f:
            return f.read(), CONTENT_TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
    docs = os.path.join(CHECKOUT, "docs")
    source = os.path.realpath(os.path.join(docs, os.path.splitext(relative)[0] + ".md"))
    if relative.endswith(".html") and source.startswith(os.path.realpath(docs) + os.sep) and os.path.isfile(source):
        with open(source, "rb") as f:
            return (b"(the docs site is not built: this is the page's Markdown source; `mkdocs build` builds the "
                    b"site, README \"The docs site\")\n\n" + f.read()), "text/plain; charset=utf-8"
    raise LabError(404, f"minigan lab: no docs page {relative!r} here: the derivations are in docs/ of the minigan "
                        "repository (pip install . installs no docs), and on its docs site once built")


def source_page(relative: str) -> str:
    """A minigan source file as HTML, each line numbered and anchored (#L12), or LabError 404."""
    if not relative.startswith("minigan/") or not relative.endswith(".py"):
        raise LabError(404, f"minigan lab: only minigan's own .py files are served, not {relative!r}")
    path = os.path.realpath(os.path.join(os.path.dirname(PACKAGE), relative))
    if not path.startswith(PACKAGE + os.sep) or not os.path.isfile(path):
        raise LabError(404, f"minigan lab: no such source file in the package: {relative!r}")
    lines = open(path, encoding="utf-8").read().split("\n")
    rows = "\n".join(f'<span id="L{i}" class="line"><a href="#L{i}">{i:4d}</a>  {html.escape(text)}</span>'
                     for i, text in enumerate(lines, 1))
    return (f"<!doctype html><meta charset=utf-8><title>{html.escape(relative)}</title><link rel=icon href='data:,'>"
            "<style>body{font:13px monospace;margin:1em}.line{display:block;white-space:pre}"
            ".line:target{background:#fff3a8}a{color:#999;text-decoration:none}</style>"
            f"<h3>{html.escape(relative)}</h3><pre>{rows}</pre>")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "minigan-lab"
    lab = None                                   # set by make_server: {"session", "token", "hosts", "origins"}

    def log_message(self, format, *args):        # quiet: the terminal shows the URL and errors only
        pass

    def _check(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if self.headers.get("Host") not in self.lab["hosts"]:
            raise LabError(403, f"minigan lab: this server answers to {' or '.join(sorted(self.lab['hosts']))}, not "
                                f"the Host {self.headers.get('Host')!r}")
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.lab["origins"]:
            raise LabError(403, f"minigan lab: requests from the page at {origin!r} are refused")
        cookies = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        given = (query.get("token", [""])[0] or self.headers.get("X-Lab-Token", "")
                 or (cookies[COOKIE].value if COOKIE in cookies else ""))
        if not secrets.compare_digest(given, self.lab["token"]):
            raise LabError(403, "minigan lab: a missing or wrong token; open the URL the lab printed")
        return query

    def _send(self, status: int, body: bytes, content_type: str, cookie: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if cookie:          # the token as a cookie, for what the page opens without it in the URL (the docs site's files)
            self.send_header("Set-Cookie", f"{COOKIE}={self.lab['token']}; Path=/; HttpOnly; SameSite=Strict")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value):
        try:                                        # the usual case: every number finite, one pass
            body = json.dumps(value, allow_nan=False)
        except ValueError:
            body = json.dumps(finite(value), allow_nan=False)
        self._send(status, body.encode(), "application/json")

    def _answer(self, method):
        try:
            method()
        except LabError as error:
            self._json(error.status, {"error": str(error)})
        except ValueError as error:                                     # a setting the session refused
            self._json(400, {"error": str(error)})
        except FileNotFoundError as error:                              # a run's picture not written (yet)
            self._json(404, {"error": str(error)})
        except Exception as error:                                      # noqa: BLE001  (never a traceback)
            self._json(500, {"error": f"minigan lab: {type(error).__name__}: {error}"})

    def do_GET(self):
        self._answer(self._get)

    def do_POST(self):
        self._answer(self._post)

    def _get(self):
        query = self._check()
        route = urllib.parse.urlsplit(self.path).path
        if route in ("/", "/runs"):
            name = "index.html" if route == "/" else "runs.html"
            page = open(os.path.join(STATIC, name), encoding="utf-8").read()
            self._send(200, page.replace("{{TOKEN}}", self.lab["token"]).encode(), CONTENT_TYPES[".html"], cookie=True)
        elif route.startswith("/static/") and route[len("/static/"):] in os.listdir(STATIC):
            name = route[len("/static/"):]
            with open(os.path.join(STATIC, name), "rb") as f:
                self._send(200, f.read(), CONTENT_TYPES.get(os.path.splitext(name)[1], "application/octet-stream"))
        elif route == "/api/view":
            have = query.get("run", [""])[0]
            self._json(200, self.lab["session"].view(have_run=int(have) if have.isdigit() else None))
        elif route == "/api/code":
            self._json(200, code_links())
        elif route == "/api/runs":
            self._json(200, {"root": self.lab["runs"], "runs": runs.list_runs(self.lab["runs"])})
        elif route == "/api/watch":                    # the runs folder's runs, or one run (minigan/lab/watch.py)
            name = query.get("name", [None])[0]
            root = self.lab["runs"]
            self._json(200, {"root": root, "runs": watch.list_all(root)} if name is None else watch.summary(root, name))
        elif route == "/runfile":
            data = watch.picture(self.lab["runs"], query.get("name", [""])[0], query.get("file", [""])[0])
            self._send(200, data, CONTENT_TYPES[".png"])
        elif route.startswith("/docs/"):
            self._send(200, *docs_page(urllib.parse.unquote(route[len("/docs/"):])))
        elif route == "/source":
            self._send(200, source_page(query.get("path", [""])[0]).encode(), CONTENT_TYPES[".html"])
        else:
            raise LabError(404, f"minigan lab: no page {route!r}")

    def _post(self):
        self._check()
        if urllib.parse.urlsplit(self.path).path != "/api/control":
            raise LabError(404, "minigan lab: the only thing to post to is /api/control")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise LabError(413, f"minigan lab: a request of {length} bytes; at most {MAX_BODY} are read")
        try:
            control = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError as error:
            raise LabError(400, f"minigan lab: the control is not JSON ({error})") from None
        if not isinstance(control, dict):
            raise LabError(400, "minigan lab: the control must be a JSON object")
        session, action = self.lab["session"], control.get("action")
        answer = {}
        if action == "play":
            session.playing.set()
        elif action == "pause":
            session.playing.clear()
        elif action == "step":
            steps = control.get("steps", 1)
            if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
                raise LabError(400, f"minigan lab: steps must be an integer from 1 to {MAX_STEPS}, got {steps!r}")
            session.step(steps, part=control.get("part", "both"))
        elif action == "slow":
            session.playing.clear()
            answer["frames"] = session.slow_step()
        elif action in ("reset", "set"):
            settings = control.get("settings", {})
            if not isinstance(settings, dict):
                raise LabError(400, f"minigan lab: settings must be a JSON object, got {settings!r}")
            (session.reset if action == "reset" else session.set_live)(**settings)
        elif action == "save":
            answer["saved"] = runs.save(session, self.lab["runs"])
        elif action == "open":
            session.playing.clear()
            runs.open_run(session, self.lab["runs"], control.get("name"))
        else:
            raise LabError(400, "minigan lab: action must be play, pause, step, slow, reset, set, save or open, "
                                f"got {action!r}")
        self._json(200, {"ok": True, "step": session.trainer.step, "playing": session.playing.is_set(), **answer})


def make_server(host: str = "127.0.0.1", port: int = 0, session: LabSession | None = None, runs_root: str = "runs"):
    """(server, url): a lab server on host:port (port 0: any free one), not yet serving; runs are saved
    into and opened from ``runs_root``."""
    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    token = secrets.token_urlsafe(18)
    server.RequestHandlerClass = type("LabHandler", (Handler,), {"lab": {
        "session": session or LabSession(), "token": token, "runs": runs_root,
        "hosts": {f"{name}:{port}" for name in names},
        "origins": {f"http://{name}:{port}" for name in names}}})
    return server, f"http://{host}:{port}/?token={token}"


def serve(host: str, port: int, open_browser: bool = False, log=print, runs_root: str = "runs") -> None:
    """``minigan lab``: serve until Ctrl-C, then stop training and the server cleanly."""
    server, url = make_server(host, port, runs_root=runs_root)
    if host not in ("127.0.0.1", "localhost"):
        log(f"warning: --host {host} lets other machines reach the lab; the token is all that guards it")
    log(f"minigan lab: {url}\n(training waits for play; Ctrl-C stops the lab)")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        log("minigan lab: stopped")
    finally:
        server.RequestHandlerClass.lab["session"].close()
        server.server_close()


__all__ = ["DATASETS", "LOSSES", "make_server", "serve", "source_page"]
