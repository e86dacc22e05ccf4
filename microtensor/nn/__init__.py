"""Neural-network building blocks, PyTorch's ``torch.nn``.

The layers (``Module``, ``Linear``, ``Dropout``, the loss modules ...) arrive with
the nn work; for now this package holds :mod:`microtensor.nn.functional`, the
same operations as plain functions (``import microtensor.nn.functional as F``).
"""

from . import functional

__all__ = ["functional"]
