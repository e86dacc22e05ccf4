"""examples/vanishing_gradients.py: the lecture's claim, checked from the recorded statistics.

A sigmoid stack passes back at most 1/4 of the gradient per layer (less with the default
init), so after ten layers the first layer's gradient is orders of magnitude below the
last's; ReLU with He init keeps it the same size.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "examples" / "vanishing_gradients.py"


@pytest.fixture(scope="module")
def ex():
    spec = importlib.util.spec_from_file_location("examples_vanishing_gradients", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def results(ex):
    return ex.run(samples=256)


def test_sigmoid_first_layer_gradient_is_orders_of_magnitude_below_the_last(ex, results):
    rows = ex.layer_gradients(*results["sigmoid"])
    assert len(rows) == 10
    first, last = rows[0], rows[-1]
    assert first["weight_mean_abs"] < 1e-4 * last["weight_mean_abs"]  # measured: ~1e-8
    assert first["out_mean_abs"] < 1e-4 * last["out_mean_abs"]  # recorded per node
    # and it fades monotonically, layer after layer
    means = [r["out_mean_abs"] for r in rows]
    assert means == sorted(means)


def test_relu_with_he_init_keeps_the_gradient_the_same_size(ex, results):
    rows = ex.layer_gradients(*results["relu_he"])
    first, last = rows[0], rows[-1]
    assert 0.1 < first["weight_mean_abs"] / last["weight_mean_abs"] < 10
    assert 0.1 < first["out_mean_abs"] / last["out_mean_abs"] < 10


def test_the_drawings_show_it(ex, results):
    dgs = ex.drawings(results)
    assert set(dgs) == {"sigmoid", "sigmoid_full", "sigmoid_flow", "relu_he",
                        "relu_he_full", "relu_he_flow"}
    assert dgs["sigmoid"].source.count("▼") > 5  # vanishing marks
    assert "▼</FONT>" not in dgs["relu_he"].source.split("<<TABLE BORDER=\"0\"", 1)[1]


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (make system-deps installs it)")
def test_main_writes_the_svgs_side_by_side(ex, tmp_path, capsys):
    assert ex.main(["--out", str(tmp_path), "--quick"]) == 0
    page = (tmp_path / "index.html").read_text()
    for stem in ("sigmoid", "relu_he"):
        assert f'src="{stem}.svg"' in page
        assert "<svg" in (tmp_path / f"{stem}.svg").read_text()
    assert "sigmoid mean|g|" in capsys.readouterr().out
