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


    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        values = _mt.random.geometric_values(self._data, p, generator)
        return _ops.elementwise.fill_inplace(self, values, "geometric_")

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *,
                    generator: Any = None) -> Tensor:
        """Fill with ``exp(N(mean, std**2))`` draws."""
        values = _mt.random.log_normal_values(self._data, mean, std, generator)
        return _ops.elementwise.fill_inplace(self, values, "log_normal_")

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill with Cauchy draws: ``median + sigma * tan(pi * (U - 1/2))``."""
        values = _mt.random.cauchy_values(self._data, median, sigma, generator)
        return _ops.elementwise.fill_inplace(self, values, "cauchy_")

    # ``new_*``: a new leaf with this tensor's dtype (and device) unless told otherwise.

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False, layout: Any = None,
                   pin_memory: bool = False) -> Tensor:
        """A copy of ``data`` as a new leaf, in this tensor's dtype unless ``dtype``
        (``int_tensor.new_tensor([1.5])`` is int64, as PyTorch)."""
        return _mt.tensor(data, dtype=self._data.dtype if dtype is None else dtype,
                          device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False, layout: Any = None,
                  pin_memory: bool = False) -> Tensor:
        """Uninitialised memory of ``size``, in this tensor's dtype unless ``dtype``."""
        return _mt.empty(*size, dtype=self._data.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False, layout: Any = None,
                  pin_memory: bool = False) -> Tensor:
        """Zeros of ``size``, in this tensor's dtype unless ``dtype``."""
        return _mt.zeros(*size, dtype=self._data.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, layout: Any = None,
                 pin_memory: bool = False) -> Tensor:
        """Ones of ``size``, in this tensor's dtype unless ``dtype``."""
        return _mt.ones(*size, dtype=self._data.dtype if dtype is None else dtype,
                        device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, layout: Any = None,
                 pin_memory: bool = False) -> Tensor:
        """``fill_value`` in a tensor of ``size``, in this tensor's dtype unless ``dtype``."""
        return _mt.full(size, fill_value, dtype=self._data.dtype if dtype is None else dtype,
                        device=device, requires_grad=requires_grad)

    # Random sampling with this tensor as the distribution.

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        """0/1 draws with this tensor's elements as probabilities (or ``p`` for all)."""
        return _mt.random.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """Category indices drawn from the weights in the last dimension (1-D or 2-D)."""
        return _mt.random.multinomial(self, num_samples, replacement, generator=generator)
