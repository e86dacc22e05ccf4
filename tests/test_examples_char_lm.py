"""examples/char_lm.py in quick mode: every model learns, samples, and the figure's numbers
show the gradient through time vanishing (tanh RNN) and exploding (large recurrent weights)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "char_lm.py"


def load_example():
    spec = importlib.util.spec_from_file_location("char_lm", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_names_are_shipped_with_their_attribution():
    names = load_example().load_names()
    assert len(names) == 5163 and "mary" in names
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in names)


def test_quick_run(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    figure = tmp_path / "time.png"
    results = load_example().main(["--quick", "--figure", str(figure)])
    uniform = math.log(27)
    for name in ("bigram", "mlp", "rnn", "lstm"):
        assert results[name]["val_loss"] < uniform - 0.6, (name, results[name])
        assert len(results[name]["samples"]) == 5
    curves = results["time_gradients"]
    rnn, big = curves["rnn (tanh)"], curves["rnn (tanh, W_hh ×4) + clipping"]
    assert rnn["init"][0] / rnn["init"][-1] < 1e-2  # vanishes through time
    assert big["init"][0] / big["init"][-1] > 1  # explodes through time
    assert figure.stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "lstm" in out and "samples:" in out
