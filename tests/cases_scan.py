"""Op-table rows for ``microtensor/ops/scan.py`` (see ``optable.OpCase``).

``params`` draw one valid dim (negative ones included; 0-d tensors take 0 or -1).
``avoid`` rejects near-ties for cummax/cummin (where the running extremum switches, it has
a kink) and, for cumprod, values near 0 (the gradient divides by them; the exact zero
case is tested in ``test_scan_sort.py``).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from cases_reduction import KINK, _one_dim
from optable import OpCase, unary

from microtensor.ops import scan


def _dim_params(shapes, **extra):
    return st.fixed_dictionaries({"dim": _one_dim(shapes[0]), **extra})


def _np_scan(fn):
    def ref(a, dim):
        return a.copy() if a.ndim == 0 else fn(a, axis=dim)
    return ref


def _running(a, dim, largest):
    if a.ndim == 0:
        return a.copy(), np.zeros((), np.int64)
    acc = np.maximum.accumulate if largest else np.minimum.accumulate
    values = acc(a, axis=dim)
    # (values are distinct: the index is where the running extremum occurs in the prefix)
    idx = np.zeros(a.shape, np.int64)
    am, vm, im = (np.moveaxis(x, dim, -1) for x in (a, values, idx))
    for k in range(a.shape[dim]):
        im[..., k] = np.argmax(am[..., : k + 1] == vm[..., k : k + 1], axis=-1)
    return values, idx


def _close_pairs(a, dim=None, **_):
    """True when two values of a slice along ``dim`` are within KINK (a running-extremum tie)."""
    if a.ndim == 0 or a.shape[dim] < 2:
        return False
    s = np.sort(a, axis=dim)
    return bool(np.any(np.diff(s, axis=dim) < KINK))


def _logcumsumexp(a, dim):
    return a.copy() if a.ndim == 0 else np.logaddexp.accumulate(a, axis=dim)


def _diff_ref(a, n, dim):
    return np.diff(a, n=n, axis=dim)


CASES: list[OpCase] = [
    OpCase("cumsum", scan.cumsum, _np_scan(np.cumsum), unary(), (scan.Cumsum,),
           params=_dim_params),
    OpCase("cumprod", scan.cumprod, _np_scan(np.cumprod), unary(), (scan.Cumprod,),
           low=-2.0, high=2.0, params=_dim_params,
           avoid=lambda a, dim: bool(np.any(np.abs(a) < 1e-2))),
    OpCase("logcumsumexp", scan.logcumsumexp, _logcumsumexp, unary(), (scan.LogCumSumExp,),
           params=_dim_params),
    OpCase("cummax", lambda a, dim: tuple(scan.cummax(a, dim)),
           lambda a, dim: _running(a, dim, True), unary(), (scan.Cummax,),
           params=_dim_params, avoid=_close_pairs),
    OpCase("cummin", lambda a, dim: tuple(scan.cummin(a, dim)),
           lambda a, dim: _running(a, dim, False), unary(), (scan.Cummin,),
           params=_dim_params, avoid=_close_pairs),
    OpCase("diff", scan.diff, _diff_ref, unary(min_dims=1), (),
           params=lambda shapes: _dim_params(shapes, n=st.integers(0, 3))),
]
