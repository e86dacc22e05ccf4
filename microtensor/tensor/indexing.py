"""Tensor methods for shapes, views and indexing (PyTorch's "Indexing, Slicing,
Joining, Mutating Ops")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["IndexingMethods"]


class IndexingMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``."""

    __slots__ = ()

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.shape.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        """The same memory in a new shape; where that needs a copy, raise as PyTorch does.

        ``x.t().view(-1)`` or ``x.expand(2, 3).view(6)`` raise ``RuntimeError`` ("view size
        is not compatible with input tensor's size and stride ..."); :meth:`reshape` copies.
        Differs from PyTorch on purpose: only a view (transpose, permute, expand, slicing ...)
        of a tensor laid out contiguously has PyTorch's strides for sure, so only there does
        ``view`` raise. Other tensors are laid out by NumPy, sometimes otherwise than PyTorch
        (``conv2d``'s output is channels-last, PyTorch's is contiguous and views freely): for
        them, and for the elementwise results of a non-contiguous tensor, ``view`` copies
        when it must, like ``reshape``.
        """
        return _no_copy(self, _ops.shape.reshape(self, *shape))

    def view_as(self, other: Tensor) -> Tensor:
        return _no_copy(self, _ops.shape.reshape(self, other.shape))

    def reshape_as(self, other: Tensor) -> Tensor:
        return _ops.shape.reshape(self, other.shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _ops.shape.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self._data.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dims, got shape {self.shape}")
        return self if self._data.ndim < 2 else _ops.shape.transpose(self, 0, 1)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-D)."""
        return _ops.shape.permute(self, *range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self._data.ndim < 2:
            raise ValueError(f"mT: needs at least 2 dims, got shape {self.shape}")
        return _ops.shape.transpose(self, -2, -1)

    def permute(self, *dims: Any) -> Tensor:
        return _ops.shape.permute(self, *dims)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return _ops.shape.unflatten(self, dim, sizes)

    def squeeze(self, dim: Any = None) -> Tensor:
        return _ops.shape.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _ops.shape.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return _ops.shape.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.shape.expand(self, other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        return _ops.shape.repeat(self, *sizes)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.shape.chunk(self, chunks, dim)

    def gather(self, dim: int, index: Any) -> Tensor:
        return _ops.shape.gather(self, dim, index)


    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """``self[indices] = values`` (``+=`` with repeats adding up when ``accumulate``)."""
        return _ops.shape.index_put_(self, indices, values, accumulate)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return _ops.shape.index_put_(self.clone(), indices, values, accumulate)


def _no_copy(t: Tensor, out: Tensor) -> Tensor:
    """``out``, ``t`` reshaped, if that took no copy where PyTorch's ``view`` would refuse one.

    PyTorch's strides are known for a view of a contiguous tensor (the same as NumPy's
    then); see :meth:`Tensor.view` for why other tensors copy rather than raise.
    """
    if out._data.size and not np.may_share_memory(out._data, t._data):  # reshape copied
        base = getattr(t, "_base", None)  # set on views (see ops/views.py)
        if base is not None and base._data.flags.c_contiguous:
            raise RuntimeError(
                f"view: view size is not compatible with input tensor's size and stride (at "
                f"least one dimension spans across two contiguous subspaces): shape {t.shape} "
                f"into {out.shape}. Use .reshape(...) instead."
            )
    return out
