"""Hook plumbing for :class:`~microtensor.nn.Module`: removable handles and full backward hooks.

A full backward hook ``hook(module, grad_input, grad_output)`` needs the
gradients at the module's boundary, which the engine never materialises as a
unit. Two identity Functions provide them: the module's tensor inputs pass
through one node and its outputs through another, and each node's backward
hands its gradients to :class:`_BackwardHook` on the way past.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

__all__ = ["BackwardHookFunction", "BackwardHookUnpack", "RemovableHandle"]


class RemovableHandle:
    """What ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook
    (also usable as ``with module.register_forward_hook(h): ...``)."""

    _next_id = itertools.count()

    def __init__(self, hooks: OrderedDict, *extra: Any) -> None:
        self.id = next(RemovableHandle._next_id)
        self._dicts = (hooks, *extra)

    def remove(self) -> None:
        for d in self._dicts:
            if isinstance(d, set):
                d.discard(self.id)
            else:
                d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# ---------------------------------------------------------------------- full backward hooks


class BackwardHookFunction(Function):
    """f(x1, ..., xn) = x1 (n = 1) or concat(ravel(xi)) (n > 1);  df/dxi = grad, or its slice i."""

    @staticmethod
    def forward(ctx, callback: Callable, seen: list | None, *arrays: np.ndarray) -> np.ndarray:
        # One node for all n tensors, so that the callback sees every gradient at once.
        # ``seen`` (outputs only) tells which unpacked tensors received a gradient.
        ctx.callback, ctx.seen = callback, seen
        ctx.shapes = [a.shape for a in arrays]
        ctx.dtypes = [a.dtype for a in arrays]
        if len(arrays) == 1:
            return arrays[0].view()
        return np.concatenate([a.ravel() for a in arrays])

    @staticmethod
    def backward(ctx, grad: np.ndarray) -> tuple:
        if len(ctx.shapes) == 1:
            grads = [grad]
        else:
            grads, start = [], 0
            for shape, dt in zip(ctx.shapes, ctx.dtypes):
                size = int(np.prod(shape))
                grads.append(grad[start:start + size].reshape(shape).astype(dt, copy=False))
                start += size
            if ctx.seen is not None:  # an output nobody used has no gradient: None, as PyTorch
                grads = [g if s else None for g, s in zip(grads, ctx.seen)]
                ctx.seen[:] = [False] * len(ctx.seen)
        return (None, None, *ctx.callback(grads))


class BackwardHookUnpack(Function):
    """f(p) = p[start:start+size] reshaped;  df/dp = zeros with the gradient at start:start+size."""

    @staticmethod
    def forward(ctx, packed: np.ndarray, start: int, shape: tuple, dtype: np.dtype,
                seen: list | None, i: int) -> np.ndarray:
        ctx.start, ctx.size, ctx.total = start, int(np.prod(shape)), packed.size
        ctx.seen, ctx.i = seen, i
        return packed[start:start + ctx.size].reshape(shape).astype(dtype)

    @staticmethod
    def backward(ctx, grad: np.ndarray) -> tuple:
        if ctx.seen is not None:
            ctx.seen[ctx.i] = True
        g = np.zeros(ctx.total, dtype=grad.dtype)
        g[ctx.start:ctx.start + ctx.size] = grad.ravel()
        return g, None, None, None, None, None


class _BackwardHook:
    """One module call's full backward hooks (PyTorch's ``torch.utils.hooks.BackwardHook``).

    The tensors going into ``forward`` pass through one identity node and the tensors
    coming out through another. Backward reaches the output node first: its callback
    records ``grad_output`` (after the backward pre-hooks). It reaches the input node
    once the whole module has been differentiated: that callback calls the user hooks
    with ``(grad_input, grad_output)`` and returns their replacement ``grad_input``.
    """

    def __init__(self, module: Module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = 0
        self.inputs_meta: list = []
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    @staticmethod
    def _wrap(args: tuple, callback: Callable, track: bool) -> tuple[tuple, list[int] | None]:
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not index or not is_grad_enabled():
            return args, None
        tensors = [args[i] for i in index]
        seen = [False] * len(tensors) if track and len(tensors) > 1 else None
        packed = BackwardHookFunction.apply(callback, seen, *tensors)
        if len(tensors) == 1:
            new = [packed]
        else:
            new, start = [], 0
            for i, t in enumerate(tensors):
                new.append(BackwardHookUnpack.apply(packed, start, t.shape, t.dtype, seen, i))
                start += t._data.size
        out = list(args)
        for i, t in zip(index, new):
            out[i] = t
        return (tuple(out) if type(args) is tuple else type(args)(*out)), index

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        self.inputs_meta = [(a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args]
        args, self.input_index = self._wrap(args, self._on_grad_inputs, track=False)
        return args

    def setup_output_hook(self, result: Any) -> Any:
        if isinstance(result, Tensor):
            self.n_outputs = 1
            out, self.output_index = self._wrap((result,), self._on_grad_outputs, track=True)
            return out[0]
        if isinstance(result, tuple):
            self.n_outputs = len(result)
            out, self.output_index = self._wrap(result, self._on_grad_outputs, track=True)
            return out
        return result  # not Tensors: no gradient can be observed, as PyTorch

    @staticmethod
    def _spread(index: list[int], grads: list, n: int) -> tuple:
        res: list = [None] * n
        for i, g in zip(index, grads):
            res[i] = None if g is None else Tensor._make(g, False, None)
        return tuple(res)

    @staticmethod
    def _gather(index: list[int], grads: tuple, before: list, what: str) -> list:
        """The arrays of ``grads`` at ``index``, checked against the gradients the hooks got
        (``before``): a hook may replace a gradient, not change its type, shape or dtype."""
        out = []
        for i, old in zip(index, before):
            g = grads[i]
            if g is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"backward hook: expected a Tensor or None for {what} {i}, "
                                f"got {type(g).__name__}")
            if old is not None and (g._data.shape != old.shape or g._data.dtype != old.dtype):
                raise RuntimeError(f"backward hook has changed {what} {i} from shape "
                                   f"{old.shape} ({old.dtype}) to shape {g._data.shape} "
                                   f"({g._data.dtype}); a hook may only replace a gradient by "
                                   "one of the same shape and dtype")
            out.append(g._data)
        return out

    def _on_grad_outputs(self, grads: list) -> list:
        assert self.output_index is not None
        grad_outputs = self._spread(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            res = hook(self.module, grad_outputs)
            if res is None:
                continue
            if len(res) != len(grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(res)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = tuple(res)
        self.grad_outputs = grad_outputs
        if self.input_index is None:
            # No input needs a gradient, so no input node exists: call the hooks now.
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return self._gather(self.output_index, grad_outputs, grads, "grad_output")

    def _on_grad_inputs(self, grads: list) -> list:
        assert self.input_index is not None
        if self.grad_outputs is None:
            return grads  # the gradient reached the inputs without passing the outputs
        res = list(self._spread(self.input_index, grads, self.n_inputs))
        for i, meta in enumerate(self.inputs_meta):
            if meta is not None and i not in self.input_index:
                # A Tensor input that needs no gradient gets zeros, as in PyTorch.
                res[i] = Tensor._make(np.zeros(meta[0], dtype=meta[1]), False, None)
        res = tuple(res)
        for hook in self.hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return self._gather(self.input_index, res, grads, "grad_input")
