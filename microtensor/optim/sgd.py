"""SGD: gradient descent, optionally with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _state

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent with PyTorch's momentum, as ``torch.optim.SGD``.

    One step, for each parameter ``w`` with gradient ``g = dL/dw`` (γ = momentum,
    τ = dampening, λ = weight_decay, η = lr)::

        g ← -g                   if maximize
        g ← g + λ·w              (L2 weight decay, added to the gradient)
        b ← g                    on the first step (a copy, no dampening)      } if γ ≠ 0
        b ← γ·b + (1 - τ)·g      afterwards                                   }
        g ← g + γ·b  if nesterov, else  g ← b                                 }
        w ← w - η·g

    State per parameter: ``momentum_buffer`` (b), only when ``momentum != 0``.

    **The lecture's forms.** (1) Momentum written as ``v ← γ·v + η·g;  w ← w - v`` gives
    the same iterates for a constant η: it is ``v = η·b``. (PyTorch's form applies a new
    lr to the whole buffer at once, the other only to new gradients, so they part ways
    under a schedule.) (2) The exponential moving average ``V ← β·V + (1-β)·g;
    w ← w - α·V`` (``V₀ = 0``) is ``SGD(lr=α·(1-β), momentum=β)`` exactly, since
    ``V = (1-β)·b``; ``dampening=β`` is *not* the same: its buffer starts at ``g₁``
    instead of ``(1-β)·g₁`` and stays ``β^t·g₁`` above the average. (3) Nesterov's
    look-ahead ``v ← γ·v + η·∇L(w - γ·v);  w ← w - v`` gives the same iterates as
    ``nesterov=True`` once you rename ``θ = w - γ·v``: PyTorch's parameter *is* the
    look-ahead point. See ``docs/optimizers.md`` for the derivations.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate η (default 1e-3, as PyTorch 2).
        momentum: γ ≥ 0 (default 0: plain gradient descent).
        dampening: τ, scales the new gradient in the buffer after the first step.
        weight_decay: λ ≥ 0, the L2 penalty's coefficient (adds ``λ·w`` to the gradient).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: PyTorch's implementation switches, kept in the
            param groups (so state dicts have PyTorch's keys) and otherwise ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr", "momentum", "weight_decay")
        self._number(group, "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening == 0, "
                f"got momentum={group['momentum']} and dampening={group['dampening']}")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = bool(group["nesterov"])
        for p, g in self._grads(group):
            w = p._data
            if weight_decay != 0:
                g = g + weight_decay * w
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    # np.array, not astype: a 0-d g may be a NumPy scalar (in-place ops can't
                    # update those), and the buffer must be an array
                    buf = state["momentum_buffer"] = _state(np.array(g, dtype=w.dtype))
                else:
                    b = buf._data
                    b *= momentum
                    b += (1 - dampening) * g
                g = g + momentum * buf._data if nesterov else buf._data
            w -= lr * g
