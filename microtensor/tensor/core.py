"""Tensor: one NumPy array, plus what the graph needs to send a gradient back to it.

A Tensor is a thin wrapper around one ``numpy.ndarray`` (the engine reads it as
``._data``; ``.numpy()`` returns it; ``.data`` is, as in PyTorch, a detached Tensor
sharing it), ``.grad`` is a Tensor (or ``None``), ``.grad_fn`` is the graph node that
produced it (``None`` for a leaf). Every op is a :class:`~microtensor.autograd.Function` in
``microtensor/ops/``; the methods here only call them, so "go to definition"
on ``x * y`` lands on ``Mul``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import microtensor as _mt

from .. import dtypes
from .. import ops as _ops
from .. import printing as _printing
from ..device import check as _check_device
from ..errors import DtypeError
from .attributes import AttributeMethods
from .conversion import ConversionMethods
from .creation import CreationMethods
from .indexing import IndexingMethods
from .linalg import LinalgMethods
from .pointwise import PointwiseMethods
from .reduction import ReductionMethods

__all__ = ["Tensor", "tensor"]


class Tensor(AttributeMethods, ConversionMethods, PointwiseMethods, ReductionMethods,
             IndexingMethods, LinalgMethods, CreationMethods):
    """A multi-dimensional array that can record the ops applied to it.

    Create one with :func:`microtensor.tensor` (which infers the dtype and
    copies, as PyTorch's does). The constructor itself follows PyTorch's legacy
    ``torch.Tensor``: ``Tensor(data)`` is always the default float dtype (a
    float32 NumPy array is wrapped without a copy), ``Tensor(2, 3)`` is a 2×3
    tensor (of zeros here; PyTorch leaves it uninitialised), ``Tensor()`` is empty,
    and ``Tensor(t)`` of a Tensor shares ``t``'s data.
    """

    # _base, _view_steps, _views: set only on views and on tensors that have views (see
    # microtensor/ops/views.py); read with getattr(t, name, None).
    __slots__ = ("_data", "_grad", "_rg", "grad_fn", "_vc", "_hooks", "_base", "_view_steps",
                 "_views", "__weakref__")

    # NumPy defers ``ndarray <op> Tensor`` to our reflected operators.
    __array_priority__ = 1000

    def __init__(self, *args: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        want = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
        if not args:
            data = np.empty((0,), want)
        elif all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            data = np.zeros(args, want)  # Tensor(2, 3): a shape
        elif len(args) == 1 and isinstance(args[0], Tensor) and dtype is None:
            data = args[0]._data  # shares the data and keeps its dtype, as PyTorch
        elif len(args) == 1:
            data = _to_array(args[0], want, copy=False)
        else:
            raise TypeError(f"Tensor: expected data or a shape of ints, got {args!r}")
        self._data = data
        self._grad = None
        self.grad_fn = None
        self._vc = [0]
        self._hooks = None
        self._rg = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any,
              version_counter: list | None = None) -> Tensor:
        # The engine's constructor: no checks, no conversion. (The engine gives a .grad it
        # makes a longer version counter: see autograd._VERSION.)
        t = object.__new__(cls)
        t._data = data
        t._grad = None
        t._rg = requires_grad
        t.grad_fn = grad_fn
        t._vc = [0] if version_counter is None else version_counter
        t._hooks = None
        return t

    # ------------------------------------------------------------------ the data

    @property
    def data(self) -> Tensor:
        """This tensor's values as a new detached Tensor sharing its array, as PyTorch's.

        Writes through it (``p.data += -lr * p.grad``, ``p.data.zero_()``) change this
        tensor in place without being recorded, and without the version check that makes a
        pending backward refuse stale saved values: PyTorch's ``.data`` escape hatch, with
        its risk. Prefer ``with no_grad():`` updates, which are checked. ``.numpy()`` is the
        array itself.
        """
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        # PyTorch: ``p.data = t`` makes p use t's storage; shape and dtype may change.
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__} (use "
                            f"microtensor.tensor(...) or .copy_() to write values)")
        self._data = value._data

    # ------------------------------------------------------------------ autograd state

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated here (``None`` until then).

        Assigning checks it as PyTorch does: a Tensor (or ``None``) of this tensor's shape
        and dtype, and not the tensor itself.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad_assignment(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded so a gradient can flow back to it."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if value and self._data.dtype.kind != "f":
            raise DtypeError(
                f"requires_grad: only floating-point tensors can require gradients, "
                f"got dtype {self._data.dtype} (convert with .float() first)"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad of a leaf tensor; "
                "use .detach() to get a tensor outside the graph"
            )
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op produced (user-created, or not requiring grad)."""
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return fn is not None and fn._retain is not None and fn._retain() is self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self._rg:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if self.grad_fn is not None:
            _mt.autograd.retain_output_grad(self.grad_fn, self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle with ``.remove()``."""
        if not self._rg:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        from ..autograd import _RemovableHandle

        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self), shaped like ``self``; may be omitted for one element.
            retain_graph: keep the saved arrays so backward can run through the graph again.
            inputs: accumulate only into these leaves (others are left untouched).
        """
        if inputs is not None:
            ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = _mt.autograd.grad([self], ins, None if gradient is None else [gradient],
                                   retain_graph=retain_graph, create_graph=create_graph,
                                   allow_unused=True)
            for t, g in zip(ins, grads):
                if g is not None:
                    t.grad = g if t.grad is None else Tensor._make(t.grad._data + g._data,
                                                                   False, None)
            return
        _mt.autograd.backward([self], None if gradient is None else [gradient],
                           retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, outside the graph."""
        t = Tensor._make(self._data, False, None)
        t._vc = self._vc  # same storage, same version counter
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def _version(self) -> int:
        """How many times this tensor's data has been modified in place."""
        return self._vc[0]

    # ------------------------------------------------------------------ conversion

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        if self._rg and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        _ops.numpy_protocol.refuse_array(self, "turned a gradient into a NumPy array")
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.exp(t)``, ``arr * t`` ...: the matching op (see ops/numpy_protocol.py)."""
        return _ops.numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``np.where``, ``np.sum`` ...: ops inside a recorded backward, arrays elsewhere."""
        return _ops.numpy_protocol.array_function(func, args, kwargs)

    def clone(self) -> Tensor:
        """A copy with its own data that stays in the graph (gradient flows through)."""
        return _ops.elementwise.Clone.apply(self)

    def contiguous(self) -> Tensor:
        return self if self._data.flags.c_contiguous else _ops.elementwise.Clone.apply(self)

    # ------------------------------------------------------------------ Python protocol

    def __repr__(self) -> str:
        return _format(self)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor with {self._data.size} elements is "
                "ambiguous; use .any() or .all()"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ operators

    def __add__(self, other: Any) -> Tensor:
        return _ops.elementwise.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.elementwise.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.elementwise.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.elementwise.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is Tensor:  # the common case: skip mul()'s dispatch on numbers
            return _ops.elementwise.Mul.apply(self, other)
        return _ops.elementwise.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.elementwise.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.elementwise.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.elementwise.Div.apply(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ops.elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ops.elementwise.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.elementwise.Remainder.apply(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.elementwise.Remainder.apply(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ops.elementwise.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.elementwise.pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.linalg.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.linalg.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.elementwise.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.elementwise.Abs.apply(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.elementwise.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.elementwise.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.elementwise.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.elementwise.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.elementwise.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.elementwise.ge(self, other)

    # ~ & | ^ << >> are bitwise, as in PyTorch (on bool tensors: not, and, or, xor).
    def __invert__(self) -> Tensor:
        return _ops.elementwise.bitwise_not(self)

    def __and__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_xor(other, self)

    def __lshift__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_left_shift(self, other)

    def __rshift__(self, other: Any) -> Tensor:
        return _ops.elementwise.bitwise_right_shift(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.indexing.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _ops.indexing.setitem(self, index, value)

    # ------------------------------------------------------------------ in-place ops

    def __iadd__(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Add, other, "add_")

    def __isub__(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Sub, other, "sub_")

    def __imul__(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Mul, other, "mul_")

    def __itruediv__(self, other: Any) -> Tensor:
        return _ops.elementwise.inplace(self, _ops.elementwise.Div, other, "div_")



# ---------------------------------------------------------------------- construction



def _check_grad_assignment(t: Tensor, g: Any) -> None:
    if not isinstance(g, Tensor):
        raise TypeError(f"grad: assigned grad expected to be a Tensor or None but got grad of "
                        f"type {type(g).__name__}")
    if g is t:
        raise RuntimeError("grad: can't assign a tensor as its own grad")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(f"grad: attempting to assign a gradient with dtype {g._data.dtype} to "
                           f"a tensor with dtype {t._data.dtype}; they must be the same dtype")
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"grad: attempting to assign a gradient of shape {g._data.shape} to a "
                           f"tensor of shape {t._data.shape}; they must be the same shape")


def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """PyTorch's dtype inference: Python floats become the default dtype, ints int64,
    bools bool; NumPy arrays and scalars keep their dtype."""
    want = None if dtype is None else dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and data and any(isinstance(x, Tensor) for x in data):
            data = [x._data if isinstance(x, Tensor) else x for x in data]
        arr = np.asarray(data)
        if arr.dtype.kind == "f" and want is None:
            want = dtypes._default[0]  # Python floats: the default dtype
        elif arr.dtype.kind not in "fiub":
            if arr.dtype.kind == "O" or arr.dtype.kind in "SUV":
                # PyTorch: RuntimeError "Could not infer dtype"; a TypeError too.
                raise DtypeError(f"tensor: cannot make a tensor from {type(data).__name__} "
                                 f"with elements of type {arr.dtype}")
            if arr.dtype.kind == "c":
                raise TypeError("tensor: complex numbers are not supported by microtensor")
    dtypes.check_supported(arr.dtype, "tensor")  # before any dtype= cast, as PyTorch
    if want is not None and arr.dtype != want:
        return arr.astype(want)
    if copy:
        return arr.copy()
    return arr


def data_of(x: Any) -> np.ndarray:
    """The array behind an op's argument: a Tensor's ``.data``, anything else as an array.

    (``None`` stays ``None``, for optional arguments such as a bias.)
    """
    if x is None:
        return None
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def tensor(data: Any, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``.

    Args:
        data: a number, a (nested) list or tuple, a NumPy array or a Tensor. Object,
            string, datetime/timedelta and complex data raise ``TypeError`` (as PyTorch,
            complex aside), and so does uint64, which PyTorch 2.3+ accepts (NumPy would
            promote it with int64 to float64); uint16 and uint32 are kept.
        dtype: the dtype to store; by default Python floats become float32, Python ints
            int64, bools bool, and NumPy data keeps its dtype (float64 stays float64).
        device: ``None`` or the CPU (microtensor has no other device).
        requires_grad: record ops on it so ``backward`` fills its ``.grad``.
    """
    _check_device(device, "tensor")
    t = Tensor._make(_to_array(data, dtype, copy=True), False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def _format(t: Tensor) -> str:
    """``repr(t)``: see :mod:`microtensor.printing`."""
    prefix = "tensor(" if type(t) is Tensor or type(t).__name__ == "Parameter" else \
        f"{type(t).__name__}("
    return _printing.tensor_repr(t, prefix)
