"""Op-table rows for ``microtensor/ops/linalg.py`` (see ``optable.OpCase``).

Every way into ``MatMul``: ``matmul`` with each combination of 1-D and 2-D
operands and with batch dimensions that broadcast (size-1 and missing batch
axes, a 1-D operand against a batch), and ``mm``, ``bmm``, ``dot``, ``@``; then
``einsum`` (explicit, implicit, ellipsis, diagonals, broadcast size-1 axes) and the
products composed of matmul and einsum (``ops/products.py``, ``ops/einsum.py``).
The decompositions' rows are in ``cases_decompositions.py``.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase

import microtensor as mt
from microtensor.ops import einsum as es
from microtensor.ops import linalg as la
from microtensor.ops import products as pr
from microtensor.ops import reduction as red

_side = st.integers(1, MAX_SIDE)


def _vec_vec() -> st.SearchStrategy:
    return _side.map(lambda k: ((k,), (k,)))


def _vec_mat() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda km: ((km[0],), km))


def _mat_vec() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda nk: (nk, (nk[1],)))


def _mat_mat() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side).map(lambda nkm: (nkm[:2], nkm[1:]))


def _batched() -> st.SearchStrategy:
    """(..., n, k) @ (..., k, m) with batch shapes that broadcast together (either may be empty)."""
    batch = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return st.tuples(batch, _side, _side, _side).map(
        lambda b: (b[0].input_shapes[0] + (b[1], b[2]), b[0].input_shapes[1] + (b[2], b[3]))
    )


def _batched_with_vector() -> st.SearchStrategy:
    """A 1-D operand against a batch of matrices, on either side."""
    batch = hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
    left = st.tuples(batch, _side, _side).map(lambda b: ((b[1],), b[0] + (b[1], b[2])))
    right = st.tuples(batch, _side, _side).map(lambda b: (b[0] + (b[1], b[2]), (b[2],)))
    return left | right


def _bmm() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 3), _side, _side, _side).map(
        lambda b: ((b[0], b[1], b[2]), (b[0], b[2], b[3]))
    )


CASES: list[OpCase] = [
    OpCase("matmul(1-D, 1-D)", mt.matmul, np.matmul, _vec_vec, (la.MatMul,)),
    OpCase("matmul(1-D, 2-D)", mt.matmul, np.matmul, _vec_mat, (la.MatMul,)),
    OpCase("matmul(2-D, 1-D)", mt.matmul, np.matmul, _mat_vec, (la.MatMul,)),
    OpCase("matmul(2-D, 2-D)", mt.matmul, np.matmul, _mat_mat, (la.MatMul,)),
    OpCase("matmul(batched)", mt.matmul, np.matmul, _batched, (la.MatMul,)),
    OpCase("matmul(batched, 1-D)", mt.matmul, np.matmul, _batched_with_vector, (la.MatMul,)),
    OpCase("@", lambda a, b: a @ b, np.matmul, _batched, (la.MatMul,)),
    OpCase("mm", mt.mm, np.matmul, _mat_mat, (la.MatMul,)),
    OpCase("bmm", mt.bmm, np.matmul, _bmm, (la.MatMul,)),
    OpCase("dot", mt.dot, np.dot, _vec_vec, (la.MatMul,)),
]


# --------------------------------------------------------------------------- einsum and products


def _einsum_shapes() -> st.SearchStrategy:
    """(equation, shapes) pairs covering each kind of subscript."""
    s = _side
    cases = [
        st.tuples(s, s, s).map(lambda t: ("ij,jk->ik", ((t[0], t[1]), (t[1], t[2])))),
        st.tuples(s, s).map(lambda t: ("ij,ij", ((t[0], t[1]), (t[0], t[1])))),
        s.map(lambda n: ("ii->i", ((n, n),))),
        s.map(lambda n: ("ii", ((n, n),))),
        st.tuples(s, s).map(lambda t: ("ij->", ((t[0], t[1]),))),
        st.tuples(s, s, s).map(lambda t: ("i,j,k->ijk", ((t[0],), (t[1],), (t[2],)))),
        st.tuples(s, s, s).map(lambda t: ("...ij,...jk->...ik", ((2, t[0], t[1]), (t[1], t[2])))),
        st.tuples(s, s).map(lambda t: ("bij,bj->bi", ((1, t[0], t[1]), (3, t[1])))),
        st.tuples(s, s).map(lambda t: ("ij,jk,kl->il", ((t[0], t[1]), (t[1], 2), (2, t[0])))),
        st.tuples(s, s).map(lambda t: ("...i->...", ((t[0], t[1]),))),
        st.tuples(s, s).map(lambda t: ("iij->j", ((t[0], t[0], t[1]),))),
    ]
    return st.one_of(*cases)


def _einsum_row() -> st.SearchStrategy:
    return _einsum_shapes().map(lambda eq_shapes: eq_shapes[1])


_EQUATIONS = ["ij,jk->ik", "ij,ij", "ii->i", "ii", "ij->", "i,j,k->ijk", "...ij,...jk->...ik",
              "bij,bj->bi", "ij,jk,kl->il", "...i->...", "iij->j"]


def _einsum_params(shapes: tuple) -> st.SearchStrategy:
    """An equation that fits the drawn shapes (NumPy's einsum accepts it)."""
    fits = []
    for eq in _EQUATIONS:
        try:
            np.einsum(eq, *[np.zeros(s) for s in shapes])
        except ValueError:
            continue
        fits.append({"equation": eq})
    return st.sampled_from(fits)


def _einsum(*ts, equation):
    return mt.einsum(equation, *ts)


def _ref_einsum(*arrays, equation):
    return np.einsum(equation, *arrays)


def _vec_vec_any() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda t: ((t[0],), (t[1],)))


