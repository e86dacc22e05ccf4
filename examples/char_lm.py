"""A character-level language model of first names: bigram, MLP, RNN, LSTM (and a transformer).

The data is the list of 5 163 first names of the 1990 US Census (public domain; shipped as
``microtensor/data/names.txt.gz``, see :func:`load_names`), written as one stream
``.mary.patricia.linda...`` where ``.`` ends a name. Every model predicts the next
character from what came before:

- ``bigram``: an ``nn.Embedding(27, 27)`` of logits, the previous character only;
- ``mlp``: the previous 3 characters embedded, concatenated, one tanh hidden layer
  (Bengio et al. 2003);
- ``rnn`` and ``lstm``: ``nn.Embedding`` → ``nn.RNN``/``nn.LSTM`` → ``nn.Linear``, trained
  on windows of 16 characters (truncated backpropagation through time);
- ``transformer``: a small causal ``nn.TransformerEncoderLayer`` model, when microtensor has
  it (see :func:`make_transformer`, the hook where it plugs in).

Each trains in seconds; the script prints the validation loss (nats per character) and
samples, then draws the figure of the gradient reaching each time step, ‖∂L/∂h_t‖ against
``t`` for the loss at the last step of a window, for a tanh RNN, the same RNN trained with
gradient clipping, and an LSTM (``docs/img/char_lm_time_gradients.png``; see
docs/sequence.md). Run::

    python examples/char_lm.py                    # full: ~20 s, writes the figure
    python examples/char_lm.py --quick --no-figure

:func:`main` returns the numbers, which ``tests/test_examples_char_lm.py`` checks.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.monitor_time import gradient_through_time

# The data and the recurrent model are shared with the demo report's "Vanishing gradients
# through time" section, which cannot import examples/.
from microtensor.report.experiments_time import (  # noqa: F401 (re-exported for the tests)
    ALPHABET,
    CLIP,
    EXPLODE_GAIN,
    WINDOW,
    Recurrent,
    encode,
    load_names,
    make_data,
    windows,
)

ROOT = Path(__file__).resolve().parent.parent
FIGURE = ROOT / "docs" / "img" / "char_lm_time_gradients.png"
CONTEXT = 3  # characters the MLP sees


# ---------------------------------------------------------------------- models


class Bigram(nn.Module):
    """logits(next | prev) = table[prev]."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.table = nn.Embedding(vocab, vocab)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.table(x)


class MLP(nn.Module):
    """The last ``CONTEXT`` characters → embeddings side by side → tanh layer → logits."""

    def __init__(self, vocab: int, dim: int = 10, hidden: int = 128) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.hidden = nn.Linear(CONTEXT * dim, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        # x (B, T): at each position, the previous CONTEXT characters ('.' before the start).
        b, t = x.shape
        padded = mt.cat([mt.zeros(b, CONTEXT - 1, dtype=mt.int64), x], 1)
        ctx = mt.stack([padded[:, k:k + t] for k in range(CONTEXT)], 2)  # (B, T, CONTEXT)
        e = self.emb(ctx).flatten(2)
        return self.out(self.hidden(e).tanh())


def make_transformer(vocab: int) -> nn.Module | None:
    """The hook for the transformer: a causal model built from ``nn.TransformerEncoderLayer``
    when microtensor has it, else ``None`` (and the script skips the model)."""
    if not hasattr(nn, "TransformerEncoderLayer"):
        return None

    class Transformer(nn.Module):
        def __init__(self, dim: int = 32) -> None:
            super().__init__()
            self.emb = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(WINDOW, dim)
            self.block = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=64,
                                                    dropout=0.0, batch_first=True)
            self.out = nn.Linear(dim, vocab)

        def forward(self, x: mt.Tensor) -> mt.Tensor:
            t = x.shape[1]
            h = self.emb(x) + self.pos(mt.arange(t))
            mask = mt.triu(mt.full((t, t), float("-inf")), diagonal=1)
            return self.out(self.block(h, src_mask=mask))

    return Transformer()


def logits_of(model: nn.Module, x: mt.Tensor) -> mt.Tensor:
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


def loss_of(model: nn.Module, x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
    logits = logits_of(model, x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


# ---------------------------------------------------------------------- training, sampling


def train(model: nn.Module, stream: np.ndarray, steps: int, lr: float, clip: float | None,
          seed: int = 0, batch: int = 32, sgd: bool = False) -> tuple[list[float], list[float]]:
    """Adam (or plain SGD) on random windows; ``clip``: ``clip_grad_norm_`` to this norm
    each step. Returns the losses and the gradient norms (before clipping)."""
    rng = np.random.default_rng(seed)
    opt = (mt.optim.SGD if sgd else mt.optim.Adam)(model.parameters(), lr=lr)
    losses, norms = [], []
    for _ in range(steps):
        x, y = windows(stream, batch, WINDOW, rng)
        loss = loss_of(model, x, y)
        opt.zero_grad()
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(),
                                                    math.inf if clip is None else clip)))
        opt.step()
        losses.append(loss.item())
    return losses, norms


def evaluate(model: nn.Module, stream: np.ndarray, seed: int = 1) -> float:
    rng = np.random.default_rng(seed)
    with mt.no_grad():
        x, y = windows(stream, 256, WINDOW, rng)
        return loss_of(model, x, y).item()


