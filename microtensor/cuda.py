"""``microtensor.cuda``: what ``torch.cuda`` answers on a CPU-only build.

microtensor runs on the CPU only, so it behaves as PyTorch built without CUDA:
``is_available()`` is False and ``device_count()`` 0; the seeding functions
(``manual_seed``, ``manual_seed_all``, ``seed``, ``seed_all``) and ``empty_cache`` do
nothing, and the memory counters are 0, so device-agnostic code runs unchanged; anything
that needs a GPU (``synchronize``, ``current_device``, ``get_device_name``, ``set_device``
...) raises :class:`~microtensor.device.NotCompiledError` (an AssertionError, as
PyTorch's "Torch not compiled with CUDA enabled").
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .device import NotCompiledError, cuda_error

__all__ = [
    "NotCompiledError", "current_device", "device_count", "empty_cache", "get_arch_list",
    "get_device_capability", "get_device_name", "get_device_properties", "get_rng_state",
    "get_rng_state_all", "init", "initial_seed", "is_available", "is_bf16_supported",
    "is_initialized", "manual_seed", "manual_seed_all", "max_memory_allocated",
    "max_memory_reserved", "mem_get_info", "memory_allocated", "memory_reserved",
    "memory_stats", "reset_peak_memory_stats", "seed", "seed_all", "set_device",
    "set_rng_state", "set_rng_state_all", "synchronize",
]


def is_available() -> bool:
    """False: microtensor has no CUDA."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def get_arch_list() -> list[str]:
    return []


# ---------------------------------------------------------------- no-ops, as on a CPU build


def manual_seed(seed: int) -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def manual_seed_all(seed: int) -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def seed() -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def seed_all() -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def empty_cache() -> None:
    """Does nothing: there is no CUDA memory cache."""


def get_rng_state_all() -> list:
    return []


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def set_rng_state_all(new_states: Any) -> None:
    """Does nothing (no CUDA generator), as a CPU-only PyTorch."""


def memory_allocated(device: Any = None) -> int:
    return 0


def max_memory_allocated(device: Any = None) -> int:
    return 0


def memory_reserved(device: Any = None) -> int:
    return 0


def max_memory_reserved(device: Any = None) -> int:
    return 0


def memory_stats(device: Any = None) -> OrderedDict:
    return OrderedDict()


# ---------------------------------------------------------------- what needs a GPU raises


def init() -> None:
    raise cuda_error("cuda.init")


def synchronize(device: Any = None) -> None:
    raise cuda_error("cuda.synchronize")


def current_device() -> int:
    raise cuda_error("cuda.current_device")


def set_device(device: Any) -> None:
    raise cuda_error("cuda.set_device")


def get_device_name(device: Any = None) -> str:
    raise cuda_error("cuda.get_device_name")


def get_device_properties(device: Any = None) -> Any:
    raise cuda_error("cuda.get_device_properties")


def get_device_capability(device: Any = None) -> tuple[int, int]:
    raise cuda_error("cuda.get_device_capability")


def get_rng_state(device: Any = "cuda") -> Any:
    raise cuda_error("cuda.get_rng_state")


def initial_seed() -> int:
    raise cuda_error("cuda.initial_seed")


def mem_get_info(device: Any = None) -> tuple[int, int]:
    raise cuda_error("cuda.mem_get_info")


def reset_peak_memory_stats(device: Any = None) -> None:
    raise cuda_error("cuda.reset_peak_memory_stats")


# ``torch.cuda.amp``: PyTorch's deprecated spellings of ``torch.amp``'s two classes (for
# ``torch.cuda.amp.GradScaler(enabled=...)`` in training scripts).
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402
import warnings as _warnings  # noqa: E402

from . import amp as _amp  # noqa: E402


def _cuda_grad_scaler(*args: Any, **kwargs: Any) -> _amp.GradScaler:
    _warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                   "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                   stacklevel=2)
    return _amp.GradScaler("cuda", *args, **kwargs)


def _cuda_autocast(enabled: bool = True, dtype: Any = None,
                   cache_enabled: bool = True) -> _amp.autocast:
    return _amp.autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


amp = _types.ModuleType(__name__ + ".amp", "torch.cuda.amp's GradScaler and autocast.")
amp.GradScaler = _cuda_grad_scaler
amp.autocast = _cuda_autocast
_sys.modules[amp.__name__] = amp
