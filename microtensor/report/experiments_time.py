"""The report's "Vanishing gradients through time" runs: character models of first names.

Four recurrent language models (``nn.Embedding`` → ``nn.RNN``/``nn.LSTM`` → ``nn.Linear``,
the models of ``examples/char_lm.py``) read windows of 16 characters of the bundled first
names and predict the next character. For each, :func:`time_gradients` measures the
gradient reaching every time step, ‖∂L/∂h_t‖ against ``t`` (``L``: the loss of the last
step's prediction; :func:`~microtensor.monitor_time.gradient_through_time`), at
initialisation and after a short training, and :func:`~microtensor.monitor_time.time_findings`
says in words whether it vanishes or explodes:

- ``rnn``: a tanh RNN, PyTorch's default init, Adam;
- ``rnn_clip``: the same RNN with its recurrent weights ×4 (the exploding regime), trained
  by SGD with ``clip_grad_norm_`` before every step;
- ``lstm``: an LSTM, PyTorch's default init (forget-gate bias 0: the gate starts at ½);
- ``lstm_fb1``: the same LSTM with a forget-gate bias of 1 (the gate starts at 0.73).

The data and the model are shared with the example, which imports them from here (the
package cannot import ``examples/``).
"""

from __future__ import annotations

import gzip
import math
import time
from importlib import resources
from typing import Any

import numpy as np

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.monitor_time import gradient_through_time, time_findings

__all__ = ["ALPHABET", "WINDOW", "load_names", "encode", "make_data", "windows", "Recurrent",
           "train_windows", "time_gradients", "time_experiment", "TIME_MODELS"]

ALPHABET = ".abcdefghijklmnopqrstuvwxyz"
WINDOW = 16  # characters per training window (truncated backpropagation through time)
EXPLODE_GAIN = 4  # W_hh scaled by this puts a tanh RNN in the exploding regime
CLIP = 0.5  # clip_grad_norm_ max_norm for that RNN
PROBE = 64  # validation windows of the per-step measurement

# key: (title, cell, optimizer, lr); in the figure's order.
TIME_MODELS = {
    "rnn": ("RNN (tanh)", "RNN", "Adam", 0.01),
    "rnn_clip": (f"RNN (tanh), W_hh ×{EXPLODE_GAIN}, clipped", "RNN", "SGD", 0.5),
    "lstm": ("LSTM", "LSTM", "Adam", 0.01),
    "lstm_fb1": ("LSTM, forget-gate bias 1", "LSTM", "Adam", 0.01),
}


def load_names() -> list[str]:
    """The 5 163 distinct first names (lower case, a-z) of the 1990 US Census lists
    ``dist.female.first`` and ``dist.male.first``: a work of the US Government, in the
    public domain, as redistributed in the PyPI package ``names`` 0.3.0 (Trey Hunner)."""
    raw = resources.files("microtensor.data").joinpath("names.txt.gz").read_bytes()
    lines = gzip.decompress(raw).decode().splitlines()
    return [w for w in lines if w and not w.startswith("#")]


