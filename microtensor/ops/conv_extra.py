"""``conv1d``, the transposed convolutions, and ``unfold``/``fold`` (im2col and col2im).

**conv1d** is ``conv2d`` of a one-pixel-high image: ``(N, C, L)`` becomes
``(N, C, 1, L)`` and the kernel ``(O, C/g, k)`` becomes ``(O, C/g, 1, k)``.

**conv_transpose2d** (a "deconvolution", the adjoint of ``conv2d`` with respect to its
input) is itself a convolution: insert ``stride - 1`` zeros between the input pixels,
pad each side by ``dilation·(k - 1) - padding`` (plus ``output_padding`` at the end),
and convolve with stride 1 and the kernel flipped in space, its in and out channels
swapped within each group. Every step is a recorded op (``pad``, ``reshape``, ``flip``,
the fused ``conv2d``), so gradients of any order come for free; the zeros cost a
factor ``stride²`` of work, which small models do not notice.

**unfold** (im2col) lists every ``kh × kw`` window of the padded input as a column:
``(N, C, H, W)`` → ``(N, C·kh·kw, L)``, one strided slice per kernel offset, stacked.
**fold** (col2im) is its adjoint: each column's values are added back where they
were read (overlapping windows add), one zero-inserted, shifted block per offset.
``unfold`` then a matrix product then ``fold`` is a convolution, the lecture's way in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .conv import conv2d
from .joining import stack
from .padding import pad

__all__ = ["conv1d", "conv_transpose1d", "conv_transpose2d", "fold", "unfold"]


def _single(v: Any, name: str, op: str) -> int:
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {v!r}")


def _pair(v: Any, name: str, op: str) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) in (1, 2):
        return int(v[0]), int(v[-1])
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of sequences ``(N, C_in, L)`` (or ``(C_in, L)``)
    with kernels ``(C_out, C_in/groups, k)``; output ``(N, C_out, Lo)``,
    ``Lo = (L + 2p - d·(k - 1) - 1) // s + 1``. ``padding`` may be "valid" or "same"."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"conv1d: expected an input of shape (N, C, L) or (C, L), got shape "
                         f"{tuple(input.shape)}")
    if weight.ndim != 3:
        raise ShapeError(f"conv1d: weight must be 3-D (out_channels, in_channels / groups, "
                         f"k), got shape {tuple(weight.shape)}")
    s = _single(stride, "stride", "conv1d")
    d = _single(dilation, "dilation", "conv1d")
    p = padding if isinstance(padding, str) else (0, _single(padding, "padding", "conv1d"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), p, (1, d), groups)
    return out.squeeze(-2)


def _transposed_kernel(weight: Tensor, groups: int) -> Tensor:
    """``(C_in, C_out/g, kh, kw)`` → the ``(C_out, C_in/g, kh, kw)`` kernel of the equivalent
    convolution: in and out channels swapped within each group, flipped in space."""
    c_in, c_out_g, kh, kw = weight.shape
    w = weight.reshape(groups, c_in // groups, c_out_g, kh, kw).transpose(1, 2)
    return w.reshape(groups * c_out_g, c_in // groups, kh, kw).flip(-2, -1)


def _insert_zeros(x: Tensor, stride: tuple[int, int]) -> Tensor:
    """``(N, C, H, W)`` with ``stride - 1`` zeros between neighbouring pixels along H and W:
    each pixel padded to an ``(sh, sw)`` block, the blocks tiled, the trailing zeros cut."""
    if stride == (1, 1):
        return x
    n, c, h, w = x.shape
    (sh, sw) = stride
    blocks = pad(x.reshape(n, c, h, 1, w, 1), [0, sw - 1, 0, 0, 0, sh - 1])
    return blocks.reshape(n, c, h * sh, w * sw)[:, :, :(h - 1) * sh + 1, :(w - 1) * sw + 1]


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution of ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) with kernels
    ``(C_in, C_out/groups, kh, kw)``, the gradient of ``conv2d`` with respect to its input.

    Output ``(N, C_out, Ho, Wo)`` with ``Ho = (H - 1)·s - 2p + d·(kh - 1) + output_padding + 1``.
    """
    op = "conv_transpose2d"
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected an input of shape (N, C, H, W) or (C, H, W), got "
                         f"shape {tuple(input.shape)}")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: weight must be 4-D (in_channels, out_channels / groups, kh, "
                         f"kw), got shape {tuple(weight.shape)}")
    if input.shape[-3] != weight.shape[0]:
        raise ShapeError(f"{op}: input has {input.shape[-3]} channels but weight of shape "
                         f"{tuple(weight.shape)} expects {weight.shape[0]}")
    s, p = _pair(stride, "stride", op), _pair(padding, "padding", op)
    op_, d = _pair(output_padding, "output_padding", op), _pair(dilation, "dilation", op)
    if op_[0] >= max(s[0], d[0]) or op_[1] >= max(s[1], d[1]):
        raise ValueError(f"{op}: output padding {op_} must be smaller than either stride {s} "
                         f"or dilation {d}")
    kh, kw = weight.shape[-2:]
    unbatched = input.ndim == 3
    x = _insert_zeros(input.unsqueeze(0) if unbatched else input, s)
    eh, ew = d[0] * (kh - 1) - p[0], d[1] * (kw - 1) - p[1]
    x = pad(x, [ew, ew + op_[1], eh, eh + op_[0]])
    out = conv2d(x, _transposed_kernel(weight, groups), bias, 1, 0, d, groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution: :func:`conv_transpose2d` of a one-pixel-high image;
    weight ``(C_in, C_out/groups, k)``."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"conv_transpose1d: expected an input of shape (N, C, L) or (C, L), "
                         f"got shape {tuple(input.shape)}")
    op = "conv_transpose1d"
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                           (1, _single(stride, "stride", op)), (0, _single(padding, "padding", op)),
                           (0, _single(output_padding, "output_padding", op)), groups,
                           (1, _single(dilation, "dilation", op)))
    return out.squeeze(-2)


