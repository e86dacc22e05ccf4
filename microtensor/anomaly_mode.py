"""Anomaly mode: find the op behind a NaN, as ``torch.autograd.detect_anomaly``.

With the mode on (per thread, like grad mode):

1. every node recorded keeps the traceback of the forward call that created it
   (the caller's frames: microtensor's own are left out), see :func:`forward_traceback`;
2. when a node's backward fails (an exception in its formula, a saved array
   modified in place, a gradient of the wrong shape ...), a ``UserWarning``
   ``Error detected in MulBackward0. Traceback of forward call that caused the
   error: ...`` comes first, then the error, as in PyTorch;
3. with ``check_nan=True`` (the default) a backward that returns NaN for an
   input that needs a gradient raises PyTorch's ``RuntimeError("Function
   'MulBackward0' returned nan values in its 0th output.")``;
4. microtensor's own, also with ``check_nan``: an op whose output has NaN or
   ±inf that its inputs did not have warns (:class:`AnomalyWarning`), naming
   the op and its forward call. A warning, not an error: ``-inf`` is made on
   purpose (``log(0)`` in a masked log-likelihood, a score set to ``-inf``
   before ``softmax``), and code that runs under PyTorch's mode, which has no
   forward check, must run under this one. ``warnings.simplefilter("error",
   AnomalyWarning)`` makes it raise.

Cost: nothing while no thread has the mode on. ``Function.apply`` calls its
``forward_observers`` only when the list is not empty, and :func:`_record_forward`
is in it only while some thread has the mode on (``_threads_on`` counts them, as
grad mode counts the threads with recording off); a backward pass looks at the
mode once. With it on, every op walks the Python stack (a few µs), and the
checks pass over the arrays: a mode for debugging, as in PyTorch.

The engine (``microtensor.autograd``) imports this module last and re-exports
its public names.
"""

from __future__ import annotations

import cmath
import functools
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import Node, forward_observers
from .tensor import Tensor

__all__ = [
    "AnomalyWarning",
    "detect_anomaly",
    "forward_traceback",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
]


class AnomalyWarning(UserWarning):
    """An op made NaN or ±inf that its inputs did not have (``detect_anomaly`` is on)."""


class _AnomalyMode(threading.local):
    # Thread-local, as grad mode: detect_anomaly() in one thread leaves the others alone.
    enabled = False
    check_nan = True


_mode = _AnomalyMode()

# How many threads have the mode on; while 0 (the usual case) neither Function.apply nor a
# backward pass pays anything for it.
_threads_on = [0]
_threads_on_lock = threading.Lock()


def _set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch the mode for the calling thread, keeping ``_threads_on`` and the observer in step."""
    enabled = bool(enabled)
    if enabled != _mode.enabled:
        with _threads_on_lock:
            _threads_on[0] += 1 if enabled else -1
            if enabled and _threads_on[0] == 1:
                forward_observers.append(_record_forward)
            elif not enabled and _threads_on[0] == 0:
                forward_observers.remove(_record_forward)
        _mode.enabled = enabled
    _mode.check_nan = bool(check_nan)


def is_anomaly_enabled() -> bool:
    """True when anomaly mode is on in the calling thread (off by default)."""
    return _mode.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly mode checks for NaN (``check_nan``) in the calling thread."""
    return _mode.check_nan


class _AnomalyScope:
    """Anomaly mode set to ``(enabled, check_nan)`` inside ``with``; the previous one after."""

    def __init__(self, enabled: bool, check_nan: bool) -> None:
        self._value = (enabled, check_nan)
        self._prev: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._prev.append((_mode.enabled, _mode.check_nan))
        _set_anomaly_enabled(*self._value)

    def __exit__(self, *exc: object) -> None:
        _set_anomaly_enabled(*self._prev.pop())


