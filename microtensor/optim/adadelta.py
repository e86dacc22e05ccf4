"""Adadelta: RMSprop whose step carries its own units, from a running average of past steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _count_step, _first_state

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    One step for each parameter ``w`` with gradient ``g`` (ρ = rho)::

        g ← -g                                   if maximize
        g ← g + λ·w                              (weight_decay λ)
        s ← ρ·s + (1 - ρ)·g²                     (square_avg, starts at 0)
        Δ = √(u + eps) / √(s + eps) · g          (u = acc_delta, starts at 0)
        u ← ρ·u + (1 - ρ)·Δ²
        w ← w - lr·Δ

    The ratio of two root-mean-squares makes the step come out in the units of ``w``, so
    ``lr = 1`` (the default) is the method of the paper. Here ``eps`` sits *inside* both
    roots (as in the paper and PyTorch), unlike RMSprop and Adam.

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: scales the step (default 1.0).
        rho: ρ in [0, 1] (default 0.9).
        eps: ≥ 0 (default 1e-6).
        weight_decay: λ ≥ 0, L2 penalty added to the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, kept in
            the param groups (so state dicts have PyTorch's keys), otherwise ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr")
        self._in_unit_interval(group, "rho", closed=True)
        self._at_least_zero(group, "eps", "weight_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        rho = float(group["rho"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        for p, g in self._grads(group):
            w = p._data
            state = self.state[p]
            _first_state(state, w, "square_avg", "acc_delta")
            _count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * w
            s = state["square_avg"]._data
            u = state["acc_delta"]._data
            s *= rho
            s += (1 - rho) * g * g
            std = np.sqrt(s + eps)
            delta = np.sqrt(u + eps)
            delta /= std
            delta *= g
            u *= rho
            u += (1 - rho) * delta * delta
            w -= lr * delta
