"""What :func:`~microtensor.viz.step_through` shows, recorded during a real ``backward()``.

:func:`record_backward` runs ``output.backward()`` once with two observers on:

- the engine's own per-node observer (``autograd.grad_observers``), which the engine
  calls with each node's *complete* output gradient, in its order, right before it
  runs that node's backward. At that moment the observer calls the same
  ``Function.backward`` on the same saved arrays with that gradient, so the
  contributions it records are the arrays the engine is about to add;
- a hook on every leaf, which gets the leaf's total for the pass (what is added to
  ``.grad``).

Partial sums are the running additions of those contributions; every *complete*
gradient shown (an op's output, a leaf's ``.grad``) is the engine's array itself, and
:func:`record_backward` checks the contributions add up to it. The observer is removed
after the pass, so later ``backward()`` calls pay nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import autograd as ag
from ..autograd import Node, unbroadcast
from ..tensor import Tensor
from .trace import Key, Trace

__all__ = ["Flow", "Step", "Recording", "record_backward", "record_forward"]


@dataclass
class Flow:
    """The gradient one op passes to one of its inputs, and where that input's sum stands."""

    target: Key  # the input receiving it
    local: np.ndarray | None  # the op's backward with upstream = ones (elementwise ops)
    mode: str  # "scalar" (upstream × local), "elementwise" (upstream ⊙ local), "vjp"
    raw: np.ndarray  # what the op's backward returned (the broadcast shape)
    grad: np.ndarray  # after the engine's sum over broadcast axes and cast
    summed_axes: tuple[int, ...]
    before: np.ndarray | None  # the input's gradient before this contribution
    total: np.ndarray  # ... and after it
    k: int = 1  # this is contribution k of n to the input
    n: int = 1


@dataclass
class Step:
    """One node of the backward sweep, in the engine's order."""

    index: int  # position in the engine's order (0: the op that made the output)
    node: Node
    upstream: np.ndarray  # the engine's gradient of the node's output
    flows: list[Flow] = field(default_factory=list)


@dataclass
class Recording:
    trace: Trace
    seed: np.ndarray
    steps: list[Step]
    node_grads: dict[int, np.ndarray]  # op index -> the engine's gradient of its output
    leaf_grads: dict[int, np.ndarray]  # id(leaf) -> the engine's total for this pass
    contributions: dict[Key, list[tuple[int, np.ndarray]]]  # key -> (step, gradient) pairs


def record_forward(fn: Any) -> tuple[Any, dict[int, np.ndarray]]:
    """Call ``fn()`` and keep a copy of the output value of every op it records."""
    values: dict[int, tuple[Node, np.ndarray]] = {}

    def observe(node: Node, out: np.ndarray) -> None:
        values[id(node)] = (node, np.array(out, copy=True))

    ag.forward_observers.append(observe)
    try:
        result = fn()
    finally:
        ag.forward_observers.remove(observe)
    return result, {k: v for k, (_, v) in values.items()}


