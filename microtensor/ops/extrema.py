"""Extrema: max/min (whole tensor, along a dim with indices, or elementwise against another
tensor), amax/amin, argmax/argmin, aminmax.

The value reductions share one backward, :func:`even_split`: where several elements tie for
the extremum, the gradient is shared equally among them.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import normalize_dim, normalize_dims
from ..tensor import Tensor
from . import elementwise as _ew
from .reduction import EmptyReductionError, _unreduce, as_tensor, dim_alias, nonempty, write_out

__all__ = ["amax", "amin", "aminmax", "argmax", "argmin", "max", "min"]

# What max(x, dim) / min(x, dim) / aminmax return, as torch.return_types do.
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])
aminmax_result = namedtuple("aminmax", ["min", "max"])


class Amax(Function):
    """f(x) = max of x over dims;  df/dx = 1/k at each of the k tied maxima, else 0."""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        out = np.asarray(np.amax(a, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return even_split(grad, a, out, ctx.axes, ctx.keepdim), None, None


class Amin(Function):
    """f(x) = min of x over dims;  df/dx = 1/k at each of the k tied minima, else 0."""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        out = np.asarray(np.amin(a, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return even_split(grad, a, out, ctx.axes, ctx.keepdim), None, None


class Max(Amax):
    """f(x) = max(x) or max(x, dim).values;  df/dx = 1/k at each of the k tied maxima, else 0.

    A nan maximum ties with the nans of its slice (PyTorch's rule for ``max(x)``).
    """

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return even_split(grad, a, out, ctx.axes, ctx.keepdim, nan_ties=True), None, None


class Min(Amin):
    """f(x) = min(x) or min(x, dim).values;  df/dx = 1/k at each of the k tied minima, else 0.

    A nan minimum ties with the nans of its slice (PyTorch's rule for ``min(x)``).
    """

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return even_split(grad, a, out, ctx.axes, ctx.keepdim, nan_ties=True), None, None


def even_split(grad, a, out, axes, keepdim, nan_ties=False):
    """The gradient of an extremum: ``grad`` shared equally among the tied extreme elements.

    The extremum is not differentiable where several elements tie; sharing the gradient
    equally among them is the choice PyTorch makes for amax/amin and full max/min.
    A nan extremum equals nothing (nan != nan): amax/amin then give the slice 0·inf = nan,
    as PyTorch's (grad / count) · mask does; max()/min() (nan_ties) send it to the nans,
    as PyTorch's evenly_distribute_backward does.
    """
    o = _unreduce(out, axes, keepdim)
    mask = a == o
    if nan_ties and a.dtype.kind == "f":
        mask = mask | (np.isnan(a) & np.isnan(o))
    one, zero = grad.dtype.type(1), grad.dtype.type(0)
    mask = np.where(mask, one, zero)  # a constant: the tie pattern has no derivative
    count = np.sum(mask, axis=axes, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # a nan slice has no match
        return _unreduce(grad, axes, keepdim) * mask / count


def _extremum(input: Any, dim: Any, keepdim: bool, op: str) -> Any:  # noqa: A002
    fn, pair, result, arg = ((Max, _ew.maximum, max_result, np.argmax) if op == "max"
                             else (Min, _ew.minimum, min_result, np.argmin))
    input = as_tensor(input, op)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return pair(input, dim)
    a = input._data
    if dim is None:
        if a.size == 0:
            raise EmptyReductionError(f"{op}: cannot reduce an empty tensor of shape {a.shape} "
                                      "over all dims; pass dim=...")
        return fn.apply(input, tuple(range(a.ndim)), False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int (one dim), got {dim!r}; use amax/amin for "
                        "several dims")
    d = normalize_dim(dim, a.ndim, op)
    axes = (d,) if a.ndim else ()
    nonempty(a, axes, op)
    values = fn.apply(input, axes, keepdim)
    idx = np.asarray(arg(a, axis=d) if a.ndim else 0, dtype=np.int64)
    if keepdim and a.ndim:
        idx = np.expand_dims(idx, d)
    return result(values, Tensor._make(idx, False, None))


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Any:
    """The largest element; with an int ``dim``, ``(values, indices)`` along it.

    ``max(x)`` is a 0-d tensor. ``max(x, dim)`` returns a namedtuple ``max(values, indices)``
    (indices int64, the first maximum). ``max(x, other_tensor)`` is :func:`maximum`.

    Gradient: tied maxima share it equally. For ``max(x)`` this is what PyTorch does; for
    ``max(x, dim)`` PyTorch instead sends the whole gradient to the element at the returned
    index, and microtensor differs on purpose (the even split is symmetric, like ``amax``).

    NaN propagates, as in PyTorch: a slice holding nan has the value nan, its index is the
    first nan's, and its gradient goes to the nan (shared if there are several; PyTorch's
    ``max(x, dim)`` sends it all to the first).
    """
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "max")
    return write_out(_extremum(input, dim, keepdim, "max"), out, "max")


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Any:
    """The smallest element; with an int ``dim``, ``(values, indices)`` along it.

    As :func:`max` (namedtuple ``min(values, indices)``; ``min(x, other)`` is
    :func:`minimum`), including the even split of the gradient among ties, which for
    ``min(x, dim)`` differs from PyTorch (it sends it all to the returned index), and nan:
    the value is nan and the gradient goes to the nan.
    """
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "min")
    return write_out(_extremum(input, dim, keepdim, "min"), out, "min")


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *,  # noqa: A002
         out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Maximum over ``dim`` (an int or a tuple; ``()`` means every dim). Ties share the gradient.

    A slice holding nan gives nan and, as PyTorch's amax, a nan gradient for the whole slice
    (its backward is ``grad / count · (x == result)``, and nan equals nothing, so count is 0);
    ``max(x)`` instead sends the gradient to the nan.
    """
    input = as_tensor(input, "amax")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "amax")
    axes = normalize_dims(dim, input._data.ndim, "amax")
    nonempty(input._data, axes, "amax")
    return write_out(Amax.apply(input, axes, keepdim), out, "amax")


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *,  # noqa: A002
         out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Minimum over ``dim`` (an int or a tuple; ``()`` means every dim). Ties share the gradient.

    With nan in a slice: nan, and a nan gradient for the slice, as :func:`amax` and PyTorch.
    """
    input = as_tensor(input, "amin")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "amin")
    axes = normalize_dims(dim, input._data.ndim, "amin")
    nonempty(input._data, axes, "amin")
    return write_out(Amin.apply(input, axes, keepdim), out, "amin")


def aminmax(input: Tensor, *, dim: Any = None, keepdim: bool = False,  # noqa: A002
            out: Any = None) -> Any:
    """``aminmax(min, max)``: :func:`amin` and :func:`amax` over one ``dim`` (or every dim).

    ``dim`` is keyword-only and a single int, as PyTorch; each result has the gradient of
    amin/amax (ties share it).
    """
    input = as_tensor(input, "aminmax")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"aminmax: dim must be an int or None, got {dim!r}")
    a = input._data
    if dim is None:
        axes = tuple(range(a.ndim))
    else:
        d = normalize_dim(dim, a.ndim, "aminmax")
        axes = (d,) if a.ndim else ()
    nonempty(a, axes, "aminmax")
    result = aminmax_result(Amin.apply(input, axes, keepdim), Amax.apply(input, axes, keepdim))
    return write_out(result, out, "aminmax")


def _arg(input: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:  # noqa: A002
    a = as_tensor(input, op)._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    fn = np.argmax if op == "argmax" else np.argmin
    if dim is None:
        if a.size == 0:
            raise EmptyReductionError(f"{op}: cannot reduce an empty tensor of shape "
                                      f"{a.shape}; pass dim=...")
        idx = np.asarray(fn(a), dtype=np.int64)
        if keepdim:
            idx = idx.reshape((1,) * a.ndim)
        return Tensor._make(idx, False, None)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int or None, got {dim!r}")
    d = normalize_dim(dim, a.ndim, op)
    if not a.ndim:
        return Tensor._make(np.zeros((), dtype=np.int64), False, None)
    nonempty(a, (d,), op)
    idx = np.asarray(fn(a, axis=d), dtype=np.int64)
    if keepdim:
        idx = np.expand_dims(idx, d)
    return Tensor._make(idx, False, None)


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Index (int64) of the first maximum along ``dim``; with ``dim=None``, into the flattened
    tensor. Not differentiable."""
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "argmax")
    return write_out(_arg(input, dim, keepdim, "argmax"), out, "argmax")


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Index (int64) of the first minimum along ``dim``; with ``dim=None``, into the flattened
    tensor. Not differentiable."""
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "argmin")
    return write_out(_arg(input, dim, keepdim, "argmin"), out, "argmin")
