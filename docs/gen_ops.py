"""Write docs/ops.md: every differentiable op, its public names, its math and derivative.

Usage (from the repository root)::

    python docs/gen_ops.py          # regenerate docs/ops.md
    python docs/gen_ops.py --check  # exit 1 if docs/ops.md is stale (tests/test_ops.py runs this)

Each ``Function`` subclass defined in a ``microtensor.ops.*`` module (and in
``microtensor.nn.functional``, if that exists) becomes one table row. The math
column is the first line of the Function's docstring. The public names are
found by reading the source with ``ast``: a public function is listed under a
Function when its body names the Function (``Mul.apply``, ``fn = Max``, not
``op is Div``), directly or through private helpers; a Tensor method or
operator (and an ``nn.functional`` function) also through the public op
function it hands over to (``Tensor.exp`` calls ``elementwise.exp``). When a
function reaches several Functions, some named after it, those named after
another function are dropped (``max`` and ``min`` share a helper).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import microtensor
import microtensor.ops
from microtensor.autograd import Function
from microtensor.tensor import Tensor

OUT = Path(__file__).resolve().parent / "ops.md"

INTRO = """\
# Op table

Every differentiable op in microtensor is one `Function` subclass, with its
forward and backward side by side (`microtensor/ops/`). This page lists them
all, one table per op family: the Function, the public functions, Tensor methods
(`.name`) and operators that reach it, and the math with its derivative.

This file is generated from each Function's docstring (its first line is the
math) by `docs/gen_ops.py`; do not edit it by hand. Regenerate it with

    python docs/gen_ops.py

`tests/test_ops.py` fails when this file is stale, when a Function has no row
in the op-test table (`tests/cases_*.py`), and when a derivative disagrees with
finite differences (`microtensor.gradcheck`). In the math, `f` is the output
and `G` the gradient arriving from above; the engine sums every gradient back
over broadcast axes, so each formula is the textbook one.

Check any op yourself the way the tests do, in float64:

```python
import microtensor as mt
from microtensor.gradcheck import gradcheck

x = mt.randn(2, 3, dtype=mt.float64, requires_grad=True)
w = mt.randn(3, dtype=mt.float64, requires_grad=True)
assert gradcheck(lambda x, w: mt.tanh(x @ w), (x, w))
```
"""

# Operators as a reader writes them, for the Tensor methods that implement them.
OPERATORS = {
    "__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
    "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__pow__": "**",
    "__rpow__": "**", "__matmul__": "@", "__rmatmul__": "@", "__neg__": "-x",
    "__abs__": "abs(x)", "__getitem__": "x[i]", "__setitem__": "x[i] = v", "__iadd__": "+=",
    "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/=", "__ipow__": "**=",
    "__imatmul__": "@=",
}


# --------------------------------------------------------------------------- discovery


def function_modules() -> list[types.ModuleType]:
    """``microtensor.ops.*`` in name order, then ``microtensor.nn.functional`` if present."""
    modules = [importlib.import_module(f"microtensor.ops.{m.name}")
               for m in sorted(pkgutil.iter_modules(microtensor.ops.__path__),
                               key=lambda m: m.name)]
    nn_dir = Path(microtensor.__file__).parent / "nn"
    if (nn_dir / "functional.py").exists() or (nn_dir / "functional" / "__init__.py").exists():
        modules.append(importlib.import_module("microtensor.nn.functional"))
    return modules


def functions_of(module: types.ModuleType) -> list[type]:
    """The Function subclasses a module defines, in the order it defines them."""
    return [obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function
            and obj.__module__ == module.__name__]


def _is_public(fn: types.FunctionType) -> bool:
    # By name, not by __all__: ``to_dtype`` or ``fill_inplace`` is an entry point of its own
    # (Tensor methods call it), not a detail of every op function that happens to use it.
    return not fn.__name__.startswith("_")


def _in_scope(obj: Any) -> bool:
    # Only microtensor's own functions are followed (not NumPy's, not the engine's).
    return isinstance(obj, types.FunctionType) and obj.__module__.startswith("microtensor.") \
        and obj.__module__ not in ("microtensor.autograd", "microtensor.tensor")


class Uses:
    """Which Functions a function reaches, found by reading its source."""

    def __init__(self) -> None:
        self._memo: dict[Any, frozenset] = {}

    def of(self, fn: types.FunctionType) -> frozenset:
        """Functions that ``fn`` applies itself or through private helpers.

        A public function it calls is a separate op (``add(alpha=...)`` calls ``mul``) and
        is not followed.
        """
        if fn in self._memo:
            return self._memo[fn]
        self._memo[fn] = frozenset()  # a cycle contributes nothing new
        found: set[type] = set()
        for obj, compared in _references(fn):
            if _is_function_class(obj):
                if not compared:  # ``op is Div`` tests which op it was given; it applies none
                    found.add(obj)
            elif _in_scope(obj) and obj is not fn and not _is_public(obj):
                found |= self.of(obj)
        self._memo[fn] = frozenset(found)
        return self._memo[fn]

    def delegated(self, fn: types.FunctionType) -> frozenset:
        """:meth:`of`, plus what the public op functions ``fn`` hands over to do.

        For Tensor methods and ``nn.functional``, which delegate to the ops
        (``Tensor.exp`` calls ``elementwise.exp``).
        """
        found = set(self.of(fn))
        for obj, _ in _references(fn):
            if _in_scope(obj) and obj is not fn and _is_public(obj) \
                    and obj.__module__.startswith("microtensor.ops."):
                found |= self.of(obj)
        return frozenset(found)


def _is_function_class(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function


def _references(fn: types.FunctionType) -> list[tuple[Any, bool]]:
    """Objects a function's body names, each with: is it an operand of a comparison?"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    scope = fn.__globals__
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    refs = []
    for node in ast.walk(tree):
        obj = _resolve(node, scope)
        if obj is not None:
            refs.append((obj, isinstance(parents.get(id(node)), ast.Compare)))
    return refs


