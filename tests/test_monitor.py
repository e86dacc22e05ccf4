"""GradientMonitor: what it records, that it detaches cleanly, and that its findings are
right on nets built to show each failure of the lecture notes."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, optim
from microtensor.data import DataLoader, TensorDataset, load_digits
from microtensor.monitor import Finding, GradientMonitor, symmetry_tolerance
from microtensor.nn import init
from microtensor.train import fit


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:128], y[:128]


class MLP(nn.Module):
    """``depth`` hidden layers of ``width`` units, named ``layers.0``, ``layers.1``, ..."""

    def __init__(self, act, depth, width=32, bn=False, weight=None, bias=None, out_init=True):
        super().__init__()
        mods, d = [], 64
        for _ in range(depth):
            lin = nn.Linear(d, width)
            if weight is not None:
                weight(lin.weight)
            if bias is not None:
                bias(lin.bias)
            mods.append(lin)
            if bn:
                mods.append(nn.BatchNorm1d(width))
            mods.append(act())
            d = width
        head = nn.Linear(d, 10)
        if weight is not None and out_init:
            weight(head.weight)
        if bias is not None and out_init:
            bias(head.bias)
        mods.append(head)
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(x)


def he(w):
    init.kaiming_normal_(w, nonlinearity="relu")


def train(model, data, steps=10, lr=0.1, every=1, opt=None):
    x, y = data
    opt = opt or optim.SGD(model.parameters(), lr=lr)
    mon = GradientMonitor(model, optimizer=opt, every=every)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        mon.step()
    return mon


def kinds(mon):
    return {(f.kind, f.layer) for f in mon.diagnose()}


# ---------------------------------------------------------------------- recording

def test_records_what_it_says(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=2, width=16)
    x, y = digits
    opt = optim.SGD(model.parameters(), lr=0.1)
    mon = GradientMonitor(model, optimizer=opt)
    assert mon.layers == [f"layers.{i}" for i in range(5)]
    assert mon.param_layers == ["layers.0", "layers.2", "layers.4"]
    before = model.layers[2].weight._data.copy()
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        mon.step()
    assert mon.steps == [0, 1, 2] and mon.lrs == [0.1] * 3
    assert all(len(mon.history[n]) == 3 for n in mon.layers)
    g = model.layers[2].weight.grad._data.astype(np.float64)
    np.testing.assert_allclose(mon.series("grad_norm")["layers.2"][-1], np.linalg.norm(g),
                               rtol=1e-6)
    np.testing.assert_allclose(mon.series("grad_mean_abs")["layers.2"][-1], np.abs(g).mean(),
                               rtol=1e-6)
    # SGD without momentum: Δw = lr·g, so the ratio is lr·‖g‖ / ‖w before the step‖
    w_prev = model.layers[2].weight._data + 0.1 * model.layers[2].weight.grad._data
    np.testing.assert_allclose(mon.series("update_ratio")["layers.2"][-1],
                               0.1 * np.linalg.norm(g) / np.linalg.norm(w_prev), rtol=1e-4)
    assert not np.allclose(before, model.layers[2].weight._data)
    assert set(mon.series("dead_frac")) == {"layers.1", "layers.3"}
    assert mon.history["layers.1"][-1]["units"] == 16
    assert mon.series("act_nonfinite")["layers.4"][-1] == 0
    assert mon.kind("layers.1") == "relu" and mon.kind("layers.0") == "param"
    with pytest.raises(ValueError, match="unknown statistic 'nope'"):
        mon.series("nope")


def test_activation_statistics():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    mon = GradientMonitor(model, min_samples=1)
    x = mt.randn(64, 4)
    with mt.no_grad():
        model[0].bias._data[...] = [-50.0, 50.0, 50.0]  # unit 0 is <= 0 for every sample
    out = model(x)
    mon.step()
    rec = mon.history["1"][0]
    assert rec["act_mean"] == pytest.approx(float(out._data.mean()), rel=1e-6)
    assert rec["act_std"] == pytest.approx(float(out._data.std()), rel=1e-5)
    assert rec["dead_frac"] == pytest.approx(1 / 3) and rec["units"] == 3
    assert "grad_norm" not in mon.history["0"][0]  # no backward ran


def test_saturation_definition():
    # tanh'(x) = 1 - t² < 0.01  <=>  |t| > 0.99499: x = 3 saturates, x = 2.9 does not
    model = nn.Sequential(nn.Tanh(), nn.Sigmoid())
    mon = GradientMonitor(model)
    x = mt.tensor([[3.0, 2.9, 0.0, -3.0]], requires_grad=True)
    model(x)
    mon.step()
    assert mon.series("saturated_frac")["0"][0] == 0.5
    # sigmoid of tanh's outputs (|t| < 1): σ' > 0.19, nothing saturated
    assert mon.series("saturated_frac")["1"][0] == 0.0


def test_every_k_records_and_hooks_only_on_recorded_steps(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=2, width=8)
    x, y = digits
    opt = optim.SGD(model.parameters(), lr=0.1)
    mon = GradientMonitor(model, every=3)
    hooked = []
    for _ in range(7):
        hooked.append(any(m._forward_hooks for m in model.modules()))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        mon.step()
    assert mon.steps == [0, 3, 6]
    assert hooked == [True, False, False, True, False, False, True]
    assert all(np.isfinite(v).all() for v in mon.series("update_ratio").values())


def test_evaluation_passes_under_no_grad_are_not_recorded(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=1, width=8)
    mon = GradientMonitor(model)
    with mt.no_grad():
        model(digits[0])
    mon.step()
    assert "act_mean" not in mon.history["layers.0"][0]


def test_remove_leaves_no_hooks_and_the_same_outputs(digits):
    mt.manual_seed(0)
    model = MLP(nn.Sigmoid, depth=3, width=8, bn=True)
    model.eval()
    x = digits[0]
    expected = model(x)._data.copy()
    mon = train(model, digits, steps=0)
    assert any(m._forward_hooks for m in model.modules())
    mon.remove()
    assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks
                   for m in model.modules())
    np.testing.assert_array_equal(model(x)._data, expected)
    with pytest.raises(RuntimeError, match="the monitor was removed"):
        mon.step()
    with GradientMonitor(model) as mon2:
        model(x)
    assert not any(m._forward_hooks for m in model.modules())
    assert "removed" in repr(mon2)


def test_works_with_fit_and_takes_its_optimizer(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=1, width=8)
    opt = optim.SGD(model.parameters(), lr=0.1)
    mon = GradientMonitor(model, every=2)
    loader = DataLoader(TensorDataset(*digits), batch_size=32)
    fit(model, loader, nn.CrossEntropyLoss(), opt, epochs=2, monitor=mon, progress=False)
    assert mon.optimizer is opt and mon.steps == [0, 2, 4, 6] and len(mon.lrs) == 4


def test_conv_channels_are_the_units_of_a_4d_relu():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    with mt.no_grad():
        model[0].bias._data[:2] = -100.0  # channels 0 and 1 never fire
    mon = GradientMonitor(model, min_samples=1)
    model(mt.randn(2, 1, 6, 6)).sum().backward()
    mon.step()
    assert mon.history["1"][0]["units"] == 4
    assert mon.series("dead_frac")["1"][0] == 0.5


# ---------------------------------------------------------------------- findings

def test_deep_sigmoid_with_small_init_vanishes_at_the_first_layer(digits):
    mt.manual_seed(0)
    model = MLP(nn.Sigmoid, depth=8, weight=lambda w: init.normal_(w, 0.0, 0.01))
    mon = train(model, digits, steps=5)
    assert np.nanmax(mon.gradient_ratio()) < 1e-6
    found = [f for f in mon.diagnose() if f.kind == "vanishing"]
    assert len(found) == 1
    f = found[0]
    assert f.layer == "layers.0" and f.severity == "error" and f.value < 1e-3 and f.step == 0
    assert "layers.0" in f.message and "layers.16" in f.message
    assert "at the start of training" in f.message and "σ'(x) ≤ 0.25" in f.message
    # the early layers barely learn: their update/weight ratio is flagged as too small
    assert ("update_ratio", "layers.0") in kinds(mon)


@pytest.mark.parametrize("bn", [False, True])
def test_relu_with_he_init_does_not_vanish(digits, bn):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=8, bn=bn, weight=he)
    mon = train(model, digits, steps=5, lr=0.05)
    ratio = mon.gradient_ratio()
    assert np.all((ratio > 1e-2) & (ratio < 1e2))
    assert not {f.kind for f in mon.diagnose()} & {"vanishing", "exploding", "non_finite",
                                                   "symmetry", "saturation"}


def test_tanh_with_xavier_init_is_healthy(digits):
    mt.manual_seed(0)
    model = MLP(nn.Tanh, depth=8, weight=init.xavier_normal_)
    mon = train(model, digits, steps=5)
    assert mon.diagnose() == []
    assert "No problems found." in mon.summary()


def test_zero_init_is_diagnosed_as_symmetric(digits):
    mt.manual_seed(0)
    model = MLP(nn.Sigmoid, depth=2, width=32, weight=init.zeros_, bias=init.zeros_)
    mon = train(model, digits, steps=10, lr=0.5)
    sym = {f.layer: f for f in mon.diagnose() if f.kind == "symmetry"}
    assert set(sym) == {"layers.0", "layers.2"}  # the output units do differ
    msg = sym["layers.2"].message
    assert msg.startswith("symmetry: the 32 units of layers.2 are identical")
    assert "identical gradients" in msg and "up to rounding" in msg
    assert sym["layers.2"].severity == "error"
    # The weights did move, identically for every unit up to float rounding: BLAS kernels
    # may round a product's rows differently (a few float32 epsilons on some CPUs).
    w = model.layers[2].weight._data.astype(np.float64)
    spread = np.abs(w - w[0]).max() / np.abs(w).max()
    assert np.abs(w).max() > 0 and spread <= symmetry_tolerance(np.float32)
    assert sym["layers.2"].value <= symmetry_tolerance(np.float32)
    # growing from zero is no reason to call the learning rate too large
    assert not any(f.kind == "update_ratio" for f in mon.diagnose())


def test_symmetry_tolerance_is_a_few_hundred_epsilons_of_the_weight_dtype(digits):
    assert symmetry_tolerance(np.float32) == 256 * np.finfo(np.float32).eps
    assert symmetry_tolerance(mt.float64) == 256 * np.finfo(np.float64).eps
    # Units a rounding error apart are identical; units 1e-3 apart are not.
    model = MLP(nn.Sigmoid, depth=1, width=8, weight=init.zeros_, bias=init.zeros_)
    w = model.layers[0].weight
    with mt.no_grad():
        w._data[...] = 0.5
        w._data[3, 0] += 0.5 * 4 * np.finfo(np.float32).eps
    mon = GradientMonitor(model)
    mon.step()
    assert "layers.0" in {f.layer for f in mon.diagnose() if f.kind == "symmetry"}
    with mt.no_grad():
        w._data[3, 0] = 0.5 * (1 + 1e-3)
    mon = GradientMonitor(model)
    mon.step()
    assert "layers.0" not in {f.layer for f in mon.diagnose() if f.kind == "symmetry"}
    # An explicit tolerance replaces the dtype's.
    mon = GradientMonitor(model, symmetry_tol=1e-2)
    mon.step()
    assert "layers.0" in {f.layer for f in mon.diagnose() if f.kind == "symmetry"}
    with pytest.raises(ValueError, match="symmetry_tol"):
        GradientMonitor(model, symmetry_tol=-1.0)


def test_random_init_is_not_symmetric(digits):
    mt.manual_seed(0)
    mon = train(MLP(nn.Sigmoid, depth=2), digits, steps=3)
    assert not any(f.kind == "symmetry" for f in mon.diagnose())


def test_large_negative_bias_kills_the_relus(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=3, bias=lambda b: init.constant_(b, -5.0), out_init=False)
    mon = train(model, digits, steps=5)
    dying = {f.layer: f for f in mon.diagnose() if f.kind == "dying_relu"}
    assert set(dying) == {"layers.1", "layers.3", "layers.5"}
    f = dying["layers.1"]
    assert f.value == 1.0 and f.severity == "error"
    assert "100% of the 32 units of the ReLU at layers.1 (after layers.0)" in f.message
    assert "negative" in f.message


def test_healthy_relu_net_has_no_dead_layer_even_with_single_samples(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=2, weight=he)
    x, y = digits
    opt = optim.SGD(model.parameters(), lr=0.01)
    mon = GradientMonitor(model, optimizer=opt)
    for i in range(64):  # batch size 1: pooled over 32 samples before judging a unit dead
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
        opt.step()
        mon.step()
    dead = mon.series("dead_frac")["layers.1"]
    assert np.count_nonzero(np.isfinite(dead)) == 2 and np.nanmax(dead) < 0.5
    assert not any(f.kind == "dying_relu" for f in mon.diagnose())


def test_tanh_with_huge_weights_saturates(digits):
    mt.manual_seed(0)
    model = MLP(nn.Tanh, depth=3, weight=lambda w: init.normal_(w, 0.0, 3.0))
    mon = train(model, digits, steps=3)
    sat = {f.layer: f for f in mon.diagnose() if f.kind == "saturation"}
    assert set(sat) == {"layers.1", "layers.3", "layers.5"}
    assert sat["layers.3"].value > 0.5
    assert "1 − t² < 0.01" in sat["layers.3"].message


def test_update_ratio_flags_too_large_and_too_small_learning_rates(digits):
    mt.manual_seed(0)
    state = MLP(nn.ReLU, depth=2, weight=he).state_dict()

    def run(lr):
        model = MLP(nn.ReLU, depth=2, weight=he)
        model.load_state_dict(state)
        mon = train(model, digits, steps=4, lr=lr)
        return mon, [f for f in mon.diagnose() if f.kind == "update_ratio"]

    mon, found = run(0.05)
    assert found == []
    assert all(1e-4 < np.median(v) < 1e-1 for v in mon.series("update_ratio").values())
    mon, found = run(20.0)
    assert found and all("too large" in f.message and f.value > 0.1 for f in found)
    # ... and the lecture's first cause of dying ReLUs: the units die during training
    dying = [f for f in mon.diagnose() if f.kind == "dying_relu"]
    assert dying and all("developed during training" in f.message for f in dying)
    _, found = run(1e-8)
    assert {f.layer for f in found} == {"layers.0", "layers.2", "layers.4"}
    assert all("too small" in f.message and f.value < 1e-5 for f in found)


def test_nan_input_is_reported_where_it_enters(digits):
    mt.manual_seed(0)
    x, y = digits
    x = x.clone()
    x._data[5, 7] = np.nan
    mon = train(MLP(nn.ReLU, depth=2), (x, y), steps=2)
    found = [f for f in mon.diagnose() if f.kind == "non_finite"]
    assert [f.layer for f in found] == ["layers.0", "layers.4"]  # forward source, backward
    assert found[0].step == 0 and found[0].value == 32 and found[0].severity == "error"
    assert mon.diagnose()[0].severity == "error"


def test_diverging_training_is_reported(digits):
    mt.manual_seed(0)
    model = MLP(nn.ReLU, depth=3, weight=he)
    mon = train(model, digits, steps=8, lr=200.0)
    found = {f.kind for f in mon.diagnose()}
    assert found & {"exploding", "non_finite"}
    assert "update_ratio" in found


def test_summary_and_finding_text(digits):
    mt.manual_seed(0)
    mon = train(MLP(nn.Sigmoid, depth=8, weight=lambda w: init.normal_(w, 0.0, 0.01)),
                digits, steps=2)
    text = mon.summary()
    assert text.splitlines()[0] == "GradientMonitor: 2 recorded steps (steps 0–1, every 1)"
    assert "layers.0" in text and "layers.16" in text and "vanishing gradients" in text
    f = Finding("vanishing", "a", "error", "msg", 1e-9)
    assert str(f) == "[error] msg"
    assert GradientMonitor(nn.Linear(2, 2)).summary().startswith("GradientMonitor: nothing")


@pytest.mark.parametrize("kw, message", [
    (dict(every=0), "every must be an int >= 1"),
    (dict(window=0), "window must be an int >= 1"),
    (dict(dead_threshold=2.0), "dead_threshold must be in"),
    (dict(vanishing_ratio=2.0), "vanishing_ratio must be in"),
    (dict(update_ratio_range=(1.0, 0.1)), "update_ratio_range must be"),
])
def test_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        GradientMonitor(nn.Linear(2, 2), **kw)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        GradientMonitor(object())
