"""randn: draw 10^7 standard normals (issue 18's speed row).

The floor is NumPy's own ``default_rng().standard_normal(n)`` (float64, ziggurat on PCG64).
microtensor and PyTorch run ``randn(n)`` (float32, PyTorch's default dtype): both give
the same numbers, PyTorch's CPU stream, which microtensor reproduces bit for bit with
NumPy (a Mersenne Twister, then Box–Muller in blocks of 16 with avx_mathfun's float32
log and sincos emulated step by step; see docs/random.md). The streams differ from the
floor's, so the check is a statistical one: the sample has the right size and its mean
and variance are within 6 standard errors of 0 and 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Bench, Unavailable, rng, torchlike, torchlike_builders

SIZES: dict[str, dict[str, Any]] = {
    "full": {"n": 10**7},
    "tiny": {"n": 10_000},
}


def _standard_normal_ok(x: np.ndarray, n: int) -> float:
    """1.0 if ``x`` looks like ``n`` standard normals (6 standard errors), else 0.0."""
    x = np.asarray(x, dtype=np.float64)
    ok = (x.shape == (n,) and abs(x.mean()) < 6 / np.sqrt(n)
          and abs(x.var() - 1) < 6 * np.sqrt(2 / n))
    return float(ok)


def build_numpy(cfg: dict[str, Any]) -> Bench:
    gen, n = rng(), cfg["n"]
    last: dict[str, Any] = {}

    def step() -> None:
        last["x"] = gen.standard_normal(n)

    return Bench(step, lambda: (_standard_normal_ok(last["x"], n), []))


def _build_torchlike(cfg: dict[str, Any], impl: str) -> Bench:
    lib, n = torchlike(impl)[0], cfg["n"]
    lib.manual_seed(0)
    last: dict[str, Any] = {}

    def step() -> None:
        last["x"] = lib.randn(n)

    return Bench(step, lambda: (_standard_normal_ok(last["x"].numpy(), n), []))


def _not_compared(cfg: dict[str, Any]) -> Bench:
    raise Unavailable("an autograd library without its own random generator")


BUILDERS = {"numpy": build_numpy, **torchlike_builders(_build_torchlike),
            "mygrad": _not_compared, "autograd": _not_compared}