def _resolve(node: ast.AST, scope: dict) -> Any:
    """The object a Name or a ``module.attr`` node names (None for anything else)."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute)):
        base = _resolve(node.value, scope)  # ``_ops.elementwise.Exp``: modules all the way
        if isinstance(base, types.ModuleType):
            return getattr(base, node.attr, None)
    return None


def _key(name: str) -> str:
    return name.replace("_", "").lower()


def _named_after(found: frozenset, name: str, owners: set[str]) -> frozenset:
    """Drop from ``found`` the Functions that belong to another function than ``name``.

    A helper shared by two ops reaches both (``max`` and ``min`` share one that holds
    ``Max`` and ``Min``). When some of the Functions are named after ``name`` (``pow``:
    ``Pow``, ``PowScalar``, ``RPowScalar``), those named after another function (``Min``
    after ``min``, ``ToDtype`` after ``to_dtype``) are dropped; the rest stay
    (``getitem`` keeps ``Index``). A name matching none (``masked_fill``) keeps them all.
    """
    key = _key(name)
    named = {c for c in found if key and key in c.__name__.lower()}
    if not named:
        return found
    return frozenset(named | {c for c in found if c.__name__.lower() not in owners})


def public_names(modules: list[types.ModuleType]) -> dict[type, list[str]]:
    """For each Function: the public functions, then Tensor methods and operators, reaching it."""
    uses = Uses()
    names: dict[type, list[str]] = {}

    def add(found: frozenset, name: str) -> None:
        for cls in found:
            lst = names.setdefault(cls, [])
            if name not in lst:
                lst.append(name)

    # Every public function name, squashed (to_dtype -> todtype), to recognise whose a Function is.
    owners = {_key(n) for m in modules for n, f in vars(m).items()
              if isinstance(f, types.FunctionType) and not n.startswith("_")}
    listed = set()
    for module in modules:
        functional = module.__name__ == "microtensor.nn.functional"
        for name in getattr(module, "__all__", ()):
            fn = getattr(module, name, None)
            if not isinstance(fn, types.FunctionType):
                continue
            if functional:
                add(_named_after(uses.delegated(fn), name, owners), "F." + name)
            else:
                listed.add(name)
                add(_named_after(uses.of(fn), name, owners), name)
    seen = set()  # a method under a second name (clip = clamp) is listed once
    methods = {}  # Tensor's own and its mixins' (microtensor/tensor/), the class's first
    for cls in reversed(Tensor.__mro__):
        methods.update(vars(cls))
    for name, fn in methods.items():
        if not isinstance(fn, types.FunctionType) or fn in seen:
            continue
        seen.add(fn)
        if name.startswith("__"):
            if name in OPERATORS:
                add(uses.delegated(fn), OPERATORS[name])
        elif not name.startswith("_") and name not in listed:
            # A method mirroring a listed function (x.exp() and exp(x)) adds nothing.
            add(_named_after(uses.delegated(fn), name, owners), "." + name)
    return names


# --------------------------------------------------------------------------- rendering


def _math(cls: type) -> str:
    lines = (cls.__doc__ or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def _code(text: str) -> str:
    """``text`` as a Markdown code span that is safe inside a table cell."""
    text = text.replace("``", "").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _summary(module: types.ModuleType) -> str:
    """The module docstring's first paragraph, on one line."""
    paragraph = (module.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("``", "`")


def render() -> str:
    modules = function_modules()
    names = public_names(modules)
    parts = [INTRO]
    for module in modules:
        classes = functions_of(module)
        if not classes:
            continue
        short = module.__name__.removeprefix("microtensor.ops.")
        parts.append(f"\n## {short}\n")
        summary = _summary(module)
        if summary:
            parts.append(f"\n{summary} (`{module.__name__}`)\n")
        parts.append("\n| Function | public function(s) | math & derivative |\n")
        parts.append("| --- | --- | --- |\n")
        for cls in classes:
            public = ", ".join(_code(n) for n in names.get(cls, [])) or "—"
            math = _code(_math(cls)) if _math(cls) else "**no docstring**"
            parts.append(f"| `{cls.__name__}` | {public} | {math} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/ops.md from the ops' docstrings.")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/ops.md differs from what would be generated")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(),
                                    "docs/ops.md", "generated", lineterm="", n=0)
        shown = list(diff)[:30]
        print("docs/ops.md is stale (it does not match the ops' docstrings); regenerate it "
              "with `python docs/gen_ops.py`. Differences:\n" + "\n".join(shown),
              file=sys.stderr)
        return 1
    tmp = OUT.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
