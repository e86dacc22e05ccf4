"""``microtensor.utils.data`` is :mod:`microtensor.data` itself, as ``torch.utils.data``.

Importing this file replaces its own entry in ``sys.modules`` with ``microtensor.data``;
the import system then hands that module to the importer (and sets it as
``microtensor.utils.data``), so ``from microtensor.utils.data import DataLoader`` gives
the very same class as ``from microtensor.data import DataLoader``. Its submodules are
registered under both names too (``microtensor.utils.data.dataloader`` is
``microtensor.data.dataloader``), so ``from microtensor.utils.data.sampler import
RandomSampler`` neither fails nor loads a second copy of the module.
"""

import sys

from .. import data as _data

for _name in ("dataloader", "dataset", "datasets", "sampler"):
    sys.modules[f"{__name__}.{_name}"] = getattr(_data, _name)
sys.modules[__name__] = _data
