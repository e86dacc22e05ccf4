"""Run one port under PyTorch or under microtensor.

Every port is ordinary PyTorch teaching code inside ``def main(torch, nn, F) -> dict``: the
three names are what ``import torch``, ``import torch.nn as nn`` and
``import torch.nn.functional as F`` bind, or their microtensor twins. The dict holds what the
script printed (losses, gradient differences, samples), for tests/oracle/test_ports.py to
compare.

Run one by hand to see its first traceback::

    .venv/bin/python tests/oracle/ports/bigram.py microtensor
    .venv/bin/python tests/oracle/ports/bigram.py torch
"""

from __future__ import annotations

import random
import sys

import numpy as np

SEED = 1234


def load(name: str):
    """(torch, nn, F) of ``"torch"`` or ``"microtensor"``."""
    if name == "torch":
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    elif name == "microtensor":
        import microtensor as torch
        import microtensor.nn as nn
        import microtensor.nn.functional as F
    else:
        raise ValueError(f"backend is 'torch' or 'microtensor', not {name!r}")
    return torch, nn, F


def run(main, name: str) -> dict:
    """main under the library ``name``: float32 default, fresh seeds as a script starts with."""
    torch, nn, F = load(name)
    if name == "torch":
        torch.set_num_threads(1)  # tiny models: threads only contend on a busy CPU
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    return main(torch, nn, F)


def cli(main) -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "microtensor"
    out = run(main, name)
    print(f"--- {name}: returned")
    for key, value in out.items():
        text = repr(value)
        print(f"{key}: {text[:200]}{'...' if len(text) > 200 else ''}")
