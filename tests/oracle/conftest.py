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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # graph_fuzz, optable

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny models: threads only contend (x100 slower on a busy CPU)


@pytest.fixture
def torch_float32():
    """torch's default dtype float32 for one test: some oracle modules switch it to float64
    when they load, and the tests of PyTorch models use torch's own default."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_default_dtype(old)
