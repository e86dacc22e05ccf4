"""Adam and its relatives: momentum on the gradient plus RMSprop's per-coordinate scale.

``Adam`` (with ``amsgrad``), ``AdamW`` (decoupled weight decay) and ``NAdam``
(Nesterov momentum inside Adam), each computed in PyTorch's order of operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _count_step, _first_state, _lerp_, _state

__all__ = ["Adam", "AdamW", "NAdam"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    One step t = 1, 2, ... for each parameter ``w`` with gradient ``g``::

        g ← -g                                  if maximize
        g ← g + λ·w                             (weight_decay λ; AdamW: w ← w·(1 - η·λ))
        m ← β₁·m + (1 - β₁)·g                   (exp_avg, starts at 0)
        v ← β₂·v + (1 - β₂)·g²                  (exp_avg_sq, starts at 0)
        m̂ = m / (1 - β₁ᵗ)    v̂ = v / (1 - β₂ᵗ)  (bias correction)
        w ← w - η · m̂ / (√v̂ + eps)              (amsgrad: v̂ uses max(v) over time)

    The bias correction undoes the pull towards the zero start: after one step
    ``m = (1-β₁)·g`` but ``m̂ = g``. As in PyTorch, it is computed as
    ``w ← w - (η / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + eps)``.

    State per parameter: ``step`` (0-d tensor), ``exp_avg``, ``exp_avg_sq``, and
    ``max_exp_avg_sq`` when ``amsgrad``.

    **The lecture's form** ``w ← w - α·V̂ / √(Ŝ + ε)`` puts ε inside the root; PyTorch
    adds it outside (``√v̂ + eps``), the form of the Adam paper. They agree when
    ``v̂ ≫ eps²`` (see ``docs/optimizers.md``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
        eps: ≥ 0, added to the root (default 1e-8).
        weight_decay: λ ≥ 0, L2 penalty added to the gradient.
        amsgrad: normalize by the running maximum of ``v`` (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable, fused: PyTorch's implementation switches,
            kept in the param groups (so state dicts have PyTorch's keys), otherwise
            ignored.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                    "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr", "eps")
        self._check_betas(group)
        self._at_least_zero(group, "weight_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = bool(group["amsgrad"])
        decoupled = bool(group["decoupled_weight_decay"])
        for p, g in self._grads(group):
            w = p._data
            state = self.state[p]
            _first_state(state, w, "exp_avg", "exp_avg_sq")
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = _state(np.zeros_like(w))
            step = _count_step(state)
            if weight_decay != 0:
                if decoupled:
                    w *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * w
            m = state["exp_avg"]._data
            v = state["exp_avg_sq"]._data
            _lerp_(m, g, 1 - beta1)
            v *= beta2
            v += (1 - beta2) * g * g
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                np.maximum(vmax, v, out=vmax)
                denom = np.sqrt(vmax)
            else:
                denom = np.sqrt(v)
            denom /= bias_correction2_sqrt
            denom += eps
            w += (-step_size * m) / denom


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Before the Adam step (computed on the plain gradient, with no decay in it)::

        w ← w · (1 - η·λ)

    With Adam's ``weight_decay`` the decay term ``λ·w`` joins the gradient and is then
    divided by ``√v̂`` like it, so heavily-updated weights are barely decayed; AdamW
    shrinks every weight by the same factor. Same arguments and state as :class:`Adam`;
    ``weight_decay`` defaults to 1e-2.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True  # as PyTorch: AdamW always decouples


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``.

    One step t = 1, 2, ... (ψ = momentum_decay)::

        g ← g + λ·w                     (weight_decay; decoupled: w ← w·(1 - η·λ))
        μ_t = β₁·(1 - ½·0.96^(t·ψ))     μ_{t+1} likewise;  Π_t = μ_1·…·μ_t (mu_product)
        m ← β₁·m + (1 - β₁)·g           v ← β₂·v + (1 - β₂)·g²
        d = √(v / (1 - β₂ᵗ)) + eps
        w ← w - η·(1 - μ_t)/(1 - Π_t) · g/d - η·μ_{t+1}/(1 - Π_t·μ_{t+1}) · m/d

    The update mixes the current gradient with the momentum of the *next* step, the
    look-ahead of Nesterov's method. State per parameter: ``step``, ``mu_product``
    (0-d, in the scalar dtype as PyTorch keeps it), ``exp_avg``, ``exp_avg_sq``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate η (default 2e-3).
        betas: (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
        eps: ≥ 0 (default 1e-8).
        weight_decay: λ ≥ 0.
        momentum_decay: ψ ≥ 0 (default 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW (NAdamW).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: as in :class:`Adam`.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                    "eps": eps, "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._at_least_zero(group, "lr", "eps")
        self._check_betas(group)
        self._at_least_zero(group, "weight_decay", "momentum_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum_decay = float(group["momentum_decay"])
        decoupled = bool(group["decoupled_weight_decay"])
        for p, g in self._grads(group):
            w = p._data
            state = self.state[p]
            _first_state(state, w, "exp_avg", "exp_avg_sq", mu_product=1.0)
            step = _count_step(state)
            bias_correction2 = 1 - beta2**step
            if weight_decay != 0:
                if decoupled:
                    w *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * w
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product_t = state["mu_product"]._data
            mu_product_t *= mu  # in the scalar dtype (float32 by default), as PyTorch
            mu_product = float(mu_product_t)
            mu_product_next = mu_product * mu_next
            m = state["exp_avg"]._data
            v = state["exp_avg_sq"]._data
            _lerp_(m, g, 1 - beta1)
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v / bias_correction2)
            denom += eps
            w += ((-lr * (1.0 - mu) / (1.0 - mu_product)) * g) / denom
            w += (((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
