"""Function, the graph it records, grad mode, and the backward engine.

Reading guide, in the order things happen:

1. ``Function.apply`` runs an op's ``forward`` on plain NumPy arrays. If grad
   mode is on and an input requires grad, the ``ctx`` object that forward
   filled becomes a :class:`Node` of the graph: it remembers the Function,
   where each input's gradient must go (``_next``: the node that made the
   input, the leaf tensor itself, or ``None``) and the arrays saved for
   backward. The output tensor's ``grad_fn`` is that node.
2. ``Tensor.backward`` calls :func:`run_backward`, which sweeps the nodes
   from the output back to the leaves in reverse topological order, *adding*
   every contribution to an input's gradient (fan-out means a sum). The
   order comes for free: every node is numbered when it is created, after
   its inputs, so taking the youngest waiting node first (a heap, as
   PyTorch does) never runs a node before all its consumers delivered. No
   recursion anywhere, so a 100 000-op chain is fine.
3. After each backward the engine undoes broadcasting (:func:`unbroadcast`)
   and type promotion, so an op author writes only the textbook derivative.
4. Saved arrays are freed as the sweep passes them (unless
   ``retain_graph=True``); a later backward through such a node raises.
5. Each node keeps a record of the gradient its output received (the array
   itself when it is small, a :class:`GradSummary` otherwise), so that
   ``microtensor.viz`` can draw every intermediate gradient after a plain
   ``backward()``; see :data:`grad_recording`.
6. Under :func:`detect_anomaly` (``microtensor/anomaly_mode.py``) nodes keep their forward
   traceback, and a failing backward names the node and where it was made.
"""

from __future__ import annotations

import itertools
import sys
import threading
import weakref
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np

from . import dtypes
from .errors import ShapeError
from .grad_mode import _mode, _threads_off, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradstats import GradSummary, summarize_grad
from .tensor import Tensor

__all__ = [
    "AnomalyWarning",
    "Function",
    "GradSummary",
    "Node",
    "backward",
    "backward_order",
    "detect_anomaly",
    "enable_grad",
    "functional", "function",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "grad_passes",
    "grad_recording",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
    "summarize_grad",
    "unbroadcast",
]


# --------------------------------------------------------------------------- gradient recording


class _GradRecording:
    """Switch and size limits of the per-node gradient record (``microtensor.viz`` draws it).

    After a backward every node it visited remembers the gradient its output
    received, either as a reference to the array (nothing is computed;
    statistics are taken, exactly, when someone asks) or as a
    :class:`GradSummary` computed at once (two cheap passes). A gradient with at
    most ``keep_max`` elements is always kept; a larger one is kept while the
    larger ones kept in this backward pass total at most ``keep_bytes``, and
    summarized after that, so the record never holds more than ``keep_bytes`` of
    large gradients per pass. (With 1 MiB, an MLP at batch 128 keeps its four
    128×256 gradients; summarizing them cost 4–5% of its training step.) Only the
    latest pass keeps arrays: when the next one starts, the nodes of older graphs that
    are still alive (``losses.append(loss)``) have theirs replaced by a summary, so a
    kept graph costs about a summary per node.
    ``microtensor.viz.record_gradients(False)`` switches it off.
    """

    enabled = True
    keep_max = 4096
    keep_bytes = 1 << 20


grad_recording = _GradRecording()

# Each backward pass gets a serial number, so a leaf's ``.grad`` can tell how many passes it sums.
_pass_serial = itertools.count(1)


# A ``.grad`` the engine made carries a longer version counter that also says how it came to
# be: [version, passes, last pass, version when the engine last wrote]. ``passes`` counts the
# backward passes summed into it; a write by anyone else (zero_grad(set_to_none=False),
# clipping ...) shows as version != the engine's, and the count restarts at the next pass.
_VERSION, _PASSES, _LAST_PASS, _ENGINE_VERSION = range(4)


def grad_passes(t: Tensor) -> tuple[int, int, bool] | None:
    """How ``t.grad`` came to be: ``(passes, last_pass, modified)``, or ``None`` if unknown.

    ``passes`` counts the backward passes summed into the current ``.grad``
    (more than 1 means it accumulated over several ``backward()`` calls);
    ``last_pass`` is the serial of the last one (compare :attr:`Node.backward_pass`);
    ``modified`` is True when something else wrote into it in place since (a
    ``zero_grad(set_to_none=False)``, gradient clipping ...). ``None`` when there is
    no ``.grad`` or the user assigned it.
    """
    g = t.grad
    if g is None or len(g._vc) != 4:
        return None
    vc = g._vc
    return vc[_PASSES], vc[_LAST_PASS], vc[_VERSION] != vc[_ENGINE_VERSION]


def _passes_after(vc: list, serial: int) -> int:
    """The pass count of a ``.grad`` once pass ``serial`` has added into it."""
    if vc[_LAST_PASS] == serial:
        return vc[_PASSES]
    if vc[_VERSION] != vc[_ENGINE_VERSION]:  # written by someone else since: restart
        return 1
    return vc[_PASSES] + 1


