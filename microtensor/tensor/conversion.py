"""Tensor conversions and the Python protocol: ``item``, ``to``, ``type`` and the casts,
``cpu``/``cuda``, ``format``, ``len``, ``in``, ``reversed``, ``copy.deepcopy``.

A cast is the differentiable ``to_dtype`` op (``microtensor/ops/``); ``to`` returns the
tensor itself when nothing changes, as PyTorch's.
"""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any

import numpy as np

import microtensor as _mt

from .. import dtypes
from .. import ops as _ops
from ..device import check as _check_device
from ..device import cuda_error, device
from ..errors import ShapeError

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["ConversionMethods"]

# Tensor.type()'s names, PyTorch's legacy tensor types.
_TYPE_NAMES = {np.dtype(k): v for k, v in (
    ("float32", "FloatTensor"), ("float64", "DoubleTensor"), ("float16", "HalfTensor"),
    ("int64", "LongTensor"), ("int32", "IntTensor"), ("int16", "ShortTensor"),
    ("int8", "CharTensor"), ("uint8", "ByteTensor"), ("bool", "BoolTensor"),
    ("uint16", "UInt16Tensor"), ("uint32", "UInt32Tensor"))}
_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


class _ItemError(RuntimeError, ValueError):
    """``item()`` of a tensor without exactly one element: PyTorch raises RuntimeError
    (microtensor raised ValueError before, so it is one too)."""


class ConversionMethods:
    """Mixed into :class:`~microtensor.Tensor`: conversions to other dtypes, devices and
    Python values, and the container protocol."""

    __slots__ = ()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise _ItemError(f"item: only a one-element tensor can be converted to a Python "
                             f"number (a Tensor with {self._data.size} elements cannot be "
                             f"converted to Scalar), this one has shape "
                             f"{tuple(self._data.shape)}")
        return self._data.item()

    def to(self, *args: Any, non_blocking: bool = False, copy: bool = False,
           memory_format: Any = None, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device, dtype)``, ``to(other)`` (its dtype), with PyTorch's
        keywords: a cast, differentiable. Returns ``self`` when nothing changes, unless
        ``copy=True``. ``non_blocking`` and ``memory_format`` are accepted and ignored."""
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to: unexpected keyword argument {next(iter(kwargs))!r}")
        flags = []
        for a in args:
            if isinstance(a, _mt.Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, device)):
                if dev is not None or dtype is not None:
                    raise TypeError(f"to: expected to(device, dtype) or to(dtype), got a "
                                    f"device {a!r} after another argument")
                dev = a
            elif isinstance(a, bool):
                flags.append(a)  # to(dtype, non_blocking, copy) positionally
            elif a is not None:
                if isinstance(a, int):
                    raise RuntimeError("to: cannot access accelerator device when none is "
                                       "available (microtensor runs on the CPU only)")
                dtype = a
        if len(flags) > 1:
            copy = flags[1]
        if dev is not None:
            _check_device(dev, "to")
        if dtype is None or dtypes.to_dtype(dtype) == self._data.dtype:
            return _ops.elementwise.Clone.apply(self) if copy else self
        return _ops.elementwise.to_dtype(self, dtypes.to_dtype(dtype))

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """``type()``: the type name (``'microtensor.FloatTensor'``); ``type(dtype)`` or
        ``type('microtensor.DoubleTensor')`` (or ``'torch.DoubleTensor'``): a cast."""
        if dtype is None:
            return f"microtensor.{_TYPE_NAMES[self._data.dtype]}"
        if isinstance(dtype, str):
            name = dtype.rpartition(".")[2]
            if dtype.partition(".")[0] not in ("torch", "microtensor") or name not in _BY_NAME:
                raise ValueError(f"type: invalid type: {dtype!r} (expected e.g. "
                                 f"'microtensor.FloatTensor')")
            dtype = _BY_NAME[name]
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def bfloat16(self) -> Tensor:
        return self.to(dtypes.bfloat16)  # raises: NumPy has no bfloat16

    def cpu(self, memory_format: Any = None) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False,
             memory_format: Any = None) -> Tensor:
        """Raises, as a CPU-only PyTorch build does."""
        raise cuda_error("cuda", "cuda")

    def pin_memory(self, device: Any = None) -> Tensor:
        """Raises, as a CPU-only PyTorch build does (no accelerator to pin memory for)."""
        raise RuntimeError("pin_memory: cannot access accelerator device when none is "
                           "available (microtensor runs on the CPU only)")

    # ---------------------------------------------------------------- Python protocol

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats its number; any other tensor only with an
        empty spec (as ``str``), as PyTorch."""
        if self._data.ndim == 0 and type(self) is _mt.Tensor:
            return self._data.item().__format__(format_spec)
        if format_spec:
            raise TypeError(f"unsupported format string passed to "
                            f"{type(self).__name__}.__format__")
        return str(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:  # raised by iter() itself, as PyTorch's
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __reversed__(self) -> Tensor:
        """The tensor with dim 0 reversed (itself when 0-d), as PyTorch's ``flip(0)``."""
        if self._data.ndim == 0:
            return self
        n = self._data.shape[0]
        return _ops.indexing.getitem(self, np.arange(n - 1, -1, -1))

    def __contains__(self, element: Any) -> bool:
        """``element in t``: whether any element equals ``element`` (a number or a Tensor)."""
        if not isinstance(element, (_mt.Tensor, int, float, bool, np.number, np.bool_)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {type(element)}.")
        other = element._data if isinstance(element, _mt.Tensor) else element
        try:
            return bool(np.any(self._data == other))
        except ValueError:  # shapes that do not broadcast
            raise ShapeError(f"__contains__: the shape {tuple(np.shape(other))} does not "
                             f"broadcast with the tensor's {tuple(self._data.shape)}") from None

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A new leaf with copies of the data and of ``.grad`` and the same
        ``requires_grad``; non-leaf tensors refuse, as in PyTorch."""
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only tensors created explicitly by the user (graph "
                               "leaves) support the deepcopy protocol; detach() first")
        if id(self) in memo:
            return memo[id(self)]
        new = _mt.Tensor._make(self._data.copy(), False, None)
        if type(self) is not _mt.Tensor:
            new.__class__ = type(self)
        new._rg = self._rg
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = deepcopy(self._grad, memo)
        return new
