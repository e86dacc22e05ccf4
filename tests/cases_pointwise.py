"""Op-table rows for the pointwise math added with the wide tensor API (see ``optable.OpCase``):
exp/log variants, trigonometry, special functions, rounding, fmax/fmin, copysign, fmod and
the composed ops (addcmul, addcdiv, lerp, float_power).

Domains keep central differences meaningful (logs and roots on positive inputs, inverse
trig inside (-1, 1)); ``avoid`` rejects draws next to a jump (rounding at its steps,
``fmod`` where the quotient is whole, ``copysign`` where the sign flips). The special
functions' references are independent of the implementation: series and sums written here
with Python's ``math``.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
from optable import OpCase, broadcastable, unary

import microtensor as mt
from microtensor.ops import elementwise as ew

KINK = 1e-3


def _near(a, b) -> bool:
    return bool(np.any(np.abs(np.subtract(a, b)) < KINK))


def _near_whole(x) -> bool:
    return bool(np.any(np.abs(x - np.round(x)) < KINK))


def _vec(fn):
    return lambda a: np.vectorize(fn, otypes=[np.float64])(a)


def _hurwitz_tail(x, s: int, terms: int = 200):
    """Σₖ (x + k)^-s, k >= 0: the first ``terms`` exactly, the rest by Euler-Maclaurin."""
    x = np.asarray(x, dtype=np.float64)
    total = sum((x + k) ** -s for k in range(terms))
    y = x + terms
    return total + y ** (1 - s) / (s - 1) + 0.5 * y**-s + s * y ** (-s - 1) / 12


def _digamma_ref(x):
    x = np.asarray(x, dtype=np.float64)
    n = 200
    y = x + n
    head = sum(1.0 / (x + k) for k in range(n))
    return np.log(y) - 0.5 / y - 1 / (12 * y**2) + 1 / (120 * y**4) - head


def _polygamma_ref(x, n):
    return (-1) ** (n + 1) * math.factorial(n) * _hurwitz_tail(x, n + 1)


def _erfinv_ref(y):
    """Bisection on math.erf: slow, but shares nothing with the implementation."""

    def one(v):
        lo, hi = -6.0, 6.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if math.erf(mid) < v else (lo, mid)
        return 0.5 * (lo + hi)

    return _vec(one)(y)


def _bessel_ref(order: int):
    """Iₙ(x) = (1/π) ∫₀^π exp(x cos t) cos(nt) dt, by the trapezoid rule (spectrally accurate
    for this periodic integrand)."""

    def ref(x):
        t = np.linspace(0.0, np.pi, 401)
        f = np.exp(np.multiply.outer(x, np.cos(t))) * np.cos(order * t)
        return (f.sum(-1) - 0.5 * (f[..., 0] + f[..., -1])) * (t[1] - t[0]) / np.pi

    return ref


def _igamma_ref(a, x):
    """P(a, x) = x^a e^-x Σₙ xⁿ / Γ(a + n + 1), summed far past convergence."""
    a, x = np.broadcast_arrays(np.asarray(a, float), np.asarray(x, float))
    total = np.zeros(a.shape)
    for n in range(200):
        total = total + np.exp((a + n) * np.log(x) - x - _vec(math.lgamma)(a + n + 1))
    return total


def _logit_ref(x, eps):
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    return np.log(z / (1 - z))


def _round_ref(x, decimals):
    return np.round(x, decimals)


def _round_avoid(x, decimals):
    scaled = x * 10.0**decimals
    return bool(np.any(np.abs(scaled - np.floor(scaled) - 0.5) < KINK * 10.0**decimals))


CASES: list[OpCase] = [
    # ------------------------------------------------------------ exp and log
    OpCase("exp2", mt.exp2, np.exp2, unary(), (ew.Exp2,)),
    OpCase("expm1", mt.expm1, np.expm1, unary(), (ew.Expm1,)),
    OpCase("log2", mt.log2, np.log2, unary(), (ew.Log2,), low=0.1, high=5.0),
    OpCase("log10", mt.log10, np.log10, unary(), (ew.Log10,), low=0.1, high=5.0),
    OpCase("log1p", mt.log1p, np.log1p, unary(), (ew.Log1p,), low=-0.8, high=4.0),
    OpCase("xlogy", mt.xlogy, lambda a, b: a * np.log(b), broadcastable(2), (ew.Xlogy,),
           low=0.1, high=3.0),
    OpCase("logaddexp", mt.logaddexp, np.logaddexp, broadcastable(2), (ew.LogAddExp,)),
    OpCase("logaddexp2", mt.logaddexp2, np.logaddexp2, broadcastable(2), (ew.LogAddExp2,)),
    OpCase("rsqrt", mt.rsqrt, lambda a: 1 / np.sqrt(a), unary(), (ew.Rsqrt,),
           low=0.2, high=5.0),
    OpCase("logit", mt.logit, lambda a: _logit_ref(a, None), unary(), (ew.Logit,),
           low=0.05, high=0.95),
    OpCase("logit(eps)", lambda a: mt.logit(a, eps=0.25), lambda a: _logit_ref(a, 0.25),
           unary(), (ew.Logit,), low=0.05, high=0.95,
           avoid=lambda a: _near(a, 0.25) or _near(a, 0.75)),
    # ------------------------------------------------------------ trigonometry
    OpCase("tan", mt.tan, np.tan, unary(), (ew.Tan,), low=-1.2, high=1.2),
    OpCase("asin", mt.asin, np.arcsin, unary(), (ew.Asin,), low=-0.9, high=0.9),
    OpCase("acos", mt.acos, np.arccos, unary(), (ew.Acos,), low=-0.9, high=0.9),
    OpCase("atan", mt.atan, np.arctan, unary(), (ew.Atan,)),
    # atan2 jumps by 2π across the negative x-axis (input 0 near 0 with input 1 < 0).
    OpCase("atan2", mt.atan2, np.arctan2, broadcastable(2), (ew.Atan2,),
           avoid=lambda a, b: _near(a, 0) or _near(b, 0)),
    OpCase("sinh", mt.sinh, np.sinh, unary(), (ew.Sinh,)),
    OpCase("cosh", mt.cosh, np.cosh, unary(), (ew.Cosh,)),
    OpCase("asinh", mt.asinh, np.arcsinh, unary(), (ew.Asinh,)),
    OpCase("acosh", mt.acosh, np.arccosh, unary(), (ew.Acosh,), low=1.2, high=4.0),
    OpCase("atanh", mt.atanh, np.arctanh, unary(), (ew.Atanh,), low=-0.9, high=0.9),
    OpCase("sinc", mt.sinc, np.sinc, unary(), (ew.Sinc,), avoid=lambda a: _near(a, 0)),
    OpCase("hypot", mt.hypot, np.hypot, broadcastable(2), (ew.Hypot,), low=0.5, high=3.0),
    OpCase("hypot(signed)", mt.hypot, np.hypot, broadcastable(2), (ew.Hypot,),
           avoid=lambda a, b: bool(np.any(np.hypot(a, b) < 0.1))),
    OpCase("deg2rad", mt.deg2rad, np.deg2rad, unary(), (ew.MulScalar,), low=-180, high=180),
    OpCase("rad2deg", mt.rad2deg, np.rad2deg, unary(), (ew.MulScalar,)),
    # ------------------------------------------------------------ special functions
    OpCase("erf", mt.erf, _vec(math.erf), unary(), (ew.Erf,)),
    OpCase("erfc", mt.erfc, _vec(math.erfc), unary(), (ew.Erfc,)),
    OpCase("erfinv", mt.erfinv, _erfinv_ref, unary(), (ew.Erfinv,), low=-0.95, high=0.95),
    OpCase("lgamma", mt.lgamma, _vec(math.lgamma), unary(), (ew.Lgamma, ew.Digamma),
           low=0.1, high=6.0),
    OpCase("lgamma(negative)", mt.lgamma, _vec(math.lgamma), unary(), (ew.Lgamma, ew.Digamma),
           low=-2.9, high=-2.1),
    OpCase("digamma", mt.digamma, _digamma_ref, unary(), (ew.Digamma, ew.Polygamma),
           low=0.2, high=12.0),
    OpCase("polygamma", lambda a, n: mt.polygamma(n, a), _polygamma_ref, unary(),
           (ew.Polygamma,), low=0.3, high=12.0,
           params=lambda s: st.fixed_dictionaries({"n": st.sampled_from([1, 2, 3])})),
    OpCase("i0", mt.i0, _bessel_ref(0), unary(), (ew.I0, ew.I1), low=-4.0, high=4.0),
    # P(a, x): only x is differentiated (PyTorch has no derivative in a either).
    OpCase("igamma", mt.igamma, _igamma_ref, broadcastable(2), (ew.Igamma, ew.Lgamma),
           low=0.3, high=6.0, inputs_requiring_grad=(1,)),
    OpCase("igammac", mt.igammac, lambda a, x: 1 - _igamma_ref(a, x), broadcastable(2),
           (ew.Igammac, ew.Lgamma), low=0.3, high=6.0, inputs_requiring_grad=(1,)),
    # ------------------------------------------------------------ piecewise and rounding
    OpCase("fmod", mt.fmod, np.fmod, broadcastable(2), (ew.Fmod,), low=0.5, high=3.0,
           avoid=lambda a, b: _near_whole(a / b)),
    OpCase("fmod(signed)", mt.fmod, np.fmod, broadcastable(2), (ew.Fmod,),
           avoid=lambda a, b: bool(np.any(np.abs(b) < 0.25)) or _near_whole(a / b)),
    OpCase("fmax", mt.fmax, np.fmax, broadcastable(2), (ew.Fmax,), avoid=_near),
    OpCase("fmin", mt.fmin, np.fmin, broadcastable(2), (ew.Fmin,), avoid=_near),
    OpCase("copysign", mt.copysign, np.copysign, broadcastable(2), (ew.Copysign,),
           avoid=lambda a, b: _near(a, 0) or _near(b, 0)),
    OpCase("floor", mt.floor, np.floor, unary(), (ew.Floor,), avoid=_near_whole),
    OpCase("ceil", mt.ceil, np.ceil, unary(), (ew.Ceil,), avoid=_near_whole),
    OpCase("trunc", mt.trunc, np.trunc, unary(), (ew.Trunc,), avoid=_near_whole),
    OpCase("frac", mt.frac, lambda a: a - np.trunc(a), unary(), (ew.Frac,),
           avoid=_near_whole),
    OpCase("round", lambda a, decimals: mt.round(a, decimals=decimals), _round_ref, unary(),
           (ew.Round,), params=lambda s: st.fixed_dictionaries(
               {"decimals": st.sampled_from([0, 1, -1])}), avoid=_round_avoid),
    # log of a negative draw is nan, of 0 is -inf: nan_to_num makes both finite.
    OpCase("nan_to_num(log)", lambda a: mt.nan_to_num(mt.log(a), nan=0.5),
           lambda a: np.nan_to_num(np.log(np.where(a < 0, np.nan, a)), nan=0.5), unary(),
           (ew.NanToNum, ew.Log), avoid=lambda a: _near(a, 0)),
    OpCase("clamp_min", lambda a: mt.clamp_min(a, 0.5), lambda a: np.maximum(a, 0.5), unary(),
           (ew.Clamp,), avoid=lambda a: _near(a, 0.5)),
    OpCase("clamp_max", lambda a: a.clamp_max(0.5), lambda a: np.minimum(a, 0.5), unary(),
           (ew.Clamp,), avoid=lambda a: _near(a, 0.5)),
    # ------------------------------------------------------------ composed and fast paths
    OpCase("gradient", lambda a, edge_order: mt.gradient(a, spacing=0.5, edge_order=edge_order),
           lambda a, edge_order: np.gradient(a, 0.5, edge_order=edge_order),
           unary(min_dims=1, max_dims=2, min_side=3), (ew.Sub, ew.Add, ew.DivScalar, ew.MulScalar),
           params=lambda s: st.fixed_dictionaries({"edge_order": st.sampled_from([1, 2])})),
    OpCase("addcmul", lambda a, b, c: mt.addcmul(a, b, c, value=0.5),
           lambda a, b, c: a + 0.5 * b * c, broadcastable(3), (ew.Add, ew.Mul, ew.MulScalar)),
    OpCase("addcdiv", lambda a, b, c: mt.addcdiv(a, b, c, value=-2.0),
           lambda a, b, c: a - 2.0 * b / c, broadcastable(3), (ew.Add, ew.Div, ew.MulScalar),
           low=0.5, high=3.0),
    OpCase("lerp(scalar weight)", lambda a, b: mt.lerp(a, b, 0.25),
           lambda a, b: a + 0.25 * (b - a), broadcastable(2), (ew.Add, ew.Sub, ew.MulScalar)),
    OpCase("lerp(tensor weight)", mt.lerp, lambda a, b, w: a + w * (b - a), broadcastable(3),
           (ew.Add, ew.Sub, ew.Mul)),
    # float_power computes in float64 (as PyTorch); cast back, so float32 stays float32 here.
    OpCase("float_power", lambda a, b: mt.float_power(a, b).to(a.dtype), np.float_power,
           broadcastable(2), (ew.Pow, ew.ToDtype), low=0.5, high=3.0),
    OpCase("pow(integral float exponent)", lambda a, c: a**c, lambda a, c: a**c, unary(),
           (ew.PowScalar,), params=lambda s: st.fixed_dictionaries(
               {"c": st.sampled_from([2.0, 3.0])})),
    OpCase("pow(negative exponent)", lambda a, c: a.pow(c), lambda a, c: a**c, unary(),
           (ew.PowScalar,), low=0.5, high=3.0, params=lambda s: st.fixed_dictionaries(
               {"c": st.sampled_from([-2, -1, -0.5, 0.5])})),
]
