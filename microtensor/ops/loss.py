"""Class losses: cross-entropy (index or probability targets) and NLL, one fused node each.

A loss written out of small ops (``log(softmax(x))[t]``) records many nodes and
is unstable: softmax underflows to 0 for a logit 1000 below the maximum and
``log(0) = -inf``. Here each loss is a single Function that works on
log-probabilities from the max-shifted log-softmax, and whose backward is the
closed form, e.g. ``softmax(x) - onehot(t)`` for cross-entropy.

Class losses take input of shape ``(N, C)``, ``(N, C, d1, ...)`` (class scores for
every position, as in segmentation) or ``(C,)`` (one unbatched sample), and
class-index targets of shape ``(N,)``, ``(N, d1, ...)`` or ``()``.

The other families live next door: ``loss_regression`` (mse, l1, smooth L1, Huber, KL,
Poisson, Gaussian), ``loss_binary`` (BCE, soft margins), ``loss_margin`` (ranking and
embedding losses), ``loss_common`` (reductions, checks) and ``linear``. Their public
functions and Functions are re-exported here, where they used to live.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, data_of
from .linear import Linear, linear
from .loss_binary import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
)
from .loss_common import (
    _check_reduction,
    _constant,
    _reduce,
    _upstream,
)
from .loss_regression import L1Loss, MseLoss, l1_loss, mse_loss

__all__ = [
    "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "L1Loss", "Linear", "MseLoss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss",
    "linear", "mse_loss", "nll_loss",
]


class TargetIndexError(ValueError, IndexError):
    """A class-index target outside ``[0, C)``: PyTorch raises ``IndexError``, Python code
    expects ``ValueError``; this is both, so either ``except`` catches it."""


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """``x - max - log Σ exp(x - max)``: finite wherever softmax itself would underflow."""
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    with np.errstate(invalid="ignore"):  # a row of -inf gives nan, as in PyTorch
        s = x - m
    with np.errstate(divide="ignore"):  # no classes: log of an empty sum, for an empty result
        return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


# --------------------------------------------------------------------------- class losses

_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8))


def _class_count(x: np.ndarray, op: str) -> int:
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have a class dimension, shape (C,), (N, C) or "
                         "(N, C, d1, ...), got a 0-d tensor")
    return x.shape[1] if x.ndim >= 2 else x.shape[0]


def _class_weight(weight: Any, n_classes: int, op: str) -> np.ndarray | None:
    w = _constant(weight, "weight", op)
    if w is not None and w.shape != (n_classes,):
        raise ShapeError(f"{op}: weight must have one entry per class, shape ({n_classes},), "
                         f"got shape {w.shape}")
    return w


def _class_indices(x: np.ndarray, t: np.ndarray, n_classes: int, ignore_index: int,
                   op: str) -> np.ndarray:
    """Check an integer target against the input's shape and the class range."""
    if t.dtype not in _INDEX_DTYPES:
        raise DtypeError(f"{op}: class-index target must be int64 (or int32, uint8), got "
                         f"dtype {t.dtype}")
    want = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if t.shape != want:
        hint = " (class probabilities must be a float tensor)" if t.shape == x.shape else ""
        raise ShapeError(f"{op}: target of shape {t.shape} does not fit input of shape "
                         f"{x.shape}: class-index targets need shape {want}{hint}")
    # Two reductions settle the usual case (every target a class); the element-wise test
    # runs only when something lies outside [0, C), which ignore_index may explain.
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    else:
        bad = np.zeros((), bool)
    if bad.any():
        v = t[bad].flat[0]
        raise TargetIndexError(f"{op}: target {v} is out of range for {n_classes} classes "
                               f"(expected a class index in [0, {n_classes - 1}] or "
                               f"ignore_index={ignore_index})")
    return t.astype(np.intp, copy=False)


def _index_weights(t: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                   dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keep, safe targets, w[t] with 0 where ignored); ignored targets point at class 0."""
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    if weight is None:
        wt = keep.astype(dtype)
    elif weight.size == 0:  # no classes: every target is ignored, and weighs 0
        wt = np.zeros(t.shape, dtype)
    else:
        wt = np.where(keep, weight.astype(dtype, copy=False)[safe], 0).astype(dtype, copy=False)
    return keep, safe, wt


def _class_mean_scale(grad: np.ndarray, reduction: str, total: np.ndarray) -> np.ndarray:
    if reduction != "mean":
        return grad
    # Every target ignored (total weight 0): the loss is nan, the gradient 0, as in PyTorch.
    return np.where(total != 0, grad / np.where(total != 0, total, 1), 0).astype(grad.dtype)


def _pick(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a[i, idx[i]]`` for each sample (``idx`` shaped ``(N, 1, ...)``), from the class axis 1.

    With no classes every target was ``ignore_index`` (any other was refused), so there is
    nothing to pick: zeros, which the caller masks anyway.
    """
    if a.shape[1] == 0:
        return np.zeros(idx.shape[:1] + idx.shape[2:], a.dtype)
    return np.take_along_axis(a, idx, 1).squeeze(1)


