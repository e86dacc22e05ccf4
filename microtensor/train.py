"""Training loops: :func:`fit`, its callback protocol, and :class:`EarlyStopping`.

``fit(model, train_loader, loss_fn, optimizer, epochs)`` is the loop every example would
otherwise write by hand (zero_grad, forward, loss, backward, step), plus what a person
watching it wants: per-epoch metrics in a :class:`History`, validation, a learning-rate
schedule, callbacks, a progress bar, a :class:`~microtensor.monitor.GradientMonitor`, and
a Ctrl-C that stops cleanly after the current batch.

Early stopping is regularization by the calendar: a model that keeps fitting its
training data eventually fits its noise, and the validation loss turns back up. Stop
when it has not improved for ``patience`` epochs, and keep the weights of the best
epoch rather than the last one.
"""

from __future__ import annotations

import copy
import math
import signal
import sys
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from .autograd import no_grad
from .optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau
from .tensor import Tensor, tensor

__all__ = ["Callback", "EarlyStopping", "History", "fit"]


def _snapshot(obj: Any) -> Any:
    """A deep copy of a state dict: arrays copied, nested dicts/lists rebuilt."""
    if isinstance(obj, Tensor):
        return Tensor._make(obj._data.copy(), False, None)
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

    As a :func:`fit` callback (``fit(..., callbacks=[EarlyStopping(patience=3)])``) it
    watches ``monitor`` in each epoch's logs: by default ``"val_loss"`` when there is a
    validation loader, else ``"loss"``; for ``"val_accuracy"`` pass ``mode="max"`` too.

    Args:
        patience: epochs without improvement to tolerate (0 behaves like 1: stop at the
            first epoch that does not improve).
        min_delta: ≥ 0, the margin an improvement must beat.
        mode: ``"min"`` or ``"max"``.
        restore_best: load the best state back into the model when stopping.
        monitor: the key of the epoch logs to watch when used as a :func:`fit` callback.

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
                 restore_best: bool = True, monitor: str | None = None) -> None:
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
        self.monitor = monitor
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

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Any) -> bool:
        """The :func:`fit` callback: :meth:`step` with the monitored value of ``logs``."""
        key = self.monitor or ("val_loss" if "val_loss" in logs else "loss")
        if key not in logs:
            raise KeyError(f"EarlyStopping: the epoch logs have no {key!r}; they have "
                           f"{', '.join(sorted(logs))}")
        return self.step(logs[key], model)

    def restore(self, model: Any) -> None:
        """Load the best state seen so far into ``model`` (e.g. when training ran to the end
        without stopping). Does nothing if no state was saved."""
        if self.best_state is not None:
            model.load_state_dict(_snapshot(self.best_state))

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, best={self.best}, best_epoch={self.best_epoch}, "
                f"num_bad_epochs={self.num_bad_epochs}, should_stop={self.should_stop})")


class Callback:
    """The callback protocol of :func:`fit`. Subclass it and override what you need, or pass
    any object with some of these methods (a missing method is simply not called).

    A method that returns ``True`` asks :func:`fit` to stop: ``on_epoch_end`` after the
    epoch (it is recorded), ``on_batch_end`` after the batch (the unfinished epoch is not
    recorded). :class:`EarlyStopping` is a callback through its ``on_epoch_end``.
    """

    def on_train_begin(self, model: Any) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, epoch: int, model: Any) -> None:
        """Before epoch ``epoch`` (0-based), after ``model.train()``."""

    def on_batch_end(self, step: int, logs: dict[str, float], model: Any) -> bool | None:
        """After the optimizer step (and the monitor's) of global step ``step``; ``logs``
        has ``epoch``, ``batch`` (index in the epoch), ``loss`` and ``lr``."""
        return None

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Any) -> bool | None:
        """After validation and the scheduler step; ``logs`` is the epoch's row of the
        :class:`History` (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``)."""
        return None

    def on_train_end(self, history: History, model: Any) -> None:
        """After the last epoch, an early stop or a Ctrl-C (not after an exception)."""


class History(dict):
    """What :func:`fit` returns: a dict of per-epoch lists, ``history["loss"][-1]``.

    Keys, in this order, each present only when measured: ``loss``, ``accuracy`` (when the
    outputs are ``(N, C)`` scores and the targets ``(N,)`` class indices), ``val_loss``,
    ``val_accuracy`` (with a validation loader), ``lr`` (the first parameter group's
    learning rate during the epoch). Losses are means over the epoch's samples.

    Attributes:
        batch_loss: the loss of every training batch, in order (the noisy curve that
            shows full-batch vs mini-batch vs single-sample gradient descent); it also
            holds the batches of an epoch cut short.
        stopped_early: a callback asked to stop.
        interrupted: Ctrl-C stopped training (the epoch it cut short is not recorded).
    """

    def __init__(self) -> None:
        super().__init__()
        self.batch_loss: list[float] = []
        self.stopped_early = False
        self.interrupted = False

    @property
    def epochs(self) -> int:
        """How many epochs completed (and were recorded)."""
        return len(self.get("loss", []))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.items() if v)
        flags = "".join([", stopped_early" if self.stopped_early else "",
                         ", interrupted" if self.interrupted else ""])
        return f"History(epochs={self.epochs}{', ' if last else ''}{last}{flags})"


