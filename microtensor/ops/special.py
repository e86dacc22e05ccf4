"""Special functions: erf, erfc, erfinv, lgamma, digamma, polygamma (no SciPy).

The values are computed in float64 and cast back: ``erf``, ``erfc`` and ``lgamma`` are the C
library's (``math.erf`` ..., vectorised); ``erfinv``, ``digamma``, the trigamma function and
the Hurwitz zeta behind ``polygamma`` follow the algorithms of PyTorch's CPU kernels
(``aten/src/ATen/native/Math.h``, after Cephes), so they agree with PyTorch to rounding.

Each derivative is another function of this module (``lgamma' = digamma``, ``digamma' =
polygamma(1)``, ``polygamma(n)' = polygamma(n + 1)``), called on the backward's arrays or, in
a recorded backward, as the op on its Tensors: every op here is differentiable to any order.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import ValueRangeError, check_int64
from ..tensor import Tensor
from .arithmetic import _to_float, write_out

__all__ = ["digamma", "erf", "erfc", "erfinv", "lgamma", "mvlgamma", "polygamma"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_MACHEP = 1.11022302462515654042e-16  # Cephes' machine epsilon for float64


def _lgamma1(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # a pole: 0 or a negative integer
        return math.inf


_erf_obj = np.frompyfunc(math.erf, 1, 1)
_erfc_obj = np.frompyfunc(math.erfc, 1, 1)
_lgamma_obj = np.frompyfunc(_lgamma1, 1, 1)


def _vectorised(fn_obj: np.ufunc, x: np.ndarray) -> np.ndarray:
    """An object ufunc over a Python math function, run in float64, cast back to x's dtype."""
    return np.asarray(fn_obj(x.astype(np.float64)), dtype=np.float64).astype(x.dtype, copy=False)


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf of a float array, in its dtype (the C library's, as PyTorch)."""
    return _vectorised(_erf_obj, x)


# ------------------------------------------------------------------ erfinv (PyTorch's method)

_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)


def _erfinv64(y: np.ndarray) -> np.ndarray:
    """A rational first guess (central and tail pieces), then two Newton steps on erf."""
    a, b, c, d = _ERFINV_A, _ERFINV_B, _ERFINV_C, _ERFINV_D
    ya = np.abs(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = y * y
        num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0]
        dem = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1.0
        central = y * num / dem
        zt = np.sqrt(-np.log((1.0 - np.minimum(ya, 1.0)) / 2.0))
        num = ((c[3] * zt + c[2]) * zt + c[1]) * zt + c[0]
        dem = (d[1] * zt + d[0]) * zt + 1.0
        tail = np.copysign(num / dem, y)
        x = np.where(ya <= 0.7, central, tail)
        for _ in range(2):
            x = x - (np.asarray(_erf_obj(x), dtype=np.float64) - y) / (
                _TWO_OVER_SQRT_PI * np.exp(-x * x))
    x = np.where(ya == 1.0, np.copysign(np.inf, y), x)
    return np.where(ya > 1.0, np.nan, x)


# ------------------------------------------------------------------ digamma, trigamma, zeta

# The asymptotic series ψ(x) ~ ln x - 1/(2x) - Σ B₂ₖ / (2k x^(2k)), k = 1..7.
_BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
              Fraction(-236364091, 2730)]
_DIGAMMA_SERIES = [float(bk / (2 * k)) for k, bk in enumerate(_BERNOULLI[:7], start=1)]
# Euler-Maclaurin's coefficients in Cephes' zeta: (2k)! / B₂ₖ, k = 1..12.
_ZETA_A = [float(math.factorial(2 * k) / bk) for k, bk in enumerate(_BERNOULLI, start=1)]


