"""Sorting and searching: sort, argsort, msort, topk, kthvalue, searchsorted, bucketize,
unique, unique_consecutive.

An op that *selects* elements (sort, topk, kthvalue; also cummax, median, mode, quantile
elsewhere) computes the indices with NumPy and takes the values with :class:`TakeAlong`:
``values = x[indices]`` along one dim. Its backward scatter-adds the gradient back to
those indices (``np.add.at``), which on Tensors is itself a recorded op, so every one of
these gradients is differentiable again.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import ShapeError, ValueRangeError, normalize_dim
from ..tensor import Tensor
from .elementwise import NotImplementedForDtype
from .reduction import as_tensor, write_out

__all__ = ["argsort", "bucketize", "kthvalue", "msort", "searchsorted", "sort", "topk", "unique",
           "unique_consecutive"]

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])


class TakeAlong(Function):
    """f(x) = x[index] along one dim (index: the selected positions);  df/dx = grad scatter-added
    at index (an element taken twice gets both gradients)."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    @staticmethod
    def backward(ctx, grad):
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, grad)
        return g, None


class Sort(TakeAlong):
    """f(x) = x sorted along dim = x[indices];  df/dx = grad put back where each value came from."""


class Topk(TakeAlong):
    """f(x) = the k largest (or smallest) of x along dim = x[indices];  df/dx = grad put back at
    the indices, 0 elsewhere."""


class Kthvalue(TakeAlong):
    """f(x) = the k-th smallest of x along dim = x[index];  df/dx = grad at index, 0 elsewhere."""


def take_along(fn: type[TakeAlong], input: Tensor, index: np.ndarray, d: int) -> Tensor:  # noqa: A002
    """``fn.apply``: the elements of ``input`` at ``index`` along dim ``d`` (index has input's
    number of dims; a 0-d input takes a 0-d index)."""
    if input._data.ndim == 0:
        return fn.apply(input, ())
    full = []
    for k in range(index.ndim):
        if k == d:
            full.append(index)
        else:
            shape = [1] * index.ndim
            shape[k] = index.shape[k]
            full.append(np.arange(index.shape[k]).reshape(shape))
    return fn.apply(input, tuple(full))


