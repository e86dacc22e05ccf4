"""The Tensor protocol, dtypes, devices, grad modes and process settings, without PyTorch
(tests/oracle/test_creation_vs_torch.py compares the same against torch)."""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

import microtensor as mt


@pytest.fixture(autouse=True)
def _restore():
    yield
    mt.set_printoptions(profile="default")
    mt.set_default_device(None)
    mt.set_default_dtype(mt.float32)


# ---------------------------------------------------------------------- Size and dtypes


def test_size_is_a_tuple_that_prints_as_torch():
    s = mt.zeros(2, 3).shape
    assert isinstance(s, tuple) and isinstance(s, mt.Size) and s == (2, 3)
    assert repr(s) == str(s) == "microtensor.Size([2, 3])"
    assert isinstance(s[1:], mt.Size) and s[0] == 2 and s.numel() == 6
    assert mt.Size() == () and mt.Size().numel() == 1 and mt.zeros(()).size() == mt.Size([])
    assert isinstance(s + (4,), mt.Size) and s * 2 == (2, 3, 2, 3)
    assert pickle.loads(pickle.dumps(s)) == s and type(copy.deepcopy(s)) is mt.Size
    assert mt.zeros(4, 5).size(-1) == 5 and type(mt.zeros(1).size()) is mt.Size
    with pytest.raises(TypeError):
        mt.Size([2.0])
    with pytest.raises(TypeError):
        mt.Size(3)


def test_dtype_objects():
    x = mt.zeros(2)
    assert x.dtype is mt.float32 and x.dtype == mt.float32
    assert repr(x.dtype) == "microtensor.float32"
    assert isinstance(mt.float32, mt.dtype) and mt.float is mt.float32 and mt.int is mt.int32
    assert mt.short is mt.int16 and mt.long is mt.int64 and mt.half is mt.float16
    assert mt.float32 != mt.float64 and mt.float32 != "float32"
    # NumPy takes them as dtypes, and they compare equal to NumPy's.
    assert np.zeros(2, mt.float64).dtype == np.float64 and np.dtype(mt.int8) == np.int8
    assert x.numpy().dtype == x.dtype and mt.float32 == np.dtype("float32")
    assert mt.float32 in {np.dtype("float32")} and np.dtype("float32") in {mt.float32}
    assert x.dtype.kind == "f" and mt.int64.itemsize == 8
    assert (mt.float32.is_floating_point, mt.uint8.is_signed, mt.bool.is_signed) == \
        (True, False, False)
    assert copy.deepcopy(mt.float64) is mt.float64
    assert pickle.loads(pickle.dumps(mt.int16)) is mt.int16
    for unsupported in (mt.bfloat16, mt.uint64):
        with pytest.raises(TypeError, match=str(unsupported).split(".")[1]):
            mt.zeros(1, dtype=unsupported)
    assert mt.tensor([1, 2]).to(mt.uint16).dtype is mt.uint16
    assert mt.zeros(1, dtype=float).dtype is mt.float64  # Python's float is float64
    assert mt.get_default_dtype() is mt.float32
    mt.set_default_dtype(mt.float64)
    assert mt.get_default_dtype() is mt.float64 and mt.tensor(1.5).dtype is mt.float64
    with pytest.raises(TypeError):
        mt.set_default_dtype(mt.int64)


