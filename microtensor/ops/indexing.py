"""Indexing: ``x[i]`` and ``x[i] = v`` with PyTorch's rules, index_put_, take/put,
masked_select/masked_scatter, nonzero/argwhere.

Basic indexing (ints, slices, None, ...) returns a view (``GetItem``); advanced indexing
(integer arrays, bool masks) a copy (``Index``). The two are adjoint to writing: the
gradient of a read is the gradient placed (scatter-added, where an element was read
twice) into zeros, and the gradient of a write ``IndexPut`` reads the written part back.
Each backward is written with indexing, so with ``create_graph=True`` it records the
adjoint op on Tensors: reads and writes differentiate each other to any order.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..autograd import Function, bump_version
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from .elementwise import _check_leaf, _records, _write_back
from .shape import _int, broadcast_shapes, expand, reshape
from .views import as_view

__all__ = [
    "argwhere", "getitem", "index_add_at", "index_put", "index_put_", "masked_scatter",
    "masked_select", "nonzero", "put", "setitem", "take", "unravel_index",
]


class OutOfBoundsError(IndexError, RuntimeError):
    """An index outside its dim: PyTorch raises ``RuntimeError`` from gather/scatter/index_*
    and ``IndexError`` from ``x[i]``; this is both."""


# --------------------------------------------------------------------------- Functions


class GetItem(Function):
    """f(x) = x[idx] with ints, slices, None, ...;  df/dx = grad placed at idx in zeros."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        out = a[idx]  # basic indexing: a view, no copy
        if type(out) is not np.ndarray:  # ints down to one element give a NumPy scalar: a copy
            out = a[idx + (Ellipsis,)]  # ... while this is a 0-d view, as PyTorch's t[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        # Basic indexing reads every element at most once, so assignment is enough.
        g = np.zeros_like(grad, shape=ctx.shape)
        g[ctx.idx] = grad
        return g, None


class Index(Function):
    """f(x) = x[idx] with integer arrays or bool masks;  df/dx = grad scatter-added at idx."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    @staticmethod
    def backward(ctx, grad):
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, grad)  # x[[0, 0]] read element 0 twice: both gradients add up
        return g, None


class IndexAdd(Function):
    """f(x, v) = x with v added at idx (repeats add up);  df/dx = grad,  df/dv = grad[idx]."""

    @staticmethod
    def forward(ctx, a, value, idx):
        ctx.idx = idx
        out = a.copy()
        np.add.at(out, idx, value)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[ctx.idx], None


class IndexPut(Function):
    """f(x, v) = x with x[idx] = v;  df/dx = grad with zeros at idx,  df/dv = grad[idx]."""

    @staticmethod
    def forward(ctx, a, value, steps):
        ctx.steps = steps  # idx, as one index or as a basic then an advanced step
        ctx.vndim = np.ndim(value)
        out = a.copy()
        _write(out, steps, value)
        return out

    @staticmethod
    def backward(ctx, grad):
        steps = ctx.steps
        ga = np.copy(grad)
        _write(ga, steps, 0)  # what was written over no longer influences the output
        gv = _read(grad, steps)
        if ctx.vndim > gv.ndim:  # NumPy let v carry extra leading size-1 dims
            gv = gv.reshape((1,) * (ctx.vndim - gv.ndim) + gv.shape)
        return ga, gv, None


# --------------------------------------------------------------------------- helpers


def _read(a: np.ndarray, steps: tuple) -> np.ndarray:
    for idx in steps:
        a = a[idx]
    return a


def _write(a: np.ndarray, steps: tuple, value: Any) -> None:
    for idx in steps[:-1]:
        a = a[idx]  # a basic step: a view, so the write below lands in ``a``
    a[steps[-1]] = value




# --------------------------------------------------------------------------- indexing


_INDEX_KINDS = "ints, slices, None, ..., bool masks or integer arrays/tensors"


def _index_item(item: Any, op: str) -> Any:
    """One index entry as NumPy will take it: int, slice, None, ..., bool, or an int/bool array."""
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, slice):
        for part in (item.start, item.stop, item.step):
            if part is not None and not hasattr(part, "__index__"):
                raise TypeError(f"{op}: slice bounds must be ints or None, got "
                                f"{type(part).__name__} in {item}")
        if item.step is not None and operator.index(item.step) == 0:
            raise ValueError(f"{op}: slice step cannot be zero")
        return item
    if isinstance(item, Tensor):
        arr = item._data
    elif isinstance(item, np.ndarray):
        arr = item
    elif isinstance(item, (list, tuple, range)):
        arr = np.asarray(item) if len(item) else np.zeros(0, dtype=np.int64)
    else:
        raise TypeError(f"{op}: indices must be {_INDEX_KINDS}; got {type(item).__name__}")
    if arr.dtype.kind == "b":
        return bool(arr) if arr.ndim == 0 else arr
    if arr.dtype.kind in "iu":
        return int(arr) if arr.ndim == 0 else arr  # a 0-d integer tensor acts as an int
    raise TypeError(f"{op}: indices must be {_INDEX_KINDS}; got an array of dtype {arr.dtype}")


def _normalize_index(index: Any, shape: tuple[int, ...], op: str) -> tuple[tuple, bool]:
    """Convert and check an index for an array of ``shape``.

    Returns the index as a tuple NumPy accepts, and whether it is advanced (it holds an
    array or a bool: the result is a copy, and an element may be read more than once).
    """
    items = tuple(_index_item(i, op) for i in (index if isinstance(index, tuple) else (index,)))
    ndim = len(shape)
    if sum(i is Ellipsis for i in items) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis (...)")

    used = sum(_width(i) for i in items)
    if used > ndim:
        raise IndexError(f"{op}: too many indices for a tensor of dimension {ndim} (shape "
                         f"{shape}): the index uses {used} dims")
    advanced = False
    d = 0
    for i in items:
        if i is Ellipsis:
            d += ndim - used
        elif isinstance(i, bool):
            advanced = True
        elif isinstance(i, int):
            if not -shape[d] <= i < shape[d]:
                raise IndexError(f"{op}: index {i} is out of bounds for dimension {d} with "
                                 f"size {shape[d]}")
            d += 1
        elif isinstance(i, slice):
            d += 1
        elif isinstance(i, np.ndarray):
            advanced = True
            if i.dtype.kind == "b":
                if i.shape != shape[d:d + i.ndim]:
                    raise IndexError(f"{op}: the mask's shape {i.shape} does not match the "
                                     f"indexed tensor's shape {shape} at dims {d}.."
                                     f"{d + i.ndim - 1}")
                d += i.ndim
            else:
                if i.size:
                    lo, hi = i.min(), i.max()
                    if lo < -shape[d] or hi >= shape[d]:
                        bad = lo if lo < -shape[d] else hi
                        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {d} "
                                         f"with size {shape[d]}")
                d += 1
    return items, advanced


def _width(i: Any) -> int:
    """How many of the tensor's dims one index entry consumes."""
    if i is None or i is Ellipsis or isinstance(i, bool):
        return 0
    return i.ndim if isinstance(i, np.ndarray) and i.dtype.kind == "b" else 1


