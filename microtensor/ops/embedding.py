"""Embedding lookups: ``embedding`` (one fused gather) and ``embedding_bag`` (over it).

``embedding(idx, W)`` is ``W[idx]``: row ``idx[k]`` of the table for every index. Its
backward scatter-adds the gradient rows back into a zero table (an index used twice gets
both gradients), optionally leaving the ``padding_idx`` row at zero and dividing each
row's gradient by how often its index occurs in the batch (``scale_grad_by_freq``). The
gradient is linear in the incoming gradient and does not depend on ``W``, and it is written
with ``np.zeros_like`` and ``np.add.at``, which record on Tensors: twice differentiable.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, bump_version
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, data_of

__all__ = ["Embedding", "embedding", "embedding_bag", "embedding_renorm_"]


class Embedding(Function):
    """f(W) = W[idx];  df/dW = zeros with grad rows scatter-added at idx (× per-row scale)."""

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.shape, ctx.idx = weight.shape, idx.reshape(-1)
        scale = None
        if scale_grad_by_freq or padding_idx is not None:
            scale = np.ones(ctx.idx.shape, weight.dtype)
            if scale_grad_by_freq:
                counts = np.bincount(ctx.idx, minlength=weight.shape[0])
                scale /= counts[ctx.idx]
            if padding_idx is not None:
                scale[ctx.idx == padding_idx] = 0
            scale = scale[:, None]
        ctx.scale = scale
        return weight[idx]

    @staticmethod
    def backward(ctx, grad):
        rows = grad.reshape(-1, ctx.shape[1])
        if ctx.scale is not None:
            rows = rows * ctx.scale
        g = np.zeros_like(grad, shape=ctx.shape)
        np.add.at(g, ctx.idx, rows)
        return g, None


def _indices(input: Tensor, num: int, op: str) -> np.ndarray:  # noqa: A002
    idx = data_of(input)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"{op}: expected integer indices (int64 or int32), got dtype "
                         f"{idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of range for an embedding table of "
                         f"{num} rows")
    return idx.astype(np.int64, copy=False)


def _padding(padding_idx: int | None, num: int, op: str) -> int | None:
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"{op}: padding_idx must be within the {num} rows of the table, got "
                         f"{padding_idx}")
    return padding_idx % num


def embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float,  # noqa: A002
                      norm_type: float = 2.0) -> Tensor:
    """Rescale, in place, the rows of ``weight`` that ``input`` looks up whose ``norm_type``
    norm exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's ``embedding_renorm_``; not
    recorded: the table is changed before the lookup reads it)."""
    w = weight._data
    rows = np.unique(data_of(input).reshape(-1))
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        # PyTorch's factor, with its 1e-7 that keeps a renormalised row just under max_norm.
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        bump_version(weight)
    return weight


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``F.embedding``: the rows of ``weight`` (``(num_embeddings, D)``) at the integer
    ``input`` (any shape ``S``), shape ``(*S, D)``.

    Args:
        padding_idx: this row's gradient stays zero (its value is used as it is).
        max_norm: rows looked up whose norm exceeds it are first rescaled to it, in place.
        norm_type: the p of that norm.
        scale_grad_by_freq: divide each row's gradient by its index's count in ``input``.
        sparse: only ``False`` (microtensor has no sparse gradients).
    """
    if sparse:
        raise ValueError("embedding: sparse=True is not supported (microtensor has no sparse "
                         "gradients); use sparse=False")
    w = data_of(weight)
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {w.shape}")
    idx = _indices(input, w.shape[0], "embedding")
    pad = _padding(padding_idx, w.shape[0], "embedding")
    if max_norm is not None:
        embedding_renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, pad, bool(scale_grad_by_freq))


def _bags(idx: np.ndarray, offsets: Tensor | None, include_last_offset: bool,
          op: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat indices, the bag of each, and the number of bags."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None for a 2-D input (each row is a bag)")
        n, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(n), length), n
    if idx.ndim != 1:
        raise ShapeError(f"{op}: input must be 1-D (with offsets) or 2-D, got shape "
                         f"{idx.shape}")
    if offsets is None:
        raise ValueError(f"{op}: offsets are required for a 1-D input")
    off = data_of(offsets).astype(np.int64).reshape(-1)
    if off.size and (off[0] != 0 or np.any(np.diff(off) < 0) or off[-1] > idx.size):
        raise ValueError(f"{op}: offsets must start at 0, never decrease and stay within the "
                         f"{idx.size} indices, got {off.tolist()}")
    ends = np.append(off[1:], idx.size)
    if include_last_offset:
        off, ends = off[:-1], off[1:]
    counts = ends - off
    return idx[:int(counts.sum())], np.repeat(np.arange(off.size), counts), off.size


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2.0,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """``F.embedding_bag``: the sum, mean or max of the embeddings of each bag, ``(bags, D)``.

    A 2-D ``input`` is one bag per row; a 1-D ``input`` is cut into bags at ``offsets``
    (bag ``b`` is ``input[offsets[b]:offsets[b+1]]``). ``per_sample_weights`` (the shape of
    ``input``, ``mode="sum"`` only) scales each embedding first. Entries equal to
    ``padding_idx`` are left out (they count for nothing in a mean); an empty bag gives
    zeros. Built from :func:`embedding` and a matrix product (or a per-bag max).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights only work with mode='sum', "
                                  f"got mode={mode!r}")
    w = data_of(weight)
    idx = _indices(input, w.shape[0], "embedding_bag")
    flat, bag, n_bags = _bags(idx, offsets, include_last_offset, "embedding_bag")
    pad = _padding(padding_idx, w.shape[0], "embedding_bag")
    keep = np.ones(flat.shape, bool) if pad is None else flat != pad
    emb = embedding(Tensor._make(flat[keep], False, None), weight, None, max_norm, norm_type,
                    scale_grad_by_freq)
    bag = bag[keep]
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)
        if keep.size < psw.shape[0]:  # (entries past the last bag)
            psw = psw[:keep.size]
        if keep.all():
            emb = emb * psw.unsqueeze(1)
        else:
            emb = emb * psw[Tensor._make(np.flatnonzero(keep), False, None)].unsqueeze(1)
    dim = w.shape[1]
    if mode == "max":
        from .joining import stack

        zero = Tensor._make(np.zeros(dim, w.dtype), False, None)
        rows = [emb[Tensor._make(np.flatnonzero(bag == b), False, None)].amax(0)
                if np.any(bag == b) else zero for b in range(n_bags)]
        return stack(rows, 0) if rows else Tensor._make(np.zeros((0, dim), w.dtype), False,
                                                        None)
    # Sum (or mean) per bag as one product with a constant (bags, entries) matrix whose row
    # b holds 1 (or 1/count) where an entry belongs to bag b: a recorded, linear op.
    m = np.zeros((n_bags, bag.size), w.dtype)
    m[bag, np.arange(bag.size)] = 1
    if mode == "mean":
        m /= np.maximum(m.sum(axis=1, keepdims=True), 1)
    return Tensor._make(m, False, None) @ emb
