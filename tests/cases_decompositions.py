"""Op-table rows for the inverses and decompositions (``ops/decompositions.py``, ``ops/lu.py``)
and the ``torch.linalg`` functions composed of them (``ops/factorizations.py``,
``ops/matrix_functions.py``).

Inputs are drawn in [-1, 1] and shaped inside each row into what the op needs, the same
way in the NumPy reference: ``_dom`` (diagonally dominant, so invertible and well
conditioned), ``_spd`` (A Aᵀ + n I), ``_sym`` (A + Aᵀ). Draws too close to where a
gradient is ill-defined (repeated eigenvalues or singular values, a near-tie of LU
pivots) are rejected with ``avoid``.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import OpCase, fixed

import microtensor as mt
from microtensor import linalg as L
from microtensor.ops import decompositions as dc
from microtensor.ops import lu as lu_ops
from microtensor.ops import reduction as red

_n = st.integers(1, 3)
_batch = hnp.array_shapes(min_dims=0, max_dims=1, max_side=2)


def _square() -> st.SearchStrategy:
    return st.tuples(_batch, _n).map(lambda t: (t[0] + (t[1], t[1]),))


def _rect() -> st.SearchStrategy:
    return st.tuples(_batch, _n, _n).map(lambda t: (t[0] + (t[1], t[2]),))


def _square_rhs() -> st.SearchStrategy:
    """A (…, n, n) and B (…, n, k), batch shapes broadcasting, or B a vector (n,)."""
    pair = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=1, max_side=2)
    mat = st.tuples(pair, _n, _n).map(
        lambda t: (t[0].input_shapes[0] + (t[1], t[1]), t[0].input_shapes[1] + (t[1], t[2])))
    vec = st.tuples(_batch, _n).map(lambda t: (t[0] + (t[1], t[1]), (t[1],)))
    return mat | vec


def _eye(a: np.ndarray) -> np.ndarray:
    return np.eye(a.shape[-1], dtype=a.dtype)


def _dom(a):
    """a + (n + 1) I: diagonally dominant for entries in [-1, 1]."""
    n = a.shape[-1]
    return a + (n + 1) * np.eye(n, dtype=a.dtype)


def _mT(a):  # noqa: N802
    return a.mT if isinstance(a, mt.Tensor) else np.swapaxes(a, -1, -2)


def _spd(a):
    n = a.shape[-1]
    return a @ _mT(a) + n * np.eye(n, dtype=a.dtype)


def _sym(a):
    return a + _mT(a)


def _gaps_small(values: np.ndarray, tol: float = 0.1) -> bool:
    if values.shape[-1] < 2:
        return False
    v = np.sort(values, axis=-1)
    return bool(np.any(np.diff(v, axis=-1) < tol))


def _svd_avoid(a, **_):
    s = np.linalg.svd(a, compute_uv=False)
    return _gaps_small(s) or bool(np.any(s < 0.1))


def _eigh_avoid(a, **_):
    return _gaps_small(np.linalg.eigvalsh(_sym(a)))


def _lu_pivot_gap(a: np.ndarray) -> float:
    """The smallest gap between the chosen pivot's magnitude and the runner-up's (a near-tie
    would switch rows under a finite-difference step), or the smallest |pivot|."""
    m, n = a.shape[-2:]
    x = np.array(a, dtype=np.float64).reshape((-1, m, n))
    gap = np.inf
    for b in x:
        for j in range(min(m, n)):
            col = np.sort(np.abs(b[j:, j]))[::-1]
            gap = min(gap, col[0] if len(col) == 1 else min(col[0] - col[1], col[0]))
            p = j + int(np.argmax(np.abs(b[j:, j])))
            b[[j, p]] = b[[p, j]]
            if b[j, j] != 0:
                b[j + 1:, j] /= b[j, j]
                b[j + 1:, j + 1:] -= np.outer(b[j + 1:, j], b[j, j + 1:])
    return gap


def _lu_avoid(a, **_):
    return _lu_pivot_gap(a) < 0.05


def _qr_avoid(a, **_):
    """A small |R_jj|, or a Householder pivot near 0, where LAPACK's sign choice for the
    column of Q flips (Q jumps between two valid factorizations)."""
    m, n = a.shape[-2:]
    for x in np.array(a, dtype=np.float64).reshape((-1, m, n)):
        for j in range(min(m, n)):
            col = x[j:, j]
            norm = np.linalg.norm(col)
            if abs(col[0]) < 0.05 or norm < 0.1:
                return True
            v = col.copy()
            v[0] += np.sign(col[0]) * norm
            v /= np.linalg.norm(v)
            x[j:, :] -= 2 * np.outer(v, v @ x[j:, :])
    return False


def _tri(a, upper, unit):
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        t = t - t * np.eye(n) + np.eye(n)
    return t


def _np_lu(a):
    lu, _, _ = lu_ops.lu_factor_np(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    return low, np.triu(lu[..., :k, :])


def _matrix_norm_ref(a, ord):
    return np.linalg.norm(a, ord=ord, axis=(-2, -1))


def _matrix_norm_avoid(a, ord):
    if ord in (2, -2, "nuc"):
        return _svd_avoid(a)
    if ord in (1, -1, np.inf, -np.inf):
        ax = -2 if ord in (1, -1) else -1
        sums = np.sort(np.abs(a).sum(ax), -1)
        return bool(np.any(np.abs(a) < 1e-2)) or _gaps_small(sums, 1e-2)
    if ord == "fro":
        return _vector_norm_avoid(a)
    return False


def _vector_norm_avoid(a, ord=2):
    """Kinks: |x| near 0 (and a norm near 0, where the 2-norm's curvature blows up), tied
    maxima for inf."""
    if np.linalg.norm(a.reshape(-1)) < 0.1:
        return True
    if ord == np.inf and a.size > 1:
        s = np.sort(np.abs(a).reshape(-1))
        return bool(s[-1] - s[-2] < 1e-2)
    return bool(np.any(np.abs(a) < 1e-2)) and ord != 2


def _vander_ref(x):
    return np.stack([x ** k for k in range(x.shape[-1])], -1)


def _bool(name: str) -> st.SearchStrategy:
    return st.fixed_dictionaries({name: st.booleans()})


def _solve_ref(a, b, left=True):
    a = _dom(a)
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):  # vectors
        return np.linalg.solve(a, b[..., None])[..., 0]
    if left:
        return np.linalg.solve(a, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _solve_params(shapes):
    a, b = shapes
    square_b = len(b) >= 2 and b[-1] == b[-2] == a[-1]
    # B shaped like A's batch of vectors is read as vectors (PyTorch's rule), and XA = B
    # has no vector form: left=False would be an error in both libraries
    vectors = len(b) == len(a) - 1 and tuple(b) == tuple(a[:-1])
    square_b = square_b and not vectors
    return st.fixed_dictionaries({"left": st.booleans() if square_b else st.just(True)})


def _householder_full(a, tau):
    m = a.shape[-2]
    k = tau.shape[-1]
    v = np.tril(a[..., :, :k], -1) + np.eye(m, k)
    q = np.broadcast_to(np.eye(m), a.shape[:-2] + (m, m))
    for i in range(k):
        vi = v[..., :, i:i + 1]
        q = q @ (np.eye(m) - tau[..., i, None, None] * (vi @ np.swapaxes(vi, -1, -2)))
    return q


def _householder_ref(a, tau):
    return _householder_full(a, tau)[..., :, :a.shape[-1]]


def _ormqr_ref(a, tau, c, left, transpose):
    q = _householder_full(a, tau)
    if transpose:
        q = np.swapaxes(q, -1, -2)
    return q @ c if left else c @ q


_lo = dict(low=-1.0, high=1.0)

CASES: list[OpCase] = [
    OpCase("linalg.inv", lambda a: L.inv(_dom(a)), lambda a: np.linalg.inv(_dom(a)), _square,
           (dc.Inv,), **_lo),
    OpCase("linalg.det", lambda a: L.det(_dom(a)), lambda a: np.linalg.det(_dom(a)), _square,
           (dc.Det, dc.Inv), **_lo),
    OpCase("linalg.det(any)", L.det, np.linalg.det, _square, (dc.Det, dc.Inv),
           avoid=lambda a: bool(np.any(np.abs(np.linalg.det(a)) < 0.1))),
    OpCase("linalg.slogdet", lambda a: L.slogdet(a), lambda a: np.linalg.slogdet(a), _square,
           (dc.LogAbsDet, dc.Inv), avoid=lambda a: bool(np.any(np.abs(np.linalg.det(a)) < 0.1))),
    OpCase("logdet", lambda a: mt.logdet(_spd(a)), lambda a: np.linalg.slogdet(_spd(a))[1],
           _square, (dc.LogAbsDet, dc.Inv), **_lo),
    OpCase("linalg.solve", lambda a, b, left=True: L.solve(_dom(a), b, left=left), _solve_ref,
           _square_rhs, (dc.Solve,), params=_solve_params, **_lo),
    OpCase("linalg.cholesky", lambda a, upper=False: L.cholesky(_spd(a), upper=upper),
           lambda a, upper=False: (np.swapaxes if upper else lambda x, *_: x)(
               np.linalg.cholesky(_spd(a)), -1, -2),
           _square, (dc.Cholesky, dc.Solve), params=lambda s: _bool("upper"), **_lo),
    OpCase("linalg.qr", lambda a: _qr_gauge(*L.qr(a)), lambda a: _qr_gauge(*np.linalg.qr(a)),
           _rect,
           (dc.QR, dc.Solve), avoid=_qr_avoid, **_lo),
    OpCase("linalg.qr(complete)", lambda a: _qr_gauge(*L.qr(a, mode="complete")),
           lambda a: _qr_gauge(*np.linalg.qr(a, mode="complete")),
           lambda: _rect().filter(lambda s: s[0][-2] <= s[0][-1]),
           (dc.QR, dc.Solve), avoid=_qr_avoid, **_lo),
    OpCase("linalg.eigh", lambda a: _eigh_gauge(*L.eigh(_sym(a))),
           lambda a: _eigh_gauge(*np.linalg.eigh(_sym(a))),
           _square, (dc.Eigh,), avoid=_eigh_avoid, **_lo),
    OpCase("linalg.eigvalsh", lambda a, UPLO="L": L.eigvalsh(_sym(a), UPLO),
           lambda a, UPLO="L": np.linalg.eigvalsh(_sym(a), UPLO),
           _square, (dc.EigvalsH, dc.Eigh), avoid=_eigh_avoid,
           params=lambda s: st.fixed_dictionaries({"UPLO": st.sampled_from("LU")}), **_lo),
    OpCase("linalg.svd", lambda a: _svd_gauge(*L.svd(a, full_matrices=False)),
           lambda a: _svd_gauge(*np.linalg.svd(a, full_matrices=False)), _rect, (dc.SVD,),
           avoid=_svd_avoid, **_lo),
    OpCase("linalg.svd(full_matrices)", lambda a: _svd_full(a),
           lambda a: _svd_full_ref(a), _rect, (dc.SVD,), avoid=_svd_avoid, **_lo),
    OpCase("linalg.svdvals", L.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), _rect,
           (dc.SvdVals, dc.SVD), avoid=_svd_avoid, **_lo),
    OpCase("linalg.lu", lambda a: tuple(L.lu(a))[1:], _np_lu, _rect, (lu_ops.LU, dc.Solve),
           avoid=_lu_avoid, **_lo),
    OpCase("linalg.lu_factor", lambda a: L.lu_factor(a).LU,
           lambda a: lu_ops.lu_factor_np(a)[0], _rect, (lu_ops.LU, dc.Solve),
           avoid=_lu_avoid, **_lo),
    OpCase("linalg.lu_solve", lambda a, b: L.lu_solve(*L.lu_factor(_dom(a)), b),
           lambda a, b: np.linalg.solve(_dom(a), b),
           lambda: _square_rhs().filter(lambda s: len(s[1]) >= 2),
           (lu_ops.LU, dc.Solve), avoid=lambda a, b: _lu_avoid(_dom(a)), **_lo),
    OpCase("linalg.solve_triangular",
           lambda a, b, upper, left, unitriangular: L.solve_triangular(
               _dom(a), b, upper=upper, left=left, unitriangular=unitriangular),
           lambda a, b, upper, left, unitriangular: _tri_solve_ref(
               _dom(a), b, upper, left, unitriangular),
           lambda: st.tuples(_batch, _n).map(lambda t: (t[0] + (t[1], t[1]), (t[1], t[1]))),
           (dc.Solve,), params=lambda s: st.fixed_dictionaries(
               {"upper": st.booleans(), "left": st.booleans(), "unitriangular": st.booleans()}),
           **_lo),
    OpCase("cholesky_solve", lambda a, b: mt.cholesky_solve(b, L.cholesky(_spd(a))),
           lambda a, b: np.linalg.solve(_spd(a), b),
           lambda: _square_rhs().filter(lambda s: len(s[1]) >= 2),
           (dc.Solve, dc.Cholesky), **_lo),
    OpCase("cholesky_inverse", lambda a: mt.cholesky_inverse(L.cholesky(_spd(a))),
           lambda a: np.linalg.inv(_spd(a)), _square, (dc.Inv, dc.Cholesky), **_lo),
    OpCase("linalg.matrix_exp", L.matrix_exp, None, _square, (lu_ops.MatrixExp,), **_lo),
    OpCase("linalg.pinv", L.pinv, np.linalg.pinv, _rect, (dc.SVD,), avoid=_svd_avoid, **_lo),
    OpCase("linalg.matrix_power", lambda a, n: L.matrix_power(_dom(a), n),
           lambda a, n: np.linalg.matrix_power(_dom(a), n), _square, (dc.Inv,),
           params=lambda s: st.fixed_dictionaries({"n": st.integers(-2, 3)}), **_lo),
    OpCase("linalg.matrix_norm", lambda a, ord: L.matrix_norm(a, ord), _matrix_norm_ref, _rect,
           (red.Norm, dc.SvdVals, dc.SVD), avoid=_matrix_norm_avoid,
           params=lambda s: st.fixed_dictionaries(
               {"ord": st.sampled_from(["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])}), **_lo),
    OpCase("linalg.vector_norm", lambda a, ord: L.vector_norm(a, ord),
           lambda a, ord: np.linalg.norm(a.reshape(-1), ord),
           lambda: hnp.array_shapes(min_dims=0, max_dims=3, max_side=3).map(lambda s: (s,)),
           (red.Norm,), avoid=_vector_norm_avoid,
           params=lambda s: st.fixed_dictionaries(
               {"ord": st.sampled_from([2, 1, 3, 0.5, np.inf])})),
    OpCase("linalg.norm", lambda a: L.norm(a), lambda a: np.linalg.norm(a.reshape(-1)),
           _rect, (red.Norm,), avoid=_vector_norm_avoid),
    OpCase("linalg.cond", L.cond, np.linalg.cond, _rect, (dc.SvdVals, dc.SVD), avoid=_svd_avoid,
           **_lo),
    OpCase("linalg.lstsq", lambda a, b: L.lstsq(a, b).solution,
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
           lambda: st.tuples(_n, _n, _n).map(lambda t: ((t[0] + t[1], t[1]), (t[0] + t[1],
                                                                             t[2]))),
           (dc.SVD,), avoid=lambda a, b: _svd_avoid(a), **_lo),
    OpCase("linalg.householder_product", L.householder_product, _householder_ref,
           lambda: st.tuples(_batch, _n, _n, _n).map(
               lambda t: (t[0] + (max(t[1], t[2]), t[2]), t[0] + (min(t[2], t[3]),))),
           (), **_lo),
    OpCase("ormqr", lambda a, tau, c, left, transpose: mt.ormqr(a, tau, c, left, transpose),
           _ormqr_ref,
           lambda: _n.map(lambda n: ((3, n), (n,), (3, 3))),
           (), params=lambda s: st.fixed_dictionaries({"left": st.booleans(),
                                                       "transpose": st.booleans()}), **_lo),
    OpCase("linalg.tensorsolve", lambda a, b: L.tensorsolve(_dom(a.reshape(4, 4)).reshape(
        2, 2, 4), b), lambda a, b: np.linalg.tensorsolve(_dom(a.reshape(4, 4)).reshape(2, 2, 4), b),
           fixed((2, 2, 4), (2, 2)), (dc.Solve,), **_lo),
    OpCase("svd_lowrank(full rank)", lambda a: _lowrank(a), lambda a: _lowrank_ref(a),
           lambda: st.tuples(_n, _n).map(lambda t: (t,)),
           (dc.QR, dc.SVD, dc.Solve), avoid=_svd_avoid, **_lo),
    OpCase("linalg.diagonal", lambda a, offset: L.diagonal(a, offset=offset),
           lambda a, offset: np.diagonal(a, offset, -2, -1), _rect, (),
           params=lambda s: st.fixed_dictionaries({"offset": st.integers(-2, 2)})),
    OpCase("linalg.vander", L.vander, _vander_ref,
           lambda: hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=3).map(
               lambda s: (s,)), ()),
]


def _svd_full(a):
    u, s, vh = L.svd(a, full_matrices=True)
    k = s.shape[-1]
    return _svd_gauge(u[..., :, :k], s, vh[..., :k, :])


def _svd_full_ref(a):
    u, s, vh = np.linalg.svd(a, full_matrices=True)
    k = s.shape[-1]
    return _svd_gauge(u[..., :, :k], s, vh[..., :k, :])


# LAPACK picks each singular vector's, eigenvector's, Q column's sign; it may flip between
# two nearby inputs (an exact zero below a Householder pivot, say), which finite differences
# would see as a jump. The rows compare functions that do not depend on those signs.


def _lowrank(a):
    """svd_lowrank with q = min(m, n): the exact SVD, whatever the (seeded) random draws."""
    mt.manual_seed(0)
    u, s, v = mt.svd_lowrank(a, q=min(a.shape[-2:]), niter=0)
    return _svd_gauge(u, s, v.mT)


def _lowrank_ref(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return _svd_gauge(u, s, vh)


def _diag(x):
    return L.diagonal(x) if isinstance(x, mt.Tensor) else np.diagonal(x, 0, -2, -1)


def _qr_gauge(q, r):
    k = min(r.shape[-2], r.shape[-1])
    return q[..., :, :k] * q[..., :1, :k], r[..., :k, :] * _diag(r)[..., :, None]


def _eigh_gauge(w, v):
    return w, v * v[..., :1, :]


def _svd_gauge(u, s, vh):
    return u * u[..., :1, :], s, vh * vh[..., :, :1]


def _tri_solve_ref(a, b, upper, left, unit):
    t = _tri(a, upper, unit)
    if left:
        return np.linalg.solve(t, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)

