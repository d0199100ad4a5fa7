"""minigan lab: its server's guards (token, Host, Origin, size, paths, bad controls) over real HTTP,
and its page in a real browser (Debian's chromium, driven by Playwright): it loads cleanly with no
request leaving 127.0.0.1, step and play train, D's heatmap changes as D learns, changing the loss
starts a new run with it, and a view's code link opens minigan's source at the line."""
import http.client
import json
import os
import shutil
import threading
import urllib.parse

import pytest

from minigan.lab.server import MAX_BODY, make_server
from minigan.lab.session import LabSession


@pytest.fixture
def lab():
    session = LabSession()
    server, url = make_server(port=0, session=session)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    parts = urllib.parse.urlsplit(url)
    yield {"url": url, "host": parts.hostname, "port": parts.port, "token": urllib.parse.parse_qs(parts.query)["token"][0],
           "session": session}
    server.shutdown()
    server.server_close()
    session.close()


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
             ("POST", "/api/control", b'{"action": "fly"}', 400, "play, pause, step or reset"),
             ("POST", "/api/control", b'{"action": "reset", "loss": "wgan-clip"}', 400, "loss must be one of"),
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

    def diverge(n=1):
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
    assert view["step"] == 3 and len(view["history"]) == 3
    assert len(view["real"]) == len(view["fake"]) == len(view["arrows"]) == 400 and len(view["heat"]) == 48
    assert all(0 <= v <= 1 for row in view["heat"] for v in row)          # σ(D) for the non-saturating loss
    status, body = request(lab, "POST", "/api/control", body=b'{"action": "reset", "loss": "wgan-gp"}')
    view = json.loads(request(lab, "GET", "/api/view")[1])
    assert view["step"] == 0 and view["settings"]["loss"] == "wgan-gp" and view["heat_kind"] == "critic"


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
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 0')")
        heat_before = page.evaluate("document.getElementById('plane').toDataURL()")
        page.click("#step")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 1 ')")
        page.click("#play")
        page.wait_for_function("parseInt(document.getElementById('status').textContent.slice(5)) >= 150",
                               timeout=60_000)
        page.click("#pause")
        page.wait_for_function("document.getElementById('status').textContent.includes('paused')")
        assert page.evaluate("document.getElementById('plane').toDataURL()") != heat_before   # D learned
        assert "L_D = " in page.inner_text("#equation")
        page.screenshot(path=str(tmp_path / "lab.png"))
        page.select_option("#loss", "lsgan")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('step 0 ')")
        assert lab["session"].settings["loss"] == "lsgan"
        # A view's code link opens minigan's own source at the line that computes it.
        link = page.locator('a[data-code="g_objective"]').first.get_attribute("href")
        page.goto(f"http://{lab['host']}:{lab['port']}{link}")
        anchor = link.split("#", 1)[1]
        assert "class AdversarialObjective" in page.inner_text(f'[id="{anchor}"]')
        browser.close()
    assert not errors, errors
    leaving = [u for u in requests if not u.startswith(f"http://{lab['host']}:{lab['port']}/")]
    assert not leaving, leaving