def _addmm_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side, st.booleans()).map(
        lambda t: ((t[0], t[2]) if t[3] else (t[2],), (t[0], t[1]), (t[1], t[2])))


def _addmv_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda t: ((t[0],), t, (t[1],)))


def _addr_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda t: (t, (t[0],), (t[1],)))


def _baddbmm_shapes() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 3), _side, _side, _side).map(
        lambda b: ((b[0], b[1], b[3]), (b[0], b[1], b[2]), (b[0], b[2], b[3])))


def _addbmm_shapes() -> st.SearchStrategy:
    return _baddbmm_shapes().map(lambda s: (s[0][1:], s[1], s[2]))


def _chain_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side, _side).map(
        lambda t: ((t[0], t[1]), (t[1], t[2]), (t[2], t[3])))


def _multi_dot_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side).map(lambda t: ((t[0],), (t[0], t[1]), (t[1], t[2]),
                                                         (t[2],)))


def _cross_shapes() -> st.SearchStrategy:
    batch = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return batch.map(lambda b: (b.input_shapes[0] + (3,), b.input_shapes[1] + (3,))) \
        .filter(lambda s: len(s[0]) == len(s[1]))


def _two_any() -> st.SearchStrategy:
    return st.tuples(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                     hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))


def broadcastable_last() -> st.SearchStrategy:
    batch = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return st.tuples(batch, _side).map(lambda b: (b[0].input_shapes[0] + (b[1],),
                                                  b[0].input_shapes[1] + (b[1],)))


def _inner_shapes() -> st.SearchStrategy:
    lead = hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)
    return st.tuples(lead, lead, _side).map(lambda t: (t[0] + (t[2],), t[1] + (t[2],)))


def _tensordot_shapes() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side).map(lambda t: ((t[0], t[1], t[2]), (t[1], t[2], 2)))


def _cdist_shapes() -> st.SearchStrategy:
    return st.tuples(st.integers(0, 2), _side, _side, _side).map(
        lambda t: ((2,) * (t[0] > 1) + (t[1], t[3]), (t[2], t[3])))


def _cdist_ref(a, b, p):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf:
        return d.max(-1)
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    return (d ** p).sum(-1) ** (1 / p)


def _cdist_avoid(a, b, p):
    """Kinks: a zero coordinate difference (|.|), tied maxima (p = inf)."""
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf and d.shape[-1] > 1:
        top = np.sort(d, -1)
        if np.any(top[..., -1] - top[..., -2] < 1e-2):
            return True
    return bool(np.any(d < 1e-2)) and p != 0


def _np_cross(a, b, dim=-1):
    return np.cross(a, b, axis=dim)


def _np_kron(a, b):
    return np.kron(a, b)


