"""microtensor's linear algebra against PyTorch's in float64: values, gradients, dtypes,
shapes and the errors bad input raises.

Each case is one call written once for both libraries (``lib`` is ``torch`` or
``microtensor``): the same seeded inputs go in, the outputs must agree, and so must the
gradients of Σ W·out for a seeded random W. Decompositions whose factors LAPACK may sign
differently (eigenvectors, singular vectors) are compared through sign-free products.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import microtensor as mt

RNG_SEED = 1234


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(RNG_SEED + seed).standard_normal(shape)


def _dom(*shape: int, seed: int = 0) -> np.ndarray:
    a = _rand(*shape, seed=seed) * 0.3
    return a + shape[-1] * np.eye(shape[-1])


def _spd(*shape: int, seed: int = 0) -> np.ndarray:
    a = _rand(*shape, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(*shape: int, seed: int = 0) -> np.ndarray:
    a = _rand(*shape, seed=seed)
    return a + np.swapaxes(a, -1, -2)


def _tri(*shape: int, seed: int = 0, upper: bool = False) -> np.ndarray:
    a = _dom(*shape, seed=seed)
    return np.triu(a) if upper else np.tril(a)


def _outputs(out) -> list:
    if isinstance(out, (tuple, list)):
        return [o for o in out]
    return [out]


def _eigh_gauge(lib, out):
    w, v = out
    return w, v * v[..., :1, :]


def _svd_gauge(lib, out):
    u, s, vh = out
    return u * u[..., :1, :], s, vh * vh[..., :, :1]


def _torch_svd_gauge(lib, out):
    u, s, v = out
    return u * u[..., :1, :], s, v * v[..., :1, :]


def _calling(name: str, order):
    """lib.linalg.<name>(a, order), for a parametrized list of orders."""
    def call(lib, a):
        return getattr(lib.linalg, name)(a, order)
    return call


def _seeded(lib):
    """``lib`` after ``manual_seed(0)``: microtensor draws PyTorch's random streams."""
    lib.manual_seed(0)
    return lib


def _ormqr_call(left: bool, transpose: bool):
    def call(lib, a, tau, c):
        return lib.ormqr(a, tau, c, left, transpose)
    return call


