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

import hashlib
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

try:
    import fcntl
except ImportError:  # Windows, where a file another process has open cannot be deleted anyway
    fcntl = None

__all__ = ["load", "save"]

_META = "__microtensor__"
_FORMAT = "microtensor"
_VERSION = 1
_ARRAY_KINDS = "biufc"  # what .npy stores without pickle
_MAX_EXPANSION = 100  # load decompresses at most this many times the file's size, in total
_PEEK_LIMIT = 100  # entries of a refused file whose .npy header is read to name pickled content
_TMP_SUFFIX = ".microtensor-tmp"
_TMP_RANDOM = "[a-z0-9_]{8}"  # what tempfile.mkstemp puts between prefix and suffix


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
            if node.get("$") in ("tensor", "ndarray", "npscalar") \
                    and isinstance(node.get("array"), str):
                names.add(node["array"])
            stack.extend(node.values())
    return sorted(names)


# ---------------------------------------------------------------------- save


def _fspath(path: Any, op: str) -> str:
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(f"{op}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}") from None
    return p if isinstance(p, str) else os.fsdecode(p)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _refuse_special(path: str, real: str, mode: int, op: str, verb: str) -> None:
    """Raise if ``path`` (which resolves to ``real``) is anything but a regular file."""
    if stat.S_ISREG(mode):
        return
    kind = _file_kind(mode)
    via = f"a symlink to '{real}', which is " if os.path.islink(path) else ""
    what = f"it is {via}{kind}" + ("" if stat.S_ISDIR(mode) else ", not a regular file")
    error = IsADirectoryError if stat.S_ISDIR(mode) else OSError
    raise error(f"{op}: cannot {verb} '{path}': {what}")


def _save_target(path: str) -> str:
    """The regular file ``save`` replaces: ``path``, or through symlinks the file they name.

    A new file (or a dangling symlink's missing target) is fine if its folder exists.
    """
    if path.endswith(("/", os.sep)) and not os.path.isdir(path):
        raise IsADirectoryError(f"save: cannot write '{path}': a path ending in a separator "
                                "names a folder")
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        link = f" (it is a symlink to '{real}')" if os.path.islink(path) else ""
        raise FileNotFoundError(f"save: cannot write '{path}'{link}: the folder '{folder}' "
                                "does not exist")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    except OSError as e:  # e.g. a symlink loop
        raise OSError(e.errno, f"save: cannot write '{path}': {e.strerror}") from None
    _refuse_special(path, real, mode, "save", "write")
    return real


def _temp_prefix(name: str) -> str:
    # ".<name>.": hidden, and recognisably this destination's. A long name is shortened (a
    # hash keeps it apart from its neighbours) so the temp name stays within NAME_MAX.
    if len(os.fsencode(name)) > 200:
        name = name[:50] + "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    return "." + name + "."


def _remove_stale_temps(folder: str, prefix: str) -> None:
    """Delete the temporary files that killed saves to this destination left behind."""
    pattern = re.compile(re.escape(prefix) + _TMP_RANDOM + re.escape(_TMP_SUFFIX))
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if pattern.fullmatch(name):
            _remove_if_abandoned(os.path.join(folder, name))


def _remove_if_abandoned(tmp: str) -> None:
    # A save in progress, in this process or another, holds a lock on its temp file until it
    # has renamed it; the OS drops the lock of a killed process. So a file we can lock is stale.
    if fcntl is None:
        try:
            os.unlink(tmp)  # Windows refuses while the writing process has it open
        except OSError:
            pass
        return
    try:
        if not stat.S_ISREG(os.lstat(tmp).st_mode):
            return
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError if a save holds it
        locked, now = os.fstat(fd), os.lstat(tmp)
        if (locked.st_dev, locked.st_ino) == (now.st_dev, now.st_ino):
            os.unlink(tmp)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_temp(folder: str, prefix: str) -> tuple[int, str]:
    """Create and lock a new temporary file; returns its descriptor and path."""
    while True:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=_TMP_SUFFIX)
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: its cleanup cannot lock either
            return fd, tmp
        if os.fstat(fd).st_nlink > 0:
            return fd, tmp
        # Another save's cleanup deleted it in the instant before we locked it: try again.
        os.close(fd)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``) to ``path`` as one ``.npz``, atomically.

    The file is written exactly at ``path`` (no ``.npz`` is appended). An existing file
    is replaced only once the new one is completely on disk. If ``path`` is a symlink, the
    file it points to is replaced and the link stays, as with ``torch.save``. Temporary
    files that earlier saves to the same file left behind when killed are removed.

    Raises:
        TypeError: ``obj`` contains something that cannot be saved without pickle; the
            message gives its place, e.g. ``obj['state'][0]['step']``.
        FileNotFoundError: the folder of ``path`` (or of the file it links to) does not
            exist.
        PermissionError: the folder of ``path`` is not writable.
        IsADirectoryError: ``path`` is a folder (or links to one).
        OSError: ``path`` is (or links to) a FIFO, a device or a socket.
    """
    path = _fspath(path, "save")
    enc = _Encoder()
    root = enc.encode(obj, "obj")  # fails before anything touches the disk
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "object": root},
                      ensure_ascii=False, allow_nan=False)
    entries = {_META: np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **enc.arrays}

    target = _save_target(path)
    folder, prefix = os.path.dirname(target), _temp_prefix(os.path.basename(target))
    _remove_stale_temps(folder, prefix)
    try:
        fd, tmp = _open_temp(folder, prefix)
    except PermissionError:
        raise PermissionError(f"save: cannot write '{path}': permission denied for the "
                              f"folder '{folder}'") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **entries)
            f.flush()
            os.fsync(f.fileno())
            os.chmod(tmp, _file_mode(target))
            if fcntl is not None:  # rename while locked, so no cleanup takes it for stale
                os.replace(tmp, target)
        if fcntl is None:  # Windows cannot rename a file that is open
            os.replace(tmp, target)
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


def load(path: str | os.PathLike) -> Any:
    """Load what :func:`save` wrote: Tensors come back as Tensors, arrays as arrays.

    The file is treated as untrusted: only the entries its description names are read,
    each only after its declared size has been checked against its dtype and shape, and
    at most 100 times the file's size is decompressed in total.

    Raises:
        FileNotFoundError: no file at ``path``.
        IsADirectoryError: ``path`` is a folder.
        OSError: ``path`` is a FIFO, a device or a socket.
        ValueError: the file is not a microtensor save, is corrupt or crafted (the
            message names the file and what is wrong), or contains pickled objects (which
            are never unpickled: that could run arbitrary code).
    """
    path = _fspath(path, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: '{path}'")
    _refuse_special(path, os.path.realpath(path), os.stat(path).st_mode, "load", "read")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise ValueError(f"load: '{path}' is not a microtensor save (not an .npz archive)")
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except MemoryError:
            raise
        except Exception as e:  # BadZipFile, EOFError, OSError, ... on a damaged directory
            raise ValueError(f"load: '{path}' is a corrupt or truncated .npz file "
                             f"({_short(e)})") from None
        with zf:
            return _load_archive(_Archive(zf, path, os.fstat(f.fileno()).st_size))


def _load_archive(archive: _Archive) -> Any:
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
    return _Decoder(arrays, path).decode(desc["object"])
