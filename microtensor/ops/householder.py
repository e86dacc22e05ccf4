"""QR in LAPACK's compact form: ``geqrf`` (reflectors below R, and their scalars τ) and the
products of its Householder reflectors: ``householder_product`` (= ``orgqr``) and ``ormqr``.

A reflector is Hᵢ = I - τᵢ vᵢ vᵢᵀ with vᵢ = (0, …, 0, 1, A[i+1:, i]); Q = H₁ H₂ ⋯ Hₖ.
The products are composed of recorded matmuls, so they are differentiable (to any order) in
both the reflectors and τ; ``geqrf`` itself, as PyTorch's, has no gradient.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .factorizations import _const, matrix_input
from .linalg import matmul

__all__ = ["geqrf", "householder_product", "orgqr", "ormqr"]


class GeqrfResult(NamedTuple):
    a: Tensor
    tau: Tensor


def _geqrf_np(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK ``dgeqr2``: one Householder reflection per column (``dlarfg``'s conventions:
    β = -sign(α) ‖x‖, τ = (β - α) / β, v = x / (α - β); τ = 0 when x below α is zero)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    r = np.array(a, copy=True).reshape((-1, m, n))
    tau = np.zeros((r.shape[0], k), a.dtype)
    for b in range(r.shape[0]):
        x = r[b]
        for j in range(k):
            alpha = x[j, j]
            xnorm = np.linalg.norm(x[j + 1:, j])
            if xnorm == 0:
                continue
            beta = -np.copysign(np.hypot(alpha, xnorm), alpha)
            tau[b, j] = (beta - alpha) / beta
            x[j + 1:, j] /= alpha - beta
            x[j, j] = beta
            v = np.concatenate([[1.0], x[j + 1:, j]]).astype(a.dtype)
            x[j:, j + 1:] -= tau[b, j] * np.outer(v, v @ x[j:, j + 1:])
    return r.reshape(a.shape), tau.reshape(batch + (k,))


def geqrf(input: Tensor) -> GeqrfResult:  # noqa: A002
    """``(a, tau)``: R on and above the diagonal of ``a``, the reflectors below it (LAPACK's
    ``geqrf``). Not differentiable, as in PyTorch."""
    a = matrix_input(input, "geqrf", name="input")
    out, tau = _geqrf_np(a._data)
    return GeqrfResult(_const(out), _const(tau))


def _full_q(A: Tensor, tau: Tensor, op: str) -> Tensor:  # noqa: N803
    """Q = H₁ ⋯ Hₖ as an m×m matrix, recorded."""
    A = matrix_input(A, op, name="input")
    if not isinstance(tau, Tensor):
        raise TypeError(f"{op}(): argument 'tau' must be Tensor, not {type(tau).__name__}")
    m, n = A.shape[-2:]
    k = tau.shape[-1] if tau.ndim else 0
    if tau.ndim != A.ndim - 1 or tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise ShapeError(f"torch.{op}: Expected batch dimensions of tau to be equal to "
                         f"input.shape[:-2], got shapes {tuple(A.shape)} and {tuple(tau.shape)}")
    if k > n:
        raise ShapeError(f"torch.{op}: input.shape[-1] must be greater than or equal to "
                         f"tau.shape[-1]")
    dt = A.dtype
    v = A[..., :, :k] * np.tril(np.ones((m, k), dt), -1) + np.eye(m, k, dtype=dt)
    q = None
    eye = np.eye(m, dtype=dt)
    for i in range(k):
        vi = v[..., :, i:i + 1]
        h = eye - tau[..., i:i + 1].unsqueeze(-1) * (vi @ vi.mT)
        q = h if q is None else q @ h
    if q is None:
        q = _const(np.broadcast_to(eye, tuple(A.shape[:-2]) + (m, m)).copy())
    return q


def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803
    """The first n columns of H₁ ⋯ Hₖ (m ≥ n ≥ k), e.g. Q from :func:`geqrf`'s output."""
    op = "linalg.householder_product"
    m, n = matrix_input(A, op).shape[-2:]
    if m < n:
        raise ShapeError(f"torch.{op}: input.shape[-2] must be greater than or equal to "
                         f"input.shape[-1]")
    return _full_q(A, tau, op)[..., :, :n]


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002
    """Alias of :func:`householder_product`."""
    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True,  # noqa: A002
          transpose: bool = False) -> Tensor:
    """Q C, Qᵀ C, C Q or C Qᵀ for the m×m Q of the reflectors in ``input`` and ``tau``."""
    q = _full_q(input, tau, "ormqr")
    if transpose:
        q = q.mT
    other = matrix_input(other, "ormqr", name="other")
    return matmul(q, other) if left else matmul(other, q)
