"""The lecture's experiments, trained on the bundled digits and watched by a GradientMonitor.

Each experiment is a :class:`RunSpec` (a model, an optimizer, a batch size, a budget);
:func:`run_experiments` trains them all from one seed with :func:`microtensor.train.fit`
and keeps, per run, what the report shows: the per-epoch history, every batch's loss, the
test accuracy, the monitor's statistics and findings, and the gradient-flow drawings
(:func:`microtensor.viz.gradient_flow`) after the first and after the last backward.

The four groups, one section of the report each:

- ``depth``: the same deep MLP (``Config.depth`` hidden layers) four ways: sigmoid with
  small normal weights N(0, 0.01²), tanh with Xavier, ReLU with He, ReLU with He and
  BatchNorm; SGD with momentum, the same learning rate for all.
- ``zero``: a small sigmoid MLP with every weight zero, next to the same net with Xavier
  weights: symmetry never breaks.
- ``optim``: one tanh MLP trained with SGD, SGD with momentum and Adam.
- ``batch``: one small MLP trained by full-batch, mini-batch and single-sample gradient
  descent for the same number of updates, with the same learning rate.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import nn, optim, viz
from microtensor.data import DataLoader, TensorDataset, load_digits
from microtensor.monitor import GradientMonitor
from microtensor.train import fit
from microtensor.viz.flow import layer_stats

__all__ = ["Config", "RunSpec", "RunResult", "Results", "GROUPS", "specs", "run_experiments",
           "diagnosis"]

WIDTH = 64  # hidden units of the deep nets (the digits have 64 pixels)

GROUPS = {
    "depth": "Depth, activation and initialisation",
    "zero": "Zero initialisation",
    "optim": "SGD, momentum and Adam",
    "batch": "Full-batch, mini-batch and single-sample gradient descent",
}

SHORT = {"depth": "depth", "zero": "zero init", "optim": "optimizer", "batch": "batch size"}

# Short words for the terminal table and the page's badges, per Finding.kind.
LABELS = {
    "non_finite": "NaN/inf",
    "vanishing": "vanishing gradients",
    "exploding": "exploding gradients",
    "symmetry": "identical units (symmetry)",
    "dying_relu": "dying ReLUs",
    "saturation": "saturated units",
    "update_ratio": "update size off",
}


@dataclass(frozen=True)
class Config:
    """How much to train.

    Args:
        quick: the small budget (``microtensor demo --quick``, the tests).
        epochs: epochs of the depth, zero-init and optimizer runs (default 20, quick 5).
            The batch-size runs count updates instead: ``30 × epochs`` each.
        seed: the one seed every run starts from (weights, shuffling).
        depth: hidden layers of the deep nets.
    """

    quick: bool = False
    epochs: int | None = None
    seed: int = 0
    depth: int = 10

    def __post_init__(self) -> None:
        if self.epochs is not None and (isinstance(self.epochs, bool)
                                        or not isinstance(self.epochs, int) or self.epochs < 1):
            raise ValueError(f"Config: epochs must be an int >= 1, got {self.epochs!r}")
        if self.depth < 2:
            raise ValueError(f"Config: depth must be >= 2, got {self.depth!r}")

    @property
    def n_epochs(self) -> int:
        return self.epochs or (5 if self.quick else 20)

    @property
    def n_updates(self) -> int:
        """Updates of each batch-size run."""
        return 30 * self.n_epochs


@dataclass
class RunSpec:
    """One training run: what to build, how to train it, for how long."""

    key: str
    group: str
    title: str
    description: str
    model: Callable[[], nn.Module]
    optimizer: Callable[[Iterable], Any]
    optimizer_name: str
    lr: float
    batch_size: int | None
    epochs: int
    max_updates: int | None = None
    probe_every: int | None = None  # evaluate the whole training set's loss every k updates


@dataclass
class RunResult:
    """What one run recorded (everything but the drawings goes to ``results.json``)."""

    key: str
    group: str
    title: str
    description: str
    optimizer: str
    lr: float
    batch_size: int | None
    epochs: int
    updates: int
    seconds: float
    history: dict[str, list[float]]
    batch_loss: list[float]
    probe: list[tuple[float, float]]  # (epochs of data seen, loss on the whole training set)
    test_accuracy: float
    test_loss: float
    ratio_start: float  # ‖∇W_first‖ / ‖∇W_last‖, median over the first recorded steps
    ratio_end: float  # ... and over the last ones
    ratio_series: list[tuple[int, float]]
    layer_grad_start: dict[str, float]  # weight layer -> ‖∇W‖ at the first recorded step
    layer_grad_end: dict[str, float]
    unit_spread: dict[str, float]  # weight layer -> how far its units are apart at the end
    findings: list[dict[str, Any]]
    diagnosis: str
    first_layer: np.ndarray | None = None  # weights of the first Linear after training
    flow_start: Any = None  # graphviz.Digraph after the first backward
    flow_end: Any = None  # ... and after the last one

    @property
    def healthy(self) -> bool:
        return not self.findings

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(f["kind"] for f in self.findings))

    def to_json(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if x is not None and math.isfinite(x) else None

        return {
            "key": self.key, "group": self.group, "title": self.title,
            "optimizer": self.optimizer, "lr": self.lr, "batch_size": self.batch_size,
            "epochs": self.epochs, "updates": self.updates, "seconds": round(self.seconds, 3),
            "test_accuracy": num(self.test_accuracy), "test_loss": num(self.test_loss),
            "ratio_start": num(self.ratio_start), "ratio_end": num(self.ratio_end),
            "layer_grad_start": {k: num(v) for k, v in self.layer_grad_start.items()},
            "layer_grad_end": {k: num(v) for k, v in self.layer_grad_end.items()},
            "unit_spread": {k: num(v) for k, v in self.unit_spread.items()},
            "history": {k: [num(v) for v in vs] for k, vs in self.history.items()},
            "findings": self.findings, "kinds": self.kinds, "diagnosis": self.diagnosis,
        }


@dataclass
class Results:
    """All runs, in the order of :func:`specs`, plus the drawings the page needs."""

    config: Config
    runs: dict[str, RunResult] = field(default_factory=dict)
    graph: Any = None  # draw_graph of one batch's loss, deep sigmoid net, at initialisation
    graph_loss: float = math.nan
    legend_flow: Any = None  # the first depth run's first gradient flow, with the legend
    legend_run: str | None = None  # ... and that run's key
    seconds: float = 0.0
    data: dict[str, int] = field(default_factory=dict)

    def group(self, name: str) -> list[RunResult]:
        return [r for r in self.runs.values() if r.group == name]

    def to_json(self) -> dict[str, Any]:
        c = self.config
        return {"config": {"quick": c.quick, "epochs": c.n_epochs, "updates": c.n_updates,
                           "seed": c.seed, "depth": c.depth},
                "seconds": round(self.seconds, 3), "data": self.data,
                "runs": {k: r.to_json() for k, r in self.runs.items()}}


# ------------------------------------------------------------------ models


def mlp(sizes: list[int], act: Callable[[], nn.Module], act_name: str,
        init: Callable[[Any], Any] | None, batchnorm: bool = False) -> nn.Sequential:
    """An MLP ``sizes[0] -> ... -> sizes[-1]`` with named layers ``fc1 .. fcN, out``.

    ``init(weight)`` initialises every weight (biases start at zero); ``None`` keeps
    Linear's default."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    n_hidden = len(sizes) - 2
    for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
        lin = nn.Linear(a, b)
        if init is not None:
            init(lin.weight)
            nn.init.zeros_(lin.bias)
        if i <= n_hidden:
            layers[f"fc{i}"] = lin
            if batchnorm:
                layers[f"bn{i}"] = nn.BatchNorm1d(b)
            layers[f"{act_name}{i}"] = act()
        else:
            layers["out"] = lin
    return nn.Sequential(layers)


