"""Gather and scatter along a dim: gather/take_along_dim, scatter/scatter_add/scatter_reduce,
index_select/index_add/index_copy/index_fill/index_reduce.

``gather`` and ``scatter_add`` are adjoint (``<gather(x), g> = <x, scatter_add(g)>``), and
so are ``index_select`` and ``index_add``: each op's backward is its adjoint, written with
indexing (``grad[idx]``, ``np.add.at(g, idx, grad)``), which NumPy's dispatch records as
the adjoint op when the backward runs on Tensors (``create_graph=True``).

Every position is given by one integer array per dim, broadcasting to the index's shape
(:func:`_positions`): ``index`` itself along ``dim``, ``0, 1, 2 ...`` along the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, bump_version
from ..errors import DtypeError, ShapeError, ValueRangeError, normalize_dim
from ..tensor import Tensor
from .elementwise import _check_leaf, _records, _snapshot, _write_back
from .indexing import IndexAdd, IndexPut, OutOfBoundsError
from .shape import broadcast_shapes, expand, reshape

__all__ = [
    "gather", "index_add", "index_copy", "index_fill", "index_reduce", "index_select",
    "scatter", "scatter_add", "scatter_reduce", "take_along_dim",
]

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


# --------------------------------------------------------------------------- Functions


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


class Scatter(Function):
    """f(x, s) = x with s written at pos(index) (dim 0: f[index[i, j], j] = s[i, j]);
    df/dx = grad with 0 at the written positions,  df/ds = grad gathered at them."""

    @staticmethod
    def forward(ctx, a, src, idx, part):
        ctx.idx, ctx.part, ctx.src_shape = idx, part, np.shape(src)
        out = a.copy()
        out[idx] = src[part] if np.ndim(src) else src
        return out

    @staticmethod
    def backward(ctx, grad):
        ga = np.copy(grad)
        ga[ctx.idx] = 0  # what was written over no longer influences the output
        gs = _pad(grad[ctx.idx], ctx.src_shape, ctx.part) if ctx.needs_input_grad[1] else None
        return ga, gs, None, None


class ScatterAdd(Function):
    """f(x, s) = x with s added at pos(index) (repeats add up);  df/dx = grad,
    df/ds = grad gathered at pos(index)."""

    @staticmethod
    def forward(ctx, a, src, idx, part):
        ctx.idx, ctx.part, ctx.src_shape = idx, part, src.shape
        out = a.copy()
        np.add.at(out, idx, src[part])
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, _pad(grad[ctx.idx], ctx.src_shape, ctx.part), None, None


class ScatterReduce(Function):
    """f(x, s)_p = reduce(x_p if include_self, s_e for e sent to p) for reduce in sum, mean,
    amax, amin;  df/dx_p = G_p w_p,  df/ds_e = G_p(e) w_e (w: 1 for sum; 1/count for mean;
    1/ties for the elements equal to an amax/amin, 0 for the others)."""

    @staticmethod
    def forward(ctx, a, src, idx, part, reduce, include_self):
        s = src[part]
        ctx.idx, ctx.part, ctx.src_shape = idx, part, src.shape
        count = np.zeros(a.shape, np.int64)
        np.add.at(count, idx, 1)
        hit = count > 0
        own = np.ones(a.shape, bool) if include_self else ~hit  # does x_p take part?
        out = a.copy()
        if reduce in ("sum", "mean"):
            out[hit & ~own] = 0
            np.add.at(out, idx, s)
            if reduce == "mean":
                n = (count + own).astype(a.dtype)  # >= 1 everywhere
                out = out / n if a.dtype.kind == "f" else out // n.astype(out.dtype)
                ctx.self_w = own / n
                ctx.src_w = (1 / n)[idx]
            else:
                ctx.self_w, ctx.src_w = own.astype(a.dtype), None
        else:
            fill = _extreme(a.dtype, low=reduce == "amax")
            out[hit & ~own] = fill
            (np.maximum if reduce == "amax" else np.minimum).at(out, idx, s)
            # Ties share the gradient equally, as PyTorch's amax/amin. (Like PyTorch's, the
            # count includes x_p when it equals the result even if include_self is False.)
            self_eq = a == out
            src_eq = s == out[idx]
            ties = self_eq.astype(np.int64)
            np.add.at(ties, idx, src_eq)
            ctx.self_w = ((self_eq & own) / np.maximum(ties, 1)).astype(a.dtype)
            ctx.src_w = (src_eq / np.maximum(ties, 1)[idx]).astype(a.dtype)
        ctx.self_w = ctx.self_w.astype(a.dtype, copy=False)
        if ctx.src_w is not None:
            ctx.src_w = ctx.src_w.astype(a.dtype, copy=False)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        ga = grad * ctx.self_w
        gs = None
        if ctx.needs_input_grad[1]:
            gs = grad[ctx.idx]
            if ctx.src_w is not None:
                gs = gs * ctx.src_w
            gs = _pad(gs, ctx.src_shape, ctx.part)
        return ga, gs, None, None, None, None


class ScatterProd(Function):
    """f(x, s)_p = x_p (if include_self) times every s_e sent to p;
    df/dx_p = G_p ∏ s_e,  df/ds_e = G_p x_p ∏_{e' ≠ e} s_e' (zeros handled exactly)."""

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, a, src, idx, part, include_self):
        s = src[part]
        ctx.idx, ctx.part, ctx.src_shape = idx, part, src.shape
        ctx.include_self = include_self
        ctx.save_for_backward(a, src)  # for a recorded backward, which needs the composite
        count = np.zeros(a.shape, np.int64)
        np.add.at(count, idx, 1)
        own = np.ones(a.shape, bool) if include_self else count == 0
        prod_src = np.ones_like(a)
        np.multiply.at(prod_src, idx, s)
        base = np.where(own, a, np.ones_like(a))
        out = base * prod_src
        # For d/ds_e: the product of all the other factors at p, zeros included exactly.
        zeros = (base == 0).astype(np.int64)
        np.add.at(zeros, idx, s == 0)
        nonzero_prod = np.where(base == 0, np.ones_like(a), base)
        np.multiply.at(nonzero_prod, idx, np.where(s == 0, np.ones_like(s), s))
        safe = np.where(s == 0, np.ones_like(s), s)
        ctx.src_w = np.where(s == 0, np.where(zeros == 1, nonzero_prod, 0)[idx], out[idx] / safe)
        ctx.self_w = np.where(own, prod_src, 0)
        return out

    @staticmethod
    def composite(ctx, a, src, *_):
        """The forward with recorded ops, for gradients of gradients: the factors sent to
        each position form a dense (positions touched × elements) table, padded with 1s,
        whose row products are the products (memory grows as that table: fine for the
        second derivatives of small problems this serves)."""
        shape = ctx.saved_tensors[0].shape
        if a is None:
            a = Tensor._make(ctx.saved_tensors[0], False, None)
        if src is None:
            src = Tensor._make(ctx.saved_tensors[1], False, None)
        flat = np.ravel_multi_index(ctx.idx, shape).reshape(-1)
        touched, group = np.unique(flat, return_inverse=True)
        table = Tensor._make(group.reshape(1, -1) == np.arange(touched.size).reshape(-1, 1),
                             False, None)
        s = src[ctx.part].reshape(-1)
        products = s.reshape(1, -1).expand(touched.size, s.shape[0]).where(table, 1.0)
        products = products.prod(dim=1)
        a_flat = a.reshape(-1)
        at = Tensor._make(touched, False, None)
        base = a_flat[at] if ctx.include_self else 1.0
        return a_flat.index_put((at,), base * products).reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        gs = _pad(grad[ctx.idx] * ctx.src_w, ctx.src_shape, ctx.part)
        return grad * ctx.self_w, gs, None, None, None


class IndexSelect(Function):
    """f(x) = x[..., index, ...] (index on one dim);  df/dx = grad index-added into zeros."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    @staticmethod
    def backward(ctx, grad):
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, grad)  # an index selected twice gets both gradients
        return g, None


