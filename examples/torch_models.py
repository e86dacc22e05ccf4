"""A PyTorch model's gradients, seen with microtensor: draw_graph, gradient_flow, the monitor.

The same 10-layer sigmoid MLP as ``examples/vanishing_gradients.py``, written with
``torch.nn``, on the bundled 8×8 digits:

1. **draw_graph**: ``viz.watch(loss)`` before ``loss.backward()`` records the gradient
   every ``grad_fn`` node receives; the drawing shows PyTorch's nodes (``AddmmBackward0``,
   ``SigmoidBackward0`` ...) with every gradient's magnitude, one node per module
   (``track_modules``) or every op;
2. **gradient_flow**: the layers in order with their weight gradients;
3. **GradientMonitor** on the torch training loop: the vanishing gradients, in words;
4. **from_torch / to_torch**: the trained weights go into the same microtensor
   architecture and back, and both give the same outputs.

Run::

    python examples/torch_models.py                  # writes examples/out/torch/
    python examples/torch_models.py --quick --out /tmp/torch_models

It needs PyTorch (``pip install 'microtensor[torch]'``); without it, it says so and exits.
Rendering needs Graphviz's ``dot``; without it the DOT sources are written instead.
``tests/oracle/test_examples_torch.py`` runs it in quick mode.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import nn, viz
from microtensor.data import load_digits
from microtensor.monitor import GradientMonitor


def mlp(lib_nn: Any, depth: int = 10, hidden: int = 64) -> Any:
    """64 -> hidden -> ... -> 10 with a sigmoid after every hidden layer (default init),
    built from ``lib_nn``: ``torch.nn`` or ``microtensor.nn``, whose APIs (and so state dict
    keys) are the same."""
    layers, width = [], 64
    for i in range(depth):
        out = 10 if i == depth - 1 else hidden
        layers.append(lib_nn.Linear(width, out))
        if i < depth - 1:
            layers.append(lib_nn.Sigmoid())
        width = out
    return lib_nn.Sequential(*layers)


def save(dg: Any, path: Path) -> Path:
    """Render to SVG, or write the DOT source where Graphviz's ``dot`` is missing."""
    try:
        return viz.render(dg, path)
    except RuntimeError as e:  # viz.render's error for a missing `dot`: keep the source
        print(f"  ({e}; writing the DOT source instead)", file=sys.stderr)
        out = path.with_suffix(".gv")
        out.write_text(dg.source)
        return out


def run(samples: int | None = None, steps: int = 30, depth: int = 10) -> dict:
    import torch
    import torch.nn.functional as F

    x_mt, y_mt = load_digits()
    if samples is not None:
        x_mt, y_mt = x_mt[:samples], y_mt[:samples]
    x, y = mt.to_torch(x_mt), mt.to_torch(y_mt)
    torch.manual_seed(0)
    model = mlp(torch.nn, depth)
    params = dict(model.named_parameters())

    # 1. one backward, watched: every node's gradient is recorded
    with viz.track_modules(model):  # which module made which nodes (for the module view)
        loss = F.cross_entropy(model(x), y)
    viz.watch(loss)
    loss.backward()
    drawings = {
        "graph": viz.draw_graph(loss, model, collapse="module",
                                title=f"torch: {depth} layers, sigmoid, default init"),
        "graph_full": viz.draw_graph(loss, params, collapse="none", rankdir="TB"),
        "flow": viz.gradient_flow(model, lr=0.5),
    }
    first, last = model[0].weight.grad, model[-1].weight.grad
    ratio = (first.abs().mean() / last.abs().mean()).item()

    # 2. the monitor on a training loop
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    monitor = GradientMonitor(model, optimizer=opt, every=1)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        monitor.step()
    monitor.remove()
    findings = monitor.diagnose()

    # 3. weights across: torch -> microtensor -> torch
    twin = mlp(nn, depth)
    twin.load_state_dict(mt.from_torch(model.state_dict()))
    with torch.no_grad(), mt.no_grad():
        out_torch = model(x).numpy()
        out_mt = twin(x_mt).numpy()
    torch.manual_seed(1)  # other initial weights, all overwritten by the state dict
    back = mlp(torch.nn, depth)
    back.load_state_dict(mt.to_torch(twin.state_dict()))
    with torch.no_grad():
        out_back = back(x).numpy()
    return {"loss": loss.item(), "ratio": ratio, "drawings": drawings, "monitor": monitor,
            "findings": findings, "max_diff": float(np.abs(out_torch - out_mt).max()),
            "max_diff_back": float(np.abs(out_torch - out_back).max())}


def main(argv: list[str] | None = None) -> dict | None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "torch",
                   help="folder for the drawings")
    p.add_argument("--quick", action="store_true", help="256 digits and 10 training steps")
    p.add_argument("--no-render", action="store_true", help="do not write the drawings")
    args = p.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("examples/torch_models.py needs PyTorch: pip install 'microtensor[torch]' "
              "(or pip install torch==2.13.0); skipped.")
        return None
    res = run(samples=256 if args.quick else None, steps=10 if args.quick else 30)
    print(f"loss {res['loss']:.4f}; mean|g| of the first layer's weight / the last's: "
          f"{res['ratio']:.1e}")
    print(res["monitor"].summary())
    print(f"torch -> microtensor: outputs agree to {res['max_diff']:.1e}; and back to torch: "
          f"{res['max_diff_back']:.1e}")
    if not args.no_render:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, dg in res["drawings"].items():
            print("wrote", save(dg, args.out / f"{name}.svg"))
    return res


if __name__ == "__main__":
    main()
