"""Facts about dtypes and tensors: ``finfo``, ``iinfo``, ``promote_types``, ``result_type``,
``can_cast``, ``is_tensor`` ... (PyTorch's "Tensors" and "Type Info" pages).

The promotion rules themselves live in :mod:`microtensor.dtypes`; these are their public,
PyTorch-signature forms, taking and returning :class:`~microtensor.dtypes.dtype` objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dtypes
from .dtypes import dtype as _dtype_cls
from .storage import TypedStorage
from .tensor import Tensor

__all__ = ["can_cast", "e", "finfo", "iinfo", "inf", "is_complex", "is_floating_point",
           "is_nonzero", "is_storage", "is_tensor", "nan", "newaxis", "numel", "pi",
           "promote_types", "result_type"]

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
newaxis = None


def _check_dtype(d: Any, op: str, arg: str) -> _dtype_cls:
    if not isinstance(d, _dtype_cls):
        raise TypeError(f"{op}(): argument '{arg}' must be microtensor.dtype, not "
                        f"{type(d).__name__}")
    d.dtype  # noqa: B018 - raises TypeError for bfloat16 / uint64
    return d


def _check_tensor(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating-point dtype (default: the default dtype), as
    ``torch.finfo``: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution`` (Python floats) and ``dtype`` (its name, a str)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        d = dtypes.get_default_dtype() if type is None else _check_dtype(type, "finfo", "type")
        if not d.is_floating_point:
            raise TypeError(f"finfo() requires a floating point input type, got {d}; use "
                            "microtensor.iinfo for integer types")
        fi = np.finfo(d.dtype)
        self.bits = int(fi.bits)
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = self.smallest_normal = float(fi.smallest_normal)
        # 10**-digits, computed in float64 (NumPy's float16 value is float16(0.001)).
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = str(d).rpartition(".")[2]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:.6g}, min={self.min:.6g}, "
                f"max={self.max:.6g}, eps={self.eps:.6g}, "
                f"smallest_normal={self.smallest_normal:.6g}, tiny={self.tiny:.6g}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max`` (ints) and
    ``dtype`` (its name). ``bool`` is refused, as in PyTorch."""

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        d = _check_dtype(type, "iinfo", "type")
        if d.is_floating_point:
            raise TypeError(f"iinfo() requires an integer input type, got {d}; use "
                            "microtensor.finfo for floating-point types")
        if d is dtypes.bool:
            raise TypeError("iinfo: microtensor.bool is not supported by iinfo")
        ii = np.iinfo(d.dtype)
        self.bits = int(ii.bits)
        self.min = int(ii.min)
        self.max = int(ii.max)
        self.dtype = str(d).rpartition(".")[2]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:.6g}, max={self.max:.6g}, dtype={self.dtype})"


def promote_types(type1: Any, type2: Any) -> _dtype_cls:
    """The smallest dtype both ``type1`` and ``type2`` cast to without losing their
    category (an integer meeting a float takes the float: ``int64, float16 -> float16``)."""
    a = _check_dtype(type1, "promote_types", "type1")
    b = _check_dtype(type2, "promote_types", "type2")
    return dtypes.from_numpy_dtype(dtypes.promote_types(a.dtype, b.dtype))


def result_type(tensor1: Any, tensor2: Any) -> _dtype_cls:
    """The dtype an arithmetic op on ``tensor1`` and ``tensor2`` (Tensors or numbers) gives,
    with PyTorch's rules (numbers and 0-d tensors rank below tensors with dimensions)."""
    ops = []
    for i, x in enumerate((tensor1, tensor2)):
        if isinstance(x, Tensor):
            ops.append(x._data)
        elif isinstance(x, (bool, int, float, np.number, np.bool_)):
            ops.append(x)
        else:
            raise TypeError(f"result_type(): argument {i + 1} must be a Tensor or a number, "
                            f"not {type(x).__name__}")
    return dtypes.from_numpy_dtype(dtypes.result_type(*ops))


def _category(d: _dtype_cls) -> int:
    return 2 if d.is_floating_point else (0 if d is dtypes.bool else 1)


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in an in-place op: any
    cast that does not go to a lower category (float -> integer -> bool)."""
    a = _check_dtype(from_, "can_cast", "from_")
    b = _check_dtype(to, "can_cast", "to")
    return _category(a) <= _category(b)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor (a Parameter is one)."""
    return isinstance(obj, Tensor)


def is_storage(obj: Any) -> bool:
    """Whether ``obj`` is a storage (what ``Tensor.storage()`` returns)."""
    return isinstance(obj, TypedStorage)


def is_floating_point(input: Any) -> bool:  # noqa: A002 - PyTorch's argument name
    return _check_tensor(input, "is_floating_point").is_floating_point()


def is_complex(input: Any) -> bool:  # noqa: A002 - PyTorch's argument name
    """False: microtensor has no complex dtypes."""
    _check_tensor(input, "is_complex")
    return False


def is_nonzero(input: Any) -> bool:  # noqa: A002 - PyTorch's argument name
    """Whether a one-element tensor is nonzero; RuntimeError for any other size."""
    arr = _check_tensor(input, "is_nonzero")._data
    if arr.size == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if arr.size > 1:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with more than one value is "
                           "ambiguous")
    return bool(arr.reshape(()))


def numel(input: Any) -> int:  # noqa: A002 - PyTorch's argument name
    """The number of elements of ``input``."""
    return _check_tensor(input, "numel")._data.size
