"""The module view: one node per module, for models too big to draw op by op.

:func:`group_ops` decides which module every op belongs to (see its docstring);
:func:`module_drawing` draws each group as one node with its gradient statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .draw import Drawing, Edge, Vertex, edge_tip, flag_row, grad_rows, small, tensor_vertex
from .modules import Names, module_prefix
from .style import Scale, escape, fmt_shape
from .trace import Key, Trace

__all__ = ["group_ops", "module_drawing"]


@dataclass
class Group:
    name: str
    type: str
    ops: list[int] = field(default_factory=list)
    params: list[tuple[str, Key]] = field(default_factory=list)


def group_ops(trace: Trace, names: Names) -> tuple[list[Group], dict[int, int]]:
    """Assign every op to a module.

    1. Ops inside a call that :func:`~microtensor.viz.track_modules` saw belong to
       that module (from its output back to its inputs).
    2. An op that reads a parameter belongs to the parameter's module
       (``"layers.3.weight"`` -> ``"layers.3"``).
    3. The remaining ops (activations, losses, reshapes ...) form groups of their own:
       an op joins the group of its only consumer when that one has no module either,
       so ``((y - t) ** 2).mean()`` is one group, named after its ops.
    """
    owner: dict[int, str] = {}
    types: dict[str, str] = dict(names.types)
    n = len(trace.order)
    for i in range(n):  # 1. tracked module calls, latest module first (engine order)
        rec = trace.module_record(i)
        if rec is None or i in owner:
            continue
        types.setdefault(rec.name, rec.type)
        stack = [i]
        while stack:
            j = stack.pop()
            if j in owner:
                continue
            owner[j] = rec.name
            for kind, k in trace.inputs[j]:
                if kind == "n" and trace.node_id(k) not in rec.input_nodes \
                        and trace.module_record(k) is None:
                    stack.append(k)
    for i in range(n):  # 2. parameters
        if i in owner:
            continue
        for kind, k in trace.inputs[i]:
            if kind == "l" and k in names.params:
                owner[i] = module_prefix(names.leaves[k])
                break
    # 3. the rest: union along single-consumer chains of ownerless ops
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        cons = trace.consumers.get(("n", i), [])
        if i not in owner and len(cons) == 1 and cons[0] not in owner:
            parent[find(i)] = find(cons[0])
    groups: dict[str, Group] = {}
    of: dict[int, int] = {}
    free: dict[int, list[int]] = {}
    for i in range(n):
        if i in owner:
            continue
        free.setdefault(find(i), []).append(i)
    # Groups in forward order: the op run first comes first.
    keyed: list[tuple[int, str, list[int]]] = []
    for i in range(n):
        if i in owner:
            keyed.append((i, owner[i], [i]))
    for ops in free.values():
        label = "→".join(trace.op_name(i) for i in sorted(ops, reverse=True))
        keyed.append((max(ops), f"~{min(ops)}:{label}", ops))
    for _, gname, ops in sorted(keyed, key=lambda x: -x[0]):
        if gname not in groups:
            if gname.startswith("~"):
                shown = gname.split(":", 1)[1]
                groups[gname] = Group(shown, "", [])
            else:
                groups[gname] = Group(gname, types.get(gname, ""), [])
        groups[gname].ops += ops
    ordered = list(groups.values())
    for gi, grp in enumerate(ordered):
        for i in grp.ops:
            of[i] = gi
            for kind, k in trace.inputs[i]:
                if kind == "l" and k in names.params and all(p[1] != ("l", k)
                                                            for p in grp.params):
                    pname = names.leaves[k]
                    short = pname[len(grp.name) + 1:] if pname.startswith(grp.name + ".") \
                        else pname
                    grp.params.append((short, ("l", k)))
    return ordered, of


def module_drawing(trace: Trace, names: Names, scale: Scale, show: tuple[str, ...]) -> Drawing:
    d = Drawing()
    groups, of = group_ops(trace, names)
    grouped_leaves = {p[1] for g in groups for p in g.params}
    for k in trace.leaves:
        if ("l", k) not in grouped_leaves:
            d.vertices.append(tensor_vertex(trace, ("l", k), scale, show))
    exits: list[int] = []
    for gi, grp in enumerate(groups):
        # The group's exit: its op whose output leaves the group (closest to the loss).
        ext = min((i for i in grp.ops
                   if any(of.get(c) != gi for c in trace.consumers.get(("n", i), []))
                   or i == 0), default=min(grp.ops))
        exits.append(ext)
        title = f"{grp.name} · {grp.type}" if grp.type and grp.type != grp.name else grp.name
        rows = [f"<B>{escape(title)}</B>"]
        main: tuple[str, Key] | None = None
        if grp.params:  # colour by the largest parameter's gradient (the weight)
            main = max(grp.params, key=lambda p: trace.numel(p[1]))
        tip = [title]
        flags: list[str] = []
        for pname, key in grp.params:
            g = trace.grads.get(key)
            shape = fmt_shape(trace.shape(key))
            tip.append(f"{pname} {shape}: " + (f"grad L2 {g.norm:.4e}, mean |g| {g.mean_abs:.4e}"
                                               if g is not None else "no gradient yet"))
            flags += trace.leaf_flags.get(key[1], [])
        out_key: Key = ("n", ext)
        gout = trace.grads.get(out_key)
        tip.append("∂/∂output: " + (f"L2 {gout.norm:.4e}, mean |g| {gout.mean_abs:.4e}"
                                    if gout is not None else "no gradient yet"))
        # Show (and colour by) the largest parameter's gradient, else the output's.
        shown = main[1] if main is not None else out_key
        label = escape(main[0]) if main is not None else "out"
        g = trace.grads.get(shown)
        if "shape" in show:
            rows.append(small(f"{label} {fmt_shape(trace.shape(shown))}"))
        if "grad" in show:
            grows = grad_rows(g, scale, trace.exact_grad(shown), trace.grad_dtype(shown),
                              trace.missing(shown))
            if "shape" not in show:
                grows[0] = f"{label} {grows[0]}"
            rows += [small(r) for r in grows]
        rows += [flag_row(f) for f in dict.fromkeys(flags)]
        d.vertices.append(Vertex(f"g{gi}", rows, None if g is None else g.mean_abs,
                                 g is not None, outline=main is None, tooltip="; ".join(tip)))
    best: dict[tuple[str, str], Edge] = {}
    for gi, grp in enumerate(groups):
        for i in grp.ops:
            for key in trace.inputs[i]:
                if key[0] == "n" and of[key[1]] != gi:
                    tail = f"g{of[key[1]]}"
                elif key[0] == "l" and key not in grouped_leaves:
                    tail = trace.vertex_id(key)
                else:
                    continue
                g = trace.grads.get(key)
                e = Edge(tail, f"g{gi}", None if g is None else g.mean_abs, edge_tip(g))
                old = best.get((tail, e.head))
                if old is None or (e.magnitude or 0) > (old.magnitude or 0):
                    best[(tail, e.head)] = e
    d.edges = list(best.values())
    d.group_of = of
    # A chain of modules (each feeding only the next) can be folded into columns.
    ids = [f"g{gi}" for gi in range(len(groups))]
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for e in d.edges:
        if e.tail.startswith("g"):
            succ.setdefault(e.tail, []).append(e.head)
            pred.setdefault(e.head, []).append(e.tail)
    if all(len(succ.get(a, [])) == 1 and succ[a][0] == b for a, b in zip(ids, ids[1:])) and \
            all(len(pred.get(b, [])) == 1 for b in ids[1:]):
        d.chain = ids
    return d