def _digamma64(x: np.ndarray) -> np.ndarray:
    """ψ(x): reflection below 0, recurrence up to x >= 10, then the asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = x < 0
        # ψ(x) = ψ(1 - x) - π / tan(πx): the reflection, nan at the negative integers
        refl = np.where(neg, -math.pi / np.tan(math.pi * x), 0.0)
        refl = np.where(neg & (x == np.floor(x)), np.nan, refl)
        y = np.where(neg, 1.0 - x, x)
        for _ in range(10):  # ψ(y) = ψ(y + 1) - 1/y
            small = y < 10
            out = out - np.where(small, 1.0 / np.where(small, y, 1.0), 0.0)
            y = np.where(small, y + 1.0, y)
        yy = 1.0 / (y * y)
        poly = np.zeros_like(y)
        for c in reversed(_DIGAMMA_SERIES):
            poly = (poly + c) * yy
        out = out + np.log(y) - 0.5 / y - poly + refl
    out = np.where(x == 0, np.copysign(np.inf, -x), out)  # ψ(±0) = ∓inf, as PyTorch
    out = np.where(np.isposinf(x), np.inf, out)
    return np.where(np.isnan(x), np.nan, out)


def _trigamma64(x: np.ndarray) -> np.ndarray:
    """ψ'(x), as PyTorch's ``calc_trigamma``: reflection below 1/2, six steps of the
    recurrence, then four terms of the asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        low = x < 0.5
        s = np.sin(math.pi * x)
        result = np.where(low, -(math.pi * math.pi) / (s * s), 0.0)
        sign = np.where(low, -1.0, 1.0)
        y = np.where(low, 1.0 - x, x)
        for _ in range(6):
            result = result + 1.0 / (y * y)
            y = y + 1.0
        ixx = 1.0 / (y * y)
        result = result + (1.0 + 1.0 / (2.0 * y)
                           + ixx * (1.0 / 6.0 - ixx * (1.0 / 30.0 - ixx * (1.0 / 42.0)))) / y
    return sign * result


def _zeta64(s: float, q: np.ndarray) -> np.ndarray:
    """The Hurwitz zeta ζ(s, q) = Σₖ (k + q)^-s for an integer s > 1 (Cephes' method: the
    direct sum until the terms are past q + 9, then Euler-Maclaurin)."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = np.power(q, -s)
        a = q.copy()
        b = np.zeros_like(q)
        done = ~np.isfinite(q) | (q > 1e8)
        i = 0
        while True:
            need = ~done & ((i < 9) | (a <= 9.0))
            if not need.any():
                break
            i += 1
            a = np.where(need, a + 1.0, a)
            b = np.where(need, np.power(a, -s), b)
            total = np.where(need, total + b, total)
            done = done | (need & (np.abs(b / total) < _MACHEP))
        w = a
        em = total + b * w / (s - 1.0) - 0.5 * b
        fac = np.ones_like(q)
        k = 0.0
        bb = b
        for coef in _ZETA_A:
            fac = fac * (s + k)
            bb = bb / w
            em = em + fac * bb / coef
            k += 1.0
            fac = fac * (s + k)
            bb = bb / w
            k += 1.0
        out = np.where(done, total, em)
        big = q > 1e8  # the first terms of the asymptotic series suffice
        out = np.where(big, (1.0 / (s - 1.0) + 1.0 / (2.0 * q)) * np.power(q, 1.0 - s), out)
        pole = (q <= 0) & (q == np.floor(q))
    return np.where(pole, np.inf, out)


def _polygamma64(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return _digamma64(x)
    if n == 1:
        return _trigamma64(x)
    sign = 1.0 if n % 2 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * _zeta64(n + 1.0, x)


def _in_dtype(fn: Any, x: np.ndarray, *args: Any) -> np.ndarray:
    return np.asarray(fn(*args, x.astype(np.float64)) if args else fn(x.astype(np.float64)),
                      dtype=np.float64).astype(x.dtype, copy=False)


def erf_of(x: Any) -> Any:
    """erf on a backward's array, or, in a recorded backward, the op on its Tensor (so a
    backward formula that needs erf, as the exact GELU's, stays differentiable)."""
    if isinstance(x, Tensor):
        return Erf.apply(x)
    return erf_array(x)


