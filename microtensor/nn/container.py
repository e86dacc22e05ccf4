"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``, as in PyTorch.

Each stores its modules in the Module's own ``_modules`` dictionary (keys
``"0"``, ``"1"``, ... for the sequences), so parameters get PyTorch's names
(``0.weight``, ``layers.2.bias``) and ``state_dict`` keys match PyTorch's.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any

from .module import Module, _addindent

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _abs_index(idx: Any, size: int, where: str) -> int:
    try:
        i = operator.index(idx)
    except TypeError:
        raise TypeError(f"{where}: indices must be integers or slices, "
                        f"not {type(idx).__name__}") from None
    if not -size <= i < size:
        raise IndexError(f"{where}: index {i} is out of range for length {size}")
    return i % size if size else i


def _renumber(container: Module, mods: list[Module] | None = None) -> None:
    # After a deletion or an insertion the keys must again be "0", "1", ... so that indexing
    # and state_dict agree. ``mods``: the new sequence (default: the current one).
    if mods is None:
        mods = list(container._modules.values())
    container._modules.clear()
    container._modules.update((str(i), m) for i, m in enumerate(mods))


def _insert(container: Module, index: int, module: Module, where: str) -> None:
    """Put ``module`` before position ``index`` (negative counts from the end), as
    ``list.insert`` does, but refusing a position outside ``[-len, len]``."""
    if not isinstance(module, Module):
        raise TypeError(f"{where}: module should be a Module, got {type(module).__name__}")
    mods = list(container._modules.values())
    n = len(mods)
    if not -n <= index <= n:
        raise IndexError(f"{where}: index {index} is out of range for length {n}")
    mods.insert(index, module)
    _renumber(container, mods)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    Built from modules (named ``"0"``, ``"1"``, ...) or from one ``OrderedDict`` of
    ``name: module``. Supports ``len``, iteration, indexing (negative too), slicing
    (which returns a ``Sequential`` sharing the modules), ``seq[i] = m``, ``del seq[i]``,
    ``append``, ``insert``, ``extend``, ``pop`` and ``+``.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def _key(self, idx: Any) -> str:
        keys = self._modules.keys()
        return next(islice(keys, _abs_index(idx, len(self), "Sequential"), None))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for key in keys:
            delattr(self, key)
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential +: only a Sequential can be added, got "
                             f"{type(other).__name__}")
        return Sequential(*self, *other)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self:
            input = module(input)  # noqa: A001
        return input

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (negative counts from the end)."""
        _insert(self, index, module, "Sequential.insert")
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append every module of ``sequential``; returns self."""
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v


class ModuleList(Module):
    """A list of modules whose parameters the parent registers (a plain Python list would
    hide them from ``parameters()``). ``forward`` is yours to write.

    Supports ``len``, iteration, indexing, slicing (returns a ``ModuleList``),
    ``lst[i] = m``, ``del lst[i]``, ``append``, ``extend``, ``insert``, ``pop``,
    ``+`` and ``+=``.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _key(self, idx: Any) -> str:
        return str(_abs_index(idx, len(self), "ModuleList"))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, self._key(idx))
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(chain(self, other))

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __repr__(self) -> str:
        # PyTorch's compact form: runs of identical modules print once, "(0-2): 3 x Linear(...)".
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        blocks: list[list[Any]] = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for start, end, r in blocks:
            line = f"({start}): {r}" if start == end else \
                f"({start}-{end}): {end - start + 1} x {r}"
            lines.append(_addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (negative counts from the end)."""
        _insert(self, index, module, "ModuleList.insert")

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v


class ModuleDict(Module):
    """A dictionary of modules (string keys, insertion order) whose parameters the parent
    registers. Mapping API: ``d[key]``, ``d[key] = m``, ``del d[key]``, ``key in d``,
    ``len``, iteration over keys, ``keys()``, ``values()``, ``items()``, ``update()``,
    ``pop()``, ``clear()``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        """Add (or replace) modules from a mapping or an iterable of ``(key, module)`` pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleDict.update should be called with a mapping or an "
                            f"iterable of key/value pairs, but got {type(modules).__name__}")
        for j, m in enumerate(modules):
            if not isinstance(m, Iterable) or isinstance(m, str):
                raise TypeError(f"ModuleDict.update: sequence element #{j} should be a "
                                f"(key, module) pair, got {type(m).__name__}")
            m = tuple(m)
            if len(m) != 2:
                raise ValueError(f"ModuleDict.update: sequence element #{j} has length "
                                 f"{len(m)}; 2 is required")
            self[m[0]] = m[1]
