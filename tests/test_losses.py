"""Losses, softmax, activations and dropout beyond the op table.

The op table (``cases_nn.py``) gradchecks every Function over drawn shapes; here
are the semantics a user relies on, each against a NumPy formula written in the
test: reductions, class weights, ``ignore_index``, label smoothing and their
combination, probability targets, stability at ±1000 (no warnings: they are
errors here), every error message, float32 staying float32, and dropout.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F
from microtensor.errors import DimensionError, DtypeError, ShapeError

X = np.array([[2.0, -1.0, 0.5, 0.0], [0.3, 0.2, -2.0, 1.5], [-0.7, 1.1, 0.4, -0.2]])
T = np.array([0, 3, 1])
W = np.array([0.5, 2.0, 1.0, 1.5])
N, C = X.shape


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    # A stable loss neither overflows nor divides by zero: any RuntimeWarning is a bug.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def leaf(values, dtype=np.float64) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def onehot(t: np.ndarray, n: int = C) -> np.ndarray:
    return np.eye(n)[t]


def close(got, want, rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=1e-12)


def grad_of(fn, *arrays):
    """Value and gradients of ``fn`` (a scalar loss) at float64 leaves made from ``arrays``."""
    leaves = [leaf(a) for a in arrays]
    out = fn(*leaves)
    out.backward()
    return out._data, [t.grad._data for t in leaves]


# --------------------------------------------------------------------------- cross_entropy


def test_cross_entropy_reductions():
    per_sample = -log_softmax(X)[np.arange(N), T]
    for reduction, want in [("none", per_sample), ("sum", per_sample.sum()),
                            ("mean", per_sample.mean())]:
        close(F.cross_entropy(mt.tensor(X), mt.tensor(T), reduction=reduction)._data, want)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    _, (g,) = grad_of(lambda x: F.cross_entropy(x, mt.tensor(T)), X)
    close(g, (np.exp(log_softmax(X)) - onehot(T)) / N)


def test_weighted_mean_divides_by_the_total_weight_of_the_targets():
    value, (g,) = grad_of(lambda x: F.cross_entropy(x, mt.tensor(T), weight=mt.tensor(W)), X)
    wt = W[T]
    close(value, np.sum(-wt * log_softmax(X)[np.arange(N), T]) / wt.sum())
    close(g, wt[:, None] * (np.exp(log_softmax(X)) - onehot(T)) / wt.sum())


def test_ignore_index_drops_samples_from_the_loss_its_gradient_and_the_mean():
    t = np.array([0, -100, 1])
    kept = np.array([0, 2])
    value, (g,) = grad_of(lambda x: F.cross_entropy(x, mt.tensor(t), weight=mt.tensor(W)), X)
    wt = W[t[kept]]
    close(value, np.sum(-wt * log_softmax(X)[kept, t[kept]]) / wt.sum())
    close(g[1], np.zeros(C))
    none = F.cross_entropy(mt.tensor(X), mt.tensor(t), reduction="none")
    assert none._data[1] == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_fast_path_agrees_with_the_general_one(reduction):
    # No weight, no smoothing, nothing ignored takes CrossEntropy's short path; weights of
    # one take the general path through the same math.
    up = np.array([0.5, -1.0, 2.0]) if reduction == "none" else None

    def run(weight):
        x = leaf(X)
        out = F.cross_entropy(x, mt.tensor(T), weight=weight, reduction=reduction)
        out.backward(None if up is None else mt.tensor(up))
        return out._data, x.grad._data

    plain, ones = run(None), run(mt.tensor(np.ones(C)))
    close(plain[0], ones[0])
    close(plain[1], ones[1])
    scale = {"mean": 1 / N, "sum": 1.0, "none": None}[reduction]
    want = (np.exp(log_softmax(X)) - np.eye(C)[T]) * (scale if up is None else up[:, None])
    close(plain[1], want)


def test_ignore_index_may_be_a_class():
    t = np.array([0, 3, 1])
    got = F.cross_entropy(mt.tensor(X), mt.tensor(t), ignore_index=3)
    close(got._data, -log_softmax(X)[[0, 2], [0, 1]].mean())


def test_all_targets_ignored_mean_is_nan_with_zero_gradient_and_no_warning():
    t = mt.tensor([-100, -100, -100])
    x = leaf(X)
    loss = F.cross_entropy(x, t, label_smoothing=0.1)
    assert np.isnan(loss.item())
    loss.backward()
    close(x.grad._data, np.zeros_like(X))
    assert F.cross_entropy(mt.tensor(X), t, reduction="sum").item() == 0.0


def test_label_smoothing_with_weight_and_ignore_index():
    eps = 0.2
    t = np.array([0, 3, -100])
    kept = t != -100
    value, (g,) = grad_of(lambda x: F.cross_entropy(x, mt.tensor(t), weight=mt.tensor(W),
                                                    label_smoothing=eps), X)
    logp, p = log_softmax(X), np.exp(log_softmax(X))
    ts = np.where(kept, t, 0)
    wt = np.where(kept, W[ts], 0.0)
    per = (1 - eps) * -wt * logp[np.arange(N), ts] + eps / C * -(logp * W).sum(1) * kept
    close(value, per.sum() / wt.sum())
    want = (p * ((1 - eps) * wt + eps / C * W.sum() * kept)[:, None]
            - (1 - eps) * wt[:, None] * onehot(ts) - eps / C * W * kept[:, None]) / wt.sum()
    close(g, want)


def test_weight_ignore_index_label_smoothing_match_pytorch_values():
    # Golden numbers from torch.nn.functional.cross_entropy (PyTorch 2.x, float64).
    t = mt.tensor([0, 3, -100])
    value, (g,) = grad_of(lambda x: F.cross_entropy(x, t, weight=mt.tensor(W),
                                                    label_smoothing=0.2), X)
    close(value, 0.8837918547215119)
    close(g[0], [0.018282474938006672, -0.03851001714215662, 0.026494530592368424,
                 -0.006266988388218406])
    close(g[2], [0.0, 0.0, 0.0, 0.0])
    q = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25]])
    value, (gx, gq) = grad_of(lambda x, q: F.cross_entropy(x, q, weight=mt.tensor(W),
                                                          label_smoothing=0.2), X, q)
    close(value, 1.9025046302147854)
    close(gx[1], [0.0699107955364399, 0.037464882209665165, -0.14215533411141848,
                  0.03477965636531335])
    close(gq[0], [0.0456466109853096, 1.7825864439412387, 0.4912932219706192,
                  0.9369398329559289])


def test_probability_targets():
    q = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25]])
    value, (gx, gq) = grad_of(lambda x, q: F.cross_entropy(x, q, weight=mt.tensor(W)), X, q)
    logp = log_softmax(X)
    # Mean over samples: the weights do not enter the denominator for probability targets.
    close(value, np.mean(-(W * q * logp).sum(1)))
    wq = W * q
    close(gx, (np.exp(logp) * wq.sum(1, keepdims=True) - wq) / N)
    close(gq, -W * logp / N)


def test_onehot_probabilities_equal_class_indices():
    got = F.cross_entropy(mt.tensor(X), mt.tensor(onehot(T)), reduction="none")
    close(got._data, F.cross_entropy(mt.tensor(X), mt.tensor(T), reduction="none")._data)


@pytest.mark.parametrize("eps", [0.1, 1.0])
def test_label_smoothing_mixes_the_target_with_the_uniform_distribution(eps):
    smoothed = onehot(T) * (1 - eps) + eps / C
    want = F.cross_entropy(mt.tensor(X), mt.tensor(smoothed)).item()
    close(F.cross_entropy(mt.tensor(X), mt.tensor(T), label_smoothing=eps).item(), want)
    # ... and for probability targets, smoothing applies to them in the same way.
    q = np.full((N, C), 1 / C)
    q[0] = [1, 0, 0, 0]
    want = F.cross_entropy(mt.tensor(X), mt.tensor(q * (1 - eps) + eps / C)).item()
    close(F.cross_entropy(mt.tensor(X), mt.tensor(q), label_smoothing=eps).item(), want)


def test_spatial_and_unbatched_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, C, 3, 2))
    t = rng.integers(0, C, size=(2, 3, 2))
    got = F.cross_entropy(mt.tensor(x), mt.tensor(t), reduction="none")._data
    assert got.shape == (2, 3, 2)
    want = -np.take_along_axis(log_softmax(x, 1), t[:, None], 1)[:, 0]
    close(got, want)
    one = F.cross_entropy(mt.tensor(X[1]), mt.tensor(T[1]), reduction="none")
    assert one.shape == ()
    close(one._data, -log_softmax(X[1])[T[1]])


def test_nll_of_log_softmax_is_cross_entropy():
    t = np.array([0, -100, 2])
    kw = dict(weight=mt.tensor(W), ignore_index=-100)
    v1, (g1,) = grad_of(lambda x: F.nll_loss(F.log_softmax(x, 1), mt.tensor(t), **kw), X)
    v2, (g2,) = grad_of(lambda x: F.cross_entropy(x, mt.tensor(t), **kw), X)
    close(v1, v2)
    close(g1, g2)


def test_nll_loss_picks_the_target_log_probability():
    value, (g,) = grad_of(lambda x: F.nll_loss(x, mt.tensor(T), weight=mt.tensor(W),
                                               reduction="sum"), X)
    close(value, -np.sum(W[T] * X[np.arange(N), T]))
    close(g, -W[T][:, None] * onehot(T))


def test_int32_targets_are_accepted():
    got = F.cross_entropy(mt.tensor(X), mt.tensor(T, dtype=mt.int32))
    close(got.item(), F.cross_entropy(mt.tensor(X), mt.tensor(T)).item())


# --------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_for_logits_of_1000(dtype):
    x = leaf([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], dtype)
    loss = F.cross_entropy(x, mt.tensor([1, 1]), reduction="sum", label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad._data).all()
    exact = F.cross_entropy(mt.tensor(x._data), mt.tensor([1, 1]), reduction="none")
    close(exact._data.astype(np.float64), [2000.0, 0.0])
    x.grad = None
    F.cross_entropy(x, mt.tensor([1, 1]), reduction="sum").backward()
    close(x.grad._data.astype(np.float64), [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_at_1000_and_minus_inf(dtype):
    x = leaf([[1000.0, -1000.0, 0.0], [-np.inf, 0.0, np.log(3.0)]], dtype)
    p = F.softmax(x, 1)
    close(p._data.astype(np.float64), [[1, 0, 0], [0, 0.25, 0.75]], rtol=1e-6)
    logp = F.log_softmax(x, 1)
    close(logp._data[0].astype(np.float64), [0.0, -2000.0, -1000.0])
    assert logp._data[1, 0] == -np.inf
    for out in (p, logp):
        x.grad = None
        out.backward(mt.ones(2, 3, dtype=dtype))
        assert np.isfinite(x.grad._data).all()
    # A row with nothing finite has no distribution: nan, as in PyTorch, and still no warning.
    assert np.isnan(F.softmax(mt.tensor([[-np.inf, -np.inf]]), 1)._data).all()


def test_binary_losses_are_finite_at_the_extremes():
    x = leaf([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    t = mt.tensor([1.0, 1.0, 0.5, 0.0, 0.0], dtype=mt.float64)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=mt.tensor(2.0))
    close(loss._data[[0, 4]], [2000.0, 1000.0])
    loss.backward(mt.ones(5, dtype=mt.float64))
    assert np.isfinite(x.grad._data).all()
    # binary_cross_entropy clamps each log at -100, as PyTorch: p = 0 or 1 costs at most 100.
    p = mt.tensor([0.0, 1.0], dtype=mt.float64)
    close(F.binary_cross_entropy(p, mt.tensor([1.0, 0.0], dtype=mt.float64),
                                 reduction="none")._data, [100.0, 100.0])


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "gelu", "softplus", "silu", "hardtanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_are_finite_at_1000(name, dtype):
    x = leaf([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype)
    y = getattr(F, name)(x)
    y.backward(mt.ones(5, dtype=dtype))
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y._data).all() and np.isfinite(x.grad._data).all()


# --------------------------------------------------------------------------- other losses


@pytest.mark.parametrize("name,fn,dfn", [
    ("mse_loss", lambda d: d * d, lambda d: 2 * d),
    ("l1_loss", np.abs, np.sign),
])
def test_regression_losses_and_their_gradients_to_both_arguments(name, fn, dfn):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss = getattr(F, name)
    close(loss(mt.tensor(a), mt.tensor(b), reduction="none")._data, fn(a - b))
    close(loss(mt.tensor(a), mt.tensor(b), reduction="sum")._data, fn(a - b).sum())
    _, (ga, gb) = grad_of(lambda a, b: loss(a, b), a, b)
    close(ga, dfn(a - b) / a.size)
    close(gb, -dfn(a - b) / a.size)


@pytest.mark.parametrize("name,fn,dfn", [
    ("mse_loss", lambda d: d * d, lambda d: 2 * d),
    ("l1_loss", np.abs, np.sign),
])
def test_regression_loss_weight_weights_elements_and_mean_divides_by_its_sum(name, fn, dfn):
    # PyTorch 2.13's weight= of mse_loss / l1_loss
    rng = np.random.default_rng(2)
    a, b, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.uniform(size=(3, 4))
    loss = getattr(F, name)
    close(loss(mt.tensor(a), mt.tensor(b), weight=mt.tensor(w), reduction="none")._data,
          w * fn(a - b))
    close(loss(mt.tensor(a), mt.tensor(b), weight=mt.tensor(w), reduction="sum")._data,
          (w * fn(a - b)).sum())
    value, (ga, gb) = grad_of(lambda a, b: loss(a, b, weight=mt.tensor(w)), a, b)
    close(value, (w * fn(a - b)).sum() / w.sum())
    close(ga, w * dfn(a - b) / w.sum())
    close(gb, -w * dfn(a - b) / w.sum())
    with pytest.raises(ShapeError, match=rf"{name}: weight of shape \(4,\) must have the "
                                         r"input's shape \(3, 4\)"):
        loss(mt.tensor(a), mt.tensor(b), weight=mt.ones(4))


def test_l1_gradient_at_a_tie_is_zero():
    _, (ga, gb) = grad_of(lambda a, b: F.l1_loss(a, b, reduction="sum"), [1.0, 2.0], [1.0, 0.0])
    close(ga, [0.0, 1.0])


def test_regression_losses_broadcast_with_pytorchs_warning():
    a, b = leaf(np.ones((3, 1))), leaf(np.arange(3.0))
    with pytest.warns(UserWarning, match="different to the input size"):
        loss = F.mse_loss(a, b, reduction="none")
    assert loss.shape == (3, 3)
    loss.backward(mt.ones(3, 3, dtype=mt.float64))
    close(b.grad._data, -2 * (1 - np.arange(3.0)) * 3)


def test_binary_cross_entropy_weight_and_gradients():
    x, t = np.array([[0.2, 0.9], [0.5, 0.05]]), np.array([[0.0, 1.0], [0.3, 1.0]])
    w = np.array([1.0, 3.0])
    value, (gx, gt) = grad_of(
        lambda x, t: F.binary_cross_entropy(x, t, weight=mt.tensor(w), reduction="sum"), x, t)
    close(value, np.sum(-w * (t * np.log(x) + (1 - t) * np.log(1 - x))))
    close(gx, w * (x - t) / (x * (1 - x)))
    close(gt, -w * np.log(x / (1 - x)))


def test_binary_cross_entropy_with_logits_matches_its_definition():
    x, t = np.array([[-2.0, 0.5], [3.0, -0.1]]), np.array([[0.0, 1.0], [0.3, 1.0]])
    pw, w = np.array([2.0, 0.5]), np.array([[1.0], [3.0]])
    value, (gx, gt) = grad_of(lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, weight=mt.tensor(w), pos_weight=mt.tensor(pw), reduction="sum"), x, t)
    s = 1 / (1 + np.exp(-x))
    close(value, np.sum(-w * (pw * t * np.log(s) + (1 - t) * np.log(1 - s))))
    close(gx, w * ((pw * t + 1 - t) * s - pw * t))
    close(gt, w * (-pw * np.log(s) + np.log(1 - s)))
    plain = F.binary_cross_entropy_with_logits(mt.tensor(x), mt.tensor(t))
    close(plain.item(), F.binary_cross_entropy(mt.tensor(s), mt.tensor(t)).item())


# --------------------------------------------------------------------------- linear


@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
def test_linear_values_and_gradients(shape):
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=shape), rng.normal(size=(2, 3)), rng.normal(size=2)
    out = F.linear(leaf(x), leaf(w), leaf(b))
    assert out.shape == shape[:-1] + (2,)
    close(out._data, x @ w.T + b)
    g = rng.normal(size=out.shape)
    xs, ws, bs = leaf(x), leaf(w), leaf(b)
    F.linear(xs, ws, bs).backward(mt.tensor(g))
    close(xs.grad._data, g @ w)
    close(ws.grad._data, g.reshape(-1, 2).T @ x.reshape(-1, 3))
    close(bs.grad._data, g.reshape(-1, 2).sum(0))


def test_linear_frozen_input_and_no_bias():
    x, w = mt.tensor(X), leaf(np.ones((2, C)))
    F.linear(x, w).backward(mt.ones(N, 2, dtype=mt.float64))
    close(w.grad._data, np.tile(X.sum(0), (2, 1)))
    assert x.grad is None


def test_linear_wants_tensors_and_checks_shapes_in_its_forward():
    x, w = mt.ones(1, 2), mt.ones(3, 2)
    for args, name in [(([[1.0, 2.0]], w), "input"), ((x, np.ones((3, 2))), "weight"),
                       ((x, w, 0.5), "bias")]:
        with pytest.raises(TypeError, match=f"linear: {name} must be a Tensor"):
            F.linear(*args)
    with pytest.raises(ShapeError, match=r"bias of shape \(2,\) does not match out_features=3"):
        F.linear(x, w, mt.ones(2))
    close(F.linear(x, w, mt.ones(1))._data, np.full((1, 3), 3.0))  # a bias that broadcasts


def test_cross_entropy_of_an_empty_batch_is_nan_with_an_empty_gradient():
    x = leaf(np.zeros((0, C)))
    loss = F.cross_entropy(x, mt.tensor(np.zeros(0, np.int64)))
    loss.backward()
    assert math.isnan(loss.item()) and x.grad.shape == (0, C)


# --------------------------------------------------------------------------- softmax and friends


@pytest.mark.parametrize("ndim,dim", [(0, 0), (1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim_follows_pytorch_and_warns(ndim, dim):
    x = mt.tensor(np.random.default_rng(3).normal(size=(2,) * ndim))
    for fn in (F.softmax, F.log_softmax):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            got = fn(x)
        close(got._data, fn(x, dim)._data)


def test_softmax_dtype_argument_casts_first():
    got = F.softmax(mt.tensor([1, 2, 3]), 0, dtype=mt.float64)
    assert got.dtype == mt.float64
    close(got._data, np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    assert F.log_softmax(mt.tensor([1.0, 2.0]), 0, dtype=mt.float64).dtype == mt.float64


def test_activation_gradients_at_the_kinks_are_pytorchs():
    def slope(fn, at):
        x = leaf(at)
        fn(x).backward()
        return x.grad.item()

    assert slope(lambda x: F.leaky_relu(x, 0.2), 0.0) == pytest.approx(0.2)
    assert slope(lambda x: F.elu(x, alpha=1.5), 0.0) == pytest.approx(1.5)
    assert slope(F.hardtanh, 1.0) == 0.0 and slope(F.hardtanh, -1.0) == 0.0
    assert slope(F.gelu, 0.0) == pytest.approx(0.5)
    assert slope(lambda x: F.softplus(x, beta=2.0, threshold=4.0), 2.5) == 1.0


def test_gelu_is_x_times_the_normal_cdf():
    xs = [-2.5, -0.3, 0.0, 0.7, 4.0]
    got = F.gelu(mt.tensor(xs, dtype=mt.float64))._data
    close(got, [x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in xs])


def test_softplus_above_the_threshold_is_the_identity():
    x = mt.tensor([10.0, 30.0], dtype=mt.float64)
    got = F.softplus(x, beta=1.0, threshold=20.0)._data
    assert got[1] == 30.0
    close(got[0], np.log1p(np.exp(10.0)))


# --------------------------------------------------------------------------- dtypes


LOSS_CALLS = {
    "cross_entropy": lambda x: F.cross_entropy(x, mt.tensor(T), weight=mt.tensor(W),
                                               label_smoothing=0.1),
    "cross_entropy(probabilities)": lambda x: F.cross_entropy(
        x, mt.tensor(onehot(T), dtype=mt.float32)),
    "nll_loss": lambda x: F.nll_loss(x, mt.tensor(T), weight=mt.tensor(W)),
    "mse_loss": lambda x: F.mse_loss(x, mt.zeros(N, C)),
    "l1_loss": lambda x: F.l1_loss(x, mt.zeros(N, C)),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(
        F.sigmoid(x), mt.full((N, C), 0.5), weight=mt.tensor(W)),
    "binary_cross_entropy_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, mt.full((N, C), 0.5), weight=mt.tensor(W), pos_weight=mt.tensor(W)),
    "linear": lambda x: F.linear(x, mt.ones(2, C), mt.ones(2)).sum(),
    "dropout": lambda x: F.dropout(x, 0.5).sum(),
    "softmax": lambda x: F.softmax(x, 1).sum(),
}


@pytest.mark.parametrize("name", list(LOSS_CALLS))
def test_float32_stays_float32(name):
    x = leaf(X, np.float32)
    out = LOSS_CALLS[name](x)
    out.backward()
    assert out.dtype == mt.float32, f"{name} gave {out.dtype}"
    assert x.grad.dtype == mt.float32


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([0.0, 1.0, 2.0])), ShapeError,
     r"float target holds class probabilities and must have the input's shape \(3, 4\), got "
     r"\(3,\)"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([0, 1])), ShapeError,
     r"target of shape \(2,\) does not fit input of shape \(3, 4\): class-index targets need "
     r"shape \(3,\)"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([0, 1, 4])), ValueError,
     r"target 4 is out of range for 4 classes"),
    # also PyTorch's IndexError, so code written for torch catches it
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([0, 1, 4])), IndexError,
     r"target 4 is out of range for 4 classes"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([0, -1, 2])), ValueError,
     r"target -1 is out of range for 4 classes"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor([True, False, True])), DtypeError,
     r"class-index target must be int64 .* got dtype bool"),
    (lambda: F.cross_entropy(mt.tensor(1.0), mt.tensor(0)), ShapeError,
     r"cross_entropy: input must have a class dimension.*0-d"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor(T), reduction="avg"), ValueError,
     r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor(T), label_smoothing=1.5), ValueError,
     r"label_smoothing must be between 0.0 and 1.0, got 1.5"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor(T), weight=mt.ones(3)), ShapeError,
     r"weight must have one entry per class, shape \(4,\), got shape \(3,\)"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor(T), weight=mt.ones(4, requires_grad=True)),
     RuntimeError, r"not differentiable with respect to weight"),
    (lambda: F.cross_entropy(mt.tensor(X), mt.tensor(onehot(T)), ignore_index=0), ValueError,
     r"ignore_index=0 is not supported for class-probability"),
    (lambda: F.nll_loss(mt.tensor(X), mt.tensor([0, 1, 9])), ValueError,
     r"nll_loss: target 9 is out of range for 4 classes"),
    (lambda: F.nll_loss(mt.tensor(X), mt.tensor([0, 1, 9])), IndexError,
     r"nll_loss: target 9 is out of range for 4 classes"),
    (lambda: F.nll_loss(mt.tensor(X), mt.tensor([0, 1])), ShapeError, r"nll_loss: target"),
    (lambda: F.mse_loss(mt.ones(3, 4), mt.ones(3, 5)), ShapeError,
     r"mse_loss: input of shape \(3, 4\) and target of shape \(3, 5\) cannot be broadcast"),
    (lambda: F.l1_loss(mt.tensor([1, 2]), mt.tensor([1, 2])), DtypeError,
     r"l1_loss: expected floating-point tensors"),
    (lambda: F.binary_cross_entropy(mt.tensor([0.5, 1.5]), mt.tensor([0.0, 1.0])), ValueError,
     r"should be probabilities in \[0, 1\], found 1.5"),
    (lambda: F.binary_cross_entropy(mt.tensor([0.5, 0.5]), mt.tensor([0.0])), ShapeError,
     r"target of shape \(1,\) must have the input's shape \(2,\)"),
    (lambda: F.binary_cross_entropy_with_logits(mt.ones(2, 3), mt.ones(2, 3),
                                                pos_weight=mt.ones(2)), ShapeError,
     r"pos_weight of shape \(2,\) cannot be broadcast to the input's shape \(2, 3\)"),
    (lambda: F.linear(mt.ones(3, 4), mt.ones(2, 5)), ShapeError,
     r"linear: input of shape \(3, 4\) has 4 in_features .* weight of shape \(2, 5\) expects "
     r"in_features=5"),
    (lambda: F.linear(mt.ones(3, 4), mt.ones(2, 4), mt.ones(3)), ShapeError,
     r"linear: bias of shape \(3,\) does not match out_features=2"),
    (lambda: F.linear(mt.ones(3, 4), mt.ones(4)), ShapeError, r"weight must be 2-D"),
    (lambda: F.softmax(mt.tensor([1, 2]), 0), DtypeError,
     r"softmax: expected a floating-point tensor, got dtype int64"),
    (lambda: F.softmax(mt.ones(2, 3), 2), DimensionError, r"softmax: dim 2 is out of range"),
    (lambda: F.gelu(mt.ones(2), approximate="fast"), ValueError,
     r"gelu: approximate must be 'none' or 'tanh', got 'fast'"),
    (lambda: F.hardtanh(mt.ones(2), 1.0, -1.0), ValueError, r"min_val .* greater than max_val"),
    (lambda: F.leaky_relu(mt.tensor([1, 2])), DtypeError, r"leaky_relu: expected a floating"),
    (lambda: F.dropout(mt.ones(2), 1.5), ValueError,
     r"dropout: probability has to be between 0 and 1, but got 1.5"),
    (lambda: F.dropout(mt.ones(2), -0.1), ValueError, r"between 0 and 1"),
])
def test_error_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- dropout


def test_dropout_statistics_and_scaling():
    mt.manual_seed(0)
    p = 0.3
    x = mt.ones(200, 500)
    y = F.dropout(x, p)._data
    dropped = np.mean(y == 0)
    assert abs(dropped - p) < 0.01  # 100 000 Bernoulli draws: the std is 0.0015
    survivors = y[y != 0]
    np.testing.assert_array_equal(survivors, np.float32(1 / (1 - p)))
    assert abs(y.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation


def test_dropout_gradient_is_the_scaled_mask():
    mt.manual_seed(1)
    x = leaf(np.full((4, 5), 2.0))
    y = F.dropout(x, 0.5)
    y.backward(mt.ones(4, 5, dtype=mt.float64))
    close(x.grad._data, y._data / 2.0)


def test_dropout_is_the_identity_in_eval_mode_and_at_p_0():
    x = leaf(X)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0)._data == 0).all()


def test_dropout_is_reproducible_from_the_seed():
    x = mt.ones(10, 10)
    mt.manual_seed(5)
    a = F.dropout(x, 0.5)._data
    mt.manual_seed(5)
    b = F.dropout(x, 0.5)._data
    mt.manual_seed(6)
    c = F.dropout(x, 0.5)._data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_inplace_writes_into_its_input():
    mt.manual_seed(2)
    x = mt.ones(3, 4)
    assert F.dropout(x, 0.5, inplace=True) is x
    assert set(np.unique(x._data)) <= {0.0, 2.0}


# --------------------------------------------------------------------------- the nn package


def test_nn_functional_exports_pytorchs_names_and_defaults():
    assert nn.functional is F
    for name in F.__all__:
        assert callable(getattr(F, name)), name
    defaults = {
        "cross_entropy": dict(weight=None, ignore_index=-100, reduction="mean",
                              label_smoothing=0.0),
        "nll_loss": dict(weight=None, ignore_index=-100, reduction="mean"),
        "binary_cross_entropy_with_logits": dict(weight=None, reduction="mean",
                                                 pos_weight=None),
        "dropout": dict(p=0.5, training=True, inplace=False),
        "leaky_relu": dict(negative_slope=0.01, inplace=False),
        "gelu": dict(approximate="none"),
        "softplus": dict(beta=1.0, threshold=20.0),
        "hardtanh": dict(min_val=-1.0, max_val=1.0),
        "relu": dict(inplace=False),
    }
    for name, want in defaults.items():
        params = inspect.signature(getattr(F, name)).parameters
        assert list(params)[0] == "input", name
        for arg, value in want.items():
            assert params[arg].default == value, f"F.{name}({arg}=...)"


def test_one_hot():
    t = mt.tensor([[0, 2], [1, 1]])
    got = F.one_hot(t, 4)
    assert got.dtype == mt.int64 and got.shape == (2, 2, 4) and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), np.eye(4, dtype=np.int64)[t.numpy()])
    assert F.one_hot(mt.tensor([0, 2])).tolist() == [[1, 0, 0], [0, 0, 1]]  # max + 1 classes
    assert F.one_hot(mt.tensor(1), 3).tolist() == [0, 1, 0]
    assert F.one_hot(mt.tensor([], dtype=mt.int64), 3).shape == (0, 3)
    with pytest.raises(DtypeError, match="one_hot: expected an int64 tensor"):
        F.one_hot(mt.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="smaller than num_classes=3, got 5"):
        F.one_hot(mt.tensor([0, 5]), 3)
    with pytest.raises(ValueError, match="non-negative, got -1"):
        F.one_hot(mt.tensor([-1, 0]), 3)
    with pytest.raises(ValueError, match="cannot infer num_classes"):
        F.one_hot(mt.tensor([], dtype=mt.int64))


def test_relu_inplace():
    x = leaf([-1.0, 2.0])
    y = x * 1.0
    assert F.relu(y, inplace=True) is y
    y.backward(mt.ones(2, dtype=mt.float64))
    close(x.grad._data, [0.0, 1.0])