def sample(model: nn.Module, n: int = 5, seed: int = 0, max_len: int = 15) -> list[str]:
    """Names drawn one character at a time from the model's distribution."""
    rng = np.random.default_rng(seed)
    names = []
    with mt.no_grad():
        for _ in range(n):
            seq = [0]
            while len(seq) <= max_len:
                x = mt.tensor(np.array([seq[-WINDOW:]]))
                p = logits_of(model, x)[0, -1].softmax(-1).numpy().astype(np.float64)
                ch = int(rng.choice(len(ALPHABET), p=p / p.sum()))
                if ch == 0:
                    break
                seq.append(ch)
            names.append("".join(ALPHABET[c] for c in seq[1:]))
    return names


# ---------------------------------------------------------------------- the figure's numbers


def time_gradients(model: Recurrent, stream: np.ndarray, seed: int = 2) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 0 .. WINDOW-1, ``L`` the loss of the last step's prediction, the
    median over a batch of 64 windows taken one at a time (microtensor.monitor_time)."""
    rng = np.random.default_rng(seed)
    x, y = windows(stream, 64, WINDOW, rng)
    runs = []
    for i in range(64):
        e = model.emb(x[i:i + 1]).detach()

        def last_loss(h: mt.Tensor, i: int = i) -> mt.Tensor:
            return F.cross_entropy(model.out(h[:, -1]), y[i:i + 1, -1])

        runs.append(gradient_through_time(model.rnn, e, loss=last_loss))
    model.zero_grad()
    return np.median(np.stack(runs), axis=0)


def draw(curves: dict[str, dict[str, np.ndarray]], path: Path) -> None:
    """‖∂L/∂h_t‖ against t, at init (dashed) and trained (solid), log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = dict(zip(curves, ("#d62728", "#ff7f0e", "#1f77b4")))
    for name, c in curves.items():
        t = np.arange(c["trained"].size)
        ax.semilogy(t, c["init"], "--", color=colors[name], alpha=0.6)
        ax.semilogy(t, c["trained"], "-o", ms=3, color=colors[name], label=name)
    ax.set_xlabel("time step t (the loss is the prediction at the last step)")
    ax.set_ylabel("‖∂L/∂h_t‖ (median over 64 windows)")
    ax.set_title("Gradient reaching each time step\n(dashed: at init; solid: trained)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def figure_numbers(models: dict[str, nn.Module], train_s: np.ndarray, val_s: np.ndarray,
                   steps: int) -> dict[str, dict[str, np.ndarray]]:
    """The figure's numbers: per-step gradients of the trained RNN and LSTM (and at init),
    and of an RNN in the exploding regime (recurrent weights ×EXPLODE_GAIN) trained by SGD
    with gradient clipping (its gradient grows back through time at init: clipping keeps
    the steps bounded while training brings it out of that regime)."""
    curves = {}
    for label, cell in (("rnn (tanh)", "RNN"), ("lstm", "LSTM")):
        mt.manual_seed(0)
        curves[label] = {"init": time_gradients(Recurrent(len(ALPHABET), cell), val_s),
                         "trained": time_gradients(models[cell.lower()], val_s)}
    mt.manual_seed(0)
    model = Recurrent(len(ALPHABET), "RNN")
    with mt.no_grad():
        model.rnn.weight_hh_l0.mul_(EXPLODE_GAIN)
    init = time_gradients(model, val_s)
    train(model, train_s, steps, 0.5, clip=CLIP, sgd=True)
    label = f"rnn (tanh, W_hh ×{EXPLODE_GAIN}) + clipping"
    curves[label] = {"init": init, "trained": time_gradients(model, val_s)}
    return {k: curves[k] for k in ("rnn (tanh)", label, "lstm")}


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few steps each (for CI)")
    parser.add_argument("--no-figure", action="store_true", help="skip the figure")
    parser.add_argument("--figure", type=Path, default=FIGURE, help="where to write it")
    args = parser.parse_args(argv)
    mt.manual_seed(0)
    train_s, val_s = make_data()
    vocab = len(ALPHABET)
    steps = 60 if args.quick else 600
    print(f"{len(load_names())} names, {train_s.size} training characters; uniform guess: "
          f"{np.log(vocab):.3f} nats per character")
    specs = {"bigram": (lambda: Bigram(vocab), 0.1), "mlp": (lambda: MLP(vocab), 0.01),
             "rnn": (lambda: Recurrent(vocab, "RNN"), 0.01),
             "lstm": (lambda: Recurrent(vocab, "LSTM"), 0.01)}
    if make_transformer(vocab) is not None:
        specs["transformer"] = (lambda: make_transformer(vocab), 0.003)
    results: dict[str, Any] = {}
    models = {}
    for name, (build, lr) in specs.items():
        mt.manual_seed(0)
        model = build()
        start = time.perf_counter()
        losses, _ = train(model, train_s, steps, lr, clip=None)
        seconds = time.perf_counter() - start
        val = evaluate(model, val_s)
        names = sample(model)
        models[name] = model
        results[name] = {"val_loss": val, "first_loss": losses[0], "seconds": seconds,
                         "samples": names}
        print(f"{name:12s} val loss {val:.3f}  ({steps} steps, {seconds:.1f} s)  "
              f"samples: {', '.join(names)}")
    if not args.no_figure:
        curves = figure_numbers(models, train_s, val_s, steps)
        for label, c in curves.items():
            print(f"{label:32s} ‖∂L/∂h_0‖ / ‖∂L/∂h_{c['trained'].size - 1}‖: "
                  f"at init {c['init'][0] / c['init'][-1]:.2e}, trained "
                  f"{c['trained'][0] / c['trained'][-1]:.2e}")
        draw(curves, args.figure)
        results["time_gradients"] = curves
        print(f"wrote {args.figure}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
