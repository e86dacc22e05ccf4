"""The dictionaries a Module keeps its parameters, buffers and submodules in.

PyTorch keeps them only in ``_parameters``, ``_buffers`` and ``_modules`` and
finds ``module.weight`` through ``Module.__getattr__``, which Python calls
only after the normal lookup has failed and raised an AttributeError: about a
microsecond per read, several reads per layer per step (a BatchNorm forward
reads ten). Here each of the three dictionaries also writes its entries into
the module's ``__dict__``, so the read is a plain attribute hit, and Module
needs no ``__getattr__`` (a class with one gets no cached attribute lookups, so
even ``self.forward`` would cost three times as much).

Every way of changing the dictionary keeps the copy in step, so code that
writes ``module._parameters[name]`` directly (as pruning or weight
normalisation do) is still seen through ``module.name``. The one visible
difference from PyTorch: ``vars(module)`` lists the members too.
"""

from __future__ import annotations

from typing import Any


class Members(dict):
    """A dict that mirrors its entries into ``attrs``, the owning module's ``__dict__``."""

    __slots__ = ("_attrs",)

    def __init__(self, attrs: dict, items: Any = ()) -> None:
        super().__init__()
        self._attrs = attrs
        self.update(items)

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        self._attrs[key] = value

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._attrs.pop(key, None)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self._attrs.pop(key, None)
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        key, value = dict.popitem(self)
        self._attrs.pop(key, None)
        return key, value

    def clear(self) -> None:
        for key in self:
            self._attrs.pop(key, None)
        dict.clear(self)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def __ior__(self, other: Any) -> Members:
        self.update(other)
        return self

    def __reduce__(self) -> tuple:
        # Copied or pickled as a plain dict: Module.__setstate__ makes a Members of it that
        # mirrors into the new module (a shallow copy of a module must not write into the
        # original's __dict__).
        return (dict, (dict(self),))
