"""Shape ops: reshape and its relatives, transpose/permute/movedim, expand/broadcast, repeat.

None of these change a value, they only move values around, so every backward moves the
gradient back the same way: reshape it back, transpose it back, or sum the copies.

Reshape, transpose, permute and expand return NumPy *views* of their input (no copy), as
PyTorch's views share storage. A view shares its input's version counter, so an in-place
write through either is caught by the backward checks of both, and a write through either
is recorded in the graph of both, as PyTorch records it (see ``views.py``). Joining and
splitting are in ``joining.py``, indexing in ``indexing.py``, gather/scatter in
``scatter.py``, and the matrix-shaped ops (tril, diagonal, flip ...) in ``matrix_shape.py``.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import DimensionError, ShapeError, ValueRangeError, normalize_dim, normalize_dims
from ..tensor import Tensor
from .views import as_view

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
    "broadcast_to", "expand", "flatten", "movedim", "moveaxis", "permute", "ravel", "repeat",
    "reshape", "squeeze", "swapaxes", "swapdims", "t", "tile", "transpose", "unflatten",
    "unsqueeze",
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



# --------------------------------------------------------------------------- helpers


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
        raise ValueRangeError(f"permute: dims {dims} are not a permutation of {tuple(range(n))}: "
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
        raise ValueRangeError(f"repeat: repeat counts must be non-negative, got {reps}")
    return Repeat.apply(input, reps)




def tile(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """Tile the tensor ``dims[i]`` times along dim i (a copy).

    Unlike :func:`repeat`, fewer counts than dims are allowed: the counts are padded with
    leading 1s, as PyTorch's (and NumPy's) ``tile``.
    """
    reps = _sizes((dims,), "tile")
    n = input._data.ndim
    if len(reps) < n:
        reps = (1,) * (n - len(reps)) + reps
    if any(r < 0 for r in reps):
        raise ValueRangeError(f"tile: repeat counts must be non-negative, got {reps}")
    return Repeat.apply(input, reps)


# --------------------------------------------------------------------------- moving dims


def _dim_list(dims: Any, ndim: int, op: str, what: str) -> tuple[int, ...]:
    items = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(normalize_dim(d, ndim, op) for d in items)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated dim in `{what}` ({list(items)})")
    return out


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """Move dims ``source`` (an int or a tuple) to the positions ``destination`` (a view);
    the other dims keep their order."""
    n = input._data.ndim
    src = _dim_list(source, n, "movedim", "source")
    dst = _dim_list(destination, n, "movedim", "destination")
    if len(src) != len(dst):
        raise ShapeError(f"movedim: invalid source or destination dims: source ({list(src)} "
                         f"dims) should contain the same number of dims as destination "
                         f"({list(dst)} dims)")
    order = [d for d in range(n) if d not in src]
    for s, d in sorted(zip(dst, src)):
        order.insert(s, d)
    if not n:
        return as_view(Reshape, input, ())
    return as_view(Permute, input, tuple(order))


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """Swap dims ``axis0`` and ``axis1`` (a view); ``transpose`` under NumPy's name."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap dims ``dim0`` and ``dim1`` (a view); another name of ``transpose``."""
    return transpose(input, dim0, dim1)


# --------------------------------------------------------------------------- broadcasting


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to (an int counts as a 1-d shape).

    Returns a tuple (PyTorch: a ``torch.Size``, which is a tuple); raises ``RuntimeError``
    (a :class:`ShapeError`) when they do not broadcast.
    """
    norm = []
    for s in shapes:
        s = (s,) if isinstance(s, (int, np.integer)) else tuple(s)
        norm.append(tuple(_int(x, "broadcast_shapes", "every size") for x in s))
    out: list[int] = []
    for s in norm:
        if any(x < 0 for x in s):
            raise ShapeError(f"broadcast_shapes: sizes must be non-negative, got {s}")
        for k in range(1, len(s) + 1):
            if k > len(out):
                out.insert(0, s[-k])
            elif out[-k] == 1:
                out[-k] = s[-k]
            elif s[-k] not in (1, out[-k]):
                raise ShapeError(f"broadcast_shapes: shapes {tuple(norm)} cannot be broadcast "
                                 f"together: size {s[-k]} != {out[-k]} at dim {-k}")
    return tuple(out)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``size`` (a read-only view, as :func:`expand`)."""
    return expand(input, _sizes((size,), "broadcast_to"))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors broadcast to one shape (read-only views, as :func:`expand`)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors: expected Tensors, got {type(t).__name__} at "
                            f"position {i}")
    target = broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, target) for t in tensors)


def _atleast(tensors: tuple, op: str, fit: Any) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
        shape = t._data.shape
        new = fit(shape)
        out.append(t if new == shape else _reshaped(t, new))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (a 0-d tensor becomes shape (1,)); one tensor in, one
    out, else a tuple."""
    return _atleast(tensors, "atleast_1d", lambda s: s if len(s) >= 1 else (1,))


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(tensors, "atleast_2d", lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def fit(s: tuple) -> tuple:
        if len(s) == 0:
            return (1, 1, 1)
        if len(s) == 1:
            return (1, s[0], 1)
        return s + (1,) if len(s) == 2 else s

    return _atleast(tensors, "atleast_3d", fit)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-d tensor (a view when the memory allows, else a copy)."""
    return _reshaped(input, (input._data.size,))


def t(input: Tensor) -> Tensor:  # noqa: A002
    """The transpose of a tensor with at most 2 dims (0-d and 1-d ones are returned as
    they are), a view."""
    n = input._data.ndim
    if n > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dimensions, but got shape "
                         f"{tuple(input.shape)}")
    return input if n < 2 else transpose(input, 0, 1)
