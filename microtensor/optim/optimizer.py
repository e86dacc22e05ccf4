"""Optimizer: the base class every optimizer in ``microtensor.optim`` builds on.

It keeps what ``torch.optim.Optimizer`` keeps, under the same names, so code and
checkpoints read the same:

- ``param_groups``: a list of dicts. Each holds ``"params"`` (the tensors) and
  that group's hyperparameters (``lr``, ``momentum`` ...); a scheduler changes
  the learning rate by writing ``group["lr"]``.
- ``state``: a dict keyed by the parameter tensor itself, holding per-parameter
  tensors with PyTorch's names (``momentum_buffer``, ``exp_avg``, ``step`` ...).
- ``defaults``: the hyperparameters a group gets when it does not set them.

A subclass validates its hyperparameters in :meth:`Optimizer._check_group` and
updates one group in :meth:`Optimizer._update_group`. Updates are written in
NumPy on the parameters' arrays, in place (``p._data``, the array, is never rebound, so every
view of it sees the new values), under :class:`~microtensor.no_grad`.
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import bump_version, clear_grads, enable_grad, no_grad
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor

__all__ = ["Optimizer"]

# State entries that are per-parameter scalars, not arrays shaped like the parameter.
_SCALAR_STATE = ("step", "mu_product")


def _scalar_dtype() -> np.dtype:
    """PyTorch's dtype for ``state["step"]``: float64 if that is the default dtype, else float32."""
    return dtypes.float64 if dtypes.get_default_dtype() == dtypes.float64 else dtypes.float32


def _state(array: np.ndarray) -> Tensor:
    """Wrap a state array as a Tensor outside the graph (as PyTorch's state tensors are)."""
    return Tensor._make(array, False, None)


def _scalar_state(value: float) -> Tensor:
    return _state(np.array(value, dtype=_scalar_dtype()))


def _first_state(state: dict[str, Any], w: np.ndarray, *buffers: str,
                 **scalars: float) -> None:
    """A parameter's state on its first step, as PyTorch creates it lazily: ``step`` = 0,
    then the named ``scalars``, then a zero buffer shaped like ``w`` per name in ``buffers``
    (in that order, which is PyTorch's key order). Nothing happens once the state exists."""
    if state:
        return
    state["step"] = _scalar_state(0.0)
    for name, value in scalars.items():
        state[name] = _scalar_state(value)
    for name in buffers:
        state[name] = _state(np.zeros_like(w))


def _count_step(state: dict[str, Any]) -> float:
    """Add this step to ``state["step"]`` in place (it is a tensor, as in PyTorch); the new
    count."""
    step_t = state["step"]._data
    step_t += 1
    return float(step_t)


# PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``,
# ``differentiable``) pick one of several kernels computing the same update. microtensor has
# one NumPy implementation, so it accepts them, stores them in ``defaults`` and every
# param group under PyTorch's names and order (state dicts then have PyTorch's keys), and
# otherwise ignores them; only ``differentiable=True`` (backpropagating through the step
# itself) is refused, since the updates run in place under ``no_grad``.


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors to optimize, of ``(name, Tensor)`` pairs, or of
            dicts (parameter groups) each with a ``"params"`` entry and any
            hyperparameters that differ from ``defaults`` for that group.
        defaults: the hyperparameters of a group that does not set them.

    Parameters must be floating-point leaf tensors, each given once. A parameter whose
    ``.grad`` is ``None`` at :meth:`step` is skipped (no state is created for it); one
    with an all-zero gradient is updated (momentum and weight decay still act).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self._check_group(self.defaults)
        self._check_flags(self.defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors or dicts, got a single "
                "Tensor (wrap it in a list)"
            )
        if isinstance(params, dict):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{self._name}: parameters must be given in an ordered collection "
                            "(a list), not a set: a set's order changes between runs")
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    # ------------------------------------------------------------------ groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones come from
        ``defaults``). Useful to unfreeze layers while training."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._name}: a parameter group must be a dict, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{self._name}: a parameter group needs a 'params' entry, "
                             f"got keys {sorted(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{self._name}: parameters must be given in an ordered collection "
                            "(a list), not a set: a set's order changes between runs")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{self._name}: give either all parameters with names "
                                 "(name, tensor) or none")
            params = [p[1] for p in params]
            group["param_names"] = names
        index = len(self.param_groups)
        for i, p in enumerate(params):
            where = f"parameter {i} of group {index}"
            if not isinstance(p, Tensor):
                raise TypeError(f"{self._name}: can only optimize Tensors, but {where} is "
                                f"a {type(p).__name__}")
            if p.dtype.kind != "f":
                raise DtypeError(f"{self._name}: can only optimize floating-point tensors, "
                                 f"but {where} has dtype {p.dtype}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(f"{self._name}: can't optimize a non-leaf Tensor ({where} "
                                 f"was produced by {p.grad_fn.name()})")
            if not p._data.flags.writeable:
                raise ValueError(f"{self._name}: {where} wraps a read-only array; "
                                 "give it a writeable copy")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(f"{self._name}: parameter {i} of group {index} is given more "
                                 "than once; each parameter may appear in one group, once")
            seen.add(id(p))
        if self.param_groups and any(("param_names" in g) != bool(names)
                                     for g in self.param_groups):
            raise ValueError(f"{self._name}: all parameter groups must be given with names "
                             "or all without")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        self._check_flags(group)
        self.param_groups.append(group)
        self._init_group_state(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a bad hyperparameter (subclasses check theirs)."""

    def _check_flags(self, group: dict[str, Any]) -> None:
        if group.get("differentiable"):
            raise ValueError(f"{self._name}: differentiable=True is not supported: microtensor "
                             "updates parameters in place under no_grad")

    def _init_group_state(self, group: dict[str, Any]) -> None:
        """Create state eagerly for a new group (only Adagrad does, as in PyTorch)."""

    # helpers for _check_group: one sentence naming the optimizer and the argument

    def _number(self, group: dict[str, Any], key: str) -> float:
        value = group[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{self._name}: {key} must be a number, got {type(value).__name__}")
        return float(value)

    def _at_least_zero(self, group: dict[str, Any], *keys: str) -> None:
        for key in keys:
            if not self._number(group, key) >= 0.0:  # also rejects NaN
                raise ValueError(f"{self._name}: {key} must be >= 0, got {group[key]}")

    def _in_unit_interval(self, group: dict[str, Any], key: str, closed: bool) -> None:
        value = self._number(group, key)
        ok = 0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0
        if not ok:
            interval = "[0, 1]" if closed else "[0, 1)"
            raise ValueError(f"{self._name}: {key} must be in {interval}, got {group[key]}")

    def _check_betas(self, group: dict[str, Any]) -> None:
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{self._name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            if isinstance(b, bool) or not isinstance(b, numbers.Real) or not 0.0 <= b < 1.0:
                raise ValueError(f"{self._name}: betas[{i}] must be in [0, 1), got {b!r}")

    # ------------------------------------------------------------------ stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set every ``.grad`` to ``None`` (the default), or fill it
        with zeros in place. An optimizer skips a ``None`` gradient but steps on a zero one."""
        for group in self.param_groups:
            clear_grads(group["params"], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Args:
            closure: a function that zeroes the gradients, recomputes the loss, calls
                ``backward`` and returns the loss; it runs (with grad enabled) before the
                update. Optional for every optimizer here.

        Returns:
            The closure's loss, or ``None``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{self._name} does not implement _update_group")

    def _grads(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        """``(param, grad array)`` for each parameter of the group that has a gradient,
        the gradient negated if the group maximizes.

        Each listed parameter's version is bumped: the caller updates it in place, so a
        graph recorded before this step that saved it must now refuse to backward (as
        PyTorch's in-place updates do).
        """
        maximize = group.get("maximize", False)
        params, grads = [], []
        for i, p in enumerate(group["params"]):
            grad = p.grad
            if grad is None:
                continue
            g = grad._data
            if g.shape != p._data.shape:
                raise ShapeError(f"{self._name}.step: parameter {i} has shape {p._data.shape} "
                                 f"but its .grad has shape {g.shape}")
            params.append(p)
            grads.append(-g if maximize else g)
        bump_version(*params)
        return zip(params, grads)

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's format.

        ``{"state": {index: {name: Tensor}}, "param_groups": [{..., "params": [index]}]}``,
        where a parameter is replaced by its position counted over all groups in order.
        As in PyTorch, the state tensors are the live ones (not copies): deep-copy or save
        the dict before stepping again if you need a snapshot.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items()
                 if isinstance(p, Tensor) and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (of an optimizer of the same kind built on
        parameters of the same shapes, in the same order). The state is copied, floating
        state cast to its parameter's dtype (``step`` keeps its own); the groups'
        hyperparameters are replaced by the saved ones. Training then continues exactly
        as if it had never stopped."""
        where = f"{self._name}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{where}: expected a dict with 'state' and 'param_groups', "
                             f"got {got}")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{where}: the state dict has {len(saved_groups)} parameter "
                             f"groups, this optimizer has {len(self.param_groups)}")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{where}: group {i} of the state dict has "
                                 f"{len(s['params'])} parameters, this optimizer's has "
                                 f"{len(g['params'])}")
        id_map = {k: p for g, s in zip(self.param_groups, saved_groups)
                  for k, p in zip(s["params"], g["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key not in id_map:
                state[key] = value  # not ours: kept as is, as PyTorch does
                continue
            p = id_map[key]
            state[p] = {name: self._load_value(p, key, name, v) for name, v in value.items()}
        groups = []
        for g, s in zip(self.param_groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            groups.append(s)
        self.state = state
        self.param_groups = groups

    def _load_value(self, p: Tensor, index: Any, name: str, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and name in _SCALAR_STATE:
            return _scalar_state(value)  # an old-style Python number
        if isinstance(value, (Tensor, np.ndarray)):
            arr = np.array(value._data if isinstance(value, Tensor) else value)  # a copy
            if name not in _SCALAR_STATE:
                if arr.shape != p._data.shape:
                    raise ValueError(
                        f"{self._name}.load_state_dict: state {name!r} of parameter {index} "
                        f"has shape {arr.shape}, but the parameter has shape {p._data.shape}")
                if arr.dtype.kind == "f":
                    arr = arr.astype(p._data.dtype, copy=False)
            return _state(arr)
        return copy.deepcopy(value)

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight * (end - start)`` in place, with PyTorch's ``lerp_`` rounding: for
    ``|weight| >= 0.5`` it computes ``end - (end - start) * (1 - weight)`` instead."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1.0 - weight)
