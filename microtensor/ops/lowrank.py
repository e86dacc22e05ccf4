"""Randomized low-rank SVD and PCA (Halko, Martinsson & Tropp, 2011, algorithms 4.4 and 5.1).

A random Gaussian test matrix R (n × q) spans, after ``niter`` power iterations
(A Aᵀ)ⁱ A R, nearly the range of A's q leading singular vectors; an orthonormal basis Q of
it (by QR) gives the small matrix B = Qᵀ A, whose SVD yields A's. The draws come from
:func:`microtensor.randn` in PyTorch's order, so with the same ``manual_seed`` the result
is PyTorch's. Composed of recorded ops (matmul, qr, svd): differentiable.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .factorizations import TorchSVDResult, float_input, qr, svd
from .linalg import matmul

__all__ = ["pca_lowrank", "svd_lowrank"]


def _basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:  # noqa: N803
    """An orthonormal m × q basis approximating the range of A - M."""
    from ..random import randn

    dt = A.dtype if A.dtype.kind == "f" else np.dtype(np.float32)
    R = randn(A.shape[-1], q, dtype=dt)  # noqa: N806

    def times(x: Tensor, y: Tensor, z: Tensor | None) -> Tensor:
        return matmul(x, y) if z is None else matmul(x, y) - matmul(z, y)

    Q = qr(times(A, R, M)).Q  # noqa: N806
    for _ in range(niter):
        Q = qr(times(A.mT, Q, None if M is None else M.mT)).Q  # noqa: N806
        Q = qr(times(A, Q, M)).Q  # noqa: N806
    return Q


def _svd_lowrank(A: Tensor, q: int, niter: int, M: Tensor | None) -> TorchSVDResult:  # noqa: N803
    m, n = A.shape[-2:]
    if M is not None:
        M = M.expand(*A.shape)  # noqa: N806
    if m < n:  # work with the tall transpose, and swap U and V back at the end
        A = A.mT  # noqa: N806
        M = None if M is None else M.mT  # noqa: N806
    Q = _basis(A, q, niter, M)  # noqa: N806
    B = matmul(Q.mT, A)  # noqa: N806
    if M is not None:
        B = B - matmul(Q.mT, M)  # noqa: N806
    U, S, Vh = svd(B, full_matrices=False)  # noqa: N806
    U, V = matmul(Q, U), Vh.mT  # noqa: N806
    return TorchSVDResult(V, S, U) if m < n else TorchSVDResult(U, S, V)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2,  # noqa: N803
                M: Tensor | None = None) -> TorchSVDResult:  # noqa: N803
    """``(U, S, V)`` with A - M ≈ U diag(S) Vᵀ of rank q, by a randomized range finder with
    ``niter`` power iterations (as ``torch.svd_lowrank``, V not Vᵀ)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"svd_lowrank(): argument 'A' must be Tensor, not {type(A).__name__}")
    float_input(A, "svd_lowrank")
    return _svd_lowrank(A, 6 if q is None else q, 2 if niter is None else niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True,  # noqa: N803
                niter: int = 2) -> TorchSVDResult:
    """``(U, S, V)``: the principal components of the rows of A (columns centred unless
    ``center=False``), by :func:`svd_lowrank` with q = min(6, m, n) by default."""
    if not isinstance(A, Tensor):
        raise TypeError(f"pca_lowrank(): argument 'A' must be Tensor, not {type(A).__name__}")
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    float_input(A, "pca_lowrank")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(-2, keepdim=True), q, niter, None)
