"""``python -m annotary``: the same as the ``annotary`` command."""

import sys

from .cli import main

sys.exit(main())
