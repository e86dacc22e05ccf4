"""mlp_step: one SGD training step of a 784-256-256-10 ReLU MLP, batch 128, float32.

Forward, softmax cross-entropy (mean over the batch), backward, ``w ← w - lr·g``. The
weights are PyTorch's default init drawn from NumPy; the input is standard normal and
the labels uniform over the 10 classes. Size ``"memory"`` is the same step at batch 1024
(the peak-memory workload).
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
    softmax_cross_entropy,
    torchlike,
    torchlike_builders,
)

SIZES: dict[str, dict[str, Any]] = {
    "full": {"batch": 128, "dims": (784, 256, 256, 10)},
    "memory": {"batch": 1024, "dims": (784, 256, 256, 10)},
    "tiny": {"batch": 16, "dims": (20, 32, 32, 10)},
}


def inputs(cfg: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    gen = rng()
    params = linear_params(gen, cfg["dims"])
    x = normal(gen, (cfg["batch"], cfg["dims"][0]))
    y = gen.integers(0, cfg["dims"][-1], cfg["batch"])
    return params, x, y


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: the same math in NumPy, backward by hand, no graph."""
    params, x, y = inputs(cfg)
    w1, b1, w2, b2, w3, b3 = params
    rows = np.arange(len(y))
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        a1 = np.maximum(x @ w1.T + b1, 0)  # relu'(h) = (relu(h) > 0): keep the outputs only
        a2 = np.maximum(a1 @ w2.T + b2, 0)
        z = a2 @ w3.T + b3
        loss, dz = softmax_cross_entropy(z, y, rows)
        dw3, db3 = dz.T @ a2, dz.sum(axis=0)
        dh2 = (dz @ w3) * (a2 > 0)
        dw2, db2 = dh2.T @ a1, dh2.sum(axis=0)
        dh1 = (dh2 @ w2) * (a1 > 0)
        dw1, db1 = dh1.T @ x, dh1.sum(axis=0)
        grads = [dw1, db1, dw2, db2, dw3, db3]
        for p, g in zip(params, grads):
            p -= LR * g
        last["loss"], last["grads"] = loss, grads

    return Bench(step, lambda: (float(last["loss"]), last["grads"]))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    """microtensor and PyTorch: the same user code (nn.Linear, F.cross_entropy, optim.SGD)."""
    lib, nn, F, optim = torchlike(impl)
    arrays, x0, y0 = inputs(cfg)
    d = cfg["dims"]
    model = nn.Sequential(nn.Linear(d[0], d[1]), nn.ReLU(), nn.Linear(d[1], d[2]), nn.ReLU(),
                          nn.Linear(d[2], d[3]))
    return sgd_step_bench(lib, optim, model, list(model.parameters()), arrays, F.cross_entropy,
                          x0, y0, LR)


def build_mygrad(cfg: dict[str, Any]) -> Bench:
    mg = require("mygrad")
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    arrays, x, y = inputs(cfg)
    params = [mg.tensor(a) for a in arrays]
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        w1, b1, w2, b2, w3, b3 = params
        h = relu(x @ w1.T + b1)
        h = relu(h @ w2.T + b2)
        loss = softmax_crossentropy(h @ w3.T + b3, y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        last["loss"] = loss

    return Bench(step, lambda: (float(last["loss"].item()), [p.grad for p in params]))


def build_autograd(cfg: dict[str, Any]) -> Bench:
    anp = require("autograd.numpy")

    params, x, y = inputs(cfg)
    rows = np.arange(len(y))

    def loss_fn(ps: list[Any]) -> Any:
        w1, b1, w2, b2, w3, b3 = ps
        h = anp.maximum(x @ w1.T + b1, 0)
        h = anp.maximum(h @ w2.T + b2, 0)
        z = h @ w3.T + b3
        z_max = anp.max(z, axis=1, keepdims=True)
        log_p = z - z_max - anp.log(anp.sum(anp.exp(z - z_max), axis=1, keepdims=True))
        return -anp.mean(log_p[rows, y])

    return autograd_sgd_bench(loss_fn, params, LR)


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": build_mygrad, "autograd": build_autograd}
