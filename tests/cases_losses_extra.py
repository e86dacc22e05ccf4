"""Op-table rows for ``ops/loss_regression.py`` (smooth L1, Huber, KL, Poisson, Gaussian),
``ops/loss_margin.py``, the soft-margin losses of ``ops/loss_binary.py`` and
``ops/distance.py`` (see ``optable.OpCase``).

Targets that take no gradient (±1 labels, class indices) come from ``params``; the
references are NumPy, written from PyTorch's documented formulas. ``avoid`` keeps
draws off the kinks (``|d| = β`` of smooth L1, a margin of exactly 0).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase, unary

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import loss_regression as lr

KINK = 1e-3
REDUCTIONS = ("mean", "sum", "none")
_side = st.integers(1, MAX_SIDE)


def _near(a, b) -> bool:
    return bool(np.any(np.abs(np.subtract(a, b)) < KINK))


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return np.sum(loss) if reduction == "sum" else np.mean(loss)


def _same_twice() -> st.SearchStrategy:
    return unary()().map(lambda s: (s[0], s[0]))


def _same_thrice() -> st.SearchStrategy:
    return unary(min_dims=1)().map(lambda s: (s[0], s[0], s[0]))


def _reduction(shapes) -> st.SearchStrategy:
    return st.fixed_dictionaries({"reduction": st.sampled_from(REDUCTIONS)})


def _huber_ref(a, b, reduction, delta):
    d = np.abs(a - b)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _matrix() -> st.SearchStrategy:
    return st.tuples(_side, _side)


def _log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _kl(x, t, reduction, log_target):
    lp, lt = _log_softmax(x), _log_softmax(t)
    loss = np.exp(lt) * (lt - lp)
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _reduce(loss, reduction)


def _kl_fn(x, t, reduction, log_target):
    lt = t.log_softmax(-1) if log_target else t.softmax(-1)
    return F.kl_div(x.log_softmax(-1), lt, reduction=reduction, log_target=log_target)


def _kl_params(shapes) -> st.SearchStrategy:
    return st.fixed_dictionaries({"reduction": st.sampled_from(("batchmean", "sum", "none")),
                                  "log_target": st.booleans()})


def _labels(shape) -> st.SearchStrategy:
    return hnp.arrays(np.float64, shape, elements=st.sampled_from((-1.0, 1.0)))


def _pair_params(shapes) -> st.SearchStrategy:
    return st.fixed_dictionaries({"target": _labels(shapes[0]),
                                  "reduction": st.sampled_from(REDUCTIONS)})


def _ranking(a, b, target, reduction):
    return F.margin_ranking_loss(a, b, mt.tensor(target), 0.25, reduction=reduction)


def _ranking_ref(a, b, target, reduction):
    return _reduce(np.maximum(-target * (a - b) + 0.25, 0), reduction)


def _cos_params(shapes) -> st.SearchStrategy:
    return st.fixed_dictionaries({"target": _labels(shapes[0][:1]),
                                  "reduction": st.sampled_from(REDUCTIONS)})


def _cosine(a, b, target, reduction):
    return F.cosine_embedding_loss(a, b, mt.tensor(target), 0.1, reduction=reduction)


def _cosine_ref(a, b, target, reduction):
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return _reduce(np.where(target == 1, 1 - cos, np.maximum(cos - 0.1, 0)), reduction)


def _cos_avoid(a, b, target, reduction):
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return _near(cos, 0.1) or _near(np.linalg.norm(a, axis=-1), 0) \
        or _near(np.linalg.norm(b, axis=-1), 0)


def _hinge(x, target, reduction):
    return F.hinge_embedding_loss(x, mt.tensor(target), 1.0, reduction=reduction)


def _hinge_ref(x, target, reduction):
    return _reduce(np.where(target == 1, x, np.maximum(1.0 - x, 0)), reduction)


def _soft_margin(x, target, reduction):
    return F.soft_margin_loss(x, mt.tensor(target, dtype=x.dtype), reduction=reduction)


def _dist(a, b, p):
    return np.sum(np.abs(a - b + 1e-6) ** p, axis=-1) ** (1 / p)


def _triplet_ref(a, p, n, swap):
    d_neg = _dist(a, n, 2)
    if swap:
        d_neg = np.minimum(d_neg, _dist(p, n, 2))
    return np.mean(np.maximum(1.0 + _dist(a, p, 2) - d_neg, 0))


def _triplet_avoid(a, p, n, swap):
    d_neg = _dist(a, n, 2)
    return _near(1.0 + _dist(a, p, 2) - d_neg, 0) or _near(d_neg, _dist(p, n, 2)) \
        or _near(a - p, -1e-6) or _near(a - n, -1e-6) or _near(p - n, -1e-6)


def _multi_margin_params(shapes) -> st.SearchStrategy:
    n, c = shapes[0]
    return st.fixed_dictionaries({
        "target": hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)),
        "p": st.sampled_from((1, 2)), "reduction": st.sampled_from(REDUCTIONS)})


def _multi_margin(x, target, p, reduction):
    return F.multi_margin_loss(x, mt.tensor(target), p, 0.5, reduction=reduction)


def _multi_margin_terms(x, target):
    rows = np.arange(len(target))
    return x - x[rows, target][:, None] + 0.5, rows


def _multi_margin_ref(x, target, p, reduction):
    h, rows = _multi_margin_terms(x, target)
    h = np.maximum(h, 0) ** p
    h[rows, target] = 0
    return _reduce(h.sum(1) / x.shape[1], reduction)


def _multi_margin_avoid(x, target, p, reduction):
    h, _ = _multi_margin_terms(x, target)
    return _near(h, 0)


def _gaussian_ref(x, t, v, reduction):
    return _reduce(0.5 * (np.log(v) + (x - t) ** 2 / v), reduction)


CASES: list[OpCase] = [
    OpCase("smooth_l1_loss(beta=0.5)", lambda a, b, reduction: F.smooth_l1_loss(
        a, b, reduction=reduction, beta=0.5),
           lambda a, b, reduction: _huber_ref(a, b, reduction, 0.5) / 0.5, _same_twice,
           (lr.HuberLoss,), params=_reduction,
           avoid=lambda a, b, **_: _near(np.abs(a - b), 0.5) or _near(a, b)),
    OpCase("huber_loss(delta=0.75)", lambda a, b, reduction: F.huber_loss(
        a, b, reduction=reduction, delta=0.75),
           lambda a, b, reduction: _huber_ref(a, b, reduction, 0.75), _same_twice,
           (lr.HuberLoss,), params=_reduction,
           avoid=lambda a, b, **_: _near(np.abs(a - b), 0.75) or _near(a, b)),
    OpCase("kl_div", _kl_fn, _kl, lambda: _matrix().map(lambda s: (s, s)), (),
           params=_kl_params),
    OpCase("poisson_nll_loss", lambda x, t, reduction: F.poisson_nll_loss(
        x, t, reduction=reduction),
           lambda x, t, reduction: _reduce(np.exp(x) - t * x, reduction), _same_twice, (),
           params=_reduction),
    OpCase("gaussian_nll_loss", lambda x, t, v, reduction: F.gaussian_nll_loss(
        x, t, v, reduction=reduction), _gaussian_ref, lambda: unary()().map(
        lambda s: (s[0],) * 3), (), low=0.25, high=2.0, params=_reduction),
    OpCase("margin_ranking_loss", _ranking, _ranking_ref, _same_twice, (), params=_pair_params,
           avoid=lambda a, b, target, reduction: _near(-target * (a - b) + 0.25, 0)),
    OpCase("cosine_embedding_loss", _cosine, _cosine_ref,
           lambda: _matrix().map(lambda s: (s, s)), (), params=_cos_params, avoid=_cos_avoid),
    OpCase("hinge_embedding_loss", _hinge, _hinge_ref, unary(), (), params=_pair_params,
           avoid=lambda x, target, reduction: _near(x, 1.0)),
    OpCase("soft_margin_loss", _soft_margin,
           lambda x, target, reduction: _reduce(np.log1p(np.exp(-target * x)), reduction),
           unary(), (), params=_pair_params),
    OpCase("triplet_margin_loss", lambda a, p, n, swap: F.triplet_margin_loss(a, p, n,
                                                                             swap=swap),
           _triplet_ref, _same_thrice, (), params=lambda s: st.fixed_dictionaries(
               {"swap": st.booleans()}), avoid=_triplet_avoid),
    OpCase("multi_margin_loss", _multi_margin, _multi_margin_ref,
           lambda: _matrix().map(lambda s: (s,)), (), params=_multi_margin_params,
           avoid=_multi_margin_avoid),
    OpCase("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=-1),
           lambda a, b: (a * b).sum(-1) / (np.linalg.norm(a, axis=-1)
                                           * np.linalg.norm(b, axis=-1)),
           lambda: _matrix().map(lambda s: (s, s)), (),
           avoid=lambda a, b: _near(np.linalg.norm(a, axis=-1), 0)
           or _near(np.linalg.norm(b, axis=-1), 0)),
    OpCase("pairwise_distance", lambda a, b: F.pairwise_distance(a, b),
           lambda a, b: _dist(a, b, 2), lambda: _matrix().map(lambda s: (s, s)), (),
           avoid=lambda a, b: _near(np.linalg.norm(a - b + 1e-6, axis=-1), 0)),
]
