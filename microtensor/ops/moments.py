"""Moments: var and std (with PyTorch's ``correction``/``unbiased``), var_mean and std_mean.

``correction`` c divides the sum of squared deviations by N - c: 1 (the default, Bessel's
correction) for the sample variance, 0 for the population variance (NumPy's ``ddof``).
The backward formulas recompute the deviations from the saved input, so that a recorded
backward sees them depend on it.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import normalize_dims
from ..tensor import Tensor
from .reduction import Mean, _count, _unreduce, as_tensor, dim_alias, float_only, write_out

__all__ = ["std", "std_mean", "var", "var_mean"]


class Var(Function):
    """f(x) = Σ (x - x̄)² / (N - c) (c = correction);  df/dx = 2 (x - x̄) / (N - c)."""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim):
        n = _count(a.shape, axes)
        dof = builtins.max(0, n - correction)  # N - c <= 0 gives inf or nan, as PyTorch
        with np.errstate(invalid="ignore", divide="ignore"):
            d = a - np.sum(a, axis=axes, keepdims=True) / n
            out = np.asarray(np.sum(d * d, axis=axes, keepdims=keepdim) / dof)
        ctx.save_for_backward(a)  # (not d: a recorded backward must see d depend on a)
        # Backward divides by N - c unclamped, as PyTorch does (a finite 0 where N - c < 0).
        ctx.axes, ctx.keepdim, ctx.dof, ctx.n = axes, keepdim, n - correction, n
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        d = a - np.sum(a, axis=ctx.axes, keepdims=True) / ctx.n
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * (2 * d / ctx.dof), None, None, None


class Std(Function):
    """f(x) = sqrt(var(x));  df/dx = (x - x̄) / ((N - c) f)  (0 where f = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim):
        n = _count(a.shape, axes)
        dof = builtins.max(0, n - correction)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = a - np.sum(a, axis=axes, keepdims=True) / n
            out = np.asarray(np.sqrt(np.sum(d * d, axis=axes, keepdims=keepdim) / dof))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim, ctx.dof, ctx.n = axes, keepdim, n - correction, n  # as Var
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        d = a - np.sum(a, axis=ctx.axes, keepdims=True) / ctx.n
        f = _unreduce(out, ctx.axes, ctx.keepdim)
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            gx = g * d / (ctx.dof * f)
        return np.where(f == 0, 0, gx), None, None, None


# --------------------------------------------------------------------------- functional API


def _var_args(input: Tensor, dim: Any, unbiased: Any, correction: Any, op: str):  # noqa: A002
    float_only(input, op)
    if isinstance(dim, bool):  # the legacy form var(x, unbiased)
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased={dim} positionally and unbiased={unbiased}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased or correction, not both (got "
                        f"unbiased={unbiased}, correction={correction})")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return normalize_dims(dim, input._data.ndim, op), correction


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None, out: Any = None, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Variance over ``dim``: Σ (x - mean)² / (N - correction).

    ``correction`` defaults to 1 (Bessel's correction, the sample variance); ``unbiased=False``
    means correction 0 (NumPy's ``ddof=0``). ``var(x, False)`` (a bool in ``dim``'s place) is
    PyTorch's legacy ``var(x, unbiased)``. When N - correction <= 0 the result is inf or nan.
    """
    input = as_tensor(input, "var")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "var")
    axes, correction = _var_args(input, dim, unbiased, correction, "var")
    return write_out(Var.apply(input, axes, correction, keepdim), out, "var")


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None, out: Any = None, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Standard deviation over ``dim``: the square root of :func:`var` (same arguments)."""
    input = as_tensor(input, "std")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "std")
    axes, correction = _var_args(input, dim, unbiased, correction, "std")
    return write_out(Std.apply(input, axes, correction, keepdim), out, "std")


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(var(x, dim, ...), mean(x, dim, keepdim))`` as a plain tuple, as PyTorch."""
    input = as_tensor(input, "var_mean")
    axes, correction = _var_args(input, dim, unbiased, correction, "var_mean")
    return Var.apply(input, axes, correction, keepdim), Mean.apply(input, axes, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(std(x, dim, ...), mean(x, dim, keepdim))`` as a plain tuple, as PyTorch."""
    input = as_tensor(input, "std_mean")
    axes, correction = _var_args(input, dim, unbiased, correction, "std_mean")
    return Std.apply(input, axes, correction, keepdim), Mean.apply(input, axes, keepdim)