class CrossEntropy(Function):
    """f(x) = -w_t log softmax(x)_t, ε-smoothed;  df/dx = w_t (softmax(x) - onehot(t)) at ε = 0.

    With label smoothing ε over C classes (and class weights w, Σw their sum)
    the per-sample loss is ``(1-ε) (-w_t log p_t) + ε/C (-Σ_c w_c log p_c)``,
    whose gradient is ``p ((1-ε) w_t + ε/C Σw) - (1-ε) w_t onehot(t) - ε/C w``.
    Ignored samples contribute 0; "mean" divides by Σ w_t over the kept samples.
    As in PyTorch the two terms are reduced separately, and with no classes (C = 0)
    ε/C is inf: the smoothing term, a sum over no classes, is then inf·0 = nan.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        ctx.plain = (weight is None and not label_smoothing and x.ndim == 2
                     and not (target == ignore_index).any())
        if ctx.plain:  # the usual case, in few NumPy calls: -log p_t, grad (p - onehot(t))
            logp = _log_softmax(x, 1)
            rows = np.arange(x.shape[0])
            loss = -logp[rows, target]
            ctx.save_for_backward(logp, x)  # (x: for the composite, below)
            ctx.rows, ctx.target, ctx.reduction = rows, target, reduction
            if reduction == "none":
                return loss
            total = loss.sum()
            if reduction == "sum":
                return total
            with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch: nan
                return total / x.dtype.type(x.shape[0])
        x_in = x
        unbatched = x.ndim == 1
        if unbatched:  # one sample: work on a batch of 1
            x, target = x[None], target[None]
        n_classes = x.shape[1]
        logp = _log_softmax(x, 1)
        keep, safe, wt = _index_weights(target, weight, ignore_index, x.dtype)
        idx = np.expand_dims(safe, 1)
        loss = np.where(keep, -wt * _pick(logp, idx), 0).astype(x.dtype, copy=False)
        # Class weights shaped to broadcast along the class axis (1 when there are none).
        wc = 1 if weight is None else weight.astype(x.dtype).reshape(
            (1, n_classes) + (1,) * (x.ndim - 2))
        total = wt.sum()
        out = _reduce(loss, reduction, total)
        eps = label_smoothing
        if eps:
            smooth = np.where(keep, -(logp * wc).sum(axis=1), 0).astype(x.dtype, copy=False)
            coef = eps / n_classes if n_classes else math.inf  # PyTorch's C++ ε/C
            with np.errstate(invalid="ignore"):
                out = (1 - eps) * out + coef * _reduce(smooth, reduction, total)
        ctx.save_for_backward(logp, x_in)
        ctx.idx, ctx.wt, ctx.wc, ctx.total = idx, wt, wc, total
        ctx.keep = keep.astype(x.dtype)  # a float mask: a bool one would promote to float64
        ctx.reduction, ctx.eps, ctx.unbatched = reduction, eps, unbatched
        return out[0] if unbatched and reduction == "none" else out

    @staticmethod
    def composite(ctx, x, *_):
        """The forward with recorded ops (log_softmax, a gather), for gradients of gradients."""
        if ctx.plain:
            loss = -x.log_softmax(1)[ctx.rows, ctx.target]
            if ctx.reduction == "none":
                return loss
            n = x.dtype.type(x.shape[0])
            return loss.sum() if ctx.reduction == "sum" else loss.sum() / n
        logp = (x.unsqueeze(0) if ctx.unbatched else x).log_softmax(1)
        wt = Tensor._make(ctx.wt, False, None)
        picked = logp.gather(1, Tensor._make(ctx.idx, False, None)).squeeze(1)
        out = _reduce(-(wt * picked), ctx.reduction, ctx.total)  # wt is 0 where ignored
        eps = ctx.eps
        if eps:
            n_classes = logp.shape[1]
            smooth = -(logp * ctx.wc).sum(1) * Tensor._make(ctx.keep, False, None)
            coef = eps / n_classes if n_classes else math.inf
            out = (1 - eps) * out + coef * _reduce(smooth, ctx.reduction, ctx.total)
        return out[0] if ctx.unbatched and ctx.reduction == "none" else out

    @staticmethod
    def backward(ctx, grad):
        logp = ctx.saved_tensors[0]
        if ctx.plain:
            dx = np.exp(logp)  # softmax(x), a fresh array: the rest happens in place
            dx[ctx.rows, ctx.target] -= 1
            if ctx.reduction == "none":
                dx *= grad[:, None]
            else:
                dx *= grad / max(logp.shape[0], 1) if ctx.reduction == "mean" else grad
            return dx, None
        if logp.size == 0:  # no samples or no classes: nothing to differentiate
            dx = np.zeros_like(logp)
            return (dx[0] if ctx.unbatched else dx), None
        eps, wt, keep = ctx.eps, ctx.wt, ctx.keep
        n_classes = logp.shape[1]
        if ctx.unbatched and ctx.reduction == "none":
            grad = grad[None]
        c = np.broadcast_to(_class_mean_scale(grad, ctx.reduction, ctx.total), wt.shape)
        p = np.exp(logp)
        on_p = (1 - eps) * wt
        if eps:
            wsum = n_classes if np.ndim(ctx.wc) == 0 else float(ctx.wc.sum())  # Σ_c w_c
            on_p = on_p + (eps / n_classes) * keep * wsum
        dx = p * np.expand_dims(c * on_p, 1)
        if eps:
            dx = dx - np.expand_dims(c * keep * (eps / n_classes), 1) * ctx.wc
        # The one-hot term: subtract (1-ε) w_t at each sample's target class.
        at_t = np.take_along_axis(dx, ctx.idx, 1) - np.expand_dims(c * (1 - eps) * wt, 1)
        np.put_along_axis(dx, ctx.idx, at_t, 1)
        return (dx[0] if ctx.unbatched else dx), None


class CrossEntropyProb(Function):
    """f(x, q) = -Σ_c w_c q_c log softmax(x)_c;  df/dx = p Σ_c w_c q_c - w q,  df/dq = -w log p.

    Label smoothing ε replaces q by ``(1-ε) q + ε/C`` (so df/dq carries a factor 1-ε);
    "mean" divides by the number of samples, whatever the weights.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, q, weight, reduction, label_smoothing):
        x, q = promote_pair(x, q)
        axis = 1 if x.ndim >= 2 else 0
        n_classes = x.shape[axis]
        logp = _log_softmax(x, axis)
        eps = label_smoothing
        # ε/C is inf with no classes, as PyTorch's C++ division; q is empty then.
        qs = q * (1 - eps) + (eps / n_classes if n_classes else math.inf) if eps else q
        wc = 1
        if weight is not None:
            wc = weight.astype(x.dtype).reshape((n_classes,) + (1,) * (x.ndim - axis - 1))
        wq = qs * wc
        loss = -(wq * logp).sum(axis=axis)
        ctx.save_for_backward(logp, x, q)  # (x, q: for the composite, below)
        ctx.wq, ctx.wc, ctx.axis, ctx.eps, ctx.reduction = wq, wc, axis, eps, reduction
        ctx.n = x.size // n_classes if n_classes else 0
        return _reduce(loss, reduction, ctx.n)

    @staticmethod
    def composite(ctx, x, q, *_):
        """The forward with recorded ops, for gradients of gradients."""
        logp = x.log_softmax(ctx.axis)
        n_classes = x.shape[ctx.axis]
        eps = ctx.eps
        qs = q * (1 - eps) + (eps / n_classes if n_classes else math.inf) if eps else q
        loss = -(qs * ctx.wc * logp).sum(ctx.axis)
        return _reduce(loss, ctx.reduction, ctx.n)

    @staticmethod
    def backward(ctx, grad):
        logp = ctx.saved_tensors[0]
        axis = ctx.axis
        c = _upstream(grad, ctx.reduction, ctx.n)
        if ctx.reduction == "none":
            c = np.expand_dims(c, axis)
        wq = ctx.wq
        dx = c * (np.exp(logp) * wq.sum(axis=axis, keepdims=True) - wq)
        dq = None
        if ctx.needs_input_grad[1]:
            dq = -c * (1 - ctx.eps) * ctx.wc * logp
        return dx, dq


