"""conv_step: one SGD training step of the digits CNN, batch 64 of 8×8 one-channel images.

The net of ``examples/train_digits.py``'s ``cnn()``: (Conv2d 3×3 pad 1 → BatchNorm2d
(training mode: batch statistics, running averages updated) → ReLU → MaxPool2d 2) × 2 with
1 → 32 → 64 channels, then Flatten and Linear(256, 10); softmax cross-entropy, backward,
``w ← w - lr·g`` (the example trains with Adam; SGD keeps the optimiser's share small, as in
the other workloads). Weights: PyTorch's default init; the BatchNorm scales and shifts are
drawn near 1 and 0 rather than set to exactly 1 and 0, so that the check sees them act.

The floor is a hand-written im2col implementation in NumPy. It keeps activations as
``(N·H·W, C)`` matrices (channels last), which is what im2col's matrix product yields and
what BatchNorm reduces over, and transposes only at the two ends (the one-channel input and
the 256 features before the Linear layer).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .common import (
    LR,
    Bench,
    normal,
    rng,
    sgd_step_bench,
    softmax_cross_entropy,
    torchlike,
    torchlike_builders,
    uniform,
)

SIZES: dict[str, dict[str, Any]] = {"full": {"batch": 64}, "tiny": {"batch": 4}}
CHANNELS = (1, 32, 64)
CLASSES = 10
EPS = 1e-5
MOMENTUM = 0.1


def inputs(cfg: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Parameters in ``model.parameters()`` order, images ``(N, 1, 8, 8)``, labels ``(N,)``."""
    gen = rng()
    params = []
    for c_in, c_out in zip(CHANNELS[:-1], CHANNELS[1:]):
        bound = 1 / np.sqrt(9 * c_in)
        params += [uniform(gen, bound, (c_out, c_in, 3, 3)), uniform(gen, bound, (c_out,)),
                   1 + uniform(gen, 0.5, (c_out,)), uniform(gen, 0.1, (c_out,))]
    features = CHANNELS[-1] * 2 * 2
    params += [uniform(gen, 1 / np.sqrt(features), (CLASSES, features)),
               uniform(gen, 1 / np.sqrt(features), (CLASSES,))]
    x = normal(gen, (cfg["batch"], 1, 8, 8))
    y = gen.integers(0, CLASSES, cfg["batch"])
    return params, x, y


# ------------------------------------------------------------------------------ the floor


def _im2col(x: np.ndarray) -> np.ndarray:
    """``(N, H, W, C)`` → ``(N·H·W, 3·3·C)``: every 3×3 window of the zero-padded input."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    s = xp.strides
    win = as_strided(xp, (n, h, w, 3, 3, c), (s[0], s[1], s[2], s[1], s[2], s[3]),
                     writeable=False)
    return win.reshape(n * h * w, 9 * c)


def _col2im(d_cols: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    """The adjoint of :func:`_im2col`: add each window's gradient back where it read."""
    n, h, w, c = shape
    d_cols = d_cols.reshape(n, h, w, 3, 3, c)
    dxp = np.zeros((n, h + 2, w + 2, c), dtype=d_cols.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + w] += d_cols[:, :, :, i, j]
    return dxp[:, 1:-1, 1:-1]


