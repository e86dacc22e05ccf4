"""Op-table rows for ``microtensor/ops/matrix_shape.py`` (see ``optable.OpCase``):
tril/triu, diagonal/diag_embed/diag/diagflat/trace, flip/roll/rot90, repeat_interleave,
unfold and the *_scatter ops. The references are NumPy's own functions (``np.tril``,
``np.diagonal``, ``np.flip``, ``np.roll``, ``np.rot90``, ``np.repeat`` ...).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase, unary

from microtensor.ops import indexing as ix
from microtensor.ops import matrix_shape as ms
from microtensor.ops import reduction as red
from microtensor.ops import scatter as sc


def _one(shapes: tuple) -> tuple:
    return shapes[0]


def _two_dims(shape: tuple) -> st.SearchStrategy:
    """Two different dims of ``shape``, each maybe negative."""
    n = len(shape)
    return st.permutations(range(n)).map(lambda p: p[:2]).flatmap(
        lambda ab: st.tuples(st.sampled_from([ab[0], ab[0] - n]),
                             st.sampled_from([ab[1], ab[1] - n])))


def _offset() -> st.SearchStrategy:
    return st.integers(-MAX_SIDE - 1, MAX_SIDE + 1)


def _diagonal_params(shapes: tuple) -> st.SearchStrategy:
    return st.tuples(_two_dims(_one(shapes)), _offset()).map(
        lambda t: {"offset": t[1], "dim1": t[0][0], "dim2": t[0][1]})


def _diag_embed_params(shapes: tuple) -> st.SearchStrategy:
    n = len(_one(shapes)) + 1
    return st.tuples(_two_dims((0,) * n), st.integers(-3, 3)).map(
        lambda t: {"offset": t[1], "dim1": t[0][0], "dim2": t[0][1]})


def _diag_embed_ref(a, offset, dim1, dim2):
    n = a.ndim + 1
    d1, d2 = dim1 % n, dim2 % n
    size = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (size, size))
    i = np.arange(a.shape[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = a
    # out's last two dims are (d1, d2): move them into place.
    order = [k for k in range(n) if k not in (d1, d2)]
    dest = np.empty(n, int)
    dest[order] = range(n - 2)
    dest[d1], dest[d2] = n - 2, n - 1
    return np.transpose(out, dest)


def _dims(shape: tuple) -> st.SearchStrategy:
    n = len(shape)
    return st.lists(st.integers(0, n - 1), unique=True, max_size=n).map(
        lambda ds: tuple(d - n if d % 2 else d for d in ds)) if n else st.just(())


def _roll_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    n = len(shape)
    with_dims = st.lists(st.integers(0, n - 1), min_size=1, max_size=3).flatmap(
        lambda ds: st.tuples(st.just(tuple(ds)), st.lists(st.integers(-6, 6), min_size=len(ds),
                                                           max_size=len(ds)).map(tuple)))
    flat = st.integers(-6, 6).map(lambda s: (None, s))
    return (with_dims | flat).map(lambda ds: {"dims": ds[0], "shifts": ds[1]})


def _roll_ref(a, shifts, dims):
    return np.roll(a, shifts, dims)


def _rot90_params(shapes: tuple) -> st.SearchStrategy:
    return st.tuples(_two_dims(_one(shapes)), st.integers(-5, 5)).map(
        lambda t: {"k": t[1], "dims": list(t[0])})


def _repeat_interleave_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    n = len(shape)
    if not n:
        return st.fixed_dictionaries({"repeats": st.integers(0, 3), "dim": st.none()})

    def counts(d: int) -> st.SearchStrategy:
        return st.integers(0, 3) | hnp.arrays(np.int64, shape[d], elements=st.integers(0, 3))

    flat = st.integers(0, 3).map(lambda r: {"repeats": r, "dim": None})
    along = st.integers(0, n - 1).flatmap(lambda d: counts(d).map(
        lambda r: {"repeats": r, "dim": d}))
    return flat | along


def _repeat_interleave_ref(a, repeats, dim):
    if dim is None:
        return np.repeat(a.reshape(-1), repeats)
    return np.repeat(a, repeats, axis=dim)


def _unfold_params(shapes: tuple) -> st.SearchStrategy:
    shape = _one(shapes)
    return st.integers(0, len(shape) - 1).flatmap(lambda d: st.tuples(
        st.just(d), st.integers(0, shape[d]), st.integers(1, 3))).map(
        lambda t: {"dimension": t[0], "size": t[1], "step": t[2]})


def _unfold_ref(a, dimension, size, step):
    win = np.lib.stride_tricks.sliding_window_view(a, size, axis=dimension)
    return win[(slice(None),) * dimension + (slice(None, None, step),)]


def _select_scatter_shapes() -> st.SearchStrategy:
    def build(x: tuple) -> st.SearchStrategy:
        return st.integers(0, len(x) - 1).map(lambda d: (x, x[:d] + x[d + 1:]))
    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).flatmap(build)


def _select_scatter_params(shapes: tuple) -> st.SearchStrategy:
    x, s = shapes
    dims = [d for d in range(len(x)) if x[:d] + x[d + 1:] == s]
    return st.sampled_from(dims).flatmap(lambda d: st.fixed_dictionaries(
        {"dim": st.just(d), "index": st.integers(-x[d], x[d] - 1)}))


def _select_scatter_ref(x, s, dim, index):
    out = x.copy()
    out[(slice(None),) * dim + (index,)] = s
    return out


def _slice_scatter_shapes() -> st.SearchStrategy:
    """(x, src): src is x[..., start:end:step, ...] on one dim; the slice is drawn here and
    recovered by the params (which see only the shapes) as the one that fits."""
    def build(x: tuple) -> st.SearchStrategy:
        return st.integers(0, len(x) - 1).flatmap(lambda d: st.integers(0, x[d]).map(
            lambda k: (x, x[:d] + (k,) + x[d + 1:])))
    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).flatmap(build)


def _slice_scatter_params(shapes: tuple) -> st.SearchStrategy:
    x, s = shapes
    dims = [d for d in range(len(x)) if x[:d] + x[d + 1:] == s[:d] + s[d + 1:]]

    def for_dim(d: int) -> st.SearchStrategy:
        fits = [(a, b, c) for a in range(x[d] + 1) for c in (1, 2, 3)
                for b in (None, *range(x[d] + 1)) if len(range(x[d])[a:b:c]) == s[d]]
        return st.sampled_from(fits).map(lambda abc: {"dim": d, "start": abc[0],
                                                      "end": abc[1], "step": abc[2]})

    return st.sampled_from(dims).flatmap(for_dim)


def _slice_scatter_ref(x, s, dim, start, end, step):
    out = x.copy()
    out[(slice(None),) * dim + (slice(start, end, step),)] = s
    return out


def _diagonal_scatter_shapes() -> st.SearchStrategy:
    """(x, src) for the main diagonal of dims (0, 1): src is x without those, then the
    diagonal's length."""
    return hnp.array_shapes(min_dims=2, max_dims=3, max_side=MAX_SIDE).map(
        lambda x: (x, x[2:] + (min(x[0], x[1]),)))


