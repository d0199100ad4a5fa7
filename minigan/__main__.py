"""``python -m minigan`` is the same as the ``minigan`` command."""
import sys

from .cli import main

sys.exit(main())
