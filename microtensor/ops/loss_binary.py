"""Binary losses: binary cross-entropy on probabilities and on logits (fused, stable), and
the soft-margin losses written over them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import DtypeError, ValueRangeError
from ..tensor import Tensor, data_of
from .loss_common import (
    _broadcasts_to,
    _check_reduction,
    _constant,
    _float_pair,
    _legacy,
    _reduce,
    _reduced,
    _same_shape,
    _upstream,
)

_BCE_EPS = 1e-12  # PyTorch's floor on x (1 - x) in the BCE gradient


class BinaryCrossEntropy(Function):
    """f(x, t) = -w [t log x + (1-t) log(1-x)];  df/dx = w (x-t) / (x (1-x)),  df/dt = -w logit(x).

    As in PyTorch, each log is clamped at -100 (so x = 0 or 1 gives a finite loss)
    and x (1-x) is floored at 1e-12 in df/dx. Gradients of gradients differentiate that
    df/dx exactly; PyTorch's double backward divides by (x+ε)²(1-x+ε)² instead, which
    differs by about 2ε/x relative for probabilities x near 0 (or 1 - x near 0).
    """

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        x, t = promote_pair(x, t)
        with np.errstate(divide="ignore"):
            log_x = np.log(x)
            log_1mx = np.log1p(-x)
        loss = -(t * np.maximum(log_x, -100) + (1 - t) * np.maximum(log_1mx, -100))
        if w is not None:
            w = w.astype(x.dtype, copy=False)
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.w, ctx.reduction = w, reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        c = _upstream(grad, ctx.reduction, np.size(x))
        if ctx.w is not None:
            c = c * ctx.w
        gx = c * (x - t) / np.maximum((1 - x) * x, _BCE_EPS)
        gt = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gt = c * (np.log1p(-x) - np.log(x))  # -logit(x), unclamped as in PyTorch
        return gx, gt, None


class BinaryCrossEntropyWithLogits(Function):
    """f(x, t) = w [(1-t) x + l softplus(-x)], l = 1 + (p-1) t;  df/dx = w (l σ(x) - p t).

    ``softplus(-x) = log(1 + e^(-x))`` is evaluated as ``logaddexp(0, -x)``, so no
    logit overflows; without ``pos_weight`` p = 1 and df/dx = w (σ(x) - t).
    df/dt = w ((p-1) softplus(-x) - x).
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, t, w, pos_weight, reduction):
        x, t = promote_pair(x, t)
        sp = np.logaddexp(0, -x)
        if pos_weight is None:
            loss = (1 - t) * x + sp
        else:
            pos_weight = pos_weight.astype(x.dtype, copy=False)
            loss = (1 - t) * x + ((pos_weight - 1) * t + 1) * sp
        if w is not None:
            w = w.astype(x.dtype, copy=False)
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.sp, ctx.w, ctx.pw, ctx.reduction = sp, w, pos_weight, reduction
        return _reduce(loss, reduction)

    @staticmethod
    def composite(ctx, x, t, *_):
        """The forward with recorded ops, for gradients of gradients."""
        from .activation import softplus

        sp = softplus(-x, 1.0, math.inf)  # log(1 + e^-x) everywhere, as logaddexp
        loss = (1 - t) * x + (sp if ctx.pw is None else ((ctx.pw - 1) * t + 1) * sp)
        if ctx.w is not None:
            loss = loss * ctx.w
        return _reduce(loss, ctx.reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        c = _upstream(grad, ctx.reduction, x.size)
        if ctx.w is not None:
            c = c * ctx.w
        e = np.exp(-np.abs(x))  # a stable sigmoid: e is in (0, 1]
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        pw = ctx.pw
        if pw is None:
            gx = c * (sig - t)
            gt = -c * x if ctx.needs_input_grad[1] else None
        else:
            gx = c * (((pw - 1) * t + 1) * sig - pw * t)
            gt = c * ((pw - 1) * ctx.sp - x) if ctx.needs_input_grad[1] else None
        return gx, gt, None, None


def _binary_operands(input: Tensor, target: Any, op: str) -> tuple[np.ndarray, np.ndarray]:  # noqa: A002
    x, t = data_of(input), data_of(target)
    _float_pair(x, t, op)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be a floating-point tensor, got {x.dtype}")
    _same_shape(x, t, op)
    return x, t


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (same shape).

    ``-w [t log x + (1-t) log(1-x)]`` with each log clamped at -100, as PyTorch. Prefer
    :func:`binary_cross_entropy_with_logits` on logits: it is stable without clamping.

    Args:
        input: probabilities in [0, 1] (anything else raises ``ValueError``).
        target: same shape as ``input``, values in [0, 1] (anything else, nan included,
            raises ``ValueError``, as PyTorch's check does); receives a gradient if it
            requires one.
        weight: rescales each element; must broadcast to ``input``'s shape.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Difference from PyTorch: a target of another float dtype is promoted with the input
    (PyTorch refuses it).
    """
    op = "binary_cross_entropy"
    _check_reduction(reduction, op)
    x, t = _binary_operands(input, target, op)
    if not ((x >= 0) & (x <= 1)).all():
        bad = x[~((x >= 0) & (x <= 1))].flat[0]
        raise ValueRangeError(f"{op}: all elements of input should be probabilities in [0, 1], "
                         f"found {bad} (use binary_cross_entropy_with_logits for logits)")
    if not ((t >= 0) & (t <= 1)).all():  # PyTorch checks the target too (nan fails both)
        bad = t[~((t >= 0) & (t <= 1))].flat[0]
        raise ValueRangeError(f"{op}: all elements of target should be between 0 and 1, "
                              f"found {bad}")
    w = _constant(weight, "weight", op)
    if w is not None:
        _broadcasts_to(w, x.shape, "weight", op)
    return BinaryCrossEntropy.apply(input, target, w, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,  # noqa: A002
                                     reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy on logits: ``binary_cross_entropy(sigmoid(input), target)``, stably.

    Args:
        input: logits, any shape.
        target: same shape as ``input`` (values in [0, 1]); receives a gradient if it
            requires one.
        weight: rescales each element; must broadcast to ``input``'s shape.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: weight of the positive term ``t log σ(x)``, broadcast along the last
            dimension (one per class, shape ``(C,)``); > 1 raises recall.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    x, _ = _binary_operands(input, target, op)
    w = _constant(weight, "weight", op)
    if w is not None:
        _broadcasts_to(w, x.shape, "weight", op)
    pw = _constant(pos_weight, "pos_weight", op)
    if pw is not None:
        _broadcasts_to(pw, x.shape, "pos_weight", op)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)


# --------------------------------------------------------------------------- soft margins


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss for targets ±1: ``log(1 + exp(-y·x))``, averaged."""
    from .activation import softplus

    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    return _reduced(softplus(-target * input, 1.0, math.inf), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Any = None,  # noqa: A002
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-vs-all loss of logits ``(N, C)`` and 0/1 targets: per sample,
    ``-mean_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)]``."""
    from .activation_extra import logsigmoid

    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    dim = 1 if input.ndim > 1 else 0
    loss = loss.sum(dim) / input.shape[dim]
    return _reduced(loss, reduction)
