"""DataLoader: a dataset served in batches, shuffled anew every epoch.

One pass over a DataLoader is one epoch. The batch size picks the flavour of
gradient descent (one optimizer step per batch):

- ``batch_size=None``: every sample in one batch — batch (full-batch) gradient descent,
  one step per epoch on the exact mean gradient;
- ``batch_size=32`` (any ``1 < b < N``): mini-batch gradient descent;
- ``batch_size=1``: stochastic gradient descent, one step per sample.

Samplers say in which order the indices come (:class:`SequentialSampler`,
:class:`RandomSampler`, :class:`SubsetRandomSampler`); :class:`BatchSampler` groups
them into batches; :func:`default_collate` turns a list of samples into a batch.
"""

from __future__ import annotations

import collections.abc
import copy
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..generator import Generator, resolve
from ..ops.joining import stack
from ..tensor import Tensor, tensor
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import (
    BatchSampler,
    FullBatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
    check_batch_size,
)

__all__ = [
    "BatchSampler",
    "DataLoader",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
]


def get_worker_info() -> None:
    """None: loading always happens in the main process here (``num_workers`` is ignored),
    which is what PyTorch returns in the main process."""
    return None


# --------------------------------------------------------------------------------- collate

_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                "or lists; found {}")


def default_convert(data: Any) -> Any:
    """NumPy arrays (and NumPy numbers) in ``data`` become Tensors, recursively through
    dicts, namedtuples and sequences (a tuple becomes a list, as PyTorch's); anything else
    is kept. The DataLoader's ``collate_fn`` when batching is off, in PyTorch."""
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else Tensor._make(data, False, None)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return Tensor._make(np.asarray(data), False, None)
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            return type(data)(items)
        except TypeError:
            return items
    return data


