"""examples/torch_models.py in quick mode: the drawing, the monitor's words, the weights."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent.parent / "examples" / "torch_models.py"



pytestmark = pytest.mark.usefixtures("torch_float32")


@pytest.fixture(scope="module")
def ex():
    spec = importlib.util.spec_from_file_location("examples_torch_models", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_quick_run_shows_and_diagnoses_the_vanishing_gradients(ex, tmp_path, capsys):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert res["ratio"] < 1e-5  # the first layer's gradient is orders of magnitude below
    src = res["drawings"]["graph"].source
    assert "0 · Linear" in src and "1 · Sigmoid" in src and "▼" in src
    assert "AddmmBackward0" in res["drawings"]["graph_full"].source
    assert res["findings"][0].kind == "vanishing" and res["findings"][0].layer == "0"
    assert res["max_diff"] < 1e-5 and res["max_diff_back"] == 0.0
    out = capsys.readouterr().out
    assert "vanishing gradients at the start of training" in out
    written = sorted(p.stem for p in tmp_path.iterdir())
    assert written == ["flow", "graph", "graph_full"]


def test_the_monitor_overhead_benchmark_runs():
    spec = importlib.util.spec_from_file_location(
        "benchmarks_monitor_overhead", PATH.parent.parent / "benchmarks" / "monitor_overhead.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.main(["--steps", "30"])
    assert out["every"] == 10 and out["plain_ms"] > 0 and out["recorded_ms"] > 0
