"""Op-table rows for ``ops/recurrent.py`` and ``ops/embedding.py`` (see ``optable.OpCase``).

One step of each fused recurrent cell (RNN tanh/relu, LSTM with and without a projection,
GRU), checked against the gate equations written out in NumPy, and the embedding lookups.
The cells take ``x`` wider than ``w_ih`` expects in some rows: they read its first
``input_size`` columns (how a stacked layer feeds the packed ``[h | c]`` state below it).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from optable import OpCase

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import embedding as em
from microtensor.ops import recurrent as rc

KINK = 1e-3
_side = st.integers(1, 3)


def _sig(z):
    return 1 / (1 + np.exp(-z))


@st.composite
def _cell_shapes(draw, gates: int, packed: bool = False, proj: bool = False,
                 bias: bool = True, wide: bool = False) -> tuple:
    b, i, h = draw(_side), draw(_side), draw(st.integers(1, 3))
    p = draw(st.integers(1, 2)) if proj else h
    extra = draw(st.integers(1, 2)) if wide else 0
    shapes = [(b, i + extra), (b, p + h if packed else h), (gates * h, i), (gates * h, p)]
    if bias:
        shapes += [(gates * h,), (gates * h,)]
    if proj:  # (with the biases: every row passes all its inputs positionally)
        shapes.append((p, h))
    return tuple(shapes)


def _affine(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    z = x[:, :w_ih.shape[1]] @ w_ih.T + h @ w_hh.T
    return z + (0 if b_ih is None else b_ih) + (0 if b_hh is None else b_hh)


def _rnn(nonlinearity):
    def fn(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        return rc.rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)
    return fn


def _rnn_ref(nonlinearity):
    def ref(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        z = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
        return np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0)
    return ref


def _relu_kink(x, h, w_ih, w_hh, b_ih=None, b_hh=None) -> bool:
    return bool(np.min(np.abs(_affine(x, h, w_ih, w_hh, b_ih, b_hh))) < KINK)


def _lstm_ref(x, s, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    n = w_hh.shape[0] // 4
    p = s.shape[1] - n
    z = _affine(x, s[:, :p], w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = _sig(z[:, :n]), _sig(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), _sig(z[:, 3 * n:])
    c = f * s[:, p:] + i * g
    h = o * np.tanh(c)
    if w_hr is not None:
        h = h @ w_hr.T
    return np.concatenate([h, c], 1)


def _gru_ref(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    n = w_hh.shape[0] // 3
    gx = x[:, :w_ih.shape[1]] @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    r, z = _sig(gx[:, :n] + gh[:, :n]), _sig(gx[:, n:2 * n] + gh[:, n:2 * n])
    m = np.tanh(gx[:, 2 * n:] + r * gh[:, 2 * n:])
    return (1 - z) * m + z * h


# --------------------------------------------------------------------------- embeddings


@st.composite
def _emb_shapes(draw) -> tuple:
    return ((draw(st.integers(2, 5)), draw(_side)),)


def _emb_params(shapes: tuple) -> st.SearchStrategy:
    n = shapes[0][0]
    idx = st.lists(st.integers(0, n - 1), min_size=1, max_size=6)
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, so no gradcheck
    # can pass with them: tests/test_rnn.py and the oracle check those.)
    return st.fixed_dictionaries({"idx": idx})


def _embedding(w, idx=(), padding_idx=None, scale_grad_by_freq=False):
    return F.embedding(mt.tensor(np.array(idx).reshape(-1, 1)), w, padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq)


def _embedding_ref(w, idx=(), **_):
    return w[np.array(idx).reshape(-1, 1)]


def _bag_params(shapes: tuple) -> st.SearchStrategy:
    n = shapes[0][0]
    return st.fixed_dictionaries({
        "idx": st.lists(st.integers(0, n - 1), min_size=1, max_size=6),
        "cut": st.integers(0, 6), "mode": st.sampled_from(("sum", "mean"))})


def _bag(w, idx=(), cut=0, mode="sum"):
    cut = min(cut, len(idx))
    return F.embedding_bag(mt.tensor(np.array(idx)), w, mt.tensor(np.array([0, cut])),
                           mode=mode)


def _bag_ref(w, idx=(), cut=0, mode="sum"):
    cut = min(cut, len(idx))
    rows = w[np.array(idx)]
    out = []
    for part in (rows[:cut], rows[cut:]):
        s = part.sum(axis=0)
        out.append(s / max(len(part), 1) if mode == "mean" else s)
    return np.stack(out)


CASES: list[OpCase] = [
    OpCase("rnn_cell(tanh)", _rnn("tanh"), _rnn_ref("tanh"), lambda: _cell_shapes(1),
           (rc.RNNCell,)),
    OpCase("rnn_cell(tanh, wide input, no bias)", _rnn("tanh"), _rnn_ref("tanh"),
           lambda: _cell_shapes(1, bias=False, wide=True), (rc.RNNCell,)),
    OpCase("rnn_cell(relu)", _rnn("relu"), _rnn_ref("relu"), lambda: _cell_shapes(1),
           (rc.RNNCell,), avoid=_relu_kink),
    OpCase("lstm_cell", rc.lstm_step, _lstm_ref, lambda: _cell_shapes(4, packed=True),
           (rc.LSTMCell,)),
    OpCase("lstm_cell(wide input)", rc.lstm_step, _lstm_ref,
           lambda: _cell_shapes(4, packed=True, wide=True), (rc.LSTMCell,)),
    OpCase("lstm_cell(proj_size)", rc.lstm_step, _lstm_ref,
           lambda: _cell_shapes(4, packed=True, proj=True), (rc.LSTMCell,)),
    OpCase("lstm_cell(frozen weights)", rc.lstm_step, _lstm_ref,
           lambda: _cell_shapes(4, packed=True), (rc.LSTMCell,), inputs_requiring_grad=(0, 1)),
    OpCase("gru_cell", rc.gru_step, _gru_ref, lambda: _cell_shapes(3), (rc.GRUCell,)),
    OpCase("gru_cell(wide input, no bias)", rc.gru_step, _gru_ref,
           lambda: _cell_shapes(3, bias=False, wide=True), (rc.GRUCell,)),
    OpCase("embedding", _embedding, _embedding_ref, _emb_shapes, (em.Embedding,),
           params=_emb_params),
    OpCase("embedding_bag", _bag, _bag_ref, _emb_shapes, (em.Embedding,), params=_bag_params),
]
