"""Op-level benchmarks: microtensor against a hand-written NumPy floor and PyTorch CPU.

Run ``make bench`` (or ``python benchmarks/ops.py``). Every (workload, implementation)
pair runs in its own process with the BLAS/OpenMP thread count fixed (1 by default,
``--threads N``), is timed as the median of repeated runs after a warm-up, and
returns a checksum of its gradients that must match the floor's to float32
tolerance: no number in the table comes from skipped work.

Workloads (forward + backward, float32):

* ``tiny_ops``: a chain of 200 elementwise ops on a 16-element tensor
  (``y = tanh(y * w + x) - 0.5``, 50 times) — per-op overhead, reported in µs/op;
* ``big_matmul``: ``(A @ B).sum()`` for 1024×1024 A and B, then the gradients of A and B.

The table prints each time and its ratio to the floor (and to PyTorch when importable).
Only ratios from one run mean anything: the machine's speed drifts between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

WORKLOADS = ("tiny_ops", "big_matmul")
IMPLS = ("numpy", "microtensor", "torch")
CHAIN = 50  # repetitions of the 4-op block: 200 ops
N = 1024


# ----------------------------------------------------------------- implementations
# Each builder returns (run, checksum): run() does one forward + backward and returns
# the gradients as NumPy arrays; checksum(grads) reduces them to one float.


def _inputs(np):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(16).astype(np.float32)
    w = (rng.standard_normal(16) * 0.5).astype(np.float32)
    a = rng.standard_normal((N, N)).astype(np.float32)
    b = rng.standard_normal((N, N)).astype(np.float32)
    return x, w, a, b


def build_numpy(workload):
    import numpy as np

    x, w, a, b = _inputs(np)
    half = np.float32(0.5)

    if workload == "tiny_ops":
        def run():
            saved = []
            y = x
            for _ in range(CHAIN):
                t = np.tanh(y * w + x)
                saved.append((y, t))
                y = t - half
            g = np.ones_like(x)
            gx = np.zeros_like(x)
            gw = np.zeros_like(w)
            for y_in, t in reversed(saved):
                g = g * (1 - t * t)
                gx += g
                gw += g * y_in
                g = g * w
            gx += g
            return gx, gw
        return run

    def run():
        c = a @ b
        c.sum()
        g = np.ones_like(c)
        return g @ b.T, a.T @ g
    return run


def build_microtensor(workload):
    import numpy as np

    import microtensor as mt

    x0, w0, a0, b0 = _inputs(np)

    if workload == "tiny_ops":
        x = mt.tensor(x0, requires_grad=True)
        w = mt.tensor(w0, requires_grad=True)

        def run():
            x.grad = w.grad = None
            y = x
            for _ in range(CHAIN):
                y = (y * w + x).tanh() - 0.5
            y.backward(mt.ones(16))
            return x.grad.data, w.grad.data
        return run

    a = mt.tensor(a0, requires_grad=True)
    b = mt.tensor(b0, requires_grad=True)

    def run():
        a.grad = b.grad = None
        (a @ b).sum().backward()
        return a.grad.data, b.grad.data
    return run


def build_torch(workload):
    import numpy as np
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    x0, w0, a0, b0 = _inputs(np)

    if workload == "tiny_ops":
        x = torch.tensor(x0, requires_grad=True)
        w = torch.tensor(w0, requires_grad=True)

        def run():
            x.grad = w.grad = None
            y = x
            for _ in range(CHAIN):
                y = (y * w + x).tanh() - 0.5
            y.backward(torch.ones(16))
            return x.grad.numpy(), w.grad.numpy()
        return run

    a = torch.tensor(a0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)

    def run():
        a.grad = b.grad = None
        (a @ b).sum().backward()
        return a.grad.numpy(), b.grad.numpy()
    return run


BUILDERS = {"numpy": build_numpy, "microtensor": build_microtensor, "torch": build_torch}


def child(workload: str, impl: str, repeats: int) -> dict:
    """Time one implementation of one workload in this process."""
    import numpy as np

    try:
        run = BUILDERS[impl](workload)
    except ImportError as e:
        return {"skipped": f"{impl} not importable ({e.name})"}
    grads = run()  # warm-up, and the checksum
    for _ in range(2):
        run()
    times = []
    budget = time.perf_counter() + 20.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() > budget and len(times) >= 5:
            break
    checksum = [float(np.asarray(g, dtype=np.float64).sum()) for g in grads]
    return {"median": float(np.median(times)), "runs": len(times), "checksum": checksum}


# ----------------------------------------------------------------- driver


def _spawn(workload: str, impl: str, threads: int, repeats: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(threads)
    env["BENCH_THREADS"] = str(threads)
    cmd = [sys.executable, __file__, "--child", workload, impl, "--repeats", str(repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"skipped": f"failed: {out.stderr.strip().splitlines()[-1:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(workload: str, seconds: float) -> str:
    if workload == "tiny_ops":
        return f"{seconds / (4 * CHAIN) * 1e6:8.2f} µs/op"
    return f"{seconds * 1e3:8.2f} ms   "


def _close(a: list, b: list) -> bool:
    return all(abs(x - y) <= 1e-3 * max(1.0, abs(y)) for x, y in zip(a, b))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    p.add_argument("--repeats", type=int, default=30, help="timed runs per measurement")
    p.add_argument("--only", nargs="*", choices=WORKLOADS, help="run only these workloads")
    p.add_argument("--child", nargs=2, metavar=("WORKLOAD", "IMPL"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.repeats)))
        return 0

    import platform

    import numpy as np

    print(f"microtensor op benchmarks — {platform.python_version()}, NumPy {np.__version__}, "
          f"{args.threads} thread(s), medians of up to {args.repeats} runs")
    header = f"{'workload':<12} {'impl':<12} {'time':>14} {'÷ numpy':>9} {'÷ torch':>9}  check"
    print(header)
    print("-" * len(header))
    failed = False
    for workload in args.only or WORKLOADS:
        res = {impl: _spawn(workload, impl, args.threads, args.repeats) for impl in IMPLS}
        floor = res["numpy"]
        torch_t = res["torch"].get("median")
        for impl in IMPLS:
            r = res[impl]
            if "skipped" in r:
                print(f"{workload:<12} {impl:<12} {'—':>14}  ({r['skipped']})")
                continue
            ok = _close(r["checksum"], floor["checksum"])
            failed |= not ok
            vs_torch = f"{r['median'] / torch_t:8.2f}×" if torch_t else f"{'—':>9}"
            print(f"{workload:<12} {impl:<12} {_fmt(workload, r['median']):>14} "
                  f"{r['median'] / floor['median']:8.2f}× {vs_torch}  "
                  f"{'ok' if ok else 'GRADIENTS DIFFER'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
