"""gradient_flow, plot_gradient_flow and explain_backward."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn, viz
from microtensor.viz.style import Scale, fmt_sci


def net_after_backward():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 2))
    F.cross_entropy(model(mt.randn(6, 4)), mt.tensor([0, 1, 0, 1, 1, 0])).backward()
    return model


# ------------------------------------------------------------------ gradient_flow


def test_gradient_flow_lists_layers_in_order_with_their_statistics():
    model = net_after_backward()
    src = viz.gradient_flow(model, lr=0.1).source
    positions = [src.index(f"<B>{i} · Linear</B>") for i in (0, 2, 4)]
    assert positions == sorted(positions)
    for i in (0, 2, 4):
        w = model[i].weight
        g = w.grad._data.astype(np.float64)
        ratio = 0.1 * np.linalg.norm(g) / np.linalg.norm(w._data.astype(np.float64))
        assert f"‖g‖ {fmt_sci(float(np.linalg.norm(g)))}" in src
        assert f"update/weight {fmt_sci(float(ratio))}" in src
        assert Scale().colour(float(np.abs(g).mean())) in src
    assert "layer0 -> layer1" in src and "layer1 -> layer2" in src
    assert "lr = 0.1" in src


def test_gradient_flow_before_backward_and_bad_input():
    model = nn.Sequential(nn.Linear(2, 2))
    src = viz.gradient_flow(model).source
    assert "no gradient yet" in src and "update/weight" not in src
    with pytest.raises(ValueError, match="lr must be a positive number"):
        viz.gradient_flow(model, lr=-1)
    with pytest.raises(TypeError, match="expected a Module"):
        viz.gradient_flow(42)
    with pytest.raises(ValueError, match="no parameters"):
        viz.gradient_flow(nn.Sequential(nn.ReLU()))


def test_plot_gradient_flow_draws_one_bar_pair_per_layer():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = net_after_backward()
    ax = viz.plot_gradient_flow(model)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "4"]
    means = [p.get_height() for p in ax.containers[1]]
    expected = [float(np.abs(model[i].weight.grad._data).mean()) for i in (0, 2, 4)]
    np.testing.assert_allclose(means, expected, rtol=1e-6)
    plt.close(ax.figure)


def test_plot_gradient_flow_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"microtensor\[plot\]"):
        viz.plot_gradient_flow(net_after_backward())


# ------------------------------------------------------------------ explain_backward


def micrograd_graph():
    # Karpathy's micrograd example: L = (a*b + c) * f
    a, b = mt.tensor(2.0, requires_grad=True), mt.tensor(-3.0, requires_grad=True)
    c, f = mt.tensor(10.0, requires_grad=True), mt.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f
    return dict(a=a, b=b, c=c, f=f, e=e, d=d, L=L)


def test_explain_backward_gives_exact_numbers_for_a_scalar_graph():
    t = micrograd_graph()
    ex = viz.explain_backward(t["L"], t)
    text = str(ex)
    assert [s.op for s in ex.steps] == ["Mul", "Add", "Mul"]  # the engine's order
    for line in ("upstream: dL/dL = 1", "→ d: 1 × -2 = -2",
                 "→ f (leaf: added to f.grad): 1 × 4 = 4",
                 "upstream: dL/dd = -2", "→ e: -2 × 1 = -2",
                 "upstream: dL/de = -2", "→ a (leaf: added to a.grad): -2 × -3 = 6",
                 "→ b (leaf: added to b.grad): -2 × 2 = -4"):
        assert line in text
    assert {k: float(v) for k, v in ex.leaf_grads.items()} == {"a": 6, "b": -4, "c": -2, "f": 4}
    assert "df/da = b" in text  # each op's local derivative, from its docstring
    html = ex._repr_html_()
    assert html.count("<tr>") >= 7 and "<table>" in html


def test_explain_backward_touches_no_gradient():
    t = micrograd_graph()
    viz.explain_backward(t["L"])
    assert all(t[k].grad is None for k in "abcf")
    assert t["L"].grad_fn.grad_summary is None  # nothing recorded either
    t["L"].backward(retain_graph=True)
    before = {k: t[k].grad.item() for k in "abcf"}
    summary = t["e"].grad_fn.grad_summary
    viz.explain_backward(t["L"])
    assert {k: t[k].grad.item() for k in "abcf"} == before
    assert t["e"].grad_fn.grad_summary == summary


def test_explain_backward_shows_the_sum_that_undoes_broadcasting():
    x = mt.tensor(np.ones((2, 3)), requires_grad=True)
    b = mt.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    y = ((x + b) * 2).sum()
    ex = viz.explain_backward(y, {"x": x, "b": b})
    add = next(s for s in ex.steps if s.op == "Add")
    flow_b = next(f for f in add.flows if f.input == "b")
    assert flow_b.summed_axes == (0,) and flow_b.raw.shape == (2, 3)
    np.testing.assert_allclose(flow_b.grad, [4.0, 4.0, 4.0])
    assert "summed over axes (0,) (broadcast): (2, 3) → (3,)" in str(ex)
    y.backward()
    np.testing.assert_allclose(ex.leaf_grads["b"], b.grad.numpy())
    np.testing.assert_allclose(ex.leaf_grads["x"], x.grad.numpy())


def test_explain_backward_needs_the_saved_arrays():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.explain_backward(y)
    with pytest.raises(ValueError, match="pass gradient="):
        viz.explain_backward(x * x)
    with pytest.raises(ValueError, match="no grad_fn"):
        viz.explain_backward(x)
