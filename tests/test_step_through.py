"""viz.step_through: the recorded steps are the engine's backward, and the page shows them.

The browser half (clicking "next" through the docs pages) is test_step_through_browser.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import microtensor as mt
from microtensor import viz
from microtensor.autograd import backward_order, grad_observers
from microtensor.cli import main as cli_main
from microtensor.viz import step_layout
from microtensor.viz.step_examples import EXAMPLES

NUMBER = re.compile(r"-?(?:\d+\.?\d*(?:e[-+]?\d+)?|NaN|Inf)")


def parse_shown(lines: list[str]) -> np.ndarray | tuple[tuple[int, ...], float]:
    """The numbers of a box's gradient text: an array, or (shape, norm) for a big tensor."""
    text = " ".join(line.strip() for line in lines).removeprefix("grad ").strip()
    if "‖·‖" in text:
        shape_text, norm = text.split("‖·‖")
        shape = tuple(int(n) for n in re.findall(r"\d+", shape_text))
        return shape, float(norm)
    return np.array([float(x) for x in NUMBER.findall(text)])


def assert_shows(lines: list[str], engine: np.ndarray, what: str) -> None:
    shown = parse_shown(lines)
    if isinstance(shown, tuple):
        assert shown[0] == engine.shape, what
        assert shown[1] == pytest.approx(float(np.linalg.norm(engine)), rel=5e-3), what
    elif engine.size == 1:  # one number: printed exactly (shortest float32 repr)
        assert np.float32(shown[0]) == np.float32(engine.reshape(())), what
    else:  # up to 16 numbers, 4 significant digits each
        np.testing.assert_allclose(shown, engine.reshape(-1), rtol=5e-4, atol=1e-7,
                                   err_msg=what)


def engine_view(page: viz.StepThrough) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """From the engine alone: each box's gradient after the pass (an op output's recorded
    gradient, a leaf's .grad) and the step after which it is complete (the last op that
    feeds it has run; 0 for the output)."""
    trace = page.recording.trace
    grads, complete_at = {}, {}
    for i, node in enumerate(trace.order):
        grads[f"t{i}"] = np.asarray(node.output_grad)
        complete_at[f"t{i}"] = 0 if i == 0 else max(trace.consumers[("n", i)]) + 1
    for k, leaf in trace.leaves.items():
        vid = trace.vertex_id(("l", k))
        grads[vid] = leaf.grad.numpy()
        complete_at[vid] = max(trace.consumers[("l", k)]) + 1
    return grads, complete_at


@pytest.fixture(scope="module")
def pages() -> dict[str, viz.StepThrough]:
    return {name: build() for name, build in EXAMPLES.items()}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_steps_are_the_engines_backward(name):
    page = EXAMPLES[name]()  # fresh: the engine keeps gradient arrays of its latest pass only
    rec = page.recording
    order = backward_order(rec.trace.output)
    assert [s.node for s in rec.steps] == order  # every op once, in the engine's order
    for s in rec.steps:  # the upstream of each step is the gradient the engine recorded
        np.testing.assert_array_equal(s.upstream, order[s.index].output_grad)
    grads, complete_at = engine_view(page)
    for step in range(len(page) + 1):
        shown = page.shown_grads(step)
        for vid, g in grads.items():
            if step >= complete_at[vid]:
                state, lines = shown[vid]
                assert state == "complete", (name, step, vid)
                assert_shows(lines, g, f"{name} step {step} {vid}")
            else:  # a leaf's .grad (any gradient) appears complete only with its last part
                assert shown.get(vid, ("partial",))[0] == "partial", (name, step, vid)
    assert grad_observers == []  # the recording observer is gone after the pass


def test_fan_out_sums_three_contributions(pages):
    page = pages["fan-out"]
    (x_key,) = [("l", k) for k in page.recording.trace.leaves]
    flows = [f for s in page.recording.steps for f in s.flows if f.target == x_key]
    assert [float(f.grad) for f in flows] == [1.0, 3.0, 3.0]
    assert [float(f.total) for f in flows] == [1.0, 4.0, 7.0]
    assert [(f.k, f.n) for f in flows] == [(1, 3), (2, 3), (3, 3)]
    leaf = page.recording.trace.leaves[x_key[1]]
    assert leaf.grad.item() == 7.0
    assert page.shown_grads(1)["leaf0"] == ("partial", ["grad 1"])
    assert page.shown_grads(2)["leaf0"] == ("complete", ["grad 7"])


def test_chain_rule_numbers_of_the_neuron(pages):
    page = pages["neuron"]
    tanh = page.recording.steps[0]
    assert tanh.node.function.__name__ == "Tanh"
    (flow,) = tanh.flows
    assert flow.mode == "scalar"  # upstream × local = product, with numbers
    assert float(flow.raw) == pytest.approx(0.5, abs=1e-6)  # do/dn = 1 - tanh(n)² = 0.5
    assert float(tanh.upstream) * float(flow.local) == pytest.approx(float(flow.raw))
    frag = page._repr_html_()
    assert "f(a) = tanh(a);  df/da = 1 - tanh(a)**2 = 1 - f**2." in frag.replace("&#x27;", "'")
    assert "where a = n" in frag


