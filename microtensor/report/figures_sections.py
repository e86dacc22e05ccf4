"""The figures of the report's later sections (see :mod:`.experiments_sections`), as SVG.

Same conventions as :mod:`.figures`: a matplotlib ``Figure`` saved straight to SVG, text
as paths, one colour per run (:data:`COLOURS`, merged into ``figures.COLOURS``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import figures
from .experiments import RunResult
from .experiments_sections import NEAR_ZERO
from .figures import _figure, _svg

__all__ = ["overfitting", "dying", "exploding", "learning_rate", "depth_sweep",
           "optimizer_paths", "through_time"]

COLOURS = {
    "overfit": "#d62728", "dropout": "#1f77b4", "l2": "#2ca02c", "early_stop": "#9467bd",
    "l1": "#ff7f0e",
    "relu_high_lr": "#d62728", "relu_neg_bias": "#ff7f0e", "leaky_high_lr": "#1f77b4",
    "leaky_neg_bias": "#2ca02c",
    "explode": "#d62728", "explode_clip": "#1f77b4",
    "lr_0.0001": "#9ecae1", "lr_0.001": "#6baed6", "lr_0.01": "#3182bd", "lr_0.1": "#2ca02c",
    "lr_1": "#ff7f0e", "lr_10": "#d62728", "lr_cosine": "#1f77b4",
    "bn_sigmoid": "#d62728", "bn_sigmoid_bn": "#2ca02c", "bn_relu_fast": "#ff7f0e",
    "bn_relu_fast_bn": "#1f77b4",
    "sigmoid1": "#2ca02c", "sigmoid6": "#d62728",
    "sgd_fast": "#bcbd22", "nesterov": "#17becf", "adagrad": "#8c564b", "rmsprop": "#e377c2",
}
figures.COLOURS.update(COLOURS)
TIME_COLOURS = {"rnn": "#d62728", "rnn_clip": "#ff7f0e", "lstm": "#1f77b4",
                "lstm_fb1": "#2ca02c"}
SURFACE_COLOURS = {"SGD": "#7f7f7f", "Momentum": "#1f77b4", "Nesterov": "#17becf",
                   "Adagrad": "#8c564b", "RMSprop": "#e377c2", "Adam": "#2ca02c"}


def _c(r: RunResult) -> str:
    return figures.COLOURS.get(r.key, "#444444")


def _epochs(values: list[float]) -> range:
    return range(1, len(values) + 1)


def _finite(values: list[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    v[~np.isfinite(v)] = np.nan
    return v


def overfitting(runs: dict[str, RunResult]) -> str:
    """(a) the unregularised net: training vs validation loss; (b) the validation loss of
    each cure; (c) the first layer's weights without and with L1."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2, ax3 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.9]})
        plain = runs.get("overfit")
        if plain is not None:
            tr, va = plain.history["loss"], plain.history["val_loss"]
            ax1.plot(_epochs(tr), tr, color="#444444", label="training loss")
            ax1.plot(_epochs(va), va, color=_c(plain), label="validation loss")
            best = int(np.argmin(va))
            ax1.plot([best + 1], [va[best]], "o", color=_c(plain), ms=6)
            ax1.annotate(f"lowest: epoch {best + 1}", (best + 1, va[best]),
                         textcoords="offset points", xytext=(-10, -16), fontsize=8)
            ax1.set_ylim(0, None)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("cross-entropy")
        ax1.set_title("(a) no regularisation")
        ax1.legend(loc="upper right")
        for key in ("overfit", "dropout", "l2", "early_stop"):
            r = runs.get(key)
            if r is None:
                continue
            va = r.history.get("val_loss", [])
            ax2.plot(_epochs(va), va, color=_c(r), label=r.title, lw=1.5)
            if key == "early_stop" and r.extra.get("best_epoch") is not None:
                b = int(r.extra["best_epoch"])
                ax2.plot([b + 1], [va[b]], "o", color=_c(r), ms=6)
                ax2.axvline(len(va), color=_c(r), ls=":", lw=1)
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("validation loss")
        ax2.set_title("(b) the cures")
        ax2.legend(loc="upper right")
        bins = np.linspace(-0.4, 0.4, 61)
        for key in ("overfit", "l1"):
            r = runs.get(key)
            if r is None or r.first_layer is None:
                continue
            ax3.hist(np.clip(r.first_layer.ravel(), -0.4, 0.4), bins=bins, color=_c(r),
                     alpha=0.6, label=f"{r.title}: {100 * r.extra.get('near_zero', 0):.0f}% "
                                      f"|w| < {NEAR_ZERO:g}")
        ax3.set_yscale("log")
        ax3.set_xlabel("weight of fc1 (clipped to ±0.4)")
        ax3.set_ylabel("count (log)")
        ax3.set_title("(c) L1 makes weights sparse")
        ax3.legend(loc="lower center", fontsize=8)
        return _svg(fig)