def _addmm_ref(i, a, b, beta=1, alpha=1):
    return beta * i + alpha * (a @ b)


def _scales() -> st.SearchStrategy:
    return st.fixed_dictionaries({"beta": st.sampled_from([1, 0.5, 0]),
                                  "alpha": st.sampled_from([1, -2.0])})


CASES += [
    OpCase("einsum", _einsum, _ref_einsum, _einsum_row, (es.Einsum,), params=_einsum_params),
    OpCase("tensordot", lambda a, b: es.tensordot(a, b, 2), lambda a, b: np.tensordot(a, b, 2),
           _tensordot_shapes, (es.Einsum,)),
    OpCase("tensordot(dims lists)", lambda a, b: es.tensordot(a, b, ([0, 2], [2, 1])),
           lambda a, b: np.tensordot(a, b, ([0, 2], [2, 1])),
           lambda: st.tuples(_side, _side).map(lambda t: ((t[0], 2, t[1]), (3, t[1], t[0]))),
           (es.Einsum,)),
    OpCase("outer", pr.outer, np.outer, _vec_vec_any, (la.MatMul,)),
    OpCase("inner", pr.inner, np.inner, _inner_shapes, (es.Einsum,)),
    OpCase("mv", pr.mv, np.matmul, _mat_vec, (la.MatMul,)),
    OpCase("vdot", pr.vdot, np.vdot, _vec_vec, (la.MatMul,)),
    OpCase("addmm", pr.addmm, _addmm_ref, _addmm_shapes, (la.MatMul,), params=lambda s: _scales()),
    OpCase("addmv", pr.addmv, _addmm_ref, _addmv_shapes, (la.MatMul,), params=lambda s: _scales()),
    OpCase("addr", pr.addr, lambda i, a, b, beta=1, alpha=1: beta * i + alpha * np.outer(a, b),
           _addr_shapes, (la.MatMul,), params=lambda s: _scales()),
    OpCase("baddbmm", pr.baddbmm, _addmm_ref, _baddbmm_shapes, (la.MatMul,),
           params=lambda s: _scales()),
    OpCase("addbmm", pr.addbmm,
           lambda i, a, b, beta=1, alpha=1: beta * i + alpha * (a @ b).sum(0),
           _addbmm_shapes, (es.Einsum,), params=lambda s: _scales()),
    OpCase("chain_matmul", lambda a, b, c: pr.chain_matmul(a, b, c),
           lambda a, b, c: a @ b @ c, _chain_shapes, (la.MatMul,)),
    OpCase("linalg.multi_dot", lambda *ts: pr.multi_dot(ts),
           lambda *a: np.linalg.multi_dot(a), _multi_dot_shapes, (la.MatMul,)),
    OpCase("linalg.cross", pr.linalg_cross, _np_cross, _cross_shapes, ()),
    OpCase("cross(dim)", lambda a, b: pr.cross(a, b, dim=0), lambda a, b: _np_cross(a, b, 0),
           lambda: st.tuples(_side).map(lambda t: ((3, t[0]), (3, t[0]))), ()),
    OpCase("kron", pr.kron, _np_kron, _two_any, ()),
    OpCase("linalg.vecdot", pr.vecdot, lambda a, b: (a * b).sum(-1), broadcastable_last, ()),
    OpCase("trapezoid", lambda y, x: pr.trapezoid(y, x), lambda y, x: np.trapezoid(y, x),
           lambda: st.tuples(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), _side).map(
               lambda t: (t[0] + (t[1],), (t[1],))), ()),
    OpCase("cumulative_trapezoid(dx, dim)",
           lambda y: pr.cumulative_trapezoid(y, dx=0.5, dim=0),
           lambda y: np.cumsum((y[1:] + y[:-1]) / 4, axis=0),
           lambda: hnp.array_shapes(min_dims=1, max_dims=3, max_side=3).map(lambda s: (s,)), ()),
    OpCase("cdist", pr.cdist, _cdist_ref, _cdist_shapes, (red.Norm,),
           params=lambda s: st.fixed_dictionaries({"p": st.sampled_from([2.0, 1.0, 3.0, 0.0,
                                                                         np.inf])}),
           avoid=_cdist_avoid),
]
