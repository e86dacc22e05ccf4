"""The backward pass as a lecture writes it, and the one that records its own graph.

``microtensor.autograd.run_backward`` is the fast engine: a heap, fast paths for chains,
buffers it may add into in place. This module is the same algorithm in its plain form:

1. order the nodes so that every node comes after all the nodes that consume its output
   (a depth-first search, with an explicit stack: no recursion limit);
2. give each root its gradient, then visit the nodes in that order: a node's gradient is
   complete when it is visited; its backward turns it into one gradient per input
   (upstream × local derivative), which is *added* to what that input already got.

It serves two purposes. With ``create_graph=True`` it is the engine: the gradients are
Tensors, each backward formula runs on Tensors (NumPy's dispatch routes ``np.exp``,
``np.where`` ... to the ops, see ``ops/numpy_protocol.py``), so the backward pass is
recorded and can be differentiated again, to any order. And it is the reference the fast
engine is tested against: both must give the same gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd as ag
from .autograd import Node
from .grad_mode import set_grad_enabled
from .ops import elementwise as ew
from .ops.numpy_protocol import NotTwiceDifferentiable, graph_backward
from .tensor import Tensor

__all__ = ["reference_backward", "topological_order"]


def topological_order(roots: list[Node], since: int | None = None) -> list[Node]:
    """Every node reachable from ``roots``, each after all of its inputs' nodes (with
    ``since``, only the nodes recorded since that creation number)."""
    order, seen = [], set()
    stack = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)  # all its inputs are in `order` already
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for edge in node._next:
            if type(edge) is Node and edge not in seen and (since is None or edge._seq >= since):
                stack.append((edge, False))
    return order


def reference_backward(roots: list[Tensor], root_grads: list[Any], *, create_graph: bool,
                       retain_graph: bool, inputs: list[Tensor] | None = None
                       ) -> list[Any] | None:
    """Propagate ``root_grads`` from ``roots``; accumulate into leaves' ``.grad``, or, with
    ``inputs``, return the gradients reaching them (as :func:`microtensor.autograd.grad`).

    With ``create_graph`` the gradients are Tensors recorded in the graph; without, arrays.
    """
    grads: dict[Any, Any] = {}  # a node, or a leaf tensor, -> the gradient it has received
    for r, g in zip(roots, root_grads):
        key = r.grad_fn or r
        grads[key] = g if key not in grads else grads[key] + g

    with set_grad_enabled(create_graph):  # with create_graph, every step below is recorded
        return _sweep(grads, roots, create_graph, retain_graph, inputs)


def _sweep(grads: dict, roots: list[Tensor], create_graph: bool, retain_graph: bool,
           inputs: list[Tensor] | None) -> list[Any] | None:
    wanted = None if inputs is None else {id(t.grad_fn or t): t for t in inputs}
    found: dict[int, Any] = {}
    for node in reversed(topological_order([r.grad_fn for r in roots if r.grad_fn])):
        g = grads.pop(node, None)
        if g is None:
            continue  # nothing reached it (only reachable through inputs that need no grad)
        g = _node_extras(node, g)
        if wanted is not None and id(node) in wanted:
            found[id(node)] = g
        _propagate(node, g, grads, create_graph)
        if not retain_graph:
            node.saved_tensors = None

    for leaf, g in grads.items():  # what is left: the leaves
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g)
        if wanted is not None:
            if id(leaf) in wanted:
                found[id(leaf)] = g
        else:
            _accumulate(leaf, g, create_graph)
    if wanted is None:
        return None
    return [found.get(id(t.grad_fn or t)) for t in inputs]


def _propagate(node: Node, g: Any, grads: dict, create_graph: bool) -> None:
    """Run ``node``'s backward on ``g`` and add each input's share into ``grads``."""
    for edge, ig in zip(node._next, _local_backward(node, g, create_graph)):
        if edge is None or ig is None:
            continue
        ig = _fit(ig, edge, node)
        grads[edge] = ig if edge not in grads else grads[edge] + ig  # fan-out adds


def _local_backward(node: Node, g: Any, create_graph: bool) -> tuple:
    """The node's backward formula: one gradient per forward input."""
    saved = node.saved_tensors
    if saved is None:
        raise RuntimeError(ag._freed_message(node))
    for counter, expected, index, _ in getattr(node, "_versions", ()):
        if counter[0] != expected:
            raise RuntimeError(ag._version_message(node, counter[0], expected, index))
    if not create_graph or getattr(node._fn, "custom", False):
        result = node._fn.backward(node, g)  # (a user's Function runs on Tensors itself)
    else:
        if node._fn.twice_differentiable:
            with graph_backward(node.name()):
                result = node._fn.backward(_RecordingCtx(node), g)
        elif node._fn.composite is not None:
            result = _composite_backward(node, g)
        else:
            raise NotTwiceDifferentiable(
                f"{node.name()}: this op does not support gradients of gradients "
                "(create_graph=True) yet")
    if type(result) is not tuple:
        result = (result,)
    if len(result) < len(node._next):
        ag._check_arity(node, result)
    if create_graph:
        for i, (edge, ig) in enumerate(zip(node._next, result)):
            if edge is not None and ig is not None and not isinstance(ig, Tensor):
                raise NotTwiceDifferentiable(
                    f"{node.name()}: its backward returned a NumPy array for input {i}, "
                    "not a recorded Tensor, so it cannot be differentiated again")
    return result


