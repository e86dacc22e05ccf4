"""User-defined Functions, as PyTorch's: Tensors in and out of ``forward`` and ``backward``.

microtensor's own ops (``microtensor/ops/``) are Functions whose ``forward`` and
``backward`` run on NumPy arrays, at NumPy's speed. A ``Function`` subclass written
anywhere else is a user's, written for PyTorch: its ``forward(ctx, *args)`` receives the
Tensors themselves (run under ``no_grad``), returns a Tensor or a tuple of them, and
saves Tensors with ``ctx.save_for_backward``; its ``backward(ctx, *grad_outputs)``
receives one Tensor per output and returns one gradient (Tensor or ``None``) per input.
With ``create_graph=True`` the backward runs with grad mode on, so a backward written
with differentiable ops is itself differentiable, as in PyTorch. This module is the
adapter between that contract and the engine (``microtensor.autograd.function``, where
PyTorch code imports ``once_differentiable`` from).

The ``ctx`` is the graph node itself (:class:`~microtensor.autograd.Node`), with PyTorch's
``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, ``mark_dirty``,
``mark_non_differentiable`` and ``set_materialize_grads``, and room for any attribute.

Differences from PyTorch, by design: several differentiable outputs are recorded as one
node whose output is their concatenation (each output is a recorded slice of it), so they
must share one floating dtype, and the gradient of an unused output is zeros, never
``None``; ``mark_dirty`` works on tensors that are not views; no forward-mode ``jvp``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd as _ag
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

Function = _ag.Function
FunctionCtx = _ag.Node


def once_differentiable(backward: Callable) -> Callable:
    """Decorate a Function's ``backward`` that is not itself differentiable (PyTorch's
    decorator): it runs under ``no_grad``; in a graph-recording backward its gradients are
    recorded by a node that raises if anything differentiates through them."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with _ag.no_grad():
            result = backward(ctx, *grads)
        if not _ag.is_grad_enabled():
            return result
        anchors = [t for t in (*grads, *(getattr(ctx, "saved_tensors", None) or ()))
                   if isinstance(t, Tensor) and t.requires_grad]
        if not anchors:
            return result
        single = not isinstance(result, tuple)
        wrapped = tuple(_OnceDifferentiable.apply(r, *anchors) if isinstance(r, Tensor) else r
                        for r in ((result,) if single else result))
        return wrapped[0] if single else wrapped

    return wrapper


class _OnceDifferentiable(_ag.Function):
    """f(g, *anchors) = g, whose gradient is an error: what ``@once_differentiable`` puts
    on the gradients it returns while a backward is being recorded."""

    @staticmethod
    def forward(ctx: Any, g: np.ndarray, *anchors: np.ndarray) -> np.ndarray:
        return g.copy()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def make_node_function(user: type) -> type:
    """The engine-side Function of a user's subclass: its backward runs the user's on Tensors.

    Named after the user's class, so the node prints as PyTorch's (``CubeBackward``)."""
    return type(user.__name__, (_UserNode,), {"user": user, "__module__": __name__,
                                              "__qualname__": user.__qualname__})


class _UserNode(_ag.Function):
    """Runs a user's ``backward`` for the engine: arrays in a plain backward (wrapped into
    Tensors, under ``no_grad``), Tensors in a recorded one (under grad mode)."""

    user: type
    custom = True  # Node.name(): PyTorch names these ``<Name>Backward``, without the 0

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        node = ctx
        plain = not isinstance(grad, Tensor)
        g = Tensor._make(grad, False, None) if plain else grad
        layout = node._layout
        if layout is None:
            grads = (g,)
        elif isinstance(layout, int):  # one differentiable output among several
            grads = tuple(g if k == layout else None for k in range(len(node._zero_like)))
        else:
            grads = _split(g, layout)
        grads = _materialize(node, grads)
        user = node._fn.user
        back = user.backward if user.backward is not _ag.Function.backward else user.vjp
        if plain:
            with _ag.set_grad_enabled(False):
                result = back(node, *grads)
        else:  # recorded: NumPy calls dispatch to ops, and dropping the graph raises
            from .ops.numpy_protocol import graph_backward
            with _ag.set_grad_enabled(True), graph_backward(node.name()):
                result = back(node, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(node._next)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]  # PyTorch allows trailing Nones past the inputs
        if len(result) != n:
            raise RuntimeError(
                f"function {user.__name__}Backward returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})")
        out = []
        for i, r in enumerate(result):
            if r is None or node._next[i] is None:
                out.append(None)
                continue
            if not isinstance(r, Tensor):
                if isinstance(r, (np.ndarray, np.generic, int, float)):
                    r = Tensor._make(np.asarray(r), False, None)
                else:
                    raise TypeError(f"{user.__name__}.backward: gradient {i} is a "
                                    f"{type(r).__name__}; expected a Tensor or None")
            out.append(r._data if plain else r)
        return tuple(out)


def _split(g: Tensor, layout: list) -> tuple:
    """The packed output's gradient, cut back into one gradient per forward output."""
    out = []
    for entry in layout:
        if entry is None:
            out.append(None)  # a non-differentiable output: filled in by _materialize
            continue
        start, stop, shape = entry
        out.append(g[start:stop].reshape(shape))
    return tuple(out)


def _materialize(node: Any, grads: tuple) -> tuple:
    zeros = node._zero_like
    if not zeros:
        return grads
    materialize = node.__dict__.get("materialize_grads", True)
    out = []
    for g, like in zip(grads, zeros):
        if g is None and like is not None and materialize:
            g = Tensor._make(np.zeros(*like), False, None)
        out.append(g)
    return tuple(out)