# name, call(lib, *tensors), input arrays, post-processing of outputs (or None)
CASES: list[tuple[str, Callable, list[np.ndarray], Callable | None]] = [
    # ---- products
    ("einsum ij,jk->ik", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b),
     [_rand(2, 3), _rand(3, 4, seed=1)], None),
    ("einsum implicit", lambda lib, a, b: lib.einsum("ij,jk", a, b),
     [_rand(2, 3), _rand(3, 4, seed=1)], None),
    ("einsum list", lambda lib, a, b: lib.einsum("bij,bjk->bik", [a, b]),
     [_rand(2, 2, 3), _rand(2, 3, 4, seed=1)], None),
    ("einsum sublists", lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]),
     [_rand(2, 3), _rand(3, 4, seed=1)], None),
    ("einsum sublists ellipsis", lambda lib, a: lib.einsum(a, [..., 1]), [_rand(2, 3)], None),
    ("einsum diagonal", lambda lib, a: lib.einsum("ii->i", a), [_rand(3, 3)], None),
    ("einsum trace", lambda lib, a: lib.einsum("ii", a), [_rand(3, 3)], None),
    ("einsum ellipsis", lambda lib, a, b: lib.einsum("...ij,...jk->...ik", a, b),
     [_rand(2, 1, 2, 3), _rand(4, 3, 2, seed=1)], None),
    ("einsum ellipsis implicit", lambda lib, a: lib.einsum("...ij", a), [_rand(2, 3, 4)], None),
    ("einsum spaces", lambda lib, a, b: lib.einsum("i j , j -> i", a, b),
     [_rand(2, 3), _rand(3, seed=1)], None),
    ("einsum outer3", lambda lib, a, b, c: lib.einsum("i,j,k->ijk", a, b, c),
     [_rand(2), _rand(3, seed=1), _rand(2, seed=2)], None),
    ("einsum sum", lambda lib, a: lib.einsum("ijk->", a), [_rand(2, 3, 2)], None),
    ("einsum repeated", lambda lib, a, b: lib.einsum("iij,j->i", a, b),
     [_rand(3, 3, 2), _rand(2, seed=1)], None),
    ("tensordot int", lambda lib, a, b: lib.tensordot(a, b, 2),
     [_rand(2, 3, 4), _rand(3, 4, 5, seed=1)], None),
    ("tensordot lists", lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [2, 0])),
     [_rand(2, 3, 4), _rand(4, 5, 2, seed=1)], None),
    ("tensordot 0", lambda lib, a, b: lib.tensordot(a, b, 0), [_rand(2), _rand(3, seed=1)], None),
    ("outer", lambda lib, a, b: lib.outer(a, b), [_rand(3), _rand(4, seed=1)], None),
    ("ger", lambda lib, a, b: lib.ger(a, b), [_rand(3), _rand(4, seed=1)], None),
    ("inner nd", lambda lib, a, b: lib.inner(a, b), [_rand(2, 3), _rand(4, 3, seed=1)], None),
    ("inner 0-d", lambda lib, a, b: lib.inner(a, b), [_rand(), _rand(4, 3, seed=1)], None),
    ("mv", lambda lib, a, b: lib.mv(a, b), [_rand(2, 3), _rand(3, seed=1)], None),
    ("dot", lambda lib, a, b: lib.dot(a, b), [_rand(3), _rand(3, seed=1)], None),
    ("vdot", lambda lib, a, b: lib.vdot(a, b), [_rand(3), _rand(3, seed=1)], None),
    ("mm", lambda lib, a, b: lib.mm(a, b), [_rand(2, 3), _rand(3, 2, seed=1)], None),
    ("bmm", lambda lib, a, b: lib.bmm(a, b), [_rand(2, 2, 3), _rand(2, 3, 2, seed=1)], None),
    ("matmul broadcast", lambda lib, a, b: lib.matmul(a, b),
     [_rand(2, 1, 2, 3), _rand(3, 3, 2, seed=1)], None),
    ("linalg.matmul", lambda lib, a, b: lib.linalg.matmul(a, b),
     [_rand(3), _rand(2, 3, 2, seed=1)], None),
    ("addmm", lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=-2),
     [_rand(3), _rand(2, 4, seed=1), _rand(4, 3, seed=2)], None),
    ("addmm beta=0", lambda lib, i, a, b: lib.addmm(i, a, b, beta=0),
     [np.full((2, 3), np.nan), _rand(2, 4, seed=1), _rand(4, 3, seed=2)], None),
    ("addmv", lambda lib, i, a, b: lib.addmv(i, a, b, alpha=3),
     [_rand(2), _rand(2, 4, seed=1), _rand(4, seed=2)], None),
    ("addr", lambda lib, i, a, b: lib.addr(i, a, b, beta=2),
     [_rand(2, 3), _rand(2, seed=1), _rand(3, seed=2)], None),
    ("addbmm", lambda lib, i, a, b: lib.addbmm(i, a, b, beta=0.5, alpha=2),
     [_rand(2, 3), _rand(4, 2, 5, seed=1), _rand(4, 5, 3, seed=2)], None),
    ("baddbmm", lambda lib, i, a, b: lib.baddbmm(i, a, b, alpha=0.5),
     [_rand(4, 2, 3), _rand(4, 2, 5, seed=1), _rand(4, 5, 3, seed=2)], None),
    ("chain_matmul", lambda lib, a, b, c: lib.chain_matmul(a, b, c),
     [_rand(2, 3), _rand(3, 4, seed=1), _rand(4, 2, seed=2)], None),
    ("linalg.multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]),
     [_rand(3), _rand(3, 4, seed=1), _rand(4, seed=2)], None),
    ("cross default dim", lambda lib, a, b: lib.cross(a, b),
     [_rand(4, 3, 3), _rand(4, 3, 3, seed=1)], None),
    ("cross dim", lambda lib, a, b: lib.cross(a, b, dim=1),
     [_rand(2, 3, 4), _rand(2, 3, 4, seed=1)], None),
    ("linalg.cross", lambda lib, a, b: lib.linalg.cross(a, b),
     [_rand(2, 3), _rand(1, 3, seed=1)], None),
    ("kron", lambda lib, a, b: lib.kron(a, b), [_rand(2, 3), _rand(3, 2, seed=1)], None),
    ("kron nd", lambda lib, a, b: lib.kron(a, b), [_rand(2, 2, 3), _rand(3, 2, seed=1)], None),
    ("linalg.vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b, dim=0),
     [_rand(3, 2), _rand(3, 1, seed=1)], None),
    ("cdist p=2", lambda lib, a, b: lib.cdist(a, b), [_rand(4, 3), _rand(5, 3, seed=1)], None),
    ("cdist p=1 batched", lambda lib, a, b: lib.cdist(a, b, p=1),
     [_rand(2, 4, 3), _rand(2, 5, 3, seed=1)], None),
    ("cdist p=3", lambda lib, a, b: lib.cdist(a, b, p=3.0),
     [_rand(4, 3), _rand(5, 3, seed=1)], None),
    ("cdist p=inf", lambda lib, a, b: lib.cdist(a, b, p=float("inf")),
     [_rand(4, 3), _rand(5, 3, seed=1)], None),
    ("trapezoid x", lambda lib, y, x: lib.trapezoid(y, x, dim=0),
     [_rand(4, 3), np.sort(_rand(4, 3, seed=1), 0)], None),
    ("trapezoid dx", lambda lib, y: lib.trapezoid(y, dx=0.3), [_rand(2, 5)], None),
    ("trapz", lambda lib, y, x: lib.trapz(y, x), [_rand(2, 5), np.sort(_rand(5, seed=1))], None),
    ("cumulative_trapezoid", lambda lib, y: lib.cumulative_trapezoid(y, dim=0), [_rand(4, 3)],
     None),
    ("addmm_", lambda lib, i, a, b: (i * 1).addmm_(a, b, beta=0.5, alpha=2),
     [_rand(2, 3), _rand(2, 4, seed=1), _rand(4, 3, seed=2)], None),
    ("addmv_", lambda lib, i, a, b: (i * 1).addmv_(a, b), [_rand(2), _rand(2, 4, seed=1),
                                                          _rand(4, seed=2)], None),
    ("addr_", lambda lib, i, a, b: (i * 1).addr_(a, b, alpha=3), [_rand(2, 3), _rand(2, seed=1),
                                                                 _rand(3, seed=2)], None),
    ("baddbmm_", lambda lib, i, a, b: (i * 1).baddbmm_(a, b, beta=2),
     [_rand(4, 2, 3), _rand(4, 2, 5, seed=1), _rand(4, 5, 3, seed=2)], None),
    ("addbmm_", lambda lib, i, a, b: (i * 1).addbmm_(a, b),
     [_rand(2, 3), _rand(4, 2, 5, seed=1), _rand(4, 5, 3, seed=2)], None),
    ("Tensor methods", lambda lib, a, b: (a.det(), a.inverse(), a.slogdet()[1], a.logdet(),
                                          a.matrix_power(2), a.matrix_exp(), a.pinverse(),
                                          a[0].outer(b[0]), a.mv(b[0]), a.kron(b), a.inner(b),
                                          a.cross(b, dim=0), b[0].vdot(b[1])),
     [_dom(3, 3), _rand(3, 3, seed=1)], None),
    # ---- inverses, determinants, solvers
    ("linalg.inv", lambda lib, a: lib.linalg.inv(a), [_dom(2, 3, 3)], None),
    ("inverse", lambda lib, a: lib.inverse(a), [_dom(3, 3)], None),
    ("linalg.inv_ex", lambda lib, a: lib.linalg.inv_ex(a), [_dom(3, 3)], None),
    ("linalg.det", lambda lib, a: lib.linalg.det(a), [_rand(2, 3, 3)], None),
    ("det", lambda lib, a: lib.det(a), [_rand(4, 4)], None),
    ("linalg.slogdet", lambda lib, a: lib.linalg.slogdet(a), [_rand(2, 3, 3)], None),
    ("slogdet", lambda lib, a: lib.slogdet(a), [_rand(3, 3)], None),
    ("logdet", lambda lib, a: lib.logdet(a), [_spd(2, 3, 3)], None),
    ("linalg.solve", lambda lib, a, b: lib.linalg.solve(a, b),
     [_dom(2, 3, 3), _rand(3, 2, seed=1)], None),
    ("linalg.solve vector", lambda lib, a, b: lib.linalg.solve(a, b),
     [_dom(2, 3, 3), _rand(2, 3, seed=1)], None),
    ("linalg.solve 1-D", lambda lib, a, b: lib.linalg.solve(a, b),
     [_dom(2, 3, 3), _rand(3, seed=1)], None),
    ("linalg.solve left=False", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
     [_dom(3, 3), _rand(2, 3, seed=1)], None),
    ("linalg.solve_triangular", lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
     [_rand(3, 3) + 4 * np.eye(3), _rand(3, 2, seed=1)], None),
    ("linalg.solve_triangular right unit",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False, left=False,
                                                   unitriangular=True),
     [_rand(3, 3), _rand(2, 3, seed=1)], None),
    ("triangular_solve", lambda lib, b, a: lib.triangular_solve(b, a),
     [_rand(3, 2, seed=1), _rand(3, 3) + 4 * np.eye(3)], None),
    ("triangular_solve transpose", lambda lib, b, a: lib.triangular_solve(
        b, a, upper=False, transpose=True), [_rand(2, 3, 2, seed=1), _dom(2, 3, 3)], None),
    ("linalg.cholesky", lambda lib, a: lib.linalg.cholesky(a), [_spd(2, 3, 3)], None),
    ("linalg.cholesky upper", lambda lib, a: lib.linalg.cholesky(a, upper=True),
     [_spd(3, 3)], None),
    ("cholesky", lambda lib, a: lib.cholesky(a), [_spd(3, 3)], None),
    ("cholesky_solve", lambda lib, b, low: lib.cholesky_solve(b, low),
     [_rand(3, 2, seed=1), np.linalg.cholesky(_spd(3, 3))], None),
    ("cholesky_solve upper", lambda lib, b, up: lib.cholesky_solve(b, up, upper=True),
     [_rand(3, 2, seed=1), np.linalg.cholesky(_spd(3, 3)).T.copy()], None),
    ("cholesky_inverse", lambda lib, low: lib.cholesky_inverse(low),
     [np.linalg.cholesky(_spd(3, 3))], None),
    ("linalg.qr", lambda lib, a: lib.linalg.qr(a), [_rand(2, 4, 3)], None),
    ("linalg.qr wide", lambda lib, a: lib.linalg.qr(a), [_rand(3, 5)], None),
    ("linalg.qr complete", lambda lib, a: lib.linalg.qr(a, mode="complete"), [_rand(3, 4)],
     None),
    ("linalg.qr r", lambda lib, a: lib.linalg.qr(a, mode="r"), [_rand(4, 3)], None),
    ("qr", lambda lib, a: lib.qr(a), [_rand(4, 3)], None),
    ("linalg.eigh", lambda lib, a: lib.linalg.eigh(a), [_sym(2, 3, 3)], _eigh_gauge),
    ("linalg.eigh U", lambda lib, a: lib.linalg.eigh(a, UPLO="U"), [_rand(4, 4)], _eigh_gauge),
    ("linalg.eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), [_sym(2, 3, 3)], None),
    ("linalg.svd", lambda lib, a: lib.linalg.svd(a, full_matrices=False), [_rand(2, 4, 3)],
     _svd_gauge),
    ("linalg.svd wide", lambda lib, a: lib.linalg.svd(a, full_matrices=False), [_rand(3, 5)],
     _svd_gauge),
    ("linalg.svd square", lambda lib, a: lib.linalg.svd(a), [_rand(3, 3)], _svd_gauge),
    ("linalg.svdvals", lambda lib, a: lib.linalg.svdvals(a), [_rand(2, 4, 3)], None),
    ("svd", lambda lib, a: lib.svd(a), [_rand(4, 3)], _torch_svd_gauge),
    ("svd no uv", lambda lib, a: lib.svd(a, compute_uv=False), [_rand(4, 3)], None),
    ("linalg.pinv", lambda lib, a: lib.linalg.pinv(a), [_rand(2, 4, 3)], None),
    ("linalg.pinv hermitian", lambda lib, a: lib.linalg.pinv(a, hermitian=True),
     [_sym(3, 3)], None),
    ("pinverse", lambda lib, a: lib.pinverse(a), [_rand(3, 4)], None),
    ("linalg.matrix_rank", lambda lib, a: lib.linalg.matrix_rank(a),
     [np.concatenate([_rand(2, 4, 2), np.zeros((2, 4, 2))], -1)], None),
    ("linalg.matrix_rank atol", lambda lib, a: lib.linalg.matrix_rank(a, atol=1.0, rtol=0.0),
     [_rand(3, 4, 4)], None),
    ("linalg.matrix_power 3", lambda lib, a: lib.linalg.matrix_power(a, 3), [_rand(2, 3, 3)],
     None),
    ("linalg.matrix_power -2", lambda lib, a: lib.linalg.matrix_power(a, -2), [_dom(3, 3)],
     None),
    ("matrix_power 0", lambda lib, a: lib.matrix_power(a, 0), [_rand(2, 3, 3)], None),
    ("linalg.matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), [_rand(2, 3, 3)], None),
    ("matrix_exp big", lambda lib, a: lib.matrix_exp(a), [3 * _rand(4, 4)], None),
    ("linalg.lu", lambda lib, a: lib.linalg.lu(a), [_rand(2, 3, 3)], None),
    ("linalg.lu tall", lambda lib, a: lib.linalg.lu(a), [_rand(5, 3)], None),
    ("linalg.lu wide", lambda lib, a: lib.linalg.lu(a), [_rand(3, 5)], None),
    ("linalg.lu_factor", lambda lib, a: lib.linalg.lu_factor(a), [_rand(2, 4, 4)], None),
    ("lu", lambda lib, a: lib.lu(a), [_rand(4, 4)], None),
    ("linalg.lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b),
     [_rand(2, 3, 3), _rand(2, 3, 2, seed=1)], None),
    ("linalg.lu_solve adjoint", lambda lib, a, b: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(a), b, adjoint=True), [_rand(3, 3), _rand(3, 2, seed=1)], None),
    ("linalg.lu_solve right", lambda lib, a, b: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(a), b, left=False), [_rand(3, 3), _rand(2, 3, seed=1)], None),
    ("lu_unpack", lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), [_rand(4, 3)], None),
    ("lu_solve", lambda lib, b, a: lib.lu_solve(b, *lib.linalg.lu_factor(a)),
     [_rand(3, 2, seed=1), _rand(3, 3)], None),
    ("linalg.lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b), [_rand(5, 3), _rand(5, 2, seed=1)],
     None),
    ("linalg.lstsq gelsd", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd"),
     [_rand(2, 5, 3), _rand(2, 5, 2, seed=1)], None),
    ("linalg.lstsq gels", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gels"),
     [_rand(5, 3), _rand(5, 2, seed=1)], None),
    ("linalg.lstsq gelss wide", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelss"),
     [_rand(3, 5), _rand(3, 2, seed=1)], None),
    ("geqrf", lambda lib, a: lib.geqrf(a), [_rand(2, 5, 3)], None),
    ("linalg.householder_product", lambda lib, a, tau: lib.linalg.householder_product(a, tau),
     [_rand(2, 5, 3), _rand(2, 2, seed=1)], None),
    ("orgqr", lambda lib, a, tau: lib.orgqr(a, tau), [_rand(4, 4), _rand(3, seed=1)], None),
    *[(f"ormqr {lf} {tr}", _ormqr_call(lf, tr),
       [_rand(4, 3), _rand(3, seed=1), _rand(4, 4, seed=2) if lf else _rand(2, 4)], None)
      for lf in (True, False) for tr in (True, False)],
    ("linalg.tensorinv", lambda lib, a: lib.linalg.tensorinv(a, ind=1),
     [_dom(4, 4).reshape(4, 2, 2)], None),
    ("linalg.tensorsolve", lambda lib, a, b: lib.linalg.tensorsolve(a, b, dims=(1,)),
     [_dom(6, 6).reshape(2, 3, 6).transpose(0, 2, 1).copy(), _rand(2, 3, seed=1)], None),
    ("linalg.cholesky_ex", lambda lib, a: lib.linalg.cholesky_ex(a), [_spd(2, 3, 3)], None),
    ("linalg.solve_ex", lambda lib, a, b: lib.linalg.solve_ex(a, b),
     [_dom(3, 3), _rand(3, 2, seed=1)], None),
    ("linalg.lu_factor_ex", lambda lib, a: lib.linalg.lu_factor_ex(a), [_rand(2, 3, 3)], None),
    ("svd_lowrank", lambda lib, a: _seeded(lib).svd_lowrank(a, q=3), [_rand(2, 7, 5)],
     _torch_svd_gauge),
    ("svd_lowrank wide M", lambda lib, a, m: _seeded(lib).svd_lowrank(a, q=2, niter=1, M=m),
     [_rand(5, 7), _rand(5, 7, seed=1)], _torch_svd_gauge),
    ("pca_lowrank", lambda lib, a: _seeded(lib).pca_lowrank(a), [_rand(8, 4)], _torch_svd_gauge),
    ("linalg.ldl_factor", lambda lib, a: lib.linalg.ldl_factor(a), [_sym(2, 5, 5)], None),
    ("linalg.ldl_factor 2x2 pivots", lambda lib, a: lib.linalg.ldl_factor_ex(a),
     [_sym(6, 6) * (1 - np.eye(6))], None),
    ("linalg.ldl_solve", lambda lib, a, b: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(a), b),
     [_sym(2, 5, 5) * (1 - np.eye(5)), _rand(2, 5, 3, seed=1)], None),
    # ---- norms and friends
    ("linalg.norm", lambda lib, a: lib.linalg.norm(a), [_rand(2, 3, 4)], None),
    ("linalg.norm dim", lambda lib, a: lib.linalg.norm(a, 3, dim=1, keepdim=True),
     [_rand(2, 3, 4)], None),
    ("linalg.norm matrix nuc", lambda lib, a: lib.linalg.norm(a, "nuc", dim=(0, 2)),
     [_rand(2, 3, 4)], None),
    ("linalg.norm 2-D ord", lambda lib, a: lib.linalg.norm(a, -1), [_rand(3, 4)], None),
    *[(f"linalg.vector_norm {o}", _calling("vector_norm", o),
       [_rand(2, 3, 4)], None) for o in (2, 1, 0, 3.5, -1, float("inf"), float("-inf"))],
    ("linalg.vector_norm dim", lambda lib, a: lib.linalg.vector_norm(a, dim=(0, 2), keepdim=True),
     [_rand(2, 3, 4)], None),
    *[(f"linalg.matrix_norm {o}", _calling("matrix_norm", o),
       [_rand(2, 3, 4)], None) for o in ("fro", "nuc", 2, -2, 1, -1, float("inf"),
                                         float("-inf"))],
    ("linalg.matrix_norm dims keepdim", lambda lib, a: lib.linalg.matrix_norm(
        a, 1, dim=(2, 0), keepdim=True), [_rand(2, 3, 4)], None),
    *[(f"linalg.cond {p}", _calling("cond", p),
       [_dom(2, 3, 3)], None) for p in (None, 2, -2, "fro", "nuc", 1, float("inf"))],
    ("linalg.diagonal", lambda lib, a: lib.linalg.diagonal(a, offset=1, dim1=0, dim2=2),
     [_rand(3, 2, 4)], None),
    ("linalg.vander", lambda lib, x: lib.linalg.vander(x), [_rand(2, 3)], None),
    ("linalg.vander N", lambda lib, x: lib.linalg.vander(x, N=5), [_rand(3)], None),
    ("vander", lambda lib, x: lib.vander(x), [_rand(4)], None),
    ("vander increasing", lambda lib, x: lib.vander(x, N=3, increasing=True), [_rand(4)], None),
]


