"""Tensor factories: ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``, ``eye`` ...

Each returns a new leaf. Dtypes follow PyTorch: floats default to float32,
``arange`` with integer arguments gives int64, ``full`` infers the dtype from
its fill value. Each takes PyTorch's keywords (``dtype``, ``device``,
``requires_grad``, and ``out`` where PyTorch has it), so ``device="cpu"`` code ports
unchanged; a CUDA device raises as a CPU-only PyTorch build does.

``out=t`` writes the result into ``t`` (resizing it if its shape differs) and returns
``t``; without ``dtype`` the result takes ``t``'s dtype.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import dtypes
from .device import check as _check_device
from .device import device as _device_cls
from .errors import INT64_MAX, AllocationError, ValueRangeError, check_int64
from .grad_mode import is_grad_enabled
from .tensor import Tensor
from .tensor.core import _to_array

__all__ = [
    "arange", "as_tensor", "asarray", "empty", "empty_like", "empty_strided", "eye",
    "from_numpy", "frombuffer", "full", "full_like", "linspace", "logspace", "ones",
    "ones_like", "range", "scalar_tensor", "zeros", "zeros_like",
]

def _size(size: tuple, op: str) -> tuple[int, ...]:
    """``size`` given as varargs (``zeros(2, 3)``) or one sequence (``zeros((2, 3))``)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0 and s._data.dtype.kind in "iu":
            s = s.item()
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__}")
        check_int64(int(s), f"{op}()", "argument 'size' has an element", TypeError)
        if s < 0:
            raise ValueRangeError(f"{op}: size must be non-negative, got {list(size)} "
                                  f"(negative dimension {int(s)})")
        out.append(int(s))
    return tuple(out)


