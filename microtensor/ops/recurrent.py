"""One recurrent step as one fused op: the RNN, LSTM and GRU cells.

An unrolled recurrent layer is a chain of these nodes, one per time step, so a drawing of
the graph shows one box per step and the gradient reaching each step is one node's output
gradient (what :mod:`microtensor.monitor_time` reads). Each Function computes the whole
cell in a few NumPy calls and hands back every gradient from one hand-derived backward;
a recorded backward (``create_graph=True``) differentiates the cell's ``composite``, the
same equations written with recorded ops.

The gates, with PyTorch's weight layout (gate blocks stacked along the rows of ``w_ih``
and ``w_hh``; ``x`` the input, ``h``/``c`` the previous state)::

    RNN   h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)                 act = tanh or relu
    LSTM  i, f, g, o = σ, σ, tanh, σ of (x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)   (row blocks i|f|g|o)
          c' = f ⊙ c + i ⊙ g          h' = o ⊙ tanh(c')    (then h' W_hrᵀ with proj_size)
    GRU   r, z = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), σ(... z ...)   (row blocks r|z|n)
          n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))     h' = (1 - z) ⊙ n + z ⊙ h

The LSTM's state is *packed*: one array ``[h | c]`` of shape ``(B, P + H)`` (``P`` is
``proj_size`` or ``H``), in and out, so a step has one input state and one output and the
chain stays one node per step. Every cell reads only the first ``I = w_ih.shape[1]``
columns of ``x``: a stacked layer can feed the packed state of the layer below straight in
(its ``h`` comes first) and its gradient gets zeros in the other columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import ShapeError
from ..tensor import Tensor, data_of

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "gru_cell", "gru_step", "lstm_cell", "lstm_step",
           "rnn_relu_cell", "rnn_step", "rnn_tanh_cell"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^-z), written back into ``z`` (a view into the gates' array).

    (Computed out of place, then copied: NumPy 2.4's in-place float32 ufuncs on such
    strided views were seen to write a wrong value into a neighbouring gate.)"""
    with np.errstate(over="ignore"):
        z[...] = 1 / (1 + np.exp(-z))
    return z


def _affine(x: np.ndarray, h: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
            b_ih: np.ndarray | None, b_hh: np.ndarray | None) -> np.ndarray:
    """x W_ihᵀ + h W_hhᵀ + b_ih + b_hh, a fresh array."""
    z = x @ w_ih.T
    z += h @ w_hh.T
    if b_ih is not None:
        z += b_ih
    if b_hh is not None:
        z += b_hh
    return z