_NO_GRAD = ("geqrf", "linalg.ldl")  # no derivative in PyTorch either


def _run(lib, call, arrays, post, grad: bool):
    if lib is torch:
        ins = [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in arrays]
    else:
        ins = [mt.tensor(a, dtype=mt.float64, requires_grad=grad) for a in arrays]
    out = call(lib, *ins)
    if post is not None:
        out = post(lib, out)
    return ins, _outputs(out), out


@pytest.mark.parametrize("name, call, arrays, post", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, call, arrays, post):
    t_in, t_out, t_raw = _run(torch, call, arrays, post, True)
    m_in, m_out, m_raw = _run(mt, call, arrays, post, True)
    assert len(t_out) == len(m_out), name
    if isinstance(t_raw, tuple) and hasattr(t_raw, "_fields") and post is None:
        assert tuple(m_raw._fields) == tuple(t_raw._fields), f"{name}: named tuple fields"
    for k, (t, m) in enumerate(zip(t_out, m_out)):
        want = t.detach().numpy()
        got = m.detach().numpy()
        assert got.shape == want.shape, f"{name}: output {k} shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{name}: output {k} dtype {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9, equal_nan=True,
                                   err_msg=f"{name}: output {k}")
    # gradients of Σ W·out over the float outputs torch differentiates
    rng = np.random.default_rng(7)
    t_loss, m_loss = 0, 0
    for t, m in zip(t_out, m_out):
        if not (t.requires_grad and t.dtype.is_floating_point) or name.startswith(_NO_GRAD):
            continue  # (torch records these, but their backward raises "not implemented")
        assert m.requires_grad, f"{name}: an output torch differentiates has no grad_fn here"
        w = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.tensor(w)).sum()
        m_loss = m_loss + (m * mt.tensor(w)).sum()
    if isinstance(t_loss, int):
        return
    try:
        t_grads = torch.autograd.grad(t_loss, t_in, allow_unused=True)
    except RuntimeError as e:
        if "mode='r'" in str(e):  # qr(mode='r') is not differentiable: both must say so
            with pytest.raises(RuntimeError, match="mode='r'"):
                mt.autograd.grad(m_loss, m_in, allow_unused=True)
        return  # (torch 2.13's own backward of cond(p='fro'), vander fails: nothing to compare)
    m_grads = mt.autograd.grad(m_loss, m_in, allow_unused=True)
    for i, (tg, mg) in enumerate(zip(t_grads, m_grads)):
        if tg is None:
            assert mg is None or not np.any(mg.numpy()), f"{name}: grad of input {i}"
            continue
        assert mg is not None, f"{name}: no gradient for input {i}"
        np.testing.assert_allclose(mg.numpy(), tg.numpy(), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name}: gradient of input {i}")


