"""Building the docs site for the tests (tests/test_docs.py, tests/test_site_in_a_browser.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(root: Path, out: Path):
    """``mkdocs build --strict`` of the repository at ``root`` into ``out``; the finished process."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
