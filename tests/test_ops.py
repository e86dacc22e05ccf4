"""Every row of the op table (``tests/cases_*.py``), three ways.

For each :class:`optable.OpCase`, over hypothesis-drawn shapes and values:

1. the forward pass in float64 matches the row's NumPy reference;
2. float32 inputs give a float32 output (no silent float64 creep), close to the float64 one;
3. ``gradcheck`` in float64 passes: the engine's Jacobian equals central differences.

Plus the bookkeeping that keeps the table honest: every ``Function`` in
``microtensor.ops`` (and ``microtensor.nn.functional``) is exercised by some
row, every row module imports, and ``docs/ops.md`` is up to date.

Row modules are found by globbing ``cases_*.py``, so a new op family only adds a file.
"""

from __future__ import annotations

import importlib
import importlib.util
import traceback
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.extra import numpy as hnp
from optable import OpCase

import microtensor as mt
from microtensor.gradcheck import gradcheck, gradgradcheck
from microtensor.ops.numpy_protocol import NotTwiceDifferentiable
from microtensor.reference_sweep import reference_backward

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Hypothesis budgets per row: small, so the whole table runs in well under a minute.
FORWARD_EXAMPLES = 20
GRADCHECK_EXAMPLES = 15
GRADGRADCHECK_EXAMPLES = 6
_settings = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- gathering rows


def _load_case_modules() -> tuple[list[OpCase], dict[str, str]]:
    """Rows of every ``cases_*.py``; a module that fails to import is recorded, not fatal,
    so one broken file fails its own test instead of hiding every other row."""
    rows: list[OpCase] = []
    errors: dict[str, str] = {}
    for path in sorted(HERE.glob("cases_*.py")):
        name = path.stem
        try:
            module = importlib.import_module(name)
            cases = module.CASES
            if not isinstance(cases, list) or not all(isinstance(c, OpCase) for c in cases):
                raise TypeError(f"{name}.CASES must be a list of optable.OpCase rows")
        except Exception:  # noqa: BLE001 - reported by test_case_module_imports
            errors[name] = traceback.format_exc()
            continue
        rows.extend(cases)
    return rows, errors


CASES, IMPORT_ERRORS = _load_case_modules()
CASE_MODULES = sorted(p.stem for p in HERE.glob("cases_*.py"))
FORWARD_CASES = [c for c in CASES if c.ref is not None]
GRAD_CASES = [c for c in CASES if c.grad]


def _ids(cases: list[OpCase]) -> list[str]:
    return [c.name for c in cases]


@pytest.mark.parametrize("module", CASE_MODULES)
def test_case_module_imports(module: str) -> None:
    if module in IMPORT_ERRORS:
        pytest.fail(f"tests/{module}.py could not be loaded, so its rows are not tested:\n"
                    f"{IMPORT_ERRORS[module]}", pytrace=False)


def test_row_names_are_unique() -> None:
    seen: dict[str, int] = {}
    for c in CASES:
        seen[c.name] = seen.get(c.name, 0) + 1
    dupes = sorted(n for n, k in seen.items() if k > 1)
    assert not dupes, f"op-table rows share a name (names identify rows): {dupes}"


# --------------------------------------------------------------------------- drawing inputs


def _float32_inside(x: float, toward: float) -> float:
    """``x`` rounded to float32, moved one step toward ``toward`` if rounding left the range."""
    y = np.float32(x)
    if (float(y) < x <= toward) or (float(y) > x >= toward):
        y = np.nextafter(y, np.float32(toward))
    return float(y)


