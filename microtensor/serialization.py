"""``microtensor.save(obj, path)`` / ``microtensor.load(path)``: checkpoints without pickle.

A save is one NumPy ``.npz`` archive:

- ``__microtensor__``: a uint8 array holding UTF-8 JSON that describes the
  object's structure (dicts with their str/int keys, lists, tuples, numbers,
  strings, ``None``), with every array replaced by the name of its entry;
- ``a0``, ``a1``, ...: the arrays of the Tensors and NumPy arrays, bit for bit.

Nothing is pickled, so loading a file never runs code from it: ``load`` reads
with ``numpy.load(..., allow_pickle=False)`` and refuses files holding pickled
objects. ``save`` writes atomically: into a temporary file in the target's
folder, flushed and fsynced, then renamed over the target with ``os.replace``,
so a crash or an error mid-write leaves the old file intact and no temporary
file behind.

What round-trips: ``dict`` (and ``OrderedDict``) with ``str`` or ``int`` keys,
``list``, ``tuple``, ``Tensor`` (back as a leaf Tensor with its dtype and
``requires_grad``; a Parameter comes back as a plain Tensor), ``numpy.ndarray``
and NumPy scalars, ``int``, ``float`` (NaN and infinities too), ``bool``,
``str``, ``None``. A model's ``state_dict()`` and an optimizer's both do.
Tensors or arrays sharing one NumPy array are stored once and share it again
after loading.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["load", "save"]

_META = "__microtensor__"
_FORMAT = "microtensor"
_VERSION = 1
_ARRAY_KINDS = "biufc"  # what .npy stores without pickle


# ---------------------------------------------------------------------- encoding


class _Encoder:
    """Turns an object into a JSON-able description plus a dict of arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(array) -> entry name, to store shared arrays once

    def _array(self, arr: np.ndarray, where: str) -> str:
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
            raise TypeError(f"save: cannot save an array of dtype {arr.dtype} at {where} "
                            "without pickling it (only bool, integer, float and complex "
                            "arrays are supported)")
        name = self._names.get(id(arr))
        if name is None:
            name = self._names[id(arr)] = f"a{len(self.arrays)}"
            self.arrays[name] = arr
        return name

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)  # an int subclass (not bool) is saved as a plain int
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$": "float", "value": repr(float(obj))}  # "nan", "inf", "-inf"
        if isinstance(obj, Tensor):
            return {"$": "tensor", "array": self._array(obj.data, where),
                    "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"$": "ndarray", "array": self._array(obj, where)}
        if isinstance(obj, np.generic):
            return {"$": "npscalar", "array": self._array(np.asarray(obj), where)}
        if isinstance(obj, dict):
            keys, values = [], []
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int, got "
                                    f"{type(k).__name__} key {k!r} at {where}")
                keys.append(k if isinstance(k, str) else int(k))
                values.append(self.encode(v, f"{where}[{k!r}]"))
            kind = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {"$": kind, "keys": keys, "values": values}
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"$": "tuple", "items": [self.encode(v, f"{where}[{i}]")
                                            for i, v in enumerate(obj)]}
        raise TypeError(f"save: cannot save an object of type {type(obj).__name__} at {where}; "
                        "supported: dict, list, tuple, Tensor, numpy array, int, float, bool, "
                        "str, None")


