"""Norms, ranks, pseudo-inverses, powers and the other matrix functions of ``torch.linalg``,
composed of the decompositions (so their gradients, to any order, come from those)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import ShapeError, check_int64, normalize_dim, normalize_dims
from ..tensor import Tensor
from . import reduction as _red
from .decompositions import SvdVals, _lapack
from .elementwise import where
from .factorizations import _const, _vector_rhs, float_input, inv, matrix_input, svd
from .lu import MatrixExp

__all__ = ["cholesky_ex", "cond", "diagonal", "lstsq", "lu_factor_ex", "matrix_exp",
           "matrix_norm", "matrix_power", "matrix_rank", "norm", "pinv", "pinverse", "solve_ex",
           "tensorinv", "tensorsolve", "vander", "vector_norm"]


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _cast(x: Tensor, dtype: Any, op: str) -> Tensor:
    if dtype is None:
        return x
    dt = np.dtype(getattr(dtype, "dtype", dtype))
    if dt.kind != "f":
        raise RuntimeError(f"{op}: dtype should be floating point, but got {dt}")
    return x if x.dtype == dt else x.to(dt)


# --------------------------------------------------------------------------- norms


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """(Σ |x|^ord)^(1/ord) over ``dim`` (every dim by default); ``ord`` = inf / -inf: max /
    min |x|; 0: the number of non-zeros (no gradient). The gradient at 0 is 0."""
    op = "linalg.vector_norm"
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'x' must be Tensor, not {type(x).__name__}")
    float_input(x, op)
    x = _cast(x, dtype, op)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise RuntimeError(f"{op}: ord must be a number, got {ord!r}")
    axes = normalize_dims(dim, x.ndim, op)
    if ord < 0 or ord == np.inf:
        if any(x.shape[a] == 0 for a in axes) or (x.numel() == 0 and dim is None):
            raise RuntimeError(f"{op} cannot compute the {ord} norm on an empty tensor "
                               "because the operation does not have an identity")
    return _red.Norm.apply(x, float(ord), axes, keepdim)


def _two_dims(dim: Any, ndim: int, op: str) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (normalize_dim(d, ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002, N803
                dtype: Any = None) -> Tensor:
    """'fro' (√Σ a²), 'nuc' (Σ σ), 2 / -2 (max / min σ), 1 / -1 (max / min column sum of
    |a|), inf / -inf (max / min row sum of |a|) over the two ``dim``."""
    op = "linalg.matrix_norm"
    A = _cast(matrix_input(A, op), dtype, op)
    d0, d1 = _two_dims(dim, A.ndim, op)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        s = SvdVals.apply(A.permute(*rest, d0, d1))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(inner, keepdim=True)
        out = sums.amax(outer, keepdim=True) if ord > 0 else sums.amin(outer, keepdim=True)
        return out if keepdim else _squeeze2(out, d0, d1)
    raise RuntimeError(f"{op}: Order {ord} not supported.")


def _squeeze2(x: Tensor, d0: int, d1: int) -> Tensor:
    for d in sorted((d0, d1), reverse=True):
        x = x.squeeze(d)
    return x


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002, N803
         dtype: Any = None) -> Tensor:
    """:func:`vector_norm` for an int ``dim`` (or a 1-D input), :func:`matrix_norm` for a
    2-tuple ``dim`` (or a 2-D input); ``ord=None, dim=None``: the 2-norm of all elements."""
    op = "linalg.norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"{op}: order \"{ord}\" not supported for vector norms")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. "
                       f"Got {A.ndim}D.")


def cond(A: Tensor, p: Any = None) -> Tensor:  # noqa: N803
    """κ(A) = ‖A‖ₚ ‖A⁻¹‖ₚ; p = None or 2: σ_max / σ_min, -2: σ_min / σ_max."""
    A = matrix_input(A, "linalg.cond")
    if p is None or p in (2, -2):
        s = SvdVals.apply(A)
        hi, lo = s.amax(-1), s.amin(-1)
        return hi / lo if p != -2 else lo / hi
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# --------------------------------------------------------------------------- rank, pinv


def _tolerance(s: np.ndarray, shape: tuple, atol: Any, rtol: Any, dtype: np.dtype) -> Any:
    """PyTorch's max(atol, rtol · σ_max), with rtol = eps · max(m, n) when neither is given."""
    if atol is None and rtol is None:
        rtol = np.finfo(dtype).eps * max(shape[-2:])
    atol = 0.0 if atol is None else _value(atol)
    rtol = 0.0 if rtol is None else _value(rtol)
    smax = np.max(s, axis=-1, initial=0.0, keepdims=True) if s.size else s[..., :1]
    return np.maximum(np.asarray(atol)[..., None] if np.ndim(atol) else atol,
                      (np.asarray(rtol)[..., None] if np.ndim(rtol) else rtol) * smax)


