"""The package's structure, as a contract: layers, no import circles, imports at the top.

The layers and the no-circles rule are written in setup.cfg (``[importlinter]``) and checked by
import-linter, the same check ``lint-imports`` runs from the repository root.
"""
from __future__ import annotations

import ast
import os
import pathlib

import pytest
from importlinter.cli import lint_imports

import minigan

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = pathlib.Path(minigan.__file__).resolve().parent

# Imports that may sit inside a function, and why. cli.py keeps every command's imports inside
# it (``minigan --help`` and each command start without loading the others); the rest load an
# optional dependency or a slow one that only one picture needs.
DEFERRED = {
    ("backend.py", "cupy"): "optional dependency (the GPU extra)",
    ("toy_gan.py", "matplotlib"): "slow to import; only the demo's picture needs it",
    ("toy_gan.py", "matplotlib.pyplot"): "slow to import; only the demo's picture needs it",
}


def test_the_layer_contract_and_the_no_circles_contract_hold(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        code = lint_imports(config_filename=str(ROOT / "setup.cfg"), no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out


def _imports_inside_functions(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    yield sub, [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom):
                    yield sub, [("." * sub.level) + (sub.module or "")]


def test_imports_sit_at_the_top_of_each_module_except_the_named_exceptions():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "cli.py":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, modules in _imports_inside_functions(path):
            for module in modules:
                if (rel, module) not in DEFERRED:
                    found.append(f"minigan/{rel}:{node.lineno}: {module}")
                elif not any("#" in line for line in lines[max(0, node.lineno - 4):node.lineno]):
                    found.append(f"minigan/{rel}:{node.lineno}: {module} needs a comment saying why it waits")
    assert not found, "imports inside functions:\n" + "\n".join(found)


def test_cli_defers_its_imports_with_the_reason_written_down():
    doc = ast.get_docstring(ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8")))
    assert "imports what it needs inside its own function" in doc and "start-up" in doc


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_each_subpackage_says_what_is_inside_and_in_which_order_to_read_it(package):
    init = PACKAGE / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc, f"minigan/{package}/__init__.py has no docstring"
    modules = sorted(p.name for p in (PACKAGE / package).glob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if m not in doc and m[:-3] not in doc]
    assert not missing, f"minigan/{package}/__init__.py's docstring does not name {missing}"
