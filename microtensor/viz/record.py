"""What the drawings read: recorded gradients, leaf-gradient history, anomalies, modules.

The engine records a compact trace of every backward by default (see
:data:`microtensor.autograd.grad_recording`): each node remembers the gradient
its output received, a reference when it has at most 4096 elements (or while
the larger ones kept in that pass total at most 1 MiB) and a summary (L2 norm,
mean |g|, non-finite count) computed during backward otherwise; a leaf's
``.grad`` counts the backward passes summed into it. This
module switches that recording, and adds two opt-in recorders that need the
forward pass: :class:`detect_anomaly` (which op first produced NaN/Inf) and
:func:`track_modules` (which module produced which part of the graph).
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd
from ..autograd import GradSummary, Node, grad_passes, summarize_grad
from ..tensor import Tensor
from ..torch_interop import is_torch_module, is_torch_tensor

__all__ = ["record_gradients", "detect_anomaly", "track_modules", "leaf_grad_summary",
           "leaf_grad_flags"]


# ------------------------------------------------------------------ gradient recording


class record_gradients:
    """Switch the per-node gradient record: ``record_gradients(False)`` at once, or
    ``with record_gradients(False): ...`` to restore the previous setting on exit.

    On (the default), a plain ``loss.backward()`` leaves every intermediate
    gradient's statistics on the graph for :func:`~microtensor.viz.draw_graph`.
    Off, backward records nothing (the drawing then says "no gradient yet" for
    intermediate tensors; leaves still show their ``.grad``). The cost of
    recording is measured in ``docs/seeing-gradients.md``.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._prev = autograd.grad_recording.enabled
        autograd.grad_recording.enabled = bool(enabled)

    def __enter__(self) -> record_gradients:
        return self

    def __exit__(self, *exc: object) -> None:
        autograd.grad_recording.enabled = self._prev


def leaf_grad_summary(t: Tensor) -> GradSummary | None:
    """Statistics of a leaf's ``.grad`` (exact, in float64), or ``None`` when it has none."""
    if not isinstance(t, Tensor) and is_torch_tensor(t):
        from .torch_graph import torch_leaf_grad_summary

        return torch_leaf_grad_summary(t)
    if t.grad is None:
        return None
    return summarize_grad(t.grad._data, exact=True)


def leaf_grad_flags(t: Tensor, backwarded: bool, graph_pass: int | None) -> list[str]:
    """Warnings about a leaf's ``.grad`` as seen from a graph: has the graph run backward,
    and the serial of its latest backward (``None`` if unknown)."""
    if not isinstance(t, Tensor) and is_torch_tensor(t):
        from .torch_graph import torch_leaf_grad_flags

        return torch_leaf_grad_flags(t, backwarded, graph_pass)
    if t.grad is None:
        return []
    if not backwarded:
        return ["stale: from an earlier backward, not this graph's"]
    info = grad_passes(t)
    if info is None:
        return []
    passes, last, modified = info
    flags = []
    if passes > 1:
        flags.append(f"Σ of {passes} backward passes")
    elif graph_pass is not None and last != graph_pass:
        flags.append("from another graph's backward")
    if modified:
        flags.append("modified in place after backward")
    return flags


# ------------------------------------------------------------------ forward anomalies


@dataclass(frozen=True)
class AnomalyRecord:
    """What :class:`detect_anomaly` notes for one op: its creation order, how many of its
    output's elements are NaN/Inf, and (for a non-finite one) where the forward ran."""

    seq: int
    nonfinite: int
    where: str | None


_anomalies: weakref.WeakKeyDictionary[Node, AnomalyRecord] = weakref.WeakKeyDictionary()
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame() -> str | None:
    f = sys._getframe(2)
    while f is not None:
        path = os.path.abspath(f.f_code.co_filename)
        if not path.startswith(_PACKAGE_DIR + os.sep):
            return f"{os.path.basename(path)}:{f.f_lineno}"
        f = f.f_back
    return None