def _value(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None,  # noqa: N803
                hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol · σ_max) (int64)."""
    A = matrix_input(A, "linalg.matrix_rank", square=hermitian)
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else \
        _lapack(lambda: np.linalg.svd(a, compute_uv=False), a, "linalg.svd")
    tol = _tolerance(s, a.shape, atol, rtol, a.dtype)
    return _const(np.sum(s > tol, axis=-1).astype(np.int64))


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The Moore-Penrose pseudo-inverse V diag(1/σ) Uᵀ, singular values at most
    max(atol, rtol · σ_max) dropped; differentiable where the rank does not change."""
    A = matrix_input(A, "linalg.pinv", square=hermitian)
    # hermitian=True: the singular values of a symmetric A are |eigenvalues|, so the SVD
    # gives the same pseudo-inverse, and PyTorch's (general, unsymmetrized) gradient.
    u, s, vh = svd(A, full_matrices=False)
    keep = s._data > _tolerance(s._data, A.shape, atol, rtol, A.dtype)
    return (vh.mT * _masked_reciprocal(s, keep).unsqueeze(-2)) @ u.mT


def _masked_reciprocal(s: Tensor, keep: np.ndarray) -> Tensor:
    """1/s where ``keep``, 0 elsewhere, with a gradient free of 0 · inf."""
    on = keep.astype(s.dtype)
    return on / (s * on + (1 - on))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: :func:`pinv` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None  # noqa: N803
          ) -> LstsqResult:
    """The least-squares solution X = argmin ‖A X - B‖_F (the minimum-norm one when A is
    rank-deficient), as ``(solution, residuals, rank, singular_values)``.

    As PyTorch on the CPU: ``driver`` is 'gelsy' by default (also 'gels', 'gelsd', 'gelss');
    ``residuals`` (‖A X - B‖² per column) only when m > n and every A has full rank, ``rank``
    for every driver but 'gels', ``singular_values`` for 'gelsd' and 'gelss'; the others are
    empty. The solution is differentiable (computed as pinv(A) B).
    """
    op = "linalg.lstsq"
    A = matrix_input(A, op)
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}(): argument 'B' must be Tensor, not {type(B).__name__}")
    float_input(B, op)
    if driver is None:
        driver = "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    vector = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if b.shape[-2] != m:
        raise ShapeError(f"{op}: input.size(-2) should match other.size(-2)")
    a = A._data
    s = _lapack(lambda: np.linalg.svd(a, compute_uv=False), a, "linalg.lstsq")
    if rcond is None:
        rcond = np.finfo(a.dtype).eps * max(m, n)
    rank = np.sum(s > _tolerance(s, a.shape, None, rcond, a.dtype), axis=-1).astype(np.int64)
    x = pinv(A, rtol=rcond) @ b
    empty = x.reshape(-1)[:0]  # an empty output, in the graph as PyTorch's
    residuals = empty
    if m > n and driver != "gelsy" and (driver == "gels" or np.all(rank == n)):
        r = A @ x - b
        residuals = (r * r).sum(-2)
    return LstsqResult(x.squeeze(-1) if vector else x, residuals,
                       _const(rank) if driver != "gels" else _const(np.zeros((0,), np.int64)),
                       _const(s) if driver in ("gelsd", "gelss") else empty)


