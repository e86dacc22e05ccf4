"""The public functions over :mod:`~microtensor.ops.decompositions` and :mod:`.lu`:
argument checks, PyTorch's named tuples, and the solvers composed of them.

``torch.linalg`` names (``inv``, ``solve``, ``qr`` ...) and the older ``torch.*`` ones
(``inverse``, ``cholesky_solve``, ``svd`` with ``V`` ...) are both here; ``microtensor.linalg``
and ``microtensor`` export them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import DtypeError, ShapeError, ValueRangeError
from ..tensor import Tensor
from .decompositions import (
    QR,
    SVD,
    Cholesky,
    Det,
    Eigh,
    EigvalsH,
    Inv,
    LinAlgError,
    LogAbsDet,
    Solve,
    SvdVals,
    eigh_shapes,
    qr_shapes,
    singular_message,
    svd_shapes,
    unpack,
)
from .elementwise import where
from .linalg import matmul
from .lu import LU, lu_factor_np, lu_shapes, permutation

__all__ = [
    "cholesky", "cholesky_inverse", "cholesky_solve", "det", "eigh", "eigvalsh", "inv",
    "inv_ex", "logdet", "lu", "lu_factor", "lu_solve", "lu_unpack", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "svdvals", "torch_cholesky", "torch_lu", "torch_lu_solve",
    "torch_qr", "torch_svd", "triangular_solve",
]


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class TorchSVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


# --------------------------------------------------------------------------- checks


def matrix_input(a: Any, op: str, name: str = "A", square: bool = False) -> Tensor:
    """``a`` as PyTorch's linalg functions require it: a float Tensor of matrices."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(a).__name__}")
    if a.ndim < 2:
        raise ShapeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    float_input(a, op)
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: {name} must be batches of square matrices, but they are "
                         f"{a.shape[-2]} by {a.shape[-1]} matrices")
    return a


def float_input(a: Tensor, op: str) -> None:
    if a.dtype.kind != "f":
        raise DtypeError(f"{op}: Expected a floating point or complex tensor as input. "
                         f"Got {a.dtype}")
    if a.dtype == np.float16:
        raise DtypeError(f"{op}: Low precision dtypes not supported. Got Half")


def _const(x: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(x), False, None)


def _same_dtype(a: Tensor, b: Tensor, op: str) -> None:
    if a.dtype != b.dtype:
        raise DtypeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                         f"{a.dtype} and B of type {b.dtype} instead")


# --------------------------------------------------------------------------- inverse, det


