"""PyTorch's CPU sampling algorithms, on NumPy arrays, draw for draw.

Each function takes a :class:`~microtensor.generator.Generator`, consumes its raw
32/64-bit draws exactly as the matching ATen CPU kernel does (same draws, same
order, same arithmetic), and returns a flat NumPy array. Sources, PyTorch 2.13:
``aten/src/ATen/core/TransformationHelper.h`` (draw → number),
``core/DistributionsHelper.h`` (scalar normal with its cached second value),
``native/cpu/DistributionTemplates.h`` (the kernels, 16-wide Box–Muller),
``native/cpu/avx_mathfun.h`` (its float32 log/sincos), ``native/Distributions.cpp``
(multinomial) and ``native/TensorFactories.cpp`` (randperm).

Floating-point details that decide the last bit:

* ATen's ``cpu/`` kernels are compiled with FMA enabled and GCC contracts
  ``a * b + c`` into one fused multiply-add. :func:`_fma32` reproduces that in
  float64 (a product of two float32 is exact there, so one rounding to float32
  remains, as in hardware; a double-rounding miss is ~2**-29 per op).
* float32 normals of 16 or more use ``avx_mathfun``'s polynomial ``log`` and
  ``sincos``, emulated operation by operation below (so they are bit-exact).
* float64 normals call the C library's ``log``/``sin``/``cos`` (Python's
  ``math``, which is the same glibc as PyTorch's), not NumPy's SIMD versions,
  which differ in the last bit for about 1 draw in 800.
"""

from __future__ import annotations

import math

import numpy as np

from .generator import Generator

_F32, _F64 = np.float32, np.float64


class SamplerDtypeError(TypeError, NotImplementedError):
    """A sampler asked for a dtype it has no kernel for (``rand(dtype=int64)``): PyTorch
    raises NotImplementedError ("not implemented for 'Long'"), Python code expects a
    TypeError; this is both."""
_MASK53 = np.uint64((1 << 53) - 1)
_CHUNK = 1 << 16  # elementwise work in pieces that stay in the L2 cache


def _fma32(a: np.ndarray, b, c) -> np.ndarray:
    """float32 ``fma(a, b, c)``: one rounding of the exact ``a * b + c``."""
    # Convert once, then work in place: a mixed float32/float64 ufunc call is several
    # times slower. Pass an array ``b`` as float64 (converted once per chain).
    r = a.astype(_F64)
    r *= b if isinstance(b, np.ndarray) else float(b)
    r += c if isinstance(c, np.ndarray) else float(c)
    return r.astype(_F32)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int32)


# --------------------------------------------------------------------------- uniform


def unit_float32(gen: Generator, n: int) -> np.ndarray:
    """``n`` uniforms in [0, 1) as float32: ``(random() & (2**24 - 1)) * 2**-24``."""
    low = gen.random32(n) & np.uint32(0xFFFFFF)
    return low.view(np.int32).astype(_F32) * _F32(2.0**-24)  # int32 → float32 is fast


def unit_float64(gen: Generator, n: int) -> np.ndarray:
    """``n`` uniforms in [0, 1) as float64: ``(random64() & (2**53 - 1)) * 2**-53``."""
    return (gen.random64(n) & _MASK53).astype(_F64) * 2.0**-53


def uniform(gen: Generator, n: int, low: float, high: float, dtype: np.dtype) -> np.ndarray:
    """``uniform_(low, high)``: ``x * (high - low) + low`` in the tensor's dtype (fused)."""
    dtype = np.dtype(dtype)
    if dtype == _F32:
        lo, hi = _F32(low), _F32(high)
        return _fma32(unit_float32(gen, n), hi - lo, lo)
    if dtype == _F64:
        lo, hi = _F64(low), _F64(high)
        return _fused(unit_float64(gen, n), hi - lo, lo)
    raise SamplerDtypeError(f"uniform_: expected a floating-point tensor, got dtype {dtype}")


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """float64 ``fma(a, b, c)``: ``a * b`` split exactly into ``p + e`` (Dekker), then
    ``p + c`` with its own error (two-sum), and one final sum of the pieces; equal to the
    hardware's single rounding except when that sum itself rounds (rare)."""
    p = a * b
    # Dekker/Veltkamp: the product's rounding error e, so a*b = p + e exactly.
    split = 134217729.0  # 2**27 + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    # s's own rounding error (two-sum), then the one correction term.
    bb = s - p
    err = (p - (s - bb)) + (c - bb)
    return s + (err + e)


# --------------------------------------------------------------------------- normal


