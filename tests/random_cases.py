"""One table of random-stream cases, run on ``torch`` or on ``microtensor`` (same API).

Each case is a function ``lib -> list of arrays``: it seeds ``lib`` itself and draws. The
same function runs on PyTorch (``tests/fixtures/make_random_reference.py`` stores digests
of its results; ``tests/oracle/test_random_vs_torch.py`` compares live) and on microtensor
(``tests/test_random.py`` against the stored digests). A case is exact unless its name is
in :data:`APPROX` (then compared to float rounding: LAPACK's QR differs between builds).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Case = Callable[[Any], list[np.ndarray]]

SEEDS = (0, 1, 42, 2147483647)
SIZES = (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 64, 100)
LARGE = (1000, 4097, 100_003)
APPROX = {"init_orthogonal_"}


def arr(t: Any) -> np.ndarray:
    """A result as a NumPy array (a tensor of either library, a list, a number)."""
    if hasattr(t, "detach"):
        t = t.detach().numpy()
    return np.asarray(t)


def digest(arrays: list[np.ndarray]) -> str:
    """sha256 over every array's dtype, shape and bytes: equal digests, equal bits."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _f(lib: Any, name: str) -> Any:
    return getattr(lib, name)


# ----------------------------------------------------------------------------- factories


def _factories(seed: int, n: int, dt: str) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        d = _f(lib, dt)
        lib.manual_seed(seed)
        out = [lib.rand(n, dtype=d), lib.randn(n, dtype=d),
               lib.normal(0.5, 2.0, (n,), dtype=d),
               lib.empty(n, dtype=d).uniform_(-0.37, 2.9),
               lib.empty(n, dtype=d).normal_(-1.25, 0.02),
               lib.empty(n, dtype=d).exponential_(1.5),
               lib.empty(n, dtype=d).bernoulli_(0.3),
               lib.empty(n, dtype=d).random_(),
               lib.empty(n, dtype=d).random_(-3, 40),
               lib.randn(n, dtype=d)]  # after the scalar path's cached value
        return [arr(t) for t in out]
    return case


def _integers(seed: int, n: int) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        lib.manual_seed(seed)
        out = [lib.randint(0, 10, (n,)), lib.randint(-5, 3, (n,)), lib.randint(7, 8, (n,)),
               lib.randint(0, 2**33, (n,)), lib.randint(100, (n,)), lib.randperm(n),
               lib.empty(n, dtype=lib.int64).random_(), lib.empty(n, dtype=lib.int32).random_(),
               lib.empty(n, dtype=lib.int64).random_(1000)]
        return [arr(t) for t in out]
    return case


def _overloads(seed: int, dt: str) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        d = _f(lib, dt)
        lib.manual_seed(seed)
        mean = lib.arange(24, dtype=d).reshape(4, 6) / 10
        std = lib.tensor([0.1, 0.7, 1.3, 1.9, 2.4, 3.0], dtype=d)
        x = lib.zeros(5, 3, dtype=d)
        out = [lib.normal(mean, 0.5), lib.normal(1.5, std), lib.normal(mean, std),
               lib.normal(mean[:2, :2], std[:2]), lib.rand_like(x), lib.randn_like(x),
               lib.randint_like(x, 9), lib.randn(3, 7, dtype=d), lib.rand(2, 3, 4, dtype=d)]
        return [arr(t) for t in out]
    return case


def _generators(seed: int) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        g = lib.Generator()
        out = [lib.rand(5, generator=g)]  # the default seed 67280421310721
        g.manual_seed(seed)
        out += [lib.randn(40, generator=g), lib.randint(0, 6, (9,), generator=g),
                lib.randperm(12, generator=g), lib.randn(3, generator=g, dtype=lib.float64)]
        state = g.get_state()
        out.append(state)
        a = lib.randn(7, generator=g)
        g.set_state(state)
        out += [a, lib.randn(7, generator=g), lib.tensor(g.initial_seed() % 2**62)]
        lib.manual_seed(seed)
        lib.randn(3)  # leaves a cached normal in the global generator's state
        out.append(lib.get_rng_state())
        return [arr(t) for t in out]
    return case


def _multinomial(seed: int, k: int) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        lib.manual_seed(seed)
        w = lib.rand(3, k) + 0.01
        w1 = lib.rand(k, dtype=lib.float64)
        out = [lib.multinomial(w, 7, replacement=True), lib.multinomial(w, 1),
               lib.multinomial(w, min(k, 4)), lib.multinomial(w1, 20, True),
               lib.multinomial(w1, min(k, 3)), lib.bernoulli(lib.rand(k)),
               lib.bernoulli(lib.rand(k, dtype=lib.float64)), lib.bernoulli(lib.rand(2, k), 0.7),
               lib.zeros(4, k).bernoulli_(lib.rand(k)),
               lib.zeros(k, 3, dtype=lib.float64).t().bernoulli_(lib.rand(k, dtype=lib.float64))]
        return [arr(t) for t in out]
    return case


# ----------------------------------------------------------------------------- nn


_SHAPES = ((5, 7), (64, 32), (3, 4, 3, 3), (10, 1))


