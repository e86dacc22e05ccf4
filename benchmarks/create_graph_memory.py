"""What ``create_graph=True`` costs in memory, against a plain backward and against PyTorch.

One MLP (784-256-256-10, tanh, batch 1024, float32: ``mlp_memory``'s sizes), three ways of
taking the gradient of its cross-entropy loss with respect to the parameters:

- ``backward``: ``loss.backward()`` (first order; the graph is freed as the sweep passes);
- ``grad, create_graph``: ``autograd.grad(loss, params, create_graph=True)`` (the backward
  pass is recorded; the gradients keep it, and the forward graph, alive);
- ``+ Hessian-vector product``: then ``autograd.grad(g·v, params)`` (the second backward).

Per way: the **peak** above the baseline during the computation and what is still
**held** while the results are alive (loss and gradients), in MiB, and what is left after
``del`` of everything (the graph must be freed: 0). microtensor is measured with
``tracemalloc`` (NumPy reports its array buffers to it; Python objects, nodes included,
count too). PyTorch allocates outside tracemalloc's view: it is measured with its
profiler's memory events (``profile_memory=True``): *held* is the net of the region's
allocations and frees; *peak* is the running total of each op's own (self) allocations
in the order the ops started, which misses transients inside one op (so it is a lower
bound). Run::

    .venv/bin/python benchmarks/create_graph_memory.py
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES, BATCH = (784, 256, 256, 10), 1024
MIB = 1 << 20


def _data() -> tuple:
    rng = np.random.default_rng(0)
    ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)
          for i, o in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(o, np.float32) for o in SIZES[1:]]
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return ws, bs, x, y


def _loss(lib, F, params, x, y):  # noqa: N803
    h = x
    n = len(params) // 2
    for k in range(n):
        h = F.linear(h, params[2 * k], params[2 * k + 1])
        if k < n - 1:
            h = h.tanh()
    return F.cross_entropy(h, y)


def _run(lib, F, way: str, params, x, y) -> tuple:  # noqa: N803
    loss = _loss(lib, F, params, x, y)
    if way == "backward":
        loss.backward()
        return loss, [p.grad for p in params]
    g = lib.autograd.grad(loss, params, create_graph=True)
    if way == "grad, create_graph":
        return loss, list(g)
    vs = [lib.ones_like(p) for p in params]
    dot = sum((gi * v).sum() for gi, v in zip(g, vs))
    return loss, list(lib.autograd.grad(dot, params))


WAYS = ("backward", "grad, create_graph", "+ Hessian-vector product")


def measure_microtensor(way: str) -> tuple[float, float, float]:
    import microtensor as mt
    from microtensor.nn import functional as F  # noqa: N812

    ws, bs, x, y = _data()
    params = [mt.tensor(a, requires_grad=True) for pair in zip(ws, bs) for a in pair]
    xt, yt = mt.tensor(x), mt.tensor(y)
    _run(mt, F, way, params, xt, yt)  # warm up (caches, first-call imports)
    for p in params:
        p.grad = None
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = _run(mt, F, way, params, xt, yt)
    held, peak = tracemalloc.get_traced_memory()
    del out
    for p in params:
        p.grad = None
    gc.collect()
    left = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (peak - base) / MIB, (held - base) / MIB, (left - base) / MIB


def measure_torch(way: str) -> tuple[float, float, float]:
    import torch
    import torch.nn.functional as F  # noqa: N812
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(1)
    ws, bs, x, y = _data()
    params = [torch.tensor(a, requires_grad=True) for pair in zip(ws, bs) for a in pair]
    xt, yt = torch.tensor(x), torch.tensor(y)
    _run(torch, F, way, params, xt, yt)
    for p in params:
        p.grad = None
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        out = _run(torch, F, way, params, xt, yt)
    held = peak = run = 0
    for e in sorted(prof.events(), key=lambda e: e.time_range.start):
        run += e.self_cpu_memory_usage
        peak = max(peak, run)
    held = run
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        del out
        for p in params:
            p.grad = None
        gc.collect()
    freed = -sum(e.self_cpu_memory_usage for e in prof.events())
    return peak / MIB, held / MIB, (held - freed) / MIB


def main() -> None:
    print(f"MLP {'-'.join(map(str, SIZES))} tanh, batch {BATCH}, float32; MiB above the "
          "baseline")
    print(f"{'':28} {'microtensor peak/held/after del':>32}   {'PyTorch peak/held/after del':>28}")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for way in WAYS:
        m = measure_microtensor(way)
        t = measure_torch(way) if have_torch else None
        ts = "not installed" if t is None else f"{t[0]:7.2f} {t[1]:7.2f} {t[2]:7.2f}"
        print(f"{way:28} {m[0]:10.2f} {m[1]:7.2f} {m[2]:7.2f}          {ts}")


if __name__ == "__main__":
    main()
