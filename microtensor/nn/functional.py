"""``torch.nn.functional`` for microtensor: activations, losses, layers (linear, conv, norm ...).

``import microtensor.nn.functional as F`` and call ``F.relu``, ``F.cross_entropy``
... with PyTorch's names, arguments and defaults. Every function here is an op
of :mod:`microtensor.ops` (this module only gathers them), so each records one
fused node in the graph.
"""

from __future__ import annotations

from ..ops import elementwise as _ew
from ..ops.activation import (
    dropout,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    silu,
    softmax,
    softplus,
)
from ..ops.conv import avg_pool2d, conv2d, max_pool2d
from ..ops.elementwise import sigmoid, tanh
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    linear,
    mse_loss,
    nll_loss,
)
from ..ops.normalization import batch_norm, layer_norm
from ..tensor import Tensor

__all__ = [
    # activations
    "elu", "gelu", "hardtanh", "leaky_relu", "log_softmax", "relu", "sigmoid", "silu",
    "softmax", "softplus", "tanh",
    # losses
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss",
    "mse_loss", "nll_loss",
    # layers
    "avg_pool2d", "batch_norm", "conv2d", "dropout", "layer_norm", "linear", "max_pool2d",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``; the gradient at 0 is 0, as PyTorch. ``inplace=True`` overwrites input."""
    if inplace:
        return _ew.inplace_unary(input, _ew.relu, "relu_")
    return _ew.relu(input)
