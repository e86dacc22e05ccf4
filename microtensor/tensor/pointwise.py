"""Tensor methods for pointwise math (PyTorch's "Pointwise Ops" and "Comparison Ops"),
with their in-place ``_`` forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["PointwiseMethods"]


class PointwiseMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``."""

    __slots__ = ()

    # ------------------------------------------------------------------ in-place

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        other = other if alpha == 1 else other * alpha
        return _ops.elementwise.inplace(self, _ops.elementwise.Add, other, "add_")

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        other = other if alpha == 1 else other * alpha
        return _ops.elementwise.inplace(self, _ops.elementwise.Sub, other, "sub_")

    def mul_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Mul, other, "mul_")

    def div_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Div, other, "div_")

    def pow_(self, exponent: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Pow, exponent, "pow_")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.clamp, "clamp_", min, max)

    clip_ = clamp_

    def relu_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.relu, "relu_")

    def neg_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.neg, "neg_")

    def zero_(self) -> Tensor:
        """Fill with zeros in place (cuts the gradient to what was here)."""
        return _ops.elementwise.fill_inplace(self, 0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        return _ops.elementwise.fill_inplace(self, value, "fill_")

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor in place."""
        return _ops.elementwise.copy_inplace(self, src)
    # ------------------------------------------------------------------ elementwise math

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.elementwise.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.elementwise.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return _ops.elementwise.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _ops.elementwise.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.elementwise.pow(self, exponent)

    def neg(self) -> Tensor:
        return _ops.elementwise.Neg.apply(self)

    def exp(self) -> Tensor:
        return _ops.elementwise.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.elementwise.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.elementwise.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ops.elementwise.Abs.apply(self)

    def sin(self) -> Tensor:
        return _ops.elementwise.Sin.apply(self)

    def cos(self) -> Tensor:
        return _ops.elementwise.Cos.apply(self)

    def tanh(self) -> Tensor:
        return _ops.elementwise.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return _ops.elementwise.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return _ops.elementwise.Relu.apply(self)

    def square(self) -> Tensor:
        return _ops.elementwise.Square.apply(self)

    def reciprocal(self) -> Tensor:
        return _ops.elementwise.Reciprocal.apply(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.elementwise.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return _ops.elementwise.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.elementwise.minimum(self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        return _ops.elementwise.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _ops.elementwise.masked_fill(self, mask, value)

    def eq(self, other: Any) -> Tensor:
        return _ops.elementwise.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return _ops.elementwise.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return _ops.elementwise.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return _ops.elementwise.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return _ops.elementwise.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return _ops.elementwise.ge(self, other)

    def isnan(self) -> Tensor:
        return _ops.elementwise.isnan(self)

    def isinf(self) -> Tensor:
        return _ops.elementwise.isinf(self)

    def isfinite(self) -> Tensor:
        return _ops.elementwise.isfinite(self)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return _ops.elementwise.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return _ops.elementwise.allclose(self, other, rtol, atol, equal_nan)

    def sign(self) -> Tensor:
        return _ops.elementwise.Sign.apply(self)

