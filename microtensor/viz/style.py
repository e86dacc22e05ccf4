"""The colour scale and number formatting that every drawing shares.

One :class:`Scale` maps a gradient magnitude to a colour and an edge width, so
``draw_graph``, ``gradient_flow``, ``plot_gradient_flow`` and
``explain_backward`` agree: the same magnitude is the same colour everywhere.

The scale is logarithmic in the magnitude *relative to a reference* (the
loss gradient's mean |g|, which is 1 after ``loss.backward()``): below
``vanishing`` (default 1e-7) a gradient is too small to move its weights, above
``exploding`` (default 1e3) it blows a step up. In between the colour runs
along viridis (dark purple → teal → yellow): perceptually even, readable by
colour-blind readers and in greyscale. Red is kept out of the scale: it marks
non-finite values only.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Scale", "NAN_COLOUR", "NO_GRAD_COLOUR", "fmt_sci", "fmt_value", "fmt_shape",
           "summary_text", "escape"]

NAN_COLOUR = "#e31a1c"  # non-finite values: outside the colour scale on purpose
NO_GRAD_COLOUR = "#f0f0f0"  # no gradient yet
STALE_COLOUR = "#b15928"  # text of the "stale / accumulated" flags

# viridis at 0, 1/8, ..., 1 (matplotlib's values, rounded): interpolated linearly in RGB.
_VIRIDIS = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39",
            "#d0e11c", "#fde725"]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@dataclass(frozen=True)
class Scale:
    """Log colour scale of gradient magnitudes.

    Args:
        vanishing: relative magnitude below which a gradient counts as vanishing.
        exploding: relative magnitude above which a gradient counts as exploding.
        reference: the magnitude everything is relative to (the loss gradient's mean |g|).
    """

    vanishing: float = 1e-7
    exploding: float = 1e3
    reference: float = 1.0

    def __post_init__(self) -> None:
        if not (0 < self.vanishing < self.exploding):
            raise ValueError(f"Scale: need 0 < vanishing < exploding, got vanishing="
                             f"{self.vanishing!r} and exploding={self.exploding!r}")
        if not (self.reference > 0 and math.isfinite(self.reference)):
            object.__setattr__(self, "reference", 1.0)

    def relative(self, magnitude: float) -> float:
        return magnitude / self.reference

    def position(self, magnitude: float) -> float:
        """Where ``magnitude`` lies on the scale: 0 at ``vanishing``, 1 at ``exploding``."""
        r = self.relative(magnitude)
        if r <= 0:
            return 0.0
        lo, hi = math.log10(self.vanishing), math.log10(self.exploding)
        return min(1.0, max(0.0, (math.log10(r) - lo) / (hi - lo)))

    def verdict(self, magnitude: float) -> str:
        """``"nonfinite"``, ``"vanishing"``, ``"exploding"`` or ``""``."""
        if not math.isfinite(magnitude):
            return "nonfinite"
        r = self.relative(magnitude)
        if r < self.vanishing:
            return "vanishing"
        if r > self.exploding:
            return "exploding"
        return ""

    def colour(self, magnitude: float | None) -> str:
        """Fill colour of a node whose gradient has this magnitude (mean |g|)."""
        if magnitude is None:
            return NO_GRAD_COLOUR
        if not math.isfinite(magnitude):
            return NAN_COLOUR
        return colour_at(self.position(magnitude))

    def penwidth(self, magnitude: float | None) -> float:
        """Edge width: 0.5 at the vanishing end, growing linearly in log magnitude to 6."""
        if magnitude is None:
            return 0.6
        if not math.isfinite(magnitude):
            return 4.0
        return round(0.5 + 5.5 * self.position(magnitude), 2)

    def ticks(self) -> list[float]:
        """Relative magnitudes labelled on the legend's colour bar (one per decade or so)."""
        lo, hi = math.log10(self.vanishing), math.log10(self.exploding)
        step = max(1, math.ceil((hi - lo) / 10))
        return [10.0 ** e for e in range(math.ceil(lo), math.floor(hi) + 1, step)]


def colour_at(t: float) -> str:
    """The scale's colour at position ``t`` in [0, 1]."""
    t = min(1.0, max(0.0, t)) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    a, b = _rgb(_VIRIDIS[i]), _rgb(_VIRIDIS[i + 1])
    f = t - i
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def font_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    r, g, b = _rgb(fill)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


# ------------------------------------------------------------------ numbers


def fmt_sci(x: float | None, digits: int = 3) -> str:
    """A magnitude in scientific notation with ``digits`` significant digits: ``1.23e-05``."""
    if x is None:
        return "—"
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    return f"{x:.{digits - 1}e}"


def fmt_value(x: float, dtype: np.dtype | None = None) -> str:
    """An exact-looking value: the shortest decimal that reads back as the same ``dtype``
    number (``0.1`` for float32 0.1, not ``0.10000000149``), so hand checks work."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(np.float64)
    if dtype.kind != "f":
        return str(x)
    v = dtype.type(x)
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("Inf" if v > 0 else "-Inf")
    if v != 0 and not (1e-4 <= abs(v) < 1e6):
        return np.format_float_scientific(v, unique=True, trim="-")
    return np.format_float_positional(v, unique=True, trim="-")


def fmt_shape(shape: tuple[int, ...] | None) -> str:
    if shape is None:  # a torch node's output before a watched backward
        return "shape ?"
    if len(shape) == 0:
        return "scalar"
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_text(values: np.ndarray) -> str:
    """A value summary: the value itself for one element, else mean/std/min/max."""
    a = np.asarray(values)
    if a.size == 1:
        return "data = " + fmt_value(a.reshape(()).item(), a.dtype)
    if a.size == 0:
        return "empty"
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    with np.errstate(all="ignore"):
        return (f"mean {fmt_sci(float(a.mean()))}  std {fmt_sci(float(a.std()))}  "
                f"min {fmt_sci(float(a.min()))}  max {fmt_sci(float(a.max()))}")


def escape(text: str) -> str:
    """Text for a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True)
