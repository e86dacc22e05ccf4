"""``draw_graph``: the recorded graph as Graphviz, with every gradient's magnitude on it.

Tensors are rounded boxes filled with the colour of their gradient's mean |g|
on the shared log scale (:mod:`microtensor.viz.style`); ops are small white
boxes named after their Function. An edge is as wide and as coloured as the
gradient of the tensor it carries, so a signal that fades through a deep
sigmoid stack is seen as edges thinning and darkening towards the inputs.

The drawing is built from the graph alone (see :class:`~microtensor.viz.trace.Trace`):
no forward pass is rerun and nothing is rendered until you ask
(``render(dg, "graph.svg")``, or Jupyter's inline display).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from ..torch_interop import is_torch_tensor
from .collapse import module_drawing
from .draw import Drawing, Edge, Vertex, edge_tip, emit, tensor_vertex
from .modules import resolve_names
from .style import NAN_COLOUR, Scale, escape
from .trace import Culprit, Key, Trace

__all__ = ["draw_graph"]

SHOW = ("shape", "value", "grad")


def draw_graph(
    output: Tensor,
    params: Any = None,
    *,
    show: Iterable[str] = ("shape", "grad"),
    max_nodes: int = 100,
    collapse: str | None = None,
    rankdir: str = "LR",
    vanishing: float = 1e-7,
    exploding: float = 1e3,
    legend: bool = True,
    wrap: int | None = None,
    title: str | None = None,
) -> Any:
    """Draw the graph that computed ``output``, with each gradient's magnitude on it.

    Args:
        output: the tensor whose graph to draw (usually the loss), before or after
            ``backward()``. Before, tensors say "no gradient yet". A ``torch.Tensor`` is
            drawn from its ``grad_fn`` graph with PyTorch's node names; call
            :func:`~microtensor.viz.watch` on it before ``backward()`` to see the
            intermediate gradients too (see ``docs/seeing-gradients.md``).
        params: names for tensors: a Module (its ``named_parameters()``, found
            automatically), a dict ``name -> tensor`` or ``(name, tensor)`` pairs. Non-leaf
            tensors may be named too (``{"h": h}``), which also shows their value.
        show: what tensor labels hold besides the name: ``"shape"`` (shape and dtype),
            ``"value"`` (the value for one element, else mean/std/min/max, where the value
            is at hand: leaves, the output and named tensors) and ``"grad"`` (exact
            gradient for one element, else L2 norm and mean |g|).
        max_nodes: above this many vertices the module view is drawn instead, unless
            ``collapse="none"``.
        collapse: ``"module"`` draws one node per module (see ``docs/seeing-gradients.md``
            for how ops are grouped), ``"none"`` always the full graph, ``None`` chooses
            by ``max_nodes``.
        rankdir: Graphviz direction: ``"LR"`` (inputs left, loss right), ``"TB"``, ...
        vanishing, exploding: thresholds on the mean |g| relative to the output's
            gradient (1 after ``loss.backward()``); the colour scale spans them.
        legend: draw the colour scale and notes under the graph.
        wrap: in the module view, how many modules per column (row for ``"TB"``) before a
            long chain folds back; default: about a square screen.
        title: a line above the legend.

    Returns:
        A ``graphviz.Digraph``: shows inline in Jupyter; ``microtensor.viz.render(dg,
        "g.svg")`` (or ``dg.render``/``dg.pipe``) turns it into SVG, PNG or PDF.
    """
    show = tuple(show)
    unknown = [s for s in show if s not in SHOW]
    if unknown:
        raise ValueError(f"draw_graph: unknown show item(s) {unknown}; choose from {list(SHOW)}")
    if collapse not in (None, "module", "none"):
        raise ValueError(f"draw_graph: collapse must be None, 'module' or 'none', got "
                         f"{collapse!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    names = resolve_names(params, "draw_graph")
    if not isinstance(output, Tensor) and is_torch_tensor(output):
        from .torch_graph import TorchTrace  # imports torch: only when handed a torch tensor

        trace: Trace = TorchTrace(output, names, op="draw_graph")
    else:
        trace = Trace(output, names, op="draw_graph")
    scale = Scale(vanishing, exploding, trace.reference())
    module_view = collapse == "module" or (collapse is None and trace.size() > max_nodes)
    if module_view:
        drawing = module_drawing(trace, names, scale, show)
        if collapse is None:
            drawing.notes.insert(0, ("#555555", f"module view: the full graph has "
                                     f"{trace.size()} nodes (> max_nodes={max_nodes})"))
    else:
        drawing = full_drawing(trace, scale, show)
    mark_nonfinite(trace, drawing, module_view)
    drawing.notes += [("#555555", text) for text in trace.extra_notes()]
    if not trace.backwarded:
        drawing.notes.append(("#555555", "no gradient yet: backward() has not run through "
                              "this graph"))
    return emit(drawing, scale, rankdir=rankdir, legend=legend, wrap=wrap, title=title,
                module_view=module_view)


# ------------------------------------------------------------------ full view


def full_drawing(trace: Trace, scale: Scale, show: tuple[str, ...]) -> Drawing:
    d = Drawing()
    for k in trace.leaves:
        d.vertices.append(tensor_vertex(trace, ("l", k), scale, show))
    # Forward order (inputs first) gives Graphviz a sensible order to place things in.
    for i in reversed(range(len(trace.order))):
        d.vertices.append(Vertex(f"op{i}", [escape(trace.op_name(i))], op=True,
                                 tooltip=trace.math(i)))
        d.vertices.append(tensor_vertex(trace, ("n", i), scale, show))
        g = trace.grads[("n", i)]
        mag = None if g is None else g.mean_abs
        # The main line (op -> tensor -> op) is weighted so it stays straight; leaves hang off it.
        d.edges.append(Edge(f"op{i}", f"t{i}", mag, edge_tip(g), weight=4))
        for key in trace.inputs[i]:
            gin = trace.grads.get(key)
            d.edges.append(Edge(trace.vertex_id(key), f"op{i}",
                                None if gin is None else gin.mean_abs, edge_tip(gin),
                                weight=4 if key[0] == "n" else 1))
    return d


# ------------------------------------------------------------------ non-finite marking


def mark_nonfinite(trace: Trace, d: Drawing, module_view: bool) -> None:
    """Paint the first non-finite value (forward, then backward) red and say so in the legend;
    outline every other tensor holding NaN/Inf in red."""
    by_id = {v.id: v for v in d.vertices}
    of = d.group_of

    def vertex_of(key: Key) -> Vertex | None:
        if not module_view or key[0] == "l" and trace.vertex_id(key) in by_id:
            return by_id.get(trace.vertex_id(key))
        if key[0] == "l":  # a parameter inside a module node
            for i in trace.consumers.get(key, []):
                return by_id.get(f"g{of[i]}")
            return None
        return by_id.get(f"g{of[key[1]]}")

    for key in trace.nonfinite_grads() | trace.nonfinite_forward():
        v = vertex_of(key)
        if v is not None:
            v.red_border = True
    culprits: list[Culprit] = []
    for c in (trace.first_nonfinite_forward(), trace.first_nonfinite_backward()):
        if c is not None:
            culprits.append(c)
    for c in culprits:
        v = vertex_of(c.key) if c.key is not None else None
        if v is not None:
            v.red = True
        for i in c.ops:
            ov = by_id.get(f"op{i}") if not module_view else by_id.get(f"g{of[i]}")
            if ov is not None:
                ov.red_border = True
        d.notes.append((NAN_COLOUR, "first non-finite value — " + c.text))