def _log256(x: np.ndarray) -> np.ndarray:
    """avx_mathfun's ``log256_ps`` (Cephes logf) for positive normal float32, op by op.

    Masks and sign flips are integer operations on the float bits, as in the original
    (NumPy's masked ``where=`` loops are several times slower than the arithmetic)."""
    bits = _bits(x)
    e = (bits >> 23).astype(_F32) - _F32(126)  # exponent + 1 (small integers: exact)
    x = ((bits & np.int32(~0x7F800000)) | np.int32(0x3F000000)).view(_F32)  # in [.5, 1)
    small = -(x < _F32(0.707106781186547524)).astype(np.int32)  # all ones where x < √½
    tmp = (_bits(x) & small).view(_F32)
    x = x - _F32(1)
    e = e - (small & np.int32(0x3F800000)).view(_F32)  # e - 1 where small
    x = x + tmp
    z = x * x
    x64 = x.astype(_F64)  # converted once for the whole Horner chain
    y = _fma32(x64, _F32(7.0376836292e-2), _F32(-1.1514610310e-1))
    for p in (1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
              2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1):
        y = _fma32(y, x64, _F32(p))
    y = y * x
    y = _fma32(y, z, e * _F32(-2.12194440e-4))
    y = y - z * _F32(0.5)
    # fma(e, q2, x + y): e * q2 is exact in float32 (a small integer times a 9-bit
    # constant), so the fused and the plain sum round alike.
    return (x + y) + e * _F32(0.693359375)


# Cephes' cosine and sine polynomial coefficients, one column each, as float32 values.
_COS_SIN_P = np.array([[2.443315711809948e-5, -1.9515295891e-4],
                       [-1.388731625493765e-3, 8.3321608736e-3],
                       [4.166664568298827e-2, -1.6666654611e-1]],
                      dtype=_F32).astype(_F64).reshape(3, 2, 1, 1)


def _sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """avx_mathfun's ``sincos256_ps`` (Cephes sinf/cosf) for x >= 0, op by op."""
    j = (x * _F32(1.27323954473516)).astype(np.int32)  # x * 4/pi, truncated
    j = (j + 1) & ~1
    y = j.astype(_F32)
    # x - j*pi/4 in three pieces (Cody–Waite); j times the first two is exact in float32,
    # so only the third needs the fused multiply-add.
    x = x + y * _F32(-0.78515625)
    x = x + y * _F32(-2.4187564849853515625e-4)
    x = _fma32(y, _F32(-3.77489497744594108e-8), x)
    # The sign bits to flip in sin and cos, and all ones where sin takes the sine
    # polynomial: Cephes' (j & 4) << 29, (~(j - 2) & 4) << 29 and (j & 2) == 0, written
    # with fewer NumPy passes for j in {0, 2, 4, 6, 8}.
    sin_sign = (j & 4) << 29
    cos_sign = ((j + 2) & 4) << 29
    poly = ((j & 2) - 1) >> 31
    z = x * x
    z64 = z.astype(_F64)  # converted once for both polynomials
    # The first two Horner steps of the cosine (row 0) and sine (row 1) polynomials, both
    # at once (half the NumPy calls).
    cs = z64 * _COS_SIN_P[0]  # shape (2, *z.shape)
    cs += _COS_SIN_P[1]
    cs = _fma32(cs.astype(_F32), z64, _COS_SIN_P[2])
    c = cs[0] * z
    c = _fma32(c, z64, -(z * _F32(0.5))) + _F32(1)
    x64 = x.astype(_F64)
    s = _fma32(cs[1] * z, x64, x64)
    sb, cb = _bits(s), _bits(c)
    sin = ((sb & poly) | (cb & ~poly)) ^ sin_sign
    cos = ((cb & poly) | (sb & ~poly)) ^ cos_sign
    return sin.view(_F32), cos.view(_F32)


def _box_muller16_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``normal_fill_16_AVX2`` on rows of 16 uniforms: pairs (i, i + 8) → two normals."""
    out = np.empty_like(u)
    mean32, std32 = _F32(mean), _F32(std)
    for a in range(0, len(u), _CHUNK // 16):
        blk = u[a:a + _CHUNK // 16]
        radius = np.sqrt(_F32(-2) * _log256(_F32(1) - blk[:, :8]))
        sin, cos = _sincos256(_F32(2.0 * math.pi) * blk[:, 8:])
        rows = out[a:a + len(blk)]
        if std32 == 1 and mean32 == 0:  # fma(n, 1, 0) is n
            np.multiply(radius, cos, out=rows[:, :8])
            np.multiply(radius, sin, out=rows[:, 8:])
        else:
            rows[:, :8] = _fma32(radius * cos, std32, mean32)
            rows[:, 8:] = _fma32(radius * sin, std32, mean32)
    return out


def _box_muller16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``normal_fill_16<double>``: ``sqrt(-2 log(1 - u_i)) * (cos|sin)(2 pi u_{i+8})``."""
    radius = np.sqrt(-2.0 * np.array([math.log(v) for v in (1.0 - u[:, :8]).ravel().tolist()]))
    theta = (2.0 * math.pi * u[:, 8:]).ravel().tolist()
    cos = np.array([math.cos(t) for t in theta])
    sin = np.array([math.sin(t) for t in theta])
    out = np.empty_like(u)
    out[:, :8] = _fused(radius * cos, std, mean).reshape(-1, 8)
    out[:, 8:] = _fused(radius * sin, std, mean).reshape(-1, 8)
    return out