# --------------------------------------------------------------------------- apply


def tensor_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``Function.apply`` for a user's subclass: forward on Tensors under ``no_grad``; a
    node recorded when grad mode is on and some tensor input requires grad."""
    ctx = _ag.Node()
    ctx.saved_tensors = ()
    ctx._dirty = ()
    ctx._non_diff = ()
    recording = _ag.is_grad_enabled()
    ctx._next = [(a.grad_fn or a) if recording and isinstance(a, Tensor) and a.requires_grad
                 else None for a in args]
    with _ag.no_grad():
        if cls.setup_context is not _ag.Function.setup_context:  # PyTorch 2's split form
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    single = not isinstance(output, tuple)
    outs = (output,) if single else output
    record = any(e is not None for e in ctx._next)
    for k, o in enumerate(outs):
        if o is not None and not isinstance(o, Tensor):
            if not single or not isinstance(o, (np.ndarray, np.generic, int, float)):
                raise TypeError(f"{cls.__name__}.forward: output {k} is a {type(o).__name__}; "
                                "a Function's forward returns Tensors")
    if not single:
        outs = tuple(o if o is None or isinstance(o, Tensor) else o for o in outs)
    else:
        o = outs[0]
        outs = (o if isinstance(o, Tensor) else Tensor._make(np.asarray(o), False, None),)
    if not record:
        results = tuple(_plain_output(o) for o in outs)
        return results[0] if single else results
    results = _record(cls, ctx, args, outs)
    return results[0] if single else results


def _plain_output(o: Any) -> Any:
    if o is None:
        return None
    return Tensor._make(o._data, False, None)


def _differentiable(ctx: Any, o: Any) -> bool:
    return (o is not None and o._data.dtype.kind == "f"
            and not any(o is n for n in ctx._non_diff))


def _record(cls: type, ctx: Any, args: tuple, outs: tuple) -> tuple:
    diff = [k for k, o in enumerate(outs) if _differentiable(ctx, o)]
    if not diff:
        return tuple(_plain_output(o) for o in outs)
    ctx._fn = cls._node_function
    ctx._seq = _ag._next_seq()
    ctx._zero_like = [None if k in diff or o is None else (o.shape, o._data.dtype)
                      for k, o in enumerate(outs)] if len(outs) > 1 else None
    if len(outs) == 1:
        ctx._layout = None
        node_out = outs[0]._data
    elif len(diff) == 1:  # the node's output is that output itself: no packing
        ctx._layout = diff[0]
        node_out = outs[diff[0]]._data
    else:
        dtypes = {outs[k]._data.dtype for k in diff}
        if len(dtypes) > 1:
            raise TypeError(f"{cls.__name__}.forward: differentiable outputs of different "
                            f"dtypes ({', '.join(sorted(map(str, dtypes)))}) are not supported "
                            "by microtensor; cast them to one dtype")
        layout, pieces, start = [], [], 0
        for k, o in enumerate(outs):
            if k not in diff:
                layout.append(None)
                continue
            n = o._data.size
            layout.append((start, start + n, o.shape))
            pieces.append(o._data.ravel())
            start += n
        ctx._layout = layout
        node_out = np.concatenate(pieces)
    ctx._shape = node_out.shape
    ctx._dtype = node_out.dtype
    ctx._versions = _saved_versions(ctx, args, outs)
    if _ag.forward_observers:  # e.g. detect_anomaly(), which keeps the forward's traceback
        ctx._observed_inputs = [a._data if isinstance(a, Tensor) else a for a in args]
        for obs in _ag.forward_observers:
            obs(ctx, node_out)
        del ctx._observed_inputs
    if len(outs) == 1 or len(diff) == 1:
        k = diff[0]
        out = _output(ctx, outs[k], node_out)
        return tuple(out if j == k else _plain_output(o) for j, o in enumerate(outs))
    packed = _output(ctx, None, node_out)
    results = []
    for k, o in enumerate(outs):
        entry = ctx._layout[k]
        if entry is None:
            results.append(_plain_output(o))
        else:
            start, stop, shape = entry
            results.append(packed[start:stop].reshape(shape))
    return tuple(results)


def _output(ctx: Any, out: Tensor | None, data: np.ndarray) -> Tensor:
    """The node's output tensor; for a tensor the forward modified in place and marked
    dirty, that tensor itself, now produced by this node (PyTorch's rule)."""
    if out is not None and any(out is d for d in ctx._dirty):
        if out.is_leaf and out.requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        if getattr(out, "_base", None) is not None:
            raise RuntimeError(f"{ctx._fn.__name__}: mark_dirty on a view is not supported "
                               "by microtensor; clone the input first")
        out._rg = True  # (its in-place op in forward already counted the write)
        out.grad_fn = ctx
        return out
    t = Tensor._make(data, True, ctx)
    return t


def _saved_versions(ctx: Any, args: tuple, outs: tuple) -> list:
    """(version counter, version now, input index or -1, position) of each saved tensor, so
    that backward refuses one modified in place since (the engine's check)."""
    saved = ctx.saved_tensors
    if not isinstance(saved, tuple):
        saved = ctx.saved_tensors = tuple(saved)
    checks = []
    for k, s in enumerate(saved):
        if not isinstance(s, Tensor):
            if s is not None:
                raise TypeError(f"save_for_backward can only save tensors, but argument {k} "
                                f"is of type {type(s).__name__}")
            continue
        index = next((i for i, a in enumerate(args) if a is s), -1)
        checks.append((s._vc, s._vc[0], index, k))
    return checks
