"""The lecture's claims about optimizers, checked on examples/optimizers.py's surfaces.

Only what the runs actually show is asserted (steps measured with the example's
settings; see the table it prints). Short runs keep this file to about a second.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parent.parent / "examples" / "optimizers.py"


@pytest.fixture(scope="module")
def ex():
    spec = importlib.util.spec_from_file_location("examples_optimizers", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_momentum_beats_plain_sgd_in_the_ravine(ex):
    runs = ex.run_surface("ravine", 300, ["SGD", "Momentum", "Nesterov"])
    sgd = runs["SGD"].steps_to_tol  # ~440 steps: not within 300
    for o in ("Momentum", "Nesterov"):
        assert runs[o].steps_to_tol is not None and runs[o].steps_to_tol < 120
        assert sgd is None or sgd > 3 * runs[o].steps_to_tol
    # SGD is on its way, just slowly: the flat direction shrinks by 1.2% a step
    assert runs["SGD"].losses[-1] < runs["SGD"].losses[0] / 100


def test_learning_rate_sweep(ex):
    curves = {k: run.losses for k, run in ex.lr_sweep(120).items()}
    small, right, large, diverging = curves.values()
    assert not np.isfinite(diverging[-1]) or diverging[-1] > 1e4 * diverging[0]  # diverges
    assert right[-1] < right[0] / 100
    assert small[-1] > 10 * right[-1] and large[-1] > 10 * right[-1]


def test_adaptive_methods_leave_the_saddle_faster_than_sgd(ex):
    runs = ex.run_surface("saddle", 80, ["SGD", "RMSprop", "Adam"])
    sgd = runs["SGD"].steps_to_tol
    assert sgd is not None and sgd > 60  # plain SGD: y grows by only 10% a step
    assert runs["Adam"].steps_to_tol < sgd / 2
    assert runs["RMSprop"].steps_to_tol < sgd / 10


def test_momentum_rolls_over_the_hill_into_the_global_minimum(ex):
    runs = ex.run_surface("two_minima", 150, ["SGD", "Momentum"])
    assert runs["SGD"].steps_to_tol is None and runs["SGD"].final[0] > 1.0  # local minimum
    assert runs["Momentum"].steps_to_tol is not None and runs["Momentum"].final[0] < -1.0


def test_table_and_plots_are_written(ex, tmp_path):
    pytest.importorskip("matplotlib")
    runs = ex.run_surface("saddle", 5)
    out = ex.plot_surface("saddle", runs, tmp_path)
    assert out.exists() and out.stat().st_size > 1000
    assert "saddle" in ex.table({"saddle": runs})
