"""``microtensor.device``: PyTorch's device object, on a CPU-only build.

microtensor computes with NumPy on the CPU only. As in a CPU-only PyTorch build, any
device PyTorch knows can be *named* (``device("cuda")``, ``device("cuda", 1)``,
``device("mps")``), but only the CPU holds tensors: asking for a CUDA tensor raises
:class:`NotCompiledError` ("not compiled with CUDA enabled", an AssertionError as
PyTorch's, and also a ValueError), any other device a RuntimeError. An unknown device
type is a RuntimeError, as PyTorch's.

``set_default_device`` / ``get_default_device`` keep the default device of factory
functions; setting ``"cuda"`` is accepted, and the next factory call then raises.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NotCompiledError", "device", "get_default_device", "set_default_device"]

# PyTorch's device types (c10/core/DeviceType.cpp), in its error message's order.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")


class NotCompiledError(AssertionError, ValueError):
    """A CUDA device was asked to hold a tensor: PyTorch's CPU-only builds raise
    ``AssertionError("Torch not compiled with CUDA enabled")``; it is a ValueError too,
    as microtensor's earlier "CPU only" errors were."""


def cuda_error(op: str, dev: Any = None) -> NotCompiledError:
    got = f", got device {str(dev)!r}" if dev is not None else ""
    return NotCompiledError(f"{op}: microtensor runs on the CPU only{got}: not compiled with "
                            "CUDA enabled")


class device:  # noqa: N801 - PyTorch's name
    """A device: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``.

    ``type`` is the device type, ``index`` the ordinal or ``None``. Differs from PyTorch:
    a device compares equal to its string (``x.device == "cpu"`` is True here, False in
    PyTorch), and ``device(0)`` is refused (PyTorch means the current accelerator, which a
    CPU-only build does not have, and raises too).
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("device: cannot access accelerator device when none is "
                               "available (microtensor runs on the CPU only)")
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got "
                            f"{builtin_type(type).__name__}")
        name = type
        if ":" in name:
            name, _, idx = name.partition(":")
            if index is not None:
                raise RuntimeError(f"device: type {type!r} already has an index, and "
                                   f"index={index} was given too")
            if not idx.isdigit():
                raise RuntimeError(f"device: invalid device string: {type!r}")
            index = int(idx)
        if name not in _TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(_TYPES)} device type at "
                               f"start of device string: {type}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)
                                  or index < 0):
            raise RuntimeError(f"device: device index must be a non-negative int, got "
                               f"{index!r}")
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'{'' if self.index is None else f', index={self.index}'})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return (isinstance(other, device) and other.type == self.type
                and other.index == self.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple:
        return (device, (self.type, self.index))


builtin_type = type
_default: list[device | None] = [None]


def check(dev: Any, op: str) -> None:
    """Accept ``dev`` (a device, a string, or None for the default) when it is the CPU;
    raise as a CPU-only PyTorch does otherwise."""
    if dev is None:
        dev = _default[0]
        if dev is None:
            return
    if type(dev) is str and dev in ("cpu", "cpu:0"):  # the common case, without parsing
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise cuda_error(op, d)
    raise RuntimeError(f"{op}: microtensor is not linked with support for {d.type} devices "
                       "(it runs on the CPU only)")


def set_default_device(dev: Any) -> None:
    """The device factory functions use when given none (``None`` resets it to the CPU)."""
    _default[0] = None if dev is None else (dev if isinstance(dev, device) else device(dev))


def get_default_device() -> device:
    """The default device: the CPU unless :func:`set_default_device` named another."""
    d = _default[0]
    if d is None:
        return device("cpu")
    check(d, "get_default_device")
    return d
