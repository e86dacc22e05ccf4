"""Distances between vectors: ``cosine_similarity``, ``pairwise_distance``, ``normalize``.

Both are short compositions of recorded ops (a sum, a norm, a division), as in
PyTorch, so their gradients of any order come for free.
"""

from __future__ import annotations

from ..linalg import vector_norm
from ..tensor import Tensor

__all__ = ["cosine_similarity", "normalize", "pairwise_distance"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``Σ x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps))`` along ``dim`` (inputs broadcast).

    As in PyTorch each input is divided by its own clamped norm, and the clamp only guards
    the value: the gradient is that of the unclamped norm wherever it exceeds ``eps``.
    """
    n1 = vector_norm(x1, 2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = vector_norm(x2, 2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``‖x1 - x2 + eps‖_p`` along the last dimension (``eps`` keeps the norm differentiable
    when the two vectors are equal)."""
    return vector_norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """``input / max(‖input‖_p, eps)`` along ``dim``: unit vectors (PyTorch's ``F.normalize``).
    """
    from .arithmetic import write_out

    norm = vector_norm(input, p, dim=dim, keepdim=True).clamp_min(eps)
    return write_out(input / norm.expand_as(input), out, "normalize")
