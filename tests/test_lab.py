"""minigan lab: its server's guards (token, Host, Origin, size, paths, bad controls) over real HTTP;
its runs, which are minigan train's (the same steps to the bit, saved folders that --resume goes
on with, never overwritten); slow motion, which records the ordinary step; and its page in a real
browser (Debian's chromium, driven by Playwright): it loads cleanly with no request leaving
127.0.0.1, step, play, slow motion and the settings work, D's heatmap changes as D learns, drawn
points become the data, and a view's code link opens minigan's source at the line."""
import http.client
import json
import os
import re
import shutil
import threading
import urllib.parse

import pathlib

import numpy
import pytest

from minigan.cli import main
from minigan.lab import runs
from minigan.lab.server import MAX_BODY, make_server
from minigan.lab.session import DEFAULTS, LabSession
from minigan.training import threads


@pytest.fixture
def lab(tmp_path):
    threads.configure(1)            # as minigan lab runs (its --threads default): the toy steps gain nothing from two
    session = LabSession()
    server, url = make_server(port=0, session=session, runs_root=str(tmp_path / "runs"))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    parts = urllib.parse.urlsplit(url)
    yield {"url": url, "host": parts.hostname, "port": parts.port, "token": urllib.parse.parse_qs(parts.query)["token"][0],
           "session": session, "runs": tmp_path / "runs"}
    server.shutdown()
    server.server_close()
    session.close()
    threads.configure(None)         # back to the policy's default for the tests after these


def request(lab, method, path, body=None, headers=None, token=True):
    connection = http.client.HTTPConnection(lab["host"], lab["port"], timeout=30)
    if token:
        path += ("&" if "?" in path else "?") + "token=" + lab["token"]
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def test_every_request_needs_the_token_and_the_lab_answers_only_to_itself(lab):
    assert request(lab, "GET", "/")[0] == 200
    status, body = request(lab, "GET", "/api/view", token=False)
    assert status == 403 and "token" in json.loads(body)["error"]
    status, body = request(lab, "GET", "/?token=wrong", token=False)
    assert status == 403
    # DNS rebinding: another name for this address is not this server.
    status, body = request(lab, "GET", "/api/view", headers={"Host": f"evil.example:{lab['port']}"})
    assert status == 403 and "evil.example" in json.loads(body)["error"]
    # A page from another site posting to the lab.
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "play"}',
                           headers={"Origin": "http://evil.example"})
    assert status == 403 and not lab["session"].playing.is_set()


def test_bad_requests_get_a_4xx_and_one_line_never_a_traceback(lab):
    big = b"{" + b" " * (MAX_BODY + 1) + b"}"
    cases = [("POST", "/api/control", big, 413, "at most"),
             ("POST", "/api/control", b"not json", 400, "not JSON"),
             ("POST", "/api/control", b"[1, 2]", 400, "JSON object"),
             ("POST", "/api/control", b'{"action": "fly"}', 400, "play, pause, step, slow, reset, set, save or open"),
             ("POST", "/api/control", b'{"action": "reset", "settings": {"loss": "wgan-clip"}}', 400, "loss must be one of"),
             ("POST", "/api/control", b'{"action": "reset", "settings": {"depth": 3}}', 400, "no setting 'depth'"),
             ("POST", "/api/control", b'{"action": "reset", "settings": {"units": 0}}', 400, "units must be an integer"),
             ("POST", "/api/control", b'{"action": "reset", "settings": {"pack": 3}}', 400, "multiple of --pack 3"),
             ("POST", "/api/control", b'{"action": "reset", "settings": {"data": "drawn", "drawn": [[9, 0]]}}', 400,
              "|x|, |y| <= 3"),
             ("POST", "/api/control", b'{"action": "reset", "settings": [1]}', 400, "settings must be a JSON object"),
             ("POST", "/api/control", b'{"action": "set", "settings": {"batch_size": 32}}', 400,
              "only lr_g, lr_d, n_critic change while training runs"),
             ("POST", "/api/control", b'{"action": "step", "part": "q"}', 400, "part must be both, d or g"),
             ("POST", "/api/control", b'{"action": "open", "name": "../etc"}', 400, "one folder name inside the runs"),
             ("POST", "/api/control", b'{"action": "open", "name": "nothing-here"}', 400, "not a run folder"),
             ("POST", "/api/control", b'{"action": "step", "steps": 1000000000}', 400, "from 1 to 1000"),
             ("POST", "/api/control", b'{"action": "step", "steps": "3"}', 400, "steps must be an integer"),
             ("GET", "/source?path=../../etc/passwd", None, 404, "only minigan's own .py files"),
             ("GET", "/source?path=minigan/../../../etc/passwd.py", None, 404, "no such source file"),
             ("GET", "/static/../server.py", None, 404, "no page"),
             ("GET", "/nowhere", None, 404, "no page")]
    for method, path, body, status, words in cases:
        got, data = request(lab, method, path, body=body)
        message = json.loads(data)["error"]
        assert got == status and words in message and "Traceback" not in message, (path, got, message)


