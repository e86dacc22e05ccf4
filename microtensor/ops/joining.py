"""Joining and splitting: cat/stack and their h/v/d/column forms, split/chunk/tensor_split,
unbind/select/narrow (views), meshgrid, cartesian_prod, combinations, block_diag.

Joining copies; the adjoint of a join is a split, so ``Cat``'s backward hands each input
its slice of the gradient, and ``Stack``'s each input its index along the new dim.
Splitting returns views of the input (``GetItem`` with slices, as PyTorch's ``split``
returns views), whose backward places the gradient back into zeros.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import get_default_dtype, result_type
from ..errors import DimensionError, ShapeError, ValueRangeError, check_int64, normalize_dim
from ..tensor import Tensor
from .elementwise import Clone
from .indexing import GetItem, getitem
from .shape import _dim_for_new_axis, _int, atleast_1d, atleast_2d, atleast_3d, expand, reshape
from .views import as_view

__all__ = [
    "block_diag", "cartesian_prod", "cat", "chunk", "column_stack", "combinations", "dsplit",
    "dstack", "hsplit", "hstack", "meshgrid", "narrow", "narrow_copy", "row_stack", "select",
    "split", "stack", "tensor_split", "unbind", "vsplit", "vstack",
]


# --------------------------------------------------------------------------- Functions


class Cat(Function):
    """f(x₁, …, xₙ) = the xᵢ joined along dim;  df/dxᵢ = the slice of grad that xᵢ filled."""

    @staticmethod
    def forward(ctx, dim, *arrays):
        rt = result_type(*arrays)
        # PyTorch's legacy rule: a 1-D empty input (``tensor([])``) next to tensors of
        # other ranks is skipped (it still takes part in the dtype promotion).
        ctx.skipped = [a.shape == (0,) and a.ndim != max(b.ndim for b in arrays)
                       for a in arrays]
        kept = [a for a, skip in zip(arrays, ctx.skipped) if not skip]
        ctx.dim = dim
        ctx.ends = np.cumsum([a.shape[dim] for a in kept])[:-1].tolist()
        return np.concatenate([a.astype(rt, copy=False) for a in kept], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        pieces = iter(np.split(grad, ctx.ends, axis=ctx.dim))
        empty = np.zeros_like(grad, shape=(0,))
        return (None, *(empty if skip else next(pieces) for skip in ctx.skipped))


class Stack(Function):
    """f(x₁, …, xₙ) = the xᵢ stacked along a new dim;  df/dxᵢ = grad's i-th slice on that dim."""

    @staticmethod
    def forward(ctx, dim, *arrays):
        rt = result_type(*arrays)
        ctx.dim = dim
        return np.stack([a.astype(rt, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        moved = np.moveaxis(grad, ctx.dim, 0)
        return (None, *(moved[i] for i in range(moved.shape[0])))



class BlockDiag(Function):
    """f(A₁, …, Aₙ) = the Aᵢ on the diagonal of a block matrix, zeros elsewhere;
    df/dAᵢ = grad's block at Aᵢ's place."""

    @staticmethod
    def forward(ctx, *blocks):
        rt = result_type(*blocks)
        ctx.places = []
        rows = sum(b.shape[0] for b in blocks)
        cols = sum(b.shape[1] for b in blocks)
        out = np.zeros((rows, cols), rt)
        r = c = 0
        for b in blocks:
            place = (slice(r, r + b.shape[0]), slice(c, c + b.shape[1]))
            out[place] = b
            ctx.places.append(place)
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[place] for place in ctx.places)


# --------------------------------------------------------------------------- joining


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueRangeError(f"{op}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a Tensor as element {i}, got {type(t).__name__}")
    return list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; every other dim must match.

    The result has PyTorch's promoted dtype of all inputs (int32 and float32 give float32).
    As in PyTorch, a 1-D empty tensor (``tensor([])``, shape ``(0,)``) among tensors of
    another rank is skipped, so ``out = cat([out, batch])`` can start from ``tensor([])``.
    """
    ts = _tensor_list(tensors, "cat")
    ndim = max(t._data.ndim for t in ts)
    checked = [(i, t._data.shape) for i, t in enumerate(ts)
               if not (t._data.shape == (0,) and ndim != 1)]  # the legacy empties are skipped
    i0, first = checked[0]
    for i, s in checked:
        if not s:
            raise ShapeError(f"cat: tensor {i} is zero-dimensional and cannot be concatenated "
                             "(use stack to join 0-d tensors)")
        if len(s) != len(first):
            raise ShapeError(f"cat: tensor {i} has {len(s)} dims (shape {s}) but tensor {i0} "
                             f"has {len(first)} (shape {first}); all must have the same number")
    d = normalize_dim(dim, len(first), "cat")
    for i, s in checked:
        for k in range(len(first)):
            if k != d and s[k] != first[k]:
                raise ShapeError(f"cat: sizes must match except in dim {d}: tensor {i} has "
                                 f"shape {s} and tensor {i0} has shape {first} (size {s[k]} != "
                                 f"{first[k]} at dim {k})")
    return Cat.apply(d, *ts)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack tensors of one shape along a new dim ``dim`` (in ``[-ndim - 1, ndim]``)."""
    ts = _tensor_list(tensors, "stack")
    first = ts[0]._data.shape
    for i, t in enumerate(ts):
        if t._data.shape != first:
            raise ShapeError(f"stack: expects tensors of one shape, got {first} at entry 0 and "
                             f"{t._data.shape} at entry {i}")
    d = _dim_for_new_axis(dim, len(first), "stack")
    return Stack.apply(d, *ts)


def _pieces(input: Tensor, d: int, sizes: list[int]) -> tuple[Tensor, ...]:  # noqa: A002
    out = []
    start = 0
    head = (slice(None),) * d
    for n in sizes:
        out.append(as_view(GetItem, input, head + (slice(start, start + n),)))
        start += n
    return tuple(out)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut along ``dim`` into pieces of ``split_size_or_sections`` (an int: the last piece may be
    smaller) or of the listed sizes (which must add up to the dim's size). Returns a tuple."""
    shape = tensor._data.shape
    if not shape:
        raise ShapeError("split: expects a tensor with at least 1 dim, got a 0-d tensor")
    d = normalize_dim(dim, len(shape), "split")
    n = shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_int(s, "split", "every section size") for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ShapeError(f"split: section sizes {sizes} must be non-negative and add up to "
                             f"{n}, the size of dim {d} of shape {shape}")
        return _pieces(tensor, d, sizes)
    size = _int(split_size_or_sections, "split", "split_size")
    if size < 0 or (size == 0 and n != 0):
        raise ValueRangeError(f"split: split_size must be positive (0 only for a dim of size "
                              f"0), got {size} for dim {d} of size {n}")
    count = max(-(-n // size), 1) if size else 1
    return _pieces(tensor, d, [min(size, n - i * size) for i in range(count)])


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Cut along ``dim`` into ``chunks`` pieces of ceil(size / chunks) (PyTorch's rule: the last
    is smaller, and there may be fewer than ``chunks`` pieces)."""
    chunks = _int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueRangeError(f"chunk: chunks must be greater than 0, got {chunks}")
    shape = input._data.shape
    if not shape:
        raise ShapeError("chunk: expects a tensor with at least 1 dim, got a 0-d tensor")
    d = normalize_dim(dim, len(shape), "chunk")
    n = shape[d]
    if n == 0:
        return _pieces(input, d, [0] * chunks)
    return split(input, -(-n // chunks), d)



def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0  # noqa: A002
                 ) -> tuple[Tensor, ...]:
    """Cut along ``dim`` into views: an int ``n`` gives ``n`` pieces whose sizes differ by at
    most 1 (the first ``size % n`` are one larger); a list (or 1-d int tensor) of indices
    cuts before each index, as ``input[:i0], input[i0:i1], ..., input[ik:]``."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("tensor_split: expected at least a 1-dimensional tensor, got a 0-d "
                         "tensor")
    d = normalize_dim(dim, len(shape), "tensor_split")
    n = shape[d]
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts._data.dtype.kind not in "iu" or cuts._data.ndim > 1:
            raise TypeError(f"tensor_split: a tensor of indices_or_sections must be a 0-d or "
                            f"1-d integer tensor, got dtype {cuts.dtype} and shape {cuts.shape}")
        cuts = cuts._data.tolist()
    if isinstance(cuts, (list, tuple)):
        edges = [check_int64(_int(i, "tensor_split", "every index"), "tensor_split", "index",
                             TypeError)
                 for i in cuts]
        edges = [min(max(i + n if i < 0 else i, 0), n) for i in edges]
        bounds = list(zip([0, *edges], [*edges, n]))
        head = (slice(None),) * d
        return tuple(as_view(GetItem, input, head + (slice(lo, max(lo, hi)),))
                     for lo, hi in bounds)
    sections = check_int64(_int(cuts, "tensor_split", "sections"), "tensor_split", "sections")
    if sections <= 0:
        raise ValueRangeError(f"tensor_split: number of sections must be larger than 0, got "
                              f"{sections}")
    q, r = divmod(n, sections)
    return _pieces(input, d, [q + 1 if i < r else q for i in range(sections)])


def _directional_split(input: Tensor, cuts: Any, d: int, op: str) -> tuple[Tensor, ...]:  # noqa: A002
    if isinstance(cuts, (int, np.integer)) and not isinstance(cuts, bool):
        n = input._data.shape[d]
        if cuts == 0 or n % cuts:
            raise ShapeError(f"{op}: attempted to split along dimension {d}, but the size of "
                             f"the dimension {n} is not divisible by the split_size {cuts}")
    return tensor_split(input, cuts, d)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 1 (dim 0 for a 1-d tensor); an int must divide the size."""
    n = input._data.ndim
    if n < 1:
        raise ShapeError("hsplit: requires a tensor with at least 1 dimension, but got a "
                         "tensor with 0 dimensions")
    return _directional_split(input, indices_or_sections, 1 if n > 1 else 0, "hsplit")


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims."""
    n = input._data.ndim
    if n < 2:
        raise ShapeError(f"vsplit: requires a tensor with at least 2 dimensions, but got a "
                         f"tensor with {n} dimensions")
    return _directional_split(input, indices_or_sections, 0, "vsplit")


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims."""
    n = input._data.ndim
    if n < 3:
        raise ShapeError(f"dsplit: requires a tensor with at least 3 dimensions, but got a "
                         f"tensor with {n} dimensions")
    return _directional_split(input, indices_or_sections, 2, "dsplit")


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, or dim 0 when the tensors are 1-d (0-d ones count as 1-d)."""
    ts = list(atleast_1d(*_tensor_list(tensors, "hstack")))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after making every tensor at least 2-d ((n,) becomes (1, n))."""
    return cat(list(atleast_2d(*_tensor_list(tensors, "vstack"))), 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 after making every tensor at least 3-d (see :func:`atleast_3d`)."""
    return cat(list(atleast_3d(*_tensor_list(tensors, "dstack"))), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, 0-d and 1-d tensors becoming columns (shape (n, 1))."""
    ts = _tensor_list(tensors, "column_stack")
    cols = [reshape(t, t._data.size, 1) if t._data.ndim < 2 else t for t in ts]
    return cat(cols, 1)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim``, without that dim, as a tuple of views."""
    shape = input._data.shape
    if not shape:
        raise DimensionError("unbind: dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, len(shape), "unbind")
    head = (slice(None),) * d
    return tuple(as_view(GetItem, input, head + (i,)) for i in range(shape[d]))


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` at ``index`` along ``dim``, that dim removed (a view)."""
    shape = input._data.shape
    if not shape:
        raise IndexError("select: cannot be applied to a 0-dim tensor")
    d = normalize_dim(dim, len(shape), "select")
    i = _int(index, "select", "index")
    if not -shape[d] <= i < shape[d]:
        raise IndexError(f"select: index {i} out of range for tensor of size {list(shape)} "
                         f"at dimension {d}")
    return as_view(GetItem, input, (slice(None),) * d + (i + shape[d] if i < 0 else i,))


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    """``length`` elements along ``dim`` from ``start`` (negative counts from the end; a 0-d
    integer tensor is accepted), as a view."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("narrow: cannot be applied to a 0-dim tensor")
    d = normalize_dim(dim, len(shape), "narrow")
    n = shape[d]
    s = _int(start, "narrow", "start")
    length = _int(length, "narrow", "length")
    if not -n <= s <= n:
        raise IndexError(f"narrow: start ({s}) out of range for dimension {d} of size {n} "
                         f"(expected to be in range of [{-n}, {n}])")
    if s < 0:
        s += n
    if length < 0:
        raise ShapeError(f"narrow: length must be non-negative, got {length}")
    if s + length > n:
        raise ShapeError(f"narrow: start ({s}) + length ({length}) exceeds dimension size "
                         f"({n}).")
    return as_view(GetItem, input, (slice(None),) * d + (slice(s, s + length),))


def narrow_copy(input: Tensor, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    """:func:`narrow`, copied (not a view)."""
    return Clone.apply(narrow(input, dim, start, length))


# --------------------------------------------------------------------------- grids and blocks


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors: with ``indexing="ij"`` (the default, as PyTorch's
    current default) output k has shape (n₁, …, nₘ) and varies along dim k; ``"xy"`` swaps
    the first two dims (NumPy's default). The outputs are read-only expanded views.

    Differs from PyTorch: no warning when ``indexing`` is omitted.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueRangeError(f"meshgrid: indexing must be one of \"xy\" or \"ij\", but received: "
                              f"{indexing}")
    if not tensors:
        raise ValueRangeError("meshgrid: expects a non-empty TensorList")
    ts = _tensor_list(list(tensors), "meshgrid")
    for t in ts:
        if t._data.ndim > 1:
            raise ShapeError(f"meshgrid: expected 0D or 1D tensor in the tensor list but got "
                             f"shape {t.shape}")
        if t._data.dtype != ts[0]._data.dtype:
            raise TypeError(f"meshgrid: expects all tensors to have the same dtype, got "
                            f"{ts[0].dtype} and {t.dtype}")
    swap = indexing == "xy" and len(ts) >= 2
    order = [1, 0, *range(2, len(ts))] if swap else list(range(len(ts)))
    sizes = tuple(ts[k]._data.size for k in order)
    grids = [None] * len(ts)
    for pos, k in enumerate(order):  # input k varies along output dim pos
        shape = [1] * len(ts)
        shape[pos] = sizes[pos]
        grids[k] = expand(reshape(ts[k], tuple(shape)), sizes)
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-d tensor, one per row ((N, k)); a single
    tensor is returned as it is, as PyTorch does."""
    ts = _tensor_list(list(tensors), "cartesian_prod")
    for t in ts:
        if t._data.ndim != 1:
            raise ShapeError(f"cartesian_prod: expects 1D tensors, got shape {t.shape}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The length-``r`` combinations of a 1-d tensor's elements, one per row, in the order of
    Python's ``itertools.combinations`` (``_with_replacement``)."""
    if input._data.ndim != 1:
        raise ShapeError(f"combinations: expect a 1D vector, but got shape {input.shape}")
    r = _int(r, "combinations", "r")
    if r < 0:
        raise ValueRangeError(f"combinations: expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty((0,), input._data.dtype), False, None)
    make = itertools.combinations_with_replacement if with_replacement \
        else itertools.combinations
    idx = np.array(list(make(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return getitem(input, idx)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the tensors (0-d ones are 1×1, 1-d ones 1×n), the rest 0;
    the dtype is the promoted one of all inputs."""
    ts = list(tensors)
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag: expected Tensors, got {type(t).__name__} at "
                            f"position {i}")
        if t._data.ndim > 2:
            raise ShapeError(f"block_diag: input tensors must have 2 or fewer dimensions. "
                             f"Input {i} has {t._data.ndim} dimensions")
    if not ts:
        return Tensor._make(np.zeros((1, 0), get_default_dtype()), False, None)
    blocks = [t if t._data.ndim == 2 else reshape(t, 1, -1) if t._data.ndim == 1
              else reshape(t, 1, 1) for t in ts]
    return BlockDiag.apply(*blocks)
