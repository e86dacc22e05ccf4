"""What every loss shares: the reductions, the upstream gradient, and the argument checks.

``reduction`` is ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per
element, or per sample for the class losses), as in PyTorch. Weights (``weight``,
``pos_weight``) are constants: no gradient is defined for them, and, as in PyTorch,
passing one that requires grad is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import is_grad_enabled
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


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


def _legacy(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's translation of the deprecated flags (``None`` both: ``reduction`` as given)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