def test_a_run_that_diverges_stops_and_says_why(lab, monkeypatch):
    session = lab["session"]

    def diverge(n=1, part="both"):
        raise RuntimeError("minigan train: step 7: the D loss is NaN")
    monkeypatch.setattr(session, "step", diverge)
    session.playing.set()
    assert session.play_step() is False                   # what the training thread does, called directly
    view = json.loads(request(lab, "GET", "/api/view")[1])
    assert not view["playing"] and "the D loss is NaN" in view["error"]


def test_step_trains_and_the_views_come_from_the_engine(lab):
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "step", "steps": 3}')
    assert status == 200 and json.loads(body)["step"] == 3
    view = json.loads(request(lab, "GET", "/api/view")[1])
    assert view["step"] == 3 and view["curves"]["step"] == [1, 2, 3]
    assert len(view["real"]) == len(view["fake"]) == len(view["arrows"]) == 480 and len(view["heat"]) == 48
    assert all(0 <= v <= 1 for row in view["heat"] for v in row)          # σ(D) for the non-saturating loss
    assert numpy.asarray(view["manifold"]).shape == (15, 15, 2)
    assert set(view["curves"]["grad_norms"]) == {"D.0 Dense(2→128)", "D.2 Dense(128→128)", "D.4 Dense(128→1)",
                                                 "G.0 Dense(2→128)", "G.2 Dense(128→128)", "G.4 Dense(128→2)"}
    assert view["metrics"][0]["step"] == 0 and view["metrics"][0]["n_modes"] == 8
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "reset", "settings": {"loss": "wgan-gp"}}')
    view = json.loads(request(lab, "GET", "/api/view")[1])
    assert view["step"] == 0 and view["settings"]["loss"] == "wgan-gp" and view["heat_kind"] == "critic"
    assert view["settings"]["n_critic"] == 5 and view["settings"]["lr_g"] == 1e-4      # the loss's preset
    request(lab, "POST", "/api/control", body=b'{"action": "set", "settings": {"lr_g": 0.001, "n_critic": 2}}')
    session = lab["session"]
    assert session.trainer.opt_g.lr == 0.001 and session.trainer.config.n_critic == 2 and session.trainer.step == 0


def weights(path):
    """Every array of a checkpoint (networks and optimizer state), by key."""
    with numpy.load(path) as f:
        return {k: f[k] for k in f.files if k != "meta"}


def assert_same_weights(a, b):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert numpy.array_equal(wa[k], wb[k]), k


CLI_RUN = ["--model", "toy", "--dataset", "ring", "--toy-samples", "20000", "--epochs", "10000", "--batch-size", "128",
           "--threads", "1", "--quiet"]