# --------------------------------------------------------------------------- powers, exp


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """Aⁿ by repeated squaring; n = 0: the identity; n < 0: (A⁻¹)^|n|."""
    op = "linalg.matrix_power"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'n' must be int, not {type(n).__name__}")
    if isinstance(A, Tensor) and A.dtype.kind in "iu" and n >= 0:  # integer powers: matmuls
        if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
            matrix_input(A, op, square=True)
    else:
        A = matrix_input(A, op, square=True)
    if n == 0:  # the identity, in the graph with a zero gradient (as PyTorch's)
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
        return where(np.zeros(A.shape, bool), A, np.array(eye))
    base = inv(A) if n < 0 else A
    n = abs(int(n))
    out = None
    while n:
        if n & 1:
            out = base if out is None else out @ base
        n >>= 1
        if n:
            base = base @ base
    return out


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803
    """exp(A) = Σ Aᵏ / k! (batched)."""
    return MatrixExp.apply(matrix_input(A, "linalg.matrix_exp", square=True))


# --------------------------------------------------------------------------- diagonal, vander


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """The ``offset`` diagonal of the matrices in dims (dim1, dim2), as a last dim."""
    op = "linalg.diagonal"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be Tensor, not {type(A).__name__}")
    d1, d2 = normalize_dim(dim1, A.ndim, op), normalize_dim(dim2, A.ndim, op)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [i for i in range(A.ndim) if i not in (d1, d2)]
    x = A.permute(*rest, d1, d2)
    r, c = x.shape[-2:]
    i = np.arange(max(0, min(r + min(offset, 0), c - max(offset, 0))))
    rows, cols = i - min(offset, 0), i + max(offset, 0)
    return x[(..., rows, cols)]


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """out[..., i, j] = x[..., i]^j for j < N (increasing powers; N = x.shape[-1] by default)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else _vander_n(N, "linalg.vander")
    if n < 2:
        raise RuntimeError("N must be greater than 1.")
    if x.dtype.kind == "b":
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           "tensors, but got Bool")
    dt = x.dtype if x.dtype.kind in "fi" else np.dtype(np.int64)
    x = x if x.dtype == dt else x.to(dt)
    if x.numel() == 0:  # no columns to build (and N may be huge): the empty result at once
        return _const(np.zeros((*x.shape, n), dt))
    cols = [_const(np.ones(tuple(x.shape), dt))]
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    from .joining import stack

    return stack(cols[:n], -1)


def torch_vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """``torch.vander``: columns x^(N-1) ... x⁰ (``increasing``: x⁰ ... x^(N-1)) of a 1-D x."""
    if not isinstance(x, Tensor) or x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is not None and _vander_n(N, "vander") < 0:
        raise RuntimeError("N must be non-negative.")
    if N is not None and N < 2:  # (torch.linalg.vander refuses these; torch.vander not)
        return _const(np.ones((x.shape[0], N), x.dtype))
    out = vander(x, N=N)
    return out if increasing or out.numel() == 0 else _flip_last(out)


def _vander_n(N: Any, op: str) -> int:  # noqa: N803
    """``N`` as an int, refused as PyTorch's parser does (a bool or float: ``TypeError``;
    beyond int64: ``ValueError``) before any column is built."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'N' must be int, not {type(N).__name__}")
    return check_int64(int(N), op, "N")


def _flip_last(x: Tensor) -> Tensor:
    idx = np.arange(x.shape[-1] - 1, -1, -1)
    return x[..., idx]


