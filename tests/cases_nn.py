"""Op-table rows for ``microtensor/ops/activation.py`` and ``ops/loss.py`` (see ``optable.OpCase``).

Softmax, log-softmax, the fused activations, dropout, every loss and ``linear``,
called through ``microtensor.nn.functional`` as a user would. The references are
NumPy written here, sample by sample where that is clearer than fast.

Class losses draw logits of shape ``(N, C)``, ``(N, C, d)``, ``(N, C, d1, d2)`` or
``(C,)``; their integer targets are not differentiable, so they come from
``params`` (drawn to fit the shape) together with ``weight``, ``ignore_index``,
``reduction`` and ``label_smoothing``. ``avoid`` rejects points on a kink
(``leaky_relu``/``elu`` at 0, ``hardtanh`` at a bound, ``softplus`` at its
threshold, ``l1_loss`` at a tie) and ``"mean"`` over targets that are all ignored
(nan, as in PyTorch).
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase, unary

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import activation as act
from microtensor.ops import loss as ls

# A draw closer than this to a kink is rejected: far beyond gradcheck's eps (1e-6).
KINK = 1e-3
REDUCTIONS = ("mean", "sum", "none")

_side = st.integers(1, MAX_SIDE)


def _near(a, b) -> bool:
    return bool(np.any(np.abs(np.subtract(a, b)) < KINK))


def _number(lo: float, hi: float) -> st.SearchStrategy:
    # Exactly representable in float32, so the float32 run sees the same constant.
    return st.floats(lo, hi, width=32, allow_subnormal=False)


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    return np.sum(loss) if reduction == "sum" else np.mean(loss)


def _reduction(shapes: tuple) -> st.SearchStrategy:
    return st.fixed_dictionaries({"reduction": st.sampled_from(REDUCTIONS)})


# --------------------------------------------------------------------------- softmax


def _dim(shapes: tuple) -> st.SearchStrategy:
    n = max(len(shapes[0]), 1)
    return st.fixed_dictionaries({"dim": st.integers(-n, n - 1)})


def _softmax_ref(x, dim):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_ref(x, dim):
    return np.log(_softmax_ref(x, dim))  # inputs in [-3, 3]: no probability underflows


# --------------------------------------------------------------------------- activations


def _gelu_ref(x):
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return x * 0.5 * (1 + erf(x / math.sqrt(2)))


def _gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _softplus_ref(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _leaky_inplace(x):
    y = x.clone()  # a leaf that requires grad cannot be written in place
    return F.leaky_relu(y, 0.2, inplace=True)


_DROPOUT_STATE = mt.Generator().manual_seed(1234).get_state()


def _seeded_dropout(x, p):
    """Dropout with the same mask on every call (gradcheck calls it many times)."""
    gen = mt.random.default_generator
    saved = gen.get_state()
    gen.set_state(_DROPOUT_STATE)
    try:
        return F.dropout(x, p)
    finally:
        gen.set_state(saved)


# --------------------------------------------------------------------------- class losses


def _class_shapes() -> st.SearchStrategy:
    """One logits shape with a class axis: (N, C), (N, C, d), (N, C, d1, d2) or (C,)."""
    small = st.integers(1, 2)
    return st.one_of(
        st.tuples(_side, _side),
        st.tuples(_side, _side, _side),
        st.tuples(_side, _side, small, small),
        _side.map(lambda c: (c,)),
    ).map(lambda s: (s,))


def _same_class_shapes() -> st.SearchStrategy:
    """Logits and class probabilities of one shape."""
    return _class_shapes().map(lambda s: (s[0], s[0]))


def _classes(shape: tuple) -> tuple[int, tuple]:
    """(C, the shape of an index target) for logits of ``shape``."""
    if len(shape) == 1:
        return shape[0], ()
    return shape[1], shape[:1] + shape[2:]


@st.composite
def _draw_index_params(draw, shapes: tuple, smoothing: bool) -> dict:
    n_classes, tshape = _classes(shapes[0])
    ignore_index = draw(st.sampled_from((-100, 0) if n_classes > 1 else (-100,)))
    # Targets may hold ignore_index itself (-100 is not a class, 0 is one); it comes last,
    # where hypothesis shrinks least, so most draws keep some targets.
    classes = [c for c in range(n_classes - 1, -1, -1) if c != ignore_index]
    values = st.sampled_from(classes + [ignore_index])
    params = {
        "target": draw(hnp.arrays(np.int64, tshape, elements=values)),
        "weight": draw(st.none() | hnp.arrays(np.float64, (n_classes,),
                                              elements=_number(0.25, 2.0))),
        "ignore_index": ignore_index,
        "reduction": draw(st.sampled_from(REDUCTIONS)),
    }
    if smoothing:
        params["label_smoothing"] = draw(st.sampled_from((0.0, 0.125, 0.5, 1.0)))
    return params


def _index_params(shapes: tuple) -> st.SearchStrategy:
    return _draw_index_params(shapes, True)


def _nll_params(shapes: tuple) -> st.SearchStrategy:
    return _draw_index_params(shapes, False)


def _prob_params(shapes: tuple) -> st.SearchStrategy:
    n_classes, _ = _classes(shapes[0])
    return st.fixed_dictionaries({
        "weight": st.none() | hnp.arrays(np.float64, (n_classes,), elements=_number(0.25, 2.0)),
        "reduction": st.sampled_from(REDUCTIONS),
        "label_smoothing": st.sampled_from((0.0, 0.125, 0.5)),
    })


def _all_ignored(*arrays, target, weight=None, ignore_index=-100, reduction="mean", **_) -> bool:
    """True for "mean" over targets that are all ignored (0 total weight): the loss is nan."""
    if reduction != "mean":
        return False
    kept = target[target != ignore_index]
    return kept.size == 0 or (weight is not None and weight[kept].sum() == 0)


def _rows(x: np.ndarray) -> np.ndarray:
    """Logits as (M, C): the class axis last, every other axis flattened in target order."""
    return x[None] if x.ndim == 1 else np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _log_probs(z: np.ndarray) -> np.ndarray:
    return z - np.log(np.sum(np.exp(z)))  # |z| <= 3: no shift needed


def _ce_ref(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """PyTorch's documented formula, one sample at a time."""
    n_classes, _ = _classes(x.shape)
    w = np.ones(n_classes) if weight is None else weight
    eps = label_smoothing
    losses, total = [], 0.0
    for z, t in zip(_rows(x), target.reshape(-1)):
        if t == ignore_index:
            losses.append(0.0)
            continue
        logp = _log_probs(z)
        nll = -w[t] * logp[t]
        uniform = -np.sum(w * logp)
        losses.append((1 - eps) * nll + eps / n_classes * uniform)
        total += w[t]
    loss = np.array(losses).reshape(target.shape)
    if reduction == "mean":
        return np.sum(loss) / total
    return _reduce(loss, reduction)


