"""Dtypes and PyTorch's type-promotion rules, on NumPy dtypes.

microtensor names its dtypes with NumPy's own objects (``microtensor.float32 is
numpy.dtype("float32")``), so ``x.dtype == microtensor.float32`` and
``x.numpy().dtype == x.dtype`` both hold.

Promotion follows PyTorch, which differs from NumPy in two places that matter
for a float32 graph:

* a Python number (or a NumPy scalar) never widens a tensor of its own
  category: ``float32_tensor * 2.5`` stays float32, ``int64_tensor * 2.5``
  becomes the default float dtype (float32), not float64;
* a 0-d tensor counts like a number against tensors with dimensions:
  ``float32 (3,) + float64 ()`` is float32. Integers meeting floats take the
  float type (``int64 + float32 -> float32``, NumPy says float64).
"""

from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "bool",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int8",
    "int16",
    "int32",
    "int64",
    "result_type",
    "set_default_dtype",
    "uint8",
]

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool = np.dtype("bool")  # noqa: A001 - PyTorch's name, shadowing is intended

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

_builtin_bool = builtins.bool
_builtin_float = builtins.float
_builtin_int = builtins.int

_default = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype a Python float becomes (float32 unless changed)."""
    return _default[0]


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats become; only float32 and float64 are accepted."""
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default[0] = d


def to_dtype(dtype) -> np.dtype:
    """Normalise a user's dtype argument (``microtensor.float32``, ``"float32"``, ``np.int64``)."""
    if dtype is _builtin_float:
        return _default[0]
    if dtype is _builtin_int:
        return int64
    if dtype is _builtin_bool:
        return bool
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: {dtype!r} is not a dtype (use e.g. microtensor.float32)") from None


def _category(dt: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    k = dt.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's ``promote_types``: like NumPy's, but an integer meeting a float keeps the float."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca == 2 and cb < 2:
        return a
    if cb == 2 and ca < 2:
        return b
    return np.promote_types(a, b)


def _scalar_dtype(x) -> np.dtype:
    """The dtype a Python (or NumPy) number takes when it meets a tensor."""
    if isinstance(x, (_builtin_bool, np.bool_)):
        return bool
    if isinstance(x, (_builtin_int, np.integer)):
        return int64
    return _default[0]


def _combine(higher, lower):
    # PyTorch's combine_categories: the higher-priority participant wins unless
    # the lower one is of a higher category (then they are promoted together).
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher is bool or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> np.dtype:
    """The dtype PyTorch gives an elementwise op on ``operands``.

    Operands are arrays (``ndim > 0`` ranks above 0-d) or numbers (lowest rank).
    """
    dim = zero = wrapped = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dim = x.dtype if dim is None else promote_types(dim, x.dtype)
            else:
                zero = x.dtype if zero is None else promote_types(zero, x.dtype)
        else:
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def promote_pair(a, b):
    """Cast two operands (arrays or numbers) to their PyTorch result dtype.

    The common cases -- two arrays of one dtype, a float array and a Python
    number, an integer array and a Python int -- return at once: NumPy's own
    scalar rule (NEP 50) already gives PyTorch's answer there. Otherwise both
    are cast: arrays with ``astype``, numbers to NumPy scalars of the result dtype.
    """
    ta = type(a) is _ndarray
    tb = type(b) is _ndarray
    if ta and tb:
        if a.dtype is b.dtype:
            return a, b
    elif ta:
        if (a.dtype.kind, type(b)) in _WEAK_OK:
            return a, b
    elif tb and (b.dtype.kind, type(a)) in _WEAK_OK:
        return a, b
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    rt = result_type(a, b)
    return _cast(a, rt), _cast(b, rt)


# np.ndarray looked up once: NumPy's module __getattr__ makes every np.X lookup slow, and
# promote_pair runs for most ops.
_ndarray = np.ndarray


# (array dtype kind, Python number type) pairs that NumPy's own scalar rule (NEP 50)
# combines exactly as PyTorch does: the number takes the array's dtype.
_WEAK_OK = frozenset({("f", _builtin_float), ("f", _builtin_int), ("i", _builtin_int),
                      ("u", _builtin_int)})


def _cast(x, dt: np.dtype):
    if isinstance(x, np.ndarray):
        return x if x.dtype == dt else x.astype(dt)
    return dt.type(x)


def is_floating(dt: np.dtype) -> bool:
    return dt.kind == "f"


# What a tensor can hold: microtensor's dtypes, plus uint16 and uint32, which NumPy promotes
# exactly (with int64 to int64) and which PyTorch 2.3+ also accepts from NumPy.
_SUPPORTED = frozenset({float16, float32, float64, int8, int16, int32, int64, uint8, bool,
                        np.dtype("uint16"), np.dtype("uint32")})


def check_supported(dt: np.dtype, op: str) -> None:
    """Refuse a NumPy dtype a tensor cannot hold, with a TypeError naming ``op`` and ``dt``.

    Object, string, datetime/timedelta and complex arrays are refused, as PyTorch refuses
    all but complex. uint64 is refused too, unlike PyTorch 2.3+ (where it is a dtype with
    few ops): NumPy promotes uint64 with int64 to float64, which would silently round large
    integers in every mixed op.
    """
    if dt in _SUPPORTED:
        return
    if dt == np.uint64:
        raise TypeError(f"{op}: uint64 arrays are not supported (NumPy promotes uint64 with "
                        "int64 to float64); convert with .astype(numpy.int64) first")
    if dt.kind == "c":
        raise TypeError(f"{op}: complex numbers are not supported by microtensor, got dtype {dt}")
    raise TypeError(f"{op}: can't convert an array of dtype {dt}; the supported dtypes are "
                    "float64, float32, float16, int64, int32, int16, int8, uint32, uint16, "
                    "uint8 and bool")
