"""nn.utils: gradient clipping and parameter vectors (expected values from PyTorch 2.x)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def params_with_grads(*grads, dtype=mt.float32):
    ps = []
    for g in grads:
        p = nn.Parameter(mt.zeros(len(g), dtype=dtype))
        p.grad = mt.tensor(g, dtype=dtype)
        ps.append(p)
    return ps


def grads_of(ps):
    return [p.grad._data.tolist() for p in ps]


def test_clip_grad_norm_scales_by_pytorchs_coefficient():
    ps = params_with_grads([3.0, 4.0], [12.0])
    grads = [p.grad for p in ps]
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, mt.Tensor) and total.ndim == 0 and total.dtype == mt.float32
    assert total.item() == 13.0
    coef = np.float32(1.0) / (np.float32(13.0) + np.float32(1e-6))
    np.testing.assert_array_equal(ps[0].grad._data, np.float32([3.0, 4.0]) * coef)
    assert all(p.grad is g for p, g in zip(ps, grads))  # in place
    # These are PyTorch's float32 results, bit for bit.
    assert grads_of(ps) == [[0.23076921701431274, 0.307692289352417], [0.923076868057251]]


def test_clip_grad_norm_leaves_small_gradients_alone():
    ps = params_with_grads([3.0, 4.0], [12.0])
    assert clip_grad_norm_(ps, max_norm=100.0).item() == 13.0
    assert grads_of(ps) == [[3.0, 4.0], [12.0]]


def test_clip_grad_norm_other_norms():
    ps = params_with_grads([3.0, -4.0], [1.5])
    assert clip_grad_norm_(ps, 2.0, norm_type=float("inf")).item() == 4.0
    assert grads_of(ps) == [[1.4999996423721313, -1.9999995231628418], [0.7499998211860657]]
    ps = params_with_grads([3.0, -4.0], [1.5])
    assert clip_grad_norm_(ps, 2.0, norm_type="inf").item() == 4.0
    ps = params_with_grads([3.0, -4.0], [1.5])
    assert clip_grad_norm_(ps, 2.0, norm_type=1).item() == 8.5
    ps = params_with_grads([0.1, 0.2, 0.3])
    assert clip_grad_norm_(ps, 0.3, norm_type=3.0).item() == pytest.approx(
        (0.1**3 + 0.2**3 + 0.3**3) ** (1 / 3), rel=1e-6)
    with pytest.raises(ValueError, match="clip_grad_norm_: norm_type must be positive"):
        clip_grad_norm_(ps, 1.0, norm_type=0)


def test_clip_grad_norm_skips_missing_grads_and_accepts_one_tensor():
    p = nn.Parameter(mt.ones(2))
    assert clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    q = params_with_grads([6.0, 8.0])[0]
    assert clip_grad_norm_([p, q], 5.0).item() == 10.0
    assert p.grad is None
    np.testing.assert_allclose(q.grad._data, [3.0, 4.0], rtol=1e-6)
    r = params_with_grads([6.0, 8.0])[0]
    assert clip_grad_norm_(r, 5.0).item() == 10.0  # a single Tensor
    d = params_with_grads([6.0, 8.0], dtype=mt.float64)[0]
    assert clip_grad_norm_(d, 5.0).dtype == mt.float64


def test_clip_grad_norm_nonfinite():
    ps = params_with_grads([float("nan"), 1.0])
    assert math.isnan(clip_grad_norm_(ps, 1.0).item())
    assert np.isnan(ps[0].grad._data).all()  # scaled by the NaN coefficient, as PyTorch
    ps = params_with_grads([float("inf"), 1.0])
    assert clip_grad_norm_(ps, 1.0).item() == math.inf
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 for "
                                           "gradients from `parameters` is non-finite"):
        clip_grad_norm_(params_with_grads([float("inf")]), 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_bad_parameters():
    with pytest.raises(TypeError, match="clip_grad_norm_: parameters must be Tensors, but item 1"):
        clip_grad_norm_([nn.Parameter(mt.ones(1)), 3.0], 1.0)
    with pytest.raises(TypeError, match="an iterable of Tensors"):
        clip_grad_norm_(3.0, 1.0)


def test_clip_grad_norm_in_a_training_step():
    mt.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(mt.randn(4, 3) * 10)

        def forward(self, x):
            return x @ self.w.T

    model = Net()
    (model(mt.randn(8, 3)) ** 2).sum().backward()
    before = float(np.linalg.norm(model.w.grad._data))
    total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert total.item() == pytest.approx(before, rel=1e-5)
    assert float(np.linalg.norm(model.w.grad._data)) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_value():
    ps = params_with_grads([3.0, -4.0], [1.5])
    assert clip_grad_value_(ps, 2.0) is None
    assert grads_of(ps) == [[2.0, -2.0], [1.5]]
    p = nn.Parameter(mt.ones(2))
    clip_grad_value_(p, 1.0)  # no gradient: nothing to do
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be non-negative"):
        clip_grad_value_(ps, -1.0)


def test_parameters_to_vector_and_back():
    a = nn.Parameter(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    b = nn.Parameter(mt.tensor([5.0]))
    vec = parameters_to_vector([a, b])
    assert vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] and vec.shape == (5,)
    vec.sum().backward()  # differentiable, as PyTorch
    assert a.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    data = a._data
    vector_to_parameters(mt.arange(5, dtype=mt.float64), [a, b])
    assert a._data is data and a.dtype == mt.float32  # copied in place, cast
    assert a.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.tolist() == [4.0]


def test_vector_to_parameters_errors():
    a = nn.Parameter(mt.zeros(2, 2))
    with pytest.raises(ValueError, match="vector_to_parameters: the vector has 3 elements but "
                                         "the parameters have 4 in total"):
        vector_to_parameters(mt.zeros(3), [a])
    with pytest.raises(ValueError, match="expected a 1-D vector"):
        vector_to_parameters(mt.zeros(2, 2), [a])
    with pytest.raises(TypeError, match="vector_to_parameters: expected a Tensor, got list"):
        vector_to_parameters([0.0] * 4, [a])
