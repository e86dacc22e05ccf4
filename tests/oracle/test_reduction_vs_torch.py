"""Reductions, scans, sorting and statistics against PyTorch (float64): values, dtypes,
shapes, named-tuple types, gradients (and gradients of gradients), and the errors of bad
input.

Each case is ``(id, fn, inputs)`` where ``fn(T, *tensors)`` is written once and run with
``T = torch`` and ``T = microtensor``. Values are distinct unless a case is about ties;
where PyTorch leaves the index of tied elements unspecified (topk, kthvalue, median, mode)
the cases use distinct values.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

torch.set_default_dtype(torch.float64)

RNG = np.random.default_rng(0)


def distinct(*shape):
    """Distinct values (a shuffled grid) so that sorting has no ties."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.37 - n * 0.15 + RNG.uniform(0, 0.01, n)).reshape(shape)


def ints(*shape, high=5):
    return RNG.integers(0, high, shape)


TIES = np.array([[2.0, 1.0, 2.0, 3.0, 1.0, 2.0], [0.0, 0.0, -1.0, 5.0, 5.0, 0.0]])
NANS = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 4.0, np.nan, np.nan], [np.nan] * 4])
ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0], [1.0, 2.0, 0.0, 0.5]])


def _to(T, a, grad):
    t = T.tensor(a)
    if grad and t.dtype in (T.float64, T.float32):
        t.requires_grad_(True)
    return t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


def _dt(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def _compare(got, want, name):
    g_all, w_all = _flat(got), _flat(want)
    assert len(g_all) == len(w_all), f"{name}: {len(g_all)} outputs, torch has {len(w_all)}"
    if hasattr(want, "_fields") or type(want).__module__ == "torch.return_types":
        assert type(got).__name__ == type(want).__name__, name
        assert tuple(got._fields) == type(want).__match_args__, name
    for k, (g, w) in enumerate(zip(g_all, w_all)):
        if not isinstance(w, torch.Tensor):
            assert g == w, f"{name}: output {k}"
            continue
        assert isinstance(g, mt.Tensor), f"{name}: output {k} is {type(g).__name__}"
        assert tuple(g.shape) == tuple(w.shape), f"{name}: output {k} shape {g.shape} vs {w.shape}"
        assert _dt(g) == _dt(w), \
            f"{name}: output {k} dtype {g.dtype} vs {w.dtype}"
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-10, atol=1e-12, equal_nan=True,
                                   err_msg=f"{name}: output {k}")


def run(name, fn, arrays, grad=True, gradgrad=False):
    ours = [_to(mt, a, grad) for a in arrays]
    theirs = [_to(torch, a, grad) for a in arrays]
    got, want = fn(mt, *ours), fn(torch, *theirs)
    _compare(got, want, name)
    if not grad:
        return
    outs = [(g, w) for g, w in zip(_flat(got), _flat(want))
            if isinstance(w, torch.Tensor) and w.requires_grad]
    if not outs:
        return
    loss_m = sum((g * mt.tensor(np.arange(1.0, g.numel() + 1).reshape(g.shape))).sum()
                 for g, _ in outs)
    loss_t = sum((w * torch.arange(1.0, w.numel() + 1).reshape(w.shape)).sum() for _, w in outs)
    leaves = [(m, t) for m, t in zip(ours, theirs) if t.requires_grad]
    gm = mt.autograd.grad(loss_m, [m for m, _ in leaves], create_graph=gradgrad,
                          allow_unused=True)
    gt = torch.autograd.grad(loss_t, [t for _, t in leaves], create_graph=gradgrad,
                             allow_unused=True)
    for k, (a, b) in enumerate(zip(gm, gt)):
        if b is None:
            assert a is None or not np.any(a.numpy()), f"{name}: grad {k}"
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=f"{name}: gradient {k}")
    if gradgrad:
        sm = sum((a * a).sum() for a in gm if a is not None and a.requires_grad)
        st = sum((b * b).sum() for b in gt if b is not None and b.requires_grad)
        if isinstance(st, torch.Tensor):
            g2m = mt.autograd.grad(sm, [m for m, _ in leaves], allow_unused=True)
            g2t = torch.autograd.grad(st, [t for _, t in leaves], allow_unused=True)
            for k, (a, b) in enumerate(zip(g2m, g2t)):
                want2 = np.zeros(tuple(leaves[k][1].shape)) if b is None else b.numpy()
                got2 = np.zeros(want2.shape) if a is None else a.numpy()
                np.testing.assert_allclose(got2, want2, rtol=1e-8, atol=1e-10,
                                           err_msg=f"{name}: second-order gradient {k}")


