"""examples/train_digits.py in quick mode: both models really learn the digits."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_digits.py"


def load_example():
    spec = importlib.util.spec_from_file_location("train_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_learns_the_digits(capsys):
    results = load_example().main(["--quick"])
    for name in ("mlp", "cnn"):
        assert results[name]["test_accuracy"] >= 0.90, (name, results[name])
    out = capsys.readouterr().out
    assert "mlp: test accuracy" in out and "cnn: test accuracy" in out