# ---------------------------------------------------------------------- decoding


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], path: str) -> None:
        self.arrays, self.path = arrays, path

    def _bad(self, what: str) -> ValueError:
        return ValueError(f"load: '{self.path}' has a malformed microtensor description "
                          f"({what})")

    def _array(self, node: dict) -> np.ndarray:
        arr = self.arrays.get(node.get("array"))
        if not isinstance(arr, np.ndarray):
            raise self._bad(f"missing array entry {node.get('array')!r}")
        return arr

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self._bad(f"unexpected {type(node).__name__}")
        kind = node.get("$")
        if kind in ("dict", "odict"):
            keys, values = node.get("keys"), node.get("values")
            if not isinstance(keys, list) or not isinstance(values, list) \
                    or len(keys) != len(values):
                raise self._bad("a dict without matching keys and values")
            pairs = [(k, self.decode(v)) for k, v in zip(keys, values)]
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        if kind == "tuple":
            return tuple(self.decode(v) for v in node.get("items", []))
        if kind == "tensor":
            t = Tensor._make(self._array(node), False, None)
            if node.get("requires_grad"):
                t.requires_grad = True
            return t
        if kind == "ndarray":
            return self._array(node)
        if kind == "npscalar":
            return self._array(node)[()]
        if kind == "float":
            return float(node.get("value"))
        raise self._bad(f"unknown node kind {kind!r}")


# ---------------------------------------------------------------------- save / load


def _fspath(path: Any, op: str) -> str:
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(f"{op}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}") from None
    return p if isinstance(p, str) else os.fsdecode(p)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``) to ``path`` as one ``.npz``, atomically.

    The file is written exactly at ``path`` (no ``.npz`` is appended). An existing file
    is replaced only once the new one is completely on disk.

    Raises:
        TypeError: ``obj`` contains something that cannot be saved without pickle; the
            message gives its place, e.g. ``obj['state'][0]['step']``.
        FileNotFoundError: the folder of ``path`` does not exist.
        PermissionError: the folder of ``path`` is not writable.
        IsADirectoryError: ``path`` is a folder.
    """
    path = _fspath(path, "save")
    enc = _Encoder()
    root = enc.encode(obj, "obj")  # fails before anything touches the disk
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "object": root},
                      ensure_ascii=False, allow_nan=False)
    entries = {_META: np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **enc.arrays}

    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: cannot write '{path}': the folder '{folder}' "
                                "does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: cannot write '{path}': it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                   suffix=".tmp")
    except PermissionError:
        raise PermissionError(f"save: cannot write '{path}': permission denied for the "
                              f"folder '{folder}'") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **entries)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _file_mode(path: str) -> int:
    # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_folder(folder: str) -> None:
    # Make the rename itself durable (POSIX); not possible everywhere, so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: str | os.PathLike) -> Any:
    """Load what :func:`save` wrote: Tensors come back as Tensors, arrays as arrays.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a microtensor save, is corrupt, or contains pickled
            objects (which are never unpickled: that could run arbitrary code).
    """
    path = _fspath(path, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: '{path}'")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":
        raise ValueError(f"load: '{path}' is not a microtensor save (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {}
            for name in npz.files:
                try:
                    arrays[name] = npz[name]
                except ValueError as e:
                    if "allow_pickle" in str(e) or "pickle" in str(e).lower():
                        raise ValueError(
                            f"load: '{path}' contains pickled data (entry {name!r}); it will "
                            "not be loaded, since unpickling can execute arbitrary code") from None
                    raise ValueError(f"load: '{path}' has a corrupt entry {name!r} ({e})") \
                        from None
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise ValueError(f"load: '{path}' is a corrupt or truncated .npz file ({e})") from None
    meta = arrays.pop(_META, None)
    if not isinstance(meta, np.ndarray) or meta.dtype != np.uint8 or meta.ndim != 1:
        raise ValueError(f"load: '{path}' is an .npz archive but not a microtensor save (no "
                         f"{_META!r} entry); read it with numpy.load")
    try:
        desc = json.loads(meta.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"load: '{path}' has a malformed microtensor description ({e})") \
            from None
    if not isinstance(desc, dict) or desc.get("format") != _FORMAT or "object" not in desc:
        raise ValueError(f"load: '{path}' has a malformed microtensor description")
    if desc.get("version") != _VERSION:
        raise ValueError(f"load: '{path}' was written by format version {desc.get('version')!r},"
                         f" this microtensor reads version {_VERSION}")
    return _Decoder(arrays, path).decode(desc["object"])
