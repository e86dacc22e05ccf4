"""The docs' PyTorch blocks (``<!-- needs-torch -->``), run with the rest of their file.

``tests/test_docs.py`` leaves them out, since ``make test`` must pass without torch.
"""

from __future__ import annotations

import pytest
import torch
from test_docs import FILES, ROOT, run_blocks, torch_blocks

torch.set_num_threads(1)  # tiny models: threads only contend (×100 slower on a busy CPU)


@pytest.fixture(autouse=True)
def float32_by_default():
    """Other oracle modules set torch's default dtype to float64 at import; ours is float32."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("path", [f for f in FILES if torch_blocks(f)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run_with_torch(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_blocks(path, torch=True)
