"""LU with partial pivoting, and the matrix exponential (NumPy has neither).

``lu_factor_np`` is LAPACK's ``getrf`` written out: the same pivot choice (the first entry
of largest magnitude), the same packed output and 1-based ``int32`` pivots.
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .decompositions import _solve, mT, pack, tril_mask, triu_mask, unpack

__all__ = ["LU", "MatrixExp", "lu_factor_np", "lu_shapes", "permutation"]


def lu_factor_np(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LU, pivots, info)`` of a batch of (m, n) matrices, as LAPACK's ``getrf``.

    ``info`` is 0, or the 1-based index of the first zero pivot (the matrix is singular).
    """
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    nb = prod(batch)
    lu = np.array(a, copy=True).reshape((nb, m, n))
    piv = np.zeros((nb, k), np.int32)
    info = np.zeros(nb, np.int32)
    rows = np.arange(nb)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        piv[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        d = lu[:, j, j]
        zero = d == 0
        info[(info == 0) & zero] = j + 1
        col = lu[:, j + 1:, j] / np.where(zero, 1, d)[:, None]  # a zero pivot: column is 0
        lu[:, j + 1:, j] = col
        lu[:, j + 1:, j + 1:] -= col[:, :, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def permutation(pivots: np.ndarray, m: int, dtype: np.dtype) -> np.ndarray:
    """The matrix P of A = P L U from LAPACK's 1-based row swaps."""
    batch = pivots.shape[:-1]
    nb = prod(batch)
    perm = np.tile(np.arange(m), (nb, 1))
    pv = pivots.reshape(nb, -1).astype(np.int64) - 1
    rows = np.arange(nb)
    for j in range(pv.shape[1]):
        pj = pv[:, j]
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, pj]
        perm[rows, pj] = top
    p = np.swapaxes(np.eye(m, dtype=dtype)[perm], -1, -2)  # P[perm[i], i] = 1
    return p.reshape(batch + (m, m))


def lu_shapes(shape: tuple) -> tuple[tuple, list[tuple]]:
    m, n = shape[-2:]
    k = min(m, n)
    return tuple(shape[:-2]), [(m, k), (k, n)]


class LU(Function):
    """A = P L U;  square: dA = P L⁻ᵀ [tril(Lᵀ G_L, -1) + triu(G_U Uᵀ)] U⁻ᵀ (PyTorch's
    ``linalg_lu_backward``, with its wide and tall variants); P is a constant."""

    @staticmethod
    def forward(ctx, a, p):
        lu, _, _ = lu_factor_np(a)
        m, n = a.shape[-2:]
        k = min(m, n)
        low = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=a.dtype)
        up = np.triu(lu[..., :k, :])
        out = pack(low, up, batch=a.shape[:-2])
        ctx.save_for_backward(out)
        ctx.shape, ctx.p = a.shape, p
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        batch, shapes = lu_shapes(ctx.shape)
        low, up = unpack(out, batch, shapes)
        gl, gu = unpack(grad, batch, shapes)
        m, n = ctx.shape[-2:]
        if m == n:
            ga = (mT(low) @ gl) * tril_mask(gl, n, n, -1) + (gu @ mT(up)) * triu_mask(gl, n, n)
            ga = _solve(mT(low), mT(_solve(up, mT(ga))))
        elif m < n:
            u1 = up[..., :, :m]
            ga = mT(low) @ gl - (gu * triu_mask(gu, m, n)) @ mT(up)
            ga = mT(_solve(u1, mT(ga * tril_mask(gl, m, m, -1))))
            ga = np.concatenate([ga + gu[..., :, :m] * triu_mask(gu, m, m), gu[..., :, m:]], -1)
            ga = _solve(mT(low), ga)
        else:
            l1 = low[..., :n, :]
            ga = gu @ mT(up) - mT(low) @ (gl * tril_mask(gl, m, n, -1))
            ga = _solve(mT(l1), ga * triu_mask(gl, n, n))
            ga = np.concatenate([ga + gl[..., :n, :] * tril_mask(gl, n, n, -1), gl[..., n:, :]],
                                -2)
            ga = mT(_solve(up, mT(ga)))
        return ctx.p.astype(grad.dtype) @ ga, None


# --------------------------------------------------------------------------- matrix exponential


def _expm_np(a: np.ndarray) -> np.ndarray:
    """exp(A) by scaling and squaring: a Taylor polynomial of degree 18 on A / 2ˢ with
    ‖A / 2ˢ‖₁ ≤ 1/2 (truncation error below 1e-22), then s squarings."""
    n = a.shape[-1]
    if a.size == 0:
        return np.array(a, copy=True)
    norm = float(np.max(np.sum(np.abs(a), axis=-2)))
    s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
    x = a / (2.0 ** s)
    eye = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    term, out = eye, np.array(eye, copy=True)
    for k in range(1, 19):
        term = term @ x / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out.astype(a.dtype, copy=False)


def _matrix_exp(a):
    """exp(A): the NumPy computation on arrays, the recorded :class:`MatrixExp` on Tensors."""
    return MatrixExp.apply(a) if isinstance(a, Tensor) else _expm_np(a)


class MatrixExp(Function):
    """f(A) = exp(A) = Σ Aᵏ/k!;  df/dA = the upper-right block of exp([[Aᵀ, G], [0, Aᵀ]])."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm_np(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = mT(a)
        zero = np.zeros_like(grad)  # (a recorded constant when grad is a Tensor)
        top = np.concatenate([at, grad], axis=-1)
        bottom = np.concatenate([zero, at], axis=-1)
        block = np.concatenate([top, bottom], axis=-2)
        return _matrix_exp(block)[..., :n, n:]
