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
from ..ops.embedding import embedding, embedding_bag
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
    "embedding", "embedding_bag",
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


# Sequence, image and attention layers, more activations and losses (issue 17). Imported
# here, after the core above, and listed in __all__ below.
from ..ops.activation_extra import (  # noqa: E402
    celu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from ..ops.attention import (  # noqa: E402
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from ..ops.conv_extra import (  # noqa: E402
    conv1d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    unfold,
)
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: E402
from ..ops.feature_dropout import (  # noqa: E402
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
    feature_dropout,
)
from ..ops.group_norm import (  # noqa: E402
    group_norm,
    instance_norm,
    local_response_norm,
    rms_norm,
)
from ..ops.linear import bilinear  # noqa: E402
from ..ops.loss_binary import multilabel_soft_margin_loss, soft_margin_loss  # noqa: E402
from ..ops.loss_margin import (  # noqa: E402
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ..ops.loss_regression import (  # noqa: E402
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    poisson_nll_loss,
    smooth_l1_loss,
)
from ..ops.padding import pad  # noqa: E402
from ..ops.pooling import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
)
from ..ops.resample import (  # noqa: E402
    channel_shuffle,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
)

__all__ += [
    # activations
    "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "logsigmoid", "mish", "prelu",
    "relu6", "selu", "softmin", "softshrink", "softsign", "tanhshrink", "threshold",
    # losses
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss",
    "kl_div", "margin_ranking_loss", "multi_margin_loss", "multilabel_soft_margin_loss",
    "poisson_nll_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
    # layers
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "alpha_dropout", "avg_pool1d", "bilinear", "conv1d", "conv_transpose1d", "conv_transpose2d",
    "cosine_similarity", "dropout1d", "dropout2d", "dropout3d", "feature_dropout", "group_norm",
    "instance_norm", "interpolate", "max_pool1d", "multi_head_attention_forward", "pad",
    "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "scaled_dot_product_attention",
    "upsample",
    "channel_shuffle", "feature_alpha_dropout", "local_response_norm", "lp_pool1d", "lp_pool2d",
    "rms_norm", "triplet_margin_with_distance_loss", "fold", "unfold",
]


# The in-place spellings PyTorch's F also has: each is its function with inplace=True.
def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return relu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    return _threshold(input, threshold, value, inplace=True)  # (the argument hides the name)


_threshold = threshold


__all__ += ["normalize", "relu_", "leaky_relu_", "elu_", "hardtanh_", "threshold_"]
