"""The benchmark workloads of issue 7, each implemented once per framework.

Every workload module defines ``SIZES`` (``"full"`` is what ``make bench`` times,
``"tiny"`` what the smoke test runs) and ``BUILDERS``: for each implementation a function
``cfg -> Bench`` (see :mod:`.common`). :data:`WORKLOADS` lists them in table order with
the unit they are reported in and the issue's target for microtensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import big_matmul, conv_step, deep_narrow, lstm_step, mlp_step, randn, tiny_ops
from .common import Bench, Unavailable

__all__ = ["IMPLS", "LABELS", "WORKLOADS", "Bench", "Unavailable", "Workload"]

IMPLS = ("numpy", "microtensor", "torch", "mygrad", "autograd")
LABELS = {"numpy": "numpy floor", "microtensor": "microtensor", "torch": "pytorch",
          "mygrad": "mygrad", "autograd": "hips autograd"}


@dataclass(frozen=True)
class Workload:
    """One row group of the table.

    ``met(value, vs_floor, vs_torch)`` says whether microtensor's row meets ``target``;
    ``value`` is in ``unit`` (time per step divided by ``per_step``, or MiB), the ratios are
    ``None`` where there is nothing to divide by.
    """

    name: str
    module: ModuleType
    kind: str  # "time" or "memory"
    unit: str
    target: str
    met: Callable[[float, float | None, float | None], bool]
    size: str = "full"
    per_step: int = 1

    def build(self, impl: str, size: str | None = None) -> Bench:
        """Build implementation ``impl`` (raises :class:`Unavailable` if it can't be)."""
        if self.kind == "memory" and impl == "torch":
            raise Unavailable("PyTorch's allocator is invisible to tracemalloc")
        return self.module.BUILDERS[impl](self.config(size))

    def config(self, size: str | None = None) -> dict[str, Any]:
        return self.module.SIZES[size or self.size]


def _le(limit: float, ratio: float | None) -> bool:
    return ratio is not None and ratio <= limit


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("mlp_step", mlp_step, "time", "ms", "≤ 1.15× floor and ≤ torch",
             lambda v, f, t: _le(1.15, f) and (t is None or t <= 1.0)),
    Workload("deep_narrow", deep_narrow, "time", "ms", "≤ 1.6× floor",
             lambda v, f, t: _le(1.6, f)),
    # Without PyTorch to compare with, issue 7's absolute bound stands in.
    Workload("tiny_ops", tiny_ops, "time", "µs/op", "≤ 0.85× torch",
             lambda v, f, t: t <= 0.85 if t is not None else v <= 4.0,
             per_step=tiny_ops.ops_per_step(tiny_ops.SIZES["full"])),
    Workload("big_matmul", big_matmul, "time", "ms", "≤ 1.05× floor",
             lambda v, f, t: _le(1.05, f)),
    Workload("conv_step", conv_step, "time", "ms", "≤ 1.3× floor",
             lambda v, f, t: _le(1.3, f)),
    Workload("mlp_memory", mlp_step, "memory", "MiB", "≤ 1.3× floor",
             lambda v, f, t: _le(1.3, f), size="memory"),
    # Issue 18: 10^7 normals of PyTorch's stream within 2× NumPy's own standard_normal.
    Workload("randn", randn, "time", "ms", "≤ 2× floor", lambda v, f, t: _le(2.0, f)),
    # Issue 17: a 2-layer LSTM (width 128, 32 steps, batch 32) within 1.5× PyTorch CPU.
    Workload("lstm_step", lstm_step, "time", "ms", "≤ 1.5× torch",
             lambda v, f, t: _le(1.5, t)),
)}
