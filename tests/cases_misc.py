"""Op-table rows for ``microtensor/ops/misc.py``: cov, corrcoef, renorm, sum_to_size (all
composed of recorded ops); gcd/lcm have no gradient and are checked in the oracle."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from optable import OpCase, unary

from microtensor.ops import misc


def _rows_shape():
    # variables in rows, at least 2 observations (a covariance of 1 observation is nan)
    return st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda s: (s,))


def _renorm_ref(a, p, dim, maxnorm):
    others = tuple(k for k in range(a.ndim) if k != dim % a.ndim)
    norms = (np.abs(a) ** p).sum(axis=others, keepdims=True) ** (1 / p)
    return a * np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


def _renorm_params(shapes):
    n = len(shapes[0])
    return st.fixed_dictionaries({"p": st.sampled_from([1.0, 2.0, 3.0]),
                                  "dim": st.integers(-n, n - 1),
                                  "maxnorm": st.sampled_from([0.5, 1.0, 2.0])})


def _near_maxnorm(a, p, dim, maxnorm):
    d = dim % a.ndim
    others = tuple(k for k in range(a.ndim) if k != d)
    norms = (np.abs(a) ** p).sum(axis=others) ** (1 / p)
    return bool(np.any(np.abs(norms - maxnorm) < 1e-3)) or bool(np.any(np.abs(a) < 1e-3))


def _to_size(shapes):
    return st.fixed_dictionaries({"size": st.tuples(*[st.sampled_from([1, s])
                                                      for s in shapes[0]])})


def _sum_to_size_ref(a, size):
    axes = tuple(k for k, s in enumerate(size) if s == 1 and a.shape[k] != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


CASES = [
    OpCase("cov", misc.cov, lambda a: np.cov(a, ddof=1), _rows_shape),
    OpCase("corrcoef", misc.corrcoef, lambda a: np.clip(np.corrcoef(a), -1, 1), _rows_shape,
           avoid=lambda a: bool(np.any(a.std(axis=1) < 0.2))),
    OpCase("renorm", misc.renorm, _renorm_ref, unary(min_dims=1), params=_renorm_params,
           avoid=_near_maxnorm),
    OpCase("sum_to_size", lambda a, size: misc.sum_to_size(a, size), _sum_to_size_ref,
           unary(min_dims=1), params=_to_size),
]
