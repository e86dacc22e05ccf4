"""Arithmetic: + - * / % fmod, and the composed ``addcmul``/``addcdiv``/``lerp`` (powers are
in :mod:`.powers`).

Each op is one Function whose docstring opens with its math. Gradients are
written for the broadcast output shape and the promoted dtype: the engine sums
them back to each input's shape and casts them to its dtype.

A Tensor meeting a Python number uses the ``...Scalar`` variant of an op: the
number is a constant, so no gradient is computed for it. The helpers at the top
(``float_operands``, ``write_out`` ...) are shared by every pointwise module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function, _mode, bump_version
from ..dtypes import promote_pair, result_type
from ..errors import DivisionByZeroError, DtypeError
from ..tensor import Tensor

__all__ = [
    "add", "addcdiv", "addcmul", "div", "divide", "floor_divide", "fmod", "lerp", "mul",
    "multiply", "neg", "negative", "positive", "remainder", "sub", "subtract", "true_divide",
]


class NotImplementedForDtype(DtypeError, NotImplementedError):
    """An op PyTorch has no kernel for at this dtype (``"hypot_cpu" not implemented for
    'Long'``): a ``NotImplementedError``, as PyTorch raises, and a ``TypeError``."""


# --------------------------------------------------------------------------- shared helpers


def _to_float(a: np.ndarray) -> np.ndarray:
    # Integer and bool tensors become the default float dtype in float-valued ops (exp, log ...).
    return a if a.dtype.kind == "f" else a.astype(dtypes.get_default_dtype())


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.number, np.bool_)) and not isinstance(x, Tensor)


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, np.ndarray) and x.dtype.kind == "b")


def _data(x: Any) -> Any:
    """A tensor's array, a NumPy scalar's Python number; anything else unchanged."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.generic):
        return x.item()
    return x


def float_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Promote as PyTorch does, then make integer results the default float dtype (the
    float-valued binary ops: ``/``, ``atan2``, ``logaddexp`` ...)."""
    a, b = promote_pair(a, b)
    if np.result_type(a, b).kind != "f":
        d = dtypes.get_default_dtype()
        a = a.astype(d) if isinstance(a, np.ndarray) else d.type(a)
        b = b.astype(d) if isinstance(b, np.ndarray) else d.type(b)
    # A Python number as a scalar of the tensor's dtype: np.log(2) would be a float64 scalar,
    # which (unlike the number) would make a float32 result float64.
    if not isinstance(a, (np.ndarray, np.generic)):
        a = b.dtype.type(a)
    elif not isinstance(b, (np.ndarray, np.generic)):
        b = a.dtype.type(b)
    return a, b


_true_div_operands = float_operands


def require_float(op: str, *operands: Any) -> None:
    """Refuse integer and bool inputs to an op PyTorch only defines for floats."""
    dt = result_type(*(_data(x) for x in operands))
    if dt.kind != "f":
        raise NotImplementedForDtype(f"{op}: not implemented for dtype {dt} (PyTorch has no "
                                     f"{op} kernel for integers); convert with .double()")


def write_out(result: Tensor, out: Tensor | None, name: str) -> Tensor:
    """PyTorch's ``out=``: the result written into ``out`` (resized if its shape differs).

    As PyTorch, ``out=`` does not record a graph: it refuses inputs that require grad, and a
    float result cannot be written into an integer ``out``.
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _mode.enabled and (result._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    r, o = result._data.dtype, out._data.dtype
    if (r.kind == "f" and o.kind != "f") or (r.kind in "iu" and o.kind == "b"):
        raise DtypeError(f"{name}: result type {r} can't be cast to the desired output type {o}")
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, dtype=o)  # PyTorch resizes the out tensor
    np.copyto(out._data, result._data, casting="unsafe")
    bump_version(out)
    return out


def _no_integer_zero_divisor(a: Any, b: Any, op: str) -> None:
    """Integer ``//``, ``%`` and rounded division by 0 have no value: PyTorch raises (NumPy
    would warn and give 0). Float division by 0 is inf or nan, and no error."""
    dt = np.result_type(a, b)
    if dt.kind in "iub" and np.any(np.asarray(b) == 0):
        raise DivisionByZeroError(f"{op}: ZeroDivisionError: integer division by zero (the "
                                  f"{dt} divisor holds a 0); divide floats for inf or nan")


# --------------------------------------------------------------------------- the ops


class Add(Function):
    """f(a, b) = a + b;  df/da = 1,  df/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """f(a, b) = a - b;  df/da = 1,  df/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        if _is_bool(a) or _is_bool(b):
            raise DtypeError("sub: subtraction, the `-` operator, with bool tensors is not "
                             "supported; to invert a mask use `~` or logical_not()")
        a, b = promote_pair(a, b)
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)  # x - 0.5 needs no -grad


class Mul(Function):
    """f(a, b) = a * b;  df/da = b,  df/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a


class MulScalar(Function):
    """f(a) = a * c for a constant number c;  df/da = c."""

    @staticmethod
    def forward(ctx, a, c):
        a, c = promote_pair(a, c)
        ctx.c = c
        return a * c

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.c, None


class Div(Function):
    """f(a, b) = a / b;  df/da = 1 / b,  df/db = -a / b**2 = -f / b."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 is ±inf or nan, silently
            out = a / b
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = grad / b
            return ga, -ga * out


class DivScalar(Function):
    """f(a) = a / c for a constant number c;  df/da = 1 / c."""

    @staticmethod
    def forward(ctx, a, c):
        a, c = float_operands(a, c)
        ctx.c = c
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / c

    @staticmethod
    def backward(ctx, grad):
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / ctx.c, None


