"""gradcheck itself: it passes correct ops, and it catches, locates and explains a wrong one."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import Function
from microtensor.errors import GradcheckError
from microtensor.gradcheck import gradcheck


def _x(*shape: int, seed: int = 0, low: float = -2.0, high: float = 2.0) -> mt.Tensor:
    data = np.random.default_rng(seed).uniform(low, high, size=shape)
    return mt.tensor(data, dtype=mt.float64, requires_grad=True)


class HalfCube(Function):
    """f(x) = x**3;  df/dx = 3 x**2 -- but backward forgets the factor 3 at one element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = grad * 3 * x**2
        g.view(-1)[-1] /= 3  # the bug: the last element's derivative is x**2, not 3 x**2
        return g


class ScaledMul(Function):
    """f(a, b) = a * b;  df/da = b,  df/db = a -- but backward sends 2a to b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * 2 * a


def half_cube(x: mt.Tensor) -> mt.Tensor:
    return HalfCube.apply(x)


# --------------------------------------------------------------------------- correct ops pass


@pytest.mark.parametrize("fast_mode", [False, True])
def test_correct_ops_pass(fast_mode: bool) -> None:
    a, b = _x(2, 3, seed=1), _x(3, seed=2, low=0.5, high=2.0)
    def f(a, b):
        return (a * b).exp() / b + (a.tanh() @ b).sum()

    assert gradcheck(f, (a, b), fast_mode=fast_mode)
    assert gradcheck(lambda a: a.sigmoid().sum(), a, fast_mode=fast_mode)  # a bare Tensor
    assert gradcheck(lambda a, b: mt.maximum(a, b.log()), (a, b), fast_mode=fast_mode)


def test_user_function_with_correct_backward_passes() -> None:
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    assert gradcheck(Cube.apply, (_x(4),))


def test_zero_dimensional_input_and_output() -> None:
    x = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: t * t, (x,))


# --------------------------------------------------------------------------- a wrong backward


def test_wrong_backward_is_caught_with_a_readable_message() -> None:
    x = _x(2, 3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(half_cube, (x,))
    msg = str(info.value)
    v = float(x._data[1, 2])
    # Names the function, the input and its shape, the element, both values, the tolerance.
    assert "half_cube" in msg
    assert "input 0 (shape (2, 3))" in msg
    assert "d out[1, 2] / d in[1, 2]" in msg
    got = re.search(r"is (\S+) analytically but (\S+) numerically", msg)
    assert got, msg
    assert float(got.group(1)) == pytest.approx(v**2, rel=1e-5)
    assert float(got.group(2)) == pytest.approx(3 * v**2, rel=1e-5)
    assert "atol 1e-05" in msg and "rtol 0.001" in msg
    assert "\n" not in msg


def test_message_names_the_second_input_and_its_element() -> None:
    a, b = _x(3, seed=3), _x(2, 1, seed=4)
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(2, 1\)\)") as info:
        gradcheck(ScaledMul.apply, (a, b))
    assert "/ d in[" in str(info.value)


def test_raise_exception_false_returns_false() -> None:
    assert gradcheck(half_cube, (_x(3),), raise_exception=False) is False
    assert gradcheck(lambda t: t * 2, (_x(3),), raise_exception=False) is True


def test_fast_mode_catches_the_same_bug() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(half_cube, (_x(2, 3),), fast_mode=True)
    msg = str(info.value)
    assert "half_cube" in msg and "fast mode" in msg and "input 0" in msg
    nums = re.search(r"<u, J v> is (\S+) numerically but <Jᵀ u, v> is (\S+) analytically", msg)
    assert nums, msg
    assert float(nums.group(1)) != pytest.approx(float(nums.group(2)), rel=1e-3)
    assert gradcheck(ScaledMul.apply, (_x(3), _x(3, seed=5)), fast_mode=True,
                     raise_exception=False) is False


def test_fast_mode_is_reproducible() -> None:
    def message() -> str:
        with pytest.raises(GradcheckError) as info:
            gradcheck(half_cube, (_x(4, 4),), fast_mode=True)
        return str(info.value)

    assert message() == message()


def test_output_that_dropped_the_graph_is_caught() -> None:
    # The second output changes with x, but a detach() hid that from the engine.
    with pytest.raises(GradcheckError, match=r"out\[1\]\[0\].*does not require grad"):
        gradcheck(lambda t: (t * 2, (t * 3).detach()), (_x(3),))


def test_gradient_of_the_wrong_shape_is_not_silently_accepted() -> None:
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return np.ones(2)  # the input has 3 elements

    with pytest.raises(RuntimeError, match=r"shape \(2,\) for input 0, which has shape \(3,\)"):
        gradcheck(WrongShape.apply, (_x(3),))


def test_nondeterministic_backward_is_caught() -> None:
    calls = []

    class Drifting(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * (1 + 1e-9 * len(calls))

    with pytest.raises(GradcheckError, match="not reentrant"):
        gradcheck(Drifting.apply, (_x(2),))
    assert gradcheck(Drifting.apply, (_x(2),), nondet_tol=1e-6)


# --------------------------------------------------------------------------- inputs and outputs


def test_float32_input_warns_but_still_runs() -> None:
    x = mt.tensor([0.5, 1.0, 2.0], requires_grad=True)  # float32
    with pytest.warns(UserWarning, match=r"input 0 has dtype float32.*float64"):
        # A step float32 can resolve (a quadratic's central difference is exact for any step).
        result = gradcheck(lambda t: t * t, (x,), eps=1e-2, atol=1e-3)
    assert result is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda t: t * t, (x.double().detach().requires_grad_(),))


def test_multiple_outputs() -> None:
    def two(a, b):
        return a * b, (a + b).sin()

    assert gradcheck(two, (_x(2, 2, seed=6), _x(2, seed=7)))
    assert gradcheck(two, (_x(2, 2, seed=6), _x(2, seed=7)), fast_mode=True)

    def one_wrong(a):
        return a.exp(), half_cube(a)

    with pytest.raises(GradcheckError, match=r"d out\[1\]\[2\] / d in\[2\]"):
        gradcheck(one_wrong, (_x(3),))


def test_non_tensor_arguments_are_passed_through() -> None:
    seen = []

    def scaled_sum(x, dim, scale, keep):
        seen.append((dim, scale, keep))
        return (x * scale).sum(dim, keepdim=keep)

    assert gradcheck(scaled_sum, (_x(2, 3), 1, 2.5, True))
    assert all(s == (1, 2.5, True) for s in seen)


def test_only_inputs_requiring_grad_are_checked() -> None:
    a = _x(3)
    b = mt.tensor(np.ones(3), dtype=mt.float64)  # no requires_grad: a constant
    idx = mt.tensor([0, 2])  # int64: passed through
    assert gradcheck(lambda a, b, i: (a * b)[i], (a, b, idx))


def test_unused_input_has_a_zero_jacobian() -> None:
    assert gradcheck(lambda a, b: a * 2, (_x(2), _x(3)))


def test_inputs_are_left_untouched() -> None:
    x = _x(2, 3)
    before = x._data.copy()
    gradcheck(lambda t: t * t, (x,))
    gradcheck(lambda t: t * t, (x,), fast_mode=True)
    np.testing.assert_array_equal(x._data, before)
    assert x.grad is None  # the analytic pass used autograd.grad, not .backward


def test_no_input_requiring_grad_is_an_error() -> None:
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2, (mt.tensor([1.0, 2.0], dtype=mt.float64),))


def test_bad_return_type_is_an_error() -> None:
    with pytest.raises(TypeError, match="must return a Tensor or a tuple of Tensors"):
        gradcheck(lambda t: [t * 2], (_x(2),))
