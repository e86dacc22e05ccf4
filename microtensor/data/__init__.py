"""microtensor.data: datasets and batching, with ``torch.utils.data``'s API.

``microtensor.utils.data`` is this same module, so ``from torch.utils.data import
DataLoader`` ports by renaming ``torch`` to ``microtensor``.

- :class:`Dataset`, :class:`TensorDataset`, :class:`Subset`, :class:`ConcatDataset`,
  :func:`random_split` — what a sample is, and parts of a dataset;
- :class:`DataLoader` (``batch_size=None`` full batch, ``32`` mini-batch, ``1`` SGD),
  the samplers and :func:`default_collate` — how samples become batches;
- :func:`load_digits` (the bundled UCI 8×8 digits) and the 2-D toy problems
  :func:`make_spirals`, :func:`make_moons`, :func:`make_circles`.
"""

from .dataloader import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    default_collate,
)
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import load_digits, make_circles, make_moons, make_spirals

__all__ = [
    # datasets
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    # loading
    "DataLoader", "default_collate", "Sampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "BatchSampler",
    # bundled and generated data
    "load_digits", "make_spirals", "make_moons", "make_circles",
]
