"""Writing a file atomically, and refusing what is not a regular file: what ``save`` needs.

``write_atomically`` writes into a locked temporary file in the target's folder, flushes
and fsyncs it, then renames it over the target with ``os.replace``, so a crash or an error
mid-write leaves the old file intact. A symlink is written through (the link stays, its
target gets the new file); a folder, FIFO, device or socket is refused. A temporary file
left by a killed save is removed by the next save to the same path.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from typing import Any

try:
    import fcntl
except ImportError:  # Windows, where a file another process has open cannot be deleted anyway
    fcntl = None

__all__ = ["fspath", "refuse_special", "write_atomically"]

_TMP_SUFFIX = ".microtensor-tmp"
_TMP_RANDOM = "[a-z0-9_]{8}"  # what tempfile.mkstemp puts between prefix and suffix


def write_atomically(path: str, write: Callable[[Any], None]) -> None:
    """Call ``write(f)`` on a temporary binary file, then put it at ``path`` atomically."""
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
            write(f)
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


def fspath(path: Any, op: str) -> str:
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


def refuse_special(path: str, real: str, mode: int, op: str, verb: str) -> None:
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
    refuse_special(path, real, mode, "save", "write")
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
