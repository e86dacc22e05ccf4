"""A user's autograd.Function gets PyTorch's contract: Tensors in and out, ctx's API."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import Function
from microtensor.autograd.function import once_differentiable


def leaf(values) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class MyReLU(Function):
    """PyTorch's tutorial ReLU, written for PyTorch."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


def test_the_tutorial_relu_runs_on_tensors():
    x = leaf([-1.0, 2.0, -3.0, 4.0])
    y = MyReLU.apply(x)
    assert y.grad_fn.name() == "MyReLUBackward" and y.grad_fn.function is MyReLU
    (y * mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 0.0, 4.0])


def test_a_backward_written_with_tensor_ops_differentiates_twice():
    x = leaf([2.0, -1.0])
    (g,) = mt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [12.0, 3.0])
    np.testing.assert_allclose(h.numpy(), [12.0, -6.0])  # 6x
    assert mt.autograd.gradcheck(Cube.apply, (x,))
    assert mt.autograd.gradgradcheck(Cube.apply, (x,))


def test_forward_runs_under_no_grad_and_non_tensor_arguments_pass_through():
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k, *, offset=0.0):
            seen["grad"] = mt.is_grad_enabled()
            seen["needs"] = ctx.needs_input_grad
            ctx.k = k
            return x * k + offset

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = leaf([1.0, 2.0])
    y = Scale.apply(x, 3.0, offset=1.0)
    y.sum().backward()
    assert seen == {"grad": False, "needs": (True, False)}
    np.testing.assert_allclose(y.detach().numpy(), [4.0, 7.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_the_split_form_with_setup_context_and_a_non_differentiable_output():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(x):
            return x.max(), x.argmax()

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,), (_, i) = inputs, output
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(i)
            ctx.n = x.shape[0]

        @staticmethod
        def backward(ctx, g, g_index):
            (i,) = ctx.saved_tensors
            assert g_index is not None and float(g_index.abs().sum()) == 0.0  # materialized
            out = mt.zeros(ctx.n, dtype=g.dtype)
            out[i] = g
            return out

    x = leaf([1.0, 5.0, 2.0])
    m, i = MaxWithIndex.apply(x)
    assert m.requires_grad and not i.requires_grad and int(i) == 1
    m.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_several_differentiable_outputs_each_get_their_gradient():
    class Both(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, g_double, g_square):
            (x,) = ctx.saved_tensors
            return 2 * g_double + 2 * x * g_square

    x = leaf([1.0, 3.0])
    a, b = Both.apply(x)
    (a.sum() + 10 * b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 20 * 1.0, 2 + 20 * 3.0])
    x.grad = None
    Both.apply(x)[1].sum().backward()  # the unused output's gradient arrives as zeros
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0])


def test_a_saved_tensor_modified_in_place_is_refused():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = Cube.apply(h)
    with mt.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="CubeBackward needs its input 0, which was modified"):
        y.sum().backward()


def test_mark_dirty_makes_the_input_the_output():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf([1.0, 2.0])
    h = x * 2.0
    out = AddOneInPlace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInPlaceBackward"
    np.testing.assert_allclose(h.detach().numpy(), [3.0, 5.0])
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 20.0])  # 2 * 2h
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        AddOneInPlace.apply(leaf([1.0]))


def test_once_differentiable_refuses_a_second_order_gradient():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = leaf([3.0])
    Square.apply(x).backward()
    assert float(x.grad) == 6.0
    (g,) = mt.autograd.grad((Square.apply(x) * x).sum(), x, create_graph=True)
    assert float(g) == 27.0  # 2x·x + x²: the first order is fine
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        g.backward()


def test_bad_returns_are_reported_by_name():
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g, g

    class NotATensor(Function):
        @staticmethod
        def forward(ctx, x):
            return [x]

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"TooManyBackward returned an incorrect number of "
                                           r"gradients \(expected 1, got 2\)"):
        TooMany.apply(leaf([1.0])).sum().backward()
    with pytest.raises(TypeError, match="NotATensor.forward: output 0 is a list"):
        NotATensor.apply(leaf([1.0]))


def test_without_grad_no_node_is_recorded():
    x = leaf([1.0])
    with mt.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = Cube.apply(mt.tensor([2.0]))
    assert z.grad_fn is None and float(z) == 8.0
