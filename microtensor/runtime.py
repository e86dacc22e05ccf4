"""Process-wide settings PyTorch code sets: threads, determinism, matmul precision.

microtensor records them so that code which sets and reads them back runs unchanged, but
they change how nothing is computed:

* threads: NumPy's BLAS picks its thread count when it loads (``OMP_NUM_THREADS``,
  ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``) and offers no call to change it at run
  time, so ``set_num_threads`` only records the number ``get_num_threads`` returns;
* determinism: every op here is deterministic already (NumPy on the CPU);
* float32 matmul precision: NumPy always multiplies float32 in float32.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["are_deterministic_algorithms_enabled", "get_deterministic_debug_mode",
           "get_float32_matmul_precision", "get_num_interop_threads", "get_num_threads",
           "is_deterministic_algorithms_warn_only_enabled", "is_warn_always_enabled",
           "set_default_tensor_type", "set_deterministic_debug_mode",
           "set_float32_matmul_precision", "set_flush_denormal", "set_num_interop_threads",
           "set_num_threads", "set_warn_always", "use_deterministic_algorithms"]

_state: dict[str, Any] = {
    "threads": max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else (os.cpu_count() or 1)),
    "interop": None,
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
}


def _positive_int(n: Any, op: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{op} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{op} expects a positive integer")
    return n


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's argument name
    """Record the intra-op thread count (NumPy's BLAS threads cannot change at run time)."""
    _state["threads"] = _positive_int(int, "set_num_threads")


def get_num_threads() -> int:
    """The recorded intra-op thread count (at start: the CPUs this process may use)."""
    return _state["threads"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's argument name
    """Record the inter-op thread count; as PyTorch, only once."""
    n = _positive_int(int, "set_num_interop_threads")
    if _state["interop"] is not None:
        raise RuntimeError("set_num_interop_threads: the number of interop threads cannot "
                           "be set after it was set once")
    _state["interop"] = n


def get_num_interop_threads() -> int:
    return _state["interop"] or _state["threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag: every microtensor op is deterministic already."""
    _state["deterministic"] = bool(mode)
    _state["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode: Any) -> None:
    """``0``/``"default"``, ``1``/``"warn"``, ``2``/``"error"``: sets the flags above."""
    modes = {"default": 0, "warn": 1, "error": 2}
    m = modes.get(debug_mode, debug_mode)
    if m not in (0, 1, 2):
        raise RuntimeError(f"set_deterministic_debug_mode: invalid mode {debug_mode!r}; "
                           "expected 0 (default), 1 (warn) or 2 (error)")
    use_deterministic_algorithms(m > 0, warn_only=m == 1)


def get_deterministic_debug_mode() -> int:
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"`` (NumPy always uses float32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: invalid precision {precision!r}; "
                           "expected 'highest', 'high' or 'medium'")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _state["matmul_precision"]


def set_flush_denormal(mode: bool) -> bool:
    """False: NumPy gives no control of the CPU's flush-to-zero flag, so the request is not
    honoured (PyTorch returns True where it could set it)."""
    return False


_warn_always = [False]


def set_warn_always(b: bool) -> None:
    """Record the flag (microtensor's warnings follow Python's own ``warnings`` filters)."""
    _warn_always[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _warn_always[0]


def set_default_tensor_type(t: Any) -> None:
    """Deprecated in PyTorch (use ``set_default_dtype``): ``"torch.DoubleTensor"`` (or
    ``"microtensor.DoubleTensor"``, ``"torch.FloatTensor"``) sets the default float dtype."""
    import warnings

    from .dtypes import float32, float64, set_default_dtype

    warnings.warn("set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "set_default_dtype() instead", UserWarning, stacklevel=2)
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    kind = name.rpartition(".")[2]
    table = {"FloatTensor": float32, "DoubleTensor": float64}
    if kind not in table:
        raise TypeError(f"set_default_tensor_type: only FloatTensor and DoubleTensor are "
                        f"supported, got {name!r}")
    set_default_dtype(table[kind])
