"""Creation ops, random sampling, dtypes and the Tensor protocol against PyTorch (CPU).

Values are compared exactly where PyTorch's algorithm is reproduced (every sampler, the
integer and float64 factories), to float rounding elsewhere; dtypes, shapes, reprs and
error types are compared as they are.
"""

from __future__ import annotations

import copy
import itertools
import math
import warnings

import numpy as np
import pytest

import microtensor as mt

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]


def T(name: str):
    return getattr(torch, name)


def M(name: str):
    return getattr(mt, name)


def same(a: mt.Tensor, b: torch.Tensor, exact: bool = True) -> None:
    assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1], (a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    if exact:
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    else:
        tol = 1e-6 if b.dtype == torch.float32 else 1e-14
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def raises_alike(f_mt, f_torch) -> None:
    """Both raise, and microtensor's exception is an instance of PyTorch's type."""
    with pytest.raises(Exception) as want:
        f_torch()
    with pytest.raises(type(want.value)):
        f_mt()


@pytest.fixture(autouse=True)
def _defaults():
    old_t, old_m = torch.get_default_dtype(), mt.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    mt.set_default_dtype(mt.float32)
    yield
    torch.set_default_dtype(old_t)
    mt.set_default_dtype(old_m)
    mt.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


# ------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_and_can_cast(a, b):
    assert str(mt.promote_types(M(a), M(b))) == str(torch.promote_types(T(a), T(b))).replace(
        "torch", "microtensor")
    assert mt.can_cast(M(a), M(b)) == torch.can_cast(T(a), T(b))


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, [0, 1, 2.5, True])))
def test_result_type_with_numbers_and_0d(a, b):
    x_t, x_m = torch.ones(2, dtype=T(a)), mt.ones(2, dtype=M(a))
    got = mt.result_type(x_m, b)
    assert str(got).split(".")[1] == str(torch.result_type(x_t, b)).split(".")[1]
    z_t, z_m = torch.tensor(b), mt.tensor(b)
    assert str(mt.result_type(x_m, z_m)).split(".")[1] == \
        str(torch.result_type(x_t, z_t)).split(".")[1]


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_attributes_and_info(name):
    d, t = M(name), T(name)
    assert repr(d) == repr(t).replace("torch", "microtensor")
    assert (d.is_floating_point, d.is_signed, d.itemsize, d.is_complex) == \
        (t.is_floating_point, t.is_signed, t.itemsize, t.is_complex)
    assert copy.deepcopy(d) is d and mt.zeros(1, dtype=d).dtype is d
    info_m, info_t = ((mt.finfo, torch.finfo) if t.is_floating_point
                      else (mt.iinfo, torch.iinfo))
    if name == "bool":
        raises_alike(lambda: mt.iinfo(d), lambda: torch.iinfo(t))
        return
    fm, ft = info_m(d), info_t(t)
    assert repr(fm) == repr(ft)
    for attr in ("bits", "max", "min", "dtype") + (
            ("eps", "tiny", "smallest_normal", "resolution") if t.is_floating_point else ()):
        assert getattr(fm, attr) == getattr(ft, attr), attr
    other = torch.iinfo if t.is_floating_point else torch.finfo
    other_m = mt.iinfo if t.is_floating_point else mt.finfo
    raises_alike(lambda: other_m(d), lambda: other(t))


def test_dtype_names_constants_and_default():
    for name in ("half", "float", "double", "short", "int", "long", "uint16", "uint32"):
        assert repr(M(name)) == repr(T(name)).replace("torch", "microtensor")
    assert (mt.inf, mt.pi, mt.e) == (torch.inf, torch.pi, torch.e) and math.isnan(mt.nan)
    assert repr(mt.finfo()) == repr(torch.finfo())
    assert mt.get_default_dtype() is mt.float32
    for bad in (mt.int32, mt.bool):
        raises_alike(lambda b=bad: mt.set_default_dtype(b),
                     lambda b=bad: torch.set_default_dtype(T(str(b).split(".")[1])))
    with pytest.raises(TypeError, match="bfloat16"):
        mt.zeros(2, dtype=mt.bfloat16)
    for py, name in ((float, "float64"), (int, "int64"), (bool, "bool")):
        assert str(mt.zeros(1, dtype=py).dtype).endswith(name) and \
            str(torch.zeros(1, dtype=py).dtype).endswith(name)


# ------------------------------------------------------------------------- factories


