"""Dtypes and PyTorch's type-promotion rules, on NumPy dtypes.

``microtensor.float32`` is a :class:`dtype` object, as ``torch.float32`` is: it prints
``microtensor.float32``, ``x.dtype is microtensor.float32`` holds, and it has PyTorch's
attributes (``is_floating_point``, ``is_signed``, ``itemsize`` ...). Each one stands for
one NumPy dtype, and NumPy accepts it wherever it takes a dtype (``np.zeros(3,
microtensor.float32)``, ``arr.astype(x.dtype)``); it compares equal to that NumPy dtype
(``x.dtype == x.numpy().dtype``), so code written against NumPy dtypes keeps working. The
engine itself keeps plain NumPy dtypes on its arrays.

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
from typing import Any

import numpy as np

__all__ = [
    "bfloat16",
    "bool",
    "double",
    "dtype",
    "float",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "result_type",
    "set_default_dtype",
    "short",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
]


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, as ``torch.dtype``; one object per type (compare with ``is``).

    Attributes:
        is_floating_point, is_complex, is_signed: as PyTorch's.
        itemsize: bytes per element.

    It stands for one NumPy dtype: ``numpy.dtype(microtensor.float32)`` is
    ``numpy.dtype("float32")`` (through the ``dtype`` attribute, NumPy's protocol for
    dtype-like objects), it compares equal to it and hashes alike. Other NumPy dtype
    attributes (``kind``, ``type``, ``char`` ...) are looked up on that NumPy dtype, for
    code written against NumPy. ``bfloat16`` and ``uint64`` exist as names but cannot
    be used: NumPy has no bfloat16, and NumPy promotes uint64 with int64 to float64.
    """

    __slots__ = ("_np", "_name", "is_floating_point", "is_complex", "is_signed", "itemsize",
                 "_why_not")

    def __init__(self, name: str, np_name: str | None, why_not: str = "") -> None:
        self._name = name
        self._np = None if np_name is None else np.dtype(np_name)
        self._why_not = why_not
        nd = np.dtype(np_name or "float16")
        self.is_floating_point = nd.kind == "f"
        self.is_complex = False
        self.is_signed = nd.kind in "fi"
        self.itemsize = 2 if np_name is None else nd.itemsize

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype this one stands for (NumPy reads it to accept this object)."""
        if self._np is None or self._why_not:
            raise TypeError(f"dtype: microtensor.{self._name} is not supported: "
                            f"{self._why_not}")
        return self._np

    def to_real(self) -> dtype:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __repr__(self) -> str:
        return f"microtensor.{self._name}"

    __str__ = __repr__

    def __eq__(self, other: object) -> builtins.bool:
        if other is self:
            return True
        if isinstance(other, dtype) or self._np is None:
            return False
        if isinstance(other, np.dtype) or (isinstance(other, type)
                                           and issubclass(other, np.generic)):
            return self._np == other
        return NotImplemented

    def __ne__(self, other: object) -> builtins.bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> builtins.int:
        return hash(self._np) if self._np is not None else hash(self._name)

    def __reduce__(self) -> str:
        return self._name  # pickled by name: the module-level singleton comes back


float16 = dtype("float16", "float16")
float32 = dtype("float32", "float32")
float64 = dtype("float64", "float64")
uint8 = dtype("uint8", "uint8")
uint16 = dtype("uint16", "uint16")
uint32 = dtype("uint32", "uint32")
uint64 = dtype("uint64", "uint64", "NumPy promotes uint64 with int64 to float64, which would "
               "silently round large integers in every mixed op; use int64")
int8 = dtype("int8", "int8")
int16 = dtype("int16", "int16")
int32 = dtype("int32", "int32")
int64 = dtype("int64", "int64")
bool = dtype("bool", "bool")  # noqa: A001 - PyTorch's name, shadowing is intended
bfloat16 = dtype("bfloat16", None, "NumPy has no bfloat16; use float32 (or float16)")

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

# NumPy dtype -> microtensor dtype, for Tensor.dtype.
_FROM_NUMPY = {d._np: d for d in (float16, float32, float64, uint8, uint16, uint32, int8,
                                  int16, int32, int64, bool)}


def from_numpy_dtype(dt: np.dtype) -> dtype:
    """The :class:`dtype` of an array's NumPy dtype."""
    return _FROM_NUMPY[dt]


_builtin_bool = builtins.bool
_builtin_float = builtins.float
_builtin_int = builtins.int

# The NumPy dtypes the engine's arrays carry, for the promotion rules below.
_F32, _F64, _I64, _BOOL = float32._np, float64._np, int64._np, bool._np

_default = [_F32]  # a NumPy dtype: the engine reads it on hot paths


def get_default_dtype() -> dtype:
    """The dtype a Python float becomes (float32 unless changed)."""
    return _FROM_NUMPY[_default[0]]


def set_default_dtype(d: Any) -> None:
    """Set the dtype Python floats become; only float32 and float64 are accepted (PyTorch
    also accepts float16 and bfloat16 here)."""
    nd = to_dtype(d)
    if nd not in (_F32, _F64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got "
                        f"{_FROM_NUMPY.get(nd, nd)}")
    _default[0] = nd


def to_dtype(d: Any) -> np.dtype:
    """Normalise a user's dtype argument (``microtensor.float32``, ``"float32"``, ``np.int64``)
    to the NumPy dtype arrays carry."""
    if type(d) is dtype:
        return d.dtype
    if d is _builtin_float:
        return _F64  # as PyTorch: the Python type float means float64
    if d is _builtin_int:
        return _I64
    if d is _builtin_bool:
        return _BOOL
    try:
        return np.dtype(d)
    except TypeError:
        raise TypeError(f"dtype: {d!r} is not a dtype (use e.g. microtensor.float32)") from None


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
        return _BOOL
    if isinstance(x, (_builtin_int, np.integer)):
        return _I64
    if x is None or isinstance(x, (str, bytes)):  # PyTorch's parser: a TypeError, not NumPy's
        raise TypeError(f"expected a Tensor or a number as an operand, got "
                        f"{type(x).__name__} ({x!r})")
    return _default[0]


def _combine(higher, lower):
    # PyTorch's combine_categories: the higher-priority participant wins unless
    # the lower one is of a higher category (then they are promoted together).
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher is _BOOL or lower.kind == "f":
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
_SUPPORTED = frozenset(_FROM_NUMPY)


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
