"""Matrix inverses and decompositions: inv, det, slogdet, solve, cholesky, qr, eigh, svd.

Every backward is written with ``@``, ``np.swapaxes`` and the helpers below (:func:`_inv`,
:func:`_solve`, :func:`_svd` ...), which run NumPy on arrays and the recorded op on Tensors,
so with ``create_graph=True`` each backward records its own graph (STYLE §2).

A decomposition with several outputs (Q and R, eigenvalues and eigenvectors, U, S and Vᵀ)
is one Function whose output *packs* them, flattened side by side along a last axis; the
public functions slice it apart (:func:`unpack`). Its backward therefore receives every
output's gradient at once (zeros for outputs nobody used), and its saved output, which a
recorded backward sees as a Tensor, carries all the factors the formula needs.
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

__all__ = ["QR", "SVD", "Cholesky", "Det", "Eigh", "EigvalsH", "Inv", "LinAlgError", "LogAbsDet",
           "Solve", "SvdVals", "pack", "unpack"]


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular, not positive-definite, no convergence
    (``torch.linalg.LinAlgError``, also a ``RuntimeError``)."""


# --------------------------------------------------------------------------- helpers


def mT(x):  # noqa: N802 - PyTorch's name
    """The matrix transpose of the last two axes (arrays and Tensors alike)."""
    return np.swapaxes(x, -1, -2)


def eye_like(x, n: int) -> np.ndarray:
    """A constant ``n``×``n`` identity in ``x``'s dtype."""
    return np.eye(n, dtype=x.dtype)


def tril_mask(x, m: int, n: int, k: int = 0) -> np.ndarray:
    """A constant 0/1 mask of the lower triangle (``k``: diagonal offset); ``x * mask`` is
    ``tril`` on arrays and Tensors alike."""
    return np.tril(np.ones((m, n), dtype=x.dtype), k)


def triu_mask(x, m: int, n: int, k: int = 0) -> np.ndarray:
    return np.triu(np.ones((m, n), dtype=x.dtype), k)


def pack(*arrays: np.ndarray, batch: tuple) -> np.ndarray:
    """Flatten each array's non-batch axes and concatenate them along one last axis."""
    return np.concatenate([a.reshape(batch + (prod(a.shape[len(batch):]),)) for a in arrays],
                          axis=-1)


def unpack(packed, batch: tuple, shapes: list[tuple]) -> list:
    """The arrays (or Tensors) :func:`pack` put side by side, each reshaped back."""
    out, start = [], 0
    for s in shapes:
        size = prod(s)
        out.append(packed[..., start:start + size].reshape(batch + tuple(s)))
        start += size
    return out


def _lapack(compute, a: np.ndarray, op: str):
    """Run a NumPy LAPACK call; its failure to converge as PyTorch's LinAlgError."""
    try:
        return compute()
    except np.linalg.LinAlgError:
        why = "the input matrix contained non-finite values" if not np.isfinite(a).all() else \
            "the input matrix is ill-conditioned or has too many repeated singular values"
        raise LinAlgError(f"{op}: The algorithm failed to converge because {why}.") from None


def _is_tensor(*xs) -> bool:
    return any(isinstance(x, Tensor) for x in xs)


def singular_message(a: np.ndarray, op: str, what: str) -> str:
    """PyTorch's message for a singular input: which batch element, which zero pivot."""
    from .lu import lu_factor_np  # (lu imports this module)

    _, _, info = lu_factor_np(a)
    flat = info.reshape(-1)
    bad = int(np.flatnonzero(flat)[0]) if np.any(flat) else 0
    k = int(flat[bad]) if flat.size else 0
    where = f"(Batch element {bad}): " if a.ndim > 2 else ""
    return (f"{op}: {where}The diagonal element {k} is zero, the {what} could not be "
            "completed because the input matrix is singular.")


def _inv(a):
    """A⁻¹: ``np.linalg.inv`` on arrays, the recorded :class:`Inv` on Tensors."""
    if _is_tensor(a):
        return Inv.apply(a)
    return _inv_np(a, "linalg.inv")


def _inv_np(a: np.ndarray, op: str) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError(singular_message(a, op, "inversion")) from None


def _solve(a, b):
    """A⁻¹B for B of shape (..., n, k): ``np.linalg.solve`` or the recorded :class:`Solve`."""
    if _is_tensor(a, b):
        return Solve.apply(a, b)
    return _solve_np(a, b, "linalg.solve")


def _solve_np(a: np.ndarray, b: np.ndarray, op: str) -> np.ndarray:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"torch.{op}: The solver failed because the input matrix is "
                          "singular.") from None


def _svd(a, full_matrices: bool = False) -> list:
    """[U, S, Vᵀ] of ``a``: NumPy's on arrays, the recorded :class:`SVD` on Tensors."""
    if _is_tensor(a):
        batch, shapes = svd_shapes(a.shape, full_matrices)
        return unpack(SVD.apply(a, full_matrices), batch, shapes)
    return list(np.linalg.svd(a, full_matrices=full_matrices))


