"""Matrix products: ``matmul`` (with NumPy's 1-D and batch rules), ``mm``, ``bmm``, ``dot``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import ShapeError
from ..tensor import Tensor, data_of
from .arithmetic import write_out

__all__ = ["bmm", "dot", "matmul", "mm"]


class MatMul(Function):
    """f(A, B) = A @ B;  df/dA = G @ Bᵀ,  df/dB = Aᵀ @ G  (G = upstream gradient).

    A 1-D operand is a row (left) or a column (right) that is dropped from the
    result; its gradient drops the same axis. Batch dimensions broadcast, and
    the engine sums them back.
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # inner product: grad is a scalar
            return (grad * b if need_a else None), (grad * a if need_b else None)
        # Put back the axes matmul removed for 1-D operands, so G is (..., n, m).
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if need_a:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


def _check_matmul(a: np.ndarray, b: np.ndarray, op: str) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"{op}: both arguments need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        da, db = a.ndim - 1, (0 if b.ndim == 1 else b.ndim - 2)
        raise ShapeError(f"{op}: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{ka} (dim {da}) != {kb} (dim {db})")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ShapeError(f"{op}: batch dimensions of shapes {a.shape} and {b.shape} "
                             "cannot be broadcast together") from None


def matmul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix product with NumPy's/PyTorch's rules for 1-D and batched operands (``out=``
    writes the result into a given tensor, as PyTorch's).

    Differs from PyTorch on purpose: operands of different dtypes are promoted by the usual
    rules (float32 @ float64 gives float64, int64 @ float32 float32); PyTorch raises.
    """
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, (Tensor, np.ndarray)):  # PyTorch's parser: a TypeError
            raise TypeError(f"matmul(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    _check_matmul(data_of(input), data_of(other), "matmul")
    return write_out(MatMul.apply(input, other), out, "matmul")


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Product of two 2-D matrices."""
    a, b = data_of(input), data_of(mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"mm: expects two 2-D matrices, got shapes {a.shape} and {b.shape}")
    _check_matmul(a, b, "mm")
    return write_out(MatMul.apply(input, mat2), out, "mm")


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Batched product of (B, n, k) and (B, k, m)."""
    a, b = data_of(input), data_of(mat2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: expects (B, n, k) and (B, k, m) with one B, got shapes "
                         f"{a.shape} and {b.shape}")
    _check_matmul(a, b, "bmm")
    return write_out(MatMul.apply(input, mat2), out, "bmm")


def dot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors of one length."""
    for name, t in (("input", input), ("tensor", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"dot(): argument '{name}' must be Tensor, not {type(t).__name__}")
    a, b = data_of(input), data_of(other)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ShapeError(f"dot: expects two 1-D tensors of one length, got shapes "
                         f"{a.shape} and {b.shape}")
    return write_out(MatMul.apply(input, other), out, "dot")
