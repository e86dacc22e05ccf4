"""Fused losses and ``linear``: one node each, with a hand-derived, numerically stable backward.

A loss written out of small ops (``log(softmax(x))[t]``) records many nodes and
is unstable: softmax underflows to 0 for a logit 1000 below the maximum and
``log(0) = -inf``. Here each loss is a single Function that works on
log-probabilities from the max-shifted log-softmax, and whose backward is the
closed form, e.g. ``softmax(x) - onehot(t)`` for cross-entropy.

``reduction`` is ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per
element, or per sample for the class losses), as in PyTorch.

Class losses (``cross_entropy``, ``nll_loss``) take input of shape ``(N, C)``,
``(N, C, d1, ...)`` (class scores for every position, as in segmentation) or
``(C,)`` (one unbatched sample), and class-index targets of shape ``(N,)``,
``(N, d1, ...)`` or ``()``.

Weights (``weight``, ``pos_weight``) are constants: no gradient is defined for
them, and, as in PyTorch, passing one that requires grad is an error.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..dtypes import promote_pair
from ..errors import DtypeError, ShapeError, ValueRangeError
from ..tensor import Tensor, data_of

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss",
    "linear", "mse_loss", "nll_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


class TargetIndexError(ValueError, IndexError):
    """A class-index target outside ``[0, C)``: PyTorch raises ``IndexError``, Python code
    expects ``ValueError``; this is both, so either ``except`` catches it."""


# --------------------------------------------------------------------------- shared helpers


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """``x - max - log Σ exp(x - max)``: finite wherever softmax itself would underflow."""
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    with np.errstate(invalid="ignore"):  # a row of -inf gives nan, as in PyTorch
        s = x - m
    with np.errstate(divide="ignore"):  # no classes: log of an empty sum, for an empty result
        return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _reduce(loss: np.ndarray, reduction: str, n: Any = None) -> np.ndarray:
    """Apply ``reduction``; "mean" divides the sum by ``n`` (default: every element; the
    class losses pass the kept samples' total weight, whose 0 gives nan)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan
        return total / (np.size(loss) if n is None else n)  # (np.size: a Tensor too)


def _upstream(grad: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """The upstream gradient of each unreduced loss element (a 0-d array for mean and sum)."""
    if reduction != "mean":
        return grad
    with np.errstate(invalid="ignore", divide="ignore"):  # n = 0: there is no element to reach
        return grad / n


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _constant(w: Any, name: str, op: str) -> np.ndarray | None:
    """A weight argument as an array; weights get no gradient, so one requiring grad is refused."""
    if w is None:
        return None
    if isinstance(w, Tensor):
        if w.requires_grad and is_grad_enabled():
            raise RuntimeError(f"{op}: {name} requires grad, but {op} is not differentiable "
                               f"with respect to {name} (as in PyTorch); pass {name}.detach()")
        return w._data
    return np.asarray(w)


def _float_pair(a: np.ndarray, b: np.ndarray, op: str) -> None:
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        raise DtypeError(f"{op}: expected floating-point tensors, got dtypes {a.dtype} and "
                         f"{b.dtype}")


def _same_shape(x: np.ndarray, t: np.ndarray, op: str) -> None:
    if t.shape != x.shape:
        raise ShapeError(f"{op}: target of shape {t.shape} must have the input's shape "
                         f"{x.shape}")


def _broadcastable(shape: tuple, target: tuple) -> bool:
    """Does an array of ``shape`` broadcast to ``target`` (without growing it)?"""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _broadcasts_to(w: np.ndarray, shape: tuple, name: str, op: str) -> None:
    if not _broadcastable(w.shape, shape):
        raise ShapeError(f"{op}: {name} of shape {w.shape} cannot be broadcast to the input's "
                         f"shape {shape}")


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


# --------------------------------------------------------------------------- regression losses


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
        raise ShapeError(f"{op}: weight of shape {w.shape} must have the input's shape "
                         f"{input.shape}")
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


# --------------------------------------------------------------------------- binary losses

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


# --------------------------------------------------------------------------- linear


class Linear(Function):
    """f(x, W, b) = x Wᵀ + b;  df/dx = G W,  df/dW = Gᵀ x,  df/db = Σ G  (G = upstream gradient).

    The batch axes of x are flattened for df/dW and df/db; a gradient nobody needs
    (``ctx.needs_input_grad``) is not computed, which saves a matmul for frozen layers
    and for the first layer's input.
    """

    @staticmethod
    def forward(ctx, x, w, b):
        # The shape checks that matmul and the in-place add make anyway are left to them
        # (they raise ValueError, turned into our message): this runs once per layer per step.
        if w.ndim != 2:
            raise _linear_shape_error(x, w)
        if x.dtype is not w.dtype:
            x, w = promote_pair(x, w)
        try:
            out = x @ w.T
        except ValueError:  # x is 0-d, or its last dim is not in_features
            raise _linear_shape_error(x, w) from None
        if b is not None:
            if b.ndim != 1:
                _check_linear_bias(b, w)
            if b.dtype is not out.dtype:
                out, b = promote_pair(out, b)
            try:
                out += b  # out is ours: add the bias in place
            except ValueError:  # a 1-d bias whose length is neither out_features nor 1
                _check_linear_bias(b, w)
                raise
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if grad.ndim != 2:  # flatten the batch axes: (batch, out_features), (batch, in_features)
            # The batch size is spelled out: NumPy cannot infer a -1 next to a 0-size axis.
            batch = math.prod(grad.shape[:-1])
            x = x.reshape(batch, x.shape[-1])
            g2 = grad.reshape(batch, grad.shape[-1])
        else:
            g2 = grad
        gx = grad @ w if need_x else None
        gw = g2.T @ x if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """The affine map of a fully connected layer: ``input @ weight.T + bias``.

    Args:
        input: shape ``(*, in_features)``.
        weight: shape ``(out_features, in_features)``.
        bias: shape ``(out_features,)`` (anything that broadcasts to it), or ``None``.

    Returns:
        Shape ``(*, out_features)``.

    Difference from PyTorch: ``weight`` must be 2-D, and mixed float dtypes are promoted
    as ``matmul`` does (PyTorch refuses them).
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)
            and (bias is None or isinstance(bias, Tensor))):
        for name, value in (("input", input), ("weight", weight), ("bias", bias)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"linear: {name} must be a Tensor, not {type(value).__name__}")
    return Linear.apply(input, weight, bias)  # Linear.forward checks the shapes


def _linear_shape_error(x: np.ndarray, w: np.ndarray) -> ShapeError:
    if x.ndim == 0:
        return ShapeError("linear: input must have at least 1 dimension (*, in_features), "
                          "got a 0-d tensor")
    if w.ndim != 2:
        return ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                          f"{w.shape}")
    return ShapeError(f"linear: input of shape {x.shape} has {x.shape[-1]} in_features (its "
                      f"last dim) but weight of shape {w.shape} expects in_features="
                      f"{w.shape[1]}")


def _check_linear_bias(b: np.ndarray, w: np.ndarray) -> None:
    # A bias that is not exactly (out_features,) must still broadcast to it.
    out = (w.shape[0],)
    if not _broadcastable(b.shape, out):
        raise ShapeError(f"linear: bias of shape {b.shape} does not match out_features="
                         f"{w.shape[0]} (expected shape {out})")
