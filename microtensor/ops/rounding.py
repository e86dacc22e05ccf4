"""Rounding: floor, ceil, trunc (fix), round (with ``decimals``), frac, and nan_to_num.

Each op is one Function whose docstring opens with its math. The rounding functions are
piecewise constant: their gradient is 0, as in PyTorch (their results still require grad,
so a graph through them is kept, as PyTorch keeps it). Integer tensors are returned as they
are; bool tensors are refused, as PyTorch has no kernel for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import NotImplementedForDtype, require_float, write_out

__all__ = ["ceil", "fix", "floor", "frac", "nan_to_num", "round", "trunc"]


def _no_bool(input: Tensor, op: str) -> None:  # noqa: A002
    if isinstance(input, Tensor) and input._data.dtype.kind == "b":
        raise NotImplementedForDtype(f"{op}: not implemented for bool tensors (PyTorch has no "
                                     "kernel either)")


class Floor(Function):
    """f(a) = ⌊a⌋;  df/da = 0 (piecewise constant, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        return np.floor(a) if a.dtype.kind == "f" else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Ceil(Function):
    """f(a) = ⌈a⌉;  df/da = 0 (piecewise constant, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        return np.ceil(a) if a.dtype.kind == "f" else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Trunc(Function):
    """f(a) = a rounded toward 0;  df/da = 0 (piecewise constant, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        return np.trunc(a) if a.dtype.kind == "f" else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Round(Function):
    """f(a) = a rounded to ``decimals`` places, halves to even;  df/da = 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, decimals):
        if a.dtype.kind != "f":
            return a.copy()
        if decimals == 0:
            return np.rint(a)
        # PyTorch's arithmetic: scale by 10^|d| (a multiplication or a division), round, undo.
        scale = a.dtype.type(10.0 ** abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                return np.rint(a * scale) / scale
            return np.rint(a / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), None


class Frac(Function):
    """f(a) = a - trunc(a) (the sign of a);  df/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a - np.trunc(a)

    @staticmethod
    def backward(ctx, grad):
        return grad


class NanToNum(Function):
    """f(a) = a, with nan, +inf and -inf replaced by given numbers;
    df/da = 1 where a is finite, else 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.save_for_backward(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return np.where(np.isfinite(a), grad, grad.dtype.type(0)), None, None, None


# --------------------------------------------------------------------------- functional API


def _float_arg(v: Any, name: str) -> float:
    """A float argument as PyTorch's parser takes it: a real number or a 0-d tensor."""
    if isinstance(v, Tensor) and v.ndim == 0:
        v = v.item()
    if not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"nan_to_num(): argument '{name}' must be float, not {type(v).__name__}")
    return float(v)


def floor(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Round down (integers are returned as they are)."""
    _no_bool(input, "floor")
    return write_out(Floor.apply(input), out, "floor")


def ceil(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Round up (integers are returned as they are)."""
    _no_bool(input, "ceil")
    return write_out(Ceil.apply(input), out, "ceil")


def trunc(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Round toward 0 (integers are returned as they are)."""
    _no_bool(input, "trunc")
    return write_out(Trunc.apply(input), out, "trunc")


fix = trunc


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """Round half to even, to ``decimals`` decimal places (negative: to tens, hundreds ...)."""
    _no_bool(input, "round")
    if input._data.dtype.kind != "f" and decimals != 0:
        raise NotImplementedForDtype(f"round: decimals={decimals} is not implemented for dtype "
                                     f"{input._data.dtype}")
    return write_out(Round.apply(input, int(decimals)), out, "round")


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The fractional part ``input - trunc(input)`` (floats only, as PyTorch)."""
    require_float("frac", input)
    return write_out(Frac.apply(input), out, "frac")


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """nan, +inf and -inf replaced by ``nan``, ``posinf``, ``neginf`` (by default 0 and the
    dtype's largest and lowest finite values). Integer and bool tensors come back as copies."""
    nan = 0.0 if nan is None else _float_arg(nan, "nan")
    posinf, neginf = (None if v is None else _float_arg(v, name)
                      for v, name in ((posinf, "posinf"), (neginf, "neginf")))
    if input._data.dtype.kind != "f":
        return write_out(Tensor._make(input._data.copy(), False, None), out, "nan_to_num")
    return write_out(NanToNum.apply(input, nan, posinf, neginf), out, "nan_to_num")
