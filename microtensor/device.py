"""``microtensor.device``: PyTorch's device object, for code that names the CPU.

microtensor computes with NumPy on the CPU only. ``device("cpu")`` (or
``"cpu:0"``) exists so that ``x.to(device)``, ``tensor(..., device=dev)`` and
``x.device == "cpu"`` port unchanged; any other device type is a ValueError.
"""

from __future__ import annotations

__all__ = ["device"]


class device:  # noqa: N801 - PyTorch's name
    """The CPU: ``device("cpu")``, ``device("cpu", 0)`` or ``device("cpu:0")``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, _, idx = name.partition(":")
            index = int(idx)
        if name != "cpu":
            raise ValueError(f"device: microtensor runs on the CPU only, got {str(type)!r}")
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='cpu'{'' if self.index is None else f', index={self.index}'})"

    def __str__(self) -> str:
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)
