"""The report's matplotlib figures, each returned as SVG text.

No pyplot: every figure is a ``matplotlib.figure.Figure`` saved straight to SVG, so no
GUI backend is ever involved (and when pyplot is not loaded yet, the backend is set to
Agg). Text is drawn as paths, so a figure looks the same in every browser, with or
without the fonts matplotlib used. Needs matplotlib (``pip install 'microtensor[plot]'``).
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..monitor import symmetry_tolerance
from .experiments import RunResult

__all__ = ["COLOURS", "MatplotlibMissing", "layer_gradients", "curves", "units",
           "batch_sizes"]

# One colour per run, shared by the figures and the page's tables.
COLOURS = {
    "sigmoid": "#d62728", "tanh_xavier": "#9467bd", "relu_he": "#1f77b4",
    "relu_he_bn": "#2ca02c", "zero_init": "#d62728", "random_init": "#1f77b4",
    "sgd": "#7f7f7f", "momentum": "#1f77b4", "adam": "#2ca02c",
    "full_batch": "#222222", "mini_batch": "#1f77b4", "single_sample": "#ff7f0e",
}

STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "microtensor",  # stable ids: the same run gives the same file
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "lines.linewidth": 1.8,
    "figure.dpi": 100,
}


class MatplotlibMissing(RuntimeError):
    """matplotlib is not installed; the message says how to install it."""


@contextmanager
def _figure(width: float, height: float, layout: str | None = "constrained"
            ) -> Iterator[Any]:
    try:
        import matplotlib
    except ImportError:
        raise MatplotlibMissing(
            "matplotlib is not installed, so this figure could not be drawn: "
            "pip install 'microtensor[plot]' (make demo does it)") from None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout=layout)
        yield fig


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _pow10(value: float, pos: Any = None) -> str:
    if not value > 0:
        return ""
    e = math.log10(value)
    if abs(e - round(e)) < 1e-9:
        return "10" + str(int(round(e))).translate(_SUPERSCRIPT)
    return f"{value:g}"


def _plain_log_labels(fig: Any) -> None:
    """Log axes labelled "10⁻³" in plain text rather than mathtext: the same look, and
    parsing mathtext was a tenth of the time it takes to draw the page."""
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, NullFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() != "log":
                continue
            if isinstance(axis.get_major_formatter(), LogFormatterSciNotation):
                axis.set_major_formatter(FuncFormatter(_pow10))
            lo, hi = sorted(axis.get_view_interval())
            if isinstance(axis.get_minor_formatter(), LogFormatterSciNotation):
                if lo > 0 and hi / lo > 10:
                    axis.set_minor_formatter(NullFormatter())
                else:
                    axis.set_minor_formatter(FuncFormatter(lambda v, pos=None: f"{v:g}"))


def _svg(fig: Any) -> str:
    _plain_log_labels(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _colour(run: RunResult) -> str:
    return COLOURS.get(run.key, "#444444")


def layer_gradients(runs: list[RunResult], threshold: float = 1e-3) -> str:
    """(a) each weight layer's gradient norm after the first backward, input → output;
    (b) the first/last layer gradient ratio over training, with the vanishing threshold."""
    with _figure(10.5, 3.9) as fig:
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        names: list[str] = []
        for r in runs:
            layers = list(r.layer_grad_start)
            names = layers if len(layers) > len(names) else names
            vals = np.array([r.layer_grad_start[k] for k in layers], dtype=float)
            vals[~(vals > 0)] = np.nan
            ax1.plot(range(len(layers)), vals, "o-", ms=4, color=_colour(r), label=r.title)
        ax1.set_yscale("log")
        ax1.set_xticks(range(len(names)))
        ax1.set_xticklabels(names, rotation=0, fontsize=8)
        ax1.set_xlabel("layer (input → output)")
        ax1.set_ylabel("‖∇W‖ (weight-gradient norm)")
        ax1.set_title("(a) gradient reaching each layer, first step")
        ax1.legend(loc="lower right")
        for r in runs:
            if not r.ratio_series:
                continue
            steps, ratio = zip(*r.ratio_series)
            ax2.plot(steps, ratio, color=_colour(r), label=r.title, lw=1.4)
        ax2.set_yscale("log")
        lo, hi = ax2.get_ylim()
        ax2.axhspan(min(lo, threshold / 10), threshold, color="#d62728", alpha=0.07, lw=0)
        ax2.axhline(threshold, color="#d62728", ls="--", lw=1)
        ax2.set_ylim(min(lo, threshold / 10), max(hi, 10))
        ax2.text(0.98, threshold * 0.55, "vanishing zone (monitor: ratio < 1e-3)",
                 transform=ax2.get_yaxis_transform(), ha="right", va="top", fontsize=8,
                 color="#a01010")
        ax2.set_xlabel("training step")
        ax2.set_ylabel("‖∇W first‖ / ‖∇W last‖")
        ax2.set_title("(b) first / last layer gradient, during training")
        return _svg(fig)


def curves(runs: list[RunResult]) -> str:
    """(a) training loss per epoch (log scale); (b) test accuracy per epoch."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        for r in runs:
            loss = r.history.get("loss", [])
            acc = r.history.get("val_accuracy", [])
            epochs = range(1, len(loss) + 1)
            ax1.plot(epochs, loss, "o-", ms=3, color=_colour(r), label=r.title)
            ax2.plot(range(1, len(acc) + 1), [100 * a for a in acc], "o-", ms=3,
                     color=_colour(r), label=f"{r.title} ({100 * r.test_accuracy:.0f}%)")
        _log_if_wide(ax1, [v for r in runs for v in r.history.get("loss", [])])
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("training loss (cross-entropy)")
        ax1.set_title("(a) training loss")
        ax1.legend(loc="best")
        ax2.axhline(10, color="#888888", ls=":", lw=1)
        ax2.text(1, 11.5, "guessing: 10%", fontsize=8, color="#666666")
        ax2.set_ylim(0, 100)
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("test accuracy (%)")
        ax2.set_title("(b) accuracy on held-out digits")
        ax2.legend(loc="best")
        for ax in (ax1, ax2):
            ax.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)