def encode(text: str) -> np.ndarray:
    return np.array([ALPHABET.index(ch) for ch in text], dtype=np.int64)


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation streams ``.mary.patricia...`` (90% / 10% of the names,
    shuffled; ``.`` ends a name)."""
    names = load_names()
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    cut = int(0.9 * len(names))
    return (encode("." + ".".join(names[:cut]) + "."),
            encode("." + ".".join(names[cut:]) + "."))


def windows(stream: np.ndarray, batch: int, length: int, rng: np.random.Generator) -> tuple:
    """``batch`` random windows: inputs ``(batch, length)`` and next characters."""
    start = rng.integers(0, stream.size - length - 1, batch)
    idx = start[:, None] + np.arange(length)
    return mt.tensor(stream[idx]), mt.tensor(stream[idx + 1])


class Recurrent(nn.Module):
    """Embedding → ``nn.RNN`` or ``nn.LSTM`` (batch-first) → Linear, logits at every step."""

    def __init__(self, vocab: int, cell: str, dim: int = 16, hidden: int = 64) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.rnn = getattr(nn, cell)(dim, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x: mt.Tensor, state: Any = None) -> Any:
        h, state = self.rnn(self.emb(x), state)
        return self.out(h), state


def _loss(model: Recurrent, x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def train_windows(model: Recurrent, stream: np.ndarray, steps: int, lr: float,
                  clip: float | None = None, sgd: bool = False, seed: int = 0,
                  batch: int = 32) -> tuple[list[float], list[float]]:
    """Adam (or plain SGD) on random windows, ``clip_grad_norm_(clip)`` before each step
    when ``clip`` is given. Returns the losses and the gradient norms before clipping."""
    rng = np.random.default_rng(seed)
    opt = (mt.optim.SGD if sgd else mt.optim.Adam)(model.parameters(), lr=lr)
    losses, norms = [], []
    for _ in range(steps):
        x, y = windows(stream, batch, WINDOW, rng)
        loss = _loss(model, x, y)
        opt.zero_grad()
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(),
                                                    math.inf if clip is None else clip)))
        opt.step()
        losses.append(loss.item())
    return losses, norms


def time_gradients(model: Recurrent, x: mt.Tensor, y: mt.Tensor) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 0 .. T-1 (for an LSTM, of ``[h_t | c_t]``), ``L`` the mean
    cross-entropy of the last step's prediction over the windows ``x``. The embeddings are
    detached: only the path through the recurrence counts."""
    e = model.emb(x).detach()
    norms = gradient_through_time(
        model.rnn, e, loss=lambda h: F.cross_entropy(model.out(h[:, -1]), y[:, -1]))
    model.zero_grad()
    return norms


def _build(key: str, seed: int) -> Recurrent:
    mt.manual_seed(seed)
    model = Recurrent(len(ALPHABET), TIME_MODELS[key][1])
    with mt.no_grad():
        if key == "rnn_clip":
            model.rnn.weight_hh_l0.mul_(EXPLODE_GAIN)
        if key == "lstm_fb1":  # gates i, f, g, o (PyTorch's order): the f block
            h = model.rnn.hidden_size
            model.rnn.bias_hh_l0[h:2 * h].fill_(1.0)
    return model


def _finding_dicts(norms: np.ndarray, layer: str, cell: str) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "layer": f.layer, "severity": f.severity, "message": f.message,
             "value": float(f.value)} for f in time_findings(norms, layer, cell=cell)]


def time_experiment(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """Train the four models of :data:`TIME_MODELS`; per model, the per-step gradients at
    init and trained, their first/last ratio, the monitor's findings, the losses."""
    start, cpu = time.perf_counter(), time.process_time()
    steps = 60 if quick else 250
    train_s, val_s = make_data(seed)
    x, y = windows(val_s, PROBE, WINDOW, np.random.default_rng(seed + 2))
    models: dict[str, Any] = {}
    for key, (title, cell, opt, lr) in TIME_MODELS.items():
        model = _build(key, seed)
        init = time_gradients(model, x, y)
        clip = CLIP if key == "rnn_clip" else None
        losses, norms = train_windows(model, train_s, steps, lr, clip=clip, sgd=opt == "SGD",
                                      seed=seed)
        trained = time_gradients(model, x, y)
        with mt.no_grad():
            val = _loss(model, *windows(val_s, 256, WINDOW, np.random.default_rng(seed + 1)))
        models[key] = {
            "title": title, "cell": cell, "optimizer": opt, "lr": lr, "clip": clip,
            "init": init.tolist(), "trained": trained.tolist(),
            "ratio_init": float(init[0] / init[-1]),
            "ratio_trained": float(trained[0] / trained[-1]),
            "findings_init": _finding_dicts(init, key, cell),
            "findings_trained": _finding_dicts(trained, key, cell),
            "loss_first": losses[0], "loss_last": float(np.mean(losses[-10:])),
            "val_loss": val.item(), "grad_norm_max": float(np.max(norms)),
            "clipped_steps": int(np.sum(np.asarray(norms) > clip)) if clip else 0}
    return {"steps": steps, "window": WINDOW, "probe": PROBE, "hidden": 64,
            "names": len(load_names()), "uniform_loss": math.log(len(ALPHABET)),
            "models": models, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu}