def _small_normal(w: Any) -> Any:
    return nn.init.normal_(w, 0.0, 0.01)


def _xavier_tanh(w: Any) -> Any:
    return nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"))


def _xavier(w: Any) -> Any:
    return nn.init.xavier_normal_(w)


def _he(w: Any) -> Any:
    return nn.init.kaiming_normal_(w, nonlinearity="relu")


def _zeros(w: Any) -> Any:
    return nn.init.zeros_(w)


def specs(config: Config) -> list[RunSpec]:
    """The runs of the demo, in the order the report shows them."""
    e, d = config.n_epochs, config.depth
    deep = [64] + [WIDTH] * d + [10]
    lr_deep = 0.02

    def momentum(lr: float) -> Callable[[Iterable], Any]:
        return lambda p: optim.SGD(p, lr=lr, momentum=0.9)

    out = [
        RunSpec("sigmoid", "depth", "sigmoid · small init",
                f"{d} hidden sigmoid layers, weights drawn from N(0, 0.01²)",
                lambda: mlp(deep, nn.Sigmoid, "sigmoid", _small_normal),
                momentum(lr_deep), "SGD, momentum 0.9", lr_deep, 64, e),
        RunSpec("tanh_xavier", "depth", "tanh · Xavier",
                f"{d} hidden tanh layers, Xavier (Glorot) normal weights, gain 5/3",
                lambda: mlp(deep, nn.Tanh, "tanh", _xavier_tanh),
                momentum(lr_deep), "SGD, momentum 0.9", lr_deep, 64, e),
        RunSpec("relu_he", "depth", "ReLU · He",
                f"{d} hidden ReLU layers, He (Kaiming) normal weights",
                lambda: mlp(deep, nn.ReLU, "relu", _he),
                momentum(lr_deep), "SGD, momentum 0.9", lr_deep, 64, e),
        RunSpec("relu_he_bn", "depth", "ReLU · He · BatchNorm",
                f"{d} hidden ReLU layers, He weights, BatchNorm before every ReLU",
                lambda: mlp(deep, nn.ReLU, "relu", _he, batchnorm=True),
                momentum(lr_deep), "SGD, momentum 0.9", lr_deep, 64, e),
        RunSpec("zero_init", "zero", "sigmoid · all weights zero",
                "64 → 16 → 16 → 10 sigmoid net, every weight and bias 0",
                lambda: mlp([64, 16, 16, 10], nn.Sigmoid, "sigmoid", _zeros),
                momentum(0.1), "SGD, momentum 0.9", 0.1, 64, e),
        RunSpec("random_init", "zero", "sigmoid · Xavier",
                "the same 64 → 16 → 16 → 10 sigmoid net, Xavier normal weights",
                lambda: mlp([64, 16, 16, 10], nn.Sigmoid, "sigmoid", _xavier),
                momentum(0.1), "SGD, momentum 0.9", 0.1, 64, e),
    ]
    mid = [64] + [WIDTH] * 4 + [10]
    for key, title, make, name, lr in (
            ("sgd", "SGD", lambda p: optim.SGD(p, lr=0.01), "SGD", 0.01),
            ("momentum", "SGD + momentum", lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
             "SGD, momentum 0.9", 0.01),
            ("adam", "Adam", lambda p: optim.Adam(p, lr=1e-3), "Adam", 1e-3)):
        out.append(RunSpec(key, "optim", title, "4 hidden tanh layers of 64, Xavier weights",
                           lambda: mlp(mid, nn.Tanh, "tanh", _xavier_tanh), make, name, lr,
                           64, e))
    u = config.n_updates
    small = [64, 32, 10]
    for key, title, bs in (("full_batch", "full batch", None),
                           ("mini_batch", "mini-batch of 32", 32),
                           ("single_sample", "single sample", 1)):
        out.append(RunSpec(key, "batch", title, "64 → 32 → 10 tanh net, Xavier weights",
                           lambda: mlp(small, nn.Tanh, "tanh", _xavier_tanh),
                           lambda p: optim.SGD(p, lr=0.1), "SGD", 0.1, bs, epochs=0,
                           max_updates=u, probe_every=max(1, u // 60)))
    return out


# ------------------------------------------------------------------ running


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
        if step == 0:
            self.flow_start = _flow(model)
            if self.legend:
                self.legend_flow = _flow(model, legend=True)
        every = self.spec.probe_every
        if every and (self.updates % every == 0 or self.updates == self.spec.max_updates):
            self._probe(model)
        return self.spec.max_updates is not None and self.updates >= self.spec.max_updates


def diagnosis(findings: list[dict[str, Any]]) -> str:
    """A few words for a run's findings: ``"vanishing gradients; update size off (8)"``."""
    if not findings:
        return "healthy"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["kind"]] = counts.get(f["kind"], 0) + 1
    return "; ".join(LABELS.get(k, k) + (f" ({n} layers)" if n > 1 else "")
                     for k, n in counts.items())


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


def run_one(spec: RunSpec, config: Config, data: tuple, legend: bool = False
            ) -> tuple[RunResult, Any]:
    """Train one run; return its result (and the legend drawing when asked for)."""
    x, y, xt, yt = data
    start = time.perf_counter()
    mt.manual_seed(config.seed)
    model = spec.model()
    opt = spec.optimizer(model.parameters())
    n = len(y)
    per_epoch = 1 if spec.batch_size is None else math.ceil(n / spec.batch_size)
    total = spec.max_updates or per_epoch * spec.epochs
    epochs = spec.epochs or math.ceil(spec.max_updates / per_epoch)
    # Record about 300 steps per run: every step of a short run, a sample of a long one.
    monitor = GradientMonitor(model, optimizer=opt, every=max(1, total // 300))
    train = DataLoader(TensorDataset(x, y), batch_size=spec.batch_size, shuffle=True,
                       seed=config.seed)
    val = DataLoader(TensorDataset(xt, yt), batch_size=None)
    watch = _Watch(spec, x, y, n, legend)
    history = fit(model, train, nn.CrossEntropyLoss(), opt, epochs, val_loader=val,
                  callbacks=[watch], monitor=monitor, progress=False)
    monitor.remove()
    if history.interrupted:  # Ctrl-C: stop the whole demo, not just this run
        raise KeyboardInterrupt
    flow_end = _flow(model)
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
    result = RunResult(
        key=spec.key, group=spec.group, title=spec.title, description=spec.description,
        optimizer=spec.optimizer_name, lr=spec.lr, batch_size=spec.batch_size,
        epochs=history.epochs, updates=watch.updates, seconds=time.perf_counter() - start,
        history={k: list(map(float, v)) for k, v in history.items()},
        batch_loss=list(history.batch_loss), probe=watch.probe,
        test_accuracy=acc, test_loss=test_loss,
        ratio_start=_median(ratio[valid[:w]]) if valid.size else math.nan,
        ratio_end=_median(ratio[valid[-w:]]) if valid.size else math.nan,
        ratio_series=[(monitor.steps[i], float(ratio[i])) for i in valid],
        layer_grad_start={k: float(gn[k][0]) for k in weight_layers if k in gn},
        layer_grad_end={k: float(gn[k][-1]) for k in weight_layers if k in gn},
        unit_spread={k: float(spread[k][-1]) for k in weight_layers if k in spread},
        findings=findings, diagnosis=diagnosis(findings),
        first_layer=first.weight._data.astype(np.float64).copy(),
        flow_start=watch.flow_start, flow_end=flow_end)
    return result, watch.legend_flow


def draw_one_batch(spec: RunSpec, config: Config, x: mt.Tensor, y: mt.Tensor,
                   batch: int = 64) -> tuple[Any, float]:
    """The graph of one batch's loss through a freshly initialised ``spec`` model, after
    ``backward()``, one node per module."""
    mt.manual_seed(config.seed)
    model = spec.model()
    with viz.track_modules(model):
        loss = nn.functional.cross_entropy(model(x[:batch]), y[:batch])
    loss.backward()
    title = f"{spec.title}: one batch of {batch} digits, at initialisation"
    return viz.draw_graph(loss, model, collapse="module", wrap=7, title=title), loss.item()


def run_experiments(config: Config | None = None, only: Iterable[str] | None = None,
                    log: Callable[[str], None] | None = None) -> Results:
    """Train every run of :func:`specs` (or only the keys/groups in ``only``).

    Args:
        config: the budget and seed.
        only: run keys (``"sigmoid"``) or group names (``"depth"``) to keep.
        log: called with one line per finished run (progress).
    """
    config = config or Config()
    wanted = set(only) if only is not None else None
    todo = [s for s in specs(config)
            if wanted is None or s.key in wanted or s.group in wanted]
    if not todo:
        raise ValueError(f"run_experiments: nothing matches only={sorted(wanted or [])}")
    t0 = time.perf_counter()
    x, y = load_digits(split="train")
    xt, yt = load_digits(split="test")
    results = Results(config, data={"train": len(y), "test": len(yt)})
    for i, spec in enumerate(todo, start=1):
        if spec.key == "sigmoid":
            results.graph, results.graph_loss = draw_one_batch(spec, config, x, y)
        result, legend = run_one(spec, config, (x, y, xt, yt),
                                 legend=results.legend_flow is None)
        if legend is not None:
            results.legend_flow, results.legend_run = legend, spec.key
        results.runs[spec.key] = result
        if log is not None:
            log(f"[{i:2d}/{len(todo)}] {SHORT[spec.group]:<10} "
                f"{spec.title:<26} test acc {result.test_accuracy:6.1%}  "
                f"{result.seconds:5.1f} s  {result.diagnosis}")
    results.seconds = time.perf_counter() - t0
    return results