FACTORIES = [
    ("zeros", (2, 3), {}), ("zeros", ((2, 3),), {"dtype": "int32"}),
    ("zeros", ((),), {}), ("zeros", (0, 4), {}), ("ones", ([3],), {"dtype": "bool"}),
    ("ones", (1, 0), {}),
    ("full", ((2,), 1), {}), ("full", ((2,), 1.5), {}), ("full", ((2,), True), {}),
    ("full", ([], 2.0), {}), ("full", ((2,), 1.5), {"dtype": "int64"}),
    ("arange", (5,), {}), ("arange", (1, 2.5, 0.5), {}), ("arange", (0, 1, 0.3), {}),
    ("arange", (5,), {"dtype": "float64"}), ("arange", (10, 0, -3), {}),
    ("arange", (0, 7.5, 2.5), {"dtype": "int64"}), ("arange", (-1.0, 1.0, 0.1), {}),
    ("arange", (0,), {}),
    ("linspace", (0, 10, 5), {}), ("linspace", (0, 10, 1), {}), ("linspace", (0, 10, 0), {}),
    ("linspace", (-3, 7, 11), {"dtype": "int64"}), ("linspace", (0, 1, 7), {"dtype": "float64"}),
    ("linspace", (0.1, 3.7, 20), {"dtype": "float64"}),
    ("logspace", (0, 2, 3), {}), ("logspace", (0, 2, 3), {"base": 2}),
    ("logspace", (-2, 2, 9), {"dtype": "float64"}), ("logspace", (0, 3, 4), {"dtype": "int64"}),
    ("eye", (3,), {}), ("eye", (2, 4), {"dtype": "bool"}), ("eye", (0,), {}),
    ("scalar_tensor", (1,), {}), ("scalar_tensor", (True,), {"dtype": "int64"}),
    ("empty", (2, 3), {}), ("empty", ((4,),), {"dtype": "int16"}),
]


@pytest.mark.parametrize("name, args, kwargs", FACTORIES, ids=[
    f"{n}{a}{k}" for n, a, k in FACTORIES])
def test_factories(name, args, kwargs):
    km = {k: M(v) if k == "dtype" else v for k, v in kwargs.items()}
    kt = {k: T(v) if k == "dtype" else v for k, v in kwargs.items()}
    a, b = M(name)(*args, **km), T(name)(*args, **kt)
    # float32 to rounding; linspace/logspace to an ulp (PyTorch's vectorised kernel computes
    # each SIMD lane from its block's start, whose width depends on the CPU).
    exact = b.dtype != torch.float32 and name not in ("linspace", "logspace")
    if name == "empty":
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
        assert tuple(a.shape) == tuple(b.shape)
    else:
        same(a, b, exact=exact)


def test_range_is_inclusive_and_float():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args, kw in (((1, 4), {}), ((0, 1, 0.25), {}), ((0, 3), {"dtype": "int64"})):
            km = {k: M(v) for k, v in kw.items()}
            kt = {k: T(v) for k, v in kw.items()}
            same(mt.range(*args, **km), torch.range(*args, **kt))


def test_size_keyword_out_and_requires_grad():
    same(mt.zeros(size=(2,)), torch.zeros(size=(2,)))
    same(mt.rand(size=(0,)), torch.rand(size=(0,)))
    o_m, o_t = mt.empty(3), torch.empty(3)
    r_m, r_t = mt.ones(2, 2, out=o_m), torch.ones(2, 2, out=o_t)
    assert r_m is o_m and r_t is o_t
    same(o_m, o_t)
    oi_m, oi_t = mt.empty(3, dtype=mt.int64), torch.empty(3, dtype=torch.int64)
    same(mt.ones(2, out=oi_m), torch.ones(2, out=oi_t))
    raises_alike(lambda: mt.zeros(2, out=oi_m, dtype=mt.float32),
                 lambda: torch.zeros(2, out=oi_t, dtype=torch.float32))
    same(mt.arange(4, out=mt.empty(0)), torch.arange(4, out=torch.empty(0)))
    x = mt.empty(2, 3, requires_grad=True)
    assert x.is_leaf and x.requires_grad
    raises_alike(lambda: mt.zeros(2, dtype=mt.int64, requires_grad=True),
                 lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True))


