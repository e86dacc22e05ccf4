"""Loss modules: each a Module around one fused loss of :mod:`microtensor.nn.functional`.

``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, target)``. Constructor
arguments (``reduction``, ``weight``, ``ignore_index`` ...) are PyTorch's; class
weights are registered as buffers (so they follow ``.double()`` and appear in
``state_dict()``), as in PyTorch. The formulas and shapes are documented on the
functions (``F.cross_entropy`` ...).

The deprecated ``size_average``/``reduce`` arguments are translated to
``reduction`` with PyTorch's warning, so old code still runs.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor, tensor
from . import functional as F
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """PyTorch's translation of the old flags into ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=4)
    return reduction


def _as_buffer(value: Any) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    return tensor(value)


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_buffer(weight))


class MSELoss(_Loss):
    """Mean squared error: ``mean((input - target)²)`` (or ``"sum"``, ``"none"``)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``mean(|input - target|)`` (or ``"sum"``, ``"none"``)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy of raw logits ``(N, C)`` (or ``(N, C, d...)``, ``(C,)``) against
    class indices (int64) or class probabilities.

    Args:
        weight: a ``(C,)`` rescaling weight per class.
        ignore_index: targets with this value contribute nothing (and are not counted
            by ``"mean"``).
        reduction: ``"mean"`` (weighted mean over the targets), ``"sum"`` or ``"none"``.
        label_smoothing: mix the targets with the uniform distribution by this amount.
    """

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (``LogSoftmax`` output) against class
    indices; ``LogSoftmax`` + ``NLLLoss`` equals ``CrossEntropyLoss``. Arguments as there."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (a ``Sigmoid`` output):
    ``-w·(t·log(x) + (1 - t)·log(1 - x))``, logs clamped at -100 as PyTorch.
    Prefer :class:`BCEWithLogitsLoss`, which is stable for large logits."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable op, on raw logits.

    Args:
        weight: rescaling weight, broadcast against the input.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: weight of the positive term per class (> 1 raises recall).
    """

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
