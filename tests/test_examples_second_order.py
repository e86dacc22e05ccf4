"""examples/second_order.py in quick mode: Newton's method, λ_max by power iteration, the
divergence of gradient descent above 2/λ_max, and a gradient penalty that shrinks a
classifier's input gradients, as the example claims."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "second_order.py"


def test_quick_run_shows_the_claims(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("second_order", EXAMPLE)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    r = ex.main(["--quick", "--out", str(tmp_path), "--format", "svg"])
    # Newton reaches (1, 1) to 1e-8 from (-1.2, 1) in at most 25 steps; GD does not in 2000
    assert r["steps"]["Newton"] is not None and r["steps"]["Newton"] <= 25
    assert np.abs(r["paths"]["Newton"][-1] - 1).max() < 1e-8
    assert r["steps"]["GD lr 1e-3"] is None
    # power iteration on Hessian-vector products finds the full Hessian's top eigenvalue
    assert abs(r["lambda_max"] - r["eigenvalues"][-1]) < 1e-4 * r["eigenvalues"][-1]
    # the ravine's λ_max is 10: gradient descent converges below lr 0.2 and diverges above
    sweep = r["sweep"]
    assert sweep[0.19][-1] < sweep[0.19][0] and sweep[0.21][-1] > 100 * sweep[0.21][0]
    # the input-gradient penalty: smaller input gradients, accuracy kept
    plain, penalised = r["penalty"][0.0], r["penalty"][0.3]
    assert penalised["input_grad_norm"][-1] < 0.7 * plain["input_grad_norm"][-1]
    assert penalised["accuracy"] >= plain["accuracy"] - 0.05 and penalised["accuracy"] > 0.9
    assert (tmp_path / "second_order.svg").stat().st_size > 0
    assert "Newton:" in capsys.readouterr().out
