"""The report page: one self-contained HTML file with every figure inlined as SVG.

:func:`write_report` turns :class:`~microtensor.report.experiments.Results` into
``DIR/index.html`` (and the statistics into ``DIR/results.json``). Nothing on the page
is fetched: the CSS is inline, matplotlib figures and Graphviz drawings are ``<svg>``
elements in the page itself, and there is no script. Where Graphviz's ``dot`` is
missing, the page says so in place of each drawing and everything else still renders;
likewise for matplotlib.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import viz
from . import figures, figures_sections, text, text_sections, text_time
from .experiments import GROUPS, Results, RunResult
from .experiments_sections import DEPTHS
from .outcomes import rise

__all__ = ["write_report", "build_page", "inline_svg"]

esc = html.escape


# ------------------------------------------------------------------ SVG handling


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """An SVG file's text made fit to sit inside an HTML page.

    Drops the XML prolog, DOCTYPE, comments and metadata; makes ids unique on the page
    (``prefix-``, references too); scales to the column's width, never above its natural
    size; labels it for screen readers.
    """
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("inline_svg: the text holds no <svg> element")
    svg = svg[start:]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    svg = re.sub(r'(\sid=")([^"]+)"', lambda m: f'{m.group(1)}{prefix}-{m.group(2)}"', svg)
    svg = re.sub(r'(href=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}-{m.group(2)}"'
                 if m.group(2) in ids else m.group(0), svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})"
                 if m.group(1) in ids else m.group(0), svg)
    root = re.match(r"<svg\b([^>]*)>", svg)
    attrs = root.group(1)
    width = re.search(r'\swidth="([\d.]+)(pt|px)?"', attrs)
    natural = ""
    if width:
        px = float(width.group(1)) * (96 / 72 if width.group(2) in (None, "pt") else 1)
        natural = f"max-width:{px:.0f}px;"
    attrs = re.sub(r'\s(width|height)="[^"]*"', "", attrs)
    head = (f'<svg{attrs} class="figure-svg" role="img" aria-label="{esc(label)}" '
            f'style="width:100%;{natural}height:auto">')
    return head + svg[root.end():]


def _missing(message: str) -> str:
    return f'<div class="missing"><b>Figure not drawn.</b> {esc(message)}</div>'


def _graphviz(dg: Any, prefix: str, label: str) -> str:
    """A Graphviz drawing as inline SVG, or a note that says why it could not be drawn."""
    if dg is None:
        return _missing("No drawing was recorded for this run.")
    try:
        return inline_svg(viz.pipe(dg, "svg").decode("utf-8"), prefix, label)
    except RuntimeError as e:  # Graphviz's dot is not installed
        return _missing(str(e))


def _matplotlib(draw: Callable[[], str], prefix: str, label: str) -> str:
    try:
        return inline_svg(draw(), prefix, label)
    except figures.MatplotlibMissing as e:
        return _missing(str(e))


def _figure(body: str, caption: str, cls: str = "") -> str:
    return (f'<figure class="fig {cls}"><div class="svgbox">{body}</div>'
            f"<figcaption>{caption}</figcaption></figure>")


# ------------------------------------------------------------------ pieces


def _pct(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:.0f}%"


def _ratio(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.2g}" if 1e-2 <= x < 1e3 else f"{x:.1e}"


def _badge(run: RunResult) -> str:
    if run.healthy:
        return '<span class="badge ok">healthy</span>'
    cls = "err" if any(f["severity"] == "error" for f in run.findings) else "warn"
    return f'<span class="badge {cls}">{esc(run.diagnosis)}</span>'


def _swatch(run: RunResult) -> str:
    return f'<span class="swatch" style="background:{figures.COLOURS.get(run.key, "#444")}">' \
           "</span>"


def _summary_table(results: Results) -> str:
    rows = []
    for group, title in GROUPS.items():
        runs = results.group(group)
        for i, r in enumerate(runs):
            head = (f'<th rowspan="{len(runs)}" scope="rowgroup"><a href="#{group}">'
                    f"{esc(title)}</a></th>") if i == 0 else ""
            acc = r.test_accuracy
            bar = (f'<span class="bar"><span style="width:{100 * acc:.0f}%;background:'
                   f'{figures.COLOURS.get(r.key, "#444")}"></span></span>')
            rows.append(
                f'<tr>{head}<td class="name">{_swatch(r)}{esc(r.title)}</td>'
                f'<td class="num">{bar} {_pct(acc)}</td>'
                f'<td class="num">{_ratio(r.ratio_start)} → {_ratio(r.ratio_end)}</td>'
                f"<td>{_badge(r)}</td></tr>")
    return ('<div class="tablebox"><table class="summary"><thead><tr><th>experiment</th>'
            "<th>run</th>"
            "<th>test accuracy</th><th class='ratio'>‖∇W first‖ / ‖∇W last‖<br><small>start → end"
            "</small></th><th>the monitor's diagnosis</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _findings(run: RunResult) -> str:
    if run.healthy:
        return ('<ul class="findings"><li class="ok"><b>No problems found.</b> Gradients '
                "reach every layer, no unit is dead, saturated or a copy of another, and "
                "each step changes the weights by a sensible fraction.</li></ul>")
    items = []
    by_kind: dict[str, list[dict]] = {}
    for f in run.findings:
        by_kind.setdefault(f["kind"], []).append(f)
    for fs in by_kind.values():
        first = fs[0]
        more = ""
        if len(fs) > 1:
            layers = ", ".join(esc(f["layer"]) for f in fs[1:])
            more = (f'<br><span class="also">The same finding for {len(fs) - 1} more '
                    f"layer{'s' * (len(fs) > 2)}: {layers}.</span>")
        cls = "err" if first["severity"] == "error" else "warn"
        items.append(f'<li class="{cls}"><b>{esc(first["severity"])}</b> '
                     f"{esc(first['message'])}{more}</li>")
    return '<ul class="findings">' + "".join(items) + "</ul>"


def _run_card(run: RunResult, drawings: dict[str, str], legend: bool = False) -> str:
    bs = "full batch" if run.batch_size is None else f"batch {run.batch_size}"
    budget = (f"{run.epochs} epochs" if run.epochs and run.group != "batch"
              else f"{run.updates} updates")
    # Long models get the whole width per diagram; a 2- or 3-layer one fits in half.
    layout = "stack" if len(run.layer_grad_start) > 3 else "pair"
    first = drawings.get("legend") if legend else None
    flows = ""
    if f"{run.key}-end" in drawings:
        start = _figure(first or drawings[f"{run.key}-start"], "after the <b>first</b> "
                        "backward (initial weights)")
        end = _figure(drawings[f"{run.key}-end"], "after the <b>last</b> backward "
                      "(trained weights)")
        flows = f'<div class="flows {layout}">{start}{end}</div>'
    colour = figures.COLOURS.get(run.key, "#444")
    return (f'<div class="run" id="run-{run.key}" style="border-left-color:{colour}">'
            f"<h4>{_swatch(run)}{esc(run.title)} {_badge(run)}</h4>"
            f'<p class="desc">{esc(run.description)} · {esc(run.optimizer)}, lr {run.lr:g} · '
            f"{bs} · {budget} · test accuracy <b>{_pct(run.test_accuracy)}</b> · "
            f"{run.seconds:.1f} s</p>{flows}"
            f'<p class="findings-head">What the gradient monitor says</p>{_findings(run)}'
            "</div>")


# ------------------------------------------------------------------ the page


def _draw_all(results: Results) -> tuple[dict[str, str], dict[str, str]]:
    """Every figure of the page: (Graphviz drawings, matplotlib figures), by key."""
    jobs: dict[str, tuple[Any, str]] = {}
    for r in results.runs.values():
        if r.flow_end is None:  # the later sections draw no gradient-flow diagrams
            continue
        if r.key != results.legend_run:
            jobs[f"{r.key}-start"] = (r.flow_start, f"gradient flow of {r.title}, first step")
        jobs[f"{r.key}-end"] = (r.flow_end, f"gradient flow of {r.title}, last step")
    if results.legend_flow is not None:
        jobs["legend"] = (results.legend_flow, "gradient flow with its legend")
    if results.graph is not None:
        jobs["graph"] = (results.graph, "graph of one batch's loss, deep sigmoid net")
    # `dot` runs as a subprocess: two at a time, while this thread draws the matplotlib
    # figures, keeps both cores busy.
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {k: pool.submit(_graphviz, dg, f"gv-{k}", label)
               for k, (dg, label) in jobs.items()}

    plots: dict[str, str] = {}
    depth, zero = results.group("depth"), results.group("zero")
    opt, batch = results.group("optim"), results.group("batch")
    if depth:
        plots["depth-layers"] = _matplotlib(lambda: figures.layer_gradients(depth),
                                            "mpl-depth-layers", "gradient per layer")
        plots["depth-curves"] = _matplotlib(lambda: figures.curves(depth),
                                            "mpl-depth-curves", "loss and accuracy")
    if zero:
        plots["zero-units"] = _matplotlib(lambda: figures.units(zero), "mpl-zero-units",
                                          "first-layer units as images")
        plots["zero-curves"] = _matplotlib(lambda: figures.curves(zero), "mpl-zero-curves",
                                           "loss and accuracy")
    if opt:
        plots["optim-curves"] = _matplotlib(lambda: figures.curves(opt), "mpl-optim-curves",
                                            "loss and accuracy per optimizer")
    if batch:
        plots["batch-curves"] = _matplotlib(lambda: figures.batch_sizes(batch),
                                            "mpl-batch-curves", "loss per update and epoch")
    plots.update(_later_plots(results))
    drawings = {k: f.result() for k, f in futures.items()}
    pool.shutdown()
    return drawings, plots


def _later_plots(results: Results) -> dict[str, str]:
    """The figures of the later sections (and the optimizers' 2-D paths)."""
    fs = figures_sections
    by = {g: {r.key: r for r in results.group(g)} for g in GROUPS}
    jobs: dict[str, tuple[Callable[[], str], str]] = {}
    if results.extra.get("surfaces"):
        jobs["optim-paths"] = (lambda: fs.optimizer_paths(results.extra["surfaces"]),
                               "optimizer paths on 2-D surfaces")
    if by["overfit"]:
        jobs["overfit"] = (lambda: fs.overfitting(by["overfit"]), "overfitting and cures")
    if by["dying"]:
        jobs["dying"] = (lambda: fs.dying(by["dying"]), "dead ReLU units over training")
    if by["explode"]:
        jobs["explode"] = (lambda: fs.exploding(by["explode"]), "gradient norm and clipping")
    if by["lr"]:
        sweep = [r for k, r in by["lr"].items() if k != "lr_cosine"]
        decay = [by["lr"][k] for k in ("lr_1", "lr_cosine") if k in by["lr"]]
        jobs["lr"] = (lambda: fs.learning_rate(sweep, decay), "learning-rate sweep")
    if by["bn"]:
        jobs["bn"] = (lambda: figures.curves(list(by["bn"].values())), "BatchNorm curves")
    if by["claims"]:
        r = rise([x for x in results.runs.values() if x.group in ("claims", "depth")])
        jobs["claims"] = (lambda: fs.depth_sweep(by["claims"], DEPTHS,
                                                 results.runs[r["key"]] if r else None),
                          "initialisation by depth")
    if results.extra.get("time"):
        jobs["time"] = (lambda: fs.through_time(results.extra["time"]),
                        "gradient reaching each time step")
    return {k: _matplotlib(draw, f"mpl-{k}", label) for k, (draw, label) in jobs.items()}


def _section(group: str, results: Results, drawings: dict[str, str],
             plots: dict[str, str], number: int) -> str:
    if group == "time":  # no fit runs: recurrent models (experiments_time.py)
        return _time_section(results, plots, number)
    runs = results.group(group)
    if not runs:
        return ""
    later = group in text_sections.GROUP_FIGURES and group != "optim"
    intro = text_sections.intro(group, results) if later else text.intro(group, results)
    parts = [f'<section id="{group}"><h2><span class="n">{number}</span>'
             f"{esc(GROUPS[group])}</h2>", intro]
    captions = [] if later else text.figure_captions(group, results)
    for key, caption in captions + text_sections.figure_captions(group, results):
        if key in plots:
            parts.append(_figure(plots[key], caption, "wide"))
    if group == "depth":
        if "graph" in drawings:
            parts.append(text.graph_intro(results))
            parts.append(_figure(drawings["graph"], text.graph_caption(results), "wide"))
        parts.append(text.flow_intro())
    elif later:
        parts.append("<h3>What the gradient monitor found, per run</h3>")
    else:
        parts.append("<h3>Gradient flow and findings per run</h3>")
    parts += [_run_card(r, drawings, legend=r.key == results.legend_run) for r in runs]
    parts.append("</section>")
    return "".join(parts)


def _time_section(results: Results, plots: dict[str, str], number: int) -> str:
    tt = text_time
    figure = _figure(plots["time"], tt.caption(results), "wide") if "time" in plots else ""
    return (f'<section id="time"><h2><span class="n">{number}</span>{esc(GROUPS["time"])}'
            f"</h2>{tt.intro(results)}{figure}{tt.table(results)}{tt.findings(results)}"
            "</section>")


def build_page(results: Results) -> str:
    """The whole page as one string."""
    drawings, plots = _draw_all(results)
    present = [g for g in GROUPS if results.group(g) or (g == "time" and results.extra.get(g))]
    nav = "".join(f'<li><a href="#{g}"><span class="n">{i}</span>{esc(GROUPS[g])}</a></li>'
                  for i, g in enumerate(present, start=1))
    sections = "".join(_section(g, results, drawings, plots, i)
                       for i, g in enumerate(present, start=1))
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>microtensor — gradient health report</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"{text.header(results)}"
        f'<nav><b>Contents</b><ul><li><a href="#glance"><span class="n">·</span>At a glance'
        f"</a></li>{nav}</ul></nav>"
        f'<section id="glance"><h2>At a glance</h2>{text.glance_intro()}'
        f"{_summary_table(results)}</section>"
        f"{sections}{text.footer(results)}</main></body></html>\n")


