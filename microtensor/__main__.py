"""``python -m microtensor`` is the ``microtensor`` command."""

import sys

from .cli import main

sys.exit(main())