def _as_tuple(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def _mode(upstream: np.ndarray, local: np.ndarray | None, raw: np.ndarray) -> str:
    if local is None:
        return "vjp"
    with np.errstate(all="ignore"):
        if upstream.size == 1 and np.allclose(upstream.reshape(()) * local, raw, rtol=1e-5,
                                              atol=0, equal_nan=True):
            return "scalar"
        if (upstream.shape == raw.shape == local.shape
                and np.allclose(upstream * local, raw, rtol=1e-5, atol=0, equal_nan=True)):
            return "elementwise"
    return "vjp"


def record_backward(output: Tensor, trace: Trace, gradient: Any = None,
                    retain_graph: bool = False) -> Recording:
    """Run ``output.backward(gradient)`` once and record every chain-rule step of it."""
    order = trace.order
    index = {id(n): i for i, n in enumerate(order)}
    steps: list[Step] = []
    node_grads: dict[int, np.ndarray] = {}
    leaf_grads: dict[int, np.ndarray] = {}
    failure: list[BaseException] = []

    def observe(node: Node, g: np.ndarray) -> None:
        i = index.get(id(node))
        if i is None or failure:
            return
        try:
            g = np.array(g, copy=True)
            node_grads[i] = g
            steps.append(_step(trace, i, node, g))
        except Exception as e:  # noqa: BLE001 - reported after the pass, not inside it
            failure.append(e)

    handles = []
    for k, leaf in trace.leaves.items():
        def leaf_hook(grad: Tensor, k: int = k) -> None:
            leaf_grads[k] = np.array(grad.numpy(), copy=True)
        handles.append(leaf.register_hook(leaf_hook))
    ag.grad_observers.append(observe)
    try:
        output.backward(gradient, retain_graph=retain_graph)
    finally:
        ag.grad_observers.remove(observe)
        for h in handles:
            h.remove()
    if failure:
        raise RuntimeError(f"step_through: recording a step failed: {failure[0]}") from failure[0]
    seed = node_grads.get(0, np.ones(output.shape, dtype=output.dtype))
    contributions = _accumulate(trace, steps, node_grads, leaf_grads)
    return Recording(trace, seed, steps, node_grads, leaf_grads, contributions)


def _step(trace: Trace, i: int, node: Node, g: np.ndarray) -> Step:
    """Call the node's backward as the engine is about to (same arrays, same gradient)."""
    fn = node.function
    result = _as_tuple(fn.backward(node, g))
    local = _as_tuple(fn.backward(node, np.ones_like(g))) if g.dtype.kind == "f" else ()
    step = Step(i, node, g)
    keys = iter(trace.inputs[i])
    for k, (nxt, _) in enumerate(node.next_functions):
        if nxt is None:
            continue
        key = next(keys)
        if k >= len(result) or result[k] is None:
            continue
        raw = np.asarray(result[k])
        shape, dtype = tuple(trace.shape(key)), trace.grad_dtype(key)
        ig = unbroadcast(raw, shape) if raw.shape != shape else raw
        ig = ig.astype(dtype, copy=False)
        lead = raw.ndim - len(shape)
        axes = (tuple(range(lead)) + tuple(lead + a for a, n in enumerate(shape)
                                           if n == 1 and raw.shape[lead + a] != 1)
                if raw.shape != shape else ())
        loc = np.asarray(local[k]) if k < len(local) and local[k] is not None else None
        step.flows.append(Flow(key, loc, _mode(g, loc, raw), raw, ig, axes, None, ig))
    return step


def _accumulate(trace: Trace, steps: list[Step], node_grads: dict[int, np.ndarray],
                leaf_grads: dict[int, np.ndarray]) -> dict[Key, list[tuple[int, np.ndarray]]]:
    """Running sums per input; the last one is replaced by the engine's own array, after
    checking that the contributions add up to it."""
    contributions: dict[Key, list[tuple[int, np.ndarray]]] = {}
    for s in steps:
        for f in s.flows:
            contributions.setdefault(f.target, []).append((s.index, f.grad))
    seen: dict[Key, int] = {}
    running: dict[Key, np.ndarray] = {}
    for s in steps:
        for f in s.flows:
            n = len(contributions[f.target])
            k = seen[f.target] = seen.get(f.target, 0) + 1
            before = running.get(f.target)
            total = f.grad if before is None else np.asarray(before + f.grad)
            if k == n:
                engine = (node_grads.get(f.target[1]) if f.target[0] == "n"
                          else leaf_grads.get(f.target[1]))
                if engine is not None:
                    with np.errstate(all="ignore"):
                        agree = np.allclose(total, engine, rtol=1e-4, atol=1e-6, equal_nan=True)
                    if not agree:
                        raise RuntimeError(
                            f"step_through: the recorded contributions to "
                            f"{trace.describe(f.target)} do not add up to the gradient the "
                            "engine computed; was a hook changing gradients?")
                    total = engine
            running[f.target] = total
            f.before, f.total, f.k, f.n = before, total, k, n
    return contributions
