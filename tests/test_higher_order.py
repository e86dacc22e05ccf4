"""Gradients of gradients: create_graph, gradgradcheck, autograd.functional, Newton's method."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from microtensor.ops.numpy_protocol import NotTwiceDifferentiable


def leaf(values):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_derivatives_to_the_fourth_order_of_x_to_the_fourth():
    x = leaf(1.5)
    y = x ** 4
    got = []
    for _ in range(4):
        (y,) = mt.autograd.grad(y, x, create_graph=True)
        got.append(y.item())
    assert got == pytest.approx([4 * 1.5**3, 12 * 1.5**2, 24 * 1.5, 24.0], rel=1e-12)


def test_backward_with_create_graph_leaves_a_differentiable_grad():
    x = leaf([1.0, 2.0])
    (x.sin() * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.sum().backward()  # d/dx of (sin x + x cos x) = 2 cos x - x sin x
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xs) - xs * np.sin(xs), rtol=1e-12)


def test_a_gradient_penalty_trains_through_the_input_gradient():
    # WGAN-GP style: the penalty (‖∂D/∂x‖ - 1)² is differentiated with respect to w.
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((3,)))
    x = leaf(rng.standard_normal((4, 3)))
    d = (x @ w).tanh().sum()
    (gx,) = mt.autograd.grad(d, x, create_graph=True)
    penalty = ((gx.square().sum(1).sqrt() - 1) ** 2).mean()
    penalty.backward()

    def pen(wv):
        t = np.tanh(x.detach().numpy() @ wv)
        g = (1 - t**2)[:, None] * wv[None, :]
        return np.mean((np.sqrt((g**2).sum(1)) - 1) ** 2)

    num = [(pen(w.detach().numpy() + e) - pen(w.detach().numpy() - e)) / 2e-6
           for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(w.grad.numpy(), num, rtol=1e-6)


def test_hessians_of_closed_forms():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    quad = hessian(lambda x: 0.5 * x @ mt.tensor(a) @ x, leaf([0.3, -0.7]))
    np.testing.assert_allclose(quad.numpy(), a, rtol=1e-12)
    x0 = np.array([0.4, -1.1, 2.0])
    h = hessian(lambda x: x.exp().sum() + (x[0] * x[1] * x[2]), mt.tensor(x0))
    want = np.diag(np.exp(x0)) + np.array([[0, x0[2], x0[1]], [x0[2], 0, x0[0]],
                                           [x0[1], x0[0], 0]])
    np.testing.assert_allclose(h.numpy(), want, rtol=1e-12)


def test_functional_shapes_and_structures_follow_pytorch():
    x, y = mt.tensor(np.ones((2, 3))), mt.tensor(np.ones(4))
    j = jacobian(lambda x: x.exp(), x)
    assert j.shape == (2, 3, 2, 3)
    j2 = jacobian(lambda x, y: (x.sum() * y, y * 2), (x, y))
    assert [[b.shape for b in row] for row in j2] == [[(4, 2, 3), (4, 4)], [(4, 2, 3), (4, 4)]]
    h = hessian(lambda x, y: (x * x).sum() * y.sum(), (x, y))
    assert [[b.shape for b in row] for row in h] == [[(2, 3, 2, 3), (2, 3, 4)],
                                                     [(4, 2, 3), (4, 4)]]
    out, g = vjp(lambda x: (x * x).sum(), x)
    assert out.shape == () and g.shape == (2, 3) and not g.requires_grad
    v = mt.tensor(np.arange(6.0).reshape(2, 3))
    _, jv = jvp(lambda x: x * x, x, v)
    np.testing.assert_allclose(jv.numpy(), 2 * v.numpy())
    f = lambda x: (x ** 3).sum()  # noqa: E731
    _, hv = hvp(f, x, v)
    _, vh = vhp(f, x, v)
    np.testing.assert_allclose(hv.numpy(), 6 * v.numpy())
    np.testing.assert_allclose(vh.numpy(), hv.numpy())
    with pytest.raises(RuntimeError, match="independent of input 1"):
        vjp(lambda x, y: x.sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="v can only be None"):
        vjp(lambda x: x * 2, x)


def test_newtons_method_reaches_the_rosenbrock_minimum_in_a_few_steps():
    def rosenbrock(p):
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    p = np.array([-1.2, 1.0])
    steps = 0
    while np.abs(p - 1).max() >= 1e-8 and steps < 25:
        x = mt.tensor(p)
        g = jacobian(rosenbrock, x).numpy()
        h = hessian(rosenbrock, x).numpy()
        p = p - np.linalg.solve(h, g)
        steps += 1
    assert np.abs(p - 1).max() < 1e-8, (steps, p)


def test_an_op_that_cannot_be_differentiated_twice_says_so(monkeypatch):
    from microtensor.ops.reduction import Prod

    # prod is twice differentiable; declared otherwise, as an op whose backward is not
    # recorded yet, it must say so.
    monkeypatch.setattr(Prod, "twice_differentiable", False)
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(NotTwiceDifferentiable, match=r"ProdBackward0: this op does not support"):
        mt.autograd.grad(x.prod(), x, create_graph=True)
    # a plain backward of the same op still works
    x.prod().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 3.0, 2.0])


def test_a_backward_that_drops_the_graph_is_caught_not_silently_wrong():
    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return np.asarray(grad) * 3 * x ** 2  # np.asarray drops a recorded graph

    x = leaf([1.0, 2.0])
    # Cube's incoming gradient is x (from the product): dropping its graph would be wrong.
    with pytest.raises(NotTwiceDifferentiable, match="CubeBackward: its backward turned"):
        mt.autograd.grad((Cube.apply(x) * x).sum(), x, create_graph=True)

    class GoodCube(Cube):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2  # NumPy operators: recorded when grad is a Tensor

    (g,) = mt.autograd.grad(GoodCube.apply(x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6.0, 12.0])


def test_a_users_backward_sees_tensors_as_in_pytorch():
    seen = []

    class Spy(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append((type(x), mt.is_grad_enabled()))
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen.append((type(grad), grad.requires_grad))
            return grad * 2

    x = leaf([1.0])
    Spy.apply(x).sum().backward()
    assert seen == [(mt.Tensor, False), (mt.Tensor, False)]  # forward runs under no_grad
    seen.clear()
    (g,) = mt.autograd.grad((Spy.apply(x) * x).sum(), x, create_graph=True)
    assert seen[1] == (mt.Tensor, True) and g.requires_grad


def test_draw_graph_of_a_gradient_draws_the_recorded_backward_pass():
    from microtensor import viz

    x = leaf([0.5, -1.0])
    (g,) = mt.autograd.grad((x.tanh() * x).sum(), x, create_graph=True)
    # g = tanh x + x (1 - tanh² x): the backward's ops are nodes of g's graph
    gg = g.sum()
    gg.backward()
    src = viz.draw_graph(gg, params={"x": x}).source
    # the forward had Tanh, Mul and Sum; Sub (1 - tanh²) and Add come from the backward
    for op in ("Tanh", "Mul", "Sub", "Add"):
        assert op in src, op
    t = np.tanh(np.array([0.5, -1.0]))
    # d/dx [tanh x + x (1 - tanh² x)] = 2 (1 - tanh² x) - 2 x tanh x (1 - tanh² x)
    want = 2 * (1 - t**2) - 2 * np.array([0.5, -1.0]) * t * (1 - t**2)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)
