"""PyTorch models in microtensor's views (issue 19): draw_graph, gradient_flow, the monitor,
from_torch / to_torch. Checked against torch's own numbers (``p.grad``, ``retain_grad``)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn, viz
from microtensor.monitor import GradientMonitor

pytestmark = pytest.mark.usefixtures("torch_float32")


def sigmoid_net(depth: int = 10, width: int = 64, seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    layers, d = [], 64
    for i in range(depth):
        out = 10 if i == depth - 1 else width
        layers.append(torch.nn.Linear(d, out))
        if i < depth - 1:
            layers.append(torch.nn.Sigmoid())
        d = out
    return torch.nn.Sequential(*layers)


@pytest.fixture(scope="module")
def digits():
    x, y = mt.data.load_digits()
    return mt.to_torch(x[:256]), mt.to_torch(y[:256])


def vertex(source: str, name: str) -> str:
    """The DOT line of the vertex whose label starts with ``name`` (bold)."""
    lines = [line for line in source.splitlines() if f"<B>{name}</B>" in line]
    assert lines, f"no vertex {name!r}"
    return lines[0]


def grad_norm_in(line: str) -> float:
    return float(re.search(r"‖g‖ ([0-9.e+-]+)", line).group(1))


def fill(line: str) -> str:
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', line).group(1)


# ------------------------------------------------------------------ draw_graph


def test_deep_sigmoid_drawing_shows_each_parameters_gradient_norm(digits):
    x, y = digits
    net = sigmoid_net()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    viz.watch(loss)
    loss.backward()
    dg = viz.draw_graph(loss, dict(net.named_parameters()), collapse="none")
    for name, p in net.named_parameters():
        shown = grad_norm_in(vertex(dg.source, name))
        assert shown == pytest.approx(p.grad.norm().item(), rel=5e-3), name  # 2 digits+
    first, last = vertex(dg.source, "0.weight"), vertex(dg.source, "18.weight")
    assert fill(first) != fill(last)  # the vanishing first layer is coloured apart
    assert "▼" in first and "▼" not in last
    assert "AddmmBackward0" in dg.source and "SigmoidBackward0" in dg.source
    # the module view too, one node per Linear, names from the module
    mod = viz.draw_graph(loss, net, collapse="module")
    assert "0 · Linear" in mod.source and "module view" not in mod.source.split("0 · L")[0]


def test_watched_intermediate_gradients_match_retain_grad():
    torch.manual_seed(1)
    w = torch.randn(3, 4, requires_grad=True)
    xin = torch.randn(5, 3)
    h = xin @ w
    h.retain_grad()
    s = torch.tanh(h)
    loss = (s * s).sum()
    viz.watch(loss)
    loss.backward()
    trace = viz.torch_graph.TorchTrace(loss, viz.modules.resolve_names({"h": h, "w": w}, "t"))
    key = next(("n", i) for i, n in enumerate(trace.order) if n is h.grad_fn)
    g = trace.grads[key]
    assert g.norm == pytest.approx(h.grad.double().norm().item(), rel=1e-6)
    assert g.mean_abs == pytest.approx(h.grad.double().abs().mean().item(), rel=1e-6)
    assert trace.shape(key) == (5, 4)
    dg = viz.draw_graph(loss, {"h": h, "w": w}, show=("shape", "value", "grad"))
    assert "<B>h</B>" in dg.source and "mean " in vertex(dg.source, "h")


def test_without_watch_the_leaves_show_and_the_legend_says_how():
    net = sigmoid_net(depth=3)
    loss = net(torch.randn(8, 64)).pow(2).mean()
    loss.backward()
    dg = viz.draw_graph(loss, net, collapse="none")
    assert "not recorded" in dg.source and "viz.watch(loss)" in dg.source
    assert grad_norm_in(vertex(dg.source, "0.weight")) == pytest.approx(
        net[0].weight.grad.norm().item(), rel=5e-3)


def test_before_backward_no_gradient_yet_and_stale_leaves():
    net = sigmoid_net(depth=2)
    net(torch.randn(4, 64)).sum().backward()  # an earlier graph leaves .grad
    loss = net(torch.randn(4, 64)).sum()
    viz.watch(loss)
    dg = viz.draw_graph(loss, net, collapse="none")
    assert "no gradient yet" in dg.source
    assert "stale: from an earlier backward" in dg.source


def test_forgotten_zero_grad_and_in_place_changes_are_flagged():
    net = sigmoid_net(depth=2)
    x = torch.randn(16, 64)
    for _ in range(3):  # no zero_grad(): .grad accumulates
        loss = net(x).pow(2).mean()
        viz.watch(loss)
        loss.backward()
    dg = viz.draw_graph(loss, net, collapse="none")
    assert "Σ of 3 backward passes" in dg.source
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1e-3)  # scales .grad in place
    assert "modified in place after backward" in viz.draw_graph(loss, net).source
    net.zero_grad()
    loss = net(x).pow(2).mean()
    viz.watch(loss)
    loss.backward()
    clean = viz.draw_graph(loss, net, collapse="none").source
    assert "Σ of" not in clean and "stale" not in clean and "modified" not in clean


def test_gradients_from_unwatched_passes_are_flagged():
    net = sigmoid_net(depth=2)
    x = torch.randn(16, 64)
    net(x).sum().backward()  # not watched, not zeroed
    loss = net(x).sum()
    viz.watch(loss)
    loss.backward()
    assert "gradients from before" in viz.draw_graph(loss, net).source


def test_nonfinite_backward_and_forward_are_red():
    z = torch.tensor([0.0, 4.0], requires_grad=True)
    s = (z.sqrt() * 3).sum()
    viz.watch(s)
    s.backward()
    dg = viz.draw_graph(s, {"z": z})
    assert "first non-finite value — backward" in dg.source and "SqrtBackward0" in dg.source
    # forward: track_modules notes which module produced the first NaN
    class Log(torch.nn.Module):
        def forward(self, h):
            return h.log()

    net = torch.nn.Sequential(torch.nn.Linear(2, 2), Log(), torch.nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.fill_(-1.0)  # h = -2: log(h) is NaN
    out = net(torch.ones(3, 2)).sum()
    assert "track_modules" in viz.draw_graph(out, net, collapse="module").source  # the hint
    with viz.track_modules(net):
        out = net(torch.ones(3, 2)).sum()
    text = viz.draw_graph(out, net, collapse="module").source
    assert "module 1 (Log) produced the first NaN/Inf" in text


def test_track_modules_names_parameter_free_modules():
    net = sigmoid_net(depth=3)
    with viz.track_modules(net):
        loss = net(torch.randn(4, 64)).sum()
    viz.watch(loss)
    loss.backward()
    assert "1 · Sigmoid" in viz.draw_graph(loss, net, collapse="module").source


def test_watch_is_a_no_op_for_microtensor_and_checks_its_input():
    assert viz.watch(mt.tensor([1.0], requires_grad=True) * 2).handles == []
    with pytest.raises(TypeError, match="watch"):
        viz.watch(np.ones(2))
    with pytest.raises(ValueError, match="does not require grad"):
        viz.watch(torch.ones(2))
    w = torch.ones(2, requires_grad=True)
    loss = (w * w).sum()
    handle = viz.watch(loss)
    handle.remove()
    with pytest.raises(TypeError, match="PyTorch graph does not have; draw_graph"):
        viz.explain_backward(loss)
    loss.backward()
    assert "no gradient yet" in viz.draw_graph(loss, {"w": w}).source


# ------------------------------------------------------------------ gradient flow


def test_gradient_flow_and_bar_chart_of_a_torch_model(digits):
    x, y = digits
    net = sigmoid_net()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    flow = viz.gradient_flow(net, lr=0.1)
    assert "0 · Linear" in flow.source and "update/weight" in flow.source
    rows = viz.flow.layer_stats(net, 0.1)
    assert rows[0]["grad"].norm == pytest.approx(net[0].weight.grad.norm().item(), rel=1e-5)
    assert rows[0]["weight_norm"] == pytest.approx(net[0].weight.norm().item(), rel=1e-5)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = viz.plot_gradient_flow(net)
    assert len(ax.patches) == 2 * len(rows)


# ------------------------------------------------------------------ the monitor


def train(net, x, y, steps=5, lr=0.1, **kw):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    mon = GradientMonitor(net, optimizer=opt, **kw)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
        mon.step()
    mon.remove()
    return mon


def test_monitor_diagnoses_vanishing_gradients_of_a_torch_model(digits):
    x, y = digits
    net = sigmoid_net(depth=8, width=32)
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, 0.0, 0.01)
    mon = train(net, x, y, every=1)
    f = mon.diagnose()[0]
    assert (f.kind, f.layer, f.severity) == ("vanishing", "0", "error")
    assert "σ'(x) ≤ 0.25" in f.message and "initial weights are small" in f.message
    assert mon.gradient_ratio()[0] < 1e-10


def test_monitor_default_every_is_10_for_torch(digits):
    x, y = digits
    mon = train(sigmoid_net(depth=2), x, y, steps=25)
    assert mon.every == 10 and mon.steps == [0, 10, 20]
    assert GradientMonitor(nn.Linear(2, 2)).every == 1  # microtensor's default is unchanged


def test_monitor_statistics_match_microtensors_on_the_same_weights(digits):
    """The torch path computes what the NumPy path computes (same model, same data)."""
    x, y = digits
    tnet = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
                               torch.nn.Linear(32, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))
    mnet = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 10))
    mnet.load_state_dict(mt.from_torch(tnet.state_dict()))
    tmon = train(tnet, x, y, steps=3, every=1)
    mopt = mt.optim.SGD(mnet.parameters(), lr=0.1)
    mmon = GradientMonitor(mnet, optimizer=mopt, every=1)
    xm, ym = mt.from_torch(x), mt.from_torch(y)
    for _ in range(3):
        mopt.zero_grad()
        mt.nn.functional.cross_entropy(mnet(xm), ym).backward()
        mopt.step()
        mmon.step()
    for layer in mmon.history:  # the same statistics, nothing left over from the torch path
        assert [sorted(r) for r in tmon.history[layer]] == \
            [sorted(r) for r in mmon.history[layer]], layer
    for stat in ("grad_norm", "grad_mean_abs", "weight_norm", "update_ratio", "unit_spread",
                 "act_mean", "act_std", "dead_frac", "saturated_frac"):
        ours, theirs = mmon.series(stat), tmon.series(stat)
        assert ours.keys() == theirs.keys(), stat
        for layer in ours:
            np.testing.assert_allclose(theirs[layer], ours[layer], rtol=2e-3, atol=1e-6,
                                       err_msg=f"{stat} of {layer}")


def test_monitor_dying_relu_saturation_symmetry_and_nonfinite(digits):
    x, y = digits
    dead = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    with torch.no_grad():
        dead[0].bias.fill_(-100.0)
    assert [f.kind for f in train(dead, x, y, every=1).diagnose()][:1] == ["dying_relu"]

    torch.manual_seed(0)
    sat = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 10))
    torch.nn.init.normal_(sat[0].weight, 0.0, 1.0)
    assert "saturation" in [f.kind for f in train(sat, x, y, every=1).diagnose()]

    sym = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.Sigmoid(),
                              torch.nn.Linear(16, 10))
    for m in sym:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.zeros_(m.weight)
            torch.nn.init.zeros_(m.bias)
    kinds = [(f.kind, f.layer) for f in train(sym, x, y, every=1).diagnose()]
    assert ("symmetry", "0") in kinds

    bad = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.ReLU(), torch.nn.Linear(8, 10))
    with torch.no_grad():
        bad[2].weight[0, 0] = float("inf")
    f = train(bad, x, y, steps=2, every=1).diagnose()[0]
    assert f.kind == "non_finite"


# ------------------------------------------------------------------ from_torch / to_torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool,
                                   torch.float16, torch.int32, torch.uint8])
def test_tensors_round_trip_with_their_dtype(dtype):
    t = torch.arange(6).reshape(2, 3).to(dtype)
    m = mt.from_torch(t)
    assert str(m.dtype) == str(dtype).replace("torch.", "microtensor.")
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    back = mt.to_torch(m)
    assert back.dtype == dtype and torch.equal(back, t)
    m.numpy()[...] = 0  # copies: neither side sees the other's writes
    assert torch.equal(back, t)


def test_parameters_keep_requires_grad_and_errors_say_what():
    p = torch.nn.Parameter(torch.ones(2))
    assert mt.from_torch(p).requires_grad
    assert mt.to_torch(mt.tensor([1.0], requires_grad=True)).requires_grad
    with pytest.raises(TypeError, match="from_torch: expected a torch.Tensor"):
        mt.from_torch([1, 2])
    with pytest.raises(TypeError, match="to_torch: expected a microtensor Tensor"):
        mt.to_torch(torch.ones(2))
    with pytest.raises(TypeError, match="bfloat16"):
        mt.from_torch(torch.ones(2, dtype=torch.bfloat16))


def test_state_dicts_move_between_the_same_architecture_both_ways(digits):
    x, _ = digits
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32),
                               torch.nn.ReLU(), torch.nn.Linear(32, 10))
    tnet.train()
    tnet(x)  # running statistics away from their initial values
    tnet.eval()
    mnet = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
    mnet.load_state_dict(mt.from_torch(tnet.state_dict()))
    mnet.eval()
    xm = mt.from_torch(x)
    with torch.no_grad(), mt.no_grad():
        np.testing.assert_allclose(mnet(xm).numpy(), tnet(x).numpy(), rtol=1e-5, atol=1e-5)
    # microtensor -> torch: a fresh torch model takes microtensor's weights
    mt.manual_seed(3)
    other = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
    other.eval()
    fresh = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32),
                                torch.nn.ReLU(), torch.nn.Linear(32, 10)).eval()
    fresh.load_state_dict(mt.to_torch(other.state_dict()))
    sd = mt.to_torch(other.state_dict())
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    with torch.no_grad(), mt.no_grad():
        np.testing.assert_allclose(fresh(x).numpy(), other(xm).numpy(), rtol=1e-5, atol=1e-5)
