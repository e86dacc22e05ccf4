"""microtensor.save / load: exact round trips, atomic writes, and refusing pickled data."""

from __future__ import annotations

import os
import pathlib
from collections import OrderedDict

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, optim
from microtensor import serialization as ser
from microtensor.serialization import load, save


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
        assert back[k].data.tobytes() == v.data.tobytes(), k
    other = Net()
    other.load_state_dict(back)
    for a, b in zip(model.state_dict().values(), other.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.data)


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
            assert back["state"][i][name].data.tobytes() == v.data.tobytes()
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
    save({"a": w, "b": w.detach(), "c": w.data}, tmp_path / "s")
    with np.load(tmp_path / "s") as npz:
        assert len(npz.files) == 2  # the description and one array
    back = load(tmp_path / "s")
    assert back["a"].data is back["b"].data is back["c"]


def test_unsupported_object_fails_before_touching_the_old_file(tmp_path):
    path = tmp_path / "ck"
    save({"ok": 1}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"save: cannot save an object of type object at "
                                        r"obj\['state'\]\[0\]\['buf'\]\[1\]"):
        save({"state": {0: {"buf": [1, object()]}}}, path)
    with pytest.raises(TypeError, match=r"dict keys must be str or int, got float key 1.5 at "
                                        r"obj\['x'\]"):
        save({"x": {1.5: 0}}, path)
    with pytest.raises(TypeError, match="array of dtype object at obj"):
        save(np.array([None]), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck"]


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

    monkeypatch.setattr(ser.tempfile, "mkstemp", denied)  # root ignores chmod, so simulate
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
