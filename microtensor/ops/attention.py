"""Attention: ``scaled_dot_product_attention`` and the multi-head attention forward.

    Attention(Q, K, V) = softmax(Q Kᵀ · scale + B) V,   scale = 1/√d (d: Q's last dim)

``B`` is the mask as an additive bias: 0 where a query may attend to a key and -inf
where it may not, so the softmax gives those keys weight 0 (a float mask is added as
it is). Written with recorded ops (two batched matmuls around the fused softmax), so
the gradients of any order come for free; the softmax's own backward
``p ⊙ (G - Σ p G)`` carries the gradient into the scores.

Mask conventions differ between PyTorch's two entry points, and microtensor keeps both:
in ``scaled_dot_product_attention`` a boolean ``attn_mask`` is True where attention is
*allowed*; in ``nn.MultiheadAttention`` (``attn_mask``, ``key_padding_mask``) True marks
what is *masked out*.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .activation import dropout, softmax
from .joining import cat
from .linear import linear
from .padding import pad

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def _bias_from_allowed(allowed: np.ndarray, dtype: np.dtype) -> Tensor:
    return _const(np.where(allowed, 0.0, -np.inf).astype(dtype))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q Kᵀ · scale + mask) V`` over the last two dims.

    Args:
        query: ``(..., L, E)``; key ``(..., S, E)``; value ``(..., S, Ev)``.
        attn_mask: broadcastable to ``(..., L, S)``: bool (True = may attend) or float
            (added to the scores).
        dropout_p: dropout on the attention weights (always applied when > 0, as PyTorch).
        is_causal: query ``i`` attends only to keys ``j <= i`` (no ``attn_mask`` then).
        scale: instead of ``1/√E``.
        enable_gqa: grouped-query attention: key/value heads (dim -3) are repeated to
            match the query's.

    Returns:
        ``(..., L, Ev)``.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError("scaled_dot_product_attention: query, key and value need at least 2 "
                         f"dims, got shapes {tuple(query.shape)}, {tuple(key.shape)}, "
                         f"{tuple(value.shape)}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: _scaled_dot_product_attention: "
                           "Explicit attn_mask should not be set when is_causal=True")
    big_l, s = query.shape[-2], key.shape[-2]
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        reps = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(reps, -3)
        value = value.repeat_interleave(reps, -3)
    scores = (query @ key.transpose(-2, -1)) * factor
    dtype = query._data.dtype
    if is_causal:
        scores = scores + _bias_from_allowed(np.tril(np.ones((big_l, s), bool)), dtype)
    if attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        scores = scores + (_bias_from_allowed(m, dtype) if m.dtype == np.bool_ else attn_mask)
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def _additive(mask: Any, dtype: np.dtype, name: str) -> Tensor | None:
    """An MHA mask as an additive float bias: bool True (masked) becomes -inf."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return _const(np.where(m, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"multi_head_attention_forward: only bool and floating types of "
                        f"{name} are supported, got {m.dtype}")
    return mask if isinstance(mask, Tensor) else _const(m.astype(dtype))


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
        bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
        dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
        training: bool = True, key_padding_mask: Tensor | None = None,
        need_weights: bool = True, attn_mask: Tensor | None = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
        k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
        static_k: Any = None, static_v: Any = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """PyTorch's ``F.multi_head_attention_forward`` on sequence-first ``(L, N, E)`` inputs
    (or unbatched ``(L, E)``); see :class:`microtensor.nn.MultiheadAttention`."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k/static_v are not "
                                  "implemented")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise ShapeError(f"multi_head_attention_forward: was expecting embedding dimension of "
                         f"{embed_dim_to_check}, but got {embed_dim}")
    if embed_dim % num_heads:
        raise ValueError(f"multi_head_attention_forward: embed_dim {embed_dim} not divisible "
                         f"by num_heads {num_heads}")
    head_dim = embed_dim // num_heads
    e = embed_dim
    if use_separate_proj_weight:
        ws = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        ws = (in_proj_weight[:e], in_proj_weight[e:2 * e], in_proj_weight[2 * e:])
    bs = (None, None, None) if in_proj_bias is None else \
        (in_proj_bias[:e], in_proj_bias[e:2 * e], in_proj_bias[2 * e:])
    q, k, v = (linear(x, w, b) for x, w, b in zip((query, key, value), ws, bs))
    dtype = q._data.dtype
    mask = _additive(attn_mask, dtype, "attn_mask")
    if mask is not None and mask.ndim == 2:
        mask = mask.unsqueeze(0)
    kpm = _additive(key_padding_mask, dtype, "key_padding_mask")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, e)])
        v = cat([v, bias_v.expand(1, bsz, e)])
        mask = None if mask is None else pad(mask, (0, 1))
        kpm = None if kpm is None else pad(kpm, (0, 1))
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        zeros = _const(np.zeros((bsz * num_heads, 1, head_dim), dtype))
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        mask = None if mask is None else pad(mask, (0, 1))
        kpm = None if kpm is None else pad(kpm, (0, 1))
    src_len = k.shape[1]
    if kpm is not None:
        kpm = kpm.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len) \
            .reshape(bsz * num_heads, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + mask
    weights = softmax(scores, -1)
    if training and dropout_p > 0:
        weights = dropout(weights, dropout_p)
    out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    return out, (weights.squeeze(0) if unbatched else weights)