def svd_shapes(shape: tuple, full_matrices: bool) -> tuple[tuple, list[tuple]]:
    m, n = shape[-2:]
    k = min(m, n)
    if full_matrices:
        return tuple(shape[:-2]), [(m, m), (k,), (n, n)]
    return tuple(shape[:-2]), [(m, k), (k,), (k, n)]


def eigh_shapes(shape: tuple) -> tuple[tuple, list[tuple]]:
    n = shape[-1]
    return tuple(shape[:-2]), [(n,), (n, n)]


def qr_shapes(shape: tuple, mode: str) -> tuple[tuple, list[tuple]]:
    m, n = shape[-2:]
    k = min(m, n)
    if mode == "complete":
        return tuple(shape[:-2]), [(m, m), (m, n)]
    if mode == "r":
        return tuple(shape[:-2]), [(0,), (k, n)]
    return tuple(shape[:-2]), [(m, k), (k, n)]


# --------------------------------------------------------------------------- inverse, det, solve


class Inv(Function):
    """f(A) = A⁻¹;  df/dA = -A⁻ᵀ G A⁻ᵀ."""

    @staticmethod
    def forward(ctx, a):
        out = _inv_np(a, "linalg.inv")
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        yt = mT(y)
        return -(yt @ grad @ yt)


class Det(Function):
    """f(A) = det A;  df/dA = det(A) A⁻ᵀ  (= adj(A)ᵀ, computed from the SVD when A is singular;
    a recorded backward, create_graph=True, of an exactly singular A raises LinAlgError)."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, d = ctx.saved_tensors
        if not _is_tensor(a) and np.any(d == 0):
            return grad[..., None, None] * _adjugate_t(a)
        return (grad * d)[..., None, None] * mT(_inv(a))


def _adjugate_t(a: np.ndarray) -> np.ndarray:
    """adj(A)ᵀ = det(U) det(V) U diag(Π_{j≠i} sⱼ) Vᵀ, defined for singular A as well."""
    u, s, vt = np.linalg.svd(a)
    k = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(k)], -1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * ((u * others[..., None, :]) @ vt)


class LogAbsDet(Function):
    """f(A) = log |det A|;  df/dA = A⁻ᵀ."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.slogdet(a)[1])

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad[..., None, None] * mT(_inv(a))


class Solve(Function):
    """X = A⁻¹ B (B: (..., n, k));  df/dB = A⁻ᵀ G,  df/dA = -(A⁻ᵀ G) Xᵀ."""

    @staticmethod
    def forward(ctx, a, b):
        out = _solve_np(a, b, "linalg.solve")
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        gb = _solve(mT(a), grad)
        return -(gb @ mT(x)), gb


# --------------------------------------------------------------------------- cholesky


