"""Activations: softmax and log-softmax, the fused nonlinearities of the nn layers, and dropout.

Each is one Function whose docstring opens with its math. They are *fused*:
``gelu`` is one node with a hand-derived backward, not the eight nodes its
formula would record, so graphs stay readable and backward stays cheap.

Numerical stability, in brief:

* softmax subtracts each row's maximum before ``exp``: ``exp(x - max) <= 1``
  never overflows, and logits of ±1000 give exact probabilities;
* log-softmax is ``(x - max) - log(sum(exp(x - max)))``, never ``log(softmax)``,
  which would be ``log(0) = -inf`` for any probability that underflows;
* ``elu``, ``softplus`` and ``silu`` only ever call ``exp`` on arguments where
  it cannot overflow.

At the kinks the gradients are PyTorch's: ``leaky_relu'(0) = negative_slope``,
``elu'(0) = alpha``, ``hardtanh'`` is 0 at ``min_val`` and ``max_val``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from .. import random as _random
from ..autograd import Function
from ..errors import DtypeError, normalize_dim
from ..tensor import Tensor
from . import elementwise as _ew
from .special import erf_array, erf_of

__all__ = [
    "dropout", "elu", "gelu", "hardtanh", "leaky_relu", "log_softmax", "silu", "softmax",
    "softplus",
]


# --------------------------------------------------------------------------- softmax


def _shifted(x: np.ndarray, dim: int) -> np.ndarray:
    """``x - max(x)`` along ``dim``: every entry <= 0, so ``exp`` of it cannot overflow."""
    m = np.max(x, axis=dim, keepdims=True, initial=-np.inf)
    # A row of -inf (or one holding +inf) gives inf - inf = nan, PyTorch's answer: no warning.
    with np.errstate(invalid="ignore"):
        return x - m


class Softmax(Function):
    """f(x)_i = exp(x_i) / Σ_j exp(x_j);  df/dx · g = f ⊙ (g - Σ_j g_j f_j)."""

    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(_shifted(x, dim))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    """f(x)_i = x_i - log Σ_j exp(x_j);  df/dx · g = g - softmax(x) ⊙ Σ_j g_j."""

    @staticmethod
    def forward(ctx, x, dim):
        s = _shifted(x, dim)
        with np.errstate(divide="ignore"):  # a size-0 dim: log of an empty sum, result empty
            out = s - np.log(np.exp(s).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True), None


def _softmax_dim(name: str, ndim: int) -> int:
    # PyTorch's legacy rule for a missing dim, kept (with its warning) so ported code agrees.
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input: Tensor, dim: int | None, dtype: Any, name: str) -> tuple[Tensor, int]:  # noqa: A002
    if dtype is not None:
        d = dtypes.to_dtype(dtype)
        if d.kind != "f":
            raise DtypeError(f"{name}: dtype must be a floating-point dtype, got {d}")
        input = _ew.to_dtype(input, d)  # noqa: A001
    a = input._data
    if a.dtype.kind != "f":
        raise DtypeError(f"{name}: expected a floating-point tensor, got dtype {a.dtype} "
                         "(pass dtype=microtensor.float32 or call .float() first)")
    if dim is None:
        dim = _softmax_dim(name, a.ndim)
    dim = normalize_dim(dim, a.ndim, name)
    return input, (dim if a.ndim else None)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """Probabilities along ``dim``: ``exp(x_i) / Σ_j exp(x_j)``, computed max-shifted.

    Args:
        input: float tensor of any shape.
        dim: the axis that sums to 1. ``None`` uses PyTorch's deprecated implicit
            choice (0 for 0-, 1- and 3-d input, else 1) and warns, as PyTorch does.
        dtype: cast ``input`` to this float dtype first.

    Returns:
        A tensor of ``input``'s shape (and dtype, or ``dtype``).
    """
    input, d = _softmax_input(input, dim, dtype, "softmax")  # noqa: A001
    return Softmax.apply(input, d)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """``log(softmax(input, dim))``, computed as ``x - max - log Σ exp(x - max)``.

    Finite wherever softmax underflows to 0 (logits of ±1000 included). Arguments
    as :func:`softmax`.
    """
    input, d = _softmax_input(input, dim, dtype, "log_softmax")  # noqa: A001
    return LogSoftmax.apply(input, d)


# --------------------------------------------------------------------------- activations


def _float_input(input: Tensor, name: str) -> np.ndarray:  # noqa: A002
    a = input._data
    if a.dtype.kind != "f":
        raise DtypeError(f"{name}: expected a floating-point tensor, got dtype {a.dtype} "
                         "(call .float() first)")
    return a


def _sigmoid(x: np.ndarray) -> np.ndarray:
    if isinstance(x, Tensor):  # a recorded backward: the op, whose derivative is right at 0
        return x.sigmoid()  # (|x| below has a kink there that sigmoid does not)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class LeakyRelu(Function):
    """f(x) = x if x > 0 else s·x;  df/dx = 1 if x > 0 else s (s at x = 0, as PyTorch).

    Where ``x <= 0`` the gradient is ``grad · s``, a product as in PyTorch (not a mask):
    with ``s = 0`` an inf gradient gives inf·0 = nan there, as it does in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # inf · 0 is nan, silently, as in PyTorch
            return np.where(x > 0, grad, grad * ctx.slope), None