class _SigintGuard:
    """During :func:`fit`, a first Ctrl-C only sets ``requested`` (training stops after the
    current batch); a second raises KeyboardInterrupt as usual. Installed only in the main
    thread (the only one Python delivers signals to); the previous handler comes back on
    exit."""

    def __init__(self, announce: Any) -> None:
        self.requested = False
        self._announce = announce
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _SigintGuard:
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except (ValueError, OSError):  # e.g. a sub-interpreter
                pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self._announce()

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            previous = self._previous if self._previous is not None else signal.SIG_DFL
            signal.signal(signal.SIGINT, previous)


def _call(callbacks: list, name: str, *args: Any) -> bool:
    """Call ``name`` on every callback that has it; True if any asked to stop."""
    stop = False
    for cb in callbacks:
        method = getattr(cb, name, None)
        if method is not None and method(*args):
            stop = True
    return stop


def _unpack(batch: Any) -> tuple[Tensor, Tensor]:
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise TypeError(f"fit: each batch must be (inputs, targets), got "
                        f"{type(batch).__name__}"
                        f"{f' of length {len(batch)}' if isinstance(batch, (tuple, list)) else ''}")
    x, y = batch
    return (x if isinstance(x, Tensor) else tensor(x)), (y if isinstance(y, Tensor) else tensor(y))


def _correct(out: Any, y: Tensor) -> int | None:
    """Right argmax predictions, or None when this is not a classification batch."""
    if not (isinstance(out, Tensor) and out.ndim == 2 and y.ndim == 1
            and y._data.dtype.kind in "iu" and out.shape[0] == y.shape[0]):
        return None
    return int(np.count_nonzero(out._data.argmax(axis=1) == y._data))


def _lr(optimizer: Any) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _is_last_batch(loader: Any, batch_index: int) -> bool:
    """Whether ``batch_index`` was the loader's last batch (so the epoch is complete)."""
    return hasattr(loader, "__len__") and batch_index + 1 == len(loader)


def _evaluate(model: Any, loader: Any, loss_fn: Any, guard: _SigintGuard) -> dict | None:
    """Mean loss (and accuracy) over ``loader`` in eval mode; None if Ctrl-C cut it short."""
    model.eval()
    total, seen, correct, classify = 0.0, 0, 0, True
    try:
        with no_grad():
            for batch in loader:
                x, y = _unpack(batch)
                out = model(x)
                n = y.shape[0] if y.ndim else 1
                total += float(loss_fn(out, y).item()) * n
                seen += n
                c = _correct(out, y) if classify else None
                classify = c is not None
                correct += c or 0
                if guard.requested:
                    return None
    finally:
        model.train()
    if seen == 0:
        raise ValueError("fit: val_loader yielded no batches")
    logs = {"val_loss": total / seen}
    if classify:
        logs["val_accuracy"] = correct / seen
    return logs


def _postfix(logs: dict[str, float]) -> str:
    names = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss",
             "val_accuracy": "val_acc", "lr": "lr"}
    return ", ".join(f"{names.get(k, k)}={v:.4g}" for k, v in logs.items())


