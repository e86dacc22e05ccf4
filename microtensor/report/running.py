"""Training one run of the report: :func:`run_one` and what it records.

:func:`run_one` trains a :class:`~microtensor.report.experiments.RunSpec` with
:func:`microtensor.train.fit` under a :class:`~microtensor.monitor.GradientMonitor` and
returns a :class:`~microtensor.report.experiments.RunResult`: the per-epoch history, every
batch's loss, the test accuracy, the monitor's statistics and findings, and (for the first
sections) the gradient-flow drawings after the first and after the last backward.
:func:`draw_one_batch` draws the graph of one batch's loss (Figure 7).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import nn, viz
from microtensor.data import DataLoader, TensorDataset
from microtensor.monitor import GradientMonitor
from microtensor.train import fit
from microtensor.viz.flow import layer_stats

from .experiments import Config, RunResult, RunSpec, diagnosis

__all__ = ["run_one", "draw_one_batch"]


def _flow(model: nn.Module, legend: bool = False) -> Any:
    """The gradient-flow drawing of ``model``'s current ``.grad``, folded to fit a page."""
    n = len(layer_stats(model))
    if n <= 6:
        return viz.gradient_flow(model, rankdir="LR", legend=legend)
    per_row = math.ceil(n / 2) if n <= 14 else math.ceil(n / 3)
    return viz.gradient_flow(model, rankdir="TB", wrap=per_row, legend=legend)


class _Watch:
    """A fit callback: the first gradient-flow drawing, the probe losses, the update cap."""

    def __init__(self, spec: RunSpec, x: mt.Tensor, y: mt.Tensor, n_train: int,
                 legend: bool) -> None:
        self.spec, self.x, self.y, self.n = spec, x, y, n_train
        self.legend = legend
        self.flow_start: Any = None
        self.legend_flow: Any = None
        self.probe: list[tuple[float, float]] = []
        self.seen = 0
        self.updates = 0

    def _probe(self, model: nn.Module) -> None:
        was = model.training
        model.eval()
        with mt.no_grad():
            loss = nn.functional.cross_entropy(model(self.x), self.y).item()
        model.train(was)
        self.probe.append((self.seen / self.n, float(loss)))

    def on_train_begin(self, model: nn.Module) -> None:
        if self.spec.probe_every:
            self._probe(model)

    def on_batch_end(self, step: int, logs: dict, model: nn.Module) -> bool:
        bs = self.spec.batch_size
        self.seen += self.n if bs is None else min(bs, self.n)
        self.updates = step + 1
        if step == 0 and self.spec.flows:
            self.flow_start = _flow(model)
            if self.legend:
                self.legend_flow = _flow(model, legend=True)
        every = self.spec.probe_every
        if every and (self.updates % every == 0 or self.updates == self.spec.max_updates):
            self._probe(model)
        return self.spec.max_updates is not None and self.updates >= self.spec.max_updates


def _evaluate(model: nn.Module, x: mt.Tensor, y: mt.Tensor) -> tuple[float, float]:
    model.eval()
    with mt.no_grad():
        out = model(x)
        loss = float(nn.functional.cross_entropy(out, y).item())
    model.train()
    return float((out._data.argmax(axis=1) == y._data).mean()), loss


def _median(values: np.ndarray) -> float:
    v = values[np.isfinite(values)]
    return float(np.median(v)) if v.size else math.nan


class _Clipped:
    """An optimizer that clips the gradients' joint norm before every step (fit has no
    clipping option): ``nn.utils.clip_grad_norm_(params, max_norm)``, then ``step()``.
    Keeps the norm before clipping of every step in :attr:`norms`."""

    def __init__(self, opt: Any, max_norm: float) -> None:
        self.opt, self.max_norm = opt, max_norm
        self.param_groups = opt.param_groups
        self.norms: list[float] = []

    def zero_grad(self) -> None:
        self.opt.zero_grad()

    def step(self) -> None:
        params = [p for g in self.param_groups for p in g["params"]]
        self.norms.append(float(nn.utils.clip_grad_norm_(params, self.max_norm)))
        self.opt.step()


def _total(rows: list[np.ndarray]) -> np.ndarray:
    """The joint norm of several layers' gradient norms, per step (NaN if any is NaN)."""
    return np.sqrt(np.sum(np.square(rows), axis=0)) if rows else np.array([])


