"""``linear``: the affine map of a fully connected layer, one fused node."""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..dtypes import promote_pair
from ..errors import ShapeError
from ..tensor import Tensor
from .loss_common import _broadcastable

__all__ = ["bilinear", "linear"]


class Linear(Function):
    """f(x, W, b) = x Wᵀ + b;  df/dx = G W,  df/dW = Gᵀ x,  df/db = Σ G  (G = upstream gradient).

    The batch axes of x are flattened for df/dW and df/db; a gradient nobody needs
    (``ctx.needs_input_grad``) is not computed, which saves a matmul for frozen layers
    and for the first layer's input.
    """

    @staticmethod
    def forward(ctx, x, w, b):
        # The shape checks that matmul and the in-place add make anyway are left to them
        # (they raise ValueError, turned into our message): this runs once per layer per step.
        if w.ndim != 2:
            raise _linear_shape_error(x, w)
        if x.dtype is not w.dtype:
            x, w = promote_pair(x, w)
        try:
            out = x @ w.T
        except ValueError:  # x is 0-d, or its last dim is not in_features
            raise _linear_shape_error(x, w) from None
        if b is not None:
            if b.ndim != 1:
                _check_linear_bias(b, w)
            if b.dtype is not out.dtype:
                out, b = promote_pair(out, b)
            try:
                out += b  # out is ours: add the bias in place
            except ValueError:  # a 1-d bias whose length is neither out_features nor 1
                _check_linear_bias(b, w)
                raise
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if grad.ndim != 2:  # flatten the batch axes: (batch, out_features), (batch, in_features)
            # The batch size is spelled out: NumPy cannot infer a -1 next to a 0-size axis.
            batch = math.prod(grad.shape[:-1])
            x = x.reshape(batch, x.shape[-1])
            g2 = grad.reshape(batch, grad.shape[-1])
        else:
            g2 = grad
        gx = grad @ w if need_x else None
        gw = g2.T @ x if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """The affine map of a fully connected layer: ``input @ weight.T + bias``.

    Args:
        input: shape ``(*, in_features)``.
        weight: shape ``(out_features, in_features)``.
        bias: shape ``(out_features,)`` (anything that broadcasts to it), or ``None``.

    Returns:
        Shape ``(*, out_features)``.

    Difference from PyTorch: ``weight`` must be 2-D, and mixed float dtypes are promoted
    as ``matmul`` does (PyTorch refuses them).
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)
            and (bias is None or isinstance(bias, Tensor))):
        for name, value in (("input", input), ("weight", weight), ("bias", bias)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"linear: {name} must be a Tensor, not {type(value).__name__}")
    return Linear.apply(input, weight, bias)  # Linear.forward checks the shapes


def _linear_shape_error(x: np.ndarray, w: np.ndarray) -> ShapeError:
    if x.ndim == 0:
        return ShapeError("linear: input must have at least 1 dimension (*, in_features), "
                          "got a 0-d tensor")
    if w.ndim != 2:
        return ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                          f"{w.shape}")
    return ShapeError(f"linear: input of shape {x.shape} has {x.shape[-1]} in_features (its "
                      f"last dim) but weight of shape {w.shape} expects in_features="
                      f"{w.shape[1]}")


def _check_linear_bias(b: np.ndarray, w: np.ndarray) -> None:
    # A bias that is not exactly (out_features,) must still broadcast to it.
    out = (w.shape[0],)
    if not _broadcastable(b.shape, out):
        raise ShapeError(f"linear: bias of shape {b.shape} does not match out_features="
                         f"{w.shape[0]} (expected shape {out})")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1ᵀ A_k x2 + b_k``: inputs ``(*, in1)`` and ``(*, in2)``, weight
    ``(out, in1, in2)``, bias ``(out,)``; output ``(*, out)``. One ``einsum`` (recorded)."""
    from .einsum import einsum

    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] \
            or input2.shape[-1] != weight.shape[2]:
        raise ShapeError(f"bilinear: inputs of shapes {tuple(input1.shape)} and "
                         f"{tuple(input2.shape)} do not fit weight of shape "
                         f"{tuple(weight.shape)} (out, in1, in2)")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
