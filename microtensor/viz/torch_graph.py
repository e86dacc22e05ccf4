"""PyTorch graphs for the drawings: ``draw_graph(torch_loss)``, ``gradient_flow(torch_model)``.

torch is imported only here, and only when a drawing is handed a torch object
(:mod:`microtensor.torch_interop` recognises them by type name without importing torch).

**How the gradients are recorded.** PyTorch frees every intermediate gradient during
``backward()``, and there is no global hook that sees each node of the graph. Of the three
ways to get them back (tensor hooks set up in a tracing context, hooks on the ``grad_fn``
nodes, ``torch.autograd.graph`` hooks) this module uses **pre-hooks on the grad_fn nodes**
(:meth:`torch.autograd.graph.Node.register_prehook`), registered by :func:`watch` walking
the graph from the loss once, after the forward and before ``backward()``:

- a node's pre-hook receives exactly what microtensor records for its own nodes: the
  gradient the node's output received (``grad_outputs``), before the node's backward runs
  (so a NaN its backward makes is seen on the right side of the node);
- the walk costs one pass over the finished graph when you ask for it; a tracing context
  (``TorchFunctionMode`` registering a tensor hook on every op's output) would run Python
  on every op of every forward, drawn or not, and would need the forward to run inside it;
- ``torch.autograd.graph`` offers hooks on tensors (``register_multi_grad_hook``) and on
  saved tensors, none per node; the nodes are what the drawing is made of anyway
  (``next_functions``, ``AccumulateGrad.variable``, ``name()``), and each node's public
  ``metadata`` dict carries its record, so the record lives exactly as long as the graph.

Each record keeps the gradient's statistics (Σ|g|, Σg², max |g|, non-finite count) as one
small tensor on the gradient's device: backward never waits for a device-to-host copy;
the drawing moves those four floats to the CPU. Leaves need nothing during backward (their
``.grad`` is read when drawing); :func:`watch` adds a hook before and after accumulation on
each leaf (``register_hook``, ``register_post_accumulate_grad_hook``) to count the backward
passes summed into ``.grad``, as microtensor's engine does.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from typing import Any

import numpy as np

from ..gradstats import GradSummary
from ..torch_interop import is_torch_tensor, np_dtype, require_torch
from .modules import Names
from .record import _Handles, _tensors
from .style import fmt_sci, fmt_value
from .trace import Culprit, Key, Trace

__all__ = ["watch", "TorchTrace", "torch_leaf_grad_summary", "torch_leaf_grad_flags",
           "track_torch_modules", "Watch"]

KEY = "microtensor"  # our record in a node's ``metadata``
MODULE_KEY = "microtensor.module"
_pass = [0]  # serial of the latest watched backward pass


# ------------------------------------------------------------------ statistics


def _stats(grads: Any) -> tuple[Any, int]:
    """Σ|g|, Σg², max |g| and the non-finite count of some gradients, as one tensor of 4 on
    their device (no host sync), and their total size."""
    import torch

    parts, size = [], 0
    for g in grads:
        if g is None or g.numel() == 0:
            continue
        # float64 where the device has it (MPS does not), for sums that match numpy's; one
        # copy, made |g| in place (copy=True: never the gradient itself, even in float64).
        a = g.detach().to(torch.float32 if g.device.type == "mps" else torch.float64,
                          copy=True).abs_()
        parts.append(torch.stack([a.sum(), (a * a).sum(), a.max(),
                                  (~torch.isfinite(a)).sum().to(a.dtype)]))
        size += g.numel()
    if not parts:
        return None, 0
    if len(parts) == 1:
        return parts[0], size
    s = torch.stack(parts)
    return torch.cat([s[:, :2].sum(0), s[:, 2].max().reshape(1), s[:, 3].sum().reshape(1)]), size


def _summary(stats: Any, size: int) -> GradSummary:
    if stats is None or size == 0:
        return GradSummary(0.0, 0.0, 0.0, 0, size)
    s1, s2, mx, bad = stats.tolist()  # the one device-to-host copy: four floats
    return GradSummary(math.sqrt(s2), s1 / size, mx, int(bad), size)


def torch_leaf_grad_summary(t: Any) -> GradSummary | None:
    """Statistics of a torch leaf's ``.grad`` (in float64), or ``None`` when it has none."""
    if t.grad is None:
        return None
    return _summary(*_stats([t.grad]))


