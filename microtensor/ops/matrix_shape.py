"""Matrix-shaped rearrangements: tril/triu, diagonal/diag_embed/diag/diagflat/trace,
the *_scatter ops, flip/roll/rot90, repeat_interleave, unfold, tril/triu_indices.

Each moves or masks elements without changing them, so each backward moves the gradient
back: ``tril``'s masks it the same way, ``diagonal``'s writes it onto the diagonal of
zeros (the adjoint of reading the diagonal is ``diag_embed``), ``flip``'s flips it back,
``roll``'s rolls it back. Backwards are written with indexing and ``np.where``, which run
on Tensors too, so with ``create_graph=True`` they record themselves.

The diagonal of dims (d1, d2) at ``offset`` is the advanced index :func:`_diag_index`:
``arange(L)`` (shifted by the offset) on d1 and d2, slices on the other dims.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import to_dtype
from ..errors import ShapeError, ValueRangeError, normalize_dim
from ..tensor import Tensor
from .indexing import IndexPut
from .scatter import index_select
from .shape import Transpose, _int, reshape
from .views import as_view

__all__ = [
    "diag", "diag_embed", "diagflat", "diagonal", "diagonal_scatter", "fill_diagonal_", "flip",
    "fliplr",
    "flipud", "repeat_interleave", "roll", "rot90", "select_scatter", "slice_scatter", "trace",
    "tril", "tril_indices", "triu", "triu_indices", "unfold",
]


# --------------------------------------------------------------------------- Functions


class Tril(Function):
    """f(X)_ij = X_ij if j - i <= k else 0 (last two dims);  df/dX = G masked the same way."""

    @staticmethod
    def forward(ctx, a, k):
        ctx.keep = np.tri(a.shape[-2], a.shape[-1], k, dtype=bool)
        return np.where(ctx.keep, a, np.zeros((), a.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.keep, grad, 0), None


class Triu(Function):
    """f(X)_ij = X_ij if j - i >= k else 0 (last two dims);  df/dX = G masked the same way."""

    @staticmethod
    def forward(ctx, a, k):
        ctx.keep = ~np.tri(a.shape[-2], a.shape[-1], k - 1, dtype=bool)
        return np.where(ctx.keep, a, np.zeros((), a.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.keep, grad, 0), None


class Diagonal(Function):
    """f(X) = the diagonal X[..., i, i + k] of dims (d1, d2), as the last dim (a view);
    df/dX = G written onto that diagonal of zeros."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.shape, ctx.where = a.shape, _diag_index(a.shape, offset, d1, d2)
        out = np.diagonal(a, offset, d1, d2)
        if a.flags.writeable:
            out.flags.writeable = True  # NumPy's diagonal is read-only; PyTorch's is a view
        return out

    @staticmethod
    def backward(ctx, grad):
        idx, p = ctx.where
        g = np.zeros_like(grad, shape=ctx.shape)
        g[idx] = np.moveaxis(grad, -1, p)
        return g, None, None, None


class DiagEmbed(Function):
    """f(x) = zeros with x's last dim on the diagonal of dims (d1, d2) at an offset;
    df/dx = that diagonal of G."""

    @staticmethod
    def forward(ctx, a, shape, offset, d1, d2):
        idx, p = ctx.where = _diag_index(shape, offset, d1, d2)
        out = np.zeros(shape, a.dtype)
        out[idx] = np.moveaxis(a, -1, p)
        return out

    @staticmethod
    def backward(ctx, grad):
        idx, p = ctx.where
        return np.moveaxis(grad[idx], p, -1), None, None, None, None


class Flip(Function):
    """f(x) = x reversed along dims (a copy);  df/dx = G reversed along the same dims."""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.rev = tuple(slice(None, None, -1) if k in dims else slice(None)
                        for k in range(a.ndim))
        return a[ctx.rev].copy()

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.rev], None


class Roll(Function):
    """f(x)_i = x_{(i - s) mod n} along each rolled dim;  df/dx_j = G_{(j + s) mod n}."""

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.back = [(d, (np.arange(a.shape[d]) + s) % max(a.shape[d], 1))
                    for s, d in zip(shifts, dims)]
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        for d, perm in ctx.back:
            grad = grad[(slice(None),) * d + (perm,)]
        return grad, None, None