FLOAT32_CASES = [c for c in CASES if not c[0].startswith("addmm beta")]


@pytest.mark.parametrize("name, call, arrays, post", FLOAT32_CASES,
                         ids=[c[0] for c in FLOAT32_CASES])
def test_float32_dtypes(name, call, arrays, post):
    """float32 stays float32; integer outputs (pivots, ranks, info) have torch's dtypes."""
    t_out = _outputs(call(torch, *[torch.tensor(a, dtype=torch.float32) for a in arrays]))
    m_out = _outputs(call(mt, *[mt.tensor(a, dtype=mt.float32) for a in arrays]))
    for t, m in zip(t_out, m_out):
        assert str(m.dtype).replace("microtensor.", "") == str(t.dtype).replace("torch.", ""), \
            f"{name}: dtype {m.dtype} != torch's {t.dtype}"
        assert tuple(m.shape) == tuple(t.shape)


# --------------------------------------------------------------------------- second order


@pytest.mark.parametrize("name, call, arrays", [
    ("inv", lambda lib, a: lib.linalg.inv(a), [_dom(3, 3)]),
    ("det", lambda lib, a: lib.linalg.det(a), [_dom(3, 3)]),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a), [_spd(3, 3)]),
    ("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), [_sym(3, 3)]),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a), [_rand(4, 3)]),
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), [_rand(3, 3)]),
    ("qr R", lambda lib, a: lib.linalg.qr(a)[1], [_rand(4, 3)]),
    ("solve", lambda lib, a, b: lib.linalg.solve(a, b), [_dom(3, 3), _rand(3, 2, seed=1)]),
    ("einsum", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), [_rand(2, 3), _rand(3, 2)]),
])
def test_hessian_vector_products(name, call, arrays):
    """d/dx <v, d<W, f(x)>/dx>: the gradient's own gradient, against torch."""
    rng = np.random.default_rng(3)
    results = []
    for lib in (torch, mt):
        mk = (lambda a: torch.tensor(a, requires_grad=True)) if lib is torch else \
            (lambda a: mt.tensor(a, requires_grad=True))
        ins = [mk(a) for a in arrays]
        out = call(lib, *ins)
        w = np.random.default_rng(5).standard_normal(tuple(out.shape))
        w = torch.tensor(w) if lib is torch else mt.tensor(w)
        grads = lib.autograd.grad((out * w).sum(), ins, create_graph=True)
        vs = [np.random.default_rng(11 + i).standard_normal(a.shape)
              for i, a in enumerate(arrays)]
        inner = sum((g * (torch.tensor(v) if lib is torch else mt.tensor(v))).sum()
                    for g, v in zip(grads, vs))
        hv = lib.autograd.grad(inner, ins, allow_unused=True)
        results.append([None if h is None else h.detach().numpy() for h in hv])
    del rng
    for i, (t, m) in enumerate(zip(*results)):
        if t is None:
            assert m is None or not np.any(m)
            continue
        np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name}: second derivative of input {i}")