def dying(runs: dict[str, RunResult]) -> str:
    """(a) each ReLU layer's share of dead units over training; (b) training loss."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        styles = ["-", "--", "-.", ":"]
        for key in ("relu_high_lr", "relu_neg_bias"):
            r = runs.get(key)
            if r is None:
                continue
            steps = np.asarray(r.series.get("steps", []))
            dead = sorted(k for k in r.series if k.startswith("dead:"))
            for i, k in enumerate(dead):
                v = _finite(r.series[k])
                ok = np.isfinite(v)
                ax1.plot(steps[ok], 100 * v[ok], styles[i % 4], color=_c(r), lw=1.3,
                         label=f"{r.title}: {k[5:]}")
        ax1.set_ylim(-3, 103)
        ax1.set_xlabel("training step")
        ax1.set_ylabel("dead ReLU units (%)")
        ax1.set_title("(a) the monitor's dead-unit share, per layer")
        ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, ncol=2)
        for r in runs.values():
            loss = _finite(r.history.get("loss", []))
            ax2.plot(_epochs(list(loss)), loss, "o-", ms=3, color=_c(r),
                     label=f"{r.title} ({100 * r.test_accuracy:.0f}%)")
        figures._log_if_wide(ax2, [v for r in runs.values() for v in r.history.get("loss", [])
                                   if math.isfinite(v)])
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("training loss (missing: NaN)")
        ax2.set_title("(b) training loss (test accuracy)")
        ax2.legend(loc="best", fontsize=8)
        for ax in (ax2,):
            ax.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)


def exploding(runs: dict[str, RunResult]) -> str:
    """(a) the gradient norm per step, log scale, NaN marked; (b) training loss per epoch."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        plain, clipped = runs.get("explode"), runs.get("explode_clip")
        if plain is not None:
            steps = np.asarray(plain.series["steps"])
            g = _finite(plain.series["grad_norm"])
            ax1.plot(steps, g, color=_c(plain), label=f"{plain.title}: ‖∇‖")
            bad = np.flatnonzero(~np.isfinite(g))
            if bad.size:
                ax1.axvline(steps[bad[0]], color=_c(plain), ls=":", lw=1.2)
                ax1.text(steps[bad[0]], 0.95, f" NaN from step {int(steps[bad[0]])}",
                         transform=ax1.get_xaxis_transform(), color=_c(plain), fontsize=8,
                         va="top")
        if clipped is not None:
            steps = np.asarray(clipped.series["steps"])
            before = _finite(clipped.series.get("clip_norm", []))
            ax1.plot(steps[:len(before)], before, color=_c(clipped), lw=1, alpha=0.6,
                     label=f"{clipped.title}: ‖∇‖ before clipping")
            ax1.plot(steps, _finite(clipped.series["grad_norm"]), color=_c(clipped), lw=2,
                     label="… after clipping (what the step uses)")
        ax1.set_yscale("log")
        ax1.set_xlabel("training step")
        ax1.set_ylabel("gradient norm, all weights")
        ax1.set_title("(a) the gradient norm")
        ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)
        for r in runs.values():
            loss = _finite(r.history.get("loss", []))
            ax2.plot(_epochs(list(loss)), loss, "o-", ms=3, color=_c(r),
                     label=f"{r.title} ({100 * r.test_accuracy:.0f}%)")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("training loss (missing: NaN)")
        ax2.set_title("(b) training loss (test accuracy)")
        ax2.legend(loc="best")
        ax2.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)


