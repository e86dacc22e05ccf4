"""Per-sample normalisation: group, instance and RMS norm, and local response normalisation.

Both normalise each sample on its own (no statistics cross the batch):

* ``group_norm``: the ``C`` channels split into ``G`` groups; one mean and variance per
  (sample, group), over the group's channels and every position.
* ``instance_norm``: one mean and variance per (sample, channel), over the positions
  (``group_norm`` with ``G = C``, plus optional running statistics).

Reshaping ``(N, C, *)`` to ``(1, N·G, -1)`` turns each (sample, group) into one
"channel" of a batch of one, so training-mode ``batch_norm`` (``ops/normalization.py``,
one fused node with the full backward through μ and σ²) computes exactly these
statistics; the per-channel ``γ``, ``β`` are applied afterwards. Instance norm's
running statistics are updated as PyTorch's: each (sample, channel) moves its own copy
of the running value, and the buffer becomes the mean of the copies.

``rms_norm`` (Zhang & Sennrich 2019, the LLaMA family's norm) only rescales:
``x / √(mean(x²) + ε) · γ`` over the trailing ``normalized_shape`` dims, no mean removed.
``local_response_norm`` (AlexNet) divides each channel by ``(k + α·mean of x² over
size neighbouring channels)^β``. Both are written with recorded ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..errors import ShapeError
from ..tensor import Tensor
from .normalization import batch_norm
from .padding import pad

__all__ = ["group_norm", "instance_norm", "local_response_norm", "rms_norm"]


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation of ``(N, C, *)``: ``γ (x - μ)/√(σ² + ε) + β`` with one ``μ, σ²``
    per sample and group of ``C/num_groups`` channels; ``γ, β`` of shape ``(C,)``."""
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected an input of shape (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: expected the number of channels {c} to be divisible by "
                         f"num_groups={num_groups}")
    x = input.reshape(1, n * num_groups, -1)
    y = batch_norm(x, None, None, None, None, True, 0.0, eps).reshape(input.shape)
    return _affine(y, weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalisation of ``(N, C, *)``: one ``μ, σ²`` per sample and channel.

    With ``use_input_stats`` (training, or no running statistics) the input's own
    statistics normalise, and ``running_mean``/``running_var`` (if given) move toward
    their batch averages by ``momentum``. Otherwise the running statistics normalise.
    """
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input of shape (N, C, *) with at least "
                         f"one spatial dimension, got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    if not use_input_stats:
        y = batch_norm(input, running_mean, running_var, None, None, False, momentum, eps)
        return _affine(y, weight, bias)
    x = input.reshape(1, n * c, *input.shape[2:])
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    y = batch_norm(x, rm, rv, None, None, True, momentum, eps).reshape(input.shape)
    with no_grad():
        for buf, copies in ((running_mean, rm), (running_var, rv)):
            if buf is not None:
                buf.copy_(copies.reshape(n, c).mean(0))
    return _affine(y, weight, bias)




def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """``x / √(mean(x²) + eps) · weight`` over the trailing ``normalized_shape`` dims;
    ``eps=None`` is the machine epsilon of the input's dtype, as PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ShapeError(f"rms_norm: normalized_shape {shape} does not match the trailing dims "
                         f"of the input of shape {tuple(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """``x / (k + α · mean of x² over the size channels around each)^β`` (zero-padded)."""
    if input.ndim < 3:
        raise ShapeError(f"local_response_norm: expected 3D or higher input (N, C, *), got "
                         f"shape {tuple(input.shape)}")
    if input.shape[1] == 0:
        return input
    channels = input.shape[1]
    widths = [0, 0] * (input.ndim - 2) + [size // 2, (size - 1) // 2]
    sq = pad(input * input, widths)
    window = sq[:, 0:channels]
    for i in range(1, size):
        window = window + sq[:, i:i + channels]
    return input / (window * (alpha / size) + k) ** beta
