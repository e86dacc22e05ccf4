"""Where the boxes of a step-through page go: Graphviz ``dot`` places them, we draw them.

``dot -Tplain`` returns each box's centre and each edge's Bézier control points for
boxes of the sizes we ask for; the page draws its own SVG from those, so that every
text line is an element the page script can fill in as the steps run. Without ``dot``
a simple layered layout (inputs left, output right) is used instead.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass, field

__all__ = ["Box", "Layout", "layout"]

CHAR_W = 6.7  # px per character of the page's 11 px monospace font
LINE_H = 14.0  # px per text line
PAD_X, PAD_Y = 12.0, 6.0


@dataclass
class Box:
    id: str
    chars: int  # the widest line
    lines: int
    x: float = 0.0  # centre, px
    y: float = 0.0

    @property
    def w(self) -> float:
        return self.chars * CHAR_W + 2 * PAD_X

    @property
    def h(self) -> float:
        return self.lines * LINE_H + 2 * PAD_Y


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict[str, Box]
    edges: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)


def layout(boxes: list[Box], edges: list[tuple[str, str]], screen: tuple[float, float] = (
        1150.0, 620.0)) -> Layout:
    """Place ``boxes`` and route ``edges`` (tail, head); ``dot`` if installed.

    Inputs left and output right, unless that is too wide for ``screen`` (px) and top to
    bottom fits better (a long chain, a layer whose boxes hold matrices)."""
    dot = shutil.which("dot")
    if dot:
        try:
            wide = _dot(dot, boxes, edges, "LR")
            if wide.width <= screen[0]:
                return wide
            tall = _dot(dot, boxes, edges, "TB")

            def misfit(lay: Layout) -> float:
                return max(lay.width / screen[0], lay.height / screen[1])

            if misfit(tall) < misfit(wide):
                return tall
            return _dot(dot, boxes, edges, "LR")  # (each call moves the boxes)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    return _layered(boxes, edges)


def _dot(dot: str, boxes: list[Box], edges: list[tuple[str, str]], rankdir: str) -> Layout:
    lines = ['digraph g {', f'rankdir={rankdir}; nodesep=0.22; ranksep=0.4;',
             'node [shape=box, fixedsize=true, label=""];', 'edge [arrowsize=0.6];']
    for b in boxes:
        lines.append(f'"{b.id}" [width={b.w / 72:.3f}, height={b.h / 72:.3f}];')
    for tail, head in edges:
        lines.append(f'"{tail}" -> "{head}";')
    lines.append("}")
    out = subprocess.run([dot, "-Tplain"], input="\n".join(lines), capture_output=True,
                         text=True, timeout=30, check=True).stdout
    by_id = {b.id: b for b in boxes}
    height = width = 0.0
    routed = []
    for row in out.splitlines():
        f = shlex.split(row)
        if not f:
            continue
        if f[0] == "graph":
            width, height = float(f[2]) * 72, float(f[3]) * 72
        elif f[0] == "node":
            b = by_id[f[1]]
            b.x, b.y = float(f[2]) * 72, height - float(f[3]) * 72
        elif f[0] == "edge":
            n = int(f[3])
            pts = [(float(f[4 + 2 * j]) * 72, height - float(f[5 + 2 * j]) * 72)
                   for j in range(n)]
            routed.append((f[1], f[2], pts))
    if not routed and edges:
        raise ValueError("dot returned no edges")
    return Layout(width, height, by_id, routed)


def _layered(boxes: list[Box], edges: list[tuple[str, str]]) -> Layout:
    """Column = longest path from an input; boxes stacked in each column; straight edges."""
    by_id = {b.id: b for b in boxes}
    rank = {b.id: 0 for b in boxes}
    for _ in range(len(boxes)):  # a DAG: settles in at most len(boxes) rounds
        changed = False
        for tail, head in edges:
            if rank[head] < rank[tail] + 1:
                rank[head], changed = rank[tail] + 1, True
        if not changed:
            break
    columns: dict[int, list[Box]] = {}
    for b in boxes:
        columns.setdefault(rank[b.id], []).append(b)
    x, gap = 10.0, 40.0
    height = max(sum(b.h + 16 for b in col) for col in columns.values()) + 10
    for r in sorted(columns):
        col = columns[r]
        w = max(b.w for b in col)
        y = (height - sum(b.h + 16 for b in col)) / 2 + 8
        for b in col:
            b.x, b.y = x + w / 2, y + b.h / 2
            y += b.h + 16
        x += w + gap
    routed = []
    for tail, head in edges:
        a, c = by_id[tail], by_id[head]
        p0, p1 = (a.x + a.w / 2, a.y), (c.x - c.w / 2 - 4, c.y)
        mid = ((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2)
        routed.append((tail, head, [p0, mid, mid, p1]))
    return Layout(x - gap + 10, height, by_id, routed)
