"""Scans (cumulative ops along one dim): cumsum, cumprod, cummax, cummin, logcumsumexp; and
diff.

A scan's gradient is itself a scan run from the other end: the adjoint of "sum everything up
to k" is "sum every gradient from i on". The backward formulas call :func:`cumsum_of` and
:func:`cumprod_of`, which run the NumPy scan on arrays and the recorded op on Tensors, so
with ``create_graph=True`` they record their own graph like every other formula.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function
from ..errors import ShapeError, normalize_dim
from ..tensor import Tensor
from . import elementwise as _ew
from . import joining as _joining
from .reduction import as_tensor, int_to_int64, write_out
from .sorting import TakeAlong, take_along

__all__ = ["cummax", "cummin", "cumprod", "cumsum", "diff", "logcumsumexp"]

cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


def _np_cumsum(a: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    if a.ndim == 0:
        return a.copy()
    if reverse:
        return np.flip(np.cumsum(np.flip(a, axis), axis), axis)
    return np.cumsum(a, axis)


def cumsum_of(x: Any, axis: int, reverse: bool = False) -> Any:
    """Cumulative sum along ``axis`` (from the end if ``reverse``) of an array or a Tensor."""
    if isinstance(x, Tensor):
        return Cumsum.apply(x, axis, reverse)
    return _np_cumsum(np.asarray(x), axis, reverse)


def cumprod_of(x: Any, axis: int) -> Any:
    """Cumulative product along ``axis`` of an array or (recorded) a Tensor."""
    if isinstance(x, Tensor):
        return Cumprod.apply(x, axis)
    return np.cumprod(x, axis) if np.ndim(x) else np.array(x, copy=True)


# --------------------------------------------------------------------------- Functions


class Cumsum(Function):
    """f(x)ₖ = Σ_{j≤k} xⱼ along dim;  df/dxᵢ = Σ_{k≥i} gradₖ (a cumulative sum from the end).

    ``reverse`` sums from the end instead; the two are each other's backward.
    """

    @staticmethod
    def forward(ctx, a, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        return _np_cumsum(a, axis, reverse)

    @staticmethod
    def backward(ctx, grad):
        return cumsum_of(grad, ctx.axis, not ctx.reverse), None, None


class Cumprod(Function):
    """f(x)ₖ = Π_{j≤k} xⱼ along dim;  df/dxᵢ = Σ_{k≥i} gradₖ Π_{j≤k, j≠i} xⱼ.

    Without zeros that is (Σ_{k≥i} gradₖ fₖ) / xᵢ, a reversed cumsum. With a zero the
    products of the others are taken without dividing: for each i, the cumulative product of
    x with xᵢ replaced by 1 (n² products per slice; exact, and differentiable again).
    """

    @staticmethod
    def forward(ctx, a, axis):
        out = np.cumprod(a, axis) if a.ndim else a.copy()
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        ctx.has_zero = bool(np.any(a == 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if np.ndim(a) == 0:
            return grad, None
        if not ctx.has_zero:
            return cumsum_of(grad * out, axis, reverse=True) / a, None
        n = a.shape[axis]
        xm = np.moveaxis(a, axis, -1)
        gm = np.moveaxis(grad, axis, -1)
        # Row i: x with xᵢ replaced by 1; its cumulative product at k is Π_{j≤k, j≠i} xⱼ.
        rows = np.where(np.eye(n, dtype=bool), a.dtype.type(1), np.expand_dims(xm, -2))
        upper = np.triu(np.ones((n, n), dtype=a.dtype))  # only k >= i reach back to xᵢ
        gi = np.sum(np.expand_dims(gm, -2) * cumprod_of(rows, -1) * upper, axis=-1)
        return np.moveaxis(gi, -1, axis), None


class LogCumSumExp(Function):
    """f(x)ₖ = log Σ_{j≤k} exp(xⱼ);  df/dxᵢ = Σ_{k≥i} gradₖ exp(xᵢ - fₖ).

    Computed as exp(xᵢ - c) · Σ_{k≥i} gradₖ exp(c - fₖ) with c the slice's last f (a
    constant: the product does not depend on it) while the slice's f spans less than half
    the exponent range; otherwise as the masked n × n sum of exp(xᵢ - fₖ) ≤ 1 per slice.
    """

    @staticmethod
    def forward(ctx, a, axis):
        with np.errstate(invalid="ignore"):
            out = np.logaddexp.accumulate(a, axis) if a.ndim else a.copy()
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        if a.ndim and a.shape[axis]:
            last = np.take(out, [-1], axis)
            span = last - np.take(out, [0], axis)
            safe = np.log(np.finfo(a.dtype).max) / 2
            ctx.shift = last if np.all(np.isfinite(a)) and np.all(span < safe) else None
            if ctx.shift is None:
                n = a.shape[axis]
                ctx.mask = np.triu(np.ones((n, n), dtype=bool))  # only k >= i
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if np.ndim(a) == 0 or a.shape[axis] == 0:
            return grad, None
        if ctx.shift is not None:
            c = ctx.shift
            with np.errstate(over="ignore", under="ignore"):
                return np.exp(a - c) * cumsum_of(grad * np.exp(c - out), axis, True), None
        xm, fm = np.moveaxis(a, axis, -1), np.moveaxis(out, axis, -1)
        gm = np.moveaxis(grad, axis, -1)
        with np.errstate(invalid="ignore"):  # -inf - -inf: nan, as PyTorch's gradient
            e = np.where(ctx.mask, np.expand_dims(xm, -1) - np.expand_dims(fm, -2), -np.inf)
        gi = np.sum(np.exp(e) * np.expand_dims(gm, -2), axis=-1)
        return np.moveaxis(gi, -1, axis), None


class Cummax(TakeAlong):
    """f(x)ₖ = max_{j≤k} xⱼ = x[indicesₖ];  df/dx = grad scatter-added at the indices."""


class Cummin(TakeAlong):
    """f(x)ₖ = min_{j≤k} xⱼ = x[indicesₖ];  df/dx = grad scatter-added at the indices."""


# --------------------------------------------------------------------------- functional API


def _scan_dim(input: Tensor, dim: Any, op: str) -> int:  # noqa: A002
    if dim is None:
        raise TypeError(f"{op}: missing the required argument dim")
    return normalize_dim(dim, input._data.ndim, op)


def _scan_input(input: Any, dtype: Any, op: str) -> Tensor:  # noqa: A002
    input = as_tensor(input, op)
    if dtype is not None:
        return _ew.to_dtype(input, dtypes.to_dtype(dtype))
    return int_to_int64(input)


def cumsum(input: Tensor, dim: Any = None, *, dtype: Any = None,  # noqa: A002
           out: Any = None, axis: Any = None) -> Tensor:
    """Cumulative sum along ``dim``: ``out[k] = x[0] + ... + x[k]``.

    Bool and integer inputs sum in int64 unless ``dtype`` says otherwise (as PyTorch).
    """
    input = _scan_input(input, dtype, "cumsum")
    d = _scan_dim(input, dim if axis is None else axis, "cumsum")
    return write_out(Cumsum.apply(input, d, False), out, "cumsum")


def cumprod(input: Tensor, dim: Any = None, *, dtype: Any = None,  # noqa: A002
            out: Any = None, axis: Any = None) -> Tensor:
    """Cumulative product along ``dim``: ``out[k] = x[0] · ... · x[k]``.

    Integer inputs multiply in int64. The gradient is exact with zeros in the input (as
    PyTorch's) and differentiable again.
    """
    input = _scan_input(input, dtype, "cumprod")
    d = _scan_dim(input, dim if axis is None else axis, "cumprod")
    return write_out(Cumprod.apply(input, d), out, "cumprod")


def logcumsumexp(input: Tensor, dim: Any = None, *, out: Any = None,  # noqa: A002
                 axis: Any = None) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably. Floating-point input only."""
    input = as_tensor(input, "logcumsumexp")
    if input._data.dtype.kind != "f":
        raise _ew.NotImplementedForDtype(f"logcumsumexp: expected a floating-point tensor, "
                                         f"got dtype {input._data.dtype}")
    d = _scan_dim(input, dim if axis is None else axis, "logcumsumexp")
    return write_out(LogCumSumExp.apply(input, d), out, "logcumsumexp")


def _running(a: np.ndarray, d: int, largest: bool) -> np.ndarray:
    """Index of the running extremum along ``d``: the last one of a tie, and once a nan is
    seen the latest nan (PyTorch's rule)."""
    am = np.moveaxis(a, d, -1)
    idx = np.zeros(am.shape, dtype=np.int64)
    if am.shape[-1] == 0:
        return np.moveaxis(idx, -1, d)
    floats = a.dtype.kind == "f"
    best, at = am[..., 0].copy(), np.zeros(am.shape[:-1], dtype=np.int64)
    for k in range(am.shape[-1]):
        x = am[..., k]
        take = (x >= best) if largest else (x <= best)
        if floats:
            take = np.isnan(x) | (~np.isnan(best) & take)
        best = np.where(take, x, best)
        at = np.where(take, k, at)
        idx[..., k] = at
    return np.moveaxis(idx, -1, d)


def _cum_extremum(input: Tensor, dim: Any, largest: bool, out: Any, op: str) -> Any:  # noqa: A002
    input = as_tensor(input, op)
    d = _scan_dim(input, dim, op)
    a = input._data
    if a.ndim == 0:
        idx = np.zeros((), dtype=np.int64)
    else:
        idx = _running(a, d, largest)
    fn, result = (Cummax, cummax_result) if largest else (Cummin, cummin_result)
    values = take_along(fn, input, idx, d)
    return write_out(result(values, Tensor._make(idx, False, None)), out, op)


def cummax(input: Tensor, dim: int, *, out: Any = None) -> Any:  # noqa: A002
    """``cummax(values, indices)``: the running maximum along ``dim`` and where it is.

    Of tied elements the latest index is returned (as PyTorch); a nan propagates. The
    gradient of each value goes to the element at its index.
    """
    return _cum_extremum(input, dim, True, out, "cummax")


def cummin(input: Tensor, dim: int, *, out: Any = None) -> Any:  # noqa: A002
    """``cummin(values, indices)``: the running minimum along ``dim``; as :func:`cummax`."""
    return _cum_extremum(input, dim, False, out, "cummin")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Any = None,  # noqa: A002
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i + 1] - x[i]``, ``n`` times.

    ``prepend``/``append`` are joined to ``input`` along ``dim`` first (same shape but in
    ``dim``). Bool tensors give ``x[i + 1] != x[i]``, as PyTorch.
    """
    input = as_tensor(input, "diff")
    if input._data.ndim == 0:
        raise ShapeError("diff: expects input to be at least one-dimensional")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: order must be a non-negative int, got {n!r}")
    d = normalize_dim(dim, input._data.ndim, "diff")
    parts = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        if not isinstance(extra, Tensor):
            extra = Tensor._make(np.asarray(extra), False, None)
        if extra._data.ndim == 0:  # a number is repeated along dim once
            shape = list(input.shape)
            shape[d] = 1
            extra = extra.expand(*shape)
        parts.append(extra)
    joined = [p for p in (parts[0], input, parts[1]) if p is not None]
    x = _joining.cat(joined, d) if len(joined) > 1 else input
    before = (slice(None),) * d
    for _ in range(int(n)):
        if x.shape[d] == 0:
            break
        hi, lo = x[before + (slice(1, None),)], x[before + (slice(None, -1),)]
        x = _ew.ne(hi, lo) if x._data.dtype == np.bool_ else _ew.sub(hi, lo)
    return x