def test_a_lab_run_is_the_minigan_train_run_and_its_saved_folder_resumes(lab, tmp_path):
    session = lab["session"]
    session.step(200)               # more than one epoch of 156 batches: the epochs turn as minigan train's do
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "save"}')
    name = json.loads(body)["saved"]
    assert status == 200 and name == "lab-nonsaturating-ring-step200"
    folder = lab["runs"] / name
    assert main(["train", *CLI_RUN, "--max-steps", "200", "--out", str(tmp_path / "cli")]) == 0
    assert_same_weights(folder / "checkpoint.npz", tmp_path / "cli" / "checkpoint.npz")
    # The saved folder is a run folder: minigan train --resume goes on with it, to the same weights.
    assert main(["train", "--resume", "--out", str(folder), "--max-steps", "260", "--threads", "1", "--quiet"]) == 0
    assert main(["train", *CLI_RUN, "--max-steps", "260", "--out", str(tmp_path / "cli260")]) == 0
    assert_same_weights(folder / "checkpoint.npz", tmp_path / "cli260" / "checkpoint.npz")
    # A second save never overwrites the first; the lab opens a saved run at its step.
    request(lab, "POST", "/api/control", body=b'{"action": "save"}')
    assert sorted(r["name"] for r in runs.list_runs(str(lab["runs"]))) == [name, name + "-2"]
    status, body = request(lab, "POST", "/api/control", body=json.dumps({"action": "open", "name": name}).encode())
    assert status == 200 and session.trainer.step == 260
    session.step(40)
    assert main(["train", "--resume", "--out", str(tmp_path / "cli260"), "--max-steps", "300", "--threads", "1",
                 "--quiet"]) == 0
    request(lab, "POST", "/api/control", body=b'{"action": "save"}')
    assert_same_weights(lab["runs"] / "lab-nonsaturating-ring-step300" / "checkpoint.npz",
                        tmp_path / "cli260" / "checkpoint.npz")


def test_drawn_line_and_moons_data_train_but_cannot_be_saved(lab):
    session = lab["session"]
    session.reset(data="drawn", drawn=[[-1.0, 0.0], [1.0, 0.5]])
    real = session.trainer.real
    near = numpy.minimum(numpy.hypot(real[:, 0] + 1, real[:, 1]), numpy.hypot(real[:, 0] - 1, real[:, 1] - 0.5))
    assert real.shape == (20_000, 2) and near.max() < 0.5           # blobs of std 0.05 around the drawn points
    session.step(2)
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "save"}')
    assert status == 400 and "cannot be saved" in json.loads(body)["error"]
    for data in ("line", "moons"):
        session.reset(data=data)
        session.step(2)
        assert session.trainer.step == 2 and json.loads(request(lab, "GET", "/api/view")[1])["metrics"] == []


@pytest.mark.parametrize("settings", [{}, {"loss": "wgan-gp"}, {"n_critic": 2}, {"pack": 2}, {"r1": 1.0},
                                      {"spectral_norm": True}, {"unroll": 2}, {"ema": 0.99}])
def test_slow_motion_records_the_ordinary_step(settings):
    """A step walked through in slow motion leaves the networks, the optimizers and the random streams as
    an ordinary step does: its wrappers only look."""
    plain, slow = LabSession(**settings), LabSession(**settings)
    try:
        for session in (plain, slow):
            session.step(3)
        plain.step(1)
        frames = slow.slow_step()
        plain.step(2)
        slow.step(2)
        assert plain.trainer.step == slow.trainer.step == 6
        assert_same_networks(plain, slow)
    finally:
        plain.close()
        slow.close()
    assert [f["number"] for f in frames] == list(range(1, 11))
    assert [f["name"] for f in frames][:6] == ["draw z", "G forward", "D on real and on fake", "the D loss",
                                                "D backward", "the D update"]
    assert re.match(r"L_D = .* = -?\d+\.\d{4} \+ -?\d+\.\d{4} = -?\d+\.\d{4}", frames[3]["text"]), frames[3]["text"]
    g_turn = (4 % (5 if settings.get("loss") == "wgan-gp" else settings.get("n_critic", 1))) == 0
    assert ("L_G = " in frames[7]["text"]) == g_turn
    assert frames[5]["heat"] != frames[4]["heat"]                       # the D update moved D's surface


def assert_same_networks(one, other):
    """Two lab sessions hold the same G and D, weights and buffers, to the bit."""
    for a, b in ((one.trainer.G, other.trainer.G), (one.trainer.D, other.trainer.D)):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
            assert numpy.array_equal(x, y), name


