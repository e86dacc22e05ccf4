"""``microtensor.linalg``: PyTorch's ``torch.linalg``, so ``torch.linalg.inv(A)`` ports.

Every function takes (batches of) matrices in the last two dims, float32 or float64, and
is differentiable wherever PyTorch's is, to any order: the decompositions are
``Function``\\ s in ``microtensor/ops/decompositions.py`` and ``ops/lu.py``; the rest is
composed of them (``ops/factorizations.py``, ``ops/matrix_functions.py``,
``ops/products.py``). A singular or non-positive-definite input raises
:class:`LinAlgError`, a ``RuntimeError`` as in PyTorch.
"""

from __future__ import annotations

from .ops.decompositions import LinAlgError
from .ops.factorizations import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lu,
    lu_factor,
    lu_solve,
    qr,
    slogdet,
    solve,
    solve_triangular,
    svd,
    svdvals,
)
from .ops.householder import householder_product
from .ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .ops.linalg import matmul
from .ops.matrix_functions import (
    cholesky_ex,
    cond,
    diagonal,
    lstsq,
    lu_factor_ex,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    norm,
    pinv,
    solve_ex,
    tensorinv,
    tensorsolve,
    vander,
    vector_norm,
)
from .ops.products import linalg_cross as cross
from .ops.products import multi_dot, vecdot

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
    "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex",
    "ldl_solve", "lstsq", "lu", "lu_factor",
    "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
    "vector_norm",
]