def _polygamma_of(n: int, x: Any) -> Any:
    """ψ⁽ⁿ⁾ on the backward's array, or, in a recorded backward, the op on its Tensor."""
    if isinstance(x, Tensor):
        return Polygamma.apply(x, n)
    return _in_dtype(_polygamma64, x, n)


# --------------------------------------------------------------------------- the ops


class Erf(Function):
    """f(a) = erf(a) = 2/√π ∫₀ᵃ exp(-t²) dt;  df/da = 2/√π · exp(-a²)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return erf_array(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.exp(-(a * a)) * _TWO_OVER_SQRT_PI


class Erfc(Function):
    """f(a) = erfc(a) = 1 - erf(a) (accurate where erf is near 1);  df/da = -2/√π · exp(-a²)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return _vectorised(_erfc_obj, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.exp(-(a * a)) * -_TWO_OVER_SQRT_PI


class Erfinv(Function):
    """f(a) = erf⁻¹(a) (|a| <= 1);  df/da = √π/2 · exp(f²)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        out = _in_dtype(_erfinv64, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * np.exp(out * out) * _SQRT_PI_OVER_TWO


class Lgamma(Function):
    """f(a) = ln|Γ(a)|;  df/da = ψ(a) (the digamma function)."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return _vectorised(_lgamma_obj, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _polygamma_of(0, a)


class Digamma(Function):
    """f(a) = ψ(a) = Γ'(a) / Γ(a);  df/da = ψ'(a) (the trigamma function, polygamma(1, a))."""

    @staticmethod
    def forward(ctx, a):
        a = _to_float(a)
        ctx.save_for_backward(a)
        return _in_dtype(_digamma64, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _polygamma_of(1, a)


class Polygamma(Function):
    """f(a) = ψ⁽ⁿ⁾(a), the n-th derivative of the digamma function;  df/da = ψ⁽ⁿ⁺¹⁾(a)."""

    @staticmethod
    def forward(ctx, a, n):
        a = _to_float(a)
        ctx.save_for_backward(a)
        ctx.n = n
        return _in_dtype(_polygamma64, a, n)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _polygamma_of(ctx.n + 1, a), None


# --------------------------------------------------------------------------- functional API


def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The error function ``2/√π ∫₀ˣ exp(-t²) dt``."""
    return write_out(Erf.apply(input), out, "erf")


def erfc(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The complementary error function ``1 - erf(x)``, accurate for large x."""
    return write_out(Erfc.apply(input), out, "erfc")


def erfinv(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse error function on [-1, 1] (±inf at ±1, nan outside)."""
    return write_out(Erfinv.apply(input), out, "erfinv")


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``ln |Γ(x)|`` (inf at 0 and the negative integers)."""
    return write_out(Lgamma.apply(input), out, "lgamma")


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``ψ(x) = d/dx ln Γ(x)`` (∓inf at ±0, nan at the negative integers)."""
    return write_out(Digamma.apply(input), out, "digamma")


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``ψ⁽ⁿ⁾(x)``, the n-th derivative of the digamma function (n >= 0)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueRangeError(f"polygamma: polygamma(n, x) does not support negative n, got {n}")
    return write_out(Polygamma.apply(input, int(n)), out, "polygamma")


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The multivariate log-gamma ``p(p-1)/4 · ln π + Σⱼ₌₁..ₚ lgamma(x - (j-1)/2)``, composed
    of ``lgamma`` ops (so as differentiable as they are)."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}")
    check_int64(int(p), "mvlgamma", "p")
    if p < 1:
        raise ValueRangeError(f"mvlgamma: p has to be an int >= 1, got {p!r}")
    total = lgamma(input)
    for j in range(1, int(p)):
        total = total + lgamma(input - j / 2)
    return write_out(total + p * (p - 1) / 4 * math.log(math.pi), out, "mvlgamma")