def test_looking_never_moves_the_run():
    """The views run forwards in training mode (spectral norm's power iteration refines its u on each):
    a run viewed after every step ends with the same weights and buffers as one never viewed."""
    watched, alone = LabSession(spectral_norm=True), LabSession(spectral_norm=True)
    try:
        for _ in range(4):
            watched.step(1)
            watched.view()
            alone.step(1)
        assert_same_networks(watched, alone)
    finally:
        watched.close()
        alone.close()


def test_the_d_step_and_the_g_step_alone(lab):
    session = lab["session"]
    D0 = {k: v.copy() for k, v in session.trainer.D.state_dict().items()}
    G0 = {k: v.copy() for k, v in session.trainer.G.state_dict().items()}
    session.step(1, part="d")
    assert any(not numpy.array_equal(D0[k], v) for k, v in session.trainer.D.state_dict().items())
    assert all(numpy.array_equal(G0[k], v) for k, v in session.trainer.G.state_dict().items())
    D1 = {k: v.copy() for k, v in session.trainer.D.state_dict().items()}
    session.step(1, part="g")
    assert all(numpy.array_equal(D1[k], v) for k, v in session.trainer.D.state_dict().items())
    assert any(not numpy.array_equal(G0[k], v) for k, v in session.trainer.G.state_dict().items())
    assert session.trainer.step == 0 and session.partial_steps == 2


def test_the_settings_are_minigan_train_flags():
    session = LabSession(hidden_layers=3, units=64)
    try:
        assert str(session.trainer.G).count("Dense(64→64)") == 2 and session.trainer.config.width == 0.5
        assert set(DEFAULTS) - {"data", "units"} <= set(vars(session.trainer.config))
    finally:
        session.close()


ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="no chromium on this machine (apt-get install chromium), "
                    "so the lab's page is not opened in a browser")
