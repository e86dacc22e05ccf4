"""The transforms of :mod:`microtensor.func`: grad, grad_and_value, vjp, jacrev, jacfwd,
hessian; and the pytrees they take (see the package docstring for how calls nest)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import autograd as ag
from ..grad_mode import enable_grad, is_grad_enabled
from ..tensor import Tensor

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "vjp"]


# --------------------------------------------------------------------------- pytrees

_LEAF = None  # the spec of a leaf


def _flatten(tree: Any) -> tuple[list, Any]:
    """The leaves of a pytree (Tensors, tuples, lists, dicts), in order, and its structure."""
    leaves: list = []

    def spec(t: Any) -> Any:
        if isinstance(t, (tuple, list)):
            return (type(t), None, [spec(c) for c in t])
        if isinstance(t, dict):
            return (type(t), list(t), [spec(c) for c in t.values()])
        leaves.append(t)
        return _LEAF

    return leaves, spec(tree)


def _unflatten(structure: Any, leaves: list) -> Any:
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s is _LEAF:
            return next(it)
        kind, keys, children = s
        values = [build(c) for c in children]
        if keys is not None:
            return kind(zip(keys, values))
        if kind is tuple or kind is list:
            return kind(values)
        return kind(*values)  # a namedtuple

    return build(structure)


def _spec_str(s: Any) -> str:
    """A structure as PyTorch prints it in its messages: ``*``, ``(*, *)``, ``{'a': *}``."""
    if s is _LEAF:
        return "*"
    kind, keys, children = s
    inner = [_spec_str(c) for c in children]
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(keys, inner)) + "}"
    if issubclass(kind, list):
        return "[" + ", ".join(inner) + "]"
    return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"


def _check_tensors(leaves: list, message: str, error: type = RuntimeError) -> None:
    for t in leaves:
        if not isinstance(t, Tensor):
            raise error(f"{message}{type(t)}")


# --------------------------------------------------------------------------- one transform call


class _Call:
    """One call of a transform: where its part of the graph starts, and its own leaves.

    Nodes are numbered as they are recorded (``Node._seq``), so a node older than this
    call, or a leaf this call did not make, is *outside* it.
    """

    def __init__(self) -> None:
        self.tracking = is_grad_enabled()  # under no_grad() nothing outside is tracked
        self.start = ag._next_seq()
        self.own: set[int] = set()
        self.inputs: list[Tensor] = []

    def wrap(self, x: Tensor) -> Tensor:
        """A differentiable stand-in for ``x``, distinct from every other input."""
        if not x.is_floating_point():
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self.tracking and x.requires_grad:
            w = x.view_as(x)  # in the outer graph: the gradient keeps its path to x
        else:
            w = x.detach().requires_grad_()
            self.own.add(id(w))
        self.inputs.append(w)
        return w

    def reaches_outside(self, tensors: Sequence[Tensor]) -> bool:
        """Whether any of ``tensors`` depends on a tensor that requires grad from outside."""
        stack, seen = [], set()
        for t in tensors:
            if t.grad_fn is not None:
                stack.append(t.grad_fn)
            elif t.requires_grad and id(t) not in self.own:
                return True
        while stack:
            node = stack.pop()
            if node._seq < self.start:
                return True
            for e in node._next:
                if e is None:
                    continue
                if type(e) is ag.Node:
                    if id(e) not in seen:
                        seen.add(id(e))
                        stack.append(e)
                elif id(e) not in self.own:
                    return True
        return False

    def lift(self, t: Any) -> Any:
        """A result as the caller sees it: detached unless it depends on the outside."""
        if isinstance(t, Tensor) and t.requires_grad:
            if not (self.tracking and self.reaches_outside([t])):
                return t.detach()
        return t

    def gradients(self, outputs: list[Tensor], cotangents: list[Any] | None, retain: bool,
                  outside: bool) -> list[Tensor]:
        """Gradients of ``outputs`` (seeded with ``cotangents``) at this call's inputs;
        zeros for an input they do not depend on. ``outside``: the outputs depend on a
        tensor from outside the call (then its graph is kept, and, unless under no_grad,
        the backward pass is recorded)."""
        seeded = zip(outputs, cotangents if cotangents is not None else [None] * len(outputs))
        pairs = [(o, c) for o, c in seeded if o.requires_grad]
        seeds_tracked = any(isinstance(c, Tensor) and c.requires_grad for _, c in pairs)
        create = self.tracking and (outside or seeds_tracked)
        if pairs:
            outs = [o for o, _ in pairs]
            seeds = None if cotangents is None else [c for _, c in pairs]
            got = ag.grad(outs, self.inputs, grad_outputs=seeds, create_graph=create,
                          retain_graph=retain or outside or create, allow_unused=True)
        else:
            got = [None] * len(self.inputs)
        result = []
        for x, g in zip(self.inputs, got):
            if g is None:
                g = Tensor._make(np.zeros(x.shape, x.dtype), False, None)
            else:
                if create:
                    g = self.lift(g)
                if not g.requires_grad and not g._data.flags.writeable:
                    g = Tensor._make(g._data.copy(), False, None)  # (a broadcast view: the
                    # caller may write into a gradient, as into PyTorch's)
            result.append(g)
        return result


def _argnums(argnums: Any, n: int) -> tuple[tuple[int, ...], bool]:
    """Normalised argnums and whether one int was given (PyTorch's checks and messages)."""
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    if not single and not (isinstance(argnums, tuple)
                           and all(isinstance(a, int) and not isinstance(a, bool)
                                   for a in argnums)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    nums = (argnums,) if single else argnums
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    out = []
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
        out.append(a % n)
    if len(set(out)) != len(out):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(out), single


def _wrap_args(call: _Call, args: tuple, nums: tuple[int, ...]) -> tuple[list, list]:
    """``args`` with the leaves of the differentiated ones wrapped; and their structures."""
    args = list(args)
    structures = []
    for i in nums:
        leaves, structure = _flatten(args[i])
        _check_tensors(leaves, "Thing passed to transform API must be Tensor, got ", ValueError)
        args[i] = _unflatten(structure, [call.wrap(t) for t in leaves])
        structures.append((structure, len(leaves)))
    return args, structures


def _regroup(flat: list, structures: list, single: bool) -> Any:
    """Per-input results (flat, in order) in the structure of the differentiated args."""
    out, k = [], 0
    for structure, n in structures:
        out.append(_unflatten(structure, flat[k:k + n]))
        k += n
    return out[0] if single else tuple(out)


def _split_aux(out: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    aux_leaves, _ = _flatten(out[1])
    _check_tensors(aux_leaves, "Expected tensors, got unsupported type ")
    return out


def _lift_tree(call: _Call, tree: Any) -> Any:
    leaves, structure = _flatten(tree)
    return _unflatten(structure, [call.lift(t) for t in leaves])


# --------------------------------------------------------------------------- grad


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:
    """``grad_and_value(f)(*args)`` is ``(∇f(args), f(args))``, from one forward pass.

    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is
    ``(∇f, (output, aux))``. ``argnums`` selects the differentiated positional args (an
    int: the gradient has that arg's structure; a tuple: a tuple of those).
    """
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        where = "grad_and_value(f)(*args)"
        nums, single = _argnums(argnums, len(args))
        call = _Call()
        wrapped, structures = _wrap_args(call, args, nums)
        with enable_grad():
            out, aux = _split_aux(func(*wrapped, **kwargs), has_aux, where)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{where}: Expected f(*args) to return a Tensor, got "
                               f"{type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"{where}: Expected f(*args) to return a scalar Tensor, got "
                               f"tensor with {out.ndim} dims. Maybe you wanted to use the vjp "
                               "or jacrev APIs instead?")
        outside = call.reaches_outside([out])
        grads = call.gradients([out], None, retain=False, outside=outside)
        g = _regroup(grads, structures, single)
        value = call.lift(out)
        if has_aux:
            return g, (value, _lift_tree(call, aux))
        return g, value

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``grad(f)(*args)`` is ∇f at ``args``, for ``f`` returning a 0-d tensor.

    ``grad(grad(f))`` differentiates again, to any order. With ``has_aux=True``, ``f``
    returns ``(output, aux)`` and the result is ``(∇f, aux)``. Example::

        >>> d2 = grad(grad(lambda x: x.sin()))
        >>> d2(mt.tensor(0.5))          # -sin(0.5)
    """
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# --------------------------------------------------------------------------- vjp and Jacobians


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``, or with ``has_aux`` ``(output, vjp_fn, aux)``.

    ``vjp_fn(cotangents)`` (shaped like the output) returns ``vᵀJ``: a tuple with one
    entry per primal, shaped like it. It may be called any number of times.
    """
    where = "vjp(f, *primals)"
    call = _Call()
    wrapped, structures = _wrap_args(call, primals, tuple(range(len(primals))))
    with enable_grad():
        out, aux = _split_aux(func(*wrapped), has_aux, where)
    outs, out_structure = _flatten(out)
    _check_tensors(outs, f"{where}: expected f(*primals) to return only tensors, got "
                         "unsupported type ")
    outside = call.reaches_outside(outs)

    def vjp_fn(cotangents: Any, retain_graph: bool = True,
               create_graph: bool | None = None) -> tuple:
        cts, ct_structure = _flatten(cotangents)
        if ct_structure != out_structure:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function. cotangents: "
                               f"{_spec_str(ct_structure)}, primal output: "
                               f"{_spec_str(out_structure)}")
        _check_tensors(cts, "vjp_fn: expected cotangents to be tensors, got ")
        for i, (c, o) in enumerate(zip(cts, outs)):
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{tuple(c.shape)} and output[{i}] has a shape of "
                                   f"{tuple(o.shape)}.")
        got = call.gradients(outs, cts, retain=retain_graph,
                             outside=outside or bool(create_graph))
        g = _regroup(got, structures, False)
        return g

    result = _unflatten(out_structure, [call.lift(o) for o in outs])
    if has_aux:
        return result, vjp_fn, _lift_tree(call, aux)
    return result, vjp_fn


