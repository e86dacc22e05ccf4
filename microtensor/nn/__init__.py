"""Neural-network building blocks, PyTorch's ``torch.nn``.

``Module`` and ``Parameter`` are the base of every layer; ``Sequential``,
``ModuleList`` and ``ModuleDict`` hold submodules; :mod:`~microtensor.nn.init`
fills weights; :mod:`~microtensor.nn.utils` clips gradients and flattens
parameters; :mod:`~microtensor.nn.functional` has the same operations as plain
functions (``import microtensor.nn.functional as F``).
"""

from . import functional, init, utils
from .container import ModuleDict, ModuleList, Sequential
from .module import Module
from .parameter import Parameter

__all__ = [
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "functional",
    "init",
    "utils",
]
