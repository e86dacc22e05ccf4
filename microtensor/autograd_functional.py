"""``microtensor.autograd.functional``: Jacobians, Hessians and their products with vectors.

The signatures, defaults and return structures are ``torch.autograd.functional``'s. Each
is a few calls of :func:`microtensor.autograd.grad`; those that need second derivatives
(``hessian``, ``hvp``, ``vhp``, ``jvp``) run it with ``create_graph=True``:

- ``vjp``: vᵀJ, one backward pass seeded with v;
- ``jvp``: Jv by the "double backward" trick: u ↦ uᵀJ is linear in u, so the gradient of
  ⟨uᵀJ, v⟩ with respect to u is Jv (two backward passes, the first recorded);
- ``jacobian``: one backward pass per output element (``vectorize`` is accepted, and the
  rows are still computed one by one);
- ``hessian``: the Jacobian of the gradient;
- ``vhp``: vᵀH, the gradient of ⟨∇f, v⟩; ``hvp``: Hv, by the double-backward trick on
  ``vhp`` (equal to ``vhp`` for the symmetric Hessians of twice-differentiable functions).

``inputs`` may be a Tensor or a tuple of Tensors, and the results follow its shape: a
tuple for a tuple. Inputs are detached first (or, with ``create_graph=True``, kept in
their graph), so ``func`` is differentiated at the values given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import enable_grad, grad
from .ops.joining import stack
from .tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: the {what} must be a Tensor or a tuple of Tensors, but "
                            f"{what} {i} is {type(t).__name__}")
    return is_tuple, xs


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    # Differentiate at these values: a fresh leaf per input, or (create_graph) the input
    # itself kept in its graph, so that the result can be differentiated further.
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(t.dtype.kind == "f"))
    return tuple(out)


def _finish(xs: tuple, create_graph: bool) -> tuple:
    return tuple(x if x is None or create_graph else x.detach() for x in xs)


def _untuple(xs: tuple, is_tuple: bool) -> Any:
    return xs if is_tuple else xs[0]


def _grads(outputs: tuple, inputs: tuple, grad_outputs: Any, create_graph: bool,
           strict: bool, fn: str, retain_graph: bool | None = None) -> tuple:
    """Gradients of ``outputs`` at ``inputs``; zeros (or, strict, an error) for unused ones."""
    outs = [o for o in outputs if o.requires_grad]
    gos = None if grad_outputs is None else [g for o, g in zip(outputs, grad_outputs)
                                             if o.requires_grad]
    if outs:
        gs = grad(outs, list(inputs), grad_outputs=gos, create_graph=create_graph,
                  retain_graph=retain_graph if retain_graph is not None else create_graph,
                  allow_unused=True)
    else:
        gs = (None,) * len(inputs)
    result = []
    for i, (x, g) in enumerate(zip(inputs, gs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output of the user-provided function is "
                                   f"independent of input {i}. This is not allowed in strict "
                                   f"mode.")
            g = Tensor._make(np.zeros(x.shape, x.dtype), False, None)
        result.append(g)
    return tuple(result)


def _validate_v(v: Any, like: tuple, is_tuple: bool, fn: str, what: str) -> tuple:
    vs = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v is a tuple of {len(vs)} Tensors but the {what} has "
                           f"{len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if not isinstance(a, Tensor):
            raise TypeError(f"{fn}: v must be a Tensor or a tuple of Tensors, got "
                            f"{type(a).__name__} at {i}")
        if a.shape != b.shape:
            raise RuntimeError(f"{fn}: entry {i} of v has shape {tuple(a.shape)} but the "
                               f"{what} there has shape {tuple(b.shape)}")
    return vs


def _call(func: Callable, inputs: tuple, fn: str) -> tuple[bool, tuple]:
    with enable_grad():
        out = func(*inputs)
    return _as_tuple(out, "outputs", fn)


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ J)``; ``v`` may be omitted when ``func`` returns one element."""
    is_in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(xs, create_graph)
    is_out_tuple, ys = _call(func, xs, "vjp")
    if v is None:
        if len(ys) != 1 or ys[0].numel() != 1:
            raise RuntimeError("vjp: the vector v can only be None if the user-provided "
                               "function returns a single Tensor with a single element.")
        vs = None
    else:
        vs = _validate_v(v, ys, is_out_tuple, "vjp", "output")
    g = _grads(ys, xs, vs, create_graph, strict, "vjp")
    return (_untuple(_finish(ys, create_graph), is_out_tuple),
            _untuple(_finish(g, create_graph), is_in_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``; ``v`` may be omitted when the input has one element."""
    is_in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    xs = _prepare(xs, create_graph)
    vs = _vector_like_inputs(v, xs, is_in_tuple, "jvp")
    is_out_tuple, ys = _call(func, xs, "jvp")
    jv = _double_backward(ys, xs, vs, create_graph, strict, "jvp")
    return (_untuple(_finish(ys, create_graph), is_out_tuple),
            _untuple(_finish(jv, create_graph), is_out_tuple))


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for one output and one input a Tensor of
    shape ``output.shape + input.shape``; tuples of those for tuples, as PyTorch.

    ``vectorize`` is accepted and changes nothing; ``strategy`` must be "reverse-mode"
    (microtensor has no forward mode)."""
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' (microtensor has no "
                         f"forward mode), got {strategy!r}")
    is_in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(xs, create_graph)
    is_out_tuple, ys = _call(func, xs, "jacobian")
    blocks = []
    for y in ys:
        rows: list[list[Tensor]] = [[] for _ in xs]
        flat = y.reshape(-1)
        for k in range(flat.numel()):
            g = _grads((flat[k],), xs, None, create_graph, strict, "jacobian",
                       retain_graph=True)
            for i, gi in enumerate(g):
                rows[i].append(gi)
        per_input = []
        for x, r in zip(xs, rows):
            j = (stack(r, 0) if r else
                 Tensor._make(np.zeros((0, *x.shape), x.dtype), False, None))
            j = j.reshape(*y.shape, *x.shape)
            per_input.append(j if create_graph else j.detach())
        blocks.append(_untuple(tuple(per_input), is_in_tuple))
    return _untuple(tuple(blocks), is_out_tuple)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: shape ``input.shape * 2`` for one
    input; a tuple of tuples (block ``[i][j]`` = d²f / dxᵢ dxⱼ) for a tuple of inputs."""
    is_in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*a: Tensor) -> Tensor:
        out = func(*a)
        is_tuple, outs = _as_tuple(out, "outputs", "hessian")
        if is_tuple or outs[0].numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a "
                               "single Tensor with a single element")
        return outs[0].reshape(())

    def gradient(*a: Tensor) -> tuple:
        return jacobian(scalar, a, create_graph=True, strict=strict)

    h = jacobian(gradient, xs, create_graph=create_graph, strict=strict,
                 strategy=outer_jacobian_strategy)
    if not is_in_tuple:
        return h[0][0]
    return h


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ H)`` for a scalar ``func``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for a scalar ``func`` (the double-backward trick)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool,
                     fn: str) -> tuple[Any, Any]:
    """``vhp`` (``fn="vhp"``: vᵀH, the gradient of ⟨∇f, v⟩) or ``hvp`` (H v)."""
    is_in_tuple, xs = _as_tuple(inputs, "inputs", fn)
    xs = _prepare(xs, create_graph)
    vs = _vector_like_inputs(v, xs, is_in_tuple, fn)
    out, gradient = _scalar_and_gradient(func, xs, strict, fn)
    if fn == "vhp":
        r = _grads(gradient, xs, vs, create_graph, strict, fn)
    else:
        r = _double_backward(gradient, xs, vs, create_graph, strict, fn)
    return _finish((out,), create_graph)[0], _untuple(_finish(r, create_graph), is_in_tuple)


def _double_backward(ys: tuple, xs: tuple, vs: tuple, create_graph: bool, strict: bool,
                     fn: str) -> tuple:
    """J v for ``ys`` = f(``xs``): u ↦ uᵀJ is linear in u, so the gradient of ⟨uᵀJ, v⟩ with
    respect to u is J v (two backward passes, the first recorded)."""
    us = tuple(Tensor._make(np.zeros(y.shape, y.dtype), True, None) for y in ys)
    back = _grads(ys, xs, us, True, strict, fn)
    return _grads(back, us, vs, create_graph, strict, fn)


def _vector_like_inputs(v: Any, xs: tuple, is_tuple: bool, fn: str) -> tuple:
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError(f"{fn}: the vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        return (Tensor._make(np.ones(xs[0].shape, xs[0].dtype), False, None),)
    return _validate_v(v, xs, is_tuple, fn, "input")


def _scalar_and_gradient(func: Callable, xs: tuple, strict: bool, fn: str) -> tuple:
    is_tuple, outs = _call(func, xs, fn)
    if is_tuple or outs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor "
                           "with a single element")
    out = outs[0]
    return out, _grads((out,), xs, None, True, strict, fn)
