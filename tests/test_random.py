"""microtensor's random streams against PyTorch 2.13's CPU generator, without PyTorch.

tests/fixtures/random_reference.json holds digests of PyTorch's results for every case
of tests/random_cases.py (regenerate it with tests/fixtures/make_random_reference.py);
equal digests mean equal bits. tests/oracle/test_random_vs_torch.py compares live.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import random_cases as rc

import microtensor as mt


@pytest.fixture(autouse=True)
def _float32_default():
    old = mt.get_default_dtype()  # the fixture was made with float32, PyTorch's default
    mt.set_default_dtype(mt.float32)
    yield
    mt.set_default_dtype(old)


REF = json.loads((Path(__file__).parent / "fixtures" / "random_reference.json").read_text())
CASES = rc.cases()


def test_fixture_covers_every_case():
    assert sorted(REF["cases"]) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_numbers_as_torch(name):
    ref = REF["cases"][name]
    got = CASES[name](mt)
    if name in rc.APPROX:  # LAPACK's QR: equal to float rounding, not to the bit
        for a, b in zip(got, ref["values"]):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
        return
    assert rc.digest(got) == ref["digest"], (
        f"{name}: microtensor's numbers differ from PyTorch's; first values "
        f"{got[0].ravel()[:4].tolist()} vs PyTorch's {ref['head']}")


def test_seeded_mlp_loss_curve_matches_torch():
    # The check: 30 SGD-with-momentum steps on randint mini-batches, to 1e-4.
    np.testing.assert_allclose(rc.mlp_losses(mt), REF["mlp_losses"], rtol=0, atol=1e-4)


def test_manual_seed_and_state_round_trip():
    g = mt.manual_seed(3)
    assert g is mt.default_generator and mt.initial_seed() == 3
    state = mt.get_rng_state()
    assert state.dtype == mt.uint8 and state.shape == (5056,)
    a = mt.randn(5)
    mt.set_rng_state(state)
    assert np.array_equal(mt.randn(5).numpy(), a.numpy())
    assert mt.Generator().initial_seed() == 67280421310721
    mt.manual_seed(-1)
    assert mt.initial_seed() == 2**64 - 1
    s = mt.seed()
    assert mt.initial_seed() == s and 0 <= s < 2**53


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="set_state"):
        mt.Generator().set_state(mt.zeros(3, dtype=mt.uint8))
    with pytest.raises(TypeError, match="generator"):
        mt.rand(3, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="std"):
        mt.empty(3).normal_(0, -1)
    with pytest.raises(ValueError, match="from"):
        mt.empty(3).random_(5, 2)
    with pytest.raises(ValueError, match="lambda"):
        mt.empty(3).exponential_(0)
    with pytest.raises(ValueError, match="without replacement"):
        mt.multinomial(mt.ones(3), 4)
    with pytest.raises(TypeError, match="dtype"):
        mt.rand(3, dtype=mt.int64)
