"""The drawing model every view shares, and how it becomes Graphviz.

A view (the full graph, the module view, the gradient-flow diagram) builds a
:class:`Drawing`: vertices with HTML label rows and a gradient magnitude, edges
with the magnitude they carry, and legend notes. :func:`emit` turns it into a
``graphviz.Digraph`` with the shared colour scale, edge widths and legend,
folding a long chain of modules into columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..autograd import GradSummary
from .style import (
    NAN_COLOUR,
    NO_GRAD_COLOUR,
    STALE_COLOUR,
    Scale,
    colour_at,
    escape,
    fmt_sci,
    fmt_shape,
    fmt_value,
    font_colour,
)
from .trace import Key, Trace

__all__ = ["Vertex", "Edge", "Drawing", "emit", "tensor_vertex", "grad_rows", "FONT"]

FONT = "Helvetica"


# ------------------------------------------------------------------ the drawing model


@dataclass
class Vertex:
    """One box of a drawing."""

    id: str
    rows: list[str]  # HTML rows
    magnitude: float | None = None  # mean |g|, for the colour
    has_grad: bool = True  # False: draw as "no gradient yet"
    op: bool = False
    red: bool = False  # holds or produced the first non-finite value
    red_border: bool = False  # holds a non-finite value
    outline: bool = False  # white, with a border in the gradient's colour (modules w/o weights)
    dashed: bool = False  # a stale gradient
    tooltip: str = ""


@dataclass
class Edge:
    tail: str
    head: str
    magnitude: float | None
    tooltip: str = ""
    weight: int = 1  # Graphviz keeps heavier edges short and straight


@dataclass
class Drawing:
    vertices: list[Vertex] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (colour, text) legend lines
    chain: list[str] | None = None  # vertex ids forming one chain, for the wrapped layout
    group_of: dict[int, int] = field(default_factory=dict)  # module view: op -> group


def grad_rows(g: GradSummary | None, scale: Scale, exact: float | None = None,
              dtype: Any = None, none_text: str = "no gradient yet") -> list[str]:
    """The gradient's lines of a label: exact value for one number, else norm and mean |g|."""
    if g is None:
        return [f"<I>{none_text}</I>"]
    verdict = scale.verdict(g.mean_abs) if g.finite else "nonfinite"
    mark = {"vanishing": " ▼", "exploding": " ▲"}.get(verdict, "")
    if exact is not None:
        rows = [f"grad = {escape(fmt_value(exact, dtype))}{mark}"]
    else:
        rows = [f"‖g‖ {fmt_sci(g.norm)}", f"mean|g| {fmt_sci(g.mean_abs)}{mark}"]
    if verdict == "nonfinite":
        rows.append(f"<B>NaN/Inf in {g.nonfinite} of {g.size}</B>")
    return rows


def small(text: str) -> str:
    return f'<FONT POINT-SIZE="9">{text}</FONT>'


def flag_row(text: str) -> str:
    """A warning line, on white so it reads on any fill colour."""
    return (f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" BGCOLOR="#ffffff"><TR><TD>'
            f'<FONT POINT-SIZE="9" COLOR="{STALE_COLOUR}"><B>{escape(text)}</B></FONT>'
            "</TD></TR></TABLE>")


def html_label(rows: list[str]) -> str:
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


# ------------------------------------------------------------------ tensor labels


