"""``torch.nn.utils.rnn``: padding and packing batches of sequences of different lengths.

A batch of sequences of lengths 3, 2, 1 is either *padded*, one ``(L_max, N, *)`` tensor
with filler after each shorter sequence, or *packed*: the sequences sorted by length, then
their time steps interleaved, ``data = [a0 b0 c0 a1 b1 a2]`` with ``batch_sizes = [3, 2, 1]``
(how many sequences are still going at each step). A recurrent layer given a
``PackedSequence`` runs step ``t`` on the first ``batch_sizes[t]`` rows only, so no step is
ever spent on padding and each sequence's final state is taken at its own last step.

Importable as ``microtensor.nn.utils.rnn`` (``from torch.nn.utils.rnn import pad_sequence``
ports by renaming ``torch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..creation import full
from ..errors import ShapeError
from ..ops.joining import cat, stack
from ..tensor import Tensor, data_of

__all__ = ["PackedSequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


class PackedSequence(NamedTuple):
    """Packed sequences: ``data`` ``(Σ lengths, *)``, ``batch_sizes`` (int64, one per step),
    and the permutation that sorted the batch by length (``None`` if it was sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        return False


def _lengths(lengths: Any) -> np.ndarray:
    arr = np.asarray(data_of(lengths) if isinstance(lengths, Tensor) else lengths)
    return arr.astype(np.int64).reshape(-1)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, N, *)`` (``(N, L_max, *)`` with
    ``batch_first``), filling with ``padding_value`` after (``"right"``) or before
    (``"left"``) each shorter one."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in seqs)
    rows = []
    for s in seqs:
        missing = longest - s.shape[0]
        if missing:
            fill = full((missing, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, fill] if padding_side == "right" else [fill, s], 0)
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """The inverse of :func:`pad_sequence` (right padding): the list of sequences."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(L, N, *)`` (``(N, L, *)`` with ``batch_first``) given each
    sequence's length. ``enforce_sorted=True`` requires the lengths in decreasing order;
    otherwise the batch is sorted first and the permutation kept. One gather node."""
    n = _lengths(lengths)
    if n.size and (n.min() <= 0):
        raise ValueError("pack_padded_sequence: every length must be positive, got "
                         f"{n.tolist()}")
    if enforce_sorted:
        if np.any(np.diff(n) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               "decreasing order when `enforce_sorted` is True; pass "
                               "enforce_sorted=False to sort the batch here")
        order = None
    else:
        order = np.argsort(-n, kind="stable")
        n = n[order]
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    if n.size != batch:
        raise ShapeError(f"pack_padded_sequence: {n.size} lengths for a batch of {batch}")
    if n.size and n[0] > steps:
        raise ShapeError(f"pack_padded_sequence: a length of {n[0]} exceeds the {steps} steps "
                         "of the input")
    sizes = np.array([(n > t).sum() for t in range(int(n[0]) if n.size else 0)], np.int64)
    cols = np.arange(batch) if order is None else order
    flat = np.concatenate([t * batch + cols[:b] for t, b in enumerate(sizes)]) \
        if sizes.size else np.zeros(0, np.int64)
    data = x.reshape(steps * batch, *x.shape[2:])[_const(flat)]
    sort = unsort = None
    if order is not None:
        sort, unsort = _const(order.astype(np.int64)), _const(np.argsort(order).astype(np.int64))
    return PackedSequence(data, _const(sizes), sort, unsort)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Back from packed to padded, in the original batch order: ``(padded, lengths)``."""
    data, sizes = sequence.data, data_of(sequence.batch_sizes).astype(np.int64)
    steps, batch = sizes.size, int(sizes[0]) if sizes.size else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter "
                             f"than the longest sequence ({steps} steps)")
        steps = total_length
    # For each (t, b) of the padded batch: where it is in data, or the filler row at the end.
    where = np.full((steps, batch), data.shape[0], np.int64)
    start = 0
    for t, b in enumerate(sizes):
        where[t, :b] = np.arange(start, start + b)
        start += b
    lengths = (where[:sizes.size] < data.shape[0]).sum(axis=0)
    if sequence.unsorted_indices is not None:
        u = data_of(sequence.unsorted_indices)
        where, lengths = where[:, u], lengths[u]
    filler = full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, filler], 0)[_const(where.reshape(-1))]
    padded = padded.reshape(steps, batch, *data.shape[1:])
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _const(lengths.astype(np.int64))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (by decreasing length unless
    ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of :func:`pack_sequence`: the list of sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
