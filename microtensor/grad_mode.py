"""Grad mode: whether ops record the graph, per thread.

``no_grad()``, ``enable_grad()``, ``set_grad_enabled(mode)`` and ``inference_mode()``
switch it, as context managers or decorators; ``Function.apply`` reads it on every op.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "no_grad", "set_grad_enabled"]


class _GradMode(threading.local):
    # A thread-local flag: no_grad in one thread must not switch off recording in another.
    enabled = True
    inference = False  # inside inference_mode()


_mode = _GradMode()

# How many threads have recording switched off right now. Function.apply runs for every op
# and reading a thread-local costs about as much as a small op's arithmetic: while this is
# 0 (the usual case: every thread records) it knows recording is on without the read.
_threads_off = [0]
_threads_off_lock = threading.Lock()


def _set_enabled(mode: bool) -> None:
    """Switch recording for the calling thread, keeping ``_threads_off`` in step."""
    if mode != _mode.enabled:
        with _threads_off_lock:
            _threads_off[0] += -1 if mode else 1
        _mode.enabled = mode


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return _mode.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    _value: bool = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(_mode.enabled)
        _set_enabled(self._value)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(self._prev.pop())

    def _fresh(self) -> _GradModeContext:
        return type(self)()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Switch off graph recording: ``with no_grad(): ...`` or ``@no_grad()`` (or bare ``@no_grad``).

    Ops inside produce tensors with ``requires_grad=False``; this is how
    optimizers update parameters in place.
    """

    _value = False

    def __new__(cls, orig_func: Callable | None = None):
        self = super().__new__(cls)
        if orig_func is not None:  # used as a bare decorator: @no_grad
            self.__init__()
            return self(orig_func)
        return self

    def __init__(self, orig_func: Callable | None = None) -> None:
        super().__init__()


class enable_grad(no_grad):
    """Switch graph recording back on inside a ``no_grad`` block (context manager or decorator)."""

    _value = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once (a plain call works too);
    as a context manager or decorator it restores the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._value = bool(mode)
        self._prev.append(_mode.enabled)
        _set_enabled(self._value)

    def __enter__(self) -> None:
        pass  # the switch already happened in __init__, as in PyTorch

    def _fresh(self) -> _GradModeContext:
        return _SetGradScope(self._value)

    def __call__(self, fn: Callable) -> Callable:
        _set_enabled(self._prev.pop())  # decorating must not change the mode now
        return super().__call__(fn)


class _SetGradScope(_GradModeContext):
    def __init__(self, value: bool) -> None:
        super().__init__()
        self._value = value


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block (of the calling thread)."""
    return _mode.inference


class inference_mode(_GradModeContext):
    """``with inference_mode(): ...``, ``@inference_mode()`` or bare ``@inference_mode``:
    recording off, as :class:`no_grad`; ``inference_mode(False)`` changes nothing.

    Differs from PyTorch: the tensors made inside are ordinary tensors made with recording
    off (``is_inference()`` is False), so using them later in a recorded graph is allowed
    here, where PyTorch raises; PyTorch's speed-up (no version counters) has no
    counterpart in NumPy.
    """

    def __new__(cls, mode: bool | Callable = True):
        self = super().__new__(cls)
        if callable(mode):  # used as a bare decorator: @inference_mode
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode: bool | Callable = True) -> None:
        super().__init__()
        self.mode = True if callable(mode) else bool(mode)
        self._inference_prev: list[bool] = []

    def __enter__(self) -> None:
        self._inference_prev.append(_mode.inference)
        self._prev.append(_mode.enabled)
        if self.mode:
            _mode.inference = True
            _set_enabled(False)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(self._prev.pop())
        _mode.inference = self._inference_prev.pop()

    def _fresh(self) -> _GradModeContext:
        return inference_mode(self.mode)

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)
