"""deep_narrow: one SGD step of a 20-layer, width-64 tanh MLP, batch 32, float32.

Twenty ``Linear(64, 64)`` layers with ``tanh`` between them (none after the last), the
mean squared error to a fixed random target, backward, ``w ← w - lr·g``. The matrices
are tiny, so the time is the per-layer overhead of the framework. Weights are
Xavier-uniform (the signal neither vanishes nor saturates through 20 tanh layers, so
every layer's gradient is checked against the floor's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    LR,
    Bench,
    autograd_sgd_bench,
    linear_params,
    normal,
    require,
    rng,
    sgd_step_bench,
    torchlike,
    torchlike_builders,
)

SIZES: dict[str, dict[str, Any]] = {
    "full": {"batch": 32, "width": 64, "layers": 20},
    "tiny": {"batch": 4, "width": 8, "layers": 5},
}


def inputs(cfg: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    gen = rng()
    w, n = cfg["width"], cfg["layers"]
    params = linear_params(gen, (w,) * (n + 1), bound=lambda i, o: np.sqrt(6 / (i + o)))
    return params, normal(gen, (cfg["batch"], w)), normal(gen, (cfg["batch"], w))


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: the same math in NumPy, backward by hand, no graph."""
    params, x, target = inputs(cfg)
    n_layers = cfg["layers"]
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        acts = [x]  # the input of every layer, then the output
        h = x
        for i in range(n_layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = np.tanh(h)
            acts.append(h)
        diff = h - target
        loss = (diff * diff).mean()
        d = diff * (2 / diff.size)
        grads: list[Any] = [None] * len(params)
        for i in reversed(range(n_layers)):
            if i < n_layers - 1:
                d = d * (1 - acts[i + 1] * acts[i + 1])  # tanh' = 1 - tanh²
            grads[2 * i], grads[2 * i + 1] = d.T @ acts[i], d.sum(axis=0)
            if i:
                d = d @ params[2 * i]
        for p, g in zip(params, grads):
            p -= LR * g
        last["loss"], last["grads"] = loss, grads

    return Bench(step, lambda: (float(last["loss"]), last["grads"]))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    lib, nn, F, optim = torchlike(impl)
    arrays, x0, t0 = inputs(cfg)
    w = cfg["width"]
    layers: list[Any] = []
    for i in range(cfg["layers"]):
        layers += [nn.Linear(w, w), nn.Tanh()] if i < cfg["layers"] - 1 else [nn.Linear(w, w)]
    model = nn.Sequential(*layers)
    return sgd_step_bench(lib, optim, model, list(model.parameters()), arrays, F.mse_loss,
                          x0, t0, LR)


def build_mygrad(cfg: dict[str, Any]) -> Bench:
    mg = require("mygrad")
    arrays, x, target = inputs(cfg)
    params = [mg.tensor(a) for a in arrays]
    n_layers = cfg["layers"]
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        h = x
        for i in range(n_layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = mg.tanh(h)
        loss = mg.mean((h - target) ** 2)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        last["loss"] = loss

    return Bench(step, lambda: (float(last["loss"].item()), [p.grad for p in params]))


def build_autograd(cfg: dict[str, Any]) -> Bench:
    anp = require("autograd.numpy")

    params, x, target = inputs(cfg)
    n_layers = cfg["layers"]

    def loss_fn(ps: list[Any]) -> Any:
        h = x
        for i in range(n_layers):
            h = h @ ps[2 * i].T + ps[2 * i + 1]
            if i < n_layers - 1:
                h = anp.tanh(h)
        return anp.mean((h - target) ** 2)

    return autograd_sgd_bench(loss_fn, params, LR)


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": build_mygrad, "autograd": build_autograd}
