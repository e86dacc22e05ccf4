"""lstm_step: one SGD training step of a 2-layer LSTM of width 128 over 32 steps, batch 32.

``nn.LSTM(128, 128, num_layers=2)`` (sequence-first) on a standard normal input
``(32, 32, 128)``, the mean squared error of every step's output to a fixed random target,
backward through time, ``w ← w - lr·g``; float32. The weights are PyTorch's default init,
U(±1/√128), drawn from NumPy, in PyTorch's order (``weight_ih_l0, weight_hh_l0, bias_ih_l0,
bias_hh_l0, weight_ih_l1, ...``; gate blocks i|f|g|o). Issue 17's target: at most 1.5×
PyTorch CPU's time per step. The floor is the same math in NumPy with the backward
through time written by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    LR,
    Bench,
    Unavailable,
    normal,
    rng,
    sgd_step_bench,
    torchlike,
    torchlike_builders,
    uniform,
)

SIZES: dict[str, dict[str, Any]] = {
    "full": {"steps": 32, "batch": 32, "width": 128, "layers": 2},
    "tiny": {"steps": 5, "batch": 3, "width": 8, "layers": 2},
}


def inputs(cfg: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    gen = rng()
    h, bound = cfg["width"], 1 / np.sqrt(cfg["width"])
    params = []
    for _ in range(cfg["layers"]):
        params += [uniform(gen, bound, (4 * h, h)), uniform(gen, bound, (4 * h, h)),
                   uniform(gen, bound, (4 * h,)), uniform(gen, bound, (4 * h,))]
    shape = (cfg["steps"], cfg["batch"], h)
    return params, normal(gen, shape), normal(gen, shape)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: each layer's input projection for all steps in one matrix product, the
    recurrence step by step, and the backward through time by hand."""
    params, x, target = inputs(cfg)
    n_steps, batch, hid = x.shape
    last: dict[str, Any] = {}

    def forward_layer(inp: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                      b: np.ndarray) -> tuple[np.ndarray, list]:
        zx = (inp.reshape(-1, hid) @ w_ih.T + b).reshape(n_steps, batch, 4 * hid)
        h = np.zeros((batch, hid), np.float32)
        c = np.zeros((batch, hid), np.float32)
        out, saved = np.empty_like(inp), []
        for t in range(n_steps):
            z = zx[t] + h @ w_hh.T
            i, f = _sigmoid(z[:, :hid]), _sigmoid(z[:, hid:2 * hid])
            g, o = np.tanh(z[:, 2 * hid:3 * hid]), _sigmoid(z[:, 3 * hid:])
            c_prev, h_prev = c, h
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            out[t] = h
            saved.append((i, f, g, o, c_prev, tc, h_prev))
        return out, saved

    def backward_layer(inp: np.ndarray, dout: np.ndarray, w_ih: np.ndarray,
                       w_hh: np.ndarray, saved: list) -> tuple[np.ndarray, list]:
        dz = np.empty((n_steps, batch, 4 * hid), np.float32)
        dh = np.zeros((batch, hid), np.float32)
        dc = np.zeros((batch, hid), np.float32)
        hs = np.empty_like(inp)  # h_{t-1} of every step, for dW_hh
        for t in reversed(range(n_steps)):
            i, f, g, o, c_prev, tc, h_prev = saved[t]
            dh = dh + dout[t]
            dc = dc + dh * o * (1 - tc * tc)
            d = dz[t]
            d[:, :hid] = dc * g * i * (1 - i)
            d[:, hid:2 * hid] = dc * c_prev * f * (1 - f)
            d[:, 2 * hid:3 * hid] = dc * i * (1 - g * g)
            d[:, 3 * hid:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = d @ w_hh
            hs[t] = h_prev
        dz2, flat = dz.reshape(-1, 4 * hid), inp.reshape(-1, hid)
        db = dz2.sum(axis=0)
        grads = [dz2.T @ flat, dz2.T @ hs.reshape(-1, hid), db, db.copy()]
        return (dz2 @ w_ih).reshape(inp.shape), grads

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        layers, inp = [], x
        for k in range(cfg["layers"]):
            w_ih, w_hh, b_ih, b_hh = params[4 * k:4 * k + 4]
            out, saved = forward_layer(inp, w_ih, w_hh, b_ih + b_hh)
            layers.append((inp, saved))
            inp = out
        diff = inp - target
        loss = (diff * diff).mean()
        d = diff * np.float32(2 / diff.size)
        grads: list[Any] = [None] * len(params)
        for k in reversed(range(cfg["layers"])):
            layer_in, saved = layers[k]
            d, grads[4 * k:4 * k + 4] = backward_layer(layer_in, d, params[4 * k],
                                                       params[4 * k + 1], saved)
        for p, g in zip(params, grads):
            p -= LR * g
        last["loss"], last["grads"] = loss, grads

    return Bench(step, lambda: (float(last["loss"]), last["grads"]))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    """microtensor and PyTorch: the same user code (nn.LSTM, F.mse_loss, optim.SGD)."""
    lib, nn, F, optim = torchlike(impl)
    arrays, x0, y0 = inputs(cfg)
    lstm = nn.LSTM(cfg["width"], cfg["width"], num_layers=cfg["layers"])

    def model(x: Any) -> Any:
        return lstm(x)[0]

    return sgd_step_bench(lib, optim, model, list(lstm.parameters()), arrays, F.mse_loss,
                          x0, y0, LR)


def _not_compared(cfg: dict[str, Any]) -> Bench:
    raise Unavailable("not run on lstm_step (its target is against PyTorch)")


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": _not_compared, "autograd": _not_compared}
