"""2-D convolution and pooling, vectorised: windows by stride tricks, one matrix product.

**im2col.** Every output pixel of a convolution is a dot product of the kernel with
one window of the (padded) input. ``as_strided`` gives all windows at once as a
view of shape ``(N, C, kh, kw, Ho, Wo)`` (no copy: the window axes step through the
input's memory with the dilation, the output axes with the stride). Laid out as a
matrix of ``N·Ho·Wo`` rows of ``C·kh·kw`` numbers, the whole convolution is one
matrix product with the flattened kernel ``(O, C·kh·kw)``.

**Backward.** ``dL/dW`` is that product transposed: ``Gᵀ @ cols`` (one matmul).
``dL/dcols = G @ W`` gives, for every window, the gradient of each of its inputs;
*col2im* adds each back where the window read it. Windows overlap, so one loop
runs over the ``kh·kw`` kernel offsets (never over pixels): offset ``(i, j)`` of
every window is one strided slice of the input, added in one vectorised step.

Pooling reuses the windows: max-pooling picks each window's argmax (PyTorch's
rule: the first maximum; a NaN wins, the last one), and its gradient goes to that
element only; average pooling divides each window's sum by its size.

All ops take ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input. Differences from
PyTorch: float input only (PyTorch also pools integers), and mixed float dtypes
are promoted (PyTorch refuses them), as ``linear`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor

__all__ = ["avg_pool2d", "conv2d", "max_pool2d"]


# --------------------------------------------------------------------------- windows


def _pad(x: np.ndarray, padding: tuple[int, int, int, int], value: float) -> np.ndarray:
    """Pad the last two axes by ``(top, bottom, left, right)``."""
    if not any(padding):
        return x
    top, bottom, left, right = padding
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def _windows(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple,
             out: tuple) -> np.ndarray:
    """Every window of ``xp`` (N, C, H, W) as a read-only view (N, C, kh, kw, Ho, Wo).

    Element ``[n, c, i, j, y, x]`` is ``xp[n, c, y·sh + i·dh, x·sw + j·dw]``.
    """
    n, c, _, _ = xp.shape
    s_n, s_c, s_h, s_w = xp.strides
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out
    return as_strided(xp, shape=(n, c, kh, kw, ho, wo),
                      strides=(s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw),
                      writeable=False)


def _col2im(cols: np.ndarray, padded_shape: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """The adjoint of :func:`_windows`: add every window's values back where it read them.

    ``cols`` is (N, C, kh, kw, Ho, Wo). One step per kernel offset ``(i, j)``: that
    element of every window is a strided slice of the input, and within one slice
    no two windows touch the same pixel, so ``+=`` on the slice is exact.
    """
    _, _, kh, kw, ho, wo = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros(padded_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            r, c = i * dh, j * dw
            out[:, :, r:r + sh * (ho - 1) + 1:sh, c:c + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]
    return out


def _crop(xp: np.ndarray, padding: tuple[int, int, int, int], h: int, w: int) -> np.ndarray:
    top, _, left, _ = padding
    return xp[:, :, top:top + h, left:left + w]


def _group_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for stacks of ``g`` matrices, one 2-D product per group.

    NumPy's batched matmul is much slower than BLAS on a transposed operand; a loop
    over the groups (usually one) keeps every product a single BLAS call.
    """
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return np.stack([ai @ bi for ai, bi in zip(a, b)])


