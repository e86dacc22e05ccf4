"""Elementwise ops: arithmetic, the unary functions, comparisons, and the in-place forms.

Each op is one Function whose docstring opens with its math. Gradients are
written for the broadcast output shape and the promoted dtype: the engine sums
them back to each input's shape and casts them to its dtype.

A Tensor meeting a Python number uses the ``...Scalar`` variant of an op: the
number is a constant, so no gradient is computed for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function, _mode, bump_version
from ..dtypes import promote_pair, result_type
from ..errors import DivisionByZeroError, DtypeError, ShapeError
from ..tensor import Tensor, data_of
from . import views as _views

__all__ = [
    "abs", "add", "allclose", "clamp", "cos", "div", "eq", "exp", "ge", "gt", "isclose",
    "isfinite", "isinf", "isnan",
    "le", "log", "logical_and", "logical_not", "logical_or", "lt", "masked_fill", "maximum",
    "minimum", "mul", "ne", "neg", "pow", "reciprocal", "relu", "sigmoid", "sign", "sin",
    "floor_divide", "remainder",
    "sqrt", "square", "sub", "tanh", "where",
]

def _to_float(a: np.ndarray) -> np.ndarray:
    # Integer and bool tensors become the default float dtype in float-valued ops (exp, log ...).
    return a if a.dtype.kind == "f" else a.astype(dtypes.get_default_dtype())


def _true_div_operands(a: Any, b: Any) -> tuple[Any, Any]:
    a, b = promote_pair(a, b)
    if np.result_type(a, b).kind != "f":  # int / int is a float division in PyTorch
        d = dtypes.get_default_dtype()
        a = a.astype(d) if isinstance(a, np.ndarray) else d.type(a)
        b = b.astype(d) if isinstance(b, np.ndarray) else d.type(b)
    return a, b


def _no_integer_zero_divisor(a: Any, b: Any, op: str) -> None:
    """Integer ``//``, ``%`` and rounded division by 0 have no value: PyTorch raises (NumPy
    would warn and give 0). Float division by 0 is inf or nan, and no error."""
    dt = np.result_type(a, b)
    if dt.kind in "iub" and np.any(np.asarray(b) == 0):
        raise DivisionByZeroError(f"{op}: ZeroDivisionError: integer division by zero (the "
                                  f"{dt} divisor holds a 0); divide floats for inf or nan")


# --------------------------------------------------------------------------- arithmetic


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
        a, b = _true_div_operands(a, b)
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
        a, c = _true_div_operands(a, c)
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


class Neg(Function):
    """f(a) = -a;  df/da = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """f(a, b) = a ** b;  df/da = b * a**(b - 1),  df/db = a**b * ln(a) (0 where a = 0, b >= 0)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
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


class PowScalar(Function):
    """f(a) = a ** c for a constant number c;  df/da = c * a**(c - 1)."""

    @staticmethod
    def forward(ctx, a, c):
        a, c = promote_pair(a, c)
        ctx.save_for_backward(a)
        ctx.c = c
        with np.errstate(divide="ignore", invalid="ignore"):
            return a**c

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return np.zeros_like(grad), None
        if c == 2:
            return grad * 2 * a, None
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * c * a ** (c - 1), None


class RPowScalar(Function):
    """f(b) = c ** b for a constant number c;  df/db = c**b * ln(c)."""

    @staticmethod
    def forward(ctx, c, b):
        c, b = promote_pair(c, b)
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


class Abs(Function):
    """f(a) = |a|;  df/da = sign(a) (0 at a = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(a)


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


class Relu(Function):
    """f(a) = max(a, 0);  df/da = 1 where a > 0, else 0 (0 at a = 0, as PyTorch).

    As PyTorch's ``threshold_backward``, a nan or inf gradient arriving where ``a <= 0``
    still gives 0, and at a nan input (``relu(nan)`` is nan) the gradient passes.
    """

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        keep = out != 0  # out is >= 0 or nan: this is "not a <= 0", in one comparison
        # Multiplying by the mask is 3x faster than np.where, but inf * 0 is nan where a <= 0:
        # select only when the gradient may hold an inf or a nan. (vdot is one BLAS pass that
        # does not warn, but copies a strided array, which a plain sum does not; either
        # overflows for huge finite gradients too, which then select.)
        if type(grad) is np.ndarray:
            if grad.flags.c_contiguous:
                finite = np.isfinite(np.vdot(grad, grad))
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    finite = np.isfinite(grad.sum())
            if finite:
                return grad * keep
        return np.where(keep, grad, grad.dtype.type(0))  # (and a recorded backward's Tensor)


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


class Clamp(Function):
    """f(a) = min(max(a, lo), hi);  df/da = 1 where lo <= a <= hi, else 0.

    As PyTorch's ``where(lo <= a <= hi, grad, 0)``: 0 outside even for a nan or inf
    gradient, and 0 at a nan input (which fails both comparisons; clamp(nan) is nan).
    """

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        keep = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= a >= ctx.lo
        if ctx.hi is not None:
            keep &= a <= ctx.hi
        return np.where(keep, grad, grad.dtype.type(0)), None, None


class Maximum(Function):
    """f(a, b) = max(a, b);  df/da = 1 where a > b, 1/2 where a = b, else 0 (and mirrored for b)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # A tie sends half the gradient each way (0.5 in grad's dtype: no float64 upcast).
        share = (a > b) + grad.dtype.type(0.5) * (a == b)
        return grad * share, grad * (1 - share)


class Minimum(Function):
    """f(a, b) = min(a, b);  df/da = 1 where a < b, 1/2 where a = b, else 0 (and mirrored for b)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = (a < b) + grad.dtype.type(0.5) * (a == b)
        return grad * share, grad * (1 - share)


class Where(Function):
    """f(c, a, b) = a where c else b;  df/da = [c],  df/db = [not c]."""

    @staticmethod
    def forward(ctx, cond, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(c, grad, zero), np.where(c, zero, grad)


class Sign(Function):
    """f(a) = sign(a);  df/da = 0 (piecewise constant).

    Computed as PyTorch does, ``(0 < a) - (a < 0)``: nan fails both comparisons, so
    ``sign(nan)`` is 0 (NumPy's ``np.sign`` gives nan). A bool tensor is its own sign.
    """

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            return a.copy()
        return np.asarray((0 < a).astype(a.dtype) - (a < 0).astype(a.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Clone(Function):
    """f(a) = a, in new memory;  df/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDtype(Function):
    """f(a) = a cast to another float dtype;  df/da = 1 (the engine casts the gradient back)."""

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Fill(Function):
    """f(a) = v (a constant, a's shape);  df/da = 0.  What ``fill_``/``zero_`` record."""

    @staticmethod
    def forward(ctx, a, value):
        out = np.empty_like(a)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), None


class Copy(Function):
    """f(a, s) = s broadcast to a's shape;  df/da = 0,  df/ds = 1.  (What ``copy_`` records.)"""

    @staticmethod
    def forward(ctx, a, src):
        out = np.empty_like(a)
        out[...] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), grad


# --------------------------------------------------------------------------- functional API


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.number, np.bool_)) and not isinstance(x, Tensor)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(input, other)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    if isinstance(other, Tensor) and isinstance(input, Tensor):  # the common case, first
        return Mul.apply(input, other)
    if _is_number(other):
        return MulScalar.apply(input, other)
    if _is_number(input):
        return MulScalar.apply(other, input)
    return Mul.apply(input, other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """True division; ``rounding_mode="floor"``/``"trunc"`` rounds (no gradient flows then).

    Rounded division of integers by 0 raises :class:`~microtensor.errors.DivisionByZeroError`
    (a ``ZeroDivisionError`` and a ``RuntimeError``), as PyTorch does; floats give ±inf or nan.
    """
    if rounding_mode is None:
        if isinstance(other, Tensor):
            return Div.apply(input, other)
        if _is_number(other):
            return DivScalar.apply(input, other)
        return Div.apply(input, other)
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    b = other._data if isinstance(other, Tensor) else other
    a, b = promote_pair(a, b)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    _no_integer_zero_divisor(a, b, "floor_divide" if rounding_mode == "floor" else "div")
    with np.errstate(divide="ignore", invalid="ignore"):  # floats: x / 0 is ±inf or nan
        if rounding_mode == "floor":
            out = np.floor_divide(a, b)
        else:
            out = np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b), copy=False)
    return Tensor._make(np.asarray(out), False, None)


