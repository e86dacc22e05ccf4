"""What each fast path of ``microtensor.autograd.run_backward`` buys, measured.

For each trick, a scratch copy of the package (in a temporary directory; the repository
is never touched) has that one trick switched off by a one-line edit of
``microtensor/autograd.py``; every copy then times ``loss.backward()`` alone (the forward
is rebuilt, untimed, before each one) on three graphs:

- ``tiny_ops``: ``y = tanh(y * w + x) - 0.5`` 50 times on 16 elements (200 ops, a chain);
- ``deep_narrow``: 20 ``Linear(64, 64)`` with tanh between, batch 32, MSE;
- ``mlp_step``: 784-256-256-10 ReLU MLP, batch 128, cross-entropy.

One process per copy, all started first, then sampled round robin (each sample ≈ 50 ms of
backward passes), timed in **CPU time of the thread** (``time.thread_time``): on a machine
other jobs share, wall-clock samples vary by ±50 %, CPU time by ±3 %. The table shows the
minimum and the median sample relative to the unmodified copy; ``baseline (again)`` is a
second unmodified copy, the noise floor. Gradients are checked equal in every copy. Run::

    .venv/bin/python benchmarks/engine_tricks.py              # 2 min of CPU, 5 on a busy box
    .venv/bin/python benchmarks/engine_tricks.py --rounds 10 --only tiny_ops
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# trick -> (what it is, [(line in autograd.py, replacement)]): each switches one trick off.
TRICKS = {
    "baseline": ("the engine as it is", []),
    "no_pending": ("every waiting node goes through the heap and the dict (no pending node)",
                   [("if pending is None and not heap:", "if False:")]),
    "no_inplace_add": ("a second gradient for a node always makes a new buffer",
                       [("if pending_owned:\n                        _add(pending_g",
                         "if False:\n                        _add(pending_g"),
                        ("elif edge in owned:", "elif False:")]),
    "no_given": ("a leaf's gradient is always copied into .grad",
                 [("if fresh or (ig is not g and ig.base is None and id(ig) not in given):",
                   "if False:")]),
    "no_version_skip": ("every node's saved versions are checked, written to since or not",
                        [("if _last_write[0] > node._seq:", "if True:")]),
    "no_extras_flag": ("every node goes through _observe (hooks, captures, observers)",
                       [("if extras:\n            g = _observe",
                         "if True:\n            g = _observe")]),
    "reference_sweep": ("no fast engine: backward() runs reference_sweep.py's plain sweep",
                        [("        run_backward(outs, roots, retain)\n",
                          "        reference_backward(outs, roots, create_graph=False, "
                          "retain_graph=retain)\n")]),
    "baseline (again)": ("a second unmodified copy: the noise", []),
}

CHILD = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import microtensor as mt
from microtensor import nn
F = nn.functional
rng = np.random.default_rng(0)
workload = sys.argv[2]
f32 = lambda *s: mt.tensor(rng.standard_normal(s).astype(np.float32))
if workload == "tiny_ops":
    x, w = f32(16).requires_grad_(), f32(16).requires_grad_()
    params = [x, w]
    def forward():
        y = x
        for _ in range(50):
            y = (y * w + x).tanh() - 0.5
        return y.sum()
else:
    mt.manual_seed(0)
    if workload == "deep_narrow":
        layers = [m for _ in range(20) for m in (nn.Linear(64, 64), nn.Tanh())][:-1]
        model, xb, yb = nn.Sequential(*layers), f32(32, 64), f32(32, 64)
        forward = lambda: F.mse_loss(model(xb), yb)
    else:
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        xb, yb = f32(128, 784), mt.tensor(rng.integers(0, 10, 128))
        forward = lambda: F.cross_entropy(model(xb), yb)
    params = list(model.parameters())
def one():
    for p in params:
        p.grad = None
    loss = forward()
    t = time.thread_time()
    loss.backward()
    return time.thread_time() - t
for _ in range(20):
    one()
print("READY", f"{sum(float(np.linalg.norm(p.grad.numpy())) for p in params):.9g}", flush=True)
for line in sys.stdin:
    n = int(line)
    print(sum(one() for _ in range(n)) / n, flush=True)
'''


def make_copies(where: Path) -> dict[str, Path]:
    src = (ROOT / "microtensor" / "autograd.py").read_text()
    copies = {}
    for name, (_, edits) in TRICKS.items():
        d = where / name.replace(" ", "_").replace("(", "").replace(")", "")
        shutil.copytree(ROOT / "microtensor", d / "microtensor",
                        ignore=shutil.ignore_patterns("__pycache__"))
        s = src
        for old, new in edits:
            if s.count(old) != 1:
                raise SystemExit(f"{name}: the line {old!r} is not in autograd.py once: the "
                                 "engine changed; update TRICKS")
            s = s.replace(old, new)
        (d / "microtensor" / "autograd.py").write_text(s)
        copies[name] = d
    return copies


def run(workload: str, copies: dict[str, Path], rounds: int) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    procs, checks = {}, {}
    for name, d in copies.items():
        p = subprocess.Popen([sys.executable, "-c", CHILD, str(d), workload], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = p.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise SystemExit(f"{name}: the copy failed to start on {workload}")
        procs[name], checks[name] = p, ready[1]
    if len(set(checks.values())) != 1:
        raise SystemExit(f"{workload}: the copies disagree on the gradients: {checks}")

    def sample(p: subprocess.Popen, n: int) -> float:
        p.stdin.write(f"{n}\n")
        p.stdin.flush()
        return float(p.stdout.readline())

    n = max(1, int(0.05 / sample(procs["baseline"], 5)))
    times: dict[str, list[float]] = {name: [] for name in procs}
    for _ in range(rounds):
        for name, p in procs.items():
            times[name].append(sample(p, n))
    for p in procs.values():
        p.stdin.close()
        p.wait()
    b_min, b_med = min(times["baseline"]), statistics.median(times["baseline"])
    for name, ts in times.items():
        lo, med = min(ts), statistics.median(ts)
        print(f"{workload:12} {name:17} {lo * 1e6:8.1f} µs  min ×{lo / b_min:.3f}  "
              f"median ×{med / b_med:.3f}   {TRICKS[name][0]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--only", nargs="+", default=["tiny_ops", "deep_narrow", "mlp_step"],
                   choices=["tiny_ops", "deep_narrow", "mlp_step"])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copies = make_copies(Path(tmp))
        for w in args.only:
            run(w, copies, args.rounds)


if __name__ == "__main__":
    main()
