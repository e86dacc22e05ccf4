"""nn.init: PyTorch's signatures and formulas, checked empirically on large tensors.

Every draw uses a fixed seed, so the empirical statistics are deterministic; the
tolerances are still many standard errors wide (the std of a sample std over n
draws is about std/sqrt(2n), ~0.2 % here), so a change of generator cannot flake them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import init
from microtensor.nn.init import _calculate_fan_in_and_fan_out

SHAPE = (300, 500)  # fan_in 500, fan_out 300, 150 000 draws
FAN_IN, FAN_OUT = 500, 300


@pytest.fixture(autouse=True)
def _seed():
    mt.manual_seed(1234)


def empirical_std(t):
    return float(np.std(t._data.astype(np.float64)))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", 1) == pytest.approx(1.0)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope True is not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans():
    assert _calculate_fan_in_and_fan_out(mt.empty(4, 3)) == (3, 4)  # Linear weight (out, in)
    assert _calculate_fan_in_and_fan_out(mt.empty(8, 3, 5, 5)) == (75, 200)  # conv kernel
    assert _calculate_fan_in_and_fan_out(mt.empty(2, 6, 4)) == (24, 8)
    with pytest.raises(ValueError, match=r"_calculate_fan_in_and_fan_out: fan in and fan out "
                                         r"can not be computed .* shape \(5,\)"):
        _calculate_fan_in_and_fan_out(mt.empty(5))
    with pytest.raises(ValueError, match=r"^xavier_uniform_: fan in and fan out"):
        init.xavier_uniform_(mt.empty(5))
    with pytest.raises(ValueError, match=r"^kaiming_normal_: fan in"):
        init.kaiming_normal_(mt.empty(()))


def test_constant_fills_work_in_place_on_parameters():
    p = nn.Parameter(mt.randn(3, 4))
    data = p._data
    for fn, value in [(init.zeros_, 0.0), (init.ones_, 1.0),
                      (lambda t: init.constant_(t, 0.25), 0.25)]:
        assert fn(p) is p
        assert p._data is data and np.all(p._data == value)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert init.eye_(mt.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]


def test_uniform_and_normal():
    t = mt.empty(*SHAPE)
    init.uniform_(t, -2.0, 3.0)
    assert t._data.min() >= -2.0 and t._data.max() < 3.0
    assert abs(float(t._data.mean()) - 0.5) < 0.05
    init.normal_(t, mean=1.0, std=2.0)
    assert abs(float(t._data.mean()) - 1.0) < 0.05
    assert empirical_std(t) == pytest.approx(2.0, rel=0.02)
    assert t.dtype == mt.float32
    with pytest.raises(ValueError, match="normal_: std must be non-negative"):
        init.normal_(t, std=-1.0)


def test_xavier():
    t = mt.empty(*SHAPE)
    init.xavier_normal_(t)
    assert empirical_std(t) == pytest.approx(math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.02)
    gain = init.calculate_gain("tanh")
    init.xavier_normal_(t, gain=gain)
    assert empirical_std(t) == pytest.approx(gain * math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.02)
    init.xavier_uniform_(t, gain=gain)
    bound = gain * math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(t._data).max() <= bound and np.abs(t._data).max() > 0.99 * bound
    assert empirical_std(t) == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_kaiming():
    t = mt.empty(*SHAPE)
    init.kaiming_normal_(t, nonlinearity="relu")
    assert empirical_std(t) == pytest.approx(math.sqrt(2 / FAN_IN), rel=0.02)
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert empirical_std(t) == pytest.approx(math.sqrt(2 / FAN_OUT), rel=0.02)
    init.kaiming_normal_(t, a=0.2)  # default nonlinearity: leaky_relu with slope a
    assert empirical_std(t) == pytest.approx(math.sqrt(2 / 1.04) / math.sqrt(FAN_IN), rel=0.02)
    init.kaiming_uniform_(t, nonlinearity="relu")
    bound = math.sqrt(6 / FAN_IN)
    assert np.abs(t._data).max() <= bound and np.abs(t._data).max() > 0.99 * bound
    # PyTorch's Linear default: kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in).
    init.kaiming_uniform_(t, a=math.sqrt(5))
    assert np.abs(t._data).max() == pytest.approx(1 / math.sqrt(FAN_IN), rel=0.01)
    w = mt.empty(16, 8, 3, 3)
    init.kaiming_normal_(w, mode="FAN_OUT", nonlinearity="relu")  # case-insensitive mode
    assert empirical_std(w) == pytest.approx(math.sqrt(2 / (16 * 9)), rel=0.1)


def test_kaiming_errors():
    with pytest.raises(ValueError, match="^kaiming_normal_: mode must be 'fan_in' or 'fan_out', "
                                         "got 'fan_avg'$"):
        init.kaiming_normal_(mt.empty(3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="^kaiming_uniform_: mode must be"):
        init.kaiming_uniform_(mt.empty(3, 4), mode="in")
    with pytest.raises(TypeError, match="kaiming_uniform_: expected a Tensor, got ndarray"):
        init.kaiming_uniform_(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="xavier_normal_: expected a floating-point tensor"):
        init.xavier_normal_(mt.zeros(3, 4, dtype=mt.int64))
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(mt.empty(0, 3))


def test_lecun():
    t = mt.empty(*SHAPE)
    init.lecun_normal_(t)
    assert empirical_std(t) == pytest.approx(1 / math.sqrt(FAN_IN), rel=0.02)
    init.lecun_uniform_(t)
    bound = math.sqrt(3 / FAN_IN)
    assert np.abs(t._data).max() <= bound and np.abs(t._data).max() > 0.99 * bound
    assert empirical_std(t) == pytest.approx(1 / math.sqrt(FAN_IN), rel=0.02)


def _truncated_mean(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(x):
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    def cdf(x):
        return (1 + math.erf(x / math.sqrt(2))) / 2

    return mean + std * (pdf(alpha) - pdf(beta)) / (cdf(beta) - cdf(alpha))


@pytest.mark.parametrize("mean, std, a, b", [
    (0.0, 1.0, -2.0, 2.0),   # PyTorch's default window: redraw the few outliers
    (0.0, 1.0, 1.0, 3.0),    # a narrow window far in the tail: uniform proposals
    (0.5, 0.02, 0.45, 0.6),  # a small std, bounds in absolute units
])
def test_trunc_normal(mean, std, a, b):
    t = mt.empty(200, 500)
    assert init.trunc_normal_(t, mean, std, a, b) is t
    assert t._data.min() >= a and t._data.max() <= b
    expected = _truncated_mean(mean, std, a, b)
    assert float(t._data.astype(np.float64).mean()) == pytest.approx(expected, abs=0.01 * std)


def test_trunc_normal_errors():
    with pytest.raises(ValueError, match="trunc_normal_: need a < b"):
        init.trunc_normal_(mt.empty(3), a=1.0, b=0.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        init.trunc_normal_(mt.empty(10), mean=10.0, a=-1.0, b=1.0)
    assert any("more than 2 std" in str(x.message) for x in w)


@pytest.mark.parametrize("shape", [(6, 6), (3, 7), (9, 4), (4, 2, 3, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(mt.empty(*shape), gain=2.0)
    flat = t._data.reshape(shape[0], -1).astype(np.float64) / 2.0
    rows, cols = flat.shape
    eye = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(eye, np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="orthogonal_: only tensors with 2 or more dimensions"):
        init.orthogonal_(mt.empty(3))


def test_reproducible_with_manual_seed_and_generator():
    fns = [init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
           init.kaiming_uniform_, init.kaiming_normal_, init.trunc_normal_, init.orthogonal_,
           init.lecun_normal_, init.lecun_uniform_]
    for fn in fns:
        mt.manual_seed(7)
        a = fn(mt.empty(5, 4))._data.copy()
        mt.manual_seed(7)
        b = fn(mt.empty(5, 4))._data.copy()
        np.testing.assert_array_equal(a, b, err_msg=fn.__name__)
        g1, g2 = mt.Generator().manual_seed(3), mt.Generator().manual_seed(3)
        c = fn(mt.empty(5, 4), generator=g1)._data.copy()
        mt.randn(10)  # moving the global generator must not matter
        np.testing.assert_array_equal(c, fn(mt.empty(5, 4), generator=g2)._data,
                                      err_msg=fn.__name__)


def test_init_bumps_the_version_counter():
    w = mt.randn(3, 3, requires_grad=True)
    y = (w * w).sum()
    with mt.no_grad():
        init.normal_(w)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_zero_init_never_breaks_symmetry():
    # The lecture notes' claim: with zero weights every hidden unit computes the same thing
    # and gets the same update, so the units stay identical however long we train.
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.w1 = nn.Parameter(mt.zeros(8, 2))
            self.b1 = nn.Parameter(mt.zeros(8))
            self.w2 = nn.Parameter(mt.zeros(1, 8))

        def forward(self, x):
            return (x @ self.w1.T + self.b1).tanh() @ self.w2.T

    model = MLP()
    init.constant_(model.b1, 0.1)
    x = mt.randn(32, 2)
    y = (x[:, :1] * x[:, 1:]).sin()
    opt = mt.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(20):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    w1, w2 = model.w1._data, model.w2._data
    assert np.abs(w2).max() > 0  # it did learn something...
    # ...with 8 identical units. Identical up to rounding, not bit for bit: a BLAS kernel may
    # compute some units' columns on another code path (e.g. the tail of its tile), which
    # rounds differently. A broken symmetry differs by about the weights' own size.
    tol = 256 * np.finfo(np.float32).eps
    np.testing.assert_allclose(w1, np.broadcast_to(w1[:1], w1.shape), rtol=0,
                               atol=tol * np.abs(w1).max())
    np.testing.assert_allclose(w2, np.broadcast_to(w2[:, :1], w2.shape), rtol=0,
                               atol=tol * np.abs(w2).max())
