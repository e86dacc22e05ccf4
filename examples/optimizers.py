"""SGD, momentum, Nesterov, Adagrad, RMSprop and Adam, side by side on 2-D surfaces.

Each optimizer starts from the same point on four surfaces that show the lecture's
points, with gradients from microtensor's autograd:

- ``ravine``: an elongated quadratic bowl (condition number 100). Plain gradient
  descent zig-zags across the steep walls and crawls along the flat floor; momentum
  builds up speed along the floor.
- ``rosenbrock``: the curved banana valley ``(1-x)² + 100(y-x²)²``.
- ``saddle``: ``x² - y²`` started just off the saddle point. The gradient along ``y`` is
  tiny there, so plain SGD lingers; RMSprop and Adam divide by the gradient's size and
  leave at once.
- ``two_minima``: ``x⁴ - 3x² + x + y²``, a local minimum at x ≈ 1.13 and the global
  one at x ≈ -1.30. From the right, gradient descent settles in the local one; momentum
  can roll over the hill.

It prints a table of the steps each optimizer needs to come within ``tol`` of the
minimum (for the saddle: to escape, i.e. reach ``f < -1``), draws the paths on contour
plots, and sweeps the learning rate of plain SGD on the ravine (too small, right, too
large, diverging). Run::

    python examples/optimizers.py                  # writes examples/out/optimizers/*.png
    python examples/optimizers.py --quick --out /tmp/opt --format svg

The functions :func:`run_surface` and :func:`lr_sweep` return the numbers the plots
show, so tests can check the lecture's claims (``tests/test_examples_optimizers.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# The surfaces and the runs live in the package (microtensor/report/surfaces.py), where the
# demo's report draws them too; this script prints their table and draws them as files.
from microtensor.report.surfaces import (  # noqa: F401  (re-exported for the tests)
    OPTIMIZERS,
    SURFACES,
    SWEEP_LRS,
    Run,
    Surface,
    lr_sweep,
    ravine,
    rosenbrock,
    run_optimizer,
    run_surface,
    saddle,
    two_minima,
)

# ---------------------------------------------------------------------- plotting

COLORS = {"SGD": "#1f77b4", "Momentum": "#ff7f0e", "Nesterov": "#2ca02c",
          "Adagrad": "#d62728", "RMSprop": "#9467bd", "Adam": "#8c564b"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_surface(name: str, runs: dict[str, Run], out: Path, fmt: str = "png",
                 dpi: int = 80) -> Path:
    """Left: contours with each optimizer's path. Right: the loss against the step
    (``f - f*`` on a log scale; for the saddle ``f`` itself). Returns the file written."""
    plt = _pyplot()
    s = SURFACES[name]
    X, Y = np.meshgrid(np.linspace(*s.xlim, 300), np.linspace(*s.ylim, 300))
    Z = s.f(X, Y)
    fig, (ax, al) = plt.subplots(1, 2, figsize=(10.0, 4.2),
                                 gridspec_kw={"width_ratios": [1.35, 1]})
    if s.log_levels:
        zmin = float(Z.min())
        levels = zmin + np.geomspace(1e-2, float(Z.max() - zmin), 25)
    else:
        levels = np.linspace(float(Z.min()), float(np.percentile(Z, 95)), 25)
    ax.contour(X, Y, Z, levels=levels, cmap="Greys", linewidths=0.6)
    fmin = None if s.minimum is None else float(s.f(*s.minimum))
    for o, run in runs.items():
        reached = "never" if run.steps_to_tol is None else f"{run.steps_to_tol} steps"
        ax.plot(run.path[:, 0], run.path[:, 1], "-", color=COLORS[o], lw=1.1, alpha=0.9,
                marker="o", ms=1.8, label=f"{o} ({reached})")
        steps = np.arange(len(run.losses))
        if fmin is None:
            al.plot(steps, run.losses, color=COLORS[o], lw=1.2)
        else:
            al.semilogy(steps, np.maximum(run.losses - fmin, 1e-16), color=COLORS[o], lw=1.2)
    ax.plot(*s.start, "ko", ms=5)
    if s.minimum is not None:
        ax.plot(*s.minimum, "k*", ms=11)
    ax.set_xlim(*s.xlim)
    ax.set_ylim(*s.ylim)
    ax.legend(fontsize=7, loc="best", framealpha=0.85)
    what = "escape (f < -1)" if fmin is None else f"f - f* < {s.tol:g}"
    ax.set_title(f"{name}: paths from the same start (legend: steps to {what})", fontsize=9)
    al.set_xlabel("step")
    if fmin is None:
        al.set_ylim(-2.0, 1.2)
        al.axhline(-1.0, color="k", lw=0.6, ls="--")
        al.set_ylabel("f(x, y)")
    else:
        al.axhline(s.tol, color="k", lw=0.6, ls="--")
        al.set_ylim(1e-12, None)
        al.set_ylabel("f - f*")
    al.set_title("loss per step (dashed: the tolerance)", fontsize=9)
    fig.tight_layout()
    path = out / f"optimizers_{name}.{fmt}"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def plot_lr_sweep(runs: dict[str, Run], out: Path, fmt: str = "png", dpi: int = 80) -> Path:
    """Loss curves (left) and the steep coordinate y (right) for each learning rate."""
    plt = _pyplot()
    fig, (ax, ay) = plt.subplots(1, 2, figsize=(9.0, 3.6))
    for label, run in runs.items():
        ax.semilogy(np.arange(len(run.losses)), run.losses, label=label, lw=1.2)
        n = min(len(run.path), 60)
        ay.plot(np.arange(n), run.path[:n, 1], lw=1.0, marker=".", ms=3, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss f(x, y)")
    ax.set_ylim(1e-6, 1e4)
    ax.set_title("plain SGD on the ravine: loss", fontsize=9)
    ax.legend(fontsize=7)
    ay.set_xlabel("step")
    ay.set_ylabel("y (the steep direction)")
    ay.set_ylim(-3, 3)
    ay.set_title("y flips sign each step when lr > 0.1; grows when lr > 0.2", fontsize=9)
    fig.tight_layout()
    path = out / f"optimizers_lr_sweep.{fmt}"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------- table and main


def table(results: dict[str, dict[str, Run]]) -> str:
    names = list(results)
    width = max(len(n) for n in names) + 2
    lines = ["steps to tolerance (— = not within the budget; saddle: steps to escape)",
             "optimizer".ljust(11) + "".join(n.rjust(width) for n in names)]
    for o in OPTIMIZERS:
        cells = []
        for n in names:
            run = results[n][o]
            cells.append(("—" if run.steps_to_tol is None else str(run.steps_to_tol))
                         .rjust(width))
        lines.append(o.ljust(11) + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="examples/out/optimizers", help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer steps (for CI)")
    parser.add_argument("--format", default="png", choices=["png", "svg"])
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--no-plots", action="store_true", help="only print the table")
    args = parser.parse_args(argv)
    results = {}
    for name, s in SURFACES.items():
        results[name] = run_surface(name, s.quick_steps if args.quick else s.steps)
    print(table(results))
    sweep = lr_sweep(120 if args.quick else 200)
    for label, run in sweep.items():
        print(f"SGD on the ravine, lr {label:>18}: loss after {len(run.losses) - 1} steps = "
              f"{run.losses[-1]:.3g}")
    if not args.no_plots:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, runs in results.items():
            print("wrote", plot_surface(name, runs, out, args.format, args.dpi))
        print("wrote", plot_lr_sweep(sweep, out, args.format, args.dpi))
    return 0


if __name__ == "__main__":
    sys.exit(main())
