"""Tensor methods for reductions, scans and sorting (PyTorch's "Reduction Ops", the scans of
"Other Operations", and sort/topk/kthvalue of "Comparison Ops")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["ReductionMethods"]


class ReductionMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``.

    ``axis`` and ``keepdims`` are accepted as aliases of ``dim`` and ``keepdim``, as in PyTorch.
    """

    __slots__ = ()

    # ------------------------------------------------------------------ sums and moments

    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
               axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.nansum(self, dim, keepdim, dtype=dtype, axis=axis,
                                     keepdims=keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
             axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.mean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
                axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.nanmean(self, dim, keepdim, dtype=dtype, axis=axis,
                                      keepdims=keepdims)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.moments.var(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                                keepdims=keepdims)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.moments.std(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                                keepdims=keepdims)

    def prod(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
             axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.prod(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return _ops.reduction.logsumexp(self, dim, keepdim)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        return _ops.reduction.norm(self, p, dim, keepdim, dtype=dtype)

    def dist(self, other: Tensor, p: float = 2) -> Tensor:
        return _ops.reduction.dist(self, other, p)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return _ops.reduction.count_nonzero(self, dim)

    def all(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        return _ops.reduction.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    # ------------------------------------------------------------------ extrema

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        return _ops.extrema.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        return _ops.extrema.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        return _ops.extrema.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        return _ops.extrema.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def aminmax(self, *, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.extrema.aminmax(self, dim=dim, keepdim=keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        return _ops.extrema.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        return _ops.extrema.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    # ------------------------------------------------------------------ scans

    def cumsum(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
        return _ops.scan.cumsum(self, dim, dtype=dtype, axis=axis)

    def cumsum_(self, dim: Any = None, *, dtype: Any = None) -> Tensor:
        """``cumsum`` written into this tensor (its dtype kept)."""
        return _ops.elementwise.inplace_unary(self, _cumsum_keeping_dtype, "cumsum_", dim, dtype)

    def cumprod(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
        return _ops.scan.cumprod(self, dim, dtype=dtype, axis=axis)

    def cumprod_(self, dim: Any = None, *, dtype: Any = None) -> Tensor:
        """``cumprod`` written into this tensor (its dtype kept)."""
        return _ops.elementwise.inplace_unary(self, _cumprod_keeping_dtype, "cumprod_", dim,
                                              dtype)

    def cummax(self, dim: int) -> Any:
        return _ops.scan.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        return _ops.scan.cummin(self, dim)

    def logcumsumexp(self, dim: int) -> Tensor:
        return _ops.scan.logcumsumexp(self, dim)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        return _ops.scan.diff(self, n, dim, prepend, append)

    # ------------------------------------------------------------------ sorting

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        return _ops.sorting.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return _ops.sorting.argsort(self, dim, descending, stable=stable)

    def msort(self) -> Tensor:
        return _ops.sorting.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return _ops.sorting.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.sorting.kthvalue(self, k, dim, keepdim)

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: Any = None) -> Any:
        return _ops.sorting.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: Any = None) -> Any:
        return _ops.sorting.unique_consecutive(self, return_inverse, return_counts, dim)

    # ------------------------------------------------------------------ statistics

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.statistics.median(self, dim, keepdim)

    def nanmedian(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.statistics.nanmedian(self, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.statistics.mode(self, dim, keepdim)

    def quantile(self, q: Any, dim: Any = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        return _ops.statistics.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q: Any, dim: Any = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        return _ops.statistics.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        return _ops.statistics.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:  # noqa: A002
        return _ops.statistics.histc(self, bins, min, max)

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
                  density: bool = False) -> Any:
        return _ops.statistics.histogram(self, bins, range=range, weight=weight,
                                         density=density)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        return _ops.misc.cov(self, correction=correction, fweights=fweights,
                             aweights=aweights)

    def corrcoef(self) -> Tensor:
        return _ops.misc.corrcoef(self)

    def sum_to_size(self, *size: Any) -> Tensor:
        return _ops.misc.sum_to_size(self, *size)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        return _ops.misc.renorm(self, p, dim, maxnorm)

    def renorm_(self, p: float, dim: int, maxnorm: float) -> Tensor:
        return self.copy_(_ops.misc.renorm(self, p, dim, maxnorm))

    # ------------------------------------------------------------------ normalized exponentials

    def softmax(self, dim: int) -> Tensor:
        return _ops.activation.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return _ops.activation.log_softmax(self, dim)


def _cumsum_keeping_dtype(t: Tensor, dim: Any, dtype: Any) -> Tensor:
    # In place the tensor keeps its dtype: an int32 cumsum_ sums in int32, as PyTorch.
    return _ops.scan.cumsum(t, dim, dtype=t.dtype if dtype is None else dtype)


def _cumprod_keeping_dtype(t: Tensor, dim: Any, dtype: Any) -> Tensor:
    return _ops.scan.cumprod(t, dim, dtype=t.dtype if dtype is None else dtype)
