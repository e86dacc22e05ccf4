"""Order statistics and counting: median, nanmedian, mode, quantile, nanquantile; bincount,
histc, histogram.

The order statistics select elements (see ``sorting``): NumPy finds the indices, and
:class:`~microtensor.ops.sorting.TakeAlong` takes the values, so the gradient goes to the
selected elements and is differentiable again. The counting ops have no gradient.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import DtypeError, ShapeError, ValueRangeError, normalize_dim
from ..tensor import Tensor
from . import elementwise as _ew
from . import joining as _joining
from .extrema import even_split
from .reduction import as_tensor, write_out
from .sorting import TakeAlong, take_along

__all__ = ["bincount", "histc", "histogram", "median", "mode", "nanmedian", "nanquantile",
           "quantile"]

median_result = namedtuple("median", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


class Median(TakeAlong):
    """f(x) = the lower median of x (along dim) = x[index];  df/dx = grad at index, 0 elsewhere."""


class MedianAll(Function):
    """f(x) = the lower median of all elements;  df/dx = 1/k at each of the k elements equal
    to it (at the nans if it is nan), as PyTorch's ``median()`` and ``max()``."""

    @staticmethod
    def forward(ctx, a, index):
        out = np.asarray(a.reshape(-1)[index])
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return even_split(grad, a, out, tuple(range(np.ndim(a))), False, nan_ties=True), None


class Mode(TakeAlong):
    """f(x) = the most frequent value of x along dim = x[index];  df/dx = grad at index."""


class Quantile(TakeAlong):
    """f(x) = the sorted x at a rank = x[index];  df/dx = grad at index.  quantile is
    (1 - w) · x[lower] + w · x[upper] of two of these (w: the rank's fraction)."""


# --------------------------------------------------------------------------- median, mode


def _median_index(a: np.ndarray, d: int, ignore_nan: bool) -> np.ndarray:
    """Index of the lower median along ``d`` (keeping ``d`` as size 1). A slice holding nan
    gives its first nan unless ``ignore_nan``; a slice of nans only gives its first nan."""
    order = np.argsort(a, axis=d, kind="stable")  # nans last, in their order
    n = a.shape[d]
    present = ~np.isnan(a) if a.dtype.kind == "f" else np.ones(a.shape, dtype=bool)
    valid = np.sum(present, axis=d, keepdims=True)
    if ignore_nan:
        rank = np.maximum(valid - 1, 0) // 2
    else:
        rank = np.where(valid < n, valid, (n - 1) // 2)  # the first nan, else the median
    return np.take_along_axis(order, rank.astype(np.int64), d)


def _median(input: Tensor, dim: Any, keepdim: bool, ignore_nan: bool, op: str) -> Any:  # noqa: A002
    input = as_tensor(input, op)
    a = input._data
    if a.dtype == np.bool_:
        raise _ew.NotImplementedForDtype(f"{op}: not implemented for bool tensors")
    if dim is None:
        if a.size == 0:
            return Tensor._make(np.array(np.nan, dtype=a.dtype if a.dtype.kind == "f"
                                         else np.float32), False, None)
        idx = _median_index(a.reshape(-1), 0, ignore_nan)
        return MedianAll.apply(input, int(idx[0]))
    d = normalize_dim(dim, a.ndim, op)
    if a.ndim == 0:
        values = take_along(Median, input, np.zeros((), np.int64), 0)
        return median_result(values, Tensor._make(np.zeros((), np.int64), False, None))
    if a.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    idx = _median_index(a, d, ignore_nan)
    values = take_along(Median, input, idx, d)
    if not keepdim:
        values, idx = values.squeeze(d), np.squeeze(idx, d)
    result = (median_result if op == "median" else nanmedian_result)
    return result(values, Tensor._make(idx, False, None))


def median(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           out: Any = None) -> Any:
    """The lower median: ``median(x)`` of every element (a 0-d tensor; nan if any is nan), or
    ``median(values, indices)`` along ``dim``.

    For an even count the lower of the two middle values is taken (not their mean, as
    PyTorch). Of tied values the index is the first one in a stable sort; PyTorch does not
    specify which tied index it returns, so it may differ. With ``dim`` the gradient goes to
    the element at the index; ``median(x)`` shares it among the elements equal to the median
    (the nans, if it is nan), as PyTorch.
    """
    return write_out(_median(input, dim, keepdim, False, "median"), out, "median")


def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
              out: Any = None) -> Any:
    """As :func:`median`, ignoring nan (a slice of nans only gives nan)."""
    return write_out(_median(input, dim, keepdim, True, "nanmedian"), out, "nanmedian")