def fit(model: Any, train_loader: Iterable, loss_fn: Any, optimizer: Any, epochs: int,
        val_loader: Iterable | None = None, scheduler: Any = None,
        callbacks: Iterable[Any] = (), monitor: Any = None,
        progress: bool = True) -> History:
    """Train ``model`` for ``epochs`` epochs; return the per-epoch metrics.

    Each epoch: ``model.train()``; for every ``(x, y)`` batch ``optimizer.zero_grad()``,
    ``loss = loss_fn(model(x), y)``, ``loss.backward()``, ``optimizer.step()``, then
    ``monitor.step()``; then, with ``val_loader``, the mean loss (and accuracy) in
    ``model.eval()`` under ``no_grad``; then ``scheduler.step()`` —
    ``ReduceLROnPlateau`` gets the validation loss (the training loss without a
    validation loader), ``OneCycleLR`` is stepped after every batch instead, as PyTorch
    prescribes; then the callbacks' ``on_epoch_end``. The model's train/eval mode is
    restored at the end.

    Ctrl-C (SIGINT) stops training after the current batch and returns the history so far
    (a second Ctrl-C aborts at once with KeyboardInterrupt). Only the main thread
    installs this handler; the previous one is restored on return.

    Args:
        model: the Module to train.
        train_loader: an iterable of ``(inputs, targets)`` batches, e.g. a DataLoader.
        loss_fn: ``loss_fn(outputs, targets)`` → a one-element Tensor.
        optimizer: the optimizer over the model's parameters.
        epochs: how many passes over ``train_loader``.
        val_loader: batches to evaluate on after each epoch (optional).
        scheduler: a learning-rate scheduler on ``optimizer`` (optional).
        callbacks: objects following the :class:`Callback` protocol, e.g.
            :class:`EarlyStopping` (stopping restores its best weights).
        monitor: a :class:`~microtensor.monitor.GradientMonitor` on ``model``; given the
            optimizer if it has none.
        progress: a tqdm bar per epoch on stderr with the running loss and the lr; with
            ``False`` nothing is printed.

    Returns:
        A :class:`History`: ``history["loss"]``, ``["accuracy"]``, ``["val_loss"]``,
        ``["val_accuracy"]``, ``["lr"]``, one value per completed epoch.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable, got {type(loss_fn).__name__}")
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"fit: optimizer must be an optimizer with param_groups, got "
                        f"{type(optimizer).__name__}")
    callbacks = list(callbacks)
    history = History()
    if monitor is not None and getattr(monitor, "optimizer", False) is None:
        monitor.optimizer = optimizer
    per_batch_schedule = isinstance(scheduler, OneCycleLR)
    make_bar = None
    if progress:
        from tqdm import tqdm as make_bar

    def announce() -> None:
        if progress:
            make_bar.write("Interrupted: stopping after this batch (Ctrl-C again to abort now)",
                           file=sys.stderr)

    was_training = model.training
    step = 0
    bar = None
    with _SigintGuard(announce) as guard:
        try:
            _call(callbacks, "on_train_begin", model)
            for epoch in range(int(epochs)):
                if guard.requested:  # Ctrl-C between epochs (e.g. in a callback)
                    history.interrupted = True
                    break
                model.train()
                _call(callbacks, "on_epoch_begin", epoch, model)
                lr = _lr(optimizer)
                if progress:
                    total = len(train_loader) if hasattr(train_loader, "__len__") else None
                    bar = make_bar(total=total, desc=f"epoch {epoch + 1}/{epochs}",
                                   unit="batch", leave=True, file=sys.stderr,
                                   dynamic_ncols=True)
                loss_sum, seen, correct, classify = 0.0, 0, 0, True
                finished, stop = True, False
                for batch_index, batch in enumerate(train_loader):
                    x, y = _unpack(batch)
                    optimizer.zero_grad()
                    out = model(x)
                    loss = loss_fn(out, y)
                    loss.backward()
                    optimizer.step()
                    if monitor is not None:
                        monitor.step()
                    if per_batch_schedule:
                        scheduler.step()
                    value = float(loss.item())
                    n = y.shape[0] if y.ndim else 1
                    loss_sum += value * n
                    seen += n
                    c = _correct(out, y) if classify else None
                    classify = c is not None
                    correct += c or 0
                    history.batch_loss.append(value)
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix_str(f"loss={loss_sum / seen:.4g}, "
                                            f"lr={_lr(optimizer):.3g}", refresh=False)
                    stop = _call(callbacks, "on_batch_end", step,
                                 {"epoch": epoch, "batch": batch_index, "loss": value,
                                  "lr": _lr(optimizer)}, model)
                    step += 1
                    if stop or guard.requested:
                        finished = _is_last_batch(train_loader, batch_index)
                        break
                if seen == 0:
                    raise ValueError("fit: train_loader yielded no batches")
                logs = {"loss": loss_sum / seen}
                if classify:
                    logs["accuracy"] = correct / seen
                if finished and val_loader is not None and not guard.requested:
                    val = _evaluate(model, val_loader, loss_fn, guard)
                    logs.update(val or {})
                if not finished or guard.requested:
                    history.interrupted = guard.requested
                    history.stopped_early = stop
                    break
                logs["lr"] = lr
                for key, v in logs.items():
                    history.setdefault(key, []).append(v)
                if scheduler is not None and not per_batch_schedule:
                    if isinstance(scheduler, ReduceLROnPlateau):
                        scheduler.step(logs.get("val_loss", logs["loss"]))
                    else:
                        scheduler.step()
                if bar is not None:
                    bar.set_postfix_str(_postfix(logs))
                    bar.close()
                    bar = None
                if _call(callbacks, "on_epoch_end", epoch, logs, model) or stop:
                    history.stopped_early = True
                    break
        finally:
            if bar is not None:
                bar.close()
            model.train(was_training)
    _call(callbacks, "on_train_end", history, model)
    return history

