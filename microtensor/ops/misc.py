"""The rest of PyTorch's "other operations": clone, gcd/lcm, cov/corrcoef, renorm,
sum_to_size, and the Python-callable ``apply_``/``map_``.

Each is composed of recorded ops (so its gradient, where it has one, differentiates
again), except gcd/lcm, which are integer-only and have no gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import bump_version
from ..dtypes import get_default_dtype
from ..errors import DtypeError, ShapeError, normalize_dim
from ..tensor import Tensor
from .arithmetic import write_out

__all__ = ["apply_", "clone", "corrcoef", "cov", "gcd", "lcm", "map_", "renorm",
           "sum_to_size"]


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    """A copy with its own data that stays in the graph; ``memory_format`` is accepted and
    ignored (microtensor's arrays are always contiguous in PyTorch's sense)."""
    return input.clone()


def _integer_pair(a: Any, b: Any, op: str) -> tuple[np.ndarray, np.ndarray]:
    x = a._data if isinstance(a, Tensor) else np.asarray(a)
    y = b._data if isinstance(b, Tensor) else np.asarray(b)
    if x.dtype.kind not in "iub" or y.dtype.kind not in "iub":
        raise DtypeError(f"{op}: \"{op}_cpu\" not implemented for "
                         f"'{(x if x.dtype.kind not in 'iub' else y).dtype}': integers only")
    return x, y


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Greatest common divisor, elementwise (non-negative; gcd(0, 0) = 0). No gradient."""
    x, y = _integer_pair(input, other, "gcd")
    return write_out(Tensor._make(np.gcd(x, y), False, None), out, "gcd")


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Least common multiple, elementwise (non-negative; lcm(0, n) = 0). No gradient."""
    x, y = _integer_pair(input, other, "lcm")
    return write_out(Tensor._make(np.lcm(x, y), False, None), out, "lcm")


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,  # noqa: A002
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the variables in the rows of ``input`` (observations in the columns):
    C = (X - μ) W (X - μ)ᵀ / (Σw - correction·Σ(w·a)/Σw), as ``numpy.cov`` and PyTorch,
    with frequency weights ``fweights`` and observation weights ``aweights``."""
    if input.ndim > 2:
        raise ShapeError(f"cov(): expected input to have two or fewer dimensions but got an "
                         f"input with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x._data.dtype.kind == "b":
        raise DtypeError("cov(): bool dtype is not supported for input")
    if x._data.dtype.kind != "f":
        x = x.to(get_default_dtype())  # integers: the default dtype, as PyTorch
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights.to(x.dtype)
    if aweights is not None:
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        w_sum = float(n)
        mean = x.mean(dim=1, keepdim=True)
        norm = w_sum - correction
        centred = x - mean
        c = centred @ centred.T
    else:
        w_sum = w.sum()
        mean = (x * w).sum(dim=1, keepdim=True) / w_sum
        if aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights.to(x.dtype)).sum() / w_sum
        centred = x - mean
        c = (centred * w) @ centred.T
    c = c / (norm if isinstance(norm, Tensor) else max(norm, 0.0))
    return c.reshape(()) if x.shape[0] == 1 else c  # one variable: a 0-d tensor, as PyTorch


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation of the rows: cov(x) / (σᵢ σⱼ), clipped to [-1, 1] as PyTorch."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each sub-tensor along ``dim`` rescaled so its p-norm is at most ``maxnorm``."""
    if input.ndim < 1:
        raise ShapeError("renorm: input needs at least 1 dimension")
    d = normalize_dim(dim, input.ndim, "renorm")
    others = tuple(k for k in range(input.ndim) if k != d)
    norms = input.abs().pow(p).sum(dim=others, keepdim=True).pow(1.0 / p) if others else \
        input.abs()
    scale = (maxnorm / (norms + 1e-7)).where(norms > maxnorm, 1.0)
    return input * scale


def sum_to_size(input: Tensor, *size: Any) -> Tensor:  # noqa: A002
    """``input`` summed down to ``size``, which it must be expandable from (the adjoint of
    ``expand``)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) \
        else tuple(size)
    try:
        if np.broadcast_shapes(shape, input.shape) != tuple(input.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to size "
                           f"{list(input.shape)}") from None
    lead = input.ndim - len(shape)
    out = input.sum(dim=tuple(range(lead))) if lead else input
    axes = tuple(k for k, s in enumerate(shape) if s == 1 and out.shape[k] != 1)
    return out.sum(dim=axes, keepdim=True) if axes else out


def _elementwise_python(t: Tensor, fn: Callable, other: Tensor | None, op: str) -> Tensor:
    if t.requires_grad:
        raise RuntimeError(f"{op} is only implemented on tensors that do not require grad")
    flat = t._data.reshape(-1)
    if other is None:
        values = [fn(v) for v in flat.tolist()]
    else:
        o = np.broadcast_to(other._data, t.shape).reshape(-1).tolist()
        values = [fn(v, w) for v, w in zip(flat.tolist(), o)]
    t._data[...] = np.asarray(values, dtype=t._data.dtype).reshape(t.shape)
    bump_version(t)
    return t


def apply_(input: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """Replace each element ``v`` by ``callable(v)`` in place, in Python (slow, as
    PyTorch's; CPU tensors that do not require grad only)."""
    return _elementwise_python(input, callable, None, "apply_")


def map_(input: Tensor, tensor: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """Replace each element ``v`` by ``callable(v, w)`` with ``w`` from ``tensor``
    (broadcast), in place, in Python."""
    return _elementwise_python(input, callable, tensor, "map_")
