"""Every name docs/gen_api.py lists exists in torch (2.13), so docs/api.md never tracks a name
PyTorch lacks. Names are resolved by the generator's own ``resolve`` (getattr on ``torch``,
``torch.Tensor``, ``torch.nn`` ..., submodules imported as needed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent.parent


def _gen_api() -> Any:
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN_API = _gen_api()


def test_every_listed_name_exists_in_torch() -> None:
    names = sorted({n for c in GEN_API.CATEGORIES for n in c.full_names()})
    missing = [n for n in names if GEN_API.resolve(torch, n) is GEN_API.MISSING]
    assert not missing, (f"torch {torch.__version__} has no {missing}: remove them from "
                         "docs/gen_api.py (or fix their spelling)")


@pytest.mark.parametrize("name", ["torch.random", "torch.nn.functional.nonexistent_op",
                                  "torch.Tensor.no_such_method"])
def test_resolve_refuses_modules_and_unknown_names(name: str) -> None:
    # A module is not a function: `torch.random` (a module) must not count as present.
    assert GEN_API.resolve(torch, name) is GEN_API.MISSING


def test_resolve_finds_instance_attributes() -> None:
    assert GEN_API.resolve(torch, "torch.nn.Module.training") is True
    assert isinstance(GEN_API.resolve(torch, "torch.optim.Optimizer.param_groups"), list)