class NllLoss(Function):
    """f(x) = -w_t x_t  (x: log-probabilities, t: the target class);  df/dx = -w_t onehot(t)."""

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        ctx.save_for_backward(x)  # (for the composite, below)
        unbatched = x.ndim == 1
        if unbatched:
            x, target = x[None], target[None]
        keep, safe, wt = _index_weights(target, weight, ignore_index, x.dtype)
        idx = np.expand_dims(safe, 1)
        loss = np.where(keep, -wt * _pick(x, idx), 0).astype(x.dtype, copy=False)
        total = wt.sum()
        ctx.idx, ctx.wt, ctx.total = idx, wt, total
        ctx.shape, ctx.reduction, ctx.unbatched = x.shape, reduction, unbatched
        out = _reduce(loss, reduction, total)
        return out[0] if unbatched and reduction == "none" else out

    @staticmethod
    def composite(ctx, x, *_):
        """The forward with recorded ops (a gather), for gradients of gradients."""
        xb = x.unsqueeze(0) if ctx.unbatched else x
        picked = xb.gather(1, Tensor._make(ctx.idx, False, None)).squeeze(1)
        wt = Tensor._make(ctx.wt, False, None)  # 0 where the target is ignored
        out = _reduce(-(wt * picked), ctx.reduction, ctx.total)
        return out[0] if ctx.unbatched and ctx.reduction == "none" else out

    @staticmethod
    def backward(ctx, grad):
        if ctx.unbatched and ctx.reduction == "none":
            grad = grad[None]
        c = np.broadcast_to(_class_mean_scale(grad, ctx.reduction, ctx.total), ctx.wt.shape)
        dx = np.zeros(ctx.shape, dtype=grad.dtype)
        if dx.size:  # (with no classes there is no entry to put a gradient in)
            np.put_along_axis(dx, ctx.idx, np.expand_dims(-c * ctx.wt, 1), 1)
        return (dx[0] if ctx.unbatched else dx), None