# --------------------------------------------------------------------------- helpers


def _pad(g: Any, shape: tuple, part: tuple) -> Any:
    """``g`` (shaped like the index) placed in zeros of ``shape`` (the source's): the source
    elements outside the index's extent were not used."""
    if tuple(g.shape) == tuple(shape):
        return g
    out = np.zeros_like(g, shape=shape)
    out[part] = g
    return out


def _extreme(dtype: np.dtype, low: bool) -> Any:
    if dtype.kind == "f":
        return -np.inf if low else np.inf
    if dtype.kind == "b":
        return not low
    info = np.iinfo(dtype)
    return info.min if low else info.max


def _index_array(index: Any, op: str) -> np.ndarray:
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.dtype.kind not in "iu":
        raise DtypeError(f"{op}: index must be an integer tensor, got dtype {ix.dtype}")
    return ix


def _positions(ix: np.ndarray, d: int) -> tuple[np.ndarray, ...]:
    """One integer array per dim, broadcasting to ``ix``'s shape: ``ix`` itself along ``d``,
    and 0, 1, 2, ... along the others."""
    idx = []
    for k in range(ix.ndim):
        if k == d:
            idx.append(ix)
        else:
            shape = [1] * ix.ndim
            shape[k] = ix.shape[k]
            idx.append(np.arange(ix.shape[k]).reshape(shape))
    return tuple(idx)


