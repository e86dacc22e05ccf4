"""Write docs/api.md: PyTorch's public names by category, and whether microtensor has each.

Usage (from the repository root)::

    python docs/gen_api.py          # regenerate docs/api.md and print the coverage
    python docs/gen_api.py --check  # exit 1 if docs/api.md is stale (tests/test_api_doc.py)

The names are a curated list, grouped as PyTorch's reference pages group them (torch.rst's
sections, tensors.rst, nn.rst, nn.functional.rst, nn.init.rst, optim.rst, data.rst,
autograd.rst, linalg.rst). Families out of scope for a CPU NumPy float engine are left out
of the lists and named in the page's preamble (``OUT_OF_SCOPE``).

A name's status comes from microtensor itself: ``torch.nn.functional.relu`` is looked up as
``microtensor.nn.functional.relu`` by ``getattr`` (importing a submodule where needed). Found
is ✔, not found ✘, and found but listed in ``DIFFERS`` is "differs: <how>". Only the name is
checked, not every argument: the op tests and tests/oracle do that.
``tests/oracle/test_api_names_vs_torch.py`` resolves every listed name in torch with the same
``resolve``, so the lists never carry a name PyTorch lacks.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import microtensor

OUT = Path(__file__).resolve().parent / "api.md"

YES, NO = "✔", "✘"


class Category(NamedTuple):
    """One table: PyTorch names ``prefix + name`` for each of ``names``."""

    group: str  # the namespace, e.g. "torch.nn"; the summary subtotals by it
    title: str  # the section of PyTorch's reference page
    prefix: str  # "torch.", "torch.Tensor." ...
    names: tuple[str, ...]

    @property
    def heading(self) -> str:
        return self.group if self.title == "" else f"{self.group}: {self.title}"

    def full_names(self) -> list[str]:
        return sorted(self.prefix + n for n in self.names)


def _names(text: str) -> tuple[str, ...]:
    """The whitespace-separated names of a block (so the lists read like the doc pages)."""
    return tuple(text.split())


# ---------------------------------------------------------------------------- the lists

CATEGORIES: list[Category] = [
    # ---- torch.rst
    Category("torch", "Tensors", "torch.", _names("""
        Tensor is_tensor is_floating_point is_nonzero numel set_default_dtype get_default_dtype
        set_default_device get_default_device set_default_tensor_type set_printoptions
        set_flush_denormal
    """)),
    Category("torch", "dtypes, devices and CPU-only stubs", "torch.", _names("""
        dtype device Size finfo iinfo float16 float32 float64 bfloat16 half float double
        uint8 uint16 uint32 uint64 int8 int16 int32 int64 short int long bool
        inf nan pi e cuda.is_available cuda.device_count backends.mps.is_available
        autocast is_autocast_enabled amp.autocast amp.GradScaler cuda.amp.GradScaler
    """)),
    Category("torch", "Creation ops", "torch.", _names("""
        tensor asarray as_tensor from_numpy zeros zeros_like ones ones_like arange range
        linspace logspace eye empty empty_like full full_like heaviside
    """)),
    Category("torch", "Indexing, slicing, joining, mutating ops", "torch.", _names("""
        argwhere cat concat concatenate chunk dsplit column_stack dstack gather hsplit hstack
        index_add index_copy index_reduce index_select masked_select movedim moveaxis narrow
        narrow_copy nonzero permute reshape row_stack select scatter diagonal_scatter
        select_scatter slice_scatter scatter_add scatter_reduce split squeeze stack swapaxes
        swapdims t take take_along_dim tensor_split tile transpose unbind unravel_index
        unsqueeze vsplit vstack where
    """)),
    Category("torch", "Random sampling", "torch.", _names("""
        Generator seed manual_seed initial_seed get_rng_state set_rng_state default_generator
        bernoulli multinomial normal poisson rand rand_like randint randint_like randn
        randn_like randperm quasirandom.SobolEngine
        Tensor.bernoulli_ Tensor.cauchy_ Tensor.exponential_ Tensor.geometric_
        Tensor.log_normal_ Tensor.normal_ Tensor.random_ Tensor.uniform_
    """)),
    Category("torch", "Serialization, threads and utilities", "torch.", _names("""
        save load get_num_threads set_num_threads get_num_interop_threads
        set_num_interop_threads result_type can_cast promote_types use_deterministic_algorithms
        are_deterministic_algorithms_enabled is_deterministic_algorithms_warn_only_enabled
        set_deterministic_debug_mode get_deterministic_debug_mode set_float32_matmul_precision
        get_float32_matmul_precision set_warn_always is_warn_always_enabled
    """)),
    Category("torch", "Locally disabling gradient computation", "torch.", _names("""
        no_grad enable_grad set_grad_enabled is_grad_enabled inference_mode
        is_inference_mode_enabled
    """)),
    # relu and log_softmax are not on the page but are torch.* functions scripts call.
    Category("torch", "Math: pointwise ops", "torch.", _names("""
        abs absolute acos arccos acosh arccosh add addcdiv addcmul asin arcsin asinh arcsinh
        atan arctan atanh arctanh atan2 arctan2 bitwise_not bitwise_and bitwise_or bitwise_xor
        bitwise_left_shift bitwise_right_shift ceil clamp clip copysign cos cosh deg2rad div
        divide digamma erf erfc erfinv exp exp2 expm1 fix float_power floor floor_divide fmod
        frac frexp gradient ldexp lerp lgamma log log10 log1p log2 logaddexp logaddexp2
        logical_and logical_not logical_or logical_xor logit hypot i0 igamma igammac mul
        multiply mvlgamma nan_to_num neg negative nextafter polygamma positive pow rad2deg
        reciprocal remainder round rsqrt sigmoid sign sgn signbit sin sinc sinh softmax sqrt
        square sub subtract tan tanh true_divide trunc xlogy relu log_softmax
    """)),
    Category("torch", "Math: reduction ops", "torch.", _names("""
        argmax argmin amax amin aminmax all any max min dist logsumexp mean nanmean median
        nanmedian mode norm nansum prod quantile nanquantile std std_mean sum unique
        unique_consecutive var var_mean count_nonzero
    """)),
    Category("torch", "Math: comparison ops", "torch.", _names("""
        allclose argsort eq equal ge greater_equal gt greater isclose isfinite isin isinf
        isposinf isneginf isnan kthvalue le less_equal lt less maximum minimum fmax fmin ne
        not_equal sort topk msort
    """)),
    Category("torch", "Math: other operations", "torch.", _names("""
        atleast_1d atleast_2d atleast_3d bincount block_diag broadcast_tensors broadcast_to
        broadcast_shapes bucketize cartesian_prod cdist clone combinations corrcoef cov cross
        cummax cummin cumprod cumsum diag diag_embed diagflat diagonal diff einsum flatten flip
        fliplr flipud kron rot90 gcd histc histogram histogramdd meshgrid lcm logcumsumexp
        ravel renorm repeat_interleave roll searchsorted tensordot trace tril tril_indices triu
        triu_indices unflatten vander
    """)),
    Category("torch", "Math: BLAS and LAPACK", "torch.", _names("""
        addbmm addmm addmv addr baddbmm bmm chain_matmul cholesky cholesky_inverse
        cholesky_solve dot geqrf ger inner inverse det logdet slogdet lu lu_solve lu_unpack
        matmul matrix_power matrix_exp mm mv orgqr ormqr outer pinverse qr svd svd_lowrank
        pca_lowrank lobpcg trapz trapezoid cumulative_trapezoid triangular_solve vdot
    """)),
    # ---- linalg.rst
    Category("torch.linalg", "", "torch.linalg.", _names("""
        norm vector_norm matrix_norm diagonal det slogdet cond matrix_rank cholesky qr lu
        lu_factor eigh eigvalsh svd svdvals solve solve_triangular lu_solve lstsq inv pinv
        matrix_exp matrix_power cross matmul vecdot multi_dot householder_product tensorinv
        tensorsolve vander cholesky_ex inv_ex solve_ex lu_factor_ex ldl_factor ldl_factor_ex
        ldl_solve
    """)),
    # ---- tensors.rst (the in-place samplers are under "torch: Random sampling"), plus the
    # attributes of tensor_attributes.rst and relu/relu_/log_softmax, which scripts call.
    Category("torch.Tensor", "", "torch.Tensor.", _names("""
        T mT data dtype grad_fn shape device grad ndim nbytes itemsize is_cuda is_leaf
        requires_grad retains_grad new_tensor new_full new_empty new_ones new_zeros
        abs abs_ absolute absolute_ acos acos_ arccos arccos_ add add_ addbmm addbmm_ addcdiv
        addcdiv_ addcmul addcmul_ addmm addmm_ addmv addmv_ addr addr_ allclose amax amin
        aminmax apply_ argmax argmin argsort argwhere asin asin_ arcsin arcsin_ atan atan_
        arctan arctan_ atan2 atan2_ arctan2 arctan2_ all any backward baddbmm baddbmm_
        bernoulli bfloat16 bincount bitwise_not bitwise_not_ bitwise_and bitwise_and_
        bitwise_or bitwise_or_ bitwise_xor bitwise_xor_ bitwise_left_shift
        bitwise_left_shift_ bitwise_right_shift bitwise_right_shift_ bmm bool byte
        broadcast_to ceil ceil_ char cholesky cholesky_inverse cholesky_solve chunk clamp
        clamp_ clip clip_ clone contiguous copy_ copysign copysign_ cos cos_ cosh cosh_
        corrcoef count_nonzero cov acosh acosh_ arccosh arccosh_ cpu cross logcumsumexp
        cummax cummin cumprod cumprod_ cumsum cumsum_ deg2rad det detach detach_ diag
        diag_embed diagflat diagonal diagonal_scatter fill_diagonal_ fmax fmin diff digamma
        digamma_ dim dist div div_ divide divide_ dot double dsplit element_size eq eq_ equal
        erf erf_ erfc erfc_ erfinv erfinv_ exp exp_ expm1 expm1_ expand expand_as fix fix_
        fill_ flatten flip fliplr flipud float float_power float_power_ floor floor_
        floor_divide floor_divide_ fmod fmod_ frac frac_ frexp gather gcd gcd_ ge ge_
        greater_equal greater_equal_ geqrf ger get_device gt gt_ greater greater_ half
        hardshrink heaviside histc histogram hsplit hypot hypot_ i0 i0_ igamma igamma_ igammac
        igammac_ index_add_ index_add index_copy_ index_copy index_fill_ index_fill index_put_
        index_put index_reduce_ index_reduce index_select inner int inverse isclose isfinite
        isinf isposinf isneginf isnan is_contiguous is_floating_point is_inference is_signed
        item kthvalue lcm lcm_ ldexp ldexp_ le le_ less_equal less_equal_ lerp lerp_ lgamma
        lgamma_ log log_ logdet log10 log10_ log1p log1p_ log2 log2_ logaddexp logaddexp2
        logsumexp logical_and logical_and_ logical_not logical_not_ logical_or logical_or_
        logical_xor logical_xor_ logit logit_ log_softmax long lt lt_ less less_ lu lu_solve
        map_ masked_scatter_ masked_scatter masked_fill_ masked_fill masked_select matmul
        matrix_power matrix_exp max maximum mean nanmean median nanmedian min minimum mm mode
        movedim moveaxis msort mul mul_ multiply multiply_ multinomial mv mvlgamma mvlgamma_
        nansum narrow narrow_copy ndimension nan_to_num nan_to_num_ ne ne_ not_equal
        not_equal_ neg neg_ negative negative_ nelement nextafter nextafter_ nonzero norm numel
        numpy orgqr ormqr outer permute pinverse polygamma polygamma_ positive pow pow_ prod
        put_ qr quantile nanquantile rad2deg ravel reciprocal reciprocal_ register_hook
        register_post_accumulate_grad_hook relu relu_ remainder remainder_ renorm renorm_
        repeat repeat_interleave requires_grad_ reshape reshape_as retain_grad roll rot90
        round round_ rsqrt rsqrt_ scatter scatter_ scatter_add_ scatter_add scatter_reduce_
        scatter_reduce select select_scatter short sigmoid sigmoid_ sign sign_ signbit sgn
        sgn_ sin sin_ sinc sinc_ sinh sinh_ asinh asinh_ arcsinh arcsinh_ size slogdet
        slice_scatter softmax sort split sqrt sqrt_ square square_ squeeze squeeze_ std stride
        sub sub_ subtract subtract_ sum sum_to_size svd swapaxes swapdims t t_ tensor_split
        tile to take take_along_dim tan tan_ tanh tanh_ atanh atanh_ arctanh arctanh_ tolist
        topk trace transpose transpose_ triangular_solve tril tril_ triu triu_ true_divide
        true_divide_ trunc trunc_ type type_as unbind unflatten unfold unique
        unique_consecutive unsqueeze unsqueeze_ var vdot view view_as vsplit where xlogy
        xlogy_ zero_
    """)),
    # ---- nn.rst
    Category("torch.nn", "Parameters and containers", "torch.nn.", _names("""
        Parameter Buffer UninitializedParameter UninitializedBuffer Module Sequential
        ModuleList ModuleDict ParameterList ParameterDict
        modules.module.register_module_forward_pre_hook
        modules.module.register_module_forward_hook
        modules.module.register_module_backward_hook
        modules.module.register_module_full_backward_pre_hook
        modules.module.register_module_full_backward_hook
        modules.module.register_module_buffer_registration_hook
        modules.module.register_module_module_registration_hook
        modules.module.register_module_parameter_registration_hook
    """)),
    Category("torch.nn", "Module methods and attributes", "torch.nn.Module.", _names("""
        add_module apply bfloat16 buffers children cpu double eval extra_repr float forward
        get_buffer get_extra_state get_parameter get_submodule half load_state_dict modules
        named_buffers named_children named_modules named_parameters parameters
        register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
        register_full_backward_hook register_full_backward_pre_hook
        register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module
        register_parameter register_state_dict_post_hook register_state_dict_pre_hook
        requires_grad_ set_extra_state set_submodule state_dict to train training type
        zero_grad
    """)),
    Category("torch.nn", "Convolution layers", "torch.nn.", _names("""
        Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d
        LazyConv2d LazyConv3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d
        Unfold Fold
    """)),
    Category("torch.nn", "Pooling layers", "torch.nn.", _names("""
        MaxPool1d MaxPool2d MaxPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d AvgPool1d AvgPool2d
        AvgPool3d FractionalMaxPool2d FractionalMaxPool3d LPPool1d LPPool2d LPPool3d
        AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d AdaptiveAvgPool1d
        AdaptiveAvgPool2d AdaptiveAvgPool3d
    """)),
    Category("torch.nn", "Padding layers", "torch.nn.", _names("""
        ReflectionPad1d ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d
        ReplicationPad3d ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d
        ConstantPad3d CircularPad1d CircularPad2d CircularPad3d
    """)),
    Category("torch.nn", "Non-linear activations", "torch.nn.", _names("""
        ELU Hardshrink Hardsigmoid Hardtanh Hardswish LeakyReLU LogSigmoid MultiheadAttention
        PReLU ReLU ReLU6 RReLU SELU CELU GELU Sigmoid SiLU Mish Softplus Softshrink Softsign
        Tanh Tanhshrink Threshold GLU Softmin Softmax Softmax2d LogSoftmax
        AdaptiveLogSoftmaxWithLoss
    """)),
    Category("torch.nn", "Normalization layers", "torch.nn.", _names("""
        BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d
        GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d LazyInstanceNorm1d
        LazyInstanceNorm2d LazyInstanceNorm3d LayerNorm LocalResponseNorm RMSNorm
    """)),
    Category("torch.nn", "Recurrent layers", "torch.nn.", _names("""
        RNNBase RNN LSTM GRU RNNCell LSTMCell GRUCell
    """)),
    Category("torch.nn", "Transformer layers", "torch.nn.", _names("""
        Transformer TransformerEncoder TransformerDecoder TransformerEncoderLayer
        TransformerDecoderLayer
    """)),
    Category("torch.nn", "Linear layers", "torch.nn.", _names("""
        Identity Linear Bilinear LazyLinear
    """)),
    Category("torch.nn", "Dropout layers", "torch.nn.", _names("""
        Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout
    """)),
    Category("torch.nn", "Sparse layers", "torch.nn.", _names("""
        Embedding EmbeddingBag
    """)),
    Category("torch.nn", "Distance functions", "torch.nn.", _names("""
        CosineSimilarity PairwiseDistance
    """)),
    Category("torch.nn", "Loss functions", "torch.nn.", _names("""
        L1Loss MSELoss CrossEntropyLoss LinearCrossEntropyLoss CTCLoss NLLLoss PoissonNLLLoss
        GaussianNLLLoss KLDivLoss BCELoss BCEWithLogitsLoss MarginRankingLoss
        HingeEmbeddingLoss MultiLabelMarginLoss HuberLoss SmoothL1Loss SoftMarginLoss
        MultiLabelSoftMarginLoss CosineEmbeddingLoss MultiMarginLoss TripletMarginLoss
        TripletMarginWithDistanceLoss
    """)),
    Category("torch.nn", "Vision and shuffle layers", "torch.nn.", _names("""
        PixelShuffle PixelUnshuffle Upsample UpsamplingNearest2d UpsamplingBilinear2d
        ChannelShuffle
    """)),
    Category("torch.nn", "Utilities", "torch.nn.", _names("""
        Flatten Unflatten utils.clip_grad_norm_ utils.clip_grad_norm utils.clip_grad_value_
        utils.get_total_norm utils.clip_grads_with_norm_ utils.parameters_to_vector
        utils.vector_to_parameters utils.fuse_conv_bn_eval utils.fuse_conv_bn_weights
        utils.fuse_linear_bn_eval utils.fuse_linear_bn_weights utils.weight_norm
        utils.remove_weight_norm utils.spectral_norm utils.remove_spectral_norm utils.skip_init
        utils.parametrizations.orthogonal utils.parametrizations.weight_norm
        utils.parametrizations.spectral_norm utils.parametrize.register_parametrization
        utils.parametrize.remove_parametrizations utils.parametrize.cached
        utils.parametrize.is_parametrized utils.stateless.functional_call
        utils.rnn.PackedSequence utils.rnn.pack_padded_sequence utils.rnn.pad_packed_sequence
        utils.rnn.pad_sequence utils.rnn.pack_sequence utils.rnn.unpack_sequence
        utils.rnn.unpad_sequence
    """)),
    # ---- nn.functional.rst
    Category("torch.nn.functional", "Convolution functions", "torch.nn.functional.", _names("""
        conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d unfold fold
    """)),
    Category("torch.nn.functional", "Pooling functions", "torch.nn.functional.", _names("""
        avg_pool1d avg_pool2d avg_pool3d max_pool1d max_pool2d max_pool3d max_unpool1d
        max_unpool2d max_unpool3d lp_pool1d lp_pool2d lp_pool3d adaptive_max_pool1d
        adaptive_max_pool2d adaptive_max_pool3d adaptive_avg_pool1d adaptive_avg_pool2d
        adaptive_avg_pool3d fractional_max_pool2d fractional_max_pool3d
    """)),
    Category("torch.nn.functional", "Attention", "torch.nn.functional.", _names("""
        scaled_dot_product_attention
    """)),
    Category("torch.nn.functional", "Non-linear activations and normalization",
             "torch.nn.functional.", _names("""
        threshold threshold_ relu relu_ hardtanh hardtanh_ hardswish relu6 elu elu_ selu celu
        leaky_relu leaky_relu_ prelu rrelu rrelu_ glu gelu logsigmoid hardshrink tanhshrink
        softsign softplus softmin softmax softshrink gumbel_softmax log_softmax tanh sigmoid
        hardsigmoid silu mish batch_norm group_norm instance_norm layer_norm
        local_response_norm rms_norm normalize
    """)),
    Category("torch.nn.functional", "Linear functions", "torch.nn.functional.", _names("""
        linear bilinear
    """)),
    Category("torch.nn.functional", "Dropout functions", "torch.nn.functional.", _names("""
        dropout alpha_dropout feature_alpha_dropout dropout1d dropout2d dropout3d
    """)),
    Category("torch.nn.functional", "Sparse functions", "torch.nn.functional.", _names("""
        embedding embedding_bag one_hot
    """)),
    Category("torch.nn.functional", "Distance functions", "torch.nn.functional.", _names("""
        pairwise_distance cosine_similarity pdist
    """)),
    Category("torch.nn.functional", "Loss functions", "torch.nn.functional.", _names("""
        binary_cross_entropy binary_cross_entropy_with_logits poisson_nll_loss
        cosine_embedding_loss cross_entropy ctc_loss gaussian_nll_loss hinge_embedding_loss
        kl_div l1_loss linear_cross_entropy mse_loss margin_ranking_loss
        multilabel_margin_loss multilabel_soft_margin_loss multi_margin_loss nll_loss
        huber_loss smooth_l1_loss soft_margin_loss triplet_margin_loss
        triplet_margin_with_distance_loss
    """)),
    Category("torch.nn.functional", "Vision functions", "torch.nn.functional.", _names("""
        pixel_shuffle pixel_unshuffle pad interpolate upsample upsample_nearest
        upsample_bilinear grid_sample affine_grid
    """)),
    # ---- nn.init.rst
    Category("torch.nn.init", "", "torch.nn.init.", _names("""
        calculate_gain uniform_ normal_ constant_ ones_ zeros_ eye_ dirac_ xavier_uniform_
        xavier_normal_ kaiming_uniform_ kaiming_normal_ trunc_normal_ orthogonal_ sparse_
    """)),
    # ---- optim.rst
    Category("torch.optim", "Optimizer base class", "torch.optim.", _names("""
        Optimizer Optimizer.add_param_group Optimizer.load_state_dict Optimizer.state_dict
        Optimizer.step Optimizer.zero_grad Optimizer.param_groups Optimizer.state
        Optimizer.defaults Optimizer.register_load_state_dict_pre_hook
        Optimizer.register_load_state_dict_post_hook Optimizer.register_state_dict_pre_hook
        Optimizer.register_state_dict_post_hook Optimizer.register_step_pre_hook
        Optimizer.register_step_post_hook optimizer.register_optimizer_step_pre_hook
        optimizer.register_optimizer_step_post_hook swap_in_optimizer_params_and_state
    """)),
    Category("torch.optim", "Algorithms", "torch.optim.", _names("""
        Adadelta Adafactor Adagrad Adam AdamW Adamax ASGD LBFGS Muon NAdam RAdam RMSprop Rprop
        SGD
    """)),
    Category("torch.optim", "Learning-rate schedulers", "torch.optim.lr_scheduler.", _names("""
        LRScheduler LRScheduler.get_last_lr LRScheduler.step LRScheduler.state_dict
        LRScheduler.load_state_dict LambdaLR MultiplicativeLR StepLR MultiStepLR ConstantLR
        LinearLR ExponentialLR PolynomialLR CosineAnnealingLR ChainedScheduler SequentialLR
        ReduceLROnPlateau CyclicLR OneCycleLR CosineAnnealingWarmRestarts
    """)),
    Category("torch.optim", "Weight averaging (SWA and EMA)", "torch.optim.swa_utils.", _names("""
        AveragedModel SWALR update_bn get_ema_multi_avg_fn get_ema_avg_fn get_swa_avg_fn
        get_swa_multi_avg_fn
    """)),
    # ---- data.rst
    Category("torch.utils.data", "", "torch.utils.data.", _names("""
        Dataset IterableDataset TensorDataset StackDataset ConcatDataset ChainDataset Subset
        random_split DataLoader default_collate default_convert get_worker_info Sampler
        SequentialSampler RandomSampler SubsetRandomSampler WeightedRandomSampler BatchSampler
    """)),
    # ---- autograd.rst
    Category("torch.autograd", "", "torch.autograd.", _names("""
        backward grad Function Function.forward Function.backward Function.setup_context
        Function.apply Function.jvp function.FunctionCtx.save_for_backward
        function.FunctionCtx.mark_dirty function.FunctionCtx.mark_non_differentiable
        function.FunctionCtx.set_materialize_grads function.once_differentiable
        functional.jacobian functional.hessian functional.vjp functional.jvp functional.vhp
        functional.hvp gradcheck gradgradcheck detect_anomaly set_detect_anomaly graph.Node
        graph.saved_tensors_hooks graph.register_multi_grad_hook forward_ad.dual_level
        forward_ad.make_dual forward_ad.unpack_dual Variable
    """)),
    # ---- func.rst (function transforms; vmap is out of scope, below)
    Category("torch.func", "", "torch.func.", _names("""
        grad grad_and_value vjp jacrev jacfwd hessian functional_call
    """)),
]

# Present in microtensor, with a difference its docstrings state. Keep each to one clause;
# the docstring has the detail.
DIFFERS: dict[str, str] = {
    "torch.autocast": "marks the region only: every op runs in its tensors' own dtype",
    "torch.amp.autocast": "marks the region only: every op runs in its tensors' own dtype",
    "torch.func.jacfwd": "computed by reverse mode: the same values, at jacrev's cost",
    "torch.func.functional_call": "a plain call of the module in another thread meanwhile "
                                  "sees the substituted tensors",
    "torch.autograd.Function": "several differentiable outputs must share one dtype; an "
                               "unused output's gradient is zeros, never None",
    "torch.device": "compares equal to its string (device('cpu') == 'cpu' is True); only the "
                    "CPU holds tensors, as a CPU-only PyTorch build",
    "torch.max": "with dim, tied maxima share the gradient (PyTorch: all to the returned index)",
    "torch.min": "with dim, tied minima share the gradient (PyTorch: all to the returned index)",
    "torch.Tensor.max": "as torch.max: tied maxima share the gradient",
    "torch.Tensor.min": "as torch.min: tied minima share the gradient",
    "torch.norm": "p='nuc' is not supported; 'fro' is accepted with any number of dims",
    "torch.Tensor.norm": "as torch.norm: no p='nuc'",
    "torch.sort": "always stable: stable=False gives the stable=True order",
    "torch.Tensor.sort": "as torch.sort: always stable",
    "torch.argsort": "always stable: stable=False gives the stable=True order",
    "torch.Tensor.argsort": "as torch.argsort: always stable",
    "torch.topk": "sorted=False still sorts; of tied values the earliest index is taken",
    "torch.Tensor.topk": "as torch.topk: always sorted, earliest index among ties",
    "torch.kthvalue": "of tied values the first in a stable sort is returned",
    "torch.Tensor.kthvalue": "as torch.kthvalue: first of tied values in a stable sort",
    "torch.median": "with dim, of tied values the first in a stable sort is returned",
    "torch.Tensor.median": "as torch.median: first of tied values in a stable sort",
    "torch.unique": "sorted=False still sorts (as PyTorch's CPU kernel mostly does)",
    "torch.Tensor.unique": "as torch.unique: always sorted",
    "torch.prod": "dim may also be a tuple of dims (PyTorch: one int)",
    "torch.Tensor.prod": "as torch.prod: dim may be a tuple",
    "torch.bincount": "no gradient for weights (PyTorch records one whose backward raises)",
    "torch.heaviside": "the result never requires grad (PyTorch records one whose backward "
                       "raises)",
    "torch.Tensor.heaviside": "as torch.heaviside: the result never requires grad",
    "torch.histogram": "no gradient for weight (PyTorch records one whose backward raises)",
    "torch.Tensor.is_inference": "always False: inference_mode makes ordinary tensors",
    "torch.inference_mode": "tensors made inside are ordinary (usable later with autograd)",
    "torch.set_num_threads": "recorded only: NumPy's BLAS threads are fixed at start",
    "torch.set_default_dtype": "float32 and float64 only",
    "torch.uint64": "a name only: uint64 tensors are refused (NumPy promotes uint64 with "
                    "int64 to float64)",
    "torch.bfloat16": "a name only: NumPy has no bfloat16",
    "torch.Tensor.stride": "a NumPy view may have negative strides ([::-1])",
    "torch.linspace": "may differ from PyTorch's SIMD kernel in the last bit",
    "torch.rand": "float32 and float64 only (no PyTorch-matching float16 sampler)",
    "torch.randn": "float32 and float64 only (no PyTorch-matching float16 sampler)",
    "torch.utils.data.IterableDataset": "num_workers is ignored (one process)",
    "torch.Tensor.view": "may copy where NumPy's layout is not PyTorch's (a conv2d output)",
    "torch.meshgrid": "no warning when indexing is omitted (it is 'ij', PyTorch's default)",
    "torch.scatter": "reduce='add'/'multiply' is differentiable (PyTorch's backward raises)",
    "torch.Tensor.scatter": "as torch.scatter: reduce= is differentiable",
    "torch.Tensor.scatter_": "as torch.scatter: reduce= is differentiable",
    "torch.Tensor.unfold": "where windows overlap (step < size) the view is read-only",
    "torch.Tensor.squeeze_": "refused on a tensor that has live views of its own",
    "torch.Tensor.unsqueeze_": "refused on a tensor that has live views of its own",
    "torch.Tensor.t_": "refused on a tensor that has live views of its own",
    "torch.Tensor.transpose_": "refused on a tensor that has live views of its own",
    "torch.gather": "sparse_grad is accepted and ignored (gradients are dense)",
    "torch.Tensor.gather": "as torch.gather: sparse_grad is ignored",
    "torch.nn.Module": "no global, always_call or state-dict hooks",
    "torch.nn.Conv2d": "padding_mode 'zeros' only",
    "torch.nn.utils.vector_to_parameters": "copies into each parameter (PyTorch makes views)",
    "torch.optim.Adagrad": "a param group's own initial_accumulator_value is used",
    "torch.utils.data.DataLoader": "batch_size=None is one full batch; num_workers is ignored",
    "torch.linalg.inv_ex": "a singular matrix's inverse is all nan (PyTorch: LAPACK's partial "
                           "result), and not differentiable",
    "torch.cholesky_solve": "the forward reads the whole factor (PyTorch: one triangle); "
                            "gradients agree",
    "torch.Tensor.cholesky_solve": "as torch.cholesky_solve: the whole factor is read",
    "torch.cholesky_inverse": "the forward reads the whole factor (PyTorch: one triangle)",
    "torch.Tensor.cholesky_inverse": "as torch.cholesky_inverse: the whole factor is read",
    "torch.linalg.pinv": "hermitian=True reads the whole matrix (its SVD), not one triangle",
    "torch.linalg.solve_triangular": "an exactly singular triangle raises LinAlgError "
                                     "(PyTorch returns inf/nan)",
    "torch.linalg.lstsq": "solution is pinv(A) B and rank counts singular values, for every "
                          "driver (same results for full-rank A)",
    "torch.cdist": "compute_mode is accepted and ignored: distances are never computed by matmul",
    "torch.linalg.det": "at an exactly singular matrix the gradient is the adjugate (its true "
                        "derivative; PyTorch 2.13 gives 0 when LU meets an exact zero pivot)",
    "torch.det": "as torch.linalg.det: the adjugate at an exactly singular matrix",
    "torch.linalg.svd": "singular vectors' signs are NumPy's LAPACK's, which may differ from "
                        "PyTorch's by a sign per (u, v) pair (wide matrices, mostly)",
    "torch.svd_lowrank": "as torch.linalg.svd: a sign per (u, v) pair may differ; same draws "
                         "and values",
    "torch.pca_lowrank": "as torch.svd_lowrank: a sign per (u, v) pair may differ",
    "torch.geqrf": "no gradient (PyTorch records one whose backward raises)",
    "torch.linalg.ldl_factor": "no gradient (PyTorch records one whose backward raises); the "
                               "error for a singular input is a LinAlgError",
    "torch.linalg.ldl_factor_ex": "no gradient (PyTorch records one whose backward raises)",
    "torch.linalg.ldl_solve": "no gradient (PyTorch records one whose backward raises)",
    "torch.matmul": "operands of different dtypes are promoted (PyTorch raises)",
    "torch.mm": "as torch.matmul: mixed dtypes are promoted",
    "torch.bmm": "as torch.matmul: mixed dtypes are promoted",
    "torch.linalg.cholesky_ex": "a failed matrix's L is all nan (PyTorch: LAPACK's partial "
                                "result)",
    "torch.linalg.solve_ex": "a singular system's result is all nan (PyTorch: LAPACK's partial "
                             "result)",
}

# Families left out of the tables: (family, examples, why).
OUT_OF_SCOPE: list[tuple[str, str, str]] = [
    ("Complex numbers",
     "`complex`, `polar`, `view_as_real`, `conj`, `angle`, `Tensor.real`, `Tensor.cfloat`, "
     "`Tensor.H`, `linalg.eig`",
     "tensors hold real (float, int, bool) NumPy arrays; complex data is refused"),
    ("Quantization",
     "`quantize_per_tensor`, `dequantize`, `fake_quantize_*`, `Tensor.q_scale`, "
     "`F.scaled_mm`",
     "integer-kernel inference machinery, not autograd on floats"),
    ("Sparse tensors",
     "`sparse_coo_tensor`, `Tensor.to_sparse`, `Tensor.indices`, `smm`, "
     "`optim.SparseAdam`, `Tensor.layout`",
     "every tensor is one dense NumPy array"),
    ("FFT and spectral ops", "`torch.fft`, `stft`, `istft`, `hann_window`",
     "signal processing with complex results, outside a small-model engine"),
    ("Distributed and multi-process",
     "`torch.distributed`, `nn.DataParallel`, `DistributedDataParallel`, `SyncBatchNorm`, "
     "`DistributedSampler`",
     "one process on one CPU"),
    ("CUDA, MPS and other accelerators",
     "`Tensor.cuda`, `Module.cuda`, `Stream`, `Event`, `Tensor.record_stream`, meta tensors",
     "NumPy computes on the CPU; the CPU-only stubs scripts use to pick a device "
     "(`cuda.is_available`, `Tensor.is_cuda`, `Tensor.to`, `device`) are in the tables"),
    ("JIT, compilation and export",
     "`torch.jit`, `torch.compile`, `torch.export`, `Module.compile`, "
     "`Tensor.nonzero_static`, `SymInt`",
     "eager execution only"),
    ("Vectorizing map", "`torch.vmap`, `torch.func.vmap`, `Function.vmap`",
     "it needs a dispatcher that batches every op; `microtensor.func`'s transforms and "
     "`torch.autograd.functional` cover Jacobians and Hessians without it"),
    ("Named tensors", "`Tensor.names`, `refine_names`, `rename`, `align_to`",
     "a prototype API of PyTorch's"),
    ("Storage, memory-format and pinning internals",
     "`Tensor.storage`, `data_ptr`, `storage_offset`, `as_strided`, `set_`, `resize_`, "
     "`share_memory_`, `pin_memory`, `empty_strided`, `frombuffer`, `from_dlpack`, "
     "`channels_last`, `Module.to_empty`",
     "NumPy owns the memory; `from_numpy` and `.numpy()` are the interchange"),
    ("Dunder and subclassing internals",
     "`Tensor.__torch_function__`, `Tensor.as_subclass`, `_foreach_*`, the operator methods "
     "`__add__` ...",
     "the named methods are listed instead; operators are in [ops.md](ops.md)"),
    ("Profiling and model compression",
     "`torch.profiler`, `autograd.profiler`, `nn.utils.prune`, `autograd.graph.save_on_cpu`",
     "tools about kernels, devices and deployment, layered on the API this page tracks"),
    ("DataPipes", "`IterDataPipe`, `MapDataPipe`", "deprecated by PyTorch (torchdata)"),
]


# ---------------------------------------------------------------------------- lookup

MISSING = object()


def _module_instance(root: types.ModuleType) -> Any:
    return root.nn.Module()


def _optimizer_instance(root: types.ModuleType) -> Any:
    return root.optim.SGD([root.nn.Parameter(root.zeros(1))], lr=0.1)


# Attributes PyTorch sets in __init__ (``Module.training``, ``Optimizer.param_groups``) are
# not on the class: they are looked up on an instance these build, from torch or microtensor.
INSTANCES: dict[str, Callable[[types.ModuleType], Any]] = {
    "nn.Module": _module_instance,
    "optim.Optimizer": _optimizer_instance,
}


def resolve(root: types.ModuleType, name: str) -> Any:
    """What ``name`` ("torch.nn.functional.relu") is in ``root`` (torch or microtensor).

    Each part is an attribute, or a submodule not imported yet (``torch.utils.data``), or,
    last, an attribute of an instance built by ``INSTANCES``. A name that ends on a module
    counts as missing: ``microtensor.random`` is a module, not a function.

    Returns:
        The object, or ``MISSING``.
    """
    parts = name.split(".")[1:]
    obj: Any = root
    for i, part in enumerate(parts):
        try:
            obj = getattr(obj, part)
            continue
        except AttributeError:
            pass
        if isinstance(obj, types.ModuleType):
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
                continue
            except ImportError:
                return MISSING
        factory = INSTANCES.get(".".join(parts[:i]))
        if factory is None or i != len(parts) - 1:
            return MISSING
        try:
            instance = factory(root)
        except Exception:  # the class cannot be built here: count its attribute missing
            return MISSING
        return getattr(instance, part, MISSING)
    return MISSING if isinstance(obj, types.ModuleType) else obj


def status(name: str) -> str:
    """✔, ✘ or "differs: ..." for a PyTorch name, from microtensor."""
    if resolve(microtensor, name) is MISSING:
        return NO
    if name in DIFFERS:
        return f"differs: {DIFFERS[name]}"
    return YES


# ---------------------------------------------------------------------------- the page

INTRO = """\
# PyTorch API coverage

