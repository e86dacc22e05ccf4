"""Piecewise ops: |x|, sign, relu, clamp, maximum/minimum, fmax/fmin, where, copysign,
heaviside and nextafter (the rounding functions are in :mod:`.rounding`).

Each op is one Function whose docstring opens with its math. Their derivatives are 0, 1 or
a selection of the incoming gradient between kinks; at a kink they take PyTorch's value
(stated in each docstring). The rounding functions have gradient 0, as in PyTorch (their
results still require grad, so a graph through them is kept, as PyTorch keeps it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair, result_type
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from .arithmetic import _data, float_operands, require_float, write_out
from .inplace import to_dtype
from .rounding import _no_bool

__all__ = [
    "abs", "absolute", "clamp", "clamp_max", "clamp_min", "clip", "copysign", "fmax", "fmin",
    "heaviside", "masked_fill", "maximum", "minimum", "nextafter", "relu", "sgn", "sign",
    "where",
]


class Abs(Function):
    """f(a) = |a|;  df/da = sign(a) (0 at a = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(a)


class Sign(Function):
    """f(a) = sign(a);  df/da = 0 (piecewise constant).

    Computed as PyTorch does, ``(0 < a) - (a < 0)``: nan fails both comparisons, so
    ``sign(nan)`` is 0 (NumPy's ``np.sign`` gives nan). A bool tensor is its own sign.
    """

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            return a.copy()
        return np.asarray((0 < a).astype(a.dtype) - (a < 0).astype(a.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Relu(Function):
    """f(a) = max(a, 0);  df/da = 1 where a > 0, else 0 (0 at a = 0, as PyTorch).

    As PyTorch's ``threshold_backward``, a nan or inf gradient arriving where ``a <= 0``
    still gives 0, and at a nan input (``relu(nan)`` is nan) the gradient passes.
    """

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        keep = out != 0  # out is >= 0 or nan: this is "not a <= 0", in one comparison
        # Multiplying by the mask is 3x faster than np.where, but inf * 0 is nan where a <= 0:
        # select only when the gradient may hold an inf or a nan. (vdot is one BLAS pass that
        # does not warn, but copies a strided array, which a plain sum does not; either
        # overflows for huge finite gradients too, which then select.)
        if type(grad) is np.ndarray:
            if grad.flags.c_contiguous:
                finite = np.isfinite(np.vdot(grad, grad))
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    finite = np.isfinite(grad.sum())
            if finite:
                return grad * keep
        return np.where(keep, grad, grad.dtype.type(0))  # (and a recorded backward's Tensor)


class Clamp(Function):
    """f(a) = min(max(a, lo), hi);  df/da = 1 where lo <= a <= hi, else 0.

    As PyTorch's ``where(lo <= a <= hi, grad, 0)``: 0 outside even for a nan or inf
    gradient, and 0 at a nan input (which fails both comparisons; clamp(nan) is nan).
    """

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        keep = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= a >= ctx.lo
        if ctx.hi is not None:
            keep &= a <= ctx.hi
        return np.where(keep, grad, grad.dtype.type(0)), None, None


class Maximum(Function):
    """f(a, b) = max(a, b);  df/da = 1 where a > b, 1/2 where a = b, else 0 (and mirrored for b).

    Where a or b is nan (so is f), both get the whole gradient, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # A tie sends half the gradient each way (0.5 in grad's dtype: no float64 upcast); a
        # nan on either side sends all of it both ways, as PyTorch's masks do.
        tie = grad * (grad.dtype.type(0.5) * (a == b))
        return grad * ~(a < b) - tie, grad * ~(a > b) - tie


class Minimum(Function):
    """f(a, b) = min(a, b);  df/da = 1 where a < b, 1/2 where a = b, else 0 (and mirrored for b).

    Where a or b is nan (so is f), both get the whole gradient, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = grad * (grad.dtype.type(0.5) * (a == b))
        return grad * ~(a > b) - tie, grad * ~(a < b) - tie


class Where(Function):
    """f(c, a, b) = a where c else b;  df/da = [c],  df/db = [not c]."""

    @staticmethod
    def forward(ctx, cond, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(c, grad, zero), np.where(c, zero, grad)


class Fmax(Function):
    """f(a, b) = max(a, b), ignoring a nan (the other wins);
    df/da = 1 where a >= b or b is nan, else 0;  df/db = the rest (PyTorch's tie rule)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        to_a = (a >= b) | np.isnan(b)
        zero = grad.dtype.type(0)
        return np.where(to_a, grad, zero), np.where(to_a, zero, grad)


class Fmin(Function):
    """f(a, b) = min(a, b), ignoring a nan (the other wins);
    df/da = 1 where a <= b or b is nan, else 0;  df/db = the rest (PyTorch's tie rule)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        ctx.save_for_backward(a, b)
        return np.fmin(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        to_a = (a <= b) | np.isnan(b)
        zero = grad.dtype.type(0)
        return np.where(to_a, grad, zero), np.where(to_a, zero, grad)


class Copysign(Function):
    """f(a, b) = |a| with the sign of b;  df/da = f / a (±1; 0 at a = 0, as PyTorch),  df/db = 0."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = float_operands(a, b)
        out = np.asarray(np.copysign(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = np.where(a == 0, 0, grad * (out / a))
        return ga, (np.zeros_like(grad) if ctx.needs_input_grad[1] else None)


# --------------------------------------------------------------------------- functional API


def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """``|input|``."""
    _no_bool(input, "abs")
    r = Abs.apply(input)
    return r if out is None else write_out(r, out, "abs")


absolute = abs


def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """-1, 0 or 1 by the sign of each element (0 for nan, as PyTorch)."""
    return write_out(Sign.apply(input), out, "sign")


sgn = sign  # for real tensors, sgn is sign (PyTorch's sgn differs only for complex)


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """``max(input, 0)``."""
    return Relu.apply(input)


def _bound(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.generic):
        return x.item()
    return x


def clamp(input: Tensor, min: Any = None, max: Any = None, *,  # noqa: A001, A002
          out: Tensor | None = None) -> Tensor:
    """Limit every element to ``[min, max]`` (either bound may be ``None``).

    Bounds may be numbers or tensors (broadcast); gradients flow to ``input`` only.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    lo, hi = _bound(min), _bound(max)
    a = input._data
    rt = result_type(a, *(v for v in (lo, hi) if v is not None))
    if rt != a.dtype:
        input = to_dtype(input, rt)
    # tensor bounds in the result dtype: NumPy would promote float32 with int64 to float64
    lo, hi = (v.astype(rt, copy=False) if isinstance(v, np.ndarray) else v for v in (lo, hi))
    return write_out(Clamp.apply(input, lo, hi), out, "clamp")


clip = clamp


def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``."""
    return clamp(input, min, None, out=out)


def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``."""
    return clamp(input, None, max, out=out)


def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The larger of each pair (nan if either is nan); a tie splits the gradient evenly."""
    return write_out(Maximum.apply(input, other), out, "maximum")


def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The smaller of each pair (nan if either is nan); a tie splits the gradient evenly."""
    return write_out(Minimum.apply(input, other), out, "minimum")


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The larger of each pair, ignoring a nan; a tie sends the gradient to ``input``."""
    return write_out(Fmax.apply(input, other), out, "fmax")


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The smaller of each pair, ignoring a nan; a tie sends the gradient to ``input``."""
    return write_out(Fmin.apply(input, other), out, "fmin")


def copysign(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``|input|`` with the sign of ``other`` (a float result, as PyTorch)."""
    return write_out(Copysign.apply(input, other), out, "copysign")


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive.

    No gradient flows (PyTorch has no derivative for it either: its backward raises, and
    here the result does not require grad). ``input`` and ``values`` must share a dtype.
    """
    a, v = _data(input), _data(values)
    a, v = np.asarray(a), np.asarray(v)
    if a.dtype != v.dtype:
        raise DtypeError(f"heaviside: not implemented for tensors with different dtypes "
                         f"({a.dtype} and {v.dtype})")
    try:
        r = np.where(a == 0, v, (a > 0).astype(a.dtype))  # nan: 0, as PyTorch (NumPy: nan)
    except ValueError:
        raise ShapeError(f"heaviside: shapes {a.shape} and {v.shape} cannot be broadcast "
                         "together") from None
    return write_out(Tensor._make(np.asarray(r, dtype=a.dtype), False, None), out, "heaviside")


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The next float after ``input`` toward ``other`` (floats only; no gradient, as PyTorch
    has none)."""
    require_float("nextafter", input, other)
    a, b = promote_pair(_data(input), _data(other))
    try:
        r = np.nextafter(a, b)
    except ValueError:
        raise ShapeError(f"nextafter: shapes {np.shape(a)} and {np.shape(b)} cannot be "
                         "broadcast together") from None
    return write_out(Tensor._make(np.asarray(r), False, None), out, "nextafter")


def _bool_array(condition: Any, op: str) -> np.ndarray:
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise DtypeError(f"{op}: condition must be a bool tensor, got dtype {c.dtype}")
    return c


def where(condition: Any, input: Any = None, other: Any = None, *,  # noqa: A002
          out: Tensor | None = None) -> Any:
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (all broadcast).

    With only ``condition``, returns the indices where it holds, as ``nonzero(as_tuple=True)``.
    """
    if input is None and other is None:  # any dtype, 0-d too, as torch.nonzero
        from .indexing import nonzero  # (indexing imports this module)

        return nonzero(condition, as_tuple=True)
    c = _bool_array(condition, "where")
    return write_out(Where.apply(c, input, other), out, "where")


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` is True, ``input`` elsewhere; keeps ``input``'s dtype."""
    m = _bool_array(mask, "masked_fill")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        value = to_dtype(value, input.dtype) if value.dtype != input.dtype else value
    else:
        value = np.asarray(value, dtype=input.dtype)[()]
    return Where.apply(m, value, input)