class Elu(Function):
    """f(x) = x if x > 0 else α(eˣ - 1);  df/dx = 1 if x > 0 else α·eˣ (α at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        # exp only of min(x, 0): a large positive x must not overflow in the unused branch.
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, grad, grad * ctx.alpha * np.exp(np.minimum(x, 0))), None


_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_BETA = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715


class Gelu(Function):
    """f(x) = x·Φ(x) (or its tanh approximation);  df/dx = Φ(x) + x·φ(x).

    Φ(x) = (1 + erf(x/√2)) / 2; in a recorded backward erf is the ``Erf`` op, so the exact
    GELU is differentiable to any order too.
    """

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = _GELU_BETA * x * (1 + _GELU_KAPPA * x * x)  # not x³: no overflow
            return 0.5 * x * (1 + np.tanh(inner))
        cdf = 0.5 * (1 + erf_array(x / _SQRT_2))
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            # PyTorch's formula: d/dx [0.5 x (1 + tanh(u))], u = β (x + κ x³).
            t = np.tanh(_GELU_BETA * x * (1 + _GELU_KAPPA * x * x))
            du = _GELU_BETA * (1 + 3 * _GELU_KAPPA * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None
        cdf = 0.5 * (1 + erf_of(x / _SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return grad * (cdf + x * pdf), None


class Softplus(Function):
    """f(x) = log(1 + exp(βx)) / β (x where βx > threshold);  df/dx = sigmoid(βx) (1 there)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        # logaddexp(0, βx) is log(1 + exp(βx)) without overflow for any threshold.
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return np.where(bx > ctx.threshold, grad, grad * _sigmoid(bx)), None, None


class Silu(Function):
    """f(x) = x·σ(x);  df/dx = σ(x) (1 + x (1 - σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)  # recomputed: a recorded backward must see s depend on x
        return grad * s * (1 + x * (1 - s))


class Hardtanh(Function):
    """f(x) = min(max(x, lo), hi);  df/dx = 1 where lo < x < hi, else 0 (0 at lo and hi).

    Selected with ``where``, so a nan or inf gradient outside ``(lo, hi)`` still gives 0
    (and so does a nan input, as PyTorch's vectorised kernel gives).
    """

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)  # int stays int, as PyTorch

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where((x > ctx.lo) & (x < ctx.hi), grad, grad.dtype.type(0)), None, None


def _maybe_inplace(input: Tensor, inplace: bool, fn: Any, name: str, *args: Any) -> Tensor:  # noqa: A002
    if inplace:
        return _ew.inplace_unary(input, fn, name, *args)
    return fn(input, *args)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > 0``, else ``negative_slope * x`` (also the gradient at 0)."""
    _float_input(input, "leaky_relu")
    return _maybe_inplace(input, inplace, LeakyRelu.apply, "leaky_relu_", float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``; the gradient at 0 is ``alpha``."""
    _float_input(input, "elu")
    return _maybe_inplace(input, inplace, Elu.apply, "elu_", float(alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit, ``x * Φ(x)`` with Φ the standard normal CDF.

    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``. The exact
    form evaluates ``erf`` with Python's ``math.erf`` element by element (no SciPy), which
    is exact but slower than a NumPy ufunc on large tensors.
    """
    _float_input(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``."""
    _float_input(input, "softplus")
    return Softplus.apply(input, float(beta), float(threshold))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (also called swish)."""
    _float_input(input, "silu")
    return _maybe_inplace(input, inplace, Silu.apply, "silu_")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``; the gradient is 0 at both ends, as PyTorch."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return _maybe_inplace(input, inplace, Hardtanh.apply, "hardtanh_", min_val, max_val)


# --------------------------------------------------------------------------- dropout


class Dropout(Function):
    """f(x) = x ⊙ m / (1 - p), m_i ~ Bernoulli(1 - p);  df/dx = m / (1 - p)."""

    saved_constants = True  # it saves the mask

    @staticmethod
    def forward(ctx, x, p):
        keep = _random.dropout_keep(x.shape, p)
        # As PyTorch: the kept ones divided by (1 - p) in the input's dtype (not multiplied by
        # a rounded 1 / (1 - p), an ulp away); p = 1 drops everything (1 / 0 would be inf).
        if p == 1:
            mask = np.zeros(x.shape, x.dtype)
        else:
            mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p``, scale survivors by 1/(1-p).

    The expected value of every element is unchanged, so evaluation needs no rescaling:
    with ``training=False`` (or ``p=0``) ``input`` itself is returned. The mask comes from
    the global generator, so :func:`microtensor.manual_seed` makes it reproducible.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    _float_input(input, "dropout")
    return _maybe_inplace(input, inplace, Dropout.apply, "dropout_", float(p))
