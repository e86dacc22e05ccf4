"""Docs are executable: every ```python block in README.md and docs/*.md runs.

Blocks of one file run in order in one namespace, as a reader would type them.
A block preceded by the line ``<!-- no-test -->`` is skipped (none should need it).
A block preceded by ``<!-- needs-torch -->`` uses PyTorch: this suite, which must pass
without torch, leaves it out (so later blocks must not depend on it), and
``tests/oracle/test_docs_torch.py`` runs the whole file with it, under ``make oracle``.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!-- (no-test|needs-torch) -->\s*)?```python\n(.*?)```", re.S)


def python_blocks(path: Path, torch: bool = False) -> list[str]:
    """The file's blocks to run; with ``torch=True`` also those marked needs-torch."""
    return [code for _, mark, code in BLOCK.findall(path.read_text())
            if not mark or (torch and mark == "needs-torch")]


def torch_blocks(path: Path) -> int:
    return sum(mark == "needs-torch" for _, mark, _ in BLOCK.findall(path.read_text()))


def run_blocks(path: Path, torch: bool = False) -> None:
    namespace: dict = {"__name__": "__docs__"}
    for i, code in enumerate(python_blocks(path, torch)):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
            except Exception as e:  # pragma: no cover - the message is the point
                raise AssertionError(f"{path.name}, code block {i} failed: {e!r}\n{code}") from e


@pytest.mark.parametrize("path", [f for f in FILES if python_blocks(f)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a block writes lands in a temporary folder
    run_blocks(path)
