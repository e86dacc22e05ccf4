"""Random numbers: one seeded NumPy generator behind every random draw.

``manual_seed(n)`` reseeds it, so a script that calls it first is
reproducible run after run. A :class:`Generator` of your own keeps a stream
apart (a DataLoader's shuffling, say) and is passed as ``generator=``.
The streams are NumPy's PCG64, so the numbers differ from PyTorch's for the
same seed; the distributions are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .creation import _leaf, _size, check_device
from .tensor import Tensor

__all__ = [
    "Generator",
    "initial_seed",
    "manual_seed",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "seed",
]


class Generator:
    """A random stream of its own (``torch.Generator``'s interface, on NumPy's PCG64)."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator: every later random draw is reproducible."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def _float_dtype(dtype: Any) -> np.dtype:
    d = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"random: expected a floating-point dtype, got {d}")
    return d


def uniform_array(shape: tuple, low: float, high: float, dtype: np.dtype,
                  generator: Generator | None = None) -> np.ndarray:
    """An array of U(low, high) draws (the engine's helper for ``uniform_``)."""
    return _rng(generator).uniform(low, high, size=shape).astype(dtype, copy=False)


def normal_array(shape: tuple, mean: float, std: float, dtype: np.dtype,
                 generator: Generator | None = None) -> np.ndarray:
    """An array of N(mean, std**2) draws (the engine's helper for ``normal_``)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _rng(generator).normal(mean, std, size=shape).astype(dtype, copy=False)


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws from [0, 1)."""
    check_device(device, "rand")
    d = _float_dtype(dtype)
    return _leaf(_rng(generator).random(_size(size, "rand")).astype(d, copy=False), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws."""
    check_device(device, "randn")
    d = _float_dtype(dtype)
    return _leaf(_rng(generator).standard_normal(_size(size, "randn")).astype(d, copy=False),
                 requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    check_device(device, "rand_like")
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    check_device(device, "randn_like")
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(*args: Any, low: Any = None, high: Any = None, size: Any = None,
            generator: Generator | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: ints in [low, high), int64.

    As in PyTorch, ``low``, ``high`` and ``size`` may also be given by keyword
    (``randint(low=0, high=10, size=(3,))``).
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
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    d = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    arr = _rng(generator).integers(low, high, size=_size((size,), "randint")).astype(d, copy=False)
    return _leaf(arr, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    check_device(device, "randperm")
    d = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    return _leaf(_rng(generator).permutation(int(n)).astype(d, copy=False), requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: Generator | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std**2); ``mean``/``std`` may be tensors (broadcast) or numbers."""
    check_device(device, "normal")
    m = mean.data if isinstance(mean, Tensor) else mean
    s = std.data if isinstance(std, Tensor) else std
    if size is not None:
        shape = _size((size,), "normal")
    else:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    ref = m if isinstance(m, np.ndarray) else s if isinstance(s, np.ndarray) else None
    d = ref.dtype if ref is not None and ref.dtype.kind == "f" else dtypes.get_default_dtype()
    if dtype is not None:
        d = _float_dtype(dtype)
    arr = _rng(generator).normal(m, s, size=shape).astype(d, copy=False)
    return _leaf(arr, requires_grad)
