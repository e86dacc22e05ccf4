"""More activations: the hard (piecewise-linear) family, the shrinks, Mish, LogSigmoid, PReLU.

Each fused op is one Function with its math on the first docstring line; the backward
formulas are written with ``np.where`` and ufuncs, so on Tensors (``create_graph=True``)
they record their own graph. Activations that are a rescaled existing op are written as
that op (``selu`` and ``celu`` are ``elu``, ``relu6`` is ``hardtanh(0, 6)``, ``softmin``
is ``softmax(-x)``, ``glu`` and ``tanhshrink`` compose two ops), as PyTorch's own
decompositions do, so there is one derivative to trust, not two.

At the kinks the gradients are PyTorch's: ``hardsigmoid'`` is 0 at ±3; ``hardswish'``
is ``x/3 + 1/2`` on ``[-3, 3]`` (so -1/2 at -3 and 3/2 at 3); the shrinks and
``threshold`` pass the gradient only strictly outside ``[-λ, λ]`` (above the threshold);
``prelu'`` at 0 is the slope ``a``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .activation import Elu, Hardtanh, _float_input, _maybe_inplace, _sigmoid, softmax

__all__ = [
    "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "logsigmoid", "mish", "prelu",
    "relu6", "selu", "softmin", "softshrink", "softsign", "tanhshrink", "threshold",
]

# PyTorch's SELU constants (Klambauer et al. 2017), to the digits PyTorch uses.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _softplus(x: Any) -> Any:
    """``log(1 + eˣ)`` without overflow (``np.logaddexp`` is a ufunc: a Tensor records it)."""
    return np.logaddexp(0, x)


class Hardsigmoid(Function):
    """f(x) = min(max(x/6 + 1/2, 0), 1);  df/dx = 1/6 on (-3, 3), else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where((x > -3) & (x < 3), grad / 6, 0 * grad)