def cross_entropy(input: Tensor, target: Any, weight: Any = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between the softmax of ``input`` (logits) and ``target``.

    Computed from the max-shifted log-softmax, so logits of ±1000 give finite
    losses and gradients.

    Args:
        input: logits, shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: class indices (an integer tensor of shape ``(N,)``, ``(N, d1, ...)`` or
            ``()``, values in ``[0, C)`` or ``ignore_index``), or class probabilities
            (a float tensor of ``input``'s shape; it receives a gradient if it requires one).
        weight: a rescaling weight per class, shape ``(C,)``.
        ignore_index: index targets equal to it contribute nothing; "mean" divides by
            the total weight of the other targets (nan if there are none, as in PyTorch).
            Not allowed with probability targets.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (a loss per sample/position).
        label_smoothing: ε in [0, 1]: the target becomes ``(1-ε) target + ε/C`` uniform.

    Returns:
        A 0-d tensor, or with ``reduction="none"`` the target's shape without classes.
        As in PyTorch, the "mean" of an empty batch is nan (0/0) and its "sum" 0; with
        0 classes a class index is out of range, and label smoothing (ε/C = inf) gives nan.

    Differences from PyTorch: int32 targets are accepted (PyTorch takes int64 and uint8);
    an out-of-range class raises :class:`TargetIndexError`, both a ``ValueError`` and
    PyTorch's ``IndexError``; a float ``weight`` of another precision is cast to the
    input's dtype (PyTorch refuses it).
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    x = input._data
    n_classes = _class_count(x, op)
    w = _class_weight(weight, n_classes, op)
    t = data_of(target)
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise ShapeError(f"{op}: a float target holds class probabilities and must have "
                             f"the input's shape {x.shape}, got {t.shape} (class indices "
                             "must be an integer tensor)")
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index={ignore_index} is not supported for class-"
                             "probability (float) targets")
        if x.dtype.kind != "f":
            raise DtypeError(f"{op}: input must be a floating-point tensor, got {x.dtype}")
        return CrossEntropyProb.apply(input, target if isinstance(target, Tensor) else t, w,
                                      reduction, float(label_smoothing))
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be a floating-point tensor, got {x.dtype}")
    t = _class_indices(x, t, n_classes, ignore_index, op)
    return CrossEntropy.apply(input, t, w, ignore_index, reduction, float(label_smoothing))


def nll_loss(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class-index targets, given log-probabilities ``input``.

    ``nll_loss(log_softmax(x, 1), t)`` equals ``cross_entropy(x, t)``. Shapes, ``weight``,
    ``ignore_index`` and ``reduction`` as :func:`cross_entropy` with index targets.
    """
    op = "nll_loss"
    _check_reduction(reduction, op)
    x = input._data
    n_classes = _class_count(x, op)
    w = _class_weight(weight, n_classes, op)
    t = data_of(target)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be a floating-point tensor, got {x.dtype}")
    t = _class_indices(x, t, n_classes, ignore_index, op)
    return NllLoss.apply(input, t, w, ignore_index, reduction)