def test_type_info_and_promotion():
    assert mt.finfo(mt.float32).eps == float(np.finfo(np.float32).eps)
    assert mt.finfo().dtype == "float32" and mt.finfo(mt.float16).resolution == 0.001
    assert mt.iinfo(mt.uint8).max == 255 and mt.iinfo(mt.int8).bits == 8
    with pytest.raises(TypeError):
        mt.finfo(mt.int32)
    with pytest.raises(TypeError):
        mt.iinfo(mt.bool)
    assert mt.promote_types(mt.int64, mt.float16) is mt.float16
    assert mt.promote_types(mt.uint8, mt.int8) is mt.int16
    assert mt.result_type(mt.tensor([1], dtype=mt.int32), 5) is mt.int32
    assert mt.result_type(mt.tensor([1], dtype=mt.int32), 2.5) is mt.float32
    assert mt.result_type(2, 3.0) is mt.float32
    assert mt.can_cast(mt.int64, mt.float16) and not mt.can_cast(mt.float32, mt.int64)
    with pytest.raises(TypeError):
        mt.promote_types("float32", mt.int64)
    assert mt.is_tensor(mt.ones(1)) and not mt.is_tensor([1]) and not mt.is_storage(mt.ones(1))
    assert mt.is_floating_point(mt.ones(1)) and not mt.is_floating_point(mt.ones(1).long())
    assert mt.is_nonzero(mt.tensor([2])) and not mt.is_nonzero(mt.tensor(0.0))
    with pytest.raises(RuntimeError):
        mt.is_nonzero(mt.tensor([1, 2]))
    assert mt.numel(mt.zeros(3, 4)) == 12 and mt.inf == float("inf") and mt.pi == np.pi


# ---------------------------------------------------------------------- tensor facts


def test_strides_layout_and_memory():
    x = mt.zeros(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.stride(0) == 12 and x.stride(-1) == 1
    p = x.permute(2, 0, 1)
    assert p.stride() == (1, 12, 4) and not p.is_contiguous() and x.is_contiguous()
    assert p.contiguous().is_contiguous()
    assert x[:, 1:].storage_offset() == 4 and x.storage_offset() == 0
    assert x.nbytes == 96 and x.itemsize == x.element_size() == 4
    assert x.data_ptr() == x.numpy().ctypes.data
    assert mt.zeros(0, 4).stride() == (4, 1)
    assert (x.is_cuda, x.is_cpu, x.get_device(), x.device, x.is_pinned()) == \
        (False, True, -1, mt.device("cpu"), False)
    assert x.ndimension() == 3 and not x.is_inference()


def test_casts_and_type_names():
    x = mt.tensor([1.7, -2.2])
    assert x.type() == "microtensor.FloatTensor"
    names = {"byte": "ByteTensor", "char": "CharTensor", "short": "ShortTensor",
             "int": "IntTensor", "long": "LongTensor", "half": "HalfTensor",
             "float": "FloatTensor", "double": "DoubleTensor", "bool": "BoolTensor"}
    for method, name in names.items():
        assert getattr(x, method)().type() == f"microtensor.{name}"
    assert x.type("torch.DoubleTensor").dtype is mt.float64
    assert x.type(mt.int32).tolist() == [1, -2]
    with pytest.raises(ValueError):
        x.type("float64")
    with pytest.raises(TypeError, match="bfloat16"):
        x.bfloat16()


def test_to_and_devices():
    x = mt.ones(2, requires_grad=True)
    assert x.to(mt.float32) is x and x.to("cpu") is x and x.to(mt.device("cpu")) is x
    y = x.to(copy=True)
    assert y is not x and y.grad_fn is not None and y._data is not x._data
    z = x.to("cpu", mt.float64, non_blocking=True)
    assert z.dtype is mt.float64 and z.grad_fn is not None
    assert x.to(mt.zeros(1, dtype=mt.int64)).dtype is mt.int64
    assert x.to(device="cpu", dtype=mt.float16).dtype is mt.float16
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        x.to("cuda")
    with pytest.raises(ValueError, match="CPU only"):  # NotCompiledError is both
        x.cuda()
    with pytest.raises(RuntimeError, match="not linked with support for mps"):
        mt.zeros(2, device="mps")
    with pytest.raises(RuntimeError):
        mt.device("tpu")
    d = mt.device("cuda:1")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1",
                                                   "device(type='cuda', index=1)")
    assert mt.device("cpu") == "cpu" and mt.device("cpu", 0) != mt.device("cpu")
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(RuntimeError):
        x.pin_memory()


