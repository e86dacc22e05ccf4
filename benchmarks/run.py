"""Benchmarks of issue 7: microtensor against a hand-written NumPy floor and its peers.

``make bench`` runs ``python benchmarks/ops.py`` (this script). Every (workload,
implementation) pair runs in a fresh process with the BLAS/OpenMP thread count fixed
(``--threads``, default 1: the variables are set before the child imports NumPy, and
PyTorch gets ``torch.set_num_threads``). In the child:

1. one step from the shared initial weights; its loss and a gradient checksum are
   compared with the floor's (float32 tolerance), so no row comes from skipped work;
2. warm-up, then samples of back-to-back steps lasting ≥ 20 ms each, on the parent's
   request. The parent interleaves the samples of every implementation of a workload
   (round robin, one process running at a time) for up to ``--repeats`` rounds, stopping
   early once ``--budget`` seconds per implementation are spent (at least 5 rounds). The
   garbage collector stays on, as in a user's loop;
3. for ``mlp_memory``: the peak of ``tracemalloc`` during one step at batch 1024.

The table gives each median, its ratio to the floor and to PyTorch (the median over
rounds of the ratio of the two samples of that round), the issue's target and ✓/✗ for
microtensor, and the check. See
``benchmarks/README.md`` for how to read it. ``--profile deep_narrow`` prints where
microtensor's time goes instead.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "BENCH_THREADS")
MIN_SAMPLE = 0.02  # seconds: a sample repeats the step until it lasts this long
MIN_RUNS = 5
LIBRARY = {"numpy": "numpy", "microtensor": "microtensor", "torch": "torch",
           "mygrad": "mygrad", "autograd": "autograd"}


# ------------------------------------------------------------------------------ child side


def _version(impl: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(LIBRARY[impl])
    except metadata.PackageNotFoundError:
        return "?"


def _calibrate(bench: Any) -> int:
    """Warm up, and return how many steps make a sample of at least ``MIN_SAMPLE`` seconds."""
    t0 = time.perf_counter()
    bench.step()  # warm-up (the checked step was the first)
    one = time.perf_counter() - t0
    inner = max(1, math.ceil(MIN_SAMPLE / max(one, 1e-9)))
    for _ in range(inner):  # one untimed sample
        bench.step()
    return inner


def _sample(bench: Any, inner: int) -> float:
    """Seconds per step over ``inner`` back-to-back steps."""
    t0 = time.perf_counter()
    for _ in range(inner):
        bench.step()
    return (time.perf_counter() - t0) / inner


def _peak_memory(workload: Any, impl: str) -> dict[str, Any]:
    """Peak traced bytes during one steady-state step (weights, data, the gradients the
    implementation keeps between steps, and every temporary), counted from before the
    model and data were built. Returns MiB, and the checked first step's loss/checksum."""
    import gc
    import tracemalloc

    from workloads.common import checksum

    warm = workload.build(impl)  # imports whatever the builder and the step import lazily
    warm.step()
    del warm
    gc.collect()
    tracemalloc.start()
    bench = workload.build(impl)
    built = tracemalloc.get_traced_memory()[0]
    bench.step()  # the first step allocates what persists (gradients); it is also checked
    loss, grads = bench.result()
    sums = checksum(grads)
    del grads  # hold no reference of ours to the gradients across the measured step
    tracemalloc.reset_peak()
    bench.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"value": peak / 2**20, "built_mib": built / 2**20, "loss": loss, "checksum": sums}


def child(name: str, impl: str) -> None:
    """Serve one implementation of one workload from this process.

    Prints one JSON line: the checked step's loss and gradient checksum (or why the row
    is skipped; for a memory workload, the whole measurement), then, for a timing
    workload, answers every ``s`` line on stdin with the seconds per step of one sample,
    until stdin closes. The parent interleaves the samples of all implementations, so
    that the machine's drift and other load hit every row of a workload alike.
    """
    from workloads import WORKLOADS, Unavailable
    from workloads.common import checksum

    workload = WORKLOADS[name]
    try:
        if workload.kind == "memory":
            _reply({**_peak_memory(workload, impl), "version": _version(impl)})
            return
        bench = workload.build(impl)
    except Unavailable as e:
        _reply({"skipped": str(e)})
        return
    bench.step()
    loss, grads = bench.result()
    inner = _calibrate(bench)
    _reply({"loss": loss, "checksum": checksum(grads), "inner": inner,
            "version": _version(impl)})
    for line in sys.stdin:
        if line.strip() != "s":
            break
        _reply(_sample(bench, inner))


