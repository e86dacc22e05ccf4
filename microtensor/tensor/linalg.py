"""Tensor methods for linear algebra (PyTorch's "BLAS and LAPACK Operations")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["LinalgMethods"]


class LinalgMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``."""

    __slots__ = ()

    # ------------------------------------------------------------------ linear algebra

    def matmul(self, other: Any) -> Tensor:
        return _ops.linalg.matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        return _ops.linalg.mm(self, other)

    def bmm(self, other: Any) -> Tensor:
        return _ops.linalg.bmm(self, other)

    def dot(self, other: Any) -> Tensor:
        return _ops.linalg.dot(self, other)


    # ------------------------------------------------------------------ BLAS-style products

    def mv(self, vec: Tensor) -> Tensor:
        return _ops.products.mv(self, vec)

    def outer(self, vec2: Tensor) -> Tensor:
        return _ops.products.outer(self, vec2)

    def ger(self, vec2: Tensor) -> Tensor:
        return _ops.products.outer(self, vec2)

    def inner(self, other: Tensor) -> Tensor:
        return _ops.products.inner(self, other)

    def vdot(self, other: Tensor) -> Tensor:
        return _ops.products.vdot(self, other)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.products.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.products.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.products.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.products.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
                alpha: Any = 1) -> Tensor:
        return _ops.products.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        return _ops.products.cross(self, other, dim)

    def kron(self, other: Tensor) -> Tensor:
        return _ops.products.kron(self, other)

    # ------------------------------------------------------------------ inverses, decompositions

    def inverse(self) -> Tensor:
        return _ops.factorizations.inv(self)

    def det(self) -> Tensor:
        return _ops.factorizations.det(self)

    def logdet(self) -> Tensor:
        return _ops.factorizations.logdet(self)

    def slogdet(self) -> Any:
        return _ops.factorizations.slogdet(self)

    def cholesky(self, upper: bool = False) -> Tensor:
        return _ops.factorizations.torch_cholesky(self, upper)

    def cholesky_solve(self, input2: Tensor, upper: bool = False) -> Tensor:
        return _ops.factorizations.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return _ops.factorizations.cholesky_inverse(self, upper)

    def qr(self, some: bool = True) -> Any:
        return _ops.factorizations.torch_qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return _ops.factorizations.torch_svd(self, some, compute_uv)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        return _ops.factorizations.torch_lu(self, pivot, get_infos)

    def lu_solve(self, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
        return _ops.factorizations.torch_lu_solve(self, LU_data, LU_pivots)

    def triangular_solve(self, A: Tensor, upper: bool = True, transpose: bool = False,  # noqa: N803
                         unitriangular: bool = False) -> Any:
        return _ops.factorizations.triangular_solve(self, A, upper, transpose, unitriangular)

    def matrix_power(self, n: int) -> Tensor:
        return _ops.matrix_functions.matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        return _ops.matrix_functions.matrix_exp(self)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        return _ops.matrix_functions.pinverse(self, rcond)

    # ------------------------------------------------------------------ in-place and LAPACK forms

    def addmm_(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.inplace.inplace_unary(self, _addmm, "addmm_", mat1, mat2, beta, alpha)

    def addmv_(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.inplace.inplace_unary(self, _addmv, "addmv_", mat, vec, beta, alpha)

    def addr_(self, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.inplace.inplace_unary(self, _addr, "addr_", vec1, vec2, beta, alpha)

    def addbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
                alpha: Any = 1) -> Tensor:
        return _ops.inplace.inplace_unary(self, _addbmm, "addbmm_", batch1, batch2, beta, alpha)

    def baddbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
                 alpha: Any = 1) -> Tensor:
        return _ops.inplace.inplace_unary(self, _baddbmm, "baddbmm_", batch1, batch2, beta,
                                          alpha)

    def geqrf(self) -> Any:
        return _ops.householder.geqrf(self)

    def orgqr(self, input2: Tensor) -> Tensor:
        return _ops.householder.orgqr(self, input2)

    def ormqr(self, input2: Tensor, input3: Tensor, left: bool = True,
              transpose: bool = False) -> Tensor:
        return _ops.householder.ormqr(self, input2, input3, left, transpose)


# The in-place forms call their op with positional arguments: these put them in place.
def _addmm(t: Tensor, a: Any, b: Any, beta: Any, alpha: Any) -> Tensor:
    return _ops.products.addmm(t, a, b, beta=beta, alpha=alpha)


def _addmv(t: Tensor, a: Any, b: Any, beta: Any, alpha: Any) -> Tensor:
    return _ops.products.addmv(t, a, b, beta=beta, alpha=alpha)


def _addr(t: Tensor, a: Any, b: Any, beta: Any, alpha: Any) -> Tensor:
    return _ops.products.addr(t, a, b, beta=beta, alpha=alpha)


def _addbmm(t: Tensor, a: Any, b: Any, beta: Any, alpha: Any) -> Tensor:
    return _ops.products.addbmm(t, a, b, beta=beta, alpha=alpha)


def _baddbmm(t: Tensor, a: Any, b: Any, beta: Any, alpha: Any) -> Tensor:
    return _ops.products.baddbmm(t, a, b, beta=beta, alpha=alpha)