def _mode_index(rows: np.ndarray) -> np.ndarray:
    """Per row: the index of the last occurrence of the most frequent value (the smallest
    such value when several are as frequent), as PyTorch."""
    out = np.zeros(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
        best = int(np.argmax(counts))  # the first of the most frequent: the smallest value
        out[r] = np.flatnonzero(inverse.reshape(-1) == best)[-1]
    return out


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *,  # noqa: A002
         out: Any = None) -> Any:
    """``mode(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the index of its last occurrence. The gradient goes to that element."""
    input = as_tensor(input, "mode")
    a = input._data
    d = normalize_dim(dim, a.ndim, "mode")
    if a.ndim == 0:
        values = take_along(Mode, input, np.zeros((), np.int64), 0)
        return write_out(mode_result(values, Tensor._make(np.zeros((), np.int64), False, None)),
                         out, "mode")
    if a.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    moved = np.moveaxis(a, d, -1)
    idx = _mode_index(moved.reshape(-1, moved.shape[-1])).reshape(moved.shape[:-1])
    idx = np.expand_dims(idx, d)
    values = take_along(Mode, input, idx, d)
    if not keepdim:
        values, idx = values.squeeze(d), np.squeeze(idx, d)
    return write_out(mode_result(values, Tensor._make(idx, False, None)), out, "mode")


# --------------------------------------------------------------------------- quantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str,  # noqa: A002
              ignore_nan: bool, op: str) -> Tensor:
    input = as_tensor(input, op)
    a = input._data
    if a.dtype.kind != "f":
        raise DtypeError(f"{op}() input tensor must be either float or double dtype, got "
                         f"{a.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueRangeError(f"{op}() interpolation must be one of linear, lower, higher, "
                              f"midpoint or nearest, but got {interpolation}")
    if isinstance(q, Tensor):
        if q._data.dtype != a.dtype:
            raise DtypeError(f"{op}() q tensor must be same dtype as the input tensor, got "
                             f"{q._data.dtype} and {a.dtype}")
        if q._data.ndim > 1:
            raise ShapeError(f"{op}() q must be a scalar or 1D tensor, got shape {q.shape}")
        qs, many = [float(v) for v in q._data.reshape(-1)], q._data.ndim == 1
    else:
        qs, many = [float(q)], False
    for v in qs:
        if not 0 <= v <= 1:
            raise ValueRangeError(f"{op}() q must be in the range [0, 1] but got {v}")
    if a.size == 0:
        raise ValueRangeError(f"{op}() input tensor must be non-empty")
    x, d = (input.reshape(-1), 0) if dim is None else \
        (input, normalize_dim(dim, a.ndim, op))
    if x._data.ndim == 0:
        x, d = x.reshape(1), 0
    xa = x._data
    if xa.shape[d] == 0:
        raise ValueRangeError(f"{op}() input tensor must be non-empty")
    n = xa.shape[d]
    order = np.argsort(xa, axis=d, kind="stable")  # nans last
    valid = np.sum(~np.isnan(xa), axis=d, keepdims=True)
    results = []
    qt = q if isinstance(q, Tensor) and q.requires_grad else None
    if qt is not None and qt._data.ndim == 0:
        qt = qt.reshape(1)
    for j, v in enumerate(qs):
        if ignore_nan:
            rank = v * np.maximum(valid - 1, 0)
        else:
            rank = np.where(valid < n, n - 1, v * (n - 1)).astype(np.float64)
        lo, hi = np.floor(rank), np.ceil(rank)
        w = rank - lo
        if interpolation == "lower":
            hi, w = lo, w * 0
        elif interpolation == "higher":
            lo, w = hi, w * 0
        elif interpolation == "nearest":
            lo = hi = np.round(rank)
            w = w * 0
        elif interpolation == "midpoint":
            w = np.where(hi > lo, 0.5, 0.0)
        at = [np.take_along_axis(order, p.astype(np.int64), d) for p in (lo, hi)]
        vlo, vhi = (take_along(Quantile, x, i, d) for i in at)
        w = w.astype(xa.dtype)
        if qt is not None and interpolation == "linear":
            # w = q (n - 1) - floor(...): PyTorch differentiates it with respect to q too
            if ignore_nan:
                scale, base = np.maximum(valid - 1, 0), lo
            else:  # (a slice with nan takes its last element: w = 0 there)
                scale, base = np.where(valid < n, 0, n - 1), np.where(valid < n, 0, lo)
            w = qt[j] * scale.astype(xa.dtype) - base.astype(xa.dtype)
            w = _ew.where(scale == 0, xa.dtype.type(0), w)  # (no nan · 0 into q's gradient)
        out = vlo + (vhi - vlo) * w
        if dim is None:
            out = out.reshape((1,) * a.ndim if keepdim else ())
        elif not keepdim and a.ndim:
            out = out.squeeze(d)
        elif a.ndim == 0:
            out = out.reshape(())
        results.append(out)
    return _joining.stack(results, 0) if many else results[0]


def quantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear", out: Any = None) -> Tensor:
    """The ``q``-th quantiles (``q`` a number or a 1-D tensor in [0, 1]) along ``dim`` (or of
    every element), between the sorted values at rank ``q · (n - 1)``.

    ``interpolation``: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or
    ``"nearest"`` (round half to even). A 1-D ``q`` adds a leading dim. A slice holding nan
    gives nan. The gradient goes to the (one or two) elements at the rank.
    """
    result = _quantile(input, q, dim, keepdim, interpolation, False, "quantile")
    return write_out(result, out, "quantile")


def nanquantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear", out: Any = None) -> Tensor:
    """As :func:`quantile`, ignoring nan (a slice of nans only gives nan)."""
    result = _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
    return write_out(result, out, "nanquantile")


# --------------------------------------------------------------------------- counting


def bincount(input: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input``
    (summing ``weights`` instead of 1 when given); at least ``minlength`` bins.

    int64 counts; float ``weights`` keep their dtype, integer ones give float64. No gradient.
    """
    a = as_tensor(input, "bincount")._data
    if a.dtype.kind not in "iub":
        raise _ew.NotImplementedForDtype(f"bincount: expected an integer tensor, got dtype "
                                         f"{a.dtype}")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise ValueRangeError("bincount only supports 1-d non-negative integral inputs.")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)) \
            or minlength < 0:
        raise ValueRangeError(f"bincount: minlength should be >= 0, got {minlength!r}")
    if weights is None:
        counts = np.bincount(a.astype(np.int64), minlength=minlength).astype(np.int64)
    else:
        w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
        if w.shape != a.shape:
            raise ShapeError(f"bincount: weights should have input's shape {a.shape}, got "
                             f"{w.shape}")
        dt = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
        counts = np.bincount(a.astype(np.int64), weights=w.astype(np.float64),
                             minlength=minlength).astype(dt)
    return Tensor._make(counts, False, None)


def _hist_input(input: Tensor, op: str) -> np.ndarray:  # noqa: A002
    a = as_tensor(input, op)._data
    if a.dtype.kind != "f":
        raise _ew.NotImplementedForDtype(f"{op}: expected a floating-point tensor, got dtype "
                                         f"{a.dtype}")
    return a


def _range(a: np.ndarray, lo: Any, hi: Any, widen: float, op: str) -> tuple[float, float]:
    # No range given: the data's; an empty range is widened by ``widen`` on each side (1 for
    # histc, 0.5 for histogram, as PyTorch).
    lo, hi = float(lo), float(hi)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - widen, hi + widen
    if lo > hi:
        raise ValueRangeError(f"{op}: max must be larger than min, got min={lo}, max={hi}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueRangeError(f"{op}: range of [{lo}, {hi}] is not finite")
    return lo, hi


def histc(input: Tensor, bins: int = 100, min: Any = 0, max: Any = 0, *,  # noqa: A001, A002
          out: Any = None) -> Tensor:
    """Counts of the elements in ``bins`` equal-width bins between ``min`` and ``max`` (both
    0: the data's min and max); elements outside are ignored. The input's dtype; no gradient."""
    a = _hist_input(input, "histc")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise ValueRangeError(f"histc: bins must be > 0, got {bins!r}")
    lo, hi = _range(a, min, max, 1.0, "histc")
    counts, _ = np.histogram(a, bins=int(bins), range=(lo, hi))
    return write_out(Tensor._make(counts.astype(a.dtype), False, None), out, "histc")


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A001, A002
              density: bool = False, out: Any = None) -> Any:
    """``histogram(hist, bin_edges)``: ``bins`` equal bins over ``range`` (default: the data's
    min and max), or the given 1-D tensor of increasing edges. ``weight`` sums weights
    instead of counting; ``density`` normalizes to a density. No gradient."""
    a = _hist_input(input, "histogram")
    w = None if weight is None else (weight._data if isinstance(weight, Tensor)
                                     else np.asarray(weight))
    if w is not None and w.shape != a.shape:
        raise ShapeError(f"histogram: weight should have input's shape {a.shape}, got {w.shape}")
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1 or edges.size < 1:
            raise ShapeError(f"histogram: bins must be a 1-D tensor with at least 1 element, "
                             f"got shape {edges.shape}")
        if np.any(np.diff(edges) < 0):
            raise ValueRangeError("histogram: bin edges must be non-decreasing")
        hist, edges = np.histogram(a, bins=edges, weights=w, density=density)
    else:
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
            raise ValueRangeError(f"histogram: bins must be > 0, got {bins!r}")
        lo, hi = ((0, 1) if a.size == 0 else (0, 0)) if range is None else range
        lo, hi = _range(a, lo, hi, 0.5, "histogram")
        hist, edges = np.histogram(a, bins=int(bins), range=(lo, hi), weights=w,
                                   density=density)
    result = histogram_result(Tensor._make(hist.astype(a.dtype), False, None),
                              Tensor._make(np.asarray(edges, dtype=a.dtype), False, None))
    return write_out(result, out, "histogram")
