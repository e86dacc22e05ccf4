"""Op-table rows for ``ops/padding.py``, ``ops/conv_extra.py``, ``ops/pooling.py``,
``ops/resample.py``, ``ops/group_norm.py``, ``ops/attention.py`` and ``bilinear``
(see ``optable.OpCase``).

The references are naive NumPy loops over tiny shapes, written from PyTorch's
documented semantics (one output element at a time), so they share no code with the
ops. Max-pooling rows add a fixed ramp to the input so no window has a tie.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
from optable import OpCase

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import conv as cv
from microtensor.ops import normalization as nm
from microtensor.ops import padding as pd

_small = st.integers(1, 3)


# --------------------------------------------------------------------------- padding


@st.composite
def _pad_draw(draw) -> tuple:
    shape = tuple(draw(st.lists(_small, min_size=2, max_size=3)))
    return (shape,)


def _pad_params(mode: str):
    def params(shapes):
        n = shapes[0][-1]
        lo_min = -(n - 1) if mode == "constant" else 0
        # reflect mirrors at most n - 1 elements, circular wraps at most once (n)
        hi_max = {"reflect": n - 1, "circular": n}.get(mode, 2)
        return st.fixed_dictionaries({
            "pad": st.tuples(st.integers(max(lo_min, -1), min(hi_max, 2)),
                             st.integers(0, min(hi_max, 2))),
            "mode": st.just(mode)})
    return params


def _pad_ref(x, pad, mode):
    lo, hi = pad
    if lo < 0:
        x, lo = x[..., -lo:], 0
    widths = [(0, 0)] * (x.ndim - 1) + [(lo, hi)]
    if mode == "constant":
        return np.pad(x, widths, constant_values=0.25)
    return np.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge",
                                   "circular": "wrap"}[mode])


def _pad(x, pad, mode):
    return F.pad(x, pad, mode, 0.25 if mode == "constant" else None)


# --------------------------------------------------------------------------- convolutions


@st.composite
def _conv1d_draw(draw) -> tuple:
    g = draw(st.integers(1, 2))
    c, o, k = g * draw(_small), g * draw(st.integers(1, 2)), draw(_small)
    length = draw(st.integers(k, k + 3))
    return ((draw(st.integers(1, 2)), c, length), (o, c // g, k), (o,))


def _conv1d_params(shapes):
    (_, c, _), (_, cg, _), _ = shapes
    return st.fixed_dictionaries({"stride": _small, "padding": st.integers(0, 1),
                                  "groups": st.just(c // cg)})


def _conv1d_ref(x, w, b, stride, padding, groups):
    n, c, length = x.shape
    o, cg, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    lo = (length + 2 * padding - k) // stride + 1
    out = np.zeros((n, o, lo))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(lo):
            window = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + k]
            out[:, oc, i] = (window * w[oc]).sum(axis=(1, 2)) + b[oc]
    return out


@st.composite
def _convt_draw(draw) -> tuple:
    g = draw(st.integers(1, 2))
    c, og = g * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 2)), draw(_small)  # small: the composite graph is deep
    x = (1, c, draw(st.integers(1, 2)), draw(_small))
    return (x, (c, og, kh, kw), (g * og,))


def _convt_params(shapes):
    (_, c, _, _), (c2, og, _, _), (o,) = shapes
    return st.fixed_dictionaries({"stride": st.integers(1, 2), "dilation": st.integers(1, 2),
                                  "groups": st.just(o // og)})


def _convt_ref(x, w, b, stride, dilation, groups):
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c // groups
    ho, wo = (h - 1) * stride + dilation * (kh - 1) + 1, (wd - 1) * stride + dilation * (kw - 1) + 1
    out = np.zeros((n, og * groups, ho, wo))
    for ci in range(c):
        g = ci // cg
        for i in range(h):
            for j in range(wd):
                for a in range(kh):
                    for bb in range(kw):
                        out[:, g * og:(g + 1) * og, i * stride + a * dilation,
                            j * stride + bb * dilation] += x[:, ci, i, j, None] * w[ci, :, a, bb]
    return out + b[None, :, None, None]


def _convt(x, w, b, stride, dilation, groups):
    return F.conv_transpose2d(x, w, b, stride, 0, 0, groups, dilation)


# --------------------------------------------------------------------------- pooling


def _ramp(shape) -> np.ndarray:
    return 0.01 * np.arange(math.prod(shape)).reshape(shape)


def _seq_shape() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 2), _small, st.integers(2, 6)).map(lambda s: (s,))


def _max1d(x, kernel_size, stride):
    r = _ramp(tuple(x.shape))
    return F.max_pool1d(x + mt.tensor(r, dtype=x.dtype), kernel_size, stride)


def _max1d_ref(x, kernel_size, stride):
    x = x + _ramp(x.shape)
    lo = (x.shape[-1] - kernel_size) // stride + 1
    return np.stack([x[..., i * stride:i * stride + kernel_size].max(-1) for i in range(lo)], -1)


def _pool1d_params(shapes):
    n = shapes[0][-1]
    return st.fixed_dictionaries({"kernel_size": st.integers(1, n), "stride": _small})


def _avg1d_ref(x, kernel_size, stride):
    lo = (x.shape[-1] - kernel_size) // stride + 1
    return np.stack([x[..., i * stride:i * stride + kernel_size].mean(-1) for i in range(lo)], -1)


def _image_shape() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 2), _small, st.integers(1, 5), st.integers(1, 5)).map(
        lambda s: (s,))


def _adaptive_params(shapes):
    h, w = shapes[0][-2:]
    return st.fixed_dictionaries({"output_size": st.tuples(st.integers(1, h),
                                                           st.integers(1, w))})


def _windows(n, out):
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def _adaptive_ref(x, output_size, reduce):
    h, w = x.shape[-2:]
    cols = _windows(w, output_size[1])
    rows = [np.stack([reduce(x[..., a:b, c:d], axis=(-2, -1)) for c, d in cols], -1)
            for a, b in _windows(h, output_size[0])]
    return np.stack(rows, -2)


def _adaptive_max(x, output_size):
    return F.adaptive_max_pool2d(x + mt.tensor(_ramp(tuple(x.shape)), dtype=x.dtype),
                                 output_size)


# --------------------------------------------------------------------------- resampling


def _interp_params(shapes):
    return st.fixed_dictionaries({
        "size": st.tuples(st.integers(1, 5), st.integers(1, 5)),
        "mode": st.sampled_from(("nearest", "bilinear")),
        "align_corners": st.booleans()})


def _interp(x, size, mode, align_corners):
    return F.interpolate(x, size, mode=mode,
                         align_corners=align_corners if mode == "bilinear" else None)


def _interp_ref(x, size, mode, align_corners):
    def coords(out, n):
        if mode == "nearest":
            return np.minimum(np.floor(np.arange(out) * n / out), n - 1), None
        if align_corners:
            src = np.arange(out) * ((n - 1) / (out - 1) if out > 1 else 0)
        else:
            src = np.maximum((np.arange(out) + 0.5) * n / out - 0.5, 0)
        return src, None

    h, w = x.shape[-2:]
    (sy, _), (sx, _) = coords(size[0], h), coords(size[1], w)
    out = np.zeros(x.shape[:2] + tuple(size))
    for i, y in enumerate(sy):
        for j, xx in enumerate(sx):
            y0, x0 = int(np.floor(y)), int(np.floor(xx))
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            ly, lx = y - y0, xx - x0
            out[..., i, j] = ((1 - ly) * ((1 - lx) * x[..., y0, x0] + lx * x[..., y0, x1])
                              + ly * ((1 - lx) * x[..., y1, x0] + lx * x[..., y1, x1]))
    return out


def _shuffle_ref(x, r):
    n, c, h, w = x.shape
    out = np.zeros((n, c // (r * r), h * r, w * r))
    for k in range(c):
        out[:, k // (r * r), (k % (r * r)) // r::r, k % r::r] = x[:, k]
    return out


@st.composite
def _shuffle_draw(draw) -> tuple:
    return ((draw(st.integers(1, 2)), 4 * draw(st.integers(1, 2)), draw(_small), draw(_small)),)


# --------------------------------------------------------------------------- norms, attention


@st.composite
def _group_draw(draw) -> tuple:
    g = draw(st.integers(1, 2))
    c = g * draw(st.integers(1, 2))
    rest = (draw(st.integers(2, 3)),)
    return ((draw(st.integers(1, 2)), c, *rest), (c,), (c,))


def _alternating(shape):
    return 0.5 * (-1.0) ** np.indices(shape).sum(0)


def _group_norm(x, w, b):
    off = mt.tensor(_alternating(tuple(x.shape)), dtype=x.dtype)
    return F.group_norm(x + off, 1 if x.shape[1] % 2 else 2, w, b, 1e-3)


def _group_norm_ref(x, w, b):
    x = x + _alternating(x.shape)
    n, c = x.shape[:2]
    g = 1 if c % 2 else 2
    xr = x.reshape(n, g, -1)
    y = (xr - xr.mean(-1, keepdims=True)) / np.sqrt(xr.var(-1, keepdims=True) + 1e-3)
    return y.reshape(x.shape) * w[None, :, None] + b[None, :, None]


@st.composite
def _sdpa_draw(draw) -> tuple:
    b, lq, s, e, ev = (draw(_small) for _ in range(5))
    return ((b, lq, e), (b, s, e), (b, s, ev))


def _sdpa_ref(q, k, v, is_causal):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if is_causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


@st.composite
def _bilinear_draw(draw) -> tuple:
    n, i1, i2, o = (draw(_small) for _ in range(4))
    return ((n, i1), (n, i2), (o, i1, i2), (o,))


def _rms_ref(x, w):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * w


def _lrn_ref(x):
    c = x.shape[1]
    sq = np.pad(x * x, [(0, 0), (1, 1)] + [(0, 0)] * (x.ndim - 2))
    window = sum(sq[:, i:i + c] for i in range(3)) / 3
    return x / (window * 0.5 + 1.0) ** 0.75


def _lp_ref(x, kernel_size):
    h, w = x.shape[-2:]
    return np.stack([np.stack([(x[..., i:i + kernel_size, j:j + kernel_size] ** 2).sum((-2, -1))
                               for j in range(0, w - kernel_size + 1, kernel_size)], -1)
                     for i in range(0, h - kernel_size + 1, kernel_size)], -2) ** 0.5


def _unfold_ref(x, kernel_size, stride):
    n, c, h, w = x.shape
    ho, wo = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    cols = [x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            .reshape(n, -1) for i in range(ho) for j in range(wo)]
    return np.stack(cols, -1)


def _unfold_params(shapes):
    return st.fixed_dictionaries({"kernel_size": st.integers(1, min(shapes[0][-2:])),
                                  "stride": st.integers(1, 2)})


def _fold(cols, size, k):
    return F.fold(cols, size, k)


def _fold_ref(cols, size, k):
    n, ck, _ = cols.shape
    h, w = size
    ho, wo = h - k + 1, w - k + 1
    out = np.zeros((n, ck // (k * k), h, w))
    blocks = cols.reshape(n, ck // (k * k), k, k, ho, wo)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + ho, j:j + wo] += blocks[:, :, i, j]
    return out


@st.composite
def _fold_draw(draw) -> tuple:
    k, c, n = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ho, wo = draw(_small), draw(_small)
    return ((n, c * k * k, ho * wo),)


def _fold_params(shapes):
    n, ck, length = shapes[0]
    ks = [k for k in (1, 2) if ck % (k * k) == 0]
    return st.sampled_from(ks).flatmap(lambda k: st.sampled_from(
        [(ho, length // ho) for ho in range(1, length + 1) if length % ho == 0]).map(
        lambda hw: {"size": (hw[0] + k - 1, hw[1] + k - 1), "k": k}))


CASES: list[OpCase] = [
    OpCase("pad(constant)", _pad, _pad_ref, _pad_draw, (pd.ConstantPad,),
           params=_pad_params("constant")),
    OpCase("pad(reflect)", _pad, _pad_ref, _pad_draw, (), params=_pad_params("reflect")),
    OpCase("pad(replicate)", _pad, _pad_ref, _pad_draw, (), params=_pad_params("replicate")),
    OpCase("pad(circular)", _pad, _pad_ref, _pad_draw, (), params=_pad_params("circular")),
    OpCase("conv1d", F.conv1d, _conv1d_ref, _conv1d_draw, (cv.Conv2d,), params=_conv1d_params),
    OpCase("conv_transpose2d", _convt, _convt_ref, _convt_draw, (cv.Conv2d, pd.ConstantPad),
           params=_convt_params),
    OpCase("max_pool1d", _max1d, _max1d_ref, _seq_shape, (cv.MaxPool2d,),
           params=_pool1d_params),
    OpCase("avg_pool1d", lambda x, kernel_size, stride: F.avg_pool1d(x, kernel_size, stride),
           _avg1d_ref, _seq_shape, (cv.AvgPool2d,), params=_pool1d_params),
    OpCase("adaptive_avg_pool2d", F.adaptive_avg_pool2d,
           lambda x, output_size: _adaptive_ref(x, output_size, np.mean), _image_shape,
           (cv.AvgPool2d,), params=_adaptive_params),
    OpCase("adaptive_max_pool2d", _adaptive_max,
           lambda x, output_size: _adaptive_ref(x + _ramp(x.shape), output_size, np.max),
           _image_shape, (cv.MaxPool2d,), params=_adaptive_params),
    OpCase("interpolate", _interp, _interp_ref, _image_shape, (), params=_interp_params),
    OpCase("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), lambda x: _shuffle_ref(x, 2),
           _shuffle_draw, ()),
    OpCase("group_norm", _group_norm, _group_norm_ref, _group_draw, (nm.BatchNorm,)),
    OpCase("F.unfold", lambda x, kernel_size, stride: F.unfold(x, kernel_size, stride=stride),
           _unfold_ref, _image_shape, (pd.ConstantPad,), params=_unfold_params),
    OpCase("fold", _fold, _fold_ref, _fold_draw, (pd.ConstantPad,), params=_fold_params),
    OpCase("rms_norm", lambda x, w: F.rms_norm(x, (x.shape[-1],), w, 1e-6), _rms_ref,
           lambda: _image_shape().map(lambda s: (s[0], s[0][-1:])), ()),
    OpCase("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.5), _lrn_ref,
           _image_shape, ()),
    OpCase("lp_pool2d", lambda x, kernel_size: F.lp_pool2d(x, 2, kernel_size), _lp_ref,
           _image_shape, (cv.AvgPool2d,), low=0.25, high=2.0,
           params=lambda s: st.fixed_dictionaries(
               {"kernel_size": st.integers(1, min(s[0][-2:]))})),
    OpCase("scaled_dot_product_attention", lambda q, k, v, is_causal:
           F.scaled_dot_product_attention(q, k, v, is_causal=is_causal), _sdpa_ref, _sdpa_draw,
           (), params=lambda s: st.fixed_dictionaries({"is_causal": st.booleans()})),
    OpCase("bilinear", F.bilinear, lambda a, b, w, bias: np.einsum("ni,oij,nj->no", a, w, b)
           + bias, _bilinear_draw, ()),
]
