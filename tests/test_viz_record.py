"""What backward records for the drawings: per-node gradient statistics, leaf pass counts,
the recording switch, and anomaly detection."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import autograd, viz
from microtensor.autograd import GradSummary, summarize_grad


def test_every_node_records_its_output_gradient_after_a_plain_backward():
    x = mt.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)  # float64
    h = x * 2
    y = h.tanh()
    loss = y.sum()
    assert loss.grad_fn.grad_summary is None  # before backward: nothing
    loss.backward()
    g_y = np.ones(3)
    g_h = g_y * (1 - np.tanh(np.array([2.0, -4.0, 6.0])) ** 2)
    sy, sh = y.grad_fn.grad_summary, h.grad_fn.grad_summary
    assert sy.norm == pytest.approx(np.linalg.norm(g_y))
    assert sh.norm == pytest.approx(np.linalg.norm(g_h), rel=1e-9)
    assert sh.mean_abs == pytest.approx(np.abs(g_h).mean(), rel=1e-9)
    assert sh.max_abs == pytest.approx(np.abs(g_h).max(), rel=1e-9)
    assert sh.nonfinite == 0 and sh.size == 3
    np.testing.assert_allclose(h.grad_fn.output_grad, g_h, rtol=1e-9)
    assert not h.grad_fn.output_grad.flags.writeable


def test_large_gradients_are_summarized_not_kept(monkeypatch):
    keep = autograd.grad_recording.keep_max
    monkeypatch.setattr(autograd.grad_recording, "keep_bytes", 0)
    x = mt.randn(keep + 10, requires_grad=True)
    h = x * 3.0
    (h.sin()).sum().backward()
    node = h.grad_fn
    assert node.output_grad is None  # the array itself was not kept alive
    s = node.grad_summary
    assert type(s) is GradSummary and s.max_abs is None
    g = np.cos(h.detach().numpy().astype(np.float64))
    assert s.norm == pytest.approx(np.linalg.norm(g), rel=1e-5)
    assert s.mean_abs == pytest.approx(np.abs(g).mean(), rel=1e-5)


def test_large_gradients_are_kept_up_to_a_byte_budget_per_pass(monkeypatch):
    # Each of these gradients is larger than keep_max; the budget holds two of them.
    n = autograd.grad_recording.keep_max + 1000
    monkeypatch.setattr(autograd.grad_recording, "keep_bytes", 2 * n * 4)
    x = mt.randn(n, requires_grad=True)
    h1 = x * 3.0
    h2 = h1.sin()
    h3 = h2 * 2.0
    h4 = h3.cos()
    h4.sum().backward()
    # The sweep visits h4, h3, h2, h1 in that order. h4's gradient is the broadcast that
    # sum's backward returns (a view: summarized, and not counted); h3's and h2's fill the
    # budget; h1's is summarized.
    assert h4.grad_fn.output_grad is None
    assert h3.grad_fn.output_grad is not None and h2.grad_fn.output_grad is not None
    assert h1.grad_fn.output_grad is None
    g2 = -np.sin(h3.detach().numpy().astype(np.float64)) * 2.0
    assert h2.grad_fn.grad_summary.max_abs == pytest.approx(np.abs(g2).max(), rel=1e-6)
    g1 = g2 * np.cos(h1.detach().numpy().astype(np.float64))
    s1 = h1.grad_fn.grad_summary
    assert s1.max_abs is None and s1.norm == pytest.approx(np.linalg.norm(g1), rel=1e-5)
    y = x * 3.0
    y.sin().sum().backward()  # a new pass starts with the whole budget again
    assert y.grad_fn.output_grad is not None


@pytest.mark.parametrize("make", [
    lambda r: r.standard_normal((300, 200)).astype(np.float32),
    lambda r: r.standard_normal((300, 200)).astype(np.float32).T,  # F-contiguous
    lambda r: r.standard_normal((200, 600))[:, ::3],  # strided float64
    lambda r: np.broadcast_to(np.float32(0.25), (400, 300)),  # a sum's backward
    lambda r: np.broadcast_to(r.standard_normal((1, 300)), (400, 300)),
])
def test_fast_summary_matches_numpy(make):
    g = make(np.random.default_rng(0))
    s = summarize_grad(g)
    g64 = np.asarray(g, dtype=np.float64)
    assert s.norm == pytest.approx(np.linalg.norm(g64), rel=1e-5)
    assert s.mean_abs == pytest.approx(np.abs(g64).mean(), rel=1e-5)
    assert s.nonfinite == 0 and s.size == g.size


@pytest.mark.filterwarnings("error")  # an exploding gradient is shown, not warned about
def test_fast_summary_counts_nonfinite_and_survives_float32_overflow():
    g = np.ones((100, 100), np.float32)
    g[3, 4], g[5, 6] = np.nan, np.inf
    assert summarize_grad(g).nonfinite == 2 and not summarize_grad(g).finite
    g = np.ones((100, 100), np.float32)
    g[0, 0] = 1e30  # finite, but its square overflows float32
    s = summarize_grad(g)
    assert s.nonfinite == 0 and s.norm == pytest.approx(1e30, rel=1e-6)
    g = np.full((100, 100), 3e35, np.float32)  # finite, but even the sum of |g| overflows
    s = summarize_grad(g)
    assert s.nonfinite == 0 and s.mean_abs == pytest.approx(3e35, rel=1e-6)
    assert s.norm == pytest.approx(3e37, rel=1e-6)


def test_record_gradients_switch_and_context_manager():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with viz.record_gradients(False):
        assert not autograd.grad_recording.enabled
        y = x * 2
        y.sum().backward()
    assert autograd.grad_recording.enabled
    assert y.grad_fn.grad_summary is None  # nothing recorded while off
    assert x.grad is not None  # leaves are unaffected
    viz.record_gradients(False)
    try:
        assert not autograd.grad_recording.enabled
    finally:
        viz.record_gradients(True)


def test_leaf_counts_backward_passes_not_contributions():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * x + x).sum().backward()  # three contributions, one pass
    assert autograd.grad_passes(x) == (1, autograd.grad_passes(x)[1], False)
    for _ in range(2):
        (x * 3).sum().backward()
    passes, _, modified = autograd.grad_passes(x)
    assert passes == 3 and not modified


def test_pass_count_resets_on_zero_grad_and_replacement():
    from microtensor import nn

    lin = nn.Linear(2, 1)
    for _ in range(2):
        lin(mt.ones(1, 2)).sum().backward()
    assert autograd.grad_passes(lin.weight)[0] == 2
    lin.zero_grad(set_to_none=False)  # in place: the next pass starts a new count
    assert autograd.grad_passes(lin.weight)[2]  # modified since the engine wrote it
    lin(mt.ones(1, 2)).sum().backward()
    assert autograd.grad_passes(lin.weight)[:1] == (1,)
    lin.zero_grad()  # set to None
    assert autograd.grad_passes(lin.weight) is None
    lin(mt.ones(1, 2)).sum().backward()
    assert autograd.grad_passes(lin.weight)[0] == 1


def test_grad_capture_does_not_count_as_a_pass():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    mt.autograd.grad((x * 5).sum(), x)
    assert autograd.grad_passes(x)[0] == 1


def test_detect_anomaly_marks_the_first_nonfinite_forward_op():
    from microtensor.viz.record import anomaly_of

    x = mt.tensor([1.0, -1.0], requires_grad=True)
    with viz.detect_anomaly():
        a = x * 2
        b = a.log()  # NaN for the negative element
        c = b * 3
    assert anomaly_of(a.grad_fn).nonfinite == 0
    rec = anomaly_of(b.grad_fn)
    assert rec.nonfinite == 1 and rec.where.startswith("test_viz_record.py:")
    assert anomaly_of(c.grad_fn).seq > rec.seq
    assert autograd.forward_observers == []  # the mode is off again
    d = x * 2
    assert anomaly_of(d.grad_fn) is None


def test_backward_order_is_the_engines():
    x = mt.tensor(2.0, requires_grad=True)
    y = (x * 3).exp().sum()
    names = [n.name() for n in autograd.backward_order(y)]
    assert names == ["SumBackward0", "ExpBackward0", "MulScalarBackward0"]
    y.backward()
    assert y.grad_fn.backward_pass is not None
    assert y.grad_fn.next_functions[0][0].backward_pass is None  # only roots are stamped
    assert math.isclose(y.grad_fn.grad_summary.norm, 1.0)
