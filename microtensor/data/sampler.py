"""Samplers: in which order a DataLoader visits a dataset's indices (``torch.utils.data.sampler``).

:class:`SequentialSampler`, :class:`RandomSampler`, :class:`SubsetRandomSampler` and
:class:`WeightedRandomSampler` yield indices; :class:`BatchSampler` groups them into
batches. Our own samplers draw a whole epoch's order as one NumPy array when the epoch
is of a sensible size, so the DataLoader cuts batches out of it without a Python loop
per sample; a huge epoch (``RandomSampler(ds, replacement=True, num_samples=10**10)``,
the infinite-loader idiom) is drawn lazily, in PyTorch's chunks. Either way the numbers
are PyTorch's for the same seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import sampling
from ..generator import Generator, default_generator, resolve
from ..random import multinomial
from ..tensor import Tensor

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]

# Epochs longer than this are drawn lazily instead of as one array.
_EAGER_LIMIT = 1 << 22


class Sampler:
    """Yields dataset indices (ints) in some order; ``len`` is how many."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def _index_array(self) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def _eager(self) -> bool:
        """Whether :meth:`_index_array` gives one epoch (our samplers, not a subclass that
        defines its own ``__iter__``)."""
        return type(self).__iter__ is Sampler.__iter__


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


def _fresh_generator() -> Generator:
    # PyTorch's RandomSampler without a generator of its own seeds a fresh one from the
    # global stream (``empty((), int64).random_()``).
    seed = int(sampling.random_full(default_generator, 1, np.dtype(np.int64))[0])
    return Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """A fresh random permutation of the indices at every ``iter()`` (every epoch).

    Args:
        data_source: the dataset.
        replacement: draw ``num_samples`` indices with replacement instead.
        num_samples: how many indices to draw (default ``len(data_source)``); may be huge
            (``int(1e10)``) for an endless loader: the indices are then drawn lazily.
        generator: the random stream; default: the global one (``microtensor.manual_seed``).
    """

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        n = self.num_samples  # (as PyTorch: an empty dataset is refused here too)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, "
                             f"got num_samples={n!r}" + (" (the dataset is empty)"
                                                         if num_samples is None else ""))

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _eager(self) -> bool:
        return type(self).__iter__ is RandomSampler.__iter__ and \
            self.num_samples <= _EAGER_LIMIT

    def _index_array(self) -> np.ndarray:
        n = len(self.data_source)
        gen = self.generator if self.generator is not None else _fresh_generator()
        if self.replacement:
            # randint(high=n) in chunks of 32: the same draws as one call.
            return sampling.random_from_to(gen, self.num_samples, 0, n)
        # Without replacement: num_samples // n whole permutations, then one more cut short
        # (drawn even when the cut keeps nothing, as PyTorch).
        perms = [sampling.randperm(gen, n) for _ in range(self.num_samples // n + 1)]
        return np.concatenate(perms)[:self.num_samples]

    def __iter__(self) -> Iterator[int]:
        # A generator, as PyTorch's: nothing is drawn until the first index is asked for.
        n = len(self.data_source)
        gen = self.generator if self.generator is not None else _fresh_generator()
        total = self.num_samples
        if self.replacement:
            for _ in range(total // 32):
                yield from sampling.random_from_to(gen, 32, 0, n).tolist()
            yield from sampling.random_from_to(gen, total % 32, 0, n).tolist()
        else:
            for _ in range(total // n):
                yield from sampling.randperm(gen, n).tolist()
            yield from sampling.randperm(gen, n).tolist()[:total % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order every epoch."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        idx = np.asarray(self.indices, dtype=np.int64)
        return idx[sampling.randperm(resolve(self.generator), len(idx))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` with probability
    proportional to ``weights[i]`` (with replacement by default): ``multinomial(weights,
    num_samples, replacement)`` each epoch, as PyTorch's (same seed, same indices).

    Args:
        weights: a 1-D sequence (or Tensor) of non-negative weights, not necessarily summing
            to one.
        num_samples: how many indices per epoch.
        replacement: whether an index may come more than once.
        generator: the random stream; default: the global one.
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) \
                or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive "
                             f"integer value, but got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but "
                             f"given weights have shape {tuple(w.shape)}")
        self.weights = Tensor._make(w, False, None)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        return multinomial(self.weights, self.num_samples, self.replacement,
                           generator=self.generator)._data.reshape(-1)

    def __len__(self) -> int:
        return self.num_samples


def epoch_order(sampler: Iterable[int]) -> np.ndarray | None:
    """One epoch's indices as an int64 array (our samplers draw it as one array), or None
    for an epoch too long to hold (it is then iterated lazily)."""
    if isinstance(sampler, Sampler) and sampler._eager():
        return np.asarray(sampler._index_array(), dtype=np.int64)
    if isinstance(sampler, RandomSampler):
        return None
    return np.fromiter(sampler, dtype=np.int64)


def check_batch_size(batch_size: Any) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size should be a positive integer value (or None for one "
                         f"full batch in DataLoader), but got batch_size={batch_size!r}")


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size``; the last one may be short
    unless ``drop_last``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        check_batch_size(batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        return (b.tolist() for b in self.index_batches())

    def index_batches(self) -> Iterator[np.ndarray]:
        """The batches as int64 arrays: with our own samplers, the whole epoch's order is
        drawn as one array and cut into slices (no Python loop over samples)."""
        order = epoch_order(self.sampler)
        b = self.batch_size
        if order is None:
            return self._lazy_batches()
        n = len(order)
        stop = n - n % b if self.drop_last else n
        return (order[i:i + b] for i in range(0, stop, b))

    def _lazy_batches(self) -> Iterator[np.ndarray]:
        it = iter(self.sampler)
        while True:
            chunk = list(itertools.islice(it, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield np.array(chunk, dtype=np.int64)

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class FullBatchSampler(BatchSampler):
    """Every index of the sampler in one batch (``DataLoader(batch_size=None)``)."""

    def __init__(self, sampler: Iterable[int]) -> None:
        self.sampler = sampler
        self.batch_size = None
        self.drop_last = False

    def index_batches(self) -> Iterator[np.ndarray]:
        order = epoch_order(self.sampler)
        if order is None:
            raise ValueError(f"DataLoader: batch_size=None puts the whole epoch in one batch, "
                             f"but the sampler draws {len(self.sampler)} indices")
        return iter([order] if len(order) else [])

    def __len__(self) -> int:
        return 1 if len(self.sampler) else 0
