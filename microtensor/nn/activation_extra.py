"""More activation layers, each a Module around one ``F`` function (``ops/activation_extra.py``).

``ReLU6``, ``Hardsigmoid``, ``Hardswish``, ``SELU``, ``CELU``, ``Mish``, ``LogSigmoid``,
``Softsign``, ``Tanhshrink``, ``Softshrink``, ``Hardshrink``, ``Threshold``, ``GLU``,
``Softmin``, ``Softmax2d`` and ``PReLU`` (the one with a parameter), with PyTorch's
arguments, defaults and reprs.
"""

from __future__ import annotations

from typing import Any

from ..creation import empty
from ..tensor import Tensor
from . import functional as F
from . import init
from .linear import _factory_dtype
from .module import Module
from .parameter import Parameter

__all__ = [
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "Mish", "PReLU",
    "ReLU6", "SELU", "Softmax2d", "Softmin", "Softshrink", "Softsign", "Tanhshrink",
    "Threshold",
]


class _Inplace(Module):
    """An activation whose only argument is ``inplace``."""

    fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU6(_Inplace):
    """``min(max(x, 0), 6)``."""

    fn = staticmethod(F.relu6)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``."""

    fn = staticmethod(F.hardsigmoid)


class Hardswish(_Inplace):
    """``x · relu6(x + 3) / 6``."""

    fn = staticmethod(F.hardswish)


class SELU(_Inplace):
    """``scale · elu(x, alpha)``, scale ≈ 1.0507, alpha ≈ 1.6733 (self-normalising)."""

    fn = staticmethod(F.selu)


class Mish(_Inplace):
    """``x · tanh(softplus(x))``."""

    fn = staticmethod(F.mish)


class CELU(Module):
    """``max(0, x) + min(0, α(exp(x/α) - 1))``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class _Stateless(Module):
    fn: Any = None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(input)


class LogSigmoid(_Stateless):
    """``log σ(x)``, stably."""

    fn = staticmethod(F.logsigmoid)


class Softsign(_Stateless):
    """``x / (1 + |x|)``."""

    fn = staticmethod(F.softsign)


class Tanhshrink(_Stateless):
    """``x - tanh(x)``."""

    fn = staticmethod(F.tanhshrink)


class Softshrink(Module):
    """``x ∓ λ`` outside ``[-λ, λ]``, 0 inside."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` outside ``[-λ, λ]``, 0 inside."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class GLU(Module):
    """Gated linear unit along ``dim``: ``a · σ(b)`` for the two halves ``a, b``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x, dim)``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)``, at every pixel."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected an input of 3 or 4 dimensions, got shape "
                             f"{tuple(input.shape)}")
        return F.softmax(input, -3)


class PReLU(Module):
    """``x`` where ``x > 0``, else ``a·x`` with a learned slope ``a``.

    Args:
        num_parameters: 1 (one slope shared by every channel) or the number of channels.
        init: the slopes' initial value (0.25, as PyTorch).

    Attributes:
        weight: ``(num_parameters,)``.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters,
                                      dtype=_factory_dtype(device, dtype, "PReLU")))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
