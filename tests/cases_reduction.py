"""Op-table rows for ``microtensor/ops/reduction.py``, ``moments.py`` and ``extrema.py``
(see ``optable.OpCase``).

Shared by the rows of ``cases_scan.py``, ``cases_sorting.py`` and ``cases_statistics.py``:
the dim strategies and ``_tied``.

``params`` draw a valid ``dim`` for the drawn shape (``None``, an int, negative ones
included, or a tuple) and ``keepdim``. ``avoid`` rejects draws where the derivative does
not exist: ties for max/min/amax/amin and ``norm(p=±inf)`` (the even split among ties is
tested explicitly in ``test_reduction_shape.py``), |x| near 0 for the norms, a standard
deviation near 0, and N - correction <= 0 (where var/std are inf or nan, as in PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable

import hypothesis.strategies as st
import numpy as np
from optable import OpCase, broadcastable, unary

from microtensor.ops import extrema as ext
from microtensor.ops import moments as mom
from microtensor.ops import reduction as red

# A draw closer than this to a kink or a tie is rejected: far beyond gradcheck's eps (1e-6).
KINK = 1e-3


# ----------------------------------------------------------------- drawing dims


def _axis(dim, ndim):
    """``dim`` as NumPy's ``axis`` (None or every-dim tuple means all; 0-d has no axes)."""
    if ndim == 0:
        return ()
    if dim is None or dim == ():
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(d % ndim for d in dim)
    return dim % ndim


def _one_dim(shape: tuple) -> st.SearchStrategy:
    n = len(shape)
    return st.integers(-n, n - 1) if n else st.sampled_from([0, -1])


def _dims(shape: tuple) -> st.SearchStrategy:
    """None, one int (possibly negative) or a tuple of distinct dims (possibly negative)."""
    n = len(shape)
    options = [st.none(), _one_dim(shape)]
    if n:
        options.append(
            st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).flatmap(
                lambda ds: st.tuples(*[st.sampled_from([d, d - n]) for d in ds])
            )
        )
    return st.one_of(options)


def _reduce(dims: Callable = _dims, **extra: st.SearchStrategy) -> Callable:
    """params: ``dim`` from ``dims(shape)``, ``keepdim``, and any fixed extra strategies."""
    return lambda shapes: st.fixed_dictionaries(
        {"dim": dims(shapes[0]), "keepdim": st.booleans(), **extra}
    )


def _count(shape: tuple, dim) -> int:
    axis = _axis(dim, len(shape))
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


# ----------------------------------------------------------------- references, kinks


def _np(fn):
    """A NumPy reduction called with microtensor's ``dim``/``keepdim``."""
    return lambda a, dim=None, keepdim=False, **kw: fn(a, axis=_axis(dim, a.ndim),
                                                        keepdims=keepdim, **kw)