def _leaf(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def check_device(device: Any, op: str) -> None:
    """Accept PyTorch's ``device=`` argument when it names the CPU (``None`` means the
    default device); raise as a CPU-only PyTorch build does otherwise."""
    _check_device(device if device is None or isinstance(device, (str, _device_cls))
                  else str(device), op)


def _dtype(dtype: Any, default: Any = None, out: Tensor | None = None,
           op: str = "") -> np.dtype:
    """The NumPy dtype to make: ``dtype``, else ``out``'s, else ``default`` (else the
    default float dtype). A ``dtype`` that differs from ``out``'s is a RuntimeError."""
    if dtype is not None:
        d = dtypes.to_dtype(dtype)
        if out is not None and out._data.dtype != d:
            raise RuntimeError(f"{op}: dtype {dtypes.from_numpy_dtype(d)} does not match "
                               f"dtype of out parameter ({out.dtype})")
        return d
    if out is not None:
        return out._data.dtype
    return dtypes.to_dtype(default) if default is not None else dtypes._default[0]


def finish(arr: np.ndarray, requires_grad: bool, out: Tensor | None, op: str) -> Tensor:
    """A new leaf holding ``arr``, or ``arr`` written into ``out`` (resized if needed)."""
    if out is None:
        return _leaf(arr, requires_grad)
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad")
    if out._data.shape == arr.shape:
        out._data[...] = arr
    else:
        out._data = np.ascontiguousarray(arr, dtype=out._data.dtype)
    out._vc[0] += 1
    return out


def zeros(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    return _filled(args, size, 0, "zeros", out, dtype, device, requires_grad)


def ones(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)``, ``ones((2, 3))`` or ``ones(size=(2, 3))``."""
    return _filled(args, size, 1, "ones", out, dtype, device, requires_grad)


def empty(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format: Any = None) -> Tensor:
    """Uninitialised memory, as ``torch.empty`` (use only when every element is written)."""
    return _filled(args, size, None, "empty", out, dtype, device, requires_grad)


def _filled(args: tuple, size: Any, value: Any, op: str, out: Tensor | None, dtype: Any,
            device: Any, requires_grad: bool) -> Tensor:
    check_device(device, op)
    if size is not None:
        if args:
            raise TypeError(f"{op}(): got multiple values for argument 'size'")
        args = (size,)
    elif not args:
        raise TypeError(f"{op}() missing 1 required positional argument: 'size' (give () for "
                        "a 0-d tensor)")
    shape, d = _size(args, op), _dtype(dtype, None, out, op)
    arr = _alloc(shape, d, value, op)
    return finish(arr, requires_grad, out, op)


def _alloc(shape: tuple[int, ...], d: np.dtype, value: Any, op: str) -> np.ndarray:
    """``np.empty``/``np.full``, refusing a size too large to allocate as PyTorch does (a
    ``RuntimeError``), rather than NumPy's ``MemoryError``/``ValueError``."""
    nbytes = np.dtype(d).itemsize
    for s in shape:
        nbytes *= s
    if nbytes > INT64_MAX:
        raise AllocationError(f"{op}: storage size calculation overflowed with sizes="
                              f"{list(shape)}")
    try:
        return np.empty(shape, d) if value is None else np.full(shape, value, d)
    except (MemoryError, ValueError) as e:
        if isinstance(e, MemoryError) or "too big" in str(e) or "Maximum allowed" in str(e):
            raise AllocationError(f"{op}: can't allocate memory: you tried to allocate "
                                  f"{nbytes} bytes (sizes={list(shape)})") from None
        raise


def _fill_dtype(value: Any) -> np.dtype:
    if isinstance(value, (bool, np.bool_)):
        return dtypes._BOOL
    if isinstance(value, (int, np.integer)):
        return dtypes._I64
    if isinstance(value, complex):
        raise TypeError("full: complex fill values are not supported by microtensor")
    return dtypes._default[0]


def _scalar(value: Any, op: str, name: str = "fill_value") -> Any:
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.ndim:
            raise ValueRangeError(f"{op}: {name} must be a number or a 0-d tensor, got a "
                                  f"tensor of shape {tuple(value.shape)}")
        return value.item()
    if not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")
    return value


def full(size: Any, fill_value: Any, *, out: Tensor | None = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool,
    int64, or the default float dtype) unless ``dtype`` is given."""
    check_device(device, "full")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    fill_value = _scalar(fill_value, "full")
    d = _dtype(dtype, _fill_dtype(fill_value), out, "full")
    return finish(_alloc(_size((size,), "full"), d, fill_value, "full"), requires_grad, out,
                  "full")


def _like(input: Tensor, op: str) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input


def zeros_like(input: Tensor, *, dtype: Any = None, layout: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """Zeros shaped like ``input`` (its dtype unless ``dtype`` is given)."""
    check_device(device, "zeros_like")
    x = _like(input, "zeros_like")
    return _leaf(np.zeros(x.shape, _dtype(dtype, x._data.dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, layout: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """Ones shaped like ``input`` (its dtype unless ``dtype`` is given)."""
    check_device(device, "ones_like")
    x = _like(input, "ones_like")
    return _leaf(np.ones(x.shape, _dtype(dtype, x._data.dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, layout: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """Uninitialised memory shaped like ``input``."""
    check_device(device, "empty_like")
    x = _like(input, "empty_like")
    return _leaf(np.empty(x.shape, _dtype(dtype, x._data.dtype)), requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              layout: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """``fill_value`` shaped like ``input``, in ``input``'s dtype unless ``dtype`` is given
    (``full_like(int_tensor, 2.7)`` holds 2, as PyTorch)."""
    check_device(device, "full_like")
    x = _like(input, "full_like")
    d = _dtype(dtype, x._data.dtype)
    value = _scalar(fill_value, "full_like")
    if d.kind in "iu" and isinstance(value, float):
        value = math.trunc(value) if math.isfinite(value) else value
    return _leaf(np.full(x.shape, value, d), requires_grad)


def empty_strided(size: Any, stride: Any, *, dtype: Any = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """Uninitialised memory of ``size`` laid out with ``stride`` (in elements), as a NumPy
    view of a buffer just large enough."""
    check_device(device, "empty_strided")
    shape, st = _size((size,), "empty_strided"), _size((stride,), "empty_strided")
    if len(shape) != len(st):
        raise ValueRangeError(f"empty_strided: mismatch in length of strides and shape: "
                              f"{len(shape)} sizes and {len(st)} strides")
    d = _dtype(dtype)
    n = 0 if 0 in shape else 1 + sum((s - 1) * t for s, t in zip(shape, st))
    buf = np.empty(n, d)
    arr = np.lib.stride_tricks.as_strided(buf, shape, tuple(t * d.itemsize for t in st))
    return _leaf(arr, requires_grad)


# ---------------------------------------------------------------------------- ranges


def _number(v: Any, op: str, name: str) -> Any:
    return _scalar(v, op, name)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: Tensor | None = None,
           dtype: Any = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``: ``start + i * step`` for
    ``i < ceil((end - start) / step)``; int64 when every argument is an int, else the
    default float dtype. Values are computed in float64 and then cast, as PyTorch."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ValueRangeError("arange: step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise ValueRangeError(f"arange: unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise ValueRangeError("arange: upper bound and lower bound inconsistent with step "
                              "sign")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    d = _dtype(dtype, dtypes._I64 if all_int else None, out, "arange")
    if d.kind in "iub" and not all_int:
        # As PyTorch: an integer range truncates its arguments first (a step of 0.5 is 0).
        start, end, step = math.trunc(start), math.trunc(end), math.trunc(step)
        all_int = True
        if step == 0:
            raise ValueRangeError("arange: step must be nonzero")
    if all_int:
        arr = np.arange(int(start), int(end), int(step), dtype=np.int64)
    else:
        n = int(math.ceil((end - start) / step))
        arr = start + step * np.arange(n, dtype=np.float64)
    return finish(arr.astype(d, copy=False), requires_grad, out, "arange")


def range(start: Any = 0, end: Any = None, step: Any = 1, *,  # noqa: A001
          out: Tensor | None = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Deprecated in PyTorch (use :func:`arange`): ``start, start + step, ..., end``, end
    included, in the default float dtype (even for int arguments) unless ``dtype``."""
    warnings.warn("microtensor.range is deprecated and will be removed, as torch.range: use "
                  "microtensor.arange instead, which produces values in [start, end)",
                  UserWarning, stacklevel=2)
    check_device(device, "range")
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "range", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ValueRangeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueRangeError("range: upper bound and lower bound inconsistent with step "
                              "sign")
    n = int(math.floor((end - start) / step)) + 1
    arr = start + step * np.arange(n, dtype=np.float64)
    return finish(arr.astype(_dtype(dtype, None, out, "range"), copy=False), requires_grad,
                  out, "range")


def _linear_steps(start: float, end: float, steps: int, d: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: ``start + i * step`` for the first half and
    ``end - (steps - 1 - i) * step`` for the rest, in the dtype's own float arithmetic
    (float64 for integer dtypes, then truncated)."""
    work = d if d.kind == "f" else np.dtype(np.float64)
    if steps == 1:
        return np.array([start], dtype=work)
    lo, hi = work.type(start), work.type(end)
    step = (hi - lo) / work.type(steps - 1)
    i = np.arange(steps, dtype=work)
    half = steps // 2
    out = np.empty(steps, work)
    out[:half] = lo + step * i[:half]
    out[half:] = hi - step * (work.type(steps - 1) - i[half:])
    return out


def _steps_arg(steps: Any, op: str) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise ValueRangeError(f"{op}: number of steps must be non-negative")
    return int(steps)


def linspace(start: Any, end: Any, steps: int, *, out: Tensor | None = None,
             dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    check_device(device, "linspace")
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    n = _steps_arg(steps, "linspace")
    d = _dtype(dtype, None, out, "linspace")
    arr = _linear_steps(float(start), float(end), n, d) if n else np.empty(0, d)
    return finish(arr.astype(d, copy=False), requires_grad, out, "linspace")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *,
             out: Tensor | None = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    check_device(device, "logspace")
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    n = _steps_arg(steps, "logspace")
    d = _dtype(dtype, None, out, "logspace")
    work = d if d.kind == "f" else np.dtype(np.float64)
    arr = (np.power(work.type(base), _linear_steps(float(start), float(end), n, work))
           if n else np.empty(0, work))
    return finish(arr.astype(d, copy=False), requires_grad, out, "logspace")


def eye(n: int, m: int | None = None, *, out: Tensor | None = None, dtype: Any = None,
        layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The ``n × m`` identity (``m = n`` by default)."""
    check_device(device, "eye")
    for name, v in (("n", n), ("m", m)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v < 0:
            raise ValueRangeError(f"eye: {name} must be greater or equal to 0, got {v}")
    return finish(np.eye(n, m, dtype=_dtype(dtype, None, out, "eye")), requires_grad, out,
                  "eye")


# ---------------------------------------------------------------------------- from data


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


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory when it can: a Tensor of the wanted dtype is
    returned as it is, a NumPy array of it is wrapped without a copy (as
    :func:`from_numpy`); anything else is converted as :func:`microtensor.tensor` does."""
    check_device(device, "as_tensor")
    return asarray(data, dtype=dtype)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """``obj`` as a tensor: shares memory with a Tensor or NumPy array when no cast is
    needed and ``copy`` is not True; ``copy=False`` raises when a copy is unavoidable."""
    check_device(device, "asarray")
    want = None if dtype is None else dtypes.to_dtype(dtype)
    if isinstance(obj, Tensor):
        if (want is None or want == obj._data.dtype) and not copy:
            t = obj
        else:
            if copy is False:
                raise ValueRangeError("asarray: can't alias the tensor: a copy is needed to "
                                      "change its dtype, but copy=False")
            t = obj.to(want if want is not None else obj._data.dtype, copy=True).detach()
    elif isinstance(obj, np.ndarray) and (want is None or want == obj.dtype) and not copy:
        t = from_numpy(obj)
    else:
        if copy is False and not isinstance(obj, (np.ndarray, np.generic)):
            raise ValueRangeError(f"asarray: can't alias a {type(obj).__name__}: a copy is "
                                  "needed, but copy=False")
        t = Tensor._make(_to_array(obj, want, copy=True), False, None)
    if requires_grad:
        if t is obj:
            t = obj.detach()
        t.requires_grad = True
    return t


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over an object exposing the buffer protocol (shares its memory):
    ``count`` elements of ``dtype`` (all by default) from byte ``offset``."""
    d = dtypes.to_dtype(dtype)
    dtypes.check_supported(d, "frombuffer")
    nbytes = memoryview(buffer).nbytes
    if offset < 0 or offset >= nbytes:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no "
                         f"greater than buffer length ({nbytes} bytes) minus 1")
    if count == 0 or count < -1:
        raise ValueError(f"frombuffer: count must be -1 or positive, got {count}")
    if count == -1 and (nbytes - offset) % d.itemsize:
        raise ValueError(f"frombuffer: buffer length ({nbytes - offset} bytes) after offset "
                         f"({offset} bytes) must be a multiple of element size "
                         f"({d.itemsize})")
    arr = np.frombuffer(buffer, dtype=d, count=count, offset=offset)
    return _leaf(arr, requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding ``s``, in the default float dtype unless ``dtype`` is given
    (``scalar_tensor(1)`` is ``tensor(1.)``, as PyTorch)."""
    check_device(device, "scalar_tensor")
    s = _scalar(s, "scalar_tensor", "s")
    return _leaf(np.array(s, dtype=_dtype(dtype)), requires_grad)

