"""Vanishing gradients, seen: a 10-layer sigmoid MLP next to the same net with ReLU and He init.

Both nets classify the bundled 8×8 digits (64 pixels -> 9 hidden layers of 64 -> 10
classes). After one ``loss.backward()`` the script draws each net's graph, one node
per module, coloured by gradient magnitude on one log scale, and writes them side by
side to an HTML page. What you see is the lecture's claim:

- **sigmoid, default init**: the derivative of a sigmoid is at most 1/4, and the
  default weights (uniform in ±1/√64) shrink the signal again, so every layer passes
  back about a seventh of the gradient it receives. Ten layers later the first
  layer's weight gradient is about 10⁸ times smaller than the last layer's: the
  drawing fades from green to dark purple, the edges thin out, and ▼ marks every
  gradient below the vanishing threshold.
- **ReLU, He init** (``kaiming_normal_``, variance 2/fan_in): ReLU's derivative is 0
  or 1 and He's variance makes up for the half that is 0, so the gradient keeps its
  size from the last layer to the first: one colour throughout.

Run::

    python examples/vanishing_gradients.py                 # writes examples/out/vanishing/
    python examples/vanishing_gradients.py --out /tmp/vg --quick

It writes ``sigmoid.svg``, ``relu_he.svg`` (module view), ``*_full.svg`` (every op),
``*_flow.svg`` (gradient flow per layer) and ``index.html`` showing them side by side.
Rendering needs Graphviz's ``dot``; without it the DOT sources are written instead.
:func:`layer_gradients` returns the numbers the drawings show, so a test can check the
claim (``tests/test_viz_example.py``).
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn, viz
from microtensor.data import load_digits

NETS = {
    "sigmoid": "10 layers, sigmoid, default init",
    "relu_he": "10 layers, ReLU, He (Kaiming) init",
}


def build(kind: str, depth: int = 10, hidden: int = 64, seed: int = 0) -> nn.Sequential:
    """A ``depth``-layer MLP 64 -> hidden -> ... -> 10 with sigmoid or ReLU + He init."""
    if kind not in NETS:
        raise ValueError(f"build: kind must be one of {list(NETS)}, got {kind!r}")
    mt.manual_seed(seed)
    layers: list[nn.Module] = []
    width = 64
    for i in range(depth):
        out = 10 if i == depth - 1 else hidden
        linear = nn.Linear(width, out)
        if kind == "relu_he":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(nn.Sigmoid() if kind == "sigmoid" else nn.ReLU())
        width = out
    return nn.Sequential(*layers)


def one_backward(model: nn.Module, samples: int | None = None) -> mt.Tensor:
    """Cross-entropy on the digits (the first ``samples`` of them), and one backward."""
    x, y = load_digits()
    if samples is not None:
        x, y = x[:samples], y[:samples]
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return loss


def layer_gradients(model: nn.Module, loss: mt.Tensor) -> list[dict[str, Any]]:
    """Per Linear layer, input side first: the mean |g| of its weight's gradient and of the
    gradient at its output, both read from what backward recorded."""
    rows = []
    outputs = {}
    node = loss.grad_fn
    for n in mt.autograd.backward_order(node):  # the recorded per-node gradients
        if n.function.__name__ == "Linear":
            for nxt, _ in n.next_functions:
                if type(nxt).__name__ == "AccumulateGrad":
                    outputs[id(nxt.variable)] = n.grad_summary
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            w = module.weight
            g = mt.autograd.summarize_grad(w.grad.numpy(), exact=True)
            out = outputs.get(id(w))
            rows.append({"layer": name, "weight_mean_abs": g.mean_abs, "weight_norm": g.norm,
                         "out_mean_abs": out.mean_abs if out is not None else None})
    return rows


def run(depth: int = 10, hidden: int = 64, samples: int | None = None
        ) -> dict[str, tuple[nn.Module, mt.Tensor]]:
    """Both nets after one backward: ``{kind: (model, loss)}``."""
    out = {}
    for kind in NETS:
        model = build(kind, depth, hidden)
        out[kind] = (model, one_backward(model, samples))
    return out


def drawings(results: dict[str, tuple[nn.Module, mt.Tensor]]) -> dict[str, Any]:
    """The Graphviz drawings, by file stem."""
    dgs = {}
    for kind, (model, loss) in results.items():
        title = f"{NETS[kind]} — loss {loss.item():.3f}"
        dgs[kind] = viz.draw_graph(loss, model, collapse="module", title=title)
        dgs[f"{kind}_full"] = viz.draw_graph(loss, model, collapse="none", rankdir="TB",
                                             title=title)
        dgs[f"{kind}_flow"] = viz.gradient_flow(model, lr=0.1, title=title)
    return dgs


def table(results: dict[str, tuple[nn.Module, mt.Tensor]]) -> str:
    lines = [f"{'layer':>6} " + " ".join(f"{k + ' mean|g|':>18}" for k in results)]
    per = {k: layer_gradients(m, loss) for k, (m, loss) in results.items()}
    for i, row in enumerate(next(iter(per.values()))):
        lines.append(f"{row['layer']:>6} " + " ".join(f"{per[k][i]['weight_mean_abs']:>18.2e}"
                                                      for k in per))
    return "\n".join(lines)


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Vanishing gradients, seen</title>
<style>body{{font-family:sans-serif;margin:1em}} .row{{display:flex;gap:2em;flex-wrap:wrap}}
figure{{margin:0}} img{{max-width:100%}}</style></head><body>
<h1>Vanishing gradients, seen</h1>
<p>One <code>loss.backward()</code> on the digits. Colour: mean |g| of each module's weight
gradient (its output's for activations), on one log scale; edge width grows with it.</p>
<div class="row">{figures}</div>
<h2>Gradient flow per layer</h2><div class="row">{flows}</div>
<h2>Every op</h2><div class="row">{full}</div>
<pre>{table}</pre>
</body></html>
"""


def write(results: dict[str, tuple[nn.Module, mt.Tensor]], out: Path) -> list[Path]:
    """Render the drawings and the side-by-side page into ``out``; without ``dot``, write the
    DOT sources and raise the error that says how to install it."""
    out.mkdir(parents=True, exist_ok=True)
    dgs = drawings(results)
    written = []
    try:
        for stem, dg in dgs.items():
            written.append(viz.render(dg, out / f"{stem}.svg"))
    except RuntimeError:
        for stem, dg in dgs.items():
            (out / f"{stem}.dot").write_text(dg.source)
        raise

    def fig(stem: str, caption: str) -> str:
        return (f'<figure><img src="{stem}.svg" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    page = PAGE.format(
        figures="".join(fig(k, v) for k, v in NETS.items()),
        flows="".join(fig(f"{k}_flow", v) for k, v in NETS.items()),
        full="".join(fig(f"{k}_full", v) for k, v in NETS.items()),
        table=html.escape(table(results)),
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return [*written, index]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "vanishing",
                   help="folder to write the drawings and index.html to")
    p.add_argument("--depth", type=int, default=10, help="number of Linear layers (10)")
    p.add_argument("--hidden", type=int, default=64, help="hidden width (64)")
    p.add_argument("--quick", action="store_true", help="use 256 digits instead of all 1797")
    args = p.parse_args(argv)
    results = run(args.depth, args.hidden, 256 if args.quick else None)
    print(table(results))
    try:
        paths = write(results, args.out)
    except RuntimeError as e:
        print(f"\n{e}\nDOT sources written to {args.out}/", file=sys.stderr)
        return 1
    print(f"\nwrote {len(paths)} files; open {paths[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