def _window_grid(hw: tuple, kernel: Any, dilation: Any, padding: Any, stride: Any,
                 op: str) -> tuple:
    k, d = _pair(kernel, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    out = tuple((n + 2 * pi - di * (ki - 1) - 1) // si + 1
                for n, ki, di, pi, si in zip(hw, k, d, p, s))
    if min(out) < 1:
        raise ShapeError(f"{op}: the {k} kernel (dilation {d}, padding {p}) does not fit the "
                         f"spatial size {tuple(hw)}")
    return k, d, p, s, out


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """Every sliding window as a column: ``(N, C, H, W)`` → ``(N, C·kh·kw, L)``, ``L`` the
    number of windows (rows ordered channel, then kernel row, then kernel column)."""
    if input.ndim not in (3, 4):
        raise ShapeError(f"unfold: expected an input of shape (N, C, H, W) or (C, H, W), got "
                         f"shape {tuple(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (ho, wo) = _window_grid(
        tuple(x.shape[-2:]), kernel_size, dilation, padding, stride, "unfold")
    xp = pad(x, [pw, pw, ph, ph])
    taps = [xp[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
            for i in range(kh) for j in range(kw)]
    n, c = x.shape[:2]
    cols = stack(taps, 2).reshape(n, c * kh * kw, ho * wo)
    return cols.squeeze(0) if unbatched else cols


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """The adjoint of :func:`unfold`: columns ``(N, C·kh·kw, L)`` summed back into an image
    ``(N, C, *output_size)`` (where windows overlap, their values add)."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"fold: expected an input of shape (N, C·kh·kw, L) or (C·kh·kw, L), "
                         f"got shape {tuple(input.shape)}")
    unbatched = input.ndim == 2
    cols = input.unsqueeze(0) if unbatched else input
    h, w = _pair(output_size, "output_size", "fold")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (ho, wo) = _window_grid(
        (h, w), kernel_size, dilation, padding, stride, "fold")
    n, ck, length = cols.shape
    if ck % (kh * kw) or length != ho * wo:
        raise ShapeError(f"fold: input of shape {tuple(input.shape)} does not fit kernel "
                         f"({kh}, {kw}) and {ho}·{wo} = {ho * wo} windows of output_size "
                         f"{(h, w)}")
    c = ck // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, ho, wo)
    hp, wp = h + 2 * ph, w + 2 * pw
    out = None
    for i in range(kh):
        for j in range(kw):
            spread = _insert_zeros(blocks[:, :, i, j], (sh, sw))
            top, left = i * dh, j * dw
            placed = pad(spread, [left - pw, wp - left - spread.shape[-1] - pw,
                                  top - ph, hp - top - spread.shape[-2] - ph])
            out = placed if out is None else out + placed
    return out.squeeze(0) if unbatched else out
