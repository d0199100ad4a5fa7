"""MkDocs hook: the docs link to the code, and the site shows it.

The pages under docs/ link to source files outside docs/ (``[nn/dense.py](../minigan/nn/dense.py)``),
which a site cannot serve as they are. For every such link whose target exists in the repository,
this hook generates a page ``source/<path>.md`` holding the file (syntax-highlighted) and points the
link at it. A link to a file that does not exist is left alone, so ``mkdocs build --strict`` still
fails on it, as it does on a broken link between pages.
"""
from __future__ import annotations

import os
import re

from mkdocs.structure.files import File

LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?P<anchor>#[^)\s]*)?\)")
LANGUAGES = {".py": "python", ".cfg": "ini", ".toml": "toml", ".sh": "bash", "": "bash"}


def _outside_target(config, src_uri, target):
    """The repository-relative path of a link target outside docs/, or None."""
    if "://" in target or target.startswith("mailto:"):
        return None
    docs_dir = os.path.abspath(config["docs_dir"])
    repo = os.path.dirname(os.path.abspath(config["config_file_path"]))
    path = os.path.normpath(os.path.join(docs_dir, os.path.dirname(src_uri), target))
    if path.startswith(docs_dir + os.sep) or not os.path.isfile(path) or not path.startswith(repo + os.sep):
        return None
    return os.path.relpath(path, repo)


def on_files(files, config):
    """Generate one source page for each repository file a doc page links to."""
    wanted = set()
    for f in files.documentation_pages():
        with open(f.abs_src_path, encoding="utf-8") as handle:
            for m in LINK.finditer(handle.read()):
                rel = _outside_target(config, f.src_uri, m["target"])
                if rel:
                    wanted.add(rel)
    repo = os.path.dirname(os.path.abspath(config["config_file_path"]))
    for rel in sorted(wanted):
        with open(os.path.join(repo, rel), encoding="utf-8") as handle:
            code = handle.read()
        language = LANGUAGES.get(os.path.splitext(rel)[1], "text")
        content = f"# `{rel}`\n\n```{language}\n{code}\n```\n"
        files.append(File.generated(config, f"source/{rel}.md", content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    """Point links to repository files at their generated source pages."""
    def rewrite(m):
        rel = _outside_target(config, page.file.src_uri, m["target"])
        if rel is None:
            return m.group(0)
        here = os.path.dirname(page.file.src_uri)
        return f"]({os.path.relpath(f'source/{rel}.md', here or '.')})"
    return LINK.sub(rewrite, markdown)