def _log_if_wide(ax: Any, values: list[float]) -> None:
    """A log y-axis when the values span more than a factor of 10, else a linear one."""
    v = [x for x in values if x > 0 and math.isfinite(x)]
    if v and max(v) / min(v) > 10:
        ax.set_yscale("log")


def units(runs: list[RunResult], per_row: int = 8) -> str:
    """Each first-layer unit's 64 incoming weights as an 8×8 image, one block per run."""
    rows = max(math.ceil(r.first_layer.shape[0] / per_row) for r in runs)
    height = 0.55 + 0.75 * rows
    # A fixed grid instead of constrained layout: laying out 32 tiny axes was most of this
    # figure's drawing time.
    with _figure(10.5, height, layout=None) as fig:
        subs = fig.subfigures(1, len(runs), wspace=0.04)
        subs = np.atleast_1d(subs)
        for sub, r in zip(subs, runs):
            w = r.first_layer
            n = w.shape[0]
            rows = math.ceil(n / per_row)
            axes = np.atleast_2d(sub.subplots(rows, per_row))
            sub.subplots_adjust(left=0.02, right=0.98, bottom=0.02,
                                top=1 - 0.62 / height, wspace=0.12, hspace=0.35)
            vmax = float(np.abs(w).max()) or 1.0
            for i, ax in enumerate(axes.flat):
                ax.set_axis_off()
                if i < n:
                    # pcolormesh, not imshow: vector squares, no embedded PNG in the SVG.
                    ax.pcolormesh(w[i].reshape(8, 8)[::-1], cmap="RdBu_r", vmin=-vmax,
                                  vmax=vmax, edgecolors="face", linewidth=0.3)
                    ax.set_aspect("equal")
                    ax.set_title(f"unit {i + 1}", fontsize=7, fontweight="normal", pad=2)
            spread = r.unit_spread.get(next(iter(r.unit_spread), ""), math.nan)
            sub.suptitle(f"{r.title}: test accuracy {100 * r.test_accuracy:.0f}%\n"
                         f"{_fmt_spread(spread, n)}", fontsize=9.5, color=_colour(r))
        return _svg(fig)


