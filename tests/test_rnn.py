"""Recurrent layers, embeddings, sequence packing and the gradient through time.

The fused cells are gradchecked row by row in ``tests/cases_recurrent.py`` and compared
with PyTorch in ``tests/oracle/test_rnn_vs_torch.py``; here: shapes and options, the graph
(one node per step), second derivatives through a whole layer, errors, the monitor.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.func import functional_call
from microtensor.gradcheck import gradcheck, gradgradcheck
from microtensor.monitor import GradientMonitor
from microtensor.monitor_time import gradient_through_time, time_findings
from microtensor.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
)


def _count(t: mt.Tensor, name: str) -> int:
    seen, stack, n = set(), [t.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "next_functions"):
            continue
        seen.add(id(node))
        n += node.name() == name
        stack += [e for e, _ in node.next_functions]
    return n


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_shapes(kind, bidirectional, batch_first):
    m = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=bidirectional,
                          batch_first=batch_first)
    x = mt.randn(4, 6, 3)  # (L, N) or (N, L)
    out, h = m(x)
    d = 2 if bidirectional else 1
    assert tuple(out.shape) == (4, 6, d * 5)
    for s in (h if kind == "LSTM" else (h,)):
        assert tuple(s.shape) == (2 * d, 6 if not batch_first else 4, 5)
    out1, _ = m(x[0] if not batch_first else x[:, 0])  # unbatched
    assert out1.ndim == 2


def test_lstm_proj_size_shapes_and_names():
    m = nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_hr_l0"]
    assert "weight_hr_l1_reverse" in names
    assert tuple(m.weight_ih_l1.shape) == (24, 4) and tuple(m.weight_hh_l0.shape) == (24, 2)
    out, (h, c) = m(mt.randn(5, 2, 3))
    assert tuple(out.shape) == (5, 2, 4) and tuple(h.shape) == (4, 2, 2)
    assert tuple(c.shape) == (4, 2, 6)


def test_one_node_per_step():
    m = nn.LSTM(3, 4, num_layers=2)
    out, _ = m(mt.randn(7, 2, 3))
    assert _count(out.sum(), "LSTMCellBackward0") == 14
    g = nn.GRU(3, 4)
    assert _count(g(mt.randn(7, 2, 3))[0].sum(), "GRUCellBackward0") == 7


def test_float32_stays_float32():
    m = nn.LSTM(3, 4, bidirectional=True)
    out, (h, c) = m(mt.randn(5, 2, 3))
    assert out.dtype == mt.float32 and c.dtype == mt.float32
    out.sum().backward()
    assert m.weight_hh_l0.grad.dtype == mt.float32


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_layer_gradgradcheck(kind):
    mt.manual_seed(0)
    m = getattr(nn, kind)(2, 2, dtype=mt.float64)
    x = mt.randn(3, 1, 2, dtype=mt.float64, requires_grad=True)
    w = m.weight_hh_l0

    def f(x, w):
        return functional_call(m, {"weight_hh_l0": w}, (x,))[0]

    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))


def test_packed_equals_per_sequence():
    mt.manual_seed(1)
    m = nn.GRU(2, 3, num_layers=2, bidirectional=True)
    seqs = [mt.randn(n, 2) for n in (2, 5, 3)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    out, h = m(packed)
    padded, lengths = pad_packed_sequence(out, batch_first=True)
    assert lengths.tolist() == [2, 5, 3]
    for i, s in enumerate(seqs):
        alone, h1 = m(s)
        np.testing.assert_allclose(padded[i, :s.shape[0]].detach().numpy(),
                                   alone.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(h[:, i].detach().numpy(), h1.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        assert np.all(padded[i, s.shape[0]:].detach().numpy() == 0)


def test_pad_and_pack():
    a, b = mt.tensor([[1.0], [2.0], [3.0]]), mt.tensor([[4.0]])
    assert pad_sequence([a, b], batch_first=True, padding_value=-1).squeeze(-1).tolist() == \
        [[1, 2, 3], [4, -1, -1]]
    assert pad_sequence([a, b], padding_side="left").squeeze(-1).tolist() == \
        [[1, -0.0], [2, 0], [3, 4]]
    p = pack_padded_sequence(pad_sequence([a, b]), [3, 1])
    assert isinstance(p, PackedSequence)
    assert p.batch_sizes.tolist() == [2, 1, 1] and p.data.squeeze(-1).tolist() == [1, 4, 2, 3]
    assert [s.squeeze(-1).tolist() for s in unpack_sequence(p)] == [[1, 2, 3], [4]]
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(pad_sequence([b, a]), [1, 3])


def test_cells():
    x = mt.randn(4, 3)
    assert tuple(nn.RNNCell(3, 5, nonlinearity="relu")(x).shape) == (4, 5)
    assert tuple(nn.GRUCell(3, 5)(x[0]).shape) == (5,)
    h, c = nn.LSTMCell(3, 5, bias=False)(x)
    assert tuple(h.shape) == (4, 5) == tuple(c.shape)


def test_errors():
    with pytest.raises(ValueError, match="input_size. Expected 3, got 4"):
        nn.LSTM(3, 4)(mt.randn(2, 1, 4))
    with pytest.raises(ValueError, match="h_0 of shape"):
        nn.LSTM(3, 4)(mt.randn(2, 1, 3), (mt.zeros(2, 1, 4), mt.zeros(1, 1, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size must be smaller"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="sparse=True"):
        nn.Embedding(3, 2, sparse=True)
    with pytest.raises(IndexError, match="out of range"):
        nn.Embedding(3, 2)(mt.tensor([3]))


def test_embedding_options():
    e = nn.Embedding(5, 2, padding_idx=1)
    assert e.weight[1].tolist() == [0, 0]
    idx = mt.tensor([1, 2, 2, 4])
    e(idx).sum().backward()
    assert e.weight.grad[1].tolist() == [0, 0] and e.weight.grad[2].tolist() == [2, 2]
    s = nn.Embedding(5, 2, scale_grad_by_freq=True)
    s(idx).sum().backward()
    assert s.weight.grad[2].tolist() == [1, 1]
    m = nn.Embedding(5, 3, max_norm=1.0)
    m(idx)
    norms = np.linalg.norm(m.weight.detach().numpy()[[1, 2, 4]], axis=1)
    assert np.all(norms <= 1.0 + 1e-6)
    f = nn.Embedding.from_pretrained(mt.eye(3), freeze=False)
    assert f.weight.requires_grad and f(mt.tensor([2])).tolist() == [[0, 0, 1]]
    bag = nn.EmbeddingBag(5, 2, mode="sum")
    out = bag(mt.tensor([0, 1, 2, 3]), mt.tensor([0, 3]))
    np.testing.assert_allclose(out.detach().numpy()[1], bag.weight.detach().numpy()[3])


def test_gradient_through_time_vanishes_for_rnn():
    mt.manual_seed(0)
    rnn = nn.RNN(4, 8)
    with mt.no_grad():
        rnn.weight_hh_l0.mul_(0.3)
    norms = gradient_through_time(rnn, mt.randn(30, 2, 4))
    assert norms.shape == (30,) and norms[-1] > 100 * norms[0]
    (finding,) = time_findings(norms, "rnn")
    assert finding.kind == "vanishing_through_time" and "LSTM" in finding.message
    big = time_findings(norms[::-1].copy(), "rnn")
    assert big[0].kind == "exploding_through_time" and "clip" in big[0].message.lower()


def test_gradient_monitor_reports_time():
    mt.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(3, 6, batch_first=True)
            self.head = nn.Linear(6, 1)

        def forward(self, x):
            return self.head(self.rnn(x)[0][:, -1])

    net = Net()
    with mt.no_grad():
        net.rnn.weight_hh_l0.mul_(0.1)
        net.rnn.weight_ih_l0.mul_(0.1)
    mon = GradientMonitor(net)
    for _ in range(2):
        net(mt.randn(4, 25, 3)).sum().backward()
        mon.step()
    assert len(mon.time.history["rnn"]) == 2 and mon.time.history["rnn"][0].shape == (25,)
    assert any(f.kind == "vanishing_through_time" and f.layer == "rnn" for f in mon.diagnose())
    mon.remove()


def test_dropout_between_layers_only_in_training():
    mt.manual_seed(0)
    m = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = mt.randn(4, 2, 3)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        single = nn.LSTM(3, 8, dropout=0.5)  # one layer: nothing between layers to drop
    np.testing.assert_array_equal(single(x)[0].detach().numpy(), single(x)[0].detach().numpy())
