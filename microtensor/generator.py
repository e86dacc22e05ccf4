"""PyTorch's CPU random generator: a 32-bit Mersenne Twister, seeded as PyTorch seeds it.

PyTorch's ``CPUGeneratorImpl`` is mt19937 with the reference ``init_genrand``
seeding (the seed's low 32 bits) and two kinds of raw draw: ``random()``, one
32-bit output, and ``random64()``, two outputs ``hi, lo`` joined as
``hi << 32 | lo``. NumPy's ``MT19937`` with its legacy seeding is the same
engine, so every raw draw here comes from NumPy — one C loop per request,
never a Python loop per number. The generator also keeps PyTorch's one
cached normal (the second value of a scalar Box–Muller pair, see
:mod:`microtensor.sampling`), and ``get_state`` writes PyTorch's 5056-byte state
layout, so a state moves between the two libraries unchanged.
"""

from __future__ import annotations

import secrets
import struct
from typing import Any

import numpy as np

from . import dtypes
from .device import device as _device
from .errors import ValueRangeError

__all__ = ["Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed",
           "seed", "set_rng_state"]

# torch.Generator()'s seed before any manual_seed (c10::detail::default_rng_seed_val).
DEFAULT_SEED = 67280421310721
_N = 624  # words of mt19937 state
# PyTorch's CPUGeneratorImplState: the legacy THGenerator POD, then the float normal cache.
_STATE_FORMAT = "<QiiQ624QdddiI f?3x"
_STATE_SIZE = struct.calcsize(_STATE_FORMAT)
assert _STATE_SIZE == 5056


def _nondeterministic_seed() -> int:
    # As c10::detail::getNonDeterministicRandom on CPU: 53 random bits.
    return secrets.randbits(53)


class _StateTypeError(TypeError, ValueError):
    """A state that is not a uint8 tensor: PyTorch raises TypeError (microtensor raised
    ValueError before, so it is one too)."""


class Generator:
    """A random stream of its own: ``torch.Generator``'s interface and numbers.

    ``Generator().manual_seed(s)`` yields what ``torch.Generator().manual_seed(s)``
    yields, draw for draw, in every sampler of :mod:`microtensor.random`.
    """

    def __init__(self, device: Any = "cpu") -> None:
        dev = _device(device) if not isinstance(device, _device) else device
        if dev.type != "cpu":
            raise RuntimeError(f"Generator: cannot get a {dev.type} generator: microtensor "
                               f"runs on the CPU only")
        self.device = _device("cpu")
        self._bits = np.random.MT19937(0)
        self.manual_seed(DEFAULT_SEED)

    # ------------------------------------------------------------------ seeding

    def manual_seed(self, seed: int) -> Generator:
        """Seed the stream (as PyTorch: a negative seed wraps to its unsigned 64-bit value)."""
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError(f"manual_seed: seed must be within the range of a 64-bit integer "
                             f"[-2**63, 2**64), got {seed}")
        seed &= 2**64 - 1
        self._seed = seed
        self._bits._legacy_seeding(seed & 0xFFFFFFFF)
        self._fresh = True  # PyTorch records "next = 0" until the first draw
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    # ------------------------------------------------------------------ state

    def get_state(self) -> Any:
        """The whole state as a uint8 Tensor in PyTorch's byte layout (5056 bytes)."""
        st = self._bits.state["state"]
        pos = int(st["pos"])
        # PyTorch's engine: draw k reads state[next++] after --left; left == 1 means "regenerate".
        if pos == _N:
            left, nxt = 1, (0 if self._fresh else _N)
        else:
            left, nxt = _N + 1 - pos, pos
        dn, fn = self._next_double_normal, self._next_float_normal
        raw = struct.pack(_STATE_FORMAT, self._seed, left, 1, nxt, *st["key"].tolist(),
                          0.0, 0.0 if dn is None else dn, 0.0, dn is not None,
                          0, 0.0 if fn is None else fn, fn is not None)
        from .creation import _leaf  # creation imports this module's users; import late

        return _leaf(np.frombuffer(raw, dtype=np.uint8).copy(), False)

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (or from ``torch.get_rng_state()``)."""
        arr = np.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state)
        if arr.dtype != dtypes.uint8:
            raise _StateTypeError(f"set_state: the RNG state must be a uint8 tensor (a state "
                                  f"from get_state()), got dtype {arr.dtype}")
        if arr.ndim != 1 or arr.size != _STATE_SIZE:
            raise ValueRangeError(f"set_state: expected a uint8 tensor of {_STATE_SIZE} bytes "
                                  f"(a state from get_state()), got shape {arr.shape}")
        f = struct.unpack(_STATE_FORMAT, arr.tobytes())
        seed, left, _seeded, nxt = f[:4]
        key = np.array(f[4:4 + _N], dtype=np.uint64).astype(np.uint32)
        ny, n_valid, fval, f_valid = f[4 + _N + 1], f[4 + _N + 3], f[-2], f[-1]
        if not 1 <= left <= _N or not 0 <= nxt <= _N:
            raise ValueRangeError(f"set_state: the state is corrupt (left={left}, next={nxt})")
        self._seed = seed
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": key, "pos": _N if left == 1 else nxt}}
        self._fresh = left == 1 and nxt == 0
        self._next_double_normal = float(ny) if n_valid else None
        self._next_float_normal = float(fval) if f_valid else None
        return self

    # ------------------------------------------------------------------ raw draws

    def random32(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random()``: the 32-bit outputs, as uint32."""
        self._fresh = False
        # Full-range uint32 integers are the raw outputs, one each (and faster than
        # random_raw, which widens them to uint64).
        return np.random.Generator(self._bits).integers(0, 2**32, size=int(n), dtype=np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random64()``: two outputs ``hi, lo`` as ``hi<<32 | lo``."""
        self._fresh = False
        r = self._bits.random_raw(2 * int(n))
        return (r[0::2] << np.uint64(32)) | r[1::2]

    @property
    def _rng(self) -> np.random.Generator:
        # NumPy's distributions on this stream, for the few samplers PyTorch has no
        # counterpart of (the generated toy datasets); they advance the same state.
        self._fresh = False
        return np.random.Generator(self._bits)

    def __repr__(self) -> str:
        return f"<microtensor.Generator seed={self._seed}>"


default_generator = Generator()
default_generator.manual_seed(_nondeterministic_seed())


def manual_seed(seed: int) -> Generator:
    """Seed the global generator: every later random draw is reproducible, and PyTorch's."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from fresh entropy and return that seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The global generator's state, a uint8 Tensor (``torch.get_rng_state()``'s layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


def resolve(generator: Generator | None) -> Generator:
    """``generator``, or the global one; anything else is a TypeError."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a microtensor.Generator or None, got "
                        f"{type(generator).__name__}")
    return generator
