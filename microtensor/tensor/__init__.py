"""The Tensor class, split by PyTorch's doc categories.

=============  ===================================================================
``core``       the class: its data, autograd state, the NumPy bridge, Python operators
``attributes`` shape, dtype, strides, storage and device facts
``conversion`` ``item``, ``to``, ``type``, the casts, and the container protocol
``pointwise``  pointwise math, with their in-place ``_`` forms
``comparison`` comparisons, logical and bitwise ops (a base of ``pointwise``'s mixin)
``special``    erf, lgamma, polygamma, i0, igamma ... (a base of ``pointwise``'s mixin)
``reduction``  reductions and scans
``indexing``   shapes, views, indexing, joining and splitting
``linalg``     matrix products and decompositions
``creation``   ``new_*`` factories and the in-place samplers
=============  ===================================================================

Each method category is a mixin class whose methods call one op each in
``microtensor/ops/``; ``Tensor`` inherits them all, so "go to definition" on
``x.exp`` lands on the method and one more step on the op.
"""

from .core import Tensor, data_of, tensor

__all__ = ["Tensor", "data_of", "tensor"]
