"""microtensor.save / load: exact round trips, atomic writes, refusing pickled data, and
untrusted files: symlinks, special files, zip bombs, crafted content, leftover temp files."""

from __future__ import annotations

import io
import json
import os
import pathlib
import pickle
import re
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import tracemalloc
import zipfile
from collections import OrderedDict
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import microtensor as mt
from microtensor import atomic_file, nn, optim
from microtensor import serialization as ser
from microtensor.serialization import load, save

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


class Net(nn.Module):
    def __init__(self, hidden: int = 4) -> None:
        super().__init__()
        self.fc1 = nn.Module()
        self.fc1.weight = nn.Parameter(mt.randn(hidden, 3))
        self.fc1.bias = nn.Parameter(mt.randn(hidden))
        self.fc2 = nn.Module()
        self.fc2.weight = nn.Parameter(mt.randn(2, hidden))
        self.register_buffer("steps", mt.tensor(7))
        self.register_buffer("running", mt.randn(hidden, dtype=mt.float64))

    def forward(self, x):
        return (x @ self.fc1.weight.T + self.fc1.bias).relu() @ self.fc2.weight.T


@pytest.fixture(autouse=True)
def _seed():
    mt.manual_seed(0)


def test_state_dict_round_trips_bit_exactly(tmp_path):
    model = Net()
    sd = model.state_dict()
    path = tmp_path / "model.pt"
    save(sd, path)
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]  # no ".npz" appended, no temp left
    back = load(path)
    assert type(back) is OrderedDict and list(back) == list(sd)
    for k, v in sd.items():
        assert type(back[k]) is mt.Tensor and back[k].dtype == v.dtype, k
        assert back[k]._data.tobytes() == v._data.tobytes(), k
    other = Net()
    other.load_state_dict(back)
    for a, b in zip(model.state_dict().values(), other.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data)


def test_loading_into_a_model_of_another_shape_names_the_keys(tmp_path):
    save(Net(hidden=4).state_dict(), tmp_path / "ck.npz")
    with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight: copying a param with "
                                           r"shape \(4, 3\) from checkpoint, the shape in "
                                           r"current model is \(5, 3\)"):
        Net(hidden=5).load_state_dict(load(tmp_path / "ck.npz"))


def test_optimizer_state_dict_round_trips(tmp_path):
    model = Net()
    opt = optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.99))
    for _ in range(2):
        opt.zero_grad()
        model(mt.randn(5, 3)).sum().backward()
        opt.step()
    sd = opt.state_dict()
    save(sd, tmp_path / "opt")
    back = load(str(tmp_path / "opt"))
    assert back["param_groups"] == sd["param_groups"]  # ints, floats, bools, tuples, lists
    assert isinstance(back["param_groups"][0]["betas"], tuple)
    assert list(back["state"]) == list(sd["state"]) == [0, 1, 2]  # int keys stay ints
    for i, state in sd["state"].items():
        for name, v in state.items():
            assert back["state"][i][name]._data.tobytes() == v._data.tobytes()
    fresh = optim.Adam(Net().parameters(), lr=1.0)
    fresh.load_state_dict(back)
    assert fresh.param_groups[0]["betas"] == (0.8, 0.99)


