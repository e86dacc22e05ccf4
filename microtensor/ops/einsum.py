"""einsum, and the contractions built on it: tensordot.

:func:`einsum` rewrites any equation NumPy accepts (``...``, implicit output, repeated
subscripts) into an explicit one with a letter per axis, broadcasting size-1 axes up
front (the engine sums their gradients back), so that :class:`Einsum` only ever sees
``"ij,jk->ik"``-style equations whose gradient is again one einsum.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import result_type
from ..errors import ShapeError
from ..tensor import Tensor

__all__ = ["Einsum", "einsum", "tensordot"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _einsum(equation: str, *operands: Any) -> Any:
    """``np.einsum`` on arrays, the recorded :class:`Einsum` when an operand is a Tensor."""
    if any(isinstance(o, Tensor) for o in operands):
        return Einsum.apply(equation, *operands)
    return np.einsum(equation, *operands, optimize=len(operands) > 2)


class Einsum(Function):
    """f(X₁..Xₖ) = einsum(eq, X₁..Xₖ);  df/dXᵢ = einsum of G with the other operands onto
    Xᵢ's subscripts (a repeated subscript gets an identity factor, a subscript summed only
    inside Xᵢ a ones vector: the adjoints of taking a diagonal and of summing)."""

    @staticmethod
    def forward(ctx, equation, *operands):
        dt = result_type(*operands)
        operands = tuple(np.asarray(o, dtype=dt) for o in operands)
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return np.asarray(np.einsum(equation, *operands, optimize=len(operands) > 2))

    @staticmethod
    def backward(ctx, grad):
        ops = ctx.saved_tensors
        ins, out = ctx.equation.split("->")
        subs = ins.split(",")
        grads = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            grads.append(_operand_grad(i, subs, out, ops, grad))
        return tuple(grads)


def _operand_grad(i: int, subs: list[str], out: str, ops: tuple, grad: Any) -> Any:
    """einsum(G, Xⱼ (j ≠ i), constants -> subscripts of Xᵢ)."""
    own = subs[i]
    terms, args = [out], [grad]
    for j, s in enumerate(subs):
        if j != i:
            terms.append(s)
            args.append(ops[j])
    elsewhere = set("".join(terms))
    used = set("".join(subs)) | set(out)
    fresh = iter(c for c in _LETTERS if c not in used)
    target, seen = [], {}
    for axis, c in enumerate(own):
        size = ops[i].shape[axis]
        if c in seen:  # a repeated subscript: the gradient lies on the diagonal
            d = next(fresh)
            terms.append(seen[c] + d)
            args.append(np.eye(size, dtype=grad.dtype))
            target.append(d)
            continue
        seen[c] = c
        target.append(c)
        if c not in elsewhere:  # summed only inside Xᵢ: the gradient is broadcast along it
            terms.append(c)
            args.append(np.ones(size, dtype=grad.dtype))
    return _einsum(",".join(terms) + "->" + "".join(target), *args)


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit subscripts, one letter per axis (``...`` replaced), and the output."""
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    subs = ins.split(",")
    if len(subs) != len(shapes):
        raise RuntimeError(f"einsum(): the equation {equation!r} has {len(subs)} operand(s) "
                           f"but {len(shapes)} were given")
    for s in subs + ([out] if arrow else []):
        bad = set(s.replace("...", "")) - set(_LETTERS)
        if bad or s.count("...") > 1 or "." in s.replace("...", ""):
            raise RuntimeError(f"einsum(): invalid subscript in equation {equation!r}: "
                               "use letters a-z, A-Z and at most one '...' per operand")
    used = set(eq) & set(_LETTERS)
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for s, shp in zip(subs, shapes):
        n = len(s.replace("...", ""))
        if ("..." in s and n > len(shp)) or ("..." not in s and n != len(shp)):
            raise RuntimeError(f"einsum(): the subscripts {s!r} do not match an operand of "
                               f"{len(shp)} dimension(s) (shape {tuple(shp)})")
        if "..." in s:
            n_ell = max(n_ell, len(shp) - n)
    if n_ell > len(free):
        raise RuntimeError("einsum(): too many dimensions for the available subscripts")
    ell = "".join(free[:n_ell])
    explicit = []
    for s, shp in zip(subs, shapes):
        k = len(shp) - len(s.replace("...", ""))
        explicit.append(s.replace("...", ell[n_ell - k:] if k else ""))
    if arrow:
        out = out.replace("...", ell)
        for c in out:
            if c not in "".join(explicit):
                raise RuntimeError(f"einsum(): output subscript {c!r} does not appear in the "
                                   f"equation {equation!r} for any input operand")
        if len(set(out)) != len(out):
            raise RuntimeError(f"einsum(): output subscript appears more than once in {equation!r}")
    else:
        joined = "".join(s.replace("...", "") for s in subs)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return explicit, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the subscripts ``equation`` names (NumPy's / PyTorch's rules).

    Args:
        equation: e.g. ``"ij,jk->ik"``, ``"bij,bjk"``, ``"...ii->...i"``.
        operands: the tensors, or one list of them (as PyTorch accepts). PyTorch's sublist
            form ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` works as well.

    Size-1 axes broadcast against the same subscript's size in other operands.
    """
    if isinstance(equation, Tensor):  # the sublist form: einsum(x, [0, 1], y, [1, 2], [0, 2])
        equation, operands = _from_sublists((equation, *operands))
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for o in operands:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): expected Tensor operands, got {type(o).__name__}")
    subs, out = _parse(equation, [tuple(o.shape) for o in operands])
    sizes: dict[str, int] = {}
    for s, o in zip(subs, operands):
        for c, n in zip(s, o.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ShapeError(f"einsum(): subscript {c!r} has size {n} for one operand "
                                 f"but {sizes[c]} for another, which cannot be broadcast")
            if n != 1 or c not in sizes:
                sizes[c] = n
    fixed = []
    for s, o in zip(subs, operands):
        want = tuple(sizes[c] for c in s)
        if want != tuple(o.shape):
            o = o.expand(*want)
        fixed.append(o)
    return Einsum.apply(",".join(subs) + "->" + out, *fixed)


def _from_sublists(args: tuple) -> tuple[str, tuple]:
    """``(x, [0, 1], y, [1, 2], [0, 2])`` as ``("ab,bc->ac", (x, y))`` (``...`` allowed)."""
    def letters(sub: Any) -> str:
        out = []
        for i in sub:
            if i is Ellipsis:
                out.append("...")
            elif isinstance(i, (int, np.integer)) and 0 <= i < len(_LETTERS):
                out.append(_LETTERS[i])
            else:
                raise RuntimeError(f"einsum(): subscript in subscript list is not within the "
                                   f"valid range [0, 52), got {i!r}")
        return "".join(out)

    pairs = args[: len(args) - len(args) % 2]  # (tensor, sublist) pairs, then the output's
    tensors = list(pairs[0::2])
    subs = [letters(sub) for sub in pairs[1::2]]
    eq = ",".join(subs)
    if len(args) % 2:
        eq += "->" + letters(args[-1])
    return eq, tuple(tensors)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Any = None) -> Tensor:
    """Sum over ``dims`` axes: the last ``dims`` of ``a`` with the first ``dims`` of ``b``,
    or the axes listed in ``dims = ([a axes], [b axes])``."""
    if out is not None:
        raise TypeError("tensordot: out= is not supported")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    elif isinstance(dims, Sequence) and len(dims) == 2:
        da = [dims[0]] if isinstance(dims[0], int) else list(dims[0])
        db = [dims[1]] if isinstance(dims[1], int) else list(dims[1])
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists, got {dims!r}")
    if len(da) != len(db):
        raise RuntimeError("tensordot: both dimension lists should have same length")
    da = [d % a.ndim if a.ndim else d for d in da]
    db = [d % b.ndim if b.ndim else d for d in db]
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[i]} in dim {i} and second has size "
                               f"{b.shape[j]} in dim {j}")
        sb[j] = sa[i]
    out_ = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb)
                                                            if k not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out_), a, b)
