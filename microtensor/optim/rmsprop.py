"""RMSprop: divide each coordinate's step by a running root-mean-square of its gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _count_step, _first_state, _lerp_, _state

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    One step for each parameter ``w`` with gradient ``g`` (α = alpha, η = lr, γ = momentum)::

        g ← -g                              if maximize
        g ← g + λ·w                         (weight_decay λ)
        s ← α·s + (1 - α)·g²                (square_avg, starts at 0)
        if centered:
            ḡ ← α·ḡ + (1 - α)·g             (grad_avg, starts at 0)
            d = √(s - ḡ²) + eps             (an estimate of the gradient's std)
        else:
            d = √s + eps
        if γ > 0:
            b ← γ·b + g / d;  w ← w - η·b   (momentum_buffer, starts at 0)
        else:
            w ← w - η·g / d

    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer`` (if
    ``momentum > 0``) and ``grad_avg`` (if ``centered``).

    **The lecture's form** is ``w ← w - α·g / √(s + ε)``, with ε *inside* the root;
    PyTorch (and this class) adds ``eps`` *outside*: ``g / (√s + eps)``. The two agree
    when ``s ≫ eps`` and differ most when gradients are tiny: at ``s → 0`` the lecture's
    step is ``g/√ε`` (with ε = 1e-8: ``1e4·g``), PyTorch's is ``g/ε`` (``1e8·g``).
    ``docs/optimizers.md`` tabulates the gap.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate η (default 1e-2).
        alpha: smoothing constant α in [0, 1] (default 0.99).
        eps: ≥ 0, added to the root (default 1e-8).
        weight_decay: λ ≥ 0, L2 penalty added to the gradient.
        momentum: γ ≥ 0, momentum on the scaled step.
        centered: normalize by the variance instead of the raw second moment.
        maximize: ascend the objective instead of descending it.
        capturable, foreach, differentiable: PyTorch's implementation switches, kept in
            the param groups (so state dicts have PyTorch's keys), otherwise ignored.

    PyTorch accepts any ``alpha >= 0``; here ``alpha > 1`` (which would give ``g²`` a
    negative weight) is a ValueError.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr", "eps", "momentum", "weight_decay")
        self._in_unit_interval(group, "alpha", closed=True)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
        for p, g in self._grads(group):
            w = p._data
            state = self.state[p]
            _first_state(state, w, "square_avg")
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = _state(np.zeros_like(w))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = _state(np.zeros_like(w))
            _count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * w
            s = state["square_avg"]._data
            s *= alpha
            s += (1 - alpha) * g * g
            if centered:
                ga = state["grad_avg"]._data
                _lerp_(ga, g, 1 - alpha)
                avg = np.sqrt(s - ga * ga)
            else:
                avg = np.sqrt(s)
            avg += eps
            if momentum > 0:
                b = state["momentum_buffer"]._data
                b *= momentum
                b += g / avg
                w -= lr * b
            else:
                w += (-lr * g) / avg
