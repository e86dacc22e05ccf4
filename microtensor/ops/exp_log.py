"""Exponentials, logarithms and roots: exp, exp2, expm1, log, log2, log10, log1p, xlogy,
logaddexp, sqrt, rsqrt, square, reciprocal, sigmoid and logit.

Each op is one Function whose docstring opens with its math. Integer and bool inputs give
the default float dtype, as PyTorch's float-valued ops do. Backward formulas use NumPy
ufuncs that :mod:`~microtensor.ops.numpy_protocol` maps back to these ops, so each one is
twice differentiable.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import DtypeError
from ..tensor import Tensor
from .arithmetic import _to_float, div, float_operands, mul, require_float, write_out

__all__ = [
    "exp", "exp2", "expm1", "frexp", "ldexp", "log", "log10", "log1p", "log2", "logaddexp",
    "logaddexp2", "logit", "reciprocal", "rsqrt", "sigmoid", "sqrt", "square", "xlogy",
]

# What frexp returns: PyTorch's torch.return_types.frexp, a named tuple.
FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Exp(Function):
    """f(a) = exp(a);  df/da = exp(a) = f."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Exp2(Function):
    """f(a) = 2**a;  df/da = 2**a · ln 2 = f ln 2."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp2(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * _LN2


class Expm1(Function):
    """f(a) = exp(a) - 1 (exact for small a);  df/da = exp(a) = f + 1."""

    @staticmethod
    def forward(ctx, a):
        out = np.expm1(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log(Function):
    """f(a) = ln(a);  df/da = 1 / a."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / a


class Log2(Function):
    """f(a) = log2(a);  df/da = 1 / (a ln 2)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (a * _LN2)


class Log10(Function):
    """f(a) = log10(a);  df/da = 1 / (a ln 10)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (a * _LN10)


class Log1p(Function):
    """f(a) = ln(1 + a) (exact for small a);  df/da = 1 / (1 + a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (a + 1)


class Xlogy(Function):
    """f(a, b) = a·ln(b), 0 where a = 0 (unless b is nan);  df/da = ln(b),  df/db = a / b.

    As PyTorch, df/da is 0 where a = 0 and b <= 0 (where ln(b) is -inf or nan).
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(a * np.log(b))
        return np.where((a == 0) & ~np.isnan(b), out.dtype.type(0), out)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                ga = np.where((a == 0) & (b <= 0), 0, grad * np.log(b))
            if ctx.needs_input_grad[1]:
                gb = grad * a / b
        return ga, gb


