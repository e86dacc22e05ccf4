"""Reductions: sum, nansum, mean, nanmean, prod, logsumexp, norm, dist, count_nonzero,
all/any. (var/std are in ``moments``, extrema in ``extrema``, scans in ``scan``, sorting in
``sorting``, medians, quantiles and histograms in ``statistics``.)

A reduction's backward gets a gradient shaped like the *reduced* output. It first
puts the reduced axes back as size 1 (:func:`_unreduce`), so that the gradient
broadcasts against the input; then it applies the textbook derivative.

``dim`` is an int or a tuple/list of ints (``None`` or ``()``: every dim, except for
``all``/``any``, where PyTorch reads ``()`` as no dim), checked by
:func:`~microtensor.errors.normalize_dims` so an out-of-range dim names the op and the
valid range. Argument names and defaults are PyTorch's, with its aliases ``axis`` (for
``dim``) and ``keepdims`` (for ``keepdim``); ``out=`` writes the result into a tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function, bump_version
from ..errors import DtypeError, ShapeError, normalize_dims
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import elementwise as _ew

__all__ = [
    "all", "any", "count_nonzero", "dist", "logsumexp", "mean", "nanmean", "nansum", "norm",
    "prod", "sum",
]


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


class NanSum(Function):
    """f(x) = Σ x over dims, skipping nan;  df/dx = 1 where x is not nan, 0 at a nan.

    The gradient is ``grad · (x is not nan)``, as PyTorch's, so an infinite gradient (a
    nanmean of nans only, 1/0) gives nan at the nans rather than 0.
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.mask = (~np.isnan(a)).astype(a.dtype)
        return np.asarray(np.nansum(a, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore"):
            return np.broadcast_to(g, ctx.shape) * ctx.mask, None, None


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

    Special orders: p = 2 gives x / f (subgradient 0 at f = 0 only, as PyTorch); p = 1 gives
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
            from .extrema import even_split  # (extrema imports this module)

            return even_split(grad, np.abs(a), out, axes, keepdim) * np.sign(a), None, None, None
        # The masked-out places divide by 1 instead of 0, so that a recorded backward has no
        # 0/0 there either (where() passes 0 to the branch it drops, and 0/0 would be nan).
        fs = np.where(f == 0, 1, f)
        if p == 2:  # (smooth at x = 0: only f = 0 is masked, as PyTorch)
            return g * np.where(f == 0, 0, a / fs), None, None, None
        zero = (a == 0) | (f == 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            d = np.sign(a) * (np.where(zero, 1, np.abs(a)) / fs) ** (p - 1)
        return g * np.where(zero, 0, d), None, None, None


class Prod(Function):
    """f(x) = Π x over dims;  df/dxᵢ = Π_{j≠i} xⱼ  (= f / xᵢ when no xᵢ is 0).

    With a zero in the input the product of the others is taken without dividing, as
    exclusive cumulative products from the left and from the right (PyTorch's rule), so
    one or two zeros in a slice give the exact gradient; both forms are recorded ops, so
    the gradient is differentiable again.
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        out = np.asarray(np.prod(a, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.has_zero = bool(np.any(a == 0))  # a constant choice between two exact formulas
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        g = _unreduce(grad, ctx.axes, ctx.keepdim)
        if ctx.has_zero:
            return g * _product_of_others(a, ctx.axes), None, None
        return g * (_unreduce(out, ctx.axes, ctx.keepdim) / a), None, None


def _product_of_others(a: Any, axes: tuple[int, ...]) -> Any:
    """For every element, the product of the *other* elements of its reduced slice.

    Product of everything to the left times everything to the right (exclusive cumulative
    products), so one or two zeros in a slice give the right answer where f / xᵢ would not.
    Runs on arrays and, in a recorded backward, on Tensors.
    """
    from .scan import cumprod_of  # (scan imports this module)

    k, nd = len(axes), np.ndim(a)
    shape = tuple(a.shape)
    last = tuple(range(nd - k, nd))
    moved = _moveaxes(a, axes, last)
    rest = tuple(moved.shape[: nd - k])
    n = _count(shape, axes)
    if n == 0:
        return np.zeros_like(a)
    flat = np.reshape(moved, rest + (n,))
    ones = np.ones_like(flat[..., :1])  # (a constant Tensor in a recorded backward)
    left = np.concatenate([ones, cumprod_of(flat[..., : n - 1], -1)], axis=-1)
    rev = np.arange(n - 1, 0, -1)  # the elements after the first, last first
    right = cumprod_of(flat[..., rev], -1)[..., np.arange(n - 2, -1, -1)]
    right = np.concatenate([right, ones], axis=-1)
    return _moveaxes(np.reshape(left * right, tuple(moved.shape)), last, axes)


def _moveaxes(a: Any, source: tuple[int, ...], destination: tuple[int, ...]) -> Any:
    # np.moveaxis with several axes, as one transpose (which also runs on Tensors).
    nd = np.ndim(a)
    order = [i for i in range(nd) if i not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return np.transpose(a, order)


# --------------------------------------------------------------------------- helpers


def dim_alias(dim: Any, axis: Any, keepdim: bool, keepdims: bool | None,
              op: str) -> tuple[Any, bool]:
    """PyTorch's aliases: ``axis`` for ``dim``, ``keepdims`` for ``keepdim``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and its alias axis")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims


def write_out(result: Any, out: Any, op: str) -> Any:
    """``out=``: copy ``result`` (a Tensor, or a tuple of them) into ``out``, as PyTorch.

    ``out`` is resized when its shape differs and cast to its own dtype (a reduction into an
    integer ``out`` is allowed, as in PyTorch, where the pointwise ops' ``write_out`` in
    ops/arithmetic.py refuses the cast); a result that requires grad cannot be written
    (PyTorch: out= does not support autograd).
    """
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{op}: out must be a tuple of {len(result)} tensors, got "
                            f"{type(out).__name__}")
        for r, o in zip(result, out):
            write_out(r, o, op)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad")
    arr = result._data.astype(out._data.dtype, copy=False)
    if out._data.shape == arr.shape:
        np.copyto(out._data, arr)
    else:
        out._data = arr.copy()
    bump_version(out)
    return out


def float_only(input: Tensor, op: str) -> None:  # noqa: A002
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point tensor, got dtype {input._data.dtype} "
                         "(convert it with .float() first)")


class EmptyReductionError(ShapeError, IndexError):
    """A reduction without identity (max, argmax ...) over an empty dim: PyTorch raises
    ``IndexError`` (``RuntimeError`` over every dim); this is both, and a ``ValueError``."""


def nonempty(a: np.ndarray, axes: tuple[int, ...], op: str) -> None:
    for ax in axes:
        if a.shape[ax] == 0:
            raise EmptyReductionError(f"{op}: cannot reduce over dim {ax} of shape {a.shape}: "
                                      "it has size 0 and the reduction has no identity")
    if not axes and a.size == 0:
        raise EmptyReductionError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")


def int_to_int64(input: Tensor) -> Tensor:  # noqa: A002
    # PyTorch sums and multiplies bool and integer tensors in int64.
    return _ew.to_dtype(input, dtypes.int64) if input._data.dtype.kind in "biu" else input


def as_tensor(x: Any, op: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")


def _cast(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    return input if dtype is None else _ew.to_dtype(input, dtypes.to_dtype(dtype))


# --------------------------------------------------------------------------- functional API


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        dtype: Any = None, out: Any = None, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple or list of ints, or ``None`` for every dim).

    Bool and integer tensors sum to int64 unless ``dtype`` says otherwise; with ``dtype``
    the input is cast first, as PyTorch does.
    """
    input = as_tensor(input, "sum")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "sum")
    input = int_to_int64(input) if dtype is None else _cast(input, dtype)
    axes = normalize_dims(dim, input._data.ndim, "sum")
    return write_out(Sum.apply(input, axes, keepdim), out, "sum")


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           dtype: Any = None, out: Any = None, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """Sum over ``dim`` treating nan as 0: ``sum(where(isnan(x), 0, x))``; a nan gets gradient 0."""
    input = as_tensor(input, "nansum")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "nansum")
    input = int_to_int64(input) if dtype is None else _cast(input, dtype)
    axes = normalize_dims(dim, input._data.ndim, "nansum")
    fn = NanSum if input._data.dtype.kind == "f" else Sum
    return write_out(fn.apply(input, axes, keepdim), out, "nansum")


def _mean_input(input: Any, dtype: Any, op: str) -> Tensor:  # noqa: A002
    input = _cast(as_tensor(input, op), dtype)
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: could not infer the output dtype: the input must be floating "
                         f"point, got dtype {input._data.dtype}; pass dtype=microtensor.float32 "
                         "or call .float() first")
    return input


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None, out: Any = None, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Mean over ``dim``; the input must be floating point (or pass a float ``dtype``)."""
    input = _mean_input(input, dtype, "mean")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "mean")
    axes = normalize_dims(dim, input._data.ndim, "mean")
    return write_out(Mean.apply(input, axes, keepdim), out, "mean")


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
            dtype: Any = None, out: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
    """Mean of the non-nan elements over ``dim``: ``nansum(x) / (number of non-nan)``.

    A slice of nans only gives nan (0 / 0), as PyTorch.
    """
    input = _mean_input(input, dtype, "nanmean")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "nanmean")
    axes = normalize_dims(dim, input._data.ndim, "nanmean")
    valid = ~np.isnan(input._data)
    count = np.sum(valid, axis=axes, keepdims=keepdim).astype(input._data.dtype)
    total = NanSum.apply(input, axes, keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return write_out(_ew.div(total, count), out, "nanmean")


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False, *,  # noqa: A002
              out: Any = None) -> Tensor:
    """log(Σ exp(x)) over ``dim`` (an int or a tuple), computed stably (shifted by the maximum).

    Integer inputs are computed in the default float dtype. Rows of -inf give -inf.
    """
    input = as_tensor(input, "logsumexp")
    if input._data.dtype.kind != "f":
        input = _ew.to_dtype(input, dtypes.get_default_dtype())
    axes = normalize_dims(dim, input._data.ndim, "logsumexp")
    return write_out(LogSumExp.apply(input, axes, keepdim), out, "logsumexp")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         out: Any = None, dtype: Any = None) -> Tensor:
    """The vector p-norm over ``dim`` (every dim by default).

    ``p``: ``"fro"`` or 2 (Euclidean), 1, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (the number
    of non-zero elements; no gradient), or any other number: (Σ |x|^p)^(1/p). ``dtype``
    casts the input first.
    Unlike PyTorch, ``"fro"`` is accepted with any number of dims (it is the 2-norm of
    the elements); ``"nuc"`` (a matrix norm) is not supported.
    """
    input = _cast(as_tensor(input, "norm"), dtype)
    float_only(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; expected 'fro' or a number")
        p = 2
    elif p is None:
        p = 2
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be 'fro' or a number, got {type(p).__name__}")
    p = float(p)
    axes = normalize_dims(dim, input._data.ndim, "norm")
    return write_out(Norm.apply(input, p, axes, keepdim), out, "norm")


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The p-norm of ``input - other`` (broadcast): ``norm(input - other, p)``."""
    input, other = as_tensor(input, "dist"), as_tensor(other, "dist")
    float_only(input, "dist")
    float_only(other, "dist")
    return norm(_ew.sub(input, other), p)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None, out: Any = None, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Product over ``dim`` (an int, a tuple, or ``None`` for every dim).

    Bool and integer tensors multiply in int64, as PyTorch. The gradient is exact when the
    input holds zeros, and differentiable again. PyTorch takes a single int ``dim`` only;
    a tuple is an extension.
    """
    input = as_tensor(input, "prod")
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "prod")
    input = int_to_int64(input) if dtype is None else _cast(input, dtype)
    axes = normalize_dims(dim, input._data.ndim, "prod")
    return write_out(Prod.apply(input, axes, keepdim), out, "prod")


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """The number of non-zero elements over ``dim`` (an int, a tuple, or every dim): int64."""
    a = as_tensor(input, "count_nonzero")._data
    axes = normalize_dims(dim, a.ndim, "count_nonzero")
    return Tensor._make(np.asarray(np.count_nonzero(a, axis=axes), dtype=np.int64), False, None)


def _logical(input: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:  # noqa: A002
    a = as_tensor(input, op)._data
    # PyTorch quirk, kept: all/any with an empty dim tuple reduce nothing (sum reduces all).
    empty = isinstance(dim, (tuple, list)) and not dim
    axes = () if empty else normalize_dims(dim, a.ndim, op)
    fn = np.all if op == "all" else np.any
    out = np.asarray(fn(a, axis=axes, keepdims=keepdim))
    if a.dtype == np.uint8:  # PyTorch keeps uint8 for all/any of uint8 tensors
        out = out.astype(np.uint8)
    return Tensor._make(out, False, None)


def all(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """True where every element over ``dim`` (an int or a tuple) is non-zero (no gradient)."""
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "all")
    return write_out(_logical(input, dim, keepdim, "all"), out, "all")


def any(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        out: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """True where some element over ``dim`` (an int or a tuple) is non-zero (no gradient)."""
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, "any")
    return write_out(_logical(input, dim, keepdim, "any"), out, "any")