X = distinct(3, 4)
X3 = distinct(2, 3, 4)
S = np.array(1.7)  # 0-d
E = np.zeros((0, 3))

CASES = [
    # ---- sums, means, moments
    ("sum", lambda T, x: T.sum(x), [X3]),
    ("sum dim tuple neg", lambda T, x: T.sum(x, (-1, 0), keepdim=True), [X3]),
    ("sum dim list", lambda T, x: x.sum([0, 2]), [X3]),
    ("sum axis alias", lambda T, x: T.sum(x, axis=1, keepdims=True), [X3]),
    ("sum int", lambda T, x: T.sum(x, 0), [ints(3, 4)]),
    ("sum bool", lambda T, x: (x > 2).sum(), [ints(3, 4)]),
    ("sum dtype", lambda T, x: T.sum(x, 1, dtype=T.float64), [ints(3, 4)]),
    ("sum 0-d", lambda T, x: x.sum(0), [S]),
    ("sum empty", lambda T, x: x.sum(0), [E]),
    ("nansum", lambda T, x: T.nansum(x, 1), [NANS]),
    ("nansum int", lambda T, x: T.nansum(x), [ints(4)]),
    ("mean tuple", lambda T, x: T.mean(x, (0, 2)), [X3]),
    ("mean empty", lambda T, x: x.mean(), [E]),
    ("nanmean", lambda T, x: T.nanmean(x, 1, keepdim=True), [NANS]),
    ("nanmean all", lambda T, x: x.nanmean(), [NANS]),
    ("var correction", lambda T, x: T.var(x, 1, correction=2), [X]),
    ("var unbiased False", lambda T, x: x.var(0, unbiased=False, keepdim=True), [X]),
    ("std tuple", lambda T, x: T.std(x, (0, 1)), [X3]),
    ("std correction 0", lambda T, x: x.std(correction=0), [X]),
    ("var_mean", lambda T, x: T.var_mean(x, 1, correction=0), [X]),
    ("std_mean", lambda T, x: T.std_mean(x, dim=(0, 2), keepdim=True), [X3]),
    ("prod", lambda T, x: T.prod(x), [X]),
    ("prod dim", lambda T, x: T.prod(x, 1, keepdim=True), [X]),
    ("prod zeros", lambda T, x: T.prod(x, 1), [ZEROS]),
    ("prod zeros all", lambda T, x: x.prod(), [ZEROS[0]]),
    ("prod int", lambda T, x: T.prod(x, 0), [ints(3, 2)]),
    ("prod dtype", lambda T, x: T.prod(x, dtype=T.float64), [ints(3)]),
    ("logsumexp tuple", lambda T, x: T.logsumexp(x, (0, -1)), [X3]),
    ("norm", lambda T, x: T.norm(x), [X]),
    ("norm p dim", lambda T, x: T.norm(x, 3, dim=1, keepdim=True), [X]),
    ("norm inf", lambda T, x: x.norm(float("inf"), dim=0), [X]),
    ("norm tuple", lambda T, x: T.norm(x, dim=(0, 1)), [X3]),
    ("dist", lambda T, x, y: T.dist(x, y), [X, X[0]]),
    ("dist p1", lambda T, x, y: T.dist(x, y, p=1), [X, X[1] + 0.01]),
    ("count_nonzero", lambda T, x: T.count_nonzero(x, dim=(0, 1)), [ints(3, 4, 2)]),
    ("count_nonzero all", lambda T, x: x.count_nonzero(), [ints(3, 4)]),
    ("all tuple", lambda T, x: T.all(x, dim=(0, 1)), [ints(3, 4, 2)]),
    ("any dim", lambda T, x: x.any(-1, keepdim=True), [ints(3, 4)]),
    ("all uint8", lambda T, x: T.all(x.to(T.uint8), 0), [ints(3, 4)]),
    # ---- extrema
    ("max", lambda T, x: T.max(x), [X]),
    ("max dim", lambda T, x: T.max(x, 1), [X]),
    ("max dim keepdim", lambda T, x: x.max(dim=-1, keepdim=True), [X3]),
    ("max axis", lambda T, x: T.max(x, axis=0), [X]),
    ("max other", lambda T, x, y: T.max(x, y), [X, X[::-1].copy()]),
    ("min dim", lambda T, x: T.min(x, 0), [X]),
    ("amax tuple", lambda T, x: T.amax(x, (0, 2)), [X3]),
    ("amin", lambda T, x: x.amin(-1), [X]),
    ("aminmax", lambda T, x: T.aminmax(x), [X]),
    ("aminmax dim", lambda T, x: T.aminmax(x, dim=1, keepdim=True), [X]),
    ("argmax", lambda T, x: T.argmax(x), [X]),
    ("argmin dim", lambda T, x: x.argmin(dim=1, keepdim=True), [X]),
    ("max int", lambda T, x: T.max(x, 1), [ints(3, 4, high=100)]),
    # ---- scans
    ("cumsum", lambda T, x: T.cumsum(x, 1), [X]),
    ("cumsum neg", lambda T, x: x.cumsum(dim=-1), [X3]),
    ("cumsum int", lambda T, x: T.cumsum(x, 0), [ints(3, 4)]),
    ("cumsum bool", lambda T, x: T.cumsum(x > 2, 0), [ints(5)]),
    ("cumsum dtype", lambda T, x: T.cumsum(x, 0, dtype=T.float64), [ints(4)]),
    ("cumsum 0-d", lambda T, x: T.cumsum(x, 0), [S]),
    ("cumsum empty", lambda T, x: T.cumsum(x, 0), [E]),
    ("cumprod", lambda T, x: T.cumprod(x, 1), [X / 3]),
    ("cumprod zeros", lambda T, x: T.cumprod(x, 1), [ZEROS]),
    ("cumprod int", lambda T, x: T.cumprod(x, 0), [ints(4)]),
    ("cummax", lambda T, x: T.cummax(x, 1), [X]),
    ("cummax ties", lambda T, x: T.cummax(x, 1), [TIES]),
    ("cummin ties", lambda T, x: x.cummin(-1), [TIES]),
    ("cummax int", lambda T, x: T.cummax(x, 0), [ints(6)]),
    ("cummax nan", lambda T, x: T.cummax(x, 1), [NANS]),
    ("logcumsumexp", lambda T, x: T.logcumsumexp(x, 1), [X]),
    ("logcumsumexp wide", lambda T, x: T.logcumsumexp(x, 0), [np.array([-800.0, 0.0, 1.0])]),
    ("logcumsumexp -inf", lambda T, x: T.logcumsumexp(x, 0), [np.array([-np.inf, 0.0, 1.0])]),
    ("diff", lambda T, x: T.diff(x), [X]),
    ("diff n dim", lambda T, x: x.diff(n=2, dim=0), [X3]),
    ("diff prepend append", lambda T, x, p, a: T.diff(x, dim=1, prepend=p, append=a),
     [X, X[:, :2], X[:, :1]]),
    ("diff int", lambda T, x: T.diff(x), [ints(5)]),
    ("diff bool", lambda T, x: T.diff(x > 2), [ints(6)]),
    # ---- sorting
    ("sort", lambda T, x: T.sort(x), [X]),
    ("sort dim desc", lambda T, x: T.sort(x, 0, descending=True), [X3]),
    ("sort stable ties", lambda T, x: T.sort(x, stable=True), [TIES]),
    ("sort stable ties desc", lambda T, x: x.sort(descending=True, stable=True), [TIES]),
    ("sort nan", lambda T, x: T.sort(x, 1), [NANS]),
    ("sort nan desc", lambda T, x: T.sort(x, 1, descending=True), [NANS]),
    ("sort int", lambda T, x: T.sort(x, stable=True), [ints(3, 5)]),
    ("sort 0-d", lambda T, x: T.sort(x), [S]),
    ("argsort", lambda T, x: T.argsort(x, dim=0, descending=True), [X]),
    ("argsort stable", lambda T, x: T.argsort(x, stable=True), [TIES]),
    ("msort", lambda T, x: T.msort(x), [X]),
    ("topk", lambda T, x: T.topk(x, 2), [X]),
    ("topk smallest dim", lambda T, x: x.topk(3, dim=0, largest=False), [X]),
    ("topk k=0", lambda T, x: T.topk(x, 0), [X]),
    ("kthvalue", lambda T, x: T.kthvalue(x, 2), [X]),
    ("kthvalue keepdim", lambda T, x: x.kthvalue(3, 0, keepdim=True), [X]),
    ("searchsorted", lambda T, s, v: T.searchsorted(s, v),
     [np.array([1.0, 3.0, 5.0, 7.0]), np.array([[0.0, 3.0], [6.0, 9.0]])]),
    ("searchsorted right", lambda T, s, v: T.searchsorted(s, v, right=True),
     [np.array([1.0, 3.0, 3.0, 7.0]), np.array([3.0, 7.0])]),
    ("searchsorted side", lambda T, s, v: T.searchsorted(s, v, side="right", out_int32=True),
     [np.array([1.0, 3.0, 3.0, 7.0]), np.array([3.0, 7.0])]),
    ("searchsorted nd", lambda T, s, v: T.searchsorted(s, v),
     [np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]), np.array([[3.0, 6.0], [1.0, 5.0]])]),
    ("searchsorted sorter", lambda T, s, v, o: T.searchsorted(s, v, sorter=o),
     [np.array([5.0, 1.0, 3.0]), np.array([2.0, 4.0]), np.array([1, 2, 0])]),
    ("bucketize", lambda T, x, b: T.bucketize(x, b), [np.array([[1.0, 3.0], [6.0, 9.0]]),
                                                      np.array([1.0, 3.0, 5.0, 7.0])]),
    ("bucketize right", lambda T, x, b: T.bucketize(x, b, right=True),
     [np.array([1.0, 3.0, 6.0]), np.array([1.0, 3.0, 5.0])]),
    ("unique", lambda T, x: T.unique(x), [ints(3, 4)]),
    ("unique all", lambda T, x: T.unique(x, return_inverse=True, return_counts=True),
     [ints(3, 4)]),
    ("unique dim", lambda T, x: T.unique(x, dim=0, return_inverse=True, return_counts=True),
     [np.array([[1, 2], [0, 1], [1, 2], [0, 0]])]),
    ("unique dim 1", lambda T, x: x.unique(dim=1, return_counts=True),
     [np.array([[1, 2, 1], [0, 1, 0]])]),
    ("unique float", lambda T, x: T.unique(x, return_counts=True), [TIES]),
    ("unique_consecutive", lambda T, x: T.unique_consecutive(x, return_inverse=True,
                                                             return_counts=True),
     [np.array([1, 1, 2, 2, 3, 1, 1])]),
    ("unique_consecutive dim", lambda T, x: T.unique_consecutive(x, dim=0, return_counts=True),
     [np.array([[1, 2], [1, 2], [0, 1], [1, 2]])]),
    # ---- statistics
    ("median", lambda T, x: T.median(x), [X]),
    ("median even", lambda T, x: x.median(), [distinct(4)]),
    ("median dim", lambda T, x: T.median(x, 1), [X]),
    ("median dim keepdim", lambda T, x: x.median(0, keepdim=True), [X3]),
    ("median nan", lambda T, x: T.median(x), [NANS]),
    ("median int", lambda T, x: T.median(x), [np.array([1, 4, 2, 3])]),
    ("nanmedian", lambda T, x: T.nanmedian(x), [NANS]),
    ("nanmedian dim", lambda T, x: T.nanmedian(x, 1), [NANS[:2]]),
    ("mode", lambda T, x: T.mode(x, 1), [np.array([[1.0, 2, 2, 1, 3], [5, 5, 4, 4, 4]])]),
    ("mode distinct", lambda T, x: x.mode(0, keepdim=True), [X]),
    ("mode int", lambda T, x: T.mode(x), [np.array([3, 1, 3, 1, 2])]),
    ("quantile", lambda T, x: T.quantile(x, 0.3), [X]),
    ("quantile dim q", lambda T, x, q: T.quantile(x, q, dim=1, keepdim=True),
     [X, np.array([0.2, 0.9])]),
    ("quantile lower", lambda T, x: T.quantile(x, 0.4, 0, interpolation="lower"), [X]),
    ("quantile higher", lambda T, x: T.quantile(x, 0.4, 0, interpolation="higher"), [X]),
    ("quantile midpoint", lambda T, x: T.quantile(x, 0.4, 0, interpolation="midpoint"), [X]),
    ("quantile nearest", lambda T, x: x.quantile(0.5, 1, interpolation="nearest"), [X]),
    ("quantile keepdim all", lambda T, x: T.quantile(x, 0.7, keepdim=True), [X3]),
    ("quantile nan", lambda T, x: T.quantile(x, 0.5, 1), [NANS]),
    ("quantile nan q", lambda T, x, q: T.quantile(x, q, 1), [NANS, np.array([0.3, 0.6])]),
    ("nanquantile q", lambda T, x, q: T.nanquantile(x, q, 1), [NANS, np.array(0.4)]),
    ("nanquantile", lambda T, x: T.nanquantile(x, 0.5, 1), [NANS]),
    ("bincount", lambda T, x: T.bincount(x), [ints(10)]),
    ("bincount weights", lambda T, x, w: T.bincount(x, w, minlength=7), [ints(6), distinct(6)]),
    ("bincount empty", lambda T, x: T.bincount(x), [np.zeros(0, np.int64)]),
    ("histc", lambda T, x: T.histc(x, bins=4, min=-1, max=2), [X / 3]),
    ("histc auto", lambda T, x: x.histc(5), [X]),
    ("histc constant", lambda T, x: T.histc(x, bins=2), [np.ones(3)]),
    ("histogram", lambda T, x: T.histogram(x, 4), [X]),
    ("histogram range", lambda T, x: T.histogram(x, 3, range=(0.0, 3.0)), [X]),
    ("histogram edges", lambda T, x, b, w: T.histogram(x, b, weight=w, density=True),
     [X, np.array([-2.0, 0.0, 1.0, 4.0]), distinct(3, 4) ** 2]),
    ("histogram constant", lambda T, x: T.histogram(x, 2), [np.ones(3)]),
]


