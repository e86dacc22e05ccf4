"""Op-table rows for ``microtensor/ops/joining.py`` (tensor_split, h/v/d stacking and
splitting, unbind/select/narrow, meshgrid, cartesian_prod, combinations, block_diag), the
new ``shape.py`` functions (movedim, broadcast_*, atleast_*, tile) and the flat/mask
indexing of ``indexing.py`` (take, put, masked_select, masked_scatter, nonzero). See
``optable.OpCase``; references are NumPy's functions of the same meaning.
"""

from __future__ import annotations

import itertools
import math

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase, broadcastable, unary

from microtensor.ops import elementwise as ew
from microtensor.ops import indexing as ix
from microtensor.ops import joining as jn
from microtensor.ops import matrix_shape as ms
from microtensor.ops import shape as sh

_side = st.integers(1, MAX_SIDE)


def _one(shapes: tuple) -> tuple:
    return shapes[0]


def _dim(shape: tuple) -> st.SearchStrategy:
    n = len(shape)
    return st.integers(-n, n - 1)


def _tensor_split_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    cuts = st.integers(1, 5) | st.lists(st.integers(-5, 6), max_size=3)
    return st.fixed_dictionaries({"indices_or_sections": cuts, "dim": _dim(shape)})


def _tensor_split_ref(a, indices_or_sections, dim):
    if isinstance(indices_or_sections, list):
        n = a.shape[dim]
        edges = [min(max(i + n if i < 0 else i, 0), n) for i in indices_or_sections]
        return tuple(np.take(a, range(lo, max(lo, hi)), axis=dim)
                     for lo, hi in zip([0, *edges], [*edges, n]))
    return tuple(np.array_split(a, indices_or_sections, axis=dim))


def _same(k: int, min_dims: int = 0) -> callable:
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=MAX_SIDE).map(
        lambda s: (s,) * k)


def _take_params(shapes: tuple) -> st.SearchStrategy:
    n = math.prod(_one(shapes))
    shape = hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)
    return st.fixed_dictionaries({"index": shape.flatmap(lambda s: hnp.arrays(
        np.int64, s, elements=st.integers(-n, n - 1)))})


def _put_shapes() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=0, max_dims=3, max_side=MAX_SIDE).flatmap(
        lambda x: st.integers(1, 4).map(lambda k: (x, (k,))))


def _put_params(shapes: tuple) -> st.SearchStrategy:
    n, k = math.prod(shapes[0]), shapes[1][0]
    # Without accumulate a repeated index keeps one value: draw distinct indices then.
    distinct = st.permutations(range(n)).map(lambda p: np.array(p[:k])) if k <= n \
        else st.nothing()
    repeated = hnp.arrays(np.int64, k, elements=st.integers(-n, n - 1))
    return st.one_of(distinct.map(lambda i: {"index": i, "accumulate": False}),
                     repeated.map(lambda i: {"index": i, "accumulate": True}))


def _put(x, s, index, accumulate):
    return ix.put(x, index, s, accumulate)


def _put_ref(x, s, index, accumulate):
    out = x.copy().reshape(-1)
    if accumulate:
        np.add.at(out, index, s)
    else:
        out[index] = s
    return out.reshape(x.shape)


def _mask_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    # A mask that broadcasts with the input: each side is the input's, or 1.
    sides = st.tuples(*[st.sampled_from([1, s]) for s in shape])
    return st.fixed_dictionaries({"mask": sides.flatmap(lambda s: hnp.arrays(np.bool_, s))})


def _masked_scatter(x, s, mask):
    return ix.masked_scatter(x, mask, s)


def _masked_scatter_ref(x, s, mask):
    out = np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape)).copy()
    m = np.broadcast_to(mask, out.shape)
    out[m] = s.reshape(-1)[:int(m.sum())]
    return out


def _masked_scatter_shapes() -> st.SearchStrategy:
    # The source holds at least as many elements as the input (enough for any mask).
    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).map(
        lambda x: (x, (math.prod(x) + 1,)))


