"""2-D convolution and pooling, vectorised: a loop over kernel offsets, one matrix product.

**Layout.** The ops take and return ``(N, C, H, W)`` arrays, as PyTorch does, but work
on the channels-last view ``(N, H, W, C)`` of their input (``x.transpose(0, 2, 3, 1)``,
no copy) and return the ``(N, C, H, W)`` view of a channels-last result, as PyTorch's
``channels_last`` memory format does. Then a convolution's matrix product *is* its
output (one row per pixel, one column per channel: no transpose), batch norm reduces an
``(N·H·W, C)`` matrix (see ``normalization.py``), and every window reads whole channel
vectors. Shapes, values and gradients are the NCHW ones; only the strides differ.

**im2col.** Every output pixel of a convolution is a dot product of the kernel with one
window of the zero-padded input. As a matrix of ``N·Ho·Wo`` rows (one per window) of
``kh·kw·C`` numbers, the whole convolution is one matrix product with the kernel
flattened to ``(O, kh·kw·C)``. The matrix is filled one kernel offset ``(i, j)`` at a
time (:func:`_taps`): element ``(i, j)`` of every window is one strided slice of the
input, copied in one vectorised step (never a loop over pixels); where a window reaches
into the padding its entries stay zero, so no padded copy of the input is made.

**Backward.** ``dL/dW = Gᵀ @ cols`` (one matmul; ``cols`` is rebuilt from the saved
input, ``kh·kw`` times smaller, rather than kept). ``dL/dcols = G @ W`` gives, for every
window, the gradient of each of its inputs; *col2im* adds each back where it was read:
the same loop over offsets with ``+=`` (windows overlap, so their gradients add).

**Pooling** walks the same offsets. Max-pooling keeps a running maximum and the offset
holding it, with PyTorch's rule (a later element wins only if it is larger, or NaN: the
first maximum, or the last NaN, and padding never wins), and routes the gradient to that
offset only; average pooling sums the offsets and divides each window by its size.

All ops take ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input. Differences from
PyTorch: float input only (PyTorch also pools integers), and mixed float dtypes
are promoted (PyTorch refuses them), as ``linear`` does.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, data_of
from .joining import cat, stack

__all__ = ["avg_pool2d", "conv2d", "max_pool2d"]


# --------------------------------------------------------------------------- windows


def _nhwc(x: np.ndarray) -> np.ndarray:
    """The channels-last view ``(N, H, W, C)`` of ``(N, C, H, W)`` (no copy)."""
    return np.transpose(x, (0, 2, 3, 1))  # (np.transpose: a Tensor in a recorded backward)


def _nchw(x: np.ndarray) -> np.ndarray:
    """The ``(N, C, H, W)`` view of a channels-last ``(N, H, W, C)`` array (no copy)."""
    return np.transpose(x, (0, 3, 1, 2))


def _offset_slices(out_len: int, size: int, stride: int, dilation: int, before: int,
                   offset: int) -> tuple[slice, slice] | None:
    """Along one axis, the windows whose element ``offset`` is in the input, not the padding.

    Window ``y`` reads input position ``y·stride + offset·dilation - before``. Returns a
    slice of those windows and the slice of the positions they read (``None`` if none do).
    """
    start = offset * dilation - before
    first = max(0, -(start // stride))  # ceil(-start / stride): the first position ≥ 0
    stop = min(out_len, (size - 1 - start) // stride + 1)
    if stop <= first:
        return None
    pos = first * stride + start
    return slice(first, stop), slice(pos, pos + (stop - first - 1) * stride + 1, stride)


@functools.lru_cache(maxsize=256)
def _taps(in_hw: tuple, out_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple,
          before: tuple) -> tuple[tuple[int, int, tuple, tuple], ...]:
    """Every kernel offset ``(i, j)`` with the windows and the input pixels it pairs.

    Gives ``(i, j, windows, pixels)`` per offset: ``out[windows]`` (an ``(N, Ho', Wo', C)``
    block of the output grid) and ``x[pixels]`` (the same-shaped strided block of the
    ``(N, H, W, C)`` input) are element ``(i, j)`` of those windows and what it reads.
    Windows for which the element lies in the padding are left out (an offset in the
    padding for every window is skipped), so padding is never materialised. A pure
    function of the geometry, so cached: a network asks for the same few every step.
    """
    taps = []
    for i in range(kernel[0]):
        rows = _offset_slices(out_hw[0], in_hw[0], stride[0], dilation[0], before[0], i)
        if rows is None:
            continue
        for j in range(kernel[1]):
            cols = _offset_slices(out_hw[1], in_hw[1], stride[1], dilation[1], before[1], j)
            if cols is not None:
                taps.append((i, j, (slice(None), rows[0], cols[0]),
                             (slice(None), rows[1], cols[1])))
    return tuple(taps)


def _im2col(x: np.ndarray, out_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            before: tuple) -> np.ndarray:
    """``(N, H, W, C)`` → ``(N, Ho, Wo, kh, kw, C)``: every window, zero in the padding."""
    n, h, w, c = x.shape
    cols = np.zeros((n, *out_hw, *kernel, c), dtype=x.dtype)
    for i, j, windows, pixels in _taps((h, w), out_hw, kernel, stride, dilation, before):
        cols[windows + (i, j)] = x[pixels]
    return cols


def _col2im(cols: np.ndarray, in_hw: tuple, stride: tuple, dilation: tuple,
            before: tuple) -> np.ndarray:
    """The adjoint of :func:`_im2col`: ``(N, Ho, Wo, kh, kw, C)`` → ``(N, H, W, C)``, each
    window's values added back where it read them (padding's share dropped)."""
    n, ho, wo, kh, kw, c = cols.shape
    x = np.zeros((n, *in_hw, c), dtype=cols.dtype)
    for i, j, windows, pixels in _taps(in_hw, (ho, wo), (kh, kw), stride, dilation, before):
        x[pixels] += cols[windows + (i, j)]
    return x


def _cat(parts: list[np.ndarray], axis: int) -> np.ndarray:
    """``np.concatenate`` that returns a single part as it is (one group: no copy)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