def test_like_and_new_factories():
    for base in ([1.0, 2.0], [1, 2]):
        xm, xt = mt.tensor(base), torch.tensor(base)
        same(mt.zeros_like(xm), torch.zeros_like(xt))
        same(mt.ones_like(xm, dtype=mt.float64), torch.ones_like(xt, dtype=torch.float64))
        same(mt.full_like(xm, 2.7), torch.full_like(xt, 2.7))
        same(mt.empty_like(xm).fill_(0) if hasattr(mt.Tensor, "fill_") else mt.zeros_like(xm),
             torch.zeros_like(xt))
        same(xm.new_tensor([1.5, 2]), xt.new_tensor([1.5, 2]))
        same(xm.new_zeros(2, 3), xt.new_zeros(2, 3))
        same(xm.new_ones((2,), dtype=mt.int32), xt.new_ones((2,), dtype=torch.int32))
        same(xm.new_full((3,), 4), xt.new_full((3,), 4))
        assert tuple(xm.new_empty(0, 2).shape) == tuple(xt.new_empty(0, 2).shape)
    assert mt.tensor([1.0]).new_zeros(2, requires_grad=True).requires_grad


def test_as_tensor_asarray_from_numpy_share_memory():
    for f_m, f_t in ((mt.as_tensor, torch.as_tensor), (mt.asarray, torch.asarray),
                     (mt.from_numpy, torch.from_numpy)):
        a1, a2 = np.arange(3.0), np.arange(3.0)
        tm, tt = f_m(a1), f_t(a2)
        a1[0] = a2[0] = 9
        same(tm, tt)
    a1, a2 = np.arange(3.0), np.arange(3.0)
    tm, tt = mt.asarray(a1, copy=True), torch.asarray(a2, copy=True)
    a1[0] = a2[0] = 9
    same(tm, tt)
    xm, xt = mt.ones(2), torch.ones(2)
    assert (mt.asarray(xm) is xm) == (torch.asarray(xt) is xt)
    assert (mt.as_tensor(xm) is xm) == (torch.as_tensor(xt) is xt)
    assert (mt.as_tensor(xm, dtype=mt.float64) is xm) == \
        (torch.as_tensor(xt, dtype=torch.float64) is xt)
    same(mt.as_tensor([1, 2]), torch.as_tensor([1, 2]))
    same(mt.asarray([1.0, 2.0], dtype=mt.float64), torch.asarray([1.0, 2.0],
                                                                 dtype=torch.float64))
    buf = bytearray(b"\x01\x02\x03\x04\x05\x06\x07\x08")
    same(mt.frombuffer(buf, dtype=mt.uint8), torch.frombuffer(bytearray(buf), dtype=torch.uint8))
    same(mt.frombuffer(buf, dtype=mt.int32, count=1, offset=4),
         torch.frombuffer(bytearray(buf), dtype=torch.int32, count=1, offset=4))
    st_m, st_t = mt.empty_strided((2, 3), (1, 2)), torch.empty_strided((2, 3), (1, 2))
    assert st_m.stride() == st_t.stride() and tuple(st_m.shape) == tuple(st_t.shape)