def _jacobian(func: Callable, argnums: Any, has_aux: bool, where: str) -> Callable:
    def wrapper(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args))
        call = _Call()
        wrapped, structures = _wrap_args(call, args, nums)
        with enable_grad():
            out, aux = _split_aux(func(*wrapped), has_aux, where)
        outs, out_structure = _flatten(out)
        _check_tensors(outs, f"{where}: expected f(*primals) to return only tensors, got "
                             "unsupported type ")
        outside = call.reaches_outside(outs)
        blocks = [_jacobian_of(call, o, outside, structures, single) for o in outs]
        jac = _unflatten(out_structure, blocks)
        return (jac, _lift_tree(call, aux)) if has_aux else jac

    return wrapper


def _jacobian_of(call: _Call, out: Tensor, outside: bool, structures: list,
                 single: bool) -> Any:
    """d out / d inputs: one backward pass per element of ``out``, seeded with a one-hot."""
    from .. import stack  # (at call time: the package imports this module before its ops)

    rows: list[list[Tensor]] = [[] for _ in call.inputs]
    n = out.numel()
    for k in range(n):
        seed = np.zeros(out.shape, out.dtype)
        seed.reshape(-1)[k] = 1
        got = call.gradients([out], [Tensor._make(seed, False, None)], retain=True,
                             outside=outside)
        for r, g in zip(rows, got):
            r.append(g)
    flat = []
    for x, r in zip(call.inputs, rows):
        if r:
            j = stack(r, 0).reshape(*out.shape, *x.shape)
        else:
            j = Tensor._make(np.zeros((*out.shape, *x.shape), x.dtype), False, None)
        flat.append(call.lift(j))
    return _regroup(flat, structures, single)


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable:
    """The Jacobian of ``func`` by reverse mode: for each output, a tensor of shape
    ``output.shape + input.shape`` (per differentiated arg: a tuple for a tuple ``argnums``).

    ``chunk_size`` (how many rows PyTorch's ``vmap`` computes at once) is checked and
    otherwise ignored: the rows are computed one by one.
    """
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "vjp(f, *primals)")


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian of ``func``, as :func:`jacrev` returns it.

    Differs from PyTorch: microtensor has no forward mode, so this is computed by reverse
    mode (one backward pass per output element): the same values, the cost of ``jacrev``.
    ``randomness`` (a ``vmap`` setting) is checked and otherwise ignored.
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    return _jacobian(func, argnums, has_aux, "jvp(f, primals, tangents)")


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of a scalar ``func``: ``jacfwd(jacrev(func, argnums), argnums)``; for one
    input of shape S a tensor of shape S + S, for a tuple ``argnums`` a tuple of tuples."""
    return jacfwd(jacrev(func, argnums), argnums)
