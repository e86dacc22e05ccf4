"""Views and in-place writes: how a write through one tensor reaches the graph of another.

A *view* (``a[1:]``, ``a.T``, ``a.reshape(...)`` when no copy is needed, ``a.expand(...)``)
shares its *base*'s memory, so a write into either changes both. PyTorch keeps the graph
right in both directions, and so does microtensor:

- **A write into the base** (``a.mul_(2)`` after ``v = a[1:]``): every live view of ``a``
  is re-derived from ``a``'s new graph node, so ``v.sum().backward()`` sees the ``mul_``
  (PyTorch regenerates a view's ``grad_fn`` the same way).
- **A write into a view** (``v.mul_(2)``, ``a[i] += x``, ``F.relu(a[:, :3], inplace=True)``):
  the base's graph gets a :class:`CopySlices` node (PyTorch's name): the base as it was,
  with the view's part replaced by the written value. Its other views are re-derived
  from it, as above.

To re-derive a view, each one remembers its root base (never a view itself) and the view
ops that lead there from the base (``_view_steps``: ``(Function, args)`` pairs), which
can be replayed on a Tensor (recording a new graph) or on a NumPy array (in
:meth:`CopySlices.backward`). A base keeps weak references to its views, so that a write
can find them; views of a leaf that requires grad are not kept (such a leaf can only be
written under ``no_grad``, which records nothing).

Views also share their base's version counter (``_vc``): a write through any of them
makes a backward that saved the old values refuse to run.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..autograd import Function
from ..grad_mode import _mode
from ..tensor import Tensor

__all__ = ["CopySlices", "as_view", "check_view_write", "record_view_write", "refresh_views"]


class _Scratch:
    """A stand-in ``ctx`` for replaying a view op's forward on an array (nothing is kept)."""


def replay(a: Any, steps: tuple) -> Any:
    """Apply the view ops ``steps`` to ``a``: a Tensor (recorded) or a NumPy array."""
    if isinstance(a, Tensor):
        for fn, args in steps:
            a = as_view(fn, a, *args)  # (tracked views: a write into the result is recorded)
        return a
    for fn, args in steps:
        a = fn.forward(_Scratch(), a, *args)
    return a


class CopySlices(Function):
    """f(b, v) = b with b[view] = v;  df/db = grad, 0 in the view;  df/dv = grad[view].

    What a write into a view records on its base; ``view`` is the chain of view ops
    ``steps`` from the base. ``forward`` computes nothing: the write has already landed in
    the memory that the base and the view share; the node only records it, so the base's
    gradient knows the view's part came from ``v``.
    """

    @staticmethod
    def forward(ctx, base, value, steps):
        ctx.steps = steps
        ctx.base_size = base.size
        return base

    @staticmethod
    def backward(ctx, grad):
        steps = ctx.steps
        gb = np.copy(grad)
        part = replay(gb, steps)
        if isinstance(part, Tensor) and getattr(part, "_base", None) is not None:
            part[...] = 0  # (a recorded backward: the write into the view is recorded on gb)
        elif part.size and np.may_share_memory(part, gb):
            part[...] = 0  # the written part no longer depends on what was there before
        elif part.size:
            # A reshape in the steps copied here (the base's memory was laid out differently):
            # find the view's elements by their positions in the base instead.
            where = replay(np.arange(ctx.base_size).reshape(gb.shape), steps)
            gb.reshape(-1)[where.reshape(-1)] = 0
        return gb, replay(grad, steps), None


def as_view(fn: type[Function], input: Tensor, *args: Any) -> Tensor:  # noqa: A002
    """``fn.apply(input, *args)`` for a view op: when the result shares ``input``'s memory,
    mark it as a view of ``input``'s base (same version counter; re-derivable after writes).
    """
    out = fn.apply(input, *args)
    if out._data.base is None or not np.may_share_memory(out._data, input._data):
        return out  # a copy after all (reshape of a tensor laid out the other way)
    out._vc = input._vc
    base = getattr(input, "_base", None)
    if base is None:
        base, steps = input, ((fn, args),)
    else:
        steps = input._view_steps
        if steps is not None:
            steps = steps + ((fn, args),)
    if not _mode.enabled:
        steps = None  # made under no_grad: it may be read, not written with recording on
    out._base = base
    out._view_steps = steps
    if steps is not None and not (base._rg and base.grad_fn is None):
        views = getattr(base, "_views", None)
        if views is None:
            base._views = views = [0]  # [live count at the last pruning, weakrefs...]
        elif len(views) > 2 * views[0] + 16:  # dead views pile up in a loop: drop them
            alive = [r for r in views[1:] if r() is not None]
            views[:] = [len(alive), *alive]
        views.append(weakref.ref(out))
    return out


def check_view_write(t: Tensor, name: str) -> None:
    """Refuse a recorded write into the view ``t`` that PyTorch refuses too."""
    base = t._base
    if base._rg and base.grad_fn is None:
        raise RuntimeError(
            f"{name}: a view of a leaf tensor that requires grad cannot be modified in place "
            "(the write would change the leaf); update it inside `with microtensor.no_grad():`, "
            "or .clone() the view first"
        )
    if t._view_steps is None:
        raise RuntimeError(
            f"{name}: this view was created under no_grad() and is being modified in place with "
            "grad mode on, so its base's graph cannot record the write; create the view with "
            "grad mode on, or .clone() it first"
        )
    if not t._data.flags.writeable:
        raise RuntimeError(
            f"{name}: in-place write into an expand()ed view, where several elements share one "
            "memory location; .clone() it first"
        )


def record_view_write(t: Tensor, r: Tensor) -> None:
    """After ``r``'s values were written into the view ``t``: give its base a CopySlices
    node, and re-derive the base's views (``t`` among them) from it."""
    base = t._base
    old = Tensor._make(base._data, base._rg, base.grad_fn)
    new = CopySlices.apply(old, r, t._view_steps)
    base.grad_fn = new.grad_fn
    base._rg = new._rg
    refresh_views(base)


def refresh_views(base: Tensor) -> None:
    """Re-derive every live view of ``base`` from its current graph node (after a write)."""
    views = getattr(base, "_views", None)
    if views is None:
        return
    src = Tensor._make(base._data, base._rg, base.grad_fn)
    alive = []
    for ref in views[1:]:
        v = ref()
        if v is None:
            continue
        alive.append(ref)
        nv = replay(src, v._view_steps)
        v.grad_fn = nv.grad_fn
        v._rg = nv._rg
    views[:] = [len(alive), *alive]