true_divide = divide = div


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input // other``, rounded down (no gradient flows: the result is piecewise constant).

    Integers divided by 0 raise, as PyTorch ("ZeroDivisionError"); see :func:`div`.
    """
    return div(input, other, rounding_mode="floor")


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input % other``, with the sign of ``other`` as Python's ``%`` (differentiable).

    Integers modulo 0 raise, as PyTorch ("ZeroDivisionError"); floats give nan.
    """
    return Remainder.apply(input, other)
multiply = mul
subtract = sub


def neg(input: Tensor) -> Tensor:  # noqa: A002
    return Neg.apply(input)


negative = neg


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``; either may be a number."""
    if _is_number(exponent):
        if isinstance(exponent, np.generic):
            exponent = exponent.item()
        return PowScalar.apply(input, exponent)
    if _is_number(input):
        if isinstance(input, np.generic):
            input = input.item()
        return RPowScalar.apply(input, exponent)
    return Pow.apply(input, exponent)


def exp(input: Tensor) -> Tensor:  # noqa: A002
    return Exp.apply(input)


def log(input: Tensor) -> Tensor:  # noqa: A002
    return Log.apply(input)


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    return Sqrt.apply(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001, A002
    return Abs.apply(input)


def sin(input: Tensor) -> Tensor:  # noqa: A002
    return Sin.apply(input)


def cos(input: Tensor) -> Tensor:  # noqa: A002
    return Cos.apply(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return Tanh.apply(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return Sigmoid.apply(input)


def relu(input: Tensor) -> Tensor:  # noqa: A002
    return Relu.apply(input)


def square(input: Tensor) -> Tensor:  # noqa: A002
    return Square.apply(input)


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    return Reciprocal.apply(input)


def sign(input: Tensor) -> Tensor:  # noqa: A002
    return Sign.apply(input)


def _bound(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.generic):
        return x.item()
    return x


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Limit every element to ``[min, max]`` (either bound may be ``None``).

    Bounds may be numbers or tensors (broadcast); gradients flow to ``input`` only.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    lo, hi = _bound(min), _bound(max)
    a = input._data
    rt = result_type(a, *(v for v in (lo, hi) if v is not None))
    if rt != a.dtype:
        input = to_dtype(input, rt)
    return Clamp.apply(input, lo, hi)


clip = clamp


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return Maximum.apply(input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return Minimum.apply(input, other)


def _bool_array(condition: Any, op: str) -> np.ndarray:
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise DtypeError(f"{op}: condition must be a bool tensor, got dtype {c.dtype}")
    return c


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (all broadcast).

    With only ``condition``, returns the indices where it holds, as ``nonzero(as_tuple=True)``.
    """
    c = _bool_array(condition, "where")
    if input is None and other is None:
        return tuple(Tensor._make(i, False, None) for i in np.nonzero(c))
    return Where.apply(c, input, other)


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` is True, ``input`` elsewhere; keeps ``input``'s dtype."""
    m = _bool_array(mask, "masked_fill")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        value = to_dtype(value, input.dtype) if value.dtype != input.dtype else value
    else:
        value = np.asarray(value, dtype=input.dtype)[()]
    return Where.apply(m, value, input)


def to_dtype(input: Tensor, dtype: np.dtype) -> Tensor:  # noqa: A002
    """Cast; differentiable between float dtypes, and outside the graph otherwise."""
    if input._data.dtype == dtype:
        return input
    if dtype.kind != "f":
        return Tensor._make(input._data.astype(dtype), False, None)
    return ToDtype.apply(input, dtype)


# --------------------------------------------------------------------------- no-gradient ops


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    try:
        out = ufunc(x, y)
    except ValueError:
        raise ShapeError(f"{ufunc.__name__}: shapes {np.shape(x)} and {np.shape(y)} cannot "
                         "be broadcast together") from None
    return Tensor._make(np.asarray(out), False, None)


def eq(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.equal, input, other)


def ne(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.not_equal, input, other)


def lt(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.less, input, other)


def le(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.less_equal, input, other)


def gt(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.greater, input, other)


def ge(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.greater_equal, input, other)


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.logical_and, input, other)


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _compare(np.logical_or, input, other)


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    a = input._data
    return Tensor._make(np.logical_not(a) if a.dtype == np.bool_ else np.invert(a), False, None)


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isnan(input._data), False, None)


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isinf(input._data), False, None)


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isfinite(input._data), False, None)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (broadcast), as a bool tensor."""
    a, b = data_of(input), data_of(other)
    try:
        out = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise ShapeError(f"isclose: shapes {np.shape(a)} and {np.shape(b)} cannot be "
                         "broadcast together") from None
    return Tensor._make(np.asarray(out), False, None)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


# --------------------------------------------------------------------------- in-place forms

_UFUNCS = {Add: np.add, Sub: np.subtract, Mul: np.multiply, Div: np.true_divide,
           Pow: np.power}
_OUT_OF_PLACE = {Add: Add.apply, Sub: Sub.apply, Mul: mul, Div: div, Pow: pow}


def _check_leaf(t: Tensor, name: str) -> None:
    """Refuse the recorded in-place writes whose gradient would silently be wrong."""
    if t._rg and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be modified in place (its .grad "
            "would no longer belong to its value); update it inside `with microtensor.no_grad():`"
            " as optimizers do, or use an out-of-place op"
        )
    if getattr(t, "_base", None) is not None:
        _views.check_view_write(t, name)


def _check_cast(t: Tensor, result: np.dtype, name: str) -> None:
    own = t._data.dtype
    if (result.kind == "f" and own.kind != "f") or (result.kind in "iu" and own.kind == "b"):
        raise DtypeError(f"{name}: the result has dtype {result}, which cannot be written into "
                         f"a tensor of dtype {own} in place")


def _write_back(t: Tensor, r: Tensor, name: str) -> Tensor:
    """Store the out-of-place result ``r`` in ``t`` and make ``t`` the output of r's node."""
    if r._data.shape != t._data.shape:
        raise ShapeError(f"{name}: the result has shape {r._data.shape}, which cannot be written "
                         f"into a tensor of shape {t._data.shape} in place")
    _check_cast(t, r._data.dtype, name)
    np.copyto(t._data, r._data, casting="unsafe")
    bump_version(t)
    if getattr(t, "_base", None) is not None:
        _views.record_view_write(t, r)  # the base's graph records it; its views follow
    else:
        t.grad_fn = r.grad_fn
        t._rg = r._rg
        _views.refresh_views(t)
    return t


def _snapshot(t: Tensor) -> Tensor:
    # The tensor's value before the in-place write, as a private copy: ops that save their
    # input for backward must not see it overwritten.
    return Tensor._make(t._data.copy(), t._rg, t.grad_fn)


def _records(t: Tensor, other: Any) -> bool:
    return _mode.enabled and (t._rg or (isinstance(other, Tensor) and other._rg))


def inplace(t: Tensor, op: type[Function], other: Any, name: str) -> Tensor:
    """``t = op(t, other)`` written into ``t``'s own memory (``add_``, ``+=`` ...)."""
    if _records(t, other):
        _check_leaf(t, name)
        return _write_back(t, _OUT_OF_PLACE[op](_snapshot(t), other), name)
    o = other._data if isinstance(other, Tensor) else other
    a = t._data
    if not (isinstance(o, np.ndarray) and o.dtype is a.dtype):
        if isinstance(o, np.generic):
            o = o.item()
        rt = result_type(a, o)
        if op is Div and rt.kind != "f":
            rt = dtypes.get_default_dtype()
        _check_cast(t, rt, name)
    try:
        _UFUNCS[op](a, o, out=a, casting="unsafe")
    except ValueError:
        raise ShapeError(f"{name}: a result of shape {np.broadcast_shapes(a.shape, np.shape(o))}"
                         f" cannot be written into a tensor of shape {a.shape} in place") from None
    bump_version(t)
    return t


def inplace_unary(t: Tensor, fn: Any, name: str, *args: Any) -> Tensor:
    """``t = fn(t, *args)`` written into ``t``'s memory (``clamp_``, ``neg_``)."""
    if _records(t, None):
        _check_leaf(t, name)
        return _write_back(t, fn(_snapshot(t), *args), name)
    r = fn(Tensor._make(t._data, False, None), *args)
    _check_cast(t, r._data.dtype, name)
    np.copyto(t._data, r._data, casting="unsafe")
    bump_version(t)
    return t


def fill_inplace(t: Tensor, value: Any, name: str) -> Tensor:
    """Overwrite every element with ``value`` (a number or an array of t's shape)."""
    if isinstance(value, Tensor):
        value = value._data
    if _records(t, None):
        _check_leaf(t, name)
        return _write_back(t, Fill.apply(Tensor._make(t._data, t._rg, t.grad_fn), value), name)
    t._data[...] = value
    bump_version(t)
    return t


def copy_inplace(t: Tensor, src: Any) -> Tensor:
    """``t.copy_(src)``: src broadcast to t's shape and cast to t's dtype."""
    s = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        np.broadcast_to(s, t._data.shape)
    except ValueError:
        raise ShapeError(f"copy_: a source of shape {s.shape} cannot be broadcast to the "
                         f"destination's shape {t._data.shape}") from None
    if _records(t, src):
        _check_leaf(t, "copy_")
        return _write_back(t, Copy.apply(Tensor._make(t._data, t._rg, t.grad_fn), src), "copy_")
    np.copyto(t._data, s, casting="unsafe")
    bump_version(t)
    return t
