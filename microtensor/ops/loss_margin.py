"""Margin and embedding losses: ranking, hinge, cosine-embedding, triplet and multi-class margin.

Each is a short composition of recorded ops, written as PyTorch writes it
(``clamp_min(margin - ..., 0)`` selected with ``where`` by the ±1 target), so the
gradients of any order come for free and the kinks behave as PyTorch's: the gradient
of ``max(m, 0)`` at ``m = 0`` is 0. Targets are constants (no gradient reaches them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .distance import pairwise_distance
from .loss_common import _check_reduction, _legacy, _reduced

__all__ = [
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "multi_margin_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss",
]

_EPSILON = 1e-12  # PyTorch's guard in cosine_embedding_loss's norms


def _const(a: Any, like: Tensor) -> Tensor:
    data = a._data if isinstance(a, Tensor) else np.asarray(a)
    return Tensor._make(np.asarray(data, like._data.dtype), False, None)


def _mask(cond: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._make(cond, False, None)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                        margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y·(x1 - x2) + margin)``: ``x1`` should rank above ``x2`` where ``y = 1``."""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    y = _const(target, input1)
    return _reduced((-y * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (``x`` a distance)."""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    y = target._data if isinstance(target, Tensor) else np.asarray(target)
    zero = input * 0
    loss = (input.neg() + margin).clamp_min(0).where(_mask(y != 1, input), zero) \
        + input.where(_mask(y != -1, input), zero)
    return _reduced(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``."""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "cosine_embedding_loss")
    y = target._data if isinstance(target, Tensor) else np.asarray(target)
    dim = y.ndim
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + _EPSILON
    mag2 = (input2 * input2).sum(dim) + _EPSILON
    cos = prod / (mag1 * mag2).sqrt()
    zero = cos * 0
    loss = (1 - cos).where(_mask(y == 1, cos), zero) \
        + (cos - margin).clamp_min(0).where(_mask(y == -1, cos), zero)
    return _reduced(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the p-norm distance (``eps`` added).

    ``swap=True`` uses ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al.).
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduced((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """:func:`triplet_margin_loss` with any distance ``d(x1, x2)`` (default
    ``pairwise_distance``): ``max(0, d(a, p) - d(a, n) + margin)``."""
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, "
                         f"got {margin}")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _reduced((margin + d_pos - d_neg).clamp_min(0), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Any = None, size_average: Any = None,
                      reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge: per sample ``Σ_{i≠y} max(0, margin - x_y + x_i)^p / C`` (×w_y)."""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = (target._data if isinstance(target, Tensor) else np.asarray(target)).reshape(-1)
    y = y.astype(np.int64)
    n, c = x.shape
    rows = np.arange(n)
    x_y = x[rows, y].reshape(n, 1)
    hinge = (x - x_y + margin).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    others = np.ones((n, c), x._data.dtype)
    others[rows, y] = 0
    hinge = hinge * Tensor._make(others, False, None)
    if weight is not None:
        w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
        hinge = hinge * Tensor._make(w.astype(x._data.dtype)[y].reshape(n, 1), False, None)
    loss = hinge.sum(1) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduced(loss, reduction)