class Cholesky(Function):
    """L = chol(A) (A = L Lᵀ, lower);  df/dA = L⁻ᵀ Φ L⁻¹, Φ = ½(P + P_strictlowerᵀ),
    P = tril(Lᵀ G)  (symmetric, as PyTorch's)."""

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(_not_pd_message(a, "linalg.cholesky")) from None
        if out.size and np.isnan(np.diagonal(out, 0, -2, -1)).any():  # nan in A: LAPACK fails
            raise LinAlgError(_not_pd_message(out, "linalg.cholesky", nan=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (low,) = ctx.saved_tensors
        n = low.shape[-1]
        p = (mT(low) @ grad) * tril_mask(grad, n, n)
        p = 0.5 * (p + mT(p * tril_mask(grad, n, n, -1)))
        y = _solve(mT(low), p)              # L⁻ᵀ Φ
        return mT(_solve(mT(low), mT(y)))  # (L⁻ᵀ Φ) L⁻¹


def _not_pd_message(a: np.ndarray, op: str, nan: bool = False) -> str:
    """PyTorch's message, naming the batch element and the first failing leading minor
    (with ``nan``, ``a`` is the factor and the first nan on its diagonal fails)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for b, m in enumerate(flat):
        for k in range(1, m.shape[-1] + 1):
            try:
                if nan and np.isnan(m[k - 1, k - 1]):
                    raise np.linalg.LinAlgError
                if not nan:
                    np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                where = f"(Batch element {b}): " if a.ndim > 2 else ""
                return (f"{op}: {where}The factorization could not be completed because the "
                        f"input is not positive-definite (the leading minor of order {k} is "
                        "not positive-definite).")
    return f"{op}: the input is not positive-definite"


# --------------------------------------------------------------------------- qr


class QR(Function):
    """A = QR;  m ≥ n: dA = [G_Q + Q copyltu(M)] R⁻ᵀ, M = R G_Rᵀ - G_Qᵀ Q, copyltu(M) =
    tril(M) + tril(M, -1)ᵀ (Seeger et al. 2018, as PyTorch's ``linalg_qr_backward``); m < n
    splits A = [X | Y], R = [U | V] and applies it to X = QU with G_Q + Y G_Vᵀ."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode="reduced" if mode == "r" else mode)
        batch = a.shape[:-2]
        if mode == "r":
            q = np.zeros(batch + (0,), a.dtype)
        out = pack(q, r, batch=batch)
        ctx.save_for_backward(a, out)
        ctx.mode = mode
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        m, n = a.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError(
                "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed "
                "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                "differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        batch, shapes = qr_shapes(a.shape, ctx.mode)
        q, r = unpack(out, batch, shapes)
        gq, gr = unpack(grad, batch, shapes)
        gr = gr * triu_mask(gr, *shapes[1])  # R's zeros below the diagonal are constants
        if m >= n:
            return _qr_backward_tall(q, r, gq, gr), None
        y = a[..., :, m:]
        gv = gr[..., :, m:]
        gx = _qr_backward_tall(q, r[..., :, :m], gq + y @ mT(gv), gr[..., :, :m])
        return np.concatenate([gx, q @ gv], axis=-1), None


def _qr_backward_tall(q, r, gq, gr):
    n = r.shape[-1]
    m_ = (r @ mT(gr) - mT(gq) @ q) * tril_mask(gq, n, n)
    m_ = m_ + mT(m_ * tril_mask(gq, n, n, -1))  # copyltu: the strict lower triangle, mirrored
    b = gq + q @ m_
    return mT(_solve(r, mT(b)))  # B R⁻ᵀ


# --------------------------------------------------------------------------- eigh


class Eigh(Function):
    """A = V diag(λ) Vᵀ (symmetric);  dA = V (diag(G_λ) + F ∘ ½(VᵀG_V - G_VᵀV)) Vᵀ,
    F_ij = 1/(λⱼ - λᵢ) (i ≠ j); ill-defined for repeated eigenvalues, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        out = pack(w, v, batch=a.shape[:-2])
        ctx.save_for_backward(out)
        ctx.shape = a.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        batch, shapes = eigh_shapes(ctx.shape)
        w, v = unpack(out, batch, shapes)
        gw, gv = unpack(grad, batch, shapes)
        n = ctx.shape[-1]
        eye = eye_like(grad, n)
        vtgv = mT(v) @ gv
        skew = 0.5 * (vtgv - mT(vtgv))
        e = w[..., None, :] - w[..., :, None] + eye
        inner = skew / e + gw[..., None, :] * eye
        return v @ inner @ mT(v), None


class EigvalsH(Function):
    """λ = eigvalsh(A);  dA = V diag(G) Vᵀ."""

    @staticmethod
    def forward(ctx, a, uplo):
        ctx.save_for_backward(a)
        ctx.uplo = uplo
        return np.linalg.eigvalsh(a, UPLO=uplo)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if _is_tensor(a):
            batch, shapes = eigh_shapes(a.shape)
            v = unpack(Eigh.apply(a, ctx.uplo), batch, shapes)[1]
        else:
            v = np.linalg.eigh(a, UPLO=ctx.uplo)[1]
        return (v * grad[..., None, :]) @ mT(v), None


# --------------------------------------------------------------------------- svd


class SVD(Function):
    """A = U diag(S) Vᵀ;  dA = U [(skew(UᵀG_U) S + S skew(VᵀG_V)) / E + diag(G_S)] Vᵀ
    (+ the projections off span U, V when A is not square), E_ij = sⱼ² - sᵢ²: PyTorch's
    ``svd_backward``; ill-defined for repeated or zero singular values, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vt = _lapack(lambda: np.linalg.svd(a, full_matrices=full_matrices), a,
                           "linalg.svd")
        out = pack(u, s, vt, batch=a.shape[:-2])
        ctx.save_for_backward(out)
        ctx.shape, ctx.full = a.shape, full_matrices
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        batch, shapes = svd_shapes(ctx.shape, ctx.full)
        u, s, vt = unpack(out, batch, shapes)
        gu, gs, gvt = unpack(grad, batch, shapes)
        m, n = ctx.shape[-2:]
        k = min(m, n)
        if ctx.full:  # only the first k columns of U (rows of Vᵀ) enter A
            u, gu, vt, gvt = u[..., :, :k], gu[..., :, :k], vt[..., :k, :], gvt[..., :k, :]
        return _svd_backward(u, s, vt, gu, gs, gvt, m, n), None


def _svd_backward(u, s, vt, gu, gs, gvt, m, n):
    k = min(m, n)
    eye = eye_like(gs, k)
    v, gv = mT(vt), mT(gvt)
    utgu = mT(u) @ gu
    vtgv = mT(v) @ gv
    utgu = utgu - mT(utgu)
    vtgv = vtgv - mT(vtgv)
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None] + eye
    ga = (utgu * s[..., None, :] + s[..., :, None] * vtgv) / e + gs[..., None, :] * eye
    if m > n:
        gus = gu / s[..., None, :]
        ga = u @ ga + gus - u @ (mT(u) @ gus)
        return ga @ vt
    if m < n:
        sgv = mT(gv) / s[..., :, None]
        ga = ga @ vt + sgv - (sgv @ v) @ vt
        return u @ ga
    return u @ ga @ vt


class SvdVals(Function):
    """S = svdvals(A);  dA = U diag(G) Vᵀ."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _lapack(lambda: np.linalg.svd(a, compute_uv=False), a, "linalg.svd")

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        u, _, vt = _svd(a)
        return (u * grad[..., None, :]) @ vt