def test_nested_python_values_round_trip(tmp_path):
    arr = np.arange(6, dtype=np.int16).reshape(2, 3)
    obj = {
        "none": None, "t": True, "f": False, "int": -(2**70), "float": 0.1,
        "specials": [float("nan"), float("inf"), -float("inf"), -0.0],
        "str": "naïve ✓", "tuple": (1, (2.5, "x"), []), "empty": {},
        1: "int key", "1": "str key",
        "array": arr, "scalar": np.float32(1.5), "half": mt.tensor([1.0, 2.0], dtype=mt.float16),
        "grad": mt.tensor([1.0], requires_grad=True), "bools": np.array([True, False]),
        "zero_d": mt.tensor(3.5), "empty_array": np.zeros((0, 4)),
    }
    save(obj, tmp_path / "x")
    back = load(tmp_path / "x")
    assert list(back) == list(obj)
    assert back[1] == "int key" and back["1"] == "str key"
    assert back["none"] is None and back["t"] is True and back["int"] == -(2**70)
    assert back["float"] == 0.1 and back["str"] == "naïve ✓"
    assert back["tuple"] == (1, (2.5, "x"), []) and back["empty"] == {}
    nan, inf, ninf, nzero = back["specials"]
    assert np.isnan(nan) and inf == np.inf and ninf == -np.inf and str(nzero) == "-0.0"
    assert type(back["array"]) is np.ndarray and back["array"].dtype == np.int16
    np.testing.assert_array_equal(back["array"], arr)
    assert type(back["scalar"]) is np.float32 and back["scalar"] == 1.5
    assert back["half"].dtype == mt.float16 and back["half"].tolist() == [1.0, 2.0]
    assert back["grad"].requires_grad and back["grad"].is_leaf
    assert back["zero_d"].shape == () and back["zero_d"].item() == 3.5
    assert back["empty_array"].shape == (0, 4)


def test_shared_arrays_are_stored_once(tmp_path):
    w = mt.randn(3)
    save({"a": w, "b": w.detach(), "c": w._data}, tmp_path / "s")
    with np.load(tmp_path / "s") as npz:
        assert len(npz.files) == 2  # the description and one array
    back = load(tmp_path / "s")
    assert back["a"]._data is back["b"]._data is back["c"]


def test_what_the_format_cannot_describe_is_pickled_and_loaded_only_on_request(tmp_path):
    path = tmp_path / "ck"
    for obj in ({"state": {0: {"buf": [1, {2.5, 3.5}]}}}, {"x": {1.5: 0}},
                np.array([None, 1], dtype=object)):
        save(obj, path)
        with pytest.raises(pickle.UnpicklingError, match="weights_only=True does not unpickle"):
            load(path)
        back = load(path, weights_only=False)
        assert type(back) is type(obj) and repr(back) == repr(obj)
    assert os.listdir(tmp_path) == ["ck"]


