"""Every differentiable op: one Function per op, forward and backward side by side.

=================  ======================================================
``elementwise``    arithmetic, unary math, comparisons, in-place forms
``reduction``      sum, mean, var/std, max/min, logsumexp, norm ...
``shape``          reshape, transpose, indexing, cat/stack/split ...
``linalg``         matmul, mm, bmm, dot
``activation``     softmax, log_softmax
``loss``           fused losses (cross_entropy ...) and ``linear``
=================  ======================================================
"""
