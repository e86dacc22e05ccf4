"""The table of op cases that drives the op tests and the docs' op table.

One row per op: how to call it, its NumPy reference, the shapes and values to
draw. ``tests/test_ops.py`` turns every row into a forward-vs-NumPy test and a
finite-difference gradcheck over hypothesis-drawn shapes; ``docs/ops.md`` lists
every Function's math, and a test checks every Function is covered by a row.

Rows live next to the op family they test (``cases_*.py``); this module only
defines the row type and the shape strategies, and gathers the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
from hypothesis.extra import numpy as hnp

# Small shapes keep the numerical Jacobians cheap: at most 4 dims of size <= 4, 0-d included.
MAX_DIMS = 4
MAX_SIDE = 4


@dataclass(frozen=True)
class OpCase:
    """One op under test.

    Attributes:
        name: the op's public name as the docs list it (``"mul"``, ``"sum(dim)"``).
        fn: calls microtensor on Tensors: ``fn(*tensors, **params) -> Tensor``.
        ref: the same math in NumPy on float64 arrays: ``ref(*arrays, **params) -> ndarray``
            (``None`` when there is nothing independent to compare with).
        shapes: a strategy drawing one shape tuple per input, e.g. ``unary()``.
        functions: the ``Function`` subclasses this row exercises (for the coverage test).
        low, high: the range input values are drawn from (floats).
        params: given the drawn shapes, a strategy of keyword arguments (e.g. a valid ``dim``).
        avoid: given the input arrays (and params), True when the point is too close to a kink
            for central differences (e.g. ``abs`` near 0); such draws are rejected.
        grad: False for ops with no gradient (only the forward is compared).
        inputs_requiring_grad: indices of inputs that get ``requires_grad`` (default: all).
        atol, rtol: gradcheck tolerances when the defaults are too tight for the op.
    """

    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any] | None
    shapes: Callable[[], st.SearchStrategy]
    functions: tuple = ()
    low: float = -3.0
    high: float = 3.0
    params: Callable[[tuple], st.SearchStrategy] | None = None
    avoid: Callable[..., bool] | None = None
    grad: bool = True
    inputs_requiring_grad: tuple[int, ...] | None = None
    atol: float = 1e-5
    rtol: float = 1e-3
    tags: tuple[str, ...] = field(default=())


# ----------------------------------------------------------------- shape strategies


def unary(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1) -> Callable:
    """One shape, 0-d and size-1 axes included."""
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=MAX_SIDE).map(lambda s: (s,))


def broadcastable(n: int = 2) -> Callable:
    """``n`` shapes that broadcast together (leading axes missing, size-1 axes)."""
    return lambda: hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE
    ).map(lambda b: tuple(b.input_shapes))


def fixed(*shapes: tuple) -> Callable:
    """Exactly these shapes."""
    return lambda: st.just(tuple(shapes))
