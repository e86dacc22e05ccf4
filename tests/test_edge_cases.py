"""Edge cases an adversarial review found: size-0 and NaN inputs, and inputs PyTorch rejects.

Each test states PyTorch 2.x's answer (values and gradients) and checks microtensor gives
the same, with NumPy warnings turned into errors: an edge case must not surface as a raw
NumPy error or warning. Where microtensor differs from PyTorch on purpose, the test says so.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F

NAN = float("nan")
INF = float("inf")


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def leaf(*shape, fill=0.0) -> mt.Tensor:
    return mt.tensor(np.full(shape, fill), requires_grad=True)


def grad_of(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


# =========================================================================== A. size 0 and NaN

# --------------------------------------------------------------------------- linear


@pytest.mark.parametrize("x_shape", [(3, 0), (0,), (4, 5, 0), (0, 5, 0)])
def test_linear_zero_in_features_gives_the_bias(x_shape):
    # in_features = 0: x @ W.T is a sum of nothing, so the output is the bias broadcast.
    x = leaf(*x_shape)
    w = leaf(2, 0)
    b = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = F.linear(x, w, b)
    batch = x_shape[:-1]
    assert y.shape == (*batch, 2)
    np.testing.assert_array_equal(y.data, np.broadcast_to([1.0, 2.0], (*batch, 2)))
    y.sum().backward()
    assert x.grad.shape == x_shape and w.grad.shape == (2, 0)
    np.testing.assert_array_equal(b.grad.data, np.full(2, float(math.prod(batch))))


@pytest.mark.parametrize("x_shape", [(3, 0), (0,), (4, 5, 0)])
def test_linear_zero_in_features_without_bias_is_zeros(x_shape):
    x, w = leaf(*x_shape), leaf(2, 0)
    y = F.linear(x, w)
    np.testing.assert_array_equal(y.data, np.zeros((*x_shape[:-1], 2)))
    y.sum().backward()
    assert x.grad.shape == x_shape and w.grad.shape == (2, 0)


@pytest.mark.parametrize("x_shape", [(4, 3), (4, 5, 3), (3,)])
def test_linear_zero_out_features(x_shape):
    x, w, b = leaf(*x_shape, fill=1.0), leaf(0, 3), leaf(0)
    y = F.linear(x, w, b)
    assert y.shape == (*x_shape[:-1], 0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(x_shape))  # nothing flows back
    assert w.grad.shape == (0, 3) and b.grad.shape == (0,)


@pytest.mark.parametrize("x_shape", [(0, 3), (0, 5, 3), (4, 0, 3)])
def test_linear_empty_batch(x_shape):
    x, w, b = leaf(*x_shape), leaf(2, 3, fill=1.0), leaf(2, fill=1.0)
    y = F.linear(x, w, b)
    assert y.shape == (*x_shape[:-1], 2)
    y.sum().backward()
    assert x.grad.shape == x_shape
    np.testing.assert_array_equal(w.grad.data, np.zeros((2, 3)))
    np.testing.assert_array_equal(b.grad.data, np.zeros(2))


# --------------------------------------------------------------------------- cross_entropy


def _ce(x_shape, target, **kw):
    x = leaf(*x_shape)
    loss = F.cross_entropy(x, target, **kw)
    loss.sum().backward()
    assert x.grad.shape == x_shape
    return loss.data, x.grad.data


def _index(*values) -> mt.Tensor:
    return mt.tensor(np.array(values, dtype=np.int64))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("target", ["index", "probs"])
def test_cross_entropy_empty_batch(label_smoothing, target):
    # PyTorch: the mean over no samples is nan (0/0), the sum 0, "none" empty; the
    # gradient is an empty (0, C) array.
    t = mt.zeros(0, dtype=mt.int64) if target == "index" else mt.zeros(0, 4, dtype=mt.float64)
    kw = {"label_smoothing": label_smoothing}
    assert np.isnan(_ce((0, 4), t, **kw)[0])
    assert _ce((0, 4), t, reduction="sum", **kw)[0] == 0
    assert _ce((0, 4), t, reduction="none", **kw)[0].shape == (0,)


def test_cross_entropy_zero_classes_with_a_class_index_is_out_of_range():
    # No class index is valid among 0 classes (PyTorch: IndexError "Target 0 is out of bounds").
    with pytest.raises(IndexError, match="out of range for 0 classes"):
        F.cross_entropy(leaf(3, 0), _index(0, 0, 0))


def test_cross_entropy_zero_classes_empty_batch():
    t = mt.zeros(0, dtype=mt.int64)
    assert np.isnan(_ce((0, 0), t)[0])
    assert _ce((0, 0), t, reduction="sum")[0] == 0
    # With label smoothing PyTorch computes ε/C in C++ doubles: ε/0 = inf, and its
    # smoothing term (a sum over no classes, 0) times inf is nan for every reduction.
    assert np.isnan(_ce((0, 0), t, label_smoothing=0.1)[0])
    assert np.isnan(_ce((0, 0), t, label_smoothing=0.1, reduction="sum")[0])
    assert _ce((0, 0), t, label_smoothing=0.1, reduction="none")[0].shape == (0,)


def test_cross_entropy_zero_classes_all_targets_ignored():
    # Every target is ignore_index: PyTorch's nll_loss gives 0 per sample, mean nan.
    t = _index(-100, -100, -100)
    assert np.isnan(_ce((3, 0), t)[0])
    assert _ce((3, 0), t, reduction="sum")[0] == 0
    np.testing.assert_array_equal(_ce((3, 0), t, reduction="none")[0], np.zeros(3))
    assert np.isnan(_ce((3, 0), t, label_smoothing=0.1, reduction="sum")[0])
    assert np.isnan(_ce((3, 0), t, weight=mt.zeros(0, dtype=mt.float64))[0])
    loss = F.nll_loss(leaf(3, 0), t, reduction="none")
    np.testing.assert_array_equal(loss.data, np.zeros(3))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_zero_classes_probability_targets(label_smoothing):
    # Σ over no classes is 0 per sample; PyTorch's "mean" of a 0-element input is nan.
    t = mt.zeros(3, 0, dtype=mt.float64)
    kw = {"label_smoothing": label_smoothing}
    np.testing.assert_array_equal(_ce((3, 0), t, reduction="none", **kw)[0], np.zeros(3))
    assert _ce((3, 0), t, reduction="sum", **kw)[0] == 0
    assert np.isnan(_ce((3, 0), t, **kw)[0])


def test_log_softmax_over_zero_classes_is_empty_without_warnings():
    assert F.log_softmax(leaf(3, 0), dim=1).shape == (3, 0)


def test_mse_loss_of_empty_tensors_is_nan_with_an_empty_gradient():
    x = leaf(0, 3)
    loss = F.mse_loss(x, mt.zeros(0, 3, dtype=mt.float64))
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == (0, 3)


# --------------------------------------------------------------------------- batch norm


@pytest.mark.parametrize("cls, shape", [
    (nn.BatchNorm2d, (0, 3, 2, 2)), (nn.BatchNorm1d, (0, 3)), (nn.BatchNorm1d, (0, 3, 5)),
    (nn.BatchNorm2d, (2, 3, 0, 4)),
])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_an_empty_batch(cls, shape, training):
    # PyTorch returns an empty output (a clone of the input times weight[0] plus bias[0]) in
    # both modes, leaves the running statistics alone, and gives zero gradients to γ and β.
    m = cls(3).double()
    m.train(training)
    x = leaf(*shape)
    y = m(x)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(m.weight.grad.data, np.zeros(3))
    np.testing.assert_array_equal(m.bias.grad.data, np.zeros(3))
    np.testing.assert_array_equal(m.running_mean.data, np.zeros(3))
    np.testing.assert_array_equal(m.running_var.data, np.ones(3))
    assert m.num_batches_tracked.item() == (1 if training else 0)  # counted, as PyTorch


def test_batch_norm_training_with_zero_channels():
    # PyTorch only refuses exactly one value per channel (N·H·W == 1); 4 samples of no channel
    # are an empty input, returned as such.
    x = leaf(4, 0)
    y = F.batch_norm(x, None, None, training=True)
    assert y.shape == (4, 0)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(leaf(1, 3), None, None, training=True)


# --------------------------------------------------------------------------- max / min with NaN


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_min_with_nan_sends_the_gradient_to_the_nan(op):
    # PyTorch's evenly_distribute_backward: when the result is nan, the mask is isnan(input).
    x = mt.tensor([1.0, NAN, 3.0], dtype=mt.float64, requires_grad=True)
    y = getattr(x, op)()
    assert np.isnan(y.item())
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_full_max_with_two_nans_splits_the_gradient_between_them():
    x = mt.tensor([NAN, 2.0, NAN], dtype=mt.float64, requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.0, 0.5])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_over_a_dim_with_nan(op):
    x = mt.tensor([[1.0, NAN, 3.0], [1.0, 2.0, 3.0]], dtype=mt.float64, requires_grad=True)
    values, indices = getattr(x, op)(1)
    assert np.isnan(values.data[0])
    assert indices.data[0] == 1  # the nan's index, as PyTorch
    values.sum().backward()
    other = [0.0, 0.0, 1.0] if op == "max" else [1.0, 0.0, 0.0]
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0], other])


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_with_nan_follow_pytorch(op):
    # PyTorch's amax/amin backward is (grad / count) * mask with mask = (result == x): a
    # nan result matches nothing, so count is 0 and the whole slice gets 0 * inf = nan.
    # (Only max()/min() special-case nan.) Rows without nan are unaffected.
    x = mt.tensor([[1.0, NAN, 3.0], [1.0, 2.0, 3.0]], dtype=mt.float64, requires_grad=True)
    y = getattr(x, op)(1)
    assert np.isnan(y.data[0])
    y.sum().backward()
    assert np.isnan(x.grad.data[0]).all()
    np.testing.assert_array_equal(x.grad.data[1], [0, 0, 1] if op == "amax" else [1, 0, 0])


# --------------------------------------------------------------------------- masks


def test_relu_blocks_nan_and_inf_gradients_where_it_is_flat():
    x = mt.tensor([-1.0, 0.0, 2.0, NAN], dtype=mt.float64, requires_grad=True)
    y = mt.relu(x)
    assert np.isnan(y.data[3])  # relu(nan) is nan, as PyTorch
    y.backward(mt.tensor([NAN, INF, 5.0, 7.0], dtype=mt.float64))
    # 0 where x <= 0 whatever arrives; at a nan input the gradient passes, as PyTorch's
    # threshold_backward (where(result <= 0, 0, grad)) does.
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 5.0, 7.0])


def test_inplace_relu_blocks_nan_gradients_too():
    x = mt.tensor([-1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = F.relu(x * 1, inplace=True)
    y.backward(mt.tensor([NAN, 1.0], dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_hardtanh_blocks_nan_and_inf_gradients_outside():
    x = mt.tensor([-2.0, -1.0, 0.5, 1.0, 2.0], dtype=mt.float64, requires_grad=True)
    F.hardtanh(x).backward(mt.tensor([NAN, INF, 3.0, -INF, NAN], dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 3.0, 0.0, 0.0])


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (-1.0, None), (None, 1.0)])
def test_clamp_blocks_nan_and_inf_gradients_outside(lo, hi):
    x = mt.tensor([-2.0, 0.5, 2.0, NAN], dtype=mt.float64, requires_grad=True)
    y = x.clamp(lo, hi)
    assert np.isnan(y.data[3])
    y.backward(mt.tensor([NAN, 3.0, INF, NAN], dtype=mt.float64))
    # PyTorch: where(lo <= x <= hi, grad, 0); a nan x fails the comparison, so it gets 0.
    want = [0.0 if lo is not None else NAN, 3.0, 0.0 if hi is not None else INF, 0.0]
    np.testing.assert_array_equal(x.grad.data, want)


def test_leaky_relu_multiplies_like_pytorch_without_a_numpy_warning():
    # leaky_relu's backward is grad * slope on the negative side in PyTorch too (no mask):
    # with slope 0 an inf gradient becomes inf * 0 = nan there. Matched, silently.
    x = mt.tensor([-2.0, 0.5], dtype=mt.float64, requires_grad=True)
    F.leaky_relu(x, 0.0).backward(mt.tensor([INF, 1.0], dtype=mt.float64))
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 1.0


# --------------------------------------------------------------------------- sign


def test_sign_of_nan_is_zero_as_pytorch():
    x = mt.tensor([NAN, -3.0, -0.0, 0.0, 2.0, INF, -INF], dtype=mt.float64, requires_grad=True)
    y = mt.sign(x)
    np.testing.assert_array_equal(y.data, [0.0, -1.0, 0.0, 0.0, 1.0, 1.0, -1.0])
    assert y.dtype == mt.float64
    y.backward(mt.tensor([NAN] * 7, dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.data, np.zeros(7))
    f32 = mt.sign(mt.tensor([NAN, -2.0]))
    assert f32.dtype == mt.float32 and f32.tolist() == [0.0, -1.0]
    assert mt.sign(mt.tensor([-3, 0, 5])).tolist() == [-1, 0, 1]
    assert mt.sign(mt.tensor(NAN)).item() == 0.0


# =========================================================================== B. rejected inputs

# --------------------------------------------------------------------------- construction

REJECTED = {
    "object": np.array([1, None], dtype=object),
    "datetime64": np.array(["2020-01-01"], dtype="datetime64[D]"),
    "timedelta64": np.array([1, 2], dtype="timedelta64[s]"),
    "uint64": np.array([1, 2], dtype=np.uint64),
    "str": np.array(["a", "b"]),
    "complex": np.array([1 + 2j]),
}


@pytest.mark.parametrize("name", list(REJECTED))
@pytest.mark.parametrize("make", ["tensor", "from_numpy", "Tensor", "tensor_with_dtype"])
def test_unsupported_numpy_dtypes_are_rejected(name, make):
    arr = REJECTED[name]
    fn = {"tensor": mt.tensor, "from_numpy": mt.from_numpy, "Tensor": mt.Tensor,
          "tensor_with_dtype": lambda a: mt.tensor(a, dtype=mt.float32)}[make]
    with pytest.raises(TypeError, match=re.escape(str(arr.dtype))):
        fn(arr)


def test_uint64_scalars_and_lists_are_rejected_too():
    with pytest.raises(TypeError, match="uint64"):
        mt.tensor(np.uint64(3))
    with pytest.raises(TypeError, match="uint64"):
        mt.tensor([np.uint64(3), np.uint64(4)])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.int8, np.int16, np.int32,
                                   np.int64, np.float16, np.float32, np.float64, np.bool_])
def test_supported_numpy_dtypes_are_kept(dtype):
    arr = np.zeros(2, dtype=dtype)
    assert mt.tensor(arr).dtype == arr.dtype
    assert mt.from_numpy(arr).dtype == arr.dtype


# --------------------------------------------------------------------------- BCE target range


@pytest.mark.parametrize("bad", [2.0, -0.5, NAN])
def test_binary_cross_entropy_rejects_targets_outside_0_1(bad):
    # PyTorch's CPU kernel checks both: "all elements of target should be between 0 and 1".
    x = mt.tensor([0.3, 0.6])
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of target"):
        F.binary_cross_entropy(x, mt.tensor([1.0, bad]))


def test_binary_cross_entropy_accepts_targets_at_0_and_1():
    loss = F.binary_cross_entropy(mt.tensor([0.3, 0.6]), mt.tensor([0.0, 1.0]))
    assert np.isfinite(loss.item())


# --------------------------------------------------------------------------- view


def test_view_of_a_transposed_tensor_raises_like_pytorch():
    x = mt.arange(6.0).reshape(2, 3).t()
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's "
                                           r"size and stride.*Use \.reshape\(\.\.\.\) instead"):
        x.view(6)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view_as(mt.zeros(6))
    np.testing.assert_array_equal(x.reshape(6).data, [0, 3, 1, 4, 2, 5])  # reshape copies
    np.testing.assert_array_equal(x.contiguous().view(6).data, [0, 3, 1, 4, 2, 5])


def test_view_of_an_expanded_tensor_raises():
    x = mt.arange(3.0).expand(2, 3)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    assert x.view(2, 3).shape == (2, 3)  # no dims merged: fine


def test_view_that_needs_no_copy_still_works_and_shares_memory():
    x = mt.arange(12.0).reshape(3, 4)
    v = x.t().view(4, 3)  # same shape: no copy needed
    assert v.shape == (4, 3)
    y = x[:, :2]  # rows are still contiguous inside: (3, 2) -> (3, 2, 1) merges nothing
    assert y.view(3, 2, 1).shape == (3, 2, 1)
    w = x.view(2, 6)
    assert np.shares_memory(w.data, x.data)
    assert x.t()[:0].view(3, 0).shape == (3, 0)  # size 0: any view is fine, as PyTorch


def test_view_of_a_conv_output_works_as_in_pytorch():
    # conv2d returns a channels-last array (see ops/conv.py) where PyTorch's result is
    # contiguous; the common `x.view(N, -1)` after a conv must keep working.
    y = nn.Conv2d(3, 4, 3)(mt.randn(2, 3, 5, 5))
    assert y.view(2, -1).shape == (2, 36)
    assert F.relu(y).view(2, -1).shape == (2, 36)


def test_view_keeps_its_shape_errors():
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        mt.zeros(2, 3).view(4)


# --------------------------------------------------------------------------- bool dims


@pytest.mark.parametrize("call", [
    lambda x: x.sum(dim=True),
    lambda x: x.sum(True),
    lambda x: x.sum(dim=(0, True)),
    lambda x: x.mean(dim=False),
    lambda x: x.amax(dim=True),
    lambda x: x.max(dim=True),
    lambda x: x.softmax(dim=True),
])
def test_a_bool_dim_is_a_type_error(call):
    # PyTorch's argument parser refuses a bool where an int dim is expected.
    with pytest.raises(TypeError, match="dim must be an int, got bool"):
        call(mt.ones(2, 3))


def test_var_keeps_its_legacy_bool_form():
    x = mt.tensor([1.0, 2.0, 4.0])
    assert x.var(False).item() == pytest.approx(np.var([1.0, 2.0, 4.0]))


# --------------------------------------------------------------------------- integer division


@pytest.mark.parametrize("call", [
    lambda a: a // 0,
    lambda a: a % 0,
    lambda a: a // mt.tensor([1, 0, 2]),
    lambda a: a % mt.tensor([1, 0, 2]),
    lambda a: 7 // mt.tensor([1, 0, 2]),
    lambda a: 7 % mt.tensor([1, 0, 2]),
    lambda a: mt.div(a, 0, rounding_mode="floor"),
    lambda a: mt.div(a, 0, rounding_mode="trunc"),
    lambda a: mt.remainder(a, 0),
    lambda a: mt.floor_divide(a, mt.tensor(0)),
])
def test_integer_division_by_zero_raises_like_pytorch(call):
    # PyTorch: RuntimeError("ZeroDivisionError"); ours is both, and Python's ZeroDivisionError.
    with pytest.raises(ZeroDivisionError, match="ZeroDivisionError") as info:
        call(mt.tensor([4, 5, 6]))
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, mt.DivisionByZeroError)


def test_integer_division_by_non_zero_is_unchanged():
    a = mt.tensor([-7, 7])
    assert (a // 2).tolist() == [-4, 3]
    assert (a % 3).tolist() == [2, 1]
    assert mt.div(a, 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert (a / 0).tolist() == [-INF, INF]  # true division is float: no error, as PyTorch


def test_float_division_by_zero_is_inf_or_nan_without_warnings():
    a = mt.tensor([1.0, -1.0, 0.0])
    np.testing.assert_array_equal((a // 0).data, [INF, -INF, NAN])
    assert np.isnan((a % 0).data).all()
    np.testing.assert_array_equal(mt.div(a, 0, rounding_mode="trunc").data, [INF, -INF, NAN])
