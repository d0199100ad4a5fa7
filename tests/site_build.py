"""Building the docs site for the tests (tests/test_docs.py, tests/test_site_in_a_browser.py)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_node():
    """The site typesets its math with KaTeX on Node.js (docs/_hooks/typeset_math.py). Without
    ``node``, outside CI, a test that builds the site skips and says so; CI has it (.ci/run)."""
    if shutil.which("node") is None:
        if IN_CI:
            raise AssertionError("CI needs Node.js to build the docs site: .ci/run installs it with apt-get")
        pytest.skip("no Node.js on this machine (apt-get install nodejs), which typesets the docs' math, so "
                    "the docs site is not built")


def build(root: Path, out: Path):
    """``mkdocs build --strict`` of the repository at ``root`` into ``out``; the finished process."""
    require_node()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
