"""microtensor.utils: home of ``microtensor.utils.data``, which *is* :mod:`microtensor.data`
(the same module object), mirroring ``torch.utils.data``."""

from . import data

__all__ = ["data"]
