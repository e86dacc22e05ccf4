"""The runs of the report's later sections: the lecture's claims beyond depth, zero init,
optimizers and batch size. Each group is one section of the page:

- ``overfit``: a wide MLP on 200 digits overfits; Dropout, L2, early stopping cure it; L1
  makes its weights sparse.
- ``dying``: a high learning rate or a negative bias kills ReLU units; LeakyReLU under the
  negative bias keeps learning (under the high learning rate it diverges instead).
- ``explode``: a high learning rate makes the gradient norm of a deep ReLU net explode to
  NaN; ``clip_grad_norm_`` keeps the same run training.
- ``lr``: a learning-rate sweep from too small to diverging; lr 1 constant versus
  cosine-decayed.
- ``bn``: BatchNorm isolated: a deep sigmoid net with small weights, and a ReLU net at a
  10× higher learning rate, each with and without it.
- ``claims``: sigmoid in a shallow and a deeper net; small versus He initialisation at
  depths 1 to 8; the gradient norm rising while the loss falls.

:func:`group_extras` computes what is not a training run: the optimizers' paths on the
2-D surfaces (:mod:`~microtensor.report.surfaces`) and one clipped backward pass.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import nn, optim
from microtensor.train import EarlyStopping

from .experiments import WIDTH, Config, RunSpec, _he, _small_normal, _xavier, mlp

__all__ = ["section_specs", "group_extras", "OVERFIT_TRAIN", "DEPTHS", "LRS", "near_zero"]

OVERFIT_TRAIN = 200  # training digits of the overfitting runs
DEPTHS = (1, 2, 4, 8)  # hidden layers of the depth sweep
LRS = (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0)  # the learning-rate sweep
NEAR_ZERO = 1e-2  # |w| below this counts as "zero" in the L1 sparsity count


def near_zero(w: np.ndarray) -> float:
    """The share of weights with ``|w| < 0.01`` (He's scale here is about 0.18)."""
    return float(np.mean(np.abs(w) < NEAR_ZERO))


def _net(sizes: list[int], act: Callable[[], nn.Module], name: str,
         init: Callable[[Any], Any], dropout: float = 0.0, bias: float = 0.0,
         batchnorm: bool = False) -> nn.Sequential:
    """Like :func:`~microtensor.report.experiments.mlp`, with Dropout after every hidden
    activation and the hidden biases set to ``bias``."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    n_hidden = len(sizes) - 2
    for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
        lin = nn.Linear(a, b)
        init(lin.weight)
        nn.init.constant_(lin.bias, bias if i <= n_hidden else 0.0)
        if i > n_hidden:
            layers["out"] = lin
            break
        layers[f"fc{i}"] = lin
        if batchnorm:
            layers[f"bn{i}"] = nn.BatchNorm1d(b)
        layers[f"{name}{i}"] = act()
        if dropout:
            layers[f"drop{i}"] = nn.Dropout(dropout)
    return nn.Sequential(layers)


def _l1_loss(lam: float) -> Callable[[nn.Module], Callable]:
    """Cross-entropy plus ``lam × Σ|w|`` over every weight matrix."""
    def make(model: nn.Module) -> Callable:
        weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
        ce = nn.CrossEntropyLoss()

        def loss(out: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
            penalty = weights[0].abs().sum()
            for w in weights[1:]:
                penalty = penalty + w.abs().sum()
            return ce(out, y) + lam * penalty
        return loss
    return make


def _sparsity(model: nn.Module) -> dict[str, float]:
    w = np.concatenate([m.weight._data.ravel() for m in model.modules()
                        if isinstance(m, nn.Linear)])
    return {"near_zero": near_zero(w), "weights": float(w.size)}


def _leaky() -> nn.Module:
    return nn.LeakyReLU(0.1)


def _sgd(lr: float, momentum: float = 0.0, **kw: Any) -> Callable[[Iterable], Any]:
    return lambda p: optim.SGD(p, lr=lr, momentum=momentum, **kw)


def section_specs(config: Config) -> list[RunSpec]:
    """The runs of the later sections, in the order the page shows them."""
    e = config.n_epochs
    out: list[RunSpec] = []

    # --- overfitting: 200 digits, 2 × 256 ReLU units, long enough to memorise them
    wide = [64, 256, 256, 10]
    oe = 30 if config.quick else 60  # long enough to memorise 200 digits
    adam = lambda p: optim.Adam(p, lr=3e-3)  # noqa: E731
    base = dict(batch_size=32, epochs=oe, train_size=OVERFIT_TRAIN, flows=False, every=8,
                post=_sparsity)
    for key, title, desc, model, opt, name, extra in (
            ("overfit", "no regularisation", "no cure",
             lambda: _net(wide, nn.ReLU, "relu", _he), adam, "Adam", {}),
            ("dropout", "Dropout 0.5", "Dropout(0.5) after each hidden ReLU",
             lambda: _net(wide, nn.ReLU, "relu", _he, dropout=0.5), adam, "Adam", {}),
            ("l2", "L2 (λ = 1e-3)", "L2 penalty ½·1e-3·‖w‖² (Adam's weight_decay=1e-3)",
             lambda: _net(wide, nn.ReLU, "relu", _he),
             lambda p: optim.Adam(p, lr=3e-3, weight_decay=1e-3), "Adam", {}),
            ("early_stop", "early stopping", "EarlyStopping(patience=5) on the validation "
             "loss, restoring the best epoch's weights",
             lambda: _net(wide, nn.ReLU, "relu", _he), adam, "Adam",
             {"callbacks": lambda: [EarlyStopping(patience=5, restore_best=True)]}),
            ("l1", "L1 (λ = 1e-4)", "loss + 1e-4 · Σ|w| over every weight",
             lambda: _net(wide, nn.ReLU, "relu", _he), adam, "Adam",
             {"loss": _l1_loss(1e-4)})):
        out.append(RunSpec(key, "overfit", title,
                           f"64 → 256 → 256 → 10 ReLU net, He weights, {OVERFIT_TRAIN} "
                           f"training digits; {desc}", model, opt, name, 3e-3,
                           **{**base, **extra}))

    # --- dying ReLU: 4 hidden layers of 64, He weights; a high lr, or biases of −0.5
    four = [64] + [WIDTH] * 4 + [10]
    for act, name, tag in ((nn.ReLU, "relu", "ReLU"), (_leaky, "leaky", "LeakyReLU 0.1")):
        for cond, title, lr, bias, what in (
                ("high_lr", "lr 0.2", 0.2, 0.0, "zero biases, lr 0.2"),
                ("neg_bias", "bias −0.5", 0.1, -0.5, "every hidden bias −0.5, lr 0.1")):
            out.append(RunSpec(
                f"{name}_{cond}", "dying", f"{tag} · {title}",
                f"4 hidden {tag} layers of 64, He weights, {what} (SGD, momentum 0.9)",
                lambda act=act, name=name, bias=bias: _net(four, act, name, _he, bias=bias),
                _sgd(lr, 0.9), "SGD, momentum 0.9", lr, 64, e, flows=False, every=2))

    # --- exploding gradients: 8 hidden ReLU layers at a high learning rate, then clipped
    eight = [64] + [WIDTH] * 8 + [10]
    for key, title, clip in (("explode", "lr 0.3", None),
                             ("explode_clip", "lr 0.3 · clipped at 0.5", 0.5)):
        out.append(RunSpec(
            key, "explode", title,
            "8 hidden ReLU layers of 64, He weights, SGD with momentum 0.9 at lr 0.3"
            + (", clip_grad_norm_(max_norm=0.5) before every step" if clip else ""),
            lambda: _net(eight, nn.ReLU, "relu", _he), _sgd(0.3, 0.9), "SGD, momentum 0.9",
            0.3, 64, e, clip=clip, flows=False, every=1))

    # --- the learning rate: sweep, then constant vs cosine
    two = [64, WIDTH, WIDTH, 10]
    for lr in LRS:
        out.append(RunSpec(
            f"lr_{lr:g}", "lr", f"lr {lr:g}", "2 hidden ReLU layers of 64, He weights, "
            f"plain SGD at lr {lr:g}", lambda: _net(two, nn.ReLU, "relu", _he), _sgd(lr),
            "SGD", lr, 64, e, flows=False, every=3))
    n_batches = math.ceil(1438 / 64)
    # Decayed versus constant: lr 1 kept constant is the sweep's lr_1 run.
    out.append(RunSpec(
        "lr_cosine", "lr", "lr 1 · cosine-decayed", "the same net, plain SGD starting at "
        f"lr 1 and cosine-annealed to 0 over {e} epochs",
        lambda: _net(two, nn.ReLU, "relu", _he), _sgd(1.0), "SGD", 1.0, 64, e,
        scheduler=lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=e), flows=False,
        every=max(1, n_batches // 4)))

    # --- BatchNorm, isolated
    six = [64] + [WIDTH] * 6 + [10]
    for key, title, act, name, init, lr, bnorm in (
            ("bn_sigmoid", "sigmoid · small init", nn.Sigmoid, "sigmoid", _small_normal,
             0.02, False),
            ("bn_sigmoid_bn", "sigmoid · small init · BatchNorm", nn.Sigmoid, "sigmoid",
             _small_normal, 0.02, True),
            ("bn_relu_fast", "ReLU · He · lr 0.2", nn.ReLU, "relu", _he, 0.2, False),
            ("bn_relu_fast_bn", "ReLU · He · BatchNorm · lr 0.2", nn.ReLU, "relu", _he, 0.2,
             True)):
        init_name = "weights N(0, 0.01²)" if init is _small_normal else "He weights"
        out.append(RunSpec(
            key, "bn", title, f"6 hidden {name} layers of 64, {init_name}"
            + (", BatchNorm before every activation" if bnorm else "")
            + f", SGD with momentum 0.9 at lr {lr:g}",
            lambda act=act, name=name, init=init, bnorm=bnorm: _net(
                six, act, name, init, batchnorm=bnorm),
            _sgd(lr, 0.9), "SGD, momentum 0.9", lr, 64, e, flows=False, every=4))

    # --- the remaining claims: a shallow sigmoid net; small vs He init by depth
    for d in (1, 6):
        out.append(RunSpec(
            f"sigmoid{d}", "claims", f"sigmoid · Xavier · {d} hidden",
            f"{d} hidden sigmoid layer{'s' * (d > 1)} of 64, Xavier weights, SGD with "
            f"momentum 0.9 at lr 0.1",
            lambda d=d: _net([64] + [WIDTH] * d + [10], nn.Sigmoid, "sigmoid", _xavier),
            _sgd(0.1, 0.9), "SGD, momentum 0.9", 0.1, 64, e, flows=False, every=4))
    for d in DEPTHS:
        sizes = [64] + [WIDTH] * d + [10]
        for init, tag in ((_small_normal, "small"), (_he, "He")):
            what = "N(0, 0.01²)" if tag == "small" else "He"
            out.append(RunSpec(
                f"depth{d}_{tag.lower()}", "claims", f"{d} hidden · {what}",
                f"{d} hidden ReLU layer{'s' * (d > 1)} of 64, {what} weights, SGD with "
                f"momentum 0.9 at lr 0.02",
                lambda sizes=sizes, init=init: _net(sizes, nn.ReLU, "relu", init),
                _sgd(0.02, 0.9), "SGD, momentum 0.9", 0.02, 64, e, flows=False, every=6))
    return out


# ------------------------------------------------------------------ not training runs


def clip_backward(config: Config, x: mt.Tensor, y: mt.Tensor) -> dict[str, Any]:
    """One backward pass of the deep sigmoid net (small weights), then clip_grad_norm_:
    clipping rescales every gradient by the same factor ≤ 1, so a vanishing gradient
    stays vanishing."""
    mt.manual_seed(config.seed)
    model = mlp([64] + [WIDTH] * config.depth + [10], nn.Sigmoid, "sigmoid", _small_normal)
    nn.functional.cross_entropy(model(x[:64]), y[:64]).backward()
    lins = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]

    def norms() -> dict[str, float]:
        return {n: float(np.linalg.norm(m.weight.grad._data)) for n, m in lins}

    before = norms()
    total = float(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e-3))
    after = norms()
    first, last = lins[0][0], lins[-1][0]
    return {"max_norm": 1e-3, "total_before": total, "before": before, "after": after,
            "ratio_before": before[first] / before[last],
            "ratio_after": after[first] / after[last], "first": first, "last": last}


def group_extras(config: Config, groups: set[str], train: tuple) -> dict[str, Any]:
    """What the sections need beyond their runs: the 2-D optimizer paths (``optim``), a
    clipped backward pass (``explode``) and the recurrent models of ``time``."""
    out: dict[str, Any] = {}
    if "optim" in groups:
        from .surfaces import paths

        out["surfaces"] = paths(config.quick)
    if "explode" in groups:
        out["clip_backward"] = clip_backward(config, *train)
    if "time" in groups:
        from .experiments_time import time_experiment

        out["time"] = time_experiment(config.quick, config.seed)
    return out
