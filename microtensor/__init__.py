"""microtensor: reverse-mode autograd on NumPy, with PyTorch's API.

``import microtensor as mt`` and write what you would write with ``torch``:
``mt.tensor``, ``mt.randn``, ``x.backward()``, ``mt.no_grad()`` ... The public
names are listed in ``__all__`` below, grouped as in ``DESIGN.md``.
"""

# tensor first: it loads autograd and the ops in an order that resolves their imports.
from .tensor import Tensor, tensor  # isort: skip

from . import autograd, data, dtypes, nn, optim, train, utils, viz
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from .errors import (
    DimensionError,
    DivisionByZeroError,
    DtypeError,
    GradcheckError,
    ShapeError,
    ValueRangeError,
)
from .gradcheck import gradcheck, gradgradcheck
from .ops.activation import log_softmax, softmax
from .ops.elementwise import (
    abs,
    add,
    allclose,
    clamp,
    clip,
    cos,
    div,
    eq,
    exp,
    floor_divide,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    logical_and,
    logical_not,
    logical_or,
    lt,
    masked_fill,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    reciprocal,
    relu,
    remainder,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    tanh,
    where,
)
from .ops.linalg import bmm, dot, matmul, mm
from .ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .ops.shape import (
    cat,
    chunk,
    flatten,
    gather,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unflatten,
    unsqueeze,
)
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .serialization import load, save
from .torch_interop import from_torch, to_torch

concat = concatenate = cat

__version__ = "0.1.0"

__all__ = [
    # tensors and autograd
    "Tensor", "tensor", "Function", "autograd", "nn", "optim", "train", "data", "utils", "viz",
    "save", "load", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "gradcheck", "from_torch", "to_torch", "gradgradcheck",
    # dtypes
    "dtypes", "bool", "float16", "float32", "float64", "half", "float", "double", "uint8",
    "int8", "int16", "int32", "int64", "long", "get_default_dtype", "set_default_dtype",
    # errors
    "DimensionError", "DivisionByZeroError", "DtypeError", "GradcheckError", "ShapeError",
    "ValueRangeError",
    # creation and random
    "arange", "empty", "empty_like", "eye", "from_numpy", "full", "full_like", "linspace",
    "ones", "ones_like", "zeros", "zeros_like", "Generator", "initial_seed", "manual_seed",
    "normal", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm",
    "seed", "bernoulli", "multinomial", "default_generator", "get_rng_state", "set_rng_state",
    # math
    "device", "floor_divide", "remainder",
    "abs", "add", "clamp", "clip", "cos", "div", "exp", "log", "maximum", "minimum", "mul",
    "neg", "pow", "reciprocal", "relu", "sigmoid", "sign", "sin", "sqrt", "square", "sub",
    "tanh", "where", "masked_fill", "eq", "ne", "lt", "le", "gt", "ge", "isfinite", "isinf",
    "isnan", "isclose", "allclose", "logical_and", "logical_not", "logical_or",
    "matmul", "mm", "bmm", "dot",
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "logsumexp", "norm", "prod", "all", "any", "softmax", "log_softmax",
    "reshape", "transpose", "permute", "flatten", "unflatten", "squeeze", "unsqueeze", "cat",
    "concat", "concatenate", "stack", "split", "chunk", "gather",
]