def _sort_index(a: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable argsort along ``d``; descending keeps equal elements in their original order,
    and nan sorts as the largest value (as PyTorch)."""
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if not descending:
        return np.argsort(a, axis=d, kind="stable").astype(np.int64)
    n = a.shape[d]
    # Sorting the reversed slice ascending and reading the result backwards puts equal
    # elements back in their original order.
    rev = np.argsort(np.flip(a, d), axis=d, kind="stable")
    return (n - 1 - np.flip(rev, d)).astype(np.int64)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
         stable: bool = False, out: Any = None) -> Any:
    """``sort(values, indices)`` along ``dim``, ascending unless ``descending``.

    The sort is always stable (equal elements keep their order), so the indices are those
    of PyTorch's ``stable=True`` for either value of ``stable``. nan sorts last (first when
    descending). The gradient goes back to where each value came from.
    """
    input = as_tensor(input, "sort")
    d = normalize_dim(dim, input._data.ndim, "sort")
    idx = _sort_index(input._data, d, descending)
    result = sort_result(take_along(Sort, input, idx, d), Tensor._make(idx, False, None))
    return write_out(result, out, "sort")


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
            stable: bool = False) -> Tensor:
    """The indices (int64) that sort ``input`` along ``dim`` (stable; see :func:`sort`)."""
    input = as_tensor(input, "argsort")
    d = normalize_dim(dim, input._data.ndim, "argsort")
    return Tensor._make(_sort_index(input._data, d, descending), False, None)


def msort(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """``sort(input, dim=0).values``."""
    return write_out(sort(input, 0).values, out, "msort")


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True, *, out: Any = None) -> Any:  # noqa: A002
    """``topk(values, indices)``: the ``k`` largest (``largest=False``: smallest) along ``dim``.

    The values come sorted (largest first, or smallest first) whatever ``sorted`` says.
    Among tied values the earliest index comes first; PyTorch does not specify which of
    tied elements it returns, so its indices may differ there.
    """
    input = as_tensor(input, "topk")
    a = input._data
    if a.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = normalize_dim(dim, a.ndim, "topk")
    n = a.shape[d] if a.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueRangeError(f"topk: k={k!r} is out of range for dim {d} of size {n} "
                              f"(expected 0 <= k <= {n})")
    idx = _sort_index(a, d, largest)
    if a.ndim:
        idx = np.take(idx, np.arange(k), axis=d)
    result = topk_result(take_along(Topk, input, idx, d), Tensor._make(idx, False, None))
    return write_out(result, out, "topk")


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *,  # noqa: A002
             out: Any = None) -> Any:
    """``kthvalue(values, indices)``: the ``k``-th smallest element (1-based) along ``dim``.

    Among tied values the earliest index in sorted order is returned (PyTorch does not
    specify which one).
    """
    input = as_tensor(input, "kthvalue")
    a = input._data
    if a.dtype == np.bool_:
        raise NotImplementedForDtype("kthvalue: not implemented for bool tensors")
    d = normalize_dim(dim, a.ndim, "kthvalue")
    n = a.shape[d] if a.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueRangeError(f"kthvalue: selected number k={k!r} out of range for dimension "
                              f"{d} of size {n} (expected 1 <= k <= {n})")
    idx = _sort_index(a, d, False)
    if a.ndim:
        idx = np.take(idx, [k - 1], axis=d)
        if not keepdim:
            idx = np.squeeze(idx, d)
    values = _select(Kthvalue, input, idx, d, keepdim)
    return write_out(kthvalue_result(values, Tensor._make(idx, False, None)), out, "kthvalue")


def _select(fn: type[TakeAlong], input: Tensor, idx: np.ndarray, d: int,  # noqa: A002
            keepdim: bool) -> Tensor:
    """The elements at ``idx`` (one per slice along ``d``; ``d`` squeezed unless ``keepdim``)."""
    if input._data.ndim and not keepdim:
        return take_along(fn, input, np.expand_dims(idx, d), d).squeeze(d)
    return take_along(fn, input, idx, d)


# --------------------------------------------------------------------------- searching


def _side(right: bool, side: Any, op: str) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueError(f"{op}: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError(f"{op}: side='left' and right=True contradict each other")
    return side


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: Any = None, out: Any = None,
                 sorter: Any = None) -> Tensor:
    """Indices where the elements of ``input`` would be inserted to keep each innermost row
    of ``sorted_sequence`` sorted (``right``/``side='right'``: after equal elements).

    ``sorted_sequence`` is 1-D (for any ``input``) or has ``input``'s leading dims;
    ``sorter`` gives the indices that sort it. ``input`` may be a number. int64 indices
    (int32 with ``out_int32``); no gradient.
    """
    seq = as_tensor(sorted_sequence, "searchsorted")._data
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input._data if not scalar else input)
    s = _side(right, side, "searchsorted")
    if seq.ndim == 0:
        raise ShapeError("searchsorted: sorted_sequence must have at least one dim, got a 0-d "
                         "tensor")
    if sorter is not None:
        order = sorter._data if isinstance(sorter, Tensor) else np.asarray(sorter)
        if order.shape != seq.shape:
            raise ShapeError(f"searchsorted: sorter of shape {order.shape} must have "
                             f"sorted_sequence's shape {seq.shape}")
        seq = np.take_along_axis(seq, order.astype(np.int64), -1)
    if seq.ndim == 1:
        idx = np.searchsorted(seq, vals, side=s)
    else:
        if scalar or vals.shape[:-1] != seq.shape[:-1]:
            raise ShapeError(f"searchsorted: sorted_sequence of shape {seq.shape} and input of "
                             f"shape {vals.shape} must have the same leading dims")
        rows_seq = seq.reshape(-1, seq.shape[-1])
        rows_val = vals.reshape(-1, vals.shape[-1])
        idx = np.stack([np.searchsorted(r, v, side=s) for r, v in zip(rows_seq, rows_val)])
        idx = idx.reshape(vals.shape)
    result = Tensor._make(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64),
                          False, None)
    return write_out(result, out, "searchsorted")


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,  # noqa: A002
              right: bool = False, out: Any = None) -> Tensor:
    """The bucket of each element: ``i`` with ``boundaries[i-1] < x <= boundaries[i]``
    (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``). ``boundaries`` is 1-D, sorted."""
    b = as_tensor(boundaries, "bucketize")
    if b._data.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right, out=out)


# --------------------------------------------------------------------------- unique


def _unique_along(a: np.ndarray, d: int | None, consecutive: bool):
    """(unique values, inverse, counts) of ``a`` (flattened when ``d`` is None)."""
    if d is None:
        flat = a.reshape(-1)
        if consecutive:
            if flat.size == 0:
                return flat, np.zeros(a.shape, np.int64), np.zeros(0, np.int64)
            new = np.concatenate([[True], flat[1:] != flat[:-1]])
            inverse = np.cumsum(new) - 1
            counts = np.diff(np.append(np.flatnonzero(new), flat.size))
            return flat[new], inverse.reshape(a.shape), counts
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        return values, inverse.reshape(a.shape), counts
    moved = np.moveaxis(a, d, 0)
    rows = moved.reshape(moved.shape[0], -1)
    if consecutive:
        if rows.shape[0] == 0:
            return a, np.zeros(0, np.int64), np.zeros(0, np.int64)
        new = np.concatenate([[True], np.any(rows[1:] != rows[:-1], axis=1)])
        inverse = np.cumsum(new) - 1
        counts = np.diff(np.append(np.flatnonzero(new), rows.shape[0]))
        keep = rows[new]
    else:
        keep, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    values = np.moveaxis(keep.reshape((keep.shape[0],) + moved.shape[1:]), 0, d)
    return values, inverse.reshape(-1), counts


def _unique(input: Tensor, return_inverse: bool, return_counts: bool, dim: Any,  # noqa: A002
            consecutive: bool, op: str) -> Any:
    a = as_tensor(input, op)._data
    d = None if dim is None else normalize_dim(dim, a.ndim, op)
    if d is not None and a.ndim == 0:
        d = None
    values, inverse, counts = _unique_along(a, d, consecutive)
    out = [Tensor._make(np.ascontiguousarray(values), False, None)]
    if return_inverse:
        out.append(Tensor._make(np.asarray(inverse, dtype=np.int64), False, None))
    if return_counts:
        out.append(Tensor._make(np.asarray(counts, dtype=np.int64), False, None))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: Any = None) -> Any:
    """The distinct elements (or, with ``dim``, distinct slices along ``dim``), sorted.

    Returns a tensor, or a tuple ``(values, inverse, counts)`` with what was asked for:
    ``inverse`` maps each element (slice) to its place in ``values``. The result is sorted
    even with ``sorted=False`` (PyTorch's CPU kernel sorts too). No gradient.
    """
    return _unique(input, return_inverse, return_counts, dim, False, "unique")


def unique_consecutive(input: Tensor, return_inverse: bool = False,  # noqa: A002
                       return_counts: bool = False, dim: Any = None) -> Any:
    """Drop each element (slice along ``dim``) equal to the one before it; as :func:`unique`
    for the returns. No gradient."""
    return _unique(input, return_inverse, return_counts, dim, True, "unique_consecutive")

