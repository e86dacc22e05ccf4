"""1-D and adaptive pooling, written over the fused 2-D pools of ``ops/conv.py``.

**1-D pooling** is 2-D pooling of a one-pixel-high image: ``(N, C, L)`` becomes
``(N, C, 1, L)``, the window ``k`` becomes ``(1, k)``.

**Adaptive pooling** picks the windows from the output size: output cell ``i`` of
``out`` along an axis of length ``n`` covers ``[floor(i·n/out), ceil((i+1)·n/out))``
(PyTorch's rule; windows may differ in size and overlap by one). When ``out`` divides
``n`` the windows are the regular ones of ``avg_pool2d``/``max_pool2d``, one fused node;
otherwise each window is a slice and a mean (or max), stacked: for the average one
axis at a time (the mean of a rectangle is a mean of row means), for the maximum one
window at a time.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ShapeError, check_int64
from ..tensor import Tensor
from .conv import avg_pool2d, max_pool2d
from .joining import cat, stack

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "lp_pool1d", "lp_pool2d", "max_pool1d",
]


def _one(v: Any) -> int:
    return int(v[0]) if isinstance(v, (tuple, list)) else int(v)


def _seq_input(x: Tensor, op: str) -> None:
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected an input of shape (N, C, L) or (C, L), got shape "
                         f"{tuple(x.shape)}")


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """The maximum of each window of ``(N, C, L)`` (``F.max_pool1d``); see ``max_pool2d``."""
    _seq_input(input, "max_pool1d")
    s = _one(kernel_size) if stride is None or stride == [] else _one(stride)
    out = max_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), (1, s), (0, _one(padding)),
                     (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """The mean of each window of ``(N, C, L)`` (``F.avg_pool1d``); see ``avg_pool2d``."""
    _seq_input(input, "avg_pool1d")
    s = _one(kernel_size) if stride is None or stride == [] else _one(stride)
    return avg_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), (1, s), (0, _one(padding)),
                      ceil_mode, count_include_pad).squeeze(-2)


def _windows(n: int, out: int) -> list[tuple[int, int]]:
    return [((i * n) // out, math.ceil((i + 1) * n / out)) for i in range(out)]


def _sizes(output_size: Any, in_hw: tuple, op: str) -> tuple[int, int]:
    if isinstance(output_size, (int,)) or output_size is None:
        output_size = (output_size, output_size)
    sizes = tuple(n if o is None else check_int64(int(o), op, "output_size")
                  for o, n in zip(output_size, in_hw))
    if min(sizes) < 0 or (min(sizes) == 0 and min(in_hw) > 0):
        raise ValueError(f"{op}: output_size must be positive, got {output_size}")
    return sizes  # type: ignore[return-value]


def _image(x: Tensor, op: str) -> None:
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected an input of shape (N, C, H, W) or (C, H, W), got "
                         f"shape {tuple(x.shape)}")


def _axis_means(x: Tensor, axis: int, out: int) -> Tensor:
    n = x.shape[axis]
    if n % out == 0:
        return x.unflatten(axis, (out, n // out)).mean(axis + 1 if axis >= 0 else axis)
    cut = (slice(None),) * (axis % x.ndim)
    return cat([x[cut + (slice(a, b),)].mean(axis, keepdim=True)
                for a, b in _windows(n, out)], axis)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size ``(Ho, Wo)`` (an int: square; ``None`` keeps
    that axis), whatever the input's size."""
    _image(input, "adaptive_avg_pool2d")
    ho, wo = _sizes(output_size, tuple(input.shape[-2:]), "adaptive_avg_pool2d")
    h, w = input.shape[-2:]
    if h % ho == 0 and w % wo == 0:
        return avg_pool2d(input, (h // ho, w // wo))
    return _axis_means(_axis_means(input, -2, ho), -1, wo)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling of ``(N, C, L)`` to ``output_size`` positions."""
    _seq_input(input, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def adaptive_max_pool2d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size ``(Ho, Wo)``; the gradient goes to each maximum."""
    _image(input, "adaptive_max_pool2d")
    h, w = input.shape[-2:]
    ho, wo = _sizes(output_size, (h, w), "adaptive_max_pool2d")
    if h % ho == 0 and w % wo == 0:
        return max_pool2d(input, (h // ho, w // wo), return_indices=return_indices)
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is implemented "
                                  "only when the output size divides the input size")
    rows = [stack([input[..., a:b, c:d].amax((-2, -1)) for c, d in _windows(w, wo)], -1)
            for a, b in _windows(h, ho)]
    return stack(rows, -2)


def adaptive_max_pool1d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max pooling of ``(N, C, L)`` to ``output_size`` positions."""
    _seq_input(input, "adaptive_max_pool1d")
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(output_size)), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """``(Σ_window x^p)^(1/p)`` per window (p = ``norm_type``; p = ∞ is max pooling of |x|),
    computed as PyTorch: the average pool of ``x^p`` times the window size."""
    if norm_type == math.inf:
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """``(Σ_window x^p)^(1/p)`` over windows of ``(N, C, L)``."""
    _seq_input(input, "lp_pool1d")
    s = None if stride is None else (1, _one(stride))
    return lp_pool2d(input.unsqueeze(-2), norm_type, (1, _one(kernel_size)), s,
                     ceil_mode).squeeze(-2)
