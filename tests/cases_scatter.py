"""Op-table rows for ``microtensor/ops/scatter.py``: scatter/scatter_add/scatter_reduce,
index_select/index_add/index_copy/index_fill/index_reduce, take_along_dim (see
``optable.OpCase``; gather's row is in ``cases_shape.py``).

The NumPy references loop over the index element by element, the way the docs define
the ops, so they share nothing with the vectorised forwards. Rows whose result depends on
which of two equal indices "wins" (``scatter``, ``index_copy``) draw indices without
repeats; the accumulating ones draw repeats on purpose. ``amax``/``amin`` rows spread the
values apart (``_distinct``) so that no tie makes the function non-differentiable.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import OpCase

from microtensor.ops import indexing as ix
from microtensor.ops import scatter as sc

_shape = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _pair() -> st.SearchStrategy:
    """(input shape, src shape) of one rank."""
    return _shape.flatmap(lambda s: st.tuples(
        st.just(s), st.tuples(*[st.integers(1, 4) for _ in s])))


def _scatter_params(shapes: tuple, unique: bool) -> st.SearchStrategy:
    x, s = shapes
    n = len(x)

    def for_dim(d: int) -> st.SearchStrategy:
        limits = [s[k] if k == d else min(s[k], x[k]) for k in range(n)]
        if unique:
            limits[d] = min(limits[d], x[d])
        sizes = st.tuples(*[st.integers(1, m) for m in limits])

        def index(shape: tuple) -> st.SearchStrategy:
            if not unique:
                return hnp.arrays(np.int64, shape, elements=st.integers(0, x[d] - 1))
            # A distinct index per line along d: the first entries of a permutation.
            keys = (x[d],) + shape[:d] + shape[d + 1:]
            return hnp.arrays(np.float64, keys, elements=st.floats(0, 1), unique=False).map(
                lambda k: np.moveaxis(np.argsort(k, axis=0, kind="stable")[:shape[d]], 0, d))

        return sizes.flatmap(index).map(lambda i: {"dim": d - n if d % 2 else d, "index": i})

    return st.integers(0, n - 1).flatmap(for_dim)


def _positions(index: np.ndarray, dim: int):
    d = dim % index.ndim
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[d] = index[pos]
        yield pos, tuple(target)


def _scatter_ref(x, s, dim, index):
    out = x.copy()
    for pos, target in _positions(index, dim):
        out[target] = s[pos]
    return out


def _scatter_add_ref(x, s, dim, index):
    out = x.copy()
    for pos, target in _positions(index, dim):
        out[target] += s[pos]
    return out


def _reduce_ref(x, s, dim, index, reduce, include_self):
    groups: dict = {}
    for pos, target in _positions(index, dim):
        groups.setdefault(target, []).append(s[pos])
    out = x.copy()
    fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    for target, vals in groups.items():
        vals = ([x[target]] if include_self else []) + vals
        out[target] = fn[reduce](vals)
    return out


def _distinct(x, s):
    """Values at least 0.1 apart (drawn in [-0.04, 0.04], then offset): no ties."""
    nx, ns = math.prod(x.shape), math.prod(s.shape)
    dt = x.dtype
    return (x + np.arange(nx, dtype=dt).reshape(x.shape) * dt.type(0.1),
            s + (np.arange(ns, dtype=dt).reshape(s.shape) * 0.1 + 0.05 + nx * 0.1).astype(dt))


def _reduce_params(reduces: list) -> callable:
    return lambda shapes: _scatter_params(shapes, unique=False).flatmap(
        lambda p: st.fixed_dictionaries({
            **{k: st.just(v) for k, v in p.items()},
            "reduce": st.sampled_from(reduces), "include_self": st.booleans()}))


def _src_last(op):
    """``op(x, dim, index, s, ...)`` called as the table calls rows: ``fn(x, s, **params)``."""
    def call(x, s, dim, index, **kw):
        return op(x, dim, index, s, **kw)
    return call


def _spread(fn):
    def call(x, s, **kw):
        x2, s2 = _distinct(x, s)
        return fn(x2, s2, **kw)
    return call


# ----------------------------------------------------------------- index_* (one dim)


def _index_params(shapes: tuple, unique: bool) -> st.SearchStrategy:
    x = shapes[0]
    n = len(x)

    def for_dim(d: int) -> st.SearchStrategy:
        if unique:
            idx = st.permutations(range(x[d])).flatmap(
                lambda p: st.integers(1, x[d]).map(lambda k: np.array(p[:k], np.int64)))
        else:
            # (negative indices: only index_fill takes them, and its row draws from here too)
            idx = hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(0, x[d] - 1))
        return idx.map(lambda i: {"dim": d if d % 2 else d - n, "index": i})

    return st.integers(0, n - 1).flatmap(for_dim)


def _source_shapes(unique: bool) -> callable:
    """(input shape, source shape): the same but along one dim, where the source has the
    index's length (at most the input's size there when the index must not repeat)."""
    def build(x: tuple) -> st.SearchStrategy:
        return st.integers(0, len(x) - 1).flatmap(lambda d: st.integers(
            1, x[d] if unique else 4).map(lambda k: (x, x[:d] + (k,) + x[d + 1:])))

    return lambda: _shape.flatmap(build)


def _source_params(unique: bool, **extra: st.SearchStrategy) -> callable:
    """A dim where the shapes differ at most, and an index as long as the source there."""
    def params(shapes: tuple) -> st.SearchStrategy:
        x, s = shapes
        dims = [d for d in range(len(x)) if x[:d] + x[d + 1:] == s[:d] + s[d + 1:]
                and (not unique or s[d] <= x[d])]

        def for_dim(d: int) -> st.SearchStrategy:
            if unique:
                idx = st.permutations(range(x[d])).map(lambda p: np.array(p[:s[d]], np.int64))
            else:
                idx = hnp.arrays(np.int64, s[d], elements=st.integers(0, x[d] - 1))
            return idx.map(lambda i: {"dim": d, "index": i})

        base = st.sampled_from(dims).flatmap(for_dim)
        return base.flatmap(lambda p: st.fixed_dictionaries(
            {**{k: st.just(v) for k, v in p.items()}, **extra}))

    return params


def _index_add_ref(x, s, dim, index, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    src = np.moveaxis(s, dim, 0)
    for i, j in enumerate(index):
        out[j] += alpha * src[i]
    return np.moveaxis(out, 0, dim)


def _index_copy_ref(x, s, dim, index):
    out = np.moveaxis(x.copy(), dim, 0)
    src = np.moveaxis(s, dim, 0)
    for i, j in enumerate(index):
        out[j] = src[i]
    return np.moveaxis(out, 0, dim)


def _index_reduce_ref(x, s, dim, index, reduce, include_self):
    xm, sm = np.moveaxis(x, dim, 0), np.moveaxis(s, dim, 0)
    out = xm.copy()
    fn = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for j in set(int(k) % x.shape[dim] for k in index):
        rows = [sm[i] for i, k in enumerate(index) if int(k) % x.shape[dim] == j]
        rows = ([xm[j]] if include_self else []) + rows
        out[j] = fn(np.stack(rows), axis=0)
    return np.moveaxis(out, 0, dim)


def _index_select_ref(x, dim, index):
    return np.take(x, index, axis=dim)


def _index_fill_ref(x, v, dim, index):
    out = np.moveaxis(x.copy(), dim, 0)
    out[index] = v
    return np.moveaxis(out, 0, dim)


def _take_along_params(shapes: tuple) -> st.SearchStrategy:
    x = shapes[0]
    n = len(x)

    def for_dim(d: int) -> st.SearchStrategy:
        # indices broadcast with x outside d: each of those sides is x's or 1.
        sides = st.tuples(*[st.integers(1, 4) if k == d else st.sampled_from([1, x[k]])
                            for k in range(n)])
        return sides.flatmap(lambda s: hnp.arrays(np.int64, s, elements=st.integers(
            0, x[d] - 1))).map(lambda i: {"dim": d, "indices": i})

    flat = hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(
        0, int(np.prod(x)) - 1)).map(lambda i: {"dim": None, "indices": i})
    return st.integers(0, n - 1).flatmap(for_dim) | flat


def _take_along_ref(x, indices, dim):
    if dim is None:
        return x.reshape(-1)[indices]
    shape = list(np.broadcast_shapes(x.shape[:dim] + (1,) + x.shape[dim + 1:],
                                     indices.shape[:dim] + (1,) + indices.shape[dim + 1:]))
    xs, ids = shape.copy(), shape.copy()
    xs[dim], ids[dim] = x.shape[dim], indices.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), np.broadcast_to(indices, ids), dim)


_value_shapes = lambda: _shape.map(lambda s: (s, ()))  # noqa: E731


CASES: list[OpCase] = [
    OpCase("scatter", _src_last(sc.scatter), _scatter_ref, _pair, (sc.Scatter,),
           params=lambda s: _scatter_params(s, unique=True)),
    OpCase("scatter(value)", lambda x, dim, index: sc.scatter(x, dim, index, value=1.5),
           lambda x, dim, index: _scatter_ref(x, np.full(index.shape, 1.5), dim, index),
           lambda: _shape.map(lambda s: (s,)), (sc.Scatter,),
           params=lambda s: _scatter_params((s[0], s[0]), unique=False)),
    OpCase("scatter_add", _src_last(sc.scatter_add), _scatter_add_ref, _pair, (sc.ScatterAdd,),
           params=lambda s: _scatter_params(s, unique=False)),
    OpCase("scatter_reduce(sum, mean)", _src_last(sc.scatter_reduce), _reduce_ref, _pair,
           (sc.ScatterReduce,), params=_reduce_params(["sum", "mean"])),
    OpCase("scatter_reduce(amax, amin)", _spread(_src_last(sc.scatter_reduce)),
           _spread(_reduce_ref), _pair, (sc.ScatterReduce,),
           params=_reduce_params(["amax", "amin"]), low=-0.04, high=0.04),
    OpCase("scatter_reduce(prod)", _src_last(sc.scatter_reduce), _reduce_ref, _pair,
           (sc.ScatterProd,), params=_reduce_params(["prod"]), low=-1.5, high=1.5),
    OpCase("index_select", sc.index_select, _index_select_ref,
           lambda: _shape.map(lambda s: (s,)), (sc.IndexSelect,),
           params=lambda s: _index_params(s, unique=False)),
    OpCase("index_add", lambda x, s, dim, index: sc.index_add(x, dim, index, s, alpha=2.0),
           lambda x, s, dim, index: _index_add_ref(x, s, dim, index, alpha=2.0),
           _source_shapes(False), (ix.IndexAdd,), params=_source_params(False)),
    OpCase("index_copy", _src_last(sc.index_copy), _index_copy_ref, _source_shapes(True),
           (ix.IndexPut,), params=_source_params(True)),
    OpCase("index_fill", _src_last(sc.index_fill), _index_fill_ref, _value_shapes,
           (ix.IndexPut,), params=lambda s: _index_params(s, unique=False).map(
               lambda p: {**p, "index": p["index"] - s[0][p["dim"]] * (p["index"] % 2)})),
    OpCase("index_reduce(mean)",
           lambda x, s, dim, index, **kw: sc.index_reduce(x, dim, index, s, "mean", **kw),
           lambda x, s, dim, index, **kw: _index_reduce_ref(x, s, dim, index, "mean", **kw),
           _source_shapes(False), (sc.ScatterReduce,),
           params=_source_params(False, include_self=st.booleans())),
    OpCase("take_along_dim", sc.take_along_dim, _take_along_ref,
           lambda: _shape.map(lambda s: (s,)), (sc.Gather,), params=_take_along_params),
]