def _init(name: str, kwargs: dict[str, Any], shapes: tuple = _SHAPES) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        out = []
        for seed in SEEDS[:2]:
            lib.manual_seed(seed)
            for shape in shapes:
                t = lib.zeros(*shape)
                getattr(lib.nn.init, name)(t, **kwargs)
                out.append(arr(t))
            g = lib.Generator().manual_seed(seed + 7)
            t = lib.zeros(6, 9, dtype=lib.float64)
            getattr(lib.nn.init, name)(t, generator=g, **kwargs)
            out.append(arr(t))
        return out
    return case


def _layers(seed: int) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        nn = lib.nn
        lib.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 2), nn.Linear(784, 128), nn.Linear(10, 1, bias=False),
                              nn.Conv2d(3, 8, 3), nn.Conv2d(4, 6, (3, 2), groups=2),
                              nn.BatchNorm1d(5), nn.BatchNorm2d(3), nn.LayerNorm(4),
                              nn.Linear(5, 5))
        out = [arr(p) for p in model.parameters()]
        x = lib.ones(4, 50)
        drop = nn.Dropout(0.3)
        out += [arr(drop(x)), arr(lib.nn.functional.dropout(x, 0.5)), arr(lib.randn(3))]
        return out
    return case


def _data(seed: int) -> Case:
    def case(lib: Any) -> list[np.ndarray]:
        data = lib.utils.data
        ds = data.TensorDataset(lib.arange(37))
        lib.manual_seed(seed)
        out = []
        for loader in (data.DataLoader(ds, batch_size=8, shuffle=True),
                       data.DataLoader(ds, batch_size=5, shuffle=False),
                       data.DataLoader(ds, batch_size=8, shuffle=True,
                                       generator=lib.Generator().manual_seed(seed))):
            for _ in range(2):
                out.append(np.concatenate([arr(b[0]) for b in loader]))
        sampler = data.RandomSampler(ds, replacement=True, num_samples=70)
        out.append(np.array(list(sampler)))
        out.append(np.array(list(data.RandomSampler(ds, num_samples=80))))
        out.append(np.array(list(data.SubsetRandomSampler([3, 1, 4, 1, 5, 9, 2, 6]))))
        parts = data.random_split(range(30), [0.3, 0.3, 0.4])
        out += [np.array(list(p.indices)) for p in parts]
        parts = data.random_split(range(10), [3, 7], generator=lib.Generator().manual_seed(42))
        out += [np.array(list(p.indices)) for p in parts]
        out.append(arr(lib.rand(4)))
        return out
    return case


# ----------------------------------------------------------------------------- the MLP


def mlp_losses(lib: Any, steps: int = 30) -> list[float]:
    """The issue's check: a seeded ``Sequential(Linear, Tanh, Linear)`` trained ``steps`` SGD
    (momentum) steps on mini-batches drawn with ``randint``; returns the loss curve."""
    nn = lib.nn
    lib.manual_seed(1234)
    x = lib.randn(256, 4)
    y = (x[:, :1] * x[:, 1:2] - x[:, 2:3].sin()).tanh()
    model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        idx = lib.randint(0, 256, (32,))
        loss = ((model(x[idx]) - y[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


# ----------------------------------------------------------------------------- the table


def cases() -> dict[str, Case]:
    """Every case by name (the fixture's keys)."""
    table: dict[str, Case] = {}
    for seed in SEEDS:
        for n in SIZES:
            for dt in ("float32", "float64"):
                table[f"factories_{dt}_s{seed}_n{n}"] = _factories(seed, n, dt)
            table[f"integers_s{seed}_n{n}"] = _integers(seed, n)
        for dt in ("float32", "float64"):
            table[f"overloads_{dt}_s{seed}"] = _overloads(seed, dt)
        table[f"generator_s{seed}"] = _generators(seed)
        table[f"layers_s{seed}"] = _layers(seed)
        table[f"data_s{seed}"] = _data(seed)
        for k in (1, 2, 5, 40):
            table[f"multinomial_s{seed}_k{k}"] = _multinomial(seed, k)
    for n in LARGE:
        for dt in ("float32", "float64"):
            table[f"factories_{dt}_s7_n{n}"] = _factories(7, n, dt)
        table[f"integers_s7_n{n}"] = _integers(7, n)
    inits = {"uniform_": {"a": -0.5, "b": 1.5}, "normal_": {"mean": 0.2, "std": 0.7},
             "xavier_uniform_": {"gain": 5 / 3}, "xavier_normal_": {},
             "kaiming_uniform_": {"a": math.sqrt(5)},
             "kaiming_normal_": {"mode": "fan_out", "nonlinearity": "relu"},
             "trunc_normal_": {"std": 0.02}, "orthogonal_": {"gain": 2.0}}
    for name, kw in inits.items():
        table[f"init_{name}"] = _init(name, kw)
    # QR is compared to float rounding: keep its fixture small.
    table["init_orthogonal_"] = _init("orthogonal_", inits["orthogonal_"],
                                      ((5, 7), (12, 6), (3, 4, 3, 3), (10, 1)))
    table["init_trunc_normal_narrow"] = _init("trunc_normal_", {"a": 2.0, "b": 3.0})
    return table
