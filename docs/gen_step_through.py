"""Write the step-through pages of docs/step-through/ (linked from seeing-gradients.md).

    .venv/bin/python docs/gen_step_through.py

Each page is one self-contained HTML file (microtensor.viz.step_through): open it in a
browser and press → to run backprop one op at a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from microtensor.viz.step_examples import EXAMPLES

OUT = Path(__file__).resolve().parent / "step-through"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, build in EXAMPLES.items():
        page = build()
        path = page.save(OUT / f"{name}.html")
        print(f"{path}: {len(page)} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
