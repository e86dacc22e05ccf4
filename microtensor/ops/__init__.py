"""Every differentiable op: one Function per op, forward and backward side by side.

====================  ======================================================
``elementwise``       the pointwise ops' one namespace (re-exports the next eleven)
``arithmetic``        + - * / % fmod, addcmul, addcdiv, lerp
``powers``            pow (with PyTorch's fast paths), float_power
``exp_log``           exp, log and their variants, sqrt, rsqrt, sigmoid, logit, xlogy
``trig``              trigonometric and hyperbolic functions, atan2, hypot, sinc
``special``           erf, erfc, erfinv, lgamma, digamma, polygamma, mvlgamma
``special_series``    i0, igamma, igammac (series and continued fractions)
``finite_diff``       gradient (finite differences of samples, composed)
``piecewise``         abs, sign, clamp, maximum, fmax, where, copysign, heaviside
``rounding``          floor, ceil, trunc, round, frac, nan_to_num
``comparison``        comparisons, logical and bitwise ops, isnan, signbit
``inplace``           clone, casts, fill/copy, the in-place ``_`` forms
``reduction``         sum, nansum, mean, nanmean, prod, logsumexp, norm, dist, all/any
``moments``           var, std, var_mean, std_mean
``extrema``           max/min, amax/amin, argmax/argmin, aminmax
``scan``              cumsum, cumprod, cummax/cummin, logcumsumexp, diff
``sorting``           sort, argsort, topk, kthvalue, searchsorted, bucketize, unique
``statistics``        median, mode, quantile, bincount, histc, histogram
``misc``              clone, gcd/lcm, cov/corrcoef, renorm, sum_to_size, apply_/map_
``shape``             reshape, transpose/permute/movedim, expand/broadcast_to, repeat/tile
``joining``           cat/stack (h/v/d), split/chunk/tensor_split, unbind/select/narrow ...
``indexing``          x[i] and x[i] = v, index_put_, take/put, masked_select, nonzero
``scatter``           gather, scatter(_add/_reduce), index_select/add/copy/fill/reduce
``matrix_shape``      tril/triu, diagonal/diag_embed, flip/roll/rot90, repeat_interleave ...
``linalg``            matmul, mm, bmm, dot
``einsum``            einsum, tensordot
``products``          outer, inner, mv, addmm & co., multi_dot, cross, kron, cdist, trapezoid
``decompositions``    inv, det, slogdet, solve, cholesky, qr, eigh, svd (the Functions)
``lu``                LU with partial pivoting, matrix_exp (the Functions)
``factorizations``    the public inverses, solvers and decompositions over those two
``matrix_functions``  norms, cond, rank, pinv, lstsq, matrix_power, tensorinv, the _ex forms
``householder``       geqrf, householder_product (orgqr), ormqr
``lowrank``           svd_lowrank, pca_lowrank (randomized, PyTorch's draws)
``ldl``               ldl_factor, ldl_solve (Bunch-Kaufman, no gradient)
``activation``        softmax, log_softmax, fused activations, dropout
``loss``              cross_entropy, nll_loss (and re-exports the other loss families)
``normalization``     batch_norm, layer_norm
``conv``              conv2d, max_pool2d, avg_pool2d
``activation_extra``  hard activations, shrinks, mish, logsigmoid, prelu, selu, glu ...
``loss_common``       reductions and argument checks shared by the losses
``loss_regression``   mse, l1, smooth L1 / Huber, kl_div, Poisson and Gaussian NLL
``loss_binary``       binary cross-entropy (probabilities, logits), soft-margin losses
``loss_margin``       ranking, hinge, cosine-embedding, triplet, multi-margin losses
``linear``            linear, bilinear
``distance``          cosine_similarity, pairwise_distance
``padding``           pad (constant fused; reflect, replicate, circular)
``conv_extra``        conv1d, conv_transpose1d/2d (over conv2d)
``pooling``           max/avg_pool1d, adaptive average and max pooling
``resample``          interpolate, pixel_shuffle, pixel_unshuffle
``group_norm``        group_norm, instance_norm (over batch_norm)
``feature_dropout``   dropout1d/2d/3d, alpha_dropout
``attention``         scaled_dot_product_attention, multi_head_attention_forward
====================  ======================================================
"""
