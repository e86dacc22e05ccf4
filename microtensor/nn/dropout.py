"""Dropout: randomly zero activations while training, a regulariser.

Two ways to make the network at test time agree with the average network seen
in training, when each unit is kept with probability ``q = 1 - p``:

* **Scale at test time** (the original paper, and the lecture notes): train
  with plain masks ``h·m``, ``m ~ Bernoulli(q)``, so a unit's expected output
  during training is ``q·h``; at test time keep every unit and multiply its
  output by ``q`` to match. (The notes write this factor as "the dropout
  probability"; it is the probability of *keeping* a unit, ``1 - p`` in
  PyTorch's convention where ``p`` is the probability of dropping.)
* **Inverted dropout** (PyTorch, and here): train with ``h·m/q``, whose
  expected value is ``h`` itself, and at test time do nothing.

Both give the same expected activations, but inverted dropout is what every
framework uses: the evaluation network is the unmodified one, so nothing has
to be remembered or applied at inference (no per-layer ``q`` to multiply in,
no special export of the model), ``p`` can change between training runs
without touching the inference code, and a layer with ``p = 0`` is exactly the
identity in both modes.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = [
    "AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
]


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    survivors by ``1/(1 - p)``; in eval mode, return the input unchanged.

    Args:
        p: probability of zeroing an element (default 0.5).
        inplace: overwrite the input instead of allocating the output.

    The mask comes from the global generator, so :func:`microtensor.manual_seed`
    makes it reproducible. The module docstring compares this with the "scale
    at test time" dropout of the lecture notes.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: dropout probability has to be between 0 and 1, but got "
                             f"{p!r}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Channel dropout of ``(N, C, L)`` or ``(C, L)``: each channel is zeroed whole with
    probability ``p`` (``F.dropout1d``); arguments as :class:`Dropout`."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Channel dropout of ``(N, C, H, W)``: each feature map is zeroed whole with
    probability ``p`` (``F.dropout2d``); neighbouring pixels are correlated, so dropping
    single pixels would barely regularise a convolution."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Channel dropout of ``(N, C, D, H, W)`` (``F.dropout3d``)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout for SELU networks, keeping mean 0 and variance 1 (``F.alpha_dropout``)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels (``F.feature_alpha_dropout``), for SELU convnets."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)
