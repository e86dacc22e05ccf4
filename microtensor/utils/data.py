"""``microtensor.utils.data`` is :mod:`microtensor.data` itself, as ``torch.utils.data``.

Importing this file replaces its own entry in ``sys.modules`` with ``microtensor.data``;
the import system then hands that module to the importer (and sets it as
``microtensor.utils.data``), so ``from microtensor.utils.data import DataLoader`` gives
the very same class as ``from microtensor.data import DataLoader``.
"""

import sys

from .. import data as _data

sys.modules[__name__] = _data