class detect_anomaly:
    """Find the op that first produced NaN or Inf in the forward pass.

    Inside ``with microtensor.viz.detect_anomaly():`` every recorded op checks
    its output with ``np.isfinite`` (a pass over the array: too costly to do
    always, hence a mode, like ``torch.autograd.detect_anomaly``), and a
    non-finite one remembers the file and line that called it.
    :func:`~microtensor.viz.draw_graph` then marks the first such op in red and
    names it and its source line in the legend.

    Difference from PyTorch: nothing is raised; the drawing shows the culprit.
    Non-finite *gradients* need no mode: backward always records them.
    """

    _depth = 0
    _seq = 0

    def __enter__(self) -> detect_anomaly:
        if detect_anomaly._depth == 0:
            autograd.forward_observers.append(_check_forward)
        detect_anomaly._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        detect_anomaly._depth -= 1
        if detect_anomaly._depth == 0 and _check_forward in autograd.forward_observers:
            autograd.forward_observers.remove(_check_forward)

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper


def _check_forward(node: Node, out: np.ndarray) -> None:
    detect_anomaly._seq += 1
    bad = 0
    if out.dtype.kind in "fc":
        bad = int(out.size - np.count_nonzero(np.isfinite(out)))
    _anomalies[node] = AnomalyRecord(detect_anomaly._seq, bad, _user_frame() if bad else None)


def anomaly_of(node: Node) -> AnomalyRecord | None:
    return _anomalies.get(node)


# ------------------------------------------------------------------ modules


@dataclass(frozen=True)
class ModuleRecord:
    """One call of a module seen by :func:`track_modules`: its name, its class, and the graph
    nodes (by id) that made its tensor inputs, where its part of the graph begins."""

    name: str
    type: str
    input_nodes: frozenset[int]


_modules: weakref.WeakKeyDictionary[Node, ModuleRecord] = weakref.WeakKeyDictionary()


def module_of(node: Node) -> ModuleRecord | None:
    return _modules.get(node)


class _Handles:
    """What :func:`track_modules` returns: ``.remove()`` (or leave the ``with`` block)."""

    def __init__(self, handles: list) -> None:
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []

    def __enter__(self) -> _Handles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _tensors(x: Any, is_tensor: Callable[[Any], bool] = _is_tensor) -> Iterable[Any]:
    """The tensors in a module's inputs or outputs (nested in tuples, lists and dicts);
    ``is_tensor`` says what counts (a torch model's hooks pass ``is_torch_tensor``)."""
    if is_tensor(x):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _tensors(v, is_tensor)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _tensors(v, is_tensor)


def track_modules(model: Any) -> _Handles:
    """Note which module produced which ops, for ``draw_graph(..., collapse="module")``.

    Registers a forward hook (``register_forward_hook``, PyTorch's Module API) on
    every module without children; each call tags the graph node of the module's
    output with the module's name and class, and remembers where its inputs came
    from. Without it, the module view groups ops by the parameters they use
    (exact for layers with parameters; activations are named by their op).
    Use as ``with track_modules(model): loss = ...`` or keep the handle and
    call ``.remove()``.
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"track_modules: expected a Module (with named_modules()), got "
                        f"{type(model).__name__}")
    if is_torch_module(model):
        from .torch_graph import track_torch_modules

        return track_torch_modules(model)
    handles = []
    for name, module in model.named_modules():
        if any(True for _ in module.children()):
            continue

        def hook(mod: Any, args: Any, output: Any, _name: str = name) -> None:
            inputs = frozenset(id(t.grad_fn) for t in _tensors(args) if t.grad_fn is not None)
            record = ModuleRecord(_name or type(mod).__name__, type(mod).__name__, inputs)
            for t in _tensors(output):
                if t.grad_fn is not None and t.grad_fn not in _modules:
                    _modules[t.grad_fn] = record

        handles.append(module.register_forward_hook(hook))
    return _Handles(handles)
