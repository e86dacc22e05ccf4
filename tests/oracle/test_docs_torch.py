"""The docs' PyTorch blocks (``<!-- needs-torch -->``), run with the rest of their file.

``tests/test_docs.py`` leaves them out, since ``make test`` must pass without torch.
"""

from __future__ import annotations

import pytest
from test_docs import FILES, ROOT, run_blocks, torch_blocks

pytestmark = pytest.mark.usefixtures("torch_float32")


@pytest.mark.parametrize("path", [f for f in FILES if torch_blocks(f)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run_with_torch(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_blocks(path, torch=True)
