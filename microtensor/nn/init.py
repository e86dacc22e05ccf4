"""Weight initialisation, PyTorch's ``torch.nn.init``: fill a tensor in place, return it.

Every function writes into ``tensor`` under ``no_grad`` (so it works on a
Parameter that requires grad) and draws from microtensor's global generator
unless ``generator=`` is given, so ``microtensor.manual_seed(n)`` makes it
reproducible.

Which one? The aim is to keep the variance of the activations (forward) and
of the gradients (backward) about the same from layer to layer, so the signal
neither vanishes nor explodes in a deep network. With ``fan_in`` inputs and
``fan_out`` outputs per unit (for a conv kernel ``(out, in, kh, kw)``:
``fan_in = in·kh·kw``, ``fan_out = out·kh·kw``):

- tanh / sigmoid / linear: Glorot (Xavier), ``std = gain·sqrt(2/(fan_in+fan_out))``
  (uniform: ``bound = gain·sqrt(6/(fan_in+fan_out))``), a compromise between
  the forward (fan_in) and backward (fan_out) condition.
- ReLU / leaky ReLU: He (Kaiming), ``std = gain/sqrt(fan)`` with
  ``gain = sqrt(2)`` for ReLU: ReLU zeroes half of its inputs, halving the
  variance, which the factor 2 restores.
- SELU: LeCun, ``std = 1/sqrt(fan_in)`` (not in PyTorch; ``lecun_normal_``).

Zero (or any constant) init is fine for biases but not for weights: every
unit of a layer then computes the same thing and gets the same update, so
they stay identical, up to float rounding (the symmetry is never broken usefully).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import random as _random
from ..autograd import bump_version, no_grad
from ..generator import Generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d")


def _check(tensor: Any, op: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    if tensor._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {tensor.dtype}")
    return tensor


def _write(tensor: Tensor, values: Any) -> Tensor:
    # In place, outside the graph, bumping the version so a pending backward that saved
    # the old values refuses to run (as PyTorch's in-place init does).
    with no_grad():
        tensor._data[...] = values
        bump_version(tensor)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    ====================  ================================
    linear, conv*, sigmoid 1
    tanh                   5/3
    relu                   sqrt(2)
    leaky_relu             sqrt(2 / (1 + negative_slope²)), ``param`` = slope (default 0.01)
    selu                   3/4
    ====================  ================================
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # found empirically by PyTorch (pytorch/pytorch#50664)
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {', '.join(_LINEAR)}, sigmoid, tanh, relu, leaky_relu, selu")


def _fans(tensor: Tensor, op: str) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"{op}: fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions, got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)``: ``in·prod(kernel)`` and
    ``out·prod(kernel)``; a ``Linear`` weight ``(out, in)`` gives ``(in, out)``."""
    return _fans(tensor, "_calculate_fan_in_and_fan_out")


def _fan(tensor: Tensor, mode: str, op: str) -> int:
    m = mode.lower() if isinstance(mode, str) else mode
    if m not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, op)
    return fan_in if m == "fan_in" else fan_out


def _empty(tensor: Tensor, op: str) -> bool:
    if tensor._data.size == 0:
        warnings.warn(f"{op}: initializing a zero-element tensor is a no-op", stacklevel=3)
        return True
    return False


