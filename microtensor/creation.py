"""Tensor factories: ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``, ``eye`` ...

Each returns a new leaf. Dtypes follow PyTorch: floats default to float32,
``arange`` with integer arguments gives int64, ``full`` infers the dtype from
its fill value. Each takes PyTorch's ``device=`` keyword, so ``device="cpu"``
code ports unchanged; any other device is a ValueError (microtensor is CPU-only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .tensor import Tensor

__all__ = [
    "arange",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "zeros",
    "zeros_like",
]


def _size(size: tuple, op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{op}: size must be non-negative ints, got {tuple(size)}")
        out.append(int(s))
    return tuple(out)


def _leaf(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def check_device(device: Any, op: str) -> None:
    """Accept PyTorch's ``device=`` argument when it names the CPU (``"cpu"``, a CPU
    ``torch.device``-like object, ``None``); anything else is a ValueError."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise ValueError(f"{op}: microtensor runs on the CPU only, got device {device!r}")


def _dtype(dtype: Any, default: np.dtype | None = None) -> np.dtype:
    if dtype is None:
        return default if default is not None else dtypes.get_default_dtype()
    return dtypes.to_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    check_device(device, "zeros")
    return _leaf(np.zeros(_size(size, "zeros"), _dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    check_device(device, "ones")
    return _leaf(np.ones(_size(size, "ones"), _dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Uninitialised memory, as ``torch.empty`` (use only when every element is written)."""
    check_device(device, "empty")
    return _leaf(np.empty(_size(size, "empty"), _dtype(dtype)), requires_grad)


def _fill_dtype(value: Any) -> np.dtype:
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(value, (int, np.integer)):
        return dtypes.int64
    return dtypes.get_default_dtype()


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    check_device(device, "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = _dtype(dtype, _fill_dtype(fill_value))
    return _leaf(np.full(_size((size,), "full"), fill_value, d), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    check_device(device, "zeros_like")
    return _leaf(np.zeros(input.shape, _dtype(dtype, input.dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    check_device(device, "ones_like")
    return _leaf(np.ones(input.shape, _dtype(dtype, input.dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    check_device(device, "empty_like")
    return _leaf(np.empty(input.shape, _dtype(dtype, input.dtype)), requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False) -> Tensor:
    check_device(device, "full_like")
    return _leaf(np.full(input.shape, fill_value, _dtype(dtype, input.dtype)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``; int64 when every argument is an int."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    d = _dtype(dtype, dtypes.int64 if all_int else None)
    # Compute in float64 then cast, so a float32 range has PyTorch's length and endpoints.
    n = int(np.ceil((end - start) / step))
    arr = (start + step * np.arange(max(n, 0), dtype=np.float64)) if not all_int else \
        np.arange(start, end, step, dtype=np.int64)
    return _leaf(arr.astype(d, copy=False), requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    check_device(device, "linspace")
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    return _leaf(np.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    check_device(device, "eye")
    return _leaf(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (no copy; its dtype is kept).

    Object, string, datetime/timedelta and complex arrays raise ``TypeError``, as in
    PyTorch (complex aside: microtensor has no complex dtype), and so do uint64 arrays,
    which PyTorch 2.3+ accepts: see :func:`microtensor.dtypes.check_supported`.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    dtypes.check_supported(ndarray.dtype, "from_numpy")
    return Tensor._make(ndarray, False, None)