# --------------------------------------------------------------------------- graph nodes


class Node:
    """One recorded op: the ``ctx`` its Function's forward filled, kept for backward.

    Public introspection (what ``microtensor.viz`` reads): :meth:`name`,
    :attr:`function`, :attr:`next_functions`, :attr:`saved_shapes`,
    :attr:`output_shape`, :attr:`output_dtype`, :attr:`grad_summary`,
    :attr:`output_grad`, :attr:`backward_pass`.
    """

    # saved_tensors: the arrays given to save_for_backward (NumPy arrays, not Tensors); None
    # once backward has freed them (the engine then refuses to run the node again). A plain
    # slot rather than a property: every backward formula reads it.
    __slots__ = ("_fn", "_next", "saved_tensors", "_versions", "_shape", "_dtype", "_grad",
                 "_pass", "_seq", "__dict__", "__weakref__")

    # Rarely used fields live on the class and are shadowed per instance when set; the
    # engine looks at them only once some node anywhere has had one set (_node_extras).
    _hooks: list | None = None
    _retain: weakref.ref | None = None

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep arrays for backward; the engine checks they are not modified in place meanwhile.

        (A user's Function, see microtensor/autograd_function.py, saves Tensors here.)"""
        self.saved_tensors = arrays

    # PyTorch's ctx API for user-defined Functions (microtensor/autograd_function.py).

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare the inputs that ``forward`` modified in place (and returns)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs that get no gradient (indices, masks ...)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (default) or ``None`` for outputs with no gradient."""
        self.materialize_grads = bool(value)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per forward argument: does that input need a gradient?"""
        nxt = self._next
        n = len(nxt)  # spelled out for the usual arities: backward formulas ask on every call
        if n == 2:
            return (nxt[0] is not None, nxt[1] is not None)
        if n == 3:
            return (nxt[0] is not None, nxt[1] is not None, nxt[2] is not None)
        return tuple([e is not None for e in nxt])

    # ---- introspection

    @property
    def function(self) -> type[Function]:
        """The :class:`Function` subclass this node applied."""
        return getattr(self._fn, "user", self._fn)  # (a user's, not its engine-side node)

    def name(self) -> str:
        """PyTorch-style node name, e.g. ``MulBackward0`` (``CubeBackward`` for a user's)."""
        if getattr(self._fn, "custom", False):
            return f"{self._fn.__name__}Backward"
        return f"{self._fn.__name__}Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Where each input's gradient goes: ``(Node, 0)``, ``(AccumulateGrad, 0)`` for a leaf
        that requires grad, or ``(None, 0)``, one pair per forward argument."""
        out = []
        for e in self._next:
            if e is None or type(e) is Node:
                out.append((e, 0))
            else:
                out.append((AccumulateGrad(e), 0))
        return tuple(out)

    @property
    def saved_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Shapes of the saved arrays (empty once freed)."""
        return tuple(np.shape(a) for a in (self.saved_tensors or ()))

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def output_dtype(self) -> np.dtype:
        return self._dtype

    @property
    def grad_summary(self) -> GradSummary | None:
        """Statistics of the gradient this node's output received in the latest backward
        through it, or ``None`` before any (or with recording switched off)."""
        g = getattr(self, "_grad", None)
        if g is None or type(g) is GradSummary:
            return g
        return summarize_grad(g, exact=True)

    @property
    def output_grad(self) -> np.ndarray | None:
        """The gradient itself (read-only) when the record kept it (see :data:`grad_recording`),
        else ``None``."""
        g = getattr(self, "_grad", None)
        if g is None or type(g) is GradSummary:
            return None
        g = g.view()
        g.flags.writeable = False
        return g

    @property
    def backward_pass(self) -> int | None:
        """Serial number of the latest backward pass started from this node's output."""
        return getattr(self, "_pass", None)

    def register_hook(self, fn: Callable) -> _RemovableHandle:
        """Call ``fn(grad)`` with this node's output gradient (a Tensor) before its backward;
        a returned Tensor replaces the gradient."""
        if self._hooks is None:
            self._hooks = []
            _node_extras[0] = True
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The sink of a leaf in :attr:`Node.next_functions`; ``.variable`` is the leaf tensor."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)


class _RemovableHandle:
    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks: list, fn: Callable) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


# Set once any node gets a hook or a retained gradient, so that backward can skip looking
# for them on every node until then.
_node_extras = [False]


def retain_output_grad(node: Node, tensor: Tensor) -> None:
    """Make backward store ``node``'s output gradient in ``tensor.grad`` (``retain_grad``)."""
    node._retain = weakref.ref(tensor)
    _node_extras[0] = True


def _freed_message(node: Node) -> str:
    return (
        f"backward: trying to backward through the graph a second time: {node.name()} already "
        "freed the arrays it saved; call .backward(retain_graph=True) the first time if you "
        "need to backward twice"
    )


