"""``microtensor.accelerator``: ``torch.accelerator`` on a CPU-only build: there is none.

``is_available()`` is False, ``current_accelerator()`` None, ``device_count()`` 0; what
needs an accelerator raises RuntimeError, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available",
           "synchronize"]

_NONE = "cannot access accelerator device when none is available (microtensor runs on the CPU only)"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available: bool = False) -> None:
    """None: no accelerator (with or without ``check_available``)."""
    return None


def current_device_index() -> int:
    raise RuntimeError(f"accelerator.current_device_index: {_NONE}")


def synchronize(device: Any = None) -> None:
    raise RuntimeError(f"accelerator.synchronize: {_NONE}")
