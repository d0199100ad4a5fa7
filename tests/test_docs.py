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
    copy = tmp_path / "repo"
    for name in ("docs", "minigan", "tests", "demos"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "README.md", "setup.cfg"):
        shutil.copy(ROOT / name, copy / name)
    with open(copy / "docs" / "gradcheck.md", "a", encoding="utf-8") as f:
        f.write("\nSee [the losses](training.md#no-such-section), [a file](../minigan/no_such_file.py) and "
                "[a renamed method](../minigan/nn/dense.py#Dense._forward_renamed).\n")
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
