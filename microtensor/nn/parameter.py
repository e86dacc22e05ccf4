"""Parameter: a Tensor that a Module registers as something to train.

``Parameter(t)`` shares ``t``'s array (no copy, as PyTorch's does) and is a
leaf that requires grad. Assigning one to a Module attribute
(``self.weight = Parameter(...)``) is what makes it appear in
``module.parameters()``, ``named_parameters()`` and ``state_dict()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from ..tensor.core import _format

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor that a :class:`~microtensor.nn.Module` treats as a trainable parameter.

    Args:
        data: the Tensor whose array (and version counter) the parameter shares; ``None``
            gives an empty float tensor, as PyTorch.
        requires_grad: whether the parameter is trained (default ``True``); only
            floating-point data may require grad.

    An optimizer's in-place update (``p.data -= lr * g`` under ``no_grad``) keeps
    the object a Parameter and a leaf. Ops on a Parameter return plain Tensors,
    as in PyTorch. Unlike PyTorch, a NumPy array is not accepted directly: wrap it
    with ``microtensor.tensor(array)`` (which copies) or ``microtensor.from_numpy``.
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = Tensor._make(np.empty(0, dtype=dtypes.get_default_dtype()), False, None)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Parameter: data must be a Tensor, got {type(data).__name__} "
                            "(wrap it with microtensor.tensor(...) first)")
        # Like torch's _make_subclass: a detached alias of data (same array, same version).
        self._data = data._data
        self._grad = None
        self.grad_fn = None
        self._vc = data._vc
        self._hooks = None
        self._rg = False
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + _format(self)

    def __deepcopy__(self, memo: dict) -> Parameter:
        # As PyTorch: a copy of the data and of requires_grad; the gradient is not copied.
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy(), False, None), self._rg)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self._data, self._rg))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data, False, None), requires_grad)
