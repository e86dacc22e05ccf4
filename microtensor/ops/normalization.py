"""Batch and layer normalisation, each one fused node with a hand-derived backward.

Both compute ``x̂ = (x - μ) / √(σ² + ε)`` and return ``γ x̂ + β``; they differ in
*which* elements share a ``μ`` and ``σ²``:

* ``batch_norm``: input ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``; one mean and
  one variance per channel ``C``, over every other axis (the batch, and for a
  convolution every position of the channel's activation map, as in the
  BatchNorm paper). ``γ`` and ``β`` have shape ``(C,)``.
* ``layer_norm``: one mean and variance per sample, over the trailing
  ``normalized_shape`` dims; ``γ`` and ``β`` have shape ``normalized_shape``.

The backward, with ``ĝ = γ·G`` (G the gradient from above, the means taken over
the elements that share a ``μ``)::

    dx = (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)) / √(σ² + ε)

The two subtracted terms are the paths through ``μ`` and through ``σ²``: in
training mode the batch statistics depend on every input, and dropping those
terms (treating ``μ`` and ``σ²`` as constants) gives a wrong gradient. In eval
mode ``batch_norm`` uses the running statistics, which are constants, and the
backward is the plain scale ``dx = ĝ / √(σ²_running + ε)``.

The variance that normalises is the biased one (divide by ``n``), as in the
paper and PyTorch; the running variance tracks the unbiased one (divide by
``n - 1``). The lecture notes write ``(h - μ) / (σ + ε)``; here (and in PyTorch)
``ε`` goes under the square root.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, bump_version
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, data_of

__all__ = ["batch_norm", "layer_norm"]


def _channel_axes(ndim: int) -> tuple[int, ...]:
    """Every axis but the channel axis 1: the axes a batch-norm statistic averages over."""
    return (0, *range(2, ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """A ``(C,)`` vector shaped ``(1, C, 1, ...)`` to broadcast against the input."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _channels_last(ndim: int) -> tuple[int, ...]:
    """The axis order that moves the channel axis 1 last: (N, C, H, W) → (N, H, W, C)."""
    return (0, *range(2, ndim), 1)


def _is_channels_last(a: np.ndarray) -> bool:
    return a.transpose(_channels_last(a.ndim)).flags.c_contiguous


def _channel_matrix(a: np.ndarray) -> np.ndarray:
    """``a`` (N, C, *) as the ``(M, C)`` matrix of its channel vectors, one row per position.

    A free view when ``a`` is channels-last in memory (what ``conv2d`` returns, and any
    ``(N, C)``); otherwise a copy, so that both sides of a node share one layout.
    """
    return a.transpose(_channels_last(a.ndim)).reshape(-1, a.shape[1])


