"""Comparisons, logical and bitwise ops, and the elementwise tests (isnan, signbit ...).

None of these has a gradient: each returns a tensor outside the graph (bool for the
comparisons, logical ops and tests; the promoted integer dtype for the bitwise ops). So no
Function is needed: each is a NumPy ufunc under PyTorch's names, dtype rules and errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import result_type
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, data_of
from .arithmetic import NotImplementedForDtype, _data, write_out

__all__ = [
    "allclose", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "eq", "equal", "ge", "greater", "greater_equal", "gt",
    "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf", "isreal", "le",
    "less",
    "less_equal", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "ne",
    "not_equal", "signbit",
]


def _const(a: Any) -> Tensor:
    return Tensor._make(np.asarray(a), False, None)


def _compare(ufunc: np.ufunc, a: Any, b: Any, out: Tensor | None = None,
             name: str | None = None) -> Tensor:
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    for v in (x, y):
        if v is None or isinstance(v, (str, bytes)):  # NumPy would compare these (or raise
            # its own UFuncTypeError); PyTorch's parser raises a TypeError
            raise TypeError(f"{name or ufunc.__name__}(): expected a Tensor or a number, got "
                            f"{type(v).__name__}")
    try:
        r = ufunc(x, y)
    except ValueError:
        raise ShapeError(f"{name or ufunc.__name__}: shapes {np.shape(x)} and {np.shape(y)} "
                         "cannot be broadcast together") from None
    return write_out(_const(r), out, name or ufunc.__name__)


def eq(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input == other`` elementwise, as a bool tensor."""
    return _compare(np.equal, input, other, out, "eq")


def ne(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input != other`` elementwise, as a bool tensor."""
    return _compare(np.not_equal, input, other, out, "ne")


def lt(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input < other`` elementwise, as a bool tensor."""
    return _compare(np.less, input, other, out, "lt")


def le(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input <= other`` elementwise, as a bool tensor."""
    return _compare(np.less_equal, input, other, out, "le")


def gt(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input > other`` elementwise, as a bool tensor."""
    return _compare(np.greater, input, other, out, "gt")


def ge(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input >= other`` elementwise, as a bool tensor."""
    return _compare(np.greater_equal, input, other, out, "ge")


not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether both have the same shape and the same values (a Python bool)."""
    a, b = data_of(input), data_of(other)
    return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))


# --------------------------------------------------------------------------- logical


def logical_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Both nonzero, elementwise, as a bool tensor."""
    return _compare(np.logical_and, input, other, out, "logical_and")


def logical_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Either nonzero, elementwise, as a bool tensor."""
    return _compare(np.logical_or, input, other, out, "logical_or")


def logical_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Exactly one nonzero, elementwise, as a bool tensor."""
    return _compare(np.logical_xor, input, other, out, "logical_xor")


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Zero elements become True, others False."""
    return write_out(_const(np.logical_not(input._data)), out, "logical_not")


# --------------------------------------------------------------------------- bitwise


def _integer_operands(op: str, *xs: Any) -> tuple:
    """Operands as arrays/numbers of their promoted dtype, which must be integer or bool."""
    vals = [_data(x) for x in xs]
    dt = result_type(*vals)
    if dt.kind not in "iub":
        raise NotImplementedForDtype(f"{op}: not implemented for dtype {dt} (bitwise ops need "
                                     "integer or bool tensors)")
    return dt, [np.asarray(v).astype(dt, copy=False) for v in vals]


def _bitwise(ufunc: np.ufunc, name: str, a: Any, b: Any, out: Tensor | None) -> Tensor:
    dt, (x, y) = _integer_operands(name, a, b)
    try:
        r = ufunc(x, y)
    except ValueError:
        raise ShapeError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast "
                         "together") from None
    return write_out(_const(np.asarray(r, dtype=dt)), out, name)


def bitwise_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Bitwise AND of integers (logical AND of bools)."""
    return _bitwise(np.bitwise_and, "bitwise_and", input, other, out)


def bitwise_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Bitwise OR of integers (logical OR of bools)."""
    return _bitwise(np.bitwise_or, "bitwise_or", input, other, out)


def bitwise_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Bitwise XOR of integers (logical XOR of bools)."""
    return _bitwise(np.bitwise_xor, "bitwise_xor", input, other, out)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Bitwise NOT of integers (``~x = -x - 1``), logical NOT of bools."""
    _, (x,) = _integer_operands("bitwise_not", input)
    return write_out(_const(np.invert(x)), out, "bitwise_not")


def _shift(name: str, a: Any, b: Any, out: Tensor | None, left: bool) -> Tensor:
    dt, (x, s) = _integer_operands(name, a, b)
    if dt.kind == "b":
        raise NotImplementedForDtype(f"{name}: not implemented for bool tensors")
    bits = 8 * dt.itemsize
    try:
        with np.errstate(over="ignore"):
            if left:  # C's shift by >= the width is undefined; PyTorch gives 0
                r = np.where(s >= bits, 0, np.left_shift(x, np.minimum(s, bits - 1)))
            else:  # an arithmetic shift: past the width it leaves 0 or -1 (the sign)
                r = np.right_shift(x, np.minimum(s, bits - 1))
    except ValueError:
        raise ShapeError(f"{name}: shapes {x.shape} and {s.shape} cannot be broadcast "
                         "together") from None
    return write_out(_const(np.asarray(r, dtype=dt)), out, name)


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input << other`` for integers."""
    return _shift("bitwise_left_shift", input, other, out, left=True)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input >> other`` for integers (arithmetic: the sign is kept)."""
    return _shift("bitwise_right_shift", input, other, out, left=False)


# --------------------------------------------------------------------------- tests


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are nan."""
    return _const(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are +inf or -inf."""
    return _const(np.isinf(input._data))


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Where the elements are +inf."""
    return write_out(_const(np.isposinf(input._data)), out, "isposinf")


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Where the elements are -inf."""
    return write_out(_const(np.isneginf(input._data)), out, "isneginf")


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are neither inf nor nan."""
    return _const(np.isfinite(input._data))


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are real: everywhere (microtensor holds no complex numbers)."""
    return _const(np.ones(input._data.shape, dtype=bool))


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Where the sign bit is set (True for -0.0 too)."""
    a = input._data
    return write_out(_const(np.signbit(a) if a.dtype.kind != "b" else np.zeros(a.shape, bool)),
                     out, "signbit")


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (broadcast), as a bool tensor."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):  # as PyTorch: numbers too are refused
            raise TypeError(f"isclose(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if input._data.dtype != other._data.dtype:  # PyTorch does not promote here
        raise DtypeError(f"isclose: {input.dtype} did not match {other.dtype} (both inputs "
                         f"must have one dtype)")
    a, b = data_of(input), data_of(other)
    try:
        r = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise ShapeError(f"isclose: shapes {np.shape(a)} and {np.shape(b)} cannot be "
                         "broadcast together") from None
    return _const(r)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`)."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"allclose(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Where each of ``elements`` occurs in ``test_elements`` (either may be a number), as a
    bool tensor shaped like ``elements`` (nan is never found, as nan != nan)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin: at least one of elements and test_elements must be a Tensor")
    a, b = np.asarray(_data(elements)), np.asarray(_data(test_elements))
    return _const(np.isin(a, b, assume_unique=assume_unique, invert=invert))
