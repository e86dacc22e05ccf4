"""Random tensors: PyTorch's CPU generator and samplers, so the same seed gives the same numbers.

``manual_seed(42)`` followed by ``rand``, ``randn``, ``randint``, ``randperm``,
``normal``, ``multinomial``, the in-place ``uniform_``/``normal_``/``random_``/
``exponential_``/``bernoulli_``, every ``nn.init`` function, the default
initialisation of the layers, Dropout masks and DataLoader shuffling gives what
PyTorch's CPU build gives after ``torch.manual_seed(42)``, bit for bit (see
docs/random.md for how, and for the few exceptions). The generator is in
:mod:`microtensor.generator`, the sampling algorithms in :mod:`microtensor.sampling`;
this module turns them into tensors with PyTorch's signatures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import dtypes
from . import sampling as _s
from .creation import _leaf, _size, check_device, finish
from .errors import DtypeError, ShapeError, ValueRangeError
from .generator import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    resolve,
    seed,
    set_rng_state,
)
from .sampling import SamplerDtypeError
from .tensor import Tensor

__all__ = [
    "Generator",
    "bernoulli",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "multinomial",
    "normal",
    "poisson",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "seed",
    "set_rng_state",
]


def _float_dtype(dtype: Any, op: str, out: Tensor | None = None) -> np.dtype:
    if dtype is None and out is not None:
        dtype = out._data.dtype
    d = dtypes._default[0] if dtype is None else dtypes.to_dtype(dtype)
    if out is not None and out._data.dtype != d:
        raise RuntimeError(f"{op}: dtype {dtypes.from_numpy_dtype(d)} does not match dtype of "
                           f"out parameter ({out.dtype})")
    if d not in (dtypes._F32, dtypes._F64):
        raise SamplerDtypeError(f"{op}: expected dtype float32 or float64, got "
                        f"{dtypes.from_numpy_dtype(d)} (float16 has no PyTorch-matching "
                        "sampler here; draw float32 and cast)")
    return d


def _check_input(x: Any, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _shape_arg(args: tuple, size: Any, op: str) -> tuple[int, ...]:
    if size is not None:
        if args:
            raise TypeError(f"{op}(): got multiple values for argument 'size'")
        args = (size,)
    return _size(args, op)


def _in_memory_order(like: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """``flat`` laid into an array shaped like ``like`` in the order PyTorch's TensorIterator
    visits ``like``'s elements: memory order (for a transposed view that is not C order)."""
    if like.ndim <= 1 or like.flags.c_contiguous:
        return flat.reshape(like.shape)
    axes = sorted(range(like.ndim), key=lambda d: -abs(like.strides[d]))
    out = np.empty(like.shape, flat.dtype)
    out.transpose(axes)[...] = flat.reshape([like.shape[d] for d in axes])
    return out


# ---------------------------------------------------------------- in-place samplers' values
# Tensor.uniform_ & co. write these arrays (shaped and ordered like ``like``) in place.


def uniform_values(like: np.ndarray, a: float, b: float,
                   generator: Generator | None = None) -> np.ndarray:
    """The values ``uniform_(a, b)`` writes into ``like``."""
    if not a <= b:
        raise ValueRangeError(f"uniform_: expects to return a [from, to) range, but found "
                         f"from={a} > to={b}")
    flat = _s.uniform(resolve(generator), like.size, a, b, like.dtype)
    return _in_memory_order(like, flat)


def normal_values(like: np.ndarray, mean: float, std: float,
                  generator: Generator | None = None) -> np.ndarray:
    """The values ``normal_(mean, std)`` writes into ``like``."""
    if std < 0:
        raise ValueRangeError(f"normal_: expects std >= 0.0, but found std {std}")
    flat = _s.normal(resolve(generator), like.size, mean, std, like.dtype,
                     contiguous=like.flags.c_contiguous)
    return _in_memory_order(like, flat)


def random_values(like: np.ndarray, low: int | None = None, high: int | None = None,
                  generator: Generator | None = None) -> np.ndarray:
    """The values ``random_()``, ``random_(high)`` or ``random_(low, high)`` write."""
    gen = resolve(generator)
    if low is None and high is None:
        flat = _s.random_full(gen, like.size, like.dtype)
    else:
        lo, hi = (0, low) if high is None else (low, high)
        if not lo < hi:
            raise ValueRangeError(f"random_: expects 'from' to be less than 'to', but got "
                             f"from={lo} >= to={hi}")
        flat = _s.random_from_to(gen, like.size, int(lo), int(hi)).astype(like.dtype)
    return _in_memory_order(like, flat)


