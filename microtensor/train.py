"""Helpers for training loops. For now: :class:`EarlyStopping`.

Early stopping is regularization by the calendar: a model that keeps fitting its
training data eventually fits its noise, and the validation loss turns back up. Stop
when it has not improved for ``patience`` epochs, and keep the weights of the best
epoch rather than the last one.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["EarlyStopping"]


def _snapshot(obj: Any) -> Any:
    """A deep copy of a state dict: arrays copied, nested dicts/lists rebuilt."""
    if isinstance(obj, Tensor):
        return Tensor._make(obj.data.copy(), False, None)
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, dict):
        return type(obj)((k, _snapshot(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_snapshot(v) for v in obj)
    return copy.deepcopy(obj)


class EarlyStopping:
    """Stop training once a monitored metric stops improving; remember the best state.

    Call :meth:`step` once per epoch with the validation metric (and the model); it
    returns ``True`` when training should stop::

        stopper = EarlyStopping(patience=5)
        for epoch in range(200):
            train_one_epoch(model, optimizer)
            if stopper.step(validation_loss(model), model):
                break                # the best weights are back in `model`

    A value improves on the best so far if it is lower by more than ``min_delta`` (mode
    ``"min"``, for a loss) or higher by more than ``min_delta`` (mode ``"max"``, for an
    accuracy); NaN never improves. Each improvement stores a deep copy of
    ``model.state_dict()`` in memory (``best_state``). After ``patience`` epochs in a row
    without improvement, :meth:`step` returns ``True``, sets ``should_stop``, and, with
    ``restore_best``, loads ``best_state`` back into the model. ``model`` can be any object
    with ``state_dict()`` / ``load_state_dict()`` (a Module, an optimizer, your own class).

    Args:
        patience: epochs without improvement to tolerate (0 behaves like 1: stop at the
            first epoch that does not improve).
        min_delta: ≥ 0, the margin an improvement must beat.
        mode: ``"min"`` or ``"max"``.
        restore_best: load the best state back into the model when stopping.

    Attributes:
        best: the best metric so far (``inf`` / ``-inf`` before the first step).
        best_epoch: the 0-based index of the :meth:`step` call that gave ``best``
            (``None`` before the first step).
        num_bad_epochs: calls since the last improvement.
        should_stop: whether :meth:`step` has asked to stop.
        best_state: the saved copy of the best state dict (``None`` without a model).
        epoch: how many times :meth:`step` has been called.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best: bool = True) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best = bool(restore_best)
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: Any = None
        self.num_bad_epochs = 0
        self.should_stop = False
        self.epoch = 0

    def is_better(self, value: float) -> bool:
        """Whether ``value`` beats :attr:`best` by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, metric: Any, model: Any = None) -> bool:
        """Record one epoch's metric (a number or a one-element Tensor); ``True`` means stop.

        Args:
            metric: the monitored value for this epoch.
            model: an object with ``state_dict()`` / ``load_state_dict()`` whose best
                state to keep (optional).
        """
        if model is not None and not (hasattr(model, "state_dict")
                                      and hasattr(model, "load_state_dict")):
            raise TypeError(f"EarlyStopping.step: model must have state_dict() and "
                            f"load_state_dict(), got {type(model).__name__}")
        value = float(metric)
        index = self.epoch
        self.epoch += 1
        if self.is_better(value):
            self.best = value
            self.best_epoch = index
            self.num_bad_epochs = 0
            if model is not None:
                self.best_state = _snapshot(model.state_dict())
            return self.should_stop
        self.num_bad_epochs += 1
        if self.num_bad_epochs >= self.patience:
            self.should_stop = True
            if self.restore_best and model is not None:
                self.restore(model)
        return self.should_stop

    def restore(self, model: Any) -> None:
        """Load the best state seen so far into ``model`` (e.g. when training ran to the end
        without stopping). Does nothing if no state was saved."""
        if self.best_state is not None:
            model.load_state_dict(_snapshot(self.best_state))

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, best={self.best}, best_epoch={self.best_epoch}, "
                f"num_bad_epochs={self.num_bad_epochs}, should_stop={self.should_stop})")
