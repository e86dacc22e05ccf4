"""Shape ops: reshape and its relatives, transpose/permute, expand/repeat, cat/stack/split,
gather, and indexing (``x[i]`` and ``x[i] = v``).

None of these change a value, they only move values around, so every backward moves the
gradient back the same way: reshape it back, transpose it back, sum the copies, or scatter
it into zeros (adding where one element was read twice).

Reshape, transpose, permute, expand and basic indexing return NumPy *views* of their
input (no copy), as PyTorch's views share storage. A view shares its input's version
counter, so an in-place write through either is caught by the backward checks of both,
and a write through either is recorded in the graph of both, as PyTorch records it
(see ``views.py``).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function, bump_version
from ..dtypes import result_type
from ..errors import DimensionError, DtypeError, ShapeError, normalize_dim, normalize_dims
from ..tensor import Tensor
from .elementwise import _check_leaf, _records, _write_back
from .views import as_view

__all__ = [
    "cat", "chunk", "expand", "flatten", "gather", "getitem", "index_put_", "permute", "repeat",
    "reshape",
    "setitem", "split", "squeeze", "stack", "transpose", "unflatten", "unsqueeze",
]


# --------------------------------------------------------------------------- Functions


class Reshape(Function):
    """f(x) = x with a new shape (same elements, same order);  df/dx = grad reshaped back."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Transpose(Function):
    """f(x) = x with dims d0 and d1 swapped;  df/dx = grad with d0 and d1 swapped back."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, d0, d1):
        ctx.d0, ctx.d1 = d0, d1
        return np.swapaxes(a, d0, d1) if a.ndim else a.view()

    @staticmethod
    def backward(ctx, grad):
        return (np.swapaxes(grad, ctx.d0, ctx.d1) if grad.ndim else grad), None, None


class Permute(Function):
    """f(x) = x with its dims reordered as dims;  df/dx = grad with the inverse order."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.dims)), None


class Expand(Function):
    """f(x) = x broadcast to a larger shape (no copy);  df/dx = grad summed over the copies."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)  # read-only view: a broadcast has no memory of its own

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine's unbroadcast sums the copies back to x's shape


class Repeat(Function):
    """f(x) = x tiled r_i times along dim i;  df/dx = grad summed over the tiles."""

    @staticmethod
    def forward(ctx, a, reps):
        ctx.shape, ctx.reps = a.shape, reps
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, grad):
        reps = ctx.reps
        shape = (1,) * (len(reps) - len(ctx.shape)) + ctx.shape
        # Split every dim i of size r_i * s_i into (r_i, s_i) and sum over the r_i axes.
        g = grad.reshape(tuple(x for r, s in zip(reps, shape) for x in (r, s)))
        g = g.sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(ctx.shape), None


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


class Gather(Function):
    """f(x)[i, j] = x[index[i, j], j] (dim 0; likewise for any dim);  df/dx = grad scatter-added."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    @staticmethod
    def backward(ctx, grad):
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, grad)  # an element gathered twice gets both gradients
        return g, None


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


def _int(x: Any, op: str, what: str) -> int:
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{op}: {what} must be an int, got bool")
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(x).__name__} ({x!r})") from None


def _sizes(args: tuple, op: str) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the sizes (2, 3), as in PyTorch."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(_int(s, op, "every size") for s in args)


def _dim_for_new_axis(dim: Any, ndim: int, op: str) -> int:
    """A dim in ``[-ndim - 1, ndim]``: where a new axis goes (unsqueeze, stack)."""
    d = _int(dim, op, "dim")
    if not -ndim - 1 <= d <= ndim:
        plural = "" if ndim == 1 else "s"
        raise DimensionError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimension"
                             f"{plural} (expected a dim in [{-ndim - 1}, {ndim}])")
    return d + ndim + 1 if d < 0 else d


