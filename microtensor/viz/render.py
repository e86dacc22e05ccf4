"""Turn a drawing into a file, with a clear message when Graphviz's ``dot`` is missing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["render", "pipe", "DOT_MISSING"]

DOT_MISSING = (
    "Graphviz's 'dot' program is not installed (or not on PATH), so the drawing cannot be "
    "turned into {fmt}. Install it: 'sudo apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS), 'conda install graphviz' or https://graphviz.org/"
    "download/ — or 'make system-deps' in the microtensor repository. The DOT source "
    "(dg.source) needs no 'dot' and can be pasted into any Graphviz viewer."
)


def pipe(dg: Any, format: str = "svg") -> bytes:  # noqa: A002
    """The rendered drawing as bytes (``format``: ``"svg"``, ``"png"``, ``"pdf"`` ...)."""
    import graphviz

    try:
        return dg.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(DOT_MISSING.format(fmt=format.upper())) from None


def render(dg: Any, path: str | os.PathLike, format: str | None = None) -> Path:  # noqa: A002
    """Write the drawing to ``path`` (format from its suffix unless given) and return the path.

    The file is written whole or not at all (a temporary file, then a rename).
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or "svg"
    data = pipe(dg, fmt)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OSError(f"render: cannot write {str(path)!r}: {e.strerror or e}") from None
    return path
