"""Six optimizers on 2-D surfaces: the paths of the report's optimizer figure.

SGD, momentum, Nesterov, Adagrad, RMSprop and Adam start from the same point on surfaces
that show the lecture's points, with gradients from microtensor's autograd:

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

``examples/optimizers.py`` draws them as PNGs and prints the table of steps; the report
draws three of them (:func:`paths`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import optim

__all__ = ["Surface", "Run", "SURFACES", "OPTIMIZERS", "SWEEP_LRS", "run_optimizer",
           "run_surface", "lr_sweep", "paths", "REPORT_SURFACES"]

# ---------------------------------------------------------------------- the surfaces


def ravine(x: Any, y: Any) -> Any:
    return 0.05 * x * x + 5.0 * y * y


def rosenbrock(x: Any, y: Any) -> Any:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def saddle(x: Any, y: Any) -> Any:
    return x * x - y * y


def two_minima(x: Any, y: Any) -> Any:
    return x**4 - 3.0 * x * x + x + y * y


@dataclass
class Surface:
    f: Callable[[Any, Any], Any]  # works on floats, NumPy arrays and microtensor Tensors
    start: tuple[float, float]
    minimum: tuple[float, float] | None  # the global minimum, None for the saddle
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    settings: dict[str, dict[str, Any]]  # optimizer name -> its hyperparameters here
    tol: float = 1e-4  # "reached" when f - f_min < tol (saddle: when f < -1)
    steps: int = 300
    quick_steps: int = 150
    log_levels: bool = True


# The learning rates are the largest round values that keep plain SGD stable on each
# surface, and the usual defaults for the rest (momentum 0.9, Adam's betas).
def _settings(sgd_lr: float, adagrad_lr: float, rms_lr: float, adam_lr: float) -> dict:
    return {
        "SGD": {"cls": "SGD", "lr": sgd_lr},
        "Momentum": {"cls": "SGD", "lr": sgd_lr, "momentum": 0.9},
        "Nesterov": {"cls": "SGD", "lr": sgd_lr, "momentum": 0.9, "nesterov": True},
        "Adagrad": {"cls": "Adagrad", "lr": adagrad_lr},
        "RMSprop": {"cls": "RMSprop", "lr": rms_lr},
        "Adam": {"cls": "Adam", "lr": adam_lr},
    }


def _two_minima_min() -> tuple[float, float]:
    roots = np.roots([4.0, 0.0, -6.0, 1.0]).real
    return float(roots.min()), 0.0  # the global minimum is the leftmost critical point


SURFACES: dict[str, Surface] = {
    "ravine": Surface(ravine, (-9.0, 1.5), (0.0, 0.0), (-10.0, 3.0), (-2.0, 2.0),
                      _settings(0.12, 1.0, 0.05, 0.3), steps=600, quick_steps=300),
    "rosenbrock": Surface(rosenbrock, (-1.5, 2.0), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.0),
                          _settings(1e-3, 0.5, 1e-3, 0.05), tol=1e-3, steps=5000,
                          quick_steps=1500),
    "saddle": Surface(saddle, (1.0, 1e-3), None, (-1.5, 1.5), (-1.5, 1.5),
                      _settings(0.05, 0.05, 0.05, 0.05), steps=150, quick_steps=150,
                      log_levels=False),
    "two_minima": Surface(two_minima, (2.4, 1.5), _two_minima_min(), (-2.5, 2.7),
                          (-2.0, 2.0), _settings(0.01, 0.5, 0.05, 0.1), tol=1e-4,
                          steps=400, quick_steps=300, log_levels=False),
}
OPTIMIZERS = ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"]


# ---------------------------------------------------------------------- running


@dataclass
class Run:
    path: np.ndarray  # (steps + 1, 2): the start, then the point after each step
    losses: np.ndarray  # f at each point of the path
    steps_to_tol: int | None  # first step within tol of the minimum (None: never)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> tuple[float, float]:
        return float(self.path[-1, 0]), float(self.path[-1, 1])


def _reached(surface: Surface, loss: float) -> bool:
    if surface.minimum is None:
        return loss < -1.0  # the saddle: escaped
    return loss - float(surface.f(*surface.minimum)) < surface.tol


def run_optimizer(surface: Surface | str, optimizer: str, steps: int,
                  **overrides: Any) -> Run:
    """Run one optimizer from the surface's start; ``overrides`` replace its settings."""
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    settings = dict(surface.settings[optimizer], **overrides)
    kwargs = {k: v for k, v in settings.items() if k != "cls"}
    x = mt.tensor(np.array(surface.start[0]), requires_grad=True)  # float64 0-d
    y = mt.tensor(np.array(surface.start[1]), requires_grad=True)
    opt = getattr(optim, settings["cls"])([x, y], **kwargs)
    path, losses = [surface.start], []
    reached = None
    for t in range(steps + 1):
        opt.zero_grad()
        loss = surface.f(x, y)
        value = float(loss)
        losses.append(value)
        if reached is None and _reached(surface, value):
            reached = t
        if t == steps or not math.isfinite(value) or abs(value) > 1e12:
            break
        loss.backward()
        opt.step()
        path.append((float(x), float(y)))
    return Run(np.array(path), np.array(losses), reached, settings)


def run_surface(name: str, steps: int | None = None,
                optimizers: list[str] | None = None) -> dict[str, Run]:
    """Run every optimizer (or the ones named) on one surface; ``steps`` defaults to the
    surface's full count."""
    surface = SURFACES[name]
    steps = surface.steps if steps is None else steps
    return {o: run_optimizer(surface, o, steps) for o in (optimizers or OPTIMIZERS)}


SWEEP_LRS = {"too small (0.01)": 0.01, "right (0.18)": 0.18, "too large (0.199)": 0.199,
             "diverging (0.205)": 0.205}


def lr_sweep(steps: int = 200) -> dict[str, Run]:
    """Plain SGD on the ravine with four learning rates.

    The steep direction (y) has curvature 10, so each step multiplies y by ``1 - 10·lr``:
    SGD is stable only for lr < 2/10 = 0.2. At 0.199 y flips sign every step and
    shrinks by only 1%; at 0.205 it grows by 5% a step. The flat direction (x, curvature
    0.1) shrinks by ``1 - 0.1·lr`` per step, which is why a small lr crawls.
    """
    return {label: run_optimizer("ravine", "SGD", steps, lr=lr)
            for label, lr in SWEEP_LRS.items()}


REPORT_SURFACES = ("saddle", "ravine", "two_minima")


def paths(quick: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """``{surface: {optimizer: {"path", "losses", "steps_to_tol"}}}`` for the report's
    three surfaces (``quick``: each surface's quick step count)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in REPORT_SURFACES:
        s = SURFACES[name]
        runs = run_surface(name, s.quick_steps if quick else s.steps)
        out[name] = {o: {"path": r.path, "losses": r.losses, "steps_to_tol": r.steps_to_tol,
                         "settings": r.settings} for o, r in runs.items()}
    return out
