"""Op-table rows for ``microtensor/ops/statistics.py`` (see ``optable.OpCase``).

As for sorting, ``avoid`` rejects near-ties, where the selected element (and so the
gradient) jumps. The counting ops (bincount, histc, histogram) have no gradient: their rows
compare the forward with NumPy only.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from cases_reduction import _one_dim
from cases_scan import _close_pairs
from optable import OpCase, unary

import microtensor as mt
from microtensor.ops import statistics as stat


def _lower_median(a, dim=None, keepdim=False):
    if dim is None:
        flat = np.sort(a.reshape(-1))
        return flat[(flat.size - 1) // 2]
    if a.ndim == 0:
        return a.copy()
    s = np.sort(a, axis=dim)
    v = np.take(s, [(a.shape[dim] - 1) // 2], axis=dim)
    return v if keepdim else np.squeeze(v, dim)


def _dim_keep(shapes):
    return st.fixed_dictionaries({"dim": _one_dim(shapes[0]), "keepdim": st.booleans()})


def _quantile_params(shapes):
    n = len(shapes[0])
    dim = st.none() | (st.integers(-n, n - 1) if n else st.sampled_from([0, -1]))
    return st.fixed_dictionaries({
        "q": st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0, (0.1, 0.75)]),
        "dim": dim, "keepdim": st.booleans(),
        "interpolation": st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"])})


def _quantile(fn):
    def call(a, q, dim, keepdim, interpolation):
        if isinstance(q, tuple):
            q = mt.tensor(np.array(q), dtype=a.dtype)
        return fn(a, q, dim, keepdim, interpolation=interpolation)
    return call


def _quantile_ref(a, q, dim, keepdim, interpolation):
    axis = None if dim is None or a.ndim == 0 else dim
    out = np.quantile(a, np.array(q), axis=axis, keepdims=keepdim, method=interpolation)
    if a.ndim == 0 and dim is not None:
        out = np.reshape(out, np.shape(q))
    return out


def _near_edge(a, edges):
    """True when a value is within 1e-4 of a bin edge (float32 rounding could move it)."""
    return bool(np.any(np.abs(a.reshape(-1, 1) - edges) < 1e-4))


def _flat_close(a, **_):
    return _close_pairs(a.reshape(-1), 0)


CASES: list[OpCase] = [
    OpCase("median", stat.median, _lower_median, unary(), (stat.MedianAll,), avoid=_flat_close),
    OpCase("nanmedian", stat.nanmedian, _lower_median, unary(), (stat.MedianAll,),
           avoid=_flat_close),
    OpCase("median(dim).values", lambda a, dim, keepdim: stat.median(a, dim, keepdim).values,
           _lower_median, unary(), (stat.Median,), params=_dim_keep,
           avoid=lambda a, dim, keepdim: _close_pairs(a, dim)),
    OpCase("nanmedian(dim).values",
           lambda a, dim, keepdim: stat.nanmedian(a, dim, keepdim).values, _lower_median,
           unary(), (stat.Median,), params=_dim_keep,
           avoid=lambda a, dim, keepdim: _close_pairs(a, dim)),
    # Distinct values all occur once: the mode is the smallest.
    OpCase("mode(dim).values", lambda a, dim, keepdim: stat.mode(a, dim, keepdim).values,
           lambda a, dim, keepdim: a.copy() if a.ndim == 0 else np.min(a, dim, keepdims=keepdim),
           unary(), (stat.Mode,), params=_dim_keep,
           avoid=lambda a, dim, keepdim: _close_pairs(a, dim)),
    OpCase("quantile", _quantile(stat.quantile), _quantile_ref, unary(), (stat.Quantile,),
           params=_quantile_params, avoid=lambda a, **kw: _flat_close(a)),
    OpCase("nanquantile", _quantile(stat.nanquantile), _quantile_ref, unary(),
           (stat.Quantile,), params=_quantile_params, avoid=lambda a, **kw: _flat_close(a)),
    OpCase("bincount", lambda a: stat.bincount((a.abs() * 2).long(), minlength=3),
           lambda a: np.bincount((np.abs(a) * 2).astype(np.int64).reshape(-1), minlength=3),
           unary(min_dims=1, max_dims=1), grad=False),
    OpCase("histc", lambda a: stat.histc(a, bins=5, min=-2, max=2),
           lambda a: np.histogram(a, bins=5, range=(-2, 2))[0], unary(), grad=False,
           avoid=lambda a: _near_edge(a, np.linspace(-2, 2, 6))),
    OpCase("histogram", lambda a: tuple(stat.histogram(a, 4, range=(-3.0, 3.0))),
           lambda a: np.histogram(a, bins=4, range=(-3, 3)), unary(), grad=False,
           avoid=lambda a: _near_edge(a, np.linspace(-3, 3, 5))),
]
