"""Trigonometric and hyperbolic functions, their inverses, atan2, hypot and sinc.

Each op is one Function whose docstring opens with its math. Integer and bool inputs give
the default float dtype, as PyTorch's. Backward formulas use NumPy ufuncs that
:mod:`~microtensor.ops.numpy_protocol` maps back to these ops, so each one is twice
differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import MulScalar, _to_float, float_operands, require_float, write_out

__all__ = [
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "asin", "asinh", "atan", "atan2", "atanh", "cos", "cosh", "deg2rad", "hypot", "rad2deg",
    "sin", "sinc", "sinh", "tan", "tanh",
]


class Sin(Function):
    """f(a) = sin(a);  df/da = cos(a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.cos(a)


class Cos(Function):
    """f(a) = cos(a);  df/da = -sin(a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * np.sin(a)


class Tan(Function):
    """f(a) = tan(a);  df/da = 1 + tan(a)**2 = 1 + f**2."""

    @staticmethod
    def forward(ctx, a):
        out = np.tan(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Asin(Function):
    """f(a) = arcsin(a);  df/da = 1 / sqrt(1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.arcsin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / np.sqrt(1 - a * a)


class Acos(Function):
    """f(a) = arccos(a);  df/da = -1 / sqrt(1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.arccos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return -grad / np.sqrt(1 - a * a)


class Atan(Function):
    """f(a) = arctan(a);  df/da = 1 / (1 + a**2)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1 + a * a)


class Atan2(Function):
    """f(a, b) = atan2(a, b), the angle of the point (b, a);
    df/da = b / (a² + b²),  df/db = -a / (a² + b²)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad / (a * a + b * b)
            return g * b, -g * a


class Sinh(Function):
    """f(a) = sinh(a);  df/da = cosh(a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.sinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * np.cosh(a)


class Cosh(Function):
    """f(a) = cosh(a);  df/da = sinh(a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.cosh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * np.sinh(a)


class Tanh(Function):
    """f(a) = tanh(a);  df/da = 1 - tanh(a)**2 = 1 - f**2."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(_to_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # grad * (1 - out**2), written without the Python 1: NumPy takes about as long to
        # combine a Python number with a small array as to do the arithmetic itself.
        return grad - grad * out * out


class Asinh(Function):
    """f(a) = arsinh(a);  df/da = 1 / sqrt(a**2 + 1)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return np.arcsinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / np.sqrt(a * a + 1)


class Acosh(Function):
    """f(a) = arcosh(a) (a >= 1);  df/da = 1 / sqrt(a**2 - 1)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.arccosh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / np.sqrt(a * a - 1)


class Atanh(Function):
    """f(a) = artanh(a) (|a| < 1);  df/da = 1 / (1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (1 - a * a)


class Sinc(Function):
    """f(a) = sin(πa) / (πa), 1 at 0;  df/da = (πa cos(πa) - sin(πa)) / (πa²), 0 at 0."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        pa = a * math.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a == 0, a.dtype.type(1), np.sin(pa) / pa)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        pa = a * math.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (pa * np.cos(pa) - np.sin(pa)) / (pa * a)
            return np.where(a == 0, 0, grad * d)


class Hypot(Function):
    """f(a, b) = sqrt(a² + b²) (without overflow);  df/da = a / f,  df/db = b / f."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad / out
            return g * a, g * b


# --------------------------------------------------------------------------- functional API


def sin(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The sine (radians)."""
    r = Sin.apply(input)
    return r if out is None else write_out(r, out, "sin")


def cos(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The cosine (radians)."""
    r = Cos.apply(input)
    return r if out is None else write_out(r, out, "cos")


def tan(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The tangent (radians)."""
    return write_out(Tan.apply(input), out, "tan")


def asin(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse sine (nan outside [-1, 1])."""
    return write_out(Asin.apply(input), out, "asin")


def acos(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse cosine (nan outside [-1, 1])."""
    return write_out(Acos.apply(input), out, "acos")


def atan(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse tangent."""
    return write_out(Atan.apply(input), out, "atan")


def atan2(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The angle of the point ``(other, input)``, in ``[-π, π]``."""
    return write_out(Atan2.apply(input, other), out, "atan2")


def sinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The hyperbolic sine."""
    return write_out(Sinh.apply(input), out, "sinh")


def cosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The hyperbolic cosine."""
    return write_out(Cosh.apply(input), out, "cosh")


def tanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The hyperbolic tangent."""
    r = Tanh.apply(input)
    return r if out is None else write_out(r, out, "tanh")


def asinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse hyperbolic sine."""
    return write_out(Asinh.apply(input), out, "asinh")


def acosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse hyperbolic cosine (nan below 1)."""
    return write_out(Acosh.apply(input), out, "acosh")


def atanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse hyperbolic tangent (±inf at ±1, nan beyond)."""
    return write_out(Atanh.apply(input), out, "atanh")


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The normalized sinc, ``sin(πx) / (πx)`` (1 at 0)."""
    return write_out(Sinc.apply(input), out, "sinc")


def hypot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``sqrt(input² + other²)`` without overflow (floats only, as PyTorch)."""
    require_float("hypot", input, other)
    return write_out(Hypot.apply(input, other), out, "hypot")


def _angle(input: Tensor, factor: float, name: str, out: Tensor | None) -> Tensor:  # noqa: A002
    if input._data.dtype.kind != "f":
        input = Tensor._make(_to_float(input._data), False, None)
    return write_out(MulScalar.apply(input, factor), out, name)


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Degrees to radians: ``input · π / 180``."""
    return _angle(input, math.pi / 180.0, "deg2rad", out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Radians to degrees: ``input · 180 / π``."""
    return _angle(input, 180.0 / math.pi, "rad2deg", out)