def default_collate(batch: Sequence[Any]) -> Any:
    """Turn a list of samples into one batch, recursively (PyTorch's rules):

    - Tensors are stacked along a new dim 0 (:func:`microtensor.stack`; the graph is kept);
    - NumPy arrays are stacked into a Tensor of their dtype; NumPy scalars become a 1-D
      Tensor of their dtype;
    - Python ``float`` → float64 Tensor, ``int`` → int64, ``bool`` → bool (as PyTorch:
      note float64, not the default float32);
    - ``str`` / ``bytes`` are left as they are;
    - a dict gives a dict of collated values; a namedtuple a namedtuple; a tuple or list
      of fields gives a **list** of collated fields (``[(x0, y0), (x1, y1)]`` →
      ``[stack(x), stack(y)]``), which unpacks as ``x, y = batch``.

    Raises:
        RuntimeError: samples (lists/tuples) of different lengths.
        TypeError: an element of another type.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return Tensor._make(np.stack(batch), False, None)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return Tensor._make(np.array(batch), False, None)
    if isinstance(elem, float):
        return tensor(list(batch), dtype=dtypes.float64)
    if isinstance(elem, int):  # bool is an int: [True, False] gives a bool tensor
        return tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, collections.abc.MutableSequence) and not isinstance(elem, list):
            clone = copy.copy(elem)
            for i, f in enumerate(fields):
                clone[i] = f
            return clone
        return fields
    raise TypeError(_COLLATE_ERR.format(type(elem)))


# --------------------------------------------------------------------------------- loader


def _tensor_source(dataset: Any) -> tuple[tuple[Tensor, ...], np.ndarray | None] | None:
    """For a TensorDataset (or Subsets of one): its tensors and the index map, else None."""
    if isinstance(dataset, TensorDataset):
        return dataset.tensors, None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is None:
            return None
        tensors, mapping = inner
        idx = np.asarray(dataset.indices, dtype=np.int64)
        return tensors, (idx if mapping is None else mapping[idx])
    return None


def _check_range(idx: np.ndarray, n: int) -> None:
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx[(idx >= n) | (idx < -n)][0]
        raise IndexError(f"DataLoader: index {bad} is out of range for a dataset of {n} "
                         "samples")


class DataLoader:
    """Iterate over ``dataset`` in batches; shuffle it anew each epoch if asked.

    ``for x, y in DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True)`` is one
    epoch of mini-batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``), or an
            :class:`IterableDataset` (its samples in its own order; then ``shuffle``,
            ``sampler`` and ``batch_sampler`` must be unset).
        batch_size: samples per batch. ``1`` is stochastic gradient descent, ``32``
            mini-batch. **``None`` means the whole dataset as one batch** (batch gradient
            descent), as microtensor's design asks. *This differs from PyTorch*, where
            ``batch_size=None`` turns batching off and yields samples one by one, uncollated.
        shuffle: draw a new random order at the start of every epoch (every ``iter()``).
        sampler: an iterable of indices to use instead (then ``shuffle`` must be False).
        batch_sampler: an iterable of index lists, one per batch (then ``batch_size`` must
            be 1 and ``shuffle``, ``sampler``, ``drop_last`` unset).
        num_workers: accepted for portability but **ignored**: loading happens in the main
            process (NumPy indexing of a batch takes microseconds, so workers would only
            add overhead). Negative values raise ValueError as in PyTorch.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory, timeout, worker_init_fn, prefetch_factor, persistent_workers: accepted
            and ignored (CPU only, single process).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        generator: the random stream for shuffling; default: the global one, so
            ``microtensor.manual_seed(n)`` makes the epochs' orders reproducible.
        seed: a microtensor convenience: shuffle with a private generator seeded with it
            (the same sequence of epoch orders on every run). Not with ``generator``.

    ``len(loader)`` is the number of batches per epoch. For a :class:`TensorDataset` (or a
    :class:`Subset` of one) and the default collate, a batch is built by indexing each
    tensor once with the batch's indices — the same result as collating sample by sample,
    without the Python loop. Batches of tuples come out as lists, as in PyTorch.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[int] | None = None,
                 batch_sampler: Iterable[Sequence[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, generator: Generator | None = None,
                 *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 seed: int | None = None) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be a non-negative int; "
                             f"use num_workers=0 to disable multiprocessing, got {num_workers!r}")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        elif not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: dataset must define __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        if seed is not None:
            if generator is not None:
                raise ValueError("DataLoader: give generator or seed, not both")
            generator = Generator().manual_seed(seed)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: drop_last=True means nothing with batch_size="
                                 "None (one full batch is never incomplete)")
        else:
            check_batch_size(batch_size)

        if iterable:
            pass  # the dataset's own order: no sampler
        elif sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and not iterable:
            batch_sampler = (FullBatchSampler(sampler) if batch_size is None
                             else BatchSampler(sampler, batch_size, drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.pin_memory = pin_memory
        self.generator = generator

    def __len__(self) -> int:
        if self.batch_sampler is None:  # an IterableDataset: its length, if it has one
            n = len(self.dataset)
            if self.batch_size is None:
                return 1 if n else 0
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler)

    def _batches_of_indices(self) -> Iterator[np.ndarray] | Iterator[Sequence[int]]:
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler) and type(bs).__iter__ is BatchSampler.__iter__:
            return bs.index_batches()
        return iter(self.batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        # The epoch's order is drawn here, when the epoch starts (as PyTorch). First, as
        # PyTorch's iterator does, the (unused here) base seed of its workers: one 64-bit
        # draw from the loader's generator or the global one, even without shuffling.
        resolve(self.generator).random64(1)
        if self.batch_sampler is None:
            return self._iterable_batches()
        batches = self._batches_of_indices()
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is not None:
            return self._tensor_batches(batches, *source)
        return (self.collate_fn([self.dataset[i] for i in self._as_list(b)]) for b in batches)

    def _iterable_batches(self) -> Iterator[Any]:
        it = iter(self.dataset)
        size = self.batch_size
        while True:
            chunk = list(it) if size is None else list(itertools.islice(it, size))
            if not chunk or (self.drop_last and len(chunk) < size):
                return
            yield self.collate_fn(chunk)
            if size is None:
                return

    @staticmethod
    def _as_list(b: Any) -> list[int]:
        return b.tolist() if isinstance(b, np.ndarray) else list(b)

    @staticmethod
    def _tensor_batches(batches: Iterator[Any], tensors: tuple[Tensor, ...],
                        mapping: np.ndarray | None) -> Iterator[list[Tensor]]:
        for b in batches:
            idx = np.asarray(b, dtype=np.int64)
            if mapping is not None:
                _check_range(idx, len(mapping))
                idx = mapping[idx]
            _check_range(idx, tensors[0].shape[0])
            # A tensor that requires grad goes through the indexing op, so the graph
            # records it (as stacking its samples would); others are indexed directly.
            yield [t[idx] if t.requires_grad else Tensor._make(t._data[idx], False, None)
                   for t in tensors]

    def __repr__(self) -> str:
        try:
            size, batches = f" of {len(self.dataset)}", f", batches={len(self)}"
        except TypeError:  # an IterableDataset without a length
            size = batches = ""
        return (f"DataLoader(dataset={type(self.dataset).__name__}{size}, "
                f"batch_size={self.batch_size}{batches})")
