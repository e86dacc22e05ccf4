"""One walk over a recorded graph, collecting what every drawing needs.

:class:`Trace` lists the graph's op nodes in the engine's backward order,
its leaves, who consumes what, every recorded gradient's statistics, and where
non-finite values first appeared. :func:`~microtensor.viz.draw_graph` turns it
into Graphviz; the tests read it to check the drawing against the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import GradSummary, Node, backward_order
from ..tensor import Tensor
from .modules import Names
from .record import anomaly_of, leaf_grad_flags, leaf_grad_summary, module_of
from .style import summary_text

__all__ = ["Trace", "Culprit"]

# A vertex of the traced graph: ("n", index in backward order) or ("l", id of the leaf tensor).
Key = tuple[str, int]


@dataclass
class Culprit:
    """Where a non-finite value first appeared (see :meth:`Trace.first_nonfinite`)."""

    key: Key | None  # the tensor holding it (None: unknown)
    text: str  # one sentence for the legend
    ops: list[int] = field(default_factory=list)  # op nodes responsible, by index


class Trace:
    """The graph behind ``output``, read through the engine's public introspection.

    Attributes:
        order: op nodes in the order ``backward()`` runs them (``order[0]`` made ``output``).
        inputs: for each op, its inputs that carry a gradient, as keys.
        leaves: leaf tensors that require grad, by ``id``, in forward order.
        consumers: for each key, the ops that read it.
        grads: recorded gradient statistics of each key (``None``: no gradient yet).
        backwarded: whether backward has run through ``output`` since it was made.
    """

    def __init__(self, output: Tensor, names: Names | None = None,
                 op: str = "draw_graph") -> None:
        self.names = names or Names()
        if not isinstance(output, Tensor):
            raise TypeError(f"{op}: expected a Tensor, got {type(output).__name__}")
        if not output.requires_grad:
            raise ValueError(f"{op}: the tensor does not require grad, so no graph was "
                             "recorded for it; create the inputs with requires_grad=True "
                             "(and compute outside no_grad())")
        self.output = output
        self.order: list[Node] = backward_order(output)
        self.index = {id(n): i for i, n in enumerate(self.order)}
        self.inputs: list[list[Key]] = []
        self.leaves: dict[int, Tensor] = {}
        self.consumers: dict[Key, list[int]] = {}
        for i, node in enumerate(self.order):
            keys: list[Key] = []
            for nxt, _ in node.next_functions:
                if nxt is None:
                    continue
                if isinstance(nxt, Node):
                    key: Key = ("n", self.index[id(nxt)])
                else:
                    var = nxt.variable
                    key = ("l", id(var))
                    self.leaves[id(var)] = var
                keys.append(key)
                self.consumers.setdefault(key, [])
                if i not in self.consumers[key]:
                    self.consumers[key].append(i)
            self.inputs.append(keys)
        if output.grad_fn is None:
            self.leaves[id(output)] = output
        # Forward order reads better in a drawing: the leaves used first come first.
        self.leaves = dict(sorted(self.leaves.items(),
                                  key=lambda kv: -max(self.consumers.get(("l", kv[0]), [0]))))
        self.leaf_pos = {k: n for n, k in enumerate(self.leaves)}

        self.grads: dict[Key, GradSummary | None] = {}
        for i, node in enumerate(self.order):
            self.grads[("n", i)] = node.grad_summary
        for k, t in self.leaves.items():
            self.grads[("l", k)] = leaf_grad_summary(t)
        root = self.order[0] if self.order else None
        if root is not None:
            self.backwarded = root.grad_summary is not None
            self.graph_pass = root.backward_pass
        else:
            self.backwarded = output.grad is not None
            self.graph_pass = None
        self.leaf_flags = {k: leaf_grad_flags(t, self.backwarded, self.graph_pass)
                           for k, t in self.leaves.items()}

    # ------------------------------------------------------------------ reading

    def vertex_id(self, key: Key) -> str:
        """A stable Graphviz id: ``t<i>`` for the output of op ``i``, ``leaf<n>`` for leaves."""
        return f"t{key[1]}" if key[0] == "n" else f"leaf{self.leaf_pos[key[1]]}"

    def root_key(self) -> Key:
        return ("n", 0) if self.order else ("l", id(self.output))

    def reference(self) -> float:
        """The loss gradient's mean |g| (1 after ``loss.backward()``): the scale's unit."""
        g = self.grads.get(self.root_key())
        if g is None or not math.isfinite(g.mean_abs) or g.mean_abs <= 0:
            return 1.0
        return g.mean_abs

    def size(self) -> int:
        """Vertices of the full drawing: a tensor and an op per node, plus the leaves."""
        return 2 * len(self.order) + len(self.leaves)

    def op_name(self, i: int) -> str:
        return self.order[i].function.__name__

    def shape(self, key: Key) -> tuple[int, ...]:
        """The tensor's shape (a leaf's, or an op's output's)."""
        if key[0] == "l":
            return tuple(self.leaves[key[1]].shape)
        return tuple(self.order[key[1]].output_shape)

    def numel(self, key: Key) -> int:
        return math.prod(self.shape(key))

    def module_record(self, i: int) -> Any:
        """What :func:`~microtensor.viz.track_modules` noted for op ``i`` (``None``: nothing)."""
        return module_of(self.order[i])

    def node_id(self, i: int) -> int:
        """The identity of op ``i``'s node, as a module record's ``input_nodes`` holds it."""
        return id(self.order[i])

    def missing(self, key: Key) -> str:
        """What a label says for a tensor without a recorded gradient."""
        return "no gradient yet"

    def value_text(self, key: Key) -> str | None:
        """The value summary of a tensor whose value is at hand, else ``None``."""
        value = self.value(key)
        return None if value is None else summary_text(value)

    def extra_notes(self) -> list[str]:
        """Legend lines this kind of graph adds (none for microtensor's own)."""
        return []

    def math(self, i: int) -> str:
        """The first line of the op's docstring: its formula and local derivatives."""
        doc = self.order[i].function.__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def exact_grad(self, key: Key) -> float | None:
        """The gradient's value when it is a single number (for exact labels), else ``None``."""
        if key[0] == "n":
            g = self.order[key[1]].output_grad
        else:
            t = self.leaves[key[1]].grad
            g = None if t is None else t._data
        if g is None or g.size != 1:
            return None
        return g.reshape(()).item()

    def grad_dtype(self, key: Key) -> np.dtype:
        if key[0] == "n":
            return self.order[key[1]].output_dtype
        return np.dtype(self.leaves[key[1]].dtype)  # "float32", as the ops' outputs print

    def engine_time(self, key: Key) -> float:
        """When the engine completed this gradient: an op's index, or just after the last
        op that feeds a leaf."""
        if key[0] == "n":
            return float(key[1])
        return max(self.consumers.get(key, [0])) + 0.5

    # ------------------------------------------------------------------ non-finite values

    def first_nonfinite_forward(self) -> Culprit | None:
        """The first tensor whose *value* is NaN/Inf: a leaf, the op ``detect_anomaly``
        caught first, or (without that mode) just the output."""
        for k, t in self.leaves.items():
            if t.dtype.kind == "f" and not np.isfinite(t._data).all():
                return Culprit(("l", k), "a leaf holds NaN/Inf values")
        caught = [(rec.seq, i, rec) for i, n in enumerate(self.order)
                  if (rec := anomaly_of(n)) is not None and rec.nonfinite]
        if caught:
            _, i, rec = min(caught)
            where = f" at {rec.where}" if rec.where else ""
            return Culprit(("n", i), f"forward: {self.op_name(i)}{where} produced the first "
                           f"NaN/Inf ({rec.nonfinite} element(s))", [i])
        out = self.output._data
        if out.dtype.kind == "f" and not np.isfinite(out).all():
            return Culprit(self.root_key(), "forward: the output is NaN/Inf; run the forward "
                           "under microtensor.viz.detect_anomaly() to find the first op")
        return None

    def nonfinite_forward(self) -> set[Key]:
        """Tensors known to hold NaN/Inf values (leaves, the output, ops caught by
        ``detect_anomaly``)."""
        bad = {("l", k) for k, t in self.leaves.items()
               if t.dtype.kind == "f" and not np.isfinite(t._data).all()}
        bad |= {("n", i) for i, n in enumerate(self.order)
                if (rec := anomaly_of(n)) is not None and rec.nonfinite}
        out = self.output._data
        if out.dtype.kind == "f" and not np.isfinite(out).all():
            bad.add(self.root_key())
        return bad

    def nonfinite_grads(self) -> set[Key]:
        return {k for k, g in self.grads.items() if g is not None and not g.finite}

    def first_nonfinite_backward(self) -> Culprit | None:
        """The first gradient the engine completed that holds NaN/Inf, and the ops whose
        backward fed it (its consumers, whose own gradients were still finite)."""
        bad = self.nonfinite_grads()
        if not bad:
            return None
        key = min(bad, key=self.engine_time)
        ops = [i for i in self.consumers.get(key, []) if ("n", i) not in bad]
        what = self.describe(key)
        if key == self.root_key():
            return Culprit(key, f"backward: the gradient given to backward() for {what} "
                           "is NaN/Inf")
        by = " or ".join(sorted({self.op_name(i) for i in ops})) or "an op"
        return Culprit(key, f"backward: the gradient of {what} became NaN/Inf first, in "
                       f"the backward of {by}", ops)

    def name(self, key: Key) -> str | None:
        """The name the user gave this tensor, if any."""
        if key[0] == "l":
            return self.names.leaves.get(key[1])
        named = self.names.nodes.get(id(self.order[key[1]]))
        return named[0] if named else None

    def value(self, key: Key) -> np.ndarray | None:
        """The tensor's value when it is at hand (leaves, the output, named tensors)."""
        if key[0] == "l":
            return self.leaves[key[1]]._data
        if key == self.root_key():
            return self.output._data
        named = self.names.nodes.get(id(self.order[key[1]]))
        return named[1]._data if named else None

    def describe(self, key: Key) -> str:
        name = self.name(key)
        if name:
            return repr(name)
        if key[0] == "l":
            return f"a leaf of shape {tuple(self.leaves[key[1]].shape)}"
        return f"the output of {self.op_name(key[1])}"
