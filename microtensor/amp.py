"""``microtensor.amp``: ``autocast`` and ``GradScaler``, so mixed-precision training code runs.

microtensor computes every op in its tensors' own dtype (float32 or float64; it has no
bfloat16 and no float16 matmul kernels worth using), so ``autocast`` switches no op to a
lower precision: inside it, code runs exactly as outside, at full precision — a deliberate
difference from PyTorch, whose CPU autocast runs matmuls and convolutions in bfloat16. It
is still a context manager and a decorator that ``is_autocast_enabled`` reports, so
device-agnostic code (nanoGPT's ``ctx = autocast(...)``) runs unchanged.

``GradScaler`` is PyTorch's: on ``"cuda"`` (absent here) an enabled scaler warns and
disables itself, as on a PyTorch build without CUDA, and a disabled scaler passes
everything through; on ``"cpu"`` it scales the loss, unscales the gradients, skips the step
when they are not finite, and grows or backs off the scale, with PyTorch's defaults.
"""

from __future__ import annotations

import functools
import math
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["GradScaler", "autocast", "is_autocast_available", "is_autocast_enabled"]


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}


_state = _State()


def is_autocast_available(device_type: str) -> bool:
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an ``autocast`` region for ``device_type`` is active in this thread."""
    return _state.enabled.get(device_type, False)


class autocast:  # noqa: N801 - PyTorch's name
    """``with autocast("cpu"):`` or ``@autocast("cpu")``: marks a region as autocast.

    Ops inside run in their tensors' own dtype, as outside (see the module docstring).
    """

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        self.device_type, self.fast_dtype = device_type, dtype
        self._enabled = bool(enabled)
        if device_type == "cuda" and self._enabled:
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                          "Disabling", UserWarning, stacklevel=2)
            self._enabled = False
        elif self._enabled and dtype is not None and str(dtype).split(".")[-1] not in (
                "bfloat16", "float16"):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of bfloat16, float16 "
                          "currently.", UserWarning, stacklevel=2)
            self._enabled = False
        self._prev: list[bool] = []

    def __enter__(self) -> autocast:
        self._prev.append(is_autocast_enabled(self.device_type))
        _state.enabled[self.device_type] = self._enabled
        return self

    def __exit__(self, *exc: Any) -> None:
        _state.enabled[self.device_type] = self._prev.pop()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapper


class GradScaler:
    """Dynamic loss scaling, as PyTorch's ``torch.amp.GradScaler`` (see the module docstring).

    Args:
        device: ``"cuda"`` (PyTorch's default; disabled here, with a warning if enabled) or
            ``"cpu"``.
        init_scale, growth_factor, backoff_factor, growth_interval: PyTorch's, with its
            defaults (2**16, 2.0, 0.5, 2000).
        enabled: False makes every method a pass-through.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = str(device)
        if enabled and self._device.startswith("cuda"):
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available. "
                          " Disabling.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._found_inf: dict[int, bool] = {}  # per optimizer, since the last update()

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """The loss (or a nested list/tuple of outputs) times the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer: Any) -> None:
        """Divide the optimizer's gradients by the scale, in place, once per step."""
        if not self._enabled:
            return
        key = id(optimizer)
        if key in self._found_inf:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        inv, found = 1.0 / self._scale, False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                arr = g._data * inv
                found = found or not bool(np.isfinite(arr).all())
                g._data = arr.astype(g._data.dtype, copy=False)
        self._found_inf[key] = found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` unless the unscaled gradients hold an inf or a NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        if self._found_inf[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off the scale after a skipped step; grow it after ``growth_interval`` good
        ones (or set ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                self._scale = grown if math.isfinite(grown) else self._scale
                self._growth_tracker = 0
        self._found_inf.clear()

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
