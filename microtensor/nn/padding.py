"""Padding layers, each ``F.pad`` with a fixed mode: zero, constant, reflection, replication
and circular, in 1-D (the last dimension), 2-D (the last two) and 3-D (the last three).

``padding`` is an int (every side) or a tuple ``(left, right)`` / ``(left, right, top,
bottom)`` / ``(left, right, top, bottom, front, back)``, as PyTorch.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]


class _Pad(Module):
    mode = "constant"
    _sides = 2

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * self._sides
        if len(padding) != self._sides:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of "
                             f"{self._sides} ints, got {padding!r}")
        self.padding = tuple(int(p) for p in padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        if self.mode == "constant" and not isinstance(self, (ZeroPad1d, ZeroPad2d, ZeroPad3d)):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class _Pad2d(_Pad):
    _sides = 4


class _Pad3d(_Pad):
    _sides = 6


class ConstantPad1d(_Pad):
    """Pad the last dimension with ``value``: ``ConstantPad1d(padding, value)``."""


class ConstantPad2d(_Pad2d):
    """Pad the last two dimensions with ``value``: ``ConstantPad2d(padding, value)``."""


class ZeroPad1d(_Pad):
    """Pad the last dimension with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(_Pad2d):
    """Pad the last two dimensions with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad1d(_Pad):
    """Mirror the last dimension at its ends (the edge itself is not repeated)."""

    mode = "reflect"


class ReflectionPad2d(_Pad2d):
    """Mirror the last two dimensions at their ends."""

    mode = "reflect"


class ReplicationPad1d(_Pad):
    """Repeat the edge values of the last dimension."""

    mode = "replicate"


class ReplicationPad2d(_Pad2d):
    """Repeat the edge values of the last two dimensions."""

    mode = "replicate"


class CircularPad1d(_Pad):
    """Wrap the last dimension around (periodic boundary)."""

    mode = "circular"


class CircularPad2d(_Pad2d):
    """Wrap the last two dimensions around."""

    mode = "circular"


class ConstantPad3d(_Pad3d):
    """Pad the last three dimensions with ``value``."""


class ZeroPad3d(_Pad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad3d(_Pad3d):
    """Mirror the last three dimensions at their ends."""

    mode = "reflect"


class ReplicationPad3d(_Pad3d):
    """Repeat the edge values of the last three dimensions."""

    mode = "replicate"


class CircularPad3d(_Pad3d):
    """Wrap the last three dimensions around."""

    mode = "circular"
