"""MkDocs hook: the docs link to the code, and the site shows it, at the lines.

The pages under docs/ link to source files outside docs/ (``[nn/dense.py](../minigan/nn/dense.py)``),
which a site cannot serve as they are. For every such link whose target exists in the repository,
this hook generates a page ``source/<path>.md`` holding the file (syntax-highlighted, with line
numbers) and points the link at it.

A link may name a definition in the file: ``[`Dense._backward`](../minigan/nn/dense.py#Dense._backward)``.
The name is looked up when the site builds (in the file's syntax tree, so it follows the code when
lines move), and the link opens a page of that file with the definition's lines highlighted,
scrolled to its first line. A name that the file no longer defines is a warning, so
``mkdocs build --strict`` fails on it, as it does on a link to a file that does not exist (which is
left alone) or on a broken link between pages.
"""
from __future__ import annotations

import ast
import logging
import os
import re

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.plugins.code_links")

LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?P<anchor>#[^)\s]*)?\)")
LANGUAGES = {".py": "python", ".cfg": "ini", ".toml": "toml", ".sh": "bash", "": "bash"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")     # Class.method, function, CONSTANT


def _repo(config) -> str:
    return os.path.dirname(os.path.abspath(config["config_file_path"]))


def _outside_target(config, src_uri, target):
    """The repository-relative path of a link target outside docs/, or None."""
    if "://" in target or target.startswith("mailto:"):
        return None
    docs_dir = os.path.abspath(config["docs_dir"])
    repo = _repo(config)
    path = os.path.normpath(os.path.join(docs_dir, os.path.dirname(src_uri), target))
    if path.startswith(docs_dir + os.sep) or not os.path.isfile(path) or not path.startswith(repo + os.sep):
        return None
    return os.path.relpath(path, repo)


def definition_lines(source: str, name: str):
    """(first, last) line of the definition ``name`` ("Class.method", "function", "CONSTANT") in Python
    ``source``, decorators included; None if the source defines no such name."""
    body = ast.parse(source).body
    node = None
    for part in name.split("."):
        node = next((n for n in body if _defines(n, part)), None)
        if node is None:
            return None
        body = getattr(node, "body", [])
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def _defines(node, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _named_link(config, src_uri, target, anchor):
    """(rel, name, (first, last)) for a link to a definition in a repository .py file; (rel, None, None)
    for a link to a whole file; None when the target is no repository file. An anchor that is not a
    definition of the file is logged as a warning (and the link then opens the whole file)."""
    rel = _outside_target(config, src_uri, target)
    if rel is None:
        return None
    name = (anchor or "#")[1:]
    if not name or not rel.endswith(".py"):
        return rel, None, None
    with open(os.path.join(_repo(config), rel), encoding="utf-8") as handle:
        lines = definition_lines(handle.read(), name) if NAME.match(name) else None
    if lines is None:
        log.warning(f"Doc file '{src_uri}' links to '{target}{anchor}', but {rel} defines no '{name}' "
                    "(was it renamed or moved?)")
        return rel, None, None
    return rel, name, lines


def _page(rel: str, name: str | None) -> str:
    return f"source/{rel}.md" if name is None else f"source/{rel}/{name}.md"


def on_files(files, config):
    """Generate a source page for each repository file a doc page links to, and one per definition
    linked to (the same file, its lines highlighted)."""
    wanted = set()
    for f in files.documentation_pages():
        with open(f.abs_src_path, encoding="utf-8") as handle:
            for m in LINK.finditer(handle.read()):
                found = _named_link(config, f.src_uri, m["target"], m["anchor"])
                if found:
                    wanted.add((found[0], None, None))
                    wanted.add(found)
    for rel, name, lines in sorted(wanted, key=lambda w: (w[0], w[1] or "")):
        with open(os.path.join(_repo(config), rel), encoding="utf-8") as handle:
            code = handle.read()
        language = LANGUAGES.get(os.path.splitext(rel)[1], "text")
        # The page is as wide as the window, without the navigation: code lines are long.
        head = "---\nhide:\n  - navigation\n  - toc\n---\n\n"
        if name is None:
            title, options = f"# `{rel}`\n\n", 'linenums="1"'
        else:
            first, last = lines
            whole = os.path.relpath(f"source/{rel}.md", os.path.dirname(_page(rel, name)))
            title = f"# `{name}`\n\nin [`{rel}`]({whole}), lines {first}–{last} (highlighted)\n\n"
            options = f'linenums="1" hl_lines="{first}-{last}"'
        content = f"{head}{title}```{language} {options}\n{code}\n```\n"
        files.append(File.generated(config, _page(rel, name), content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    """Point links to repository files at their source pages; a link to a definition at the line where
    it starts."""
    here = os.path.dirname(page.file.src_uri) or "."

    def rewrite(m):
        found = _named_link(config, page.file.src_uri, m["target"], m["anchor"])
        if found is None:
            return m.group(0)
        rel, name, lines = found
        link = os.path.relpath(_page(rel, name), here)
        # pymdownx.highlight's line anchors (anchor_linenums): the first code block's line N is
        # "__codelineno-0-N".
        return f"]({link}#__codelineno-0-{lines[0]})" if name else f"]({link})"
    return LINK.sub(rewrite, markdown)


CODE_LINE = re.compile(r'id="(__codelineno-\d+-\d+)"')


def on_page_content(html, page, config, files):
    """Tell the link check about the code lines' anchors: pymdownx.highlight writes them as raw HTML,
    which MkDocs does not read for anchors, so a link to a line would otherwise count as broken."""
    if page.file.src_uri.startswith("source/") and page.present_anchor_ids is not None:
        page.present_anchor_ids |= set(CODE_LINE.findall(html))
    return html
