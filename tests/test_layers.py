"""The layers of ``microtensor.nn``: parameters, init, reprs, train/eval behaviour, gradients.

The fused ops under the layers are checked row by row in ``tests/cases_layers.py``
(forward vs NumPy, gradcheck); here the modules: PyTorch's names and defaults,
BatchNorm's running statistics (NumPy computes what they must be after a few
steps), Dropout in both modes, module-level gradchecks (BatchNorm in training
mode, a Conv2d + MaxPool2d chain) and the messages of bad input.
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
from microtensor.gradcheck import gradcheck

RNG_SEED = 1234


def _x(*shape, seed=0, dtype=mt.float64, requires_grad=False, scale=1.0, shift=0.0):
    a = np.random.default_rng(seed).standard_normal(shape) * scale + shift
    return mt.tensor(a, dtype=dtype, requires_grad=requires_grad)


def _check_param_grads(module: nn.Module, fn, eps: float = 1e-6, tol: float = 1e-5) -> None:
    """Each parameter's ``.grad`` after ``fn().sum()``-style backward equals central
    differences of the same scalar (gradcheck perturbs only explicit inputs)."""
    out = fn()
    seed = np.random.default_rng(7).standard_normal(out.shape)
    module.zero_grad()
    out.backward(mt.tensor(seed))
    for name, p in module.named_parameters():
        analytic = p.grad._data
        flat = p._data.reshape(-1)
        numeric = np.zeros_like(flat)
        for i in range(flat.size):
            old = flat[i]
            with mt.no_grad():
                flat[i] = old + eps
                plus = float(np.sum(fn()._data * seed))
                flat[i] = old - eps
                minus = float(np.sum(fn()._data * seed))
                flat[i] = old
            numeric[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic.reshape(-1), numeric, atol=tol, rtol=1e-4,
                                   err_msg=f"gradient of parameter {name!r}")


# --------------------------------------------------------------------------- Linear & shapes


def test_linear_parameters_shapes_and_forward():
    layer = nn.Linear(4, 3)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == \
        [("weight", (3, 4)), ("bias", (3,))]
    assert layer.weight.dtype == mt.float32 and layer.weight.requires_grad
    assert (layer.in_features, layer.out_features) == (4, 3)
    x = mt.randn(5, 2, 4)
    y = layer(x)
    assert y.shape == (5, 2, 3)
    np.testing.assert_allclose(y._data, x._data @ layer.weight._data.T + layer.bias._data,
                               rtol=1e-6)
    no_bias = nn.Linear(4, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert nn.Linear(2, 2, dtype=mt.float64).weight.dtype == mt.float64


def test_linear_and_conv_default_init_statistics():
    mt.manual_seed(RNG_SEED)
    layer = nn.Linear(256, 512)
    bound = 1 / math.sqrt(256)
    w, b = layer.weight._data, layer.bias._data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound): std bound/√3, mean 0 (131 072 draws: tight).
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound
    conv = nn.Conv2d(8, 16, 3, groups=2)
    fan_in = 8 // 2 * 3 * 3
    assert conv.weight.shape == (16, 4, 3, 3)
    assert np.abs(conv.weight._data).max() <= 1 / math.sqrt(fan_in)
    assert np.abs(conv.bias._data).max() <= 1 / math.sqrt(fan_in)
    assert abs(conv.weight._data.std() - 1 / math.sqrt(3 * fan_in)) < 0.1 / math.sqrt(fan_in)


def test_init_is_reproducible_with_manual_seed():
    mt.manual_seed(3)
    a = nn.Linear(5, 4)
    mt.manual_seed(3)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)
    np.testing.assert_array_equal(a.bias._data, b.bias._data)


def test_identity_flatten_unflatten():
    x = mt.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused=True)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    assert nn.Unflatten(1, (2, 30))(nn.Flatten()(x)).shape == (2, 2, 30)
    assert nn.Unflatten(-1, [5, -1])(mt.randn(3, 10)).shape == (3, 5, 2)


REPRS = [
    (lambda: nn.Linear(64, 10), "Linear(in_features=64, out_features=10, bias=True)"),
    (lambda: nn.Linear(3, 2, bias=False), "Linear(in_features=3, out_features=2, bias=False)"),
    (lambda: nn.Identity(), "Identity()"),
    (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
    (lambda: nn.Unflatten(1, (2, 5)), "Unflatten(dim=1, unflattened_size=(2, 5))"),
    (lambda: nn.BatchNorm1d(128),
     "BatchNorm1d(128, eps=1e-05, momentum=0.1, affine=True, bias=True, "
     "track_running_stats=True)"),
    (lambda: nn.BatchNorm2d(4, momentum=None, affine=False),
     "BatchNorm2d(4, eps=1e-05, momentum=None, affine=False, bias=False, "
     "track_running_stats=True)"),
    (lambda: nn.LayerNorm(5), "LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (lambda: nn.LayerNorm((2, 3), elementwise_affine=False),
     "LayerNorm((2, 3), eps=1e-05, elementwise_affine=False, bias=False)"),
    (lambda: nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
    (lambda: nn.Dropout(0.2, inplace=True), "Dropout(p=0.2, inplace=True)"),
    (lambda: nn.ReLU(), "ReLU()"),
    (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda: nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (lambda: nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (lambda: nn.ELU(), "ELU(alpha=1.0)"),
    (lambda: nn.GELU(), "GELU(approximate='none')"),
    (lambda: nn.GELU("tanh"), "GELU(approximate='tanh')"),
    (lambda: nn.SiLU(), "SiLU()"),
    (lambda: nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (lambda: nn.Hardtanh(-2, 2), "Hardtanh(min_val=-2, max_val=2)"),
    (lambda: nn.Sigmoid(), "Sigmoid()"),
    (lambda: nn.Tanh(), "Tanh()"),
    (lambda: nn.Softmax(), "Softmax(dim=None)"),
    (lambda: nn.LogSoftmax(dim=1), "LogSoftmax(dim=1)"),
    (lambda: nn.Conv2d(1, 8, 3, padding=1),
     "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
    (lambda: nn.Conv2d(4, 8, (3, 2), stride=2, dilation=(1, 2), groups=2, bias=False),
     "Conv2d(4, 8, kernel_size=(3, 2), stride=(2, 2), dilation=(1, 2), groups=2, bias=False)"),
    (lambda: nn.Conv2d(1, 8, 3, padding="same"),
     "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)"),
    (lambda: nn.MaxPool2d(2),
     "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
    (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
     "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"),
    (lambda: nn.AvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
    (lambda: nn.MSELoss(), "MSELoss()"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), "CrossEntropyLoss()"),
    (lambda: nn.BCEWithLogitsLoss(), "BCEWithLogitsLoss()"),
]


@pytest.mark.parametrize("make, want", REPRS, ids=[r[1].split("(")[0] + str(i)
                                                  for i, r in enumerate(REPRS)])
def test_repr_matches_pytorch(make, want):
    assert repr(make()) == want


def test_sequential_repr_of_a_small_cnn():
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    assert repr(model).splitlines()[1:3] == [
        "  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
        "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)",
    ]
    assert model(mt.randn(2, 1, 8, 8)).shape == (2, 10)


# --------------------------------------------------------------------------- BatchNorm


def test_batchnorm_parameters_and_buffers():
    bn = nn.BatchNorm1d(3)
    assert [(n, p.shape) for n, p in bn.named_parameters()] == [("weight", (3,)), ("bias", (3,))]
    buffers = dict(bn.named_buffers())
    assert list(buffers) == ["running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(buffers["running_mean"]._data, np.zeros(3))
    np.testing.assert_array_equal(buffers["running_var"]._data, np.ones(3))
    assert buffers["num_batches_tracked"].dtype == mt.int64
    assert buffers["num_batches_tracked"].shape == ()
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    plain = nn.BatchNorm2d(3, affine=False, track_running_stats=False)
    assert list(plain.parameters()) == [] and list(plain.buffers()) == []
    assert plain.running_mean is None and plain.weight is None


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 2, 4)])
def test_batchnorm_running_stats_after_several_steps(shape):
    layer = nn.BatchNorm1d(3) if len(shape) < 4 else nn.BatchNorm2d(3)
    layer.double()
    momentum = 0.1
    mean, var = np.zeros(3), np.ones(3)
    axes = (0, *range(2, len(shape)))
    for step in range(4):
        x = _x(*shape, seed=step, scale=step + 1.0, shift=float(step))
        y = layer(x)
        batch_mean = x._data.mean(axis=axes)
        # The running variance tracks the unbiased batch variance (ddof=1) ...
        mean = (1 - momentum) * mean + momentum * batch_mean
        var = (1 - momentum) * var + momentum * x._data.var(axis=axes, ddof=1)
        # ... while the output is normalised with the biased one (ddof=0).
        bshape = (1, 3) + (1,) * (len(shape) - 2)
        want = (x._data - batch_mean.reshape(bshape)) / np.sqrt(
            x._data.var(axis=axes).reshape(bshape) + 1e-5)
        np.testing.assert_allclose(y._data, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean._data, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var._data, var, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4

    # eval: the running statistics normalise, and nothing is updated.
    layer.eval()
    x = _x(*shape, seed=99)
    y = layer(x)
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    want = (x._data - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-5)
    np.testing.assert_allclose(y._data, want, rtol=1e-10)
    np.testing.assert_allclose(layer.running_mean._data, mean, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4


def test_batchnorm_train_and_eval_differ_and_eval_works_on_one_sample():
    bn = nn.BatchNorm1d(2)
    x = mt.tensor([[1.0, 10.0], [3.0, 30.0]])
    y_train = bn(x)
    np.testing.assert_allclose(y_train._data, [[-1, -1], [1, 1]], atol=1e-4)
    bn.eval()
    y_eval = bn(x[:1])  # one sample: fine in eval mode
    # running_mean = 0.1·batch mean, running_var = 0.9 + 0.1·unbiased variance
    rm = np.array([0.2, 2.0])
    rv = np.array([0.9 + 0.1 * 2.0, 0.9 + 0.1 * 200.0])
    np.testing.assert_allclose(y_eval._data, (x._data[:1] - rm) / np.sqrt(rv + 1e-5), rtol=1e-5)


def test_batchnorm_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    means, variances = [], []
    for step in range(5):
        x = _x(8, 2, seed=10 + step, scale=1.0 + step, shift=step - 2.0)
        bn(x)
        means.append(x._data.mean(axis=0))
        variances.append(x._data.var(axis=0, ddof=1))
    np.testing.assert_allclose(bn.running_mean._data, np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var._data, np.mean(variances, axis=0), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 5


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).double()
    x = _x(6, 2, seed=5, scale=3.0, shift=1.0)
    y_train = bn(x)
    bn.eval()
    np.testing.assert_allclose(bn(x)._data, y_train._data)
    np.testing.assert_allclose(y_train._data.mean(axis=0), 0, atol=1e-12)


def test_batchnorm2d_normalises_each_activation_map():
    bn = nn.BatchNorm2d(3).double()
    x = _x(4, 3, 5, 5, seed=1, scale=4.0, shift=-2.0)
    y = bn(x)._data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-4)


def test_batchnorm_state_dict_round_trip():
    bn = nn.BatchNorm1d(3)
    for step in range(3):
        bn(_x(5, 3, seed=step, dtype=mt.float32))
    other = nn.BatchNorm1d(3)
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(other.running_var._data, bn.running_var._data)
    assert other.num_batches_tracked.item() == 3


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2)])
def test_batchnorm_train_mode_gradcheck_through_batch_statistics(shape):
    bn = nn.BatchNorm1d(3).double()
    with mt.no_grad():
        bn.weight.copy_(mt.tensor([0.5, -1.5, 2.0]))
        bn.bias.copy_(mt.tensor([0.1, 0.2, -0.3]))
    x = _x(*shape, seed=3, requires_grad=True, scale=2.0)
    assert gradcheck(lambda t: bn(t), (x,))
    _check_param_grads(bn, lambda: bn(x))
    # Detaching the batch statistics (a bug once shipped in a well-known engine) gives a
    # different input gradient: the mean and variance terms are not negligible here.
    y = bn(x)
    seed = np.random.default_rng(0).standard_normal(y.shape)
    (gx,) = mt.autograd.grad(y, x, mt.tensor(seed))
    inv_std = 1 / np.sqrt(x._data.var(axis=tuple(i for i in range(x.ndim) if i != 1)) + 1e-5)
    detached = seed * (bn.weight._data * inv_std).reshape((1, 3) + (1,) * (x.ndim - 2))
    assert not np.allclose(gx._data, detached, atol=1e-3)


def test_batchnorm2d_and_layernorm_module_gradchecks():
    bn = nn.BatchNorm2d(2).double()
    x = _x(3, 2, 2, 2, seed=4, requires_grad=True)
    assert gradcheck(lambda t: bn(t), (x,))
    _check_param_grads(bn, lambda: bn(x))
    bn.eval()
    assert gradcheck(lambda t: bn(t), (x,))
    ln = nn.LayerNorm((2, 3)).double()
    with mt.no_grad():
        ln.weight.copy_(_x(2, 3, seed=8))
    x = _x(4, 2, 3, seed=6, requires_grad=True)
    assert gradcheck(lambda t: ln(t), (x,))
    _check_param_grads(ln, lambda: ln(x))


def test_batchnorm_float32_stays_float32():
    bn = nn.BatchNorm2d(3)
    y = bn(mt.randn(2, 3, 4, 4))
    assert y.dtype == mt.float32 and bn.running_var.dtype == mt.float32
    bn.eval()
    assert bn(mt.randn(2, 3, 4, 4)).dtype == mt.float32


# --------------------------------------------------------------------------- LayerNorm


def test_layernorm_normalises_trailing_dims_in_both_modes():
    ln = nn.LayerNorm(4).double()
    assert [(n, p.shape) for n, p in ln.named_parameters()] == [("weight", (4,)), ("bias", (4,))]
    x = _x(3, 2, 4, seed=2, scale=5.0, shift=3.0)
    y = ln(x)._data
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-4)
    ln.eval()
    np.testing.assert_allclose(ln(x)._data, y)
    assert list(nn.LayerNorm((2, 3), elementwise_affine=False).parameters()) == []
    assert nn.LayerNorm(3, bias=False).bias is None


# --------------------------------------------------------------------------- Dropout


def test_dropout_is_the_identity_in_eval_mode():
    drop = nn.Dropout(0.5)
    drop.eval()
    x = mt.randn(10, 10)
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x  # p = 0 is the identity in training too


def test_dropout_in_training_drops_at_rate_p_and_scales_survivors():
    mt.manual_seed(0)
    p = 0.3
    drop = nn.Dropout(p)
    x = mt.ones(200, 250)
    y = drop(x)._data
    kept = y != 0
    assert abs(1 - kept.mean() - p) < 0.01  # 50 000 draws
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.02  # the expected activation is unchanged
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_mask_and_seeded_reproducible():
    x = mt.randn(6, 7, requires_grad=True)
    mt.manual_seed(11)
    y1 = nn.Dropout(0.5)(x)
    mt.manual_seed(11)
    y2 = nn.Dropout(0.5)(x)
    np.testing.assert_array_equal(y1._data, y2._data)
    y1.sum().backward()
    np.testing.assert_allclose(x.grad._data, np.where(y1._data != 0, 2.0, 0.0))


def test_dropout_p_one_zeroes_everything():
    y = nn.Dropout(1.0)(mt.randn(4, 4))
    np.testing.assert_array_equal(y._data, np.zeros((4, 4)))


# --------------------------------------------------------------------------- activations


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    (nn.GELU(), lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Hardtanh(), lambda x: np.clip(x, -1, 1)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True))),
]


@pytest.mark.parametrize("layer, ref", ACTIVATIONS, ids=[repr(a[0]) for a in ACTIVATIONS])
def test_activation_modules(layer, ref):
    x = _x(3, 4, seed=1, scale=2.0)
    np.testing.assert_allclose(layer(x)._data, ref(x._data), rtol=1e-10, atol=1e-12)
    assert list(layer.parameters()) == []


def test_inplace_relu_overwrites_a_non_leaf():
    x = mt.randn(3, 3, requires_grad=True)
    h = x * 1.0
    y = nn.ReLU(inplace=True)(h)
    assert y is h
    np.testing.assert_array_equal(h._data, np.maximum(x._data, 0))


def test_softmax_without_dim_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        nn.Softmax()(mt.randn(2, 3))


# --------------------------------------------------------------------------- Conv2d and pools


def test_conv2d_shapes_and_parameters():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    assert [(n, p.shape) for n, p in conv.named_parameters()] == \
        [("weight", (8, 3, 3, 3)), ("bias", (8,))]
    assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == \
        ((3, 3), (2, 2), (1, 1), (1, 1))
    assert conv(mt.randn(2, 3, 9, 9)).shape == (2, 8, 5, 5)
    assert conv(mt.randn(3, 9, 9)).shape == (8, 5, 5)  # unbatched
    same = nn.Conv2d(2, 4, (4, 3), padding="same", dilation=2)
    assert same(mt.randn(1, 2, 7, 6)).shape == (1, 4, 7, 6)
    assert nn.Conv2d(2, 4, 3, padding="valid")(mt.randn(1, 2, 7, 6)).shape == (1, 4, 5, 4)


def test_conv_batchnorm_relu_maxpool_chain_gradcheck():
    mt.manual_seed(5)
    conv = nn.Conv2d(2, 3, 3, stride=(1, 2), padding=1, dilation=(2, 1)).double()
    pool = nn.MaxPool2d(2, stride=1, padding=1)
    x = _x(2, 2, 5, 6, seed=9, requires_grad=True)
    assert gradcheck(lambda t: pool(conv(t)), (x,))
    _check_param_grads(conv, lambda: pool(conv(x)))
    model = nn.Sequential(conv, nn.BatchNorm2d(3), nn.Tanh(), nn.AvgPool2d(2, ceil_mode=True))
    model.double()
    assert gradcheck(lambda t: model(t), (x,))
    _check_param_grads(model, lambda: model(x))


def test_maxpool_return_indices_and_tie_rule():
    x = mt.tensor([[[[1.0, 5.0, 5.0, 2.0],
                     [5.0, 0.0, 3.0, 4.0]]]], requires_grad=True)
    y, idx = nn.MaxPool2d(2, return_indices=True)(x)
    np.testing.assert_array_equal(y._data, [[[[5.0, 5.0]]]])
    np.testing.assert_array_equal(idx._data, [[[[1, 2]]]])  # the first maximum of each window
    assert idx.dtype == mt.int64
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[[[0, 1, 1, 0], [0, 0, 0, 0]]]])


def test_overlapping_maxpool_adds_gradients():
    x = mt.tensor([[[[0.0, 9.0, 0.0]]]], requires_grad=True)
    y = F.max_pool2d(x, (1, 2), stride=1)  # both windows pick the 9
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[[[0, 2, 0]]]])


def test_avgpool_module_divisors():
    x = mt.ones(1, 1, 3, 3)
    np.testing.assert_allclose(nn.AvgPool2d(2, padding=1)(x)._data, [[[[0.25, 0.5], [0.5, 1]]]])
    np.testing.assert_allclose(nn.AvgPool2d(2, padding=1, count_include_pad=False)(x)._data,
                               np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(nn.AvgPool2d(2, divisor_override=1)(x)._data, [[[[4.0]]]])


# --------------------------------------------------------------------------- losses


def test_loss_modules_match_functional():
    logits = _x(4, 3, seed=1)
    target = mt.tensor([0, 2, 1, 2])
    weight = mt.tensor([1.0, 2.0, 0.5], dtype=mt.float64)
    ce = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.1, ignore_index=1)
    np.testing.assert_allclose(ce(logits, target)._data, F.cross_entropy(
        logits, target, weight, ignore_index=1, label_smoothing=0.1)._data)
    assert list(ce.state_dict()) == ["weight"]
    logp = F.log_softmax(logits, 1)
    np.testing.assert_allclose(nn.NLLLoss(reduction="sum")(logp, target)._data,
                               F.nll_loss(logp, target, reduction="sum")._data)
    a, b = _x(3, 2, seed=2), _x(3, 2, seed=3)
    np.testing.assert_allclose(nn.MSELoss()(a, b)._data, np.mean((a._data - b._data) ** 2))
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(a, b)._data, np.abs(a._data - b._data))
    t = mt.tensor(np.random.default_rng(0).random((3, 2)))
    pw = mt.tensor([2.0, 0.5], dtype=mt.float64)
    bce = nn.BCEWithLogitsLoss(pos_weight=pw)
    assert list(bce.state_dict()) == ["pos_weight"]
    np.testing.assert_allclose(bce(a, t)._data,
                               F.binary_cross_entropy_with_logits(a, t, pos_weight=pw)._data)
    np.testing.assert_allclose(nn.BCELoss()(F.sigmoid(a), t)._data,
                               F.binary_cross_entropy(F.sigmoid(a), t)._data)


def test_loss_legacy_size_average_warns_and_maps_to_reduction():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.L1Loss(reduce=False).reduction == "none"


# --------------------------------------------------------------------------- bad input


BAD = [
    (lambda: nn.BatchNorm1d(3)(mt.randn(2, 3, 4, 5)), ValueError,
     "BatchNorm1d: expected 2D input (N, C) or 3D input (N, C, L), got 4D input of shape "
     "(2, 3, 4, 5)"),
    (lambda: nn.BatchNorm2d(3)(mt.randn(2, 3, 4)), ValueError,
     "BatchNorm2d: expected 4D input (N, C, H, W), got 3D input of shape (2, 3, 4)"),
    (lambda: nn.BatchNorm1d(4)(mt.randn(2, 3)), ValueError,
     "BatchNorm1d(4): input of shape (2, 3) has 3 channels (dim 1), expected 4"),
    (lambda: nn.BatchNorm1d(3)(mt.randn(1, 3)), ValueError,
     "Expected more than 1 value per channel when training, got input size (1, 3)"),
    (lambda: F.batch_norm(mt.randn(4, 3), None, None), ValueError,
     "running_mean and running_var must be given in evaluation mode"),
    (lambda: F.batch_norm(mt.randn(4, 3), mt.zeros(3), mt.ones(3), momentum=None), TypeError,
     "momentum must be a float"),
    (lambda: F.batch_norm(mt.randn(4, 3), mt.zeros(4), mt.ones(3)), ValueError,
     "batch_norm: running_mean should have shape (3,), one entry per channel of the input of "
     "shape (4, 3), got shape (4,)"),
    (lambda: F.layer_norm(mt.randn(2, 3), (4,)), ValueError,
     "layer_norm: given normalized_shape=(4,), expected an input of shape (*, 4), got shape "
     "(2, 3)"),
    (lambda: nn.Linear(4, 2)(mt.randn(3, 5)), ValueError, "has 5 in_features"),
    (lambda: nn.Conv2d(1, 8, 3)(mt.randn(2, 3, 5, 5)), ValueError,
     "conv2d: input has 3 channels but weight expects 1 (weight shape (8, 1, 3, 3))"),
    (lambda: nn.Conv2d(1, 8, 3)(mt.randn(1, 2, 2)), ValueError,
     "conv2d: the kernel (3, 3) with dilation (1, 1) spans (3, 3), larger than the padded "
     "input (2, 2)"),
    (lambda: nn.Conv2d(1, 8, 3)(mt.randn(5, 5)), ValueError,
     "conv2d: expected an input of shape (N, C, H, W) or unbatched (C, H, W), got shape (5, 5)"),
    (lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(8, 3, 3, 3), mt.randn(7)), ValueError,
     "conv2d: bias should have shape (8,)"),
    (lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(8, 3, 3, 3), stride=0), ValueError,
     "conv2d: stride must be positive, got (0, 0)"),
    (lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(8, 3, 3, 3), padding="full"), ValueError,
     "conv2d: padding must be an int, a pair of ints, 'valid' or 'same', got 'full'"),
    (lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(8, 3, 3, 3), padding="same", stride=2),
     ValueError, "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(mt.randn(1, 4, 5, 5), mt.randn(6, 2, 3, 3), groups=3), ValueError,
     "conv2d: input has 4 channels but weight expects 6 (weight shape (6, 2, 3, 3) with "
     "groups=3: 2 per group)"),
    (lambda: F.conv2d(mt.tensor([[[[1, 2], [3, 4]]]]), mt.randn(1, 1, 1, 1)), TypeError,
     "conv2d: expected a floating-point input, got dtype int64"),
    (lambda: nn.Conv2d(3, 8, 3, groups=2), ValueError,
     "Conv2d: in_channels=3 must be divisible by groups=2"),
    (lambda: nn.Conv2d(3, 8, 3, padding_mode="mirror"), ValueError,
     "Conv2d: padding_mode must be one of"),
    (lambda: nn.Conv2d(3, 8, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: nn.MaxPool2d(3, padding=2)(mt.randn(1, 1, 5, 5)), ValueError,
     "max_pool2d: padding (2, 2) should be at most half of the kernel's span (3, 3)"),
    (lambda: nn.MaxPool2d(3)(mt.randn(1, 1, 2, 2)), ValueError,
     "max_pool2d: input of shape (1, 1, 2, 2) is too small for kernel_size (3, 3)"),
    (lambda: nn.AvgPool2d(2, divisor_override=0)(mt.randn(1, 1, 4, 4)), ValueError,
     "avg_pool2d: divisor_override must not be zero"),
    (lambda: F.max_pool2d(mt.randn(1, 1, 4, 4), 2.5), TypeError,
     "max_pool2d: kernel_size must be an int or a pair of ints, got 2.5"),
    (lambda: nn.Dropout(1.5), ValueError,
     "Dropout: dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: nn.GELU("fast"), ValueError, "GELU: approximate must be 'none' or 'tanh'"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError,
     "CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.Linear(2, 3, device="cuda"), ValueError, "CPU only"),
    (lambda: nn.Linear(-1, 3), ValueError, "Linear: in_features must be a non-negative int"),
]


@pytest.mark.parametrize("call, exc, message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=re.escape(message)):
        call()


def test_failed_training_batch_does_not_count():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError):
        bn(mt.randn(1, 3))
    assert bn.num_batches_tracked.item() == 0