def _reply(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _scale(unit: str) -> float:
    return {"ms": 1e3, "µs/op": 1e6}.get(unit, 1.0)


def child_profile(name: str, budget: float, top: int) -> None:
    """cProfile microtensor on one workload: top functions by own time, and per file."""
    import cProfile
    import pstats

    from workloads import WORKLOADS

    bench = WORKLOADS[name].build("microtensor")
    inner = _calibrate(bench)
    plain = statistics.median(_sample(bench, inner) for _ in range(5))
    steps = max(1, int(budget / 2 / plain))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        bench.step()
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # tottime over every function
    print(f"{steps} steps profiled, {total / steps * 1e3:.3f} ms/step under cProfile")
    calls = sum(v[1] for v in stats.stats.values()) / steps
    print(f"{calls:.0f} Python/C function calls per step")
    nodes = sum(v[1] for (path, _, func), v in stats.stats.items()
                if func == "apply" and path.endswith(os.path.join("microtensor", "autograd.py")))
    if nodes:
        print(f"{nodes / steps:.0f} graph nodes (Function.apply calls) per step")
    print("cProfile's own overhead inflates every Python call: read the shares, not the µs.\n")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    print(f"{'tottime/step':>12} {'share':>6} {'calls/step':>10}  function")
    for (path, line, func), (_, ncalls, tottime, _, _) in rows:
        print(f"{tottime / steps * 1e6:9.1f} µs {tottime / total:6.1%} {ncalls / steps:10.1f}  "
              f"{_short(path)}:{line}({func})")
    by_file: dict[str, float] = {}
    for (path, _, _), (_, _, tottime, _, _) in stats.stats.items():
        key = _short(path) if path != "~" else "builtins (NumPy, C calls)"
        by_file[key] = by_file.get(key, 0.0) + tottime
    print(f"\n{'tottime/step':>12} {'share':>6}  file")
    for key, tottime in sorted(by_file.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{tottime / steps * 1e6:9.1f} µs {tottime / total:6.1%}  {key}")


def _profile_header(name: str, threads: int, budget: float) -> None:
    """What --profile's listing is about: microtensor's overhead on ``name``, timed as the
    table times it (the floor in its own process: sharing one with microtensor, its heap
    can fall into giving memory back to the kernel every step and faulting it in again)."""
    from workloads import WORKLOADS

    res = measure(name, ("numpy", "microtensor"), threads, 15, budget)
    floor, mt = res["numpy"], res["microtensor"]
    if "seconds" not in floor or "seconds" not in mt:
        why = floor.get("error") or mt.get("error")
        print(f"({threads} thread(s); no unprofiled timing: {why})")
        return
    over = mt["seconds"] - floor["seconds"]
    unit = WORKLOADS[name].per_step
    print(f"({threads} thread(s)) microtensor {name}: {mt['seconds'] * 1e3:.3f} ms/step, the "
          f"numpy floor {floor['seconds'] * 1e3:.3f} ms/step ({_paired(mt, floor):.2f}×, "
          f"paired), so microtensor adds {over * 1e3:.3f} ms/step"
          + (f" = {over / unit * 1e6:.2f} µs per op" if unit > 1 else ""))


def _short(path: str) -> str:
    for marker in ("/microtensor/", "/site-packages/", "/lib/python"):
        if marker in path:
            return path[path.index(marker) + 1:]
    return os.path.relpath(path, HERE) if os.path.isabs(path) else path


# ------------------------------------------------------------------------------ parent side


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


class _Child:
    """One child process serving one (workload, implementation)."""

    def __init__(self, name: str, impl: str, threads: int) -> None:
        self.err = tempfile.TemporaryFile(mode="w+")
        cmd = [sys.executable, os.path.join(HERE, "run.py"), "--child", name, impl]
        self.proc = subprocess.Popen(cmd, env=_env(threads), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)

    def read(self) -> Any:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.err.seek(0)
            err = (self.err.read().strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"child failed: {err}")
        return json.loads(line)

    def sample(self) -> float:
        self.proc.stdin.write("s\n")
        self.proc.stdin.flush()
        return float(self.read())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()
        self.err.close()


def measure(name: str, impls: tuple[str, ...], threads: int, repeats: int,
            budget: float) -> dict[str, dict[str, Any]]:
    """Every implementation of one workload, each in its own process, samples interleaved."""
    from workloads import WORKLOADS

    w = WORKLOADS[name]
    res: dict[str, dict[str, Any]] = {}
    live: dict[str, _Child] = {}
    samples: dict[str, list[float]] = {}
    try:
        for impl in impls:  # started one at a time: no child warms up while another does
            print(f"  {name}: starting {impl}", file=sys.stderr, flush=True)
            c = _Child(name, impl, threads)
            try:
                res[impl] = c.read()
            except RuntimeError as e:
                res[impl] = {"error": str(e)}
            if w.kind == "time" and "inner" in res[impl]:
                live[impl], samples[impl] = c, []
            else:
                c.close()
        deadline = time.perf_counter() + budget * max(len(live), 1)
        order = list(live)
        for r in range(repeats):
            for impl in order[r % len(order):] + order[:r % len(order)] if order else []:
                try:
                    samples[impl].append(live[impl].sample())
                except RuntimeError as e:
                    res[impl] = {"error": str(e)}
                    order.remove(impl)
            if time.perf_counter() > deadline and r + 1 >= MIN_RUNS:
                break
    finally:
        for c in live.values():
            c.close()
    for impl, ts in samples.items():
        if "error" in res[impl] or not ts:
            continue
        median = statistics.median(ts)
        res[impl].update(seconds=median, runs=len(ts), samples=ts,
                         value=median / w.per_step * _scale(w.unit))
    return res


def _paired(r: dict[str, Any], ref: dict[str, Any]) -> float | None:
    """``r`` ÷ ``ref``: the median over rounds of the ratio of their samples in that round
    (taken back to back, so they share the machine's load), or of the values (memory)."""
    if "value" not in r or "value" not in ref:
        return None
    if "samples" in r and "samples" in ref:
        return statistics.median(a / b for a, b in zip(r["samples"], ref["samples"]))
    return r["value"] / ref["value"]


def _machine(threads: int) -> dict[str, Any]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       "?")
    except OSError:
        cpu = platform.processor() or "?"
    return {"cpu": cpu, "nproc": os.cpu_count(), "python": platform.python_version(),
            "threads": threads}


def _fmt_value(value: float, unit: str) -> str:
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def _fmt_ratio(x: float | None) -> str:
    return f"{x:.2f}×" if x is not None else "—"


def _check(r: dict[str, Any], floor: dict[str, Any]) -> tuple[bool, float]:
    from workloads.common import compare

    if "checksum" not in floor:
        return False, float("inf")
    return compare(r["loss"], r["checksum"], floor["loss"], floor["checksum"])


def run_all(names: list[str], impls: tuple[str, ...], threads: int, repeats: int,
            budget: float) -> list[dict[str, Any]]:
    from workloads import WORKLOADS

    rows = []
    for name in names:
        w = WORKLOADS[name]
        res = measure(name, impls, threads, repeats, budget)
        floor, torch = res.get("numpy", {}), res.get("torch", {})
        for impl in impls:
            r = res[impl]
            row: dict[str, Any] = {"workload": name, "impl": impl, "unit": w.unit, **r}
            if "value" in r:
                row["vs_floor"] = _paired(r, floor)
                row["vs_torch"] = _paired(r, torch)
                if impl == "numpy":
                    row["check_ok"], row["check_err"] = True, 0.0
                else:
                    row["check_ok"], row["check_err"] = _check(r, floor)
                if impl == "microtensor":
                    row["target"] = w.target
                    row["target_met"] = bool(w.met(r["value"], row["vs_floor"],
                                                   row["vs_torch"]))
            row.pop("checksum", None)
            row.pop("samples", None)
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as one Markdown table (readable in a terminal, pasted into the README)."""
    from workloads import LABELS

    head = ["workload", "impl", "median", "÷ floor", "÷ torch", "target (microtensor)",
            "check"]
    lines = []
    for r in rows:
        label = LABELS[r["impl"]]
        if "value" not in r:
            lines.append([r["workload"], label, "—", "", "", "",
                          r.get("skipped") or r.get("error", "?")])
            continue
        target = ""
        if "target" in r:
            target = f"{r['target']} {'✓' if r['target_met'] else '✗'}"
        check = "floor" if r["impl"] == "numpy" else (
            ("ok (exact)" if r["check_err"] == 0 else f"ok ({r['check_err']:.0e})")
            if r["check_ok"] else
            f"✗ DIFFERS ({r['check_err']:.1e})")
        lines.append([r["workload"], label, _fmt_value(r["value"], r["unit"]),
                      _fmt_ratio(r["vs_floor"]), _fmt_ratio(r["vs_torch"]), target, check])
    widths = [max(len(h), *(len(ln[i]) for ln in lines)) for i, h in enumerate(head)]
    out = ["| " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(head)) + " |",
           "|" + "|".join("-" * (wd + 2) for wd in widths) + "|"]
    out += ["| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(ln)) + " |"
            for ln in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from workloads import IMPLS, WORKLOADS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=list(WORKLOADS), metavar="WORKLOAD",
                   help=f"run only these workloads ({', '.join(WORKLOADS)})")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP/PyTorch threads in every child (default 1)")
    p.add_argument("--repeats", type=int, default=30,
                   help="rounds of interleaved samples per workload, at most (default 30)")
    p.add_argument("--budget", type=float, default=2.0,
                   help="seconds of samples per implementation, at most (default 2; "
                        f"at least {MIN_RUNS} rounds are always taken)")
    p.add_argument("--json", metavar="PATH", help="also write the rows and the machine here")
    p.add_argument("--profile", metavar="WORKLOAD", choices=list(WORKLOADS),
                   help="instead of the table, cProfile microtensor on WORKLOAD")
    p.add_argument("--top", type=int, default=25, help="rows of the --profile listing")
    p.add_argument("--child", nargs=2, metavar=("WORKLOAD", "IMPL"), help=argparse.SUPPRESS)
    p.add_argument("--child-profile", metavar="WORKLOAD", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        child(*args.child)
        return 0
    if args.child_profile:
        child_profile(args.child_profile, args.budget * 2, args.top)
        return 0
    if args.profile:
        _profile_header(args.profile, args.threads, args.budget)
        cmd = [sys.executable, os.path.join(HERE, "run.py"), "--child-profile", args.profile,
               "--budget", str(args.budget), "--top", str(args.top)]
        return subprocess.run(cmd, env=_env(args.threads), check=False).returncode

    machine = _machine(args.threads)
    names = args.only or list(WORKLOADS)
    start = time.perf_counter()
    rows = run_all(names, IMPLS, args.threads, args.repeats, args.budget)
    versions = {r["impl"]: r["version"] for r in rows if "version" in r}
    print(f"microtensor benchmarks — {machine['cpu']}, {machine['nproc']} CPUs, "
          f"{args.threads} thread(s); Python {machine['python']}, "
          + ", ".join(f"{LIBRARY[i]} {v}" for i, v in versions.items()))
    print(f"median of up to {args.repeats} interleaved samples (≥ {MIN_SAMPLE * 1e3:.0f} ms "
          f"each, ≤ {args.budget:g} s per implementation); ratios are paired, within this run\n")
    print(table(rows))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": machine, "versions": versions, "repeats": args.repeats,
                       "budget": args.budget, "rows": rows}, f, indent=1)
    return 0 if all(r.get("check_ok", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