def exponential_values(like: np.ndarray, lambd: float = 1.0,
                       generator: Generator | None = None) -> np.ndarray:
    """The values ``exponential_(lambd)`` writes."""
    if not lambd > 0:
        raise ValueRangeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    if like.dtype.kind != "f":
        raise DtypeError("exponential_: the exponential distribution is a continuous "
                         f"probability distribution; dtype must be a floating point but you "
                         f"specified {dtypes.from_numpy_dtype(like.dtype)}")
    flat = _s.exponential(resolve(generator), like.size, lambd).astype(like.dtype)
    return _in_memory_order(like, flat)


def geometric_values(like: np.ndarray, p: float,
                     generator: Generator | None = None) -> np.ndarray:
    """The values ``geometric_(p)`` writes: trials until the first success, 1, 2, ..."""
    p = float(p)
    if not 0 < p < 1:
        raise ValueRangeError(f"geometric_: expects p to be in (0, 1), but got p={p}")
    flat = _s.geometric(resolve(generator), like.size, p).astype(like.dtype)
    return _in_memory_order(like, flat)


def log_normal_values(like: np.ndarray, mean: float = 1.0, std: float = 2.0,
                      generator: Generator | None = None) -> np.ndarray:
    """The values ``log_normal_(mean, std)`` writes: ``exp`` of N(mean, std²) draws."""
    if not std > 0:
        raise ValueRangeError(f"log_normal_: expects std > 0.0, but found std={std}")
    _floating_only(like, "log_normal_")
    flat = _s.log_normal(resolve(generator), like.size, float(mean), float(std))
    return _in_memory_order(like, flat.astype(like.dtype))


def cauchy_values(like: np.ndarray, median: float = 0.0, sigma: float = 1.0,
                  generator: Generator | None = None) -> np.ndarray:
    """The values ``cauchy_(median, sigma)`` writes."""
    if not sigma > 0:
        raise ValueRangeError(f"cauchy_: expects sigma > 0.0, but found sigma={sigma}")
    _floating_only(like, "cauchy_")
    flat = _s.cauchy(resolve(generator), like.size, float(median), float(sigma))
    return _in_memory_order(like, flat.astype(like.dtype))


def _floating_only(like: np.ndarray, op: str) -> None:
    if like.dtype.kind != "f":
        raise SamplerDtypeError(f"{op}: expected a floating-point tensor, got dtype "
                        f"{dtypes.from_numpy_dtype(like.dtype)}")


def bernoulli_values(like: np.ndarray, p: Any = 0.5,
                     generator: Generator | None = None) -> np.ndarray:
    """The values ``bernoulli_(p)`` writes (1 with probability ``p``): ``p`` a float, or a
    tensor of probabilities broadcast to ``like``'s shape.

    With a float ``p``, PyTorch's CPU build takes this path on every CPU but Intel's,
    where it calls MKL's own Bernoulli generator (a different stream); see docs/random.md.
    """
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, like.shape)
        if probs.size and ((probs < 0) | (probs > 1)).any():
            raise ValueRangeError("bernoulli_: expected all probabilities in [0, 1]")
        # 53-bit uniforms for float64 probabilities, 24-bit ones otherwise.
        unit = _s.unit_float64 if probs.dtype == dtypes.float64 else _s.unit_float32
        u = _in_memory_order(like, unit(resolve(generator), like.size))
        return (u < probs).astype(like.dtype)
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueRangeError(f"bernoulli_: expected p in [0, 1], got {p}")
    flat = _s.bernoulli(resolve(generator), like.size, p).astype(like.dtype)
    return _in_memory_order(like, flat)


def dropout_keep(shape: tuple[int, ...], p: float) -> np.ndarray:
    """Dropout's keep-mask from the global generator, as PyTorch's CPU dropout draws it:
    ``empty_like(input).bernoulli_(1 - p)``."""
    n = int(np.prod(shape))
    return _s.bernoulli(default_generator, n, 1.0 - p).reshape(shape)