def _input_grad(dz: np.ndarray, w_ih: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dL/dx = dz W_ih, with zeros for the columns of ``x`` the cell does not read."""
    dx = dz @ w_ih
    if x.shape[1] == dx.shape[1]:
        return dx
    out = np.zeros(x.shape, dx.dtype)
    out[:, :dx.shape[1]] = dx
    return out


def _col_sum(a: np.ndarray) -> np.ndarray:
    """Σ over the batch rows, as a vector-matrix product (BLAS beats NumPy's column sum)."""
    return np.ones(a.shape[0], a.dtype) @ a


def _param_grads(ctx: Any, dz: np.ndarray, dzh: np.ndarray, x: np.ndarray,
                 h: np.ndarray) -> tuple:
    """(dW_ih, dW_hh, db_ih, db_hh), each only when needed (``dzh``: the gradient of the
    hidden-side pre-activations, which differs from ``dz`` in the GRU)."""
    need = ctx.needs_input_grad
    return (dz.T @ x if need[2] else None, dzh.T @ h if need[3] else None,
            _col_sum(dz) if need[4] else None, _col_sum(dzh) if need[5] else None)


def _t_affine(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> Tensor:
    """:func:`_affine` with recorded ops (for the composites)."""
    z = x[:, :w_ih.shape[1]] @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        z = z + b_ih
    if b_hh is not None:
        z = z + b_hh
    return z


# --------------------------------------------------------------------------- RNN


class RNNCell(Function):
    """h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh);  dz = G ⊙ act'(z), dx = dz W_ih, dh = dz W_hh.

    ``act`` is tanh (``act' = 1 - h'²``) or relu (``act' = [h' > 0]``); dW_ih = dzᵀx,
    dW_hh = dzᵀh, db = Σ dz over the batch.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
        xi = x[:, :w_ih.shape[1]]
        z = _affine(xi, h, w_ih, w_hh, b_ih, b_hh)
        out = np.tanh(z, out=z) if nonlinearity == "tanh" else np.maximum(z, 0, out=z)
        ctx.nonlinearity = nonlinearity
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh, out)
        return out

    @staticmethod
    def composite(ctx, x, h, w_ih, w_hh, b_ih, b_hh, *_):
        """The forward with recorded ops, for gradients of gradients."""
        z = _t_affine(x, h, w_ih, w_hh, b_ih, b_hh)
        return z.tanh() if ctx.nonlinearity == "tanh" else z.relu()

    @staticmethod
    def backward(ctx, grad):
        x, h, w_ih, w_hh, _, _, out = ctx.saved_tensors
        if ctx.nonlinearity == "tanh":
            dz = grad * (1 - out * out)
        else:
            dz = grad * (out > 0)
        need = ctx.needs_input_grad
        dx = _input_grad(dz, w_ih, x) if need[0] else None
        dh = dz @ w_hh if need[1] else None
        return (dx, dh, *_param_grads(ctx, dz, dz, x[:, :w_ih.shape[1]], h))


# --------------------------------------------------------------------------- LSTM


class LSTMCell(Function):
    """[h'|c'] = LSTM([h|c]);  dc = G_c + G_h' ⊙ o ⊙ (1 - tanh²c'),  dc_prev = dc ⊙ f.

    With ``G_h'`` the gradient reaching ``h'`` (through ``W_hr`` first when projected:
    ``G_h' = G_h W_hr``, ``dW_hr = G_hᵀ (o ⊙ tanh c')``): the gates' pre-activation
    gradients are ``di = dc⊙g⊙i(1-i)``, ``df = dc⊙c⊙f(1-f)``, ``dg = dc⊙i⊙(1-g²)``,
    ``do = G_h'⊙tanh c'⊙o(1-o)``; stacked as ``dz``, ``dx = dz W_ih``, ``dh = dz W_hh``,
    ``dW_ih = dzᵀx``, ``dW_hh = dzᵀh``, ``db = Σ dz``. The cell state's own path,
    ``dc_prev = dc ⊙ f``, is the one that carries a gradient far back in time.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, state, w_ih, w_hh, b_ih, b_hh, w_hr):
        hidden = w_hh.shape[0] // 4
        p = state.shape[1] - hidden
        h, c = state[:, :p], state[:, p:]
        a = _affine(x[:, :w_ih.shape[1]], h, w_ih, w_hh, b_ih, b_hh)  # → the activated gates
        i, f, g, o = (a[:, k * hidden:(k + 1) * hidden] for k in range(4))
        _sigmoid(a[:, :2 * hidden])
        g[...] = np.tanh(g)
        _sigmoid(o)
        out = np.empty((a.shape[0], p + hidden), a.dtype)
        c_new = out[:, p:]
        np.multiply(f, c, out=c_new)
        c_new += i * g
        tc = np.tanh(c_new)
        hh = o * tc
        if w_hr is not None:
            np.matmul(hh, w_hr.T, out=out[:, :p])
        else:
            out[:, :p] = hh
        ctx.save_for_backward(x, state, w_ih, w_hh, b_ih, b_hh, w_hr, a, tc, hh)
        return out

    @staticmethod
    def composite(ctx, x, state, w_ih, w_hh, b_ih, b_hh, w_hr):
        """The forward with recorded ops, for gradients of gradients."""
        from .joining import cat

        hidden = w_hh.shape[0] // 4
        p = state.shape[1] - hidden
        z = _t_affine(x, state[:, :p], w_ih, w_hh, b_ih, b_hh)
        i, f = z[:, :hidden].sigmoid(), z[:, hidden:2 * hidden].sigmoid()
        g, o = z[:, 2 * hidden:3 * hidden].tanh(), z[:, 3 * hidden:].sigmoid()
        c = f * state[:, p:] + i * g
        h = o * c.tanh()
        if w_hr is not None:
            h = h @ w_hr.T
        return cat([h, c], 1)

    @staticmethod
    def backward(ctx, grad):
        x, state, w_ih, w_hh, _, _, w_hr, a, tc, hh = ctx.saved_tensors
        hidden = tc.shape[1]
        p = state.shape[1] - hidden
        h, c = state[:, :p], state[:, p:]
        i, f, g, o = (a[:, k * hidden:(k + 1) * hidden] for k in range(4))
        gh, gc = grad[:, :p], grad[:, p:]
        need = ctx.needs_input_grad
        dw_hr = None
        if w_hr is not None:
            dw_hr = gh.T @ hh if need[6] else None
            gh = gh @ w_hr
        dz = np.empty_like(a)
        d_o = dz[:, 3 * hidden:]
        np.multiply(gh, o, out=d_o)
        dc = d_o * (1 - tc * tc)  # (d_o holds G_h' ⊙ o for now)
        dc += gc
        np.multiply(d_o, tc, out=d_o)
        d_o *= 1 - o
        np.multiply(dc, g, out=dz[:, :hidden])
        dz[:, :hidden] *= i * (1 - i)
        np.multiply(dc, c, out=dz[:, hidden:2 * hidden])
        dz[:, hidden:2 * hidden] *= f * (1 - f)
        np.multiply(dc, i, out=dz[:, 2 * hidden:3 * hidden])
        dz[:, 2 * hidden:3 * hidden] *= 1 - g * g
        dx = _input_grad(dz, w_ih, x) if need[0] else None
        dstate = None
        if need[1]:
            dstate = np.empty(state.shape, dz.dtype)
            np.matmul(dz, w_hh, out=dstate[:, :p])
            np.multiply(dc, f, out=dstate[:, p:])
        return (dx, dstate, *_param_grads(ctx, dz, dz, x[:, :w_ih.shape[1]], h), dw_hr)


