"""``torch.nn.functional`` for microtensor: activations, losses, layers (linear, conv, norm ...).

``import microtensor.nn.functional as F`` and call ``F.relu``, ``F.cross_entropy``
... with PyTorch's names, arguments and defaults. Every function here is an op
of :mod:`microtensor.ops` (this module only gathers them), so each records one
fused node in the graph.
"""

from __future__ import annotations

import numpy as np

from ..errors import DtypeError
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
    "mse_loss", "nll_loss", "one_hot",
    # layers
    "avg_pool2d", "batch_norm", "conv2d", "dropout", "layer_norm", "linear", "max_pool2d",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``; the gradient at 0 is 0, as PyTorch. ``inplace=True`` overwrites input."""
    if inplace:
        return _ew.inplace_unary(input, _ew.relu, "relu_")
    return _ew.relu(input)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64, any shape ``S``) to one-hot rows, shape ``(*S, num_classes)``.

    ``num_classes=-1`` uses ``max + 1``. The result is int64 and not differentiable, as in
    PyTorch (``.float()`` it to use it as a target or a mask).
    """
    t = tensor._data
    if t.dtype != np.int64:
        raise DtypeError(f"one_hot: expected an int64 tensor of class indices, got dtype "
                         f"{t.dtype}")
    if num_classes == -1:
        if t.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(t.min())}")
    if t.size and t.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes="
                         f"{num_classes}, got {int(t.max())}")
    out = (t[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None)