def _composite_backward(node: Node, g: Tensor) -> tuple:
    """A fused op's gradient, recorded: its forward written with recorded ops (the Function's
    ``composite``), differentiated by this sweep as far as the op's inputs, and no further.

    A fused op's own backward is fast but not written to run on Tensors; its composite is
    the same function as plain ops, whose backwards are. Only the nodes the composite
    records are swept; the gradient stops at the op's inputs (older nodes, and leaves)."""
    inputs = _inputs_as_tensors(node)
    start = ag._next_seq()
    with graph_backward(node.name()):
        y = node._fn.composite(node, *inputs)
    grads: dict[Any, Any] = {y.grad_fn: g}
    for n in reversed(topological_order([y.grad_fn], since=start)):
        gn = grads.pop(n, None)
        if gn is not None:
            _propagate(n, gn, grads, True)
    result, given = [], set()
    for edge in node._next:  # what is left is what reached the op's inputs
        if edge is None or id(edge) in given:
            result.append(None)  # (an input given twice got the whole sum at its first place)
        else:
            given.add(id(edge))
            result.append(grads.get(edge))
    return tuple(result)


def _inputs_as_tensors(node: Node) -> list:
    """The op's tensor inputs that need a gradient, rebuilt from its saved arrays."""
    saved = node.saved_tensors
    where = {i: k for _, _, i, k in getattr(node, "_versions", ()) if i >= 0}
    out = []
    for i, edge in enumerate(node._next):
        if edge is None:  # a constant: its saved array, if the composite needs its value
            arr = saved[where[i]] if i in where else None
            out.append(None if arr is None else Tensor._make(arr, False, None))
            continue
        if i not in where:
            raise NotTwiceDifferentiable(
                f"{node.name()}: its composite needs input {i}, which the forward did not save")
        arr = saved[where[i]]
        out.append(edge if type(edge) is not Node else Tensor._make(arr, True, edge))
    return out


class _RecordingCtx:
    """A node as its backward sees it when the backward is recorded: the saved arrays are
    the tensors they came from (an input, the output), so the formula's ops record."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self.saved_tensors = _saved_as_tensors(node)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)


def _saved_as_tensors(node: Node) -> tuple:
    origin = {k: i for _, _, i, k in getattr(node, "_versions", ())}
    out = []
    for k, arr in enumerate(node.saved_tensors):
        i = origin.get(k, None)
        if arr is None:
            out.append(None)
        elif i == -1:  # the node's own output: its gradient flows back through the node
            out.append(Tensor._make(arr, True, node))
        elif i is not None:  # input i
            edge = node._next[i]
            if edge is None:
                out.append(Tensor._make(arr, False, None))
            elif type(edge) is Node:
                out.append(Tensor._make(arr, True, edge))
            else:
                out.append(edge)  # a leaf that requires grad
        elif node._fn.saved_constants or not isinstance(arr, np.ndarray):
            # masks, indices, counts; or a number (a promoted scalar operand): constants
            out.append(Tensor._make(arr, False, None))
        else:
            raise NotTwiceDifferentiable(
                f"{node.name()}: its forward saved an array it computed itself, which a "
                "recorded backward would treat as a constant: this op does not support "
                "gradients of gradients (create_graph=True) yet")
    return tuple(out)


def _fit(ig: Any, edge: Any, node: Node) -> Any:
    """Sum a gradient down to its input's shape (undo broadcasting) and cast it."""
    shape, dtype = (edge._shape, edge._dtype) if type(edge) is Node else (edge.shape,
                                                                            edge.dtype)
    if not isinstance(ig, Tensor):
        ig = np.asarray(ig)
    if tuple(ig.shape) != tuple(shape):
        ig = ag._reduce_to(ig, shape, node, ag._position(node._next, edge))
    if ig.dtype != dtype:
        ig = ew.to_dtype(ig, np.dtype(dtype)) if isinstance(ig, Tensor) else ig.astype(dtype)
    return ig


def _node_extras(node: Node, g: Any) -> Any:
    """A non-leaf tensor's hooks and retain_grad(), as the fast engine runs them."""
    if node._hooks:
        g = _run_hooks(node._hooks, g)
    if node._retain is not None:
        t = node._retain()
        if t is not None:
            gt = g if isinstance(g, Tensor) else Tensor._make(g.copy(), False, None)
            t._grad = gt if t._grad is None else t._grad + gt
    return g


def _run_hooks(hooks: list, g: Any) -> Any:
    """Each hook may replace the gradient (checked as the fast engine checks it): a Tensor
    (create_graph) stays one, an array too."""
    if not isinstance(g, Tensor):
        return ag._run_hooks(hooks, g)
    for h in list(hooks):
        r = h(g)
        if r is not None:
            ag.check_hook_result(h, r, g)
            g = r
    return g


def _accumulate(leaf: Tensor, g: Any, create_graph: bool) -> None:
    """``leaf.grad += g``; out of place with ``create_graph`` (the sum is recorded too)."""
    if not isinstance(g, Tensor):
        g = Tensor._make(np.array(g, copy=True), False, None)
    with ag._leaf_lock:
        leaf._grad = g if leaf._grad is None else leaf._grad + g