# --------------------------------------------------------------------------- tensorinv/solve


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:  # noqa: N803
    """The inverse of A as a linear map from its last dims to its first ``ind`` dims (so
    ``tensordot(tensorinv(A, ind), A, ind)`` is the identity), of shape
    A.shape[ind:] + A.shape[:ind]."""
    op = "linalg.tensorinv"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if ind <= 0:
        raise RuntimeError(f"{op}: Expected a strictly positive integer for 'ind', but got {ind}")
    rows = int(np.prod(A.shape[:ind]))
    cols = int(np.prod(A.shape[ind:]))
    if rows != cols:
        raise RuntimeError(f"{op}: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {cols} "
                           f"!= {rows}")
    return inv(A.reshape(rows, cols)).reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind]))


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:  # noqa: N803
    """X with ``tensordot(A, X, X.ndim) = B``; ``dims``: dims of A moved to the end first."""
    op = "linalg.tensorsolve"
    for name, t in (("A", A), ("B", B)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if dims is not None:
        moved = [normalize_dim(d, A.ndim, op) for d in dims]
        A = A.permute(*[i for i in range(A.ndim) if i not in moved], *moved)
    rest = tuple(A.shape[B.ndim:])
    rows, cols = int(np.prod(B.shape)), int(np.prod(rest))
    if tuple(A.shape[:B.ndim]) != tuple(B.shape) or rows != cols:
        raise RuntimeError(f"{op}: Expected self to satisfy the requirement "
                           f"prod(result_shape) == prod(other.shape), but got {cols} != {rows}")
    from .factorizations import solve

    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(rest)


# --------------------------------------------------------------------------- the _ex variants


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


def _cholesky_info(a: np.ndarray) -> np.ndarray:
    """Per matrix: 0, or the order of the first leading minor that is not positive-definite."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(flat.shape[0], np.int32)
    for b, m in enumerate(flat):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                info[b] = k
                break
    return info.reshape(a.shape[:-2])


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False  # noqa: N803
                ) -> CholeskyExResult:
    """``(L, info)``: :func:`~microtensor.linalg.cholesky` that reports failure in ``info``
    (the order of the first non-positive-definite leading minor) instead of raising.

    Differs from PyTorch: a failed matrix's L is all nan (PyTorch: LAPACK's partial result).
    """
    from .factorizations import cholesky

    A = matrix_input(A, "linalg.cholesky_ex", square=True)
    try:
        return CholeskyExResult(cholesky(A, upper=upper),
                                _const(np.zeros(A.shape[:-2], np.int32)))
    except RuntimeError:
        info = _cholesky_info(A._data)
        if check_errors:
            raise
    a = A._data.reshape((-1,) + tuple(A.shape[-2:]))
    out = np.full(a.shape, np.nan, A.dtype)
    ok = info.reshape(-1) == 0
    out[ok] = np.linalg.cholesky(a[ok])
    out = np.swapaxes(out, -1, -2) if upper else out
    return CholeskyExResult(_const(out.reshape(A.shape)), _const(info))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False  # noqa: N803
             ) -> SolveExResult:
    """``(result, info)``: :func:`~microtensor.linalg.solve` reporting a singular A in ``info``
    (the first zero pivot, 1-based) instead of raising; a singular system's result is nan."""
    from .factorizations import solve
    from .lu import lu_factor_np

    A = matrix_input(A, "linalg.solve_ex", square=True)
    info = lu_factor_np(A._data)[2]
    if not np.any(info):
        return SolveExResult(solve(A, B, left=left), _const(info))
    if check_errors:
        return SolveExResult(solve(A, B, left=left), _const(info))  # raises
    x = solve(_const(np.where(info[..., None, None] != 0, np.eye(A.shape[-1], dtype=A.dtype),
                              A._data)), B.detach(), left=left)
    bad = (info != 0).reshape(info.shape + (1,) * (x.ndim - info.ndim))
    return SolveExResult(_const(np.where(bad, np.nan, x._data)), _const(info))


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False  # noqa: N803
                 ) -> LUFactorExResult:
    """``(LU, pivots, info)``: :func:`~microtensor.linalg.lu_factor` and LAPACK's ``info``
    (0, or the first zero pivot, 1-based)."""
    from .decompositions import LinAlgError, singular_message
    from .factorizations import lu_factor
    from .lu import lu_factor_np

    packed, piv = lu_factor(A, pivot=pivot)
    info = lu_factor_np(A._data)[2]
    if check_errors and np.any(info):
        raise LinAlgError(singular_message(A._data, "linalg.lu_factor_ex", "factorization"))
    return LUFactorExResult(packed, piv, _const(info))
