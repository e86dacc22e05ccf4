"""What every workload shares: the ``Bench`` pair, initial weights, the loss/gradient check.

A workload module builds one ``Bench`` per implementation. ``Bench.step()`` is the
timed unit of work (a whole training step, say); ``Bench.result()`` returns the loss
and the gradients of the *last* step as NumPy arrays, in one canonical order shared by
every implementation, so that the first step — taken from the same initial weights,
drawn once from one NumPy seed — can be checked against the floor's.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 0
LR = 0.01  # SGD learning rate of every training step (small: the timed steps repeat a batch)
RTOL = 1e-3  # float32 tolerance of the check, relative to each gradient's norm / the loss


@dataclass(frozen=True)
class Bench:
    """One implementation of one workload, built and ready to time."""

    step: Callable[[], Any]
    result: Callable[[], tuple[float, list[np.ndarray]]]


class Unavailable(Exception):
    """The library an implementation needs is not importable, or the workload has none."""


def require(module: str) -> Any:
    """Import ``module`` or raise :class:`Unavailable` (the table shows the row as skipped)."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Unavailable(f"{module} not importable ({e})") from None


def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def uniform(gen: np.random.Generator, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    return gen.uniform(-bound, bound, shape).astype(np.float32)


def normal(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return gen.standard_normal(shape).astype(np.float32)


def linear_params(gen: np.random.Generator, dims: tuple[int, ...],
                  bound: Callable[[int, int], float] | None = None) -> list[np.ndarray]:
    """``[W1, b1, W2, b2, ...]`` for layers ``dims[0] → dims[1] → ...``, PyTorch's layout
    (``W`` is ``(out, in)``) and by default PyTorch's init, U(±1/√fan_in)."""
    params = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        b = bound(fan_in, fan_out) if bound else 1 / np.sqrt(fan_in)
        params += [uniform(gen, b, (fan_out, fan_in)), uniform(gen, 1 / np.sqrt(fan_in),
                                                               (fan_out,))]
    return params


# ------------------------------------------------------------------------------ the check


def checksum(grads: list[np.ndarray]) -> list[float]:
    """Two numbers per gradient: its L2 norm and its projection on a fixed unit vector.

    The norm catches a wrong magnitude, the signed projection a wrong sign or a permuted
    layout; both are bounded by the norm, which is what :func:`compare` scales by.
    """
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64).ravel()
        probe = np.cos(0.7 * np.arange(g.size) + 0.3)
        probe /= np.linalg.norm(probe) or 1.0
        out += [float(np.linalg.norm(g)), float(g @ probe)]
    return out


def compare(loss: float, sums: list[float], ref_loss: float, ref_sums: list[float],
            rtol: float = RTOL) -> tuple[bool, float]:
    """Whether a result agrees with the floor's, and the worst relative error.

    The loss is compared relative to ``max(|loss|, 1)``; each gradient's two numbers
    relative to that gradient's norm, floored at 1e-3 of the largest norm (a gradient that
    is zero in exact arithmetic, like a conv bias before BatchNorm, is float32 noise).
    """
    if len(sums) != len(ref_sums) or not np.isfinite(loss):
        return False, float("inf")
    errs = [abs(loss - ref_loss) / max(abs(ref_loss), 1.0)]
    norms = ref_sums[0::2]
    floor = 1e-3 * max(norms, default=0.0) or 1e-30
    for i, norm in enumerate(norms):
        scale = max(norm, floor)
        errs += [abs(sums[2 * i] - norm) / scale,
                 abs(sums[2 * i + 1] - ref_sums[2 * i + 1]) / scale]
    worst = max(errs)
    return bool(worst <= rtol), float(worst)


# ------------------------------------------------------------------------------ torch-alikes


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray,
                          rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The floors' fused softmax cross-entropy of logits ``z`` (n, C) and classes ``y``
    (``rows`` = ``arange(n)``): ``mean(logsumexp(z) - z[y])`` and its gradient
    ``(softmax(z) - onehot(y)) / n``."""
    n = len(y)
    z_max = z.max(axis=1, keepdims=True)
    e = np.exp(z - z_max)
    s = e.sum(axis=1, keepdims=True)
    loss = (np.log(s[:, 0]) + z_max[:, 0] - z[rows, y]).mean()
    dz = e / (s * n)
    dz[rows, y] -= 1 / n
    return loss, dz


def autograd_sgd_bench(loss_fn: Callable[[list[Any]], Any], params: list[np.ndarray],
                       lr: float) -> Bench:
    """One SGD step with HIPS autograd: ``value_and_grad(loss_fn)(params)``, then
    ``p - lr * g`` for each parameter (autograd works on immutable arrays)."""
    from autograd import value_and_grad

    loss_and_grad = value_and_grad(loss_fn)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        loss, grads = loss_and_grad(params)
        params[:] = [p - lr * g for p, g in zip(params, grads)]
        last["loss"], last["grads"] = loss, grads

    return Bench(step, lambda: (float(last["loss"]), list(last["grads"])))


def torchlike_builders(build: Callable[..., Bench]) -> dict[str, Callable[..., Bench]]:
    """The ``"microtensor"`` and ``"torch"`` entries of a workload's ``BUILDERS``, for a
    workload whose user code runs unchanged on both: ``build(cfg, impl)``."""
    return {impl: functools.partial(build, impl=impl) for impl in ("microtensor", "torch")}


def torchlike(impl: str) -> tuple[Any, Any, Any, Any]:
    """``(lib, nn, F, optim)`` for ``"torch"`` or ``"microtensor"``: the same user code runs
    on both, which is the point of microtensor's API."""
    if impl == "torch":
        torch = require("torch")
        import os

        torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
        import torch.nn.functional as F

        return torch, torch.nn, F, torch.optim
    mt = require("microtensor")
    import microtensor.nn.functional as F

    return mt, mt.nn, F, mt.optim


def load_params(lib: Any, params: list[Any], arrays: list[np.ndarray]) -> None:
    """Overwrite a model's parameters with the shared initial weights."""
    assert [tuple(p.shape) for p in params] == [a.shape for a in arrays], "layout mismatch"
    with lib.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(lib.from_numpy(a))


def grads_of(params: list[Any]) -> list[np.ndarray]:
    return [np.asarray(p.grad.numpy()) for p in params]


def sgd_step_bench(lib: Any, optim: Any, model: Any, params: list[Any],
                   arrays: list[np.ndarray], loss_fn: Callable[[Any, Any], Any],
                   x0: np.ndarray, y0: np.ndarray, lr: float) -> Bench:
    """One SGD training step of ``model``, written as a PyTorch user writes it: the same
    code runs microtensor and PyTorch (``lib``/``optim`` are the library's modules)."""
    load_params(lib, params, arrays)
    opt = optim.SGD(params, lr=lr)
    x, y = lib.from_numpy(x0), lib.from_numpy(y0)
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last["loss"] = loss

    return Bench(step, lambda: (last["loss"].item(), grads_of(params)))
