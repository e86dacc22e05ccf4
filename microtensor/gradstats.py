"""Statistics of a gradient array, cheap enough to take during every backward.

The engine summarizes each large gradient as it passes (small ones are kept
and summarized when drawn), so ``microtensor.viz`` can show every
intermediate gradient without keeping big arrays alive.
"""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

import numpy as np

__all__ = ["GradSummary", "summarize_grad"]


class GradSummary(NamedTuple):
    """Statistics of one gradient array (what :attr:`Node.grad_summary` returns).

    ``max_abs`` is ``None`` for a large gradient summarized during backward (it
    would cost another pass). ``nonfinite`` counts NaN and ±Inf elements.
    """

    norm: float
    mean_abs: float
    max_abs: float | None
    nonfinite: int
    size: int

    @property
    def finite(self) -> bool:
        return self.nonfinite == 0


class _Scratch(threading.local):
    # Per-thread buffers for summarize_grad: |g| chunk by chunk, and ones to sum it with BLAS.
    def __init__(self) -> None:
        self.buffers: dict[np.dtype, tuple[np.ndarray, np.ndarray]] = {}


_scratch = _Scratch()
_CHUNK = 1 << 15  # 128 KiB of float32: |g| is read back from L2 twice


def summarize_grad(g: np.ndarray, exact: bool = False) -> GradSummary:
    """L2 norm, mean |g|, max |g| and non-finite count of a gradient.

    ``exact=True`` computes in float64 (for small arrays, when drawing); the
    default is the engine's fast path for large ones: |g| is taken chunk by
    chunk into a small buffer (no temporary as large as ``g``), and two BLAS dot
    products of each chunk give the sums of |g| and of g², which also tells
    whether everything is finite.

    The dot products are ``np.vdot``: the same BLAS call as ``np.dot`` for real
    arrays, but without the floating-point error check that makes ``np.dot`` warn
    when an exploding gradient's sum overflows. That spares an ``np.errstate``
    around every summary, which cost as much as one pass over a 32k-element
    gradient.
    """
    n = g.size
    if n == 0:
        return GradSummary(0.0, 0.0, 0.0, 0, 0)
    if exact:
        a = np.abs(g.astype(np.float64)).ravel()
        bad = int(n - np.count_nonzero(np.isfinite(a)))
        with np.errstate(over="ignore", invalid="ignore"):  # the mean of inf/nan, or huge values
            mean = float(a.mean())
        return GradSummary(math.sqrt(float(np.vdot(a, a))), mean, float(a.max()), bad, n)
    # A broadcast view (what the backward of sum or mean returns) repeats its elements:
    # summarize the distinct ones and scale.
    core = g[tuple(slice(0, 1) if s == 0 else slice(None) for s in g.strides)] \
        if 0 in g.strides else g
    reps = n // core.size
    f = core.ravel(order="K")  # a view unless g is not contiguous
    scratch = _scratch.buffers.get(f.dtype)
    if scratch is None:
        scratch = _scratch.buffers[f.dtype] = (np.empty(_CHUNK, f.dtype), np.ones(_CHUNK, f.dtype))
    buf, ones = scratch
    # g is read once, a cache-sized chunk at a time: |g| goes into the buffer, then two BLAS
    # dot products of the buffer give Σ|g| and Σg².
    total = sq = 0.0
    for i in range(0, f.size, _CHUNK):
        part = f[i:i + _CHUNK]
        m = part.size
        a = buf[:m]
        np.abs(part, out=a)
        total += float(np.vdot(a, ones[:m]))  # inf or nan with g's: counted below
        sq += float(np.vdot(a, a))
    total *= reps
    sq *= reps
    bad = 0
    if not math.isfinite(sq):
        bad = int(f.size - np.count_nonzero(np.isfinite(f))) * reps
        if not bad and f.itemsize < 8:  # finite, but a float32 sum overflowed: redo in float64
            f64 = f.astype(np.float64)
            np.abs(f64, out=f64)
            sq = float(np.vdot(f64, f64)) * reps
            total = float(f64.sum()) * reps  # at most size * 3.4e38: cannot overflow
    return GradSummary(math.sqrt(sq), total / n, None, bad, n)
