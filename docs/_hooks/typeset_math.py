"""MkDocs hook: the derivations' math, typeset with KaTeX when the site builds.

The pages write math as LaTeX between dollars, which GitHub also renders: ``$y = xW + b$`` inline and

    $$
    \\frac{\\partial L}{\\partial x} = G W^\\top
    $$

as a display. ``pymdownx.arithmatex`` (mkdocs.yml) keeps each formula out of Markdown's hands and
wraps it in ``<span class="arithmatex">\\(…\\)</span>`` or ``<div class="arithmatex">\\[…\\]</div>``;
this hook hands every formula of a page to the KaTeX vendored in docs/assets/katex/ (run by Node.js,
docs/_hooks/typeset.js) and puts KaTeX's HTML in its place. The page then needs no JavaScript to show
the math, only KaTeX's stylesheet and fonts, which the site serves itself: nothing is fetched from
the network.

A formula KaTeX cannot typeset (an unknown command, a missing brace, a character LaTeX would not
accept, such as ‖ for ``\\lVert``) fails the build with the page, the formula and KaTeX's message.
So does a ``$$`` that reached the page as text, outside code: a display Markdown never handed over
(inside a list item it needs the item's four spaces of indentation) would otherwise show its LaTeX
source.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

from mkdocs.exceptions import PluginError

FORMULA = re.compile(
    r'<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>'
    r'|<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>', re.S)
CODE = re.compile(r"<pre.*?</pre>|<code.*?</code>", re.S)                     # where a $$ is only text
KATEX = os.path.join("assets", "katex", "katex.min.js")     # under docs_dir
RENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typeset.js")


def typeset(formulas, katex_js):
    """KaTeX's HTML for each ``(tex, display)``, or ``(None, message)`` where it fails."""
    node = shutil.which("node")
    if node is None:
        raise PluginError("the docs typeset their math with KaTeX at build time, which runs on Node.js, "
                          "and no `node` is on PATH; install it (Debian: apt-get install nodejs) and build again")
    done = subprocess.run([node, RENDER, katex_js], input=json.dumps(formulas), capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    if done.returncode != 0:
        raise PluginError(f"KaTeX (node {RENDER}) failed: {done.stderr.strip()[-2000:]}")
    return [(r.get("html"), r.get("error")) for r in json.loads(done.stdout)]


def on_page_content(html_text, page, config, files):
    untouched = FORMULA.sub("", CODE.sub("", html_text))
    if "$$" in untouched:
        around = untouched[max(0, untouched.index("$$") - 80):untouched.index("$$") + 80]
        raise PluginError(f"{page.file.src_uri}: a $$ display was not typeset (inside a list item, indent it "
                          f"by four spaces, with blank lines around it): …{around}…")
    matches = list(FORMULA.finditer(html_text))
    if not matches:
        return html_text
    formulas = [[html.unescape(m["display"] if m["display"] is not None else m["inline"]).strip(),
                 m["display"] is not None] for m in matches]
    results = typeset(formulas, os.path.join(os.path.abspath(config["docs_dir"]), KATEX))
    failures = [f"  {tex!r}: {error}" for (tex, _), (_, error) in zip(formulas, results) if error]
    if failures:
        raise PluginError(f"{page.file.src_uri}: {len(failures)} formula(s) KaTeX cannot typeset:\n"
                          + "\n".join(failures))
    pieces, end = [], 0
    for m, (rendered, _), (_, display) in zip(matches, results, formulas):
        pieces += [html_text[end:m.start()], f'<div class="math">{rendered}</div>' if display else rendered]
        end = m.end()
    return "".join(pieces) + html_text[end:]
