"""Tensor basics: construction, dtype rules, conversion, repr, creation functions, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor.dtypes import promote_types, result_type

# ----------------------------------------------------------------- dtype inference


def test_python_numbers_and_lists_become_float32_or_int64():
    assert mt.tensor(1.5).dtype == mt.float32
    assert mt.tensor([1.0, 2]).dtype == mt.float32
    assert mt.tensor([1, 2]).dtype == mt.int64
    assert mt.tensor([True, False]).dtype == mt.bool
    assert mt.tensor([[1, 2], [3, 4]], dtype=mt.float64).dtype == mt.float64


def test_numpy_data_keeps_its_dtype():
    assert mt.tensor(np.ones(2)).dtype == mt.float64
    assert mt.tensor(np.ones(2, np.float32)).dtype == mt.float32
    assert mt.from_numpy(np.arange(3)).dtype == mt.int64


def test_tensor_copies_and_from_numpy_shares():
    a = np.ones(3)
    t = mt.tensor(a)
    s = mt.from_numpy(a)
    a[0] = 5
    assert t._data[0] == 1 and s._data[0] == 5


def test_scalars_never_upcast_a_float32_graph():
    x = mt.ones(3, requires_grad=True)
    ops = [x * 2.5, 2.5 * x, x + 1, x - 0.5, 1 - x, x / 3.0, 3.0 / x, x**2, 2**x,
           x * np.float64(2.0), x + np.float64(1.0), (x * 2).exp(), x.sigmoid()]
    for y in ops:
        assert y.dtype == mt.float32, y
    y = (x * 2.5).sum()
    y.backward()
    assert x.grad.dtype == mt.float32


def test_pytorch_promotion_rules():
    i64, f32, f64 = np.dtype("int64"), np.dtype("float32"), np.dtype("float64")
    assert promote_types(i64, f32) == f32  # NumPy would say float64
    assert result_type(np.ones(3, f32), np.ones((), f64)) == f32  # a 0-d tensor is like a number
    assert result_type(np.ones(3, i64), np.ones((), f64)) == f64  # ... unless of higher category
    assert result_type(np.ones(3, i64), 2.5) == f32
    assert result_type(np.ones(3, np.bool_), 1) == i64
    assert (mt.tensor([1, 2]) * 2.5).dtype == mt.float32
    assert (mt.tensor([1, 2]) / mt.tensor([2, 2])).dtype == mt.float32
    assert (mt.tensor([1, 2]) + mt.ones(2)).dtype == mt.float32
    assert (mt.ones(2) + mt.ones(2, dtype=mt.float64)).dtype == mt.float64


def test_mixed_precision_gradient_is_cast_back_to_each_input():
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2, dtype=mt.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == mt.float32 and b.grad.dtype == mt.float64


# ----------------------------------------------------------------- conversion and protocol


def test_item_numpy_tolist_array():
    t = mt.tensor([[1.0, 2.0]])
    assert mt.tensor(3.0).item() == 3.0
    with pytest.raises(ValueError, match=r"one-element.*\(1, 2\)"):
        t.item()
    assert np.asarray(t).shape == (1, 2)
    assert t.tolist() == [[1.0, 2.0]]
    r = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        r.numpy()
    assert r.detach().numpy().shape == (2,)


def test_numpy_arrays_defer_to_tensor_operators():
    x = mt.ones(3, requires_grad=True)
    y = np.ones(3, dtype=np.float32) + x
    assert isinstance(y, mt.Tensor) and y.requires_grad
    z = np.full(3, 2.0, dtype=np.float32) * x
    assert isinstance(z, mt.Tensor)


def test_bool_len_iter_float_int():
    assert bool(mt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.ones(2))
    assert len(mt.ones(4, 2)) == 4
    with pytest.raises(TypeError):
        len(mt.tensor(1.0))
    assert [r.shape for r in mt.ones(3, 2)] == [(2,)] * 3
    assert float(mt.tensor(2.5)) == 2.5 and int(mt.tensor(3)) == 3
    assert hash(mt.ones(1)) != hash(mt.ones(1))  # hashable by identity


def test_comparisons_give_bool_tensors_without_grad():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == mt.bool and not m.requires_grad
    assert (x == 2).tolist() == [False, True, False]
    assert (~m).tolist() == [True, False, False]


def test_repr_like_pytorch():
    assert repr(mt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mt.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    y = mt.tensor([1.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2.], grad_fn=<MulScalarBackward0>)"
    assert "dtype=microtensor.float64" in repr(mt.tensor(np.ones(1)))


def test_shape_facts():
    t = mt.zeros(2, 3)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and t.device == "cpu"
    with pytest.raises(IndexError, match="size: dim 2 is out of range"):
        t.size(2)


def test_to_and_casts():
    x = mt.ones(2, requires_grad=True)
    d = x.double()
    assert d.dtype == mt.float64 and d.requires_grad
    d.sum().backward()
    assert x.grad.dtype == mt.float32
    assert x.long().dtype == mt.int64 and not x.long().requires_grad
    assert x.to(mt.float64).dtype == mt.float64 and x.to("cpu") is x
    with pytest.raises(ValueError, match="CPU"):
        x.to("cuda")


# ----------------------------------------------------------------- creation and random


def test_creation_functions():
    assert mt.zeros(2, 3).shape == (2, 3) and mt.zeros((2, 3)).dtype == mt.float32
    assert mt.ones(2, dtype=mt.int64).dtype == mt.int64
    assert mt.full((2,), 3).dtype == mt.int64 and mt.full((2,), 3.0).dtype == mt.float32
    assert mt.arange(5).dtype == mt.int64 and mt.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mt.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mt.arange(0.0, 1.0, 0.25).dtype == mt.float32
    assert mt.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mt.eye(3).numpy().trace() == 3
    assert mt.zeros_like(mt.ones(2, dtype=mt.float64)).dtype == mt.float64
    assert mt.ones_like(mt.ones(2, 2)).shape == (2, 2)
    assert mt.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="non-negative"):
        mt.zeros(-1)


def test_manual_seed_makes_draws_reproducible():
    mt.manual_seed(0)
    a = (mt.rand(3), mt.randn(2, 2), mt.randint(0, 10, (4,)), mt.randperm(5))
    mt.manual_seed(0)
    b = (mt.rand(3), mt.randn(2, 2), mt.randint(0, 10, (4,)), mt.randperm(5))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert a[0].dtype == mt.float32 and a[2].dtype == mt.int64
    mt.manual_seed(1)
    assert not np.array_equal(mt.rand(3).numpy(), a[0].numpy())


def test_factories_take_pytorchs_device_keyword_for_the_cpu():
    factories = [
        lambda d: mt.zeros(2, device=d), lambda d: mt.ones(2, device=d),
        lambda d: mt.empty(2, device=d), lambda d: mt.full((2,), 1.0, device=d),
        lambda d: mt.zeros_like(mt.ones(2), device=d), lambda d: mt.ones_like(mt.ones(2), device=d),
        lambda d: mt.empty_like(mt.ones(2), device=d),
        lambda d: mt.full_like(mt.ones(2), 3, device=d), lambda d: mt.arange(3, device=d),
        lambda d: mt.linspace(0, 1, 3, device=d), lambda d: mt.eye(2, device=d),
        lambda d: mt.rand(2, device=d), lambda d: mt.randn(2, device=d),
        lambda d: mt.rand_like(mt.ones(2), device=d), lambda d: mt.randn_like(mt.ones(2), device=d),
        lambda d: mt.randint(3, (2,), device=d), lambda d: mt.randperm(3, device=d),
        lambda d: mt.normal(0.0, 1.0, (2,), device=d),
    ]
    for make in factories:
        assert isinstance(make("cpu"), mt.Tensor) and isinstance(make(None), mt.Tensor)
        with pytest.raises(ValueError, match="runs on the CPU only, got device 'cuda'"):
            make("cuda")


def test_randint_takes_low_high_size_by_keyword():
    mt.manual_seed(0)
    for t in (mt.randint(low=2, high=4, size=(50,)), mt.randint(2, high=4, size=(50,)),
              mt.randint(2, 4, size=(50,)), mt.randint(2, 4, (50,))):
        assert t.dtype == mt.int64 and t.shape == (50,)
        assert set(t.tolist()) == {2, 3}
    assert set(mt.randint(high=2, size=(50,)).tolist()) == {0, 1}
    assert mt.normal(0.0, 1.0, (3,), dtype=mt.float64).dtype == mt.float64
    with pytest.raises(TypeError, match="randint: expected randint"):
        mt.randint(1, 2, 3, size=(2,))


def test_inplace_random_fills_respect_seed():
    mt.manual_seed(3)
    w1 = mt.empty(4, 4).normal_(0, 0.1)
    mt.manual_seed(3)
    w2 = mt.empty(4, 4).normal_(0, 0.1)
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())
    u = mt.empty(1000).uniform_(-2, 2)
    assert u.numpy().min() >= -2 and u.numpy().max() < 2 and u.dtype == mt.float32


def test_device_floordiv_mod_and_pytorch_repr():
    x = mt.tensor([5.0, -3.0], device="cpu", requires_grad=True)
    assert x.device == "cpu" and x.device == mt.device("cpu") and x.to(mt.device("cpu")) is x
    with pytest.raises(ValueError, match="CPU only"):
        mt.tensor([1.0], device="cuda")
    assert (x // 2).tolist() == [2.0, -2.0] and not (x // 2).requires_grad
    r = x % 3  # Python's sign convention, and differentiable
    assert r.tolist() == [2.0, 0.0]
    r.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert repr(mt.tensor(3.5)) == "tensor(3.5000)"
    assert repr(mt.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"


def test_pow_at_zero_and_division_by_zero_are_silent_like_pytorch():
    import warnings

    a = mt.tensor(0.0, dtype=mt.float64, requires_grad=True)
    b = mt.tensor(0.0, dtype=mt.float64, requires_grad=True)
    (a**b).backward()  # 0**0 = 1; d/da = 0 (PyTorch), not nan
    assert a.grad.item() == 0.0 and b.grad.item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (mt.tensor([1.0]) / 0).item() == float("inf")
        assert mt.tensor([0.0]).log().item() == float("-inf")
        assert np.isnan(mt.tensor([-1.0]).sqrt().item())


def test_tensor_constructor_follows_pytorchs_legacy_torch_tensor():
    assert mt.Tensor([1, 2]).dtype == mt.float32  # always the default float dtype
    assert mt.Tensor(np.array([1, 2])).dtype == mt.float32
    assert mt.Tensor(2, 3).shape == (2, 3) and mt.Tensor().shape == (0,)
    t = mt.tensor([1, 2])
    assert mt.Tensor(t)._data is t._data and mt.Tensor(t).dtype == mt.int64
    a = np.ones(3, np.float32)
    assert mt.Tensor(a)._data is a  # a float32 array is wrapped, not copied


def test_isclose_and_allclose_follow_pytorch():
    a = mt.tensor([1.0, 2.0, float("nan"), 1e-9])
    b = mt.tensor([1.0 + 1e-6, 2.1, float("nan"), 0.0])
    assert mt.isclose(a, b).tolist() == [True, False, False, True]
    assert a.isclose(b, equal_nan=True).tolist() == [True, False, True, True]
    assert not mt.allclose(a, b) and not a.allclose(b, equal_nan=True)
    assert mt.allclose(a[:2], mt.tensor([1.0, 2.0]), atol=0.0) is True
    assert mt.allclose(mt.ones(2, 3), mt.ones(3))  # broadcast, as torch
    with pytest.raises(ValueError, match=r"isclose: shapes \(2,\) and \(3,\)"):
        mt.isclose(mt.ones(2), mt.ones(3))


# ---------------------------------------------------------------------- .data, as PyTorch's


def test_data_is_a_detached_tensor_sharing_the_array():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    d = p.data
    assert isinstance(d, mt.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), p.detach().numpy())


def test_the_from_scratch_update_step_changes_the_parameter_in_place():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    arr = p.detach().numpy()
    (p * p).sum().backward()
    p.data += -0.1 * p.grad  # the update of nearly every from-scratch training loop
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])
    assert p.detach().numpy() is arr and p.requires_grad and p.is_leaf
    p.data.sub_(p.grad * 0.5)
    np.testing.assert_allclose(p.detach().numpy(), [-0.2, -0.4])
    (p * 3).sum().backward()  # the parameter still trains


def test_assigning_data_rebinds_the_storage_and_rejects_non_tensors():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    p.data = mt.zeros(3)
    assert p.shape == (3,) and p.requires_grad
    with pytest.raises(TypeError, match="expected a Tensor"):
        p.data = np.zeros(3)
