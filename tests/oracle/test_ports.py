"""PyTorch teaching code, unchanged, under PyTorch and under microtensor (tests/oracle/ports/).

Each port is a script as a lecturer or a student writes it for PyTorch (makemore parts 1-4,
the beginner tutorials) wrapped in ``def main(torch, nn, F) -> dict``; the dict holds what it
printed. Both libraries run it from the same seeds (``_backend.run``: ``manual_seed``,
``random.seed``, ``np.random.seed``, float32 default) and the results must agree:

* integers, booleans, strings and samples drawn from ``torch.Generator`` exactly
  (microtensor reproduces PyTorch's CPU random streams);
* floats within ``rtol=1e-4, atol=1e-6`` (float32, summation order differs), or the wider
  tolerance of ``TOLERANCE`` for values at the end of a training run, where float32
  rounding differences grow (in float64 the same runs agree to ~1e-12);
* numbers inside strings (``model.string()``) the same way.

What only the library's name changes is normalised: ``torch.float32`` against
``microtensor.float32``, ``torch.Size([3, 4])`` against ``microtensor.Size([3, 4])``.

``PORTS_DIR=/some/copy pytest tests/oracle/test_ports.py`` runs a patched copy of the ports.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import sys
import traceback
from pathlib import Path

import pytest

PORTS = Path(os.environ.get("PORTS_DIR") or Path(__file__).resolve().parent / "ports")
sys.path.insert(0, str(PORTS))
import _backend  # noqa: E402

NAMES = sorted(p.stem for p in PORTS.glob("*.py") if not p.name.startswith("_"))

RTOL, ATOL = 1e-4, 1e-6
# (port, key) -> (rtol, atol): values after hundreds of float32 training steps.
TOLERANCE = {
    ("mlp_lm", "lr_finder_losses"): (1e-3, 1e-4),
    ("mlp_lm", "train_log10_losses"): (3e-3, 1e-3),  # lr 0.1 on a 200-unit tanh layer
    ("mlp_lm", "split_train"): (1e-3, 1e-4),
    ("mlp_lm", "split_val"): (1e-3, 1e-4),
    ("mlp_lm", "C_2d"): (1e-3, 1e-3),
    ("mlp_batchnorm", "bn_losses"): (1e-3, 1e-4),
    ("mlp_batchnorm", "bnmean_vs_running"): (1e-3, 1e-4),
    ("mlp_batchnorm", "deep_losses"): (1e-3, 1e-4),
    ("mlp_batchnorm", "update_ratios_last"): (1e-3, 1e-4),
    ("mlp_batchnorm", "activation_stats"): (1e-3, 1e-3),
    ("mlp_batchnorm", "gradient_stats"): (1e-3, 1e-6),
    ("mlp_batchnorm", "weight_grad_stats"): (1e-3, 1e-6),
    ("backprop_ninja", "manual_train_losses"): (1e-3, 1e-4),
    ("backprop_ninja", "split_train"): (1e-3, 1e-4),
    ("backprop_ninja", "split_val"): (1e-3, 1e-4),
    ("gpt_names", "lm_head_bias"): (1e-3, 1e-5),  # AdamW steps scale small gradients up
    ("tutorial_polynomial", "legendre"): (1e-4, 1e-6),
    ("tutorial_polynomial", "module"): (1e-4, 1e-6),
    ("tutorial_polynomial", "dynamic"): (1e-4, 1e-6),
}

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_DTYPE = re.compile(r"\b(?:torch|microtensor)\."
                    r"(?=(?:float|int|uint|bool|double|long|half|Size)\w*)")


def _printed(text: str) -> str:
    """A string as both libraries would print it once the printing-only differences go."""
    return _DTYPE.sub("", text)


def _mismatches(want, got, rtol, atol, where="") -> list[str]:
    """Every place where got (microtensor) differs from want (torch), as 'where: want != got'."""
    if isinstance(want, bool) or isinstance(got, bool):
        return [] if want == got else [f"{where}: {want!r} != {got!r}"]
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if isinstance(want, int) and isinstance(got, int):
            return [] if want == got else [f"{where}: {want!r} != {got!r}"]
        if math.isclose(got, want, rel_tol=rtol, abs_tol=atol):
            return []
        if math.isnan(want) and math.isnan(got):
            return []
        rel = abs(got - want) / max(abs(want), 1e-300)
        return [f"{where}: {want!r} != {got!r} (rel {rel:.2e})"]
    if isinstance(want, str) and isinstance(got, str):
        want, got = _printed(want), _printed(got)
        if want == got:
            return []
        if _NUMBER.split(want) == _NUMBER.split(got):  # same words, numbers to compare
            a = [float(v) for v in _NUMBER.findall(want)]
            b = [float(v) for v in _NUMBER.findall(got)]
            if len(a) == len(b):
                return _mismatches(a, b, rtol, atol, where)
        return [f"{where}: {want!r} != {got!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if want.keys() != got.keys():
            return [f"{where}: keys {sorted(want)} != {sorted(got)}"]
        return [m for k in want
                for m in _mismatches(want[k], got[k], rtol, atol, f"{where}[{k!r}]")]
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(want) != len(got):
            return [f"{where}: length {len(want)} != {len(got)}"]
        return [m for i, (a, b) in enumerate(zip(want, got))
                for m in _mismatches(a, b, rtol, atol, f"{where}[{i}]")]
    return [f"{where}: {want!r} ({type(want).__name__}) != {got!r} ({type(got).__name__})"]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"ports_{name}", PORTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # torch.save(model) pickles classes the script made global
    spec.loader.exec_module(module)
    return module


@functools.cache
def _run(name: str, backend: str):
    """(result, None) or (None, traceback text): each port runs once per library."""
    import torch

    import microtensor

    old = torch.get_default_dtype(), microtensor.get_default_dtype()
    try:
        return _backend.run(_load(name).main, backend), None
    except Exception:  # noqa: BLE001 - the traceback is the finding
        return None, traceback.format_exc()
    finally:  # other oracle modules expect their defaults back
        torch.set_default_dtype(old[0])
        microtensor.set_default_dtype(old[1])


@pytest.mark.parametrize("name", NAMES)
def test_port_runs_under_torch(name):
    """The port itself is right: plain PyTorch runs it."""
    _, error = _run(name, "torch")
    assert error is None, f"{name} fails under torch:\n{error}"


@pytest.mark.parametrize("name", NAMES)
def test_port_runs_under_microtensor_and_agrees(name):
    want, error = _run(name, "torch")
    if error is not None:
        pytest.skip(f"{name} fails under torch")
    got, error = _run(name, "microtensor")
    assert error is None, f"{name} fails under microtensor:\n{error}"
    assert want.keys() == got.keys()
    bad = []
    for key in want:
        rtol, atol = TOLERANCE.get((name, key), (RTOL, ATOL))
        bad += _mismatches(want[key], got[key], rtol, atol, key)
    assert not bad, f"{name}: {len(bad)} values differ from torch:\n" + "\n".join(bad[:40])
