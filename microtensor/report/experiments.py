"""The lecture's experiments, trained on the bundled digits and watched by a GradientMonitor.

Each experiment is a :class:`RunSpec` (a model, an optimizer, a batch size, a budget);
:func:`run_experiments` trains them all from one seed (each with
:func:`~microtensor.report.running.run_one`) and keeps, per run, what the report shows:
the per-epoch history, every batch's loss, the test accuracy, the monitor's statistics and
findings, and the gradient-flow drawings after the first and after the last backward.

The first four groups, one section of the report each (the later six are in
:mod:`~microtensor.report.experiments_sections`):

- ``depth``: the same deep MLP (``Config.depth`` hidden layers) four ways: sigmoid with
  small normal weights N(0, 0.01²), tanh with Xavier, ReLU with He, ReLU with He and
  BatchNorm; SGD with momentum, the same learning rate for all.
- ``zero``: a small sigmoid MLP with every weight zero, next to the same net with Xavier
  weights: symmetry never breaks.
- ``optim``: one tanh MLP trained with SGD, SGD at momentum's effective step, SGD with
  momentum, Nesterov, Adagrad, RMSprop and Adam (their 2-D paths:
  :mod:`~microtensor.report.surfaces`).
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

from microtensor import nn, optim
from microtensor.data import load_digits

__all__ = ["Config", "RunSpec", "RunResult", "Results", "GROUPS", "specs", "run_experiments",
           "diagnosis"]

WIDTH = 64  # hidden units of the deep nets (the digits have 64 pixels)

GROUPS = {
    "depth": "Depth, activation and initialisation",
    "zero": "Zero initialisation",
    "optim": "SGD, momentum, Nesterov, Adagrad, RMSprop and Adam",
    "batch": "Full-batch, mini-batch and single-sample gradient descent",
    "overfit": "Overfitting and its cures",
    "dying": "Dying ReLU and LeakyReLU",
    "explode": "Exploding gradients and clipping",
    "lr": "The learning rate",
    "bn": "BatchNorm, isolated",
    "claims": "Shallow nets, depth and initialisation",
    "time": "Vanishing gradients through time",  # no fit runs: see experiments_time.py
}

SHORT = {"depth": "depth", "zero": "zero init", "optim": "optimizer", "batch": "batch size",
         "overfit": "overfit", "dying": "dying ReLU", "explode": "exploding", "lr": "lr",
         "bn": "BatchNorm", "claims": "init/depth", "time": "through time"}

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
    # What the later sections vary beyond model, optimizer and batch size:
    loss: Callable[[nn.Module], Callable] | None = None  # model -> loss_fn (an L1 penalty)
    scheduler: Callable[[Any], Any] | None = None  # optimizer -> a learning-rate schedule
    callbacks: Callable[[], list] | None = None  # fresh fit callbacks (EarlyStopping)
    train_size: int | None = None  # train on the first n training digits only
    clip: float | None = None  # clip_grad_norm_ to this before every step
    flows: bool = True  # draw gradient-flow diagrams (the first four sections do)
    every: int | None = None  # the monitor records every k-th step (default: ~300 steps)
    post: Callable[[nn.Module], dict[str, float]] | None = None  # numbers from the model


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
    # Per recorded step: "steps", "grad_norm" (all weight layers), "update_ratio" (median
    # over layers), "dead:<layer>" (dead ReLU share), "clip_norm" (norm before clipping).
    series: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # section-specific numbers
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
            "ratio_series": [[s, num(v)] for s, v in self.ratio_series],
            # every update's loss where a figure shows it (Fig. 6 and 13c)
            "batch_loss": ([num(v) for v in self.batch_loss]
                           if self.group in ("batch", "claims", "depth") else []),
            "probe": [[num(e), num(v)] for e, v in self.probe],
            "first_layer": (None if self.first_layer is None else
                            [[round(float(v), 6) for v in row] for row in self.first_layer]),
            "series": {k: [num(v) for v in vs] for k, vs in self.series.items()},
            "extra": {k: num(v) if isinstance(v, float) else v
                      for k, v in self.extra.items()},
            "findings": self.findings, "kinds": self.kinds, "diagnosis": self.diagnosis,
        }


@dataclass
class Results:
    """All runs, in the order of :func:`specs`, plus the drawings the page needs."""

    config: Config
    runs: dict[str, RunResult] = field(default_factory=dict)
    graph: Any = None  # draw_graph of one batch's loss, deep sigmoid net, at initialisation
    graph_loss: float = math.nan
    graph_grads: dict[str, float] = field(default_factory=dict)  # Fig. 7: ‖∇W‖ per layer
    legend_flow: Any = None  # the first depth run's first gradient flow, with the legend
    legend_run: str | None = None  # ... and that run's key
    seconds: float = 0.0  # training time (wall clock); drawing the page comes on top
    cpu_seconds: float = 0.0  # CPU time of the training (this process)
    data: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # group-level numbers (2-D paths...)

    def group(self, name: str) -> list[RunResult]:
        return [r for r in self.runs.values() if r.group == name]

    def outcomes(self) -> dict[str, Any]:
        """The numbers that show each later section's claim (:mod:`.outcomes`)."""
        from .outcomes import outcomes

        return outcomes(self)

    def to_json(self) -> dict[str, Any]:
        c = self.config
        return {"config": {"quick": c.quick, "epochs": c.n_epochs, "updates": c.n_updates,
                           "seed": c.seed, "depth": c.depth},
                "seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                "data": self.data,
                "graph": {"loss": self.graph_loss, "grad_norm": self.graph_grads},
                "extra": _jsonable(self.extra),
                "outcomes": _jsonable(self.outcomes()),
                "runs": {k: r.to_json() for k, r in self.runs.items()}}


