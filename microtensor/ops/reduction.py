"""Reductions: sum, mean, var/std, max/min, amax/amin, argmax/argmin, logsumexp, norm, prod,
all/any.

A reduction's backward gets a gradient shaped like the *reduced* output. It first
puts the reduced axes back as size 1 (:func:`_unreduce`), so that the gradient
broadcasts against the input; then it applies the textbook derivative.

``dim`` is an int or a tuple/list of ints (``None`` or ``()``: every dim, except for
``all``/``any``, where PyTorch reads ``()`` as no dim), checked by
:func:`~microtensor.errors.normalize_dims` so an out-of-range dim names the op and the
valid range. Argument names and defaults are PyTorch's.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function
from ..errors import DtypeError, ShapeError, normalize_dim, normalize_dims
from ..tensor import Tensor
from . import elementwise as _ew

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "logsumexp", "max", "mean", "min",
    "norm", "prod", "std", "sum", "var",
]

# What max(x, dim) / min(x, dim) return, as torch.return_types.max / .min do.
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _unreduce(grad: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    # Put the reduced axes back as size 1, so the gradient broadcasts against the input.
    return grad if keepdim else np.expand_dims(grad, axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many input elements fold into one output element."""
    n = 1
    for ax in axes:
        n *= shape[ax]
    return n


# --------------------------------------------------------------------------- Functions


class Sum(Function):
    """f(x) = Σ x over dims;  df/dx = 1 (the gradient is copied to every summed element)."""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return np.asarray(np.sum(a, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g, ctx.shape), None, None


class Mean(Function):
    """f(x) = Σ x / N over dims (N elements each);  df/dx = 1 / N."""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        n = _count(a.shape, axes)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.n = a.shape, axes, keepdim, n
        with np.errstate(invalid="ignore", divide="ignore"):  # an empty mean is nan
            return np.asarray(np.sum(a, axis=axes, keepdims=keepdim) / n)

    @staticmethod
    def backward(ctx, grad):
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.broadcast_to(g / ctx.n, ctx.shape), None, None


class Var(Function):
    """f(x) = Σ (x - x̄)² / (N - c) (c = correction);  df/dx = 2 (x - x̄) / (N - c)."""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim):
        n = _count(a.shape, axes)
        dof = builtins.max(0, n - correction)  # N - c <= 0 gives inf or nan, as PyTorch
        with np.errstate(invalid="ignore", divide="ignore"):
            d = a - np.sum(a, axis=axes, keepdims=True) / n
            out = np.asarray(np.sum(d * d, axis=axes, keepdims=keepdim) / dof)
        ctx.save_for_backward(a)  # (not d: a recorded backward must see d depend on a)
        # Backward divides by N - c unclamped, as PyTorch does (a finite 0 where N - c < 0).
        ctx.axes, ctx.keepdim, ctx.dof, ctx.n = axes, keepdim, n - correction, n
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        d = a - np.sum(a, axis=ctx.axes, keepdims=True) / ctx.n
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * (2 * d / ctx.dof), None, None, None