def _out_len(size: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


# --------------------------------------------------------------------------- convolution


class Conv2d(Function):
    """f = im2col(x) @ Wᵀ + b;  df/dW = Gᵀ @ im2col(x),  df/dx = col2im(G @ W),  df/db = Σ G.

    A cross-correlation, as in every deep-learning library (the kernel is not
    flipped). ``df/db`` sums over the batch and every position. With ``groups = g`` the
    channels split into ``g`` independent convolutions: the matrices gain a
    leading group axis and the products are batched.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        x, weight = promote_pair(x, weight)
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        n, c, h, w = x.shape
        o, cg, kh, kw = weight.shape
        g, og = groups, o // groups
        top, bottom, left, right = padding
        out_hw = (_out_len(h, kh, stride[0], top, bottom, dilation[0]),
                  _out_len(w, kw, stride[1], left, right, dilation[1]))
        xp = _pad(x, padding, 0)
        win = _windows(xp, (kh, kw), stride, dilation, out_hw)  # (N, C, kh, kw, Ho, Wo)
        # (g, N·Ho·Wo, Cg·kh·kw): one row per window and group; this is the one copy.
        cols = win.reshape(n, g, cg, kh, kw, *out_hw).transpose(1, 0, 5, 6, 2, 3, 4) \
            .reshape(g, n * out_hw[0] * out_hw[1], cg * kh * kw)
        w_mat = weight.reshape(g, og, cg * kh * kw)
        out = _group_matmul(cols, w_mat.transpose(0, 2, 1))  # (g, N·Ho·Wo, Og)
        out = out.reshape(g, n, *out_hw, og).transpose(1, 0, 4, 2, 3).reshape(n, o, *out_hw)
        if bias is not None:
            out = out + bias.astype(out.dtype, copy=False).reshape(o, 1, 1)
        ctx.geometry = (x.shape, xp.shape, weight.shape, stride, padding, dilation, groups,
                        unbatched)
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(cols if need_w else None, weight if need_x else None)
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        x_shape, xp_shape, w_shape, stride, padding, dilation, g, unbatched = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if unbatched:
            grad = grad[None]
        n, c, h, w = x_shape
        o, cg, kh, kw = w_shape
        og = o // g
        ho, wo = grad.shape[2:]
        g_mat = grad.reshape(n, g, og, ho, wo).transpose(1, 0, 3, 4, 2) \
            .reshape(g, n * ho * wo, og)  # (g, N·Ho·Wo, Og), rows ordered as cols' rows
        gx = gw = gb = None
        if need_w:
            gw = _group_matmul(g_mat.transpose(0, 2, 1), cols).reshape(w_shape)
        if need_x:
            g_cols = _group_matmul(g_mat, weight.reshape(g, og, cg * kh * kw))
            g_cols = g_cols.reshape(g, n, ho, wo, cg, kh, kw).transpose(1, 0, 4, 5, 6, 2, 3) \
                .reshape(n, c, kh, kw, ho, wo)
            gx = _crop(_col2im(g_cols, xp_shape, stride, dilation), padding, h, w)
            if unbatched:
                gx = gx[0]
        if need_b:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb


# --------------------------------------------------------------------------- pooling


class MaxPool2d(Function):
    """f = max of each window;  df/dx = G routed to each window's argmax (PyTorch's tie rule).

    The argmax positions (flat indices into ``H·W``, what ``return_indices=True``
    returns) are found by :func:`max_pool2d`; this node gathers the values there
    and, backward, scatters ``G`` back to them, adding where windows overlap.
    """

    @staticmethod
    def forward(ctx, x, index):
        flat = x.reshape(x.shape[:-2] + (-1,))
        out = np.take_along_axis(flat, index.reshape(index.shape[:-2] + (-1,)), axis=-1)
        ctx.in_shape = x.shape
        ctx.save_for_backward(index)
        return out.reshape(index.shape)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        shape = ctx.in_shape
        hw = shape[-1] * shape[-2]
        m = int(np.prod(shape[:-2], dtype=np.int64))
        # Position in the whole flattened input; bincount adds the gradients of every window
        # whose maximum is the same element (overlapping windows).
        flat = index.reshape(m, -1) + (np.arange(m, dtype=np.int64) * hw)[:, None]
        gx = np.bincount(flat.ravel(), weights=grad.ravel(), minlength=m * hw)
        return gx.reshape(shape).astype(grad.dtype, copy=False), None


class AvgPool2d(Function):
    """f = Σ window / divisor;  df/dx = G / divisor added to every element of its window.

    ``divisor`` (Ho, Wo) is the window size, the count of real (not padded) elements
    with ``count_include_pad=False``, or ``divisor_override``; :func:`avg_pool2d`
    works it out per output position.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, divisor):
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        xp = _pad(x, padding, 0)
        win = _windows(xp, kernel, stride, (1, 1), divisor.shape)
        out = win.sum(axis=(2, 3)) / divisor
        ctx.geometry = (x.shape, xp.shape, kernel, stride, padding, unbatched)
        ctx.save_for_backward(divisor)
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad):
        (divisor,) = ctx.saved_tensors
        x_shape, xp_shape, (kh, kw), stride, padding, unbatched = ctx.geometry
        if unbatched:
            grad = grad[None]
        g = grad / divisor
        n, c, ho, wo = g.shape
        g_cols = np.broadcast_to(g[:, :, None, None], (n, c, kh, kw, ho, wo))
        gx = _crop(_col2im(g_cols, xp_shape, stride, (1, 1)), padding, *x_shape[2:])
        return (gx[0] if unbatched else gx), None, None, None, None


