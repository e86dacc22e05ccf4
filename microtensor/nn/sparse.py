"""Lookup tables: ``Embedding`` and ``EmbeddingBag`` (PyTorch's ``torch.nn.sparse``).

An embedding is a ``Linear`` layer applied to one-hot vectors, without building them:
``Embedding(n, d)(idx)`` is ``weight[idx]``, and only the rows looked up get a gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..creation import empty
from ..tensor import Tensor, data_of
from . import functional as F
from . import init
from .linear import _check_size, _factory_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag"]


def _pad_index(padding_idx: int | None, num: int, layer: str) -> int | None:
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"{layer}: padding_idx must be within num_embeddings={num}, got "
                         f"{padding_idx}")
    return padding_idx % num


class _Table(Module):
    """What both layers share: the ``(num_embeddings, embedding_dim)`` table and its init."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None,
                 max_norm: float | None, norm_type: float, scale_grad_by_freq: bool,
                 sparse: bool, weight: Tensor | None, freeze: bool, device: Any, dtype: Any,
                 layer: str) -> None:
        super().__init__()
        d = _factory_dtype(device, dtype, layer)
        self.num_embeddings = _check_size(num_embeddings, "num_embeddings", layer)
        self.embedding_dim = _check_size(embedding_dim, "embedding_dim", layer)
        self.padding_idx = _pad_index(padding_idx, self.num_embeddings, layer)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if sparse:
            raise ValueError(f"{layer}: sparse=True is not supported (microtensor has no sparse "
                             "gradients)")
        self.sparse = False
        if weight is None:
            self.weight = Parameter(empty(self.num_embeddings, self.embedding_dim, dtype=d),
                                    requires_grad=not freeze)
            self.reset_parameters()
        else:
            shape = tuple(data_of(weight).shape)
            if shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"{layer}: _weight has shape {shape}, expected "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(weight.detach() if isinstance(weight, Tensor) else weight,
                                    requires_grad=not freeze)

    def reset_parameters(self) -> None:
        """PyTorch's init: N(0, 1), and the ``padding_idx`` row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s


class Embedding(_Table):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``: ``out = weight[input]``.

    Args:
        num_embeddings, embedding_dim: the table's shape.
        padding_idx: this row starts at zero and never gets a gradient (a "blank" token).
        max_norm: looked-up rows whose ``norm_type`` norm exceeds it are rescaled to it, in
            place, before each lookup.
        scale_grad_by_freq: divide each row's gradient by its count in the mini-batch.
        sparse: only ``False``.
        _weight, _freeze: start from this table (see :meth:`from_pretrained`).

    Shapes: input any integer shape ``S``, output ``(*S, embedding_dim)``.
    Attributes: ``weight`` ``(num_embeddings, embedding_dim)``, initialised N(0, 1).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, _freeze, device, dtype,
                         "Embedding")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An ``Embedding`` holding a copy of the 2-D ``embeddings``; ``freeze=True`` keeps it
        fixed (``weight.requires_grad = False``)."""
        shape = data_of(embeddings).shape
        if len(shape) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{shape}")
        return cls(shape[0], shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=_copy(embeddings), _freeze=freeze)


class EmbeddingBag(_Table):
    """Sums, means or maxima of bags of embeddings, without materialising the bags' rows
    separately in the output: ``(bags, embedding_dim)``.

    A 2-D input is one bag per row; a 1-D input is cut into bags at ``offsets``. Arguments as
    :class:`Embedding`, plus ``mode`` (``"sum"``, ``"mean"`` default, ``"max"``) and
    ``include_last_offset``; ``forward(input, offsets=None, per_sample_weights=None)``.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, False, device, dtype,
                         "EmbeddingBag")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.mode = mode
        self.include_last_offset = include_last_offset

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, False, per_sample_weights,
                               self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An ``EmbeddingBag`` holding a copy of ``embeddings`` (frozen by default)."""
        shape = data_of(embeddings).shape
        if len(shape) != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got shape "
                             f"{shape}")
        bag = cls(shape[0], shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _copy(embeddings), include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag


def _copy(embeddings: Any) -> Tensor:
    return Tensor._make(np.array(data_of(embeddings)), False, None)
