"""Op-table rows for ``ops/activation_extra.py`` (see ``optable.OpCase``).

The hard activations, the shrinks, ``threshold``, Mish, LogSigmoid, Softsign, PReLU,
and the ones written over other ops (``relu6``, ``selu``, ``celu``, ``softmin``,
``glu``, ``tanhshrink``). ``avoid`` rejects draws within ``KINK`` of a kink, where
central differences straddle the jump in the derivative.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from optable import MAX_SIDE, OpCase, unary

import microtensor.nn.functional as F
from microtensor.ops import activation as act
from microtensor.ops import activation_extra as ax

KINK = 1e-3


def _near(x, *points) -> bool:
    return any(bool(np.any(np.abs(np.asarray(x) - p) < KINK)) for p in points)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def _softmax(x, dim):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _glu_shapes() -> st.SearchStrategy:
    """A shape whose last dim is even."""
    return st.tuples(st.lists(st.integers(1, 3), max_size=2), st.integers(1, 2)).map(
        lambda s: (tuple(s[0]) + (2 * s[1],),))


def _glu_ref(x):
    a, b = np.split(x, 2, axis=-1)
    return a * _sigmoid(b)


def _prelu_shapes() -> st.SearchStrategy:
    """Input (N, C, *) and one slope per channel, or a single slope."""
    side = st.integers(1, MAX_SIDE)
    return st.tuples(side, side, st.lists(st.integers(1, 3), max_size=2), st.booleans()).map(
        lambda s: ((s[0], s[1], *s[2]), (s[1] if s[3] else 1,)))


def _prelu_ref(x, w):
    w = w.reshape((1, -1) + (1,) * (x.ndim - 2)) if w.size > 1 else w.reshape(())
    return np.where(x > 0, x, w * x)


CASES: list[OpCase] = [
    OpCase("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), unary(),
           (ax.Hardsigmoid,), low=-4, high=4, avoid=lambda x: _near(x, -3, 3)),
    OpCase("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, unary(),
           (ax.Hardswish,), low=-4, high=4, avoid=lambda x: _near(x, -3, 3)),
    OpCase("relu6", F.relu6, lambda x: np.clip(x, 0, 6), unary(), (act.Hardtanh,),
           low=-2, high=8, avoid=lambda x: _near(x, 0, 6)),
    OpCase("mish", F.mish, lambda x: x * np.tanh(_softplus(x)), unary(), (ax.Mish,)),
    OpCase("logsigmoid", F.logsigmoid, lambda x: np.log(_sigmoid(x)), unary(), (ax.LogSigmoid,)),
    OpCase("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), unary(), (ax.Softsign,),
           avoid=lambda x: _near(x, 0)),
    OpCase("softshrink", F.softshrink, lambda x: np.where(x > 0.5, x - 0.5,
                                                          np.where(x < -0.5, x + 0.5, 0)),
           unary(), (ax.Softshrink,), avoid=lambda x: _near(x, -0.5, 0.5)),
    OpCase("hardshrink(0.25)", lambda x: F.hardshrink(x, 0.25),
           lambda x: np.where(np.abs(x) > 0.25, x, 0), unary(), (ax.Hardshrink,),
           avoid=lambda x: _near(x, -0.25, 0.25)),
    OpCase("threshold(0.5, -1)", lambda x: F.threshold(x, 0.5, -1.0),
           lambda x: np.where(x > 0.5, x, -1.0), unary(), (ax.Threshold,),
           avoid=lambda x: _near(x, 0.5)),
    OpCase("prelu", F.prelu, _prelu_ref, _prelu_shapes, (ax.Prelu,),
           avoid=lambda x, w: _near(x, 0)),
    OpCase("selu", F.selu, lambda x: ax.SELU_SCALE * _elu(x, ax.SELU_ALPHA), unary(),
           (act.Elu,), avoid=lambda x: _near(x, 0)),
    OpCase("celu(0.5)", lambda x: F.celu(x, 0.5), lambda x: np.where(x > 0, x,
                                                                     0.5 * np.expm1(x / 0.5)),
           unary(), (act.Elu,), avoid=lambda x: _near(x, 0)),
    OpCase("softmin", lambda x: F.softmin(x, -1), lambda x: _softmax(-x, -1), unary(),
           (act.Softmax,)),
    OpCase("glu", F.glu, _glu_ref, _glu_shapes, ()),
    OpCase("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x), unary(), ()),
]