def test_default_device():
    assert mt.get_default_device() == mt.device("cpu")
    mt.set_default_device("cpu")
    assert mt.zeros(1).device == "cpu"
    mt.set_default_device("cuda")
    with pytest.raises(AssertionError):
        mt.zeros(1)
    with pytest.raises(AssertionError):
        mt.get_default_device()
    mt.set_default_device(None)
    assert mt.zeros(1).shape == (1,)


def test_cuda_backends_accelerator_on_a_cpu_only_build():
    assert not mt.cuda.is_available() and mt.cuda.device_count() == 0
    assert mt.cuda.manual_seed(0) is None and mt.cuda.manual_seed_all(0) is None
    assert mt.cuda.memory_allocated() == 0 and mt.cuda.empty_cache() is None
    for fn in (mt.cuda.synchronize, mt.cuda.current_device, mt.cuda.get_device_name,
               mt.cuda.init):
        with pytest.raises(AssertionError):
            fn()
    import microtensor.backends.cudnn as cudnn

    assert cudnn is mt.backends.cudnn and not cudnn.is_available()
    cudnn.benchmark, cudnn.deterministic = True, True
    assert mt.backends.cudnn.benchmark and mt.backends.cudnn.deterministic
    cudnn.benchmark, cudnn.deterministic = False, False
    assert not mt.backends.mps.is_available() and not mt.backends.mps.is_built()
    assert not mt.backends.cuda.is_built() and not mt.backends.cuda.matmul.allow_tf32
    assert not mt.accelerator.is_available() and mt.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError):
        mt.accelerator.synchronize()


def test_process_settings():
    n = mt.get_num_threads()
    mt.set_num_threads(3)
    assert mt.get_num_threads() == 3
    mt.set_num_threads(n)
    with pytest.raises(RuntimeError):
        mt.set_num_threads(0)
    with pytest.raises(RuntimeError):
        mt.set_num_threads(1.5)
    mt.use_deterministic_algorithms(True, warn_only=True)
    assert mt.are_deterministic_algorithms_enabled()
    assert mt.is_deterministic_algorithms_warn_only_enabled()
    assert mt.get_deterministic_debug_mode() == 1
    mt.use_deterministic_algorithms(False)
    assert mt.get_deterministic_debug_mode() == 0
    mt.set_float32_matmul_precision("high")
    assert mt.get_float32_matmul_precision() == "high"
    mt.set_float32_matmul_precision("highest")
    assert mt.set_flush_denormal(True) is False
    with pytest.warns(UserWarning, match="deprecated"):
        mt.set_default_tensor_type("torch.DoubleTensor")
    assert mt.get_default_dtype() is mt.float64


# ---------------------------------------------------------------------- Python protocol


def test_format_len_contains_reversed_hash():
    assert f"{mt.tensor(3.14159):.2f}" == "3.14" and f"{mt.tensor(7):>3}" == "  7"
    assert f"{mt.tensor([1.5])}" == "tensor([1.5000])"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{mt.tensor([1.0, 2.0]):.2f}"
    x = mt.tensor([[1, 2], [3, 4]])
    assert len(x) == 2 and 3 in x and 9 not in x and mt.tensor(4) in x
    with pytest.raises(TypeError):
        len(mt.tensor(1))
    with pytest.raises(RuntimeError):
        "a" in x  # noqa: B015
    assert reversed(x).tolist() == [[3, 4], [1, 2]] and reversed(mt.tensor(2)).item() == 2
    assert len({x, mt.tensor([[1, 2], [3, 4]])}) == 2  # hashed by identity
    assert hash(x) == hash(x) and {x: 1}[x] == 1


def test_item_and_grad_assignment():
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        mt.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError):  # also a ValueError, as microtensor raised before
        mt.tensor([1.0, 2.0]).item()
    x = mt.ones(2, requires_grad=True)
    for bad in (1.0, [1.0, 1.0], np.ones(2)):
        with pytest.raises(TypeError, match="expected to be a Tensor or None"):
            x.grad = bad
    assert x.grad is None


