"""Tensor methods for shapes, views and indexing (PyTorch's "Indexing, Slicing,
Joining, Mutating Ops")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops as _ops
from ..errors import ShapeError

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
        return _ops.shape.t(self)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-D)."""
        return _ops.shape.permute(self, *range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self._data.ndim < 2:
            raise ShapeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                             f"Got {self._data.ndim}-D tensor.")
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

    def squeeze_(self, dim: Any = None) -> Tensor:
        return _view_inplace(self, "squeeze_", _ops.shape.squeeze, dim)

    def unsqueeze_(self, dim: int) -> Tensor:
        return _view_inplace(self, "unsqueeze_", _ops.shape.unsqueeze, dim)

    def t_(self) -> Tensor:
        return _view_inplace(self, "t_", _ops.shape.t)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        return _view_inplace(self, "transpose_", _ops.shape.transpose, dim0, dim1)

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        return _view_inplace(self, "swapaxes_", _ops.shape.transpose, axis0, axis1)

    def swapdims_(self, dim0: int, dim1: int) -> Tensor:
        return _view_inplace(self, "swapdims_", _ops.shape.transpose, dim0, dim1)

    def tile(self, *dims: Any) -> Tensor:
        one = len(dims) == 1 and isinstance(dims[0], (tuple, list))
        return _ops.shape.tile(self, dims[0] if one else dims)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _ops.shape.movedim(self, source, destination)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return _ops.shape.movedim(self, source, destination)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return _ops.shape.transpose(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        return _ops.shape.transpose(self, dim0, dim1)

    def broadcast_to(self, size: Sequence[int]) -> Tensor:
        return _ops.shape.broadcast_to(self, size)

    # ------------------------------------------------------------------ splitting

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.joining.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.joining.chunk(self, chunks, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.joining.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.joining.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.joining.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.joining.dsplit(self, indices_or_sections)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.joining.unbind(self, dim)

    def select(self, dim: int, index: int) -> Tensor:
        return _ops.joining.select(self, dim, index)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return _ops.joining.narrow(self, dim, start, length)

    def narrow_copy(self, dim: int, start: Any, length: int) -> Tensor:
        return _ops.joining.narrow_copy(self, dim, start, length)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        return _ops.matrix_shape.unfold(self, dimension, size, step)

    # ------------------------------------------------------------------ matrix shapes

    def flip(self, *dims: Any) -> Tensor:
        return _ops.matrix_shape.flip(self, dims[0] if len(dims) == 1 else dims)

    def fliplr(self) -> Tensor:
        return _ops.matrix_shape.fliplr(self)

    def flipud(self) -> Tensor:
        return _ops.matrix_shape.flipud(self)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _ops.matrix_shape.roll(self, shifts, dims)

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        return _ops.matrix_shape.rot90(self, k, dims)

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        return _ops.matrix_shape.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tril(self, diagonal: int = 0) -> Tensor:
        return _ops.matrix_shape.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return _ops.matrix_shape.triu(self, diagonal)

    def tril_(self, diagonal: int = 0) -> Tensor:
        return _ops.matrix_shape.tril_(self, diagonal)

    def triu_(self, diagonal: int = 0) -> Tensor:
        return _ops.matrix_shape.triu_(self, diagonal)

    def diag(self, diagonal: int = 0) -> Tensor:
        return _ops.matrix_shape.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _ops.matrix_shape.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return _ops.matrix_shape.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        return _ops.matrix_shape.diagflat(self, offset)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        return _ops.matrix_shape.fill_diagonal_(self, fill_value, wrap)

    def ravel(self) -> Tensor:
        return _ops.shape.ravel(self)

    def trace(self) -> Tensor:
        return _ops.matrix_shape.trace(self)

    def select_scatter(self, src: Tensor, dim: int, index: int) -> Tensor:
        return _ops.matrix_shape.select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Tensor, dim: int = 0, start: int | None = None,
                      end: int | None = None, step: int = 1) -> Tensor:
        return _ops.matrix_shape.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src: Tensor, offset: int = 0, dim1: int = 0,
                         dim2: int = 1) -> Tensor:
        return _ops.matrix_shape.diagonal_scatter(self, src, offset, dim1, dim2)

    # ------------------------------------------------------------------ gather, scatter

    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        return _ops.scatter.gather(self, dim, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        return _ops.scatter.take_along_dim(self, indices, dim)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        return _ops.scatter.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        return _ops.scatter.inplace_op(self, "scatter_", _ops.scatter.scatter, src, dim, index,
                                       src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Tensor) -> Tensor:
        return _ops.scatter.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Any, src: Tensor) -> Tensor:
        return _ops.scatter.inplace_op(self, "scatter_add_", _ops.scatter.scatter_add, src,
                                       dim, index, src)

    def scatter_reduce(self, dim: int, index: Any, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        return _ops.scatter.scatter_reduce(self, dim, index, src, reduce,
                                           include_self=include_self)

    def scatter_reduce_(self, dim: int, index: Any, src: Tensor, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        return _ops.scatter.inplace_op(self, "scatter_reduce_", _ops.scatter.scatter_reduce,
                                       src, dim, index, src, reduce, include_self=include_self)

    def index_select(self, dim: int, index: Any) -> Tensor:
        return _ops.scatter.index_select(self, dim, index)

    def index_add(self, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
        return _ops.scatter.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
        return _ops.scatter.inplace_op(self, "index_add_", _ops.scatter.index_add, source, dim,
                                       index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Any, source: Tensor) -> Tensor:
        return _ops.scatter.index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index: Any, source: Tensor) -> Tensor:
        return _ops.scatter.inplace_op(self, "index_copy_", _ops.scatter.index_copy, source,
                                       dim, index, source)

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        return _ops.scatter.index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        return _ops.scatter.inplace_op(self, "index_fill_", _ops.scatter.index_fill, value,
                                       dim, index, value)

    def index_reduce(self, dim: int, index: Any, source: Tensor, reduce: str, *,
                     include_self: bool = True) -> Tensor:
        return _ops.scatter.index_reduce(self, dim, index, source, reduce,
                                         include_self=include_self)

    def index_reduce_(self, dim: int, index: Any, source: Tensor, reduce: str, *,
                      include_self: bool = True) -> Tensor:
        return _ops.scatter.inplace_op(self, "index_reduce_", _ops.scatter.index_reduce,
                                       source, dim, index, source, reduce,
                                       include_self=include_self)

    # ------------------------------------------------------------------ indices, masks

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """``self[indices] = values`` (``+=`` with repeats adding up when ``accumulate``)."""
        return _ops.indexing.index_put_(self, indices, values, accumulate)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return _ops.indexing.index_put(self, indices, values, accumulate)

    def take(self, index: Any) -> Tensor:
        return _ops.indexing.take(self, index)

    def put(self, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:
        return _ops.indexing.put(self, index, source, accumulate)

    def put_(self, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:
        return _ops.indexing.put_(self, index, source, accumulate)

    def masked_select(self, mask: Any) -> Tensor:
        return _ops.indexing.masked_select(self, mask)

    def masked_scatter(self, mask: Any, source: Tensor) -> Tensor:
        return _ops.indexing.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask: Any, source: Tensor) -> Tensor:
        return _ops.indexing.masked_scatter_(self, mask, source)

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """``masked_fill`` in place: ``value`` where the bool ``mask`` (broadcast to this
        tensor's shape) is True."""
        return _ops.scatter.inplace_op(self, "masked_fill_", _ops.elementwise.masked_fill,
                                       value, mask, value)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _ops.indexing.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        return _ops.indexing.argwhere(self)


def _view_inplace(t: Tensor, name: str, fn: Any, *args: Any) -> Tensor:
    """``squeeze_``, ``t_`` ...: ``t`` itself takes the shape of the view ``fn(t, *args)``,
    and its graph node (PyTorch changes the tensor's metadata and records the view op).

    Differs from PyTorch: refused on a tensor that has live views of its own (their record
    of how they were made from it would no longer fit its new shape).
    """
    from ..grad_mode import _mode

    if _mode.enabled and t._rg and t.grad_fn is None:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                           "in-place operation")
    views = getattr(t, "_views", None)
    if views and any(r() is not None for r in views[1:]):
        raise RuntimeError(f"{name}: this tensor has views; microtensor cannot change its "
                           "shape in place (use the out-of-place form)")
    out = fn(t, *args)
    if out is t:
        return t
    t._data = out._data
    t.grad_fn, t._rg = out.grad_fn, out._rg
    if getattr(t, "_base", None) is not None:
        t._view_steps = out._view_steps  # still a view of its base, one step further
    else:
        t._views = None  # ``out`` registered itself as a view of t: t is out now
    return t


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