# --------------------------------------------------------------------------- errors


def _raises_like_torch(call, arrays, dtype_t=torch.float64, dtype_m=mt.float64):
    with pytest.raises(Exception) as t_err:
        call(torch, *[torch.tensor(a, dtype=dtype_t) for a in arrays])
    with pytest.raises(Exception) as m_err:
        call(mt, *[mt.tensor(a, dtype=dtype_m) for a in arrays])
    builtin = next(c for c in t_err.type.__mro__ if c.__module__ == "builtins")
    assert isinstance(m_err.value, builtin), (type(m_err.value), type(t_err.value))
    if "LinAlgError" in t_err.type.__name__:
        assert isinstance(m_err.value, mt.linalg.LinAlgError)
    return str(t_err.value), str(m_err.value)


@pytest.mark.parametrize("name, call, arrays", [
    ("inv singular", lambda lib, a: lib.linalg.inv(a), [np.ones((3, 3))]),
    ("inv batched singular", lambda lib, a: lib.linalg.inv(a),
     [np.stack([np.eye(2), np.zeros((2, 2))])]),
    ("solve singular", lambda lib, a, b: lib.linalg.solve(a, b), [np.ones((2, 2)), _rand(2)]),
    ("cholesky not PD", lambda lib, a: lib.linalg.cholesky(a), [-np.eye(3)]),
    ("cholesky batched not PD", lambda lib, a: lib.linalg.cholesky(a),
     [np.stack([np.eye(2), np.diag([1.0, -1.0])])]),
])
def test_linalg_errors(name, call, arrays):
    t_msg, m_msg = _raises_like_torch(call, arrays)
    assert m_msg == t_msg


