"""big_matmul: ``(A @ B).sum()`` for 1024×1024 float32 A and B, then dL/dA and dL/dB.

Three large matrix products (one forward, two backward): the BLAS does the work, and
any extra copy, upcast or non-contiguous operand shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Bench, normal, require, rng, torchlike, torchlike_builders

SIZES: dict[str, dict[str, Any]] = {"full": {"n": 1024}, "tiny": {"n": 32}}


def inputs(cfg: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    gen = rng()
    return normal(gen, (cfg["n"], cfg["n"])), normal(gen, (cfg["n"], cfg["n"]))


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: ``C = A @ B``, ``L = ΣC``; ``dL/dA = 1 @ Bᵀ``, ``dL/dB = Aᵀ @ 1``."""
    a, b = inputs(cfg)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        c = a @ b
        loss = c.sum()
        g = np.ones_like(c)
        last["loss"], last["grads"] = loss, [g @ b.T, a.T @ g]

    return Bench(step, lambda: (float(last["loss"]), last["grads"]))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    lib = torchlike(impl)[0]
    a0, b0 = inputs(cfg)
    a = lib.tensor(a0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        a.grad = b.grad = None
        loss = (a @ b).sum()
        loss.backward()
        last["loss"] = loss

    return Bench(step, lambda: (last["loss"].item(), [a.grad.numpy(), b.grad.numpy()]))


def build_mygrad(cfg: dict[str, Any]) -> Bench:
    mg = require("mygrad")
    a0, b0 = inputs(cfg)
    a, b = mg.tensor(a0), mg.tensor(b0)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        loss = (a @ b).sum()
        loss.backward()
        last["loss"] = loss

    return Bench(step, lambda: (float(last["loss"].item()), [a.grad, b.grad]))


def build_autograd(cfg: dict[str, Any]) -> Bench:
    anp = require("autograd.numpy")
    from autograd import value_and_grad

    ab = inputs(cfg)
    loss_and_grad = value_and_grad(lambda ps: anp.sum(ps[0] @ ps[1]))
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        last["loss"], last["grads"] = loss_and_grad(ab)

    return Bench(step, lambda: (float(last["loss"]), list(last["grads"])))


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": build_mygrad, "autograd": build_autograd}
