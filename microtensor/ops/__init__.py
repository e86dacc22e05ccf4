"""Every differentiable op: one Function per op, forward and backward side by side.

=================  ======================================================
``elementwise``    arithmetic, unary math, comparisons, in-place forms
``reduction``      sum, mean, var/std, max/min, logsumexp, norm ...
``shape``          reshape, transpose, indexing, cat/stack/split ...
``linalg``         matmul, mm, bmm, dot
``activation``     softmax, log_softmax, fused activations, dropout
``loss``           fused losses (cross_entropy ...) and ``linear``
``normalization``  batch_norm, layer_norm
``conv``           conv2d, max_pool2d, avg_pool2d
=================  ======================================================
"""