class Remainder(Function):
    """f(a, b) = a - b·floor(a/b) (Python's %);  df/da = 1,  df/db = -floor(a/b)."""

    saved_constants = True  # it saves floor(a / b), piecewise constant

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        _no_integer_zero_divisor(a, b, "remainder")
        with np.errstate(divide="ignore", invalid="ignore"):  # floats: x % 0 is nan
            out = np.remainder(a, b)
            ctx.save_for_backward(np.floor_divide(a, b))
        return out

    @staticmethod
    def backward(ctx, grad):
        (q,) = ctx.saved_tensors
        return grad, -grad * q


class Fmod(Function):
    """f(a, b) = a - b·trunc(a/b) (C's fmod: the sign of a);  df/da = 1,  df/db = -trunc(a/b)."""

    saved_constants = True  # it saves trunc(a / b), piecewise constant

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        _no_integer_zero_divisor(a, b, "fmod")
        with np.errstate(divide="ignore", invalid="ignore"):  # floats: fmod(x, 0) is nan
            out = np.fmod(a, b)
            ctx.save_for_backward(np.trunc(np.true_divide(a, b)).astype(out.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, grad):
        (q,) = ctx.saved_tensors
        return grad, -grad * q


class Neg(Function):
    """f(a) = -a;  df/da = -1."""

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise DtypeError("neg: negation, the `-` operator, on a bool tensor is not "
                             "supported; to invert a mask use `~` or logical_not()")
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


# --------------------------------------------------------------------------- functional API


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return write_out(Add.apply(input, other), out, "add")


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return write_out(Sub.apply(input, other), out, "sub")


subtract = sub


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * other``."""
    if isinstance(other, Tensor) and isinstance(input, Tensor):  # the common case, first
        r = Mul.apply(input, other)
    elif _is_number(other):
        r = MulScalar.apply(input, other)
    elif _is_number(input):
        r = MulScalar.apply(other, input)
    else:
        r = Mul.apply(input, other)
    return r if out is None else write_out(r, out, "mul")


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None,  # noqa: A002
        out: Tensor | None = None) -> Tensor:
    """True division; ``rounding_mode="floor"``/``"trunc"`` rounds (no gradient flows then).

    Rounded division of integers by 0 raises :class:`~microtensor.errors.DivisionByZeroError`
    (a ``ZeroDivisionError`` and a ``RuntimeError``), as PyTorch does; floats give ±inf or nan.
    """
    if rounding_mode is None:
        if isinstance(other, Tensor) or not _is_number(other):
            r = Div.apply(input, other)
        else:
            r = DivScalar.apply(input, other)
        return r if out is None else write_out(r, out, "div")
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    b = other._data if isinstance(other, Tensor) else other
    a, b = promote_pair(a, b)
    _no_integer_zero_divisor(a, b, "floor_divide" if rounding_mode == "floor" else "div")
    with np.errstate(divide="ignore", invalid="ignore"):  # floats: x / 0 is ±inf or nan
        if rounding_mode == "floor":
            r = np.floor_divide(a, b)
        else:
            r = np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b), copy=False)
    return write_out(Tensor._make(np.asarray(r), False, None), out, "div")


true_divide = divide = div


def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input // other``, rounded down (no gradient flows: the result is piecewise constant).

    Integers divided by 0 raise, as PyTorch ("ZeroDivisionError"); see :func:`div`.
    """
    return div(input, other, rounding_mode="floor", out=out)


def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input % other``, with the sign of ``other`` as Python's ``%`` (differentiable).

    Integers modulo 0 raise, as PyTorch ("ZeroDivisionError"); floats give nan.
    """
    return write_out(Remainder.apply(input, other), out, "remainder")


def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """C's ``fmod``: the remainder of ``input / other`` rounded toward 0 (sign of ``input``).

    Integers modulo 0 raise, as PyTorch ("ZeroDivisionError"); floats give nan.
    """
    return write_out(Fmod.apply(input, other), out, "fmod")


def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``-input``; a bool tensor raises (use ``logical_not``), as PyTorch."""
    return write_out(Neg.apply(input), out, "neg")


negative = neg


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself (``+input``); a bool tensor raises, as PyTorch."""
    if input._data.dtype.kind == "b":
        raise DtypeError("positive: the `+` operator on a bool tensor is not supported")
    return input


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1,  # noqa: A002
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2`` (composed of ``mul`` and ``add``)."""
    prod = mul(tensor1, tensor2)
    return write_out(add(input, prod if value == 1 else mul(prod, value)), out, "addcmul")


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1,  # noqa: A002
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (composed of ``div``, ``mul`` and ``add``).

    Integer ``tensor1`` and ``tensor2`` raise, as PyTorch (which once rounded the quotient).
    """
    if result_type(_data(tensor1), _data(tensor2)).kind != "f":
        raise RuntimeError("addcdiv: integer division with addcdiv is no longer supported; "
                           "use (input + value * torch.trunc(tensor1 / tensor2)) for integers")
    q = div(tensor1, tensor2)
    return write_out(add(input, q if value == 1 else mul(q, value)), out, "addcdiv")


def lerp(input: Tensor, end: Tensor, weight: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``: linear interpolation (composed of sub, mul, add).

    ``input`` and ``end`` must be floats of one dtype, as PyTorch requires.
    """
    a, e = _data(input), _data(end)
    require_float("lerp", a, e)
    if np.asarray(a).dtype != np.asarray(e).dtype:
        raise DtypeError(f"lerp: expected dtype {np.asarray(a).dtype} for `end` but got dtype "
                         f"{np.asarray(e).dtype}")
    return write_out(add(input, mul(weight, sub(end, input))), out, "lerp")
