"""L1 and L2 penalties to add to a loss, built from differentiable microtensor ops.

An L2 penalty in the loss and an optimizer's ``weight_decay`` are the same thing for
plain SGD: the gradient of ``(λ/2)·l2_penalty(params)`` is ``λ·w``, which is exactly
what ``SGD(weight_decay=λ)`` adds to the gradient. For Adam they differ from AdamW's
decoupled decay (see :class:`~microtensor.optim.AdamW`). L1 pulls every weight towards
zero by the same amount per step, so it drives many weights to (near) zero; L2's pull
is proportional to the weight and fades as the weight shrinks.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..tensor import Tensor

__all__ = ["l1_penalty", "l2_penalty"]


def _params(params: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    items = [params] if isinstance(params, Tensor) else list(params)
    if not items:
        raise ValueError(f"{op}: got no parameters")
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expects Tensors, but item {i} is a {type(p).__name__}")
    return items


def l1_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """``Σ_p Σ_i |p_i|``: the L1 norm of all parameters together, as a 0-d Tensor in the graph.

    Add ``λ * l1_penalty(model.parameters())`` to the loss; its gradient is ``λ·sign(w)``
    (0 at w = 0, as PyTorch's ``abs``).
    """
    items = _params(params, "l1_penalty")
    total = items[0].abs().sum()
    for p in items[1:]:
        total = total + p.abs().sum()
    return total


def l2_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """``Σ_p Σ_i p_i²``: the squared L2 norm of all parameters together, as a 0-d Tensor.

    Note: no factor ½. ``(λ/2) * l2_penalty(params)`` has gradient ``λ·w``, the same as
    ``SGD(..., weight_decay=λ)``.
    """
    items = _params(params, "l2_penalty")
    total = (items[0] * items[0]).sum()
    for p in items[1:]:
        total = total + (p * p).sum()
    return total