def test_deepcopy():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    x.grad = mt.tensor([0.5, 0.5])
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.is_leaf and y.grad.tolist() == [0.5, 0.5]
    y._data[0] = 7
    assert x.tolist() == [1.0, 2.0]
    both = copy.deepcopy([x, x])
    assert both[0] is both[1]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    p = mt.nn.Parameter(mt.ones(2))
    assert isinstance(copy.deepcopy(p), mt.nn.Parameter)


def test_new_factories_keep_dtype():
    x = mt.tensor([1, 2])
    assert x.new_tensor([1.5]).dtype is mt.int64 and x.new_tensor([1.5]).tolist() == [1]
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2,)).dtype is mt.int64
    assert x.new_ones(2, dtype=mt.float64).dtype is mt.float64
    assert x.new_full((2,), 7).tolist() == [7, 7] and x.new_empty(0).shape == (0,)
    f = mt.ones(1, dtype=mt.float64)
    r = f.new_zeros(3, requires_grad=True)
    assert r.requires_grad and r.is_leaf and r.dtype is mt.float64


# ---------------------------------------------------------------------- printing


def test_repr_follows_printoptions():
    assert repr(mt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mt.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(mt.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(mt.tensor([1, 2], dtype=mt.int32)) == "tensor([1, 2], dtype=microtensor.int32)"
    assert repr(mt.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(mt.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    mt.set_printoptions(precision=2)
    assert repr(mt.tensor([1.12345])) == "tensor([1.12])"
    mt.set_printoptions(threshold=5)
    assert repr(mt.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    mt.set_printoptions(profile="default")
    assert repr(mt.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    mt.set_printoptions(sci_mode=True)
    assert repr(mt.tensor([1.5])) == "tensor([1.5000e+00])"
    mt.set_printoptions(sci_mode=False)
    with mt.printoptions(precision=1):
        assert repr(mt.tensor([1.25, 3.0])) == "tensor([1.2, 3.0])"
    assert mt.get_printoptions()["precision"] == 4
    mt.set_printoptions(profile="tiny")  # ignored, as PyTorch
    assert mt.get_printoptions()["precision"] == 4


# ---------------------------------------------------------------------- grad modes


def test_inference_mode_forms():
    x = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        assert not mt.is_grad_enabled() and mt.is_inference_mode_enabled()
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
    with mt.inference_mode(False):
        assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
        assert (x * 2).requires_grad

    @mt.inference_mode
    def bare():
        return mt.is_grad_enabled(), mt.is_inference_mode_enabled()

    @mt.inference_mode()
    def called():
        return (x * 2).requires_grad

    @mt.inference_mode(mode=False)
    def off():
        return (x * 2).requires_grad

    assert bare() == (False, True) and called() is False and off() is True
    assert mt.is_grad_enabled()
    with mt.no_grad(), mt.inference_mode(False):
        assert not mt.is_grad_enabled()  # mode=False changes nothing
    with mt.inference_mode(), mt.enable_grad():
        assert mt.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    assert mt.is_grad_enabled()
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_inference_mode_is_per_thread():
    seen = []

    def worker():
        seen.append((mt.is_grad_enabled(), mt.is_inference_mode_enabled()))

    with mt.inference_mode():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [(True, False)]


def test_storage_is_the_flat_memory():
    x = mt.arange(6).reshape(2, 3)
    s = x[:, 1:].storage()
    assert len(s) == 6 and s.tolist() == list(range(6)) and s.dtype is mt.int64
    s[0] = 9
    assert x[0, 0].item() == 9 and mt.is_storage(s) and not mt.is_storage(x)
    assert "TypedStorage(dtype=microtensor.int64, device=cpu) of size 6" in repr(s)
