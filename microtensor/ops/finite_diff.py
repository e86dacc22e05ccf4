"""``torch.gradient``: derivatives of sampled values by finite differences.

Second-order central differences inside, one-sided ones (first or second order) at the
edges; for coordinates that are not evenly spaced, the weights of the quadratic through
three neighbouring samples (NumPy's ``np.gradient``, which PyTorch follows). It is composed
of slicing and arithmetic ops, so gradients flow back to the samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..errors import DimensionError, ValueRangeError, normalize_dim
from ..tensor import Tensor
from .arithmetic import _is_number
from .inplace import to_dtype

__all__ = ["gradient"]


def _take(t: Tensor, dim: int, start: int, stop: int | None) -> Tensor:
    return t[(slice(None),) * dim + (slice(start, stop),)]


def _shaped(w: Any, dim: int, ndim: int) -> Any:
    """Per-sample weights along ``dim``, shaped to broadcast against the samples."""
    if _is_number(w):
        return w
    return w.reshape((-1,) + (1,) * (ndim - dim - 1))


def _one_dim(f: Tensor, dim: int, h: Any, edge_order: int) -> Tensor:
    from .joining import cat

    n, nd = f.shape[dim], f.ndim
    first, second = _take(f, dim, 0, 1), _take(f, dim, 1, 2)
    last, before = _take(f, dim, n - 1, n), _take(f, dim, n - 2, n - 1)
    if _is_number(h):  # evenly spaced
        inner = (_take(f, dim, 2, None) - _take(f, dim, 0, n - 2)) / (2.0 * h)
        if edge_order == 1:
            lo, hi = (second - first) / h, (last - before) / h
        else:
            third, antepenult = _take(f, dim, 2, 3), _take(f, dim, n - 3, n - 2)
            lo = (first * -1.5 + second * 2.0 - third * 0.5) / h
            hi = (antepenult * 0.5 - before * 2.0 + last * 1.5) / h
        return cat([lo, inner, hi], dim)
    dx = np.diff(h)  # coordinates: the steps between samples
    d1, d2 = dx[:-1], dx[1:]
    a = _shaped(-d2 / (d1 * (d1 + d2)), dim, nd)
    b = _shaped((d2 - d1) / (d1 * d2), dim, nd)
    c = _shaped(d1 / (d2 * (d1 + d2)), dim, nd)
    inner = _take(f, dim, 0, n - 2) * a + _take(f, dim, 1, n - 1) * b + _take(f, dim, 2, None) * c
    if edge_order == 1:
        lo, hi = (second - first) / float(dx[0]), (last - before) / float(dx[-1])
    else:
        third, antepenult = _take(f, dim, 2, 3), _take(f, dim, n - 3, n - 2)
        p, q = float(dx[0]), float(dx[1])
        lo = (first * (-(2 * p + q) / (p * (p + q))) + second * ((p + q) / (p * q))
              + third * (-p / (q * (p + q))))
        p, q = float(dx[-2]), float(dx[-1])
        hi = (antepenult * (q / (p * (p + q))) + before * (-(p + q) / (p * q))
              + last * ((2 * q + p) / (q * (p + q))))
    return cat([lo, inner, hi], dim)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,  # noqa: A002
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of ``input``'s samples along each dim in ``dim`` (all by default).

    Args:
        input: the samples, at least ``edge_order + 1`` along each dim differentiated.
        spacing: one number (the step of every dim), one number per dim, or one 1-d tensor of
            coordinates per dim.
        dim: an int or a list of ints; None is every dim.
        edge_order: 1 or 2, the order of the one-sided differences at the edges.

    Returns:
        one tensor per dim, shaped like ``input`` (integers become the default float dtype).
    """
    if edge_order not in (1, 2):
        raise ValueRangeError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    nd = input.ndim
    dims = list(range(nd)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [normalize_dim(d, nd, "gradient") for d in dims]
    if len(set(dims)) != len(dims):
        raise DimensionError(f"gradient: dim {dim} names a dim twice")
    if _is_number(spacing):
        steps = [spacing] * len(dims)
    else:
        steps = list(spacing)
        if len(steps) != len(dims):
            raise ValueRangeError(f"gradient: expected spacing to be unspecified, a scalar, or "
                                  f"a list of length {len(dims)} (one per dim), got "
                                  f"{len(steps)} entries")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise ValueRangeError(f"gradient: expected each dimension size to be at least "
                                  f"edge_order+1 ({edge_order + 1}), got {input.shape[d]} "
                                  f"along dim {d}")
    if input._data.dtype.kind != "f":
        input = to_dtype(input, dtypes.get_default_dtype())
    out = []
    for d, h in zip(dims, steps):
        if isinstance(h, Tensor):
            if h.ndim != 1 or h.shape[0] != input.shape[d]:
                raise ValueRangeError(f"gradient: coordinates for dim {d} must be 1-d of size "
                                      f"{input.shape[d]}, got shape {tuple(h.shape)}")
            h = h._data.astype(input._data.dtype)
        elif isinstance(h, np.generic):
            h = h.item()
        out.append(_one_dim(input, d, h, edge_order))
    return tuple(out)
