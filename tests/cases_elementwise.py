"""Op-table rows for ``microtensor/ops/elementwise.py`` (see ``optable.OpCase``).

Domains keep central differences meaningful: ``log``/``sqrt``/``pow`` get
positive inputs, divisors stay away from 0 (one row per sign), and ``avoid``
rejects draws that sit on a kink (``abs``/``relu`` at 0, ``clamp`` at a bound,
``maximum``/``minimum`` at a tie), where the derivative jumps.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_DIMS, MAX_SIDE, OpCase, broadcastable, unary

import microtensor as mt
from microtensor.ops import elementwise as ew

# A draw closer than this to a kink is rejected: far beyond gradcheck's eps (1e-6).
KINK = 1e-3


def _near(a, b) -> bool:
    return bool(np.any(np.abs(np.subtract(a, b)) < KINK))


def _number(lo: float, hi: float) -> st.SearchStrategy:
    # Exactly representable in float32, so the float32 run sees the same constant.
    return st.floats(lo, hi, width=32, allow_subnormal=False)


def _into() -> st.SearchStrategy:
    """Shapes (dst, src) where src broadcasts *into* dst (as ``copy_`` and ``add_`` need)."""

    def src_of(dst: tuple) -> st.SearchStrategy:
        return st.integers(0, len(dst)).flatmap(
            lambda k: st.tuples(*[st.sampled_from((1, n)) for n in dst[k:]])
        ).map(lambda src: (dst, src))

    return hnp.array_shapes(min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE).flatmap(src_of)


def _same_shape_twice() -> st.SearchStrategy:
    return unary()().map(lambda s: (s[0], s[0]))


def _clamp_bounds(shapes: tuple) -> st.SearchStrategy:
    lo = st.none() | _number(-2.0, 0.0)
    hi = st.none() | _number(0.5, 2.0)
    return st.fixed_dictionaries({"min": lo, "max": hi}).filter(
        lambda d: d["min"] is not None or d["max"] is not None
    )


def _clamp_ref(x, min, max):  # noqa: A002
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    return np.clip(x, lo, hi)


def _clamp_avoid(x, min, max) -> bool:  # noqa: A002
    return any(b is not None and _near(x, b) for b in (min, max))


def _inplace_add(a, b):
    t = a.clone()
    t += b
    return t


CASES: list[OpCase] = [
    # ------------------------------------------------------------ arithmetic
    OpCase("add", mt.add, np.add, broadcastable(2), (ew.Add,)),
    OpCase("add(alpha)", lambda a, b: mt.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b,
           broadcastable(2), (ew.Add, ew.MulScalar)),
    OpCase("add(scalar)", lambda a: a + 1.5, lambda a: a + 1.5, unary(), (ew.Add,)),
    OpCase("sub", mt.sub, np.subtract, broadcastable(2), (ew.Sub,)),
    OpCase("rsub(scalar)", lambda a: 2.0 - a, lambda a: 2.0 - a, unary(), (ew.Sub,)),
    OpCase("mul", mt.mul, np.multiply, broadcastable(2), (ew.Mul,)),
    OpCase("mul(scalar)", lambda a, c: mt.mul(a, c), lambda a, c: a * c, unary(), (ew.MulScalar,),
           params=lambda s: st.fixed_dictionaries({"c": _number(-3.0, 3.0)})),
    OpCase("rmul(scalar)", lambda a: 2.5 * a, lambda a: 2.5 * a, unary(), (ew.MulScalar,)),
    # Divisors stay in [0.5, 3] (or its negative): 1/b must not blow up between draws.
    OpCase("div", mt.div, np.divide, broadcastable(2), (ew.Div,), low=0.5, high=3.0),
    # % jumps where a/b is a whole number: keep central differences away from there.
    OpCase("remainder", mt.remainder, np.remainder, broadcastable(2), (ew.Remainder,),
           low=0.5, high=3.0,
           avoid=lambda a, b: bool(np.any(np.abs(a / b - np.round(a / b)) < 1e-3))),
    OpCase("div(negative)", mt.div, np.divide, broadcastable(2), (ew.Div,), low=-3.0, high=-0.5),
    OpCase("rdiv(scalar)", lambda a: 1.5 / a, lambda a: 1.5 / a, unary(), (ew.Div,),
           low=0.5, high=3.0),
    OpCase("div(scalar)", lambda a, c: mt.div(a, c), lambda a, c: a / c, unary(), (ew.DivScalar,),
           params=lambda s: st.fixed_dictionaries({"c": st.sampled_from([-2.5, -1.0, 0.5, 3.0])})),
    OpCase("neg", mt.neg, np.negative, unary(), (ew.Neg,)),
    OpCase("pow", mt.pow, np.power, broadcastable(2), (ew.Pow,), low=0.5, high=3.0),
    OpCase("pow(scalar exponent)", lambda a, c: mt.pow(a, c), lambda a, c: a**c, unary(),
           (ew.PowScalar,), low=0.5, high=3.0,
           params=lambda s: st.fixed_dictionaries(
               {"c": st.sampled_from([-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3])})),
    OpCase("pow(integer exponent)", lambda a, c: a**c, lambda a, c: a**c, unary(), (ew.PowScalar,),
           params=lambda s: st.fixed_dictionaries({"c": st.sampled_from([0, 1, 2, 3])})),
    OpCase("pow(scalar base)", lambda b, c: mt.pow(c, b), lambda b, c: np.power(c, b), unary(),
           (ew.RPowScalar,),
           params=lambda s: st.fixed_dictionaries({"c": st.sampled_from([0.5, 2.0, 10.0])})),
    # ------------------------------------------------------------ unary math
    OpCase("exp", mt.exp, np.exp, unary(), (ew.Exp,)),
    OpCase("log", mt.log, np.log, unary(), (ew.Log,), low=0.1, high=5.0),
    OpCase("sqrt", mt.sqrt, np.sqrt, unary(), (ew.Sqrt,), low=0.1, high=5.0),
    OpCase("abs", mt.abs, np.abs, unary(), (ew.Abs,), avoid=lambda a: _near(a, 0)),
    OpCase("sin", mt.sin, np.sin, unary(), (ew.Sin,)),
    OpCase("cos", mt.cos, np.cos, unary(), (ew.Cos,)),
    OpCase("tanh", mt.tanh, np.tanh, unary(), (ew.Tanh,)),
    OpCase("sigmoid", mt.sigmoid, lambda a: 1 / (1 + np.exp(-a)), unary(), (ew.Sigmoid,),
           low=-6.0, high=6.0),
    OpCase("relu", mt.relu, lambda a: np.maximum(a, 0), unary(), (ew.Relu,),
           avoid=lambda a: _near(a, 0)),
    OpCase("square", mt.square, np.square, unary(), (ew.Square,)),
    OpCase("reciprocal", mt.reciprocal, np.reciprocal, unary(), (ew.Reciprocal,),
           low=0.25, high=3.0),
    OpCase("reciprocal(negative)", mt.reciprocal, np.reciprocal, unary(), (ew.Reciprocal,),
           low=-3.0, high=-0.25),
    OpCase("sign", mt.sign, np.sign, unary(), (ew.Sign,), avoid=lambda a: _near(a, 0)),
    OpCase("clamp", mt.clamp, _clamp_ref, unary(), (ew.Clamp,), params=_clamp_bounds,
           avoid=_clamp_avoid),
    OpCase("maximum", mt.maximum, np.maximum, broadcastable(2), (ew.Maximum,), avoid=_near),
    OpCase("minimum", mt.minimum, np.minimum, broadcastable(2), (ew.Minimum,), avoid=_near),
    # The condition comes from input 0, which is not differentiated (its kink does not matter).
    OpCase("where", lambda c, a, b: mt.where(c > 0, a, b), lambda c, a, b: np.where(c > 0, a, b),
           broadcastable(3), (ew.Where,), inputs_requiring_grad=(1, 2)),
    OpCase("masked_fill", lambda x, m: x.masked_fill(m > 0, 1.5),
           lambda x, m: np.where(m > 0, 1.5, x), _same_shape_twice, (ew.Where,),
           inputs_requiring_grad=(0,)),
    # ------------------------------------------------------------ copies, casts, in place
    OpCase("clone", lambda a: a.clone(), np.copy, unary(), (ew.Clone,)),
    # float64 -> float32 rounds each value by up to ~1e-7, which a step of 1e-6 sees as
    # ~10 % noise in the numerical derivative: the loose atol still catches a wrong factor.
    OpCase("to(float32)", lambda a: a.to(mt.float32), lambda a: a.astype(np.float32), unary(),
           (ew.ToDtype,), low=-1.0, high=1.0, atol=0.25),
    OpCase("fill_", lambda a, v: a.clone().fill_(v), lambda a, v: np.full_like(a, v), unary(),
           (ew.Clone, ew.Fill), params=lambda s: st.fixed_dictionaries({"v": _number(-3, 3)})),
    OpCase("copy_", lambda a, b: a.clone().copy_(b),
           lambda a, b: np.broadcast_to(b, a.shape).copy(), _into, (ew.Clone, ew.Copy)),
    OpCase("+= (non-leaf)", _inplace_add, lambda a, b: a + b, _into, (ew.Clone, ew.Add)),
    OpCase("mul_ (non-leaf)", lambda a, b: a.clone().mul_(b), lambda a, b: a * b, _into,
           (ew.Clone, ew.Mul)),
]
