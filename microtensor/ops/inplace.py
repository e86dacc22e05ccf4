"""Copies, casts and the in-place forms of the pointwise ops (``add_``, ``exp_``, ``+=`` ...).

An in-place op is its out-of-place op written back into the tensor's memory. While a graph is
recorded, the out-of-place result's node becomes the tensor's ``grad_fn`` (so the gradient is
the out-of-place op's), and the version counter catches a backward that still needed the old
value; outside a graph the NumPy ufunc writes straight into the array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function, _mode, bump_version
from ..dtypes import result_type
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from . import views as _views
from .arithmetic import Add, Div, Mul, Sub, div, mul
from .powers import Pow, _no_negative_integer_power, _power, pow

__all__ = ["copy_inplace", "fill_inplace", "inplace", "inplace_unary", "to_dtype"]


class Clone(Function):
    """f(a) = a, in new memory;  df/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDtype(Function):
    """f(a) = a cast to another float dtype;  df/da = 1 (the engine casts the gradient back)."""

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Fill(Function):
    """f(a) = v (a constant, a's shape);  df/da = 0.  What ``fill_``/``zero_`` record."""

    @staticmethod
    def forward(ctx, a, value):
        out = np.empty_like(a)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), None


class Copy(Function):
    """f(a, s) = s broadcast to a's shape;  df/da = 0,  df/ds = 1.  (What ``copy_`` records.)"""

    @staticmethod
    def forward(ctx, a, src):
        out = np.empty_like(a)
        out[...] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), grad


def to_dtype(input: Tensor, dtype: np.dtype) -> Tensor:  # noqa: A002
    """Cast; differentiable between float dtypes, and outside the graph otherwise."""
    if input._data.dtype == dtype:
        return input
    if dtype.kind != "f":
        return Tensor._make(input._data.astype(dtype), False, None)
    return ToDtype.apply(input, dtype)


# --------------------------------------------------------------------------- in-place forms

_UFUNCS = {Add: np.add, Sub: np.subtract, Mul: np.multiply, Div: np.true_divide,
           Pow: np.power}
_OUT_OF_PLACE = {Add: Add.apply, Sub: Sub.apply, Mul: mul, Div: div, Pow: pow}


def _check_leaf(t: Tensor, name: str) -> None:
    """Refuse the recorded in-place writes whose gradient would silently be wrong."""
    if t._rg and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be modified in place (its .grad "
            "would no longer belong to its value); update it inside `with microtensor.no_grad():`"
            " as optimizers do, or use an out-of-place op"
        )
    if getattr(t, "_base", None) is not None:
        _views.check_view_write(t, name)


def _check_cast(t: Tensor, result: np.dtype, name: str) -> None:
    own = t._data.dtype
    if (result.kind == "f" and own.kind != "f") or (result.kind in "iu" and own.kind == "b"):
        raise DtypeError(f"{name}: the result has dtype {result}, which cannot be written into "
                         f"a tensor of dtype {own} in place")


def _write_back(t: Tensor, r: Tensor, name: str) -> Tensor:
    """Store the out-of-place result ``r`` in ``t`` and make ``t`` the output of r's node."""
    if r._data.shape != t._data.shape:
        raise ShapeError(f"{name}: the result has shape {r._data.shape}, which cannot be written "
                         f"into a tensor of shape {t._data.shape} in place")
    _check_cast(t, r._data.dtype, name)
    np.copyto(t._data, r._data, casting="unsafe")
    bump_version(t)
    if getattr(t, "_base", None) is not None:
        _views.record_view_write(t, r)  # the base's graph records it; its views follow
    else:
        t.grad_fn = r.grad_fn
        t._rg = r._rg
        _views.refresh_views(t)
    return t


def _snapshot(t: Tensor) -> Tensor:
    # The tensor's value before the in-place write, as a private copy: ops that save their
    # input for backward must not see it overwritten.
    return Tensor._make(t._data.copy(), t._rg, t.grad_fn)


def _records(t: Tensor, other: Any) -> bool:
    return _mode.enabled and (t._rg or (isinstance(other, Tensor) and other._rg))


def inplace(t: Tensor, op: type[Function], other: Any, name: str) -> Tensor:
    """``t = op(t, other)`` written into ``t``'s own memory (``add_``, ``+=`` ...)."""
    if _records(t, other):
        _check_leaf(t, name)
        return _write_back(t, _OUT_OF_PLACE[op](_snapshot(t), other), name)
    o = other._data if isinstance(other, Tensor) else other
    a = t._data
    if not (isinstance(o, np.ndarray) and o.dtype is a.dtype):
        if isinstance(o, np.generic):
            o = o.item()
        rt = result_type(a, o)
        if op is Div and rt.kind != "f":
            rt = dtypes.get_default_dtype()
        _check_cast(t, rt, name)
    if op is Pow:
        _no_negative_integer_power(a, o)
    try:
        if op is Pow and isinstance(o, (int, float)) and a.dtype.kind == "f":
            np.copyto(a, _power(a, o), casting="unsafe")  # x.pow_(3): pow's fast paths
        else:
            _UFUNCS[op](a, o, out=a, casting="unsafe")
    except ValueError:
        raise ShapeError(f"{name}: a result of shape {np.broadcast_shapes(a.shape, np.shape(o))}"
                         f" cannot be written into a tensor of shape {a.shape} in place") from None
    bump_version(t)
    return t


def inplace_unary(t: Tensor, fn: Any, name: str, *args: Any) -> Tensor:
    """``t = fn(t, *args)`` written into ``t``'s memory (``clamp_``, ``exp_``, ``atan2_`` ...)."""
    if _records(t, None) or any(_records(t, a) for a in args):
        _check_leaf(t, name)
        return _write_back(t, fn(_snapshot(t), *args), name)
    r = fn(Tensor._make(t._data, False, None), *args)
    if r._data.shape != t._data.shape:
        raise ShapeError(f"{name}: the result has shape {r._data.shape}, which cannot be written "
                         f"into a tensor of shape {t._data.shape} in place")
    _check_cast(t, r._data.dtype, name)
    np.copyto(t._data, r._data, casting="unsafe")
    bump_version(t)
    return t


def fill_inplace(t: Tensor, value: Any, name: str) -> Tensor:
    """Overwrite every element with ``value`` (a number or an array of t's shape)."""
    if isinstance(value, Tensor):
        value = value._data
    if _records(t, None):
        _check_leaf(t, name)
        return _write_back(t, Fill.apply(Tensor._make(t._data, t._rg, t.grad_fn), value), name)
    t._data[...] = value
    bump_version(t)
    return t


def copy_inplace(t: Tensor, src: Any) -> Tensor:
    """``t.copy_(src)``: src broadcast to t's shape and cast to t's dtype."""
    s = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        np.broadcast_to(s, t._data.shape)
    except ValueError:
        raise ShapeError(f"copy_: a source of shape {s.shape} cannot be broadcast to the "
                         f"destination's shape {t._data.shape}") from None
    if _records(t, src):
        _check_leaf(t, "copy_")
        return _write_back(t, Copy.apply(Tensor._make(t._data, t._rg, t.grad_fn), src), "copy_")
    np.copyto(t._data, s, casting="unsafe")
    bump_version(t)
    return t
