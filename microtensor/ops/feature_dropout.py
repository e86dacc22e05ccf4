"""Channel-wise dropout (``dropout1d``, ``dropout2d``) and ``alpha_dropout``.

``dropout1d``/``dropout2d`` zero whole channels: one Bernoulli draw per (sample,
channel), shape ``(N, C, 1, ...)``, broadcast over the positions, as PyTorch draws it
(``new_empty((N, C, 1, ...)).bernoulli_(1 - p)``), so a seed gives PyTorch's channels.
Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels
barely regularises a convolution; dropping the map does.

``alpha_dropout`` keeps SELU's self-normalisation: a dropped unit is set to SELU's
negative saturation ``-α' = -λα`` instead of 0, then an affine map ``a·x + b`` restores
mean 0 and variance 1.

Each is the input times a constant mask (plus a constant), recorded ops, so gradients
of any order come for free: ``df/dx`` is the mask.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import random as _random
from ..tensor import Tensor

__all__ = [
    "alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout",
    "feature_dropout",
]

_ALPHA = 1.7580993408473766  # SELU's λ·α: the value a dropped unit takes is -_ALPHA


def _check_p(p: float, op: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def feature_dropout(input: Tensor, p: float, training: bool) -> Tensor:  # noqa: A002
    """Zero each channel (dim 1) of ``(N, C, *)`` with probability ``p``; scale by 1/(1-p)."""
    if not training or p == 0:
        return input
    dtype = input._data.dtype
    keep = _random.dropout_keep(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), p)
    mask = np.zeros(keep.shape, dtype) if p == 1 else keep.astype(dtype) / dtype.type(1 - p)
    return input * _const(mask)


def _feature(input: Tensor, p: float, training: bool, inplace: bool, batched: int,  # noqa: A002
             op: str) -> Tensor:
    _check_p(p, op)
    if input.ndim not in (batched - 1, batched):
        raise ValueError(f"{op}: expected an input of {batched - 1} or {batched} dimensions, "
                         f"got shape {tuple(input.shape)}")
    unbatched = input.ndim == batched - 1
    x = input.unsqueeze(0) if unbatched else input
    out = feature_dropout(x, p, training)
    out = out.squeeze(0) if unbatched else out
    if inplace and out is not input:
        return input.copy_(out)
    return out


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Channel dropout of ``(N, C, L)`` or ``(C, L)``."""
    return _feature(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Channel dropout of ``(N, C, H, W)``; a 3-D input is taken as ``(N, C, L)``, with
    PyTorch's warning (its historical behaviour)."""
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      UserWarning, stacklevel=2)
        _check_p(p, "dropout2d")
        return feature_dropout(input, p, training)
    return _feature(input, p, training, inplace, 4, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Channel dropout of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _feature(input, p, training, inplace, 5, "dropout3d")


def _alpha(input: Tensor, p: float, shape: tuple) -> Tensor:  # noqa: A002
    """``x·(keep·a) + b`` with one Bernoulli draw per element of ``shape`` (broadcast)."""
    dtype = input._data.dtype
    keep = _random.dropout_keep(shape, p).astype(dtype)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return input * _const((keep * a).astype(dtype)) + _const(b.astype(dtype))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels: one draw per (sample, channel)."""
    _check_p(p, "feature_alpha_dropout")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    return _alpha(input, p, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units become ``-λα``, then ``a·x + b`` with
    ``a = 1/√((α'²p + 1)(1 - p))``, ``b = a·α'·p`` on kept units' complement, so the
    mean and variance are unchanged. Note ``training=False`` by default, as PyTorch."""
    _check_p(p, "alpha_dropout")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    return _alpha(input, p, tuple(input.shape))
