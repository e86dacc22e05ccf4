"""The exceptions microtensor raises, and how they relate to PyTorch's.

PyTorch raises ``RuntimeError`` for a shape mismatch and ``IndexError`` for a
dimension out of range; Python code usually expects ``ValueError`` for both.
Each class here derives from both, so ``except ValueError`` and code written
for PyTorch (``except RuntimeError`` / ``except IndexError``) both catch it.
"""

from __future__ import annotations

__all__ = ["AllocationError", "DimensionError", "DivisionByZeroError", "DtypeError",
           "GradcheckError", "ShapeError", "ValueRangeError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit the op (broadcast, matmul, cat, reshape ...)."""


class ValueRangeError(ValueError, RuntimeError):
    """Values outside what the op accepts (e.g. BCE probabilities outside [0, 1]): PyTorch
    raises ``RuntimeError``."""


class DimensionError(ValueError, IndexError):
    """A ``dim`` argument outside ``[-ndim, ndim)``."""


class DtypeError(TypeError, RuntimeError):
    """A dtype the op cannot take (e.g. ``requires_grad`` on integer data)."""


class DivisionByZeroError(ZeroDivisionError, RuntimeError):
    """Integer ``//``, ``%`` or rounded ``div`` by zero: PyTorch raises ``RuntimeError``
    ("ZeroDivisionError"), Python ``ZeroDivisionError``; this is both."""


class AllocationError(MemoryError, RuntimeError):
    """A requested tensor too large to allocate: PyTorch raises ``RuntimeError`` ("can't
    allocate memory"), NumPy ``MemoryError``; this is both."""


INT64_MAX = 2**63 - 1


def check_int64(value: int, op: str, what: str, exc: type = ValueError) -> int:
    """``value`` if it fits a C ``int64`` (PyTorch's argument parser refuses larger Python ints
    with "Overflow when unpacking long long" before doing any work)."""
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise exc(f"{op}: {what} {value} does not fit in int64 (Overflow when unpacking long "
                  f"long)")
    return value


class GradcheckError(RuntimeError):
    """An analytic gradient that disagrees with central finite differences."""


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """Map ``dim`` into ``[0, ndim)``; a 0-d tensor accepts ``dim`` in ``{-1, 0}`` (as PyTorch)."""
    n = ndim if ndim else 1
    if type(dim) is not int:
        if isinstance(dim, bool):  # an int to Python, but PyTorch's parser refuses it as a dim
            raise TypeError(f"{op}: dim must be an int, got bool ({dim})")
        try:
            dim = dim.__index__()
        except AttributeError:
            raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    if not -n <= dim < n:
        raise DimensionError(
            f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension"
            f"{'' if ndim == 1 else 's'} (expected a dim in [{-n}, {n - 1}])"
        )
    return dim + n if dim < 0 else dim


def normalize_dims(dim, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative axes.

    ``None`` means every axis; so does an empty tuple or list, as in PyTorch.
    """
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        axes = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dim {tuple(dim)} names a dimension more than once")
        if ndim == 0:
            return ()
        return tuple(sorted(axes))
    d = normalize_dim(dim, ndim, op)
    return (d,) if ndim else ()