def _nll_ref(x, target, weight=None, ignore_index=-100, reduction="mean"):
    n_classes, _ = _classes(x.shape)
    w = np.ones(n_classes) if weight is None else weight
    losses, total = [], 0.0
    for z, t in zip(_rows(x), target.reshape(-1)):
        kept = t != ignore_index
        losses.append(-w[t] * z[t] if kept else 0.0)
        total += w[t] if kept else 0.0
    loss = np.array(losses).reshape(target.shape)
    if reduction == "mean":
        return np.sum(loss) / total
    return _reduce(loss, reduction)


def _ce_prob_ref(x, q, weight=None, reduction="mean", label_smoothing=0.0):
    n_classes, _ = _classes(x.shape)
    w = np.ones(n_classes) if weight is None else weight
    q = q * (1 - label_smoothing) + label_smoothing / n_classes
    losses = [-np.sum(w * qq * _log_probs(z)) for z, qq in zip(_rows(x), _rows(q))]
    loss = np.array(losses).reshape(x.shape[:1] + x.shape[2:] if x.ndim > 1 else ())
    if reduction == "mean":
        return np.sum(loss) / loss.size  # the number of samples, whatever the weights
    return _reduce(loss, reduction)


def _cross_entropy(x, target, weight=None, **kw):
    return F.cross_entropy(x, mt.tensor(target), None if weight is None else mt.tensor(weight),
                           **kw)


