"""How fast the lab trains and redraws: steps per second, and frames per second of the page.

    python benchmarks/lab_fps.py                       # 10 s of play, views fetched as the page fetches them
    python benchmarks/lab_fps.py --browser /usr/bin/chromium   # the page itself, in headless chromium (Playwright)

The lab's target (issue: minigan lab): at the default toy size the page redraws 20 times a second
or more while training. Without --browser, a client fetches /api/view as the page's loop does (a
fetch and a redraw every 40 ms, or back to back when they take longer), and the numbers are the server's side: the
time to compute and send one view, and the training steps done meanwhile. With --browser, the
page's own status line gives its frames per second (what a learner sees).

Prints one line per measurement, and the threads in use: 1 by default, as ``minigan lab`` uses
(``--threads N`` sets both).
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
import urllib.parse

from minigan.lab.server import make_server
from minigan.lab.session import LabSession
from minigan.training import threads

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--seconds", type=float, default=10.0, help="how long to play (default: 10)")
parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default: 1, as minigan lab's)")
parser.add_argument("--browser", default=None, metavar="CHROMIUM", help="measure the page in this chromium")
args = parser.parse_args()
threads.configure(args.threads)
print(f"threads: {threads.current()}")

session = LabSession()
server, url = make_server(port=0, session=session)
threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
parts = urllib.parse.urlsplit(url)


def get(path, query=""):
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"{path}?{parts.query}{query}")
    body = connection.getresponse().read()
    connection.close()
    return body


# Training alone: steps per second with nobody looking.
session.playing.set()
time.sleep(2.0)                                       # warm up; steps_per_second is measured over ~1 s windows
start_step, started = session.trainer.step, time.perf_counter()
time.sleep(args.seconds / 2)
alone = (session.trainer.step - start_step) / (time.perf_counter() - started)
print(f"training alone: {alone:.0f} steps/s")

if args.browser is None:
    # Views fetched back to back while training plays, the page's loop without the drawing.
    times, start_step, started = [], session.trainer.step, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        t0 = time.perf_counter()
        get("/api/view", f"&run={session.run_id}")        # the page holds the run's real points after its first view
        times.append(time.perf_counter() - t0)
        time.sleep(max(0.0, 0.04 - (time.perf_counter() - t0)))   # the page asks every 40 ms
    elapsed = time.perf_counter() - started
    steps = (session.trainer.step - start_step) / elapsed
    print(f"while viewed: {steps:.0f} steps/s; a view takes {1000 * statistics.median(times):.1f} ms (median of "
          f"{len(times)}), so the page can redraw up to {min(25.0, 1 / statistics.median(times)):.1f} frames/s "
          "(it asks every 40 ms)")
else:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.browser, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_function("document.body.dataset.ready === 'yes'")
        page.click("#play")
        readings = []
        for _ in range(int(args.seconds)):
            page.wait_for_timeout(1000)
            status = page.inner_text("#status")        # "step N · S steps/s · F frames/s · playing"
            fields = status.split(" · ")
            readings.append((float(fields[1].split()[0]), float(fields[2].split()[0])))
        browser.close()
    steady = readings[2:] or readings
    print(f"the page: {statistics.median(r[1] for r in steady):.0f} frames/s, "
          f"{statistics.median(r[0] for r in steady):.0f} steps/s (medians of {len(steady)} one-second readings)")
session.close()
server.shutdown()
