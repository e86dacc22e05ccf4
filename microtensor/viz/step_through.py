"""``step_through``: backprop one op at a time, in the browser or inline in Jupyter.

What a lecturer does on the whiteboard — fill in the gradient of one node after
another, each as upstream × local derivative — as a page a student clicks through:
"next" (→) runs the next op's backward in the engine's order and fills in each
input's gradient; "back" (←) undoes it. A leaf's ``.grad`` appears when its last
contribution arrives; where gradients fan in, the page shows the sum; where an input
was broadcast, the sum over the broadcast axes.

The numbers are recorded during one real ``backward()`` (see
:mod:`microtensor.viz.step_record`); the page only shows them. It is one
self-contained HTML file: inline SVG laid out by Graphviz's ``dot`` (or a simple
layered layout without it), inline CSS and script, nothing fetched.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..atomic_file import fspath, write_atomically
from ..tensor import Tensor
from .modules import resolve_names
from .step_page import Page, build_page
from .step_record import Recording, record_backward, record_forward
from .trace import Key, Trace

__all__ = ["step_through", "StepThrough", "from_script", "SCRIPT_CONVENTION"]

SCRIPT_CONVENTION = """\
The script is run (as a module named __step_through__, so an
`if __name__ == "__main__":` block is skipped) and must define one of:
  forward   a function of no arguments returning the output tensor, or
            (output, {"name": tensor, ...}) to name intermediate tensors;
            every box then shows its value (preferred);
  out, loss a tensor whose backward() has not run yet.
