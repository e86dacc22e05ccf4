"""Per-sample normalisation: ``GroupNorm``, ``InstanceNorm1d/2d/3d``, ``RMSNorm`` and
``LocalResponseNorm``.

Unlike BatchNorm, the statistics are each sample's own, so a batch of one works and
training and eval agree (unless an InstanceNorm tracks running statistics):

* ``GroupNorm(G, C)``: one mean and variance per sample and group of ``C/G`` channels
  (``G = 1``: over the whole sample, like LayerNorm over ``(C, *)``; ``G = C``: per
  channel, instance norm). Affine ``γ``, ``β`` per channel (ones and zeros).
* ``InstanceNorm``: one mean and variance per sample and channel (style transfer);
  ``affine=False`` and ``track_running_stats=False`` by default, as PyTorch.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..creation import ones, zeros
from ..tensor import Tensor, tensor
from . import functional as F
from . import init
from .linear import _factory_dtype
from .module import Module
from .parameter import Parameter

__all__ = [
    "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm",
    "RMSNorm",
]


class GroupNorm(Module):
    """Group normalisation of ``(N, C, *)``: ``γ (x - μ)/√(σ² + ε) + β`` per sample and group.

    Args:
        num_groups: ``G``, dividing ``num_channels``.
        num_channels: ``C``.
        eps: added to the variance under the square root.
        affine: learn ``weight`` (γ, ones) and ``bias`` (β, zeros), shape ``(C,)``.
        bias: with ``affine``, also learn β.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("GroupNorm: num_channels must be divisible by num_groups, got "
                             f"num_channels={num_channels}, num_groups={num_groups}")
        d = _factory_dtype(device, dtype, "GroupNorm")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=d))
            if bias:
                self.bias = Parameter(zeros(num_channels, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(Module):
    _no_batch_dim = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, type(self).__name__)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=d))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=d))
            self.register_buffer("running_var", ones(num_features, dtype=d))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_parameters(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (self._no_batch_dim, self._no_batch_dim + 1):
            raise ValueError(f"{name}: expected {self._no_batch_dim}D (unbatched) or "
                             f"{self._no_batch_dim + 1}D (batched) input, got shape "
                             f"{tuple(input.shape)}")
        channels = input.shape[input.ndim - self._no_batch_dim]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim "
                                 f"{input.ndim - self._no_batch_dim} to match num_features "
                                 f"({self.num_features}), but got: {channels}.")
            warnings.warn(f"input's size at dim {input.ndim - self._no_batch_dim} does not "
                          f"match num_features. You can silence this warning by not passing "
                          f"in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=2)
        unbatched = input.ndim == self._no_batch_dim
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or ``(C, L)``: per sample and channel."""

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or ``(C, H, W)``: per sample and channel."""

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _no_batch_dim = 4


class RMSNorm(Module):
    """``y = x / √(mean(x²) + ε) · γ`` over the trailing ``normalized_shape`` dims: LayerNorm
    without the mean (and without β).

    Args:
        normalized_shape: the trailing shape normalised together (an int: the last dim).
        eps: added under the square root; ``None`` is the input dtype's machine epsilon.
        elementwise_affine: learn ``weight`` (γ, ones), shape ``normalized_shape``.
    """

    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, "RMSNorm")
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, dtype=d))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Divide each channel by ``(k + α·mean of x² over size neighbouring channels)^β``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
