"""Regression losses: mse, l1, smooth L1 / Huber, and the likelihood losses (KL, Poisson,
Gaussian), each one node or a short composition of recorded ops.

``mse_loss``, ``l1_loss``, ``smooth_l1_loss`` and ``huber_loss`` are fused Functions
(their backward is one ``where``); the likelihood losses are written with recorded ops,
as PyTorch writes them, so they are differentiable to any order for free.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import ShapeError
from ..tensor import Tensor, data_of
from .loss_common import _check_reduction, _float_pair, _legacy, _reduce, _reduced, _upstream

__all__ = [
    "gaussian_nll_loss", "huber_loss", "kl_div", "l1_loss", "mse_loss", "poisson_nll_loss",
    "smooth_l1_loss",
]


class MseLoss(Function):
    """f(a, b) = (a - b)²;  df/da = 2 (a - b),  df/db = -2 (a - b)  (before the reduction)."""

    @staticmethod
    def forward(ctx, a, b, reduction):
        a, b = promote_pair(a, b)
        d = a - b
        ctx.save_for_backward(a, b)  # (not d: a recorded backward must see d depend on them)
        ctx.reduction = reduction
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        d = a - b
        ga = 2 * _upstream(grad, ctx.reduction, np.size(d)) * d
        return ga, -ga, None


class L1Loss(Function):
    """f(a, b) = |a - b|;  df/da = sign(a - b),  df/db = -sign(a - b)  (0 where a = b)."""

    saved_constants = True  # it saves d = x - t, of which backward uses only the sign

    @staticmethod
    def forward(ctx, a, b, reduction):
        a, b = promote_pair(a, b)
        d = a - b
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(np.abs(d), reduction)

    @staticmethod
    def backward(ctx, grad):
        (d,) = ctx.saved_tensors
        ga = _upstream(grad, ctx.reduction, np.size(d)) * np.sign(d)  # (np.size: Tensors too)
        return ga, -ga, None


def _regression_operands(input: Any, target: Any, op: str) -> None:  # noqa: A002
    a, b = data_of(input), data_of(target)
    _float_pair(a, b, op)
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ShapeError(f"{op}: input of shape {a.shape} and target of shape {b.shape} "
                             "cannot be broadcast together") from None
        warnings.warn(
            f"{op}: using a target size {b.shape} that is different to the input size "
            f"{a.shape}. This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _weighted(loss: Tensor, input: Tensor, weight: Any, reduction: str,  # noqa: A002
              op: str) -> Tensor:
    """PyTorch's ``weight=`` of mse_loss/l1_loss: ``w·loss`` elementwise; "mean" divides the
    weighted sum by ``Σw`` (not by the element count)."""
    w = weight if isinstance(weight, Tensor) else Tensor._make(np.asarray(weight), False, None)
    if w.shape != input.shape:
        raise ShapeError(f"{op}: weight of shape {tuple(w.shape)} must have the input's shape "
                         f"{tuple(input.shape)}")
    weighted = loss * w
    if reduction == "none":
        return weighted
    return weighted.sum() if reduction == "sum" else weighted.sum() / w.sum()


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean", *,  # noqa: A002
             weight: Any = None) -> Tensor:
    """Mean squared error ``(input - target)²``, reduced; gradients flow to both arguments.

    Shapes that differ are broadcast, with PyTorch's warning (it is usually a bug:
    ``(N, 1)`` against ``(N,)`` gives an ``(N, N)`` loss). ``weight`` (input's shape)
    weights each element, and "mean" is then ``Σ w·(x-t)² / Σ w``, as in PyTorch 2.13.
    """
    _check_reduction(reduction, "mse_loss")
    _regression_operands(input, target, "mse_loss")
    if weight is not None:
        loss = MseLoss.apply(input, target, "none")
        return _weighted(loss, input, weight, reduction, "mse_loss")
    return MseLoss.apply(input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", *,  # noqa: A002
            weight: Any = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced; the gradient at a tie is 0.

    Shapes broadcast, and ``weight`` weights each element, as in :func:`mse_loss`.
    """
    _check_reduction(reduction, "l1_loss")
    _regression_operands(input, target, "l1_loss")
    if weight is not None:
        loss = L1Loss.apply(input, target, "none")
        return _weighted(loss, input, weight, reduction, "l1_loss")
    return L1Loss.apply(input, target, reduction)


# --------------------------------------------------------------------------- smooth L1 / Huber


class HuberLoss(Function):
    """f(d) = d²/2 (|d| < δ), δ(|d| - δ/2) else, d = a - b;  df/da = d or δ·sign(d) (= -df/db).

    ``smooth_l1_loss`` with ``beta`` is this op with δ = beta, divided by beta (its
    quadratic zone is ``d²/(2β)``, its slope 1); both are one node.
    """

    @staticmethod
    def forward(ctx, a, b, delta, scale, reduction):
        a, b = promote_pair(a, b)
        d = a - b
        ad = np.abs(d)
        loss = np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)) * scale
        ctx.save_for_backward(a, b)
        ctx.delta, ctx.scale, ctx.reduction = delta, scale, reduction
        return _reduce(loss.astype(d.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        d = a - b
        slope = np.where(np.abs(d) < ctx.delta, d, ctx.delta * np.sign(d)) * ctx.scale
        ga = _upstream(grad, ctx.reduction, np.size(d)) * slope
        return ga, -ga, None, None, None


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                   reduce: Any = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``d²/(2β)`` where ``|d| < β``, else ``|d| - β/2`` (``d = input - target``).

    Quadratic near 0 (a gradient that shrinks with the error), linear beyond ``beta``
    (outliers pull with slope 1). ``beta=0`` is :func:`l1_loss`.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    _regression_operands(input, target, "smooth_l1_loss")
    if beta == 0:
        return L1Loss.apply(input, target, reduction)
    return HuberLoss.apply(input, target, float(beta), 1.0 / beta, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Any = None) -> Tensor:
    """``d²/2`` where ``|d| < δ``, else ``δ(|d| - δ/2)``: ``δ · smooth_l1_loss(beta=δ)``."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _regression_operands(input, target, "huber_loss")
    if weight is not None:
        loss = HuberLoss.apply(input, target, float(delta), 1.0, "none")
        return _weighted(loss, input, weight, reduction, "huber_loss")
    return HuberLoss.apply(input, target, float(delta), 1.0, reduction)


# --------------------------------------------------------------------------- likelihood losses


def kl_div(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
           reduce: Any = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``KL(target ‖ exp(input))`` pointwise: ``t·(log t - input)``.

    ``input`` holds log-probabilities; ``target`` probabilities (or log-probabilities
    with ``log_target=True``: then ``exp(t)·(t - input)``). ``0·log 0`` is 0.
    ``reduction="batchmean"`` divides the sum by the batch size (the mathematical KL);
    ``"mean"`` divides by every element, with PyTorch's warning.
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', "
                         f"got {reduction!r}")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and "
                      "aligns with the KL div math definition.'mean' will be changed to "
                      "behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduced(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: Any = None, eps: float = 1e-8,
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target ~ Poisson(λ)``: ``λ - target·log λ``.

    With ``log_input`` (the default) ``input`` is ``log λ``: ``exp(input) - target·input``;
    otherwise ``input - target·log(input + eps)``. ``full`` adds Stirling's approximation
    of ``log(target!)``, ``t log t - t + log(2πt)/2``, for targets above 1.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        t = target.detach()
        stirling = t.xlogy(t) - t + 0.5 * (2 * math.pi * t).clamp_min(1).log()
        loss = loss + stirling.masked_fill(t <= 1, 0)
    return _reduced(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Any,  # noqa: A002
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target ~ N(input, var)``: ``(log var + (x - t)²/var)/2``.

    ``var`` has the input's shape, or one dimension fewer (or a last dimension of 1: one
    variance per sample), or is a number. As in PyTorch it is clamped at ``eps`` for the
    value, while its gradient passes as if unclamped. ``full`` adds ``log(2π)/2``.
    """
    _check_reduction(reduction, "gaussian_nll_loss")
    if not isinstance(var, Tensor):
        var = Tensor._make(np.full(input.shape, var, input._data.dtype), False, None)
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not fit "
                             f"input of shape {tuple(input.shape)}")
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    floor = np.maximum(var._data, eps) - var._data  # PyTorch clamps a clone under no_grad
    var = var + Tensor._make(floor, False, None)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)
