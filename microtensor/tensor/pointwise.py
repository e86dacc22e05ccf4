"""Tensor methods for pointwise math (PyTorch's "Pointwise Ops" and "Comparison Ops"),
with their in-place ``_`` forms.

Every method calls one function of :mod:`microtensor.ops.elementwise`; an in-place form
``x.f_(...)`` is ``f`` written back into ``x`` (see ``ops/inplace.py``). PyTorch's aliases
(``arccos`` for ``acos`` ...) are the same method under a second name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops
from ..errors import DtypeError
from .comparison import ComparisonMethods
from .special import SpecialMethods

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["PointwiseMethods"]


class PointwiseMethods(ComparisonMethods, SpecialMethods):
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``.

    The comparisons, logical and bitwise methods come from :class:`ComparisonMethods`, the
    special functions (erf, lgamma, i0 ...) from :class:`SpecialMethods`.
    """

    __slots__ = ()

    # ------------------------------------------------------------------ arithmetic

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.elementwise.add(self, other, alpha=alpha)

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        other = other if alpha == 1 else other * alpha
        return _ops.elementwise.inplace(self, _ops.elementwise.Add, other, "add_")

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.elementwise.sub(self, other, alpha=alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        other = other if alpha == 1 else other * alpha
        return _ops.elementwise.inplace(self, _ops.elementwise.Sub, other, "sub_")

    subtract, subtract_ = sub, sub_

    def mul(self, other: Any) -> Tensor:
        return _ops.elementwise.mul(self, other)

    def mul_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Mul, other, "mul_")

    multiply, multiply_ = mul, mul_

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _ops.elementwise.div(self, other, rounding_mode=rounding_mode)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return _ops.elementwise.inplace(self, _ops.elementwise.Div, other, "div_")
        return _ops.elementwise.inplace_unary(self, _div_rounded, "div_", other, rounding_mode)

    divide, divide_ = div, div_

    def true_divide(self, other: Any) -> Tensor:
        return _ops.elementwise.div(self, other)

    def true_divide_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Div, other, "true_divide_")

    def floor_divide(self, other: Any) -> Tensor:
        return _ops.elementwise.floor_divide(self, other)

    def floor_divide_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.floor_divide,
                                              "floor_divide_", other)

    def remainder(self, other: Any) -> Tensor:
        return _ops.elementwise.remainder(self, other)

    def remainder_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.remainder, "remainder_",
                                              other)

    def fmod(self, other: Any) -> Tensor:
        return _ops.elementwise.fmod(self, other)

    def fmod_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.fmod, "fmod_", other)

    def neg(self) -> Tensor:
        return _ops.elementwise.neg(self)

    def neg_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.neg, "neg_")

    negative, negative_ = neg, neg_

    def positive(self) -> Tensor:
        return _ops.elementwise.positive(self)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.elementwise.pow(self, exponent)

    def pow_(self, exponent: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Pow, exponent, "pow_")

    def float_power(self, exponent: Any) -> Tensor:
        return _ops.elementwise.float_power(self, exponent)

    def float_power_(self, exponent: Any) -> Tensor:
        """In place; as PyTorch, only a float64 tensor can hold the float64 result."""
        if self._data.dtype != "float64":
            raise DtypeError(f"float_power_: the base has dtype {self._data.dtype} but the "
                             "operation's result requires dtype float64")
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.float_power,
                                              "float_power_", exponent)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _ops.elementwise.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _addcmul, "addcmul_", tensor1, tensor2,
                                              value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _ops.elementwise.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _addcdiv, "addcdiv_", tensor1, tensor2,
                                              value)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return _ops.elementwise.lerp(self, end, weight)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.lerp, "lerp_", end, weight)

    # ------------------------------------------------------------------ exp, log, roots

    def exp(self) -> Tensor:
        return _ops.elementwise.Exp.apply(self)

    def exp_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.exp, "exp_")

    def exp2(self) -> Tensor:
        return _ops.elementwise.exp2(self)

    def exp2_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.exp2, "exp2_")

    def expm1(self) -> Tensor:
        return _ops.elementwise.expm1(self)

    def expm1_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.expm1, "expm1_")

    def log(self) -> Tensor:
        return _ops.elementwise.Log.apply(self)

    def log_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.log, "log_")

    def log2(self) -> Tensor:
        return _ops.elementwise.log2(self)

    def log2_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.log2, "log2_")

    def log10(self) -> Tensor:
        return _ops.elementwise.log10(self)

    def log10_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.log10, "log10_")

    def log1p(self) -> Tensor:
        return _ops.elementwise.log1p(self)

    def log1p_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.log1p, "log1p_")

    def xlogy(self, other: Any) -> Tensor:
        return _ops.elementwise.xlogy(self, other)

    def xlogy_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.xlogy, "xlogy_", other)

    def logaddexp(self, other: Any) -> Tensor:
        return _ops.elementwise.logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Tensor:
        return _ops.elementwise.logaddexp2(self, other)

    def sqrt(self) -> Tensor:
        return _ops.elementwise.Sqrt.apply(self)

    def sqrt_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sqrt, "sqrt_")

    def rsqrt(self) -> Tensor:
        return _ops.elementwise.rsqrt(self)

    def rsqrt_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.rsqrt, "rsqrt_")

    def square(self) -> Tensor:
        return _ops.elementwise.square(self)

    def square_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.square, "square_")

    def reciprocal(self) -> Tensor:
        return _ops.elementwise.Reciprocal.apply(self)

    def reciprocal_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.reciprocal, "reciprocal_")

    def sigmoid(self) -> Tensor:
        return _ops.elementwise.Sigmoid.apply(self)

    def sigmoid_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sigmoid, "sigmoid_")

    def logit(self, eps: float | None = None) -> Tensor:
        return _ops.elementwise.logit(self, eps)

    def logit_(self, eps: float | None = None) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.logit, "logit_", eps)

    def relu(self) -> Tensor:
        return _ops.elementwise.Relu.apply(self)

    def relu_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.relu, "relu_")

    # ------------------------------------------------------------------ trigonometry

    def sin(self) -> Tensor:
        return _ops.elementwise.Sin.apply(self)

    def sin_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sin, "sin_")

    def cos(self) -> Tensor:
        return _ops.elementwise.Cos.apply(self)

    def cos_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.cos, "cos_")

    def tan(self) -> Tensor:
        return _ops.elementwise.tan(self)

    def tan_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.tan, "tan_")

    def asin(self) -> Tensor:
        return _ops.elementwise.asin(self)

    def asin_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.asin, "asin_")

    def acos(self) -> Tensor:
        return _ops.elementwise.acos(self)

    def acos_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.acos, "acos_")

    def atan(self) -> Tensor:
        return _ops.elementwise.atan(self)

    def atan_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.atan, "atan_")

    def atan2(self, other: Any) -> Tensor:
        return _ops.elementwise.atan2(self, other)

    def atan2_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.atan2, "atan2_", other)

    def sinh(self) -> Tensor:
        return _ops.elementwise.sinh(self)

    def sinh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sinh, "sinh_")

    def cosh(self) -> Tensor:
        return _ops.elementwise.cosh(self)

    def cosh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.cosh, "cosh_")

    def tanh(self) -> Tensor:
        return _ops.elementwise.Tanh.apply(self)

    def tanh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.tanh, "tanh_")

    def asinh(self) -> Tensor:
        return _ops.elementwise.asinh(self)

    def asinh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.asinh, "asinh_")

    def acosh(self) -> Tensor:
        return _ops.elementwise.acosh(self)

    def acosh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.acosh, "acosh_")

    def atanh(self) -> Tensor:
        return _ops.elementwise.atanh(self)

    def atanh_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.atanh, "atanh_")

    arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
    arctan2, arctan2_ = atan2, atan2_
    arcsinh, arcsinh_, arccosh, arccosh_ = asinh, asinh_, acosh, acosh_
    arctanh, arctanh_ = atanh, atanh_

    def sinc(self) -> Tensor:
        return _ops.elementwise.sinc(self)

    def sinc_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sinc, "sinc_")

    def hypot(self, other: Any) -> Tensor:
        return _ops.elementwise.hypot(self, other)

    def hypot_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.hypot, "hypot_", other)

    def deg2rad(self) -> Tensor:
        return _ops.elementwise.deg2rad(self)

    def deg2rad_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.deg2rad, "deg2rad_")

    def rad2deg(self) -> Tensor:
        return _ops.elementwise.rad2deg(self)

    def rad2deg_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.rad2deg, "rad2deg_")

    # ------------------------------------------------------------------ piecewise, rounding

    def abs(self) -> Tensor:
        return _ops.elementwise.Abs.apply(self)

    def abs_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.abs, "abs_")

    absolute, absolute_ = abs, abs_

    def sign(self) -> Tensor:
        return _ops.elementwise.Sign.apply(self)

    def sign_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.sign, "sign_")

    sgn, sgn_ = sign, sign_

    def copysign(self, other: Any) -> Tensor:
        return _ops.elementwise.copysign(self, other)

    def copysign_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.copysign, "copysign_",
                                              other)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.elementwise.clamp(self, min, max)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.clamp, "clamp_", min, max)

    clip, clip_ = clamp, clamp_

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        return _ops.elementwise.clamp(self, min, None)

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.clamp, "clamp_min_", min,
                                              None)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        return _ops.elementwise.clamp(self, None, max)

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.clamp, "clamp_max_", None,
                                              max)

    def maximum(self, other: Any) -> Tensor:
        return _ops.elementwise.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.elementwise.minimum(self, other)

    def fmax(self, other: Any) -> Tensor:
        return _ops.elementwise.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return _ops.elementwise.fmin(self, other)

    def floor(self) -> Tensor:
        return _ops.elementwise.floor(self)

    def floor_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.floor, "floor_")

    def ceil(self) -> Tensor:
        return _ops.elementwise.ceil(self)

    def ceil_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.ceil, "ceil_")

    def trunc(self) -> Tensor:
        return _ops.elementwise.trunc(self)

    def trunc_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.trunc, "trunc_")

    fix, fix_ = trunc, trunc_

    def round(self, decimals: int = 0) -> Tensor:
        return _ops.elementwise.round(self, decimals=decimals)

    def round_(self, decimals: int = 0) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _round, "round_", decimals)

    def frac(self) -> Tensor:
        return _ops.elementwise.frac(self)

    def frac_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.frac, "frac_")

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        return _ops.elementwise.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.nan_to_num, "nan_to_num_",
                                              nan, posinf, neginf)

    def heaviside(self, values: Any) -> Tensor:
        return _ops.elementwise.heaviside(self, values)

    def heaviside_(self, values: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.heaviside, "heaviside_",
                                              values)

    def where(self, condition: Any, other: Any) -> Tensor:
        return _ops.elementwise.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _ops.elementwise.masked_fill(self, mask, value)

    # ------------------------------------------------------------------ fills and copies

    def zero_(self) -> Tensor:
        """Fill with zeros in place (cuts the gradient to what was here)."""
        return _ops.elementwise.fill_inplace(self, 0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        return _ops.elementwise.fill_inplace(self, value, "fill_")

    def gcd(self, other: Any) -> Tensor:
        return _ops.misc.gcd(self, other)

    def gcd_(self, other: Any) -> Tensor:
        return self.copy_(_ops.misc.gcd(self, other))

    def lcm(self, other: Any) -> Tensor:
        return _ops.misc.lcm(self, other)

    def lcm_(self, other: Any) -> Tensor:
        return self.copy_(_ops.misc.lcm(self, other))

    def hardshrink(self, lambd: float = 0.5) -> Tensor:
        return _ops.activation_extra.hardshrink(self, lambd)

    def apply_(self, callable: Any) -> Tensor:  # noqa: A002
        return _ops.misc.apply_(self, callable)

    def map_(self, tensor: Any, callable: Any) -> Tensor:  # noqa: A002
        return _ops.misc.map_(self, tensor, callable)

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor in place."""
        return _ops.elementwise.copy_inplace(self, src)


# The in-place forms call their op with positional arguments: these put them in place.
def _addcmul(t: Tensor, t1: Any, t2: Any, value: Any) -> Tensor:
    return _ops.elementwise.addcmul(t, t1, t2, value=value)


def _addcdiv(t: Tensor, t1: Any, t2: Any, value: Any) -> Tensor:
    return _ops.elementwise.addcdiv(t, t1, t2, value=value)


def _div_rounded(t: Tensor, other: Any, rounding_mode: str) -> Tensor:
    return _ops.elementwise.div(t, other, rounding_mode=rounding_mode)


def _round(t: Tensor, decimals: int) -> Tensor:
    return _ops.elementwise.round(t, decimals=decimals)
