"""Tensor methods that make tensors: ``new_*`` factories and the in-place samplers
(PyTorch's "Creation Ops" and "Random sampling")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import microtensor as _mt

from .. import ops as _ops

if TYPE_CHECKING:
    from .core import Tensor

__all__ = ["CreationMethods"]


class CreationMethods:
    """Mixed into :class:`~microtensor.Tensor`; each method calls an op in ``microtensor/ops/``."""

    __slots__ = ()

    # The in-place samplers draw PyTorch's numbers: see microtensor/random.py.

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place from U(a, b), using the global seed (or ``generator``)."""
        values = _mt.random.uniform_values(self._data, a, b, generator)
        return _ops.elementwise.fill_inplace(self, values, "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place from N(mean, std**2), using the global seed (or ``generator``)."""
        values = _mt.random.normal_values(self._data, mean, std, generator)
        return _ops.elementwise.fill_inplace(self, values, "normal_")

    def random_(self, from_: int | None = None, to: int | None = None, *,
                generator: Any = None) -> Tensor:
        """Fill with integers: ``random_()`` [0, 2**mantissa] (floats) or [0, max] (ints);
        ``random_(to)`` [0, to); ``random_(from_, to)`` [from_, to)."""
        values = _mt.random.random_values(self._data, from_, to, generator)
        return _ops.elementwise.fill_inplace(self, values, "random_")

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill from the exponential distribution of rate ``lambd``."""
        values = _mt.random.exponential_values(self._data, lambd, generator)
        return _ops.elementwise.fill_inplace(self, values, "exponential_")

    def bernoulli_(self, p: float = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``) or 0."""
        values = _mt.random.bernoulli_values(self._data, p, generator)
        return _ops.elementwise.fill_inplace(self, values, "bernoulli_")