BAD_FACTORIES = [
    (lambda lib: lib.zeros(-1)), (lambda lib: lib.zeros(2.0)), (lambda lib: lib.zeros()),
    (lambda lib: lib.full(2, 1.0)), (lambda lib: lib.arange(0, 5, 0)),
    (lambda lib: lib.arange(5, 0)), (lambda lib: lib.arange(0, 2.5, 0.5, dtype=lib.int64)),
    (lambda lib: lib.linspace(0, 1, -1)),
    (lambda lib: lib.eye(-1)), (lambda lib: lib.zeros((2, 3), 4)),
    (lambda lib: lib.tensor([1.0, 2.0]).item()), (lambda lib: lib.tensor(1.0).__len__()),
    (lambda lib: lib.tensor([1, 2]).__contains__("a")),
    (lambda lib: lib.is_nonzero(lib.tensor([1, 2]))), (lambda lib: lib.is_nonzero(lib.tensor([]))),
    (lambda lib: lib.numel([1])), (lambda lib: lib.promote_types("a", lib.int64)),
    (lambda lib: lib.zeros(2).cuda()), (lambda lib: lib.zeros(2, device="cuda")),
    (lambda lib: lib.zeros(2).to("cuda")), (lambda lib: lib.device("foo")),
    (lambda lib: lib.set_num_threads(0)), (lambda lib: lib.set_num_threads(1.5)),
    (lambda lib: lib.cuda.synchronize()), (lambda lib: lib.cuda.current_device()),
    (lambda lib: lib.accelerator.current_device_index()),
    (lambda lib: lib.Size([2.0])), (lambda lib: lib.Size(3)),
    (lambda lib: f"{lib.tensor([1.0, 2.0]):.2f}"),
    (lambda lib: copy.deepcopy(lib.ones(2, requires_grad=True) * 2)),
    (lambda lib: lib.tensor([1.0, 2.0]).type("int32")),
    # random sampling
    (lambda lib: lib.randint(5, 2, (3,))), (lambda lib: lib.randperm(-1)),
    (lambda lib: lib.randperm(2.5)), (lambda lib: lib.rand(2, dtype=lib.int64)),
    (lambda lib: lib.normal(0.0, -1.0, (2,))), (lambda lib: lib.normal(lib.zeros(2), lib.ones(3))),
    (lambda lib: lib.bernoulli(lib.tensor([1.5]))), (lambda lib: lib.bernoulli(lib.zeros(2), 1.5)),
    (lambda lib: lib.multinomial(lib.tensor([-1.0, 1.0]), 1)),
    (lambda lib: lib.multinomial(lib.tensor([1.0, 1.0]), 3)),
    (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1)),
    (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1)),
    (lambda lib: lib.poisson(lib.tensor([-1.0]))), (lambda lib: lib.poisson(lib.tensor([1]))),
    (lambda lib: lib.empty(2).uniform_(2, 1)), (lambda lib: lib.empty(2).geometric_(0)),
    (lambda lib: lib.empty(2).cauchy_(0, 0)), (lambda lib: lib.empty(2).log_normal_(0, 0)),
    (lambda lib: lib.empty(2).random_(5, 2)), (lambda lib: lib.empty(2).bernoulli_(2.0)),
    (lambda lib: lib.empty(2, dtype=lib.int64).exponential_()),
    (lambda lib: lib.empty(2, dtype=lib.int64).normal_()),
    (lambda lib: lib.set_rng_state(lib.zeros(3, dtype=lib.uint8))),
    (lambda lib: lib.set_rng_state(lib.zeros(5056))), (lambda lib: lib.rand_like([1.0])),
]


@pytest.mark.parametrize("k", range(len(BAD_FACTORIES)))
def test_bad_input_raises_torchs_error_type(k):
    raises_alike(lambda: BAD_FACTORIES[k](mt), lambda: BAD_FACTORIES[k](torch))


# ------------------------------------------------------------------------- the protocol


def test_size_and_strides():
    for shape in ((2, 3), (), (0, 4), (1, 2, 3)):
        m, t = mt.zeros(shape), torch.zeros(shape)
        assert repr(m.shape) == repr(t.shape).replace("torch", "microtensor")
        assert m.shape == t.shape and m.size() == t.size() and m.shape.numel() == t.numel()
        assert type(m.shape[1:]).__name__ == "Size" and m.shape[1:] == t.shape[1:]
        assert m.stride() == t.stride() and m.is_contiguous() == t.is_contiguous()
        assert (m.nbytes, m.itemsize, m.element_size()) == (t.nbytes, t.itemsize,
                                                            t.element_size())
    m, t = mt.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert m.permute(2, 0, 1).stride() == t.permute(2, 0, 1).stride()
    assert m.permute(2, 0, 1).is_contiguous() == t.permute(2, 0, 1).is_contiguous()
    assert m[:, 1:].storage_offset() == t[:, 1:].storage_offset()
    assert m.stride(-1) == t.stride(-1)
    assert mt.Size([2, 3]) + (4,) == torch.Size([2, 3]) + (4,)
    assert repr(mt.Size([2]) + (1,)) == repr(torch.Size([2]) + (1,)).replace("torch",
                                                                            "microtensor")


@pytest.mark.parametrize("name", DTYPES)
def test_type_names_and_casts(name):
    m, t = mt.ones(2, dtype=M(name)), torch.ones(2, dtype=T(name))
    assert m.type() == t.type().replace("torch", "microtensor")
    for cast in ("byte", "char", "short", "int", "long", "half", "float", "double", "bool"):
        same(getattr(m, cast)(), getattr(t, cast)())
    same(m.type("microtensor.DoubleTensor"), t.type("torch.DoubleTensor"))
    assert (m.is_cuda, m.is_cpu, m.get_device(), str(m.device)) == \
        (t.is_cuda, t.is_cpu, t.get_device(), str(t.device))


