"""Fully connected layers and shape helpers: ``Linear``, ``Identity``, ``Flatten``, ``Unflatten``.

``Linear`` holds ``weight`` of shape ``(out_features, in_features)`` (PyTorch's
layout: row ``i`` is the weights of output unit ``i``) and computes
``x @ weight.T + bias`` with the fused :func:`~microtensor.nn.functional.linear`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..creation import empty
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Bilinear", "Flatten", "Identity", "Linear", "Unflatten"]


def _factory_dtype(device: Any, dtype: Any, layer: str) -> np.dtype:
    """The dtype new parameters get (``None``: the default float dtype); CPU only."""
    if device is not None and str(device) != "cpu":
        raise ValueError(f"{layer}: microtensor runs on the CPU only, got device {device!r}")
    d = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"{layer}: parameters must have a floating-point dtype, got {d}")
    return d


def _check_size(value: Any, name: str, layer: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative int, got {value!r}")
    return int(value)


def _reset_bias(bias: Parameter | None, fan_in: int) -> None:
    """PyTorch's default bias init: U(-1/√fan_in, 1/√fan_in)."""
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged (a placeholder; any constructor arguments are ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """Affine map ``y = x @ weight.T + bias`` (a fully connected layer).

    Args:
        in_features: size of each input sample (the last dim of ``x``).
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device, dtype: ``"cpu"``/``None``, and the parameters' dtype (default float32).

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised by
            ``kaiming_uniform_(a=√5)``, i.e. U(-1/√in_features, 1/√in_features).
        bias: ``(out_features,)``, U(-1/√in_features, 1/√in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, "Linear")
        self.in_features = _check_size(in_features, "in_features", "Linear")
        self.out_features = _check_size(out_features, "out_features", "Linear")
        self.weight = Parameter(empty(self.out_features, self.in_features, dtype=d))
        if bias:
            self.bias = Parameter(empty(self.out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init (see the class docstring)."""
        # a=√5 gives gain √(2/6) and bound gain·√(3/fan_in) = 1/√fan_in: LeCun-uniform-like.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _reset_bias(self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims ``start_dim`` .. ``end_dim`` into one: ``(N, C, H, W) -> (N, C·H·W)``
    with the defaults (``start_dim=1`` keeps the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: ``Unflatten(1, (2, 5))`` turns
    ``(N, 10)`` into ``(N, 2, 5)`` (one size may be -1)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Bilinear(Module):
    """``y = x1ᵀ A x2 + b``, one bilinear form per output feature (``F.bilinear``).

    Args:
        in1_features, in2_features, out_features: the sizes.
        bias: learn ``b``.

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)``;
            both U(-1/√in1_features, 1/√in1_features), as PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, "Bilinear")
        self.in1_features = _check_size(in1_features, "in1_features", "Bilinear")
        self.in2_features = _check_size(in2_features, "in2_features", "Bilinear")
        self.out_features = _check_size(out_features, "out_features", "Bilinear")
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=d))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
