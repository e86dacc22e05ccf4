"""Tensor methods for reductions and scans (PyTorch's "Reduction Ops")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["ReductionMethods"]


class ReductionMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``."""

    __slots__ = ()

    # ------------------------------------------------------------------ reductions

    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """``axis`` and ``keepdims`` are aliases of ``dim`` and ``keepdim``, as in PyTorch."""
        dim, keepdim = _dim_aliases(dim, keepdim, axis, keepdims, "sum")
        return _ops.reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
             axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """``axis`` and ``keepdims`` are aliases of ``dim`` and ``keepdim``, as in PyTorch."""
        dim, keepdim = _dim_aliases(dim, keepdim, axis, keepdims, "mean")
        return _ops.reduction.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        return _ops.reduction.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        return _ops.reduction.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.reduction.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.reduction.min(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _ops.reduction.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _ops.reduction.amin(self, dim, keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.argmax(self, dim, keepdim)

    def argmin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.argmin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return _ops.reduction.logsumexp(self, dim, keepdim)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.norm(self, p, dim, keepdim)

    def prod(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.prod(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.reduction.any(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        return _ops.activation.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return _ops.activation.log_softmax(self, dim)


def _dim_aliases(dim: Any, keepdim: bool, axis: Any, keepdims: bool | None,
                 op: str) -> tuple[Any, bool]:
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and its alias axis")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims
