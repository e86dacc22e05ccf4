"""The gradient reaching each time step of a recurrent layer: ‖∂L/∂s_t‖ against t.

Backpropagation through time multiplies the gradient by one step's Jacobian per step
back. With a tanh RNN whose recurrent weights are small that product shrinks
geometrically and the first steps of a sequence get almost no gradient (they barely
learn: the network "forgets" after a few steps); with large weights it grows
geometrically (it explodes: clipping caps it). An LSTM's cell state passes the gradient
back multiplied by the forget gate only, and it travels much further.

A recurrent layer (``nn.RNN``/``nn.LSTM``/``nn.GRU``) runs one node per step; a tensor
hook on each step's state (``h_t``, or ``[h_t | c_t]`` for the LSTM) reads the norm of
the gradient that reaches it, which includes everything from later steps. Three ways in:

* :func:`gradient_through_time` — the per-step numbers for one batch, one call (what a
  report or a figure needs).
* :class:`TimeGradients` — keep hooking one layer over training; ``.norms`` is the latest.
* :class:`~microtensor.monitor.GradientMonitor` attaches a :class:`TimeMonitor` to every
  recurrent layer of its model, records ``.time.history`` at each recorded step, and adds
  its :func:`time_findings` ("vanishes/explodes through time") to ``diagnose()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import is_grad_enabled
from .tensor import Tensor

__all__ = ["TimeGradients", "TimeMonitor", "attach_time_monitor", "gradient_through_time",
           "time_findings"]


class TimeGradients:
    """Hooks ‖∂L/∂s_t‖ for every step ``t`` of layer-direction ``k`` of a recurrent module.

    Args:
        module: an ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` (anything with
            ``register_step_hook``).
        k: which layer-direction (``layer · num_directions + direction``; 0: the first
            layer, forward direction, the one furthest from the loss).

    Attributes:
        norms: the per-step gradient norms of the latest forward whose backward ran
            (NaN for a step no gradient reached), or ``None`` before any.
    """

    def __init__(self, module: Any, k: int = 0) -> None:
        self.module, self.k = module, k
        self._pending: np.ndarray | None = None
        self._handle = module.register_step_hook(self._on_steps)

    def _on_steps(self, module: Any, k: int, states: list[Tensor]) -> None:
        if k != self.k or not is_grad_enabled():
            return
        norms = np.full(len(states), math.nan)
        self._pending = norms
        for t, s in enumerate(states):
            if s.requires_grad:
                s.register_hook(_grab(norms, t))

    @property
    def norms(self) -> np.ndarray | None:
        n = self._pending
        return None if n is None or np.all(np.isnan(n)) else n.copy()

    def remove(self) -> None:
        self._handle.remove()


def _grab(norms: np.ndarray, t: int) -> Callable:
    def hook(grad: Any) -> None:
        g = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=np.float64)
        norms[t] = float(np.sqrt(np.sum(g * g)))  # (a second backward: the latest counts)
    return hook


def gradient_through_time(module: Any, input: Tensor, hx: Any = None,  # noqa: A002
                          loss: str | Callable = "last", k: int = 0) -> np.ndarray:
    """‖∂L/∂s_t‖ for each step ``t`` of one forward and backward of ``module``.

    Args:
        module: a recurrent layer (its parameters' ``.grad`` are accumulated as usual;
            zero them afterwards if you train).
        input, hx: what ``module(input, hx)`` takes.
        loss: ``"last"`` (the default): ``L`` = the sum of the output at the last step, the
            classic probe (any gradient at step ``t`` had to travel ``T - 1 - t`` steps);
            ``"sum"``: the sum of every step's output; or a callable ``loss(output) ->
            scalar Tensor``.
        k: the layer-direction to read (0: the first layer, forward direction).

    Returns:
        A float64 array of length ``T``: the norm of the gradient reaching each step's state.
    """
    probe = TimeGradients(module, k)
    try:
        out, _ = module(input, hx)
        if loss == "last":
            time_axis = 1 if getattr(module, "batch_first", False) and out.ndim == 3 else 0
            value = out.select(time_axis, -1).sum()
        elif loss == "sum":
            value = out.sum()
        else:
            value = loss(out)
        value.backward()
    finally:
        probe.remove()
    norms = probe.norms
    return np.full(0, math.nan) if norms is None else norms


def time_findings(norms: np.ndarray, layer: str = "", ratio: float = 1e-3,
                  cell: str = "RNN") -> list:
    """Say in words whether the gradient vanishes or explodes through time.

    Compares the gradient reaching the first step with the one reaching the last step:
    below ``ratio`` it vanishes (error), above ``1/ratio`` it explodes (error); below
    ``√ratio`` or above ``1/√ratio`` a warning. Also gives the per-step factor
    ``(n_0/n_{T-1})^(1/(T-1))`` and how many steps back the gradient keeps 1% of its size.
    ``cell`` (``"RNN"``, ``"LSTM"``, ``"GRU"``) picks the advice. Returns a list of
    :class:`~microtensor.monitor.Finding` (empty when healthy).
    """
    from .monitor import Finding

    n = np.asarray(norms, dtype=np.float64)
    ok = np.isfinite(n)
    if n.size < 2 or not ok[0] or not ok[-1] or n[-1] <= 0:
        return []
    r = n[0] / n[-1]
    steps = n.size - 1
    factor = r ** (1 / steps) if r > 0 else 0.0
    alive = int(np.sum(n >= 0.01 * n[-1]))
    name = layer or "the recurrent layer"
    where = (f"the gradient reaching step 0 of {name} is {r:.2g}× the one reaching step "
             f"{steps} (×{factor:.3g} per step back)")
    soft = math.sqrt(ratio)
    if r < soft:
        severity = "error" if r < ratio else "warning"
        msg = (f"Gradient vanishes through time: {where}; only the last {alive} of {n.size} "
               "steps get at least 1% of it, so what happened earlier barely affects learning. "
               + (_GATED if cell in ("LSTM", "GRU") else _PLAIN))
        return [Finding("vanishing_through_time", layer, severity, msg, float(r))]
    if r > 1 / soft:
        severity = "error" if r > 1 / ratio else "warning"
        msg = (f"Gradient explodes through time: {where}. Clip the gradient "
               "(nn.utils.clip_grad_norm_ before optimizer.step()), lower the learning rate, "
               "or start the recurrent weights smaller.")
        return [Finding("exploding_through_time", layer, severity, msg, float(r))]
    return []


_PLAIN = ("An LSTM or GRU carries the gradient further (its cell state is multiplied by the "
          "forget gate, not by a weight matrix and tanh'); shorter sequences (truncated BPTT) "
          "or an orthogonal init of the recurrent weights also help.")
_GATED = ("Its gates are mostly closed: a forget gate near 0.5 halves the gradient at every "
          "step. A forget-gate bias of 1 or more at init (the f block of bias_hh) keeps the "
          "cell state, and training on a task that needs memory opens the gates.")


class TimeMonitor:
    """Per-step gradient norms of every recurrent layer of a model, over training.

    Attributes:
        history: ``{layer name: [norms per recorded step, ...]}``.
    """

    def __init__(self, layers: dict[str, Any], ratio: float = 1e-3) -> None:
        self.ratio = ratio
        self.probes = {name: TimeGradients(m) for name, m in layers.items()}
        self.history: dict[str, list[np.ndarray]] = {name: [] for name in layers}

    def record(self) -> None:
        """Keep the latest per-step norms of each layer (call once per recorded step)."""
        for name, probe in self.probes.items():
            norms = probe.norms
            if norms is not None:
                self.history[name].append(norms)

    def findings(self) -> list:
        """:func:`time_findings` of each layer, on the median over its last three records."""
        out = []
        for name, recs in self.history.items():
            recent = [r for r in recs[-3:] if r.size == recs[-1].size]
            if recent:
                cell = getattr(self.probes[name].module, "mode", "RNN")
                out += time_findings(np.median(np.stack(recent), axis=0), name, self.ratio,
                                     cell)
        return out

    def remove(self) -> None:
        for probe in self.probes.values():
            probe.remove()


def attach_time_monitor(model: Any, ratio: float = 1e-3) -> TimeMonitor | None:
    """A :class:`TimeMonitor` on every recurrent layer of ``model`` (``None`` if it has none,
    or if it is not a microtensor model)."""
    if not hasattr(model, "named_modules"):
        return None
    layers = {name: m for name, m in model.named_modules() if hasattr(m, "register_step_hook")}
    return TimeMonitor(layers, ratio) if layers else None
