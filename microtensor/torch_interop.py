"""PyTorch interop: move tensors and state dicts between microtensor and ``torch``.

torch is optional (``pip install 'microtensor[torch]'``). ``import microtensor`` never
imports it: a torch object is recognised by its type's name and module (see
:func:`is_torch_tensor`), and torch is imported only by the functions that are handed one
(or asked to make one, :func:`to_torch`). Without torch installed they say how to
install it.

    sd = mt.from_torch(torch_model.state_dict())     # torch -> microtensor
    mt_model.load_state_dict(sd)
    torch_model.load_state_dict(mt.to_torch(mt_model.state_dict()))   # and back

Dtypes are kept both ways (float32 stays float32, int64 stays int64); the data is copied,
so neither side sees the other's later in-place writes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .tensor import Tensor, tensor

__all__ = ["from_torch", "to_torch", "is_torch_tensor", "is_torch_module", "require_torch"]

TORCH_VERSION = "2.13.0"  # the pin of the ``torch`` extra (a range would pull a CUDA build)


def _in_mro(obj: Any, module_prefix: str, name: str) -> bool:
    return any(c.__name__ == name and c.__module__.startswith(module_prefix)
               for c in type(obj).__mro__)


def is_torch_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.Tensor`` (or ``nn.Parameter``), without importing torch."""
    return _in_mro(obj, "torch", "Tensor")


def is_torch_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module``, without importing torch."""
    return _in_mro(obj, "torch.nn", "Module")


def np_dtype(dtype: Any) -> Any:
    """A torch dtype as NumPy's (``torch.float32`` -> ``float32``), for labels and formats;
    one NumPy lacks (``torch.bfloat16``) stays its name, ``"bfloat16"``."""
    name = str(dtype).replace("torch.", "")
    try:
        return np.dtype(name)
    except TypeError:
        return name


def require_torch(op: str) -> Any:
    """Import and return torch, or raise an ImportError that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"{op} needs PyTorch: pip install 'microtensor[torch]' (or pip install "
                          f"torch=={TORCH_VERSION}, which takes the CPU build)") from None
    return torch


def from_torch(x: Any) -> Any:
    """A ``torch.Tensor`` (or a state dict of them) as microtensor, dtype kept.

    Args:
        x: a ``torch.Tensor`` on any device, or a mapping ``name -> torch.Tensor`` (a
            ``state_dict()``). The data is copied to the CPU; ``requires_grad`` is kept for
            a floating leaf (a parameter stays trainable), the graph is not.

    Returns:
        A :class:`~microtensor.Tensor`, or an ``OrderedDict`` of them in the same order.
    """
    if isinstance(x, Mapping):
        return OrderedDict((k, from_torch(v)) for k, v in x.items())
    if not is_torch_tensor(x):
        raise TypeError(f"from_torch: expected a torch.Tensor or a state dict of them, got "
                        f"{type(x).__name__}")
    torch = require_torch("from_torch")
    if x.dtype == torch.bfloat16 or x.is_complex():
        raise TypeError(f"from_torch: microtensor has no {x.dtype}; convert first, e.g. "
                        f"x.float()")
    data = np.array(x.detach().cpu().numpy(), copy=True)
    requires_grad = bool(x.requires_grad) and x.is_floating_point()
    return tensor(data, requires_grad=requires_grad)  # a NumPy array keeps its dtype


def to_torch(x: Any, device: Any = None) -> Any:
    """A microtensor Tensor (or a state dict of them) as ``torch``, dtype kept.

    Args:
        x: a :class:`~microtensor.Tensor`, or a mapping ``name -> Tensor``.
        device: where to put the result (``"cpu"``, ``"cuda"``, a ``torch.device``); the
            CPU by default.

    Returns:
        A ``torch.Tensor`` (``requires_grad`` kept for a leaf), or an ``OrderedDict``.
    """
    if isinstance(x, Mapping):
        return OrderedDict((k, to_torch(v, device)) for k, v in x.items())
    if not isinstance(x, Tensor):
        raise TypeError(f"to_torch: expected a microtensor Tensor or a state dict of them, "
                        f"got {type(x).__name__}")
    torch = require_torch("to_torch")
    out = torch.from_numpy(np.array(x.detach().numpy(), copy=True))
    if device is not None:
        out = out.to(device)
    if x.requires_grad and x.grad_fn is None:
        out.requires_grad_(True)
    return out