def torch_norm(t: Any) -> float:
    """‖t‖ in float64 (float32 on MPS), computed on ``t``'s device; one float comes back."""
    import torch

    x = t.detach()
    x = x.to(torch.float32 if x.device.type == "mps" else torch.float64)
    return float(torch.linalg.vector_norm(x))


def value_text(t: Any) -> str:
    """A torch tensor's value summary, as :func:`~microtensor.viz.style.summary_text`."""
    import torch

    x = t.detach()
    if x.numel() == 1:
        return "data = " + fmt_value(x.reshape(()).item(), np_dtype(x.dtype))
    if x.numel() == 0:
        return "empty"
    x = x.to(torch.float32 if x.device.type == "mps" else torch.float64)
    mean, std, lo, hi = torch.stack([x.mean(), x.std(unbiased=False), x.min(), x.max()]).tolist()
    return (f"mean {fmt_sci(mean)}  std {fmt_sci(std)}  min {fmt_sci(lo)}  "
            f"max {fmt_sci(hi)}")


# ------------------------------------------------------------------ recording


class _NodeRecord:
    """What a node's pre-hook saw in the latest watched backward. Holds no reference to the
    node (the node holds it, in ``metadata``), so it adds no reference cycle."""

    def __init__(self, root: bool = False) -> None:
        self.root = root
        self.stats: Any = None  # 4 floats on the gradient's device
        self.size = 0
        self.shape: tuple[int, ...] | None = None
        self.dtype: Any = None
        self.single: Any = None  # the gradient itself when it is one number
        self.serial: int | None = None  # the backward pass that wrote this

    def __call__(self, grad_outputs: tuple) -> None:
        if self.root:
            _pass[0] += 1
        self.serial = _pass[0]
        grads = [g for g in grad_outputs if g is not None]
        self.stats, self.size = _stats(grads)
        if grads:
            self.shape, self.dtype = tuple(grads[0].shape), grads[0].dtype
            self.single = grads[0].detach().reshape(()) if self.size == 1 else None

    def summary(self) -> GradSummary | None:
        return None if self.serial is None else _summary(self.stats, self.size)


@dataclasses.dataclass
class _LeafRecord:
    passes: int | None = None  # backward passes summed into .grad (None: unknown earlier)
    base: int | None = 0  # passes already in .grad when the current one began
    grad: Any = None  # weak reference to the .grad written by the latest pass
    version: int = -1  # its version counter right after that pass
    serial: int | None = None


_leaves: dict[int, tuple[Any, _LeafRecord]] = {}  # id(leaf) -> (weakref to it, record)


def _leaf_record(t: Any) -> _LeafRecord | None:
    entry = _leaves.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else None


def _watch_leaf(var: Any, handles: list) -> None:
    if _leaf_record(var) is not None:
        return
    rec = _LeafRecord()
    ref = weakref.ref(var)

    def before(grad: Any) -> None:  # .grad is still what the earlier passes left
        leaf = ref()
        old = None if leaf is None else leaf.grad
        if old is None:
            rec.base = 0
        elif rec.grad is not None and rec.grad() is old and old._version == rec.version:
            rec.base = rec.passes
        else:  # written by someone else: zeroed in place, or never zeroed
            rec.base = 0 if not bool(old.any()) else None

    def after(leaf: Any) -> None:
        rec.passes = None if rec.base is None else rec.base + 1
        rec.grad = weakref.ref(leaf.grad) if leaf.grad is not None else None
        rec.version = leaf.grad._version if leaf.grad is not None else -1
        rec.serial = _pass[0]

    _leaves[id(var)] = (ref, rec)
    handles.append(var.register_hook(before))
    handles.append(var.register_post_accumulate_grad_hook(after))
    handles.append(_Forget(id(var), ref))