def _movedim_params(shapes: tuple) -> st.SearchStrategy:
    n = len(_one(shapes))
    return st.integers(0, n).flatmap(lambda k: st.tuples(
        st.permutations(range(n)).map(lambda p: tuple(p[:k])),
        st.permutations(range(n)).map(lambda p: tuple(p[:k])))).map(
        lambda sd: {"source": sd[0], "destination": sd[1]})


def _atleast(fn, numpy_fn):
    def call(*ts):
        return fn(*ts) if len(ts) > 1 else (fn(ts[0]),)
    return call, lambda *arrs: tuple(numpy_fn(a) for a in arrs)


def _combinations_ref(a, r, with_replacement):
    make = itertools.combinations_with_replacement if with_replacement \
        else itertools.combinations
    idx = np.array(list(make(range(a.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return a[idx]


def _block_diag_ref(*arrs):
    blocks = [np.atleast_2d(a) for a in arrs]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _ragged(k: int) -> callable:
    """1 to k shapes of 0, 1 or 2 dims, sides drawn independently (for block_diag)."""
    shape = hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)
    return lambda: st.lists(shape, min_size=1, max_size=k).map(tuple)


def _fill_diagonal_ref(a, wrap):
    out = a.copy()
    np.fill_diagonal(out, 2.5, wrap=wrap)
    return out


def _vectors(k: int) -> callable:
    return lambda: st.lists(st.tuples(_side), min_size=1, max_size=k).map(tuple)


_a1, _a1_ref = _atleast(sh.atleast_1d, np.atleast_1d)
_a2, _a2_ref = _atleast(sh.atleast_2d, np.atleast_2d)
_a3, _a3_ref = _atleast(sh.atleast_3d, np.atleast_3d)

CASES: list[OpCase] = [
    OpCase("tensor_split", jn.tensor_split, _tensor_split_ref, unary(min_dims=1),
           (jn.GetItem,), params=_tensor_split_params),
    OpCase("hsplit", lambda a: jn.hsplit(a, [1]),
           lambda a: tuple(np.hsplit(a, [1])), unary(min_dims=1), (jn.GetItem,)),
    OpCase("vsplit", lambda a: jn.vsplit(a, [1, 2]), lambda a: tuple(np.vsplit(a, [1, 2])),
           unary(min_dims=2), (jn.GetItem,)),
    OpCase("dsplit", lambda a: jn.dsplit(a, [2]), lambda a: tuple(np.dsplit(a, [2])),
           unary(min_dims=3), (jn.GetItem,)),
    OpCase("hstack", lambda *ts: jn.hstack(ts), lambda *arrs: np.hstack(arrs), _same(3),
           (jn.Cat,)),
    OpCase("vstack", lambda *ts: jn.vstack(ts), lambda *arrs: np.vstack(arrs), _same(3),
           (jn.Cat,)),
    OpCase("dstack", lambda *ts: jn.dstack(ts), lambda *arrs: np.dstack(arrs), _same(2),
           (jn.Cat,)),
    OpCase("column_stack", lambda *ts: jn.column_stack(ts), lambda *arrs: np.column_stack(arrs),
           _same(2), (jn.Cat,)),
    OpCase("unbind", jn.unbind, lambda a, dim: tuple(np.moveaxis(a, dim, 0)),
           unary(min_dims=1), (jn.GetItem,),
           params=lambda s: st.fixed_dictionaries({"dim": _dim(_one(s))})),
    OpCase("select", jn.select, lambda a, dim, index: np.take(a, index, axis=dim),
           unary(min_dims=1), (jn.GetItem,), params=lambda s: _dim(_one(s)).flatmap(
               lambda d: st.fixed_dictionaries({"dim": st.just(d), "index": st.integers(
                   -_one(s)[d], _one(s)[d] - 1)}))),
    OpCase("narrow", jn.narrow,
           lambda a, dim, start, length: np.take(a, range(start % a.shape[dim] if start < 0
                                                          else start,
                                                          (start % a.shape[dim] if start < 0
                                                           else start) + length), axis=dim),
           unary(min_dims=1), (jn.GetItem,), params=lambda s: _dim(_one(s)).flatmap(
               lambda d: st.integers(0, _one(s)[d]).flatmap(lambda st0: st.fixed_dictionaries(
                   {"dim": st.just(d), "start": st.sampled_from([st0, st0 - _one(s)[d]]),
                    "length": st.integers(0, _one(s)[d] - st0)})))),
    OpCase("meshgrid", lambda *ts, indexing: jn.meshgrid(*ts, indexing=indexing),
           lambda *arrs, indexing: tuple(np.meshgrid(*arrs, indexing=indexing)), _vectors(3),
           (sh.Expand, sh.Reshape),
           params=lambda s: st.fixed_dictionaries({"indexing": st.sampled_from(["ij", "xy"])})),
    OpCase("cartesian_prod", lambda *ts: jn.cartesian_prod(*ts),
           lambda *arrs: np.array(list(itertools.product(*arrs))).reshape(-1, len(arrs))
           if len(arrs) > 1 else arrs[0], _vectors(3), (jn.Stack,)),
    OpCase("combinations", jn.combinations, _combinations_ref, unary(min_dims=1, max_dims=1),
           (ix.Index,), params=lambda s: st.fixed_dictionaries(
               {"r": st.integers(1, 3), "with_replacement": st.booleans()})),
    OpCase("block_diag", lambda *ts: jn.block_diag(*ts), _block_diag_ref, _ragged(3),
           (jn.BlockDiag,)),
    OpCase("movedim", sh.movedim, lambda a, source, destination: np.moveaxis(
        a, source, destination), unary(), (sh.Permute,), params=_movedim_params),
    OpCase("broadcast_tensors", lambda *ts: sh.broadcast_tensors(*ts),
           lambda *arrs: tuple(np.broadcast_arrays(*arrs)), broadcastable(3), (sh.Expand,)),
    OpCase("atleast_1d", _a1, _a1_ref, _same(2), (sh.Reshape,)),
    OpCase("atleast_2d", _a2, _a2_ref, _same(1), (sh.Reshape,)),
    OpCase("atleast_3d", _a3, _a3_ref, _same(2), (sh.Reshape,)),
    OpCase("tile", sh.tile, lambda a, dims: np.tile(a, dims), unary(), (sh.Repeat,),
           params=lambda s: st.fixed_dictionaries({"dims": st.lists(st.integers(1, 3),
                                                                    max_size=4).map(tuple)})),
    OpCase("ravel", sh.ravel, np.ravel, unary(), (sh.Reshape,)),
    OpCase("t", sh.t, lambda a: a.T, unary(max_dims=2), (sh.Transpose,)),
    OpCase("fill_diagonal_", lambda a, wrap: ms.fill_diagonal_(a * 1.0, 2.5, wrap),
           _fill_diagonal_ref, lambda: st.one_of(
               hnp.array_shapes(min_dims=2, max_dims=2, max_side=MAX_SIDE),
               st.tuples(_side, st.integers(3, 4)).map(lambda nk: (nk[0],) * nk[1])).map(
                   lambda s: (s,)), (ew.Where,),
           params=lambda s: st.fixed_dictionaries({"wrap": st.booleans()})),
    OpCase("take", ix.take, lambda a, index: a.reshape(-1)[index], unary(), (ix.Index,),
           params=_take_params),
    OpCase("put", _put, _put_ref, _put_shapes, (ix.IndexPut, ix.IndexAdd), params=_put_params),
    OpCase("masked_select", ix.masked_select,
           lambda a, mask: np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape))[
               np.broadcast_to(mask, np.broadcast_shapes(a.shape, mask.shape))],
           unary(min_dims=1), (ix.Index,), params=_mask_params),
    OpCase("masked_scatter", _masked_scatter, _masked_scatter_ref, _masked_scatter_shapes,
           (ix.IndexPut,), params=_mask_params),
    OpCase("nonzero", lambda a: ix.nonzero(a > 0), lambda a: np.argwhere(a > 0), unary(),
           grad=False),
    OpCase("nonzero(as_tuple=True)", lambda a: ix.nonzero(a > 0, as_tuple=True),
           lambda a: np.nonzero(np.atleast_1d(a > 0)), unary(), grad=False),
]
