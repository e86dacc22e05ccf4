"""Finite differences against the engine: ``gradcheck``.

``gradcheck(func, inputs)`` computes the Jacobian of ``func`` twice and
compares the two, element by element:

* **analytically**, with the engine: one backward pass per output element,
  seeding that element's gradient with 1 and every other with 0, gives one
  row of the Jacobian (``microtensor.autograd.grad`` with a one-hot
  ``grad_outputs``);
* **numerically**, with central differences: nudging one input element by
  ``±eps`` gives one column,
  ``J[:, j] ≈ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)``, whose error is
  O(eps²).

Both must agree to ``|analytic - numeric| <= atol + rtol * |numeric|``; on
failure the :class:`~microtensor.errors.GradcheckError` names the input, the
worst element and both values, so the wrong derivative can be read off. Each
backward pass is run twice and must give the same gradient (to
``nondet_tol``): a backward that depends on hidden state is caught too.

``fast_mode=True`` checks one random direction instead of the whole Jacobian:
for random ``u`` (shaped like the output) and ``v`` (like the input), the
numerical ``<u, J v>`` (one central difference along ``v``) must equal
``<Jᵀ u, v>`` (one backward pass seeded with ``u``). A wrong derivative
almost surely changes that number, at the cost of two forward passes and one
backward per input instead of one per element, so large inputs stay cheap;
the full check then finds the element.

**Why float64.** A central difference has two errors: truncation,
O(eps²), and rounding, about ``ulp(f) / eps``. With ``eps = 1e-6`` in
float64 (``ulp(1) ≈ 2e-16``) the rounding error is ~1e-10, far below
``atol``. In float32 (``ulp(1) ≈ 1.2e-7``) ``x + 1e-6`` is only a few
representable numbers away from ``x`` and the rounding error is ~10 % of
the derivative: the numerical Jacobian is noise, and the check would pass or
fail by chance. So check in float64 (``x.double()``); a float32 input gets a
``UserWarning``.

Names, defaults and meaning follow ``torch.autograd.gradcheck``. Not
supported: complex inputs, forward-mode AD.

``gradgradcheck(func, inputs, grad_outputs)`` checks second derivatives the way
PyTorch's does: it runs ``gradcheck`` on the function that maps ``(inputs,
grad_outputs)`` to the gradients ``grad(func(*inputs), inputs, grad_outputs,
create_graph=True)``, so the backward pass itself is differentiated by the engine
and compared with finite differences of the (first-order) gradients.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import enable_grad, grad, no_grad
from .errors import GradcheckError
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

# The seed of fast mode's random directions: a failure must reproduce run after run.
_FAST_MODE_SEED = 0


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    nondet_tol: float = 0.0,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Args:
        func: called as ``func(*inputs)``; returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments. The floating Tensors with
            ``requires_grad=True`` are checked; anything else (other tensors,
            numbers, ``dim`` arguments ...) is passed through unchanged.
        eps: the finite-difference step.
        atol, rtol: an entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: on failure raise :class:`GradcheckError` (default) or return False.
        fast_mode: check one random direction ``<u, J v>`` instead of every Jacobian entry.
        nondet_tol: how far two backward passes with the same seed gradient may differ
            (0: they must agree exactly).

    Returns:
        True when every checked Jacobian matches (False on a mismatch if
        ``raise_exception=False``).

    Raises:
        GradcheckError: a Jacobian mismatch (or a gradient of the wrong shape, or a
            non-reentrant backward), when ``raise_exception`` is True.
        ValueError: no input is a floating Tensor that requires grad.

    Example:
        >>> x = microtensor.randn(2, 3, dtype=microtensor.float64, requires_grad=True)
        >>> gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    args, checked = _args_and_checked(inputs)
    if not checked:
        raise ValueError(
            "gradcheck: no input is a floating Tensor with requires_grad=True, so there is "
            "nothing to check; create the inputs with requires_grad=True (in float64)"
        )
    for i in checked:
        if args[i]._data.dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} has dtype {args[i]._data.dtype}, not float64: finite "
                f"differences with eps {eps} drown in its rounding error, so the check may "
                "fail (or pass) by chance; pass .double() inputs",
                UserWarning,
                stacklevel=2,
            )
    check = _Check(func, args, checked, eps, atol, rtol, nondet_tol)
    try:
        if fast_mode:
            check.fast()
        else:
            check.full()
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    nondet_tol: float = 0.0,
    gen_non_contig_grad_outputs: bool = False,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    masked: bool = False,
) -> bool:
    """Check the second derivatives of ``func`` at ``inputs`` against finite differences.

    As ``torch.autograd.gradgradcheck``: the gradients of ``func``'s outputs with respect
    to its inputs that require grad, weighted by ``grad_outputs`` (random float64 tensors
    that require grad when ``None``), are computed with ``create_graph=True`` and checked
    with :func:`gradcheck`, both as functions of the inputs and of ``grad_outputs``.

    Args:
        func, inputs, eps, atol, rtol, raise_exception, fast_mode, nondet_tol: as in
            :func:`gradcheck`.
        grad_outputs: one tensor per output of ``func`` (or ``None``).
        gen_non_contig_grad_outputs, check_undefined_grad, check_grad_dtypes,
        check_batched_grad, check_fwd_over_rev, check_rev_over_rev, masked: PyTorch's
            options, accepted for compatibility; microtensor has one layout, no forward
            mode and no batched gradients, so they change nothing.

    Returns:
        True when the second derivatives match (False on a mismatch if
        ``raise_exception=False``).
    """
    args, diff = _args_and_checked(inputs)
    with enable_grad():
        outs = _as_tuple(func(*args))
    if grad_outputs is None:
        rng = np.random.default_rng(_FAST_MODE_SEED)
        grad_outputs = tuple(
            Tensor._make(rng.standard_normal(o._data.shape), True, None) for o in outs
            if o.requires_grad)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(args)

    def first_derivatives(*all_args: Any) -> tuple:
        xs, vs = all_args[:n], all_args[n:]
        with enable_grad():
            ys = [y for y in _as_tuple(func(*xs)) if y.requires_grad]
            gs = grad(ys, [xs[i] for i in diff], grad_outputs=list(vs),
                      create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    first_derivatives.__qualname__ = f"gradient of {_func_name(func)}"
    return gradcheck(first_derivatives, args + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode,
                     nondet_tol=nondet_tol)


def _as_tuple(x: Any) -> tuple:
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _args_and_checked(inputs: Any) -> tuple[tuple, list[int]]:
    """The arguments, and the positions of those checked: floating Tensors that require grad."""
    args = _as_tuple(inputs)
    return args, [i for i, a in enumerate(args)
                  if isinstance(a, Tensor) and a.requires_grad and a._data.dtype.kind == "f"]


class _Check:
    """One gradcheck run: the function, its arguments, and the two ways to differentiate it."""

    def __init__(self, func: Callable, args: tuple, checked: list[int], eps: float,
                 atol: float, rtol: float, nondet_tol: float) -> None:
        self.func, self.args, self.checked = func, args, checked
        self.eps, self.atol, self.rtol, self.nondet_tol = eps, atol, rtol, nondet_tol
        self.name = _func_name(func)
        with enable_grad():
            self.outs = self._call(args)
        # Float outputs get a numerical Jacobian; those that also carry a graph get an
        # analytic one. A float output without a graph must then not depend on the inputs.
        self.float_outs = [k for k, o in enumerate(self.outs) if o._data.dtype.kind == "f"]
        self.diff_outs = [k for k in self.float_outs if self.outs[k].requires_grad]
        self.many = len(self.outs) > 1

    # ------------------------------------------------------------------ running func

    def _call(self, args: tuple) -> tuple[Tensor, ...]:
        out = self.func(*args)
        outs = (out,) if isinstance(out, Tensor) else out
        if not isinstance(outs, tuple) or not all(isinstance(o, Tensor) for o in outs):
            kinds = (type(out).__name__ if not isinstance(out, (tuple, list))
                     else f"{type(out).__name__} of " + ", ".join(type(o).__name__ for o in out))
            raise TypeError(f"gradcheck: {self.name} must return a Tensor or a tuple of "
                            f"Tensors, got {kinds}")
        return outs

    def _perturbed_outputs(self, args: list) -> list[np.ndarray]:
        """Float outputs of ``func(*args)`` as float64 copies (an output may alias an input)."""
        with no_grad():
            outs = self._call(tuple(args))
        if len(outs) != len(self.outs):
            raise GradcheckError(f"gradcheck: {self.name} returned {len(self.outs)} outputs, "
                                 f"then {len(outs)} for a perturbed input")
        result = []
        for k in self.float_outs:
            a = outs[k]._data
            if a.shape != self.outs[k]._data.shape:
                raise GradcheckError(
                    f"gradcheck: output {k} of {self.name} has shape {self.outs[k]._data.shape}, "
                    f"but shape {a.shape} for a perturbed input"
                )
            result.append(np.array(a, dtype=np.float64))
        return result

    def _copies(self) -> list:
        """The arguments, with each checked tensor replaced by a private copy to perturb."""
        copies = list(self.args)
        for i in self.checked:
            copies[i] = Tensor._make(self.args[i]._data.copy(), True, None)
        return copies

    def _backward(self, outs: list[int], seeds: list[np.ndarray]) -> list[np.ndarray]:
        """Gradients of ``sum_k <seeds[k], outs[k]>`` for each checked input (0 if unused)."""
        ins = [self.args[i] for i in self.checked]
        gs = grad([self.outs[k] for k in outs], ins, grad_outputs=seeds,
                  retain_graph=True, allow_unused=True)
        result = []
        for i, x, g in zip(self.checked, ins, gs):
            if g is None:
                result.append(np.zeros(x._data.shape))
                continue
            if g._data.shape != x._data.shape or g._data.dtype != x._data.dtype:
                raise GradcheckError(
                    f"gradcheck: the gradient computed for input {i} of {self.name} has shape "
                    f"{g._data.shape} and dtype {g._data.dtype}, but the input has shape "
                    f"{x._data.shape} and dtype {x._data.dtype}"
                )
            result.append(np.array(g._data, dtype=np.float64))
        return result

    def _reentrant_backward(self, outs: list[int], seeds: list[np.ndarray]) -> list[np.ndarray]:
        """:meth:`_backward` twice: the two results must agree to ``nondet_tol``."""
        first = self._backward(outs, seeds)
        second = self._backward(outs, seeds)
        for i, a, b in zip(self.checked, first, second):
            if a.size and not np.max(np.abs(a - b)) <= self.nondet_tol:
                raise GradcheckError(
                    f"gradcheck: backward of {self.name} is not reentrant: two backward passes "
                    f"with the same output gradient gave input {i} gradients that differ by up "
                    f"to {_num(np.max(np.abs(a - b)))} (nondet_tol {self.nondet_tol})"
                )
        return first

    # ------------------------------------------------------------------ the full check

    def full(self) -> None:
        """Every Jacobian entry, analytic against numerical."""
        analytic = self._analytic_jacobians()
        numeric = self._numerical_jacobians()
        for i in self.checked:
            for k in self.float_outs:
                n = numeric[i, k]
                a = analytic.get((i, k), np.zeros_like(n))
                self._compare_entries(i, k, a, n)

    def _analytic_jacobians(self) -> dict[tuple[int, int], np.ndarray]:
        """``J[i, k]`` of shape (output k's size, input i's size), one backward per row."""
        jac = {}
        for k in self.diff_outs:
            out = self.outs[k]._data
            rows = {i: np.zeros((out.size, self.args[i]._data.size)) for i in self.checked}
            for e in range(out.size):
                seed = np.zeros_like(out)
                seed.flat[e] = 1
                for i, g in zip(self.checked, self._reentrant_backward([k], [seed])):
                    rows[i][e] = g.ravel()
            for i in self.checked:
                jac[i, k] = rows[i]
        return jac

    def _numerical_jacobians(self) -> dict[tuple[int, int], np.ndarray]:
        """``J[i, k]`` by central differences, one pair of forward passes per column."""
        jac = {}
        copies = self._copies()
        for i in self.checked:
            x = copies[i]._data
            cols = {k: np.zeros((self.outs[k]._data.size, x.size)) for k in self.float_outs}
            for j in range(x.size):
                orig = x.flat[j]
                x.flat[j] = orig - self.eps
                lo = self._perturbed_outputs(copies)
                x.flat[j] = orig + self.eps
                hi = self._perturbed_outputs(copies)
                x.flat[j] = orig
                for k, h, l in zip(self.float_outs, hi, lo):
                    cols[k][:, j] = (h - l).ravel() / (2 * self.eps)
            for k in self.float_outs:
                jac[i, k] = cols[k]
        return jac

    def _compare_entries(self, i: int, k: int, a: np.ndarray, n: np.ndarray) -> None:
        diff = np.abs(a - n)
        tol = self.atol + self.rtol * np.abs(n)
        bad = ~(diff <= tol)  # written this way round so that NaN fails
        if not bad.any():
            return
        excess = np.where(np.isnan(diff), np.inf, diff - tol)
        e, j = np.unravel_index(int(np.argmax(np.where(bad, excess, -np.inf))), a.shape)
        x, out = self.args[i]._data, self.outs[k]._data
        where = (f"d {self._out_name(k)}{_index(e, out.shape)} / d in{_index(j, x.shape)}")
        msg = (
            f"gradcheck: Jacobian mismatch for input {i} (shape {x.shape}) of {self.name}: "
            f"{where} is {_num(a[e, j], n[e, j])} analytically but "
            f"{_num(n[e, j], a[e, j])} numerically (|diff| {_num(diff[e, j])} > atol "
            f"{self.atol} + rtol {self.rtol} * |numeric|)"
        )
        if bad.sum() > 1:
            msg += f"; {int(bad.sum())} of {bad.size} entries of this Jacobian differ"
        if k not in self.diff_outs:
            msg += (f"; output {k} does not require grad, so its analytic Jacobian is 0: an op "
                    "on the way dropped the graph (detach, .data, no_grad, a NumPy round trip?)")
        raise GradcheckError(msg)

    def _out_name(self, k: int) -> str:
        return f"out[{k}]" if self.many else "out"

    # ------------------------------------------------------------------ fast mode

    def fast(self) -> None:
        """One random direction per input: ``<u, J v>`` numerically against ``<Jᵀ u, v>``."""
        rng = np.random.default_rng(_FAST_MODE_SEED)
        us = {k: _unit(rng, self.outs[k]._data.shape) for k in self.float_outs}
        vs = {i: _unit(rng, self.args[i]._data.shape) for i in self.checked}
        if self.diff_outs:
            seeds = [us[k].astype(self.outs[k]._data.dtype) for k in self.diff_outs]
            vjps = self._reentrant_backward(self.diff_outs, seeds)
        else:
            vjps = [np.zeros(self.args[i]._data.shape) for i in self.checked]
        sum_u = sum(float(u.sum()) for u in us.values())
        copies = self._copies()
        for i, vjp in zip(self.checked, vjps):
            x = copies[i]._data
            orig = x.copy()
            x[...] = orig - self.eps * vs[i]
            lo = self._perturbed_outputs(copies)
            x[...] = orig + self.eps * vs[i]
            hi = self._perturbed_outputs(copies)
            x[...] = orig
            numeric = sum(float(np.sum(us[k] * (h - l))) / (2 * self.eps)
                          for k, h, l in zip(self.float_outs, hi, lo))
            analytic = float(np.sum(vjp * vs[i]))
            # Each of the J's entries may be off by atol; u and v weigh and sum them.
            atol = self.atol * sum_u * float(vs[i].sum())
            diff = abs(analytic - numeric)
            if not diff <= atol + self.rtol * abs(numeric):
                raise GradcheckError(
                    f"gradcheck (fast mode): Jacobian mismatch for input {i} (shape "
                    f"{self.args[i]._data.shape}) of {self.name}: along random directions u "
                    f"(output) and v (input), <u, J v> is {_num(numeric, analytic)} "
                    f"numerically but <Jᵀ u, v> is {_num(analytic, numeric)} analytically "
                    f"(|diff| {_num(diff)} > atol {self.atol} * sum(u) * sum(v) = {_num(atol)}"
                    f" + rtol {self.rtol} * |numeric|); run with fast_mode=False to find the "
                    "element"
                )


# --------------------------------------------------------------------------- helpers


def _unit(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A random non-negative vector of norm 1 (as PyTorch's fast mode draws them)."""
    v = rng.random(shape)
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def _func_name(func: Callable) -> str:
    """``Cube.apply``, ``f``, ``<lambda>``: the qualified name without its ``<locals>`` path."""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    return name.rsplit("<locals>.", 1)[-1] if isinstance(name, str) else repr(func)


def _index(flat: int, shape: tuple[int, ...]) -> str:
    """``[1, 2]`` for element 1*shape[1]+2 of a 2-D array; nothing for a 0-d one."""
    if not shape:
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]"


def _num(x: float, other: float | None = None) -> str:
    """A short form of ``x``: 6 significant digits, more when ``other`` would print the same."""
    x = float(x)
    short = repr(float(f"{x:.6g}"))
    if other is not None and short == repr(float(f"{float(other):.6g}")) and x != other:
        return repr(x)
    return short