def test_to_variants():
    m, t = mt.ones(2), torch.ones(2)
    assert (m.to(mt.float32) is m) == (t.to(torch.float32) is t)
    assert (m.to("cpu") is m) == (t.to("cpu") is t)
    assert (m.to(copy=True) is m) == (t.to(copy=True) is t)
    same(m.to("cpu", mt.float64, non_blocking=True), t.to("cpu", torch.float64,
                                                          non_blocking=True))
    same(m.to(mt.float64, True, True), t.to(torch.float64, True, True))
    same(m.to(mt.ones(1, dtype=mt.int32)), t.to(torch.ones(1, dtype=torch.int32)))
    same(m.to(dtype=mt.int64, device=mt.device("cpu")), t.to(dtype=torch.int64,
                                                              device=torch.device("cpu")))
    xm = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (xm.to(mt.float64, copy=True) * mt.tensor([3.0, 4.0], dtype=mt.float64)).sum().backward()
    (xt.to(torch.float64, copy=True) * torch.tensor([3.0, 4.0], dtype=torch.float64)).sum(
    ).backward()
    same(xm.grad, xt.grad)


def test_python_protocol():
    m, t = mt.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])
    same(m.__reversed__(), t.__reversed__())
    same(mt.tensor(2).__reversed__(), torch.tensor(2).__reversed__())
    assert (2 in m, 7 in m, mt.tensor(3) in m) == (2 in t, 7 in t, torch.tensor(3) in t)
    assert hash(m) != hash(mt.tensor([[1, 2], [3, 4]])) and hash(m) == hash(m)
    assert f"{mt.tensor(3.14159):.2f}" == f"{torch.tensor(3.14159):.2f}"
    assert f"{mt.tensor(3):>5}" == f"{torch.tensor(3):>5}"
    assert f"{mt.tensor([1.5])}" == f"{torch.tensor([1.5])}"
    xm = mt.tensor([1.0, 2.0], requires_grad=True)
    xm.grad = mt.ones(2)
    dm = copy.deepcopy(xm)
    assert dm.requires_grad and dm.is_leaf and dm.grad.tolist() == [1.0, 1.0]
    assert dm._data is not xm._data
    with pytest.raises(TypeError):
        xm.grad = 1.0
    xm = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    xt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    w = [5.0, 6.0, 7.0]
    (reversed(xm) * mt.tensor(w, dtype=mt.float64)).sum().backward()
    (reversed(xt) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    same(xm.grad, xt.grad)
    for f in ("is_tensor", "is_storage"):
        assert getattr(mt, f)(mt.ones(1)) == getattr(torch, f)(torch.ones(1))
    assert mt.is_nonzero(mt.tensor([0.0])) == torch.is_nonzero(torch.tensor([0.0]))
    assert mt.numel(mt.zeros(2, 3)) == torch.numel(torch.zeros(2, 3))
    assert mt.is_floating_point(mt.ones(1)) and not mt.is_complex(mt.ones(1))


REPRS = [
    [1.0, 2.0, 3.0], [1.5, -2.25], [1e-5, 1.0], [1e9, 1.0], [123456.0, 0.5],
    [[1.0, 2.0], [3.0, 4.0]], [float("nan"), 1.0, float("inf")], [0.0, 0.0], 3.5, 2.0,
    [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [True, False], [-1, 10, 100], [], [[]],
]


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("data", REPRS, ids=[str(d)[:20] for d in REPRS])
@pytest.mark.parametrize("dtype", [None, "float64", "float16", "int32"])
def test_repr_matches(data, dtype):
    if dtype == "int32" and any(isinstance(v, float) and not math.isfinite(v)
                                for v in np.ravel(data).tolist()):
        pytest.skip("no NaN in integers")
    km = {} if dtype is None else {"dtype": M(dtype)}
    kt = {} if dtype is None else {"dtype": T(dtype)}
    assert repr(mt.tensor(data, **km)) == repr(torch.tensor(data, **kt)).replace(
        "torch.", "microtensor.")


def test_repr_large_requires_grad_and_options():
    for shape in ((2000,), (40, 40), (3, 400), (5, 6, 200)):
        a = np.random.default_rng(0).standard_normal(shape)
        assert repr(mt.tensor(a)) == repr(torch.tensor(a)).replace("torch.", "microtensor.")
    xm = mt.tensor([1.0, 2.0], requires_grad=True)
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(xm) == repr(xt)
    assert repr(mt.arange(100.0).reshape(10, 10)) == repr(torch.arange(100.0).reshape(10, 10))
    for opts in ({"precision": 2}, {"threshold": 5}, {"edgeitems": 1, "threshold": 3},
                 {"linewidth": 30}, {"sci_mode": True}, {"sci_mode": False},
                 {"profile": "short"}, {"profile": "full"}, {"edgeitems": 0, "threshold": 3}):
        mt.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for data in ([1.12345, 1e-6, 3.0], list(range(12)), [[0.5] * 12] * 6):
            assert repr(mt.tensor(data)) == repr(torch.tensor(data)), opts
        mt.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


# ------------------------------------------------------------------------- devices


def test_devices_and_backends_on_a_cpu_only_build():
    assert repr(mt.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert repr(mt.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert mt.device("cuda").index is None and mt.device("mps").type == "mps"
    for name in ("is_available", "device_count", "is_initialized", "is_bf16_supported",
                 "get_arch_list", "memory_allocated", "max_memory_allocated",
                 "memory_reserved", "empty_cache", "seed", "seed_all", "get_rng_state_all"):
        assert getattr(mt.cuda, name)() == getattr(torch.cuda, name)(), name
    assert mt.cuda.manual_seed(1) is None and mt.cuda.manual_seed_all(1) is None
    assert mt.backends.mps.is_available() == torch.backends.mps.is_available()
    assert mt.backends.mps.is_built() == torch.backends.mps.is_built()
    assert mt.backends.cudnn.is_available() == torch.backends.cudnn.is_available()
    assert (mt.backends.cudnn.deterministic, mt.backends.cudnn.benchmark) == (
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    assert mt.backends.cuda.is_built() == torch.backends.cuda.is_built()
    assert mt.accelerator.is_available() == torch.accelerator.is_available()
    assert mt.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert mt.accelerator.device_count() == torch.accelerator.device_count()
    assert str(mt.get_default_device()) == str(torch.get_default_device())
    assert isinstance(mt.manual_seed(3), mt.Generator)


# ------------------------------------------------------------------------- random


def gens(seed: int = 11):
    return mt.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 7, 16, 33])
def test_inplace_samplers_same_stream(dtype, n):
    for name, args in (("geometric_", (0.3,)), ("cauchy_", (0.5, 2.0)), ("log_normal_", ()),
                       ("log_normal_", (0.2, 0.5)), ("exponential_", (1.5,)),
                       ("uniform_", (-1.0, 2.0)), ("normal_", (1.0, 3.0)),
                       ("random_", (3, 9)), ("bernoulli_", (0.3,))):
        gm, gt = gens()
        a = getattr(mt.empty(n, dtype=M(dtype)), name)(*args, generator=gm)
        b = getattr(torch.empty(n, dtype=T(dtype)), name)(*args, generator=gt)
        same(a, b)
    gm, gt = gens()
    same(mt.empty(n, dtype=M(dtype)).geometric_(0.7, generator=gm).log_normal_(generator=gm),
         torch.empty(n, dtype=T(dtype)).geometric_(0.7, generator=gt).log_normal_(generator=gt))


def test_global_seed_streams():
    for seed in (0, 5):
        mt.manual_seed(seed)
        torch.manual_seed(seed)
        same(mt.empty(5).cauchy_(), torch.empty(5).cauchy_())
        same(mt.rand(3, dtype=mt.float64), torch.rand(3, dtype=torch.float64))
        same(mt.poisson(mt.tensor([0.5, 4.0, 12.0, 250.0])),
             torch.poisson(torch.tensor([0.5, 4.0, 12.0, 250.0])))
        st_m, st_t = mt.get_rng_state(), torch.get_rng_state()
        same(st_m, st_t)


def test_factories_generator_out_and_overloads():
    gm, gt = gens(3)
    same(mt.randint(10, (5,), generator=gm), torch.randint(10, (5,), generator=gt))
    same(mt.randint(-4, 4, (2, 3), generator=gm), torch.randint(-4, 4, (2, 3), generator=gt))
    same(mt.randint(0, 2**40, (3,), generator=gm), torch.randint(0, 2**40, (3,), generator=gt))
    same(mt.randperm(9, generator=gm), torch.randperm(9, generator=gt))
    same(mt.rand(2, 3, generator=gm, dtype=mt.float64),
         torch.rand(2, 3, generator=gt, dtype=torch.float64))
    same(mt.randn(20, generator=gm), torch.randn(20, generator=gt))
    om, ot = mt.empty(4, dtype=mt.float64), torch.empty(4, dtype=torch.float64)
    assert mt.randn(4, generator=gm, out=om) is om and torch.randn(4, generator=gt, out=ot) is ot
    same(om, ot)
    same(mt.randint(5, (3,), generator=gm, out=mt.empty(3, dtype=mt.int64)),
         torch.randint(5, (3,), generator=gt, out=torch.empty(3, dtype=torch.int64)))
    mean_m, mean_t = mt.arange(4.0, dtype=mt.float64), torch.arange(4.0, dtype=torch.float64)
    std_m, std_t = mt.full((4,), 0.5, dtype=mt.float64), torch.full((4,), 0.5,
                                                                   dtype=torch.float64)
    same(mt.normal(mean_m, 2.0, generator=gm), torch.normal(mean_t, 2.0, generator=gt))
    same(mt.normal(1.0, std_m, generator=gm), torch.normal(1.0, std_t, generator=gt))
    same(mt.normal(mean_m, std_m, generator=gm), torch.normal(mean_t, std_t, generator=gt))
    same(mt.normal(0.5, 2.0, (3, 2), generator=gm), torch.normal(0.5, 2.0, (3, 2),
                                                                 generator=gt))
    p = [0.1, 0.9, 0.5, 0.0]
    same(mt.bernoulli(mt.tensor(p, dtype=mt.float64), generator=gm),
         torch.bernoulli(torch.tensor(p, dtype=torch.float64), generator=gt))
    same(mt.bernoulli(mt.zeros(6), 0.4, generator=gm), torch.bernoulli(torch.zeros(6), 0.4,
                                                                       generator=gt))
    same(mt.poisson(mt.tensor([[1.0, 30.0]]), generator=gm),
         torch.poisson(torch.tensor([[1.0, 30.0]]), generator=gt))
    w = [[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]]
    for k, repl in ((1, False), (3, False), (1, True), (10, True)):
        same(mt.multinomial(mt.tensor(w, dtype=mt.float64), k, repl, generator=gm),
             torch.multinomial(torch.tensor(w, dtype=torch.float64), k, repl, generator=gt))
    same(mt.rand_like(mean_m, generator=gm), torch.rand_like(mean_t, generator=gt))
    same(mt.randn_like(mean_m, generator=gm), torch.randn_like(mean_t, generator=gt))
    same(mt.randint_like(mean_m, 3, 9, generator=gm),
         torch.randint_like(mean_t, 3, 9, generator=gt))
    same(gm.get_state(), gt.get_state())
    assert gm.initial_seed() == gt.initial_seed()


def test_samplers_draw_torchs_indices():
    from torch.utils.data import RandomSampler as TRS
    from torch.utils.data import WeightedRandomSampler as TWRS

    from microtensor.utils.data.sampler import RandomSampler, WeightedRandomSampler

    for seed in (0, 1):
        mt.manual_seed(seed)
        torch.manual_seed(seed)
        ds = list(range(13))
        got = list(itertools.islice(RandomSampler(ds, replacement=True,
                                                  num_samples=int(1e10)), 100))
        want = list(itertools.islice(TRS(ds, replacement=True, num_samples=int(1e10)), 100))
        assert got == want
        assert list(RandomSampler(ds, num_samples=30)) == list(TRS(ds, num_samples=30))
        wts = [0.1, 0.9, 0.4, 0.0, 2.0]
        assert list(WeightedRandomSampler(wts, 12)) == list(TWRS(wts, 12))
        assert list(WeightedRandomSampler(wts, 3, replacement=False)) == list(
            TWRS(wts, 3, replacement=False))


def test_storage():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage is deprecated in PyTorch
        for data in ([1.5, 2.0, -3.25], [1, 2, 3], [True, False], []):
            sm, st = mt.tensor(data).storage(), torch.tensor(data).storage()
            assert repr(sm) == repr(st).replace("torch.", "microtensor.")
        sm = mt.arange(6).view(2, 3)[:, 1:].storage()
        st = torch.arange(6).view(2, 3)[:, 1:].storage()
        assert (len(sm), sm.size(), sm[1], sm.tolist(), sm.element_size()) == \
            (len(st), st.size(), st[1], st.tolist(), st.element_size())
        assert mt.is_storage(sm) == torch.is_storage(st)
