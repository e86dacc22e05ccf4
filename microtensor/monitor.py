"""GradientMonitor: per-layer statistics of a training run, and what they say in words.

Attach a monitor to a model, call :meth:`GradientMonitor.step` after every optimizer
step, then ask it what went wrong::

    monitor = GradientMonitor(model, optimizer=opt)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        monitor.step()
    for finding in monitor.diagnose():
        print(finding)

How it records (on *recorded* steps only: every ``every``-th call of ``step``):

- **forward hooks** on every leaf module and every module with parameters of its own
  (``Linear``, ``Conv2d``, ``BatchNorm1d``, activation modules, ...) read the module's
  output: mean and std, non-finite count; for ``ReLU`` the share of dead units; for
  ``Sigmoid``/``Tanh`` the share of saturated elements. The first forward of the step
  also copies each parameterized layer's weight (the weight *before* the update).
  Forward passes run under ``no_grad`` (evaluation) are ignored.
- **``step()``** reads each parameterized layer's ``.grad`` (gradient norm, mean |g|,
  non-finite count) and compares its weight with the copy: the update/weight ratio
  ``‖Δw‖ / ‖w‖`` is the update the optimizer actually made (momentum, Adam's scaling and
  weight decay included), not an estimate from ``lr × grad``.

On unrecorded steps the hooks are not even attached (they are added back by the
``step()`` call that precedes a recorded step), so they cost nothing. Activations
applied as functions inside ``forward`` (``F.relu(x)``) are invisible to the monitor:
only modules are hooked.

Definitions used by the statistics and by :meth:`GradientMonitor.diagnose`:

- a layer's *weight* is its ``weight`` parameter (all its own parameters together if it
  has none); ``grad_norm`` is the L2 norm of that weight's gradient.
- a ReLU *unit* is one output feature (the last axis; for a 4-D ``(N, C, H, W)`` output,
  one channel). It is **dead** when it is ≤ 0 for every sample of the batch (and every
  position): it passes no gradient back, so the weights feeding it do not change. Batches
  smaller than ``min_samples`` (32) are pooled over consecutive recorded steps first, so
  that a unit is never called dead on the evidence of a handful of samples.
- an element of a Sigmoid/Tanh output is **saturated** when its local derivative is
  below ``saturation_threshold`` (default 0.01): ``σ'(x) = s(1 − s)`` (``s`` outside
  about [0.0101, 0.9899]) or ``tanh'(x) = 1 − t²`` (``|t| > 0.995``). Sigmoid's derivative
  is at most 0.25, tanh's at most 1.
- the **vanishing/exploding** test compares the gradient norm of the first weight layer
  (input side; layers whose weight has ≥ 2 dims: Linear, Conv2d) with the last one's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import is_grad_enabled
from .tensor import Tensor
from .torch_interop import is_torch_module, np_dtype, require_torch

__all__ = ["Finding", "GradientMonitor", "symmetry_tolerance"]

# The default ``every`` for a torch model (see GradientMonitor's docstring).
TORCH_EVERY = 10

# How many rounding units apart a layer's units may be and still count as identical.
SYMMETRY_ULPS = 256


def symmetry_tolerance(dtype: Any) -> float:
    """The default largest ``unit_spread`` of identical units: 256 × ``dtype``'s epsilon.

    Units that start equal (zero or constant initialisation) get equal gradients, but
    "equal" only up to float rounding: BLAS kernels may round the rows of one product
    differently (seen: 1e-7 relative on float32 after 20 epochs, about one epsilon, on an
    AMD CPU; exactly 0 on others). 256 epsilons (3.1e-5 for float32, 5.7e-14 for float64)
    leave room for that to add up over a run, and are orders of magnitude below the spread
    of any random initialisation (about 1 relative to the largest weight).
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:  # a torch dtype: torch.float32 -> float32
        dt = np_dtype(dtype)
    if not isinstance(dt, np.dtype) or dt.kind != "f":  # torch.bfloat16: NumPy has none
        dt = np.dtype(np.float32)
    return SYMMETRY_ULPS * float(np.finfo(dt).eps)

# Activation kinds by class name (anywhere in the MRO, so subclasses count too).
_KINDS = {"ReLU": "relu", "ReLU6": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}

# The statistics a record can hold, in the order summary() shows them.
STATS = ("grad_norm", "grad_mean_abs", "grad_nonfinite", "weight_norm", "update_ratio",
         "unit_spread", "act_mean", "act_std", "act_nonfinite", "dead_frac",
         "saturated_frac", "units")


@dataclass(frozen=True)
class Finding:
    """One problem :meth:`GradientMonitor.diagnose` found.

    Attributes:
        kind: ``"vanishing"``, ``"exploding"``, ``"non_finite"``, ``"dying_relu"``,
            ``"saturation"``, ``"update_ratio"`` or ``"symmetry"``.
        layer: the module's name in ``model.named_modules()`` (``""`` is the model itself).
        severity: ``"error"`` (training is broken: non-finite values, vanishing gradients,
            identical units, every unit of a layer dead) or ``"warning"`` (likely hurting).
        message: one or two sentences that name the layer and say what to do.
        value: the number the decision was made on (a ratio, a share, a count).
        step: the recorded step it refers to (``None`` for a median over many steps).
    """

    kind: str
    layer: str
    severity: str
    message: str
    value: float
    step: int | None = None

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message}"


