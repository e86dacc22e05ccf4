"""``Conv1d``, ``ConvTranspose1d``/``ConvTranspose2d``, and ``Unfold``/``Fold`` (im2col, col2im).

Same arguments, parameter names, shapes and default init as PyTorch: the weight is
``kaiming_uniform_(a=√5)``, i.e. U(-1/√fan_in, 1/√fan_in), and so is the bias, with
``fan_in = weight.shape[1]·(kernel elements)``: ``in_channels/groups·k`` for a
convolution, ``out_channels/groups·k`` for a transposed one (whose weight is
``(in_channels, out_channels/groups, *k)``, as PyTorch stores it).
"""

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

__all__ = ["Conv1d", "ConvTranspose1d", "ConvTranspose2d", "Fold", "Unfold"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v: Any, n: int, name: str, layer: str) -> tuple[int, ...]:
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, (tuple, list)) and len(v) == n:
        return tuple(int(a) for a in v)
    raise TypeError(f"{layer}: {name} must be an int or a tuple of {n} ints, got {v!r}")


class _ConvNd(Module):
    """What the convolutions share: the checks, the parameters, the init and the repr."""

    _dims = 1
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        d = _factory_dtype(device, dtype, name)
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} and out_channels="
                             f"{out_channels} must be divisible by groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        n = self._dims
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", name)
        self.stride = _ntuple(stride, n, "stride", name)
        self.dilation = _ntuple(dilation, n, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("valid", "same") or self.transposed:
                raise ValueError(f"{name}: invalid padding string {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding: Any = padding
        else:
            self.padding = _ntuple(padding, n, "padding", name)
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.output_padding = _ntuple(output_padding, n, "output_padding", name)
        self.groups, self.padding_mode = groups, padding_mode
        shape = (in_channels, out_channels // groups) if self.transposed \
            else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(*shape, *self.kernel_size, dtype=d))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _reset_bias(self.bias, self.weight.shape[1] * math.prod(self.kernel_size))

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:  # noqa: A002
        """Non-zero padding modes pad first (``F.pad``), then convolve without padding."""
        if self.padding_mode == "zeros" or isinstance(self.padding, str):
            return input, self.padding
        widths = [p for p in reversed(self.padding) for _ in range(2)]
        return F.pad(input, widths, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution of ``(N, C_in, L)`` sequences; weight ``(C_out, C_in/groups, k)``.

    Arguments as :class:`Conv2d` (ints instead of pairs); ``padding_mode`` may be "zeros",
    "reflect", "replicate" or "circular".
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x, padding = self._padded(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """The ``output_padding`` that gives ``output_size`` (PyTorch's rule), else the set one."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        want = tuple(int(s) for s in output_size)[-n:]
        spatial = input.shape[-n:]
        smallest = [(spatial[i] - 1) * self.stride[i] - 2 * self.padding[i]
                    + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(n)]
        extra = tuple(w - s for w, s in zip(want, smallest))
        for e, s in zip(extra, self.stride):
            if not 0 <= e < s:
                raise ValueError(f"{type(self).__name__}: requested an output size of {want}, "
                                 f"but valid sizes range from {tuple(smallest)} to "
                                 f"{tuple(m + s - 1 for m, s in zip(smallest, self.stride))}")
        return extra


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution (the adjoint of ``Conv1d``): upsamples ``(N, C_in, L)``.
    Weight ``(C_in, C_out/groups, k)``; ``forward(input, output_size=None)``."""

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (the adjoint of ``Conv2d``): upsamples ``(N, C_in, H, W)``.
    Weight ``(C_in, C_out/groups, kh, kw)``; ``forward(input, output_size=None)``."""

    _dims = 2

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class Unfold(Module):
    """Sliding windows as columns (im2col): ``(N, C, H, W)`` → ``(N, C·kh·kw, L)``."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns back into an image (col2im), overlapping windows summed:
    ``(N, C·kh·kw, L)`` → ``(N, C, *output_size)``."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
