"""The backward engine: graph shapes, accumulation, retain_graph, hooks, user Functions."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import Function, grad, unbroadcast


def leaf(values, dtype=np.float64):
    return mt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------- graph shapes


def test_fan_out_accumulates_x_times_x_plus_x_at_3_is_7():
    # The regression a well-known engine shipped: assigning instead of adding gives 1.
    x = mt.tensor(3.0, requires_grad=True)
    y = x * x + x
    y.backward()
    assert x.grad.item() == 7.0


def test_same_input_twice_in_one_op():
    x = leaf([2.0, -1.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, -2.0])


def test_diamond():
    # x -> a, b -> c: both paths' gradients reach x and add.
    x = leaf(1.5)
    a = x * 2
    b = x.exp()
    c = a * b
    c.backward()
    expected = 2 * np.exp(1.5) + 2 * 1.5 * np.exp(1.5)
    assert np.isclose(x.grad.item(), expected)


def test_constants_get_no_grad_and_stay_leaves():
    x = leaf([1.0, 2.0])
    c = mt.tensor([3.0, 4.0], dtype=mt.float64)
    (x * c + c).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    assert c.grad is None and c.is_leaf and not c.requires_grad


def test_100k_deep_chain_has_no_recursion_limit():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradient_is_accumulated_over_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_leaf_grads_never_alias_each_other():
    # Add hands the same upstream array to both inputs; each .grad must own its memory.
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad._data += 100
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_one_fresh_array_for_two_leaves_is_given_to_only_one():
    # A backward may return the same new array for two inputs: the engine may hand it to one
    # leaf's .grad as it is, and must copy it for the other.
    class Both(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            g = grad * 2
            return g, g

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    Both.apply(a, b).sum().backward()
    a.grad._data += 100
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])
    assert not np.shares_memory(a.grad._data, b.grad._data)

    class FirstAndLast(Function):  # the same array for inputs 0 and 2, another for input 1
        @staticmethod
        def forward(ctx, a, b, c):
            return a + b + c

        @staticmethod
        def backward(ctx, grad):
            g = grad * 2
            return g, grad * 3, g

    a, b, c = leaf([1.0, 2.0]), leaf([3.0, 4.0]), leaf([5.0, 6.0])
    FirstAndLast.apply(a, b, c).sum().backward()
    assert not np.shares_memory(a.grad._data, c.grad._data)


def test_a_0d_leaf_grad_stays_an_array_when_the_engine_sums_out_of_place():
    # .grad cannot take the sum in place (the user gave a read-only one): the engine makes a
    # new one, and for a 0-d leaf that must still be an array (NumPy gives a scalar for
    # 0-d + 0-d).
    x = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    given = mt.tensor(1.0, dtype=mt.float64)
    given._data.flags.writeable = False
    x.grad = given
    (x * 3).backward()
    assert type(x.grad._data) is np.ndarray and x.grad.dtype == mt.float64
    assert x.grad.item() == 4.0

    # The same 0-d leaf given twice as a root of backward: its two gradients are summed.
    y = mt.tensor(2.0, requires_grad=True)
    mt.autograd.backward([y, y], [mt.tensor(1.0), mt.tensor(1.0)])
    assert type(y.grad._data) is np.ndarray and y.grad.item() == 2.0


def test_user_gradient_is_not_aliased_into_grad():
    x = leaf([1.0, 2.0])
    g = mt.tensor([5.0, 6.0], dtype=mt.float64)
    (x + 0).backward(g)
    x.grad._data[0] = 0
    assert g._data[0] == 5.0


def test_backward_of_a_leaf_itself():
    x = leaf([1.0, 2.0])
    x.backward(mt.ones(2, dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_broadcasting_is_undone_by_summation():
    a = leaf(np.ones((2, 3)))
    b = leaf(np.ones((3,)))
    s = leaf(np.ones((2, 1)))
    (a * b * s).sum().backward()
    assert b.grad.shape == (3,) and np.all(b.grad.numpy() == 2)
    assert s.grad.shape == (2, 1) and np.all(s.grad.numpy() == 3)


def test_unbroadcast_helper():
    g = np.ones((4, 2, 3))
    assert unbroadcast(g, (3,)).shape == (3,)
    assert np.all(unbroadcast(g, (2, 1)) == 12)
    assert unbroadcast(g, ()).item() == 24
    with pytest.raises(ValueError, match="cannot be summed"):
        unbroadcast(g, (5,))


# ----------------------------------------------------------------- errors and misuse


def test_backward_on_non_scalar_without_gradient_names_the_shape():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*gradient"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(mt.ones(3))


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.tensor([1.0]).sum().backward()


def test_second_backward_through_freed_graph_raises():
    x = leaf(2.0)
    y = x.exp()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf(2.0)
    y = x.exp()
    y.backward(retain_graph=True)
    y.backward()
    assert np.isclose(x.grad.item(), 2 * np.exp(2.0))


def test_nodes_that_saved_nothing_can_backward_twice_as_in_pytorch():
    x = leaf(2.0)
    y = x + 1
    y.backward()
    y.backward()
    assert x.grad.item() == 2.0


def test_saved_arrays_are_freed_after_backward():
    x = leaf(np.ones(3))
    y = x.exp()
    assert y.grad_fn.saved_shapes == ((3,),)
    y.sum().backward()
    assert y.grad_fn.saved_shapes == ()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError):  # PyTorch's exception type works too
        mt.tensor([1, 2]).requires_grad_()


def test_requires_grad_cannot_be_cleared_on_a_non_leaf():
    y = leaf(1.0) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


# ----------------------------------------------------------------- grad mode


def test_no_grad_context_and_decorator():
    x = leaf(1.0)
    with mt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @mt.no_grad()
    def f(t):
        return t * 2

    @mt.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad_and_set_grad_enabled():
    x = leaf(1.0)
    with mt.no_grad():
        with mt.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    mt.set_grad_enabled(False)
    try:
        assert not mt.is_grad_enabled()
    finally:
        mt.set_grad_enabled(True)
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()

    @mt.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert mt.is_grad_enabled()  # decorating does not switch the mode
    assert not h(x).requires_grad and mt.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []

    def worker():
        seen.append(mt.is_grad_enabled())

    with mt.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [True]


def test_ops_record_per_thread_whatever_the_other_threads_do():
    # Function.apply skips reading the thread-local flag while no thread has recording off:
    # a thread under no_grad must still not record, and the others still must.
    x = leaf([1.0, 2.0])
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with mt.no_grad():
            inside.set()
            outside.wait(5)
            seen["worker"] = (x * 2).requires_grad
        seen["worker after"] = (x * 2).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # while the worker has recording off
    outside.set()
    t.join()
    assert seen == {"worker": False, "worker after": True, "main": True}
    with mt.no_grad():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError), mt.no_grad():
        raise KeyError
    assert mt.is_grad_enabled()


# ----------------------------------------------------------------- hooks, retain_grad, grad()


def test_retain_grad_on_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 3 * np.array([1.0, 2.0]))
    assert (x * 2).grad is None  # non-leaf without retain_grad keeps no grad


def test_hooks_see_and_replace_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 2
    handle = y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(seen[0], [20.0, 20.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    y2 = x * 2
    y2.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x = leaf([1.0, 2.0])
    h = x * x
    y = (h * 3).sum()
    gx, gh = grad(y, [x, h])
    np.testing.assert_array_equal(gx.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gh.numpy(), [3.0, 3.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x, z = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        grad(x * 2, [x, z], retain_graph=True)
    gx, gz = grad(x * 2, [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_backward_inputs_argument_limits_accumulation():
    x, z = leaf(1.0), leaf(2.0)
    (x * z).backward(inputs=[x])
    assert x.grad.item() == 2.0 and z.grad is None


def test_graph_is_released_when_output_dies():
    x = leaf(np.ones(1000))
    y = x.exp()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


# ----------------------------------------------------------------- user-defined Function


class Cube(Function):
    """f(x) = x**3;  df/dx = 3 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


