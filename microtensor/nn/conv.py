"""``Conv2d``: a bank of learned 2-D kernels slid over the input (fused op ``F.conv2d``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import empty
from ..tensor import Tensor
from . import functional as F
from . import init
from .linear import _factory_dtype, _reset_bias
from .module import Module
from .parameter import Parameter

__all__ = ["Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pair(v: Any, name: str) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v), int(v))
    if isinstance(v, (tuple, list)) and len(v) in (1, 2) \
            and all(isinstance(a, (int, np.integer)) for a in v):
        return (int(v[0]), int(v[-1]))
    raise TypeError(f"Conv2d: {name} must be an int or a pair of ints, got {v!r}")


class Conv2d(Module):
    """2-D convolution (cross-correlation) of ``(N, C_in, H, W)`` images.

    Args:
        in_channels, out_channels: channels in and out.
        kernel_size: ``k`` or ``(kh, kw)``.
        stride, padding, dilation: ints or pairs; ``padding`` may also be ``"valid"``
            (none) or ``"same"`` (output as large as the input; stride 1 only).
        groups: split the channels into independent groups (``in_channels`` and
            ``out_channels`` must be divisible by it).
        bias: learn a bias per output channel.
        padding_mode: ``"zeros"``, or ``"reflect"``, ``"replicate"``, ``"circular"``
            (the input is padded with ``F.pad`` first, as PyTorch does).
        device, dtype: ``"cpu"``/``None``, and the parameters' dtype.

    Shapes: input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output ``(N, C_out, Ho, Wo)``
    with ``Ho = (H + 2·ph - dh·(kh - 1) - 1) // sh + 1``.

    Attributes:
        weight: ``(out_channels, in_channels/groups, kh, kw)``, ``kaiming_uniform_(a=√5)``:
            U(-1/√fan_in, 1/√fan_in) with ``fan_in = in_channels/groups·kh·kw``.
        bias: ``(out_channels,)``, U(-1/√fan_in, 1/√fan_in).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, "Conv2d")
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"Conv2d: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"Conv2d: in_channels={in_channels} must be divisible by "
                             f"groups={groups}")
        if out_channels % groups:
            raise ValueError(f"Conv2d: out_channels={out_channels} must be divisible by "
                             f"groups={groups}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.dilation = _pair(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv2d: invalid padding string {padding!r}, should be one "
                                 "of ('valid', 'same')")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding: tuple[int, int] | str = padding
        else:
            self.padding = _pair(padding, "padding")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.padding_mode = padding_mode
        self.groups = int(groups)
        self.output_padding = (0, 0)
        self.transposed = False
        kh, kw = self.kernel_size
        self.weight = Parameter(empty(out_channels, in_channels // groups, kh, kw, dtype=d))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        kh, kw = self.kernel_size
        _reset_bias(self.bias, self.in_channels // self.groups * kh * kw)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.padding_mode != "zeros" and not isinstance(self.padding, str):
            ph, pw = self.padding
            input = F.pad(input, (pw, pw, ph, ph), mode=self.padding_mode)  # noqa: A001
            return F.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self) -> str:
        # PyTorch's _ConvNd.extra_repr: the defaults are left out.
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