def _from_channel_matrix(m: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of :func:`_channel_matrix`: ``(M, C)`` back to ``shape`` (a view)."""
    last = len(shape) - 1
    return m.reshape((shape[0], *shape[2:], shape[1])).transpose(0, last, *range(1, last))


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Σ of ``a`` over every axis but the channel axis 1, shaped ``(1, C, 1, ...)``.

    For an ``(M, C)`` matrix that is ``1ᵀ a``: as a matrix-vector product (BLAS) it is
    several times faster than NumPy's reduction down the columns.
    """
    if a.ndim == 2:
        return (np.ones(a.shape[0], dtype=a.dtype) @ a)[None]
    return a.sum(axis=_channel_axes(a.ndim), keepdims=True)


class BatchNorm(Function):
    """f = γx̂ + β, x̂ = (x - μ)/√(σ² + ε);  df/dx = (ĝ - mean ĝ - x̂ mean(ĝx̂))/√(σ² + ε), ĝ = γG.

    Per channel. In training mode ``μ`` and ``σ²`` are the batch statistics per channel
    (biased variance), and the backward goes through them (the two mean terms).
    In eval mode they are the running statistics, constants, and
    ``df/dx = ĝ / √(σ² + ε)``. Also ``df/dγ = Σ G x̂``, ``df/dβ = Σ G`` (sums over
    every axis but the channel), so ``mean ĝ = γ·df/dβ / M`` and ``mean(ĝx̂) = γ·df/dγ / M``
    (``M`` values per channel): the backward reuses the two sums.

    Like PyTorch's native op, the training forward updates the running
    statistics in place (they are buffers, not graph inputs):
    ``running = (1 - m)·running + m·batch``, with the unbiased variance.

    A channels-last input (``conv2d``'s output) is normalised as the ``(M, C)`` matrix
    of its channel vectors, a free view: every statistic is then a column sum, and the
    output is channels-last too. Otherwise the sums reduce the axes ``(0, 2, ...)``.

    An empty input (no sample, or no position) has no statistic: as in PyTorch the output
    is an empty copy, the running statistics are left alone and ``γ``, ``β`` get 0.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        if x.size == 0:
            return x.copy()
        x_in = x  # (saved for a recorded backward, which differentiates the composite)
        shape = x.shape
        matrix = x.ndim > 2 and _is_channels_last(x)
        if matrix:
            x = _channel_matrix(x)
        m = x.size // x.shape[1]  # values per channel
        if training:
            mean = _channel_sum(x) * (1 / m)
            x_hat = x - mean
            var = _channel_sum(np.square(x_hat)) * (1 / m)
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += momentum * (m / (m - 1)) * var.reshape(-1)
        else:  # eval: the running statistics, in the input's dtype (no float64 creep)
            x_hat = x - _per_channel(running_mean.astype(x.dtype, copy=False), x.ndim)
            var = _per_channel(running_var.astype(x.dtype, copy=False), x.ndim)
        inv_std = 1 / np.sqrt(var + eps)
        x_hat *= inv_std  # x - μ was this op's own new array: now it is x̂
        out = x_hat
        if weight is not None:
            out = out * _per_channel(weight, x.ndim)
        if bias is not None:
            out = out + _per_channel(bias, x.ndim)
        ctx.training, ctx.matrix, ctx.shape, ctx.eps = training, matrix, shape, eps
        if not training:  # the statistics used, as constants (the buffers change in place)
            ctx.stats = (running_mean.astype(x.dtype), running_var.astype(x.dtype))
        ctx.save_for_backward(x_hat, inv_std, weight, x_in, bias)
        return _from_channel_matrix(out, shape) if matrix else out

    @staticmethod
    def composite(ctx, x, weight, bias, *_):
        """The forward with recorded ops, for gradients of gradients."""
        per_channel = (1, -1) + (1,) * (x.ndim - 2)
        if ctx.training:
            axes = (0, *range(2, x.ndim))
            d = x - x.mean(dim=axes, keepdim=True)
            var = (d * d).mean(dim=axes, keepdim=True)
        else:
            mean, var = (Tensor._make(a.reshape(per_channel), False, None) for a in ctx.stats)
            d = x - mean
        out = d / (var + ctx.eps).sqrt()
        if weight is not None:
            out = out * weight.reshape(per_channel)
        if bias is not None:
            out = out + bias.reshape(per_channel)
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if grad.size == 0:  # an empty input (see the class docstring)
            zeros = np.zeros(grad.shape[1], grad.dtype)
            return (np.zeros_like(grad) if need_x else None, zeros if need_w else None,
                    zeros if need_b else None)
        x_hat, inv_std, weight = ctx.saved_tensors[:3]
        if ctx.matrix:
            grad = _channel_matrix(grad)
        m = grad.size // grad.shape[1]
        through_stats = need_x and ctx.training
        gx = gw = gb = None
        if need_b or through_stats:
            sum_g = _channel_sum(grad)  # df/dβ
            gb = sum_g.reshape(-1) if need_b else None
        if need_w or through_stats:
            sum_gx = _channel_sum(grad * x_hat)  # df/dγ
            gw = sum_gx.reshape(-1) if need_w else None
        if need_x:
            scale = inv_std if weight is None else inv_std * _per_channel(weight, grad.ndim)
            if through_stats:
                # The paths through the batch mean and the batch variance.
                gx = (grad - sum_g * (1 / m) - x_hat * (sum_gx * (1 / m))) * scale
            else:
                gx = grad * scale
            if ctx.matrix:
                gx = _from_channel_matrix(gx, ctx.shape)
        return gx, gw, gb


class LayerNorm(Function):
    """f = γx̂ + β, x̂ = (x - μ)/√(σ² + ε);  df/dx = (ĝ - mean ĝ - x̂ mean(ĝx̂))/√(σ² + ε), ĝ = γG.

    Per sample: ``μ``, ``σ²`` and the means in the backward are over the last ``k``
    axes (``normalized_shape``). ``df/dγ = Σ G x̂``, ``df/dβ = Σ G`` over the leading axes.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = np.square(x - mean).mean(axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        out = x_hat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        ctx.axes, ctx.eps = axes, eps
        ctx.save_for_backward(x_hat, inv_std, weight, x, bias)
        return out

    @staticmethod
    def composite(ctx, x, weight, bias, *_):
        """The forward with recorded ops, for gradients of gradients."""
        d = x - x.mean(dim=ctx.axes, keepdim=True)
        out = d / ((d * d).mean(dim=ctx.axes, keepdim=True) + ctx.eps).sqrt()
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors[:3]
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        lead = tuple(range(grad.ndim - len(axes)))
        gx = gw = gb = None
        if need_x:
            g = grad if weight is None else grad * weight
            g = g - g.mean(axis=axes, keepdims=True) \
                - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)
            gx = g * inv_std
        if need_w:
            gw = (grad * x_hat).sum(axis=lead)
        if need_b:
            gb = grad.sum(axis=lead)
        return gx, gw, gb


# --------------------------------------------------------------------------- public functions


def _float_input(x: np.ndarray, op: str) -> None:
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point input, got dtype {x.dtype} "
                         "(call .float() first)")