def tensor_vertex(trace: Trace, key: Key, scale: Scale, show: tuple[str, ...]) -> Vertex:
    """A tensor's box: name, shape and dtype, value, gradient statistics, warnings."""
    name = trace.name(key)
    if key == trace.root_key() and not name:
        name = "output"
    shape = trace.shape(key)
    dtype = trace.grad_dtype(key)
    rows = [f"<B>{escape(name)}</B>"] if name else []
    if "shape" in show:
        rows.append(small(f"{fmt_shape(shape)} {dtype or ''}".rstrip()))
    value = trace.value_text(key) if "value" in show else None
    if value is not None:
        rows.append(small(escape(value)))
    g = trace.grads.get(key)
    if "grad" in show:
        rows += [small(r) for r in grad_rows(g, scale, trace.exact_grad(key), dtype,
                                             trace.missing(key))]
    flags = trace.leaf_flags.get(key[1], []) if key[0] == "l" else []
    rows += [flag_row(f) for f in flags]
    stale = any(f.startswith("stale") for f in flags)
    if not rows:
        rows = [small(fmt_shape(shape))]
    tip = f"{name or 'tensor'} {fmt_shape(shape)} {dtype or ''}".rstrip()
    if g is not None:
        tip += (f"; grad L2 = {g.norm:.6e}, mean |g| = {g.mean_abs:.6e}"
                + (f", max |g| = {g.max_abs:.6e}" if g.max_abs is not None else ""))
    return Vertex(trace.vertex_id(key), rows, None if g is None else g.mean_abs, g is not None,
                  dashed=stale, tooltip=tip)


def edge_tip(g: GradSummary | None) -> str:
    if g is None:
        return "no gradient yet"
    return f"gradient along this edge: L2 {g.norm:.3e}, mean |g| {g.mean_abs:.3e}"


# ------------------------------------------------------------------ Graphviz output


def legend_label(scale: Scale, notes: list[tuple[str, str]], title: str | None,
                 what: str) -> str:
    """The legend (Graphviz's graph label): the colour bar, what colour and width mean,
    and the drawing's notes (non-finite values, stale gradients ...)."""
    ticks = scale.ticks()
    swatches = "".join(f'<TD BGCOLOR="{colour_at(scale.position(t * scale.reference))}" '
                       f'WIDTH="40" HEIGHT="12"></TD>' for t in ticks)
    labels = "".join(f'<TD><FONT POINT-SIZE="8">{fmt_sci(t, 1)}</FONT></TD>' for t in ticks)
    bar = (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
           f'<TR><TD><FONT POINT-SIZE="9">vanishing ▼ </FONT></TD>{swatches}'
           f'<TD><FONT POINT-SIZE="9"> ▲ exploding</FONT></TD></TR>'
           f'<TR><TD></TD>{labels}<TD></TD></TR></TABLE>')
    rows = []
    if title:
        rows.append(f"<TR><TD><B>{escape(title)}</B></TD></TR>")
    rows += [
        f'<TR><TD><FONT POINT-SIZE="9">{what}<BR/>▼ vanishing: below '
        f"{fmt_sci(scale.vanishing, 1)} · ▲ exploding: above {fmt_sci(scale.exploding, 1)}"
        "</FONT></TD></TR>",
        f"<TR><TD>{bar}</TD></TR>",
        '<TR><TD><FONT POINT-SIZE="9">edge width grows with log mean |g| of the gradient '
        "along it · grey dashed: no gradient yet<BR/>"
        f'<FONT COLOR="{NAN_COLOUR}">red: NaN/Inf</FONT> · '
        f'<FONT COLOR="{STALE_COLOUR}">Σn: .grad sums n backward passes</FONT>'
        "</FONT></TD></TR>",
    ]
    for colour, text in notes:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{colour}">'
                    f"{escape(text)}</FONT></TD></TR>")
    body = "".join(rows)
    return (f'<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="2">{body}</TABLE>>')


def vertex_attrs(v: Vertex, scale: Scale) -> dict[str, str]:
    if v.op:
        attrs = {"shape": "box", "style": "filled", "fillcolor": "#ffffff", "color": "#666666",
                 "fontsize": "9", "height": "0.25", "margin": "0.04,0.02"}
    elif v.outline and v.has_grad:
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff",
                 "color": scale.colour(v.magnitude), "penwidth": "3"}
    else:
        fill = scale.colour(v.magnitude) if v.has_grad else NO_GRAD_COLOUR
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": fill,
                 "fontcolor": font_colour(fill), "color": "#444444"}
        if not v.has_grad or v.dashed:
            attrs["style"] = "rounded,filled,dashed"
    if v.red:
        attrs.update(fillcolor=NAN_COLOUR, fontcolor="#ffffff", color=NAN_COLOUR,
                     penwidth="3")
    elif v.red_border:
        attrs.update(color=NAN_COLOUR, penwidth="2.5")
    if v.tooltip:
        attrs["tooltip"] = v.tooltip
    return attrs


