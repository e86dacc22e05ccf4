"""Op-table rows for ``microtensor/ops/shape.py``, ``joining.py`` (cat, stack, split),
``scatter.py`` (gather) and ``indexing.py`` (see ``optable.OpCase``).

Shape ops only move values, so every row is smooth and needs no ``avoid``. ``params``
draw arguments that fit the drawn shape: a target shape with the same element count,
a permutation, a dim in range, an index of every kind (ints, slices with negative
steps, None, ..., bool masks, integer arrays with repeated entries). Integer-array
indices repeat entries on purpose: their gradients must add up.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_DIMS, MAX_SIDE, OpCase, unary

import microtensor as mt
from microtensor.ops import indexing as ix
from microtensor.ops import joining as jn
from microtensor.ops import scatter as sc
from microtensor.ops import shape as sh
from microtensor.ops import views

_side = st.integers(1, MAX_SIDE)


# ----------------------------------------------------------------- helpers


def _dim(shape: tuple) -> st.SearchStrategy:
    """A valid dim of ``shape``, possibly negative (0-d tensors accept 0 and -1)."""
    n = len(shape)
    return st.integers(-n, n - 1) if n else st.sampled_from([0, -1])


def _new_dim(shape: tuple) -> st.SearchStrategy:
    """Where a new axis may go: ``[-ndim - 1, ndim]``."""
    n = len(shape)
    return st.integers(-n - 1, n)


def _one(shapes: tuple) -> tuple:
    return shapes[0]


def _reshape_targets(shape: tuple) -> st.SearchStrategy:
    n = math.prod(shape)
    divisors = [k for k in range(1, n + 1) if n % k == 0]
    fixed = [(n,), (-1,), shape[::-1], (1,) + shape, shape + (1,)]
    pairs = [(k, n // k) for k in divisors] + [(k, -1) for k in divisors]
    triples = [(1, -1, k) for k in divisors]
    return st.sampled_from(fixed + pairs + triples)


def _flatten_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    n = len(shape)
    if n == 0:
        return st.fixed_dictionaries({"start_dim": st.sampled_from([0, -1]),
                                      "end_dim": st.sampled_from([0, -1])})
    return st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).map(sorted).flatmap(
        lambda se: st.fixed_dictionaries({
            "start_dim": st.sampled_from([se[0], se[0] - n]),
            "end_dim": st.sampled_from([se[1], se[1] - n]),
        })
    )


def _flatten_ref(a, start_dim, end_dim):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:])


def _unflatten_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)

    def sizes_for(d: int) -> st.SearchStrategy:
        m = shape[d]
        divisors = [k for k in range(1, m + 1) if m % k == 0]
        return st.sampled_from([(m,), (-1,)] + [(k, m // k) for k in divisors]
                               + [(k, -1) for k in divisors] + [(1, m, 1)])

    return _dim(shape).flatmap(lambda d: st.fixed_dictionaries(
        {"dim": st.just(d), "sizes": sizes_for(d)}))


def _squeeze_dims(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    n = len(shape)
    tuples = st.lists(st.integers(0, n - 1), unique=True, max_size=n).map(tuple) if n \
        else st.just(())
    return st.fixed_dictionaries({"dim": st.none() | _dim(shape) | tuples})


def _squeeze_ref(a, dim):
    if dim is None or a.ndim == 0:
        return np.squeeze(a)
    dims = dim if isinstance(dim, tuple) else (dim,)
    return np.squeeze(a, axis=tuple(d % a.ndim for d in dims if a.shape[d] == 1))


def _expand_sizes(shapes: tuple) -> st.SearchStrategy:
    """Grow size-1 dims, keep others (or say -1), and maybe add leading dims."""
    shape = _one(shapes)
    own = [st.integers(1, 3) if s == 1 else st.sampled_from([s, -1]) for s in shape]
    lead = st.lists(st.integers(1, 3), max_size=2)
    return st.tuples(lead, st.tuples(*own)).map(lambda lo: {"sizes": tuple(lo[0]) + lo[1]})


def _expand_ref(a, sizes):
    lead = len(sizes) - a.ndim
    target = [s if s != -1 else a.shape[i - lead] for i, s in enumerate(sizes)]
    return np.broadcast_to(a, target)


def _repeat_params(shapes: tuple) -> st.SearchStrategy:
    n = len(_one(shapes))
    return st.integers(n, n + 2).flatmap(
        lambda m: st.lists(st.integers(1, 3), min_size=m, max_size=m)
    ).map(lambda r: {"sizes": tuple(r)})


# ----------------------------------------------------------------- cat, stack, split


def _along_one_axis() -> st.SearchStrategy:
    """1 to 3 shapes that agree everywhere but (maybe) along one axis."""
    def build(base: tuple) -> st.SearchStrategy:
        return st.tuples(st.integers(0, len(base) - 1), st.lists(_side, min_size=1, max_size=3))\
            .map(lambda ks: tuple(base[:ks[0]] + (k,) + base[ks[0] + 1:] for k in ks[1]))

    return hnp.array_shapes(min_dims=1, max_dims=MAX_DIMS, max_side=MAX_SIDE).flatmap(build)


def _cat_params(shapes: tuple) -> st.SearchStrategy:
    n = len(shapes[0])
    valid = [d for d in range(n)
             if all(s[:d] + s[d + 1:] == shapes[0][:d] + shapes[0][d + 1:] for s in shapes)]
    return st.sampled_from(valid).flatmap(lambda d: st.sampled_from([d, d - n])).map(
        lambda d: {"dim": d})


def _same_shapes() -> st.SearchStrategy:
    shape = hnp.array_shapes(min_dims=0, max_dims=3, max_side=MAX_SIDE)
    return st.tuples(shape, st.integers(1, 3)).map(lambda sk: (sk[0],) * sk[1])


def _split_sizes(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)

    def sections(d: int) -> st.SearchStrategy:
        m = shape[d % len(shape)]
        # Cut points in [0, m] (repeats give empty sections).
        return st.lists(st.integers(0, m), max_size=3).map(
            lambda cuts: [b - a for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), m])])

    return _dim(shape).flatmap(lambda d: st.fixed_dictionaries(
        {"split_size_or_sections": st.integers(1, MAX_SIDE + 1) | sections(d), "dim": st.just(d)}))


def _split_ref(a, split_size_or_sections, dim):
    n = a.shape[dim]
    s = split_size_or_sections
    sizes = s if isinstance(s, list) else [min(s, n - i) for i in range(0, n, s)]
    return tuple(np.split(a, np.cumsum(sizes)[:-1], axis=dim))


def _chunk_ref(a, chunks, dim):
    n = a.shape[dim]
    size = -(-n // chunks)
    return _split_ref(a, size, dim)


def _chunk_params(shapes: tuple) -> st.SearchStrategy:
    return st.fixed_dictionaries({"chunks": st.integers(1, 5), "dim": _dim(_one(shapes))})


# ----------------------------------------------------------------- gather, indexing


def _gather_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)

    def index_for(d: int) -> st.SearchStrategy:
        dd = d % len(shape)
        sizes = [st.integers(1, 4) if k == dd else st.integers(1, shape[k])
                 for k in range(len(shape))]
        return st.tuples(*sizes).flatmap(lambda s: hnp.arrays(
            np.int64, s, elements=st.integers(0, shape[dd] - 1)))

    return _dim(shape).flatmap(lambda d: st.fixed_dictionaries(
        {"dim": st.just(d), "index": index_for(d)}))


def _gather_ref(a, dim, index):
    d = dim % a.ndim
    part = a[tuple(slice(0, index.shape[k]) if k != d else slice(None) for k in range(a.ndim))]
    return np.take_along_axis(part, index, axis=d)


def _slice(n: int) -> st.SearchStrategy:
    bound = st.none() | st.integers(-n - 1, n + 1)
    step = st.none() | st.sampled_from([1, 2, -1, -2, 3])
    return st.builds(slice, bound, bound, step)


def _basic_index(shape: tuple) -> st.SearchStrategy:
    """A tuple of ints, slices (negative steps included), None and at most one ``...``."""
    n = len(shape)

    def per_dim(k: int) -> st.SearchStrategy:
        return st.integers(-shape[k], shape[k] - 1) | _slice(shape[k])

    def build(m: int) -> st.SearchStrategy:
        items = st.tuples(*[per_dim(k) for k in range(m)])
        ellipsis = st.booleans()
        nones = st.lists(st.integers(0, m), max_size=2)
        return st.tuples(items, ellipsis, nones).map(_assemble)

    return st.integers(0, n).flatmap(build).map(lambda idx: {"index": idx})


def _assemble(parts: tuple) -> tuple:
    items, ellipsis, nones = parts
    out = list(items)
    if ellipsis:
        out.append(Ellipsis)
    for pos in sorted(nones, reverse=True):
        out.insert(pos, None)
    return tuple(out)


def _int_array_index(shape: tuple) -> st.SearchStrategy:
    """Integer arrays (repeats and negative entries included) on one or two dims."""
    n = len(shape)

    def arr(k: int) -> st.SearchStrategy:
        return hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(-shape[k],
                                                                             shape[k] - 1))

    one = st.integers(0, n - 1).flatmap(lambda k: arr(k).map(
        lambda a: (slice(None),) * k + (a,)))
    options = [one, arr(0).map(lambda a: a.tolist())]  # a list works as an index too
    if n >= 2:
        # Two arrays that broadcast together, with a slice in front.
        options.append(st.integers(1, 4).flatmap(lambda m: st.tuples(
            hnp.arrays(np.int64, m, elements=st.integers(0, shape[n - 2] - 1)),
            hnp.arrays(np.int64, m, elements=st.integers(0, shape[n - 1] - 1)),
        )).map(lambda ab: (Ellipsis, ab[0], ab[1])))
    return st.one_of(options).map(lambda idx: {"index": idx})


def _mask_index(shape: tuple) -> st.SearchStrategy:
    """A bool mask over the leading dims, or over one dim after a slice."""
    n = len(shape)
    lead = st.integers(1, n).flatmap(lambda m: hnp.arrays(np.bool_, shape[:m]))
    inner = st.integers(0, n - 1).flatmap(lambda k: hnp.arrays(np.bool_, (shape[k],)).map(
        lambda m: (slice(None),) * k + (m,)))
    return (lead | inner).map(lambda idx: {"index": idx})


def _index_ref(a, index):
    return a[index]


def _setitem_shapes() -> st.SearchStrategy:
    """(x, value): value fits x[i] for an index on dim 0, maybe with broadcast size-1 dims."""
    def value_of(x: tuple) -> st.SearchStrategy:
        rest = x[1:]
        return st.integers(0, len(rest)).flatmap(
            lambda k: st.tuples(*[st.sampled_from([1, s]) for s in rest[k:]]))\
            .map(lambda v: (x, v))

    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).flatmap(value_of)


def _setitem_params(shapes: tuple) -> st.SearchStrategy:
    n0 = shapes[0][0]
    unique_rows = st.lists(st.integers(0, n0 - 1), min_size=1, max_size=n0, unique=True)
    index = (st.integers(-n0, n0 - 1) | _slice(n0) | unique_rows.map(np.array)
             | hnp.arrays(np.bool_, (n0,)) | st.integers(0, n0 - 1).map(lambda i: (i, ...)))
    return st.fixed_dictionaries({"index": index})


def _setitem(x, v, index):
    y = x * 1.0  # a non-leaf copy: a leaf that requires grad cannot be written in place
    y[index] = v
    return y


def _setitem_ref(x, v, index):
    y = x.copy()
    y[index] = v
    return y


def _view_index_params(shapes: tuple) -> st.SearchStrategy:
    """A basic index on dim 0 (so ``x[index]`` is a view): an int, a slice or ``(i, ...)``."""
    n0 = shapes[0][0]
    index = (st.integers(-n0, n0 - 1) | _slice(n0)
             | st.integers(0, n0 - 1).map(lambda i: (i, ...)))
    return st.fixed_dictionaries({"index": index})


def _write_into_view(x, v, index):
    y = x * 1.0
    y[index].mul_(v)  # recorded on y as CopySlices: y's gradient sees the write
    return y


def _write_into_view_ref(x, v, index):
    y = x.copy()
    y[index] *= v
    return y


def _view_after_base_write(x, s, index):
    y = x * 1.0
    view = y[index]  # taken before the write ...
    y.mul_(s)  # ... re-derived from y's new node after it, as PyTorch's views are
    return view


def _index_add(x, v, index):
    y = x * 1.0
    y.index_put_((mt.tensor(index),), v, accumulate=True)
    return y


def _index_add_ref(x, v, index):
    y = x.copy()
    np.add.at(y, (np.array(index),), v)
    return y


def _index_add_params(shapes: tuple) -> st.SearchStrategy:
    n0 = shapes[0][0]  # repeated rows on purpose: each repeat adds its value
    return st.fixed_dictionaries({"index": st.lists(st.integers(0, n0 - 1), min_size=1,
                                                     max_size=4)})


CASES: list[OpCase] = [
    OpCase("reshape", lambda a, shape: sh.reshape(a, shape), lambda a, shape: a.reshape(shape),
           unary(), (sh.Reshape,),
           params=lambda s: st.fixed_dictionaries({"shape": _reshape_targets(_one(s))})),
    OpCase("reshape(*sizes)", lambda a, shape: sh.reshape(a, *shape),
           lambda a, shape: a.reshape(shape), unary(), (sh.Reshape,),
           params=lambda s: st.fixed_dictionaries({"shape": _reshape_targets(_one(s))})),
    OpCase("view", lambda a, shape: a.view(shape), lambda a, shape: a.reshape(shape), unary(),
           (sh.Reshape,),
           params=lambda s: st.fixed_dictionaries({"shape": _reshape_targets(_one(s))})),
    OpCase("flatten", sh.flatten, _flatten_ref, unary(), (sh.Reshape,), params=_flatten_params),
    OpCase("unflatten", sh.unflatten,
           lambda a, dim, sizes: a.reshape(a.shape[:dim % a.ndim] + tuple(sizes)
                                           + a.shape[dim % a.ndim + 1:]),
           unary(min_dims=1), (sh.Reshape,), params=_unflatten_params),
    OpCase("squeeze", sh.squeeze, _squeeze_ref, unary(), (sh.Reshape,), params=_squeeze_dims),
    OpCase("unsqueeze", sh.unsqueeze,
           lambda a, dim: np.expand_dims(a, dim if dim >= 0 else dim + a.ndim + 1), unary(),
           (sh.Reshape,), params=lambda s: st.fixed_dictionaries({"dim": _new_dim(_one(s))})),
    OpCase("transpose", sh.transpose,
           lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1) if a.ndim else a, unary(),
           (sh.Transpose,), params=lambda s: st.fixed_dictionaries(
               {"dim0": _dim(_one(s)), "dim1": _dim(_one(s))})),
    OpCase("permute", lambda a, dims: sh.permute(a, *dims), lambda a, dims: np.transpose(a, dims),
           unary(), (sh.Permute,), params=lambda s: st.fixed_dictionaries(
               {"dims": st.permutations(range(len(_one(s)))).map(tuple)})),
    OpCase(".T", lambda a: a.T, lambda a: a.T, unary(), (sh.Permute,)),
    OpCase(".mT", lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2), unary(min_dims=2),
           (sh.Transpose,)),
    OpCase("expand", lambda a, sizes: sh.expand(a, *sizes), _expand_ref, unary(),
           (sh.Expand,), params=_expand_sizes),
    OpCase("repeat", lambda a, sizes: sh.repeat(a, sizes), lambda a, sizes: np.tile(a, sizes),
           unary(), (sh.Repeat,), params=_repeat_params),
    OpCase("cat", lambda *ts, dim: jn.cat(ts, dim), lambda *arrs, dim: np.concatenate(arrs, dim),
           _along_one_axis, (jn.Cat,), params=_cat_params),
    OpCase("stack", lambda *ts, dim: jn.stack(list(ts), dim),
           lambda *arrs, dim: np.stack(arrs, dim), _same_shapes, (jn.Stack,),
           params=lambda s: st.fixed_dictionaries({"dim": _new_dim(s[0])})),
    OpCase("split", jn.split, _split_ref, unary(min_dims=1), (ix.GetItem,), params=_split_sizes),
    OpCase("chunk", jn.chunk, _chunk_ref, unary(min_dims=1), (ix.GetItem,),
           params=_chunk_params),
    OpCase("gather", sc.gather, _gather_ref, unary(min_dims=1), (sc.Gather,),
           params=_gather_params),
    OpCase("getitem(basic)", ix.getitem, _index_ref, unary(), (ix.GetItem,),
           params=lambda s: _basic_index(_one(s))),
    OpCase("getitem(integer arrays)", ix.getitem, _index_ref, unary(min_dims=1), (ix.Index,),
           params=lambda s: _int_array_index(_one(s))),
    OpCase("getitem(bool mask)", ix.getitem, _index_ref, unary(min_dims=1), (ix.Index,),
           params=lambda s: _mask_index(_one(s))),
    OpCase("setitem", _setitem, _setitem_ref, _setitem_shapes, (ix.IndexPut,),
           params=_setitem_params),
    OpCase("setitem(value only)", _setitem, _setitem_ref, _setitem_shapes, (ix.IndexPut,),
           params=_setitem_params, inputs_requiring_grad=(1,)),
    OpCase("index_put_(accumulate=True)", _index_add, _index_add_ref,
           lambda: hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).map(
               lambda x: (x, x[1:])), (ix.IndexAdd,), params=_index_add_params),
    OpCase("view.mul_ (write into a view)", _write_into_view, _write_into_view_ref,
           _setitem_shapes, (views.CopySlices,), params=_view_index_params),
    OpCase("view after base.mul_", _view_after_base_write,
           lambda x, s, index: (x * s)[index],
           lambda: hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).map(
               lambda x: (x, ())), (ix.GetItem,), params=_view_index_params),
]