class Hardswish(Function):
    """f(x) = x·min(max(x + 3, 0), 6)/6;  df/dx = 0 (x < -3), x/3 + 1/2 (-3 ≤ x ≤ 3), 1 (x > 3)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inner = np.where(x <= 3, grad * (x / 3 + 0.5), grad)
        return np.where(x < -3, 0 * grad, inner)


class Mish(Function):
    """f(x) = x·tanh(softplus(x));  df/dx = tanh(sp) + x·σ(x)·(1 - tanh²(sp)),  sp = softplus(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(_softplus(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = np.tanh(_softplus(x))
        return grad * (t + x * _sigmoid(x) * (1 - t * t))


class LogSigmoid(Function):
    """f(x) = log σ(x) = -softplus(-x);  df/dx = 1 - σ(x) = σ(-x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -_softplus(-x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _sigmoid(-x)


class Softsign(Function):
    """f(x) = x / (1 + |x|);  df/dx = 1 / (1 + |x|)²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = 1 + np.abs(x)
        return grad / (d * d)


class Softshrink(Function):
    """f(x) = x - λ (x > λ), x + λ (x < -λ), else 0;  df/dx = 1 where |x| > λ, else 0."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0 * x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where((x >= -ctx.lambd) & (x <= ctx.lambd), grad.dtype.type(0), grad), None


class Hardshrink(Function):
    """f(x) = x where |x| > λ, else 0;  df/dx = 1 where |x| > λ, else 0."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        # as PyTorch: 0 only where -λ <= x <= λ (a nan x, or a nan λ, keeps x)
        return np.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where((x >= -ctx.lambd) & (x <= ctx.lambd), grad.dtype.type(0), grad), None


class Threshold(Function):
    """f(x) = x where x > threshold, else value;  df/dx = 1 where x > threshold, else 0."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x > threshold, x, np.asarray(value, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > ctx.threshold, grad, 0 * grad), None, None


class Prelu(Function):
    """f(x, a) = x (x > 0), a·x (x ≤ 0);  df/dx = 1 or a,  df/da = 0 or x (a broadcasts)."""

    @staticmethod
    def forward(ctx, x, a):
        ctx.save_for_backward(x, a)
        return np.where(x > 0, x, a * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, a = ctx.saved_tensors
        pos = x > 0
        return np.where(pos, grad, grad * a), np.where(pos, 0 * grad, grad * x)


# --------------------------------------------------------------------------- functions


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between."""
    _float_input(input, "hardsigmoid")
    return _maybe_inplace(input, inplace, Hardsigmoid.apply, "hardsigmoid_")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x · hardsigmoid(x)`` (MobileNetV3's cheap swish)."""
    _float_input(input, "hardswish")
    return _maybe_inplace(input, inplace, Hardswish.apply, "hardswish_")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(x, 0), 6)``: PyTorch's ``hardtanh(x, 0, 6)``, with its zero gradient at 0 and 6."""
    return _maybe_inplace(input, inplace, Hardtanh.apply, "relu6_", 0.0, 6.0)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x · tanh(softplus(x))``, a smooth, non-monotonic ReLU."""
    _float_input(input, "mish")
    return _maybe_inplace(input, inplace, Mish.apply, "mish_")


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(1 / (1 + e⁻ˣ))``, computed as ``-softplus(-x)`` (finite for any x)."""
    _float_input(input, "logsigmoid")
    return LogSigmoid.apply(input)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``."""
    _float_input(input, "softsign")
    return Softsign.apply(input)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``."""
    _float_input(input, "tanhshrink")
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """Shrink toward 0 by ``lambd``: ``x ∓ λ`` outside ``[-λ, λ]``, 0 inside."""
    _float_input(input, "softshrink")
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be greater or equal to 0, got {lambd}")
    return Softshrink.apply(input, float(lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` outside ``[-λ, λ]``, 0 inside."""
    _float_input(input, "hardshrink")
    return Hardshrink.apply(input, float(lambd))


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    _float_input(input, "threshold")
    return _maybe_inplace(input, inplace, Threshold.apply, "threshold_", float(threshold),
                          float(value))


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale · elu(x, alpha)`` with PyTorch's self-normalising constants."""
    _float_input(input, "selu")

    def fn(x: Tensor) -> Tensor:
        return Elu.apply(x, SELU_ALPHA) * SELU_SCALE

    return _maybe_inplace(input, inplace, fn, "selu_")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(0, x) + min(0, α(exp(x/α) - 1))`` = ``α · elu(x/α)``."""
    _float_input(input, "celu")
    if alpha == 0:
        raise ValueError("celu: ZeroDivisionError, alpha must not be 0")

    def fn(x: Tensor) -> Tensor:
        return Elu.apply(x / alpha, 1.0) * alpha

    return _maybe_inplace(input, inplace, fn, "celu_")


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """``softmax(-x, dim)``: the smallest entries get the largest probabilities."""
    return softmax(-input, dim, dtype=dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a · σ(b)``."""
    n = input.shape[dim] if input.ndim else 0
    if input.ndim == 0 or n % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} of shape "
                         f"{tuple(input.shape)} is size {n}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``x`` where ``x > 0``, else ``weight · x``; ``weight`` is one slope, or one per channel
    (dim 1 of the input, dim 0 of a 1-d input)."""
    _float_input(input, "prelu")
    w = weight
    if w.ndim != 1 or w.shape[0] not in (1,) + tuple(input.shape[1:2] if input.ndim >= 2
                                                      else input.shape[:1]):
        if w.numel() != 1:
            raise ValueError(f"prelu: weight of shape {tuple(w.shape)} must have 1 element or "
                             f"one per channel of the input {tuple(input.shape)}")
    if w.numel() != 1 and input.ndim >= 2:
        w = w.reshape((1, -1) + (1,) * (input.ndim - 2))
    elif w.numel() == 1:
        w = w.reshape(())
    return Prelu.apply(input, w)
