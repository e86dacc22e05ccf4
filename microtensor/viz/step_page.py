"""The step-through page: boxes with every value, one panel per step, one HTML string.

Every number on the page is formatted here, from the arrays the recording holds
(:mod:`microtensor.viz.step_record`); the page script only shows the strings of the
step being looked at.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import numpy as np

from .step_assets import CSS, JS
from .step_layout import Box, layout
from .step_record import Flow, Recording, Step
from .style import Scale, fmt_sci, fmt_shape, fmt_value
from .trace import Key

__all__ = ["Page", "fmt_lines", "fmt_inline", "build_page"]

SMALL = 16  # tensors up to this many elements show their values; larger: shape and norm


def _num(x: float) -> str:
    return f"{x:.4g}"


def fmt_lines(a: np.ndarray) -> list[str]:
    """A tensor as text lines: one element exactly, ≤ 16 elements each to 4 digits (a matrix
    one row per line), else its shape and L2 norm."""
    a = np.asarray(a)
    if a.size == 1:
        return [fmt_value(a.reshape(()).item(), a.dtype)]
    if a.size == 0:
        return [f"{fmt_shape(a.shape)} empty"]
    if a.size > SMALL:
        with np.errstate(all="ignore"):
            norm = float(np.sqrt((a.astype(np.float64) ** 2).sum()))
        return [f"{fmt_shape(a.shape)} ‖·‖ {fmt_sci(norm)}"]
    if a.ndim <= 1:
        return ["[" + ", ".join(_num(x) for x in a.reshape(-1).tolist()) + "]"]
    rows = a.reshape(-1, a.shape[-1]).tolist()
    body = [", ".join(_num(x) for x in r) for r in rows]
    return [("[[" if j == 0 else " [") + b + ("]]" if j == len(body) - 1 else "],")
            for j, b in enumerate(body)]


def fmt_inline(a: np.ndarray) -> str:
    return " ".join(line.strip() for line in fmt_lines(a))


def _mean_abs(a: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.abs(np.asarray(a, dtype=np.float64)).mean()) if a.size else 0.0


def esc(text: str) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Page:
    """What :func:`build_page` returns: the fragment, and the strings shown per vertex."""

    fragment: str  # a self-contained <div> (style, SVG, panels, data, script)
    updates: list[dict[str, dict]]  # per state: vertex id -> what its gradient shows


def _d(name: str) -> str:
    return f"d{name}" if len(name) == 1 else f"d({name})"


def build_page(rec: Recording, names: dict[Key, str], values: dict[Key, np.ndarray],
               root_id: str, title: str) -> Page:
    trace = rec.trace
    scale = Scale(reference=_mean_abs(rec.seed) or 1.0)
    root_key = trace.root_key()
    out_name = names[root_key]

    def grad_update(key: Key, total: np.ndarray, state: str, status: str) -> dict:
        lines = fmt_lines(total)
        lines = ["grad " + lines[0]] + ["     " + x for x in lines[1:]]
        return {"lines": lines, "state": state, "status": status,
                "colour": scale.colour(_mean_abs(total))}

    # ---- what each box shows at each state
    updates: list[dict[str, dict]] = [{trace.vertex_id(root_key): grad_update(
        root_key, rec.seed, "complete", f"seed: {_d(out_name)}/{_d(out_name)}")}]
    for st in rec.steps:
        u: dict[str, dict] = {}
        for f in st.flows:
            if f.k == f.n:
                status = ("✓ .grad" if f.target[0] == "l" else "✓ complete") + (
                    f", sum of {f.n}" if f.n > 1 else "")
                u[trace.vertex_id(f.target)] = grad_update(f.target, f.total, "complete", status)
            else:
                u[trace.vertex_id(f.target)] = grad_update(f.target, f.total, "partial",
                                                           f"partial: {f.k} of {f.n}")
        updates.append(u)

    # ---- boxes
    tensor_keys: list[Key] = [("l", k) for k in trace.leaves]
    tensor_keys += [("n", i) for i in reversed(range(len(trace.order)))]
    boxes: list[Box] = []
    content: dict[str, list[tuple[str, str]]] = {}
    grad_count: dict[str, int] = {}
    for key in tensor_keys:
        vid = trace.vertex_id(key)
        dtype = str(trace.grad_dtype(key)).removeprefix("microtensor.")
        rows = [("mt-name", names[key] + ("  (leaf)" if key[0] == "l" else "")),
                ("mt-dim", f"{fmt_shape(trace.shape(key))} {dtype}")]
        if key in values:
            vl = fmt_lines(values[key])
            rows += [("", "data " + vl[0])] + [("", "     " + x) for x in vl[1:]]
        shown = [u[vid] for u in updates if vid in u]
        n_grad = max([len(s["lines"]) for s in shown] + [1])
        grad_count[vid] = n_grad
        widest = max([len(r[1]) for r in rows] + [len("grad: not yet")]
                     + [len(x) for s in shown for x in s["lines"]]
                     + [len(s["status"]) for s in shown])
        content[vid] = rows
        boxes.append(Box(vid, widest, len(rows) + n_grad + 1))
    for i, node in enumerate(trace.order):
        op = node.function.__name__
        boxes.append(Box(f"op{i}", len(op) + 1, 1))
    edges: list[tuple[str, str]] = []
    for i in reversed(range(len(trace.order))):
        for key in trace.inputs[i]:
            edges.append((trace.vertex_id(key), f"op{i}"))
        edges.append((f"op{i}", f"t{i}"))
    sums = {(trace.vertex_id(f.target), f"op{st.index}"): f.summed_axes
            for st in rec.steps for f in st.flows if f.summed_axes}
    lay = layout(boxes, edges)

    # ---- SVG
    parts = [f'<svg width="{lay.width + 16:.0f}" '
             f'height="{lay.height + 16:.0f}" viewBox="-8 -8 {lay.width + 16:.0f} '
             f'{lay.height + 16:.0f}" role="img" aria-label="{esc(title)}">'
             f'<defs><marker id="{root_id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
             'markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto">'
             '<path d="M0,0 L10,5 L0,10 z" fill="#9aa1ad"/></marker></defs>']
    for tail, head, pts in lay.edges:
        d = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"
        for j in range(1, len(pts) - 2, 3):
            d += " C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts[j:j + 3])
        tag = ""
        if (tail, head) in sums:
            mx, my = pts[len(pts) // 2]
            tag = (f'<text class="mt-sum" x="{mx:.1f}" y="{my - 4:.1f}">'
                   f"Σ axes {esc(sums[(tail, head)])}</text>")
        parts.append(f'<g class="mt-edge" data-tail="{tail}" data-head="{head}">'
                     f'<path d="{d}" marker-end="url(#{root_id}-arrow)"/>{tag}</g>')
    for i, node in enumerate(trace.order):
        b = lay.boxes[f"op{i}"]
        doc = (node.function.__doc__ or "").strip().splitlines()
        parts.append(f'<g class="mt-v mt-op" data-vid="op{i}"><title>{esc(doc[0] if doc else "")}'
                     f'</title><rect class="mt-box" x="{b.x - b.w / 2:.1f}" '
                     f'y="{b.y - b.h / 2:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="3"/>'
                     f'<text x="{b.x:.1f}" y="{b.y + 4:.1f}">{esc(node.function.__name__)}'
                     "</text></g>")
    for key in tensor_keys:
        vid = trace.vertex_id(key)
        b = lay.boxes[vid]
        x0, y0 = b.x - b.w / 2, b.y - b.h / 2
        rows = content[vid]
        g = [f'<g class="mt-v mt-tensor" data-vid="{vid}" data-state="none">'
             f"<title>{esc(names[key])}</title>"
             f'<rect class="mt-box" x="{x0:.1f}" y="{y0:.1f}" width="{b.w:.1f}" '
             f'height="{b.h:.1f}" rx="6"/><rect class="mt-stripe" x="{x0 + 1:.1f}" '
             f'y="{y0 + 1:.1f}" width="6" height="{b.h - 2:.1f}" rx="2"/>']
        texts = rows + [("mt-grad", "")] * grad_count[vid] + [("mt-gstat", "")]
        for j, (c, text) in enumerate(texts):
            y = y0 + 6 + 11 + j * 14
            g.append(f'<text class="{c}" x="{x0 + 12:.1f}" y="{y:.1f}">{esc(text)}</text>')
        g.append("</g>")
        parts.append("".join(g))
    parts.append("</svg>")
    svg = "".join(parts)

    # ---- panels
    n = len(rec.steps)
    panels = [_intro_panel(rec, names, n)]
    for s, st in enumerate(rec.steps, start=1):
        panels.append(_step_panel(rec, names, st, s, n))
    data = {"updates": updates,
            "steps": [{"op": f"op{st.index}", "out": f"t{st.index}",
                       "to": sorted({trace.vertex_id(f.target) for f in st.flows})}
                      for st in rec.steps]}
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    legend = ('<p class="mt-legend">box: <span style="background:#fff"></span>no gradient yet'
              '<span style="background:#fff6d5"></span>partial sum (more contributions to '
              'come)<span style="background:#eaf6ec"></span>complete · left stripe: mean |g| '
              "on the log colour scale of draw_graph (dark purple: vanishing, yellow: "
              "exploding) · orange: the op running now and the inputs it feeds · blue: its "
              "output, whose gradient arrives as the upstream.</p>")
    fragment = (
        f'<div class="mt-step" id="{root_id}" tabindex="0"><style>{CSS}</style>'
        f"<h2>{esc(title)}</h2>"
        '<p class="mt-intro">Backprop one op at a time, in the order microtensor\'s '
        "engine ran it. Every number was recorded during a real <code>backward()</code>.</p>"
        '<div class="mt-bar"><button class="mt-first" title="first (Home)">« first</button>'
        '<button class="mt-back" title="back (←)">◀ back</button>'
        '<button class="mt-next" title="next (→)">next ▶</button>'
        '<button class="mt-last" title="last (End)">last »</button>'
        '<span class="mt-count"></span><span class="mt-keys">keys: ← → Home End'
        "</span></div>"
        f'<div class="mt-graph">{svg}</div>{legend}{"".join(panels)}'
        f'<script type="application/json" class="mt-data">{blob}</script>'
        f"<script>{JS.replace('__ROOT_ID__', json.dumps(root_id))}</script></div>")
    return Page(fragment, updates)


def _code(a: np.ndarray) -> str:
    return f"<code>{esc(fmt_inline(a))}</code>"


def _intro_panel(rec: Recording, names: dict[Key, str], n: int) -> str:
    out = names[rec.trace.root_key()]
    return (f'<div class="mt-panel" data-step="0"><h3>Step 0 of {n}: the seed</h3>'
            f"<p><code>backward()</code> starts at <b>{esc(out)}</b> with "
            f"{esc(_d(out))}/{esc(_d(out))} = {_code(rec.seed)}. Each of the {n} step(s) "
            "runs one op's backward, in the engine's order (reverse topological: an op "
            "runs once every op that used its output has run, so the gradient it starts "
            "from is complete). It multiplies that <i>upstream</i> gradient by its local "
            "derivative and passes the product to each input; an input used more than once "
            "sums what it gets (fan-in). Press <b>next</b> or →.</p></div>")


def _step_panel(rec: Recording, names: dict[Key, str], st: Step, s: int, n: int) -> str:
    trace = rec.trace
    node = st.node
    fn = node.function
    doc = (fn.__doc__ or "").strip().splitlines()
    math = doc[0] if doc else "(no formula in the docstring)"
    out_key: Key = ("n", st.index)
    root = names[trace.root_key()]
    letters = _binding(rec, math, st, names)
    rows = []
    for f in st.flows:
        rows.append(_flow_row(rec, names, st, f))
    done = ""
    if s == n:
        leaves = "".join(f"<li><b>{esc(names[('l', k)])}</b>.grad = "
                         f"{_code(g)}</li>" for k, g in rec.leaf_grads.items())
        done = (f"<p class='mt-ok'>backward() is done: every leaf's gradient is complete and "
                f"was added to its .grad.</p><ul>{leaves}</ul>")
    return (
        f'<div class="mt-panel" data-step="{s}"><h3>Step {s} of {n}: backward of '
        f"<b>{esc(fn.__name__)}</b> <small>({esc(node.name())})</small></h3>"
        f'<div class="mt-math">{esc(math)}{letters}</div>'
        f"<p>upstream: the gradient of its output <b>{esc(names[out_key])}</b>, "
        f"{esc(_d(root))}/{esc(_d(names[out_key]))} = {_code(st.upstream)}</p>"
        '<table class="mt-flows"><tr><th>to input</th><th>upstream × local derivative = '
        "contribution</th><th>broadcast</th><th>that input's gradient now</th></tr>"
        f"{''.join(rows)}</table>{done}</div>")


def _binding(rec: Recording, math: str, st: Step, names: dict[Key, str]) -> str:
    """Which tensor each letter of the formula ``f(a, b)`` is: ``where a = w1, b = x1``."""
    m = re.match(r"\s*\w+\(([^)]*)\)", math)
    if not m:
        return ""
    letters = [a.strip() for a in m.group(1).split(",")]
    keys = iter(rec.trace.inputs[st.index])
    pairs = []
    for letter, (nxt, _) in zip(letters, st.node.next_functions):
        if nxt is None:
            continue
        key = next(keys, None)
        if key is not None and re.fullmatch(r"\w+", letter) and names[key] != letter:
            pairs.append(f"{letter} = {names[key]}")
    return f"<br><i>where {esc(', '.join(pairs))}</i>" if pairs else ""


def _flow_row(rec: Recording, names: dict[Key, str], st: Step, f: Flow) -> str:
    name = names[f.target]
    leaf = f.target[0] == "l"
    if f.mode == "scalar":
        prod = f"{_code(st.upstream)} × {_code(f.local)} = {_code(f.raw)}"
    elif f.mode == "elementwise":
        prod = (f"{_code(st.upstream)} ⊙ {_code(f.local)} = {_code(f.raw)} "
                "<small>(elementwise)</small>")
    else:
        prod = (f"{_code(f.raw)} <small>(not elementwise: the formula above applied to the "
                "upstream gradient)</small>")
    bsum = ""
    if f.summed_axes:
        bsum = (f"summed over axes {esc(f.summed_axes)} (it was broadcast): "
                f"{esc(fmt_shape(f.raw.shape))} → {esc(fmt_shape(f.grad.shape))} = "
                f"{_code(f.grad)}")
    if f.n == 1:
        now = (f"<span class='mt-ok'>✓ {esc(name)}.grad = {_code(f.total)}</span>" if leaf else
               f"<span class='mt-ok'>✓ complete: {_code(f.total)}</span>")
    else:
        parts = rec.contributions[f.target][:f.k]
        terms = " + ".join(_code(g) for _, g in parts)
        if f.k == f.n:
            what = f"{esc(name)}.grad" if leaf else "complete"
            now = (f"<span class='mt-ok'>✓ {what}: sum of {f.n} contributions (steps "
                   f"{', '.join(str(i + 1) for i, _ in parts)}): {terms} = "
                   f"{_code(f.total)}</span>")
        else:
            sofar = terms if f.k == 1 else f"{terms} = {_code(f.total)}"
            now = f"<span class='mt-part'>partial, {f.k} of {f.n}: {sofar}</span>"
    dest = f"<b>{esc(name)}</b>" + (" <small>(leaf)</small>" if leaf else "")
    return f"<tr><td>{dest}</td><td>{prod}</td><td>{bsum}</td><td>{now}</td></tr>"