def test_broadcast_sum_is_shown(pages):
    page = pages["mlp"]
    summed = [(s.node.function.__name__, f) for s in page.recording.steps for f in s.flows
              if f.summed_axes]
    assert [name for name, _ in summed] == ["Add", "Add"]  # the two biases
    for _, f in summed:
        assert f.summed_axes == (0,) and f.raw.shape[0] == 1 and f.grad.ndim == 1
    html = page._repr_html_()
    assert html.count("Σ axes (0,)") == 2  # on the drawing, next to the edge
    assert "summed over axes (0,) (it was broadcast)" in html


class _Checker(HTMLParser):
    VOID = {"meta", "br", "input", "img", "link", "hr", "path", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_repr_html_renders_a_self_contained_fragment(pages):
    frag = pages["softmax-cross-entropy"]._repr_html_()
    assert frag.startswith('<div class="mt-step" id="mtst-') and frag.endswith("</div>")
    checker = _Checker()
    checker.feed(frag)
    assert checker.errors == [] and checker.stack == []
    assert "<svg" in frag and "<script>" in frag and "<style>" in frag
    data = re.search(r'<script type="application/json" class="mt-data">(.*?)</script>', frag,
                     re.S).group(1)
    parsed = json.loads(data)
    assert len(parsed["steps"]) == len(pages["softmax-cross-entropy"])
    assert len(parsed["updates"]) == len(parsed["steps"]) + 1


def test_save_writes_one_self_contained_file(pages, tmp_path):
    path = pages["mlp"].save(tmp_path / "mlp.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.html"]
    text = (tmp_path / "mlp.html").read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and str(path).endswith("mlp.html")
    assert not re.search(r"https?:", text)  # nothing fetched: no URL at all
    assert not re.search(r"<(link|img|iframe)\b|src=", text)


def test_values_of_every_box_with_a_function(pages):
    frag = pages["neuron"]._repr_html_()
    for text in ("data 2", "data -3", "data -6", "data 0.8813734", "data 0.70710665"):
        assert f">{text}<" in frag


def test_tensor_output_shows_named_values_only():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    hidden = a * 3
    out = (hidden * hidden).sum()
    page = viz.step_through(out, {"a": a})
    frag = page._repr_html_()
    assert ">data [1, 2]<" in frag and ">data 45<" in frag
    assert "data [3, 6]" not in frag  # an unnamed intermediate's value is not kept
    np.testing.assert_array_equal(a.grad.numpy(), [18.0, 36.0])
    named = viz.step_through(lambda: (lambda h: ((h * h).sum(), {"h": h}))(a * 3), {"a": a})
    assert ">data [3, 6]<" in named._repr_html_()


def test_big_tensors_show_shape_and_norm():
    w = mt.ones(5, 4, requires_grad=True)
    page = viz.step_through((w * 2).sum(), {"w": w})
    state, lines = page.shown_grads()["leaf0"]
    assert state == "complete" and lines == ["grad (5, 4) ‖·‖ 8.94e+00"]


def test_layout_without_dot(monkeypatch):
    monkeypatch.setattr(step_layout.shutil, "which", lambda name: None)
    page = EXAMPLES["fan-out"]()
    # x→Mul twice, Mul→x*x, x*x→Add, x→Add, Add→y
    assert page._repr_html_().count('class="mt-edge"') == 6
    assert len(page) == 2


def test_errors():
    with pytest.raises(TypeError, match="step_through: expected a microtensor Tensor"):
        viz.step_through(3.0)
    with pytest.raises(ValueError, match="no grad_fn"):
        viz.step_through(mt.tensor(1.0, requires_grad=True))
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2,\); pass gradient="):
        viz.step_through(x * 2)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="instead of loss.backward()"):
        viz.step_through(y)
    assert grad_observers == []


def test_cli_writes_the_page(tmp_path, capsys):
    script = tmp_path / "fan.py"
    script.write_text("import microtensor as mt\nx = mt.tensor(3.0, requires_grad=True)\n"
                      "params = {'x': x}\n\ndef forward():\n    return x * x + x\n")
    out = tmp_path / "fan.html"
    assert cli_main(["step-through", str(script), "--out", str(out)]) == 0
    assert "2 steps" in capsys.readouterr().out
    assert "grad 7" in out.read_text(encoding="utf-8")
    (tmp_path / "none.py").write_text("y = 1\n")
    assert cli_main(["step-through", str(tmp_path / "none.py")]) == 1
    assert "defines none of forward, out, loss" in capsys.readouterr().err


def test_demo_report_links_a_step_through_page(tmp_path, monkeypatch):
    from microtensor.report import html as report_html

    class Results:  # write_report's use of it, without training anything
        def to_json(self) -> dict:
            return {}

    monkeypatch.setattr(report_html, "build_page",
                        lambda results: "<main><section>runs</section><footer>f</footer></main>")
    index = report_html.write_report(Results(), tmp_path)
    assert '<a href="step-through.html">Step through one backward pass of this network' \
        in index.read_text(encoding="utf-8")
    page = (tmp_path / "step-through.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and 'class="mt-step"' in page
