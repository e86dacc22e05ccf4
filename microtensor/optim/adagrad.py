"""Adagrad: a per-coordinate learning rate that shrinks with the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _count_step, _scalar_state, _state

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    One step t = 1, 2, ... for each parameter ``w`` with gradient ``g``::

        g ← -g                          if maximize
        g ← g + λ·w                     (weight_decay λ)
        η_t = lr / (1 + (t - 1)·lr_decay)
        s ← s + g²                      (s starts at initial_accumulator_value)
        w ← w - η_t · g / (√s + eps)

    Coordinates with large past gradients get small steps, rarely-moving ones keep large
    steps; since ``s`` only grows, every step size decays towards zero.

    State per parameter: ``step`` (0-d tensor), ``sum`` (s). As in PyTorch, the state is
    created when the optimizer is built (and when a group is added), not at the first step.

    Args:
        params: tensors or parameter groups to optimize.
        lr: base learning rate (default 1e-2).
        lr_decay: ≥ 0, decays the learning rate as ``lr / (1 + (t-1)·lr_decay)``.
        weight_decay: λ ≥ 0, L2 penalty added to the gradient.
        initial_accumulator_value: ≥ 0, the starting value of ``sum``.
        eps: ≥ 0, added to ``√s`` (outside the root) to avoid dividing by zero.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: PyTorch's implementation switches, kept in
            the param groups (so state dicts have PyTorch's keys), otherwise ignored.

    Differs from PyTorch in one corner: a group's own ``initial_accumulator_value`` is
    used for its parameters (PyTorch uses the constructor's value for every group).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr", "lr_decay", "weight_decay",
                            "initial_accumulator_value", "eps")

    def _init_group_state(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if not state:
            state["step"] = _scalar_state(0.0)
            state["sum"] = _state(np.full_like(p._data, group["initial_accumulator_value"]))
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        weight_decay = float(group["weight_decay"])
        eps = float(group["eps"])
        for p, g in self._grads(group):
            w = p._data
            state = self._init_state(p, group)
            step = _count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * w
            clr = lr / (1 + (step - 1) * lr_decay)
            s = state["sum"]._data
            s += g * g
            std = np.sqrt(s)
            std += eps
            w += (-clr * g) / std
