"""Scans, sorting and order statistics: what the op table cannot draw.

The rows of ``cases_scan.py``, ``cases_sorting.py`` and ``cases_statistics.py`` draw
continuous values away from ties and zeros. Here: exact zeros in ``prod`` and ``cumprod``
(gradients and gradients of gradients), ties (stable sort, the latest index of cummax, the
even split of ``median()``), the stable wide-range ``logcumsumexp`` gradient, gradients with
respect to ``quantile``'s ``q``, ``out=``, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor.gradcheck import gradcheck, gradgradcheck


def leaf(values):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


ZEROS = [[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0], [1.0, 2.0, 0.0, 0.5]]


@pytest.mark.parametrize("fn", [
    lambda x: x.prod(1), lambda x: x.prod(), lambda x: x.prod((0, 1), keepdim=True),
    lambda x: x.cumprod(1), lambda x: x.cumprod(0),
], ids=["prod(1)", "prod()", "prod(tuple)", "cumprod(1)", "cumprod(0)"])
def test_products_with_zeros_differentiate_twice(fn):
    x = leaf(ZEROS)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_cumprod_gradient_with_zeros_is_exact():
    x = leaf([1.0, 0.0, 2.0, 0.0])
    mt.cumprod(x, 0).sum().backward()
    # d/dx0 = 1 + x1 + x1 x2 + ... = 1; d/dx1 = x0 + x0 x2 + x0 x2 x3 = 3; d/dx2 = 0; d/dx3 = 0
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 3.0, 0.0, 0.0])


def test_sort_is_stable_in_both_directions():
    x = mt.tensor([2.0, 1.0, 2.0, 3.0, 1.0, 2.0])
    assert mt.sort(x).indices.tolist() == [1, 4, 0, 2, 5, 3]
    assert mt.sort(x, descending=True).indices.tolist() == [3, 0, 2, 5, 1, 4]
    assert mt.argsort(x, stable=True).tolist() == [1, 4, 0, 2, 5, 3]


def test_sort_puts_nan_last_and_first_descending():
    x = mt.tensor([1.0, float("nan"), 0.0])
    assert mt.sort(x).indices.tolist() == [2, 0, 1]
    assert mt.sort(x, descending=True).indices.tolist() == [1, 0, 2]


def test_sort_gradient_goes_back_where_values_came_from():
    x = leaf([3.0, 1.0, 2.0])
    (mt.sort(x).values * mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_cummax_ties_take_the_latest_index():
    r = mt.cummax(mt.tensor([1.0, 3.0, 3.0, 2.0, 3.0]), 0)
    assert type(r).__name__ == "cummax"
    assert r.indices.tolist() == [0, 1, 2, 2, 4]
    assert mt.cummin(mt.tensor([3, 1, 1, 2, 1]), 0).indices.tolist() == [0, 1, 2, 2, 4]


def test_median_of_all_shares_the_gradient_among_ties():
    x = leaf([1.0, 2.0, 2.0, 3.0, 2.0])
    mt.median(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    y = leaf([1.0, 2.0, 2.0, 3.0, 2.0])
    mt.median(y, 0).values.backward()  # with dim: all to the returned index
    assert y.grad.numpy().sum() == 1.0 and np.count_nonzero(y.grad.numpy()) == 1


def test_median_is_the_lower_median():
    assert mt.median(mt.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    assert mt.median(mt.tensor([4, 1, 3, 2])).dtype == mt.int64


def test_logcumsumexp_gradient_over_a_wide_range_is_finite():
    # exp(±800) overflows: the gradient takes the masked n × n path and stays exact.
    x = leaf([-800.0, 0.0, 1.0, 900.0])
    assert gradcheck(lambda t: mt.logcumsumexp(t, 0), (x,))
    assert gradgradcheck(lambda t: mt.logcumsumexp(t, 0), (x,))
    mt.logcumsumexp(x, 0).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_quantile_gradient_reaches_q():
    x = leaf([[0.3, 1.7, -0.4, 2.2], [1.1, -2.0, 0.9, 0.1]])
    q = leaf([0.2, 0.65])
    assert gradcheck(lambda a, b: mt.quantile(a, b, dim=1), (x, q))
    assert gradgradcheck(lambda a, b: mt.quantile(a, b, dim=1), (x, q))


def test_quantile_interpolations_match_numpy():
    a = np.array([0.3, 1.7, -0.4, 2.2, 1.1])
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        for q in (0.0, 0.125, 0.5, 0.625, 1.0):
            got = mt.quantile(mt.tensor(a), q, interpolation=method).item()
            assert got == pytest.approx(np.quantile(a, q, method=method)), (method, q)


def test_named_tuples_have_torch_names():
    x = mt.tensor([[3.0, 1.0], [2.0, 5.0]])
    for r, name in ((mt.sort(x), "sort"), (mt.topk(x, 1), "topk"), (mt.kthvalue(x, 1), "kthvalue"),
                    (mt.median(x, 0), "median"), (mt.nanmedian(x, 0), "nanmedian"),
                    (mt.mode(x), "mode"), (mt.cummin(x, 0), "cummin"),
                    (mt.max(x, 1), "max"), (mt.aminmax(x), "aminmax"),
                    (mt.histogram(x, 2), "histogram")):
        assert type(r).__name__ == name


def test_out_writes_and_refuses_a_graph():
    out = mt.empty(0)
    assert mt.cumsum(mt.tensor([1.0, 2.0]), 0, out=out) is out
    assert out.tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match="cumsum.*out="):
        mt.cumsum(mt.tensor([1.0], requires_grad=True), 0, out=mt.empty(1))
    with mt.no_grad():
        mt.cumsum(mt.tensor([1.0], requires_grad=True), 0, out=mt.empty(1))


def test_cumsum_inplace_keeps_the_dtype():
    x = mt.tensor([1, 2, 3], dtype=mt.int32)
    assert x.cumsum_(0) is x and x.tolist() == [1, 3, 6] and x.dtype == mt.int32


@pytest.mark.parametrize("call, error, words", [
    (lambda: mt.topk(mt.ones(3), 4), RuntimeError, "topk: k=4 is out of range"),
    (lambda: mt.kthvalue(mt.ones(3), 0), RuntimeError, "kthvalue: selected number"),
    (lambda: mt.sort(mt.ones(3), 1), IndexError, "sort: dim 1 is out of range"),
    (lambda: mt.quantile(mt.ones(3), 2.0), RuntimeError, r"quantile\(\) q must be in"),
    (lambda: mt.bincount(mt.tensor([-1, 0])), RuntimeError, "bincount only supports"),
    (lambda: mt.bincount(mt.ones(2)), NotImplementedError, "bincount: expected an integer"),
    (lambda: mt.histc(mt.tensor([1, 2])), NotImplementedError, "histc: expected a floating"),
    (lambda: mt.diff(mt.tensor(1.0)), RuntimeError, "diff: expects input"),
    (lambda: mt.amax(mt.ones(0, 2), 0), IndexError, "amax: cannot reduce over dim 0"),
    (lambda: mt.searchsorted(mt.ones(2), mt.ones(1), side="middle"), ValueError,
     "searchsorted: side must be"),
])
def test_errors_name_the_op(call, error, words):
    with pytest.raises(error, match=words):
        call()