class LogAddExp(Function):
    """f(a, b) = ln(eᵃ + eᵇ);  df/da = 1 / (1 + e^(b-a)) = e^(a-f),  df/db = e^(b-f)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        out = np.logaddexp(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad * np.exp(a - out), grad * np.exp(b - out)


class LogAddExp2(Function):
    """f(a, b) = log2(2ᵃ + 2ᵇ);  df/da = 2^(a-f),  df/db = 2^(b-f)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        out = np.logaddexp2(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad * np.exp((a - out) * _LN2), grad * np.exp((b - out) * _LN2)


class Sqrt(Function):
    """f(a) = sqrt(a);  df/da = 1 / (2 sqrt(a)) = 1 / (2 f)."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (2 * out)


class Rsqrt(Function):
    """f(a) = 1 / sqrt(a);  df/da = -1 / (2 a^(3/2)) = -f³ / 2."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1 / np.sqrt(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad * out * out * out * -0.5


class Square(Function):
    """f(a) = a**2;  df/da = 2 a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 2 * a


class Reciprocal(Function):
    """f(a) = 1 / a;  df/da = -1 / a**2 = -f**2."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = 1 / _to_float(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out


class Sigmoid(Function):
    """f(a) = 1 / (1 + exp(-a));  df/da = f (1 - f).

    Computed as exp(-|a|) based so that a = ±1000 neither overflows nor warns.
    """

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
        d = 1 + e
        out = np.where(a >= 0, 1 / d, e / d)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Logit(Function):
    """f(a) = ln(a / (1 - a)), a clamped to [eps, 1 - eps] if eps is given;
    df/da = 1 / (a (1 - a)), 0 where the clamp cut a (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, eps):
        a = _to_float(a)
        ctx.save_for_backward(a)
        ctx.eps = eps
        z = a if eps is None else np.clip(a, eps, 1 - eps).astype(a.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        eps = ctx.eps
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad / (a * (1 - a))
            if eps is None:
                return g, None
            inside = (a >= eps) & (a <= 1 - eps)
            return np.where(inside, g, 0), None


# --------------------------------------------------------------------------- functional API


def exp(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``e ** input``."""
    r = Exp.apply(input)
    return r if out is None else write_out(r, out, "exp")


def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``2 ** input``."""
    return write_out(Exp2.apply(input), out, "exp2")


def expm1(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``exp(input) - 1``, accurate near 0."""
    return write_out(Expm1.apply(input), out, "expm1")


def log(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The natural logarithm (``-inf`` at 0, nan below)."""
    r = Log.apply(input)
    return r if out is None else write_out(r, out, "log")


def log2(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The base-2 logarithm."""
    return write_out(Log2.apply(input), out, "log2")


def log10(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The base-10 logarithm."""
    return write_out(Log10.apply(input), out, "log10")


def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``log(1 + input)``, accurate near 0."""
    return write_out(Log1p.apply(input), out, "log1p")


def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is nan)."""
    return write_out(Xlogy.apply(input, other), out, "xlogy")


def logaddexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))`` without overflow (floats only, as PyTorch)."""
    require_float("logaddexp", input, other)
    return write_out(LogAddExp.apply(input, other), out, "logaddexp")


def logaddexp2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)`` without overflow (floats only, as PyTorch)."""
    require_float("logaddexp2", input, other)
    return write_out(LogAddExp2.apply(input, other), out, "logaddexp2")


def sqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The square root (nan below 0)."""
    r = Sqrt.apply(input)
    return r if out is None else write_out(r, out, "sqrt")


def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``1 / sqrt(input)``."""
    return write_out(Rsqrt.apply(input), out, "rsqrt")


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * input`` (keeps an integer dtype; a bool becomes int64, as PyTorch)."""
    if isinstance(input, Tensor) and input._data.dtype.kind == "b":
        input = Tensor._make(input._data.astype(np.int64), False, None)
    return write_out(Square.apply(input), out, "square")


def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``1 / input``."""
    return write_out(Reciprocal.apply(input), out, "reciprocal")


def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``1 / (1 + exp(-input))``, without overflow."""
    r = Sigmoid.apply(input)
    return r if out is None else write_out(r, out, "sigmoid")


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``, the inverse of sigmoid; with ``eps``, ``p`` is first clamped to
    ``[eps, 1 - eps]`` (and the gradient is 0 where that clamp cut it)."""
    return write_out(Logit.apply(input, None if eps is None else float(eps)), out, "logit")


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input · 2**other`` (composed of ``mul`` and ``exp2``, so both get gradients)."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"ldexp(): argument '{name}' must be Tensor, not {type(t).__name__}")
    return write_out(mul(input, exp2(other)), out, "ldexp")


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa · 2**exponent``, ``|mantissa|`` in
    [0.5, 1) and an int32 exponent; the mantissa is ``input / 2**exponent``, differentiable."""
    a = input._data
    if a.dtype.kind != "f":
        raise DtypeError(f"frexp: only supports floating-point dtypes, got {a.dtype}")
    _, e = np.frexp(a)
    exponent = Tensor._make(e.astype(np.int32), False, None)
    scale = Tensor._make(np.ldexp(np.ones_like(a), e), False, None)
    return FrexpResult(div(input, scale), exponent)  # exact: scale is a power of 2