def test_the_page_in_a_browser(lab, tmp_path):
    assert CHROMIUM is not None, "CI needs chromium for the browser tests: .ci/run installs it with apt-get"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(lab["url"])
        page.wait_for_function("document.body.dataset.ready === 'yes'")
        assert page.inner_text("#status").startswith("step 0")
        heat_before = page.evaluate("document.getElementById('plane').toDataURL()")
        page.click("#step")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 1 ')")
        page.click("#play")
        page.wait_for_function("parseInt(document.getElementById('status').textContent.slice(5)) >= 150",
                               timeout=60_000)
        page.click("#pause")
        page.wait_for_function("document.getElementById('status').textContent.includes('paused')")
        assert page.evaluate("document.getElementById('plane').toDataURL()") != heat_before   # D learned
        assert "L_D = −mean log σ(D(x)) − mean log(1 − σ(D(G(z)))) = " in page.inner_text("#equations")
        page.screenshot(path=str(tmp_path / "lab.png"))
        # Slow motion: ten sub-steps, each with its numbers and a link to its code.
        page.click("#slow")
        page.wait_for_function("document.querySelectorAll('#substeps li').length === 10")
        assert page.inner_text("#substep-text").startswith("1. draw z")
        for _ in range(3):
            page.click("#next")
        assert page.inner_text("#substep-text").startswith("4. the D loss\nL_D = ")
        assert "losses.py" in page.locator("#substep-code").get_attribute("title")
        assert page.inner_text("#substep-derivation") == "the derivation: backward/losses.md#bce-with-logits"
        # Changing the loss starts a new run with it, and changes the training.
        before = lab["session"].trainer.step
        page.select_option("[data-setting=loss]", "lsgan")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 0 ')")
        assert before > 0 and lab["session"].settings["loss"] == "lsgan" and lab["session"].trainer.loss.name == "lsgan"
        page.click("#step")
        page.wait_for_function("document.getElementById('equations').textContent.includes('½ mean (D(x) − 1)²')")
        # Save writes a run folder into the runs folder, and the list of runs to open shows it.
        page.click("#save")
        page.wait_for_function("document.getElementById('saved').textContent === 'saved: lab-lsgan-ring-step1'")
        assert (lab["runs"] / "lab-lsgan-ring-step1" / "checkpoint.npz").is_file()
        assert page.locator("#runs option").first.get_attribute("value") == "lab-lsgan-ring-step1"
        # A setting the engine refuses says why, and the run goes on as it was.
        page.fill("[data-setting=pack]", "3")
        page.locator("[data-setting=pack]").dispatch_event("change")
        page.wait_for_function("document.getElementById('setting-error').textContent.includes('--pack 3')")
        # Drawn points become the data.
        page.select_option("[data-setting=data]", "drawn")
        page.wait_for_selector("#drawing:not([hidden])")
        box = page.locator("#plane").bounding_box()
        for fx, fy in ((0.25, 0.25), (0.75, 0.75)):                    # (−1.5, 1.5) and (1.5, −1.5)
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        assert page.inner_text("#drawn-count") == "2"
        page.click("#use-drawn")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 0 ')")
        real = lab["session"].trainer.real
        assert lab["session"].settings["data"] == "drawn"
        assert numpy.abs(numpy.abs(real) - 1.5).max() < 0.5              # around the two points drawn
        # The page of runs: two runs side by side, each followed as minigan train writes it.
        root = lab["runs"]
        assert main(["train", *MNIST_RUN, "--epochs", "1", "--out", str(root / "mnist0")]) == 0
        page.goto(lab["url"].replace("/?", "/runs?"))
        page.wait_for_function("document.body.dataset.ready === 'yes'")
        page.select_option("section[data-column='0'] .pick", "mnist0")
        page.select_option("section[data-column='1'] .pick", "lab-lsgan-ring-step1")
        page.wait_for_function("document.querySelector(\"section[data-column='0']\").dataset.step === '92'")
        page.wait_for_function("document.querySelector(\"section[data-column='1']\").dataset.step === '1'")
        assert page.inner_text("section[data-column='0'] .grid-name") == "samples.png"
        assert main(["train", "--resume", "--epochs", "2", "--quiet", "--threads", "1", "--out", str(root / "mnist0")]) == 0
        page.wait_for_function("document.querySelector(\"section[data-column='0']\").dataset.step === '184'")
        # the new picture loads after the step label changes: wait for it, never for a fixed time
        page.wait_for_function("document.querySelector(\"section[data-column='0'] img.grid\").naturalWidth > 0")
        # A view's code link opens minigan's own source at the line that computes it.
        page.goto(lab["url"])
        page.wait_for_function("document.body.dataset.ready === 'yes'")
        link = page.locator('a[data-code="g_objective"]').first.get_attribute("href")
        page.goto(f"http://{lab['host']}:{lab['port']}{link}")
        anchor = link.split("#", 1)[1]
        assert "class AdversarialObjective" in page.inner_text(f'[id="{anchor}"]')
        browser.close()
    # The one refused setting (pack 3) is a 400, which chromium logs; the page showed its message (above).
    refused = [e for e in errors if "status of 400" in e]
    assert len(refused) == 1 and len(errors) == 1, errors
    leaving = [u for u in requests if not u.startswith(f"http://{lab['host']}:{lab['port']}/")]
    assert not leaving, leaving


MNIST_RUN = ["--model", "mlp", "--dataset", "mnist", "--classes", "0", "--width", "0.25", "--quiet", "--threads", "1"]