`import microtensor as torch` should run PyTorch CPU eager code unchanged. This page lists
PyTorch's public names, grouped as PyTorch's reference pages group them (`torch`, `torch.linalg`,
`torch.Tensor`, `torch.nn`, `torch.nn.functional`, `torch.nn.init`, `torch.optim`,
`torch.utils.data`, `torch.autograd`, `torch.func`), and says for each whether microtensor has it:

- ✔ microtensor has the name at the same place (`torch.nn.functional.relu` is
  `microtensor.nn.functional.relu`);
- differs: … microtensor has it, with a difference its docstring states;
- ✘ microtensor does not have it yet.

A ✔ says the name exists, not that every argument does: the op tests and the comparisons with
PyTorch (`tests/oracle`) check behaviour. The lists are curated by hand in `docs/gen_api.py`;
each name's status is found by importing microtensor. This file is generated by that script;
do not edit it by hand. Regenerate it with

    python docs/gen_api.py

`tests/test_api_doc.py` fails when this file is stale, and
`tests/oracle/test_api_names_vs_torch.py` checks that torch 2.13 has every listed name.
The in-place samplers (`Tensor.normal_`, `Tensor.uniform_` ...) are listed once, under
"torch: Random sampling". Names PyTorch's documentation has but torch 2.13 lacks are left out.