def _infer_shape(shape: tuple[int, ...], numel: int, in_shape: tuple, op: str) -> tuple:
    """Replace the one -1 in ``shape`` by the size that makes the element counts match."""
    free = [i for i, s in enumerate(shape) if s == -1]
    if len(free) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred (-1), got shape {shape}")
    for i, s in enumerate(shape):
        if s < -1:
            raise ShapeError(f"{op}: invalid size {s} at index {i} of shape {shape}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if free:
        if known == 0 or numel % known:
            if known == 0 and numel == 0:
                raise ShapeError(f"{op}: cannot infer the -1 in shape {shape} for a tensor of "
                                 f"shape {in_shape} with 0 elements: any size would fit")
            raise ShapeError(f"{op}: cannot reshape a tensor of shape {in_shape} ({numel} "
                             f"elements) into shape {shape}: {numel} is not a multiple of {known}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise ShapeError(f"{op}: cannot reshape a tensor of shape {in_shape} ({numel} elements) "
                         f"into shape {shape} ({known} elements)")
    return shape


def _reshaped(input: Tensor, shape: tuple[int, ...]) -> Tensor:  # noqa: A002
    return as_view(Reshape, input, shape)


# --------------------------------------------------------------------------- reshaping


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """The same elements in a new shape; ``shape`` as a tuple or as separate ints.

    One size may be -1: it is inferred from the element count. Returns a view when NumPy
    can (microtensor does not distinguish ``view`` from ``reshape``).
    """
    sizes = _sizes(shape, "reshape")
    return _reshaped(input, _infer_shape(sizes, input._data.size, input._data.shape, "reshape"))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap dims ``dim0`` and ``dim1`` (a view)."""
    n = input._data.ndim
    d0 = normalize_dim(dim0, n, "transpose")
    d1 = normalize_dim(dim1, n, "transpose")
    return as_view(Transpose, input, d0, d1)


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reorder the dims: output dim i is input dim ``dims[i]`` (a view); a tuple or varargs."""
    n = input._data.ndim
    dims = _sizes(dims, "permute")
    if len(dims) != n:
        raise ShapeError(f"permute: expected {n} dims (one per dim of shape {input.shape}), "
                         f"got {len(dims)}: {dims}")
    norm = tuple(normalize_dim(d, n, "permute") for d in dims)
    if len(set(norm)) != n:
        raise ValueError(f"permute: dims {dims} are not a permutation of {tuple(range(n))}: "
                         "a dim is repeated")
    return as_view(Permute, input, norm)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim`` … ``end_dim`` into one (a 0-d tensor becomes 1-d)."""
    shape = input._data.shape
    n = len(shape)
    s = normalize_dim(start_dim, n, "flatten")
    e = normalize_dim(end_dim, n, "flatten")
    if s > e:
        raise DimensionError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {shape}")
    if n == 0:
        return _reshaped(input, (1,))
    merged = 1
    for x in shape[s:e + 1]:
        merged *= x
    return _reshaped(input, shape[:s] + (merged,) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("unflatten: expects a tensor with at least 1 dim, got a 0-d tensor")
    d = normalize_dim(dim, len(shape), "unflatten")
    sizes = _sizes((sizes,), "unflatten")
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, shape[d], (shape[d],), "unflatten")
    except ShapeError:
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply up to {shape[d]}, the size "
                         f"of dim {d} of shape {shape}") from None
    return _reshaped(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Remove size-1 dims: all of them, or those in ``dim`` (an int or a tuple).

    A named dim whose size is not 1 is left alone, and an empty tuple names no dim, as in
    PyTorch.
    """
    shape = input._data.shape
    if dim is None:
        axes = range(len(shape))
    elif isinstance(dim, (tuple, list)) and not dim:
        axes = ()
    else:
        axes = normalize_dims(dim, len(shape), "squeeze")
    drop = {ax for ax in axes if shape[ax] == 1}
    return _reshaped(input, tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a size-1 dim at position ``dim`` (in ``[-ndim - 1, ndim]``)."""
    shape = input._data.shape
    d = _dim_for_new_axis(dim, len(shape), "unsqueeze")
    return _reshaped(input, shape[:d] + (1,) + shape[d:])


def expand(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Broadcast to ``sizes`` without copying: size-1 dims and new leading dims grow.

    -1 keeps a dim's size. The result is a read-only view (many elements share one memory
    location); ``.clone()`` it before writing into it.
    """
    sizes = _sizes(sizes, "expand")
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ShapeError(f"expand: the number of sizes given ({len(sizes)}) must be at least the "
                         f"number of dims of the tensor ({len(shape)}, shape {shape})")
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise ShapeError(f"expand: size {s} is not allowed for the new leading dim {i} "
                                 f"(target sizes {sizes})")
            out.append(s)
            continue
        have = shape[i - lead]
        if s == -1:
            out.append(have)
        elif s < 0:
            raise ShapeError(f"expand: invalid size {s} at dim {i} (target sizes {sizes})")
        elif have not in (1, s):
            raise ShapeError(f"expand: the expanded size {s} must match the existing size "
                             f"{have} at non-singleton dim {i}; target sizes {sizes}, tensor "
                             f"shape {shape}")
        else:
            out.append(s)
    return as_view(Expand, input, tuple(out))


def repeat(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Tile the tensor ``sizes[i]`` times along dim i (a copy); extra sizes add leading dims."""
    reps = _sizes(sizes, "repeat")
    shape = input._data.shape
    if len(reps) < len(shape):
        raise ShapeError(f"repeat: got {len(reps)} repeat counts {reps} for a tensor with "
                         f"{len(shape)} dims (shape {shape}); give at least one per dim")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
    return Repeat.apply(input, reps)


# --------------------------------------------------------------------------- joining, splitting


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
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
        raise ValueError(f"split: split_size must be positive (0 only for a dim of size 0), got "
                         f"{size} for dim {d} of size {n}")
    count = max(-(-n // size), 1) if size else 1
    return _pieces(tensor, d, [min(size, n - i * size) for i in range(count)])


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Cut along ``dim`` into ``chunks`` pieces of ceil(size / chunks) (PyTorch's rule: the last
    is smaller, and there may be fewer than ``chunks`` pieces)."""
    chunks = _int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be greater than 0, got {chunks}")
    shape = input._data.shape
    if not shape:
        raise ShapeError("chunk: expects a tensor with at least 1 dim, got a 0-d tensor")
    d = normalize_dim(dim, len(shape), "chunk")
    n = shape[d]
    if n == 0:
        return _pieces(input, d, [0] * chunks)
    return split(input, -(-n // chunks), d)


def gather(input: Tensor, dim: int, index: Any) -> Tensor:  # noqa: A002
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (likewise for any dim).

    ``index`` is an integer tensor with as many dims as ``input``; it may be smaller than
    ``input`` in every dim but ``dim``. The output has ``index``'s shape.
    """
    a = input._data
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.dtype.kind not in "iu":
        raise DtypeError(f"gather: index must be an integer tensor, got dtype {ix.dtype}")
    if a.ndim == 0 and ix.ndim == 1:  # PyTorch treats a 0-d input as 1-d here
        input = reshape(input, 1)
        a = input._data
    if ix.ndim != a.ndim:
        raise ShapeError(f"gather: index must have as many dims as the input, got index shape "
                         f"{ix.shape} and input shape {a.shape}")
    d = normalize_dim(dim, a.ndim, "gather")
    for k in range(a.ndim):
        if k != d and ix.shape[k] > a.shape[k]:
            raise ShapeError(f"gather: index shape {ix.shape} is larger than input shape "
                             f"{a.shape} at dim {k} ({ix.shape[k]} > {a.shape[k]}); only dim "
                             f"{d} may be larger")
    size = a.shape[d] if a.ndim else 1
    if ix.size and (ix.min() < 0 or ix.max() >= size):
        bad = ix.min() if ix.min() < 0 else ix.max()
        raise IndexError(f"gather: index {bad} is out of bounds for dimension {d} with size "
                         f"{size}")
    # One integer array per dim, broadcasting to index's shape: index itself along dim,
    # and 0, 1, 2, ... along the others.
    idx = []
    for k in range(a.ndim):
        if k == d:
            idx.append(ix)
        else:
            shape = [1] * a.ndim
            shape[k] = ix.shape[k]
            idx.append(np.arange(ix.shape[k]).reshape(shape))
    return Gather.apply(input, tuple(idx))


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
