"""The docs site builds with warnings as errors: a broken link, a missing anchor or a missing page
fails here, in CI. The build needs the `docs` extra, which the `test` extra includes."""
import shutil

from site_build import ROOT, build


def test_the_docs_site_builds_strict_with_the_code_and_the_api_reference(site):
    assert (site / "index.html").exists()                                    # the equation map is the front page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Every equation" in index or "every equation" in index
    dense = (site / "source" / "minigan" / "nn" / "dense.py.html").read_text(encoding="utf-8")
    assert "_double_backward" in dense                                       # the docs link to the code
    reference = (site / "reference.html").read_text(encoding="utf-8")
    assert "gradient_penalty" in reference and "WGAN-GP" in reference         # generated from docstrings
    assert "fonts.googleapis" not in index                                   # nothing fetched from a CDN


def test_a_broken_link_fails_the_build(tmp_path):
    """The site's own configuration and hooks over a two-page site (the whole site takes a minute to
    build, and the full build is tested above): a page with a good link to a definition, and three
    broken ones."""
    copy = tmp_path / "repo"
    for name in ("minigan",):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=shutil.ignore_patterns("*.md", "img", "__pycache__"))
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    head, rest = config.split("\nnav:\n", 1)
    tail = rest[rest.index("\nmarkdown_extensions:"):]
    (copy / "mkdocs.yml").write_text(head + "\nnav:\n  - Home: README.md\n  - Page: page.md\n" + tail, encoding="utf-8")
    (copy / "docs" / "README.md").write_text("# minigan\n\n[The page](page.md).\n", encoding="utf-8")
    good = "# A page\n\n[Dense's forward](../minigan/nn/dense.py#Dense._forward) resolves.\n"
    (copy / "docs" / "page.md").write_text(good, encoding="utf-8")
    fine = build(copy, tmp_path / "fine")
    assert fine.returncode == 0, fine.stderr                  # the two pages build: what fails below is the links
    assert (tmp_path / "fine" / "source" / "minigan" / "nn" / "dense.py" / "Dense._forward.html").is_file()
    (copy / "docs" / "page.md").write_text(
        good + "\nSee [the losses](README.md#no-such-section), [a file](../minigan/no_such_file.py) and "
        "[a renamed method](../minigan/nn/dense.py#Dense._forward_renamed).\n", encoding="utf-8")
    result = build(copy, tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-section" in result.stderr and "no_such_file.py" in result.stderr
    assert "minigan/nn/dense.py defines no 'Dense._forward_renamed'" in result.stderr


def test_a_link_to_a_definition_lands_on_its_lines_highlighted(site):
    import ast
    source = (ROOT / "minigan" / "nn" / "dense.py").read_text(encoding="utf-8")
    dense = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Dense")
    forward = next(n for n in dense.body if isinstance(n, ast.FunctionDef) and n.name == "_forward")
    index = (site / "index.html").read_text(encoding="utf-8")
    # The equation map's link names the method; the site resolves it to the line where it starts now.
    assert f'href="source/minigan/nn/dense.py/Dense._forward.html#__codelineno-0-{forward.lineno}"' in index
    page = (site / "source" / "minigan" / "nn" / "dense.py" / "Dense._forward.html").read_text(encoding="utf-8")
    assert f'id="__codelineno-0-{forward.lineno}"' in page                        # numbered lines, anchored
    assert page.count('class="hll"') == forward.end_lineno - forward.lineno + 1   # exactly its lines highlighted
    assert "stylesheets/wide.css" in page


def _typeset_hook():
    import importlib.util
    spec = importlib.util.spec_from_file_location("typeset_math", ROOT / "docs" / "_hooks" / "typeset_math.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Page:
    class file:
        src_uri = "backward/example.md"


CONFIG = {"docs_dir": str(ROOT / "docs")}


def test_the_math_is_typeset_when_the_site_builds_on_every_derivation_page(site):
    import re
    derivations = ["batchnorm", "convolution", "spectral-norm", "minibatch-discrimination", "unrolled-gan",
                   "conditional-gans", "infogan", "metrics", "gradcheck", "index"] + \
        [f"backward/{p.stem}" for p in (ROOT / "docs" / "backward").glob("*.md")]
    for name in derivations:
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="katex"' in page, f"{name}: no typeset math"
        assert "arithmatex" not in page and "katex-error" not in page, name
        assert "assets/katex/katex.min.css" in page, name
    # No derivation is left as Unicode in a code block: the code blocks that remain hold code.
    for path in (ROOT / "docs").rglob("*.md"):
        if path.relative_to(ROOT / "docs").parts[0] in ("assets", "_hooks"):     # not pages of the site
            continue
        for block in re.findall(r"<pre><code>(.*?)</code></pre>", (site / path.relative_to(ROOT / "docs")
                                .with_suffix(".html").as_posix().replace("README.html", "index.html"))
                                .read_text(encoding="utf-8"), re.S):
            assert not re.search(r"[∂Σ∇]", block), f"{path.name}: a formula still in a code block:\n{block}"
    # The fonts are served by the site itself: every url() in KaTeX's stylesheet that a browser uses first.
    css = (site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", css):
        assert (site / "assets" / "katex" / font).exists(), font
    assert (site / "assets" / "katex" / "LICENSE").exists()


def test_a_formula_katex_cannot_typeset_fails_the_build_naming_it():
    import pytest
    from mkdocs.exceptions import PluginError
    hook = _typeset_hook()
    good = '<p>Then <span class="arithmatex">\\(a &lt; b\\)</span>.</p><div class="arithmatex">\\[\\frac{1}{2}\\]</div>'
    html = hook.on_page_content(good, _Page, CONFIG, None)
    assert html.count('class="katex"') == 2 and "arithmatex" not in html and "<mfrac>" in html
    assert "&lt;" in html                                   # the escaped < reached KaTeX as <, and came back escaped
    bad = '<div class="arithmatex">\\[\\frac{1}{2} + \\nosuchcommand{x}\\]</div>'
    with pytest.raises(PluginError, match=r"(?s)backward/example\.md: 1 formula.*nosuchcommand"):
        hook.on_page_content(bad, _Page, CONFIG, None)
    with pytest.raises(PluginError, match="(?s)LaTeX-incompatible"):  # a character KaTeX has no metrics for
        hook.on_page_content('<span class="arithmatex">\\(‖x‖\\)</span>', _Page, CONFIG, None)
    with pytest.raises(PluginError, match=r"a \$\$ display was not typeset.*four spaces"):
        hook.on_page_content("<p>$$\nx^2\n$$</p>", _Page, CONFIG, None)
    assert hook.on_page_content("<pre><code>echo $$</code></pre>", _Page, CONFIG, None) == "<pre><code>echo $$</code></pre>"


def test_building_the_docs_without_node_says_what_to_install(monkeypatch):
    import pytest
    from mkdocs.exceptions import PluginError
    hook = _typeset_hook()
    monkeypatch.setattr(hook.shutil, "which", lambda name: None)
    with pytest.raises(PluginError, match="Node.js.*apt-get install nodejs"):
        hook.on_page_content('<span class="arithmatex">\\(x\\)</span>', _Page, CONFIG, None)
