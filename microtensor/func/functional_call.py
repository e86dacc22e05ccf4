"""``functional_call``: run a Module with some of its parameters and buffers replaced, as
``torch.func.functional_call``, by swapping the tensors in for the call and back after."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor

__all__ = ["functional_call"]


# One lock per module: two functional_calls of one module take turns (swapping is in place).
_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _lock_of(module: Any) -> threading.RLock:
    with _locks_guard:
        lock = _locks.get(module)
        if lock is None:
            lock = _locks[module] = threading.RLock()
        return lock


def _untie(module: Any, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """``given`` extended to every name of a tensor the module ties to a given one."""
    names: dict[int, set[str]] = {}
    members = [*module.named_parameters(remove_duplicate=False),
               *module.named_buffers(remove_duplicate=False)]
    for name, t in members:
        names.setdefault(id(t), set()).add(name)
    out = dict(given)
    for tied in names.values():
        if len(tied) < 2:
            continue
        chosen = {id(given[n]) for n in tied if n in given}
        if len(chosen) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, "
                             "which are tied. Consider using tie_weights=False")
        if chosen:
            value = next(given[n] for n in sorted(tied) if n in given)
            for n in tied:
                out[n] = value
    return out


def _owner(module: Any, name: str) -> tuple[Any, str]:
    *path, attr = name.split(".")
    m = module
    for p in path:
        sub = m._modules.get(p) if hasattr(m, "_modules") else None
        if sub is None:
            raise AttributeError(f"functional_call: {type(m).__name__} has no submodule "
                                 f"'{p}' (in the key '{name}')")
        m = sub
    return m, attr


_MISSING = object()


def _swap(module: Any, name: str, value: Any) -> Any:
    """Put ``value`` where the module keeps ``name``; return what was there."""
    owner, attr = _owner(module, name)
    for store in (owner._parameters, owner._buffers):
        if attr in store:
            old = store[attr]
            if value is _MISSING:
                del store[attr]
            else:
                store[attr] = value  # (the store mirrors it into the module's __dict__)
            return old
    old = owner.__dict__.get(attr, _MISSING)
    if value is _MISSING:
        owner.__dict__.pop(attr, None)
    else:
        owner.__dict__[attr] = value
    return old


def _restore(module: Any, name: str, old: Any) -> Any:
    """Put ``old`` back; return the value the call left there."""
    owner, attr = _owner(module, name)
    for store in (owner._parameters, owner._buffers):
        if attr in store:
            now = store[attr]
            store[attr] = old
            return now
    now = owner.__dict__.get(attr, _MISSING)
    if old is _MISSING:
        owner.__dict__.pop(attr, None)
    else:
        owner.__dict__[attr] = old
    return now


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced by the
    given tensors (dotted names, as ``named_parameters``), so that gradients flow to those.

    ``parameter_and_buffer_dicts`` is a dict or a sequence of dicts (a key in two is an
    error). ``args`` that is not a tuple is one argument. With ``tie_weights`` a value
    given for one of tied tensors replaces all of them; with ``strict`` every parameter and
    buffer must be given, and nothing else. The module's own tensors are put back
    afterwards; a value the module reassigned during the call (``self.n = self.n + 1``) is
    written back into the dict, as PyTorch does.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        given = dict(parameter_and_buffer_dicts)
        dicts = [parameter_and_buffer_dicts]
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        dicts = list(parameter_and_buffer_dicts)
        if not all(isinstance(d, dict) for d in dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        keys = [k for d in dicts for k in d]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        given = {k: v for d in dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    for k, v in given.items():
        if not isinstance(v, Tensor):
            raise TypeError(f"functional_call: the value of '{k}' is {type(v).__name__}, "
                            "not a microtensor Tensor")
    if tie_weights:
        given = _untie(module, given)
    if strict:
        _check_keys(module, given)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _lock_of(module):
        saved: list[tuple[str, Any]] = []
        try:
            for name, value in given.items():
                saved.append((name, _swap(module, name, value)))
            return module(*args, **(kwargs or {}))
        finally:
            left = {}
            for name, old in reversed(saved):
                left[name] = _restore(module, name, old)
            if len(dicts) == 1 and isinstance(parameter_and_buffer_dicts, dict):
                d = parameter_and_buffer_dicts
                for k in d:
                    if k in left and left[k] is not _MISSING:
                        d[k] = left[k]


def _check_keys(module: Any, given: dict[str, Tensor]) -> None:
    known = [n for n, _ in module.named_parameters(remove_duplicate=False)]
    known += [n for n, _ in module.named_buffers(remove_duplicate=False)]
    missing = [k for k in known if k not in given]
    unexpected = [k for k in given if k not in set(known)]
    msgs = []
    if unexpected:
        msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if msgs:
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                           + "\n\t".join(msgs))