def _mixes_ints_and_arrays(items: tuple) -> bool:
    return any(type(i) is int for i in items) and any(type(i) is np.ndarray for i in items)


def _split_ints(items: tuple) -> tuple[tuple, tuple]:
    """Split an index mixing ints and arrays into a basic step, then an advanced one.

    PyTorch applies ints first (as ``select``), then the arrays; NumPy counts an int next
    to an array as one more array, which moves the result's dims: for ``x`` of shape
    (2, 3, 4), ``x[0, :, [1, 2]]`` is (3, 2) in PyTorch but (2, 3) in NumPy. Indexing
    ``x[0, :, :]`` first and then ``[:, [1, 2]]`` gives PyTorch's layout.
    """
    first: list = []
    then: list = []
    for i in items:
        if isinstance(i, bool):
            then.append(i)
        elif isinstance(i, int):
            first.append(i)
        elif isinstance(i, np.ndarray):
            first.extend([slice(None)] * _width(i))
            then.append(i)
        else:  # a slice, None or ...: done in the first step, kept whole in the second
            first.append(i)
            then.append(i if i is Ellipsis else slice(None))
    return tuple(first), tuple(then)


def getitem(input: Tensor, index: Any) -> Tensor:  # noqa: A002
    """``input[index]`` with PyTorch's (and NumPy's) indexing rules.

    ``index``: ints, slices (negative steps allowed, as NumPy; PyTorch forbids them), None,
    ``...``, bool masks and integer arrays (Tensors, ndarrays or lists), or a tuple of these.
    Basic indexing returns a view; with arrays, elements read more than once (``x[[0, 0]]``)
    get the sum of their gradients. Ints mixed with arrays are applied first, as PyTorch does
    (NumPy would place the result's dims differently).
    """
    idx, advanced = _normalize_index(index, input._data.shape, "getitem")
    if not advanced:
        return as_view(GetItem, input, idx)
    if _mixes_ints_and_arrays(idx):
        first, idx = _split_ints(idx)
        input = as_view(GetItem, input, first)
    try:
        return Index.apply(input, idx)
    except IndexError as e:  # e.g. integer arrays that do not broadcast together
        raise IndexError(f"getitem: {e}") from None