# --------------------------------------------------------------------------- argument checks


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


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
    x, w = _array(input), _array(weight)
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
    if bias is not None and _array(bias).shape != (w.shape[0],):
        raise ShapeError(f"conv2d: bias should have shape ({w.shape[0]},), one entry per output "
                         f"channel of weight {w.shape}, got shape {_array(bias).shape}")
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
    """Checked kernel, stride, padding, dilation; (Ho, Wo); and the (top, bottom, left, right)
    padding that makes every window, ceil mode's last partial ones included, fit."""
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
    # Ceil mode's last window may reach past the padded input: pad further at the end.
    extra = [max(0, (o - 1) * st + sp - (n + 2 * pp))
             for o, st, sp, n, pp in zip(out, s, span, (h, w), p)]
    pad4 = (p[0], p[0] + extra[0], p[1], p[1] + extra[1])
    return k, s, p, d, out, pad4


def _first_real(o: int, s: int, p: int, d: int) -> np.ndarray:
    """For each output index, the first window offset that lands inside the input (not padding)."""
    start = np.arange(o) * s - p
    return start + (np.maximum(-start, 0) + d - 1) // d * d


def _max_pool_indices(x: np.ndarray, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple,
                      pad4: tuple) -> np.ndarray:
    """Each window's argmax as a flat index into ``H·W`` (PyTorch's ``return_indices``).

    Ties go to the first maximum in the window (row by row); a window holding NaN
    picks its last NaN, as PyTorch's CPU kernel does (it keeps any NaN it meets).
    """
    n, c, h, w = x.shape
    xp = _pad(x, pad4, -np.inf)
    win = _windows(xp, k, s, d, out).transpose(0, 1, 4, 5, 2, 3) \
        .reshape(n, c, out[0], out[1], k[0] * k[1])
    arg = win.argmax(axis=-1)
    nan = np.isnan(win)
    if nan.any():
        last_nan = k[0] * k[1] - 1 - nan[..., ::-1].argmax(axis=-1)
        arg = np.where(nan.any(axis=-1), last_nan, arg)
    i, j = np.divmod(arg, k[1])
    rows = (np.arange(out[0]) * s[0] - p[0])[:, None] + i * d[0]
    cols = (np.arange(out[1]) * s[1] - p[1])[None, :] + j * d[1]
    # Only a window whose real values are all -inf can pick a padded position; PyTorch then
    # reports the window's first real element.
    padded = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
    if padded.any():
        rows = np.where(padded, _first_real(out[0], s[0], p[0], d[0])[:, None], rows)
        cols = np.where(padded, _first_real(out[1], s[1], p[1], d[1])[None, :], cols)
    return (rows * w + cols).astype(np.int64)


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
    x = _array(input)
    _image_input(x, "max_pool2d")
    k, s, p, d, out, pad4 = _pool_geometry(x, kernel_size, stride, padding, dilation,
                                           ceil_mode, "max_pool2d")
    x4 = x[None] if x.ndim == 3 else x
    index = _max_pool_indices(x4, k, s, p, d, out, pad4)
    if x.ndim == 3:
        index = index[0]
    result = MaxPool2d.apply(input, index)
    if return_indices:
        return result, Tensor._make(index, False, None)
    return result


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
    x = _array(input)
    _image_input(x, "avg_pool2d")
    k, s, p, _, out, pad4 = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode,
                                           "avg_pool2d")
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must not be zero")
        divisor = np.full(out, divisor_override, dtype=x.dtype)
    else:
        # Count, per window, the positions that belong in the divisor: the padded input
        # (never ceil mode's overhang), or only the real input.
        h, w = x.shape[-2:]
        mask = np.zeros((1, 1, h + pad4[0] + pad4[1], w + pad4[2] + pad4[3]), dtype=x.dtype)
        if count_include_pad:
            mask[..., :h + 2 * p[0], :w + 2 * p[1]] = 1
        else:
            mask[..., p[0]:p[0] + h, p[1]:p[1] + w] = 1
        divisor = _windows(mask, k, s, (1, 1), out).sum(axis=(2, 3))[0, 0]
    return AvgPool2d.apply(input, k, s, pad4, divisor)