# ---------------------------------------------------------------------- plain fills


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill from U(a, b)."""
    _check(tensor, "uniform_")
    return _write(tensor, _random.uniform_values(tensor._data, a, b, generator))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill from N(mean, std²)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _write(tensor, _random.normal_values(tensor._data, mean, std, generator))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"constant_: expected a Tensor, got {type(tensor).__name__}")
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0 (right for biases; for weights it leaves every unit identical)."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape "
                         f"{getattr(tensor, 'shape', None)}")
    return _write(tensor, np.eye(*tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill from N(mean, std²) truncated to [a, b] (``a``, ``b`` are absolute values, not
    multiples of ``std``, as PyTorch): out-of-range draws are redrawn."""
    _check(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("trunc_normal_: mean is more than 2 std from [a, b]; the distribution "
                      "of values may be incorrect", stacklevel=2)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    # PyTorch 2.13's algorithm, draw for draw, so a seeded init matches torch.nn.init.
    data = tensor._data
    dt = data.dtype.type
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        # Most normal draws land in [a, b]: redraw (a whole fresh tensor each round, as
        # PyTorch) wherever the last round fell outside.
        lo, hi = dt(a), dt(b)
        out = _random.normal_values(data, mean, std, generator)
        bad = (out < lo) | (out > hi)
        while bad.any():
            out = np.where(bad, _random.normal_values(data, mean, std, generator), out)
            bad = (out < lo) | (out > hi)
        return _write(tensor, out)
    # A narrow window: propose uniformly in [a, b], accept with the density ratio.
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def rejected(x: np.ndarray) -> np.ndarray:
        z = (x - dt(mean)) / dt(std)
        log_pdf = z * z * dt(-0.5) - dt(log_peak)
        with np.errstate(divide="ignore"):  # log(0) = -inf: accepted, as in PyTorch
            return np.log(_random.uniform_values(data, 0.0, 1.0, generator)) > log_pdf

    out = _random.uniform_values(data, a, b, generator)
    pending = rejected(out)
    while pending.any():
        cand = _random.uniform_values(data, a, b, generator)
        out = np.where(pending, cand, out)
        pending = np.where(pending, rejected(cand), pending)
    return _write(tensor, out)


# ---------------------------------------------------------------------- scaled by the fans


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier uniform: U(-bound, bound), ``bound = gain·sqrt(6/(fan_in+fan_out))``
    (std ``gain·sqrt(2/(fan_in+fan_out))``). For tanh/sigmoid layers
    (``gain=calculate_gain("tanh")``)."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # PyTorch's order of operations: the same bound to the bit
    return _write(tensor, _random.uniform_values(tensor._data, -bound, bound, generator))


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier normal: N(0, std²), ``std = gain·sqrt(2/(fan_in+fan_out))``."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _write(tensor, _random.normal_values(tensor._data, 0.0, std, generator))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He/Kaiming uniform: U(-bound, bound), ``bound = gain·sqrt(3/fan)``, where
    ``gain = calculate_gain(nonlinearity, a)`` and ``fan`` is ``fan_in`` (default: keeps
    the forward variance) or ``fan_out`` (keeps the backward variance). For ReLU use
    ``nonlinearity="relu"`` (bound ``sqrt(6/fan_in)``). PyTorch's defaults
    (``a=0``, ``"leaky_relu"``) give the same gain as ``"relu"``."""
    _check(tensor, "kaiming_uniform_")
    if _empty(tensor, "kaiming_uniform_"):  # before the fan checks, as PyTorch
        return tensor
    fan = _fan(tensor, mode, "kaiming_uniform_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std  # PyTorch's order of operations: the same bound to the bit
    return _write(tensor, _random.uniform_values(tensor._data, -bound, bound, generator))


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He/Kaiming normal: N(0, std²), ``std = gain/sqrt(fan)`` (``sqrt(2/fan_in)`` for ReLU);
    arguments as :func:`kaiming_uniform_`."""
    _check(tensor, "kaiming_normal_")
    if _empty(tensor, "kaiming_normal_"):  # before the fan checks, as PyTorch
        return tensor
    fan = _fan(tensor, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _write(tensor, _random.normal_values(tensor._data, 0.0, std, generator))


def lecun_normal_(tensor: Tensor, generator: Generator | None = None) -> Tensor:
    """LeCun normal: N(0, std²), ``std = 1/sqrt(fan_in)``; the init SELU networks assume.

    Not in PyTorch (there: ``kaiming_normal_(t, nonlinearity="linear")``, which is the
    same). Keras and JAX draw ``lecun_normal`` from a *truncated* normal rescaled to this
    std; this one is a plain normal.
    """
    _check(tensor, "lecun_normal_")
    fan_in, _ = _fans(tensor, "lecun_normal_")
    return _write(tensor, _random.normal_values(tensor._data, 0.0, 1.0 / math.sqrt(fan_in),
                                                generator))


def lecun_uniform_(tensor: Tensor, generator: Generator | None = None) -> Tensor:
    """LeCun uniform: U(-bound, bound), ``bound = sqrt(3/fan_in)`` (std ``1/sqrt(fan_in)``).
    Not in PyTorch (there: ``kaiming_uniform_(t, nonlinearity="linear")``)."""
    _check(tensor, "lecun_uniform_")
    fan_in, _ = _fans(tensor, "lecun_uniform_")
    bound = math.sqrt(3.0 / fan_in)
    return _write(tensor, _random.uniform_values(tensor._data, -bound, bound, generator))


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``: the tensor seen as ``(rows, rest)`` has
    orthonormal rows or columns (Saxe et al. 2013), from the QR decomposition of a
    Gaussian matrix with the signs fixed so the result is uniformly distributed."""
    if not isinstance(tensor, Tensor) or tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {getattr(tensor, 'shape', None)}")
    _check(tensor, "orthogonal_")
    if tensor._data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor._data.size // rows
    dt = tensor._data.dtype
    flat = _random.normal_values(np.empty((rows, cols), dt), 0.0, 1.0, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)  # LAPACK's Householder QR, as torch.linalg.qr
    q = q * np.sign(np.diag(r))  # the sign fix makes Q Haar-distributed
    if rows < cols:
        q = q.T
    return _write(tensor, q.reshape(tensor.shape) * dt.type(gain))
