"""``Tensor.storage()``: the flat memory a tensor views, as PyTorch's (deprecated) TypedStorage.

A microtensor Tensor owns (or views) a NumPy array; its storage is the array at the root of
that view chain, flattened: every element of the memory, in memory order, whatever part of
it the tensor shows. Reads and writes go to that memory (``t.storage()[0] = 5`` changes
``t``, unrecorded, as PyTorch's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .device import device

__all__ = ["TypedStorage"]


class TypedStorage:
    """The elements of a tensor's memory as one flat sequence (``len``, indexing,
    ``tolist``), with PyTorch's ``dtype``, ``device``, ``size()``, ``element_size()``,
    ``nbytes()`` and ``data_ptr()``."""

    def __init__(self, array: np.ndarray) -> None:
        root = array
        while isinstance(root.base, np.ndarray) and root.base.dtype == array.dtype:
            root = root.base
        self._flat = root.reshape(-1) if root.flags.c_contiguous else root.ravel(order="K")

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._flat.dtype)

    @property
    def device(self) -> device:
        return device("cpu")

    def size(self) -> int:
        return self._flat.size

    def __len__(self) -> int:
        return self._flat.size

    def element_size(self) -> int:
        return self._flat.itemsize

    def nbytes(self) -> int:
        return self._flat.nbytes

    def data_ptr(self) -> int:
        return self._flat.__array_interface__["data"][0]

    def tolist(self) -> list:
        return self._flat.tolist()

    def __iter__(self):
        return iter(self._flat.tolist())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._flat[index].tolist()
        return self._flat[index].item()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._flat[index] = value

    def __repr__(self) -> str:
        body = "\n ".join(str(v) for v in self._flat.tolist())
        return (f" {body}\n[microtensor.storage.TypedStorage(dtype={self.dtype}, device=cpu) "
                f"of size {self._flat.size}]")

    __str__ = __repr__
