"""draw_graph: the DOT source carries names, recorded magnitudes, ordered colours, a legend,
NaN and stale marks, and the module view. Rendering is tested where Graphviz's dot exists."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn, viz
from microtensor.viz.style import NAN_COLOUR, NO_GRAD_COLOUR, Scale, fmt_sci
from microtensor.viz.trace import Trace


def vertices(dg) -> dict[str, str]:
    """Graphviz id -> the attribute text of that node statement."""
    out = {}
    for line in dg.source.splitlines():
        m = re.match(r"^\t(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("node", "edge", "graph"):
            out[m.group(1)] = m.group(2)
    return out


def edges(dg) -> dict[tuple[str, str], str]:
    out = {}
    for line in dg.source.splitlines():
        m = re.match(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m:
            out[(m.group(1), m.group(2))] = m.group(3) or ""
    return out


def attr(text: str, name: str) -> str:
    m = re.search(rf'\b{name}="?([^" ]+)"?', text)
    return m.group(1) if m else ""


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def mlp(depth: int, act: type = nn.Sigmoid, width: int = 16) -> nn.Sequential:
    mt.manual_seed(0)
    layers: list = []
    for i in range(depth):
        layers.append(nn.Linear(8 if i == 0 else width, 3 if i == depth - 1 else width))
        if i < depth - 1:
            layers.append(act())
    return nn.Sequential(*layers)


def mlp_loss(model: nn.Module) -> mt.Tensor:
    mt.manual_seed(1)
    return F.cross_entropy(model(mt.randn(5, 8)), mt.tensor([0, 1, 2, 0, 1]))


@pytest.fixture
def sigmoid_net():
    model = mlp(6)
    loss = mlp_loss(model)
    loss.backward()
    return model, loss


# ------------------------------------------------------------------ names and magnitudes


def test_parameters_are_named_from_a_module_and_from_a_dict(sigmoid_net):
    model, loss = sigmoid_net
    src = viz.draw_graph(loss, model).source
    for name, _ in model.named_parameters():
        assert f"<B>{name}</B>" in src
    w = model[0].weight
    src = viz.draw_graph(loss, {"first W": w}).source
    assert "<B>first W</B>" in src and "<B>0.weight</B>" not in src


def test_intermediate_tensors_can_be_named_and_show_their_value():
    a = mt.tensor(2.0, requires_grad=True)
    b = mt.tensor(-3.0, requires_grad=True)
    e = a * b
    L = e + 1.0
    L.backward()
    src = viz.draw_graph(L, {"a": a, "b": b, "e": e, "L": L}, show=("value", "grad")).source
    for text in ("<B>e</B>", "data = -6", "<B>L</B>", "data = -5", "grad = -3", "grad = 2",
                 "grad = 1"):
        assert text in src


def test_labels_show_the_recorded_norm_and_mean_abs_of_every_gradient(sigmoid_net):
    model, loss = sigmoid_net
    dg = viz.draw_graph(loss, model, collapse="none")
    vs = vertices(dg)
    trace = Trace(loss)
    assert trace.backwarded
    for i, node in enumerate(trace.order[1:], start=1):  # the output's is printed exactly
        s = node.grad_summary
        label = vs[f"t{i}"]
        assert f"‖g‖ {fmt_sci(s.norm)}" in label and f"mean|g| {fmt_sci(s.mean_abs)}" in label
        assert attr(label, "fillcolor") == Scale(reference=1.0).colour(s.mean_abs)
    for k, t in trace.leaves.items():
        g = t.grad._data.astype(np.float64)
        label = vs[trace.vertex_id(("l", k))]
        assert f"‖g‖ {fmt_sci(float(np.linalg.norm(g)))}" in label
        assert f"mean|g| {fmt_sci(float(np.abs(g).mean()))}" in label


def test_colours_and_edge_widths_are_ordered_by_magnitude(sigmoid_net):
    model, loss = sigmoid_net
    dg = viz.draw_graph(loss, model, collapse="none")
    vs, es = vertices(dg), edges(dg)
    trace = Trace(loss)
    mags = {f"t{i}": n.grad_summary.mean_abs for i, n in enumerate(trace.order)}
    ranked = sorted(mags, key=mags.get)
    # viridis gets lighter from the vanishing end to the exploding end
    lum = [luminance(attr(vs[v], "fillcolor")) for v in ranked]
    assert lum == sorted(lum) and lum[0] < lum[-1]
    widths = [float(attr(es[(f"op{v[1:]}", v)], "penwidth")) for v in ranked]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    # the sigmoid stack fades: the first layer's output gradient is far below the last's
    first, last = mags[f"t{len(trace.order) - 1}"], mags["t1"]
    assert first < last / 100


def test_legend_has_the_colour_bar_the_thresholds_and_the_notes(sigmoid_net):
    model, loss = sigmoid_net
    src = viz.draw_graph(loss, model, vanishing=1e-6, exploding=1e2, title="my net").source
    assert "<B>my net</B>" in src
    assert "vanishing ▼" in src and "▲ exploding" in src
    assert "below 1e-06" in src and "above 1e+02" in src
    assert src.count('WIDTH="40" HEIGHT="12"') == 9  # one swatch per decade, 1e-6 .. 1e2
    assert "edge width grows with log mean |g|" in src
    legend = viz.draw_graph(loss, model, legend=False).source
    assert "vanishing ▼" not in legend


def test_vanishing_and_exploding_marks_follow_the_thresholds():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 1e-9).sum()
    y.backward()
    src = viz.draw_graph(y, {"x": x}).source
    assert "mean|g| 1.00e-09 ▼" in src
    src = viz.draw_graph(y, {"x": x}, vanishing=1e-10).source
    assert "▼</FONT>" not in src.split("label=<<TABLE BORDER=\"0\"", 1)[1]
    x.grad = None
    z = (x * 1e5).sum()
    z.backward()
    assert "mean|g| 1.00e+05 ▲" in viz.draw_graph(z, {"x": x}).source


# ------------------------------------------------------------------ non-finite values


def test_forward_nan_is_found_with_detect_anomaly():
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with viz.detect_anomaly():
        h = x * 0.5
        y = h.log()
        loss = (y * 2).sum()
    loss.backward()
    dg = viz.draw_graph(loss, {"x": x, "h": h})
    vs = vertices(dg)
    trace = Trace(loss)
    i = next(i for i, n in enumerate(trace.order) if n.function.__name__ == "Log")
    assert attr(vs[f"t{i}"], "fillcolor") == NAN_COLOUR
    assert attr(vs[f"op{i}"], "color") == NAN_COLOUR  # the op that produced it
    assert attr(vs["t0"], "color") == NAN_COLOUR  # the output holds NaN too: outlined
    assert "forward: Log at test_viz.py:" in dg.source


def test_forward_nan_without_the_mode_points_to_detect_anomaly():
    x = mt.tensor([-1.0], requires_grad=True)
    loss = x.sqrt().sum()
    src = viz.draw_graph(loss).source
    assert "detect_anomaly()" in src
    assert attr(vertices(viz.draw_graph(loss))["t0"], "fillcolor") == NAN_COLOUR


def test_first_nonfinite_gradient_is_marked_and_named():
    z = mt.tensor([0.0, 4.0], requires_grad=True)
    s = (z.sqrt() * 3).sum()  # finite forward; d sqrt/dz is infinite at 0
    s.backward()
    dg = viz.draw_graph(s, {"z": z})
    vs = vertices(dg)
    assert attr(vs["leaf0"], "fillcolor") == NAN_COLOUR
    assert "NaN/Inf in 1 of 2" in vs["leaf0"]
    assert "the gradient of &#x27;z&#x27; became NaN/Inf first, in the backward of Sqrt" \
        in dg.source
    sqrt_op = next(k for k, v in vs.items() if k.startswith("op") and "Sqrt" in v)
    assert attr(vs[sqrt_op], "color") == NAN_COLOUR


# ------------------------------------------------------------------ stale gradients


def test_before_backward_every_tensor_says_no_gradient_yet():
    model = mlp(3)
    loss = mlp_loss(model)
    dg = viz.draw_graph(loss, model, collapse="none")
    for v, text in vertices(dg).items():
        if not v.startswith("op"):
            assert "no gradient yet" in text and "‖g‖" not in text
            assert attr(text, "fillcolor") == NO_GRAD_COLOUR and "dashed" in text
    assert "backward() has not run through this graph" in dg.source
    assert all("dashed" in e for e in edges(dg).values())


def test_gradients_summed_over_several_backward_calls_are_flagged():
    model = mlp(2)
    for _ in range(3):
        loss = mlp_loss(model)
        loss.backward()
    src = viz.draw_graph(loss, model).source
    assert src.count("Σ of 3 backward passes") == 4  # two weights, two biases
    model.zero_grad()
    loss = mlp_loss(model)
    loss.backward()
    assert "Σ of" not in viz.draw_graph(loss, model).source


def test_a_new_graph_drawn_before_its_backward_flags_old_leaf_gradients_as_stale():
    model = mlp(2)
    mlp_loss(model).backward()
    loss = mlp_loss(model)  # a new graph; .grad still holds the previous pass
    vs = vertices(viz.draw_graph(loss, model))
    w = next(v for v in vs.values() if "<B>0.weight</B>" in v)
    assert "stale: from an earlier backward" in w and "dashed" in w


def test_gradient_modified_after_backward_is_flagged():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with mt.no_grad():
        x.grad.mul_(0.5)  # e.g. clipping
    assert "modified in place after backward" in viz.draw_graph(y, {"x": x}).source


# ------------------------------------------------------------------ module view


def test_module_view_draws_one_node_per_module_with_its_statistics(sigmoid_net):
    model, loss = sigmoid_net
    dg = viz.draw_graph(loss, model, collapse="module")
    vs = vertices(dg)
    groups = {k: v for k, v in vs.items() if k.startswith("g")}
    # 6 Linear + 5 Sigmoid + the loss
    assert len(groups) == 12 and len(vs) == 12
    for i in range(0, 11, 2):
        w = model[i].weight
        g = w.grad._data.astype(np.float64)
        label = next(v for v in groups.values() if f"<B>{i} · Linear</B>" in v)
        assert f"‖g‖ {fmt_sci(float(np.linalg.norm(g)))}" in label
        assert attr(label, "fillcolor") == Scale().colour(float(np.abs(g).mean()))
    assert sum("<B>Sigmoid</B>" in v for v in groups.values()) == 5
    assert sum("<B>CrossEntropy</B>" in v for v in groups.values()) == 1
    # a chain of modules: each edge joins neighbours
    assert len(edges(dg)) == 11


def test_module_view_names_activations_when_modules_were_tracked():
    model = mlp(3)
    with viz.track_modules(model):
        loss = mlp_loss(model)
    loss.backward()
    src = viz.draw_graph(loss, model, collapse="module").source
    assert "<B>1 · Sigmoid</B>" in src and "<B>3 · Sigmoid</B>" in src
    assert not model[1]._forward_hooks  # the hooks are gone


def test_large_graphs_switch_to_the_module_view_and_fold_into_columns():
    model = mlp(50, nn.ReLU, width=4)
    loss = mlp_loss(model)
    loss.backward()
    dg = viz.draw_graph(loss, model)  # 300 vertices > max_nodes
    vs = vertices(dg)
    assert len([v for v in vs if v.startswith("g")]) == 100
    assert "module view: the full graph has 300 nodes (&gt; max_nodes=100)" in dg.source
    assert dg.source.count("rank=same") >= 5  # folded into columns
    assert len(vertices(viz.draw_graph(loss, model, collapse="none"))) == 300
    assert len(vertices(viz.draw_graph(loss, model, max_nodes=1000))) == 300


# ------------------------------------------------------------------ errors and rendering


def test_bad_arguments_say_what_was_expected():
    x = mt.tensor([1.0])
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw_graph(x)
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw_graph([1.0])
    y = (mt.tensor([1.0], requires_grad=True) * 2).sum()
    with pytest.raises(ValueError, match="unknown show item"):
        viz.draw_graph(y, show=("colour",))
    with pytest.raises(ValueError, match="collapse must be"):
        viz.draw_graph(y, collapse="layers")
    with pytest.raises(ValueError, match="vanishing < exploding"):
        viz.draw_graph(y, vanishing=10, exploding=1)
    with pytest.raises(TypeError, match="params"):
        viz.draw_graph(y, params=3)


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (make system-deps installs it)")
def test_render_writes_svg(sigmoid_net, tmp_path):
    model, loss = sigmoid_net
    path = viz.render(viz.draw_graph(loss, model), tmp_path / "g.svg")
    text = path.read_text()
    assert "<svg" in text and "0.weight" in text
    assert viz.pipe(viz.gradient_flow(model), "png")[:4] == b"\x89PNG"


def test_render_without_dot_says_how_to_install_it(tmp_path, monkeypatch):
    y = (mt.tensor([1.0], requires_grad=True) * 2).sum()
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        viz.render(viz.draw_graph(y), tmp_path / "g.svg")
    assert not list(tmp_path.iterdir())  # nothing half-written