def _fmt(x: float) -> str:
    """A number for a message: 3 significant digits, scientific when far from 1."""
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0 or 1e-2 <= abs(x) < 1e4:
        return f"{x:.3g}"
    return f"{x:.2e}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _n(name: str) -> str:
    """A layer's name in a sentence: ``layers.2`` stays, a bare index reads ``layer 2``."""
    if not name:
        return "the model"
    return f"layer {name}" if name.isdigit() else name


class GradientMonitor:
    """Record per-layer gradient and activation statistics; diagnose them in words.

    Args:
        model: the Module to watch: a microtensor ``nn.Module`` or a ``torch.nn.Module``
            (its statistics are computed by torch on the model's device; see
            :mod:`microtensor.monitor_torch`).
        every: record every ``every``-th step (``step()`` call); 1 records all of them.
            The default, ``None``, is 1 for a microtensor model and 10 for a torch model:
            recording costs a torch MLP 30–60% of a plain step (a dozen small torch calls
            per layer), so recording one step in ten keeps the monitor at about 5%
            (measured in ``benchmarks/README.md``).
        optimizer: optional. Gives the learning rate per recorded step (:attr:`lrs`) and
            which parameters are trained (layers it does not update get no update ratio).
        dead_threshold: report dying ReLU when the share of dead units of a ReLU layer is
            above this (default 0.5).
        saturation_threshold: an element is saturated when the activation's local
            derivative is below this (default 0.01).
        saturation_share: report saturation when the share of saturated elements of a
            Sigmoid/Tanh layer is above this (default 0.5).
        vanishing_ratio: report vanishing gradients when ‖∇W_first‖ / ‖∇W_last‖ is below
            this (default 1e-3); exploding when above ``1 / vanishing_ratio``, or when the
            total gradient norm grows by more than that factor during training.
        update_ratio_range: ``(low, high)``, default ``(1e-5, 1e-1)``: an update/weight
            ratio below ``low`` means the layer barely learns, above ``high`` that each
            step rewrites it. The rule of thumb for a healthy run is about 1e-3.
        symmetry_tol: a layer's units are identical when every weight row (and bias)
            differs from the first by at most this, relative to the largest weight. The
            default, ``None``, is :func:`symmetry_tolerance` of the weight's dtype:
            256 × its machine epsilon (3.1e-5 for float32, 5.7e-14 for float64). Units
            that started equal differ by a few epsilons after training, because a
            product's rows are rounded differently by some BLAS kernels; units started
            at random differ by about as much as the weights themselves.
        min_samples: a ReLU unit is judged dead only on at least this many samples
            (default 32): smaller batches are pooled over consecutive recorded steps, so
            single-sample SGD is judged fairly.
        window: how many recorded steps make "the start" and "the end" of training.

    Attributes:
        history: ``{layer: [record, ...]}``, one dict per recorded step (keys ``"step"``
            and the statistics listed in :meth:`series`), aligned with :attr:`steps`.
        steps: the indices (0-based ``step()`` calls) of the recorded steps.
        lrs: the optimizer's first learning rate at each recorded step (with an optimizer).
    """

    def __init__(self, model: Any, *, every: int | None = None, optimizer: Any = None,
                 dead_threshold: float = 0.5, saturation_threshold: float = 0.01,
                 saturation_share: float = 0.5, vanishing_ratio: float = 1e-3,
                 update_ratio_range: tuple[float, float] = (1e-5, 1e-1),
                 symmetry_tol: float | None = None, min_samples: int = 32,
                 window: int = 3) -> None:
        if not hasattr(model, "named_modules"):
            raise TypeError(f"GradientMonitor: model must be an nn.Module, "
                            f"got {type(model).__name__}")
        if every is None:
            every = TORCH_EVERY if is_torch_module(model) else 1
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"GradientMonitor: every must be an int >= 1, got {every!r}")
        for name, v in (("window", window), ("min_samples", min_samples)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"GradientMonitor: {name} must be an int >= 1, got {v!r}")
        for name, v in (("dead_threshold", dead_threshold), ("saturation_share",
                                                              saturation_share)):
            if not 0 <= v <= 1:
                raise ValueError(f"GradientMonitor: {name} must be in [0, 1], got {v!r}")
        if not 0 < vanishing_ratio < 1:
            raise ValueError(f"GradientMonitor: vanishing_ratio must be in (0, 1), "
                             f"got {vanishing_ratio!r}")
        low, high = update_ratio_range
        if not 0 <= low < high:
            raise ValueError(f"GradientMonitor: update_ratio_range must be (low, high) with "
                             f"0 <= low < high, got {update_ratio_range!r}")
        self.model = model
        # A torch model's statistics are computed by torch, on its device (monitor_torch).
        self._ts = None
        if is_torch_module(model):
            require_torch("GradientMonitor")
            from .monitor_torch import TorchStats

            self._ts = TorchStats(self)
        self.every = every
        self.optimizer = optimizer
        self.dead_threshold = float(dead_threshold)
        self.saturation_threshold = float(saturation_threshold)
        self.saturation_share = float(saturation_share)
        self.vanishing_ratio = float(vanishing_ratio)
        self.update_ratio_range = (float(low), float(high))
        if symmetry_tol is not None and not symmetry_tol >= 0:
            raise ValueError(f"GradientMonitor: symmetry_tol must be >= 0 or None, "
                             f"got {symmetry_tol!r}")
        self.symmetry_tol = None if symmetry_tol is None else float(symmetry_tol)
        self.window = window
        self.min_samples = min_samples

        # What to watch: leaves, and any module with parameters of its own.
        self._modules: dict[str, Any] = {}
        self._kind: dict[str, str | None] = {}
        self._weight: dict[str, list] = {}  # name -> [weight, all own params, bias]
        for name, m in model.named_modules():
            named = dict(m.named_parameters(recurse=False))
            own = list(named.values())
            if own or not any(True for _ in m.children()):
                self._modules[name] = m
                self._kind[name] = next((_KINDS[c.__name__] for c in type(m).__mro__
                                         if c.__name__ in _KINDS), None)
                if own:
                    self._weight[name] = [named.get("weight"), own, named.get("bias")]
        self._order: list[str] = []      # names in the order their forward ran
        self.history: dict[str, list[dict]] = {name: [] for name in self._modules}
        self.steps: list[int] = []
        self.lrs: list[float] = []
        self._step = 0
        self._pending: dict[str, dict] = {}
        self._before: dict[str, np.ndarray] = {}
        self._start_norm: dict[str, float] = {}  # ‖w‖ at the first recorded forward
        self._alive: dict[str, list] = {}        # ReLU name -> [ever-positive mask, samples]
        self._handles: list[Any] = []
        self._removed = False
        self._attach()
        # Recurrent layers: the gradient reaching each time step (microtensor/monitor_time.py).
        from .monitor_time import attach_time_monitor

        self.time = None if self._ts is not None else attach_time_monitor(model, vanishing_ratio)

    # ------------------------------------------------------------------ hooks

    def _attach(self) -> None:
        if self._handles:
            return
        for name, m in self._modules.items():
            self._handles.append(m.register_forward_hook(self._make_hook(name)))

    def _detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def _make_hook(self, name: str):
        def hook(module: Any, args: tuple, output: Any) -> None:
            # Evaluation passes (under no_grad) are not training steps.
            if self._ts.grad_enabled() if self._ts is not None else is_grad_enabled():
                self._on_output(name, output)
        return hook

    def _on_output(self, name: str, output: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        if self._ts is not None:
            self._ts.on_output(name, output)
            return
        if name in self._weight and name not in self._before:
            w = self._main(name)
            if w is not None:
                self._before[name] = w._data.astype(np.float64, copy=True)
                if name not in self._start_norm:
                    self._start_norm[name] = float(np.linalg.norm(self._before[name]))
        if isinstance(output, (tuple, list)) and output:
            output = output[0]
        if not isinstance(output, Tensor) or output._data.dtype.kind not in "fc":
            return
        a = output._data
        rec: dict[str, float] = {}
        mean = float(a.mean(dtype=np.float64)) if a.size else math.nan
        # A finite mean means no NaN/inf anywhere: count them only when it is not.
        nonfinite = 0 if math.isfinite(mean) else a.size - int(np.count_nonzero(np.isfinite(a)))
        rec["act_mean"] = mean
        rec["act_std"] = float(a.std(dtype=np.float64)) if a.size else math.nan
        rec["act_nonfinite"] = float(nonfinite)
        kind = self._kind[name]
        if nonfinite or not a.size:
            pass  # dead / saturated shares mean nothing once NaNs flow
        elif kind == "relu":
            self._count_dead(name, a, rec)
        elif kind in ("sigmoid", "tanh"):
            a64 = a.astype(np.float64)
            deriv = a64 * (1.0 - a64) if kind == "sigmoid" else 1.0 - a64 * a64
            rec["saturated_frac"] = float(np.count_nonzero(deriv < self.saturation_threshold)
                                          / a.size)
        self._pending[name] = rec

    def _count_dead(self, name: str, a: np.ndarray, rec: dict) -> None:
        """OR this batch's "ever > 0" mask per unit into the layer's running one; once it has
        seen ``min_samples`` samples, record the dead share and start again."""
        axis = 1 if a.ndim == 4 else a.ndim - 1
        others = tuple(i for i in range(a.ndim) if i != axis)
        alive = (a > 0).any(axis=others) if others else a > 0
        n = a.shape[0] if a.ndim >= 2 else 1
        acc = self._alive.get(name)
        if acc is None or acc[0].shape != alive.shape:
            acc = self._alive[name] = [np.zeros(alive.shape, dtype=bool), 0]
        acc[0] |= alive
        acc[1] += n
        if acc[1] >= self.min_samples:
            rec["units"] = float(alive.size)
            rec["dead_frac"] = 1.0 - float(np.count_nonzero(acc[0])) / alive.size
            del self._alive[name]

    def _main(self, name: str) -> Any:
        """The tensor a layer's statistics are about: ``weight``, or its only parameter."""
        w, own, _ = self._weight[name]
        if w is not None:
            return w
        return own[0] if len(own) == 1 else None

    # ------------------------------------------------------------------ recording

    @property
    def recording(self) -> bool:
        """Whether the current step (the one the next ``step()`` call closes) is recorded."""
        return self._step % self.every == 0

    def step(self) -> None:
        """Close the current training step: call it after ``optimizer.step()`` (before the
        next ``zero_grad``). On a recorded step, read the gradients and updates."""
        if self._removed:
            raise RuntimeError("GradientMonitor.step: the monitor was removed; create a new "
                               "one to keep recording")
        if self.recording:
            self._record()
        self._step += 1
        self._pending = {}
        self._before = {}
        if self.recording:
            self._attach()
        else:
            self._detach()

    def _trained(self) -> set[int] | None:
        if self.optimizer is None:
            return None
        return {id(p) for g in self.optimizer.param_groups for p in g["params"]}

    def _record(self) -> None:
        trained = self._trained()
        recs = []
        for name in self._modules:
            rec: dict[str, float] = {"step": self._step}
            rec.update(self._pending.get(name, {}))
            if name in self._weight:
                rec.update(self._param_stats(name, trained))
            recs.append(rec)
        if self._ts is not None:
            self._ts.finalize(recs)  # the step's statistics reach the CPU in one copy
        for name, rec in zip(self._modules, recs):
            self.history[name].append(rec)
        self.steps.append(self._step)
        if self.time is not None:
            self.time.record()
        if self.optimizer is not None:
            self.lrs.append(float(self.optimizer.param_groups[0]["lr"]))

    def _param_stats(self, name: str, trained: set[int] | None) -> dict[str, float]:
        if self._ts is not None:
            return self._ts.param_stats(name, trained)
        _, own, b = self._weight[name]
        main = self._main(name)
        tensors = [main] if main is not None else own
        rec: dict[str, float] = {}
        grads = [p.grad._data for p in tensors if p.grad is not None]
        if grads:
            g = np.concatenate([x.reshape(-1).astype(np.float64) for x in grads])
            rec["grad_norm"] = float(np.sqrt(np.dot(g, g)))
            rec["grad_mean_abs"] = float(np.abs(g).mean()) if g.size else math.nan
        rec["grad_nonfinite"] = float(sum(
            p.grad._data.size - np.count_nonzero(np.isfinite(p.grad._data))
            for p in own if p.grad is not None and not np.isfinite(p.grad._data.sum())))
        if main is None:
            return rec
        now = main._data.astype(np.float64)
        rec["weight_norm"] = float(np.linalg.norm(now))
        before = self._before.get(name)
        learns = main.requires_grad and (trained is None or id(main) in trained)
        if learns and before is not None and before.shape == now.shape:
            wn = float(np.linalg.norm(before))
            rec["update_ratio"] = float(np.linalg.norm(now - before)) / wn if wn > 0 else math.nan
        if main.ndim >= 2 and main.shape[0] >= 2:
            rows = now.reshape(main.shape[0], -1)
            if b is not None and b.shape == (main.shape[0],):
                rows = np.concatenate([rows, b._data.astype(np.float64)[:, None]], axis=1)
            if not np.all(np.isfinite(rows)):
                rec["unit_spread"] = math.nan
            else:
                scale = float(np.abs(rows).max())
                spread = float(np.abs(rows - rows[0]).max())
                rec["unit_spread"] = spread / scale if scale > 0 else 0.0
        return rec

    def remove(self) -> None:
        """Detach every hook; the model runs exactly as without a monitor. The recorded
        history stays readable; :meth:`step` refuses to record further."""
        self._detach()
        if self.time is not None:
            self.time.remove()
        self._removed = True
        self._pending = {}
        self._before = {}

    def __enter__(self) -> GradientMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    # ------------------------------------------------------------------ reading

    @property
    def layers(self) -> list[str]:
        """The watched modules' names, input → output (in the order their forward ran;
        modules not yet seen follow in ``named_modules()`` order)."""
        return self._order + [n for n in self._modules if n not in self._order]

    @property
    def param_layers(self) -> list[str]:
        """The watched modules with parameters of their own, input → output."""
        return [n for n in self.layers if n in self._weight]

    @property
    def weight_layers(self) -> list[str]:
        """Parameterized layers whose weight has ≥ 2 dims (Linear, Conv2d), input → output:
        the ones the vanishing/exploding test compares."""
        out = []
        for n in self.param_layers:
            w = self._main(n)
            if w is not None and w.ndim >= 2:
                out.append(n)
        return out

    def kind(self, layer: str) -> str:
        """``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"param"`` or ``"other"``."""
        if self._kind[layer]:
            return self._kind[layer]
        return "param" if layer in self._weight else "other"

    def series(self, stat: str) -> dict[str, np.ndarray]:
        """``{layer: values}``, one float per recorded step (NaN where not recorded), for
        every layer that has ``stat`` at least once. ``stat`` is one of ``grad_norm``,
        ``grad_mean_abs``, ``grad_nonfinite``, ``weight_norm``, ``update_ratio``,
        ``unit_spread``, ``act_mean``, ``act_std``, ``act_nonfinite``, ``dead_frac``,
        ``saturated_frac``, ``units``."""
        if stat not in STATS:
            raise ValueError(f"GradientMonitor.series: unknown statistic {stat!r}; "
                             f"expected one of {', '.join(STATS)}")
        out = {}
        for name in self.layers:
            recs = self.history[name]
            if any(stat in r for r in recs):
                out[name] = np.array([r.get(stat, math.nan) for r in recs], dtype=np.float64)
        return out

    def gradient_ratio(self) -> np.ndarray:
        """‖∇W_first‖ / ‖∇W_last‖ per recorded step (first and last weight layer, see
        :attr:`weight_layers`); NaN where either norm is zero, missing or non-finite."""
        wl = self.weight_layers
        if len(wl) < 2:
            return np.full(len(self.steps), math.nan)
        gn = self.series("grad_norm")
        first = gn.get(wl[0], np.full(len(self.steps), math.nan))
        last = gn.get(wl[-1], np.full(len(self.steps), math.nan))
        ok = np.isfinite(first) & np.isfinite(last) & (first > 0) & (last > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ok, first / np.where(ok, last, 1.0), math.nan)

    # ------------------------------------------------------------------ diagnosis

    def diagnose(self) -> list[Finding]:
        """What the recorded statistics say, in words, errors first. Empty if healthy.

        - ``non_finite``: a NaN/inf in a layer's output or gradient (the first step and
          layer where it showed).
        - ``vanishing``: ‖∇W_first‖ / ‖∇W_last‖ below ``vanishing_ratio`` (median over the
          first ``window`` recorded steps where it is defined: at initialisation, where
          depth, activation and init decide it; or, if it develops later, the last ones).
          Not reported when identical (zero-initialised) layers downstream explain it:
          ``symmetry`` is the finding then.
        - ``exploding``: that ratio above ``1 / vanishing_ratio``, or the total gradient
          norm growing more than that factor from the start to its peak.
        - ``dying_relu``: the share of dead units of a ReLU above ``dead_threshold`` (at
          the first recorded step, or the mean over the last ``window``).
        - ``saturation``: the share of saturated Sigmoid/Tanh outputs above
          ``saturation_share`` (same steps).
        - ``update_ratio``: the median ‖Δw‖/‖w‖ of a layer over the first or the last
          ``window`` recorded steps outside ``update_ratio_range``.
        - ``symmetry``: at the last recorded step, all units of a layer (weight rows and
          biases) are identical, the zero/constant-initialisation failure.
        """
        if not self.steps:
            return []
        found = (self._non_finite() + self._vanishing() + self._symmetry()
                 + self._dying() + self._saturation() + self._update_ratio())
        if self.time is not None:
            found += self.time.findings()
        return sorted(found, key=lambda f: f.severity != "error")

    def _windows(self, values: np.ndarray) -> tuple[float, float]:
        """The first finite value (the state at initialisation) and the mean of the last
        ``window`` finite values (the state at the end)."""
        v = values[np.isfinite(values)]
        if v.size == 0:
            return math.nan, math.nan
        return float(v[0]), float(v[-self.window:].mean())

    def _before_layer(self, name: str) -> str | None:
        """The parameterized layer that runs just before ``name`` (what feeds it)."""
        layers = self.layers
        prev = [n for n in layers[:layers.index(name)] if n in self._weight]
        return prev[-1] if prev else None

    def _non_finite(self) -> list[Finding]:
        out = []
        for stat, what in (("act_nonfinite", "output"), ("grad_nonfinite", "gradient")):
            s = self.series(stat)
            hits = [(int(np.argmax(v > 0)), n) for n, v in s.items() if np.any(v > 0)]
            if not hits:
                continue
            first_step = min(h[0] for h in hits)
            at = [n for i, n in hits if i == first_step]
            # Forward: NaN flows input → output, so the first layer in order is the source.
            # Backward: it flows output → input, so the source is the last layer in order.
            layer = at[0] if what == "output" else at[-1]
            count = s[layer][first_step]
            step = self.steps[first_step]
            out.append(Finding(
                "non_finite", layer, "error",
                f"non-finite values: the {what} of {_n(layer)} has {int(count)} NaN/inf "
                f"entries at step {step} (the first {what} to show them). Either training "
                f"diverged (exploding gradients: lower the learning rate, clip gradients with "
                f"nn.utils.clip_grad_norm_) or the data or the loss produce them (NaN inputs, "
                f"log(0), division by zero).",
                float(count), step))
        return out

    def unit_tolerance(self, name: str) -> float:
        """The largest ``unit_spread`` of layer ``name`` that counts as identical units:
        ``symmetry_tol``, or :func:`symmetry_tolerance` of the layer's weight dtype."""
        if self.symmetry_tol is not None:
            return self.symmetry_tol
        return symmetry_tolerance(self._main(name).dtype)

    def _symmetric_layers(self, i: int = -1) -> list[str]:
        """Weight layers whose units are identical (up to rounding) at recorded step ``i``."""
        return [n for n, v in self.series("unit_spread").items()
                if np.isfinite(v[i]) and v[i] <= self.unit_tolerance(n)]

    def _vanishing(self) -> list[Finding]:
        wl = self.weight_layers
        ratio = self.gradient_ratio()
        valid = np.flatnonzero(np.isfinite(ratio))
        if len(wl) < 2 or valid.size == 0:
            return []
        first, last = wl[0], wl[-1]
        gn = self.series("grad_norm")
        thr, big = self.vanishing_ratio, 1.0 / self.vanishing_ratio
        out = []
        start_idx, end_idx = valid[:self.window], valid[-self.window:]
        if valid[0] == 0:
            at_start = "at the start of training"
        else:
            at_start = (f"from step {self.steps[valid[0]]} on (before it, no gradient reached "
                        f"{_n(first)} at all)")
        for when, idx in ((at_start, start_idx), ("by the end of training", end_idx)):
            r = float(np.median(ratio[idx]))
            i = int(idx[0])
            if r < thr and any(n != first for n in self._symmetric_layers(i)):
                break  # zero/constant init starves the early layers: see the symmetry finding
            where = (f"the gradient reaching {_n(first)} (the first layer) is {_fmt(r)} times "
                     f"the one at {_n(last)} (the last layer; ‖∇W‖ {_fmt(gn[first][i])} vs "
                     f"{_fmt(gn[last][i])}")
            per_layer = r ** (1.0 / (len(wl) - 1))
            if r < thr:
                out.append(Finding(
                    "vanishing", first, "error",
                    f"vanishing gradients {when}: {where}; threshold {_fmt(thr)}): it shrinks "
                    f"about {_fmt(1 / per_layer)}-fold per layer on its way back, so the early "
                    f"layers barely learn. {self._vanishing_cause(i)}",
                    r, self.steps[i]))
                break
            if r > big:
                out.append(Finding(
                    "exploding", first, "warning",
                    f"exploding gradients {when}: {where}; threshold {_fmt(big)}): it grows "
                    f"about {_fmt(per_layer)}-fold per layer on its way back. Use smaller "
                    f"initial weights (Xavier/He), BatchNorm or gradient clipping.",
                    r, self.steps[i]))
                break
        return out + self._growth()

    def _growth(self) -> list[Finding]:
        """Exploding over time: the total gradient norm at its peak vs at the start."""
        wl = self.weight_layers
        gn = self.series("grad_norm")
        rows = [np.where(np.isfinite(gn[n]), gn[n], 0.0) ** 2 for n in wl if n in gn]
        if not rows:
            return []
        total = np.sqrt(np.sum(rows, axis=0))
        ok = np.flatnonzero(total > 0)
        if ok.size <= self.window:
            return []
        base_idx = ok[:self.window]
        base = float(np.median(total[base_idx]))
        peak_i = int(ok[np.argmax(total[ok])])
        growth = float(total[peak_i]) / base
        if not growth > 1.0 / self.vanishing_ratio:
            return []

        def layer_growth(n: str) -> float:
            b = float(np.nanmedian(gn[n][base_idx]))
            return float(np.nan_to_num(gn[n][peak_i])) / b if b > 0 else 0.0

        layer = max((n for n in wl if n in gn), key=layer_growth)
        return [Finding(
            "exploding", layer, "warning",
            f"exploding gradients: the total gradient norm grew {_fmt(growth)}-fold from the "
            f"start ({_fmt(base)}) to step {self.steps[peak_i]} ({_fmt(float(total[peak_i]))})"
            f", most at {_n(layer)}. Lower the learning rate or clip gradients "
            f"(nn.utils.clip_grad_norm_).",
            growth, self.steps[peak_i])]

    def _vanishing_cause(self, i: int) -> str:
        """Sentences on why, from what else was recorded at step index ``i``."""
        kinds = {self._kind[n] for n in self.layers}
        sat = self.series("saturated_frac")
        saturated = [_n(n) for n, v in sat.items() if v[i] > self.saturation_share]
        parts = []
        if saturated:
            parts.append(f"The {'unit' if len(saturated) == 1 else 'units'} of "
                         f"{', '.join(saturated[:3])} {'is' if len(saturated) == 1 else 'are'} "
                         f"mostly saturated, and a saturated unit passes almost no gradient "
                         f"back.")
        elif "sigmoid" in kinds:
            parts.append("Each sigmoid multiplies the gradient by σ'(x) ≤ 0.25 on its way "
                         "back, layer after layer.")
        small = self._small_init()
        if small:
            parts.append(small)
        parts.append("ReLU with He initialisation, Xavier initialisation for tanh, or "
                     "BatchNorm keep the gradient flowing.")
        return " ".join(parts)

    def _small_init(self) -> str:
        """A sentence if the hidden weight layers started well below Xavier's scale."""
        scales = []
        for n in self.weight_layers[:-1]:
            w = self._main(n)
            size = math.prod(w.shape)  # a microtensor or a torch weight
            if n not in self._start_norm or size == 0:
                continue
            receptive = size // (w.shape[0] * w.shape[1])  # kernel size of a conv
            fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
            rms = self._start_norm[n] / math.sqrt(size)
            scales.append((rms, math.sqrt(2.0 / (fan_in + fan_out))))
        if not scales:
            return ""
        rms, xavier = (float(np.median([s[k] for s in scales])) for k in (0, 1))
        if not 0 < rms < 0.5 * xavier:
            return ""
        return (f"The initial weights are small (RMS {_fmt(rms)}, where Xavier's scale is "
                f"{_fmt(xavier)}), and the backward signal is multiplied by them at every layer.")

    def _symmetry(self) -> list[Finding]:
        out = []
        n_steps = len(self.steps)
        spread = self.series("unit_spread")
        for name in self._symmetric_layers():
            units = self._main(name).shape[0]
            s = float(spread[name][-1])
            apart = ("equal weight rows and biases" if s == 0 else
                     f"weight rows and biases differ by at most {s:.1e} × the largest "
                     f"weight, float rounding")
            out.append(Finding(
                "symmetry", name, "error",
                f"symmetry: the {units} units of {_n(name)} are identical ({apart}, after "
                f"{n_steps} recorded step{'s' * (n_steps != 1)}): from a symmetric start "
                f"(zero or constant initialisation) they get identical gradients and stay "
                f"identical up to rounding, so the layer works like a single unit. Rounding "
                f"does not break the symmetry usefully: its differences start near the "
                f"float epsilon, depend on the CPU rather than on a seed, and grow only over "
                f"many epochs, if at all. Initialise the weights randomly (Xavier/He) to "
                f"break the symmetry.",
                s, self.steps[-1]))
        return out

    @staticmethod
    def _when(start: float, end: float, threshold: float) -> str:
        if start > threshold and end > threshold:
            return "from the start to the end of training"
        if start > threshold:
            return f"at the start of training ({_pct(end)} by the end)"
        return f"by the end of training ({_pct(start)} at the start)"

    def _dying(self) -> list[Finding]:
        out = []
        units = self.series("units")
        mean, std = self.series("act_mean"), self.series("act_std")
        for name, v in self.series("dead_frac").items():
            start, end = self._windows(v)
            share = max(start, end)
            if not share > self.dead_threshold:
                continue
            feeder = self._before_layer(name)
            n = int(np.nanmax(units[name])) if name in units else 0
            i = int(np.nanargmax(v))
            if start > self.dead_threshold:
                cause = ("At initialisation this comes from the initial weights and biases "
                         "(a large negative bias, or weights so small that the biases decide "
                         "the sign): use He initialisation, a small positive bias, or "
                         "LeakyReLU.")
            else:
                cause = ("It developed during training, typically from too large a learning "
                         "rate pushing the weights and biases negative: lower the learning "
                         "rate, or use LeakyReLU.")
            if feeder in mean and np.isfinite(mean[feeder][i]):
                m, s = float(mean[feeder][i]), float(std[feeder][i])
                if m == 0 and s == 0:
                    cause = (f"Here {_n(feeder)} outputs exactly 0 everywhere (zero weights "
                             f"and biases) and ReLU'(0) = 0: initialise it randomly (He).")
                elif m < -s:
                    cause = (f"The inputs of the ReLU are mostly negative (mean {_fmt(m)}, "
                             f"std {_fmt(s)} after {_n(feeder)}). {cause}")
            out.append(Finding(
                "dying_relu", name, "error" if share >= 1.0 else "warning",
                f"dying ReLU: {_pct(share)} of the {n} units of the ReLU at {_n(name)}"
                f"{f' (after {_n(feeder)})' if feeder else ''} are dead "
                f"{self._when(start, end, self.dead_threshold)}: they output 0 for every "
                f"sample of the batch, so they pass no gradient back and the weights feeding "
                f"them stop changing. {cause}", share))
        return out

    def _saturation(self) -> list[Finding]:
        out = []
        c = self.saturation_threshold
        for name, v in self.series("saturated_frac").items():
            start, end = self._windows(v)
            share = max(start, end)
            if not share > self.saturation_share:
                continue
            if self._kind[name] == "sigmoid":
                lo = (1 - math.sqrt(max(1 - 4 * c, 0.0))) / 2
                rule = f"σ'(x) = s(1 − s) < {_fmt(c)}, i.e. s < {lo:.3g} or s > {1 - lo:.3g}"
                act = "sigmoid"
            else:
                rule = f"tanh'(x) = 1 − t² < {_fmt(c)}, i.e. |t| > {math.sqrt(max(1 - c, 0)):.3g}"
                act = "tanh"
            feeder = self._before_layer(name)
            out.append(Finding(
                "saturation", name, "warning",
                f"saturation: {_pct(share)} of the outputs of the {act} at {_n(name)}"
                f"{f' (after {_n(feeder)})' if feeder else ''} are saturated "
                f"{self._when(start, end, self.saturation_share)} ({rule}): there the "
                f"gradient is nearly zero and the weights feeding them stop learning. "
                f"Causes: too large weights or inputs; Xavier initialisation, normalised "
                f"inputs or BatchNorm keep the {act} in its active range.", share))
        return out

    def _update_ratio(self) -> list[Finding]:
        out = []
        low, high = self.update_ratio_range
        # A layer that starts at zero has no scale to compare its updates with.
        skip = (set(self._symmetric_layers(0)) | set(self._symmetric_layers(-1))
                | {n for n, v in self._start_norm.items() if v == 0})
        grads = self.series("grad_norm")
        for name, v in self.series("update_ratio").items():
            idx = np.flatnonzero(np.isfinite(v))
            if idx.size == 0 or name in skip:
                continue
            windows = (("at the start of training", idx[:self.window]),
                       ("by the end of training", idx[-self.window:]))
            medians = [(when, float(np.median(v[i])), i) for when, i in windows]
            when, r, i = max(medians, key=lambda m: m[1])
            if r > high:
                out.append(Finding(
                    "update_ratio", name, "warning",
                    f"update/weight ratio too large {when}: each step changes the weights of "
                    f"{_n(name)} by {_fmt(r)} of their norm (median over {i.size} steps; a "
                    f"healthy run is about 1e-3, above {_fmt(high)} each step rewrites the "
                    f"layer). The learning rate is too large: lower it.", r))
                continue
            when, r, i = min(medians, key=lambda m: m[1])
            if r < low:
                # 0 exactly: lr × gradient is below half a rounding unit of every weight, so
                # w − lr·g rounds back to w in the weights' float format.
                g = grads.get(name)
                g = float(np.nanmedian(g[i])) if g is not None and np.any(
                    np.isfinite(g[i])) else math.nan
                zero = ""
                if r == 0 and g == 0:
                    zero = " — exactly 0, because its gradient is exactly 0"
                elif r == 0:
                    zero = (f" — exactly 0, though its gradient is not ({_fmt(g)}): each "
                            f"update is smaller than the rounding step of the weights' float "
                            f"format (lr × gradient < half an ulp of every weight), so "
                            f"w − lr·g rounds back to w and the weights do not change at all")
                out.append(Finding(
                    "update_ratio", name, "warning",
                    f"update/weight ratio too small {when}: each step changes the weights of "
                    f"{_n(name)} by {_fmt(r)} of their norm{zero} (median over {i.size} "
                    f"steps; a healthy run is about 1e-3, below {_fmt(low)} the layer barely "
                    f"learns). Its gradient is too small (vanishing? dead units?) or the "
                    f"learning rate too low.", r))
        return out

    # ------------------------------------------------------------------ text

    def summary(self, findings: Iterable[Finding] | None = None) -> str:
        """A text table of the last recorded step (gradient norm at the first and the last
        recorded step), followed by the findings of :meth:`diagnose`."""
        if not self.steps:
            return "GradientMonitor: nothing recorded yet (call step() after optimizer.step())"
        cols = ("layer", "kind", "grad norm first→last", "act mean", "act std", "dead",
                "saturated", "update/w")
        series = {s: self.series(s) for s in ("grad_norm", "act_mean", "act_std",
                                               "dead_frac", "saturated_frac", "update_ratio")}

        def cell(stat: str, name: str, how: str = "last") -> str:
            v = series[stat].get(name)
            if v is None or not np.any(np.isfinite(v)):
                return ""
            if how == "median":
                return _fmt(float(np.nanmedian(v)))
            x = float(v[-1])
            return _pct(x) if stat in ("dead_frac", "saturated_frac") else _fmt(x)

        rows = []
        for name in self.layers:
            g = series["grad_norm"].get(name)
            grad = f"{_fmt(float(g[0]))} → {_fmt(float(g[-1]))}" if g is not None else ""
            rows.append((name or "(model)", self.kind(name), grad, cell("act_mean", name),
                         cell("act_std", name), cell("dead_frac", name),
                         cell("saturated_frac", name), cell("update_ratio", name, "median")))
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
        line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
        text = [f"GradientMonitor: {len(self.steps)} recorded steps "
                f"(steps {self.steps[0]}–{self.steps[-1]}, every {self.every})", line,
                "-" * len(line)]
        text += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        found = self.diagnose() if findings is None else list(findings)
        text.append("")
        text += [str(f) for f in found] if found else ["No problems found."]
        return "\n".join(text)

    def __repr__(self) -> str:
        return (f"GradientMonitor({len(self._modules)} modules, every={self.every}, "
                f"recorded steps={len(self.steps)}{', removed' if self._removed else ''})")