# --------------------------------------------------------------------------- GRU


class GRUCell(Function):
    """h' = (1 - z) ⊙ n + z ⊙ h;  dn = G(1-z)(1-n²), dz = G(h-n)z(1-z), dr = dn⊙(hW_hnᵀ+b_hn)r(1-r).

    The input side gets ``[dr | dz | dn]`` and the hidden side ``[dr | dz | dn ⊙ r]`` (the
    reset gate multiplies only the hidden part of ``n``), so ``dW_ih = [dr|dz|dn]ᵀx``,
    ``dW_hh = [dr|dz|dn⊙r]ᵀh``, ``dh = [dr|dz|dn⊙r] W_hh + G ⊙ z``.
    """

    twice_differentiable = False  # recorded through its composite (below)

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh):
        hidden = w_hh.shape[0] // 3
        gx = x[:, :w_ih.shape[1]] @ w_ih.T
        if b_ih is not None:
            gx += b_ih
        gh = h @ w_hh.T
        if b_hh is not None:
            gh += b_hh
        rz = gx[:, :2 * hidden]
        rz += gh[:, :2 * hidden]
        _sigmoid(rz)
        r, z = rz[:, :hidden], rz[:, hidden:]
        hn = gh[:, 2 * hidden:]
        n = gx[:, 2 * hidden:]
        n += r * hn
        n[...] = np.tanh(n)
        out = n + z * (h - n)
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh, gx, hn)
        return out

    @staticmethod
    def composite(ctx, x, h, w_ih, w_hh, b_ih, b_hh):
        """The forward with recorded ops, for gradients of gradients."""
        hidden = w_hh.shape[0] // 3
        gx = x[:, :w_ih.shape[1]] @ w_ih.T
        if b_ih is not None:
            gx = gx + b_ih
        gh = h @ w_hh.T
        if b_hh is not None:
            gh = gh + b_hh
        rz = (gx[:, :2 * hidden] + gh[:, :2 * hidden]).sigmoid()
        r, z = rz[:, :hidden], rz[:, hidden:]
        n = (gx[:, 2 * hidden:] + r * gh[:, 2 * hidden:]).tanh()
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, grad):
        x, h, w_ih, w_hh, _, _, acts, hn = ctx.saved_tensors
        hidden = hn.shape[1]
        r, z, n = acts[:, :hidden], acts[:, hidden:2 * hidden], acts[:, 2 * hidden:]
        dgx = np.empty_like(acts)
        dn = dgx[:, 2 * hidden:]
        np.multiply(grad, 1 - z, out=dn)
        dn *= 1 - n * n
        np.multiply(grad, h - n, out=dgx[:, hidden:2 * hidden])
        dgx[:, hidden:2 * hidden] *= z * (1 - z)
        np.multiply(dn, hn, out=dgx[:, :hidden])
        dgx[:, :hidden] *= r * (1 - r)
        dgh = dgx.copy()
        dgh[:, 2 * hidden:] *= r
        need = ctx.needs_input_grad
        dx = _input_grad(dgx, w_ih, x) if need[0] else None
        dh = None
        if need[1]:
            dh = dgh @ w_hh
            dh += grad * z
        return (dx, dh, *_param_grads(ctx, dgx, dgh, x[:, :w_ih.shape[1]], h))


