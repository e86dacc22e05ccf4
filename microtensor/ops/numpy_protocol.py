"""NumPy functions on Tensors: how one backward formula serves both kinds of backward.

Every op's backward is written with NumPy (``np.exp(x) * grad``, ``np.where(mask, grad,
0)``, ``grad.sum(axis=0)``). A plain backward hands it arrays and it runs at NumPy's
speed. A backward with ``create_graph=True`` hands it Tensors, and NumPy's dispatch
protocols (``__array_ufunc__`` for ``np.exp``, ``*`` ...; ``__array_function__`` for
``np.where``, ``np.swapaxes`` ...) route each call to the microtensor op of the same
meaning, which records it: the backward pass becomes a graph that can itself be
differentiated. One formula, no second copy of any derivative (STYLE §2).

Ufuncs always dispatch (``np.exp(t)`` is a Tensor, as with PyTorch's tensors). Other
NumPy functions dispatch only while a graph-recording backward runs; elsewhere NumPy
converts the tensors to arrays, as it always did. A formula that cannot run on Tensors
(it writes a gradient into an array in place, say) fails loudly: while a graph-recording
backward runs, turning a tensor that requires grad into an array raises
:class:`NotTwiceDifferentiable`, naming the op, instead of silently dropping the graph.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import elementwise as ew
from . import indexing, joining, linalg, reduction, shape

__all__ = ["NotTwiceDifferentiable", "graph_backward", "in_graph_backward"]


class NotTwiceDifferentiable(RuntimeError):
    """An op whose backward cannot be recorded (``create_graph=True``)."""


class _State(threading.local):
    op: str | None = None  # the node whose backward records a graph in this thread, if any


_state = _State()


class graph_backward:
    """Within it, ``op``'s backward formula runs on Tensors and records its graph."""

    def __init__(self, op: str) -> None:
        self.op = op

    def __enter__(self) -> None:
        self.prev, _state.op = _state.op, self.op

    def __exit__(self, *exc: object) -> None:
        _state.op = self.prev


def in_graph_backward() -> str | None:
    """The op whose backward is being recorded in this thread (``None`` outside)."""
    return _state.op


def refuse_array(t: Tensor, how: str) -> None:
    """Raise if ``t`` is about to lose its graph inside a recorded backward."""
    op = _state.op
    if op is not None and t._rg:
        raise NotTwiceDifferentiable(
            f"{op}: its backward {how}, which drops the graph, so it cannot be differentiated "
            f"again (create_graph=True); this op does not support gradients of gradients yet"
        )


def _arr(x: Any, how: str) -> Any:
    if isinstance(x, Tensor):
        refuse_array(x, how)
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_arr(v, how) for v in x)
    return x


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):  # noqa: ARG001
    return reduction.sum(a, axis, keepdims)


def _expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = a.ndim + len(axes)
    for ax in sorted(x % n for x in axes):
        a = shape.unsqueeze(a, ax)
    return a


def _transpose(a, axes=None):
    return shape.permute(a, *(range(a.ndim - 1, -1, -1) if axes is None else axes))


def _moveaxis(a, source, destination):
    n = a.ndim
    src, dst = source % n, destination % n
    order = [i for i in range(n) if i != src]
    order.insert(dst, src)
    return shape.permute(a, *order)


