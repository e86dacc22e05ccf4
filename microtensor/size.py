"""``microtensor.Size``: the type of ``x.shape`` and ``x.size()``, as ``torch.Size``.

A tuple of ints (it compares equal to plain tuples and unpacks like one) that prints as
``microtensor.Size([2, 3])``, keeps its type when sliced or concatenated, and counts its
elements with :meth:`Size.numel`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any

__all__ = ["Size"]


class Size(tuple):
    """A shape: ``Size([2, 3])``; ``Size()`` is the shape of a 0-d tensor."""

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        try:
            items = tuple(sizes)
        except TypeError:
            raise TypeError(f"Size: expected a sequence of ints, got "
                            f"{type(sizes).__name__}") from None
        out = []
        for s in items:
            try:
                out.append(operator.index(s))
            except TypeError:
                raise TypeError(f"Size: expected a sequence of ints, but element "
                                f"{len(out)} is {type(s).__name__}") from None
        return tuple.__new__(cls, out)

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        return math.prod(self)

    def __getitem__(self, index: Any) -> Any:
        out = tuple.__getitem__(self, index)
        return tuple.__new__(Size, out) if isinstance(index, slice) else out

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __mul__(self, n: Any) -> Size:
        return tuple.__new__(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"microtensor.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        return (Size, (tuple(self),))

