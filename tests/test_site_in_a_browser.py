"""The docs site in a real browser (headless chromium, driven by Playwright): the equation map, a
derivation, a source page reached from a link (its target line visible and highlighted), and the
exercises page, with no console error and no request leaving the machine. On every page with math
the formulas are typeset (KaTeX's fonts loaded from the site itself, no display wider than the page).

Chromium comes from the operating system (Debian's `chromium`; .ci/run installs it when missing),
never downloaded by Playwright. Without it, outside CI, the test skips and says so.
"""
import os
import shutil

import pytest


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"
pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                                reason="no chromium on this machine (apt-get install chromium), so the site is not "
                                       "opened in a browser")


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None, "CI needs chromium for the browser test: .ci/run installs it with apt-get"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A 1400×900 page that records console errors, page errors and every request."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors, page.requests = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    assert not page.errors, f"console errors: {page.errors}"
    leaving = [u for u in page.requests if not u.startswith(("file://", "data:", "blob:"))]
    assert not leaving, f"requests that leave the machine: {leaving}"
    page.close()


def assert_math_rendered(page, at_least: int):
    """The page shows at least ``at_least`` typeset formulas, in KaTeX's own fonts, each one fitting."""
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.locator(".katex").count() >= at_least
    assert page.locator(".katex-error").count() == 0
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("KaTeX_Main" in family for family in loaded), f"KaTeX's fonts did not load: {loaded}"
    assert any("KaTeX_Math" in family for family in loaded), f"KaTeX's fonts did not load: {loaded}"
    first = page.locator(".katex-html").first.bounding_box()
    assert first is not None and first["width"] > 0 and first["height"] > 0, "the math takes no room on the page"
    too_wide = page.evaluate("""[...document.querySelectorAll('.katex-display')]
        .filter(d => d.scrollWidth > d.clientWidth + 1).map(d => d.textContent.slice(0, 80))""")
    assert not too_wide, f"displays wider than the page: {too_wide}"


def test_the_equation_map_and_a_link_to_the_lines_of_a_definition(site, page, tmp_path):
    page.goto((site / "index.html").as_uri())
    assert "Dense:" in page.inner_text("article")
    assert_math_rendered(page, at_least=30)
    page.screenshot(path=str(tmp_path / "equation-map.png"))
    page.locator('article a[href*="Dense._forward.html"]').first.click()
    page.wait_for_load_state()
    anchor = page.url.split("#", 1)[1]
    assert page.url.split("#")[0].endswith("source/minigan/nn/dense.py/Dense._forward.html")
    line = page.locator(f'[id="{anchor}"]')
    box, viewport = line.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] < viewport["height"], "the target line is not in view"
    first_highlighted = page.locator(".hll").first.bounding_box()
    assert abs(first_highlighted["y"] - box["y"]) < box["height"] + 2, "the target line is not highlighted"
    code = page.locator(".highlight").first.bounding_box()
    assert code["width"] > 0.8 * viewport["width"], "the source page does not use the window's width"
    page.screenshot(path=str(tmp_path / "source-page.png"))
    assert os.path.getsize(tmp_path / "source-page.png") > 10_000


@pytest.mark.parametrize("name,words", [("backward/dense.html", "Apply the chain rule one variable at a time"), ("exercises.html", "minigan exercise hint")])
def test_a_derivation_and_the_exercises_page_open_cleanly(site, page, name, words, tmp_path):
    page.goto((site / name).as_uri())
    assert words in page.inner_text("article")
    if name.startswith("backward/"):
        assert_math_rendered(page, at_least=4)
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)


def test_every_page_with_math_shows_it_typeset(site, page):
    pages = sorted(p for p in site.rglob("*.html") if "source" not in p.relative_to(site).parts
                   and 'class="katex"' in p.read_text(encoding="utf-8"))
    assert len(pages) >= 17                       # the equation map and every derivation
    for path in pages:
        page.goto(path.as_uri())
        try:
            assert_math_rendered(page, at_least=1)
        except AssertionError as error:
            raise AssertionError(f"{path.relative_to(site)}: {error}") from None


def test_search_works_when_the_site_is_served_as_the_readme_says(site, page):
    import functools
    import http.server
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        here = f"http://127.0.0.1:{server.server_port}/"
        page.goto(here + "index.html")
        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.locator(".md-search__input").fill("BatchNorm")
        page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
        assert page.locator(".md-search-result__item").count() > 0
        page.requests[:] = [u for u in page.requests if not u.startswith(here)]     # its own server is local
    finally:
        server.shutdown()
