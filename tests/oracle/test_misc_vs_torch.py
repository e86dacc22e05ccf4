"""clone, gcd/lcm, cov/corrcoef, renorm, sum_to_size, apply_/map_ against torch (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt


def _both(arr, requires_grad=False):
    return (torch.tensor(arr, requires_grad=requires_grad),
            mt.tensor(arr, requires_grad=requires_grad))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.cov(x),
    lambda lib, x: lib.cov(x, correction=0),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1, 2, 1, 3]),
                           aweights=lib.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype)),
    lambda lib, x: lib.corrcoef(x),
    lambda lib, x: lib.cov(x[0]),
    lambda lib, x: lib.renorm(x, 2, 0, 1.0),
    lambda lib, x: lib.renorm(x, 1, -1, 0.8),
    lambda lib, x: x.sum_to_size(1, 4),
    lambda lib, x: x.sum_to_size((3, 1)),
    lambda lib, x: lib.clone(x) * 2,
])
def test_values_and_gradients_match_torch(call):
    arr = np.random.default_rng(3).normal(size=(3, 4))
    t, m = _both(arr, requires_grad=True)
    want, got = call(torch, t), call(mt, m)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    assert tuple(got.shape) == tuple(want.shape)
    w = np.random.default_rng(4).normal(size=tuple(want.shape))
    (want * torch.tensor(w)).sum().backward()
    (got * mt.tensor(w)).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_gcd_lcm_and_their_errors_match_torch():
    a, b = np.array([12, -8, 0, 7]), np.array([18, 12, 0, -21])
    for name in ("gcd", "lcm"):
        want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        got = getattr(mt, name)(mt.tensor(a), mt.tensor(b))
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        with pytest.raises(RuntimeError):
            getattr(torch, name)(torch.tensor([1.0]), torch.tensor([2.0]))
        with pytest.raises(RuntimeError):
            getattr(mt, name)(mt.tensor([1.0]), mt.tensor([2.0]))


def test_apply_and_map_run_python_on_each_element_in_place():
    t, m = _both(np.arange(4.0))
    t.apply_(lambda v: v * v + 1)
    m.apply_(lambda v: v * v + 1)
    t.map_(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64), lambda a, b: a - b)
    m.map_(mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64), lambda a, b: a - b)
    np.testing.assert_array_equal(m.numpy(), t.numpy())


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.nn.functional.normalize(x),
    lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=0),
    lambda lib, x: lib.nn.functional.normalize(x * 0.0, dim=-1),
])
def test_normalize_matches_torch(call):
    arr = np.random.default_rng(5).normal(size=(3, 4))
    t, m = _both(arr, requires_grad=True)
    want, got = call(torch, t), call(mt, m)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    w = np.random.default_rng(6).normal(size=(3, 4))
    (want * torch.tensor(w)).sum().backward()
    (got * mt.tensor(w)).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, args", [("relu_", ()), ("leaky_relu_", (0.2,)),
                                        ("elu_", (0.5,)), ("hardtanh_", (-0.5, 0.5)),
                                        ("threshold_", (0.1, -3.0))])
def test_functional_in_place_activations_match_torch(name, args):
    arr = np.random.default_rng(7).normal(size=(2, 5))
    t, m = _both(arr)
    rt = getattr(torch.nn.functional, name)(t, *args)
    rm = getattr(mt.nn.functional, name)(m, *args)
    assert rt is t and rm is m
    np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12)