def learning_rate(sweep: list[RunResult], decay: list[RunResult]) -> str:
    """(a) final training loss per learning rate; (b) the update/weight ratio per learning
    rate; (c) constant vs decayed: training loss per epoch."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2, ax3 = fig.subplots(1, 3)
        lrs = [r.lr for r in sweep]
        first = [r.history["loss"][0] if r.history.get("loss") else math.nan for r in sweep]
        last = [r.history["loss"][-1] if r.history.get("loss") else math.nan for r in sweep]
        top = 3.0
        shown = [min(v, top) if math.isfinite(v) else top for v in last]
        ax1.plot(lrs, shown, "k-", lw=1, zorder=1)
        for r, v, raw in zip(sweep, shown, last):
            ax1.plot([r.lr], [v], "o", color=_c(r), ms=7, zorder=2)
            if not (math.isfinite(raw) and raw <= top):
                ax1.annotate(f"{raw:.3g}" if math.isfinite(raw) else "NaN", (r.lr, v),
                             textcoords="offset points", xytext=(-8, -12), fontsize=8)
        ax1.axhline(first[0], color="#888888", ls=":", lw=1)
        ax1.text(lrs[0], first[0] * 1.03, "epoch 1", fontsize=8, color="#666666",
                 va="bottom")
        ax1.set_xscale("log")
        ax1.set_ylim(0, top * 1.05)
        ax1.set_xlabel("learning rate")
        ax1.set_ylabel(f"training loss, last epoch (axis cut at {top:g})")
        ax1.set_title("(a) too small … diverging")
        med = [float(np.nanmedian(_finite(r.series.get("update_ratio", [math.nan]))))
               if np.any(np.isfinite(_finite(r.series.get("update_ratio", [math.nan]))))
               else math.nan for r in sweep]
        ax2.axhspan(1e-4, 1e-2, color="#2ca02c", alpha=0.08, lw=0)
        ax2.axhline(1e-3, color="#2ca02c", ls="--", lw=1)
        ax2.text(lrs[0], 1.15e-3, "rule of thumb 1e-3", fontsize=8, color="#1a7f37")
        for r, m in zip(sweep, med):
            if math.isfinite(m) and m > 0:
                ax2.plot([r.lr], [m], "o", color=_c(r), ms=7)
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("learning rate")
        ax2.set_ylabel("median ‖Δw‖ / ‖w‖ per step")
        ax2.set_title("(b) the update/weight ratio")
        for r in decay:
            loss = r.history.get("loss", [])
            title = r.title if r.key == "lr_cosine" else f"{r.title} constant"
            ax3.plot(_epochs(loss), loss, "o-", ms=3, color=_c(r),
                     label=f"{title} ({100 * r.test_accuracy:.0f}%)")
        ax3.set_yscale("log")
        ax3.set_xlabel("epoch")
        ax3.set_ylabel("training loss")
        ax3.set_title("(c) constant vs decayed")
        ax3.legend(loc="lower left", fontsize=8)
        ax3.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)


def depth_sweep(runs: dict[str, RunResult], depths: tuple[int, ...],
                rising: RunResult | None) -> str:
    """(a) test accuracy by depth, small vs He; (b) the 1-hidden-layer pair's loss per
    epoch; (c) one run's gradient norm rising while its loss falls."""
    with _figure(10.5, 3.5) as fig:
        ax1, ax2, ax3 = fig.subplots(1, 3)
        for tag, colour, label in (("small", "#d62728", "N(0, 0.01²)"),
                                   ("he", "#1f77b4", "He")):
            accs = [100 * runs[f"depth{d}_{tag}"].test_accuracy
                    if f"depth{d}_{tag}" in runs else math.nan for d in depths]
            ax1.plot(depths, accs, "o-", color=colour, label=f"ReLU · {label}")
        for key in ("sigmoid1", "sigmoid6"):
            r = runs.get(key)
            if r is not None:
                d = 1 if key == "sigmoid1" else 6
                ax1.plot([d], [100 * r.test_accuracy], "s", color="#9467bd", ms=7,
                         label="sigmoid · Xavier" if key == "sigmoid1" else None)
        ax1.axhline(10, color="#888888", ls=":", lw=1)
        ax1.set_xscale("log", base=2)
        ax1.set_xticks(list(depths))
        ax1.set_xticklabels([str(d) for d in depths])
        ax1.set_ylim(0, 100)
        ax1.set_xlabel("hidden layers")
        ax1.set_ylabel("test accuracy (%)")
        ax1.set_title("(a) initialisation vs depth")
        ax1.legend(loc="center right", fontsize=8)
        for key, colour in (("depth1_small", "#d62728"), ("depth1_he", "#1f77b4")):
            r = runs.get(key)
            if r is not None:
                loss = r.history.get("loss", [])
                ax2.plot(_epochs(loss), loss, "o-", ms=3, color=colour, label=r.title)
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("training loss")
        ax2.set_title("(b) 1 hidden ReLU layer")
        ax2.legend(loc="best", fontsize=8)
        ax2.xaxis.get_major_locator().set_params(integer=True)
        r = rising
        if r is not None:
            steps = np.asarray(r.series["steps"])
            ax3.plot(steps, _finite(r.series["grad_norm"]), color="#1f77b4", lw=1.2)
            ax3.set_ylabel("gradient norm (all weights)", color="#1f77b4")
            twin = ax3.twinx()
            loss = np.asarray(r.batch_loss, dtype=float)
            k = max(5, len(loss) // 15)
            smooth = figures._running_mean(loss, k)
            twin.plot(np.arange(len(loss)), smooth, color="#d62728", lw=1.5)
            twin.set_ylabel(f"batch loss (mean of {k})", color="#d62728")
            twin.grid(False)
            ax3.set_title("(c) ‖∇‖ rises, the loss falls")
        ax3.set_xlabel("training step")
        return _svg(fig)


def optimizer_paths(surfaces: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The six optimizers' paths on the saddle, the ravine and the two-minima surface."""
    from .surfaces import SURFACES

    names = [n for n in ("saddle", "ravine", "two_minima") if n in surfaces]
    with _figure(10.5, 3.6) as fig:
        axes = np.atleast_1d(fig.subplots(1, len(names)))
        for ax, name in zip(axes, names):
            s = SURFACES[name]
            gx, gy = np.meshgrid(np.linspace(*s.xlim, 120), np.linspace(*s.ylim, 120))
            z = s.f(gx, gy)
            if s.log_levels:
                zmin = float(s.f(*s.minimum)) if s.minimum is not None else float(z.min())
                levels = zmin + np.geomspace(1e-3, float(z.max() - zmin), 14)
            else:
                levels = np.linspace(float(z.min()), float(np.percentile(z, 90)), 16)
            ax.contour(gx, gy, z, levels=levels, colors="#bbbbbb", linewidths=0.6)
            for opt, run in surfaces[name].items():
                p = np.asarray(run["path"], dtype=float)
                ok = np.all(np.isfinite(p), axis=1) & (np.abs(p) < 1e6).all(axis=1)
                p = p[ok]
                n = run["steps_to_tol"]
                ax.plot(p[:, 0], p[:, 1], "-", color=SURFACE_COLOURS.get(opt, "#444"), lw=1.2,
                        label=f"{opt} ({n if n is not None else '—'})")
            ax.plot(*s.start, "k^", ms=6)
            ax.set_xlim(*s.xlim)
            ax.set_ylim(*s.ylim)
            ax.set_title({"saddle": "saddle x² − y² (steps to escape)",
                          "ravine": "ravine (steps to f < 1e-4)",
                          "two_minima": "two minima (steps to the global)"}[name],
                         fontsize=9.5)
            ax.legend(loc="lower left", fontsize=7, framealpha=0.85, frameon=True,
                      edgecolor="none")
            ax.grid(False)
        return _svg(fig)


def through_time(time: dict[str, Any]) -> str:
    """‖∂L/∂h_t‖ against t, log scale: (a) at initialisation, (b) after training."""
    models = time["models"]
    with _figure(10.5, 3.9) as fig:
        axes = fig.subplots(1, 2, sharey=True)
        for ax, when, title in ((axes[0], "init", "(a) at initialisation"),
                                (axes[1], "trained", f"(b) after {time['steps']} steps")):
            for key, m in models.items():
                n = np.asarray(m[when], dtype=float)
                ax.semilogy(np.arange(n.size), n, "o-", ms=3, lw=1.4,
                            color=TIME_COLOURS.get(key, "#444444"), label=m["title"])
            ax.set_xlabel("time step t (the loss is the prediction at the last step)")
            ax.set_title(title)
        axes[0].set_ylabel("‖∂L/∂h_t‖")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                   ncol=len(models), fontsize=8.5)
        return _svg(fig)