class _Block:
    """Conv 3×3 → BatchNorm (batch statistics) → ReLU → MaxPool 2, channels last."""

    def __init__(self, c_out: int) -> None:
        self.running_mean = np.zeros(c_out, dtype=np.float32)
        self.running_var = np.ones(c_out, dtype=np.float32)

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray,
                beta: np.ndarray) -> np.ndarray:
        n, h, wd, _ = x.shape
        c_out = w.shape[0]
        self.x_shape = x.shape
        self.cols = _im2col(x)
        self.w_mat = w.transpose(0, 2, 3, 1).reshape(c_out, -1)  # (O, kh·kw·C), as the cols
        z = self.cols @ self.w_mat.T + b  # (N·H·W, O)
        m = z.shape[0]
        mean = z.mean(axis=0)
        zc = z - mean
        var = (zc * zc).mean(axis=0)
        self.inv_std = 1 / np.sqrt(var + EPS)
        self.x_hat = zc * self.inv_std
        self.gamma = gamma
        y = self.x_hat * gamma + beta
        self.running_mean = (1 - MOMENTUM) * self.running_mean + MOMENTUM * mean
        self.running_var = (1 - MOMENTUM) * self.running_var + MOMENTUM * var * (m / (m - 1))
        self.y = y
        a = np.maximum(y, 0).reshape(n, h // 2, 2, wd // 2, 2, c_out)
        pooled = a.max(axis=(2, 4))
        # Route the gradient to the window's maximum. Ties are only among ReLU's zeros,
        # whose gradient the ReLU mask below cancels anyway.
        self.is_max = a == pooled[:, :, None, :, None, :]
        return pooled

    def backward(self, d_pooled: np.ndarray, need_x: bool) -> tuple[Any, ...]:
        c_out = d_pooled.shape[-1]
        da = (self.is_max * d_pooled[:, :, None, :, None, :]).reshape(-1, c_out)
        dy = da * (self.y > 0)
        d_gamma = (dy * self.x_hat).sum(axis=0)
        d_beta = dy.sum(axis=0)
        g = dy * self.gamma
        dz = (g - g.mean(axis=0) - self.x_hat * (g * self.x_hat).mean(axis=0)) * self.inv_std
        n, h, w, c = self.x_shape
        dw = (dz.T @ self.cols).reshape(c_out, 3, 3, c).transpose(0, 3, 1, 2)
        db = dz.sum(axis=0)
        dx = _col2im(dz @ self.w_mat, self.x_shape) if need_x else None
        return dx, dw, db, d_gamma, d_beta


def build_numpy(cfg: dict[str, Any]) -> Bench:
    """The floor: im2col convolutions, BatchNorm, pooling and their backward by hand."""
    params, x, y = inputs(cfg)
    n = len(y)
    rows = np.arange(n)
    blocks = [_Block(c) for c in CHANNELS[1:]]
    last: dict[str, Any] = {}

    def step() -> None:
        last.clear()  # drop the previous step's results, as zero_grad() drops its gradients
        w_fc, b_fc = params[8], params[9]
        p1 = blocks[0].forward(x.transpose(0, 2, 3, 1), *params[0:4])
        p2 = blocks[1].forward(p1, *params[4:8])
        f = p2.transpose(0, 3, 1, 2).reshape(n, -1)  # Flatten in (C, H, W) order
        z = f @ w_fc.T + b_fc
        loss, dz = softmax_cross_entropy(z, y, rows)
        d_wfc, d_bfc = dz.T @ f, dz.sum(axis=0)
        d_p2 = (dz @ w_fc).reshape(p2.shape[0], p2.shape[3], 2, 2).transpose(0, 2, 3, 1)
        d_p1, *g2 = blocks[1].backward(d_p2, need_x=True)
        _, *g1 = blocks[0].backward(d_p1, need_x=False)
        grads = [*g1, *g2, d_wfc, d_bfc]
        for p, g in zip(params, grads):
            p -= LR * g
        last["loss"], last["grads"] = loss, grads

    return Bench(step, lambda: (float(last["loss"]), last["grads"]))


# ------------------------------------------------------------------------------ the libraries


def cnn(nn: Any) -> Any:
    """``examples/train_digits.py``'s ``cnn()``, written against any torch-like ``nn``."""
    c0, c1, c2 = CHANNELS
    return nn.Sequential(
        nn.Conv2d(c0, c1, kernel_size=3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c2 * 2 * 2, CLASSES),
    )


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    lib, nn, F, optim = torchlike(impl)
    arrays, x0, y0 = inputs(cfg)
    model = cnn(nn)
    model.train()
    return sgd_step_bench(lib, optim, model, list(model.parameters()), arrays, F.cross_entropy,
                          x0, y0, LR)


def _not_compared(cfg: dict[str, Any]) -> Bench:
    from .common import Unavailable

    raise Unavailable("not run on conv_step (its target is against the floor only)")


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": _not_compared, "autograd": _not_compared}
