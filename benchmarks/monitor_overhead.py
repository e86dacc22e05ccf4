"""What GradientMonitor costs per step of a PyTorch MLP training loop (issue 19: ≤ 10%).

    .venv/bin/python benchmarks/monitor_overhead.py [--every N] [--steps S] [--threads T]

The workload is ``mlp_step``'s: a 784-256-256-10 ReLU MLP, batch 128, float32,
cross-entropy, SGD, on one thread. One process alternates single steps: a plain step, then
a step of the same model with a monitor attached (so load from elsewhere hits both alike),
``--steps`` times. A monitored step is either *recorded* (hooks attached, statistics taken)
or not (every ``every``-th is); the overhead at ``every`` is

    (median recorded + (every − 1) × median unrecorded) / every / median plain − 1,

also given with means (outliers included). Needs torch (``pip install torch==2.13.0``).
"""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--every", type=int, default=None, help="the monitor's every (default: its own)")
    p.add_argument("--steps", type=int, default=2000, help="plain/monitored step pairs")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)

    import torch

    from microtensor.monitor import GradientMonitor

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    kwargs = {} if args.every is None else {"every": args.every}

    def step(monitor: GradientMonitor | None) -> float:
        t = time.perf_counter()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if monitor is not None:
            monitor.step()
        return time.perf_counter() - t

    monitor = GradientMonitor(model, optimizer=opt, **kwargs)
    every = monitor.every
    for _ in range(20):  # warm-up
        step(None)
    plain: list[float] = []
    recorded: list[float] = []
    unrecorded: list[float] = []
    for _ in range(args.steps):
        plain.append(step(None))
        (recorded if monitor.recording else unrecorded).append(step(monitor))
    monitor.remove()

    def overhead(avg) -> float:
        rest = avg(unrecorded) if unrecorded else avg(recorded)
        return (avg(recorded) + (every - 1) * rest) / every / avg(plain) - 1.0

    out = {"every": every, "plain_ms": 1e3 * statistics.median(plain),
           "recorded_ms": 1e3 * statistics.median(recorded),
           "unrecorded_ms": 1e3 * statistics.median(unrecorded) if unrecorded else None,
           "overhead": overhead(statistics.median), "overhead_mean": overhead(statistics.mean)}
    unrec = f"{out['unrecorded_ms']:.3f} ms" if unrecorded else "—"
    print(f"every={every}: plain step {out['plain_ms']:.3f} ms, recorded {out['recorded_ms']:.3f} "
          f"ms, unrecorded {unrec} (medians of {args.steps} pairs): overhead "
          f"{100 * out['overhead']:+.1f}% (with means: {100 * out['overhead_mean']:+.1f}%)")
    return out


if __name__ == "__main__":
    main()