def _check_bounds(ix: np.ndarray, size: int, d: int, op: str, negative_ok: bool = True
                  ) -> np.ndarray:
    if ix.size:
        lo, hi = int(ix.min()), int(ix.max())
        low = -size if negative_ok else 0
        if lo < low or hi >= size:
            bad = lo if lo < low else hi
            raise OutOfBoundsError(f"{op}: index {bad} is out of bounds for dimension {d} "
                                   f"with size {size}")
    return ix


def _as_1d(t: Tensor) -> Tensor:
    return reshape(t, 1) if t._data.ndim == 0 else t


def _scatter_args(input: Tensor, dim: Any, index: Any, src: Any, op: str,  # noqa: A002
                  negative_ok: bool = False) -> tuple:
    """Check a scatter-family call; returns (input, d, positions, src part slices)."""
    ix = _index_array(index, op)
    a = input._data
    if a.ndim == 0 and ix.ndim <= 1:  # PyTorch treats a 0-d tensor as 1-d here
        input, a = reshape(input, 1), a.reshape(1)
        ix = ix.reshape(-1)
    if ix.ndim == 0 and a.ndim == 1:  # and a 0-d index as 1-d (PyTorch's max(dim, 1) rule)
        ix = ix.reshape(1)
    d = normalize_dim(dim, a.ndim, op)
    if ix.ndim != a.ndim:
        raise ShapeError(f"{op}: index must have as many dims as the input, got index shape "
                         f"{ix.shape} and input shape {a.shape}")
    if isinstance(src, Tensor):
        s = src._data
        if s.ndim == 0 and ix.ndim == 1:
            s = s.reshape(1)
        if s.ndim != ix.ndim:
            raise ShapeError(f"{op}: index tensor must have the same number of dimensions as "
                             f"the src tensor, got index shape {ix.shape} and src shape "
                             f"{src.shape}")
        if s.dtype != a.dtype:
            raise DtypeError(f"{op}: expected self.dtype to be equal to src.dtype, got "
                             f"{a.dtype} and {s.dtype}")
        for k in range(a.ndim):
            if ix.shape[k] > s.shape[k] or (k != d and ix.shape[k] > a.shape[k]):
                raise ShapeError(f"{op}: expected index {list(ix.shape)} to be no larger than "
                                 f"self {list(a.shape)} apart from dimension {d} and to be no "
                                 f"larger size than src {list(s.shape)}")
    else:
        for k in range(a.ndim):
            if k != d and ix.shape[k] > a.shape[k]:
                raise ShapeError(f"{op}: index shape {ix.shape} is larger than input shape "
                                 f"{a.shape} at dim {k} ({ix.shape[k]} > {a.shape[k]}); only "
                                 f"dim {d} may be larger")
    _check_bounds(ix, a.shape[d], d, op, negative_ok)
    part = tuple(slice(0, n) for n in ix.shape)
    return input, d, _positions(ix, d), part