# ---------------------------------------------------------------- factories


def rand(*args: Any, size: Any = None, generator: Generator | None = None,
         out: Tensor | None = None, dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform draws from [0, 1): ``empty(size).uniform_()``."""
    check_device(device, "rand")
    shape, d = _shape_arg(args, size, "rand"), _float_dtype(dtype, "rand", out)
    flat = _s.uniform(resolve(generator), int(np.prod(shape)), 0.0, 1.0, d)
    return finish(flat.reshape(shape), requires_grad, out, "rand")


def randn(*args: Any, size: Any = None, generator: Generator | None = None,
          out: Tensor | None = None, dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal draws: ``empty(size).normal_()``."""
    check_device(device, "randn")
    shape, d = _shape_arg(args, size, "randn"), _float_dtype(dtype, "randn", out)
    flat = _s.normal(resolve(generator), int(np.prod(shape)), 0.0, 1.0, d)
    return finish(flat.reshape(shape), requires_grad, out, "randn")


def rand_like(input: Tensor, *, generator: Generator | None = None,  # noqa: A002
              dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """:func:`rand` with ``input``'s shape (and dtype, unless given)."""
    check_device(device, "rand_like")
    _check_input(input, "rand_like")
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None,  # noqa: A002
               dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """:func:`randn` with ``input``'s shape (and dtype, unless given)."""
    check_device(device, "randn_like")
    _check_input(input, "randn_like")
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype,
                 requires_grad=requires_grad)


def randint(*args: Any, low: Any = None, high: Any = None, size: Any = None,
            generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: ints in [low, high), int64.

    Each draw is ``low + r % (high - low)``, ``r`` a 32-bit draw (a 64-bit one when the
    range is 2**32 or more), as PyTorch. ``low``, ``high`` and ``size`` may also be given
    by keyword (``randint(low=0, high=10, size=(3,))``).
    """
    check_device(device, "randint")
    pos = list(args)
    if size is None and pos and isinstance(pos[-1], (tuple, list)):
        size = pos.pop()
    if size is None:
        raise TypeError("randint: expected randint(low=0, high, size), with size a tuple")
    if high is None and low is None and len(pos) in (1, 2):
        low, high = (0, pos[0]) if len(pos) == 1 else pos
    elif high is None and low is not None and len(pos) == 1:
        high = pos[0]
    elif high is not None and len(pos) <= (0 if low is not None else 1):
        low = pos[0] if pos else (0 if low is None else low)
    else:
        raise TypeError("randint: expected randint(low=0, high, size)")
    low, high = int(low), int(high)
    if high <= low:
        raise ValueRangeError(f"randint: expected low < high, got low={low}, high={high}")
    shape = _size((size,), "randint")
    d = _int_dtype(dtype, out, "randint")
    flat = _s.random_from_to(resolve(generator), int(np.prod(shape)), low, high)
    return finish(flat.reshape(shape).astype(d, copy=False), requires_grad, out, "randint")


def _int_dtype(dtype: Any, out: Tensor | None, op: str) -> np.dtype:
    if dtype is None:
        return dtypes._I64 if out is None else out._data.dtype
    d = dtypes.to_dtype(dtype)
    if out is not None and out._data.dtype != d:
        raise RuntimeError(f"{op}: dtype {dtypes.from_numpy_dtype(d)} does not match dtype of "
                           f"out parameter ({out.dtype})")
    return d


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 generator: Generator | None = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    check_device(device, "randint_like")
    _check_input(input, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=dtype or input.dtype, requires_grad=requires_grad)


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None,
             dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64), by PyTorch's Fisher–Yates."""
    check_device(device, "randperm")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise ValueRangeError(f"randperm: n must be non-negative, got {n}")
    d = _int_dtype(dtype, out, "randperm")
    return finish(_s.randperm(resolve(generator), int(n)).astype(d, copy=False), requires_grad,
                  out, "randperm")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None,
           layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std²), PyTorch's four overloads:

    * ``normal(mean: float, std: float, size)``: ``empty(size).normal_(mean, std)``;
    * ``normal(mean: Tensor, std: float)``: ``normal_(0, std)`` then ``+ mean``;
    * ``normal(mean: float | Tensor, std: Tensor)``: ``normal_(0, 1) * std + mean``,
      shaped as ``mean`` and ``std`` broadcast.
    """
    check_device(device, "normal")
    gen = resolve(generator)
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_t and not s_t:
        if size is None:
            raise TypeError("normal: with float mean and std, size is required")
        shape, d = _size((size,), "normal"), _float_dtype(dtype, "normal", out)
        if std < 0:
            raise ValueRangeError(f"normal: expects std >= 0.0, but found std {std}")
        flat = _s.normal(gen, int(np.prod(shape)), float(mean), float(std), d)
        return finish(flat.reshape(shape), requires_grad, out, "normal")
    m = mean._data if m_t else mean
    s = std._data if s_t else std
    ref = m if m_t else s
    d = ref.dtype if dtype is None else _float_dtype(dtype, "normal")
    if d.kind != "f":
        raise TypeError(f"normal: expected a floating-point mean/std, got dtype {d}")
    if s_t and s.size and (s < 0).any():
        raise ValueRangeError("normal: expects all elements of std >= 0.0")
    if not s_t and s < 0:
        raise ValueRangeError(f"normal: expects std >= 0.0, but found std {s}")
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        raise ShapeError(f"normal: the shapes of mean {tuple(np.shape(m))} and std "
                         f"{tuple(np.shape(s))} do not broadcast") from None
    n = int(np.prod(shape))
    if not s_t:  # Tensor mean, float std
        z = _s.normal(gen, n, 0.0, float(s), d).reshape(shape)
        res = z + np.asarray(m, d)
    else:
        z = _s.normal(gen, n, 0.0, 1.0, d).reshape(shape)
        res = z * np.asarray(s, d) + np.asarray(m, d)
    return finish(res.astype(d, copy=False), requires_grad, out, "normal")


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """0/1 draws: ``bernoulli(probs)`` uses each element of ``input`` as its probability;
    ``bernoulli(input, p)`` uses the float ``p`` for all (``input`` gives the shape)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    like = np.empty(input.shape, input._data.dtype)
    return finish(bernoulli_values(like, input if p is None else p, generator), False, out,
                  "bernoulli")


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """One Poisson draw per element of ``input`` (the rates), in ``input``'s dtype, by
    PyTorch's CPU sampler (so the same seed gives the same counts)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    rates = input._data
    if rates.dtype.kind != "f":
        raise SamplerDtypeError(f"poisson: expected a floating-point tensor of rates, got dtype "
                        f"{input.dtype}")
    if rates.size and not (rates >= 0).all():
        raise ValueRangeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    flat = _s.poisson(resolve(generator), np.ascontiguousarray(rates).reshape(-1))
    return _leaf(flat.reshape(rates.shape).astype(rates.dtype), False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Category indices drawn from the weights in the last dimension of ``input`` (1-D or
    2-D), with or without replacement, by PyTorch's CPU algorithms (see
    :func:`microtensor.sampling.multinomial`)."""
    w = input._data
    if w.ndim not in (1, 2) or w.dtype.kind != "f":
        raise ValueRangeError(f"multinomial: expected a 1-D or 2-D floating-point tensor of "
                         f"weights, got shape {w.shape} and dtype {w.dtype}")
    k = w.shape[-1]
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
        raise ValueRangeError(f"multinomial: num_samples must be a positive int, got "
                              f"{num_samples!r}")
    rows = w.reshape(-1, k)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueRangeError("multinomial: probabilities must be finite and non-negative")
    if (rows.sum(axis=1) <= 0).any():
        raise ValueRangeError("multinomial: each row of weights must have a positive sum")
    if not replacement and num_samples > k:
        raise ValueRangeError(f"multinomial: cannot sample n_sample={num_samples} > "
                         f"prob_dist.size(-1)={k} samples without replacement")
    if not replacement and ((rows > 0).sum(axis=1) < num_samples).any():
        raise ValueRangeError("multinomial: invalid distribution (with replacement=False, not "
                         "enough non-negative categories to sample)")
    res = _s.multinomial(resolve(generator), rows, num_samples, replacement)
    res = res.reshape(w.shape[:-1] + (num_samples,))
    return finish(res, False, out, "multinomial")


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """``with fork_rng(): ...``: the global generator's state is restored on exit, so the
    block's draws do not change what comes after (there are no CUDA generators to fork)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
