"""``microtensor.save(obj, path)`` / ``microtensor.load(path)``: checkpoints without pickle.

A save is one NumPy ``.npz`` archive:

- ``__microtensor__``: a uint8 array holding UTF-8 JSON that describes the
  object's structure (dicts with their str/int keys, lists, tuples, numbers,
  strings, ``None``), with every array replaced by the name of its entry;
- ``a0``, ``a1``, ...: the arrays of the Tensors and NumPy arrays, bit for bit.

Nothing is pickled, so loading a file never runs code from it: ``load`` refuses
files holding pickled objects. ``save`` writes atomically: into a temporary file
in the target's folder, flushed and fsynced, then renamed over the target with
``os.replace``, so a crash or an error mid-write leaves the old file intact. A
symlink is written through (the link stays, its target gets the new file), as
``torch.save`` does; a folder, FIFO, device or socket is refused. A temporary
file left by a killed save is removed by the next save to the same path.

``load`` treats the file as untrusted: it reads only the entries the description
names (a file with other entries is refused), checks each entry's declared size
against the size its dtype and shape imply before decompressing it, and refuses
to decompress more than 100 times the file's size in total (a zip bomb), all
before allocating. Whatever is wrong with the file's content is a ``ValueError``
naming the file and the problem.

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
import pickle
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .atomic_file import fspath, refuse_special, write_atomically
from .tensor import Tensor

__all__ = ["load", "save"]

_META = "__microtensor__"
_FORMAT = "microtensor"
_VERSION = 1
_ARRAY_KINDS = "biufc"  # what .npy stores without pickle
_MAX_EXPANSION = 100  # load decompresses at most this many times the file's size, in total
_PEEK_LIMIT = 100  # entries of a refused file whose .npy header is read to name pickled content


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
            return {"$": "tensor", "array": self._array(obj._data, where),
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
    """Turns a description back into the object; any inconsistency is a ValueError."""

    def __init__(self, arrays: dict[str, np.ndarray], path: str) -> None:
        self.arrays, self.path = arrays, path

    def _bad(self, what: str) -> ValueError:
        return ValueError(f"load: '{self.path}' has a malformed microtensor description "
                          f"({what})")

    def _array(self, node: dict) -> np.ndarray:
        name = node.get("array")
        if not isinstance(name, str) or name not in self.arrays:
            raise self._bad(f"missing array entry {_short(name, repr)}")
        return self.arrays[name]

    def decode(self, node: Any) -> Any:
        try:
            return self._decode(node)
        except RecursionError:  # only a crafted file nests deeper than save can write
            raise self._bad("nested too deeply") from None

    def _decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self._decode(v) for v in node]
        if not isinstance(node, dict):
            raise self._bad(f"unexpected {type(node).__name__}")
        kind = node.get("$")
        if kind in ("dict", "odict"):
            keys, values = node.get("keys"), node.get("values")
            if not isinstance(keys, list) or not isinstance(values, list) \
                    or len(keys) != len(values):
                raise self._bad("a dict without matching keys and values")
            for k in keys:
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise self._bad(f"a dict key must be a str or an int, got "
                                    f"{_short(k, repr)}")
            pairs = [(k, self._decode(v)) for k, v in zip(keys, values)]
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        if kind == "tuple":
            items = node.get("items")
            if not isinstance(items, list):
                raise self._bad(f"a tuple whose items are {type(items).__name__}, not a list")
            return tuple(self._decode(v) for v in items)
        if kind == "tensor":
            arr, requires_grad = self._array(node), node.get("requires_grad", False)
            if not isinstance(requires_grad, bool):
                raise self._bad(f"requires_grad must be true or false, got "
                                f"{_short(requires_grad, repr)}")
            if requires_grad and arr.dtype.kind != "f":
                raise self._bad(f"a tensor of dtype {arr.dtype} with requires_grad")
            return Tensor._make(arr, requires_grad, None)
        if kind == "ndarray":
            return self._array(node)
        if kind == "npscalar":
            arr = self._array(node)
            if arr.ndim != 0:
                raise self._bad(f"a NumPy scalar stored with shape {arr.shape}")
            return arr[()]
        if kind == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):  # finite floats are plain JSON numbers
                raise self._bad(f"a float node with value {_short(value, repr)}")
            return float(value)
        raise self._bad(f"unknown node kind {_short(kind, repr)}")


def _short(x: Any, show: Any = str, limit: int = 80) -> str:
    """``show(x)``'s first line, cut to ``limit`` characters: crafted files make long ones."""
    text = (show(x).splitlines() or [""])[0]
    return text if len(text) <= limit else text[:limit] + "..."


