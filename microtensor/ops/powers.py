"""Powers: ``a ** b``, with a number for the exponent or the base, and ``float_power``.

Each op is one Function whose docstring opens with its math. A number exponent takes the
fast paths of PyTorch's CPU kernel (``x ** 2`` is ``x * x`` ...), so ``x ** 3.0`` costs a
few multiplications instead of NumPy's general ``power``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import ValueRangeError
from ..tensor import Tensor
from .arithmetic import NotImplementedForDtype, _is_number, write_out

__all__ = ["float_power", "pow"]


class Pow(Function):
    """f(a, b) = a ** b;  df/da = b * a**(b - 1),  df/db = a**b * ln(a) (0 where a = 0, b >= 0)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        _no_negative_integer_power(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:  # b = 0 makes f constant in a: gradient 0, even at a = 0 (as PyTorch)
                ga = np.where(b == 0, 0, grad * b * a ** (b - 1))
            if need_b:
                gb = grad * out * np.log(a)
                # lim a->0 of a**b ln(a) is 0 for b > 0: PyTorch masks these, so do we.
                gb = np.where((a == 0) & (b >= 0), 0, gb)
        return ga, gb


def _no_negative_integer_power(a: Any, b: Any) -> None:
    if np.result_type(a, b).kind == "b":
        raise NotImplementedForDtype("pow: not implemented for bool tensors (PyTorch has no "
                                     "kernel either)")
    if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) < 0):
        raise ValueRangeError("pow: integers to negative integer powers are not allowed "
                              "(PyTorch raises too); use a float base")


def _power(a: np.ndarray, c: Any) -> np.ndarray:
    """``a ** c`` for a number ``c``, with PyTorch's fast paths.

    NumPy's general ``power`` costs as much for ``x ** 3.0`` as for ``x ** 2.7`` (~26x a
    multiplication); PyTorch's CPU kernel special-cases these exponents, and so do we, with
    the same arithmetic (so the results agree to the last bit).
    """
    if a.dtype.kind == "f":
        if c == 2:
            return a * a
        if c == 3:
            return a * a * a
        if c == 0.5:
            return np.sqrt(a)
        if c == -0.5:
            return 1 / np.sqrt(a)
        if c == -1:
            return 1 / a
        if c == -2:
            return 1 / (a * a)
    return a**c


class PowScalar(Function):
    """f(a) = a ** c for a constant number c;  df/da = c * a**(c - 1)."""

    @staticmethod
    def forward(ctx, a, c):
        a, c = promote_pair(a, c)
        _no_negative_integer_power(a, c)
        ctx.save_for_backward(a)
        ctx.c = c
        with np.errstate(divide="ignore", invalid="ignore"):
            return _power(a, c)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return np.zeros_like(grad), None
        if c == 1:
            return grad, None
        if c == 2:
            return grad * 2 * a, None
        if c == 3:  # 3 a², as a product: right for negative a, and fast
            return grad * 3 * (a * a), None
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * c * a ** (c - 1), None


class RPowScalar(Function):
    """f(b) = c ** b for a constant number c;  df/db = c**b * ln(c)."""

    @staticmethod
    def forward(ctx, c, b):
        c, b = promote_pair(c, b)
        _no_negative_integer_power(c, b)
        out = c**b
        ctx.save_for_backward(out)
        ctx.c = c
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if ctx.c == 0:
            return None, np.zeros_like(grad)
        return None, grad * out * float(np.log(ctx.c))  # a Python float keeps grad's dtype


# --------------------------------------------------------------------------- functional API


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``; either may be a number.

    The exponents 2, 3, 0.5, -0.5, -1 and -2 take fast paths (a multiplication, a square
    root), as PyTorch's kernel does.
    """
    if _is_number(exponent):
        if isinstance(exponent, np.generic):
            exponent = exponent.item()
        r = PowScalar.apply(input, exponent)
    elif _is_number(input):
        if isinstance(input, np.generic):
            input = input.item()
        r = RPowScalar.apply(input, exponent)
    else:
        r = Pow.apply(input, exponent)
    return r if out is None else write_out(r, out, "pow")


def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64, whatever the input dtypes (as PyTorch)."""
    from .inplace import to_dtype

    def f64(x: Any) -> Any:
        if isinstance(x, Tensor):
            return to_dtype(x, dtypes.float64)
        return float(x) if _is_number(x) else x

    return write_out(pow(f64(input), f64(exponent)), out, "float_power")