def _split(a, indices_or_sections, axis=0):
    n = a.shape[axis]
    if isinstance(indices_or_sections, int):
        sizes = [n // indices_or_sections] * indices_or_sections
    else:
        edges = [0, *indices_or_sections, n]
        sizes = [hi - lo for lo, hi in zip(edges[:-1], edges[1:])]
    return list(joining.split(a, sizes, axis))


def _where(condition, x=None, y=None):
    return ew.where(_arr(condition, "used a tensor as a mask"), x, y)


def _broadcast_to(a, shape_):
    return shape.expand(a, *shape_)


def _zeros_like(a, dtype=None, order="K", subok=True, shape=None):  # noqa: ARG001
    # A constant: writing a recorded gradient into it (g[idx] = grad) records the write.
    return Tensor._make(np.zeros(a.shape if shape is None else shape, dtype or a.dtype),
                        False, None)


def _ones_like(a, dtype=None, order="K", subok=True, shape=None):  # noqa: ARG001
    return Tensor._make(np.ones(a.shape if shape is None else shape, dtype or a.dtype),
                        False, None)


FUNCTIONS = {
    np.where: _where,
    np.sum: _sum,
    np.mean: lambda a, axis=None, keepdims=False, **kw: reduction.mean(a, axis, keepdims),
    np.broadcast_to: _broadcast_to,
    np.expand_dims: _expand_dims,
    np.swapaxes: lambda a, axis1, axis2: shape.transpose(a, axis1, axis2),
    np.transpose: _transpose,
    np.moveaxis: _moveaxis,
    np.reshape: lambda a, newshape, **kw: shape.reshape(a, newshape),
    np.split: _split,
    np.concatenate: lambda arrays, axis=0, **kw: joining.cat(list(arrays), axis),
    np.stack: lambda arrays, axis=0, **kw: joining.stack(list(arrays), axis),
    np.zeros_like: _zeros_like,
    np.copy: lambda a, **kw: ew.Clone.apply(a),
    np.ones_like: _ones_like,
    np.ndim: lambda a: a.ndim,
    np.shape: lambda a: a.shape,
    np.size: lambda a: a.numel(),
}

UFUNCS = {
    np.add: ew.add, np.subtract: ew.sub, np.multiply: ew.mul, np.true_divide: ew.div,
    np.negative: ew.neg, np.positive: lambda a: a, np.power: ew.pow, np.exp: ew.exp,
    np.log: ew.log, np.sqrt: ew.sqrt, np.absolute: ew.abs, np.sin: ew.sin, np.cos: ew.cos,
    np.tanh: ew.tanh, np.sign: ew.sign, np.maximum: ew.maximum, np.minimum: ew.minimum,
    np.square: ew.square, np.reciprocal: ew.reciprocal, np.matmul: linalg.matmul,
    np.log1p: ew.log1p, np.expm1: ew.expm1, np.exp2: ew.exp2, np.log2: ew.log2,
    np.log10: ew.log10, np.logaddexp: ew.logaddexp, np.logaddexp2: ew.logaddexp2,
    np.tan: ew.tan, np.arcsin: ew.asin, np.arccos: ew.acos, np.arctan: ew.atan,
    np.arctan2: ew.atan2, np.sinh: ew.sinh, np.cosh: ew.cosh, np.arcsinh: ew.asinh,
    np.arccosh: ew.acosh, np.arctanh: ew.atanh, np.hypot: ew.hypot, np.sinc: ew.sinc,
    np.floor: ew.floor, np.ceil: ew.ceil, np.trunc: ew.trunc, np.rint: ew.round,
    np.fmod: ew.fmod, np.remainder: ew.remainder, np.copysign: ew.copysign,
    np.fmax: ew.fmax, np.fmin: ew.fmin, np.float_power: ew.float_power,
    np.deg2rad: ew.deg2rad, np.rad2deg: ew.rad2deg, np.signbit: ew.signbit,
    np.logical_xor: ew.logical_xor, np.bitwise_and: ew.bitwise_and,
    np.bitwise_or: ew.bitwise_or, np.bitwise_xor: ew.bitwise_xor, np.invert: ew.bitwise_not,
    np.left_shift: ew.bitwise_left_shift, np.right_shift: ew.bitwise_right_shift,
    np.equal: ew.eq, np.not_equal: ew.ne, np.less: ew.lt, np.less_equal: ew.le,
    np.greater: ew.gt, np.greater_equal: ew.ge, np.isfinite: ew.isfinite, np.isnan: ew.isnan,
    np.isinf: ew.isinf, np.logical_not: ew.logical_not, np.logical_and: ew.logical_and,
    np.logical_or: ew.logical_or,
}


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__``: a ufunc call on tensors, as the matching op."""
    fn = UFUNCS.get(ufunc)
    if fn is not None and method == "__call__" and not kwargs:
        return fn(*inputs)  # (the ops take numbers and arrays as constants, in any place)
    if ufunc is np.add and method == "at" and isinstance(inputs[0], Tensor):
        target, index, values = inputs  # np.add.at(g, idx, v): a scatter-add, recorded
        indexing.index_add_at(target, index, values)
        return None
    how = f"called np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    return getattr(ufunc, method)(*_arr(inputs, how),
                                  **{k: _arr(v, how) for k, v in kwargs.items()})


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: NumPy functions run as ops while a graph-recording
    backward runs, and on the arrays everywhere else."""
    if _state.op is not None:
        fn = FUNCTIONS.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
    how = f"called np.{getattr(func, '__name__', func)}"
    return func(*_arr(args, how), **{k: _arr(v, how) for k, v in kwargs.items()})