def _jsonable(obj: Any) -> Any:
    """NumPy arrays and floats made JSON-safe (non-finite floats become null)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


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
            # momentum 0.9 multiplies the steady-state step by 1 / (1 − 0.9) = 10: this is
            # plain SGD with that effective step, the fair control for momentum
            ("sgd_fast", "SGD · lr 0.1 (momentum's step)", lambda p: optim.SGD(p, lr=0.1),
             "SGD", 0.1),
            ("momentum", "SGD + momentum", lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
             "SGD, momentum 0.9", 0.01),
            ("nesterov", "Nesterov", lambda p: optim.SGD(p, lr=0.01, momentum=0.9,
                                                         nesterov=True),
             "SGD, Nesterov momentum 0.9", 0.01),
            ("adagrad", "Adagrad", lambda p: optim.Adagrad(p, lr=0.01), "Adagrad", 0.01),
            ("rmsprop", "RMSprop", lambda p: optim.RMSprop(p, lr=1e-3), "RMSprop", 1e-3),
            ("adam", "Adam", lambda p: optim.Adam(p, lr=1e-3), "Adam", 1e-3)):
        # The lecture's three get gradient-flow diagrams; the added ones only their findings.
        out.append(RunSpec(key, "optim", title, "4 hidden tanh layers of 64, Xavier weights",
                           lambda: mlp(mid, nn.Tanh, "tanh", _xavier_tanh), make, name, lr,
                           64, e, flows=key in ("sgd", "momentum", "adam")))
    u = config.n_updates
    small = [64, 32, 10]
    for key, title, bs in (("full_batch", "full batch", None),
                           ("mini_batch", "mini-batch of 32", 32),
                           ("single_sample", "single sample", 1)):
        out.append(RunSpec(key, "batch", title, "64 → 32 → 10 tanh net, Xavier weights",
                           lambda: mlp(small, nn.Tanh, "tanh", _xavier_tanh),
                           lambda p: optim.SGD(p, lr=0.1), "SGD", 0.1, bs, epochs=0,
                           max_updates=u, probe_every=max(1, u // 60)))
    from .experiments_sections import section_specs

    return out + section_specs(config)


# ------------------------------------------------------------------ running


def diagnosis(findings: list[dict[str, Any]]) -> str:
    """A few words for a run's findings: ``"vanishing gradients; update size off (8)"``."""
    if not findings:
        return "healthy"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["kind"]] = counts.get(f["kind"], 0) + 1
    return "; ".join(LABELS.get(k, k) + (f" ({n} layers)" if n > 1 else "")
                     for k, n in counts.items())


def run_experiments(config: Config | None = None, only: Iterable[str] | None = None,
                    log: Callable[[str], None] | None = None) -> Results:
    """Train every run of :func:`specs` (or only the keys/groups in ``only``).

    Args:
        config: the budget and seed.
        only: run keys (``"sigmoid"``) or group names (``"depth"``) to keep.
        log: called with one line per finished run (progress).
    """
    from .running import draw_one_batch, run_one  # they import this module

    config = config or Config()
    wanted = set(only) if only is not None else None
    todo = [s for s in specs(config)
            if wanted is None or s.key in wanted or s.group in wanted]
    groups = {s.group for s in todo} | ({"time"} if wanted is None or "time" in wanted
                                        else set())
    if not groups:
        raise ValueError(f"run_experiments: nothing matches only={sorted(wanted or [])}")
    t0, c0 = time.perf_counter(), time.process_time()
    x, y = load_digits(split="train")
    xt, yt = load_digits(split="test")
    results = Results(config, data={"train": len(y), "test": len(yt)})
    for i, spec in enumerate(todo, start=1):
        if spec.key == "sigmoid":
            results.graph, results.graph_loss, results.graph_grads = draw_one_batch(
                spec, config, x, y)
        result, legend = run_one(spec, config, (x, y, xt, yt),
                                 legend=results.legend_flow is None)
        if legend is not None:
            results.legend_flow, results.legend_run = legend, spec.key
        results.runs[spec.key] = result
        if log is not None:
            log(f"[{i:2d}/{len(todo)}] {SHORT[spec.group]:<10} "
                f"{spec.title:<26} test acc {result.test_accuracy:6.1%}  "
                f"{result.seconds:5.1f} s  {result.diagnosis}")
    from .experiments_sections import group_extras

    results.extra = group_extras(config, groups, (x, y))
    if log is not None and "time" in results.extra:
        t = results.extra["time"]
        log(f"[ +] {SHORT['time']:<10} {'4 character models':<26} "
            f"{t['steps']} steps each   {t['seconds']:5.1f} s")
    results.seconds = time.perf_counter() - t0
    results.cpu_seconds = time.process_time() - c0
    return results