def _window_matrix(x: np.ndarray, out_hw: tuple, kernel: tuple, stride: tuple,
                   dilation: tuple, before: tuple, groups: int) -> np.ndarray:
    """im2col of ``x`` (N, C, H, W) as ``(g, N·Ho·Wo, kh·kw·Cg)``: one row per window, one
    matrix per group (columns in (kh, kw, C) order)."""
    n, c = x.shape[:2]
    cols = _im2col(_nhwc(x), out_hw, kernel, stride, dilation, before)
    m, taps = n * out_hw[0] * out_hw[1], kernel[0] * kernel[1]
    # A view for one group; with several, the copy that puts each group's columns together.
    return cols.reshape(m, taps, groups, c // groups).transpose(2, 0, 1, 3) \
        .reshape(groups, m, taps * (c // groups))


def _kernel_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """``(O, Cg, kh, kw)`` → ``(g, Og, kh·kw·Cg)``, columns in im2col's (kh, kw, C) order."""
    o, cg, kh, kw = weight.shape
    return weight.reshape(groups, o // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2) \
        .reshape(groups, o // groups, kh * kw * cg)


def _out_len(size: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


# --------------------------------------------------------------------------- convolution


class Conv2d(Function):
    """f = im2col(x) @ Wᵀ + b;  df/dW = Gᵀ @ im2col(x),  df/dx = col2im(G @ W),  df/db = Σ G.

    A cross-correlation, as in every deep-learning library (the kernel is not
    flipped). ``df/db`` sums over the batch and every position. With ``groups = g`` the
    channels split into ``g`` independent convolutions: one product per group.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        x, weight = promote_pair(x, weight)
        unbatched = x.ndim == 3
        x4 = x[None] if unbatched else x
        n, _, h, w = x4.shape
        o, _, kh, kw = weight.shape
        top, bottom, left, right = padding
        out_hw = (_out_len(h, kh, stride[0], top, bottom, dilation[0]),
                  _out_len(w, kw, stride[1], left, right, dilation[1]))
        geometry = (out_hw, (kh, kw), stride, dilation, (top, left), groups)
        cols = _window_matrix(x4, *geometry)
        w_mat = _kernel_matrix(weight, groups)
        out = _cat([ci @ wi.T for ci, wi in zip(cols, w_mat)], axis=1)  # (N·Ho·Wo, O)
        if bias is not None:
            out += bias.astype(out.dtype, copy=False)  # out is this op's own new array
        ctx.geometry, ctx.x_shape, ctx.unbatched = geometry, x4.shape, unbatched
        # The input, not its kh·kw times larger window matrix: backward rebuilds that. (Both
        # inputs and the bias, also when one needs no gradient: the composite needs them.)
        ctx.save_for_backward(x, weight, bias)
        out = _nchw(out.reshape(n, *out_hw, o))
        return out[0] if unbatched else out

    @staticmethod
    def composite(ctx, x, weight, bias, *_):
        """The forward with recorded ops (windows as strided slices, one matmul per group),
        for gradients of gradients."""
        (ho, wo), (kh, kw), (sh, sw), (dh, dw), (top, left), groups = ctx.geometry
        x4 = x.unsqueeze(0) if ctx.unbatched else x
        n, c, h, w = x4.shape
        rows, cols_ = (ho - 1) * sh + (kh - 1) * dh + 1, (wo - 1) * sw + (kw - 1) * dw + 1

        def zeros(*shape: int) -> Tensor:
            return Tensor._make(np.zeros(shape, x4.dtype), False, None)

        xp = cat([zeros(n, c, top, w), x4, zeros(n, c, max(rows - h - top, 0), w)], 2)
        xp = cat([zeros(n, c, xp.shape[2], left), xp,
                  zeros(n, c, xp.shape[2], max(cols_ - w - left, 0))], 3)
        taps = [xp[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
                for i in range(kh) for j in range(kw)]
        o = weight.shape[0]
        windows = stack(taps, 2).reshape(n, groups, (c // groups) * kh * kw, ho * wo)
        out = (weight.reshape(groups, o // groups, -1) @ windows).reshape(n, o, ho, wo)
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors[:2]
        _, (kh, kw), stride, dilation, before, groups = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        unbatched = ctx.unbatched
        if unbatched:
            grad = grad[None]
        n, c, h, w = ctx.x_shape
        o, ho, wo = grad.shape[1:]
        cg = c // groups
        g_mat = _nhwc(grad).reshape(n * ho * wo, o)  # rows as cols' rows; free if channels-last
        g_parts = np.split(g_mat, groups, axis=1) if groups > 1 else [g_mat]
        gx = gw = gb = None
        if need_w:
            gw = _weight_grad(g_parts, x[None] if unbatched else x, ctx.geometry)
        if need_x:
            w_mat = _kernel_matrix(weight, groups)
            g_cols = _cat([(gi @ wi).reshape(n, ho, wo, kh, kw, cg)
                           for gi, wi in zip(g_parts, w_mat)], axis=-1)  # (N, Ho, Wo, kh, kw, C)
            gx = _nchw(_col2im(g_cols, (h, w), stride, dilation, before))
            if unbatched:
                gx = gx[0]
        if need_b:
            gb = np.ones(len(g_mat), dtype=g_mat.dtype) @ g_mat  # column sums; BLAS is faster
        return gx, gw, gb


def _weight_grad(g_parts: list[np.ndarray], x: np.ndarray, geometry: tuple) -> np.ndarray:
    """``dL/dW = Gᵀ @ im2col(x)`` per group, as ``(O, Cg, kh, kw)``.

    The window matrix is rebuilt here rather than kept from the forward (it is ``kh·kw``
    times the input's size) and freed on return, before ``dL/dx`` needs as much again.
    """
    cols = _window_matrix(x, *geometry)
    gw = _cat([gi.T @ ci for gi, ci in zip(g_parts, cols)], axis=0)  # (O, kh·kw·Cg)
    kh, kw = geometry[1]
    return gw.reshape(gw.shape[0], kh, kw, -1).transpose(0, 3, 1, 2)


# --------------------------------------------------------------------------- pooling


def _first_inside(out_len: int, stride: int, dilation: int, before: int) -> np.ndarray:
    """Along one axis, each window's first offset that lands in the input, not the padding."""
    start = np.arange(out_len) * stride - before
    return (np.maximum(-start, 0) + dilation - 1) // dilation


def _window_max(x: np.ndarray, in_hw: tuple, out_hw: tuple, kernel: tuple, stride: tuple,
                dilation: tuple, before: tuple, nan: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum and the offset ``i·kw + j`` holding it, by PyTorch's rule.

    ``x`` is ``(N, H, W, C)``; both results are ``(N, Ho, Wo, C)``. A running maximum
    over the offsets, as PyTorch's CPU kernel: it starts at -inf on the window's first
    element in the input, and an element replaces it only if larger or NaN. So ties keep
    the first maximum (row by row), a window holding NaN reports its last NaN, padding
    never wins, and a window whose values are all -inf reports its first element.
    The NaN test costs two passes per offset, so it runs only when a maximum is NaN.
    """
    n, _, _, c = x.shape
    kw = kernel[1]
    best = np.full((n, *out_hw, c), -np.inf, dtype=x.dtype)
    which = np.empty(best.shape, dtype=np.min_scalar_type(kernel[0] * kw - 1))
    which[...] = (_first_inside(out_hw[0], stride[0], dilation[0], before[0])[:, None] * kw
                  + _first_inside(out_hw[1], stride[1], dilation[1], before[1]))[:, :, None]
    for i, j, windows, pixels in _taps(in_hw, out_hw, kernel, stride, dilation, before):
        value, top, offset = x[pixels], best[windows], which[windows]
        wins = value > top
        if nan:
            wins |= np.isnan(value)
        # The new maximum is `value` where it wins, else `top`: their maximum (which
        # propagates NaN; on a tie the two are equal). Offsets only grow (a window's
        # earlier offsets are smaller), so the winners' new offset is a maximum too.
        np.maximum(value, top, out=top)
        np.maximum(offset, wins * which.dtype.type(i * kw + j), out=offset)
    if not nan and np.isnan(best).any():
        return _window_max(x, in_hw, out_hw, kernel, stride, dilation, before, nan=True)
    return best, which


class MaxPool2d(Function):
    """f = max of each window;  df/dx = G routed to each window's argmax (PyTorch's tie rule).

    The argmax is kept as the offset ``i·kw + j`` within each window (see
    :func:`_window_max`); backward adds ``G`` at that offset of every window, in one
    step per offset (where windows overlap, gradients add).
    """

    saved_constants = True  # it saves where each maximum was

    @staticmethod
    def forward(ctx, x, grid):
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        out, which = _window_max(_nhwc(x), *grid)
        ctx.geometry = (x.shape, grid, unbatched)
        ctx.save_for_backward(which)
        out = _nchw(out)
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad):
        (which,) = ctx.saved_tensors
        (n, c, h, w), grid, unbatched = ctx.geometry
        g = _nhwc(grad[None] if unbatched else grad)
        kw = grid[2][1]
        gx = np.zeros_like(grad, shape=(n, h, w, c), order="C")  # (a Tensor if recorded)
        for i, j, windows, pixels in _taps(*grid):
            gx[pixels] += g[windows] * (which[windows] == i * kw + j)
        gx = _nchw(gx)
        return (gx[0] if unbatched else gx), None


class AvgPool2d(Function):
    """f = Σ window / divisor;  df/dx = G / divisor added to every element of its window.

    ``divisor`` (Ho, Wo) is the window size, the count of real (not padded) elements
    with ``count_include_pad=False``, or ``divisor_override``; :func:`avg_pool2d`
    works it out per output position. Padding adds nothing to a sum, so the offsets
    that fall in it are skipped.
    """

    saved_constants = True  # it saves the window counts

    @staticmethod
    def forward(ctx, x, grid, divisor):
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        xl = _nhwc(x)
        total = np.zeros((x.shape[0], *grid[1], x.shape[1]), dtype=x.dtype)
        for _, _, windows, pixels in _taps(*grid):
            total[windows] += xl[pixels]
        out = _nchw(total / divisor[:, :, None])
        ctx.geometry = (x.shape, grid, unbatched)
        ctx.save_for_backward(divisor)
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad):
        (divisor,) = ctx.saved_tensors
        (n, c, h, w), grid, unbatched = ctx.geometry
        g = _nhwc(grad[None] if unbatched else grad) / divisor[:, :, None]
        gx = np.zeros_like(g, shape=(n, h, w, c), order="C")  # (a Tensor if recorded)
        for _, _, windows, pixels in _taps(*grid):
            gx[pixels] += g[windows]
        gx = _nchw(gx)
        return (gx[0] if unbatched else gx), None, None


# --------------------------------------------------------------------------- argument checks


def _pair(v: Any, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints (PyTorch's ``_pair``) as a tuple of two Python ints."""
    def is_int(a: Any) -> bool:
        return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))

    if is_int(v):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) in (1, 2) and all(is_int(a) for a in v):
        return (int(v[0]), int(v[-1]))
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")


def _image_input(x: np.ndarray, op: str) -> None:
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point input, got dtype {x.dtype} "
                         "(call .float() first)")
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected an input of shape (N, C, H, W) or unbatched (C, H, W), "
                         f"got shape {x.shape}")


def _positive(v: tuple[int, int], name: str, op: str) -> None:
    if min(v) <= 0:
        raise ValueError(f"{op}: {name} must be positive, got {v}")


def _non_negative(v: tuple[int, int], name: str, op: str) -> None:
    if min(v) < 0:
        raise ValueError(f"{op}: {name} must be non-negative, got {v}")


# --------------------------------------------------------------------------- conv2d


def _conv_padding(padding: Any, kernel: tuple[int, int], stride: tuple[int, int],
                  dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    """``padding`` as (top, bottom, left, right); "same" may be one larger at the bottom/right."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"conv2d: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride}), as in PyTorch")
            # The output keeps the input's size: pad the kernel's span minus one in total,
            # half before; an odd total puts the extra row/column after, as PyTorch does.
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return (total[0] // 2, total[0] - total[0] // 2,
                    total[1] // 2, total[1] - total[1] // 2)
        raise ValueError(f"conv2d: padding must be an int, a pair of ints, 'valid' or 'same', "
                         f"got {padding!r}")
    p = _pair(padding, "padding", "conv2d")
    _non_negative(p, "padding", "conv2d")
    return (p[0], p[0], p[1], p[1])


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
           dilation: int | tuple[int, int] = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of a batch of images with a bank of kernels.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kh, kw)``.
        bias: ``(C_out,)`` or ``None``.
        stride: step between windows, an int or ``(sh, sw)``.
        padding: zeros added on each side, an int, ``(ph, pw)``, ``"valid"`` (none) or
            ``"same"`` (output as large as the input; stride 1 only).
        dilation: spacing between kernel elements (the kernel spans ``d·(k - 1) + 1``).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, C_out, Ho, Wo)`` (or ``(C_out, Ho, Wo)``), with
        ``Ho = (H + 2·ph - dh·(kh - 1) - 1) // sh + 1`` and likewise ``Wo``.
    """
    x, w = data_of(input), data_of(weight)
    _image_input(x, "conv2d")
    if w.dtype.kind != "f":
        raise DtypeError(f"conv2d: expected a floating-point weight, got dtype {w.dtype}")
    if w.ndim != 4 or 0 in w.shape:
        raise ShapeError(f"conv2d: weight must be 4-D (out_channels, in_channels / groups, kh, "
                         f"kw) with no empty axis, got shape {w.shape}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    c = x.shape[-3]
    if c != w.shape[1] * groups:
        per_group = f" with groups={groups}: {w.shape[1]} per group" if groups > 1 else ""
        raise ShapeError(f"conv2d: input has {c} channels but weight expects "
                         f"{w.shape[1] * groups} (weight shape {w.shape}{per_group})")
    if w.shape[0] % groups:
        raise ShapeError(f"conv2d: out_channels={w.shape[0]} (weight shape {w.shape}) must be "
                         f"divisible by groups={groups}")
    if bias is not None and data_of(bias).shape != (w.shape[0],):
        raise ShapeError(f"conv2d: bias should have shape ({w.shape[0]},), one entry per output "
                         f"channel of weight {w.shape}, got shape {data_of(bias).shape}")
    s = _pair(stride, "stride", "conv2d")
    d = _pair(dilation, "dilation", "conv2d")
    _positive(s, "stride", "conv2d")
    _positive(d, "dilation", "conv2d")
    k = (w.shape[2], w.shape[3])
    pad = _conv_padding(padding, k, s, d)
    h_in, w_in = x.shape[-2] + pad[0] + pad[1], x.shape[-1] + pad[2] + pad[3]
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    if span[0] > h_in or span[1] > w_in:
        raise ShapeError(f"conv2d: the kernel {k} with dilation {d} spans {span}, larger than "
                         f"the padded input {(h_in, w_in)} (input {x.shape[-2:]}, padding "
                         f"{(pad[0], pad[2])})")
    return Conv2d.apply(input, weight, bias, s, pad, d, int(groups))


# --------------------------------------------------------------------------- pooling


def _pool_len(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; ceil mode keeps a last, partial window unless it would
    start in the padding."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_geometry(x: np.ndarray, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, op: str) -> tuple:
    """The checked window grid ``(in_hw, out_hw, kernel, stride, dilation, padding)``, as
    :func:`_taps` takes it. Ceil mode's last partial windows reach past the padded input;
    :func:`_taps` leaves out what lies outside the input, so they need no extra padding."""
    k = _pair(kernel_size, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _pair(stride, "stride", op)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op)
    for v, name in ((k, "kernel_size"), (s, "stride"), (d, "dilation")):
        _positive(v, name, op)
    _non_negative(p, "padding", op)
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    if p[0] > span[0] // 2 or p[1] > span[1] // 2:
        raise ValueError(f"{op}: padding {p} should be at most half of the kernel's span "
                         f"{span} (kernel_size {k}, dilation {d})")
    h, w = x.shape[-2:]
    out = (_pool_len(h, k[0], s[0], p[0], d[0], ceil_mode),
           _pool_len(w, k[1], s[1], p[1], d[1], ceil_mode))
    if min(out) < 1:
        raise ShapeError(f"{op}: input of shape {x.shape} is too small for kernel_size {k} "
                         f"(dilation {d}, padding {p}): the output would be {out}")
    return (h, w), out, k, s, d, p


def _max_pool_indices(x: np.ndarray, grid: tuple) -> np.ndarray:
    """Each window's argmax as a flat index into ``H·W`` (PyTorch's ``return_indices``)."""
    x4 = x[None] if x.ndim == 3 else x
    (_, w), (ho, wo), (_, kw), s, d, p = grid
    _, which = _window_max(_nhwc(x4), *grid)
    i, j = np.divmod(which.astype(np.int64), kw)
    rows = (np.arange(ho) * s[0] - p[0])[:, None, None] + i * d[0]
    cols = (np.arange(wo) * s[1] - p[1])[:, None] + j * d[1]
    index = _nchw(rows * w + cols)
    return index[0] if x.ndim == 3 else index


def max_pool2d(input: Tensor, kernel_size: int | tuple[int, int],  # noqa: A002
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               dilation: int | tuple[int, int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each ``kernel_size`` window (``F.max_pool2d``).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size, an int or ``(kh, kw)``.
        stride: step between windows; ``None`` (the default) means ``kernel_size``.
        padding: implicit ``-inf`` on each side, at most half the window's span.
        dilation: spacing between window elements.
        ceil_mode: round the output size up, keeping a last partial window (one that
            would start in the padding is dropped, as in PyTorch).
        return_indices: also return each maximum's flat index into ``H·W`` (int64).

    Returns:
        ``(N, C, Ho, Wo)``, and the indices of the same shape when asked for. The
        gradient flows to each window's maximum only: the first one on ties.
    """
    x = data_of(input)
    _image_input(x, "max_pool2d")
    grid = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    result = MaxPool2d.apply(input, grid)
    if return_indices:
        return result, Tensor._make(_max_pool_indices(x, grid), False, None)
    return result


def _window_counts(out_len: int, k: int, s: int, lo: int, hi: int) -> np.ndarray:
    """How many of each window's ``k`` positions (counted from the padded start) are in
    ``[lo, hi)``."""
    pos = np.arange(out_len)[:, None] * s + np.arange(k)
    return ((pos >= lo) & (pos < hi)).sum(axis=1)


def avg_pool2d(input: Tensor, kernel_size: int | tuple[int, int],  # noqa: A002
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each ``kernel_size`` window (``F.avg_pool2d``).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, stride, padding, ceil_mode: as :func:`max_pool2d` (zero padding).
        count_include_pad: count the zero padding in the divisor (the default); if
            False, divide by the number of real elements in the window.
        divisor_override: divide every window's sum by this instead.
    """
    x = data_of(input)
    _image_input(x, "avg_pool2d")
    grid = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    (h, w), out, k, s, _, p = grid
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must not be zero")
        divisor = np.full(out, divisor_override, dtype=x.dtype)
    else:
        # Per window, the positions that belong in the divisor: the padded input (never
        # ceil mode's overhang past it), or only the real input.
        lo, hi = ((0, 0), (h + 2 * p[0], w + 2 * p[1])) if count_include_pad \
            else (p, (p[0] + h, p[1] + w))
        divisor = np.multiply.outer(_window_counts(out[0], k[0], s[0], lo[0], hi[0]),
                                    _window_counts(out[1], k[1], s[1], lo[1], hi[1]))
        divisor = divisor.astype(x.dtype)
    return AvgPool2d.apply(input, grid, divisor)
