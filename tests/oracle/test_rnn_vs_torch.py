"""Recurrent layers, embeddings and sequence packing against PyTorch (CPU, float64).

Each torch module's state dict is loaded into the microtensor module of the same name and
arguments; outputs, final states and the gradients of every parameter, the input and the
initial states must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.nn.utils import rnn as mrnn

torch.set_default_dtype(torch.float64)
RNG = np.random.default_rng(17)


def _pair(mt_cls, torch_cls, *args, **kwargs):
    t = torch_cls(*args, **kwargs).double()
    m = mt_cls(*args, **kwargs, dtype=mt.float64)
    assert [k for k, _ in m.named_parameters()] == [k for k, _ in t.named_parameters()]
    m.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return m, t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    if hasattr(out, "data") and hasattr(out, "batch_sizes"):
        return [out.data]
    return [out]


def _compare(m, t, inputs, call=None):
    """Run both on the same float64 inputs (tuples nest), backprop the same random weights
    of every output, compare outputs and all gradients."""
    call = call or (lambda mod, *a: mod(*a))
    mi = [None if a is None else mt.tensor(a, requires_grad=True) if not isinstance(a, tuple)
          else tuple(mt.tensor(x, requires_grad=True) for x in a) for a in inputs]
    ti = [None if a is None else torch.tensor(a, requires_grad=True) if not isinstance(a, tuple)
          else tuple(torch.tensor(x, requires_grad=True) for x in a) for a in inputs]
    mo, to = _flat(call(m, *mi)), _flat(call(t, *ti))
    assert len(mo) == len(to)
    loss_m, loss_t = 0, 0
    for a, b in zip(mo, to):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-10)
        w = RNG.standard_normal(tuple(b.shape))
        loss_m = loss_m + (a * mt.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_m.backward()
    loss_t.backward()
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)
    for a, b in zip(_flat(mi), _flat(ti)):
        if a is not None and b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


LAYERS = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "num_layers": 2, "batch_first": True}),
    ("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 2, "num_layers": 2}), ("LSTM", {"bias": False, "batch_first": True}),
    ("LSTM", {"proj_size": 3, "bidirectional": True}),
    ("GRU", {}), ("GRU", {"num_layers": 3, "bidirectional": True, "bias": False}),
]


@pytest.mark.parametrize(("kind", "kwargs"), LAYERS, ids=[f"{k}{v}" for k, v in LAYERS])
@pytest.mark.parametrize("state", [False, True])
def test_layer_matches_torch(kind, kwargs, state):
    m, t = _pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, **kwargs)
    steps, batch = 5, 2
    shape = (batch, steps, 3) if kwargs.get("batch_first") else (steps, batch, 3)
    x = RNG.standard_normal(shape)
    d = 2 if kwargs.get("bidirectional") else 1
    n = d * kwargs.get("num_layers", 1)
    p = kwargs.get("proj_size") or 4
    hx = None
    if state:
        hx = RNG.standard_normal((n, batch, p))
        if kind == "LSTM":
            hx = (hx, RNG.standard_normal((n, batch, 4)))
    _compare(m, t, [x, hx])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_matches_torch(kind):
    m, t = _pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, num_layers=2)
    hx = RNG.standard_normal((2, 4))
    _compare(m, t, [RNG.standard_normal((6, 3)), (hx, hx + 1) if kind == "LSTM" else hx])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_matches_torch(kind, bidirectional):
    m, t = _pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, num_layers=2,
                 bidirectional=bidirectional)
    x = RNG.standard_normal((5, 4, 3))
    lengths = [3, 5, 1, 4]

    def call(mod, x, h):
        lib = mrnn if isinstance(mod, nn.Module) else torch.nn.utils.rnn
        packed = lib.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, h_n = mod(packed, h)
        padded, _ = lib.pad_packed_sequence(out)
        return padded, h_n

    d = 2 if bidirectional else 1
    hx = RNG.standard_normal((2 * d, 4, 4))
    _compare(m, t, [x, (hx, hx * 0.5) if kind == "LSTM" else hx], call)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_matches_torch(kind, batched):
    m, t = _pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 5)
    lead = (2,) if batched else ()
    h = RNG.standard_normal(lead + (5,))
    _compare(m, t, [RNG.standard_normal(lead + (3,)),
                    (h, h - 0.3) if kind == "LSTMCell" else h])


def test_default_init_follows_torch_rule():
    m = nn.LSTM(3, 16, num_layers=2, proj_size=4)
    for name, p in m.named_parameters():
        assert np.abs(p.detach().numpy()).max() <= 0.25, name
        assert np.abs(p.detach().numpy()).max() > 0.2, name  # spread over the whole range


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True},
                                    {"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0}])
def test_embedding_matches_torch(kwargs):
    m, t = _pair(nn.Embedding, torch.nn.Embedding, 7, 3, **kwargs)
    idx = np.array([[1, 2, 2], [0, 6, 1]])
    mo, to = m(mt.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy())
    w = RNG.standard_normal(tuple(to.shape))
    (mo * mt.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy())
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy())


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_matches_torch(mode, padding_idx):
    m, t = _pair(nn.EmbeddingBag, torch.nn.EmbeddingBag, 7, 3, mode=mode,
                 padding_idx=padding_idx)
    flat, off = np.array([1, 2, 4, 5, 4, 3, 2, 6]), np.array([0, 2, 2, 5])
    psw = RNG.standard_normal(8) if mode == "sum" else None
    mp = None if psw is None else mt.tensor(psw, requires_grad=True)
    tp = None if psw is None else torch.tensor(psw, requires_grad=True)
    mo = m(mt.tensor(flat), mt.tensor(off), per_sample_weights=mp)
    to = t(torch.tensor(flat), torch.tensor(off), per_sample_weights=tp)
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy())
    w = RNG.standard_normal(tuple(to.shape))
    (mo * mt.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy())
    if psw is not None:
        np.testing.assert_allclose(mp.grad.numpy(), tp.grad.numpy())
    bag2 = RNG.integers(0, 7, (3, 4))
    np.testing.assert_allclose(m(mt.tensor(bag2)).detach().numpy(),
                               t(torch.tensor(bag2)).detach().numpy())


def test_from_pretrained_and_functional():
    w = RNG.standard_normal((5, 2))
    m = nn.Embedding.from_pretrained(mt.tensor(w))
    assert not m.weight.requires_grad
    np.testing.assert_allclose(m(mt.tensor([3])).numpy(), w[[3]])
    idx = np.array([0, 4, 4])
    np.testing.assert_allclose(F.embedding(mt.tensor(idx), mt.tensor(w)).numpy(),
                               torch.nn.functional.embedding(torch.tensor(idx),
                                                             torch.tensor(w)).numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    seqs = [RNG.standard_normal((n, 2)) for n in (3, 1, 4)]
    a = mrnn.pad_sequence([mt.tensor(s) for s in seqs], batch_first, -1.0, side)
    b = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, -1.0,
                                        side)
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_pack_sequence_round_trip_matches_torch():
    seqs = [RNG.standard_normal((n, 2)) for n in (2, 4, 3)]
    a = mrnn.pack_sequence([mt.tensor(s) for s in seqs], enforce_sorted=False)
    b = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_allclose(a.data.numpy(), b.data.numpy())
    np.testing.assert_array_equal(a.batch_sizes.numpy(), b.batch_sizes.numpy())
    np.testing.assert_array_equal(a.sorted_indices.numpy(), b.sorted_indices.numpy())
    for x, y in zip(mrnn.unpack_sequence(a), torch.nn.utils.rnn.unpack_sequence(b)):
        np.testing.assert_allclose(x.numpy(), y.numpy())
    pa, la = mrnn.pad_packed_sequence(a, batch_first=True, padding_value=9.0, total_length=6)
    pb, lb = torch.nn.utils.rnn.pad_packed_sequence(b, batch_first=True, padding_value=9.0,
                                                    total_length=6)
    np.testing.assert_allclose(pa.numpy(), pb.numpy())
    np.testing.assert_array_equal(la.numpy(), lb.numpy())
