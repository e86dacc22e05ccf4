"""Op-table rows for ``ops/normalization.py`` and ``ops/conv.py`` (see ``optable.OpCase``).

Batch norm (train and eval), layer norm, conv2d (stride, padding, dilation,
"same", groups, unbatched), max and average pooling, called through
``microtensor.nn.functional``. The references are naive NumPy loops, one window
at a time, following PyTorch's documented semantics; the shapes are tiny, so the
loops are quick and the numerical Jacobians cheap.

Two rows add a fixed offset pattern to the drawn input before the op (the
reference gets the same offset): hypothesis likes arrays of one repeated value,
and there max pooling has ties (no derivative) and batch norm a zero variance
(gradients of 1/√ε). The offsets move such draws to well-conditioned points;
``avoid`` rejects the rare ones that stay close.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from optable import OpCase

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import conv as cv
from microtensor.ops import normalization as nm

KINK = 1e-3
_small = st.integers(1, 3)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _offsets(x, pattern: np.ndarray):
    """``pattern`` in x's dtype, as a constant of x's kind (Tensor or array)."""
    if isinstance(x, mt.Tensor):
        return mt.tensor(pattern, dtype=x.dtype)
    return pattern


# --------------------------------------------------------------------------- batch norm


def _alternating(shape: tuple, axes: tuple) -> np.ndarray:
    """±0.5 by the parity of the index along ``axes`` (those that share one statistic):
    each group of two or more elements gets both signs, a variance of at least 0.2."""
    index = np.indices(shape)
    return 0.5 * (-1.0) ** sum((index[a] for a in axes), np.zeros(shape, dtype=np.int64))


def _bn_axes(ndim: int) -> tuple:
    return (0, *range(2, ndim))


def _bn_offsets(shape: tuple) -> np.ndarray:
    return _alternating(shape, _bn_axes(len(shape)))


@st.composite
def _bn_shapes(draw, affine: bool = True) -> tuple:
    ndim = draw(st.sampled_from((2, 3, 4)))
    c = draw(_small)
    rest = tuple(draw(st.integers(1, 2)) for _ in range(ndim - 2))
    n = draw(st.integers(1, 3))
    if n * int(np.prod(rest, dtype=np.int64)) < 2:
        n = 2  # training needs more than one value per channel
    x = (n, c, *rest)
    return (x, (c,), (c,)) if affine else (x,)


def _bn_params(training: bool):
    def params(shapes: tuple) -> st.SearchStrategy:
        return st.fixed_dictionaries({
            "training": st.just(training),
            "momentum": st.sampled_from((0.1, 0.5)),
            "eps": st.sampled_from((1e-5, 1e-3, 0.5)),
        })
    return params


def _running(c: int, like) -> tuple:
    """Fixed running statistics (eval rows): means 0.1·k, variances 0.5 + 0.25·k."""
    mean, var = 0.1 * np.arange(c), 0.5 + 0.25 * np.arange(c)
    if isinstance(like, mt.Tensor):
        return mt.tensor(mean, dtype=like.dtype), mt.tensor(var, dtype=like.dtype)
    return mean, var


def _batch_norm(x, weight=None, bias=None, training=True, momentum=0.1, eps=1e-5):
    rm, rv = _running(x.shape[1], x)
    x = x + _offsets(x, _bn_offsets(x.shape))
    return F.batch_norm(x, rm, rv, weight, bias, training=training, momentum=momentum, eps=eps)


def _bn_ref(x, weight=None, bias=None, training=True, momentum=0.1, eps=1e-5):
    x = x + _bn_offsets(x.shape)
    c = x.shape[1]
    out = np.empty_like(x)
    rm, rv = _running(c, x)
    for k in range(c):
        v = x[:, k]
        mean, var = (v.mean(), v.var()) if training else (rm[k], rv[k])
        y = (v - mean) / np.sqrt(var + eps)
        if weight is not None:
            y = y * weight[k]
        if bias is not None:
            y = y + bias[k]
        out[:, k] = y
    return out


def _bn_flat_channel(x, *_, training=True, eps=1e-5, **__) -> bool:
    """A channel whose (offset) values barely vary: 1/√(σ² + ε) would be huge."""
    if not training or eps >= 1e-3:
        return False
    v = x + _bn_offsets(x.shape)
    return bool(np.min(v.var(axis=_bn_axes(x.ndim))) < 0.05)


# --------------------------------------------------------------------------- layer norm


@st.composite
def _ln_shapes(draw, affine: bool = True) -> tuple:
    lead = tuple(draw(st.lists(_small, max_size=2)))
    norm = tuple(draw(st.lists(_small, min_size=1, max_size=2)))
    x = lead + norm
    return (x, norm, norm) if affine else (x,)


def _ln_k(shapes: tuple) -> int:
    # With weight, its shape is normalized_shape; without, one trailing dim (or two).
    return len(shapes[1]) if len(shapes) > 1 else min(len(shapes[0]), 1 + len(shapes[0]) // 3)


def _ln_params(shapes: tuple) -> st.SearchStrategy:
    k = _ln_k(shapes)
    return st.fixed_dictionaries({"normalized_shape": st.just(tuple(shapes[0][-k:])),
                                  "eps": st.sampled_from((1e-5, 0.5))})


def _ln_offsets(shape: tuple, k: int) -> np.ndarray:
    n = len(shape)
    return _alternating(shape, tuple(range(n - k, n)))


def _layer_norm(x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
    x = x + _offsets(x, _ln_offsets(x.shape, len(normalized_shape)))
    return F.layer_norm(x, normalized_shape, weight, bias, eps)


def _ln_ref(x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
    k = len(normalized_shape)
    x = x + _ln_offsets(x.shape, k)
    rows = x.reshape(-1, int(np.prod(normalized_shape)))
    out = np.array([(r - r.mean()) / np.sqrt(r.var() + eps) for r in rows]).reshape(x.shape)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


# --------------------------------------------------------------------------- conv2d


@st.composite
def _conv_shapes(draw, bias: bool = True, groups: int = 1, batched: bool = True) -> tuple:
    n, cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(_small), draw(_small)
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    x = (n, cg * groups, h, w) if batched else (cg * groups, h, w)
    shapes = (x, (og * groups, cg, kh, kw))
    return shapes + ((og * groups,),) if bias else shapes


@st.composite
def _draw_conv_params(draw, shapes: tuple, groups: int) -> dict:
    (h, w), (kh, kw) = shapes[0][-2:], shapes[1][2:]
    stride = (draw(_small), draw(_small))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = []
    for size, k, d in ((h, kh, dilation[0]), (w, kw, dilation[1])):
        need = max(0, -(-(d * (k - 1) + 1 - size) // 2))  # the kernel must fit the padded input
        padding.append(draw(st.integers(need, need + 1)))
    return {"stride": stride, "padding": tuple(padding), "dilation": dilation, "groups": groups}


def _conv_params(groups: int = 1):
    return lambda shapes: _draw_conv_params(shapes, groups)


def _same_params(shapes: tuple) -> st.SearchStrategy:
    return st.fixed_dictionaries({"padding": st.just("same"),
                                  "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2))})


def _conv_ref(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation one output pixel at a time, PyTorch's padding rules."""
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    o, cg, kh, kw = weight.shape
    if padding == "same":
        th, tw = dh * (kh - 1), dw * (kw - 1)
        pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
    else:
        ph, pw = _pair(padding)
        pads = ((ph, ph), (pw, pw))
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], o, ho, wo))
    og = o // groups
    for oc in range(o):
        group = xp[:, (oc // og) * cg:(oc // og + 1) * cg]
        for y in range(ho):
            for z in range(wo):
                patch = group[:, :, y * sh:y * sh + dh * (kh - 1) + 1:dh,
                              z * sw:z * sw + dw * (kw - 1) + 1:dw]
                out[:, oc, y, z] = np.sum(patch * weight[oc], axis=(1, 2, 3))
        if bias is not None:
            out[:, oc] += bias[oc]
    return out[0] if unbatched else out


# --------------------------------------------------------------------------- pooling


def _pool_len(size, k, s, p, d, ceil_mode):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


@st.composite
def _draw_pool_params(draw, shapes: tuple, avg: bool) -> dict:
    hw = shapes[0][-2:]
    kernel, dilation, padding = [], [], []
    for size in hw:
        k = draw(st.integers(1, min(3, size)))
        d = 1 if avg else draw(st.integers(1, 2))
        span = d * (k - 1) + 1
        half = (k if avg else span) // 2
        if span > size + 2 * half:
            d, span, half = 1, k, k // 2
        need = max(0, -(-(span - size) // 2))
        kernel.append(k)
        dilation.append(d)
        padding.append(draw(st.integers(need, max(need, half))))
    params = {
        "kernel_size": tuple(kernel),
        "stride": draw(st.none() | st.tuples(_small, _small)),
        "padding": tuple(padding),
        "ceil_mode": draw(st.booleans()),
    }
    if avg:
        params["count_include_pad"] = draw(st.booleans())
        params["divisor_override"] = draw(st.none() | st.just(3))
    else:
        params["dilation"] = tuple(dilation)
    return params


def _pool_windows(shape, kernel_size, stride, padding, dilation, ceil_mode):
    """For every output position, the rows and columns of the input its window reads
    (padding excluded), and the window's bounds for the divisor."""
    k, p, d = _pair(kernel_size), _pair(padding), _pair(dilation)
    s = k if stride is None else _pair(stride)
    h, w = shape[-2:]
    out = [_pool_len(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip((h, w), k, s, p, d)]
    windows = {}
    for y in range(out[0]):
        for z in range(out[1]):
            r0, c0 = y * s[0] - p[0], z * s[1] - p[1]
            rows = [r for r in range(r0, r0 + d[0] * (k[0] - 1) + 1, d[0]) if 0 <= r < h]
            cols = [c for c in range(c0, c0 + d[1] * (k[1] - 1) + 1, d[1]) if 0 <= c < w]
            padded_size = (min(r0 + k[0], h + p[0]) - r0) * (min(c0 + k[1], w + p[1]) - c0)
            windows[y, z] = (rows, cols, padded_size)
    return out, windows


def _max_pool_ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    out, windows = _pool_windows(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    res = np.zeros(x.shape[:-2] + tuple(out))
    for (y, z), (rows, cols, _) in windows.items():
        res[..., y, z] = x[..., rows, :][..., cols].max(axis=(-2, -1))
    return res


def _avg_pool_ref(x, kernel_size, stride=None, padding=0, ceil_mode=False,
                  count_include_pad=True, divisor_override=None):
    out, windows = _pool_windows(x.shape, kernel_size, stride, padding, 1, ceil_mode)
    res = np.zeros(x.shape[:-2] + tuple(out))
    for (y, z), (rows, cols, padded_size) in windows.items():
        total = x[..., rows, :][..., cols].sum(axis=(-2, -1))
        if divisor_override is not None:
            res[..., y, z] = total / divisor_override
        else:
            res[..., y, z] = total / (padded_size if count_include_pad else len(rows) * len(cols))
    return res


def _pool_shapes(batched: bool = True) -> st.SearchStrategy:
    lead = st.tuples(st.integers(1, 2), st.integers(1, 2)) if batched \
        else st.tuples(st.integers(1, 2))
    return st.tuples(lead, st.integers(1, 5), st.integers(1, 5)).map(
        lambda t: (t[0] + (t[1], t[2]),))


def _spread(shape: tuple) -> np.ndarray:
    """Distinct offsets 0.01 apart in a fixed shuffled order: no two inputs tie."""
    size = int(np.prod(shape, dtype=np.int64))
    return np.random.default_rng(size).permutation(size).reshape(shape) * 0.01


def _max_pool(x, **params):
    return F.max_pool2d(x + _offsets(x, _spread(x.shape)), **params)


def _max_pool_spread_ref(x, **params):
    return _max_pool_ref(x + _spread(x.shape), **params)


def _max_pool_tie(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> bool:
    """A window whose two largest values are closer than KINK: no derivative there."""
    v = x + _spread(x.shape)
    _, windows = _pool_windows(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    for rows, cols, _ in windows.values():
        vals = np.sort(v[..., rows, :][..., cols].reshape(v.shape[:-2] + (-1,)), axis=-1)
        if vals.shape[-1] > 1 and np.min(vals[..., -1] - vals[..., -2]) < KINK:
            return True
    return False


CASES: list[OpCase] = [
    # ------------------------------------------------------------ batch norm
    OpCase("batch_norm(training)", _batch_norm, _bn_ref, lambda: _bn_shapes(),
           (nm.BatchNorm,), params=_bn_params(True), avoid=_bn_flat_channel),
    OpCase("batch_norm(training, no affine)", _batch_norm, _bn_ref, lambda: _bn_shapes(False),
           (nm.BatchNorm,), params=_bn_params(True), avoid=_bn_flat_channel),
    OpCase("batch_norm(training, frozen input)", _batch_norm, _bn_ref, lambda: _bn_shapes(),
           (nm.BatchNorm,), params=_bn_params(True), avoid=_bn_flat_channel,
           inputs_requiring_grad=(1, 2)),
    OpCase("batch_norm(eval)", _batch_norm, _bn_ref, lambda: _bn_shapes(), (nm.BatchNorm,),
           params=_bn_params(False)),
    # ------------------------------------------------------------ layer norm
    OpCase("layer_norm", _layer_norm, _ln_ref, lambda: _ln_shapes(), (nm.LayerNorm,),
           params=_ln_params),
    OpCase("layer_norm(no affine)", _layer_norm, _ln_ref, lambda: _ln_shapes(False),
           (nm.LayerNorm,), params=_ln_params),
    # ------------------------------------------------------------ conv2d
    OpCase("conv2d", F.conv2d, _conv_ref, lambda: _conv_shapes(), (cv.Conv2d,),
           params=_conv_params()),
    OpCase("conv2d(no bias)", F.conv2d, _conv_ref, lambda: _conv_shapes(bias=False),
           (cv.Conv2d,), params=_conv_params()),
    OpCase("conv2d(padding='same')", F.conv2d, _conv_ref, lambda: _conv_shapes(),
           (cv.Conv2d,), params=_same_params),
    OpCase("conv2d(groups=2)", F.conv2d, _conv_ref, lambda: _conv_shapes(groups=2),
           (cv.Conv2d,), params=_conv_params(2)),
    OpCase("conv2d(unbatched)", F.conv2d, _conv_ref, lambda: _conv_shapes(batched=False),
           (cv.Conv2d,), params=_conv_params()),
    OpCase("conv2d(frozen input)", F.conv2d, _conv_ref, lambda: _conv_shapes(), (cv.Conv2d,),
           params=_conv_params(), inputs_requiring_grad=(1, 2)),
    # ------------------------------------------------------------ pooling
    OpCase("max_pool2d", _max_pool, _max_pool_spread_ref, lambda: _pool_shapes(),
           (cv.MaxPool2d,), params=lambda s: _draw_pool_params(s, False), avoid=_max_pool_tie),
    OpCase("max_pool2d(unbatched)", _max_pool, _max_pool_spread_ref,
           lambda: _pool_shapes(False), (cv.MaxPool2d,),
           params=lambda s: _draw_pool_params(s, False), avoid=_max_pool_tie),
    OpCase("avg_pool2d", F.avg_pool2d, _avg_pool_ref, lambda: _pool_shapes(), (cv.AvgPool2d,),
           params=lambda s: _draw_pool_params(s, True)),
    OpCase("avg_pool2d(unbatched)", F.avg_pool2d, _avg_pool_ref, lambda: _pool_shapes(False),
           (cv.AvgPool2d,), params=lambda s: _draw_pool_params(s, True)),
]