def _elements(case: OpCase) -> st.SearchStrategy:
    # Values exactly representable in float32, so the float32 run sees the very same inputs.
    low = _float32_inside(case.low, case.high)
    high = _float32_inside(case.high, case.low)
    return st.floats(low, high, width=32, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def _draw(data: st.DataObject, case: OpCase) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Shapes, then values and params, for one example; rejects points the row avoids."""
    shapes = data.draw(case.shapes(), label="shapes")
    elements = _elements(case)
    arrays = [data.draw(hnp.arrays(np.float64, s, elements=elements), label=f"input {i}")
              for i, s in enumerate(shapes)]
    params = data.draw(case.params(tuple(shapes)), label="params") if case.params else {}
    if case.avoid is not None:
        assume(not case.avoid(*arrays, **params))
    return arrays, params


def _tensors(case: OpCase, arrays: list[np.ndarray], dtype: np.dtype) -> list[mt.Tensor]:
    wanted = range(len(arrays)) if case.inputs_requiring_grad is None \
        else case.inputs_requiring_grad
    return [mt.tensor(a, dtype=dtype, requires_grad=i in wanted) for i, a in enumerate(arrays)]


def _as_tuple(out: Any) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _values(out: Any) -> list[np.ndarray]:
    return [np.asarray(o.data if isinstance(o, mt.Tensor) else o) for o in _as_tuple(out)]


# --------------------------------------------------------------------------- the three checks


@pytest.mark.parametrize("case", FORWARD_CASES, ids=_ids(FORWARD_CASES))
@settings(max_examples=FORWARD_EXAMPLES, **_settings)
@given(data=st.data())
def test_forward_matches_numpy(case: OpCase, data: st.DataObject) -> None:
    arrays, params = _draw(data, case)
    got = _values(case.fn(*_tensors(case, arrays, mt.float64), **params))
    want = _values(case.ref(*[a.copy() for a in arrays], **params))
    assert len(got) == len(want), f"{case.name}: {len(got)} outputs, the reference has {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{case.name}: output {k} has shape {g.shape}, want {w.shape}"
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9,
                                   err_msg=f"{case.name}: output {k} differs from NumPy")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@settings(max_examples=FORWARD_EXAMPLES, **_settings)
@given(data=st.data())
def test_float32_stays_float32(case: OpCase, data: st.DataObject) -> None:
    arrays, params = _draw(data, case)
    want = _values(case.fn(*_tensors(case, arrays, mt.float64), **params))
    got = _values(case.fn(*_tensors(case, arrays, mt.float32), **params))
    for k, (g, w) in enumerate(zip(got, want)):
        if w.dtype.kind != "f":
            continue
        assert g.dtype == np.float32, (
            f"{case.name}: float32 inputs gave a {g.dtype} output {k}; an op must not upcast "
            "a float32 graph (use Python floats or x.dtype.type(c) for constants)"
        )
        scale = 1.0 + (float(np.max(np.abs(w))) if w.size else 0.0)
        np.testing.assert_allclose(g, w, rtol=2e-3, atol=1e-3 * scale,
                                   err_msg=f"{case.name}: float32 output {k} is far from float64")


def _spy_on_backward_dtypes(monkeypatch: pytest.MonkeyPatch, seen: list) -> None:
    # The engine casts every gradient back to its input's dtype, which would hide an op whose
    # backward computes in float64 (a second copy of the gradient on every call): look at
    # what each backward returns before that cast.
    def wrap(cls: type) -> None:
        original = cls.__dict__["backward"]

        def backward(ctx: Any, grad: np.ndarray) -> Any:
            result = original(ctx, grad)
            for r in result if isinstance(result, tuple) else (result,):
                if isinstance(r, np.ndarray) and grad.dtype == np.float32:
                    seen.append((cls.__name__, r.dtype))
            return result

        monkeypatch.setattr(cls, "backward", staticmethod(backward))

    for cls in _defined_functions():
        if "backward" in cls.__dict__:
            wrap(cls)


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids(GRAD_CASES))
@settings(max_examples=5, **_settings)
@given(data=st.data())
def test_backward_keeps_float32(case: OpCase, data: st.DataObject) -> None:
    arrays, params = _draw(data, case)
    seen: list = []
    with pytest.MonkeyPatch.context() as mp:
        _spy_on_backward_dtypes(mp, seen)
        outs = [o for o in _as_tuple(case.fn(*_tensors(case, arrays, mt.float32), **params))
                if isinstance(o, mt.Tensor) and o.requires_grad]
        for o in outs:
            o.sum().backward(retain_graph=True)
    upcast = sorted({name for name, dt in seen if dt == np.float64})
    assert not upcast, (f"{case.name}: backward of {upcast} computes a float32 graph's "
                        "gradient in float64")


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids(GRAD_CASES))
@settings(max_examples=GRADCHECK_EXAMPLES, **_settings)
@given(data=st.data())
def test_gradcheck(case: OpCase, data: st.DataObject) -> None:
    arrays, params = _draw(data, case)
    inputs = _tensors(case, arrays, mt.float64)
    if not any(t.requires_grad for t in inputs):
        pytest.fail(f"{case.name}: grad=True but no input requires grad")

    def op(*tensors: mt.Tensor) -> Any:
        return case.fn(*tensors, **params)

    op.__qualname__ = case.name  # gradcheck's message names the function
    assert gradcheck(op, tuple(inputs), atol=case.atol, rtol=case.rtol)


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids(GRAD_CASES))
@settings(max_examples=4, **_settings)
@given(data=st.data())
def test_reference_sweep_matches_the_engine(case: OpCase, data: st.DataObject) -> None:
    """The lecture's sweep (microtensor/reference_sweep.py) and the fast engine agree."""
    arrays, params = _draw(data, case)
    grads = []
    for engine in ("fast", "reference"):
        inputs = _tensors(case, arrays, mt.float64)
        outs = [o for o in _as_tuple(case.fn(*inputs, **params))
                if isinstance(o, mt.Tensor) and o.requires_grad]
        loss = sum((o * (1 + np.arange(o.numel()).reshape(o.shape))).sum() for o in outs)
        wanted = [t for t in inputs if t.requires_grad]
        if engine == "fast":
            got = mt.autograd.grad(loss, wanted, allow_unused=True)
            grads.append([None if g is None else g.numpy() for g in got])
        else:
            got = reference_backward([loss], [np.ones(())], create_graph=False,
                                     retain_graph=False, inputs=wanted)
            grads.append(got)
    for a, b in zip(*grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _twice(case: OpCase) -> bool:
    return all(f.twice_differentiable or f.composite is not None for f in case.functions)


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids(GRAD_CASES))
@settings(max_examples=GRADGRADCHECK_EXAMPLES, **_settings)
@given(data=st.data())
def test_gradgradcheck(case: OpCase, data: st.DataObject) -> None:
    """Second derivatives by the engine (create_graph=True) against finite differences of
    the first; an op not yet twice differentiable must say so, naming itself."""
    arrays, params = _draw(data, case)
    inputs = _tensors(case, arrays, mt.float64)

    def op(*tensors: mt.Tensor) -> Any:
        return case.fn(*tensors, **params)

    op.__qualname__ = case.name
    if not _twice(case):
        with pytest.raises(NotTwiceDifferentiable, match="Backward0: "):
            gradgradcheck(op, tuple(inputs), atol=case.atol, rtol=case.rtol)
        return
    assert gradgradcheck(op, tuple(inputs), atol=case.atol, rtol=case.rtol)


# --------------------------------------------------------------------------- coverage, docs


def _gen_ops() -> Any:
    """``docs/gen_ops.py``, loaded as a module: it knows where Functions are defined."""
    spec = importlib.util.spec_from_file_location("gen_ops", ROOT / "docs" / "gen_ops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _defined_functions() -> list[type]:
    gen_ops = _gen_ops()
    return [f for m in gen_ops.function_modules() for f in gen_ops.functions_of(m)]


def test_every_function_has_a_row() -> None:
    covered = {f for c in CASES for f in c.functions}
    missing = [f"{f.__module__}.{f.__qualname__}" for f in _defined_functions()
               if f not in covered]
    assert not missing, (
        f"{len(missing)} Function(s) appear in no op-table row's `functions` (add a row to "
        "tests/cases_<family>.py): " + ", ".join(missing)
    )


def test_every_function_states_its_math() -> None:
    bad = [f"{f.__module__}.{f.__qualname__}" for f in _defined_functions()
           if not (f.__doc__ or "").strip()]
    assert not bad, ("these Functions have no docstring, whose first line (the math and its "
                     "derivative) docs/ops.md shows: " + ", ".join(bad))


def test_docs_op_table_is_current() -> None:
    assert _gen_ops().main(["--check"]) == 0, \
        "docs/ops.md is stale: regenerate it with `python docs/gen_ops.py`"
