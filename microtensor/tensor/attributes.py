"""Tensor attributes: shape, dtype, layout, memory and device facts (PyTorch's "Tensor
Attributes" and the size/stride/storage methods).

Each is read off the NumPy array the tensor holds; ``shape`` and ``size()`` are
:class:`~microtensor.Size` tuples, ``dtype`` a :class:`~microtensor.dtypes.dtype`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes
from ..device import device
from ..errors import normalize_dim
from ..size import Size
from ..storage import TypedStorage

if TYPE_CHECKING:
    from .core import Tensor  # noqa: F401

__all__ = ["AttributeMethods"]

_CPU = device("cpu")
_FROM_NUMPY = dtypes._FROM_NUMPY
_new_tuple = tuple.__new__  # Size(shape) without re-checking a shape NumPy already checked


class AttributeMethods:
    """Mixed into :class:`~microtensor.Tensor`: facts about the array it holds."""

    __slots__ = ()

    @property
    def shape(self) -> Size:
        """The shape, a :class:`~microtensor.Size` (a tuple of ints)."""
        return _new_tuple(Size, self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape (a :class:`~microtensor.Size`), or the size of one dimension."""
        if dim is None:
            return _new_tuple(Size, self._data.shape)
        return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> dtypes.dtype:
        """The element type, e.g. ``microtensor.float32`` (compare with ``is`` or ``==``)."""
        dt = self._data.dtype
        return _FROM_NUMPY.get(dt, dt)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all the elements (``numel() * itemsize``)."""
        return self._data.size * self._data.itemsize

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dimension (a tuple), or along
        ``dim``. A NumPy view may have negative strides (``flip`` made by a ``[::-1]``
        slice), which PyTorch never has."""
        if self._data.size == 0:  # NumPy gives empty arrays zero strides; PyTorch row-major
            st, step = [], 1
            for n in reversed(self._data.shape):
                st.insert(0, step)
                step *= max(n, 1)
            st = tuple(st)
        else:
            st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is None:
            return st
        return st[normalize_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the elements lie in memory in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def storage_offset(self) -> int:
        """How many elements into the memory it views (its base array's) this one starts."""
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        delta = self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return delta // self._data.itemsize

    def data_ptr(self) -> int:
        """The address of the first element."""
        return self._data.__array_interface__["data"][0]

    def storage(self) -> Any:
        """The flat memory this tensor views (PyTorch's deprecated TypedStorage): see
        :mod:`microtensor.storage`."""
        return TypedStorage(self._data)

    @property
    def device(self) -> device:
        """Always the CPU: microtensor computes with NumPy."""
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    def get_device(self) -> int:
        """-1: the CPU (a CUDA tensor would give its device index)."""
        return -1

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "fi"

    def is_inference(self) -> bool:
        """False: tensors made in :func:`~microtensor.inference_mode` are ordinary tensors
        made with recording off here (PyTorch marks them as inference tensors)."""
        return False

    def is_pinned(self) -> bool:
        return False