def _nll_loss(x, target, weight=None, **kw):
    return F.nll_loss(x, mt.tensor(target), None if weight is None else mt.tensor(weight), **kw)


def _cross_entropy_prob(x, q, weight=None, **kw):
    return F.cross_entropy(x, q, None if weight is None else mt.tensor(weight), **kw)


# --------------------------------------------------------------------------- other losses


def _same_shape_twice() -> st.SearchStrategy:
    return unary()().map(lambda s: (s[0], s[0]))


def _binary_params(shapes: tuple) -> st.SearchStrategy:
    """A reduction, and maybe a weight (and pos_weight) broadcasting along the last axis."""
    shape = shapes[0]
    last = shape[-1:] if shape else ()
    weights = hnp.arrays(np.float64, last, elements=_number(0.25, 2.0))
    return st.fixed_dictionaries({
        "reduction": st.sampled_from(REDUCTIONS),
        "weight": st.none() | weights,
        "pos_weight": st.none() | weights,
    })


def _bce_params(shapes: tuple) -> st.SearchStrategy:
    return _binary_params(shapes).map(lambda d: {k: v for k, v in d.items() if k != "pos_weight"})


def _opt(w):
    return None if w is None else mt.tensor(w)


def _bce(x, t, weight=None, reduction="mean"):
    return F.binary_cross_entropy(x, t, _opt(weight), reduction)


def _bce_ref(x, t, weight=None, reduction="mean"):
    loss = -(t * np.log(x) + (1 - t) * np.log(1 - x))  # x in [0.02, 0.98]: no clamping
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_logits(x, t, weight=None, reduction="mean", pos_weight=None):
    return F.binary_cross_entropy_with_logits(x, t, _opt(weight), reduction, _opt(pos_weight))


