"""Reductions, shape ops and indexing: the behaviour the op table cannot draw.

``tests/cases_reduction.py`` and ``tests/cases_shape.py`` check forward and gradients at
random smooth points. Here: ties (the gradient is split evenly), zeros in ``prod``,
var/std corrections against NumPy's ``ddof``, dtypes (int sums are int64, float32 stays
float32), every index kind with its gradient, in-place ``x[idx] = v``, and every error
message: its type and the words that tell the user what went wrong.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.errors import DimensionError, DtypeError, ShapeError


def leaf(values, dtype=mt.float64):
    return mt.tensor(values, dtype=dtype, requires_grad=True)


def grad_of(fn, values, dtype=mt.float64):
    x = leaf(values, dtype)
    fn(x).sum().backward()
    return x.grad.numpy()


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# =========================================================================== reductions


def test_int_and_bool_sums_are_int64():
    assert mt.sum(mt.tensor([1, 2, 3], dtype=mt.int32)).dtype == mt.int64
    assert mt.sum(mt.tensor([True, True, False])).item() == 2
    assert mt.sum(mt.tensor([True, False])).dtype == mt.int64
    assert mt.tensor([[1, 2], [3, 4]], dtype=mt.uint8).sum(1).dtype == mt.int64
    assert mt.prod(mt.tensor([2, 3], dtype=mt.int32)).dtype == mt.int64
    assert mt.sum(mt.tensor([1, 2]), dtype=mt.float32).dtype == mt.float32
    assert mt.sum(mt.tensor([1.5, 2.0]), dtype=mt.float64).dtype == mt.float64


def test_mean_of_integers_raises_like_pytorch():
    with pytest.raises(DtypeError, match=r"mean: .*floating point.*int64"):
        mt.mean(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="bool"):  # DtypeError is a RuntimeError too
        mt.tensor([True]).mean()
    assert mt.mean(mt.tensor([1, 2]), dtype=mt.float32).item() == 1.5


@pytest.mark.parametrize("op", [
    lambda x: x.sum(), lambda x: x.mean(1), lambda x: x.var(0), lambda x: x.std(),
    lambda x: x.max(), lambda x: x.max(1).values, lambda x: x.amin((0, 1)),
    lambda x: x.logsumexp(1), lambda x: x.norm(), lambda x: x.norm(3, 0), lambda x: x.prod(1),
    lambda x: x.norm(float("inf")),
])
def test_float32_stays_float32_forward_and_backward(op):
    x = mt.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], requires_grad=True)
    y = op(x)
    assert y.dtype == mt.float32
    y.sum().backward()
    assert x.grad.dtype == mt.float32


@pytest.mark.parametrize("kwargs, ddof", [
    ({}, 1), ({"unbiased": True}, 1), ({"unbiased": False}, 0), ({"correction": 0}, 0),
    ({"correction": 2}, 2), ({"correction": 0.5}, 0.5),
])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
def test_var_std_corrections_match_numpy_ddof(kwargs, ddof, dim):
    a = np.array([[1.0, 4.0, 2.0, 8.0], [3.0, -1.0, 0.5, 2.0], [0.0, 2.0, 2.0, 5.0]])
    x = mt.tensor(a)
    axis = None if dim is None else dim
    np.testing.assert_allclose(mt.var(x, dim, **kwargs).numpy(), np.var(a, axis, ddof=ddof))
    np.testing.assert_allclose(mt.std(x, dim, **kwargs).numpy(), np.std(a, axis, ddof=ddof))
    kept = mt.var(x, dim, keepdim=True, **kwargs)
    assert kept.shape == np.var(a, axis, ddof=ddof, keepdims=True).shape


def test_var_legacy_bool_and_positional_forms():
    a = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 3.0]])
    x = mt.tensor(a)
    assert np.isclose(mt.var(x, False).item(), np.var(a))  # var(x, unbiased)
    assert np.isclose(x.var(True).item(), np.var(a, ddof=1))
    np.testing.assert_allclose(mt.var(x, 0).numpy(), np.var(a, 0, ddof=1))  # 0 is a dim
    np.testing.assert_allclose(x.std(1, False, True).numpy(), np.std(a, 1, keepdims=True))
    with pytest.raises(TypeError, match="var: pass either unbiased or correction"):
        mt.var(x, unbiased=False, correction=0)
    with pytest.raises(DtypeError, match="std: expected a floating-point tensor"):
        mt.std(mt.tensor([1, 2, 3]))


def test_var_with_no_degrees_of_freedom_gives_nan_or_inf_without_crashing(no_warnings):
    assert math.isnan(mt.var(mt.tensor([1.0])).item())          # 0 / 0
    assert math.isinf(mt.var(mt.tensor([1.0, 2.0]), correction=2).item())
    assert math.isinf(mt.var(mt.tensor([1.0, 2.0]), correction=3).item())  # N - c clamped
    assert mt.var(mt.tensor(3.0), correction=0).item() == 0
    assert math.isnan(mt.std(mt.tensor([2.0])).item())
    for fn in (mt.var, mt.std):
        x = leaf([1.0])
        fn(x).backward()  # nan gradients, like PyTorch, but no exception
        assert x.grad.shape == (1,)


def test_std_gradient_is_zero_where_std_is_zero():
    assert np.all(grad_of(mt.std, [2.0, 2.0, 2.0]) == 0)


def test_max_min_without_dim_are_0d():
    x = mt.tensor([[1.0, 5.0], [-2.0, 3.0]])
    assert x.max().shape == () and x.max().item() == 5
    assert mt.min(x).item() == -2


def test_max_min_with_dim_return_a_namedtuple():
    x = mt.tensor([[1.0, 5.0, 5.0], [7.0, -2.0, 3.0]])
    r = mt.max(x, 1)
    assert type(r).__name__ == "max" and r._fields == ("values", "indices")
    values, indices = r
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert r.indices.dtype == mt.int64 and not r.indices.requires_grad
    k = x.min(dim=0, keepdim=True)
    assert type(k).__name__ == "min"
    assert k.values.shape == (1, 3) and k.indices.tolist() == [[0, 1, 1]]
    s = mt.max(mt.tensor(4.0), 0)
    assert s.values.item() == 4 and s.indices.item() == 0


def test_max_with_a_tensor_is_the_elementwise_maximum():
    a, b = mt.tensor([1.0, 4.0]), mt.tensor([3.0, 2.0])
    assert mt.max(a, b).tolist() == [3.0, 4.0]
    assert a.min(b).tolist() == [1.0, 2.0]


def test_ties_split_the_gradient_evenly():
    np.testing.assert_allclose(grad_of(mt.max, [1.0, 3.0, 3.0]), [0, 0.5, 0.5])
    np.testing.assert_allclose(grad_of(mt.min, [1.0, 1.0, 1.0, 3.0]), [1 / 3, 1 / 3, 1 / 3, 0])
    # max(dim) splits evenly too (PyTorch would send all of it to the returned index).
    g = grad_of(lambda x: x.max(1).values, [[2.0, 2.0, 1.0], [0.0, 4.0, 4.0]])
    np.testing.assert_allclose(g, [[0.5, 0.5, 0], [0, 0.5, 0.5]])
    g = grad_of(lambda x: x.min(0, keepdim=True).values, [[1.0, 2.0], [1.0, 0.0]])
    np.testing.assert_allclose(g, [[0.5, 0], [0.5, 1]])
    g = grad_of(lambda x: x.amax((0, 1)), [[3.0, 1.0], [3.0, 3.0]])
    np.testing.assert_allclose(g, [[1 / 3, 0], [1 / 3, 1 / 3]])
    g = grad_of(lambda x: mt.amin(x, -1), [[1.0, 1.0], [2.0, 5.0]])
    np.testing.assert_allclose(g, [[0.5, 0.5], [1, 0]])
    np.testing.assert_allclose(grad_of(lambda x: x.norm(float("inf")), [-3.0, 3.0, 1.0]),
                               [-0.5, 0.5, 0])
    np.testing.assert_allclose(grad_of(lambda x: x.norm(-math.inf), [-1.0, 1.0, 3.0]),
                               [-0.5, 0.5, 0])


def test_amax_amin_default_is_every_dim():
    x = mt.tensor([[1.0, 9.0], [4.0, -3.0]])
    assert mt.amax(x).item() == 9 and x.amin().item() == -3
    assert mt.amax(x, (), keepdim=True).shape == (1, 1)


def test_argmax_argmin():
    x = mt.tensor([[1.0, 9.0, 9.0], [4.0, -3.0, 0.0]], requires_grad=True)
    i = mt.argmax(x)
    assert i.item() == 1 and i.dtype == mt.int64 and not i.requires_grad  # flat, first max
    assert x.argmin().item() == 4
    assert mt.argmax(x, keepdim=True).shape == (1, 1)
    assert x.argmax(1).tolist() == [1, 0] and x.argmin(0, keepdim=True).tolist() == [[0, 1, 1]]
    with pytest.raises(TypeError, match="argmax: dim must be an int"):
        mt.argmax(x, (0, 1))


def test_logsumexp_is_stable(no_warnings):
    big = mt.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(mt.logsumexp(big, 1).numpy(),
                               [1000 + math.log(2), -1000 + math.log(2)], rtol=1e-6)
    r = mt.logsumexp(mt.tensor([[-math.inf, -math.inf], [-math.inf, 0.0]]), 1)
    assert r.tolist() == [-math.inf, 0.0]
    assert mt.logsumexp(mt.tensor([math.inf, 1.0]), 0).item() == math.inf
    assert mt.logsumexp(mt.tensor([1, 2]), 0).dtype == mt.float32  # ints compute in float
    g = grad_of(lambda x: mt.logsumexp(x, 0), [-math.inf, 0.0])
    np.testing.assert_allclose(g, [0, 1])
    np.testing.assert_allclose(grad_of(lambda x: x.logsumexp(0), [1000.0, 1000.0]), [0.5, 0.5])


@pytest.mark.parametrize("p, ord_", [("fro", 2), (2, 2), (1, 1), (math.inf, math.inf),
                                     (-math.inf, -math.inf), (0, 0), (3, 3), (0.5, 0.5)])
def test_norm_orders_match_numpy(p, ord_):
    a = np.array([[0.5, -2.0, 0.0], [3.0, 1.0, -1.5]])
    np.testing.assert_allclose(mt.norm(mt.tensor(a), p).item(), np.linalg.norm(a.ravel(), ord_))
    np.testing.assert_allclose(mt.tensor(a).norm(p, 1).numpy(), np.linalg.norm(a, ord_, axis=1))


def test_norm_subgradients_at_zero_and_count_norm():
    np.testing.assert_array_equal(grad_of(mt.norm, [0.0, 0.0]), [0, 0])  # p=2 at 0: 0
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(1), [0.0, -2.0]), [0, -1])
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(0.5), [0.0, 1.0]), [0, 1])
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(3), [0.0, 0.0]), [0, 0])
    x = leaf([0.0, 2.0, -1.0])
    n = mt.norm(x, 0)
    assert n.item() == 2 and n.requires_grad
    (n + x.sum()).backward()  # norm(p=0) sends no gradient
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1])


def test_norm_errors():
    with pytest.raises(DtypeError, match="norm: expected a floating-point tensor.*int64"):
        mt.norm(mt.tensor([1, 2]))
    with pytest.raises(ValueError, match="norm: p='nuc' is not supported"):
        mt.norm(mt.ones(2, 2), "nuc")
    with pytest.raises(TypeError, match="norm: p must be"):
        mt.norm(mt.ones(2), [2])


def test_prod_gradient_with_zeros():
    np.testing.assert_array_equal(grad_of(mt.prod, [2.0, 3.0, 4.0]), [12, 8, 6])
    np.testing.assert_array_equal(grad_of(mt.prod, [0.0, 2.0, 3.0]), [6, 0, 0])   # one zero
    np.testing.assert_array_equal(grad_of(mt.prod, [0.0, 0.0, 3.0]), [0, 0, 0])   # two zeros
    g = grad_of(lambda x: x.prod(1), [[0.0, 5.0], [2.0, 3.0]])
    np.testing.assert_array_equal(g, [[5, 0], [3, 2]])
    for values in ([[0.0, 1.5, -2.0], [0.0, 0.0, 1.0]], [[0.7, 0.0], [1.2, -0.4]]):
        for dim in (None, 0, 1, (0, 1)):
            x = leaf(values)
            assert mt.gradcheck(lambda t, d=dim: mt.prod(t, d), (x,))


def test_all_any_return_bool_without_grad():
    x = mt.tensor([[1.0, 0.0], [2.0, 3.0]], requires_grad=True)
    a = mt.all(x)
    assert a.dtype == mt.bool and a.item() is False and not a.requires_grad
    assert x.any(1).tolist() == [True, True] and x.all(0, keepdim=True).tolist() == [[True, False]]
    assert mt.any(mt.zeros(0)).item() is False
    assert mt.all(x, (0, 1)).item() is False


@pytest.mark.parametrize("call, name", [
    (lambda x: mt.sum(x, 2), "sum"), (lambda x: mt.mean(x, -3), "mean"),
    (lambda x: mt.var(x, (0, 5)), "var"), (lambda x: mt.std(x, 2), "std"),
    (lambda x: mt.max(x, 2), "max"), (lambda x: mt.min(x, -3), "min"),
    (lambda x: mt.amax(x, 2), "amax"), (lambda x: mt.amin(x, (2,)), "amin"),
    (lambda x: mt.argmax(x, 2), "argmax"), (lambda x: mt.argmin(x, 2), "argmin"),
    (lambda x: mt.logsumexp(x, 2), "logsumexp"), (lambda x: mt.norm(x, 2, 2), "norm"),
    (lambda x: mt.prod(x, 2), "prod"), (lambda x: mt.all(x, 2), "all"),
    (lambda x: mt.any(x, 2), "any"),
])
def test_dim_out_of_range_names_op_dim_and_range(call, name):
    with pytest.raises(DimensionError, match=rf"^{name}: dim -?\d is out of range .*\[-2, 1\]"):
        call(mt.ones(2, 3))


def test_reduction_misuse():
    with pytest.raises(ValueError, match=r"sum: dim \(0, 0\) names a dimension more than once"):
        mt.sum(mt.ones(2, 2), (0, 0))
    with pytest.raises(TypeError, match="max: dim must be an int"):
        mt.max(mt.ones(2, 2), (0, 1))
    with pytest.raises(ShapeError, match=r"max: cannot reduce an empty tensor of shape \(0,\)"):
        mt.max(mt.zeros(0))
    with pytest.raises(ShapeError, match=r"amax: cannot reduce over dim 0 of shape \(0, 3\)"):
        mt.amax(mt.zeros(0, 3), 0)
    assert mt.amax(mt.zeros(0, 3), 1).shape == (0,)


# =========================================================================== shape ops


def test_reshape_forms_and_inference():
    x = mt.arange(6.0)
    assert x.reshape(2, 3).shape == (2, 3) and mt.reshape(x, (3, -1)).shape == (3, 2)
    assert x.reshape([-1]).shape == (6,) and x.view(1, 2, -1).shape == (1, 2, 3)
    assert mt.tensor(3.0).reshape(1, 1).shape == (1, 1)


def test_reshape_errors_name_both_shapes_and_counts():
    x = mt.ones(2, 3)
    with pytest.raises(ShapeError, match=r"reshape: .*shape \(2, 3\) \(6 elements\) into shape "
                                         r"\(5,\) \(5 elements\)"):
        x.reshape(5)
    with pytest.raises(ShapeError, match=r"reshape: .*\(6 elements\) into shape \(-1, 4\)"):
        x.reshape(-1, 4)
    with pytest.raises(ShapeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(ShapeError, match="any size would fit"):
        mt.zeros(0, 3).reshape(-1, 0)
    with pytest.raises(TypeError, match="reshape: every size must be an int, got float"):
        x.reshape(2.0, 3)


def test_views_share_memory_and_version_counter():
    x = mt.arange(6.0)
    y = x.reshape(2, 3)
    t = y.T
    with mt.no_grad():
        y[0, 0] = 10.0
    assert x[0].item() == 10 and t[0, 0].item() == 10
    assert x._version == y._version == t._version == 1
    # A graph that saved x notices a write through the view.
    w = leaf([1.0, 2.0])
    v = w * 1.0
    z = (v * v).sum()  # Mul saves v
    with mt.no_grad():
        v.reshape(2, 1)[1, 0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_transpose_permute():
    x = mt.ones(2, 3, 4)
    assert x.transpose(0, -1).shape == (4, 3, 2) and mt.tensor(1.0).transpose(0, -1).shape == ()
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and mt.permute(x, (1, 0, 2)).shape == (3, 2, 4)
    with pytest.raises(ShapeError, match=r"permute: expected 3 dims .*got 2: \(1, 0\)"):
        x.permute(1, 0)
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0, 1\) are not a permutation"):
        x.permute(0, 0, 1)
    with pytest.raises(DimensionError, match=r"transpose: dim 3 is out of range.*\[-3, 2\]"):
        x.transpose(0, 3)


def test_flatten_unflatten_squeeze_unsqueeze():
    x = mt.ones(2, 3, 4)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert mt.flatten(x, 0, 1).shape == (6, 4) and mt.tensor(2.0).flatten().shape == (1,)
    with pytest.raises(DimensionError, match="flatten: start_dim 2 comes after end_dim 1"):
        x.flatten(2, 1)
    assert x.unflatten(2, (2, -1)).shape == (2, 3, 2, 2)
    with pytest.raises(ShapeError, match=r"unflatten: sizes \(2, 2\) do not multiply up to 3"):
        x.unflatten(1, (2, 2))
    with pytest.raises(ShapeError, match="unflatten: sizes must be non-empty"):
        x.unflatten(1, ())
    y = mt.ones(1, 2, 1)
    assert y.squeeze().shape == (2,) and y.squeeze(1).shape == (1, 2, 1)  # size 2: no-op
    assert y.squeeze((0, 2)).shape == (2,) and y.squeeze(-1).shape == (1, 2)
    assert y.squeeze(()).shape == (1, 2, 1)
    assert mt.tensor(1.0).squeeze(0).shape == ()
    assert x.unsqueeze(3).shape == (2, 3, 4, 1) and x.unsqueeze(-4).shape == (1, 2, 3, 4)
    assert mt.tensor(1.0).unsqueeze(-1).shape == (1,)
    with pytest.raises(DimensionError, match=r"unsqueeze: dim 4 .*3 dimensions.*\[-4, 3\]"):
        x.unsqueeze(4)
    with pytest.raises(DimensionError, match=r"squeeze: dim 3 is out of range"):
        y.squeeze(3)


def test_expand_and_repeat():
    x = leaf([[1.0], [2.0], [3.0]])
    e = x.expand(2, -1, 4)
    assert e.shape == (2, 3, 4) and not e._data.flags.writeable
    e.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[8], [8], [8]])
    assert mt.tensor(3.0).expand(2).tolist() == [3.0, 3.0]
    with pytest.raises(ShapeError, match=r"expand: the expanded size 4 must match the existing "
                                         r"size 3 at non-singleton dim 0"):
        x.expand(4, 4)
    with pytest.raises(ShapeError, match=r"expand: the number of sizes given \(1\)"):
        x.expand(4)
    with pytest.raises(ShapeError, match="expand: size -1 is not allowed for the new leading"):
        x.expand(-1, 3, 4)
    with pytest.raises(RuntimeError, match="setitem: .*read-only"):
        with mt.no_grad():
            e[0, 0, 0] = 1.0
    r = x.repeat(2, 2)
    assert r.shape == (6, 2)
    assert mt.tensor(1.0).repeat(3).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ShapeError, match=r"repeat: got 1 repeat counts \(2,\) for a tensor with 2"):
        x.repeat(2)


def test_cat_dtype_promotion_and_gradients():
    a = leaf([[1.0, 2.0]], mt.float32)
    b = leaf([[3.0, 4.0], [5.0, 6.0]], mt.float64)
    c = mt.tensor([[7, 8]], dtype=mt.int32)
    y = mt.cat([a, b, c])
    assert y.dtype == mt.float64 and y.shape == (4, 2)
    (y * mt.arange(4.0, dtype=mt.float64).reshape(4, 1)).sum().backward()
    assert a.grad.dtype == mt.float32 and b.grad.dtype == mt.float64
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 0]])
    np.testing.assert_array_equal(b.grad.numpy(), [[1, 1], [2, 2]])
    assert mt.cat([c, mt.tensor([[1.0, 2.0]])]).dtype == mt.float32
    assert mt.cat([c, mt.tensor([[True, False]])]).dtype == mt.int32
    assert mt.cat((a,), -1).shape == (1, 2)


def test_cat_skips_a_legacy_empty_1d_tensor_as_pytorch():
    # out = tensor([]); out = cat([out, batch]) is a common accumulation idiom
    e = leaf([])  # shape (0,), float64
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], mt.float32)
    y = mt.cat([e, x, e])
    assert y.shape == (2, 3) and y.dtype == mt.float64  # the empty one still promotes
    y.sum().backward()
    assert e.grad.shape == (0,) and x.grad.dtype == mt.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    assert mt.cat([mt.tensor([]), mt.ones(2, 3)], dim=1).shape == (2, 3)
    assert mt.cat([mt.tensor([]), mt.tensor([])]).shape == (0,)
    assert mt.cat([mt.tensor([]), mt.tensor([1.0])]).tolist() == [1.0]
    with pytest.raises(ShapeError, match=r"cat: tensor 2 has 3 dims .* but tensor 1 has 2"):
        mt.cat([mt.tensor([]), x, mt.ones(1, 2, 3)])


def test_cat_errors_name_tensor_dim_and_sizes():
    x = mt.ones(2, 3)
    with pytest.raises(ValueError, match="cat: expected a non-empty list of tensors"):
        mt.cat([])
    with pytest.raises(ShapeError, match=r"cat: tensor 1 has 1 dims \(shape \(3,\)\) but tensor "
                                         r"0 has 2"):
        mt.cat([x, mt.ones(3)])
    with pytest.raises(ShapeError, match=r"cat: sizes must match except in dim 0: tensor 2 has "
                                         r"shape \(2, 4\).*size 4 != 3 at dim 1"):
        mt.cat([x, x, mt.ones(2, 4)])
    assert mt.cat([x, mt.ones(2, 4)], 1).shape == (2, 7)
    with pytest.raises(DimensionError, match="cat: dim 2 is out of range"):
        mt.cat([x, x], 2)
    with pytest.raises(ShapeError, match="cat: tensor 0 is zero-dimensional"):
        mt.cat([mt.tensor(1.0), mt.tensor(2.0)])
    with pytest.raises(TypeError, match="cat: expected a Tensor as element 1, got list"):
        mt.cat([x, [1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="cat: expects a list or tuple of tensors, got Tensor"):
        mt.cat(x)


def test_stack():
    x = mt.ones(2, 3)
    assert mt.stack([x, x], 2).shape == (2, 3, 2) and mt.stack([x, x], -1).shape == (2, 3, 2)
    assert mt.stack([mt.tensor(1.0), mt.tensor(2.0)]).shape == (2,)
    assert mt.stack([x.int(), x]).dtype == mt.float32
    with pytest.raises(ShapeError, match=r"stack: expects tensors of one shape, got \(2, 3\) at "
                                         r"entry 0 and \(2, 2\) at entry 1"):
        mt.stack([x, mt.ones(2, 2)])
    with pytest.raises(DimensionError, match=r"stack: dim 3 is out of range .*\[-3, 2\]"):
        mt.stack([x, x], 3)
    with pytest.raises(ValueError, match="stack: expected a non-empty list"):
        mt.stack([])


def test_split_and_chunk_sizes():
    x = mt.arange(10.0)
    assert [len(p) for p in mt.split(x, 4)] == [4, 4, 2]
    assert [len(p) for p in x.split([1, 0, 9])] == [1, 0, 9]
    assert isinstance(mt.split(x, 3), tuple)
    assert [p.shape for p in mt.split(mt.ones(2, 3), 2, 1)] == [(2, 2), (2, 1)]
    # PyTorch's chunk: pieces of ceil(n / chunks), possibly fewer than asked for.
    assert [len(p) for p in mt.chunk(mt.arange(5.0), 3)] == [2, 2, 1]
    assert [len(p) for p in mt.chunk(mt.arange(6.0), 4)] == [2, 2, 2]
    assert [len(p) for p in x.chunk(4)] == [3, 3, 3, 1]
    assert [len(p) for p in mt.chunk(mt.arange(2.0), 5)] == [1, 1]
    assert [len(p) for p in mt.chunk(mt.zeros(0), 2)] == [0, 0]
    with pytest.raises(ShapeError, match=r"split: section sizes \[1, 1\] must be non-negative "
                                         r"and add up to 3, the size of dim 1"):
        mt.split(mt.ones(2, 3), [1, 1], 1)
    with pytest.raises(ValueError, match="split: split_size must be positive"):
        mt.split(x, 0)
    with pytest.raises(ValueError, match="chunk: chunks must be greater than 0, got 0"):
        mt.chunk(x, 0)
    with pytest.raises(ShapeError, match="split: expects a tensor with at least 1 dim"):
        mt.split(mt.tensor(1.0), 1)


def test_split_pieces_send_gradients_back():
    x = leaf([1.0, 2.0, 3.0, 4.0, 5.0])
    a, b = x.split([2, 3])
    (a.sum() * 2 + (b * b).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 6, 8, 10])


def test_gather_accumulates_repeated_indices():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    idx = mt.tensor([[0, 0, 2], [1, 1, 1]])
    y = mt.gather(x, 1, idx)
    assert y.tolist() == [[1, 1, 3], [5, 5, 5]]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 0, 1], [0, 3, 0]])
    assert x.gather(0, mt.tensor([[1, 0]])).tolist() == [[4.0, 2.0]]  # index smaller than x
    assert mt.gather(mt.tensor(3.0), 0, mt.tensor([0, 0])).tolist() == [3.0, 3.0]


def test_gather_errors():
    x = mt.ones(2, 3)
    with pytest.raises(IndexError, match="gather: index 5 is out of bounds for dimension 1 with "
                                         "size 3"):
        mt.gather(x, 1, mt.tensor([[0, 5]]))
    with pytest.raises(IndexError, match="gather: index -1 is out of bounds"):
        mt.gather(x, 1, mt.tensor([[-1]]))
    with pytest.raises(DtypeError, match="gather: index must be an integer tensor, got dtype "
                                         "float32"):
        mt.gather(x, 1, mt.tensor([[0.0]]))
    with pytest.raises(ShapeError, match="gather: index must have as many dims as the input"):
        mt.gather(x, 1, mt.tensor([0, 1]))
    with pytest.raises(ShapeError, match=r"gather: index shape \(3, 1\) is larger than input "
                                         r"shape \(2, 3\) at dim 0"):
        mt.gather(x, 1, mt.tensor([[0], [0], [0]]))
    with pytest.raises(DimensionError, match="gather: dim 2 is out of range"):
        mt.gather(x, 2, mt.tensor([[0]]))


# =========================================================================== indexing


A = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("index", [
    1, -1, (1, 2), (0, -1, 3), slice(None), slice(0, 1), (slice(None), slice(1, None, 2)),
    (Ellipsis, 1), (None, 0), (0, None, Ellipsis, None), (slice(None, None, -1),),
    (slice(None), slice(None, None, -2), slice(3, 0, -1)), (Ellipsis,), (),
])
def test_basic_indexing_matches_numpy_and_scatters_gradients(index):
    x = leaf(A)
    y = x[index]
    np.testing.assert_array_equal(y.numpy(force=True), A[index])
    assert y.grad_fn.name() == "GetItemBackward0"
    seed = np.random.default_rng(0).normal(size=np.shape(A[index]))
    y.backward(seed)
    want = np.zeros_like(A)
    want[index] = seed
    np.testing.assert_array_equal(x.grad.numpy(), want)


@pytest.mark.parametrize("index", [
    [0, 0, 1],                                   # a list
    np.array([1, 1, -1]),                        # an ndarray, with a negative entry
    mt.tensor([[0, 1], [1, 1]]),                 # an int Tensor (2-D)
    (slice(None), mt.tensor([2, 2, 2, 0])),      # after a slice
    (Ellipsis, [3, 3]),                          # a list after ...
    ([0, 1, 1], [2, 2, 2]),                      # two arrays: pairs of coordinates
    (0, [1, 1], slice(1, 3)),                    # int + array + slice
])
def test_integer_array_indexing_accumulates_repeated_indices(index):
    x = leaf(A)
    y = x[index]
    np_index = tuple(i.numpy() if isinstance(i, mt.Tensor) else i for i in
                     (index if isinstance(index, tuple) else (index,)))
    np.testing.assert_array_equal(y.numpy(force=True), A[np_index])
    assert y.grad_fn.name() == "IndexBackward0"
    y.sum().backward()
    counts = np.zeros_like(A)
    np.add.at(counts, np_index, 1)  # each element's gradient = how many times it was read
    np.testing.assert_array_equal(x.grad.numpy(), counts)
    assert counts.max() >= 2


def test_repeated_index_gradient_counts():
    x = leaf([10.0, 20.0, 30.0])
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 0, 1])


@pytest.mark.parametrize("mask", [
    mt.tensor([True, False]), np.array([False, True]), [True, True],
    mt.tensor(A[..., 0] > 5), np.array(A > 10),
])
def test_bool_masks(mask):
    x = leaf(A)
    m = mask.numpy() if isinstance(mask, mt.Tensor) else np.asarray(mask)
    y = x[mask]
    np.testing.assert_array_equal(y.numpy(force=True), A[m])
    y.sum().backward()
    want = np.zeros_like(A)
    want[m] = 1
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_mask_on_inner_dim_and_scalar_bool_and_0d_int_tensor():
    x = mt.tensor(A)
    np.testing.assert_array_equal(x[:, mt.tensor([True, False, True])].numpy(),
                                  A[:, [True, False, True]])
    assert x[True].shape == (1, 2, 3, 4) and x[False].shape == (0, 2, 3, 4)
    assert x[mt.tensor(1)].shape == (3, 4)  # a 0-d integer tensor acts as an int
    assert x[np.int64(1), 2].tolist() == A[1, 2].tolist()


def test_negative_step_slices_follow_numpy():
    x = leaf([1.0, 2.0, 3.0, 4.0, 5.0])
    y = x[::-2]
    assert y.tolist() == [5.0, 3.0, 1.0]
    (y * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 0, 2, 0, 1])


def test_indexing_errors():
    x = mt.ones(2, 3)
    with pytest.raises(IndexError, match="getitem: index 5 is out of bounds for dimension 0 with "
                                         "size 2"):
        x[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 1 with size 3"):
        x[:, -4]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x[..., [0, 3]]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0"):
        x[mt.tensor([0, 7])]
    with pytest.raises(IndexError, match="too many indices for a tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="too many indices for a tensor of dimension 0"):
        mt.tensor(1.0)[0]
    with pytest.raises(IndexError, match=r"mask's shape \(3,\) does not match .*\(2, 3\)"):
        x[mt.tensor([True, False, True])]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(IndexError, match="getitem: shape mismatch"):
        x[[0, 1], [0, 1, 2]]
    for bad in (1.5, np.float64(1.0), mt.tensor([0.0]), [0.5], "a", {0}):
        with pytest.raises(TypeError, match="getitem: indices must be"):
            x[bad]
    with pytest.raises(TypeError, match="slice bounds must be ints"):
        x[0.5:]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]


# =========================================================================== setitem


def test_setitem_without_grad_assigns_casts_and_bumps_version():
    x = mt.zeros(2, 3)
    x[0] = 2.5
    x[1, [0, 2]] = mt.tensor([1, 2])  # int values cast to float32
    x[:, 1] = np.array([7.0, 8.0])
    assert x.tolist() == [[2.5, 7.0, 2.5], [1.0, 8.0, 2.0]]
    assert x.dtype == mt.float32 and x._version == 3
    i = mt.zeros(3, dtype=mt.int64)
    i[0] = 2.7
    assert i.tolist() == [2, 0, 0]
    x[mt.tensor([True, False])] = mt.tensor([[1.0], ]).reshape(1)  # broadcast to (1, 3)
    assert x[0].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ShapeError, match=r"setitem: a value of shape \(2,\) cannot be broadcast "
                                         r"to the indexed part's shape \(3,\)"):
        x[0] = mt.ones(2)
    with pytest.raises(IndexError, match="setitem: index 5 is out of bounds"):
        x[5] = 1.0


def test_setitem_gradient_flow():
    w = leaf([1.0, 2.0, 3.0, 4.0])
    v = leaf([10.0, 20.0])
    y = w * 1.0
    y[1:3] = v * 2
    assert y.grad_fn.name() == "IndexPutBackward0"
    assert y.tolist() == [1.0, 20.0, 40.0, 4.0]
    (y * mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1, 0, 0, 4])  # overwritten: no gradient
    np.testing.assert_array_equal(v.grad.numpy(), [4, 6])


def test_setitem_broadcast_value_gets_summed_gradient_and_buffer_becomes_non_leaf():
    buf = mt.zeros(2, 3, dtype=mt.float64)
    s = leaf(2.0)
    buf[:, 1] = s  # a plain buffer written with a value that requires grad
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert s.grad.item() == 2
    v = leaf([[1.0, 2.0, 3.0]])  # an extra leading size-1 dim, as NumPy allows
    y = mt.zeros(2, 3, dtype=mt.float64)
    y[0] = v
    y.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [[1, 1, 1]])


def test_setitem_with_repeated_and_mask_indices_records_gradient():
    w = leaf([1.0, 2.0, 3.0])
    y = w * 2
    y[mt.tensor([True, False, True])] = 0.0
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0, 2, 0])


def test_setitem_on_a_leaf_that_requires_grad():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad cannot be "
                                           "modified in place"):
        w[0] = 5.0
    with mt.no_grad():
        w[0] = 5.0  # as optimizers do
    assert w.tolist() == [5.0, 2.0] and w.is_leaf and w._version == 1


def test_setitem_invalidates_saved_tensors():
    w = leaf([1.0, 2.0])
    y = w * 1.0
    z = (y * y).sum()  # Mul saved y
    y[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_shape_ops_keep_float32():
    x = mt.ones(2, 3, requires_grad=True)
    outs = [x.reshape(3, 2), x.T, x.permute(1, 0), x.expand(4, 2, 3), x.repeat(2, 1),
            mt.cat([x, x]), mt.stack([x, x]), x[0], x[[0, 0]], x[x > 0],
            mt.gather(x, 1, mt.tensor([[0], [2]])), x.split(1)[0], x.unsqueeze(0).squeeze()]
    for o in outs:
        assert o.dtype == mt.float32
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == mt.float32
