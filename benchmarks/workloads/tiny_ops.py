"""tiny_ops: a chain of 200 elementwise ops on a 16-element tensor, forward + backward.

``y = tanh(y * w + x) - 0.5``, 50 times (4 ops each), then backward from
``dL/dy = 1`` (that is, ``L = sum(y)``) to ``x`` and ``w``. With 16 elements the
arithmetic is nothing: the time is the framework's overhead, reported per op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Bench, normal, require, rng, torchlike, torchlike_builders

SIZES: dict[str, dict[str, Any]] = {
    "full": {"size": 16, "chain": 50},
    "tiny": {"size": 16, "chain": 5},
}
OPS_PER_LINK = 4


def inputs(cfg: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    gen = rng()
    return normal(gen, (cfg["size"],)), normal(gen, (cfg["size"],)) * np.float32(0.5)


def ops_per_step(cfg: dict[str, Any]) -> int:
    return OPS_PER_LINK * cfg["chain"]


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: the chain and its backward by hand, no graph."""
    x, w = inputs(cfg)
    half = np.float32(0.5)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        saved = []
        y = x
        for _ in range(cfg["chain"]):
            t = np.tanh(y * w + x)
            saved.append((y, t))
            y = t - half
        g = np.ones_like(x)
        gx = np.zeros_like(x)
        gw = np.zeros_like(w)
        for y_in, t in reversed(saved):
            g = g * (1 - t * t)
            gx += g
            gw += g * y_in
            g = g * w
        gx += g
        last["y"], last["grads"] = y, [gx, gw]

    return Bench(step, lambda: (float(last["y"].sum()), last["grads"]))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    lib = torchlike(impl)[0]
    x0, w0 = inputs(cfg)
    x = lib.tensor(x0, requires_grad=True)
    w = lib.tensor(w0, requires_grad=True)
    ones = lib.ones(cfg["size"])
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        x.grad = w.grad = None
        y = x
        for _ in range(cfg["chain"]):
            y = (y * w + x).tanh() - 0.5
        y.backward(ones)
        last["y"] = y

    return Bench(step, lambda: (float(last["y"].detach().sum().item()),
                                [x.grad.numpy(), w.grad.numpy()]))


def build_mygrad(cfg: dict[str, Any]) -> Bench:
    mg = require("mygrad")
    x0, w0 = inputs(cfg)
    x, w = mg.tensor(x0), mg.tensor(w0)
    ones = np.ones(cfg["size"], dtype=np.float32)
    # MyGrad turns a Python 0.5 into a float64 0-d array, which NumPy 2 does not treat as a
    # weak scalar: the chain would run in float64. A float32 constant keeps it float32.
    half = np.float32(0.5)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        y = x
        for _ in range(cfg["chain"]):
            y = mg.tanh(y * w + x) - half
        y.backward(ones)
        last["y"] = y

    return Bench(step, lambda: (float(last["y"].data.sum()), [x.grad, w.grad]))


def build_autograd(cfg: dict[str, Any]) -> Bench:
    anp = require("autograd.numpy")
    from autograd import make_vjp

    x0, w0 = inputs(cfg)
    ones = np.ones(cfg["size"], dtype=np.float32)

    def chain(xw: tuple[Any, Any]) -> Any:
        x, w = xw
        y = x
        for _ in range(cfg["chain"]):
            y = anp.tanh(y * w + x) - 0.5
        return y

    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        vjp, y = make_vjp(chain)((x0, w0))
        last["y"], last["grads"] = y, list(vjp(ones))

    return Bench(step, lambda: (float(last["y"].sum()), last["grads"]))


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": build_mygrad, "autograd": build_autograd}
