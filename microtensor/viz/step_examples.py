"""The lecture's classic backprop examples as step-through pages.

``docs/gen_step_through.py`` writes them to ``docs/step-through/``; the demo report
links the MLP's page; the browser test clicks through all four.
"""

from __future__ import annotations

from collections.abc import Callable

import microtensor as mt

from .step_through import StepThrough, step_through

__all__ = ["neuron", "fan_out", "mlp", "softmax_cross_entropy", "EXAMPLES"]


def neuron() -> StepThrough:
    """micrograd's neuron, ``o = tanh(w1 x1 + w2 x2 + b)``, with its numbers (do/dn = 0.5)."""
    x1 = mt.tensor(2.0, requires_grad=True)
    x2 = mt.tensor(0.0, requires_grad=True)
    w1 = mt.tensor(-3.0, requires_grad=True)
    w2 = mt.tensor(1.0, requires_grad=True)
    b = mt.tensor(6.8813735870195432, requires_grad=True)

    def forward():
        x1w1 = x1 * w1
        x2w2 = x2 * w2
        s = x1w1 + x2w2
        n = s + b
        o = n.tanh()
        return o, {"x1*w1": x1w1, "x2*w2": x2w2, "x1w1+x2w2": s, "n": n, "o": o}

    return step_through(forward, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b},
                        title="A neuron: o = tanh(w1·x1 + w2·x2 + b)")


def fan_out() -> StepThrough:
    """``y = x * x + x`` at x = 3: three contributions to x.grad, summed to 7 (not 1)."""
    x = mt.tensor(3.0, requires_grad=True)

    def forward():
        xx = x * x
        y = xx + x
        return y, {"x*x": xx, "y": y}

    return step_through(forward, {"x": x}, title="Fan-out: y = x·x + x at x = 3")


def mlp() -> StepThrough:
    """A 2-layer MLP (3 → 4 → 2, tanh) on one sample, mean squared error. The layers are
    ``nn.Linear`` modules, applied written out (``x @ W.T + b``) so that each product, the
    transposes and the bias's broadcast sum are steps of their own."""
    with mt.random.fork_rng():  # the same weights every time; the caller's stream untouched
        mt.manual_seed(0)
        net = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 2))
    W1, b1, W2, b2 = net[0].weight, net[0].bias, net[2].weight, net[2].bias
    x = mt.tensor([[0.5, -1.0, 2.0]])
    target = mt.tensor([[1.0, 0.0]])

    def forward():
        W1t, W2t = W1.T, W2.T
        xw = x @ W1t
        z1 = xw + b1  # b1 (4,) is broadcast to (1, 4): its gradient is summed back
        h = z1.tanh()
        hw = h @ W2t
        z2 = hw + b2
        loss = mt.nn.functional.mse_loss(z2, target)
        return loss, {"W1ᵀ": W1t, "W2ᵀ": W2t, "x W1ᵀ": xw, "z1": z1, "h": h, "h W2ᵀ": hw,
                      "z2": z2, "loss": loss}

    return step_through(forward, {"W1": W1, "b1": b1, "W2": W2, "b2": b2},
                        title="A 2-layer MLP on one sample: loss = mse(tanh(x W1ᵀ + b1) W2ᵀ "
                              "+ b2, y)")


def softmax_cross_entropy() -> StepThrough:
    """Cross-entropy written out: ``loss = -log softmax(z)[0]``; z gets ``p - onehot(0)``."""
    z = mt.tensor([2.0, 1.0, 0.1], requires_grad=True)

    def forward():
        p = z.softmax(0)
        p0 = p[0]
        logp0 = p0.log()
        loss = -logp0
        return loss, {"p": p, "p[0]": p0, "log p[0]": logp0, "loss": loss}

    return step_through(forward, {"z": z},
                        title="Softmax cross-entropy: loss = -log softmax(z)[y], y = 0")


EXAMPLES: dict[str, Callable[[], StepThrough]] = {
    "neuron": neuron,
    "fan-out": fan_out,
    "mlp": mlp,
    "softmax-cross-entropy": softmax_cross_entropy,
}
