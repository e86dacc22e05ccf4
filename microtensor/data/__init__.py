"""microtensor.data: datasets and batching, with ``torch.utils.data``'s API.

``microtensor.utils.data`` is this same module, so ``from torch.utils.data import
DataLoader`` ports by renaming ``torch`` to ``microtensor``.

- :class:`Dataset`, :class:`TensorDataset`, :class:`Subset`, :class:`ConcatDataset`,
  :func:`random_split`, :class:`IterableDataset` — what a sample is, and parts of a
  dataset;
- :class:`DataLoader` (``batch_size=None`` full batch, ``32`` mini-batch, ``1`` SGD),
  the samplers and :func:`default_collate` — how samples become batches;
- :func:`load_digits` (the bundled UCI 8×8 digits) and the 2-D toy problems
  :func:`make_spirals`, :func:`make_moons`, :func:`make_circles`.
"""

from . import dataloader, dataset, datasets, sampler
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .datasets import load_digits, make_circles, make_moons, make_spirals
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    # datasets
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "IterableDataset",
    "ChainDataset", "StackDataset",
    # loading
    "DataLoader", "default_collate", "default_convert", "get_worker_info", "Sampler",
    "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
    # bundled and generated data
    "load_digits", "make_spirals", "make_moons", "make_circles",
    # submodules, as torch.utils.data's
    "dataloader", "dataset", "datasets", "sampler",
]