def _src_1d(src: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    return reshape(src, 1) if src._data.ndim == 0 and input._data.ndim <= 1 else src


def _reshape_back(out: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    return reshape(out, ()) if input._data.ndim == 0 else out


def inplace_op(t: Tensor, name: str, fn: Any, src: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``t = fn(t, *args)`` written into ``t``'s memory; recorded when ``t`` or ``src`` (a
    tensor among ``args``) requires grad."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    if _records(t, src):
        _check_leaf(t, name)
        return _write_back(t, fn(_snapshot(t), *args, **kwargs), name)
    r = fn(Tensor._make(t._data, False, None), *args, **kwargs)
    if r._data.shape != t._data.shape:
        raise ShapeError(f"{name}: the result has shape {r._data.shape}, which cannot be "
                         f"written into a tensor of shape {t._data.shape} in place")

    np.copyto(t._data, r._data, casting="unsafe")
    bump_version(t)
    return t
def gather(input: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (likewise for any dim).

    ``index`` is an integer tensor with as many dims as ``input``; it may be smaller than
    ``input`` in every dim but ``dim``. The output has ``index``'s shape. ``sparse_grad`` is
    accepted and ignored (gradients are dense).
    """
    x, d, idx, _ = _scatter_args(input, dim, index, None, "gather")
    out = Gather.apply(x, idx)
    shape = np.shape(index._data if isinstance(index, Tensor) else index)
    return out if out._data.shape == shape else reshape(out, shape)


def take_along_dim(input: Tensor, indices: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """``gather`` along ``dim`` after broadcasting ``input`` and ``indices`` in every other
    dim; with ``dim=None`` both are flattened first. Negative indices count from the end."""
    ix = _index_array(indices, "take_along_dim")
    if dim is None:
        flat = reshape(input, -1)
        ix = ix.reshape(-1)
        _check_bounds(ix, flat._data.shape[0], 0, "take_along_dim", negative_ok=False)
        return Gather.apply(flat, (ix,))
    a = input._data
    if ix.ndim != a.ndim:
        raise ShapeError(f"take_along_dim: input and indices should have the same number of "
                         f"dimensions, but got {a.ndim} dimensions for input, and {ix.ndim} "
                         f"dimensions for indices")
    d = normalize_dim(dim, a.ndim, "take_along_dim")
    if a.ndim == 0:
        return Gather.apply(reshape(input, 1), (ix.reshape(1),)).reshape(())
    try:
        shape = list(broadcast_shapes(a.shape[:d] + a.shape[d + 1:],
                                      ix.shape[:d] + ix.shape[d + 1:]))
    except ShapeError:
        raise ShapeError(f"take_along_dim: input of shape {a.shape} and indices of shape "
                         f"{ix.shape} cannot be broadcast together outside dim {d}") from None
    x = expand(input, tuple(shape[:d] + [a.shape[d]] + shape[d:]))
    ix = np.broadcast_to(ix, tuple(shape[:d] + [ix.shape[d]] + shape[d:]))
    _check_bounds(ix, a.shape[d], d, "take_along_dim", negative_ok=False)
    return Gather.apply(x, _positions(ix, d))


# --------------------------------------------------------------------------- scatter


def scatter(input: Tensor, dim: int, index: Any, src: Any = None, *,  # noqa: A002
            value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number: the ``value`` form) written
    at ``index`` along ``dim``: ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``.

    With ``reduce="add"`` or ``"multiply"`` (PyTorch's deprecated form) the values are added
    or multiplied in, as ``scatter_reduce`` with ``"sum"``/``"prod"``. Where an index repeats
    without ``reduce``, which value lands is unspecified (as in PyTorch); every copy gets the
    gradient of the written position. Differs from PyTorch: ``reduce=`` with a tensor ``src``
    is differentiable here (PyTorch raises at backward).
    """
    if value is not None:
        if src is not None:
            raise TypeError("scatter: give either src or value, not both")
        src = value
    if src is None:
        raise TypeError("scatter: missing the src tensor or the value")
    if reduce is not None:
        kinds = {"add": "sum", "multiply": "prod"}
        if reduce not in kinds:
            raise ValueRangeError(f"scatter: reduce argument must be either add or multiply, got "
                                  f"{reduce!r}")
        if not isinstance(src, Tensor):
            src = Tensor._make(np.full(np.shape(_index_array(index, "scatter")), src,
                                       input._data.dtype), False, None)
        return scatter_reduce(input, dim, index, src, kinds[reduce])
    if isinstance(src, Tensor):
        inp, d, idx, part = _scatter_args(input, dim, index, src, "scatter")
        out = Scatter.apply(inp, _src_1d(src, input), idx, part)
    else:
        inp, d, idx, part = _scatter_args(input, dim, index, None, "scatter")
        v = np.asarray(src, dtype=input._data.dtype)[()]
        out = Scatter.apply(inp, v, idx, part)
    return _reshape_back(out, input)


def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up):
    ``out[index[i][j]][j] += src[i][j]`` for ``dim=0``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    inp, d, idx, part = _scatter_args(input, dim, index, src, "scatter_add")
    return _reshape_back(ScatterAdd.apply(inp, _src_1d(src, input), idx, part), input)


def scatter_reduce(input: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` where each position ``index`` sends ``src`` elements to holds their
    ``reduce`` (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``), with the
    position's own value taking part when ``include_self``. Positions no index names keep
    their value. Integer ``"mean"`` rounds down, as PyTorch's. Tied ``amax``/``amin`` share
    the gradient equally, as in PyTorch."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's aliases
    if reduce not in REDUCTIONS:
        raise ValueRangeError(f"scatter_reduce: reduce argument must be either sum, prod, mean, "
                              f"amax or amin, got {reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce: src must be a Tensor, got {type(src).__name__}")
    inp, d, idx, part = _scatter_args(input, dim, index, src, "scatter_reduce")
    s = _src_1d(src, input)
    if reduce == "prod":
        out = ScatterProd.apply(inp, s, idx, part, bool(include_self))
    else:
        out = ScatterReduce.apply(inp, s, idx, part, reduce, bool(include_self))
    return _reshape_back(out, input)


# --------------------------------------------------------------------------- index_*


def _index_args(input: Tensor, dim: Any, index: Any, op: str,  # noqa: A002
                negative_ok: bool = False) -> tuple:
    """Check an index_* call; returns (input as >= 1-d, d, index as 1-d int64, position).

    As in PyTorch, only ``index_fill`` takes negative indices (counted from the end)."""
    ix = _index_array(index, op)
    if ix.ndim > 1:
        raise IndexError(f"{op}: index is supposed to be a vector, got shape {ix.shape}")
    ix = ix.reshape(-1).astype(np.int64, copy=False)
    x = _as_1d(input)
    d = normalize_dim(dim, x._data.ndim, op)
    size = x._data.shape[d]
    _check_bounds(ix, size, d, op, negative_ok)
    ix = np.where(ix < 0, ix + size, ix)
    return x, d, ix, (slice(None),) * d + (ix,)


def index_select(input: Tensor, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The slices of ``input`` at ``index`` (a 1-d integer tensor) along ``dim``, in that
    order (repeats allowed: their gradients add up)."""
    x, d, ix, pos = _index_args(input, dim, index, "index_select")
    if input._data.ndim == 0 and ix.size != 1:
        raise IndexError(f"index_select: index to scalar can have only 1 value, got "
                         f"{ix.size} value(s)")
    out = IndexSelect.apply(x, pos)
    return _reshape_back(out, input)


def _check_source(x: Tensor, d: int, ix: np.ndarray, source: Any, op: str) -> Tensor:
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}: source must be a Tensor, got {type(source).__name__}")
    s = _as_1d(source)
    want = x._data.shape[:d] + (ix.size,) + x._data.shape[d + 1:]
    if s._data.shape != want:
        raise ShapeError(f"{op}: source of shape {tuple(source.shape)} does not fit: expected "
                         f"shape {want} (the input's shape with dim {d} the index's length "
                         f"{ix.size})")
    if s._data.dtype != x._data.dtype:
        raise DtypeError(f"{op}: expected source to have dtype {x.dtype}, got {source.dtype}")
    return s


def index_add(input: Tensor, dim: int, index: Any, source: Tensor, *,  # noqa: A002
              alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeated
    indices add up): ``out[:, index[i]] += alpha * source[:, i]`` for ``dim=1``."""
    x, d, ix, pos = _index_args(input, dim, index, "index_add")
    s = _check_source(x, d, ix, source, "index_add")
    if alpha != 1:
        s = s * alpha
    return _reshape_back(IndexAdd.apply(x, s, pos), input)


def index_copy(input: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``source``'s slices written at ``index`` along ``dim``
    (with a repeated index, which slice lands is unspecified, as in PyTorch)."""
    x, d, ix, pos = _index_args(input, dim, index, "index_copy")
    s = _check_source(x, d, ix, source, "index_copy")
    return _reshape_back(IndexPut.apply(x, s, (pos,)), input)


def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a
    number or a 0-d tensor, which then gets the sum of their gradients)."""
    x, d, ix, pos = _index_args(input, dim, index, "index_fill", negative_ok=True)
    pos = pos[:-1] + (np.unique(ix),)  # a repeated index fills once (value's gradient too)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ShapeError(f"index_fill: only supports a 0-dimensional value tensor, but got "
                             f"a tensor with {value._data.ndim} dimension(s)")
        if value._data.dtype != x._data.dtype:
            from .elementwise import to_dtype

            value = to_dtype(value, x._data.dtype) if x._data.dtype.kind == "f" else \
                Tensor._make(value._data.astype(x._data.dtype), False, None)
    else:
        value = np.asarray(value, dtype=x._data.dtype)[()]
    return _reshape_back(IndexPut.apply(x, value, (pos,)), input)


def index_reduce(input: Tensor, dim: int, index: Any, source: Tensor, reduce: str, *,  # noqa: A002
                 include_self: bool = True) -> Tensor:
    """A copy of ``input`` where each slice ``index[i]`` along ``dim`` is reduced (``"prod"``,
    ``"mean"``, ``"amax"``, ``"amin"``) with ``source``'s slice i, its own value taking part
    when ``include_self``: ``scatter_reduce`` with the index spread over each slice."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueRangeError(f"index_reduce: reduce argument must be either prod, mean, amax or "
                              f"amin, got {reduce!r}")
    x, d, ix, pos = _index_args(input, dim, index, "index_reduce")
    s = _check_source(x, d, ix, source, "index_reduce")
    shape = [1] * x._data.ndim
    shape[d] = ix.size
    full = np.broadcast_to(ix.reshape(shape), s._data.shape)
    out = scatter_reduce(x, d, full, s, reduce, include_self=include_self)
    return _reshape_back(out, input)

