"""LDLᵀ with Bunch-Kaufman pivoting of a symmetric matrix (LAPACK's ``sytrf``, lower), and
the solver that uses it (``sytrs``). PyTorch defines no gradient for either; neither do we.

A = P L D Lᵀ Pᵀ with L unit lower triangular and D block diagonal with 1×1 and 2×2 blocks.
``LD`` holds D on its diagonal (and first subdiagonal, for 2×2 blocks) and L below; a
positive pivot k means rows/columns k were swapped for a 1×1 block, a pair of equal
negative pivots marks a 2×2 block (LAPACK's 1-based convention, as PyTorch returns it).
"""

from __future__ import annotations

from math import prod, sqrt
from typing import NamedTuple

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .decompositions import LinAlgError
from .factorizations import _const, matrix_input

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_ALPHA = (1 + sqrt(17)) / 8  # Bunch-Kaufman's threshold: bounds the growth of the entries


class LDLFactorResult(NamedTuple):
    LD: Tensor
    pivots: Tensor


class LDLFactorExResult(NamedTuple):
    LD: Tensor
    pivots: Tensor
    info: Tensor


def _swap(a: np.ndarray, i: tuple, j: tuple) -> None:
    a[i], a[j] = a[j].copy(), a[i].copy()


def _sytf2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """One matrix, LAPACK's unblocked ``dsytf2`` with UPLO='L' (0-based here)."""
    a = np.array(a, copy=True)
    n = a.shape[0]
    ipiv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k])
        imax, colmax = k, 0.0
        if k < n - 1:
            imax = k + 1 + int(np.argmax(np.abs(a[k + 1:, k])))
            colmax = abs(a[imax, k])
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1  # a zero pivot: D is singular
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                rowmax = np.max(np.abs(a[imax, k:imax]))
                if imax < n - 1:
                    rowmax = max(rowmax, np.max(np.abs(a[imax + 1:, imax])))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # interchange rows and columns kk and kp of the trailing block
                if kp < n - 1:
                    _swap(a, (slice(kp + 1, None), kk), (slice(kp + 1, None), kp))
                _swap(a, (slice(kk + 1, kp), kk), (kp, slice(kk + 1, kp)))
                _swap(a, (kk, kk), (kp, kp))
                if kstep == 2:
                    _swap(a, (k + 1, k), (kp, k))
            if kstep == 1 and k < n - 1:
                x = a[k + 1:, k].copy()
                a[k + 1:, k + 1:] -= np.outer(x, x) / a[k, k]
                a[k + 1:, k] = x / a[k, k]
            elif kstep == 2 and k < n - 2:
                d21 = a[k + 1, k]
                d11 = a[k + 1, k + 1] / d21
                d22 = a[k, k] / d21
                d21 = 1 / (d11 * d22 - 1) / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[j, k] - a[j, k + 1])
                    wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
                    a[j:, j] -= a[j:, k] * wk + a[j:, k + 1] * wkp1
                    a[j, k], a[j, k + 1] = wk, wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return np.tril(a), ipiv, info


def _sytrs(ld: np.ndarray, ipiv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One system, LAPACK's ``dsytrs`` with UPLO='L': solve A X = B from ``_sytf2``'s output."""
    b = np.array(b, copy=True)
    n = ld.shape[0]
    k = 0
    while k < n:  # L D Y = Pᵀ B
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            if kp != k:
                _swap(b, k, kp)
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] /= ld[k, k]
            k += 1
        else:
            kp = -ipiv[k] - 1
            if kp != k + 1:
                _swap(b, k + 1, kp)
            b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / akm1k, ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # Lᵀ Pᵀ X = Y
        if ipiv[k] > 0:
            b[k] -= ld[k + 1:, k] @ b[k + 1:]
            kp = ipiv[k] - 1
            if kp != k:
                _swap(b, k, kp)
            k -= 1
        else:
            b[k] -= ld[k + 1:, k] @ b[k + 1:]
            b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
            kp = -ipiv[k] - 1
            if kp != k:
                _swap(b, k, kp)
            k -= 2
    return b


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False  # noqa: N803
                  ) -> LDLFactorExResult:
    """``(LD, pivots, info)`` of a symmetric A (its lower triangle is read); ``info`` is the
    1-based index of the first zero pivot (a singular D), else 0. Not differentiable."""
    return _ldl(A, check_errors, "linalg.ldl_factor_ex")


def _ldl(A: Tensor, check_errors: bool, op: str) -> LDLFactorExResult:  # noqa: N803
    A = matrix_input(A, op, square=True)
    a = A._data
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    out = np.empty_like(flat)
    piv = np.zeros((flat.shape[0], n), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    for i, m in enumerate(flat):
        out[i], piv[i], info[i] = _sytf2(m)
    batch = a.shape[:-2]
    if check_errors and np.any(info):
        raise LinAlgError(f"torch.{op}: The factorization could not be completed because the "
                          f"input is singular (D has a zero pivot at {int(info[info > 0][0])}).")
    return LDLFactorExResult(_const(out.reshape(a.shape)), _const(piv.reshape(batch + (n,))),
                             _const(info.reshape(batch)))


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:  # noqa: N803
    """``(LD, pivots)``: :func:`ldl_factor_ex` without ``info``; a singular A raises (as
    PyTorch's, whose message is an internal assert). Not differentiable."""
    ld, piv, _ = _ldl(A, True, "linalg.ldl_factor")
    return LDLFactorResult(ld, piv)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:  # noqa: N803
    """X with A X = B for A given by :func:`ldl_factor`'s ``(LD, pivots)``."""
    op = "linalg.ldl_solve"
    LD = matrix_input(LD, op, name="LD", square=True)
    B = matrix_input(B, op, name="B")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise ShapeError(f"torch.{op}: Incompatible shapes of A and B for the equation AX = B "
                         f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    piv = np.asarray(pivots._data if isinstance(pivots, Tensor) else pivots)
    batch = np.broadcast_shapes(LD.shape[:-2], B.shape[:-2], piv.shape[:-1])
    ld = np.broadcast_to(LD._data, batch + (n, n)).reshape((-1, n, n))
    pv = np.broadcast_to(piv, batch + (n,)).reshape((-1, n))
    b = np.broadcast_to(B._data, batch + tuple(B.shape[-2:])).reshape((-1,) + tuple(B.shape[-2:]))
    with np.errstate(divide="ignore", invalid="ignore"):  # a singular D gives inf/nan
        out = np.stack([_sytrs(ld[i], pv[i], b[i]) for i in range(prod(batch))]) \
            if prod(batch) else np.zeros(b.shape, B.dtype)
    return _const(out.reshape(batch + tuple(B.shape[-2:])))
