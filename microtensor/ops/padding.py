"""``F.pad``: constant padding as one fused node; reflect, replicate and circular as a gather.

``pad`` lists its widths from the *last* dimension backward, as PyTorch: ``(left,
right)`` pads the last dimension, ``(left, right, top, bottom)`` the last two.
Negative widths crop.

Constant padding is one :class:`ConstantPad` node: the forward is ``np.pad``; its
backward is a slice of the gradient (the padding's gradient is dropped), which on
Tensors records a slice, so gradients of gradients work. The other modes read every
output element from some input element: along each padded dimension the output
takes the input at the indices ``np.pad(arange(n), widths, mode)`` ("reflect",
"edge" or "wrap" for reflect, replicate, circular); that gather is the indexing op,
whose backward adds the gradient of every copy back into its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

__all__ = ["pad"]

_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_array(x: np.ndarray, widths: tuple, value: float) -> np.ndarray:
    """``np.pad`` with PyTorch's negative widths (crop first, then pad)."""
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, x.shape))
    return np.pad(x[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in widths],
                  constant_values=value)


class ConstantPad(Function):
    """f(x) = x surrounded by ``value`` (``w`` per side, negative crops);  df/dx = pad(G, -w).

    The adjoint of padding by ``w`` is padding by ``-w``: the padding's gradient is
    cropped away, and where the forward cropped, the gradient is 0.
    """

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return _pad_array(x, widths, value)

    @staticmethod
    def backward(ctx, grad):
        back = tuple((-lo, -hi) for lo, hi in ctx.widths)
        if isinstance(grad, Tensor):  # a recorded backward: the op itself, on Tensors
            return ConstantPad.apply(grad, back, 0.0), None, None
        return _pad_array(grad, back, 0.0), None, None


def _widths(pad: Sequence[int], ndim: int) -> list[tuple[int, int]]:
    if len(pad) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise ValueError(f"pad: padding length {len(pad)} is too large for an input of "
                         f"{ndim} dimensions (at most {2 * ndim})")
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return widths


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad ``input`` (``F.pad``).

    Args:
        input: any shape; the modes other than "constant" pad at most the last 3
            dimensions of a batched or unbatched input, as PyTorch.
        pad: ``(left, right)`` for the last dimension, then ``(top, bottom)`` for the one
            before, and so on; negative values crop.
        mode: "constant", "reflect" (mirror without repeating the edge), "replicate"
            (repeat the edge) or "circular" (wrap around).
        value: the fill value of "constant" (default 0).
    """
    widths = _widths(pad, input.ndim)
    if mode == "constant":
        return ConstantPad.apply(input, tuple(widths), 0.0 if value is None else value)
    if mode not in _NUMPY_MODES:
        raise NotImplementedError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                                  f"'circular', got {mode!r}")
    if value:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    n_padded = len(pad) // 2
    if input.ndim < n_padded + 1:
        raise ValueError(f"pad: {mode} padding of {n_padded} dimension(s) needs an input of "
                         f"at least {n_padded + 1} dimensions, got shape {tuple(input.shape)}")
    out: Any = input
    for axis, (lo, hi) in enumerate(widths):
        if lo == hi == 0:
            continue
        n = input.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"pad: padding size ({lo}, {hi}) should be less than the "
                             f"corresponding input dimension {n} for reflect padding")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(f"pad: padding value ({lo}, {hi}) causes wrapping around more "
                             f"than once (input dimension {n})")
        idx = np.arange(n)
        idx = idx[max(-lo, 0):n - max(-hi, 0)]  # negative widths crop first
        idx = np.pad(idx, (max(lo, 0), max(hi, 0)), mode=_NUMPY_MODES[mode]) if mode != \
            "circular" else np.take(np.arange(n), np.arange(-lo, n + hi) % n)
        out = out[(slice(None),) * axis + (idx,)]
    return out