class Unfold(Function):
    """f(x) = the windows x[..., i*step : i*step + size, ...] along dim, as a new last dim
    (a view);  df/dx = G added back at every window's place (overlaps add up)."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, d, size, step):
        n = (a.shape[d] - size) // step + 1
        win = np.arange(n)[:, None] * step + np.arange(size)
        ctx.shape, ctx.idx, ctx.d = a.shape, (slice(None),) * d + (win,), d
        view = np.lib.stride_tricks.sliding_window_view(
            a, size, axis=d, writeable=step >= size and a.flags.writeable)
        return view[(slice(None),) * d + (slice(None, None, step),)]

    @staticmethod
    def backward(ctx, grad):
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, np.moveaxis(grad, -1, ctx.d + 1))
        return g, None, None, None


# --------------------------------------------------------------------------- helpers


def _diag_index(shape: tuple, offset: int, d1: int, d2: int) -> tuple[tuple, int]:
    """The index of the diagonal of dims (d1, d2) at ``offset`` in an array of ``shape``, and
    where NumPy puts the diagonal's dim in ``a[index]`` (with the advanced-index rule: at the
    first of d1, d2 when they are adjacent, in front otherwise)."""
    r0, c0 = max(-offset, 0), max(offset, 0)
    n = max(min(shape[d1] - r0, shape[d2] - c0), 0)
    idx: list = [slice(None)] * len(shape)
    idx[d1] = np.arange(n) + r0
    idx[d2] = np.arange(n) + c0
    p = min(d1, d2) if abs(d1 - d2) == 1 else 0
    return tuple(idx), p


def _two_dims(ndim: int, dim1: Any, dim2: Any, op: str) -> tuple[int, int]:
    d1, d2 = normalize_dim(dim1, ndim, op), normalize_dim(dim2, ndim, op)
    if d1 == d2:
        raise ShapeError(f"{op}: dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _matrix(input: Tensor, op: str) -> None:  # noqa: A002
    if input._data.ndim < 2:
        raise ShapeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                         f"{tuple(input.shape)}")


def _inplace(t: Tensor, name: str, fn: Any, src: Any, *args: Any) -> Tensor:
    from .scatter import inplace_op

    return inplace_op(t, name, fn, src, *args)


# --------------------------------------------------------------------------- triangles


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (``j - i <= diagonal``), zeros above."""
    _matrix(input, "tril")
    return Tril.apply(input, _int(diagonal, "tril", "diagonal"))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (``j - i >= diagonal``), zeros below."""
    _matrix(input, "triu")
    return Triu.apply(input, _int(diagonal, "triu", "diagonal"))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """:func:`tril` in place."""
    return _inplace(input, "tril_", tril, None, diagonal)


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """:func:`triu` in place."""
    return _inplace(input, "triu_", triu, None, diagonal)


def _tri_indices(row: int, col: int, offset: int, dtype: Any, op: str, upper: bool) -> Tensor:
    row, col = _int(row, op, "row"), _int(col, op, "col")
    offset = _int(offset, op, "offset")
    if row < 0 or col < 0:
        raise ValueRangeError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    dt = np.dtype(np.int64) if dtype is None else to_dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{op}: dtype must be an integer dtype, got {dt}")
    keep = np.tri(row, col, offset - 1, dtype=bool) if upper else np.tri(row, col, offset,
                                                                          dtype=bool)
    r, c = np.nonzero(~keep if upper else keep)
    return Tensor._make(np.stack([r, c]).astype(dt).reshape(2, -1), False, None)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a ``row``×``col`` matrix,
    row by row (int64 by default)."""
    return _tri_indices(row, col, offset, dtype, "tril_indices", upper=False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a ``row``×``col`` matrix."""
    return _tri_indices(row, col, offset, dtype, "triu_indices", upper=True)


# --------------------------------------------------------------------------- diagonals


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal ``input[..., i, i + offset]`` of dims (dim1, dim2), as a new last dim (a
    view: writing into it writes into ``input``)."""
    d1, d2 = _two_dims(input._data.ndim, dim1, dim2, "diagonal")
    return as_view(Diagonal, input, _int(offset, "diagonal", "offset"), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s last dim on the diagonal of the output's dims (dim1, dim2) at
    ``offset``; the output has one dim more than ``input``."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("diag_embed: input must have at least 1 dimension, got a 0-d tensor")
    n = len(shape) + 1
    d1, d2 = _two_dims(n, dim1, dim2, "diag_embed")
    offset = _int(offset, "diag_embed", "offset")
    size = shape[-1] + abs(offset)
    rest = iter(shape[:-1])
    out = tuple(size if k in (d1, d2) else next(rest) for k in range(n))
    return DiagEmbed.apply(input, out, offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-d ``input`` put on the ``diagonal``-th diagonal of a square matrix; of a 2-d
    ``input``, its ``diagonal``-th diagonal (a copy)."""
    n = input._data.ndim
    k = _int(diagonal, "diag", "diagonal")
    if n == 1:
        return diag_embed(input, k, 0, 1)
    if n == 2:
        from .elementwise import Clone

        return Clone.apply(as_view(Diagonal, input, k, 0, 1))
    raise ShapeError(f"diag: expected a 1D or 2D tensor, got shape {tuple(input.shape)}")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """``input`` flattened, on the ``offset``-th diagonal of a square matrix."""
    return diag_embed(reshape(input, -1), _int(offset, "diagflat", "offset"), 0, 1)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a 2-d tensor (integers sum to int64, as PyTorch)."""
    if input._data.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with shape "
                         f"{tuple(input.shape)}")
    from .reduction import sum as _sum

    return _sum(diagonal(input))


# --------------------------------------------------------------------------- *_scatter


def _scatter_value(input: Tensor, src: Any, target: tuple, op: str) -> Tensor:  # noqa: A002
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
    if tuple(src._data.shape) != tuple(target):
        raise ShapeError(f"{op}: expected src to have a size equal to the slice of self. src "
                         f"size = {list(src.shape)}, slice size = {list(target)}")
    return src


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim`` (the slice
    ``select(dim, index)`` returns)."""
    shape = input._data.shape
    if not shape:
        raise IndexError("select_scatter: cannot be applied to a 0-dim tensor")
    d = normalize_dim(dim, len(shape), "select_scatter")
    i = _int(index, "select_scatter", "index")
    if not -shape[d] <= i < shape[d]:
        raise IndexError(f"select_scatter: index {i} out of range for tensor of size "
                         f"{list(shape)} at dimension {d}")
    idx = (slice(None),) * d + (i,)
    _scatter_value(input, src, input._data[idx].shape, "select_scatter")
    return IndexPut.apply(input, src, (idx,))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``input[..., start:end:step, ...]`` (on
    ``dim``)."""
    shape = input._data.shape
    d = normalize_dim(dim, len(shape), "slice_scatter")
    step = _int(step, "slice_scatter", "step")
    if step <= 0:
        raise ValueRangeError(f"slice_scatter: slice step must be positive, got {step}")
    if not shape:
        raise ShapeError("slice_scatter: cannot be applied to a 0-dim tensor")
    idx = (slice(None),) * d + (slice(start, end, step),)
    _scatter_value(input, src, input._data[idx].shape, "slice_scatter")
    return IndexPut.apply(input, src, (idx,))


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written onto the diagonal :func:`diagonal` reads."""
    _matrix(input, "diagonal_scatter")
    d1, d2 = _two_dims(input._data.ndim, dim1, dim2, "diagonal_scatter")
    offset = _int(offset, "diagonal_scatter", "offset")
    target = np.diagonal(input._data, offset, d1, d2).shape
    _scatter_value(input, src, target, "diagonal_scatter")
    idx, p = _diag_index(input._data.shape, offset, d1, d2)
    from .shape import movedim

    return IndexPut.apply(input, movedim(src, -1, p), (idx,))


# --------------------------------------------------------------------------- flips, rolls


def _dims_of(dims: Any, ndim: int, op: str) -> tuple[int, ...]:
    items = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(normalize_dim(d, ndim, op) for d in items)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: dims has duplicates: a dim appears multiple times in "
                         f"{list(items)}")
    return out


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``input`` reversed along each dim in ``dims`` (a copy, as PyTorch's)."""
    n = input._data.ndim
    return Flip.apply(input, _dims_of(dims, n, "flip") if n else ())


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Columns reversed (dim 1); needs at least 2 dims."""
    if input._data.ndim < 2:
        raise ShapeError("fliplr: input must be >= 2-d.")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Rows reversed (dim 0); needs at least 1 dim."""
    if input._data.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d.")
    return Flip.apply(input, (0,))


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Elements shifted by ``shifts`` along ``dims`` (ints or tuples of one length),
    wrapping around; without ``dims``, the flattened tensor is rolled and reshaped back."""
    sh = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    sh = tuple(_int(s, "roll", "shifts") for s in sh)
    if dims is None or (isinstance(dims, (tuple, list)) and not dims):
        if len(sh) != 1:
            raise ShapeError(f"roll: shifts must be an int when dims is None, got {sh}")
        flat = reshape(input, -1)
        return reshape(Roll.apply(flat, sh, (0,)), input.shape)
    n = input._data.ndim
    ds = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(ds) != len(sh):
        raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, dims: "
                         f"{len(ds)}")
    ds = tuple(normalize_dim(d, n, "roll") for d in ds)
    if not n:
        return Roll.apply(reshape(input, 1), sh, (0,)).reshape(())
    return Roll.apply(input, sh, ds)


def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    """Rotated by 90° ``k`` times in the plane of ``dims``, from the first toward the second
    (a copy)."""
    ds = tuple(dims)
    n = input._data.ndim
    if len(ds) != 2:
        raise ShapeError(f"rot90: expected total rotation dims == 2, but got dims = {len(ds)}")
    if n < 2:
        raise ShapeError(f"rot90: expected total dims >= 2, but got total dims = {n}")
    d0, d1 = normalize_dim(ds[0], n, "rot90"), normalize_dim(ds[1], n, "rot90")
    if d0 == d1:
        raise ShapeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} "
                         f"and dim1 = {d1}")
    k = _int(k, "rot90", "k") % 4
    if k == 1:
        return as_view(Transpose, Flip.apply(input, (d1,)), d0, d1)
    if k == 2:
        return Flip.apply(input, (d0, d1))
    if k == 3:
        return as_view(Transpose, Flip.apply(input, (d0,)), d0, d1)
    return Flip.apply(input, ())


# --------------------------------------------------------------------------- repeats, windows


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    """Each element (slice along ``dim``) repeated ``repeats`` times in place: an int, or a
    tensor with one count per element. Without ``dim`` the input is flattened. With a
    tensor as the only argument, ``repeat_interleave(r)`` repeats ``arange(len(r))``."""
    if repeats is None:  # repeat_interleave(repeats): the indices, each repeated
        r = input._data if isinstance(input, Tensor) else np.asarray(input)
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise ShapeError(f"repeat_interleave: repeats must be a 0-d or 1-d integer tensor, "
                             f"got dtype {r.dtype} and shape {r.shape}")
        if r.size and r.min() < 0:
            raise ValueRangeError("repeat_interleave: repeats must be non-negative")
        out = np.repeat(np.arange(r.size, dtype=np.int64), r.reshape(-1))
        return Tensor._make(out, False, None)
    x = input if dim is not None else reshape(input, -1)
    d = normalize_dim(dim, x._data.ndim, "repeat_interleave") if dim is not None else 0
    if x._data.ndim == 0:
        x = reshape(x, 1)
    n = x._data.shape[d]
    r = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.dtype.kind not in "iu" or r.ndim > 1:
        raise TypeError(f"repeat_interleave: repeats must be an int or a 0-d/1-d integer "
                        f"tensor, got dtype {r.dtype} and shape {r.shape}")
    if r.ndim == 1 and r.size not in (1, n):
        raise ShapeError(f"repeat_interleave: repeats must have the same size as input along "
                         f"dim {d}, got {r.size} counts for size {n}")
    if r.size and r.min() < 0:
        raise ValueRangeError("repeat_interleave: repeats must be non-negative")
    src = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(r.reshape(-1), (n,)))
    if output_size is not None and output_size != src.size:
        raise ShapeError(f"repeat_interleave: output_size is {output_size} but the repeats "
                         f"give {src.size} elements")
    return index_select(x, d, src)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``Tensor.unfold``: every window of ``size`` elements along ``dimension``, ``step``
    apart, as a new last dim (a view; read-only where windows overlap, ``step < size``).

    Differs from PyTorch: the overlapping windows' view cannot be written into (as an
    ``expand()``ed view); ``.clone()`` it first.
    """
    n = input._data.ndim
    x = reshape(input, 1) if n == 0 else input
    d = normalize_dim(dimension, max(n, 1), "unfold")
    size, step = _int(size, "unfold", "size"), _int(step, "unfold", "step")
    if size < 0 or size > x._data.shape[d]:
        raise ShapeError(f"unfold: maximum size for tensor at dimension {d} is "
                         f"{x._data.shape[d]} but size is {size}")
    if step <= 0:
        raise ShapeError(f"unfold: step is {step} but must be > 0")
    out = as_view(Unfold, x, d, size, step)
    return reshape(out, (size,)) if n == 0 else out



def fill_diagonal_(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:  # noqa: A002
    """Write ``fill_value`` on the main diagonal in place (every dim must have one size past
    2-d; a tall matrix restarts its diagonal after a blank row with ``wrap=True``)."""
    shape = input._data.shape
    if len(shape) < 2:
        raise ShapeError("fill_diagonal_: dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ShapeError("fill_diagonal_: all dimensions of input must be of equal length")
    mask = np.zeros(shape, bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    from .elementwise import masked_fill

    return _inplace(input, "fill_diagonal_", masked_fill, fill_value, mask, fill_value)
