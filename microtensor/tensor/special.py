"""Tensor methods for the special functions (erf, erfinv, lgamma, digamma, polygamma,
mvlgamma, i0, igamma, igammac) and the float helpers ldexp, frexp and nextafter, with their
in-place ``_`` forms.

A base of :class:`~microtensor.tensor.pointwise.PointwiseMethods`; every method calls one
function of :mod:`microtensor.ops.elementwise`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["SpecialMethods"]


class SpecialMethods:
    """Special functions as Tensor methods."""

    __slots__ = ()

    # ------------------------------------------------------------------ special functions

    def erf(self) -> Tensor:
        return _ops.elementwise.erf(self)

    def erf_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.erf, "erf_")

    def erfc(self) -> Tensor:
        return _ops.elementwise.erfc(self)

    def erfc_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.erfc, "erfc_")

    def erfinv(self) -> Tensor:
        return _ops.elementwise.erfinv(self)

    def erfinv_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.erfinv, "erfinv_")

    def lgamma(self) -> Tensor:
        return _ops.elementwise.lgamma(self)

    def lgamma_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.lgamma, "lgamma_")

    def digamma(self) -> Tensor:
        return _ops.elementwise.digamma(self)

    def digamma_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.digamma, "digamma_")

    def polygamma(self, n: int) -> Tensor:
        return _ops.elementwise.polygamma(n, self)

    def polygamma_(self, n: int) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _polygamma, "polygamma_", n)

    def i0(self) -> Tensor:
        return _ops.elementwise.i0(self)

    def i0_(self) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.i0, "i0_")

    def igamma(self, other: Any) -> Tensor:
        return _ops.elementwise.igamma(self, other)

    def igamma_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.igamma, "igamma_", other)

    def igammac(self, other: Any) -> Tensor:
        return _ops.elementwise.igammac(self, other)

    def igammac_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.igammac, "igammac_", other)

    def mvlgamma(self, p: int) -> Tensor:
        return _ops.elementwise.mvlgamma(self, p)

    def mvlgamma_(self, p: int) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.mvlgamma, "mvlgamma_", p)

    def ldexp(self, other: Any) -> Tensor:
        return _ops.elementwise.ldexp(self, other)

    def ldexp_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.ldexp, "ldexp_", other)

    def frexp(self) -> Any:
        return _ops.elementwise.frexp(self)

    def nextafter(self, other: Any) -> Tensor:
        return _ops.elementwise.nextafter(self, other)

    def nextafter_(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace_unary(self, _ops.elementwise.nextafter, "nextafter_",
                                              other)


def _polygamma(t: Tensor, n: int) -> Tensor:
    return _ops.elementwise.polygamma(n, t)
