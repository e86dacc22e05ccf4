"""The ``microtensor`` command (also ``python -m microtensor``).

``microtensor demo`` is the first thing a new user runs (``make demo``). It trains the
lecture's experiments on the bundled digits — a deep sigmoid net whose gradients vanish
and its cures (tanh + Xavier, ReLU + He, BatchNorm), zero initialisation, the lecture's
optimizers, batch size, overfitting and its cures, dying ReLU, exploding gradients and
clipping, the learning rate, BatchNorm on its own, depth and initialisation — under a
gradient monitor, prints what it found, and writes a self-contained HTML report with the
pictures.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import glob
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_OUT = "microtensor-demo"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _ratio(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.2g}" if 1e-2 <= x < 1e3 else f"{x:.1e}"


def summary_table(results) -> str:  # noqa: ANN001 - a report.Results
    """The terminal table: per run, test accuracy, first/last gradient ratio, diagnosis."""
    from .report.experiments import GROUPS

    head = ("run", "test acc", "‖∇W first‖/‖∇W last‖ start → end", "diagnosis")
    rows = []
    for group, title in GROUPS.items():
        runs = results.group(group)
        if not runs:
            continue
        rows.append((title, None, None, None))
        for r in runs:
            rows.append((f"  {r.title}", f"{100 * r.test_accuracy:5.1f}%",
                         f"{_ratio(r.ratio_start):>8} → {_ratio(r.ratio_end):<8}",
                         r.diagnosis))
    w0 = max(len(head[0]), *(len(r[0]) for r in rows if r[1] is not None))
    w1 = len(head[1])
    w2 = len(head[2])
    lines = [f"{head[0]:<{w0}}  {head[1]:>{w1}}  {head[2]:<{w2}}  {head[3]}",
             "-" * (w0 + w1 + w2 + 6 + len(head[3]) + 20)]
    for name, acc, ratio, diag in rows:
        if acc is None:
            lines.append(name)
        else:
            lines.append(f"{name:<{w0}}  {acc:>{w1}}  {ratio:^{w2}}  {diag}")
    return "\n".join(lines)


def _openblas() -> tuple | None:
    """(get, set) of the OpenBLAS thread count bundled with NumPy's wheel, or None."""
    import numpy as np

    base = os.path.dirname(os.path.dirname(np.__file__))
    for path in sorted(glob.glob(os.path.join(base, "numpy.libs", "*openblas*"))
                       + glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs",
                                                "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in (("scipy_openblas_get_num_threads64_",
                           "scipy_openblas_set_num_threads64_"),
                          ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                          ("openblas_get_num_threads", "openblas_set_num_threads")):
            if hasattr(lib, get) and hasattr(lib, set_):
                return getattr(lib, get), getattr(lib, set_)
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run NumPy's matrix products on one thread for a while (best effort).

    The demo's matrices are small: a second BLAS thread gains little, and on a busy
    two-core machine the threads wait for each other and a run takes ten times longer.
    Uses threadpoolctl when installed, else NumPy's bundled OpenBLAS directly; does
    nothing where neither is found (the environment variable OPENBLAS_NUM_THREADS=1 does
    the same, if set before NumPy is imported).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
        return
    blas = _openblas()
    if blas is None:
        yield
        return
    get, set_ = blas
    before = int(get())
    set_(1)
    try:
        yield
    finally:
        set_(before)


def demo(args: argparse.Namespace) -> int:
    from .report import Config, run_experiments, write_report

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"microtensor demo: --out {str(out)!r} exists and is not a directory",
              file=sys.stderr)
        return 2
    config = Config(quick=args.quick, epochs=args.epochs, seed=args.seed)
    budget = "quick run, " if config.quick else ""
    print(f"microtensor demo: training the lecture's experiments on the bundled digits "
          f"({budget}{config.n_epochs} epochs, seed {config.seed})", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    try:
        with single_threaded_blas():
            results = run_experiments(config, log=lambda line: print(line, file=sys.stderr,
                                                                       flush=True))
    except KeyboardInterrupt:
        print("\nmicrotensor demo: interrupted; no report written.", file=sys.stderr)
        return 130
    print()
    print(summary_table(results))
    print()
    try:
        path = write_report(results, out)
    except OSError as e:
        print(f"microtensor demo: {e}", file=sys.stderr)
        return 1
    print(f"Trained {len(results.runs)} runs and drew the report in "
          f"{time.perf_counter() - start:.0f} s. Open it in a browser:")
    print(f"Report: {path.resolve()}")
    return 0


def step_through(args: argparse.Namespace) -> int:
    from .viz.step_through import from_script

    out = args.out or f"{Path(args.script).stem}-step-through.html"
    try:
        page = from_script(args.script, args.name, args.title)
        page.save(out)
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        print(f"microtensor step-through: {e}", file=sys.stderr)
        return 1
    print(f"{len(page)} steps. Open it in a browser:\n{Path(out).resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="microtensor", description="microtensor: a reverse-mode autograd engine on NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "demo", help="train the lecture's experiments and write a gradient-health report",
        description="Train the lecture's experiments on the bundled digits under a gradient "
                    "monitor (a deep sigmoid net whose gradients vanish and its cures, zero "
                    "initialisation, the optimizers, batch size, overfitting, dying ReLU, "
                    "exploding gradients, the learning rate, BatchNorm, depth and "
                    "initialisation), print what the monitor found, and write a "
                    "self-contained HTML report: DIR/index.html.")
    d.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"where to write index.html and results.json (default {DEFAULT_OUT})")
    d.add_argument("--quick", action="store_true",
                   help="the small budget: 5 epochs per run (about 15 s)")
    d.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help="epochs per run (default 20, 5 with --quick); the batch-size runs "
                        "make 30·N updates each")
    d.add_argument("--seed", type=int, default=0, metavar="S",
                   help="the seed every run starts from (default 0)")
    d.set_defaults(func=demo)
    from .viz.step_through import SCRIPT_CONVENTION

    st = sub.add_parser(
        "step-through", help="write a page that steps through backprop of a script's graph",
        description="Run SCRIPT.py, run backward() once on the tensor it defines, and write "
                    "one self-contained HTML page that steps through the chain rule, one op "
                    "at a time (next/back, arrow keys).",
        epilog=SCRIPT_CONVENTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    st.add_argument("script", metavar="SCRIPT.py")
    st.add_argument("--out", default=None, metavar="PAGE.html",
                    help="where to write the page (default: SCRIPT-step-through.html here)")
    st.add_argument("--name", default=None, metavar="VAR",
                    help="the variable to use instead of forward / out / loss")
    st.add_argument("--title", default=None, help="the page's heading")
    st.set_defaults(func=step_through)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
