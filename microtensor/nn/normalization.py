"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``.

**BatchNorm** normalises each channel with statistics of the current mini-batch
in training mode, and with running averages of those statistics in eval mode::

    y = γ · (x - μ) / √(σ² + ε) + β

* training (``model.train()``): ``μ``, ``σ²`` are the batch's per-channel mean
  and *biased* variance, over every axis but the channel (for ``BatchNorm2d``
  one mean and variance per activation map, over the batch and all pixels). The
  gradient flows through ``μ`` and ``σ²`` too: each output depends on the whole
  batch. The buffers are updated:
  ``running_mean = (1 - momentum)·running_mean + momentum·μ`` and likewise
  ``running_var`` with the *unbiased* batch variance ``σ²·n/(n-1)``.
  ``momentum=None`` makes them the plain average of every batch so far
  (``momentum = 1/num_batches_tracked``).
* eval (``model.eval()``): ``μ``, ``σ²`` are ``running_mean``, ``running_var``,
  so a prediction depends on its own input only (and works for a single
  sample). With ``track_running_stats=False`` there are no running statistics
  and the batch statistics are used in both modes.

The lecture notes' formula ``(h - μ)/(σ + ε)`` puts ``ε`` outside the square
root; PyTorch and this module put it inside: ``√(σ² + ε)``.

**LayerNorm** normalises each sample over its last dims (``normalized_shape``),
the same in training and eval, with no running statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..creation import ones, zeros
from ..errors import ShapeError
from ..tensor import Tensor, tensor
from . import functional as F
from . import init
from .linear import _check_size, _factory_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm"]


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input dims they accept."""

    _version = 2
    _dims: tuple[int, ...] = ()
    _expected = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        d = _factory_dtype(device, dtype, name)
        self.num_features = _check_size(num_features, "num_features", name)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
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
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and ``γ = 1``, ``β = 0``."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input(self, x: Tensor) -> None:
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in self._dims:
            raise ValueError(f"{name}: expected {self._expected}, got {x.ndim}D input of shape "
                             f"{tuple(x.shape)}")
        has_vectors = self.weight is not None or self.running_mean is not None
        if has_vectors and x.shape[1] != self.num_features:
            raise ShapeError(f"{name}({self.num_features}): input of shape {tuple(x.shape)} has "
                             f"{x.shape[1]} channels (dim 1), expected {self.num_features}")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input(input)
        tracking = self.training and self.track_running_stats \
            and self.num_batches_tracked is not None
        factor = 0.0 if self.momentum is None else self.momentum
        if tracking and self.momentum is None:  # cumulative average: this batch counts 1/n
            factor = 1.0 / float(self.num_batches_tracked.item() + 1)
        # Batch statistics in training, and in eval when there are no running ones.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        out = F.batch_norm(input, self.running_mean if keep else None,
                           self.running_var if keep else None, self.weight, self.bias,
                           use_batch, factor, self.eps)
        if tracking:  # counted once the batch was accepted
            with no_grad():
                self.num_batches_tracked.add_(1)
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` features or ``(N, C, L)`` sequences, per channel ``C``.

    Args:
        num_features: ``C``.
        eps: added to the variance under the square root (default 1e-5).
        momentum: weight of the new batch in the running averages (default 0.1);
            ``None`` for a cumulative average over all batches.
        affine: learn ``weight`` (γ, init 1) and ``bias`` (β, init 0), shape ``(C,)``.
        track_running_stats: keep ``running_mean`` (init 0), ``running_var`` (init 1)
            and ``num_batches_tracked`` (int64) buffers and use them in eval mode.
        bias: with ``affine``, also learn β (keyword only, as PyTorch).

    See the module docstring for the training/eval behaviour.
    """

    _dims = (2, 3)
    _expected = "2D input (N, C) or 3D input (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` images: one mean and one variance per channel,
    over the batch and every pixel of the channel's activation map.

    Arguments as :class:`BatchNorm1d`.
    """

    _dims = (4,)
    _expected = "4D input (N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of volumes ``(N, C, D, H, W)``, one mean and variance per channel.

    Arguments as :class:`BatchNorm1d`.
    """

    _dims = (5,)
    _expected = "5D input (N, C, D, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last dims: ``y = γ (x - μ)/√(σ² + ε) + β``.

    Args:
        normalized_shape: the trailing shape that shares one mean and variance
            (an int means the last dim only).
        eps: added to the (biased) variance under the square root.
        elementwise_affine: learn ``weight`` (γ, init 1) and ``bias`` (β, init 0),
            both of shape ``normalized_shape``.
        bias: with ``elementwise_affine``, also learn β.

    Unlike BatchNorm there are no running statistics: training and eval agree.
    """

    def __init__(self, normalized_shape: int | tuple[int, ...] | list[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, "LayerNorm")
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(_check_size(s, "normalized_shape", "LayerNorm")
                                      for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, dtype=d))
            if bias:
                self.bias = Parameter(zeros(self.normalized_shape, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
