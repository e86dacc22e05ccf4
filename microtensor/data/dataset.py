"""Datasets: anything with ``__getitem__`` and ``__len__``, as in ``torch.utils.data``.

A :class:`Dataset` answers "give me sample ``i``". :class:`TensorDataset` wraps
tensors whose first dim is the sample dim (``dataset[i]`` is
``(x[i], y[i])``); :class:`Subset` and :func:`random_split` take part of a
dataset; :class:`ConcatDataset` (or ``a + b``) chains datasets end to end.
A :class:`~microtensor.data.DataLoader` turns a dataset into batches.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from .. import sampling
from ..generator import Generator, resolve
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "Subset", "TensorDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclass it and define ``__getitem__(i)`` and ``__len__()``.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return float(i), float(i * i)
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclass it and define ``__iter__`` (yielding samples).

    A :class:`~microtensor.data.DataLoader` takes its samples in the order ``__iter__``
    gives them, ``batch_size`` at a time (no shuffling or samplers). ``a + b`` chains two
    (:class:`ChainDataset`).
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets, one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """Samples are slices of tensors along their first dim: ``dataset[i] = (t[i] for t in
    tensors)``.

    Args:
        *tensors: Tensors (NumPy arrays are wrapped without copying — a microtensor
            convenience) that all have the same size ``N`` in dim 0.

    Raises:
        ValueError: no tensors, a 0-d tensor, or first dims that differ.

    A :class:`~microtensor.data.DataLoader` over a TensorDataset builds each batch by
    indexing every tensor once with the batch's indices (no Python loop over samples).
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        ts = []
        for i, t in enumerate(tensors):
            if isinstance(t, np.ndarray):
                t = Tensor._make(t, False, None)  # keeps the array's dtype (int labels ...)
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: expected Tensors, got {type(t).__name__} "
                                f"at position {i}")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a "
                                 "first (sample) dim")
            ts.append(t)
        sizes = [t.shape[0] for t in ts]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims are "
                             f"{sizes}; every tensor must have the same number of samples")
        self.tensors: tuple[Tensor, ...] = tuple(ts)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Several datasets of one length side by side: ``StackDataset(x, y)[i]`` is
    ``(x[i], y[i])``; ``StackDataset(image=x, label=y)[i]`` is ``{"image": x[i], "label":
    y[i]}``."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either ``tuple``- (via ``args``) or "
                             "``dict``- (via ``kwargs``) like input/output, but both types "
                             "are given")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        self._length = len(parts[0])
        if any(len(p) != self._length for p in parts):
            raise ValueError("StackDataset: size mismatch between datasets")
        self.datasets: tuple | dict = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i] =
    dataset[indices[i]]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other (``a + b`` builds one).

    ``cumulative_sizes[k]`` is the number of samples in datasets ``0 .. k``; sample ``i``
    is looked up in the first dataset whose cumulative size exceeds ``i``.
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise IndexError(f"ConcatDataset: index {idx} is out of range for "
                                 f"{n} samples")
            idx += n
        elif idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {n} samples")
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][idx - start]


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Turn fractions into counts with PyTorch's rule; check that the counts add up to ``n``."""
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and "
                                 f"1, got {frac}")
            counts.append(math.floor(n * frac))
        # Floors leave a remainder (< number of splits): hand it out one each, round-robin.
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this "
                              "might result in an empty dataset", stacklevel=3)
        return counts
    for i, c in enumerate(lengths):
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0:
            raise ValueError(f"random_split: lengths must be non-negative ints or fractions "
                             f"summing to 1, got {list(lengths)} (index {i})")
    if total != n:
        raise ValueError(f"random_split: sum of input lengths {list(lengths)} = {total} does "
                         f"not equal the length of the dataset ({n})")
    return [int(c) for c in lengths]


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s.

    Args:
        dataset: any dataset with ``__len__``.
        lengths: the sizes of the parts (ints adding up to ``len(dataset)``), or fractions
            adding up to 1. Fractions become ``floor(n * frac)`` samples each, and the
            remainder is handed out one sample at a time to the parts in order (PyTorch's
            rule: 10 samples split ``[0.33, 0.33, 0.34]`` give ``[4, 3, 3]``).
        generator: the random stream for the permutation; default: the global one, so the
            split is reproducible after ``microtensor.manual_seed(n)``.

    Returns:
        A list of Subsets, together a permutation of the whole dataset.
    """
    n = len(dataset)
    counts = _split_lengths(n, list(lengths))
    perm = sampling.randperm(resolve(generator), n).tolist()
    return [Subset(dataset, perm[end - c:end])
            for end, c in zip(itertools.accumulate(counts), counts)]
