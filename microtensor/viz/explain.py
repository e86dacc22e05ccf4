"""``explain_backward``: the chain rule, one node at a time, in the engine's order.

For every op, in the order ``backward()`` runs them: the gradient arriving at
its output (upstream), its local derivative (the first line of the op's
docstring, and for one-element tensors the number itself), and the gradient it
passes to each input — with the sum that undoes broadcasting when an input was
broadcast. Numbers are exact for one-element tensors (so a micrograd-style
example can be checked by hand) and summarized (shape, L2 norm, mean |g|)
otherwise.

It runs its own sweep over the graph with each op's ``Function.backward``, as a
second ``backward(retain_graph=True)`` would, but writes nothing: no ``.grad``,
no recorded statistics change. The graph's saved arrays must still be there:
call it before ``backward()``, or after ``backward(retain_graph=True)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Node, backward_order, unbroadcast
from ..tensor import Tensor
from .modules import resolve_names
from .style import Scale, escape, fmt_sci, fmt_shape, fmt_value, font_colour

__all__ = ["explain_backward", "Explanation", "Step", "Flow"]


@dataclass
class Flow:
    """The gradient one op passes to one of its inputs."""

    input: str  # the input's name
    leaf: bool
    local: np.ndarray | None  # d output / d input (one-element output only)
    raw: np.ndarray  # what the op's backward returned (broadcast shape)
    grad: np.ndarray  # after the engine's sum over broadcast axes and cast: what the input gets
    summed_axes: tuple[int, ...] = ()


@dataclass
class Step:
    """One op of the backward sweep."""

    index: int
    op: str
    math: str
    output: str
    upstream: np.ndarray
    flows: list[Flow] = field(default_factory=list)
    binding: str = ""  # which tensor each of the formula's letters is: "a = e, b = c"


@dataclass
class Explanation:
    """What :func:`explain_backward` returns: ``str()`` is the text walk-through,
    ``_repr_html_()`` a table for Jupyter; ``steps`` and ``leaf_grads`` hold the numbers."""

    output: str
    steps: list[Step]
    leaf_grads: dict[str, np.ndarray]
    scale: Scale

    def __str__(self) -> str:
        lines = [f"backward() from {self.output}: {len(self.steps)} op(s), in the order the "
                 "engine runs them;", "each input gets upstream × local derivative "
                 "(summed over the axes it was broadcast along).", ""]
        for s in self.steps:
            lines.append(f"[{s.index}] {s.op}: {s.math}")
            if s.binding:
                lines.append(f"    where {s.binding}")
            lines.append(f"    upstream: {_d(self.output)}/{_d(s.output)} = {num(s.upstream)}")
            for f in s.flows:
                dest = f"{f.input} (leaf: added to {f.input}.grad)" if f.leaf else f.input
                if f.local is not None and s.upstream.size == 1:
                    text = f"{num(s.upstream)} × {num(f.local)} = {num(f.raw)}"
                else:
                    text = num(f.raw)
                if f.summed_axes:
                    text += (f", summed over axes {f.summed_axes} (broadcast): "
                             f"{fmt_shape(f.raw.shape)} → {fmt_shape(f.grad.shape)}"
                             f" = {num(f.grad)}")
                lines.append(f"    → {dest}: {text}")
        lines.append("")
        lines.append("gradients reaching the leaves (what backward() adds to .grad):")
        for name, g in self.leaf_grads.items():
            lines.append(f"    {name}: {num(g)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = ("<tr><th>#</th><th>op</th><th>local derivative</th><th>upstream</th>"
                "<th>to input</th><th>upstream × local</th><th>after broadcast sum</th></tr>")
        rows = []
        for s in self.steps:
            for j, f in enumerate(s.flows or [None]):
                math = escape(s.math) + (f"<br><i>where {escape(s.binding)}</i>" if s.binding
                                         else "")
                cells = [str(s.index), escape(s.op), math, cell(s.upstream, self.scale)]
                if j:
                    cells = ["", "", "", ""]
                if f is None:
                    cells += ["", "", ""]
                else:
                    prod = num(f.raw)
                    if f.local is not None and s.upstream.size == 1:
                        prod = f"{num(s.upstream)} × {num(f.local)} = {prod}"
                    summed = (f"Σ over axes {f.summed_axes} → {num(f.grad)}"
                              if f.summed_axes else "")
                    dest = f"{f.input} (leaf)" if f.leaf else f.input
                    cells += [escape(dest), escape(prod), escape(summed)]
                rows.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>"
                                             for c in cells) + "</tr>")
        leaves = "".join(f"<tr><td>{escape(n)}</td>{cell(g, self.scale)}</tr>"
                         for n, g in self.leaf_grads.items())
        return (f"<p>backward() from <b>{escape(self.output)}</b>, in the engine's order</p>"
                f"<table>{head}{''.join(rows)}</table>"
                f"<p>gradients reaching the leaves</p><table>{leaves}</table>")


def _d(name: str) -> str:
    """``dL`` for a one-letter name, ``d(hidden)`` otherwise."""
    return f"d{name}" if len(name) == 1 else f"d({name})"


def num(a: np.ndarray) -> str:
    """Exact for one element, else a summary."""
    a = np.asarray(a)
    if a.size == 1:
        return fmt_value(a.reshape(()).item(), a.dtype)
    with np.errstate(all="ignore"):
        a64 = np.abs(a.astype(np.float64))
        return (f"{fmt_shape(a.shape)} ‖g‖ {fmt_sci(float(np.sqrt((a64 * a64).sum())))} "
                f"mean|g| {fmt_sci(float(a64.mean()))}")


def cell(a: np.ndarray, scale: Scale) -> str:
    with np.errstate(all="ignore"):
        m = float(np.abs(np.asarray(a, dtype=np.float64)).mean())
    fill = scale.colour(m)
    return (f'<td style="background:{fill};color:{font_colour(fill)}">'
            f"{escape(num(a))}</td>")


def explain_backward(output: Tensor, params: Any = None, *, gradient: Any = None,
                     max_steps: int | None = None) -> Explanation:
    """Walk the graph of ``output`` as ``backward()`` would and explain every chain-rule step.

    Args:
        output: the tensor to differentiate (usually a scalar loss).
        params: names for tensors, as in :func:`~microtensor.viz.draw_graph` (a Module, a
            dict ``name -> tensor`` or pairs); unnamed ones are called after their op.
        gradient: d output / d output for a non-scalar output (default: ones).
        max_steps: stop after this many ops (the leaves' totals then stay partial).

    Returns:
        An :class:`Explanation`; ``print()`` it, or display it in Jupyter.
    """
    if not isinstance(output, Tensor):
        torch_hint = (": it replays microtensor's own backward formulas, which a PyTorch "
                      "graph does not have; draw_graph shows a torch graph's gradients"
                      if type(output).__module__.startswith("torch") else "")
        raise TypeError(f"explain_backward: expected a microtensor Tensor, got "
                        f"{type(output).__name__}{torch_hint}")
    if output.grad_fn is None:
        raise ValueError("explain_backward: the tensor was not computed by recorded ops "
                         "(it has no grad_fn), so there is no backward to explain")
    names = resolve_names(params, "explain_backward")
    order = backward_order(output)
    index = {id(n): i for i, n in enumerate(order)}

    def name_of(node: Node | None, var: Tensor | None = None) -> str:
        if var is not None:
            return names.leaves.get(id(var), f"leaf{fmt_shape(var.shape)}")
        named = names.nodes.get(id(node))
        if named:
            return named[0]
        return f"{node.function.__name__}#{index[id(node)]}"

    root_name = names.nodes[id(order[0])][0] if id(order[0]) in names.nodes else "output"
    if gradient is None:
        if output._data.size != 1:
            raise ValueError(f"explain_backward: output has shape {output.shape}; pass "
                             "gradient= of that shape, or reduce it first (e.g. .sum())")
        g0 = np.ones_like(output._data)
    else:
        g0 = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient,
                        dtype=output.dtype).reshape(output.shape)
    grads: dict[int, np.ndarray] = {id(order[0]): g0}
    leaf_grads: dict[int, tuple[str, np.ndarray]] = {}
    steps: list[Step] = []
    for i, node in enumerate(order):
        if max_steps is not None and i >= max_steps:
            break
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if _freed(node):
            raise RuntimeError(
                f"explain_backward: {node.name()} already freed the arrays it saved "
                "(backward() ran through this graph); call explain_backward before "
                "backward(), or use backward(retain_graph=True)")
        fn = node.function
        doc = (fn.__doc__ or "").strip()
        step = Step(i, fn.__name__, doc.splitlines()[0] if doc else "",
                    root_name if i == 0 else name_of(node), g)
        step.binding = _binding(step.math, node, name_of)
        result = _as_tuple(fn.backward(node, g))
        local = None
        if g.size == 1:  # backward is linear in g: with g = 1 it returns the local derivative
            local = _as_tuple(fn.backward(node, np.ones_like(g)))
        for k, (nxt, _) in enumerate(node.next_functions):
            if nxt is None or k >= len(result) or result[k] is None:
                continue
            raw = np.asarray(result[k])
            if isinstance(nxt, Node):
                shape, dtype, var = nxt.output_shape, nxt.output_dtype, None
            else:
                var = nxt.variable
                shape, dtype = var.shape, var.dtype
            ig = unbroadcast(raw, tuple(shape)) if raw.shape != tuple(shape) else raw
            ig = ig.astype(dtype, copy=False)
            lead = raw.ndim - len(shape)
            axes = tuple(range(lead)) + tuple(lead + a for a, n in enumerate(shape)
                                              if n == 1 and raw.shape[lead + a] != 1)
            loc = None if local is None or k >= len(local) or local[k] is None \
                else np.asarray(local[k])
            step.flows.append(Flow(name_of(nxt if var is None else None, var), var is not None,
                                   loc, raw, ig, axes if raw.shape != tuple(shape) else ()))
            if var is None:
                prev = grads.get(id(nxt))
                grads[id(nxt)] = ig if prev is None else prev + ig
            else:
                prev_leaf = leaf_grads.get(id(var))
                total = ig if prev_leaf is None else prev_leaf[1] + ig
                leaf_grads[id(var)] = (name_of(None, var), total)
        steps.append(step)
    scale = Scale(reference=float(np.abs(g0).mean()) or 1.0)
    return Explanation(root_name, steps, dict(leaf_grads.values()), scale)


def _binding(math: str, node: Node, name_of: Any) -> str:
    """Match the formula's argument letters, ``f(a, b)``, to the op's actual inputs."""
    m = re.match(r"\s*\w+\(([^)]*)\)", math)
    if not m:
        return ""
    letters = [a.strip() for a in m.group(1).split(",")]
    pairs = []
    for letter, (nxt, _) in zip(letters, node.next_functions):
        if not re.fullmatch(r"\w+", letter) or nxt is None:
            continue
        name = name_of(nxt) if isinstance(nxt, Node) else name_of(None, nxt.variable)
        pairs.append((letter, name))
    if all(letter == name for letter, name in pairs):
        return ""
    return ", ".join(f"{letter} = {name}" for letter, name in pairs)


def _as_tuple(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def _freed(node: Node) -> bool:
    try:
        return node.saved_tensors is None
    except RuntimeError:  # the engine freed what the node saved
        return True
