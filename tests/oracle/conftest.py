"""The oracle tests compare microtensor with PyTorch (CPU, float64): ``make oracle``.
They also test what needs torch installed: the views of PyTorch models and
``from_torch``/``to_torch`` (``test_torch_viz.py``, ``test_docs_torch.py``,
``test_examples_torch.py``; float32, torch's default, set per test).

They need ``torch`` (``pip install torch==2.13.0``, which the Makefile target does); without
it every test here is skipped. ``make test`` does not collect this folder.
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # graph_fuzz, optable
