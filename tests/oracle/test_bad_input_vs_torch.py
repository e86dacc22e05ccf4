"""Bad or edge input, given to microtensor and to PyTorch alike: both must raise an exception of
the same builtin class (microtensor's may subclass several), or both must return the same result.

Each case is a finding of a differential fuzzer (huge ints that hung, NumPy errors that leaked,
exception classes and dtypes that differed from PyTorch's)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

_BUILTINS = (NotImplementedError, IndexError, TypeError, ValueError, RuntimeError,
             ZeroDivisionError, OverflowError, MemoryError)

BIG = 10**30  # beyond int64: PyTorch's parser refuses it at once


def _f(lib):
    return lib.tensor([[1.5, -2.0, 0.0], [3.0, 4.0, -0.5]])


def _i(lib):
    return lib.tensor([[1, -2, 0], [3, 4, 5]])


def _nan(lib):
    return lib.tensor([float("nan"), float("inf"), -float("inf"), 1.0])


def _piv(lib, values):
    return lib.tensor(values, dtype=lib.int32)


CASES = {
    # huge ints: microtensor looped (hung) over 10**30 sections / terms / columns
    "tensor_split_huge_sections": lambda lib: lib.tensor_split(_f(lib), BIG),
    "hsplit_empty_huge_sections": lambda lib: lib.hsplit(lib.zeros(0), BIG),
    "tensor_split_huge_index": lambda lib: lib.tensor_split(_f(lib), [1, BIG]),
    "mvlgamma_huge_p": lambda lib: lib.mvlgamma(_f(lib), BIG),
    "mvlgamma_float_p": lambda lib: lib.mvlgamma(_f(lib), 2.0),
    "mvlgamma_bool_p": lambda lib: lib.mvlgamma(_f(lib), True),
    "mvlgamma_zero_p": lambda lib: lib.mvlgamma(_f(lib), 0),
    "mvlgamma_p3": lambda lib: lib.mvlgamma(_f(lib).abs() + 2, 3),
    "vander_huge_N": lambda lib: lib.vander(lib.zeros(0), BIG),
    "vander_empty_large_N": lambda lib: lib.vander(lib.zeros(0), 10**12).shape,
    "linalg_vander_empty_large_N": lambda lib: lib.linalg.vander(lib.zeros(0), N=10**12).shape,
    "vander_float_N": lambda lib: lib.vander(lib.ones(3), 2.0),
    "vander_N4": lambda lib: lib.vander(_f(lib)[0], 4),
    # sizes too large to allocate: PyTorch raises RuntimeError, NumPy MemoryError/ValueError
    "zeros_size_overflows_storage": lambda lib: lib.zeros(2**62, 4),
    "empty_4TiB": lambda lib: lib.empty(2**40),
    "full_4TiB": lambda lib: lib.full((2**40,), 1.0),
    "zeros_size_beyond_int64": lambda lib: lib.zeros(BIG),
    # NumPy internals that leaked
    "lu_unpack_pivot_out_of_range": lambda lib: lib.lu_unpack(lib.ones(2, 2), _piv(lib, [5, 1])),
    "lu_unpack_pivot_zero": lambda lib: lib.lu_unpack(lib.ones(2, 2), _piv(lib, [0, 1])),
    "lu_unpack_int64_pivots": lambda lib: lib.lu_unpack(lib.ones(2, 2), lib.tensor([1, 2])),
    "lu_unpack_roundtrip": lambda lib: lib.lu_unpack(
        *lib.linalg.lu_factor(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))),
    "eq_str": lambda lib: lib.eq(_f(lib), "x"),
    "lt_str": lambda lib: _f(lib) < "x",
    "ne_none": lambda lib: lib.ne(_f(lib), None),
    "add_str": lambda lib: lib.add(_f(lib), "x"),
    "clamp_str": lambda lib: lib.clamp(_f(lib), "x"),
    "maximum_str": lambda lib: lib.maximum(_f(lib), "x"),
    "allclose_str": lambda lib: lib.allclose(_f(lib), "x"),
    "allclose_number": lambda lib: lib.allclose(_f(lib), 1.0),
    "isclose_number": lambda lib: lib.isclose(_f(lib), 1.0),
    "isclose_mixed_dtypes": lambda lib: lib.isclose(_f(lib), _i(lib)),
    "isclose_same_dtype": lambda lib: lib.isclose(_f(lib), _f(lib) + 1e-9),
    # AttributeError from inside microtensor for a non-tensor argument
    "ldexp_int_exponent": lambda lib: lib.ldexp(_f(lib), 5),
    "ldexp_int_input": lambda lib: lib.ldexp(2, _f(lib)),
    "ldexp_tensors": lambda lib: lib.ldexp(_f(lib), _i(lib)),
    "ldexp_inplace": lambda lib: _f(lib).ldexp_(_i(lib)),
    "dot_none": lambda lib: lib.dot(_f(lib)[0], None),
    "vdot_int": lambda lib: lib.vdot(_f(lib)[0], 3),
    "tensor_dot_method": lambda lib: _f(lib)[0].dot(_f(lib)[1]),
    # exception class / result differences
    "mT_of_1d": lambda lib: _f(lib)[0].mT,
    "nan_to_num_nan_None": lambda lib: lib.nan_to_num(_nan(lib), None),
    "nan_to_num_0d_tensor": lambda lib: lib.nan_to_num(_nan(lib), lib.tensor(2.0), posinf=True),
    "nan_to_num_str": lambda lib: lib.nan_to_num(_f(lib), "x"),
    "nan_to_num_1d_tensor": lambda lib: lib.nan_to_num(_f(lib), lib.ones(2)),
    "nan_to_num_posinf_str": lambda lib: lib.nan_to_num(_f(lib), posinf="x"),
    "nan_to_num_int": lambda lib: lib.nan_to_num(_i(lib), None),
    "clamp_float_by_int_tensor": lambda lib: lib.clamp(_f(lib), _i(lib)),
    "clamp_max_int_tensor": lambda lib: lib.clamp(_f(lib), max=_i(lib)),
    "cov_int": lambda lib: lib.cov(_i(lib)),
    "corrcoef_int": lambda lib: lib.corrcoef(_i(lib)),
    "cov_bool": lambda lib: lib.cov(lib.tensor([True, False, True])),
    "adaptive_avg_pool1d_huge": lambda lib: lib.nn.functional.adaptive_avg_pool1d(_f(lib), BIG),
    "adaptive_max_pool1d_huge": lambda lib: lib.nn.functional.adaptive_max_pool1d(_f(lib), BIG),
    "adaptive_avg_pool1d_2": lambda lib: lib.nn.functional.adaptive_avg_pool1d(_f(lib), 2),
    "matmul_none": lambda lib: lib.matmul(_f(lib), None),
    "matmul_int": lambda lib: lib.matmul(_f(lib), 2),
    "matmul_operator_none": lambda lib: _f(lib) @ None,
    "hardshrink_nan_input_and_grad": lambda lib: _hardshrink_with_grad(lib),
    "hardshrink_nan_lambda": lambda lib: lib.nn.functional.hardshrink(_f(lib), float("nan")),
}


def _hardshrink_with_grad(lib):
    x = lib.tensor([float("nan"), 0.3, -2.0, 0.5, -0.5, 1.0], requires_grad=True)
    y = lib.nn.functional.hardshrink(x)
    y.sum().backward()
    return y.detach(), x.grad


def _outcome(lib, fn):
    try:
        return "ok", fn(lib)
    except Exception as e:  # noqa: BLE001
        return "err", e


def _to_numpy(x):
    if isinstance(x, (mt.Tensor, torch.Tensor)):
        return x.detach().numpy()
    return x


def _assert_same(got, want, case):
    if isinstance(want, torch.Tensor):
        assert isinstance(got, mt.Tensor), (case, got)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (case, got, want)
        np.testing.assert_allclose(_to_numpy(got), _to_numpy(want), rtol=1e-5, atol=1e-6,
                                   err_msg=case)
    elif isinstance(want, tuple) and not isinstance(want, torch.Size):
        assert len(tuple(got)) == len(want), case
        for g, w in zip(got, want):
            _assert_same(g, w, case)
    else:
        assert tuple(got) == tuple(want) if isinstance(want, torch.Size) else got == want, case


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_matches_torch(case):
    fn = CASES[case]
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        theirs = _outcome(torch, fn)
    finally:
        torch.set_default_dtype(old)
    mt_old = mt.get_default_dtype()
    mt.set_default_dtype(mt.float32)
    try:
        ours = _outcome(mt, fn)
    finally:
        mt.set_default_dtype(mt_old)
    if theirs[0] == "err":
        cls = next(c for c in _BUILTINS if isinstance(theirs[1], c))
        assert ours[0] == "err", f"{case}: torch raised {theirs[1]!r}, we returned {ours[1]!r}"
        assert isinstance(ours[1], cls), f"{case}: torch {theirs[1]!r} vs microtensor {ours[1]!r}"
        assert type(ours[1]).__module__.split(".")[0] != "numpy", (case, ours[1])
    else:
        assert ours[0] == "ok", f"{case}: we raised {ours[1]!r}, torch returned {theirs[1]!r}"
        _assert_same(ours[1], theirs[1], case)
