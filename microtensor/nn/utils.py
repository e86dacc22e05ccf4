"""``torch.nn.utils`` for microtensor: gradient clipping and flat parameter vectors.

Clip after ``loss.backward()`` and before ``optimizer.step()``::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

Clipping by norm rescales all gradients together (the direction of the step is
kept, only its length is capped); clipping by value clamps each element on its
own (the direction can change). Both guard against exploding gradients.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import bump_version
from ..ops.joining import cat
from ..tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
]


def _as_list(parameters: Any, op: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(f"{op}: parameters must be a Tensor or an iterable of Tensors, got "
                        f"{type(parameters).__name__}") from None
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameters must be Tensors, but item {i} is "
                            f"{type(p).__name__}")
    return params


def _scale_grad(p: Tensor, coef: np.generic) -> None:
    g = p.grad
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 is NaN, as in PyTorch
        if g._data.flags.writeable:
            np.multiply(g._data, coef, out=g._data, casting="unsafe")
            bump_version(g)
        else:
            p.grad = Tensor._make((g._data * coef).astype(g._data.dtype), False, None)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Rescale the gradients in place so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients concatenated into one
    vector (``inf``: the largest absolute value). Every gradient is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``, PyTorch's coefficient. Parameters
    without a gradient are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors (e.g. ``model.parameters()``).
        max_norm: the largest allowed total norm.
        norm_type: p of the p-norm (``2.0``; ``float("inf")`` or ``"inf"`` for the max norm).
        error_if_nonfinite: raise if the total norm is NaN or infinite (otherwise the
            gradients are scaled by the non-finite coefficient, as PyTorch).
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        The total norm of the gradients before clipping, as a 0-d Tensor (in the
        gradients' dtype; it is accumulated in float64).
    """
    params = _as_list(parameters, "clip_grad_norm_")
    try:
        p_norm = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"clip_grad_norm_: norm_type must be a number or 'inf', got "
                         f"{norm_type!r}") from None
    if not p_norm > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive, got {norm_type!r}")
    with_grad = [p for p in params if p.grad is not None]
    if not with_grad:
        return Tensor._make(np.array(0.0, dtype=dtypes.get_default_dtype()), False, None)
    dt = np.result_type(*[p.grad._data.dtype for p in with_grad])
    grads = [p.grad._data.astype(np.float64, copy=False) for p in with_grad]
    if math.isinf(p_norm):
        total = max(float(np.abs(g).max(initial=0.0)) for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g) ** p_norm)) for g in grads) ** (1.0 / p_norm)
    total_norm = dt.type(total)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from "
            "`parameters` is non-finite, so it cannot be clipped; to scale the gradients by "
            "the non-finite norm anyway, set error_if_nonfinite=False")
    # PyTorch's coefficient, in the gradients' dtype: max_norm / (total_norm + 1e-6), at most 1.
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = np.minimum(dt.type(max_norm) / (total_norm + dt.type(1e-6)), dt.type(1.0))
    for p in with_grad:
        _scale_grad(p, coef)
    return Tensor._make(np.array(total_norm, dtype=dt), False, None)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: a Tensor or an iterable of Tensors.
        clip_value: the largest allowed absolute value (must be >= 0).
        foreach: accepted for PyTorch compatibility; ignored.
    """
    params = _as_list(parameters, "clip_grad_value_")
    clip_value = float(clip_value)
    if clip_value < 0 or math.isnan(clip_value):
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for p in params:
        g = p.grad
        if g is None:
            continue
        if g._data.flags.writeable:
            np.clip(g._data, -clip_value, clip_value, out=g._data)
            bump_version(g)
        else:
            p.grad = Tensor._make(np.clip(g._data, -clip_value, clip_value), False, None)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    params = _as_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place.

    Difference from PyTorch: the values are copied into each parameter's own array
    (cast to its dtype, version bumped), where PyTorch points ``param.data`` at a view
    of ``vec``; this keeps every alias of the parameter (state dicts, optimizers) in sync.

    Raises:
        TypeError: ``vec`` is not a Tensor.
        ValueError: ``vec`` is not 1-D, or its size differs from the parameters' total.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {vec.shape}")
    params = _as_list(parameters, "vector_to_parameters")
    total = sum(p._data.size for p in params)
    if total != vec._data.size:
        raise ValueError(f"vector_to_parameters: the vector has {vec._data.size} elements but "
                         f"the parameters have {total} in total")
    start = 0
    for p in params:
        n = p._data.size
        p._data[...] = vec._data[start:start + n].reshape(p._data.shape)
        bump_version(p)
        start += n


# Weight and spectral normalisation (nn/weight_norm.py): torch.nn.utils.weight_norm & co.
from .weight_norm import (  # noqa: E402
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)

__all__ += ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]
