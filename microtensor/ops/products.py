"""BLAS-style products composed of matmul, einsum and elementwise ops (and the trapezoid
rule, which PyTorch files under "BLAS and LAPACK Operations").

None of these needs a Function of its own: each is a line of recorded ops (matmul,
einsum, mul, sum), so its gradient, and its gradient's gradient, come from theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DtypeError, ShapeError, normalize_dim
from ..tensor import Tensor
from . import reduction as _red
from .arithmetic import write_out
from .elementwise import where
from .linalg import matmul

__all__ = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "cdist", "chain_matmul", "cross",
           "cumulative_trapezoid", "ger", "inner", "kron", "linalg_cross", "multi_dot", "mv",
           "outer", "trapezoid", "trapz", "vdot", "vecdot"]


def _tensor(x: Any, op: str, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _dims(x: Tensor, n: int, op: str, name: str) -> None:
    if x.ndim != n:
        raise ShapeError(f"{op}: expected {name} to be a {n}-D tensor, but got a "
                         f"{x.ndim}-D tensor of shape {tuple(x.shape)}")


def _scaled(x: Tensor, c: Any) -> Tensor:
    return x if c == 1 else x * c


def _add_scaled(input: Tensor, prod: Tensor, beta: Any, alpha: Any, op: str) -> Tensor:  # noqa: A002
    """beta * input + alpha * prod; beta = 0 ignores input (its nan and inf too), as PyTorch."""
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(prod.shape))
    except ValueError:
        shape = None
    if shape != tuple(prod.shape):
        raise ShapeError(f"{op}: the input of shape {tuple(input.shape)} cannot be broadcast "
                         f"to the product's shape {tuple(prod.shape)}")
    if beta == 0:  # input ignored; still in the graph, with a zero gradient (as PyTorch's)
        out = _scaled(prod, alpha)
        if input.requires_grad:
            out = out + where(np.zeros(tuple(input.shape), bool), input, 0)
        return out
    return _scaled(input, beta) + _scaled(prod, alpha)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors: out[i, j] = input[i] · vec2[j]."""
    _dims(_tensor(input, "outer", "input"), 1, "outer", "input")
    _dims(_tensor(vec2, "outer", "vec2"), 1, "outer", "vec2")
    return write_out(input.unsqueeze(1) * vec2.unsqueeze(0), out, "outer")


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Alias of :func:`outer`."""
    return outer(input, vec2)


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum of products over the last dims (a 0-d operand multiplies):
    out[i..., j...] = Σₖ input[i..., k] other[j..., k]."""
    from .einsum import tensordot

    _tensor(input, "inner", "input")
    _tensor(other, "inner", "other")
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ShapeError(f"inner() the last dimension must match on both input tensors but got "
                         f"shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix-vector product (n, m) @ (m,) -> (n,)."""
    _dims(_tensor(input, "mv", "input"), 2, "mv", "input")
    _dims(_tensor(vec, "mv", "vec"), 1, "mv", "vec")
    return matmul(input, vec, out=out)


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Σ conj(input) · other of two 1-D tensors (real tensors: :func:`dot`)."""
    from .linalg import dot

    return dot(input, other)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta · input + alpha · (mat1 @ mat2), input broadcast to (n, p)."""
    _dims(_tensor(mat1, "addmm", "mat1"), 2, "addmm", "mat1")
    _dims(_tensor(mat2, "addmm", "mat2"), 2, "addmm", "mat2")
    return _add_scaled(_tensor(input, "addmm", "input"), matmul(mat1, mat2), beta, alpha, "addmm")


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta · input + alpha · (mat @ vec)."""
    return _add_scaled(_tensor(input, "addmv", "input"), mv(mat, vec), beta, alpha, "addmv")


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta · input + alpha · outer(vec1, vec2)."""
    return _add_scaled(_tensor(input, "addr", "input"), outer(vec1, vec2), beta, alpha, "addr")


def _batches(b1: Tensor, b2: Tensor, op: str) -> None:
    _dims(_tensor(b1, op, "batch1"), 3, op, "batch1")
    _dims(_tensor(b2, op, "batch2"), 3, op, "batch2")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ShapeError(f"{op}: expected batch1 (b, n, m) and batch2 (b, m, p), got shapes "
                         f"{tuple(b1.shape)} and {tuple(b2.shape)}")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,  # noqa: A002
            alpha: Any = 1) -> Tensor:
    """beta · input + alpha · (batch1 @ batch2), batch by batch."""
    _batches(batch1, batch2, "baddbmm")
    return _add_scaled(_tensor(input, "baddbmm", "input"), matmul(batch1, batch2), beta, alpha,
                       "baddbmm")


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,  # noqa: A002
           alpha: Any = 1) -> Tensor:
    """beta · input + alpha · Σ_b batch1[b] @ batch2[b]."""
    from .einsum import einsum

    _batches(batch1, batch2, "addbmm")
    return _add_scaled(_tensor(input, "addbmm", "input"), einsum("bij,bjk->ik", batch1, batch2),
                       beta, alpha, "addbmm")


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """A₁ @ A₂ @ ... @ Aₖ; the first may be 1-D (a row), the last 1-D (a column)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got 0")
    if len(tensors) == 1:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got 1")
    for i, t in enumerate(tensors):
        _tensor(t, "linalg.multi_dot", f"tensors[{i}]")
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(tensors) - 1))
        if not ok:
            raise ShapeError(f"multi_dot(): tensor {i} must be 2D"
                             + (" or 1D" if i in (0, len(tensors) - 1) else "")
                             + f" but got {t.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of 2-D matrices, left to right (PyTorch deprecates it for multi_dot)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for t in matrices:
        _dims(_tensor(t, "chain_matmul", "matrices"), 2, "chain_matmul", "every matrix")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def _cross(a: Tensor, b: Tensor, dim: int) -> Tensor:
    def pick(x: Tensor, order: list[int]) -> Tensor:
        return x[(slice(None),) * dim + (order,)]

    i, j = [1, 2, 0], [2, 0, 1]
    return pick(a, i) * pick(b, j) - pick(a, j) * pick(b, i)


def _broadcast_pair(a: Tensor, b: Tensor, op: str) -> tuple[Tensor, Tensor]:
    try:
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise ShapeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         "broadcast together") from None
    if tuple(a.shape) != shape:
        a = a.expand(*shape)
    if tuple(b.shape) != shape:
        b = b.expand(*shape)
    return a, b


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """3-D cross product along ``dim`` (broadcast):  ∂(a×b)/∂a · g = b × g, ∂/∂b · g = g × a."""
    _tensor(input, "linalg.cross", "input")
    _tensor(other, "linalg.cross", "other")
    if input.ndim != other.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                         f"{input.ndim} and {other.ndim}")
    a, b = _broadcast_pair(input, other, "linalg.cross")
    d = normalize_dim(dim, a.ndim, "linalg.cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                         f"{input.shape[d]} and {other.shape[d]}")
    return _cross(a, b, d)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """Cross product along ``dim``; ``dim=None`` takes the first dim of size 3 (PyTorch's
    deprecated default, where :func:`linalg_cross` takes -1)."""
    _tensor(input, "cross", "input")
    _tensor(other, "cross", "other")
    if dim is None:
        a, b = _broadcast_pair(input, other, "cross")
        sizes = list(a.shape)
        if 3 not in sizes:
            raise ShapeError(f"cross: no dimension of size 3 in input of shape {tuple(sizes)}")
        dim = sizes.index(3)
    return linalg_cross(input, other, dim=dim)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Kronecker product: out[i·p + k, j·q + l] = input[i, j] · other[k, l] (any ndim)."""
    _tensor(input, "kron", "input")
    _tensor(other, "kron", "other")
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(p * q for p, q in zip(sa, sb)))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Σ x · y along ``dim`` (broadcast)."""
    _tensor(x, "linalg.vecdot", "x")
    _tensor(y, "linalg.vecdot", "y")
    for t in (x, y):
        if t.dtype.kind != "f":
            raise DtypeError(f"linalg.vecdot: Expected a floating point or complex tensor as "
                             f"input. Got {t.dtype}")
    a, b = _broadcast_pair(x, y, "linalg.vecdot")
    d = normalize_dim(dim, a.ndim, "linalg.vecdot")
    return (a * b).sum(d)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Pairwise p-norm distances: out[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖ₚ.

    The gradient at a zero distance is 0 (as PyTorch's); ``compute_mode`` is accepted and
    ignored (the distances are always computed directly, never through matmul).
    """
    _tensor(x1, "cdist", "x1")
    _tensor(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D"
                         if x1.ndim < 2 else
                         f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"X1 and X2 must have the same number of columns. X1: "
                         f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return _red.Norm.apply(diff, float(p), (diff.ndim - 1,), False)


# --------------------------------------------------------------------------- trapezoid rule


def _trapezoid_pieces(y: Tensor, x: Any, dx: Any, dim: int, op: str) -> Tensor:
    """The areas (yᵢ + yᵢ₊₁)/2 · Δxᵢ of the trapezoids along ``dim`` (moved last)."""
    _tensor(y, op, "y")
    if x is not None and dx is not None:
        raise TypeError(f"{op}(): pass either x or dx, not both")
    d = normalize_dim(dim, y.ndim, op)
    yl = y.movedim(d, -1)
    n = yl.shape[-1]
    if n == 0:
        return yl
    mid = (yl[..., 1:] + yl[..., :-1]) / 2 if n > 1 else yl[..., :0] * 1.0
    if x is None:
        return mid * (1 if dx is None else dx)
    _tensor(x, op, "x")
    xl = x if x.ndim == 1 else x.movedim(d, -1)
    if xl.shape[-1] != n:
        raise ShapeError(f"{op}: There must be one `x` value for each sample point, got "
                         f"{xl.shape[-1]} x values and {n} samples")
    return mid * (xl[..., 1:] - xl[..., :-1])


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """∫ y along ``dim`` by the trapezoid rule: Σᵢ (yᵢ + yᵢ₊₁)/2 · (xᵢ₊₁ - xᵢ) (spacing ``dx``,
    default 1, without ``x``)."""
    return _trapezoid_pieces(y, x, dx, dim, "trapezoid").sum(-1)


def trapz(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None,
                         dim: int = -1) -> Tensor:
    """The running :func:`trapezoid` integral along ``dim`` (one element shorter)."""
    d = normalize_dim(dim, _tensor(y, "cumulative_trapezoid", "y").ndim, "cumulative_trapezoid")
    pieces = _trapezoid_pieces(y, x, dx, dim, "cumulative_trapezoid")
    return pieces.cumsum(-1).movedim(-1, d)