class detect_anomaly(_AnomalyScope):
    """Anomaly mode inside ``with detect_anomaly(): ...``, or in a function decorated with it.

    Nodes recorded inside keep their forward traceback; a backward inside
    that fails warns with it first, and with ``check_nan=True`` a backward
    returning NaN raises. On exit the mode is what it was before. As in
    PyTorch, creating one warns that the mode slows everything down.

    Example::

        with detect_anomaly():
            loss = model(x).sum()
            loss.backward()  # RuntimeError: Function 'LogBackward0' returned nan values ...

    Differences from PyTorch: the mode is per thread (PyTorch's is global), and
    with ``check_nan`` an op that makes NaN/inf from inputs without them warns
    (:class:`AnomalyWarning`) during the forward pass.
    """

    def __init__(self, check_nan: bool = True) -> None:
        if callable(check_nan):
            raise TypeError("detect_anomaly: check_nan must be a bool, got a function; "
                            "decorate with @detect_anomaly() (with parentheses)")
        super().__init__(True, bool(check_nan))
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _AnomalyScope(*self._value):  # a scope per call: threads may share fn
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(_AnomalyScope):
    """``set_detect_anomaly(True)`` switches anomaly mode on at once (``False`` off), in the
    calling thread; used as a context manager it restores the previous mode on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(bool(mode), bool(check_nan))
        super().__enter__()  # the switch happens now, as in PyTorch

    def __enter__(self) -> None:
        pass


# --------------------------------------------------------------------------- forward


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _outside(filename: str) -> bool:
    return not filename.startswith(_PACKAGE_DIR)


def _record_forward(node: Node, out: np.ndarray) -> None:
    """The forward observer: keep the caller's stack on ``node``; check ``out``'s values."""
    if not _mode.enabled:  # on in another thread only
        return
    stack = []
    f = sys._getframe(1)
    while f is not None:
        code = f.f_code
        if _outside(code.co_filename):
            stack.append((code.co_filename, f.f_lineno, code.co_name))
        f = f.f_back
    stack.reverse()  # outermost call first, as traceback.format_stack
    node._forward_stack = stack
    if _mode.check_nan and out.dtype.kind in "fc":
        _check_output(node, out)


def forward_traceback(node: Node) -> str | None:
    """The traceback of the forward call that recorded ``node`` (``traceback.format_stack``'s
    format, microtensor's own frames left out), or ``None`` if anomaly mode was off then."""
    stack = getattr(node, "_forward_stack", None)
    if stack is None:
        return None
    return "".join(traceback.format_list([traceback.FrameSummary(*f) for f in stack]))


def _check_output(node: Node, out: np.ndarray) -> None:
    bad = out.size - int(np.count_nonzero(np.isfinite(out)))
    if not bad:
        return
    # The inputs, which Function.apply lends its observers for the call: an op that only
    # passes NaN or inf on is not where they came from.
    nan_in = inf_in = False
    for a in node._observed_inputs:
        has_nan, has_inf = _nonfinite(a)
        nan_in, inf_in = nan_in or has_nan, inf_in or has_inf
    nans = int(np.count_nonzero(np.isnan(out)))
    op = node.function.__name__
    if not (nan_in or inf_in):
        what = (f"{op} produced non-finite values ({bad} of {out.size} elements: {nans} nan, "
                f"{bad - nans} inf) from finite inputs")
    elif nans and not nan_in:
        what = f"{op} produced nan values ({nans} of {out.size} elements) from inputs without nan"
    else:
        return
    tb = forward_traceback(node) or ""
    _warn(f"detect_anomaly: {what}. Traceback of forward call:\n{tb}", AnomalyWarning)


def _nonfinite(a: Any) -> tuple[bool, bool]:
    """Whether a forward argument holds NaN, and whether it holds ±inf."""
    if isinstance(a, Tensor):
        a = a._data
    if isinstance(a, (np.ndarray, np.generic)):
        if a.dtype.kind not in "fc":
            return False, False
        return bool(np.isnan(a).any()), bool(np.isinf(a).any())
    if isinstance(a, (float, complex)):
        return cmath.isnan(a), cmath.isinf(a)
    if isinstance(a, (list, tuple)):
        flags = [_nonfinite(v) for v in a]
        return any(n for n, _ in flags), any(i for _, i in flags)
    return False, False


def _warn(message: str, category: type[Warning]) -> None:
    """Warn, pointing at the first frame outside microtensor (the user's line)."""
    level, f = 1, sys._getframe(0)
    while f is not None and not _outside(f.f_code.co_filename):
        level, f = level + 1, f.f_back
    warnings.warn(message, category, stacklevel=level if f is not None else 1)


# --------------------------------------------------------------------------- backward


class _BackwardWatch:
    """What ``run_backward`` is given under anomaly mode: it is told which node runs (so that
    a failure can name it) and checks each backward's result for NaN."""

    __slots__ = ("node", "check_nan")

    def __init__(self, check_nan: bool) -> None:
        self.node: Node | None = None
        self.check_nan = check_nan

    def check_result(self, node: Node, result: tuple) -> None:
        if not self.check_nan:
            return
        for i, (edge, ig) in enumerate(zip(node._next, result)):
            if edge is None or ig is None:  # an input that needs no gradient: never used
                continue
            ig = np.asarray(ig)
            if ig.dtype.kind in "fc" and np.isnan(ig).any():
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                   f"{i}th output.")


def backward_with_anomaly_checks(run_backward: Callable, roots: list, root_grads: list,
                                 retain_graph: bool, inputs: list | None) -> Any:
    """Run a backward pass under anomaly mode: if a node fails, warn with its forward call."""
    watch = _BackwardWatch(_mode.check_nan)
    try:
        return run_backward(roots, root_grads, retain_graph, inputs, anomaly=watch)
    except Exception:
        node = watch.node
        if node is not None:
            tb = forward_traceback(node)
            if tb is None:
                _warn(f"Error detected in {node.name()}. No forward pass information available. "
                      "Enable detect anomaly during forward pass for more information.",
                      UserWarning)
            else:
                _warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      f"the error:\n{tb}", UserWarning)
        raise