## Out of scope

These families are left out of the tables, each for the reason given: mostly, they do not fit
an engine of dense real NumPy arrays on one CPU.
"""

NOT_TABULATED = """\
Other namespaces (`torch.distributions`, `torch.special`, `torch.hub`, `torch.testing`,
`torch.utils.tensorboard`, `torch.utils.checkpoint` ...) are not out of scope but have no
table yet: add a `Category` to `docs/gen_api.py` to track one.
"""


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def summary(statuses: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The coverage table: one row per category, a bold subtotal per group, a total."""
    lines = ["| category | names | ✔ | differs | ✘ | covered |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def row(label: str, rows: list[tuple[str, str]], bold: bool = False) -> str:
        yes = sum(s == YES for _, s in rows)
        differs = sum(s.startswith("differs") for _, s in rows)
        no = sum(s == NO for _, s in rows)
        cells = [label, str(len(rows)), str(yes), str(differs), str(no),
                 _percent(yes + differs, len(rows))]
        if bold:
            cells = [f"**{c}**" for c in cells]
        return "| " + " | ".join(cells) + " |"

    groups = list(dict.fromkeys(c.group for c in CATEGORIES))
    for group in groups:
        in_group = [c for c in CATEGORIES if c.group == group]
        if len(in_group) > 1:
            lines.append(row(group, [r for c in in_group for r in statuses[c.heading]], True))
        for c in in_group:
            lines.append(row(c.heading, statuses[c.heading]))
    lines.append(row("total", [r for rows in statuses.values() for r in rows], True))
    return lines


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def render() -> str:
    """The whole of docs/api.md."""
    statuses = {c.heading: [(n, status(n)) for n in c.full_names()] for c in CATEGORIES}
    out = [INTRO]
    for family, examples, why in OUT_OF_SCOPE:
        out.append(f"- **{family}** ({examples}): {why}.")
    out += ["", NOT_TABULATED, "## Coverage", ""]
    out += summary(statuses)
    out += ["", "Covered counts ✔ and differs. Categories: "
            + ", ".join(f"[{c.heading}](#{_anchor(c.heading)})" for c in CATEGORIES) + ".", ""]
    for c in CATEGORIES:
        out += [f"## {c.heading}", "", "| name | status |", "| --- | --- |"]
        out += [f"| `{name}` | {st} |" for name, st in statuses[c.heading]]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/api.md: PyTorch names and "
                                     "whether microtensor has them.")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/api.md differs from what would be generated")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(),
                                        "docs/api.md", "generated", lineterm="", n=0)
            print("\n".join(list(diff)[:40]), file=sys.stderr)
            print("docs/api.md is stale: run `python docs/gen_api.py`", file=sys.stderr)
            return 1
        print("docs/api.md is current")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    start = text.index("## Coverage")
    print(text[start:text.index("\n\nCovered counts", start)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
