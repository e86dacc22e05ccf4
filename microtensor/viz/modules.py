"""Names for the tensors of a graph and the layers of a model, read through PyTorch's
Module API (``named_parameters()``, ``named_modules()``) by duck typing."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..tensor import Tensor
from ..torch_interop import is_torch_tensor

__all__ = ["Names", "resolve_names", "Layer", "layers_of"]


@dataclass
class Names:
    """Tensor names given to a drawing.

    ``leaves`` maps ``id(tensor)`` of a leaf to its name; ``nodes`` maps ``id(grad_fn)``
    of a named non-leaf tensor to ``(name, tensor)``; ``types`` maps a module's name
    to its class name (when a Module was given).
    """

    leaves: dict[int, str] = field(default_factory=dict)
    nodes: dict[int, tuple[str, Tensor]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    params: set[int] = field(default_factory=set)


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "named_parameters") and hasattr(obj, "named_modules")


def resolve_names(params: Any, op: str) -> Names:
    """Accept a Module, a mapping ``name -> tensor``, or an iterable of ``(name, tensor)``."""
    names = Names()
    if params is None:
        return names
    if _is_module(params):
        pairs: Iterable = params.named_parameters()
        names.types = {n: type(m).__name__ for n, m in params.named_modules()}
        from_module = True
    elif isinstance(params, Mapping):
        pairs = params.items()
        from_module = False
    else:
        try:
            pairs = list(params)
        except TypeError:
            raise TypeError(f"{op}: params must be a Module, a dict name -> Tensor or a list "
                            f"of (name, Tensor) pairs, got {type(params).__name__}") from None
        from_module = False
    for item in pairs:
        try:
            name, t = item
        except (TypeError, ValueError):
            raise TypeError(f"{op}: params must hold (name, Tensor) pairs, got {item!r}") from None
        if not isinstance(t, Tensor) and not is_torch_tensor(t):
            raise TypeError(f"{op}: params[{name!r}] must be a Tensor, got {type(t).__name__}")
        if t.grad_fn is None:
            names.leaves.setdefault(id(t), str(name))
            if from_module or "." in str(name) or _looks_like_parameter(t):
                names.params.add(id(t))
        else:
            names.nodes.setdefault(id(t.grad_fn), (str(name), t))
    return names


def _looks_like_parameter(t: Tensor) -> bool:
    return type(t).__name__ == "Parameter"  # microtensor's nn.Parameter, or torch's


def numel(t: Any) -> int:
    """Elements of a microtensor or torch tensor."""
    return int(t.numel()) if is_torch_tensor(t) else int(t._data.size)


def l2_norm(t: Any) -> float:
    """‖t‖ in float64 of a microtensor or torch tensor (a torch one stays on its device)."""
    if is_torch_tensor(t):
        from .torch_graph import torch_norm

        return torch_norm(t)
    return float(math.sqrt(float((t._data.astype("float64") ** 2).sum())))


def module_prefix(param_name: str) -> str:
    """``"layers.3.weight"`` -> ``"layers.3"``; a top-level ``"w"`` is its own group."""
    return param_name.rsplit(".", 1)[0] if "." in param_name else param_name


@dataclass
class Layer:
    """A module that owns parameters, in the model's order."""

    name: str
    type: str
    params: list[tuple[str, Tensor]]


def layers_of(model: Any, op: str) -> list[Layer]:
    """The model's parameter-owning modules in order, each with its own parameters."""
    if _is_module(model):
        types = {n: type(m).__name__ for n, m in model.named_modules()}
        pairs = list(model.named_parameters())
    elif isinstance(model, Mapping):
        types, pairs = {}, list(model.items())
    else:
        raise TypeError(f"{op}: expected a Module (with named_parameters()) or a dict "
                        f"name -> parameter, got {type(model).__name__}")
    out: dict[str, Layer] = {}
    for name, p in pairs:
        prefix = module_prefix(name)
        if prefix not in out:
            out[prefix] = Layer(prefix, types.get(prefix, ""), [])
        short = name[len(prefix) + 1:] if name != prefix else name
        out[prefix].params.append((short, p))
    return list(out.values())