class ScaleBy(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        assert ctx.needs_input_grad == (True, False)
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def test_user_function_apply_and_node_introspection():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"  # as PyTorch names a custom node
    assert y.grad_fn.function is Cube
    (edge, _), = y.grad_fn.next_functions
    assert edge.name() == "AccumulateGrad" and edge.variable is x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 12.0])
    z = ScaleBy.apply(x, 4.0)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 16.0])


def test_user_function_wrong_gradient_shape_is_reported():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return np.ones(5)

    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(5,\)"):
        Bad.apply(leaf(np.ones(3))).backward()


def test_user_function_missing_gradients_are_reported():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return (g,)

    a, b = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match=r"TooFewBackward returned an incorrect number of "
                                           r"gradients \(expected 2, got 1\)"):
        TooFew.apply(a, b).backward()


def test_fan_out_of_three_and_more_on_0d_tensors():
    # Three contributions to one 0-d gradient: the engine's running sum must stay an array.
    x = mt.tensor(2.0, requires_grad=True)
    y = x * 3.0
    z = y * y + y + y * 2.0 + x + x
    z.backward()
    assert x.grad.item() == 2 * 3 * 6.0 + 3 + 6 + 2


def test_graphs_kept_alive_keep_gradient_summaries_not_arrays():
    # `losses.append(loss)` keeps every graph: only the latest pass's nodes may hold their
    # gradient arrays (for drawing); older ones keep a summary, like a node per op in PyTorch.
    w = mt.tensor(np.ones((8, 8)), requires_grad=True)
    losses = []
    for _ in range(3):
        loss = (w * 2).tanh().sum()
        loss.backward()
        losses.append(loss)

    def records(loss):
        nodes, todo = [], [loss.grad_fn]
        while todo:
            n = todo.pop()
            nodes.append(n)
            todo += [f for f, _ in n.next_functions if isinstance(f, mt.autograd.Node)]
        return [n.output_grad for n in nodes], [n.grad_summary for n in nodes]

    for old in losses[:2]:
        arrays, summaries = records(old)
        assert all(a is None for a in arrays) and all(s is not None for s in summaries)
    arrays, summaries = records(losses[2])
    assert all(a is not None for a in arrays)
    np.testing.assert_allclose(records(losses[0])[1][0].norm, summaries[0].norm, rtol=1e-12)


def test_autograd_grad_returns_gradients_the_caller_can_write_into():
    x = leaf([1.0, 2.0])
    (g,) = mt.autograd.grad(x.sum(), x)  # the gradient of a sum is a broadcast of 1
    g += 1.0
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])