def _fused(x: np.ndarray, std: float, mean: float) -> np.ndarray:
    return x if std == 1.0 and mean == 0.0 else _fma64(x, _F64(std), _F64(mean))


def _normal_fill(gen: Generator, n: int, mean: float, std: float, dtype: np.dtype) -> np.ndarray:
    """``normal_fill``: n uniforms, Box–Muller on each block of 16; a ragged end redraws
    16 fresh uniforms for the last 16 slots and transforms those."""
    f32 = dtype == _F32
    draw = unit_float32 if f32 else unit_float64
    bm = _box_muller16_f32 if f32 else _box_muller16_f64
    u = draw(gen, n)
    full = n - n % 16
    if full == n:  # no ragged end: the transform's own array is the result (no copy)
        return bm(u.reshape(-1, 16), mean, std).reshape(-1)
    out = np.empty(n, dtype)
    out[:full] = bm(u[:full].reshape(-1, 16), mean, std).ravel()
    if n % 16:
        out[n - 16:] = bm(draw(gen, 16).reshape(1, 16), mean, std).ravel()
    return out


def _normal_scalar(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """``at::normal_distribution<double>``, one value at a time: each fresh pair (u1, u2) of
    53-bit uniforms gives ``r cos(2 pi u1)`` now and caches ``r sin(2 pi u1)`` for the next
    value, ``r = sqrt(-2 log1p(-u2))``; the cache lives in the generator across calls."""
    vals: list[float] = []
    cached, gen._next_double_normal = gen._next_double_normal, None
    if cached is not None:
        vals.append(cached)
    pairs = max(n - len(vals) + 1, 0) // 2
    u = unit_float64(gen, 2 * pairs).tolist()
    for u1, u2 in zip(u[0::2], u[1::2]):
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        vals += (r * math.cos(theta), r * math.sin(theta))
    if len(vals) > n:
        gen._next_double_normal = vals.pop()
    return _fused(np.array(vals, dtype=_F64), std, mean)


def normal(gen: Generator, n: int, mean: float, std: float, dtype: np.dtype,
           contiguous: bool = True) -> np.ndarray:
    """``normal_(mean, std)`` for ``n`` elements: the 16-wide fill for 16 or more contiguous
    elements, the scalar double sampler otherwise."""
    dtype = np.dtype(dtype)
    if dtype not in (_F32, _F64):
        raise SamplerDtypeError(f"normal_: expected a floating-point tensor, got dtype "
                                f"{dtype}")
    if n >= 16 and contiguous:
        if dtype == _F32:
            return _normal_fill(gen, n, float(_F32(mean)), float(_F32(std)), dtype)
        return _normal_fill(gen, n, mean, std, dtype)
    return _normal_scalar(gen, n, mean, std).astype(dtype)


# --------------------------------------------------------------------------- integers


def random_from_to(gen: Generator, n: int, low: int, high: int) -> np.ndarray:
    """``random_(low, high)`` / ``randint``: ``low + draw % (high - low)``, the draw 32-bit
    when the range is below 2**32, else 64-bit (int64 result)."""
    span = int(high) - int(low)
    raw = gen.random32(n) if span < 2**32 else gen.random64(n)
    return (raw % np.uint64(span)).astype(np.int64) + np.int64(low)


def random_full(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()`` without bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (gen.random32(n) & np.uint64(1)).astype(np.bool_)
    if dtype == _F32:
        return (gen.random32(n) % np.uint64((1 << 24) + 1)).astype(_F32)
    if dtype == _F64:
        return (gen.random64(n) % np.uint64((1 << 53) + 1)).astype(_F64)
    if dtype.kind in "iu":
        top = int(np.iinfo(dtype).max) + 1
        raw = gen.random64(n) if dtype.itemsize == 8 else gen.random32(n)
        return (raw % np.uint64(top)).astype(dtype)
    raise TypeError(f"random_: unsupported dtype {dtype}")


# --------------------------------------------------------------------------- others


def exponential(gen: Generator, n: int, lambd: float) -> np.ndarray:
    """``exponential_(lambd)``: ``-1 / lambd * log1p(-u)`` with 53-bit ``u``, in float64."""
    u = unit_float64(gen, n)
    return (-1.0 / lambd) * np.array([math.log1p(-v) for v in u.tolist()])


def bernoulli(gen: Generator, n: int, p: float) -> np.ndarray:
    """``bernoulli_(p)`` with a float p (the non-MKL path): ``u < p``, 53-bit ``u``."""
    return unit_float64(gen, n) < p


def randperm(gen: Generator, n: int) -> np.ndarray:
    """``randperm(n)``: forward Fisher–Yates, swapping i with ``i + random() % (n - i)``."""
    n = int(n)
    if n >= (2**32 - 1) // 20:
        raise ValueError(f"randperm: n={n} is beyond what this implementation supports")
    if n < 2:
        return np.arange(n, dtype=np.int64)
    z = (gen.random32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
    perm = list(range(n))
    for i, k in enumerate(z):  # each swap depends on the last: a loop, over Python ints
        j = i + k
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def multinomial(gen: Generator, probs: np.ndarray, num_samples: int,
                replacement: bool) -> np.ndarray:
    """``multinomial`` on a (rows, categories) array of weights, as PyTorch's CPU kernel.

    With replacement (and more than one sample): per row, the running sum of the
    weights normalised by the total, then each 53-bit uniform's bucket by binary search.
    Without replacement, or one sample: ``argmax``/``topk`` of ``p / q`` with
    ``q ~ Exp(1)`` drawn for every element (the Gumbel-max trick, in exponential form).
    """
    rows, k = probs.shape
    if not replacement or num_samples == 1:
        q = exponential(gen, probs.size, 1.0).reshape(probs.shape).astype(probs.dtype)
        keys = probs / q
        if num_samples == 1:
            return np.argmax(keys, axis=1).reshape(rows, 1).astype(np.int64)
        # topk: largest first, ties by the lower index (a stable sort of -keys).
        order = np.argsort(-keys, axis=1, kind="stable")
        return order[:, :num_samples].astype(np.int64)
    out = np.empty((rows, num_samples), np.int64)
    for r in range(rows):
        cum = np.cumsum(probs[r], dtype=probs.dtype)
        total = cum[-1]
        if total > 0:
            cum = cum / total
        cum[-1] = 1
        u = unit_float64(gen, num_samples)
        out[r] = np.searchsorted(cum.astype(_F64), u, side="left")
    return out


# --------------------------------------------------------------------------- per element
# PyTorch's cpu_serial_kernel samplers: one double-precision draw (or more) per element, in
# memory order, each through the C library's math (Python's ``math``, the same glibc).


def geometric(gen: Generator, n: int, p: float) -> np.ndarray:
    """``geometric_(p)``: ``ceil(log(u) / log1p(-p))`` with 53-bit ``u``, in float64."""
    u = unit_float64(gen, n).tolist()
    lp = math.log1p(-p)
    return np.array([math.ceil(math.log(v) / lp) if v > 0 else math.inf for v in u],
                    dtype=_F64)


def cauchy(gen: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``, in float64."""
    u = unit_float64(gen, n).tolist()
    return np.array([median + sigma * math.tan(math.pi * (v - 0.5)) for v in u], dtype=_F64)


def log_normal(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """``log_normal_(mean, std)``: ``exp`` of the scalar double normal sampler's draws
    (which share its cached second value)."""
    z = _normal_scalar(gen, n, mean, std).tolist()
    return np.array([math.exp(v) for v in z], dtype=_F64)


def _poisson_one(gen: Generator, lam: float) -> int:
    """ATen's ``sample_poisson`` (from NumPy's legacy ``random_poisson``): the product of
    uniforms below 10, Hörmann's transformed rejection (PTRS) from 10 on."""
    if lam >= 10:
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            uv = unit_float64(gen, 2)
            u, v = float(uv[0]) - 0.5, float(uv[1])
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                    <= -lam + k * loglam - math.lgamma(k + 1)):
                return k
    if lam == 0:
        return 0
    enlam, x, prod = math.exp(-lam), 0, 1.0
    while True:
        prod *= float(unit_float64(gen, 1)[0])
        if prod > enlam:
            x += 1
        else:
            return x


def poisson(gen: Generator, rates: np.ndarray) -> np.ndarray:
    """One Poisson draw per rate (a flat float64 array), in order."""
    return np.array([_poisson_one(gen, r) for r in rates.tolist()], dtype=_F64)
