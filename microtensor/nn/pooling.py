"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d`` (``F.max_pool2d``, ``F.avg_pool2d``)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AvgPool2d", "MaxPool2d"]


class MaxPool2d(Module):
    """The maximum of each window; the gradient goes to that maximum only.

    Args:
        kernel_size: window size, ``k`` or ``(kh, kw)``.
        stride: step between windows (default: ``kernel_size``, non-overlapping).
        padding: implicit ``-inf`` on each side (at most half the window).
        dilation: spacing between window elements.
        return_indices: also return each maximum's flat index into ``H·W``.
        ceil_mode: round the output size up (keep a last partial window).

    Shapes: ``(N, C, H, W)`` or ``(C, H, W)`` in, ``(N, C, Ho, Wo)`` out.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean of each window; the gradient is spread evenly over it.

    Args:
        kernel_size, stride, padding, ceil_mode: as :class:`MaxPool2d` (zero padding).
        count_include_pad: count the padding zeros in the divisor (default True).
        divisor_override: divide each window's sum by this instead.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