--name picks another variable. Optional: params, a Module or a dict
name -> tensor naming the leaves (as viz.draw_graph's params). Example:

    import microtensor as mt
    x = mt.tensor(3.0, requires_grad=True)
    params = {"x": x}
    def forward():
        return x * x + x
"""


class StepThrough:
    """What :func:`step_through` returns: shows inline in Jupyter, ``.save(path)`` writes
    the page.

    Attributes:
        recording: the steps, in the engine's order, with every array shown.
        names: the name shown for each tensor, by the page's vertex id (``t3``, ``leaf0``).
        title: the page's heading.
    """

    def __init__(self, recording: Recording, page: Page, names: dict[str, str],
                 title: str) -> None:
        self.recording = recording
        self._page = page
        self.names = names
        self.title = title

    def __len__(self) -> int:
        """The number of steps (ops run by backward)."""
        return len(self.recording.steps)

    def _repr_html_(self) -> str:
        return self._page.fragment

    def html(self) -> str:
        """The whole page: one self-contained HTML document."""
        return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{_esc(self.title)}</title></head>"
                '<body class="mt-page" style="margin:16px 20px;background:#fff">'
                f"{self._page.fragment}</body></html>\n")

    def save(self, path: str | os.PathLike) -> str:
        """Write the page to ``path`` (whole or not at all); return the path."""
        path = fspath(path, "step_through.save")
        data = self.html().encode("utf-8")
        write_atomically(path, lambda f: f.write(data))
        return path

    def shown_grads(self, step: int | None = None) -> dict[str, tuple[str, list[str]]]:
        """What each tensor box shows after ``step`` steps (default: all): vertex id ->
        (state, gradient text lines); state is ``"partial"`` or ``"complete"``. The page's
        script picks exactly these strings."""
        upto = len(self) if step is None else step
        shown: dict[str, tuple[str, list[str]]] = {}
        for u in self._page.updates[:upto + 1]:
            for vid, s in u.items():
                shown[vid] = (s["state"], s["lines"])
        return shown

    def __repr__(self) -> str:
        return f"<StepThrough {self.title!r}: {len(self)} steps>"


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def step_through(output: Tensor | Callable[[], Any], params: Any = None, *,
                 gradient: Any = None, retain_graph: bool = False,
                 title: str | None = None) -> StepThrough:
    """Run ``backward()`` once, recording every chain-rule step, and build the page.

    Args:
        output: the tensor to differentiate (usually a scalar loss), or a function of no
            arguments that computes it, returning the tensor or ``(tensor, names)`` with
            ``names`` a dict ``name -> tensor`` for intermediate tensors. With a function
            every box shows its value; with a tensor only the leaves, the output and the
            tensors named in ``params`` do (the graph keeps no other values).
        params: names for tensors, as in :func:`~microtensor.viz.draw_graph`: a Module, a
            dict ``name -> tensor`` or ``(name, tensor)`` pairs. Unnamed leaves are called
            ``leaf0``, ``leaf1`` ..., unnamed op outputs after their op (``Mul#3``).
        gradient: d output / d output for a non-scalar output (default: ones).
        retain_graph: keep the graph's saved arrays after the pass (as ``backward``).
        title: the page's heading.

    Returns:
        A :class:`StepThrough`: displays inline in Jupyter; ``.save("page.html")``.

    This *is* a ``backward()``: it adds the gradients into the leaves' ``.grad`` as
    ``output.backward()`` would. Call it instead of ``backward()``, not after it (the
    graph's saved arrays are freed by then), or after ``backward(retain_graph=True)``.
    """
    named: Mapping[str, Any] = {}
    values_by_node: dict[int, np.ndarray] = {}
    if callable(output) and not isinstance(output, Tensor):
        result, values_by_node = record_forward(output)
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Mapping):
            result, named = result
        output = result
    if not isinstance(output, Tensor):
        hint = (": it records microtensor's own backward; draw_graph shows a PyTorch graph"
                if type(output).__module__.startswith("torch") else "")
        raise TypeError(f"step_through: expected a microtensor Tensor or a function returning "
                        f"one, got {type(output).__name__}{hint}")
    if output.grad_fn is None:
        raise ValueError("step_through: the tensor was not computed by recorded ops (it has "
                         "no grad_fn), so there is no backward to step through; create the "
                         "inputs with requires_grad=True")
    if gradient is None and output.numel() != 1:
        raise ValueError(f"step_through: output has shape {tuple(output.shape)}; pass "
                         "gradient= of that shape, or reduce it first (e.g. .sum())")
    pairs = list(_pairs(params)) + list(named.items())
    names = resolve_names(pairs or None, "step_through")
    trace = Trace(output, names, op="step_through")
    try:
        rec = record_backward(output, trace, gradient, retain_graph)
    except RuntimeError as e:
        if "second time" in str(e):
            raise RuntimeError("step_through: backward() already ran through this graph and "
                               "freed what it saved; call step_through(loss) instead of "
                               "loss.backward(), or after loss.backward(retain_graph=True)"
                               ) from None
        raise
    key_names = _names(trace)
    values: dict[Key, np.ndarray] = {}
    for k, t in trace.leaves.items():
        values[("l", k)] = t._data
    for i, node in enumerate(trace.order):
        if id(node) in values_by_node:
            values[("n", i)] = values_by_node[id(node)]
        elif id(node) in names.nodes:
            values[("n", i)] = names.nodes[id(node)][1]._data
    values[trace.root_key()] = output._data
    heading = title or f"Step through backward() of {key_names[trace.root_key()]}"
    page = build_page(rec, key_names, values, "__MTID__", heading)
    root_id = "mtst-" + hashlib.sha1(page.fragment.encode("utf-8")).hexdigest()[:10]
    page.fragment = page.fragment.replace("__MTID__", root_id)
    return StepThrough(rec, page, {trace.vertex_id(k): v for k, v in key_names.items()},
                       heading)


def _pairs(params: Any) -> list:
    if params is None:
        return []
    if hasattr(params, "named_parameters"):
        return list(params.named_parameters())
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)


def _names(trace: Trace) -> dict[Key, str]:
    """A name for every tensor of the page."""
    out: dict[Key, str] = {}
    for k in trace.leaves:
        out[("l", k)] = trace.name(("l", k)) or f"leaf{trace.leaf_pos[k]}"
    for i in range(len(trace.order)):
        key: Key = ("n", i)
        out[key] = trace.name(key) or ("output" if i == 0 else f"{trace.op_name(i)}#{i}")
    return out



def from_script(path: str | os.PathLike, name: str | None = None,
                title: str | None = None) -> StepThrough:
    """Run a script and step through the backward of what it defines (see
    :data:`SCRIPT_CONVENTION`): ``forward``, else ``out``, else ``loss``, or ``name``."""
    import runpy

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"step-through: no such script: {path!r}")
    scope = runpy.run_path(path, run_name="__step_through__")
    wanted = [name] if name else ["forward", "out", "loss"]
    found = next((n for n in wanted if n in scope), None)
    if found is None:
        raise ValueError(f"step-through: {path} defines none of {', '.join(wanted)}; define "
                         "forward() returning the output tensor, or a tensor out")
    stem = os.path.splitext(os.path.basename(path))[0]
    return step_through(scope[found], scope.get("params"),
                        title=title or f"Step through backward() of {stem}.py ({found})")