# PyTorch records a graph for these but has no derivative (backward raises): values only.
NO_GRAD = {"unique float", "bincount weights", "histogram", "histogram range",
           "histogram edges", "histogram constant"}


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, arrays):
    run(name, fn, arrays, grad=name not in NO_GRAD)


TWICE = ["prod dim", "prod zeros", "prod zeros all", "cumsum", "cumprod", "cumprod zeros",
         "cummax", "logcumsumexp", "diff", "sort dim desc", "topk", "kthvalue", "median",
         "median dim", "mode distinct", "quantile dim q", "quantile midpoint", "var_mean",
         "std_mean", "nanmean", "dist", "norm tuple", "logsumexp tuple"]


@pytest.mark.parametrize("name", TWICE)
def test_second_order_matches_torch(name):
    _, fn, arrays = next(c for c in CASES if c[0] == name)
    run(name, fn, arrays, gradgrad=True)


def test_float32_stays_float32():
    x = X.astype(np.float32)
    for fn in (lambda T, t: T.cumsum(t, 0), lambda T, t: T.cumprod(t, 1),
               lambda T, t: T.logcumsumexp(t, 1), lambda T, t: T.sort(t).values,
               lambda T, t: T.quantile(t, 0.5), lambda T, t: T.median(t, 0).values,
               lambda T, t: T.nansum(t), lambda T, t: T.nanmean(t, 0),
               lambda T, t: T.histc(t), lambda T, t: T.histogram(t, 3).bin_edges,
               lambda T, t: T.prod(t, 1), lambda T, t: T.std_mean(t)[0]):
        got, want = fn(mt, mt.tensor(x)), fn(torch, torch.tensor(x))
        assert _dt(got) == _dt(want)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