class Std(Function):
    """f(x) = sqrt(var(x));  df/dx = (x - x̄) / ((N - c) f)  (0 where f = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim):
        n = _count(a.shape, axes)
        dof = builtins.max(0, n - correction)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = a - np.sum(a, axis=axes, keepdims=True) / n
            out = np.asarray(np.sqrt(np.sum(d * d, axis=axes, keepdims=keepdim) / dof))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim, ctx.dof, ctx.n = axes, keepdim, n - correction, n  # as Var
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        d = a - np.sum(a, axis=ctx.axes, keepdims=True) / ctx.n
        f = _unreduce(out, ctx.axes, ctx.keepdim)
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            gx = g * d / (ctx.dof * f)
        return np.where(f == 0, 0, gx), None, None, None


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
        return _even_split(grad, a, out, ctx.axes, ctx.keepdim), None, None


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
        return _even_split(grad, a, out, ctx.axes, ctx.keepdim), None, None


class Max(Amax):
    """f(x) = max(x) or max(x, dim).values;  df/dx = 1/k at each of the k tied maxima, else 0.

    A nan maximum ties with the nans of its slice (PyTorch's rule for ``max(x)``).
    """

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _even_split(grad, a, out, ctx.axes, ctx.keepdim, nan_ties=True), None, None


class Min(Amin):
    """f(x) = min(x) or min(x, dim).values;  df/dx = 1/k at each of the k tied minima, else 0.

    A nan minimum ties with the nans of its slice (PyTorch's rule for ``min(x)``).
    """

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _even_split(grad, a, out, ctx.axes, ctx.keepdim, nan_ties=True), None, None


def _even_split(grad, a, out, axes, keepdim, nan_ties=False):
    # The extremum is not differentiable where several elements tie; sharing the gradient
    # equally among them is the choice PyTorch makes for amax/amin and full max/min.
    # A nan extremum equals nothing (nan != nan): amax/amin then give the slice 0·inf = nan,
    # as PyTorch's (grad / count) · mask does; max()/min() (nan_ties) send it to the nans,
    # as PyTorch's evenly_distribute_backward does.
    o = _unreduce(out, axes, keepdim)
    mask = a == o
    if nan_ties and a.dtype.kind == "f":
        mask = mask | (np.isnan(a) & np.isnan(o))
    one, zero = grad.dtype.type(1), grad.dtype.type(0)
    mask = np.where(mask, one, zero)  # a constant: the tie pattern has no derivative
    count = np.sum(mask, axis=axes, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # a nan slice has no match
        return _unreduce(grad, axes, keepdim) * mask / count


class LogSumExp(Function):
    """f(x) = log Σ exp(x) over dims;  df/dx = exp(x - f) (the softmax of x)."""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        # Shift by the maximum so exp never overflows; a row of -inf (or +inf) has no
        # finite maximum, so it is shifted by 0 and gives -inf (or +inf) without warnings.
        m = np.max(a, axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s = np.sum(np.exp(a - m), axis=axes, keepdims=True)
            out = np.log(s) + m
        if not keepdim:
            out = np.squeeze(out, axis=axes)
        out = np.asarray(out)
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        f = _unreduce(out, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", over="ignore"):
            return _unreduce(grad, ctx.axes, ctx.keepdim) * np.exp(a - f), None, None


class Norm(Function):
    """f(x) = (Σ |x|^p)^(1/p) over dims;  df/dx = sign(x) (|x| / f)^(p-1)  (0 where x = 0 or f = 0).

    Special orders: p = 2 gives x / f (subgradient 0 at f = 0, as PyTorch); p = 1 gives
    sign(x); p = ±inf (max/min |x|) sends sign(x)/k to each of the k tied extremes;
    p = 0 counts the non-zero elements and has no gradient (``None``, as PyTorch).
    """

    @staticmethod
    def forward(ctx, a, p, axes, keepdim):
        absx = np.abs(a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
            elif p == 1:
                out = np.sum(absx, axis=axes, keepdims=keepdim)
            elif p == np.inf:
                out = np.max(absx, axis=axes, keepdims=keepdim, initial=0)
            elif p == -np.inf:
                out = np.min(absx, axis=axes, keepdims=keepdim, initial=np.inf)
            elif p == 0:
                out = np.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
            else:
                out = np.sum(absx**p, axis=axes, keepdims=keepdim) ** (1 / p)
        out = np.asarray(out)
        ctx.save_for_backward(a, out)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        p, axes, keepdim = ctx.p, ctx.axes, ctx.keepdim
        g = _unreduce(grad, axes, keepdim)
        f = _unreduce(out, axes, keepdim)
        if p == 0:
            return None, None, None, None
        if p == 1:
            return g * np.sign(a), None, None, None
        if p in (np.inf, -np.inf):
            return _even_split(grad, np.abs(a), out, axes, keepdim) * np.sign(a), None, None, None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                d = a / f
            else:
                d = np.sign(a) * (np.abs(a) / f) ** (p - 1)
        return g * np.where((a == 0) | (f == 0), 0, d), None, None, None


class Prod(Function):
    """f(x) = Π x over dims;  df/dxᵢ = Π_{j≠i} xⱼ (exact with zeros: no division by xᵢ)."""

    twice_differentiable = False  # (issue 15: its backward is not recorded yet)

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        return np.asarray(np.prod(a, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        return g * _product_of_others(a, ctx.axes), None, None


def _product_of_others(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For every element, the product of the *other* elements of its reduced slice.

    Product of everything to the left times everything to the right (exclusive cumulative
    products), so one or two zeros in a slice give the right answer where f / xᵢ would not.
    """
    k = len(axes)
    last = tuple(range(a.ndim - k, a.ndim))
    moved = np.moveaxis(a, axes, last)
    rest = moved.shape[: a.ndim - k]
    n = _count(a.shape, axes)
    if n == 0:
        return np.zeros_like(a)
    flat = moved.reshape(rest + (n,))
    ones = np.ones(rest + (1,), dtype=a.dtype)
    left = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return np.moveaxis((left * right).reshape(moved.shape), last, axes)


# --------------------------------------------------------------------------- helpers


def _float_only(input: Tensor, op: str) -> None:  # noqa: A002
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point tensor, got dtype {input._data.dtype} "
                         "(convert it with .float() first)")


def _nonempty(a: np.ndarray, axes: tuple[int, ...], op: str) -> None:
    for ax in axes:
        if a.shape[ax] == 0:
            raise ShapeError(f"{op}: cannot reduce over dim {ax} of shape {a.shape}: it has "
                             "size 0 and the reduction has no identity")
    if not axes and a.size == 0:
        raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")


def _int_to_int64(input: Tensor) -> Tensor:  # noqa: A002
    # PyTorch sums and multiplies bool and integer tensors in int64.
    return _ew.to_dtype(input, dtypes.int64) if input._data.dtype.kind in "biu" else input


# --------------------------------------------------------------------------- functional API


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple of ints, or ``None`` for every dim).

    Bool and integer tensors sum to int64 unless ``dtype`` says otherwise; with ``dtype``
    the input is cast first, as PyTorch does.
    """
    if dtype is not None:
        input = _ew.to_dtype(input, dtypes.to_dtype(dtype))
    else:
        input = _int_to_int64(input)
    axes = normalize_dims(dim, input._data.ndim, "sum")
    return Sum.apply(input, axes, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """Mean over ``dim``; the input must be floating point (or pass a float ``dtype``)."""
    if dtype is not None:
        input = _ew.to_dtype(input, dtypes.to_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise DtypeError(f"mean: could not infer the output dtype: the input must be floating "
                         f"point, got dtype {input._data.dtype}; pass dtype=microtensor.float32 "
                         "or call .float() first")
    axes = normalize_dims(dim, input._data.ndim, "mean")
    return Mean.apply(input, axes, keepdim)


def _var_args(input: Tensor, dim: Any, unbiased: Any, correction: Any, op: str):  # noqa: A002
    _float_only(input, op)
    if isinstance(dim, bool):  # the legacy form var(x, unbiased)
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased={dim} positionally and unbiased={unbiased}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased or correction, not both (got "
                        f"unbiased={unbiased}, correction={correction})")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return normalize_dims(dim, input._data.ndim, op), correction


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    """Variance over ``dim``: Σ (x - mean)² / (N - correction).

    ``correction`` defaults to 1 (Bessel's correction, the sample variance); ``unbiased=False``
    means correction 0 (NumPy's ``ddof=0``). ``var(x, False)`` (a bool in ``dim``'s place) is
    PyTorch's legacy ``var(x, unbiased)``. When N - correction <= 0 the result is inf or nan.
    """
    axes, correction = _var_args(input, dim, unbiased, correction, "var")
    return Var.apply(input, axes, correction, keepdim)


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    """Standard deviation over ``dim``: the square root of :func:`var` (same arguments)."""
    axes, correction = _var_args(input, dim, unbiased, correction, "std")
    return Std.apply(input, axes, correction, keepdim)


def _extremum(input: Any, dim: Any, keepdim: bool, op: str) -> Any:  # noqa: A002
    fn, pair, result, arg = ((Max, _ew.maximum, max_result, np.argmax) if op == "max"
                             else (Min, _ew.minimum, min_result, np.argmin))
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return pair(input, dim)
    a = input._data
    if dim is None:
        if a.size == 0:
            raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {a.shape} over all "
                             "dims; pass dim=...")
        return fn.apply(input, tuple(range(a.ndim)), False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int (one dim), got {dim!r}; use amax/amin for "
                        "several dims")
    d = normalize_dim(dim, a.ndim, op)
    axes = (d,) if a.ndim else ()
    _nonempty(a, axes, op)
    values = fn.apply(input, axes, keepdim)
    idx = np.asarray(arg(a, axis=d) if a.ndim else 0, dtype=np.int64)
    if keepdim and a.ndim:
        idx = np.expand_dims(idx, d)
    return result(values, Tensor._make(idx, False, None))


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
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
    return _extremum(input, dim, keepdim, "max")


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The smallest element; with an int ``dim``, ``(values, indices)`` along it.

    As :func:`max` (namedtuple ``min(values, indices)``; ``min(x, other)`` is
    :func:`minimum`), including the even split of the gradient among ties, which for
    ``min(x, dim)`` differs from PyTorch (it sends it all to the returned index), and nan:
    the value is nan and the gradient goes to the nan.
    """
    return _extremum(input, dim, keepdim, "min")


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Maximum over ``dim`` (an int or a tuple; ``()`` means every dim). Ties share the gradient.

    A slice holding nan gives nan and, as PyTorch's amax, a nan gradient for the whole slice
    (its backward is ``grad / count · (x == result)``, and nan equals nothing, so count is 0);
    ``max(x)`` instead sends the gradient to the nan.
    """
    axes = normalize_dims(dim, input._data.ndim, "amax")
    _nonempty(input._data, axes, "amax")
    return Amax.apply(input, axes, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Minimum over ``dim`` (an int or a tuple; ``()`` means every dim). Ties share the gradient.

    With nan in a slice: nan, and a nan gradient for the slice, as :func:`amax` and PyTorch.
    """
    axes = normalize_dims(dim, input._data.ndim, "amin")
    _nonempty(input._data, axes, "amin")
    return Amin.apply(input, axes, keepdim)


def _arg(input: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:  # noqa: A002
    a = input._data
    fn = np.argmax if op == "argmax" else np.argmin
    if dim is None:
        if a.size == 0:
            raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {a.shape}; "
                             "pass dim=...")
        idx = np.asarray(fn(a), dtype=np.int64)
        if keepdim:
            idx = idx.reshape((1,) * a.ndim)
        return Tensor._make(idx, False, None)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int or None, got {dim!r}")
    d = normalize_dim(dim, a.ndim, op)
    if not a.ndim:
        return Tensor._make(np.zeros((), dtype=np.int64), False, None)
    _nonempty(a, (d,), op)
    idx = np.asarray(fn(a, axis=d), dtype=np.int64)
    if keepdim:
        idx = np.expand_dims(idx, d)
    return Tensor._make(idx, False, None)


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index (int64) of the first maximum along ``dim``; with ``dim=None``, into the flattened
    tensor. Not differentiable."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index (int64) of the first minimum along ``dim``; with ``dim=None``, into the flattened
    tensor. Not differentiable."""
    return _arg(input, dim, keepdim, "argmin")


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(Σ exp(x)) over ``dim``, computed stably (shifted by the maximum).

    Integer inputs are computed in the default float dtype. Rows of -inf give -inf.
    """
    if input._data.dtype.kind != "f":
        input = _ew.to_dtype(input, dtypes.get_default_dtype())
    axes = normalize_dims(dim, input._data.ndim, "logsumexp")
    return LogSumExp.apply(input, axes, keepdim)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The vector p-norm over ``dim`` (every dim by default).

    ``p``: ``"fro"`` or 2 (Euclidean), 1, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (the number
    of non-zero elements; no gradient), or any other number: (Σ |x|^p)^(1/p).
    Unlike PyTorch, ``"fro"`` is accepted with any number of dims (it is the 2-norm of
    the elements); ``"nuc"`` (a matrix norm) is not supported.
    """
    _float_only(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; expected 'fro' or a number")
        p = 2
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be 'fro' or a number, got {type(p).__name__}")
    p = float(p)
    axes = normalize_dims(dim, input._data.ndim, "norm")
    return Norm.apply(input, p, axes, keepdim)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Product over ``dim`` (an int, a tuple, or ``None`` for every dim).

    Bool and integer tensors multiply in int64, as PyTorch. The gradient is exact when the
    input holds zeros. PyTorch takes a single int ``dim`` only; a tuple is an extension.
    """
    input = _int_to_int64(input)
    axes = normalize_dims(dim, input._data.ndim, "prod")
    return Prod.apply(input, axes, keepdim)


def _logical(input: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:  # noqa: A002
    a = input._data
    # PyTorch quirk, kept: all/any with an empty dim tuple reduce nothing (sum reduces all).
    empty = isinstance(dim, (tuple, list)) and not dim
    axes = () if empty else normalize_dims(dim, a.ndim, op)
    fn = np.all if op == "all" else np.any
    out = np.asarray(fn(a, axis=axes, keepdims=keepdim))
    if a.dtype == np.uint8:  # PyTorch keeps uint8 for all/any of uint8 tensors
        out = out.astype(np.uint8)
    return Tensor._make(out, False, None)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where every element over ``dim`` is non-zero (a bool tensor; no gradient)."""
    return _logical(input, dim, keepdim, "all")


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where some element over ``dim`` is non-zero (a bool tensor; no gradient)."""
    return _logical(input, dim, keepdim, "any")