def test_linalg_error_class():
    assert issubclass(mt.linalg.LinAlgError, RuntimeError)
    with pytest.raises(mt.linalg.LinAlgError):
        mt.linalg.inv(mt.zeros(2, 2, dtype=mt.float64))


@pytest.mark.parametrize("name, call, arrays", [
    ("inv non-square", lambda lib, a: lib.linalg.inv(a), [_rand(2, 3)]),
    ("inv 1-D", lambda lib, a: lib.linalg.inv(a), [_rand(3)]),
    ("det non-square", lambda lib, a: lib.linalg.det(a), [_rand(2, 3)]),
    ("cholesky non-square", lambda lib, a: lib.linalg.cholesky(a), [_rand(2, 3)]),
    ("eigh non-square", lambda lib, a: lib.linalg.eigh(a), [_rand(2, 3)]),
    ("eigh UPLO", lambda lib, a: lib.linalg.eigh(a, UPLO="X"), [_rand(2, 2)]),
    ("qr mode", lambda lib, a: lib.linalg.qr(a, mode="bad"), [_rand(2, 2)]),
    ("solve shapes", lambda lib, a, b: lib.linalg.solve(a, b), [_dom(3, 3), _rand(2, 2)]),
    ("solve vector right", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
     [_dom(3, 3), _rand(3)]),
    ("matrix_norm 1-D", lambda lib, a: lib.linalg.matrix_norm(a), [_rand(3)]),
    ("matrix_norm ord", lambda lib, a: lib.linalg.matrix_norm(a, 3), [_rand(3, 3)]),
    ("norm 3-D ord", lambda lib, a: lib.linalg.norm(a, 2), [_rand(2, 2, 2)]),
    ("mv shapes", lambda lib, a, b: lib.mv(a, b), [_rand(2, 3), _rand(4)]),
    ("outer 2-D", lambda lib, a, b: lib.outer(a, b), [_rand(2, 3), _rand(4)]),
    ("addmm shapes", lambda lib, i, a, b: lib.addmm(i, a, b),
     [_rand(5), _rand(2, 3), _rand(3, 4)]),
    ("bmm shapes", lambda lib, a, b: lib.bmm(a, b), [_rand(2, 2, 3), _rand(3, 3, 2)]),
    ("linalg.cross size", lambda lib, a, b: lib.linalg.cross(a, b), [_rand(2, 2), _rand(2, 2)]),
    ("tensordot sizes", lambda lib, a, b: lib.tensordot(a, b, 1), [_rand(2, 3), _rand(2, 3)]),
    ("einsum operands", lambda lib, a: lib.einsum("ij,jk->ik", a), [_rand(2, 2)]),
    ("einsum rank", lambda lib, a: lib.einsum("ijk->i", a), [_rand(2, 2)]),
    ("cdist columns", lambda lib, a, b: lib.cdist(a, b), [_rand(2, 3), _rand(2, 4)]),
    ("multi_dot one", lambda lib, a: lib.linalg.multi_dot([a]), [_rand(2, 2)]),
    ("ldl_factor singular", lambda lib, a: lib.linalg.ldl_factor(a), [np.zeros((2, 2))]),
    ("lstsq driver", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="x"),
     [_rand(3, 2), _rand(3, 1)]),
])
def test_bad_input_raises_like_torch(name, call, arrays):
    _raises_like_torch(call, arrays)


