"""Gradient flow through a model's layers: a Graphviz diagram and a matplotlib bar chart.

Both read only the parameters' ``.grad`` (so they work after any backward, with
gradient recording on or off) and use the shared colour scale, relative to 1:
the gradient of a scalar loss with respect to itself.
"""

from __future__ import annotations

import math
from typing import Any

from .draw import Drawing, Edge, Vertex, emit, flag_row, grad_rows, small
from .modules import l2_norm, layers_of, numel
from .record import leaf_grad_flags, leaf_grad_summary
from .style import Scale, escape, fmt_sci, fmt_shape

__all__ = ["gradient_flow", "plot_gradient_flow", "layer_stats"]


def layer_stats(model: Any, lr: float | None = None, op: str = "gradient_flow") -> list[dict]:
    """Per layer with parameters, in the model's order: name, type, and for its main
    (largest) parameter the gradient's L2 norm, mean |g|, max |g|, the weight's L2 norm, and
    ``lr · ‖g‖ / ‖w‖`` (the relative size of a plain SGD step) when ``lr`` is given."""
    rows = []
    for layer in layers_of(model, op):
        pname, p = max(layer.params, key=lambda kv: numel(kv[1]))
        g = leaf_grad_summary(p)
        w_norm = l2_norm(p)
        ratio = None
        if lr is not None and g is not None and w_norm > 0:
            ratio = lr * g.norm / w_norm
        flags: list[str] = []
        for _, q in layer.params:
            flags += leaf_grad_flags(q, True, None)
        rows.append({"name": layer.name, "type": layer.type, "param": pname,
                     "shape": tuple(p.shape), "grad": g, "weight_norm": w_norm,
                     "update_ratio": ratio, "flags": list(dict.fromkeys(flags)),
                     "params": layer.params})
    return rows


def gradient_flow(model: Any, lr: float | None = None, *, vanishing: float = 1e-7,
                  exploding: float = 1e3, rankdir: str = "LR", wrap: int | None = None,
                  legend: bool = True, title: str | None = None) -> Any:
    """The layers of ``model`` in order, each with its weight gradient's statistics.

    Args:
        model: a Module (its ``named_parameters()``) or a dict ``name -> parameter``;
            parameters are grouped by module (``"fc1.weight"`` -> ``fc1``).
        lr: the optimizer's learning rate: adds ``update/weight = lr·‖g‖/‖w‖`` (the
            relative size of a plain SGD step; around 1e-3 is the usual rule of thumb).
        vanishing, exploding: thresholds of the shared colour scale on mean |g| (relative
            to 1, the gradient of a scalar loss).
        rankdir, wrap, legend, title: as in :func:`~microtensor.viz.draw_graph` (a long
            model folds into columns of ``wrap`` layers).

    Returns:
        A ``graphviz.Digraph``.
    """
    if lr is not None and not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"gradient_flow: lr must be a positive number, got {lr!r}")
    scale = Scale(vanishing, exploding)
    d = Drawing()
    stats = layer_stats(model, lr)
    if not stats:
        raise ValueError("gradient_flow: the model has no parameters")
    for i, s in enumerate(stats):
        title_row = f"{s['name']} · {s['type']}" if s["type"] else s["name"]
        rows = [f"<B>{escape(title_row)}</B>",
                small(f"{escape(s['param'])} {fmt_shape(s['shape'])}")]
        rows += [small(r) for r in grad_rows(s["grad"], scale)]
        if s["update_ratio"] is not None:
            rows.append(small(f"update/weight {fmt_sci(s['update_ratio'])}"))
        rows += [flag_row(f) for f in s["flags"]]
        g = s["grad"]
        tip = "; ".join(
            f"{n} {fmt_shape(tuple(p.shape))}: " + (
                f"grad L2 {q.norm:.4e}, mean |g| {q.mean_abs:.4e}" if q is not None
                else "no gradient yet")
            for n, p in s["params"] for q in [leaf_grad_summary(p)])
        v = Vertex(f"layer{i}", rows, None if g is None else g.mean_abs, g is not None,
                   tooltip=tip)
        if g is not None and not g.finite:
            v.red = True
        d.vertices.append(v)
        if i:
            prev = stats[i - 1]["grad"]
            d.edges.append(Edge(f"layer{i - 1}", f"layer{i}",
                                None if prev is None else prev.mean_abs))
    d.chain = [v.id for v in d.vertices]
    if lr is not None:
        d.notes.append(("#555555", f"update/weight = lr·‖g‖/‖w‖ with lr = {lr:g}: the "
                        "relative change a plain SGD step makes (≈1e-3 is the usual target)"))
    if all(s["grad"] is None for s in stats):
        d.notes.append(("#555555", "no gradient yet: run backward() first"))
    what = ("colour: the gradient's mean |g| of each layer's largest parameter (its weight),"
            "<BR/>relative to 1 (the gradient of a scalar loss with respect to itself)")
    return emit(d, scale, rankdir=rankdir, legend=legend, wrap=wrap, title=title,
                module_view=True, what=what)


def plot_gradient_flow(model: Any, ax: Any = None, *, vanishing: float = 1e-7,
                       exploding: float = 1e3) -> Any:
    """A bar chart of each layer's weight-gradient mean |g| and max |g| (log scale).

    Bars use the shared colour scale; the dashed lines are the vanishing and exploding
    thresholds. Needs matplotlib (``pip install microtensor[plot]``).

    Returns:
        The matplotlib ``Axes`` drawn on.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_gradient_flow needs matplotlib: pip install "
                          "'microtensor[plot]' (or pip install matplotlib)") from None
    scale = Scale(vanishing, exploding)
    stats = layer_stats(model, None, "plot_gradient_flow")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(stats) + 2), 3.2))
    xs = range(len(stats))
    means = [s["grad"].mean_abs if s["grad"] is not None else 0.0 for s in stats]
    maxes = [s["grad"].max_abs if s["grad"] is not None else 0.0 for s in stats]
    tiny = scale.vanishing / 10
    ax.bar(xs, [m or tiny for m in maxes], width=0.8, color="#dddddd", edgecolor="#999999",
           label="max |g|")
    ax.bar(xs, [m or tiny for m in means], width=0.5,
           color=[scale.colour(m) if s["grad"] is not None else "#f0f0f0"
                  for m, s in zip(means, stats)], label="mean |g|")
    ax.set_yscale("log")
    finite = [m for m in means + maxes if m and math.isfinite(m)] or [1.0]
    lo, hi = min(finite), max(finite)
    # A threshold line is drawn when the bars come within two decades of it.
    if lo < scale.vanishing * 100:
        ax.axhline(scale.vanishing, color="#440154", ls="--", lw=1, label="vanishing")
    if hi > scale.exploding / 100:
        ax.axhline(scale.exploding, color="#b8a000", ls="--", lw=1, label="exploding")
    ax.set_ylim(min(lo, scale.vanishing * 100) / 3, max(hi, 1.0) * 3)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([s["name"] for s in stats], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("weight gradient")
    ax.set_title("gradient flow (input → output)")
    ax.legend(fontsize=7, loc="best")
    return ax