def edge_attrs(e: Edge, scale: Scale) -> dict[str, str]:
    attrs = {"weight": str(e.weight)} if e.weight != 1 else {}
    if e.magnitude is None:
        return {**attrs, "color": "#aaaaaa", "style": "dashed", "penwidth": "0.8"}
    colour = NAN_COLOUR if not math.isfinite(e.magnitude) else scale.colour(e.magnitude)
    attrs.update(color=colour, penwidth=str(scale.penwidth(e.magnitude)))
    if e.tooltip:
        attrs["tooltip"] = e.tooltip
    return attrs


def auto_wrap(n: int, rankdir: str) -> int:
    """Modules per column (``"LR"``) or row (``"TB"``) of a folded chain, so that boxes about
    2.4 times wider than tall fill a 16:9 screen: about 1.35 rows per column."""
    if n <= 12:  # short enough for one line
        return n
    if rankdir in ("LR", "RL"):
        return max(6, math.ceil(math.sqrt(1.1 * n)))
    return max(4, math.ceil(math.sqrt(n / 1.1)))


def colour_text(scale: Scale, module_view: bool) -> str:
    """The legend's first line: what a colour measures."""
    ref = f"relative to the output's gradient (mean |g| {fmt_sci(scale.reference)})"
    if module_view:
        return ("fill: the mean |g| of the gradient of each module's largest parameter (its "
                f"weight), {ref};<BR/>a module without parameters (activation, loss) is "
                "outlined in the colour of the gradient at its output (out)")
    return f"colour: the mean |g| of each tensor's gradient, {ref}"


def emit(d: Drawing, scale: Scale, *, rankdir: str, legend: bool, wrap: int | None,
         title: str | None, module_view: bool, what: str | None = None) -> Any:
    import graphviz

    dg = graphviz.Digraph("microtensor")
    dg.attr(rankdir=rankdir, fontname=FONT, nodesep="0.12", ranksep="0.25",
            labelloc="b", labeljust="l")
    # A wide margin: a browser's font can run wider than the metrics dot laid the label out with.
    dg.attr("node", fontname=FONT, fontsize="10", margin="0.12,0.05", height="0.3")
    dg.attr("edge", arrowsize="0.5", fontname=FONT)
    if legend:
        dg.attr(label=legend_label(scale, d.notes, title,
                                   what or colour_text(scale, module_view)))
    for v in d.vertices:
        dg.node(v.id, html_label(v.rows) if not v.op else v.rows[0], **vertex_attrs(v, scale))
    folded: set[tuple[str, str]] = set()
    chain = d.chain
    per = wrap or (auto_wrap(len(chain), rankdir) if chain else 0)
    if module_view and chain and len(chain) > per:
        columns = [chain[i:i + per] for i in range(0, len(chain), per)]
        for col in columns:
            with dg.subgraph() as s:
                s.attr(rank="same")
                for v in col:
                    s.node(v)
            # Alternate columns run backwards (a snake), so each fold is a short edge.
            for a, b in zip(col, col[1:]):
                folded.add((a, b))
        for e in d.edges:
            if (e.tail, e.head) in folded:
                c = next(ci for ci, col in enumerate(columns) if e.tail in col)
                attrs = edge_attrs(e, scale)
                if c % 2:
                    dg.edge(e.head, e.tail, dir="back", **attrs)
                else:
                    dg.edge(e.tail, e.head, **attrs)
            else:
                dg.edge(e.tail, e.head, **edge_attrs(e, scale))
        return dg
    for e in d.edges:
        dg.edge(e.tail, e.head, **edge_attrs(e, scale))
    return dg
