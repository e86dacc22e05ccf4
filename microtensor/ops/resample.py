"""Resampling: ``interpolate`` (nearest, linear/bilinear/trilinear, area) and the pixel shuffles.

**Interpolation is separable**: along each spatial axis, every output position reads
the input at a source coordinate, PyTorch's

* ``align_corners=False`` (the default): ``src = (dst + 1/2)·scale - 1/2``, clamped at
  0 (pixel *centres* line up; ``scale = in/out``, or ``1/scale_factor`` when given);
* ``align_corners=True``: ``src = dst·(in - 1)/(out - 1)`` (the corner pixels line up);
* ``nearest``: ``floor(dst·scale)``; ``nearest-exact``: ``floor((dst + 1/2)·scale)``.

Linear modes blend the two neighbours ``i0 = floor(src)`` and ``i1 = i0 + 1`` with
weight ``λ = src - i0``: ``x[i0] + λ·(x[i1] - x[i0])``, one axis after the other
(bilinear is linear along H, then along W). Each step is an indexing op and
arithmetic, all recorded, so gradients of any order come for free: the gradient of a
gathered element flows back to its source, the neighbours' gradients weighted by λ.

**Pixel shuffle** rearranges ``(*, C·r², H, W)`` into ``(*, C, H·r, W·r)`` (sub-pixel
convolution); it is a reshape and a permutation, and ``pixel_unshuffle`` its inverse.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .pooling import adaptive_avg_pool2d

__all__ = ["channel_shuffle", "interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _source(out: int, n: int, scale: float, mode: str, align_corners: bool) -> np.ndarray:
    dst = np.arange(out, dtype=np.float64)
    if mode == "nearest":
        return np.minimum(np.floor(dst * scale).astype(np.int64), n - 1)
    if mode == "nearest-exact":
        return np.minimum(np.floor((dst + 0.5) * scale).astype(np.int64), n - 1)
    if align_corners:
        return dst * ((n - 1) / (out - 1) if out > 1 else 0.0)
    return np.maximum((dst + 0.5) * scale - 0.5, 0.0)


def _along(x: Tensor, axis: int, idx: np.ndarray) -> Tensor:
    return x[(slice(None),) * axis + (idx,)]


def _resample_axis(x: Tensor, axis: int, out: int, scale: float, mode: str,
                   align_corners: bool) -> Tensor:
    n = x.shape[axis]
    src = _source(out, n, scale, mode, align_corners)
    if mode.startswith("nearest"):
        return _along(x, axis, src)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = (src - i0).astype(x._data.dtype).reshape((out,) + (1,) * (x.ndim - axis - 1))
    x0 = _along(x, axis, i0)
    return x0 + Tensor._make(lam, False, None) * (_along(x, axis, i1) - x0)


def _tuple(v: Any, k: int, name: str) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != k:
            raise ValueError(f"interpolate: {name} must have {k} elements for a {k}-D "
                             f"resampling, got {v!r}")
        return tuple(v)
    return (v,) * k


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial axes of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    Args:
        size: the output size (an int for every axis, or one per axis).
        scale_factor: or a multiplier per axis (output ``floor(n·scale_factor)``).
        mode: "nearest", "nearest-exact", "linear" (3-D input), "bilinear" (4-D),
            "trilinear" (5-D) or "area" (adaptive average pooling).
        align_corners: for the linear modes (see the module docstring); default False.
        recompute_scale_factor: compute the scale from the output size, not the factor.

    Difference from PyTorch: "bicubic" and ``antialias=True`` are not implemented.
    """
    if input.ndim < 3:
        raise ShapeError(f"interpolate: expected an input of shape (N, C, *spatial), got "
                         f"shape {tuple(input.shape)}")
    k = input.ndim - 2
    if mode in _LINEAR and _LINEAR[mode] != input.ndim:
        raise NotImplementedError(f"interpolate: mode {mode!r} expects a {_LINEAR[mode]}-D "
                                  f"input, got {input.ndim}-D")
    if mode not in ("nearest", "nearest-exact", "area", *_LINEAR):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented (nearest, "
                                  "nearest-exact, linear, bilinear, trilinear, area are)")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size or scale_factor must be given")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        out = tuple(int(s) for s in _tuple(size, k, "size"))
        scales = [n / o for n, o in zip(in_sizes, out)]
    else:
        factors = [float(f) for f in _tuple(scale_factor, k, "scale_factor")]
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_sizes, factors))
        scales = [n / o for n, o in zip(in_sizes, out)] if recompute_scale_factor \
            else [1.0 / f for f in factors]
    if mode == "area":
        if k == 1:
            return adaptive_avg_pool2d(input.unsqueeze(-2), (1, out[0])).squeeze(-2)
        if k == 2:
            return adaptive_avg_pool2d(input, out)
        raise NotImplementedError("interpolate: mode 'area' is implemented for 3-D and 4-D "
                                  "inputs")
    x = input
    for axis, (o, scale) in enumerate(zip(out, scales), start=2):
        x = _resample_axis(x, axis, o, scale, mode, bool(align_corners))
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate`, kept as PyTorch keeps it."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)``: each group of ``r²`` channels becomes an
    ``r × r`` block of pixels."""
    r = int(upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle: expected an input (*, C·r², H, W) with channels "
                         f"divisible by r² = {r * r}, got shape {tuple(input.shape)}")
    *b, c, h, w = input.shape
    nb = len(b)
    x = input.reshape(*b, c // (r * r), r, r, h, w)
    x = x.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.reshape(*b, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)``, the inverse of :func:`pixel_shuffle`."""
    r = int(downscale_factor)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ShapeError(f"pixel_unshuffle: expected an input (*, C, H·r, W·r) with H and W "
                         f"divisible by r = {r}, got shape {tuple(input.shape)}")
    *b, c, h, w = input.shape
    nb = len(b)
    x = input.reshape(*b, c, h // r, r, w // r, r)
    x = x.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.reshape(*b, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """``(N, g·c, *)``: channel ``i·c + j`` moves to ``j·g + i`` (ShuffleNet's mixing of
    grouped convolutions' channels); a reshape and a transpose."""
    if input.ndim < 3 or groups <= 0 or input.shape[1] % groups:
        raise ValueError(f"channel_shuffle: expected an input (N, C, *) with C divisible by "
                         f"groups={groups}, got shape {tuple(input.shape)}")
    n, c, *rest = input.shape
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)
