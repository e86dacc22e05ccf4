"""Tensor methods for PyTorch's "Comparison Ops", and the logical and bitwise ops, with their
in-place ``_`` forms (``x.eq_(y)`` writes 1 or 0 into ``x``'s own dtype).

A base of :class:`~microtensor.tensor.pointwise.PointwiseMethods`; every method calls one
function of :mod:`microtensor.ops.comparison` (through ``ops.elementwise``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["ComparisonMethods"]


class ComparisonMethods:
    """Comparisons, tests, logical and bitwise ops as Tensor methods."""

    __slots__ = ()

    # ------------------------------------------------------------------ comparisons

    def eq(self, other: Any) -> Tensor:
        return _ops.elementwise.eq(self, other)

    def eq_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.eq, "eq_", other)

    def ne(self, other: Any) -> Tensor:
        return _ops.elementwise.ne(self, other)

    def ne_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.ne, "ne_", other)

    def lt(self, other: Any) -> Tensor:
        return _ops.elementwise.lt(self, other)

    def lt_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.lt, "lt_", other)

    def le(self, other: Any) -> Tensor:
        return _ops.elementwise.le(self, other)

    def le_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.le, "le_", other)

    def gt(self, other: Any) -> Tensor:
        return _ops.elementwise.gt(self, other)

    def gt_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.gt, "gt_", other)

    def ge(self, other: Any) -> Tensor:
        return _ops.elementwise.ge(self, other)

    def ge_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.ge, "ge_", other)

    not_equal, not_equal_, less, less_, less_equal, less_equal_ = ne, ne_, lt, lt_, le, le_
    greater, greater_, greater_equal, greater_equal_ = gt, gt_, ge, ge_

    def equal(self, other: Any) -> bool:
        return _ops.elementwise.equal(self, other)

    def isnan(self) -> Tensor:
        return _ops.elementwise.isnan(self)

    def isinf(self) -> Tensor:
        return _ops.elementwise.isinf(self)

    def isposinf(self) -> Tensor:
        return _ops.elementwise.isposinf(self)

    def isneginf(self) -> Tensor:
        return _ops.elementwise.isneginf(self)

    def isfinite(self) -> Tensor:
        return _ops.elementwise.isfinite(self)

    def isreal(self) -> Tensor:
        return _ops.elementwise.isreal(self)

    def signbit(self) -> Tensor:
        return _ops.elementwise.signbit(self)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return _ops.elementwise.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return _ops.elementwise.allclose(self, other, rtol, atol, equal_nan)

    # ------------------------------------------------------------------ logical and bitwise

    def logical_and(self, other: Any) -> Tensor:
        return _ops.elementwise.logical_and(self, other)

    def logical_and_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.logical_and,
                                              "logical_and_", other)

    def logical_or(self, other: Any) -> Tensor:
        return _ops.elementwise.logical_or(self, other)

    def logical_or_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.logical_or,
                                              "logical_or_", other)

    def logical_xor(self, other: Any) -> Tensor:
        return _ops.elementwise.logical_xor(self, other)

    def logical_xor_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.logical_xor,
                                              "logical_xor_", other)

    def logical_not(self) -> Tensor:
        return _ops.elementwise.logical_not(self)

    def logical_not_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.logical_not,
                                              "logical_not_")

    def bitwise_and(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_and(self, other)

    def bitwise_and_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_and,
                                              "bitwise_and_", other)

    def bitwise_or(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_or(self, other)

    def bitwise_or_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_or,
                                              "bitwise_or_", other)

    def bitwise_xor(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_xor(self, other)

    def bitwise_xor_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_xor,
                                              "bitwise_xor_", other)

    def bitwise_not(self) -> Tensor:
        return _ops.elementwise.bitwise_not(self)

    def bitwise_not_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_not,
                                              "bitwise_not_")

    def bitwise_left_shift(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_left_shift(self, other)

    def bitwise_left_shift_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_left_shift,
                                              "bitwise_left_shift_", other)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_right_shift(self, other)

    def bitwise_right_shift_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.bitwise_right_shift,
                                              "bitwise_right_shift_", other)