# --------------------------------------------------------------------------- public functions


def _check(x: Tensor, state: Tensor, w_ih: Tensor, w_hh: Tensor, gates: int,
           state_width: int, op: str) -> None:
    xs, ss = data_of(x).shape, data_of(state).shape
    wi, wh = data_of(w_ih).shape, data_of(w_hh).shape
    if len(xs) != 2 or len(ss) != 2 or xs[0] != ss[0]:
        raise ShapeError(f"{op}: expected input (batch, input_size) and state (batch, "
                         f"{state_width}), got shapes {xs} and {ss}")
    if len(wi) != 2 or len(wh) != 2 or wi[0] != wh[0] or wi[0] % gates:
        raise ShapeError(f"{op}: expected w_ih ({gates}·hidden, input_size) and w_hh "
                         f"({gates}·hidden, proj_or_hidden), got shapes {wi} and {wh}")
    if xs[1] < wi[1]:
        raise ShapeError(f"{op}: input has {xs[1]} features, w_ih expects {wi[1]} "
                         f"(shape {wi})")
    if ss[1] != state_width:
        raise ShapeError(f"{op}: expected a state of width {state_width}, got shape {ss}")


def rnn_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, nonlinearity: str = "tanh") -> Tensor:
    """One Elman RNN step, ``(B, ≥I)``, ``(B, H)`` → ``(B, H)`` (one node)."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn: unknown nonlinearity {nonlinearity!r}, expected 'tanh' or "
                         "'relu'")
    _check(x, h, w_ih, w_hh, 1, data_of(w_hh).shape[1], "rnn_cell")
    return RNNCell.apply(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)


def lstm_step(x: Tensor, state: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None, w_hr: Tensor | None = None) -> Tensor:
    """One LSTM step on the packed state ``[h | c]``: ``(B, ≥I)``, ``(B, P + H)`` →
    ``(B, P + H)`` (one node)."""
    hidden = data_of(w_hh).shape[0] // 4
    _check(x, state, w_ih, w_hh, 4, data_of(w_hh).shape[1] + hidden, "lstm_cell")
    return LSTMCell.apply(x, state, w_ih, w_hh, b_ih, b_hh, w_hr)


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step, ``(B, ≥I)``, ``(B, H)`` → ``(B, H)`` (one node)."""
    _check(x, h, w_ih, w_hh, 3, data_of(w_hh).shape[1], "gru_cell")
    return GRUCell.apply(x, h, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``torch.rnn_tanh_cell``: ``tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``."""
    return rnn_step(input, hx, w_ih, w_hh, b_ih, b_hh, "tanh")


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``torch.rnn_relu_cell``: ``relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``."""
    return rnn_step(input, hx, w_ih, w_hh, b_ih, b_hh, "relu")


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,  # noqa: A002
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``torch.lstm_cell``: ``(h', c')`` from ``hx = (h, c)``."""
    from .joining import cat

    h, c = hx
    hidden = data_of(c).shape[-1]
    p = data_of(h).shape[-1]
    out = lstm_step(input, cat([h, c], 1), w_ih, w_hh, b_ih, b_hh)
    return out[:, :p], out[:, p:p + hidden]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``torch.gru_cell``: one GRU step."""
    return gru_step(input, hx, w_ih, w_hh, b_ih, b_hh)