# --------------------------------------------------------------------------- Function


class Function:
    """Base class of every differentiable op, and of user-defined ones.

    Subclass it with two static methods and call ``.apply``, as in PyTorch::

        class Cube(Function):
            '''f(x) = x**3;  df/dx = 3 x**2.'''

            @staticmethod
            def forward(ctx, x):          # x is a Tensor (run under no_grad)
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):      # grad: a Tensor shaped like the output
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2  # one gradient per forward argument

        y = Cube.apply(t)

    A user's subclass gets PyTorch's contract (see microtensor/autograd_function.py):
    Tensors in and out, ``ctx.needs_input_grad``, ``mark_dirty``,
    ``mark_non_differentiable``, ``set_materialize_grads``, the split form with
    ``setup_context``, and a backward that is differentiable when written with
    differentiable ops. microtensor's own ops (``microtensor/ops/``) subclass it with
    the same two methods on NumPy arrays instead, so a formula runs at NumPy's speed;
    their gradients may have the broadcast shape and promoted dtype of the output: the
    engine reduces them to each input.
    """

    # True for ops whose output may share memory with their first input (reshape, indexing
    # ...): an in-place write into such an output is refused while recording.
    returns_view = False

    # Whether backward(create_graph=True) may record this op's backward formula (it runs on
    # Tensors then, see microtensor/reference_sweep.py); False makes it raise, naming the op.
    twice_differentiable = True

    # True when the arrays the forward computes and saves (not inputs, not the output) are
    # masks, indices or counts, which a recorded backward may treat as constants.
    saved_constants = False

    # For a fused op whose backward cannot run on Tensors: ``composite(ctx, *inputs)``, the
    # same forward written with recorded ops (inputs that need no gradient are None; the
    # rest come from ctx). A recorded backward differentiates it instead.
    composite: Callable | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__module__.startswith("microtensor."):
            # A user's Function, written for PyTorch: Tensors in and out. Its own apply and
            # the engine-side node type are made once, here, so microtensor's ops pay nothing.
            from .autograd_function import make_node_function, tensor_apply
            cls.apply = classmethod(tensor_apply)
            cls._node_function = make_node_function(cls)

    @staticmethod
    def forward(ctx: Node, *args: Any) -> np.ndarray:
        raise NotImplementedError("Function subclasses must implement forward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: Node, inputs: tuple, output: Any) -> None:
        """PyTorch 2's split form: ``forward(*args)`` without ctx, then this saves for backward."""
        raise NotImplementedError("setup_context is not overridden")

    @staticmethod
    def vjp(ctx: Node, *grad_outputs: Any) -> Any:
        """The other name of ``backward``, as in PyTorch (define either)."""
        raise NotImplementedError("Function subclasses must implement backward(ctx, grad)")

    @staticmethod
    def backward(ctx: Node, grad: np.ndarray) -> Any:
        raise NotImplementedError("Function subclasses must implement backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run ``forward`` on the arguments' arrays and record a node when a gradient is needed."""
        ctx = Node()
        ctx.saved_tensors = ()
        arrays = []
        record = False
        if not _threads_off[0] or _mode.enabled:  # recording is on in this thread
            # Where each input's gradient goes: the node that made it, the leaf itself, or
            # nowhere (None).
            nxt = []
            for a in args:
                if isinstance(a, Tensor):
                    arrays.append(a._data)
                    if a._rg:
                        record = True
                        nxt.append(a.grad_fn or a)  # (a Node is always true)
                        continue
                else:
                    arrays.append(a)
                nxt.append(None)
            ctx._next = nxt
        else:
            for a in args:
                arrays.append(a._data if isinstance(a, Tensor) else a)
            ctx._next = [None] * len(args)
        try:
            out = cls.forward(ctx, *arrays)
        except ValueError as e:
            if "broadcast" in str(e):
                raise _broadcast_error(cls, arrays) from None
            raise
        if type(out) is not _ndarray:
            out = _as_output_array(ctx, out)
        # Tensor._make, inlined: this runs for every op, and the call would be 2% of a small one.
        t = _new_object(Tensor)
        t._data = out
        t._grad = None
        t._vc = [0]
        t._hooks = None
        if not record:
            t._rg = False
            t.grad_fn = None
            return t
        t._rg = True
        t.grad_fn = ctx
        ctx._seq = _next_seq()  # creation order: a node is always younger than its inputs
        ctx._fn = cls
        ctx._shape = out.shape
        ctx._dtype = out.dtype
        saved = ctx.saved_tensors
        if saved:
            ctx._versions = _saved_versions(saved, args, arrays, t)
        if forward_observers:  # e.g. detect_anomaly() (ours or the viz's); empty: no cost
            ctx._observed_inputs = arrays  # lent to the observers for the call, not kept
            for obs in forward_observers:
                obs(ctx, out)
            del ctx._observed_inputs
        return t


def _as_output_array(ctx: Node, out: Any) -> np.ndarray:
    """A forward's result as an array (NumPy gives a scalar for a 0-d result); if the
    forward saved that scalar, it saved its output: save the array instead."""
    arr = np.asarray(out)
    saved = ctx.saved_tensors
    if saved and any(s is out for s in saved):
        ctx.saved_tensors = tuple(arr if s is out else s for s in saved)
    return arr


# The "version counter" of an array argument that is no tensor: nothing writes into it.
_CONSTANT = [0]


def _saved_versions(saved: tuple, args: tuple, arrays: list, out: Tensor) -> list:
    """Pair every saved array that belongs to a tensor with that tensor's version now, as
    (version counter, version, input index or -1 for the output, position in ``saved``).
    Arrays the forward computed itself are the node's own and need no check. (The
    position tells a backward that records its graph which tensor each array was.)"""
    od = out._data
    if saved[0] is od and len(saved) == 1:  # tanh, exp, sigmoid ... keep only their result
        return [(out._vc, 0, -1, 0)]
    checks = []
    for k, s in enumerate(saved):
        if s is od:
            checks.append((out._vc, 0, -1, k))
            continue
        i = 0
        for arr in arrays:
            if s is arr:
                a = args[i]
                vc = a._vc if isinstance(a, Tensor) else _CONSTANT
                checks.append((vc, vc[0], i, k))
                break
            i += 1
    return checks


def _broadcast_error(cls: type, arrays: list) -> ShapeError:
    shapes = [np.shape(a) for a in arrays if isinstance(a, (np.ndarray, np.generic))]
    detail = ""
    if len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        for i in range(1, min(len(a), len(b)) + 1):
            if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
                detail = (f": size {a[-i]} (dim {len(a) - i} of the first) != size "
                          f"{b[-i]} (dim {len(b) - i} of the second) and neither is 1")
                break
    listed = " and ".join(str(s) for s in shapes)
    op = cls.__name__.lower()
    return ShapeError(f"{op}: shapes {listed} cannot be broadcast together{detail}")


# --------------------------------------------------------------------------- the engine


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of broadcasting is summation.

    Broadcasting an input to the output's shape copies it along new leading
    axes and along its size-1 axes; every copy fed the output, so the input's
    gradient is the sum of the gradients of all its copies.
    """
    lead = grad.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"unbroadcast: gradient of shape {grad.shape} has fewer dims than {shape}")
    axes = list(range(lead))
    for i, n in enumerate(shape):
        m = grad.shape[lead + i]
        if n == 1 and m != 1:
            axes.append(lead + i)
        elif n != m:
            raise ShapeError(
                f"unbroadcast: gradient of shape {grad.shape} cannot be summed to {shape}"
            )
    if not axes:
        return grad
    return grad.sum(axis=tuple(axes), keepdims=True).reshape(shape)


# Called as observer(node, grad_array) once a node's output gradient is complete, and as
# observer(node, output_array) when Function.apply records a node (node._observed_inputs
# holds the forward's arguments, arrays in place of tensors, during that call). Empty: no cost.
grad_observers: list[Callable[[Node, np.ndarray], None]] = []
forward_observers: list[Callable[[Node, np.ndarray], None]] = []


def backward_order(output: Tensor | Node) -> list[Node]:
    """The nodes behind ``output`` in the order ``backward()`` runs them (output first).

    A depth-first walk with an explicit stack collects them; the engine's order
    is decreasing creation number.
    """
    root = output.grad_fn if isinstance(output, Tensor) else output
    if root is None:
        return []
    seen = {root}
    stack = [root]
    while stack:
        for e in stack.pop()._next:
            if type(e) is Node and e not in seen:
                seen.add(e)
                stack.append(e)
    return sorted(seen, key=lambda n: -n._seq)


def run_backward(
    roots: list[Tensor],
    root_grads: list[np.ndarray],
    retain_graph: bool,
    inputs: list[Tensor] | None = None,
    anomaly: _BackwardWatch | None = None,
) -> list[np.ndarray | None] | None:
    """Propagate ``root_grads`` from ``roots`` to every leaf that requires grad.

    With ``inputs`` (as :func:`grad` does) nothing is written to ``.grad``: the
    gradients reaching those tensors are returned instead, in order. Under
    :func:`detect_anomaly` the pass runs again inside ``microtensor.anomaly_mode``
    with ``anomaly`` set: it is told which node runs and checks what each backward returns.

    This is the algorithm of ``reference_sweep.py`` (the one a lecture shows) plus fast
    paths. What each buys, measured: the time of ``loss.backward()`` alone with that one
    trick switched off, relative to the engine as it is (CPU time, min of 40 samples; the
    ranges are two runs, on commit e4bd646 and on the tree of the API-breadth work; an
    unmodified copy lands within ±3 %, the noise)::

        trick switched off                        tiny_ops  deep_narrow  mlp_step
        pending node kept out of heap and dict    +8-14 %      ±3 %        ±3 %
        leaf buffers handed to .grad uncopied       ±3 %      +6 %        +3-5 %
          (the given/borrowed sets)
        the `extras` flag (skip _observe)          +6-8 %      ±3 %        ±3 %
        version checks only after a write           ±4 %       ±3 %        ±3 %
        in-place add into owned buffers             ±3 %       ±3 %        ±3 %
        all of them: the plain reference sweep    +50-94 %   +23-41 %    +11-13 %

    (tiny_ops: 200 elementwise ops on 16 elements; deep_narrow: 20 Linear(64, 64) + tanh,
    batch 32; mlp_step: 784-256-256-10, batch 128.) So the chain path and the flag pay on
    small arrays, where the per-node Python cost is the time; not copying a leaf's
    gradient pays on layers; the in-place add (owned sets) buys nothing measurable here
    (these graphs have little fan-in) and the version-check skip little. The plain sweep
    also skips the gradient record that this one keeps for ``microtensor.viz``, so the
    last row understates the fast paths' total. Measured with
    ``.venv/bin/python benchmarks/engine_tricks.py`` (it switches each trick off in a
    scratch copy of the package by a one-line edit, listed there).
    """
    if anomaly is None and _anomaly_threads[0] and is_anomaly_enabled():
        return backward_with_anomaly_checks(run_backward, roots, root_grads, retain_graph, inputs)
    capture = None if inputs is None else _Capture(inputs)
    grads: dict[Node, np.ndarray] = {}
    owned: set[Node] = set()  # nodes whose gradient buffer the engine allocated itself
    # Leaves sum their gradient over the pass first (a leaf's hooks see it once, as in
    # PyTorch); .grad is written at the end. An array in leaf_grads that the engine did not
    # allocate (a backward passing its upstream gradient on, a view ...) is borrowed, and
    # copied then; one it allocated is handed to .grad as it is.
    leaf_grads: dict[Tensor, np.ndarray] = {}
    borrowed: set[Tensor] = set()
    given: set[int] = set()  # ids of the arrays handed to a leaf as its own: one leaf each
    serial = next(_pass_serial)
    record, keep_max = grad_recording.enabled, grad_recording.keep_max
    keep_left = grad_recording.keep_bytes  # for gradients larger than keep_max, this pass
    kept = _new_record() if record else None  # the nodes that keep an array, this pass
    # Nodes whose output gradient has started to arrive, youngest first: every consumer
    # of a node is younger than it, so when a node is popped its gradient is complete.
    heap: list[tuple[int, Node]] = []
    # When exactly one node is waiting it stays out of the heap, and its gradient out of
    # `grads`: a chain of ops (the common case) never pays for a push, a pop or a dict entry.
    pending: Node | None = None
    pending_g: np.ndarray | None = None
    pending_owned = False  # as `owned`, for the pending node's gradient
    for r, g in zip(roots, root_grads):
        fn = r.grad_fn
        if fn is None:
            prev = leaf_grads.get(r)
            leaf_grads[r] = g if prev is None else _added(prev, g)
            borrowed.add(r)
        elif fn in grads:
            grads[fn] = grads[fn] + g
            owned.add(fn)
        else:
            grads[fn] = g
            heappush(heap, (-fn._seq, fn))
            fn._pass = serial

    extras = _node_extras[0] or capture is not None or bool(grad_observers)
    pop, get = grads.pop, grads.get
    while True:
        if pending is not None:
            node, g, pending = pending, pending_g, None
        elif heap:
            node = heappop(heap)[1]
            g = pop(node)
        else:
            break
        if anomaly is not None:  # detect_anomaly(): a failure from here on is this node's
            anomaly.node = node
        if extras:
            g = _observe(node, g, capture)
        if record:  # for microtensor.viz: keep the gradient, or summarize it if too large
            if g.size <= keep_max:
                node._grad = g
                kept.append(_weakref(node))
            elif g.nbytes <= keep_left and g.base is None:  # (a view could hold more alive)
                keep_left -= g.nbytes
                node._grad = g
                kept.append(_weakref(node))
            else:
                node._grad = summarize_grad(g)
        saved = node.saved_tensors
        if saved:
            # Was any of it modified in place since (apply kept the versions it saw)? Only
            # possible if some tensor was written after this node was recorded.
            if _last_write[0] > node._seq:
                for counter, expected, index, _ in node._versions:
                    if counter[0] != expected:
                        raise RuntimeError(_version_message(node, counter[0], expected, index))
        elif saved is None:
            raise RuntimeError(_freed_message(node))

        result = node._fn.backward(node, g)
        if type(result) is not tuple:
            result = (result,)
        nxt = node._next
        if len(result) < len(nxt):
            _check_arity(node, result)
        if anomaly is not None:  # with check_nan: a NaN in result raises, naming the node
            anomaly.check_result(node, result)
        for edge, ig in zip(nxt, result):
            if edge is None or ig is None:
                continue
            if type(ig) is not _ndarray:
                ig = np.asarray(ig)
            if type(edge) is Node:
                if ig.shape != edge._shape:
                    ig = _reduce_to(ig, edge._shape, node, _position(nxt, edge))
                dt = edge._dtype
                if ig.dtype is not dt and ig.dtype != dt:
                    ig = ig.astype(dt)
                if edge is pending:  # a second gradient for the waiting node (x * x ...)
                    if pending_owned:
                        _add(pending_g, ig, pending_g)
                    else:
                        pending_g, pending_owned = _added(pending_g, ig), True
                    continue
                prev = get(edge)
                if prev is None:
                    if pending is None and not heap:
                        pending, pending_g, pending_owned = edge, ig, False
                        continue
                    if pending is not None:  # two nodes waiting now: both go to the heap
                        grads[pending] = pending_g
                        if pending_owned:
                            owned.add(pending)
                        heappush(heap, (-pending._seq, pending))
                        pending = None
                    grads[edge] = ig
                    heappush(heap, (-edge._seq, edge))
                elif edge in owned:
                    _add(prev, ig, prev)
                else:
                    grads[edge] = _added(prev, ig)
                    owned.add(edge)
            else:
                data = edge._data
                fresh = False
                if ig.shape != data.shape or ig.dtype is not data.dtype:
                    ig, fresh = _fit_to_leaf(ig, data, node, _position(nxt, edge))
                prev = leaf_grads.get(edge)
                if prev is None:
                    leaf_grads[edge] = ig
                    # Fresh from the backward formula (not g passed on, not a view, not given
                    # to another leaf already): .grad may take it as it is.
                    if fresh or (ig is not g and ig.base is None and id(ig) not in given):
                        given.add(id(ig))
                    else:
                        borrowed.add(edge)
                elif edge in borrowed:
                    leaf_grads[edge] = _added(prev, ig)
                    borrowed.discard(edge)
                else:
                    _add(prev, ig, prev)
        if saved and not retain_graph:
            node.saved_tensors = None

    if anomaly is not None:
        anomaly.node = None  # (a leaf's hooks, run below, belong to no node)
    for t, g in leaf_grads.items():
        _to_leaf(t, g, t in borrowed, capture, serial)
    return None if capture is None else capture.result()


# The nodes whose gradient record is an array, from the latest backward pass. A graph that
# outlives its pass (``losses.append(loss)``) would otherwise keep every pass's arrays: the
# next pass summarizes the arrays of the nodes still alive, so an old graph costs a summary
# per node (as PyTorch's keeps a node per op), and only the latest pass keeps arrays.
_last_record: list = [None]


def _new_record() -> list:
    prev = _last_record[0]
    if prev:
        for ref in prev:
            node = ref()
            if node is not None and type(node._grad) is _ndarray:
                node._grad = summarize_grad(node._grad, exact=True)
    kept: list = []
    _last_record[0] = kept
    return kept


class _Capture:
    """What :func:`grad` collects instead of writing ``.grad``: gradients reaching ``inputs``."""

    def __init__(self, inputs: list[Tensor]) -> None:
        self.inputs = inputs
        self.leaf_ids = {id(t) for t in inputs}
        self.node_ids = {id(t.grad_fn): id(t) for t in inputs if t.grad_fn is not None}
        self.got: dict[int, np.ndarray] = {}

    def add(self, key: int, g: np.ndarray) -> None:
        prev = self.got.get(key)
        self.got[key] = g if prev is None else prev + g

    def result(self) -> list[np.ndarray | None]:
        return [self.got.get(id(t)) for t in self.inputs]


def _observe(node: Node, g: np.ndarray, capture: _Capture | None) -> np.ndarray:
    """The rarely needed per-node work: hooks, retained grads, captures, observers."""
    if node._hooks:
        g = _run_hooks(node._hooks, g)
    if node._retain is not None:
        t = node._retain()
        if t is not None:
            _store_retained(t, g)
    if capture is not None and id(node) in capture.node_ids:
        capture.add(capture.node_ids[id(node)], g)
    for obs in grad_observers:
        obs(node, g)
    return g


def _fit_to_leaf(ig: np.ndarray, data: np.ndarray, node: Node, i: int) -> tuple:
    # A leaf's gradient summed to its shape and cast to its dtype; and whether that made a
    # new array (which .grad may then take as it is).
    fresh = False
    if ig.shape != data.shape:
        ig = _reduce_to(ig, data.shape, node, i)
        fresh = True
    if ig.dtype != data.dtype:
        ig = ig.astype(data.dtype)
        fresh = True
    return ig, fresh


def _reduce_to(ig: np.ndarray, shape: tuple, node: Node, i: int) -> np.ndarray:
    try:
        return unbroadcast(ig, shape)
    except ShapeError:
        raise RuntimeError(
            f"{node._fn.__name__}.backward returned a gradient of shape {ig.shape} "
            f"for input {i}, which has shape {shape}"
        ) from None


def _added(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # A new buffer for a sum (NumPy returns a scalar, not an array, for two 0-d arrays).
    out = a + b
    return out if type(out) is np.ndarray else np.asarray(out)


def _position(edges: list, edge: Any) -> int:
    # By identity: list.index would compare tensors with ==, which is elementwise.
    return next(i for i, e in enumerate(edges) if e is edge)


def _check_arity(node: Node, result: tuple) -> None:
    nxt = node._next
    if any(e is not None for e in nxt[len(result):]):
        raise RuntimeError(
            f"{node._fn.__name__}.backward returned {len(result)} gradients but input "
            f"{len(result)} needs one (expected {len(nxt)}, one per forward argument)"
        )


def _run_hooks(hooks: list, g: np.ndarray) -> np.ndarray:
    for h in list(hooks):
        r = h(Tensor._make(g, False, None))
        if r is not None:
            check_hook_result(h, r, g)
            g = r._data
    return g


def check_hook_result(hook: Callable, r: Any, g: Any) -> None:
    """A hook may replace a gradient only by a Tensor of its shape and dtype (PyTorch's check);
    ``g`` is the gradient it was given, an array or a Tensor."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(r, Tensor):
        raise TypeError(f"backward: expected a Tensor or None, but hook '{name}' returned "
                        f"{type(r).__name__}")
    if r.dtype != g.dtype:
        was, got = dtypes.from_numpy_dtype(np.dtype(g.dtype)), r.dtype
        raise RuntimeError(f"backward: hook '{name}' has changed the type of value (was "
                           f"{was} got {got})")
    if tuple(r.shape) != tuple(g.shape):
        raise RuntimeError(f"backward: hook '{name}' has changed the size of value (was "
                           f"{tuple(g.shape)} got {tuple(r.shape)})")


def _store_retained(t: Tensor, g: np.ndarray) -> None:
    if t.grad is None:
        t.grad = Tensor._make(g.copy(), False, None)
    else:
        t.grad = Tensor._make(t.grad._data + g, False, None)


def _to_leaf(t: Tensor, g: np.ndarray, shared: bool, capture: _Capture | None,
             serial: int) -> None:
    """Add one pass's total gradient ``g`` into the leaf's ``.grad`` (or capture it)."""
    if t._hooks:
        g = _run_hooks(t._hooks, g)
    if capture is not None:
        if id(t) in capture.leaf_ids:
            capture.add(id(t), g)
        return
    with _leaf_lock:  # two threads' backward into one leaf must both land (PyTorch locks too)
        _accumulate(t, g, shared, serial)


# One lock for every leaf's accumulation: it is held only for the addition itself, never
# while user code (a hook) runs.
_leaf_lock = threading.Lock()


def _accumulate(t: Tensor, g: np.ndarray, shared: bool, serial: int) -> None:
    grad = t._grad
    if grad is None:
        t._grad = _new_tensor(g.copy() if shared else g, False, None, [0, 1, serial, 0])
        return
    buf = grad._data
    vc = grad._vc
    engine_made = len(vc) == 4  # then its array is writable and ours to add to
    if buf.shape == g.shape and buf.dtype == g.dtype and (engine_made or buf.flags.writeable):
        _add(buf, g, buf)  # in place, as PyTorch: whoever holds .grad sees the sum
        if engine_made:
            vc[_PASSES] = _passes_after(vc, serial)
            vc[_LAST_PASS] = serial
            bump_version(grad)
            vc[_ENGINE_VERSION] = vc[_VERSION]
        else:
            bump_version(grad)
    else:
        passes = _passes_after(vc, serial) if engine_made else 1
        t._grad = _new_tensor(_added(buf, g), False, None, [0, passes, serial, 0])


def _version_message(node: Node, now: int, expected: int, index: int) -> str:
    what = "its output" if index < 0 else f"its input {index}"
    return (
        f"backward: {node.name()} needs {what}, which was modified by an in-place "
        f"operation after the forward pass (it is at version {now}, the graph "
        f"recorded version {expected}); use an out-of-place op (x = x + y instead "
        "of x += y) or .clone() the tensor first"
    )


# --------------------------------------------------------------------------- public API


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(outputs: list[Tensor], grad_outputs: list, where: str,
                create_graph: bool = False) -> list:
    """The gradient of each output, checked: arrays, or with ``create_graph`` Tensors (a
    given gradient that requires grad stays in the graph: its own gradient can be taken)."""
    gs = _root_arrays(outputs, grad_outputs, where)
    if not create_graph:
        return gs
    out = []
    for g, given in zip(gs, grad_outputs):
        if isinstance(given, Tensor) and given._data is g:
            out.append(given)
        elif isinstance(given, Tensor) and given._rg:
            out.append(to_dtype(given, g.dtype))
        else:
            out.append(Tensor._make(g, False, None))
    return out


def _root_arrays(outputs: list[Tensor], grad_outputs: list, where: str) -> list[np.ndarray]:
    gs = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"{where}: output {i} does not require grad and has no grad_fn: nothing "
                "recorded a graph for it (did an input have requires_grad=True, outside no_grad?)"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"{where}: output has shape {out._data.shape}; a gradient can be created "
                    "implicitly only for a single-element output: pass gradient= of that "
                    "shape, or reduce it first (e.g. .sum())"
                )
            gs.append(np.ones_like(out._data))
            continue
        g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=out._data.dtype)
        if g.shape != out._data.shape:
            raise ShapeError(
                f"{where}: gradient has shape {g.shape} but the output has shape "
                f"{out._data.shape}; they must match"
            )
        if g.dtype != out._data.dtype:
            g = g.astype(out._data.dtype)
        gs.append(g)
    return gs


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate into ``.grad`` of every leaf the gradients of ``tensors`` (a tensor or a list).

    ``grad_tensors`` gives the gradient of each output (``None`` for a scalar
    output means 1). ``create_graph=True`` (higher-order gradients) is not supported.
    """
    outs = _as_list(tensors)
    gos = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outs)
    if len(gos) != len(outs):
        raise ValueError(f"backward: got {len(outs)} tensors but {len(gos)} gradients")
    roots = _root_grads(outs, gos, "backward", create_graph)
    retain = bool(create_graph if retain_graph is None else retain_graph)  # PyTorch's default
    if create_graph:  # the backward pass records its own graph
        reference_backward(outs, roots, create_graph=True, retain_graph=retain)
    else:
        run_backward(outs, roots, retain)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned, with no ``.grad`` touched.

    As ``torch.autograd.grad``: an input the outputs do not depend on raises
    unless ``allow_unused=True``, which returns ``None`` for it.
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    gos = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(gos) != len(outs):
        raise ValueError(f"grad: got {len(outs)} outputs but {len(gos)} grad_outputs")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    roots = _root_grads(outs, gos, "grad", create_graph)
    retain = bool(create_graph if retain_graph is None else retain_graph)  # PyTorch's default
    if create_graph:
        got = reference_backward(outs, roots, create_graph=True, retain_graph=retain,
                                 inputs=ins)
    else:
        got = run_backward(outs, roots, retain, inputs=ins)
    result = []
    for i, g in enumerate(got):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            if not isinstance(g, Tensor):
                if not g.flags.writeable:  # a broadcast view (a sum's gradient): the caller
                    g = g.copy()           # owns what grad returns, and may write into it
                g = Tensor._make(g, False, None)
            result.append(g)
    return tuple(result)


# Bound once: Function.apply and the backward sweep use them for every op. (``np.X`` costs
# three times a plain module attribute: NumPy's module ``__getattr__`` keeps Python from
# caching the lookup.)
_new_tensor = Tensor._make
_new_object = object.__new__
_weakref = weakref.ref
_next_seq = itertools.count().__next__
_ndarray = np.ndarray
_add = np.add

# The creation number (_next_seq) taken by the latest in-place write anywhere: backward checks
# the versions a node saved only when a write came after the node.
_last_write = [0]


def bump_version(*tensors: Tensor) -> None:
    """Count an in-place write into each tensor's data (its views share the count).

    Every in-place write goes through here, so that a backward through a node that
    saved the data before the write refuses to run (see ``Function.apply``).
    """
    for t in tensors:
        t._vc[0] += 1
    _last_write[0] = _next_seq()


def clear_grads(tensors: Any, set_to_none: bool = True) -> None:
    """What ``zero_grad`` does for a Module and an Optimizer: forget each tensor's ``.grad``.

    ``set_to_none=True`` drops it (an optimizer then skips the tensor); otherwise it is
    filled with zeros in place (bumping its version), detached from any graph first.
    """
    for p in tensors:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if g.grad_fn is not None:
            g.detach_()
        else:
            g._rg = False
        if g._data.flags.writeable:
            g._data[...] = 0
            bump_version(g)
        else:
            p.grad = Tensor._make(np.zeros_like(g._data), False, None)


# What extends the engine imports this module, so it is loaded last: anomaly mode (it
# registers a forward observer, and run_backward hands it the pass when it is on); the
# engine that records the backward pass (create_graph=True); the checks built on them; and
# ``microtensor.autograd.functional`` (jacobian, hessian, vjp, jvp, hvp, vhp).
from . import autograd_functional as functional  # noqa: E402
from .anomaly_mode import (  # noqa: E402
    AnomalyWarning,
    _BackwardWatch,
    backward_with_anomaly_checks,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .anomaly_mode import _threads_on as _anomaly_threads  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from .ops.elementwise import to_dtype  # noqa: E402
from .reference_sweep import reference_backward  # noqa: E402

# Importable by that name, as in PyTorch: ``from microtensor.autograd.functional import ...``
sys.modules[__name__ + ".functional"] = functional
# ``from microtensor.autograd.function import once_differentiable``, as in PyTorch.
from . import autograd_function as function  # noqa: E402

sys.modules[__name__ + ".function"] = function