def _tied(a, dim=None, largest=True, **_):
    """True when the top two values of a reduced slice are within KINK (a tie)."""
    axis = _axis(dim, a.ndim)
    if a.ndim == 0:
        return False
    axes = tuple(range(a.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    rest = [d for d in range(a.ndim) if d not in axes]
    flat = np.transpose(a, rest + list(axes)).reshape(
        [a.shape[d] for d in rest] + [-1])
    if flat.shape[-1] < 2:
        return False
    s = np.sort(flat if largest else -flat, axis=-1)
    return bool(np.any(s[..., -1] - s[..., -2] < KINK))


def _var_ref(a, dim=None, keepdim=False, correction=1):
    return np.var(a, axis=_axis(dim, a.ndim), ddof=correction, keepdims=keepdim)


def _std_ref(a, dim=None, keepdim=False, correction=1):
    return np.sqrt(_var_ref(a, dim, keepdim, correction))


def _var_avoid(a, dim=None, keepdim=False, correction=1):
    return _count(a.shape, dim) - correction <= 0


def _std_avoid(a, dim=None, keepdim=False, correction=1):
    if _var_avoid(a, dim, keepdim, correction):
        return True
    return bool(np.any(_var_ref(a, dim, True, correction) < KINK))  # sqrt's kink at 0


def _logsumexp_ref(a, dim, keepdim=False):
    axis = _axis(dim, a.ndim)
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=axis)


def _norm_ref(a, p="fro", dim=None, keepdim=False):
    r = _np(np.sum)
    if p in ("fro", 2):
        return np.sqrt(r(a * a, dim, keepdim))
    if p == np.inf:
        return _np(np.max)(np.abs(a), dim, keepdim)
    if p == -np.inf:
        return _np(np.min)(np.abs(a), dim, keepdim)
    if p == 0:
        return r((a != 0).astype(a.dtype), dim, keepdim)
    return r(np.abs(a) ** p, dim, keepdim) ** (1 / p)


def _norm_avoid(a, p="fro", dim=None, keepdim=False):
    # |x| has a kink at 0 (p = 1) and the p < 1 norms blow up there; ±inf ties are kinks.
    if np.any(np.abs(a) < 0.05):
        return True
    if p in (np.inf, -np.inf):
        return _tied(np.abs(a), dim, largest=p > 0)
    return False


def _with_indices(fn, ref):
    """A forward-only row comparing a (values, indices) namedtuple with NumPy."""
    return (lambda a, dim, keepdim: tuple(fn(a, dim, keepdim)),
            lambda a, dim, keepdim: (ref[0](a, dim, keepdim), ref[1](a, dim, keepdim)))


def _arg_ref(fn):
    def ref(a, dim=None, keepdim=False):
        if dim is None:
            out = np.asarray(fn(a))
            return out.reshape((1,) * a.ndim) if keepdim else out
        if a.ndim == 0:
            return np.asarray(0)
        return fn(a, axis=dim, keepdims=keepdim)
    return ref


def _nullable_int(shapes):
    return st.fixed_dictionaries({"dim": st.none() | _one_dim(shapes[0]),
                                  "keepdim": st.booleans()})


_max_dim = _with_indices(ext.max, (_np(np.max), _arg_ref(np.argmax)))
_min_dim = _with_indices(ext.min, (_np(np.min), _arg_ref(np.argmin)))

CASES: list[OpCase] = [
    OpCase("sum", red.sum, _np(np.sum), unary(), (red.Sum,), params=_reduce()),
    OpCase("mean", red.mean, _np(np.mean), unary(), (red.Mean,), params=_reduce()),
    OpCase("var", mom.var, _var_ref, unary(), (mom.Var,),
           params=_reduce(correction=st.sampled_from([0, 1, 2, 0.5])), avoid=_var_avoid),
    OpCase("var(unbiased=False)", lambda a, dim, keepdim: mom.var(a, dim, False, keepdim),
           lambda a, dim, keepdim: _var_ref(a, dim, keepdim, 0), unary(), (mom.Var,),
           params=_reduce()),
    OpCase("std", mom.std, _std_ref, unary(), (mom.Std,), avoid=_std_avoid,
           params=_reduce(correction=st.sampled_from([0, 1, 2, 0.5]))),
    OpCase("max", ext.max, np.max, unary(), (ext.Max,), avoid=_tied),
    OpCase("min", ext.min, np.min, unary(), (ext.Min,), avoid=lambda a: _tied(a, largest=False)),
    OpCase("max(dim).values", lambda a, dim, keepdim: ext.max(a, dim, keepdim).values,
           _np(np.max), unary(), (ext.Max,), params=_reduce(_one_dim), avoid=_tied),
    OpCase("min(dim).values", lambda a, dim, keepdim: ext.min(a, dim, keepdim).values,
           _np(np.min), unary(), (ext.Min,), params=_reduce(_one_dim),
           avoid=lambda a, dim, keepdim: _tied(a, dim, largest=False)),
    OpCase("max(dim) (values, indices)", *_max_dim, unary(), params=_reduce(_one_dim),
           grad=False),
    OpCase("min(dim) (values, indices)", *_min_dim, unary(), params=_reduce(_one_dim),
           grad=False),
    OpCase("amax", ext.amax, _np(np.max), unary(), (ext.Amax,), params=_reduce(), avoid=_tied),
    OpCase("amin", ext.amin, _np(np.min), unary(), (ext.Amin,), params=_reduce(),
           avoid=lambda a, dim, keepdim: _tied(a, dim, largest=False)),
    OpCase("argmax", ext.argmax, _arg_ref(np.argmax), unary(), params=_nullable_int, grad=False),
    OpCase("argmin", ext.argmin, _arg_ref(np.argmin), unary(), params=_nullable_int, grad=False),
    OpCase("logsumexp", red.logsumexp, _logsumexp_ref, unary(), (red.LogSumExp,),
           params=_reduce(lambda s: _dims(s).filter(lambda d: d is not None))),
    # ±1000 would overflow a naive exp: the max-shift keeps it finite and exact.
    OpCase("logsumexp(large)", red.logsumexp, _logsumexp_ref, unary(), (red.LogSumExp,),
           low=995.0, high=1000.0,
           params=_reduce(lambda s: _dims(s).filter(lambda d: d is not None))),
    OpCase("norm", red.norm, _norm_ref, unary(), (red.Norm,), avoid=_norm_avoid,
           params=_reduce(p=st.sampled_from(["fro", 2, 1, 3, 0.5, np.inf, -np.inf]))),
    OpCase("norm(p=0)", red.norm, _norm_ref, unary(), params=_reduce(p=st.just(0)), grad=False),
    OpCase("prod", red.prod, _np(np.prod), unary(), (red.Prod,), low=-2.0, high=2.0,
           params=_reduce()),
    OpCase("nansum", red.nansum, _np(np.nansum), unary(), (red.NanSum,), params=_reduce()),
    OpCase("nanmean", red.nanmean, _np(np.nanmean), unary(), (red.NanSum,), params=_reduce()),
    OpCase("var_mean", mom.var_mean,
           lambda a, dim, keepdim, correction: (_var_ref(a, dim, keepdim, correction),
                                                _np(np.mean)(a, dim, keepdim)),
           unary(), (mom.Var, red.Mean), avoid=_var_avoid,
           params=_reduce(correction=st.sampled_from([0, 1]))),
    OpCase("std_mean", mom.std_mean,
           lambda a, dim, keepdim, correction: (_std_ref(a, dim, keepdim, correction),
                                                _np(np.mean)(a, dim, keepdim)),
           unary(), (mom.Std, red.Mean), avoid=_std_avoid,
           params=_reduce(correction=st.sampled_from([0, 1]))),
    OpCase("dist", red.dist, lambda a, b, p: _norm_ref(a - b, p), broadcastable(2), (red.Norm,),
           params=lambda shapes: st.fixed_dictionaries({"p": st.sampled_from([1, 2, 3])}),
           avoid=lambda a, b, p: _norm_avoid(a - b, p)),
    OpCase("count_nonzero", lambda a, dim: red.count_nonzero(a > 0, dim),
           lambda a, dim: np.count_nonzero(a > 0, axis=_axis(dim, a.ndim)), unary(),
           params=lambda shapes: st.fixed_dictionaries({"dim": _dims(shapes[0])}), grad=False),
    OpCase("aminmax", lambda a, dim, keepdim: tuple(ext.aminmax(a, dim=dim, keepdim=keepdim)),
           lambda a, dim, keepdim: (_np(np.min)(a, dim, keepdim), _np(np.max)(a, dim, keepdim)),
           unary(), (ext.Amin, ext.Amax), params=_nullable_int,
           avoid=lambda a, dim, keepdim: _tied(a, dim) or _tied(a, dim, largest=False)),
    OpCase("all", lambda a, dim, keepdim: red.all(a > 0, dim, keepdim),
           lambda a, dim, keepdim: _np(np.all)(a > 0, dim, keepdim), unary(), params=_reduce(),
           grad=False),
    OpCase("any", lambda a, dim, keepdim: red.any(a > 0, dim, keepdim),
           lambda a, dim, keepdim: _np(np.any)(a > 0, dim, keepdim), unary(), params=_reduce(),
           grad=False),
]
