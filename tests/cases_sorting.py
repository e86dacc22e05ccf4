"""Op-table rows for ``microtensor/ops/sorting.py`` (see ``optable.OpCase``).

Values are drawn continuous and ``avoid`` rejects near-ties (two values of a slice within
KINK): there the sorted order, and with it the gradient, jumps. Ties themselves (stable
order, PyTorch's indices) are tested in ``test_scan_sort.py`` and against PyTorch.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from cases_reduction import _one_dim
from cases_scan import _close_pairs
from optable import MAX_SIDE, OpCase, unary

from microtensor.ops import sorting as so


def _k(shape, dim, low):
    return st.integers(low, shape[dim]) if shape else st.just(1)


def _sort_params(shapes):
    return st.fixed_dictionaries({"dim": _one_dim(shapes[0]), "descending": st.booleans()})


def _sort_ref(a, dim, descending):
    if a.ndim == 0:
        return a.copy(), np.zeros((), np.int64)
    idx = np.argsort(-a if descending else a, axis=dim, kind="stable")
    return np.take_along_axis(a, idx, dim), idx


def _topk_params(shapes):
    return _one_dim(shapes[0]).flatmap(lambda d: st.fixed_dictionaries(
        {"k": _k(shapes[0], d, 0), "dim": st.just(d), "largest": st.booleans()}))


def _topk_ref(a, k, dim, largest):
    if a.ndim == 0:
        return a[()] * np.ones(()), np.zeros((), np.int64)
    v, i = _sort_ref(a, dim, largest)
    return np.take(v, np.arange(k), axis=dim), np.take(i, np.arange(k), axis=dim)


def _kth_params(shapes):
    return _one_dim(shapes[0]).flatmap(lambda d: st.fixed_dictionaries(
        {"k": _k(shapes[0], d, 1), "dim": st.just(d), "keepdim": st.booleans()}))


def _kth_ref(a, k, dim, keepdim):
    if a.ndim == 0:
        return a.copy(), np.zeros((), np.int64)
    v, i = _sort_ref(a, dim, False)
    v, i = np.take(v, [k - 1], axis=dim), np.take(i, [k - 1], axis=dim)
    return (v, i) if keepdim else (np.squeeze(v, dim), np.squeeze(i, dim))


def _search_params(shapes):
    return st.fixed_dictionaries({"right": st.booleans()})


def _searchsorted(seq, values, right):
    return so.searchsorted(so.sort(seq).values, values, right=right)


def _searchsorted_ref(seq, values, right):
    return np.searchsorted(np.sort(seq), values, side="right" if right else "left")


def _unique_ref(a):
    # values rounded to one decimal so that repeats occur
    v, inv, cnt = np.unique(np.round(a), return_inverse=True, return_counts=True)
    return v, inv.reshape(a.shape), cnt


CASES: list[OpCase] = [
    OpCase("sort", lambda a, dim, descending: tuple(so.sort(a, dim, descending)), _sort_ref,
           unary(), (so.Sort, so.TakeAlong), params=_sort_params,
           avoid=lambda a, dim, descending: _close_pairs(a, dim)),
    OpCase("argsort", so.argsort, lambda a, dim, descending: _sort_ref(a, dim, descending)[1],
           unary(), params=_sort_params, grad=False,
           avoid=lambda a, dim, descending: _close_pairs(a, dim)),
    OpCase("msort", so.msort, lambda a: np.sort(a, axis=0) if a.ndim else a.copy(), unary(),
           (so.Sort,), avoid=lambda a: _close_pairs(a, 0)),
    OpCase("topk", lambda a, k, dim, largest: tuple(so.topk(a, k, dim, largest)), _topk_ref,
           unary(), (so.Topk,), params=_topk_params,
           avoid=lambda a, k, dim, largest: _close_pairs(a, dim)),
    OpCase("kthvalue", lambda a, k, dim, keepdim: tuple(so.kthvalue(a, k, dim, keepdim)),
           _kth_ref, unary(), (so.Kthvalue,), params=_kth_params,
           avoid=lambda a, k, dim, keepdim: _close_pairs(a, dim)),
    OpCase("searchsorted", _searchsorted, _searchsorted_ref,
           lambda: st.tuples(st.integers(1, MAX_SIDE).map(lambda n: (n,)),
                             st.lists(st.integers(0, MAX_SIDE), max_size=2).map(tuple)),
           params=_search_params, grad=False),
    OpCase("unique", lambda a: so.unique(a.round(), return_inverse=True, return_counts=True),
           _unique_ref, unary(), grad=False),
]