def run_one(spec: RunSpec, config: Config, data: tuple, legend: bool = False
            ) -> tuple[RunResult, Any]:
    """Train one run; return its result (and the legend drawing when asked for)."""
    x, y, xt, yt = data
    if spec.train_size is not None:
        x, y = x[:spec.train_size], y[:spec.train_size]
    start = time.perf_counter()
    mt.manual_seed(config.seed)
    model = spec.model()
    opt = spec.optimizer(model.parameters())
    if spec.clip is not None:
        opt = _Clipped(opt, spec.clip)
    n = len(y)
    per_epoch = 1 if spec.batch_size is None else math.ceil(n / spec.batch_size)
    total = spec.max_updates or per_epoch * spec.epochs
    epochs = spec.epochs or math.ceil(spec.max_updates / per_epoch)
    # Record about 300 steps per run: every step of a short run, a sample of a long one.
    monitor = GradientMonitor(model, optimizer=opt, every=spec.every or max(1, total // 300))
    train = DataLoader(TensorDataset(x, y), batch_size=spec.batch_size, shuffle=True,
                       seed=config.seed)
    val = DataLoader(TensorDataset(xt, yt), batch_size=None)
    watch = _Watch(spec, x, y, n, legend and spec.flows)
    callbacks = [watch] + (spec.callbacks() if spec.callbacks else [])
    loss_fn = spec.loss(model) if spec.loss else nn.CrossEntropyLoss()
    sched = spec.scheduler(opt) if spec.scheduler else None
    with np.errstate(all="ignore"):  # a diverging run overflows; the monitor reports it
        history = fit(model, train, loss_fn, opt, epochs, val_loader=val, scheduler=sched,
                      callbacks=callbacks, monitor=monitor, progress=False)
    monitor.remove()
    if history.interrupted:  # Ctrl-C: stop the whole demo, not just this run
        raise KeyboardInterrupt
    flow_end = _flow(model) if spec.flows else None
    with np.errstate(all="ignore"):
        acc, test_loss = _evaluate(model, xt, yt)

    ratio = monitor.gradient_ratio()
    w = monitor.window
    valid = np.flatnonzero(np.isfinite(ratio))
    gn = monitor.series("grad_norm")
    spread = monitor.series("unit_spread")
    weight_layers = monitor.weight_layers
    findings = [{"kind": f.kind, "layer": f.layer, "severity": f.severity,
                 "message": f.message, "value": float(f.value)} for f in monitor.diagnose()]
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    series: dict[str, list[float]] = {"steps": [float(s) for s in monitor.steps]}
    series["grad_norm"] = list(map(float, _total([gn[k] for k in weight_layers if k in gn])))
    ur = monitor.series("update_ratio")
    if ur:
        with np.errstate(all="ignore"), _quiet():
            series["update_ratio"] = list(map(float, np.nanmedian(np.array(list(
                ur.values())), axis=0)))
    for k, v in monitor.series("dead_frac").items():
        series[f"dead:{k}"] = list(map(float, v))
    if isinstance(opt, _Clipped):
        series["clip_norm"] = [opt.norms[s] for s in monitor.steps if s < len(opt.norms)]
    hist = {k: list(map(float, v)) for k, v in history.items()}
    if not hist:  # stopped within its first epoch (single-sample SGD): the state at the end
        hist = {"loss": [watch.probe[-1][1]] if watch.probe else [],
                "val_loss": [test_loss], "val_accuracy": [acc]}
    extra = spec.post(model) if spec.post else {}
    for cb in callbacks:
        if hasattr(cb, "best_epoch"):  # EarlyStopping
            extra.update(best_epoch=cb.best_epoch, stopped=bool(cb.should_stop))
    result = RunResult(
        key=spec.key, group=spec.group, title=spec.title, description=spec.description,
        optimizer=spec.optimizer_name, lr=spec.lr, batch_size=spec.batch_size,
        epochs=history.epochs, updates=watch.updates, seconds=time.perf_counter() - start,
        history=hist, batch_loss=list(history.batch_loss), probe=watch.probe,
        test_accuracy=acc, test_loss=test_loss,
        ratio_start=_median(ratio[valid[:w]]) if valid.size else math.nan,
        ratio_end=_median(ratio[valid[-w:]]) if valid.size else math.nan,
        ratio_series=[(monitor.steps[i], float(ratio[i])) for i in valid],
        layer_grad_start={k: float(gn[k][0]) for k in weight_layers if k in gn},
        layer_grad_end={k: float(gn[k][-1]) for k in weight_layers if k in gn},
        unit_spread={k: float(spread[k][-1]) for k in weight_layers if k in spread},
        findings=findings, diagnosis=diagnosis(findings),
        first_layer=(first.weight._data.astype(np.float64).copy()
                     if spec.group == "zero" or spec.key in ("overfit", "l1") else None),
        flow_start=watch.flow_start, flow_end=flow_end, series=series, extra=extra)
    return result, watch.legend_flow


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices of a dead run
        yield


def draw_one_batch(spec: RunSpec, config: Config, x: mt.Tensor, y: mt.Tensor,
                   batch: int = 64) -> tuple[Any, float]:
    """The graph of one batch's loss through a freshly initialised ``spec`` model, after
    ``backward()``, one node per module."""
    mt.manual_seed(config.seed)
    model = spec.model()
    with viz.track_modules(model):
        loss = nn.functional.cross_entropy(model(x[:batch]), y[:batch])
    loss.backward()
    grads = {name: float(np.linalg.norm(m.weight.grad._data)) for name, m in
             model.named_modules() if isinstance(m, nn.Linear) and m.weight.grad is not None}
    title = f"{spec.title}: one batch of {batch} digits, at initialisation"
    return (viz.draw_graph(loss, model, collapse="module", wrap=7, title=title), loss.item(),
            grads)