def _bce_logits_ref(x, t, weight=None, reduction="mean", pos_weight=None):
    sig = 1 / (1 + np.exp(-x))
    p = 1.0 if pos_weight is None else pos_weight
    loss = -(p * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    return _reduce(loss if weight is None else loss * weight, reduction)


# --------------------------------------------------------------------------- linear


def _linear_shapes(bias: bool) -> st.SearchStrategy:
    """(*, in), (out, in) and maybe (out,), with 0 to 2 batch axes."""
    batch = st.lists(st.integers(1, 3), max_size=2).map(tuple)
    return st.tuples(batch, _side, _side).map(
        lambda b: (b[0] + (b[1],), (b[2], b[1])) + (((b[2],),) if bias else ())
    )


def _linear_ref(x, w, b=None):
    out = np.einsum("...i,oi->...o", x, w)
    return out if b is None else out + b


CASES: list[OpCase] = [
    # ------------------------------------------------------------ softmax
    OpCase("softmax", F.softmax, _softmax_ref, unary(), (act.Softmax,), params=_dim),
    OpCase("log_softmax", F.log_softmax, _log_softmax_ref, unary(), (act.LogSoftmax,),
           params=_dim),
    OpCase("Tensor.softmax", lambda x, dim: x.softmax(dim), _softmax_ref, unary(),
           (act.Softmax,), params=_dim),
    OpCase("Tensor.log_softmax", lambda x, dim: x.log_softmax(dim), _log_softmax_ref, unary(),
           (act.LogSoftmax,), params=_dim),
    # ------------------------------------------------------------ activations
    OpCase("leaky_relu", F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), unary(),
           (act.LeakyRelu,), avoid=lambda x: _near(x, 0)),
    OpCase("leaky_relu(0.2, inplace)", _leaky_inplace, lambda x: np.where(x > 0, x, 0.2 * x),
           unary(), (act.LeakyRelu,), avoid=lambda x: _near(x, 0)),
    OpCase("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), unary(), (act.Elu,),
           avoid=lambda x: _near(x, 0)),  # (elu'' jumps at 0: second differences straddle it)
    OpCase("elu(alpha=1.5)", lambda x: F.elu(x, alpha=1.5),
           lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)), unary(), (act.Elu,),
           avoid=lambda x: _near(x, 0)),
    OpCase("gelu", F.gelu, _gelu_ref, unary(), (act.Gelu,)),
    OpCase("gelu(tanh)", lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh_ref, unary(),
           (act.Gelu,)),
    OpCase("softplus", F.softplus, _softplus_ref, unary(), (act.Softplus,)),
    OpCase("softplus(beta=2, threshold=1)", lambda x: F.softplus(x, beta=2.0, threshold=1.0),
           lambda x: _softplus_ref(x, 2.0, 1.0), unary(), (act.Softplus,),
           avoid=lambda x: _near(x, 0.5)),
    OpCase("silu", F.silu, lambda x: x / (1 + np.exp(-x)), unary(), (act.Silu,)),
    OpCase("hardtanh", F.hardtanh, lambda x: np.clip(x, -1, 1), unary(), (act.Hardtanh,),
           avoid=lambda x: _near(np.abs(x), 1)),
    OpCase("hardtanh(-2, 0.5)", lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: np.clip(x, -2, 0.5),
           unary(), (act.Hardtanh,), avoid=lambda x: _near(x, -2) or _near(x, 0.5)),
    OpCase("dropout", lambda x: _seeded_dropout(x, 0.5), None, unary(), (act.Dropout,)),
    OpCase("dropout(p=0.2)", lambda x: _seeded_dropout(x, 0.2), None, unary(), (act.Dropout,)),
    # ------------------------------------------------------------ class losses
    OpCase("cross_entropy", _cross_entropy, _ce_ref, _class_shapes, (ls.CrossEntropy,),
           params=_index_params, avoid=_all_ignored),
    OpCase("cross_entropy(probabilities)", _cross_entropy_prob, _ce_prob_ref, _same_class_shapes,
           (ls.CrossEntropyProb,), params=_prob_params),
    OpCase("cross_entropy(probabilities, constant)", _cross_entropy_prob, _ce_prob_ref,
           _same_class_shapes, (ls.CrossEntropyProb,), params=_prob_params,
           inputs_requiring_grad=(0,)),
    OpCase("nll_loss", _nll_loss, _nll_ref, _class_shapes, (ls.NllLoss,), params=_nll_params,
           avoid=_all_ignored),
    # ------------------------------------------------------------ regression losses
    OpCase("mse_loss", F.mse_loss, lambda a, b, reduction: _reduce((a - b) ** 2, reduction),
           _same_shape_twice, (ls.MseLoss,), params=_reduction),
    OpCase("l1_loss", F.l1_loss, lambda a, b, reduction: _reduce(np.abs(a - b), reduction),
           _same_shape_twice, (ls.L1Loss,), params=_reduction,
           avoid=lambda a, b, **_: _near(a, b)),
    # ------------------------------------------------------------ binary losses
    OpCase("binary_cross_entropy", _bce, _bce_ref, _same_shape_twice,
           (ls.BinaryCrossEntropy,), low=0.02, high=0.98, params=_bce_params),
    OpCase("binary_cross_entropy(constant target)", _bce, _bce_ref, _same_shape_twice,
           (ls.BinaryCrossEntropy,), low=0.02, high=0.98, params=_bce_params,
           inputs_requiring_grad=(0,)),
    # The loss is linear in t, so targets outside [0, 1] are as good a test as any.
    OpCase("binary_cross_entropy_with_logits", _bce_logits, _bce_logits_ref, _same_shape_twice,
           (ls.BinaryCrossEntropyWithLogits,), params=_binary_params),
    # ------------------------------------------------------------ linear
    OpCase("linear", F.linear, _linear_ref, lambda: _linear_shapes(True), (ls.Linear,)),
    OpCase("linear(no bias)", F.linear, _linear_ref, lambda: _linear_shapes(False),
           (ls.Linear,)),
    OpCase("linear(frozen input)", F.linear, _linear_ref, lambda: _linear_shapes(True),
           (ls.Linear,), inputs_requiring_grad=(1, 2)),
    OpCase("linear(input only)", F.linear, _linear_ref, lambda: _linear_shapes(True),
           (ls.Linear,), inputs_requiring_grad=(0,)),
]
