"""Smoke test of ``benchmarks/``: every workload's microtensor and floor steps agree.

The benchmarks themselves (``make bench``) are not part of the suite; this only catches
a benchmark broken by a change in the engine or the API. Each workload runs its floor
and its microtensor implementation once, at the tiny size, from the same weights.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "examples"))

from workloads import WORKLOADS  # noqa: E402
from workloads.common import checksum, compare  # noqa: E402

TIMED = [name for name, w in WORKLOADS.items() if w.kind == "time"]


def _first_step(name: str, impl: str) -> tuple[float, list[float]]:
    bench = WORKLOADS[name].build(impl, "tiny")
    bench.step()
    loss, grads = bench.result()
    return loss, checksum(grads)


@pytest.mark.parametrize("name", TIMED)
def test_microtensor_step_matches_the_floor(name):
    floor = _first_step(name, "numpy")
    ok, err = compare(*_first_step(name, "microtensor"), *floor)
    assert ok, f"{name}: microtensor's loss/gradients differ from the floor's (rel. err {err:.2e})"


def test_the_bare_engine_computes_tiny_ops_gradients():
    """benchmarks/lower_bound.py's bare engine does the same work as microtensor's chain."""
    import lower_bound
    from workloads import tiny_ops

    cfg = tiny_ops.SIZES["tiny"]
    x0, w0 = tiny_ops.inputs(cfg)
    y, gx, gw = lower_bound.bare_chain(x0, w0, cfg["chain"])
    bench = tiny_ops.BUILDERS["microtensor"](cfg)
    bench.step()
    loss, (mx, mw) = bench.result()
    np.testing.assert_allclose(y.sum(), loss, rtol=1e-5)
    np.testing.assert_allclose(gx, mx, rtol=1e-5)
    np.testing.assert_allclose(gw, mw, rtol=1e-5)


def test_a_training_step_updates_the_weights():
    """The timed step really trains: a second step on the same batch has a lower loss."""
    for impl in ("numpy", "microtensor"):
        bench = WORKLOADS["mlp_step"].build(impl, "tiny")
        bench.step()
        first = bench.result()[0]
        bench.step()
        assert bench.result()[0] < first, impl


def test_conv_step_is_the_digits_cnn():
    """conv_step's net has the parameters of ``examples/train_digits.py``'s ``cnn()``."""
    import train_digits
    from workloads import conv_step

    import microtensor as mt

    shapes = [tuple(p.shape) for p in train_digits.cnn().parameters()]
    assert shapes == [tuple(p.shape) for p in conv_step.cnn(mt.nn).parameters()]
    assert shapes == [a.shape for a in conv_step.inputs(conv_step.SIZES["tiny"])[0]]