def test_the_page_of_runs_reads_minigan_train_runs_as_they_are_written(lab):
    root = lab["runs"]
    assert main(["train", *MNIST_RUN, "--epochs", "1", "--out", str(root / "mnist0")]) == 0
    assert main(["train", "--model", "toy", "--dataset", "ring", "--toy-samples", "2000", "--epochs", "3",
                 "--quiet", "--threads", "1", "--out", str(root / "toy")]) == 0
    listed = json.loads(request(lab, "GET", "/api/watch")[1])["runs"]
    assert [(r["name"], r["model"], r["training"]) for r in listed] == [("mnist0", "mlp", False), ("toy", "toy", False)]
    run = json.loads(request(lab, "GET", "/api/watch?name=mnist0")[1])
    steps = run["step"]
    assert steps == run["steps_logged"] == len(run["curves"]["step"]) and run["epoch"] == 1
    assert run["grids"] == ["samples/epoch_001.png", "samples.png"] and run["curves"]["grad_norms"]
    status, png = request(lab, "GET", "/runfile?name=mnist0&file=samples/epoch_001.png")
    assert status == 200 and png.startswith(b"\x89PNG")
    # The run goes on (another terminal's minigan train --resume): the same request sees the new epoch.
    assert main(["train", "--resume", "--epochs", "2", "--quiet", "--threads", "1", "--out", str(root / "mnist0")]) == 0
    run = json.loads(request(lab, "GET", "/api/watch?name=mnist0")[1])
    assert run["step"] == 2 * steps and run["grids"] == ["samples/epoch_001.png", "samples/epoch_002.png", "samples.png"]
    # A toy run's per-epoch metrics, as monitor.after_epoch wrote them.
    toy = json.loads(request(lab, "GET", "/api/watch?name=toy")[1])
    assert [r["epoch"] for r in toy["metrics"]] == [1, 2, 3] and toy["metrics"][0]["n_modes"] == 8
    for path, status, words in (("/runfile?name=mnist0&file=config.json", 400, "a run's pictures are"),
                                ("/runfile?name=mnist0&file=samples/epoch_009.png", 404, "has no samples/epoch_009.png"),
                                ("/runfile?name=..&file=samples.png", 400, "one folder name"),
                                ("/api/watch?name=nothing", 400, "no run 'nothing'")):
        got, body = request(lab, "GET", path)
        assert got == status and words in json.loads(body)["error"], (path, got, body)


def test_each_piece_links_to_its_derivation_and_the_docs_are_served_from_the_checkout(lab):
    links = json.loads(request(lab, "GET", "/api/code")[1])
    assert links["bce"]["derivation"] == "backward/losses.md#bce-with-logits"
    for key, link in links.items():                   # every piece has a derivation, and its page exists
        assert link["derivation"] and (ROOT / "docs" / link["derivation"].split("#")[0]).is_file(), key
    status, body = request(lab, "GET", "/docs/backward/losses.html")
    assert status == 200 and b"BCE with logits" in body
    for path in ("/docs/../../setup.cfg", "/docs/%2e%2e/setup.cfg", "/docs/nothing.html"):
        status, body = request(lab, "GET", path)
        assert status == 404 and "no docs page" in json.loads(body)["error"], path
    # The token as a cookie (what the page's answer sets): the docs site's own files load with it.
    connection = http.client.HTTPConnection(lab["host"], lab["port"], timeout=30)
    connection.request("GET", "/?token=" + lab["token"])
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, _ = request(lab, "GET", "/docs/backward/losses.html", headers={"Cookie": cookie.split(";")[0]}, token=False)
    assert status == 200
    status, _ = request(lab, "GET", "/docs/backward/losses.html", headers={"Cookie": "minigan_lab_token=wrong"},
                        token=False)
    assert status == 403


def test_a_collapse_alarm_in_metrics_is_shown(lab, tmp_path):
    folder = lab["runs"] / "collapsing"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": "toy", "dataset": "ring", "loss": "minimax"}))
    rows = [{"epoch": 1, "step": 10, "coverage": 8, "modes_captured": 8, "n_modes": 8},
            {"epoch": 2, "step": 20, "coverage": 2, "modes_captured": 2, "n_modes": 8,
             "alarm": "modes captured fell from 8 to 2 of 8"}]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = json.loads(request(lab, "GET", "/api/watch?name=collapsing")[1])
    assert run["alarms"] == ["epoch 2: modes captured fell from 8 to 2 of 8"] and run["step"] == 0


def test_minigan_lab_prints_its_url_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "minigan", "lab", "--port", "0", "--runs", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        first = proc.stdout.readline()                    # the URL, printed once the server listens
        assert first.startswith("minigan lab: http://127.0.0.1:"), first
        parts = urllib.parse.urlsplit(first.split(": ", 1)[1].strip())
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.request("GET", f"/api/view?{parts.query}")
        assert connection.getresponse().status == 200
        connection.close()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "minigan lab: stopped" in rest and "Traceback" not in rest, rest
