"""Special functions computed from their series and continued fractions (no SciPy): the
modified Bessel functions I₀ (``i0``) and I₁, and the regularized incomplete gamma
functions P(a, x) (``igamma``) and Q(a, x) = 1 - P (``igammac``).

Values are computed in float64 and cast back to the input's dtype. The series here have
positive terms, so they lose no digits to cancellation; each loop runs until the last term
is below float64's resolution of the sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import _to_float, float_operands, require_float, write_out
from .special import Lgamma, _lgamma_obj, _vectorised

__all__ = ["i0", "igamma", "igammac"]

_EPS = np.finfo(np.float64).eps
_MAX_TERMS = 5000


def _bessel_series(x: np.ndarray, order: int) -> np.ndarray:
    """Iₙ(x) = Σₖ (x/2)^(2k+n) / (k! (k+n)!) for n = 0 or 1 (odd in x for n = 1)."""
    x = np.asarray(x, dtype=np.float64)
    h = np.abs(x) / 2.0
    h2 = h * h
    term = np.ones_like(h) if order == 0 else h.copy()
    total = term.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, _MAX_TERMS):
            term = term * h2 / (k * (k + order))
            total = total + term
            if not np.any(term > _EPS * total):  # (nan and inf compare False: done too)
                break
    return total if order == 0 else np.copysign(total, x)


def _i1_of(x: Any) -> Any:
    return I1.apply(x) if isinstance(x, Tensor) else _in(x, _bessel_series, 1)


def _i0_of(x: Any) -> Any:
    return I0.apply(x) if isinstance(x, Tensor) else _in(x, _bessel_series, 0)


def _in(x: np.ndarray, fn: Any, *args: Any) -> np.ndarray:
    return np.asarray(fn(x, *args), dtype=np.float64).astype(x.dtype, copy=False)


class I0(Function):
    """f(a) = I₀(a), the modified Bessel function of the first kind of order 0;
    df/da = I₁(a)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return _in(a, _bessel_series, 0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _i1_of(a)


class I1(Function):
    """f(a) = I₁(a);  df/da = I₀(a) - I₁(a)/a, 1/2 at a = 0 (the derivative of ``i0``'s
    derivative; ``a`` is kept away from 0 in the quotient, as PyTorch does)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        out = _in(a, _bessel_series, 1)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        tiny = grad.dtype.type(np.finfo(grad.dtype).eps)
        big = np.abs(a) > tiny
        safe = np.where(big, a, tiny)
        d = _i0_of(safe) - out / safe
        return grad * np.where(big, d, grad.dtype.type(0.5))


# --------------------------------------------------------------------------- incomplete gamma


def _igamma_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) = e^(-x) x^a / Γ(a+1) · Σₙ xⁿ / ((a+1)···(a+n)), for x < a + 1."""
    term = np.ones_like(x)
    total = np.ones_like(x)
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        total = total + term
        if not np.any(term > _EPS * total):
            break
    lg = np.asarray(_lgamma_obj(a + 1.0), dtype=np.float64)
    return total * np.exp(a * np.log(x) - x - lg)


def _igammac_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if not np.any(np.abs(delta - 1.0) > _EPS):
            break
    lg = np.asarray(_lgamma_obj(a), dtype=np.float64)
    return h * np.exp(a * np.log(x) - x - lg)


def _igamma64(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (or Q with ``upper``), with PyTorch's values at the edges."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    with np.errstate(all="ignore"):
        low = ok & (x < a + 1.0)
        high = ok & ~low
        if low.any():
            p = _igamma_series(a[low], x[low])
            out[low] = 1.0 - p if upper else p
        if high.any():
            q = _igammac_fraction(a[high], x[high])
            out[high] = q if upper else 1.0 - q
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)  # P's 1 is Q's 0 and vice versa
    out = np.where((a == 0) & (x > 0), one, out)
    out = np.where((a > 0) & (x == 0), zero, out)
    out = np.where(np.isposinf(a) & np.isfinite(x) & (x >= 0), zero, out)
    out = np.where(np.isposinf(x) & np.isfinite(a) & (a >= 0), one, out)
    return np.where((a < 0) | (x < 0), np.nan, out)


class Igamma(Function):
    """f(a, x) = P(a, x) = γ(a, x) / Γ(a), the regularized lower incomplete gamma function;
    df/dx = x^(a-1) e^(-x) / Γ(a);  df/da is not implemented (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, x):
        a, x = float_operands(a, x)
        ctx.save_for_backward(a, x)
        return _igamma64(a, x, upper=False).astype(np.result_type(a, x), copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        return _no_a_gradient(ctx, "igamma"), grad * _density(a, x)


class Igammac(Function):
    """f(a, x) = Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function;
    df/dx = -x^(a-1) e^(-x) / Γ(a);  df/da is not implemented (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, x):
        a, x = float_operands(a, x)
        ctx.save_for_backward(a, x)
        return _igamma64(a, x, upper=True).astype(np.result_type(a, x), copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        return _no_a_gradient(ctx, "igammac"), -grad * _density(a, x)


def _no_a_gradient(ctx: Any, op: str) -> None:
    if ctx.needs_input_grad[0]:
        raise NotImplementedError(f"{op}: the derivative with respect to input (the shape a) "
                                  "is not implemented, as in PyTorch")


def _density(a: Any, x: Any) -> Any:
    """x^(a-1) e^(-x) / Γ(a), written with ops a recorded backward can follow."""
    lg = Lgamma.apply(a) if isinstance(a, Tensor) else _vectorised(_lgamma_obj, np.asarray(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.exp((a - 1) * np.log(x) - x - lg)


# --------------------------------------------------------------------------- functional API


def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0, I₀."""
    return write_out(I0.apply(input), out, "i0")


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function P(input, other) (floats only)."""
    require_float("igamma", input, other)
    return write_out(Igamma.apply(input, other), out, "igamma")


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P (floats only)."""
    require_float("igammac", input, other)
    return write_out(Igammac.apply(input, other), out, "igammac")