def test_cumsum_inplace():
    for T in (mt, torch):
        x = T.tensor([[1, 2, 3], [4, 5, 6]], dtype=T.int32)
        x.cumsum_(1)
        assert x.tolist() == [[1, 3, 6], [4, 9, 15]] and x.dtype == T.int32
        y = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = y * 2
        z.cumprod_(0)
        z.sum().backward()
        assert y.grad.tolist() == [2.0 + 2 * 4 + 2 * 4 * 6, 2.0 * 2 + 2 * 2 * 6, 2.0 * 2 * 4]


def test_out_argument():
    for T in (mt, torch):
        o = T.empty(0)
        r = T.sum(T.tensor([[1.0, 2.0]]), 1, out=o)
        assert r is o and o.tolist() == [3.0]
        v, i = T.empty(0), T.empty(0, dtype=T.int64)
        T.sort(T.tensor([3.0, 1.0]), out=(v, i))
        assert v.tolist() == [1.0, 3.0] and i.tolist() == [1, 0]
        with pytest.raises(RuntimeError):
            T.cumsum(T.tensor([1.0], requires_grad=True), 0, out=T.empty(1))


# ---- errors: the same exception type as PyTorch

ERRORS = [
    ("sort dim", lambda T, x: T.sort(x, 2), [X]),
    ("cumsum dim", lambda T, x: T.cumsum(x, -3), [X]),
    ("topk k", lambda T, x: T.topk(x, 5), [X]),
    ("kthvalue k", lambda T, x: T.kthvalue(x, 0), [X]),
    ("quantile q", lambda T, x: T.quantile(x, 1.5), [X]),
    ("quantile int", lambda T, x: T.quantile(x, 0.5), [ints(3)]),
    ("quantile interpolation", lambda T, x: T.quantile(x, 0.5, interpolation="bad"), [X]),
    ("quantile empty", lambda T, x: T.quantile(x, 0.5), [np.zeros(0)]),
    ("median empty dim", lambda T, x: T.median(x, 0), [E]),
    ("mode empty", lambda T, x: T.mode(x, 0), [E]),
    ("bincount negative", lambda T, x: T.bincount(x), [np.array([-1, 2])]),
    ("bincount 2-d", lambda T, x: T.bincount(x), [ints(2, 2)]),
    ("diff 0-d", lambda T, x: T.diff(x), [S]),
    ("max dim tuple", lambda T, x: T.max(x, (0, 1)), [X]),
    ("amax empty", lambda T, x: T.amax(x, 0), [E]),
    ("logcumsumexp int", lambda T, x: T.logcumsumexp(x, 0), [ints(3)]),
    ("norm int", lambda T, x: T.norm(x), [ints(3)]),
    ("var int", lambda T, x: T.var(x), [ints(3)]),
    ("nanmean int", lambda T, x: T.nanmean(x), [ints(3)]),
    ("argmax empty", lambda T, x: T.argmax(x), [E]),
]


@pytest.mark.parametrize("name, fn, arrays", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(name, fn, arrays):
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        fn(mt, *[mt.tensor(a) for a in arrays])
    assert name.split()[0] in str(ours.value), f"the message should name the op: {ours.value}"