def _array_names(root: Any) -> list[str]:
    """The entry names a description refers to (walked with a stack: no recursion limit)."""
    names, stack = set(), [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("$") in ("tensor", "ndarray", "npscalar", "pickle") \
                    and isinstance(node.get("array"), str):
                names.add(node["array"])
            stack.extend(node.values())
    return sorted(names)


# ---------------------------------------------------------------------- save


def save(obj: Any, f: Any, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``) to ``f`` as one ``.npz``; a path atomically.

    ``f`` is a path (``str`` or ``os.PathLike``) or a binary file object (``io.BytesIO``,
    an open file), as in PyTorch. A path is written exactly there (no ``.npz`` is
    appended), and an existing file is replaced only once the new one is completely on
    disk. If ``f`` is a symlink, the file it points to is replaced and the link stays, as
    with ``torch.save``. Temporary files that earlier saves to the same file left behind
    when killed are removed.

    What the format describes (dicts, lists, tuples, Tensors, arrays, numbers, strings;
    every state dict) is stored without pickle. Anything else, a whole ``nn.Module`` say,
    is pickled (with ``pickle_module`` and ``pickle_protocol``, as in PyTorch), and
    :func:`load` opens such a file only with ``weights_only=False``. The last two
    arguments are PyTorch's and change nothing here.

    Raises:
        pickle.PicklingError, TypeError, AttributeError: ``obj`` is neither describable nor
            picklable (a lambda, say).
        FileNotFoundError: the folder of the path (or of the file it links to) does not
            exist.
        PermissionError: the folder of the path is not writable.
        IsADirectoryError: the path is a folder (or links to one).
        OSError: the path is (or links to) a FIFO, a device or a socket.
    """
    to_file = hasattr(f, "write")
    path = None if to_file else fspath(f, "save")
    enc = _Encoder()
    try:
        root = enc.encode(obj, "obj")  # fails before anything touches the disk
    except TypeError:
        dumps = (pickle_module or pickle).dumps
        enc = _Encoder()
        enc.arrays = {"a0": np.frombuffer(dumps(obj, protocol=pickle_protocol), np.uint8)}
        root = {"$": "pickle", "array": "a0"}
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "object": root},
                      ensure_ascii=False, allow_nan=False)
    entries = {_META: np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **enc.arrays}
    if to_file:
        np.savez(f, allow_pickle=False, **entries)
    else:
        write_atomically(path, lambda file: np.savez(file, allow_pickle=False, **entries))


# ---------------------------------------------------------------------- load


class _Archive:
    """The entries of an untrusted ``.npz``, read within checked bounds.

    Before any entry's data is decompressed, the sizes the zip declares are checked: in
    total they may not exceed ``_MAX_EXPANSION`` times the file's size, and each entry
    must declare exactly the size its ``.npy`` header's dtype and shape need. ``zipfile``
    never yields more than the declared size, so memory stays within those bounds.
    """

    def __init__(self, zf: zipfile.ZipFile, path: str, file_size: int) -> None:
        self.zf, self.path, self.file_size = zf, path, file_size
        self.entries = {info.filename: info for info in zf.infolist()}

    def _bad(self, what: str) -> ValueError:
        return ValueError(f"load: '{self.path}' {what}")

    def _guard(self, name: str, fn: Any, *args: Any) -> Any:
        # zipfile and numpy.lib.format parse untrusted bytes here: whatever they raise means
        # a corrupt file (MemoryError excepted: that is not the file's fault).
        try:
            return fn(*args)
        except MemoryError:
            raise
        except Exception as e:
            raise self._bad(f"is a corrupt or truncated .npz file (entry {name!r}: "
                            f"{type(e).__name__}: {_short(e)})") from None

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.entries.get(name + ".npy")

    def check_sizes(self, names: list[str]) -> None:
        """Refuse, before decompressing anything, entries that could not be read safely."""
        total = 0
        for name in names:
            info = self.entries[name + ".npy"]
            if info.flag_bits & 0x1:
                raise self._bad(f"has an encrypted entry {name!r}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._bad(f"has an entry {name!r} with compression method "
                                f"{info.compress_type}; only stored and deflated entries are "
                                "read")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise self._bad(f"is a corrupt .npz file (entry {name!r} is stored uncompressed "
                                f"but declares {info.file_size} bytes in {info.compress_size})")
            total += info.file_size
        if total > _MAX_EXPANSION * self.file_size:
            raise self._bad(f"would decompress to {total} bytes, more than {_MAX_EXPANSION} "
                            f"times its size of {self.file_size} bytes; refusing it as a "
                            "possible zip bomb")

    def _header(self, name: str, f: Any) -> tuple[tuple, bool, np.dtype]:
        version = self._guard(name, np.lib.format.read_magic, f)
        if version not in ((1, 0), (2, 0)):
            raise self._bad(f"has an entry {name!r} in .npy format version {version}; "
                            "expected 1.0 or 2.0")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) \
            else np.lib.format.read_array_header_2_0
        return self._guard(name, read, f)

    def read(self, name: str) -> np.ndarray:
        """The array in entry ``name``; its size is checked against its header first."""
        info = self.entries[name + ".npy"]
        with self._guard(name, self.zf.open, info) as f:
            shape, fortran, dtype = self._header(name, f)
            if dtype.hasobject:
                raise self._pickled(name)
            if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None \
                    or dtype.subdtype is not None:
                raise self._bad(f"has an entry {name!r} of dtype {dtype}; only bool, integer, "
                                "float and complex arrays are read")
            if not all(type(n) is int and n >= 0 for n in shape):
                raise self._bad(f"has an entry {name!r} with invalid shape {shape}")
            nbytes = dtype.itemsize * math.prod(shape)
            expected = f.tell() + nbytes
            if info.file_size != expected:
                raise self._bad(f"is a corrupt .npz file (entry {name!r} declares "
                                f"{info.file_size} bytes, but its dtype {dtype} and shape "
                                f"{shape} need {expected})")
            flat = np.empty(nbytes // dtype.itemsize, dtype=dtype)
            self._guard(name, _read_exactly, f, memoryview(flat.view(np.uint8)))
        return flat.reshape(shape, order="F" if fortran else "C")

    def _pickled(self, name: str) -> ValueError:
        return self._bad(f"contains pickled data (entry {name!r}); it will not be loaded, "
                         "since unpickling can execute arbitrary code")

    def find_pickled(self, names: list[str]) -> str | None:
        """The first entry (of at most ``_PEEK_LIMIT``) whose header declares Python objects.

        Only the ``.npy`` header of each is read (a few KiB at most): this names the reason
        a file is refused, it never loads anything.
        """
        for name in names[:_PEEK_LIMIT]:
            info = self.entries[name + ".npy"]
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                                  zipfile.ZIP_DEFLATED):
                continue
            try:
                with self._guard(name, self.zf.open, info) as f:
                    _, _, dtype = self._header(name, f)
            except ValueError:
                continue
            if dtype.hasobject:
                return name
        return None

    def npy_names(self, exclude: set[str]) -> list[str]:
        """The archive's ``.npy`` entries (as numpy.load names them) not in ``exclude``."""
        return [n[:-4] for n in self.entries if n.endswith(".npy") and n[:-4] not in exclude]


def _read_exactly(f: Any, out: memoryview) -> None:
    pos = 0
    while pos < len(out):
        chunk = f.read(min(len(out) - pos, 1 << 20))
        if not chunk:
            raise EOFError(f"the data ends after {pos} of {len(out)} bytes")
        out[pos:pos + len(chunk)] = chunk
        pos += len(chunk)
    if f.read(1):  # also makes zipfile check the CRC
        raise ValueError("more data than the header describes")


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load what :func:`save` wrote: Tensors come back as Tensors, arrays as arrays.

    ``f`` is a path or a binary file object, as in PyTorch. The file is treated as
    untrusted: only the entries its description names are read, each only after its
    declared size has been checked against its dtype and shape, and at most 100 times the
    file's size is decompressed in total. A pickled object (what :func:`save` makes of a
    whole Module) is unpickled only with ``weights_only=False``: unpickling can run any
    code, so do it only for files you trust. ``weights_only`` defaults to True, as in
    PyTorch 2.6 and later. ``map_location`` may name the CPU (or be a dict or function,
    which are not needed: every tensor is on the CPU); a CUDA device raises, as on a
    PyTorch build without CUDA. ``mmap`` is accepted and ignored (the arrays are read
    into memory).

    Raises:
        FileNotFoundError: no file at the path.
        IsADirectoryError: the path is a folder.
        OSError: the path is a FIFO, a device or a socket.
        ValueError: the file is not a microtensor save, is corrupt or crafted (the
            message names the file and what is wrong), or is an ``.npz`` holding pickled
            arrays (never unpickled).
        pickle.UnpicklingError: the file holds a pickled object and ``weights_only`` is
            not False.
    """
    _check_map_location(map_location)
    unpickle = None if weights_only or weights_only is None else (
        lambda data: (pickle_module or pickle).loads(data, **pickle_load_args))
    if hasattr(f, "read"):
        name = getattr(f, "name", None) or type(f).__name__
        start = f.tell()
        size = f.seek(0, os.SEEK_END) - start
        f.seek(start)
        return _load_zip(f, str(name), size, unpickle)
    path = fspath(f, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: '{path}'")
    refuse_special(path, os.path.realpath(path), os.stat(path).st_mode, "load", "read")
    with open(path, "rb") as file:
        return _load_zip(file, path, os.fstat(file.fileno()).st_size, unpickle)


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if str(map_location).split(":")[0] != "cpu":
        raise RuntimeError(
            f"load: attempting to deserialize onto device {str(map_location)!r}, but "
            "microtensor runs on the CPU only (as a PyTorch build without CUDA); use "
            "map_location='cpu'")


def _load_zip(f: Any, path: str, size: int, unpickle: Any) -> Any:
    start = f.tell()
    if f.read(4) != b"PK\x03\x04":
        raise ValueError(f"load: '{path}' is not a microtensor save (not an .npz archive)")
    f.seek(start)
    try:
        zf = zipfile.ZipFile(f)
    except MemoryError:
        raise
    except Exception as e:  # BadZipFile, EOFError, OSError, ... on a damaged directory
        raise ValueError(f"load: '{path}' is a corrupt or truncated .npz file "
                         f"({_short(e)})") from None
    with zf:
        return _load_archive(_Archive(zf, path, size), unpickle)


def _load_archive(archive: _Archive, unpickle: Any = None) -> Any:
    path = archive.path
    if archive.info(_META) is None:
        pickled = archive.find_pickled(archive.npy_names(set()))
        if pickled is not None:
            raise archive._pickled(pickled)
        raise ValueError(f"load: '{path}' is an .npz archive but not a microtensor save (no "
                         f"{_META!r} entry); read it with numpy.load")
    archive.check_sizes([_META])
    meta = archive.read(_META)
    if meta.dtype != np.uint8 or meta.ndim != 1:
        raise ValueError(f"load: '{path}' has a malformed microtensor description (its "
                         f"{_META!r} entry is {meta.dtype} of shape {meta.shape}, not 1-D "
                         "uint8)")
    try:
        desc = json.loads(meta.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError too
        reason = "nested too deeply" if isinstance(e, RecursionError) else _short(e)
        raise ValueError(f"load: '{path}' has a malformed microtensor description "
                         f"({reason})") from None
    if not isinstance(desc, dict) or desc.get("format") != _FORMAT or "object" not in desc:
        raise ValueError(f"load: '{path}' has a malformed microtensor description")
    version = desc.get("version")
    if type(version) is not int:
        raise ValueError(f"load: '{path}' has a malformed microtensor description (version "
                         f"{_short(version, repr)} is not an integer)")
    if version != _VERSION:
        raise ValueError(f"load: '{path}' was written by format version {version}, this "
                         f"microtensor reads version {_VERSION}")

    names = _array_names(desc["object"])
    extra = archive.npy_names({_META, *names})
    extra += [n for n in archive.entries if not n.endswith(".npy")]
    if extra:
        pickled = archive.find_pickled([n for n in extra if archive.info(n) is not None])
        if pickled is not None:
            raise archive._pickled(pickled)
        shown = ", ".join(_short(n, repr) for n in extra[:3])
        count = "an entry" if len(extra) == 1 else f"{len(extra)} entries"
        raise ValueError(f"load: '{path}' has {count} its description does not name ({shown}"
                         f"{', ...' if len(extra) > 3 else ''}); a microtensor save holds only "
                         "the arrays it describes, so it was not read")
    present = [n for n in names if archive.info(n) is not None]
    archive.check_sizes([_META, *present])
    arrays = {name: archive.read(name) for name in present}
    root = desc["object"]
    if isinstance(root, dict) and root.get("$") == "pickle":
        return _unpickle(arrays.get(root.get("array")), path, unpickle)
    return _Decoder(arrays, path).decode(root)


def _unpickle(data: Any, path: str, unpickle: Any) -> Any:
    if unpickle is None:
        raise pickle.UnpicklingError(
            f"load: '{path}' holds a pickled object (save() pickles what is not a state "
            "dict, such as a whole Module), and weights_only=True does not unpickle: it "
            "could run arbitrary code. Load it with weights_only=False only if you trust "
            "where the file came from; better, save and load model.state_dict()")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 1:
        raise ValueError(f"load: '{path}' has a malformed microtensor description (its "
                         "pickled object is not stored as bytes)")
    return unpickle(data.tobytes())
