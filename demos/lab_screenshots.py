"""The screenshots of docs/lab.md, from real runs of the lab (seed 0), taken in headless chromium.

    python demos/lab_screenshots.py --out docs/img --overwrite        # needs Playwright for Python and chromium

Four runs, each trained by the lab's own session before the page is opened: the ring after 1,500
steps (the whole page, then one step in slow motion at its eighth sub-step, the G loss), points
drawn by hand (a smile, 25 points) after 2,000 steps, WGAN-GP on the grid after 3,000 steps; and the
page of runs beside two ``minigan train`` runs it trains first into <out>/runs: the mlp on MNIST's
zeros (width 0.25, 3 epochs) and the toy GAN on the ring (20 epochs of 5,000 points).
"""
from __future__ import annotations

import math
import os
import shutil
import threading

from minigan.cli import demo_arguments, run_command
from minigan.lab.server import make_server
from minigan.lab.session import LabSession

NAMES = ("lab.png", "lab-slow-motion.png", "lab-drawn.png", "lab-curves.png", "lab-runs.png")


def add_flags(parser):
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                        help="the chromium to drive (default: the one on PATH)")


args = demo_arguments(__doc__, "runs/lab_screenshots", add=add_flags)
os.makedirs(args.out, exist_ok=True)
taken = [n for n in NAMES if os.path.exists(os.path.join(args.out, n))]
if taken and not args.overwrite:
    raise SystemExit(f"{args.out} already holds {', '.join(taken)}: --overwrite replaces them")
from playwright.sync_api import sync_playwright  # noqa: E402  (after --help, which needs no browser)

session = LabSession()
server, url = make_server(port=0, session=session, runs_root=os.path.join(args.out, "runs"))
threading.Thread(target=server.serve_forever, daemon=True).start()
session.step(1500)
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1250, "height": 1000})

    def reopen():
        page.goto(url)
        page.wait_for_function("document.body.dataset.ready === 'yes'")

    reopen()
    page.screenshot(path=os.path.join(args.out, "lab.png"), full_page=True)
    page.click("#slow")
    page.wait_for_function("document.querySelectorAll('#substeps li').length === 10")
    for _ in range(7):
        page.click("#next")
    page.locator("main > section.view").first.screenshot(path=os.path.join(args.out, "lab-slow-motion.png"))
    smile = [[1.8 * math.cos(math.pi + k * math.pi / 20), 1.08 * math.sin(math.pi + k * math.pi / 20) - 0.3]
             for k in range(21)] + [[-0.8, 1.0], [-0.8, 1.2], [0.8, 1.0], [0.8, 1.2]]
    session.reset(data="drawn", drawn=smile)
    session.step(2000)
    reopen()
    page.locator("#plane").screenshot(path=os.path.join(args.out, "lab-drawn.png"))
    session.reset(data="grid", loss="wgan-gp")
    session.step(3000)
    reopen()
    page.locator("main > section.view").nth(1).screenshot(path=os.path.join(args.out, "lab-curves.png"))
    runs = os.path.join(args.out, "runs")
    run_command(["train", "--model", "mlp", "--dataset", "mnist", "--classes", "0", "--width", "0.25", "--epochs", "3",
                 "--quiet", "--overwrite", "--threads", "1", "--out", os.path.join(runs, "mlp-zeros")])
    run_command(["train", "--model", "toy", "--dataset", "ring", "--toy-samples", "5000", "--epochs", "20", "--quiet",
                 "--overwrite", "--threads", "1", "--out", os.path.join(runs, "toy-ring")])
    page.goto(url.replace("/?", "/runs?"))
    page.wait_for_function("document.body.dataset.ready === 'yes'")
    page.select_option("section[data-column='0'] .pick", "mlp-zeros")
    page.select_option("section[data-column='1'] .pick", "toy-ring")
    page.wait_for_function("document.querySelector(\"section[data-column='1']\").dataset.step > 0")
    page.wait_for_function("[...document.querySelectorAll('img.grid')].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=os.path.join(args.out, "lab-runs.png"), full_page=True)
    browser.close()
session.close()
server.shutdown()
print(f"wrote {', '.join(NAMES)} into {args.out}")