def _check_vector(v: np.ndarray | None, name: str, channels: int, shape: tuple, op: str) -> None:
    if v is not None and v.shape != (channels,):
        raise ShapeError(f"{op}: {name} should have shape ({channels},), one entry per channel "
                         f"of the input of shape {shape}, got shape {v.shape}")


def _bump(t: Any) -> None:
    """Count an in-place write into a buffer, so a backward that saved it notices."""
    if isinstance(t, Tensor):
        bump_version(t)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over every axis but the channel axis 1 (``F.batch_norm``).

    Args:
        input: ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)`` (any ``(N, C, *)``).
        running_mean, running_var: ``(C,)`` buffers, or ``None``. In training mode
            they are updated in place: ``running = (1 - momentum)·running +
            momentum·batch_stat``, with the *unbiased* batch variance (``n/(n-1)``
            times the biased one, ``n`` the number of values per channel). In eval
            mode they are what normalises, and they are required.
        weight, bias: ``γ`` and ``β``, shape ``(C,)``, or ``None`` (1 and 0).
        training: normalise with the batch statistics (and update the running ones)
            rather than with the running statistics.
        momentum: the weight of the new batch in the running average. ``nn.BatchNorm*``
            with ``momentum=None`` (a cumulative average) passes ``1/num_batches_tracked``.
        eps: added to the variance under the square root.

    Returns:
        ``γ (x - μ)/√(σ² + ε) + β``, the shape of ``input``.

    Raises:
        ValueError: in training mode with one value per channel (its variance is 0/0),
            as PyTorch: ``Expected more than 1 value per channel when training``. An
            empty input (``N = 0``, or a size-0 spatial dim) gives an empty output in
            either mode and leaves the running statistics unchanged, as in PyTorch.
    """
    x = data_of(input)
    _float_input(x, "batch_norm")
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input of shape (N, C), (N, C, L) or "
                         f"(N, C, H, W), got shape {x.shape}")
    if momentum is None:
        raise TypeError("batch_norm: momentum must be a float; the cumulative average "
                        "(momentum=None) is nn.BatchNorm's, which passes 1/num_batches_tracked")
    channels = x.shape[1]
    rm, rv = data_of(running_mean), data_of(running_var)
    for name, v in (("running_mean", rm), ("running_var", rv), ("weight", data_of(weight)),
                    ("bias", data_of(bias))):
        _check_vector(v, name, channels, x.shape, "batch_norm")
    # PyTorch's test: one value per channel (N·L or N·H·W == 1) has no variance; an empty
    # input (0 values per channel) is returned empty, so it passes.
    if training:
        if math.prod(x.shape[:1] + x.shape[2:]) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape} (batch_norm)")
    elif rm is None or rv is None:
        raise ValueError("batch_norm: running_mean and running_var must be given in evaluation "
                         "mode (training=False)")
    out = BatchNorm.apply(input, weight, bias, rm, rv, bool(training), float(momentum),
                          float(eps))
    if training:
        _bump(running_mean)
        _bump(running_var)
    return out


def layer_norm(input: Tensor, normalized_shape: int | tuple[int, ...] | list[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` dims (``F.layer_norm``).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape that shares one mean and variance per sample.
        weight, bias: ``γ``, ``β`` of shape ``normalized_shape``, or ``None``.
        eps: added to the (biased) variance under the square root.
    """
    x = data_of(input)
    _float_input(x, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    shape = tuple(int(s) for s in shape)
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        want = ", ".join(["*", *map(str, shape)])
        raise ShapeError(f"layer_norm: given normalized_shape={shape}, expected an input of "
                         f"shape ({want}), got shape {x.shape}")
    for name, v in (("weight", data_of(weight)), ("bias", data_of(bias))):
        if v is not None and v.shape != shape:
            raise ShapeError(f"layer_norm: {name} should have shape normalized_shape={shape}, "
                             f"got shape {v.shape}")
    return LayerNorm.apply(input, weight, bias, k, float(eps))