def _write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OSError(f"write_report: cannot write {str(path)!r}: {e.strerror or e}") from None


def write_report(results: Results, out: str | os.PathLike) -> Path:
    """Write ``out/index.html`` and ``out/results.json``; return the page's path.

    Each file is written whole or not at all (a temporary file, then a rename).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"write_report: {str(out)!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"write_report: cannot create {str(out)!r}: {e.strerror or e}") from None
    t0 = time.perf_counter()
    page = build_page(results)
    data = results.to_json()
    data["draw_seconds"] = round(time.perf_counter() - t0, 3)
    # No indent: json's C encoder only runs without it (the pretty one is 10× slower here).
    _write_atomic(out / "results.json", json.dumps(data, separators=(",", ":")) + "\n")
    # A tiny net's backward, one op at a time (viz.step_through), linked above the footer.
    from ..viz.step_examples import mlp

    _write_atomic(out / "step-through.html", mlp().html())
    page = page.replace("<footer>", '<section id="step-through"><h2>Backprop, step by step'
                        '</h2><p><a href="step-through.html">Step through one backward pass '
                        "of this network</a>, in a tiny version (3 → 4 → 2 with tanh, one "
                        "sample): each op's chain rule with the numbers, in the engine's "
                        "order.</p></section><footer>", 1)
    _write_atomic(out / "index.html", page)
    return out / "index.html"


CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#f4f5f8;--card:#fff;
--ok:#1a7f37;--okbg:#e6f4ea;--warn:#8a5a00;--warnbg:#fff4d6;--err:#b42318;--errbg:#fde8e7;
--accent:#2f5bd3}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 20px 60px}
header.top{background:linear-gradient(135deg,#1f2a44,#2f5bd3);color:#fff;border-radius:14px;
padding:26px 30px;margin-bottom:18px}
header.top h1{margin:0 0 6px;font-size:30px;letter-spacing:-.01em}
header.top p{margin:6px 0;max-width:880px;color:#e8edff}
header.top .meta{font-size:13px;color:#c7d2f5}
header.top code{background:rgba(255,255,255,.14);color:#fff}
nav{background:var(--card);border:1px solid var(--line);border-radius:12px;
padding:10px 18px;margin-bottom:18px;font-size:15px}
nav ul{margin:4px 0 2px;padding:0;list-style:none;display:grid;
grid-template-columns:1fr 1fr;column-gap:24px}
nav li{margin:2px 0}nav .n{display:inline-block;width:22px;color:var(--muted)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;
padding:22px 28px;margin:0 0 20px;box-shadow:0 1px 2px rgba(20,30,60,.04)}
h2{margin:0 0 10px;font-size:23px;letter-spacing:-.01em}
h2 .n{display:inline-block;width:30px;height:30px;border-radius:50%;background:var(--accent);
color:#fff;font-size:16px;line-height:30px;text-align:center;margin-right:10px;
vertical-align:3px}
h3{margin:22px 0 8px;font-size:18px}
h4{margin:0 0 4px;font-size:16px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}
p{margin:8px 0}
code{background:#eef0f5;padding:1px 5px;border-radius:4px;font-size:.92em}
.lecture{border-left:4px solid #8a63d2;background:#f5f0ff;padding:10px 14px;
border-radius:0 8px 8px 0;margin:10px 0}
.look{border-left:4px solid var(--accent);background:#eef3ff;padding:10px 14px;
border-radius:0 8px 8px 0;margin:10px 0}
.setup{color:var(--muted);font-size:14.5px}
figure.fig{margin:14px 0;padding:0}
.svgbox{overflow-x:auto}
figure.fig svg{display:block;margin:0 auto}
figcaption{font-size:14px;color:var(--muted);margin-top:6px;line-height:1.5}
figure.wide figcaption{max-width:980px;margin-left:auto;margin-right:auto}
.run{border:1px solid var(--line);border-left:6px solid #444;border-radius:10px;
padding:14px 16px;margin:14px 0;background:#fcfcfd}
.run .desc{color:var(--muted);font-size:14px;margin:2px 0 8px}
.flows.pair{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.flows.stack{display:grid;grid-template-columns:1fr;gap:4px}
.flows figure.fig{margin:4px 0}
.flows figcaption{text-align:center;font-size:13px}
.findings-head{font-weight:600;font-size:14px;margin:10px 0 4px}
ul.findings{list-style:none;padding:0;margin:0}
ul.findings li{font-size:14px;padding:8px 12px;border-radius:8px;margin:6px 0}
ul.findings li.ok{background:var(--okbg);color:#124d24}
ul.findings li.warn{background:var(--warnbg);color:#5c3d00}
ul.findings li.err{background:var(--errbg);color:#7a1610}
ul.findings li b{text-transform:uppercase;font-size:11.5px;letter-spacing:.04em;
margin-right:6px}
.also{font-size:13px;opacity:.85}
.badge{display:inline-block;font-size:12px;font-weight:600;padding:2px 9px;
border-radius:999px;white-space:nowrap}
.badge.ok{background:var(--okbg);color:var(--ok)}
.badge.warn{background:var(--warnbg);color:var(--warn)}
.badge.err{background:var(--errbg);color:var(--err)}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;
vertical-align:-1px}
table.summary{border-collapse:collapse;width:100%;font-size:14.5px;margin-top:8px}
table.summary th,table.summary td{border-bottom:1px solid var(--line);padding:7px 8px;
text-align:left;vertical-align:middle}
table.summary thead th{font-size:13px;color:var(--muted);font-weight:600;
border-bottom:2px solid var(--line)}
table.summary tbody th{font-weight:600;font-size:13.5px;width:150px}
table.summary td.name,table.summary th.ratio{white-space:nowrap}
.tablebox{overflow-x:auto}
td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:70px;height:8px;background:#edf0f4;border-radius:4px;
vertical-align:1px;margin-right:6px;overflow:hidden}
.bar span{display:block;height:100%}
.missing{border:1px dashed #c9a227;background:#fffbea;color:#5c4a00;padding:12px 14px;
border-radius:8px;font-size:14px}
footer{color:var(--muted);font-size:13.5px;padding:4px 8px}
@media (max-width:900px){table.summary .badge{white-space:normal;border-radius:10px}
table.summary td:last-child{min-width:180px}}
@media (max-width:800px){.flows.pair{grid-template-columns:1fr}
nav ul{grid-template-columns:1fr}
section{padding:16px}}
"""
