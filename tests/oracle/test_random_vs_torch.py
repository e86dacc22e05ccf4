"""Random streams against live PyTorch: every case of tests/random_cases.py, and more.

Beyond the fixture's table: every size 1–100 and more seeds for the factories, the
generator's state bytes after mixed draws, and ``set_rng_state`` across the libraries.
"""

from __future__ import annotations

import numpy as np
import pytest
import random_cases as rc
import torch

import microtensor as mt


@pytest.fixture(autouse=True)
def _float32_defaults():
    # Other oracle modules make float64 torch's default at import; the cases assume both
    # libraries' own default, float32.
    old_t, old_m = torch.get_default_dtype(), mt.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    mt.set_default_dtype(mt.float32)
    yield
    torch.set_default_dtype(old_t)
    mt.set_default_dtype(old_m)


CASES = rc.cases()
for _seed in (3, 99, 123456789, 2**40 + 5):
    for _n in range(1, 101):
        for _dt in ("float32", "float64"):
            CASES[f"factories_{_dt}_s{_seed}_n{_n}"] = rc._factories(_seed, _n, _dt)
        CASES[f"integers_s{_seed}_n{_n}"] = rc._integers(_seed, _n)
    CASES[f"generator_s{_seed}"] = rc._generators(_seed)
    CASES[f"data_s{_seed}"] = rc._data(_seed)
    CASES[f"layers_s{_seed}"] = rc._layers(_seed)
for _n in (10_000, 65_536 + 7, 1_000_001):
    CASES[f"factories_float32_s5_n{_n}"] = rc._factories(5, _n, "float32")


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_torch(name):
    want, got = CASES[name](torch), CASES[name](mt)
    assert len(want) == len(got)
    for i, (a, b) in enumerate(zip(want, got)):
        assert a.dtype == b.dtype and a.shape == b.shape, (name, i, a.dtype, b.dtype)
        if name in rc.APPROX:
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        else:
            assert np.array_equal(a, b), (name, i, a.ravel()[:4], b.ravel()[:4])


def test_mlp_loss_curve():
    np.testing.assert_allclose(rc.mlp_losses(mt), rc.mlp_losses(torch), rtol=0, atol=1e-4)


def test_state_moves_between_libraries():
    torch.manual_seed(11)
    torch.randn(5)
    torch.rand(700)
    mt.set_rng_state(torch.get_rng_state().numpy())
    assert np.array_equal(mt.randn(33).numpy(), torch.randn(33).numpy())
    assert np.array_equal(mt.get_rng_state().numpy(), torch.get_rng_state().numpy())
    torch.set_rng_state(torch.from_numpy(mt.get_rng_state().numpy().copy()))
    assert np.array_equal(mt.randn(3).numpy(), torch.randn(3).numpy())
