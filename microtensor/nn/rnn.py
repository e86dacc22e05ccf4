"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's constructor arguments and parameter names.

A layer unrolls its cell over time, one fused node per step (:mod:`microtensor.ops.recurrent`
has the gates' equations and their backward), so the graph of an LSTM over 20 steps has 20
``LSTMCellBackward0`` boxes per layer and direction, and the gradient that reaches step
``t`` is the output gradient of the ``t``-th node (what ``microtensor.monitor_time`` plots).

Parameters, per layer ``k`` (and ``_reverse`` for the backward direction), PyTorch's names
and shapes so that state dicts load either way (``G`` = 1, 4, 3 gates for RNN, LSTM, GRU)::

    weight_ih_l{k}  (G·hidden_size, input_size or D·P)     bias_ih_l{k}  (G·hidden_size,)
    weight_hh_l{k}  (G·hidden_size, P)                     bias_hh_l{k}  (G·hidden_size,)
    weight_hr_l{k}  (proj_size, hidden_size)               LSTM with proj_size > 0 only

with ``P = proj_size or hidden_size`` and ``D = 2`` if bidirectional. Every one starts
U(-1/√hidden_size, 1/√hidden_size), PyTorch's rule.

Shapes (``L`` = sequence length, ``N`` = batch): input ``(L, N, H_in)`` (``(N, L, H_in)``
with ``batch_first=True``; ``(L, H_in)`` unbatched) or a ``PackedSequence``; states
``(D·num_layers, N, ·)`` (never batch-first). Output ``(L, N, D·P)``, and ``h_n``
(``(h_n, c_n)`` for the LSTM).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..creation import empty, zeros
from ..errors import ShapeError
from ..ops import recurrent as R
from ..ops.activation import dropout as _dropout
from ..ops.joining import cat, stack
from ..tensor import Tensor
from . import init
from .linear import _check_size, _factory_dtype
from .module import Module
from .parameter import Parameter
from .utils_rnn import PackedSequence

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _reset_uniform(module: Module) -> None:
    """PyTorch's recurrent init: every parameter U(-1/√hidden_size, 1/√hidden_size)."""
    bound = 1 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class _StepHandle:
    def __init__(self, hooks: list, fn: Any) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class RNNBase(Module):
    """The common layer: parameters, checks, and the unrolling (see the module docstring)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        d = _factory_dtype(device, dtype, name)
        self.mode = mode
        self.input_size = _check_size(input_size, "input_size", name)
        self.hidden_size = _check_size(hidden_size, "hidden_size", name)
        self.num_layers = _check_size(num_layers, "num_layers", name)
        if self.num_layers < 1 or self.hidden_size < 1:
            raise ValueError(f"{name}: hidden_size and num_layers must be at least 1, got "
                             f"{hidden_size} and {num_layers}")
        if not (isinstance(dropout, (int, float)) and 0 <= dropout <= 1) \
                or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        self.proj_size = _check_size(proj_size, "proj_size", name)
        if self.proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size is an LSTM argument, got proj_size={proj_size}")
        if self.proj_size >= self.hidden_size and self.proj_size:
            raise ValueError(f"{name}: proj_size must be smaller than hidden_size, got "
                             f"{proj_size} >= {hidden_size}")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        gate_size = _GATES[mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            for direction in range(directions):
                width = self.input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gate_size, width), "weight_hh": (gate_size, real_hidden)}
                if self.bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                names = []
                for base, shape in shapes.items():
                    setattr(self, base + suffix, Parameter(empty(*shape, dtype=d)))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def register_step_hook(self, fn: Any) -> _StepHandle:
        """Call ``fn(module, k, states)`` after each forward of layer-direction ``k``
        (``k = layer · num_directions + direction``), with its per-step output states in
        time order (``[h | c]`` for the LSTM). ``microtensor.monitor_time`` uses it to hook
        the gradient reaching each step. Returns a handle whose ``remove()`` undoes it."""
        hooks = self.__dict__.setdefault("_step_hooks", [])
        hooks.append(fn)
        return _StepHandle(hooks, fn)

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch packs the weights for cuDNN; there is nothing to pack here)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, n) for n in self._flat_weights_names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ------------------------------------------------------------------ the unrolling

    def _step(self, x: Tensor, state: Tensor, k: int) -> Tensor:
        """One step of layer-direction ``k`` (one node)."""
        w = self.all_weights[k]
        if self.mode == "LSTM":
            b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
            return R.lstm_step(x, state, w[0], w[1], b_ih, b_hh, w[-1] if self.proj_size else None)
        if self.mode == "GRU":
            return R.gru_step(x, state, *w)
        return R.rnn_step(x, state, *w[:4], nonlinearity="tanh" if self.mode == "RNN_TANH"
                          else "relu")

    def _direction(self, xs: list[Tensor], sizes: list[int], h0: Tensor, k: int,
                   reverse: bool) -> tuple[list[Tensor], Tensor]:
        """Run one direction over the steps; a packed batch shrinks as sequences end
        (``sizes``, non-increasing): the forward pass drops finished rows, keeping each as
        its final state, the reverse pass adds rows as it reaches their last step."""
        steps = len(xs)
        outs: list[Any] = [None] * steps
        if not reverse:
            state, finals = h0, []
            for t in range(steps):
                b = sizes[t]
                if b < state.shape[0]:
                    finals.append(state[b:])
                    state = state[:b]
                state = self._step(xs[t], state, k)
                outs[t] = state
            finals.append(state)
            last = finals[0] if len(finals) == 1 else cat(finals[::-1], 0)
            return outs, last
        state = h0[:sizes[-1]] if sizes and sizes[-1] < h0.shape[0] else h0
        for t in range(steps - 1, -1, -1):
            b = sizes[t]
            if b > state.shape[0]:
                state = cat([state, h0[state.shape[0]:b]], 0)
            state = self._step(xs[t], state, k)
            outs[t] = state
        return outs, state

    def _initial(self, hx: Any, batch: int, dtype: Any) -> list[Tensor]:
        """The initial (packed, for the LSTM) state of each layer-direction."""
        directions = 2 if self.bidirectional else 1
        n = self.num_layers * directions
        p = self.proj_size or self.hidden_size
        width = p + self.hidden_size if self.mode == "LSTM" else p
        if hx is None:
            z = zeros(batch, width, dtype=dtype)
            return [z] * n
        if self.mode == "LSTM":
            h, c = hx
            self._check_state(h, (n, batch, p), "h_0")
            self._check_state(c, (n, batch, self.hidden_size), "c_0")
            return [cat([h[k], c[k]], 1) for k in range(n)]
        self._check_state(hx, (n, batch, p), "hx")
        return [hx[k] for k in range(n)]

    def _check_state(self, h: Tensor, want: tuple, what: str) -> None:
        if not isinstance(h, Tensor):
            raise TypeError(f"{type(self).__name__}: {what} must be a Tensor, got "
                            f"{type(h).__name__}")
        if tuple(h.shape) != want:
            raise ShapeError(f"{type(self).__name__}: expected {what} of shape {want} "
                             f"(num_layers·num_directions, batch, hidden), got {tuple(h.shape)}")

    def _run(self, xs: list[Tensor], sizes: list[int], hx: Any,
             dtype: Any) -> tuple[list[Tensor], list[Tensor]]:
        """Every layer over the per-step inputs: the last layer's per-step outputs (one per
        direction, ``[h | c]`` for the LSTM) and each layer-direction's final state."""
        directions = 2 if self.bidirectional else 1
        p = self.proj_size or self.hidden_size
        states = self._initial(hx, sizes[0] if sizes else 0, dtype)
        finals: list[Tensor] = []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                xs = [_dropout(x, self.dropout, True) for x in xs]
            runs = []
            for d in range(directions):
                k = layer * directions + d
                outs, last = self._direction(xs, sizes, states[k], k, reverse=d == 1)
                for hook in self.__dict__.get("_step_hooks", ()):
                    hook(self, k, outs)
                runs.append(outs)
                finals.append(last)
            if directions == 1:
                xs = runs[0]
            else:  # the next layer reads [h_forward | h_backward] at each step
                lstm = self.mode == "LSTM"
                xs = [cat([f[:, :p] if lstm else f, b[:, :p] if lstm else b], 1)
                      for f, b in zip(*runs)]
        return xs, finals

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:  # noqa: A002
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got "
                            f"{type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ShapeError(f"{name}: expected a 2-D (unbatched) or 3-D input, got shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {input.shape[-1]}")
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)  # noqa: A001
            hx = self._map_state(hx, lambda h: h.unsqueeze(1), 2)
        elif self.batch_first:
            input = input.transpose(0, 1)  # noqa: A001
        steps, batch = input.shape[0], input.shape[1]
        xs = list(input.unbind(0))
        outs, finals = self._run(xs, [batch] * steps, hx, input.dtype)
        out = stack(outs, 0) if outs else zeros(0, batch, self._width(), dtype=input.dtype)
        if not self.bidirectional:  # (the two directions' h were joined step by step)
            out = self._output(out)
        h_n = self._final_states(finals)
        if unbatched:
            return out.squeeze(1), self._map_state(h_n, lambda h: h.squeeze(1), 3)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, h_n

    def _map_state(self, hx: Any, fn: Any, ndim: int) -> Any:
        if hx is None:
            return None
        if self.mode == "LSTM":
            h, c = hx
            if h.ndim != ndim or c.ndim != ndim:
                raise ShapeError(f"LSTM: for a {'un' if ndim == 2 else ''}batched input, h_0 "
                                 f"and c_0 should be {ndim}-D, got shapes {tuple(h.shape)} and "
                                 f"{tuple(c.shape)}")
            return fn(h), fn(c)
        if hx.ndim != ndim:
            raise ShapeError(f"{type(self).__name__}: for a {'un' if ndim == 2 else ''}batched "
                             f"input, hx should be {ndim}-D, got shape {tuple(hx.shape)}")
        return fn(hx)

    def _width(self) -> int:
        p = self.proj_size or self.hidden_size
        return p + self.hidden_size if self.mode == "LSTM" else p

    def _output(self, out: Tensor) -> Tensor:
        """``h`` out of the LSTM's stacked ``[h | c]`` (a single direction's outputs)."""
        if self.mode == "LSTM":
            return out[..., :self.proj_size or self.hidden_size]
        return out

    def _final_states(self, finals: list[Tensor]) -> Any:
        if self.mode != "LSTM":
            return stack(finals, 0)
        p = self.proj_size or self.hidden_size
        both = stack(finals, 0)
        return both[..., :p], both[..., p:]

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple[Any, Any]:
        """A PackedSequence: step ``t`` runs on the ``batch_sizes[t]`` sequences still going."""
        data, sizes = packed.data, [int(b) for b in packed.batch_sizes.tolist()]
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ShapeError(f"{type(self).__name__}: packed data should have shape (*, "
                             f"{self.input_size}), got {tuple(data.shape)}")
        sort, unsort = packed.sorted_indices, packed.unsorted_indices
        if hx is not None and sort is not None:
            hx = self._map_state(hx, lambda h: h.index_select(1, sort), 3)
        xs, start = [], 0
        for b in sizes:
            xs.append(data[start:start + b])
            start += b
        outs, finals = self._run(xs, sizes, hx, data.dtype)
        out = cat(outs, 0)
        if not self.bidirectional:
            out = self._output(out)
        h_n = self._final_states(finals)
        if unsort is not None:
            h_n = self._map_state(h_n, lambda h: h.index_select(1, unsort), 3)
        return PackedSequence(out, packed.batch_sizes, sort, unsort), h_n


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)``, ``act`` = tanh or relu.

    Args: ``input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False`` (PyTorch's, also positionally).
    ``forward(input, hx=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}, expected 'tanh' or "
                             "'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + ", nonlinearity='relu'"


class LSTM(RNNBase):
    """Long short-term memory (gates in :mod:`microtensor.ops.recurrent`).

    Args: ``input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0``. ``forward(input, (h_0, c_0)=None)``
    returns ``(output, (h_n, c_n))``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates in :mod:`microtensor.ops.recurrent`).

    Args: ``input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False``. ``forward(input, hx=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)


# --------------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """One step: ``weight_ih (G·hidden, input_size)``, ``weight_hh (G·hidden, hidden)``,
    ``bias_ih``, ``bias_hh`` (PyTorch's names), all U(-1/√hidden, 1/√hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        d = _factory_dtype(device, dtype, name)
        self.input_size = _check_size(input_size, "input_size", name)
        self.hidden_size = _check_size(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        self.weight_ih = Parameter(empty(gates * self.hidden_size, self.input_size, dtype=d))
        self.weight_hh = Parameter(empty(gates * self.hidden_size, self.hidden_size, dtype=d))
        if bias:
            self.bias_ih = Parameter(empty(gates * self.hidden_size, dtype=d))
            self.bias_hh = Parameter(empty(gates * self.hidden_size, dtype=d))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, bool]:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ShapeError(f"{name}: expected input to be 1-D or 2-D, got shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input has {input.shape[-1]} features, expected "
                             f"input_size={self.input_size}")
        unbatched = input.ndim == 1
        return (input.unsqueeze(0) if unbatched else input), unbatched

    def _state(self, hx: Any, batch: int, unbatched: bool, dtype: Any) -> Tensor:
        if hx is None:
            return zeros(batch, self.hidden_size, dtype=dtype)
        if unbatched:
            hx = hx.unsqueeze(0)
        if tuple(hx.shape) != (batch, self.hidden_size):
            raise ShapeError(f"{type(self).__name__}: expected a hidden state of shape "
                             f"{(batch, self.hidden_size)}, got {tuple(hx.shape)}")
        return hx


class RNNCell(RNNCellBase):
    """``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``; ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}, expected 'tanh' "
                             "or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, unbatched = self._prepare(input, hx)
        h = self._state(hx, x.shape[0], unbatched, x.dtype)
        out = R.rnn_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                         self.nonlinearity)
        return out.squeeze(0) if unbatched else out


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, unbatched = self._prepare(input, hx)
        h = self._state(hx, x.shape[0], unbatched, x.dtype)
        out = R.gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out.squeeze(0) if unbatched else out


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c)=None) -> (h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, Tensor]:
        x, unbatched = self._prepare(input, hx)
        if hx is None:
            state = zeros(x.shape[0], 2 * self.hidden_size, dtype=x.dtype)
        else:
            h, c = (self._state(s, x.shape[0], unbatched, x.dtype) for s in hx)
            state = cat([h, c], 1)
        out = R.lstm_step(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        h, c = out[:, :self.hidden_size], out[:, self.hidden_size:]
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)