def test_an_unpicklable_object_fails_before_touching_the_old_file(tmp_path):
    path = tmp_path / "ck"
    save({"ok": 1}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        save({"f": lambda: 1}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck"]


def test_a_whole_module_round_trips_with_weights_only_false(tmp_path):
    model = mt.nn.Sequential(mt.nn.Linear(3, 2), mt.nn.ReLU())
    save(model, tmp_path / "model.pt")
    back = load(tmp_path / "model.pt", weights_only=False)
    x = mt.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    assert back[0].weight.requires_grad


def test_file_objects_and_map_location_as_in_pytorch():
    buf = io.BytesIO()
    save({"w": mt.arange(3.0)}, buf)
    buf.seek(0)
    back = load(buf, map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(back["w"].numpy(), [0.0, 1.0, 2.0])
    buf.seek(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        load(buf, map_location="cuda:0")


def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    save({"w": mt.ones(3)}, path)
    before = path.read_bytes()

    def broken_write_array(fp, array, *args, **kwargs):
        fp.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken_write_array)
    with pytest.raises(OSError, match="disk full"):
        save({"w": mt.zeros(1000)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck"]
    monkeypatch.undo()

    def broken_replace(src, dst):
        raise KeyboardInterrupt  # even an interrupt cleans up

    monkeypatch.setattr(ser.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        save({"w": mt.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck"]
    monkeypatch.undo()
    assert load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_write_is_synced_before_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(ser.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(ser.os, "replace", lambda a, b: (events.append("replace"),
                                                         real_replace(a, b)))
    save({"a": 1}, tmp_path / "f")
    assert events[:2] == ["fsync", "replace"]


def test_bad_paths(tmp_path, monkeypatch):
    missing = tmp_path / "no" / "such" / "dir" / "ck"
    with pytest.raises(FileNotFoundError, match="save: cannot write .*ck': the folder .*dir' "
                                                "does not exist"):
        save({}, missing)
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        save({}, tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic_file.tempfile, "mkstemp", denied)  # root ignores chmod, so simulate
    with pytest.raises(PermissionError, match="save: cannot write .*ck': permission denied for "
                                              "the folder"):
        save({}, tmp_path / "ck")
    monkeypatch.undo()
    with pytest.raises(TypeError, match="save: path must be a str or os.PathLike, got int"):
        save({}, 3)
    with pytest.raises(FileNotFoundError, match="load: no such file: .*nothing"):
        load(tmp_path / "nothing")


def test_pathlike_and_file_mode(tmp_path):
    class MyPath(os.PathLike):
        def __fspath__(self):
            return str(tmp_path / "p")

    save([1, 2], MyPath())
    assert load(MyPath()) == [1, 2]
    assert load(pathlib.Path(tmp_path / "p")) == [1, 2]
    mode = os.stat(tmp_path / "p").st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # not mkstemp's 0600


def test_pickled_data_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match="load: .*evil.npz' contains pickled data "
                                         r"\(entry 'payload'\); it will not be loaded"):
        load(path)
    # Also when hidden inside something that otherwise looks like a microtensor save.
    save({"x": 1}, tmp_path / "good")
    with np.load(tmp_path / "good") as npz:
        entries = {k: npz[k] for k in npz.files}
    entries["a9"] = np.array([object()], dtype=object)
    np.savez(tmp_path / "mixed.npz", **entries)
    with pytest.raises(ValueError, match="contains pickled data"):
        load(tmp_path / "mixed.npz")


def test_files_that_are_not_microtensor_saves(tmp_path):
    (tmp_path / "text").write_text("hello")
    with pytest.raises(ValueError, match="load: .*text' is not a microtensor save "
                                         r"\(not an .npz archive\)"):
        load(tmp_path / "text")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        load(tmp_path / "one.npy")
    np.savez(tmp_path / "plain.npz", w=np.zeros(3))
    with pytest.raises(ValueError, match="is an .npz archive but not a microtensor save"):
        load(tmp_path / "plain.npz")
    save({"w": mt.zeros(100)}, tmp_path / "cut")
    data = (tmp_path / "cut").read_bytes()
    (tmp_path / "cut").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load(tmp_path / "cut")
    np.savez(tmp_path / "fake.npz", __microtensor__=np.frombuffer(b"{not json", np.uint8))
    with pytest.raises(ValueError, match="malformed microtensor description"):
        load(tmp_path / "fake.npz")


# ---------------------------------------------------------------------- crafted archives


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _npy_header(descr: Any, shape: Any, fortran_order: Any = False, version: int = 1) -> bytes:
    """A hand-made .npy header (numpy would refuse to write most of these)."""
    header = repr({"descr": descr, "fortran_order": fortran_order, "shape": shape}).encode()
    header += b"\n"
    size = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header


def _meta(obj: Any, version: Any = 1) -> bytes:
    desc = json.dumps({"format": "microtensor", "version": version, "object": obj})
    return _npy(np.frombuffer(desc.encode(), np.uint8))


def _archive(path: pathlib.Path, entries: dict[str, bytes],
             method: int = zipfile.ZIP_STORED) -> pathlib.Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name + ".npy", data)
    return path


def _peak_memory(fn) -> int:
    """The peak of traced allocations (NumPy's included) while ``fn()`` runs."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        if not tracing:
            tracemalloc.stop()
    return peak


posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, FIFOs and flock are POSIX")


# ---------------------------------------------------------------------- symlinks, special files


@posix_only
def test_save_writes_through_symlinks(tmp_path, monkeypatch):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "model.pt"
    save({"v": 1}, target)
    (link_dir / "latest").symlink_to("../real/model.pt")
    (link_dir / "chain").symlink_to("latest")  # a link to a link
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(ser.os, "replace", lambda a, b: (renames.append((a, b)),
                                                         real_replace(a, b)))
    save({"v": 2}, link_dir / "chain")
    assert (link_dir / "chain").is_symlink() and (link_dir / "latest").is_symlink()
    assert load(target) == {"v": 2} and load(link_dir / "chain") == {"v": 2}
    # Still atomic: the temp file was made next to the target and renamed over it.
    [(tmp, dst)] = renames
    assert dst == os.path.realpath(target)
    assert os.path.dirname(tmp) == os.path.realpath(real_dir)
    assert sorted(os.listdir(link_dir)) == ["chain", "latest"]
    assert os.listdir(real_dir) == ["model.pt"]
    # A dangling link gets its target created, as open(path, "wb") would do.
    (link_dir / "new").symlink_to("../real/new.pt")
    save([3], link_dir / "new")
    assert (link_dir / "new").is_symlink() and load(real_dir / "new.pt") == [3]


@posix_only
def test_save_refuses_fifos_devices_sockets_and_folders(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"save: cannot write '.*fifo': it is a FIFO \(named "
                                      r"pipe\), not a regular file"):
        save({}, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (tmp_path / "to_fifo").symlink_to("fifo")
    with pytest.raises(OSError, match=r"to_fifo': it is a symlink to '.*fifo', which is a "
                                      r"FIFO \(named pipe\), not a regular file"):
        save({}, tmp_path / "to_fifo")
    (tmp_path / "null").symlink_to(os.devnull)
    with pytest.raises(OSError, match="null': it is a symlink to '/dev/null', which is a "
                                      "character device, not a regular file"):
        save({}, tmp_path / "null")
    sock = tmp_path / "sock"
    if len(str(sock)) < 100:  # the limit of AF_UNIX addresses
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(sock))
            with pytest.raises(OSError, match="sock': it is a socket, not a regular file"):
                save({}, sock)
            assert stat.S_ISSOCK(os.lstat(sock).st_mode)
        sock.unlink()
    (tmp_path / "dir").mkdir()
    (tmp_path / "to_dir").symlink_to("dir")
    with pytest.raises(IsADirectoryError, match=r"to_dir': it is a symlink to '.*dir', which "
                                                r"is a folder$"):
        save({}, tmp_path / "to_dir")
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(OSError, match="save: cannot write '.*loop': Too many levels of "
                                      "symbolic links"):
        save({}, tmp_path / "loop")
    with pytest.raises(IsADirectoryError, match="a path ending in a separator names a folder"):
        save({}, str(tmp_path / "file") + "/")
    assert all(p.is_symlink() for p in tmp_path.glob("to_*"))
    assert sorted(os.listdir(tmp_path)) == ["dir", "fifo", "loop", "null", "to_dir", "to_fifo"]


@posix_only
def test_load_follows_symlinks_and_refuses_special_files(tmp_path):
    save({"v": 1}, tmp_path / "real")
    (tmp_path / "link").symlink_to("real")
    assert load(tmp_path / "link") == {"v": 1}
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def unblock():  # were the FIFO opened for reading, this lets that open return
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass

    timer = threading.Timer(5, unblock)
    timer.start()
    try:
        with pytest.raises(OSError, match=r"load: cannot read '.*fifo': it is a FIFO \(named "
                                          r"pipe\), not a regular file"):
            load(fifo)
    finally:
        timer.cancel()
    with pytest.raises(IsADirectoryError, match="load: cannot read .*: it is a folder"):
        load(tmp_path)


# ---------------------------------------------------------------------- zip bombs


def test_entries_the_description_does_not_name_are_never_decompressed(tmp_path):
    zeros = _npy(np.zeros(20_000_000, np.uint8))  # deflate squeezes 20 MB into ~20 KB
    path = _archive(tmp_path / "bomb.npz", {
        "__microtensor__": _meta({"$": "ndarray", "array": "a0"}), "a0": _npy(np.arange(3)),
        **{f"b{i}": zeros for i in range(5)}}, zipfile.ZIP_DEFLATED)
    assert os.path.getsize(path) < 200_000

    def refused():
        with pytest.raises(ValueError, match=r"load: '.*bomb.npz' has 5 entries its "
                                             r"description does not name \('b0', 'b1', 'b2', "
                                             r"\.\.\.\); a microtensor save holds only the "
                                             "arrays it describes"):
            load(path)

    assert _peak_memory(refused) < 2_000_000  # vs 100 MB decompressed before


def test_named_entries_are_limited_to_100_times_the_file_size(tmp_path):
    zeros = _npy(np.zeros(20_000_000, np.uint8))
    path = _archive(tmp_path / "bomb.npz", {
        "__microtensor__": _meta([{"$": "ndarray", "array": f"a{i}"} for i in range(5)]),
        **{f"a{i}": zeros for i in range(5)}}, zipfile.ZIP_DEFLATED)
    size = os.path.getsize(path)

    def refused():
        with pytest.raises(ValueError, match=rf"load: '.*bomb.npz' would decompress to "
                                             rf"\d+ bytes, more than 100 times its size of "
                                             rf"{size} bytes; refusing it as a possible zip "
                                             "bomb"):
            load(path)

    assert _peak_memory(refused) < 2_000_000
    # A compressed archive within the limit still loads (numpy.savez_compressed makes them).
    save({"w": mt.randn(50, 50), "b": mt.zeros(50)}, tmp_path / "plain")
    with np.load(tmp_path / "plain") as npz:
        np.savez_compressed(tmp_path / "compressed.npz", **{k: npz[k] for k in npz.files})
    assert load(tmp_path / "compressed.npz")["w"].shape == (50, 50)


@pytest.mark.parametrize("shape", [(10_000_000,), (2**40,)], ids=["80MB", "8TB"])
def test_entry_size_is_checked_against_its_header_before_reading(tmp_path, shape):
    header = _npy_header("<f8", shape)
    path = _archive(tmp_path / "liar.npz", {
        "__microtensor__": _meta({"$": "ndarray", "array": "a0"}),
        "a0": header + bytes(24)})  # the header promises far more than the entry holds

    def refused():
        with pytest.raises(ValueError, match=rf"load: '.*liar.npz' is a corrupt .npz file "
                                             rf"\(entry 'a0' declares {len(header) + 24} "
                                             rf"bytes, but its dtype float64 and shape "
                                             rf"\({shape[0]},\) need "
                                             rf"{len(header) + 8 * shape[0]}\)"):
            load(path)

    assert _peak_memory(refused) < 2_000_000


# ---------------------------------------------------------------------- crafted content


def _load_crafted(tmp_path, obj: Any, arrays: dict[str, bytes] | None = None,
                  meta: bytes | None = None) -> Any:
    path = tmp_path / "crafted.npz"
    _archive(path, {"__microtensor__": _meta(obj) if meta is None else meta, **(arrays or {})})
    return load(path)


_A0 = {"a0": _npy(np.arange(3))}

CRAFTED_DESCRIPTIONS = [  # (object, arrays, message); each raised something else, or nothing
    ({"$": "tensor", "array": ["a0"]}, {}, r"missing array entry \['a0'\]"),
    ({"$": "tuple", "items": 5}, {}, "a tuple whose items are int, not a list"),
    ({"$": "tuple", "items": "abc"}, {}, "a tuple whose items are str, not a list"),
    ({"$": "float", "value": None}, {}, "a float node with value None"),
    ({"$": "float", "value": "1.5"}, {}, "a float node with value '1.5'"),
    ({"$": "dict", "keys": [[1]], "values": [1]}, {}, r"a dict key must be a str or an int, "
                                                      r"got \[1\]"),
    ({"$": "odict", "keys": [1.5], "values": [1]}, {}, "a dict key must be a str or an int, "
                                                      "got 1.5"),
    ({"$": "dict", "keys": [True], "values": [1]}, {}, "a dict key must be a str or an int, "
                                                       "got True"),
    ({"$": "tensor", "array": "a0", "requires_grad": True}, _A0,
     "a tensor of dtype int64 with requires_grad"),
    ({"$": "tensor", "array": "a0", "requires_grad": "yes"}, _A0,
     "requires_grad must be true or false, got 'yes'"),
    ({"$": "npscalar", "array": "a0"}, _A0, r"a NumPy scalar stored with shape \(3,\)"),
    ({"$": {"x": 1}}, {}, r"unknown node kind \{'x': 1\}"),
    ({"$": "x" * 500}, {}, r"unknown node kind 'x{79}\.\.\.\)"),  # long values are cut
    (json.loads("[" * 900 + "]" * 900), {}, "nested too deeply"),  # parses, too deep to build
]


@pytest.mark.parametrize("obj, arrays, message", CRAFTED_DESCRIPTIONS)
def test_crafted_descriptions_raise_value_error(tmp_path, obj, arrays, message):
    with pytest.raises(ValueError, match=r"load: '.*crafted.npz' has a malformed microtensor "
                                         rf"description \({message}"):
        _load_crafted(tmp_path, obj, arrays)


@pytest.mark.parametrize("raw, message", [
    (b"[" * 100_000, r"has a malformed microtensor description \(nested too deeply\)"),
    (b"1" * 5000, r"has a malformed microtensor description \(Exceeds the limit"),
    (b"\xff{", r"has a malformed microtensor description \('utf-8' codec can't decode"),
    (b'{"format": "microtensor", "version": true, "object": 1}',
     r"has a malformed microtensor description \(version True is not an integer\)"),
    (b'{"format": "microtensor", "version": 2, "object": 1}',
     "was written by format version 2, this microtensor reads version 1"),
])
def test_crafted_metadata_raises_value_error(tmp_path, raw, message):
    with pytest.raises(ValueError, match=f"load: '.*crafted.npz' {message}"):
        _load_crafted(tmp_path, None, meta=_npy(np.frombuffer(raw, np.uint8)))


def test_metadata_entry_of_another_dtype_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"load: '.*crafted.npz' has a malformed microtensor "
                                         r"description \(its '__microtensor__' entry is float64 "
                                         r"of shape \(3,\), not 1-D uint8\)"):
        _load_crafted(tmp_path, None, meta=_npy(np.zeros(3)))


@pytest.mark.parametrize("entry, message", [
    (_npy(np.zeros(2, [("a", "<f8")])), r"has an entry 'a0' of dtype \[\('a', '<f8'\)\]; only "
                                        "bool, integer, float and complex arrays are read"),
    (_npy_header(("<f8", (2,)), (3,)) + bytes(48),
     r"has an entry 'a0' of dtype \('<f8', \(2,\)\); only bool"),
    (_npy(np.zeros(2, "M8[s]")), r"has an entry 'a0' of dtype datetime64\[s\]; only bool"),
    (_npy(np.array(["ab"])), r"has an entry 'a0' of dtype <U2; only bool"),
    (_npy(np.array([{"a": 1}], dtype=object)), r"contains pickled data \(entry 'a0'\)"),
    (_npy_header("<f8", (-1, -8)) + bytes(64), r"has an entry 'a0' with invalid shape "
                                                r"\(-1, -8\)"),
    (_npy_header("<f8", (True,)) + bytes(8), r"has an entry 'a0' with invalid shape \(True,\)"),
    (_npy_header("<f8", (1,), version=3) + bytes(8),
     r"has an entry 'a0' in .npy format version \(3, 0\); expected 1.0 or 2.0"),
    (_npy_header("<f8", (1,), fortran_order=1) + bytes(8),
     "is a corrupt or truncated .npz file \\(entry 'a0': ValueError: fortran_order is not a valid "
     "bool: 1\\)"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr': (((((" + bytes(8),
     r"is a corrupt or truncated .npz file \(entry 'a0': TokenError"),
    (b"not an npy", r"is a corrupt or truncated .npz file \(entry 'a0': ValueError: the magic "
                    "string is not correct"),
], ids=["structured", "subarray", "datetime", "unicode", "object", "negative-shape",
        "bool-shape", "npy-v3", "fortran-order", "bad-header", "not-npy"])
def test_crafted_entries_raise_value_error(tmp_path, entry, message):
    with pytest.raises(ValueError, match=f"load: '.*crafted.npz' {message}"):
        _load_crafted(tmp_path, {"$": "ndarray", "array": "a0"}, {"a0": entry})


def test_archive_level_tricks_raise_value_error(tmp_path):
    good = tmp_path / "good"
    save({"w": mt.ones(3)}, good)
    with zipfile.ZipFile(good) as z:
        entries = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    _archive(tmp_path / "bz2.npz", entries, zipfile.ZIP_BZIP2)
    with pytest.raises(ValueError, match=r"load: '.*bz2.npz' has an entry '__microtensor__' "
                                         r"with compression method 12; only stored and "
                                         "deflated entries are read"):
        load(tmp_path / "bz2.npz")
    data = bytearray(good.read_bytes())  # mark every entry as encrypted
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        data[pos + 8] |= 1
        pos = data.find(b"PK\x01\x02", pos + 1)
    (tmp_path / "locked").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="load: '.*locked' has an encrypted entry"):
        load(tmp_path / "locked")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from(["a0", "a1", "nan", "inf", "dict", "tensor"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["$", "keys", "values", "items", "array", "requires_grad", "value"]),
        inner | st.sampled_from(["dict", "odict", "tuple", "tensor", "ndarray", "npscalar",
                                 "float"]), max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(obj=_json, version=st.sampled_from([1, 1, 1, True, "1", None, 2]))
def test_fuzzed_descriptions_load_or_raise_value_error(tmp_path, obj, version):
    arrays = {"a0": _npy(np.arange(3)), "a1": _npy(np.float32(2.0).reshape(()))}
    text = json.dumps(obj)
    used = {k: v for k, v in arrays.items() if f'"{k}"' in text}
    path = _archive(tmp_path / "fuzz.npz", {"__microtensor__": _meta(obj, version), **used})
    try:
        load(path)
    except ValueError as e:
        assert str(e).startswith(f"load: '{path}' "), e


def test_fuzzed_bytes_load_or_raise_value_error(tmp_path):
    save({"w": mt.randn(3, 4), "b": mt.zeros(2, dtype=mt.float64), "s": np.int8(3),
          "t": (1, [2.5, None], {"k": "v"}), 5: mt.ones(2, requires_grad=True)}, tmp_path / "good")
    good = (tmp_path / "good").read_bytes()
    rng = np.random.default_rng(0)
    path = tmp_path / "fuzzed"
    cases = [good[:n] for n in range(0, len(good), 11)]  # truncated anywhere
    for _ in range(400):  # a few bytes overwritten
        data = bytearray(good)
        for i in rng.integers(0, len(data), rng.integers(1, 6)):
            data[i] = rng.integers(0, 256)
        cases.append(bytes(data))
    cases += [b"PK\x03\x04" + rng.bytes(n) for n in range(0, 3000, 60)]  # noise
    for data in cases:
        path.write_bytes(data)
        try:
            load(path)
        except ValueError as e:
            assert str(e).startswith(f"load: '{path}' "), e


# ---------------------------------------------------------------------- leftover temp files


@posix_only
def test_leftover_temp_files_of_a_killed_save_are_removed_and_nothing_else(tmp_path):
    path = tmp_path / "ck"
    save({"v": 1}, path)
    stale = tmp_path / ".ck.k1ll3d_x.microtensor-tmp"
    stale.write_bytes(b"PK\x03\x04 half a checkpoint")
    others = [".ck2.abcdefgh.microtensor-tmp",  # another destination's
              ".ck.abcdefgh.tmp", ".ck.abcdefghi.microtensor-tmp", ".ck.ABCDEFGH.microtensor-tmp",
              "ck.abcdefgh.microtensor-tmp", ".ck.abcdefgh.microtensor-tmp.bak"]
    for name in others:
        (tmp_path / name).write_bytes(b"not ours")
    outside = tmp_path / "outside"
    outside.write_bytes(b"precious")
    (tmp_path / ".ck.symlink1.microtensor-tmp").symlink_to(outside)
    (tmp_path / ".ck.folder00.microtensor-tmp").mkdir()
    # A save in progress holds a lock on its temp file: that one is left alone.
    busy = tmp_path / ".ck.busy0000.microtensor-tmp"
    busy.write_bytes(b"")
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        save({"v": 2}, path)
    finally:
        os.close(fd)
    assert not stale.exists() and busy.exists() and load(path) == {"v": 2}
    assert all((tmp_path / name).read_bytes() == b"not ours" for name in others)
    assert (tmp_path / ".ck.symlink1.microtensor-tmp").is_symlink()
    assert outside.read_bytes() == b"precious"
    assert (tmp_path / ".ck.folder00.microtensor-tmp").is_dir()


def test_temp_file_names_follow_the_pattern_cleanup_looks_for(tmp_path, monkeypatch):
    temps = []
    real_replace = os.replace
    monkeypatch.setattr(ser.os, "replace", lambda a, b: (temps.append(os.path.basename(a)),
                                                         real_replace(a, b)))
    save({}, tmp_path / "ck.pt")
    long_name = "x" * 250  # the temp name must still fit in NAME_MAX (255 bytes)
    save({}, tmp_path / long_name)
    assert re.fullmatch(r"\.ck\.pt\.[a-z0-9_]{8}\.microtensor-tmp", temps[0]), temps
    assert re.fullmatch(r"\.x{50}~[0-9a-f]{16}\.[a-z0-9_]{8}\.microtensor-tmp", temps[1]), temps
    assert sorted(os.listdir(tmp_path)) == ["ck.pt", long_name]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_save_killed_mid_write_is_cleaned_up_by_the_next_save(tmp_path):
    folder, ready = tmp_path / "out", tmp_path / "ready"
    folder.mkdir()
    path = folder / "ck"
    save({"v": 1}, path)
    child = textwrap.dedent("""
        import pathlib, sys, time
        import numpy as np
        import microtensor as mt

        def slow_write_array(fp, array, *args, **kwargs):
            fp.write(b"half an array")
            pathlib.Path(sys.argv[2]).touch()  # tell the test we are mid-write
            time.sleep(120)

        np.lib.format.write_array = slow_write_array
        mt.save({"v": mt.zeros(3)}, sys.argv[1])
    """)
    root = str(pathlib.Path(ser.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", child, str(path), str(ready)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the child never wrote"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [leftover] = [p.name for p in folder.iterdir() if p.name != "ck"]
    assert re.fullmatch(r"\.ck\.[a-z0-9_]{8}\.microtensor-tmp", leftover), leftover
    assert load(path) == {"v": 1}  # the old file is intact
    save({"v": 2}, path)
    assert os.listdir(folder) == ["ck"]
    assert load(path) == {"v": 2}


@posix_only
def test_a_temp_file_removed_before_it_is_locked_is_made_again(tmp_path, monkeypatch):
    # A concurrent save's cleanup may delete a temp file in the instant between its creation
    # and its locking; the save must notice and start over, not fail at the rename.
    calls = []
    real_mkstemp = tempfile.mkstemp

    def racing_mkstemp(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        if not calls:
            os.unlink(name)
        calls.append(name)
        return fd, name

    monkeypatch.setattr(atomic_file.tempfile, "mkstemp", racing_mkstemp)
    save({"v": 1}, tmp_path / "ck")
    assert len(calls) == 2 and os.listdir(tmp_path) == ["ck"]
    assert load(tmp_path / "ck") == {"v": 1}
