"""Entry point of ``make bench``: the benchmarks of issue 7 (see ``run.py`` and README.md).

    python benchmarks/ops.py                       # the whole table, 1 thread
    python benchmarks/ops.py --only mlp_step tiny_ops --threads 2 --json out.json
    python benchmarks/ops.py --profile deep_narrow # where microtensor's time goes
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