@pytest.mark.parametrize("name, call", [
    ("inv", lambda lib, a: lib.linalg.inv(a)),
    ("det", lambda lib, a: lib.linalg.det(a)),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a)),
    ("svd", lambda lib, a: lib.linalg.svd(a)),
    ("vector_norm", lambda lib, a: lib.linalg.vector_norm(a)),
])
def test_integer_input_raises_like_torch(name, call):
    _raises_like_torch(call, [np.arange(4).reshape(2, 2)], torch.int64, mt.int64)


@pytest.mark.parametrize("name, call, arrays", [
    ("inv empty", lambda lib, a: lib.linalg.inv(a), [np.zeros((0, 0))]),
    ("inv empty batch", lambda lib, a: lib.linalg.inv(a), [np.zeros((0, 2, 2))]),
    ("det empty", lambda lib, a: lib.linalg.det(a), [np.zeros((2, 0, 0))]),
    ("svd empty", lambda lib, a: lib.linalg.svdvals(a), [np.zeros((0, 3))]),
    ("qr empty", lambda lib, a: lib.linalg.qr(a), [np.zeros((3, 0))]),
    ("matmul empty", lambda lib, a, b: lib.matmul(a, b), [np.zeros((2, 0)), np.zeros((0, 3))]),
    ("einsum empty", lambda lib, a: lib.einsum("ij->j", a), [np.zeros((0, 3))]),
    ("vector_norm empty", lambda lib, a: lib.linalg.vector_norm(a), [np.zeros((0,))]),
    ("matrix_norm empty", lambda lib, a: lib.linalg.matrix_norm(a), [np.zeros((0, 3))]),
    ("eigh 1x1", lambda lib, a: lib.linalg.eigh(a), [np.ones((1, 1))]),
])
def test_empty_and_tiny_inputs(name, call, arrays):
    t = _outputs(call(torch, *[torch.tensor(a) for a in arrays]))
    m = _outputs(call(mt, *[mt.tensor(a) for a in arrays]))
    for a, b in zip(t, m):
        assert tuple(b.shape) == tuple(a.shape), name
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-12)