@dataclasses.dataclass
class _Forget:
    key: int
    ref: Any

    def remove(self) -> None:
        entry = _leaves.get(self.key)
        if entry is not None and entry[0] is self.ref:
            del _leaves[self.key]


def torch_leaf_grad_flags(t: Any, backwarded: bool, graph_pass: int | None) -> list[str]:
    """Warnings about a torch leaf's ``.grad``, as :func:`~microtensor.viz.record.leaf_grad_flags`
    (known only for leaves of a watched graph)."""
    if t.grad is None:
        return []
    if not backwarded:
        return ["stale: from an earlier backward, not this graph's"]
    rec = _leaf_record(t)
    if rec is None or rec.serial is None:
        return []
    if rec.grad is None or rec.grad() is not t.grad or t.grad._version != rec.version:
        return ["modified in place after backward"]
    if rec.passes is None:
        return ["Σ with gradients from before (.grad was not zeroed)"]
    if rec.passes > 1:
        return [f"Σ of {rec.passes} backward passes"]
    if graph_pass is not None and rec.serial != graph_pass:
        return ["from another graph's backward"]
    return []


def _walk(root: Any) -> tuple[list[Any], dict[int, list[Any]]]:
    """The nodes below ``root`` (AccumulateGrad included), each with its inputs' nodes."""
    seen: dict[int, Any] = {id(root): root}
    nexts: dict[int, list[Any]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        nexts[id(node)] = []
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            nexts[id(node)].append(nxt)
            if id(nxt) not in seen:
                seen[id(nxt)] = nxt
                stack.append(nxt)
    return list(seen.values()), nexts


class Watch(_Handles):
    """What :func:`watch` returns: ``.remove()`` its hooks (or leave the ``with`` block)."""


def watch(output: Any) -> Watch:
    """Record the gradient every node of ``output``'s graph receives in the next backward.

    For a PyTorch tensor (usually the loss) call it after the forward and before
    ``backward()``; :func:`~microtensor.viz.draw_graph` then shows every intermediate
    gradient, not only the leaves' ``.grad``. It registers a pre-hook on each ``grad_fn``
    node (see the module's docstring for why) and, on each leaf, hooks that count the
    backward passes summed into ``.grad``. Watching a graph twice adds nothing.

    A microtensor tensor needs nothing (its engine records by default): the call does
    nothing, so the same code draws both.

    Returns:
        A handle whose ``.remove()`` takes the hooks off (the leaves' too).
    """
    from ..tensor import Tensor

    if isinstance(output, Tensor):
        return Watch([])
    if not is_torch_tensor(output):
        raise TypeError(f"watch: expected a torch.Tensor or a microtensor Tensor, got "
                        f"{type(output).__name__}")
    require_torch("watch")
    if not output.requires_grad:
        raise ValueError("watch: the tensor does not require grad, so no graph was recorded "
                         "for it; create the inputs or parameters with requires_grad=True")
    handles: list = []
    root = output.grad_fn
    if root is None:  # a leaf
        _watch_leaf(output, handles)
        return Watch(handles)
    nodes, _ = _walk(root)
    for node in nodes:
        if hasattr(node, "variable"):  # AccumulateGrad: a leaf
            _watch_leaf(node.variable, handles)
            continue
        md = node.metadata
        if KEY in md:
            if node is root:
                md[KEY].root = True
            continue
        md[KEY] = rec = _NodeRecord(root=node is root)
        handles.append(node.register_prehook(rec))
    return Watch(handles)


# ------------------------------------------------------------------ modules


@dataclasses.dataclass(frozen=True)
class TorchModuleRecord:
    """One call of a torch module seen by :func:`track_torch_modules` (as
    :class:`~microtensor.viz.record.ModuleRecord`, plus the input nodes themselves: a torch
    node's Python object, and so its ``id``, lives only while something holds it)."""

    name: str
    type: str
    input_nodes: frozenset[int]
    keep: tuple
    seq: int
    nonfinite: Any  # a 0-d bool tensor: the output held NaN/Inf (read when drawing)


_seq = [0]


def track_torch_modules(model: Any) -> Any:
    """:func:`~microtensor.viz.track_modules` for a ``torch.nn.Module``: forward hooks note
    in each output node's ``metadata`` which module made it, and whether its output held
    NaN/Inf (a device-side flag, read only when drawing)."""
    import torch

    handles = []
    for name, module in model.named_modules():
        if any(True for _ in module.children()):
            continue

        def hook(mod: Any, args: Any, output: Any, _name: str = name) -> None:
            keep = tuple(t.grad_fn for t in _tensors(args, is_torch_tensor)
                         if t.grad_fn is not None)
            outs = [t for t in _tensors(output, is_torch_tensor) if t.grad_fn is not None]
            if not outs:
                return
            _seq[0] += 1
            bad = torch.stack([~torch.isfinite(t.detach()).all() for t in outs]).any()
            record = TorchModuleRecord(_name or type(mod).__name__, type(mod).__name__,
                                       frozenset(id(n) for n in keep), keep, _seq[0], bad)
            for t in outs:
                t.grad_fn.metadata.setdefault(MODULE_KEY, record)

        handles.append(module.register_forward_hook(hook))
    return _Handles(handles)


# ------------------------------------------------------------------ the trace


class TorchTrace(Trace):
    """:class:`~microtensor.viz.trace.Trace` over a PyTorch graph: ``grad_fn`` nodes in a
    backward order, ``AccumulateGrad.variable`` as leaves, the records :func:`watch` left."""

    def __init__(self, output: Any, names: Names | None = None, op: str = "draw_graph") -> None:
        require_torch(op)
        names = names or Names()
        if not output.requires_grad:
            raise ValueError(f"{op}: the tensor does not require grad, so no graph was "
                             "recorded for it; create the inputs or parameters with "
                             "requires_grad=True (and compute outside torch.no_grad())")
        self.output = output
        root = output.grad_fn
        nodes, nexts = _walk(root) if root is not None else ([], {})
        # Consumers before producers, as backward runs them: the reverse of a depth-first
        # post-order that visits each node's inputs in argument order. The post-order is the
        # order the forward most likely created the nodes in (an op's arguments first, left
        # to right), which is what torch's engine runs backwards (by sequence number).
        post: list[Any] = []
        if root is not None:
            visited = {id(root)}
            stack = [(root, iter(nexts[id(root)]))]
            while stack:
                node, todo = stack[-1]
                for nxt in todo:
                    if not hasattr(nxt, "variable") and id(nxt) not in visited:
                        visited.add(id(nxt))
                        stack.append((nxt, iter(nexts[id(nxt)])))
                        break
                else:
                    stack.pop()
                    post.append(node)
        self.order = post[::-1]
        self.index = {id(n): i for i, n in enumerate(self.order)}
        self.inputs, self.leaves, self.consumers = [], {}, {}
        for i, node in enumerate(self.order):
            keys: list[Key] = []
            for nxt in nexts[id(node)]:
                if hasattr(nxt, "variable"):
                    var = nxt.variable
                    key: Key = ("l", id(var))
                    self.leaves[id(var)] = var
                else:
                    key = ("n", self.index[id(nxt)])
                keys.append(key)
                self.consumers.setdefault(key, [])
                if i not in self.consumers[key]:
                    self.consumers[key].append(i)
            self.inputs.append(keys)
        if root is None:
            self.leaves[id(output)] = output
        self.leaves = dict(sorted(self.leaves.items(),
                                  key=lambda kv: -max(self.consumers.get(("l", kv[0]), [0]))))
        self.leaf_pos = {k: n for n, k in enumerate(self.leaves)}
        # A named non-leaf's grad_fn, read now that the walk holds every node's Python object.
        self.names = dataclasses.replace(names, nodes={
            id(t.grad_fn): (nm, t) for nm, t in names.nodes.values()})
        self.records = [n.metadata.get(KEY) for n in self.order]
        self.watched = bool(self.records) and self.records[0] is not None
        self.grads = {("n", i): (r.summary() if r is not None else None)
                      for i, r in enumerate(self.records)}
        for k, t in self.leaves.items():
            self.grads[("l", k)] = torch_leaf_grad_summary(t)
        if self.watched:
            self.graph_pass = self.records[0].serial
            self.backwarded = self.graph_pass is not None
        else:  # unknown: not watched, or a leaf; leaves show their .grad as it is
            self.graph_pass = None
            self.backwarded = root is None and output.grad is not None or root is not None
        self.leaf_flags = {k: torch_leaf_grad_flags(t, self.backwarded, self.graph_pass)
                           for k, t in self.leaves.items()}

    # ------------------------------------------------------------------ reading

    def op_name(self, i: int) -> str:
        return self.order[i].name()

    def math(self, i: int) -> str:
        return f"PyTorch's {self.order[i].name()}"

    def shape(self, key: Key) -> tuple[int, ...] | None:
        if key[0] == "l":
            return tuple(self.leaves[key[1]].shape)
        if key == self.root_key():
            return tuple(self.output.shape)
        rec = self.records[key[1]]
        return None if rec is None else rec.shape

    def numel(self, key: Key) -> int:
        shape = self.shape(key)
        return 0 if shape is None else math.prod(shape)

    def module_record(self, i: int) -> Any:
        return self.order[i].metadata.get(MODULE_KEY)

    def missing(self, key: Key) -> str:
        if key[0] == "n" and not self.watched:
            return "not recorded"
        return "no gradient yet"

    def extra_notes(self) -> list[str]:
        if self.watched or not self.order:
            return []
        return ["intermediate gradients not recorded: call microtensor.viz.watch(loss) "
                "before loss.backward() (the leaves show their .grad)"]

    def exact_grad(self, key: Key) -> float | None:
        if key[0] == "n":
            rec = self.records[key[1]]
            g = None if rec is None or rec.serial is None else rec.single
        else:
            g = self.leaves[key[1]].grad
        if g is None or g.numel() != 1:
            return None
        return g.reshape(()).item()

    def grad_dtype(self, key: Key) -> Any:
        if key[0] == "n":
            rec = self.records[key[1]]
            dtype = rec.dtype if rec is not None and rec.dtype is not None else (
                self.output.dtype if key == self.root_key() else None)
            return None if dtype is None else np_dtype(dtype)
        return np_dtype(self.leaves[key[1]].dtype)

    def _tensor(self, key: Key) -> Any:
        if key[0] == "l":
            return self.leaves[key[1]]
        if key == self.root_key():
            return self.output
        named = self.names.nodes.get(id(self.order[key[1]]))
        return named[1] if named else None

    def value(self, key: Key) -> np.ndarray | None:
        t = self._tensor(key)
        return None if t is None else t.detach().cpu().numpy()

    def value_text(self, key: Key) -> str | None:
        t = self._tensor(key)
        return None if t is None else value_text(t)

    def _module_nonfinite(self) -> list[tuple[int, int]]:
        """(forward sequence, op index) of the module outputs that held NaN/Inf."""
        found = []
        for i in range(len(self.order)):
            rec = self.module_record(i)
            if rec is not None and bool(rec.nonfinite):
                found.append((rec.seq, i))
        return found

    @staticmethod
    def _finite(t: Any) -> bool:
        import torch

        return not t.is_floating_point() or bool(torch.isfinite(t.detach()).all())

    def first_nonfinite_forward(self) -> Culprit | None:
        for k, t in self.leaves.items():
            if not self._finite(t):
                return Culprit(("l", k), "a leaf holds NaN/Inf values")
        caught = self._module_nonfinite()
        if caught:
            _, i = min(caught)
            rec = self.module_record(i)
            return Culprit(("n", i), f"forward: module {rec.name} ({rec.type}) produced the "
                           "first NaN/Inf", [i])
        if not self._finite(self.output):
            return Culprit(self.root_key(), "forward: the output is NaN/Inf; run the forward "
                           "under microtensor.viz.track_modules(model) to find the first module")
        return None

    def nonfinite_forward(self) -> set[Key]:
        bad = {("l", k) for k, t in self.leaves.items() if not self._finite(t)}
        bad |= {("n", i) for _, i in self._module_nonfinite()}
        if not self._finite(self.output):
            bad.add(self.root_key())
        return bad