def inv(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's argument name
    """A⁻¹ of a (batch of) square matrices; singular → :class:`LinAlgError`."""
    return Inv.apply(matrix_input(A, "linalg.inv", square=True))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """``(inverse, info)``: ``info`` is 0, or the first zero pivot (1-based) of a singular matrix.

    Differs from PyTorch: a singular matrix's ``inverse`` is all nan (PyTorch: LAPACK's
    partial result), and then nothing is differentiable.
    """
    A = matrix_input(A, "linalg.inv_ex", square=True)
    info = lu_factor_np(A._data)[2]
    if not np.any(info):
        return InvExResult(Inv.apply(A), _const(info))
    if check_errors:
        raise LinAlgError(singular_message(A._data, "linalg.inv_ex", "inversion"))
    a = A._data.reshape((-1,) + A.shape[-2:])
    out = np.full(a.shape, np.nan, A.dtype)
    ok = info.reshape(-1) == 0
    out[ok] = np.linalg.inv(a[ok])
    return InvExResult(_const(out.reshape(A.shape)), _const(info))


def det(A: Tensor) -> Tensor:  # noqa: N803
    """det A (batched); its gradient det(A) A⁻ᵀ, the adjugate adj(A)ᵀ for a singular A.

    Differs from PyTorch at an exactly singular A: this gives the adjugate (the true
    derivative), PyTorch 2.13 gives 0 where its LU meets an exact zero pivot.
    """
    return Det.apply(matrix_input(A, "linalg.det", square=True))


def slogdet(A: Tensor) -> SlogdetResult:  # noqa: N803
    """``(sign, logabsdet)`` with det A = sign · exp(logabsdet); only logabsdet has a gradient."""
    A = matrix_input(A, "linalg.slogdet", square=True)
    sign = np.linalg.slogdet(A._data)[0].astype(A.dtype)
    logabs = LogAbsDet.apply(A)
    # sign is piecewise constant: in the graph (as PyTorch's) with a zero gradient
    sign_t = where(np.zeros(sign.shape, bool), logabs, sign) if logabs.requires_grad \
        else _const(sign)
    return SlogdetResult(sign_t, logabs)


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """log det A: nan where det A < 0, -inf where det A = 0."""
    sign, logabs = slogdet(matrix_input(input, "logdet", square=True))
    return logabs + np.where(sign._data < 0, np.nan, 0).astype(input.dtype)


# --------------------------------------------------------------------------- solve


def _vector_rhs(a: Tensor, b: Tensor) -> bool:
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """X with A X = B (``left=False``: X A = B); B of shape (*, n, k) or a batch of vectors
    (*, n). Batch dimensions broadcast."""
    A = matrix_input(A, "linalg.solve", square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    float_input(B, "linalg.solve")
    _same_dtype(A, B, "linalg.solve")
    vector = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    rows = b.shape[-2] if left else b.shape[-1]  # (a vector is a column: XA = B fails)
    if rows != n:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                         f"{'x'.join(str(s) for s in b.shape[-2:])})")
    try:
        np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(f"linalg.solve: batch shapes of A {tuple(A.shape)} and B "
                         f"{tuple(B.shape)} cannot be broadcast") from None
    if left:
        x = Solve.apply(A, b)
    else:
        x = Solve.apply(A.mT, b.mT).mT
    return x.squeeze(-1) if vector else x


def _triangle(a: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    n = a.shape[-1]
    mask = np.triu(np.ones((n, n), a.dtype), 1 if unitriangular else 0) if upper else \
        np.tril(np.ones((n, n), a.dtype), -1 if unitriangular else 0)
    out = a * mask
    return out + np.eye(n, dtype=a.dtype) if unitriangular else out


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (``left=False``: X A = B), reading only A's upper or lower triangle
    (``unitriangular``: its diagonal is taken as ones); the gradient of A is triangular too."""
    op = "linalg.solve_triangular"
    A = matrix_input(A, op, square=True)
    B = matrix_input(B, op, name="B")
    _same_dtype(A, B, op)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise ShapeError(f"{op}: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                         f"{B.shape[-2]}x{B.shape[-1]})")
    t = _triangle(A, upper, unitriangular)
    if left:
        return Solve.apply(t, B)
    return Solve.apply(t.mT, B.mT).mT


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,  # noqa: N803
                     unitriangular: bool = False) -> TriangularSolveResult:
    """``(solution, cloned_coefficient)`` of A X = b (Aᵀ X = b with ``transpose``)."""
    A = matrix_input(A, "triangular_solve", square=True)
    t = _triangle(A, upper, unitriangular)
    if transpose:
        t = t.mT
    b = matrix_input(b, "triangular_solve", name="b")
    return TriangularSolveResult(Solve.apply(t, b), A.clone())


# --------------------------------------------------------------------------- cholesky


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """L with A = L Lᵀ (``upper``: U = Lᵀ with A = Uᵀ U), reading A's lower triangle;
    not positive-definite → :class:`LinAlgError`."""
    low = Cholesky.apply(matrix_input(A, "linalg.cholesky", square=True))
    return low.mT if upper else low


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``torch.cholesky`` (deprecated in PyTorch for ``linalg.cholesky``)."""
    return cholesky(input, upper=upper)


def _from_factor(f: Tensor, upper: bool) -> Tensor:
    """A = L Lᵀ (or Uᵀ U), with the whole factor as given, as PyTorch's gradients take it."""
    return f.mT @ f if upper else f @ f.mT


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """X with A X = B, A = L Lᵀ given by its Cholesky factor L (Uᵀ U with ``upper``).

    Differs from PyTorch: the forward uses the whole factor (PyTorch reads one triangle);
    the gradients, which PyTorch takes for the whole factor as well, agree.
    """
    L = matrix_input(L, "cholesky_solve", name="L", square=True)
    B = matrix_input(B, "cholesky_solve", name="B")
    return Solve.apply(_from_factor(L, upper), B)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """A⁻¹ for A = L Lᵀ given by its Cholesky factor L (Uᵀ U with ``upper``).

    Differs from PyTorch as :func:`cholesky_solve`: the whole factor is used.
    """
    L = matrix_input(L, "cholesky_inverse", name="L", square=True)
    return Inv.apply(_from_factor(L, upper))


# --------------------------------------------------------------------------- qr, eigh, svd


def qr(A: Tensor, mode: str = "reduced") -> QRResult:  # noqa: N803
    """``(Q, R)`` with A = QR; ``mode``: ``'reduced'`` (Q: m×k), ``'complete'`` (Q: m×m),
    ``'r'`` (R only; Q is empty and nothing is differentiable)."""
    A = matrix_input(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    batch, shapes = qr_shapes(tuple(A.shape), mode)
    q, r = unpack(QR.apply(A, mode), batch, shapes)
    if mode == "r":  # PyTorch's empty Q, shape (0,) whatever the batch
        q = q.reshape(0)
    return QRResult(q, r)


def torch_qr(input: Tensor, some: bool = True) -> QRResult:  # noqa: A002
    """``torch.qr`` (deprecated in PyTorch): ``some=False`` is ``mode='complete'``."""
    return qr(input, "reduced" if some else "complete")


def _uplo(uplo: str) -> str:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:  # noqa: N803
    """``(eigenvalues, eigenvectors)`` of a symmetric A, read from its ``UPLO`` triangle;
    eigenvalues ascending. The gradient is ill-defined for repeated eigenvalues."""
    A = matrix_input(A, "linalg.eigh", square=True)
    batch, shapes = eigh_shapes(tuple(A.shape))
    w, v = unpack(Eigh.apply(A, _uplo(UPLO)), batch, shapes)
    return EighResult(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of a symmetric A, ascending."""
    return EigvalsH.apply(matrix_input(A, "linalg.eigvalsh", square=True), _uplo(UPLO))


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> SVDResult:  # noqa: N803
    """``(U, S, Vh)`` with A = U diag(S) Vh, S descending; ``driver`` is ignored (CPU)."""
    A = matrix_input(A, "linalg.svd")
    batch, shapes = svd_shapes(tuple(A.shape), full_matrices)
    return SVDResult(*unpack(SVD.apply(A, bool(full_matrices)), batch, shapes))


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:  # noqa: N803
    """The singular values of A, descending."""
    return SvdVals.apply(matrix_input(A, "linalg.svdvals"))


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> TorchSVDResult:  # noqa: A002
    """``torch.svd``: ``(U, S, V)`` with V, not Vᵀ; ``compute_uv=False`` gives zero U (m×m)
    and V (n×n)."""
    input = matrix_input(input, "svd")
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return TorchSVDResult(_const(np.zeros(batch + (m, m), input.dtype)), svdvals(input),
                              _const(np.zeros(batch + (n, n), input.dtype)))
    u, s, vh = svd(input, full_matrices=not some)
    return TorchSVDResult(u, s, vh.mT)


# --------------------------------------------------------------------------- lu


def _no_pivot(pivot: bool, op: str) -> None:
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:  # noqa: N803
    """``(P, L, U)`` with A = P L U: partial pivoting, L unit lower (m×k), U upper (k×n)."""
    A = matrix_input(A, "linalg.lu")
    _no_pivot(pivot, "linalg.lu")
    _, piv, _ = lu_factor_np(A._data)
    p = permutation(piv, A.shape[-2], A.dtype)
    batch, shapes = lu_shapes(tuple(A.shape))
    low, up = unpack(LU.apply(A, p), batch, shapes)
    return LUResult(_const(p), low, up)


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:  # noqa: N803
    """``(LU, pivots)``: L (strictly below the diagonal) and U packed in one matrix, and
    LAPACK's 1-based int32 row swaps (as ``getrf``). Differentiable through LU."""
    A = matrix_input(A, "linalg.lu_factor")
    _no_pivot(pivot, "linalg.lu_factor")
    p, low, up = lu(A)
    m, n = A.shape[-2:]
    dt = A.dtype
    if m >= n:
        packed = low * np.tril(np.ones((m, n), dt), -1) + _pad_rows(up, m)
    else:
        packed = _pad_cols(low * np.tril(np.ones((m, m), dt), -1), n) + up
    _, piv, _ = lu_factor_np(A._data)
    return LUFactorResult(packed, _const(piv))


def _pad_rows(x: Tensor, m: int) -> Tensor:
    """x (…, k, n) with zero rows appended to m rows (a recorded matmul by [I; 0])."""
    k = x.shape[-2]
    return np.eye(m, k, dtype=x.dtype) @ x


def _pad_cols(x: Tensor, n: int) -> Tensor:
    k = x.shape[-1]
    return x @ np.eye(k, n, dtype=x.dtype)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,  # noqa: N803
              unpack_pivots: bool = True) -> LUResult:
    """``(P, L, U)`` from :func:`lu_factor`'s packed ``(LU, pivots)``."""
    lu_ = matrix_input(LU_data, "lu_unpack", name="LU_data")
    m, n = lu_.shape[-2:]
    k = min(m, n)
    dt = lu_.dtype
    empty = _const(np.zeros((0,), dt))
    low = up = p = empty
    if unpack_data:
        low = _pad_cols_to(lu_, m, k) * np.tril(np.ones((m, k), dt), -1) + np.eye(m, k, dtype=dt)
        up = _pad_rows_to(lu_, k, n) * np.triu(np.ones((k, n), dt))
    if unpack_pivots:
        if not isinstance(LU_pivots, Tensor) or LU_pivots._data.dtype != np.int32:
            raise DtypeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor "
                             "of torch.int32 dtype (the pivots lu_factor returns)")
        piv = np.asarray(LU_pivots._data)
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise ValueRangeError("pivots passed to lu_unpack must be between 1 and "
                                  "LU.size(-2) inclusive. Did you properly pass the result of "
                                  "lu_factor?")
        p = _const(permutation(piv, m, dt))
    return LUResult(p, low, up)


def _pad_cols_to(x: Tensor, m: int, k: int) -> Tensor:
    return x @ np.eye(x.shape[-1], k, dtype=x.dtype)  # first k columns


def _pad_rows_to(x: Tensor, k: int, n: int) -> Tensor:
    return np.eye(k, x.shape[-2], dtype=x.dtype) @ x  # first k rows


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803
             adjoint: bool = False) -> Tensor:
    """X with A X = B for A = P L U given by :func:`lu_factor` (``adjoint``: Aᵀ X = B;
    ``left=False``: X A = B)."""
    op = "linalg.lu_solve"
    LU = matrix_input(LU, op, name="LU", square=True)
    B = matrix_input(B, op, name="B")
    p, low, up = lu_unpack(LU, pivots)
    pt = np.swapaxes(p._data, -1, -2)
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    if adjoint:  # Aᵀ = Uᵀ Lᵀ Pᵀ
        return matmul(p._data, Solve.apply(low.mT, Solve.apply(up.mT, B)))
    return Solve.apply(up, Solve.apply(low, matmul(pt, B)))


def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:  # noqa: N803
    """``torch.lu``: ``(LU, pivots)`` or ``(LU, pivots, infos)``."""
    packed, piv = lu_factor(A, pivot=pivot)
    if get_infos:
        return packed, piv, _const(lu_factor_np(A._data)[2])
    return packed, piv


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
    """``torch.lu_solve(b, LU_data, LU_pivots)``."""
    return lu_solve(LU_data, LU_pivots, b)
