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