def _assignable(value_shape: tuple, target_shape: tuple) -> bool:
    # NumPy's assignment rule: value broadcasts to the target, after dropping leading 1s.
    v = list(value_shape)
    while len(v) > len(target_shape) and v[0] == 1:
        v.pop(0)
    if len(v) > len(target_shape):
        return False
    return all(a in (1, b) for a, b in zip(reversed(v), reversed(target_shape)))


def index_put_(tensor: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``tensor[indices] = values`` in place, or with ``accumulate=True`` ``+=`` where a
    repeated index adds every value (``np.add.at``), as PyTorch's ``index_put_``.

    ``indices`` is a tuple of index tensors (or arrays), one per leading dim.
    """
    if not accumulate:
        setitem(tensor, tuple(indices), values)
        return tensor
    idx = tuple(i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    return _index_add(tensor, idx, values)


def _index_add(tensor: Tensor, idx: Any, values: Any) -> Tensor:
    if _records(tensor, values):
        _check_leaf(tensor, "index_put_")
        r = IndexAdd.apply(Tensor._make(tensor._data, tensor._rg, tensor.grad_fn), values, idx)
        return _write_back(tensor, r, "index_put_")
    np.add.at(tensor._data, idx, values._data if isinstance(values, Tensor) else values)
    bump_version(tensor)
    return tensor


def index_add_at(tensor: Tensor, index: Any, values: Any) -> None:
    """``np.add.at(tensor, index, values)`` on a Tensor (what a recorded backward calls)."""
    _index_add(tensor, index, values)


def setitem(tensor: Tensor, index: Any, value: Any) -> None:
    """``tensor[index] = value`` in place: ``value`` (a number, Tensor or array) is broadcast to
    the indexed part and cast to ``tensor``'s dtype.

    With grad recording on and ``tensor`` or ``value`` requiring grad, the write is recorded
    (``IndexPut``): the overwritten elements get no gradient, ``value`` gets theirs. A leaf
    that requires grad can only be written inside ``no_grad()``.
    """
    idx, _ = _normalize_index(index, tensor._data.shape, "setitem")
    steps = (idx,)
    if _mixes_ints_and_arrays(idx):
        steps = _split_ints(idx)  # PyTorch's layout of the indexed part (see getitem)
    if not tensor._data.flags.writeable:
        raise RuntimeError(f"setitem: the tensor of shape {tensor.shape} is read-only (an "
                           "expand()ed view, whose elements share memory); .clone() it first")
    v = value
    if not isinstance(v, (Tensor, int, float, bool, np.number, np.bool_)):
        v = np.asarray(v)
    varr = v._data if isinstance(v, Tensor) else v
    if _records(tensor, value) and tensor._data.dtype.kind == "f":
        _check_leaf(tensor, "setitem")
        target = np.shape(_read(tensor._data, steps))
        if not _assignable(np.shape(varr), target):
            raise ShapeError(f"setitem: a value of shape {np.shape(varr)} cannot be broadcast "
                             f"to the indexed part's shape {target}")
        r = IndexPut.apply(Tensor._make(tensor._data, tensor._rg, tensor.grad_fn), v, steps)
        _write_back(tensor, r, "setitem")
        return
    try:
        _write(tensor._data, steps, varr)
    except ValueError:
        target = np.shape(_read(tensor._data, steps))
        raise ShapeError(f"setitem: a value of shape {np.shape(varr)} cannot be broadcast to "
                         f"the indexed part's shape {target}") from None
    bump_version(tensor)


def index_put(tensor: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """:func:`index_put_` on a copy: ``tensor`` itself is left as it is."""
    from .elementwise import Clone  # (a copy that stays in the graph)

    return index_put_(Clone.apply(tensor), indices, values, accumulate)


# --------------------------------------------------------------------------- flat indices


def _flat_index(index: Any, numel: int, op: str) -> np.ndarray:
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.dtype.kind not in "iu":
        raise DtypeError(f"{op}: expected a long tensor for index, but got dtype {ix.dtype}")
    if ix.size:
        lo, hi = int(ix.min()), int(ix.max())
        if lo < -numel or hi >= numel:
            bad = lo if lo < -numel else hi
            raise IndexError(f"{op}: out of range: tried to access index {bad} on a tensor of "
                             f"{numel} elements")
    return ix.astype(np.int64, copy=False)


def take(input: Tensor, index: Any) -> Tensor:  # noqa: A002
    """``input`` read as if 1-d (row-major) at ``index`` (negative counts from the end); the
    output has ``index``'s shape. Repeated indices add up their gradients."""
    ix = _flat_index(index, input._data.size, "take")
    if input._data.size == 0 and ix.size:
        raise IndexError("take: tried to take from an empty tensor")
    return getitem(reshape(input, -1), ix) if ix.ndim else getitem(reshape(input, -1), int(ix))


def put(input: Tensor, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with, read as if 1-d, ``source``'s elements written at ``index``
    (added, repeats adding up, with ``accumulate=True``). ``index`` and ``source`` must have
    as many elements."""
    from .elementwise import Clone

    return put_(Clone.apply(input), index, source, accumulate)


def put_(input: Tensor, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """:func:`put` in place."""
    ix = _flat_index(index, input._data.size, "put_")
    if not isinstance(source, Tensor):
        raise TypeError(f"put_: source must be a Tensor, got {type(source).__name__}")
    if source._data.size != ix.size:
        raise IndexError(f"put_: expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {ix.size}")
    if source._data.dtype != input._data.dtype:
        raise DtypeError(f"put_: expected source to have dtype {input.dtype}, got "
                         f"{source.dtype}")
    flat = ix.reshape(-1)
    if input._data.flags.c_contiguous:  # write through a flat view: input itself changes
        target = reshape(input, -1)
        index_put_(target, (flat,), reshape(source, -1), accumulate)
        return input
    # (a non-contiguous view: its 1-d form is a copy; write the positions back as indices)
    pos = np.unravel_index(np.where(flat < 0, flat + input._data.size, flat), input.shape)
    index_put_(input, pos, reshape(source, -1), accumulate)
    return input


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates, in a tensor of ``shape``, of the flat (row-major) ``indices``: one
    int64 tensor per dim, each shaped like ``indices``.

    Like PyTorch's, indices outside ``[0, prod(shape))`` wrap around (floor division and
    modulo), and no error is raised.
    """
    ix = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if ix.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, but got "
                        f"{ix.dtype}")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    dims = tuple(_int(s, "unravel_index", "every size") for s in dims)
    if any(s < 0 for s in dims):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {dims}")
    out = []
    stride = 1
    for s in reversed(dims):
        out.append((ix.astype(np.int64) // stride) % s if s else np.zeros_like(ix, np.int64))
        stride *= s
    return tuple(Tensor._make(np.asarray(o, np.int64), False, None) for o in reversed(out))


# --------------------------------------------------------------------------- masks


def _mask_of(mask: Any, op: str) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise DtypeError(f"{op}: expected a bool tensor for mask, got dtype {m.dtype}")
    return m


def masked_select(input: Tensor, mask: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor (``input`` and the
    bool ``mask`` broadcast together first)."""
    m = _mask_of(mask, "masked_select")
    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else expand(input, shape)
    return getitem(x, np.broadcast_to(m, shape))


def masked_scatter(input: Tensor, mask: Any, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the positions where ``mask`` is True filled, in row-major
    order, with the first elements of ``source``; ``mask`` broadcasts to ``input``."""
    from .elementwise import Clone

    m = _mask_of(mask, "masked_scatter")
    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else expand(input, shape)
    return _masked_scatter_into(Clone.apply(x), np.broadcast_to(m, shape), source,
                                "masked_scatter")


def masked_scatter_(input: Tensor, mask: Any, source: Tensor) -> Tensor:  # noqa: A002
    """:func:`masked_scatter` in place (``mask`` must broadcast to ``input``'s shape)."""
    m = _mask_of(mask, "masked_scatter_")
    try:
        m = np.broadcast_to(m, input._data.shape)
    except ValueError:
        raise ShapeError(f"masked_scatter_: a mask of shape {m.shape} cannot be broadcast to "
                         f"the tensor's shape {input.shape}") from None
    return _masked_scatter_into(input, m, source, "masked_scatter_")


def _masked_scatter_into(t: Tensor, m: np.ndarray, source: Tensor, op: str) -> Tensor:
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}: source must be a Tensor, got {type(source).__name__}")
    if source._data.dtype != t._data.dtype:
        raise DtypeError(f"{op}: expected source to have dtype {t.dtype}, got {source.dtype}")
    count = int(m.sum())
    if source._data.size < count:
        raise ShapeError(f"{op}: number of elements of source ({source._data.size}) < number "
                         f"of ones in mask ({count})")
    if count:
        setitem(t, m, getitem(reshape(source, -1), slice(0, count)))
    return t


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """The indices of the nonzero elements: an int64 tensor of shape (n, ndim), one row per
    element in row-major order; with ``as_tuple=True`` one 1-d tensor per dim (a 0-d input
    counts as 1-d there, as in PyTorch)."""
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    if as_tuple:
        idx = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
        return tuple(Tensor._make(i.astype(np.int64, copy=False), False, None) for i in idx)
    out = np.argwhere(a).astype(np.int64, copy=False)
    return Tensor._make(out.reshape(out.shape[0], a.ndim), False, None)


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """``nonzero(input)``: the (n, ndim) int64 indices of the nonzero elements."""
    return nonzero(input)