def _diagonal_scatter_ref(x, s):
    out = x.copy()
    i = np.arange(s.shape[-1])
    out[i, i] = np.moveaxis(s, -1, 0)
    return out


def _tril_inplace(x, diagonal):
    y = x * 1.0  # a non-leaf copy: a leaf that requires grad cannot be written in place
    return ms.tril_(y, diagonal)


CASES: list[OpCase] = [
    OpCase("tril", ms.tril, lambda a, diagonal: np.tril(a, diagonal), unary(min_dims=2),
           (ms.Tril,), params=lambda s: st.fixed_dictionaries({"diagonal": _offset()})),
    OpCase("triu", ms.triu, lambda a, diagonal: np.triu(a, diagonal), unary(min_dims=2),
           (ms.Triu,), params=lambda s: st.fixed_dictionaries({"diagonal": _offset()})),
    OpCase("tril_ (in place)", _tril_inplace, lambda a, diagonal: np.tril(a, diagonal),
           unary(min_dims=2), (ms.Tril,),
           params=lambda s: st.fixed_dictionaries({"diagonal": _offset()})),
    OpCase("diagonal", ms.diagonal,
           lambda a, offset, dim1, dim2: np.diagonal(a, offset, dim1, dim2),
           unary(min_dims=2), (ms.Diagonal,), params=_diagonal_params),
    OpCase("diag_embed", ms.diag_embed, _diag_embed_ref, unary(min_dims=1, max_dims=3),
           (ms.DiagEmbed,), params=_diag_embed_params),
    OpCase("diag", ms.diag, lambda a, diagonal: np.diag(a, diagonal),
           unary(min_dims=1, max_dims=2), (ms.DiagEmbed, ms.Diagonal),
           params=lambda s: st.fixed_dictionaries({"diagonal": _offset()})),
    # (at most 2 dims: the output is numel² elements, and gradgradcheck walks them all)
    OpCase("diagflat", ms.diagflat, lambda a, offset: np.diagflat(a, offset), unary(max_dims=2),
           (ms.DiagEmbed,), params=lambda s: st.fixed_dictionaries({"offset": _offset()})),
    OpCase("trace", ms.trace, lambda a: np.trace(a), unary(min_dims=2, max_dims=2),
           (ms.Diagonal, red.Sum)),
    OpCase("flip", ms.flip, lambda a, dims: np.flip(a, dims) if dims else a, unary(),
           (ms.Flip,), params=lambda s: st.fixed_dictionaries({"dims": _dims(_one(s))})),
    OpCase("roll", ms.roll, _roll_ref, unary(min_dims=1), (ms.Roll,), params=_roll_params),
    OpCase("rot90", ms.rot90, lambda a, k, dims: np.rot90(a, k, dims), unary(min_dims=2),
           (ms.Flip,), params=_rot90_params),
    OpCase("repeat_interleave", ms.repeat_interleave, _repeat_interleave_ref, unary(),
           (sc.IndexSelect,), params=_repeat_interleave_params),
    OpCase("Tensor.unfold", ms.unfold, _unfold_ref, unary(min_dims=1), (ms.Unfold,),
           params=_unfold_params),
    OpCase("select_scatter", ms.select_scatter, _select_scatter_ref, _select_scatter_shapes,
           (ix.IndexPut,), params=_select_scatter_params),
    OpCase("slice_scatter", ms.slice_scatter, _slice_scatter_ref, _slice_scatter_shapes,
           (ix.IndexPut,), params=_slice_scatter_params),
    OpCase("diagonal_scatter", ms.diagonal_scatter, _diagonal_scatter_ref,
           _diagonal_scatter_shapes, (ix.IndexPut,)),
]