def _fmt_spread(x: float, n: int) -> str:
    if not math.isfinite(x):
        return ""
    if x == 0:
        return f"all {n} units identical (largest difference 0)"
    if x <= symmetry_tolerance(np.float32):
        return (f"all {n} units identical up to rounding (largest difference {x:.2g} × the "
                f"largest weight)")
    return f"units differ by up to {x:.2g} × the largest weight"


def smooth_window(n: int) -> int:
    """How many consecutive measurements the smoothed single-sample curve averages."""
    return max(3, n // 10)


def _running_mean(v: np.ndarray, k: int) -> np.ndarray:
    if len(v) < k:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    out = (c[k:] - c[:-k]) / k
    return np.concatenate([np.full(k - 1, np.nan), out])


def batch_sizes(runs: list[RunResult]) -> str:
    """(a) the loss of each update's batch; (b) the whole training set's loss against the
    epochs of data the run has seen (log scale)."""
    with _figure(10.5, 3.7) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        top = 0.0
        for r in runs:
            v = np.asarray(r.batch_loss, dtype=float)
            steps = np.arange(1, len(v) + 1)
            noisy = r.batch_size is not None and r.batch_size < 8
            # Larger batches on top: the smooth full-batch curve must not hide under the rest.
            z = 2 + (r.batch_size is None) + (not noisy)
            ax1.plot(steps, v, color=_colour(r), lw=0.7 if noisy else 1.4,
                     alpha=0.35 if noisy else 0.9, zorder=z,
                     label=f"{r.title}" + (" (each update)" if noisy else ""))
            if noisy:
                k = max(10, len(v) // 15)
                ax1.plot(steps, _running_mean(v, k), color=_colour(r), lw=2,
                         label=f"{r.title} (mean of {k} updates)")
            if len(v):
                top = max(top, float(np.percentile(v, 99)))
        cap = min(top * 1.05, 6) if top else None
        ax1.set_ylim(0, cap)
        highest = max((float(np.nanmax(r.batch_loss)) for r in runs if r.batch_loss),
                      default=0.0)
        cut = (f"\n(y axis cut at {cap:.1f}: the largest batch loss is {highest:.1f})"
               if cap is not None and highest > cap else "")  # say so when it hides the top
        ax1.set_xlabel("update (optimizer step)" + cut)
        ax1.set_ylabel("loss of the batch used")
        ax1.set_title("(a) what each update sees")
        ax1.legend(loc="upper right", frameon=True, framealpha=0.9, edgecolor="none")
        for r in runs:
            pts = [(e, loss) for e, loss in r.probe if e > 0]
            if pts:
                e, loss = zip(*pts)
                noisy = r.batch_size is not None and r.batch_size < 8
                if noisy:  # one probe is one noisy point: draw the smoothed curve too
                    ax2.plot(e, loss, "-", color=_colour(r), lw=0.8, alpha=0.4)
                    k = smooth_window(len(loss))
                    sm = _running_mean(np.asarray(loss, dtype=float), k)
                    ax2.plot(e, sm, "-", color=_colour(r), lw=2,
                             label=f"{r.title} (mean of {k} measurements)")
                    ax2.plot(e[-1:], sm[-1:], "o", color=_colour(r), ms=5)
                else:
                    ax2.plot(e, loss, "-", color=_colour(r), label=r.title, lw=2)
                    ax2.plot(e[-1:], loss[-1:], "o", color=_colour(r), ms=5)
        ax2.set_xscale("log")
        ax2.set_xlabel("epochs of data processed (log scale)")
        ax2.set_ylabel("loss on the whole training set")
        ax2.set_title("(b) progress per pass over the data")
        ax2.legend(loc="lower left")
        return _svg(fig)
