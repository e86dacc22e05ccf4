"""Gradients handed in by users are checked where they come in: hooks and ``.grad =``."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt


def leaf(values):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def wrong_shape(g):
    return g[:1]


def wrong_dtype(g):
    return g.float()


def int_tensor(g):
    return mt.tensor([1, 2])


def a_list(g):
    return [1.0, 2.0]


@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
@pytest.mark.parametrize("hook, error, match", [
    (wrong_shape, RuntimeError, r"hook 'wrong_shape' has changed the size of value \(was \(2,\) "
                                r"got \(1,\)\)"),
    (wrong_dtype, RuntimeError, r"hook 'wrong_dtype' has changed the type of value \(was "
                                r"microtensor.float64 got microtensor.float32\)"),
    (int_tensor, RuntimeError, r"hook 'int_tensor' has changed the type of value \(was "
                               r"microtensor.float64 got microtensor.int64\)"),
    (a_list, TypeError, r"expected a Tensor or None, but hook 'a_list' returned list"),
])
def test_a_hook_returning_a_wrong_gradient_is_refused_naming_it(hook, error, match, on):
    w = leaf([1.0, 2.0])
    t = w if on == "leaf" else w * 1
    t.register_hook(hook)
    with pytest.raises(error, match=match):
        (t * 3).sum().backward()
    assert w.grad is None


def test_a_hook_may_replace_the_gradient_with_one_of_the_same_shape_and_dtype():
    w = leaf([1.0, 2.0])
    w.register_hook(lambda g: g * 10)
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [30.0, 30.0])


def test_grad_assignment_is_checked_as_pytorch_checks_it():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient of shape \(1,\) to a tensor of shape \(2,\)"):
        w.grad = mt.ones(1, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="gradient with dtype float32 to a tensor with dtype "
                                           "float64"):
        w.grad = mt.ones(2)
    with pytest.raises(TypeError, match="Tensor or None but got grad of type list"):
        w.grad = [1.0, 2.0]
    with pytest.raises(RuntimeError, match="its own grad"):
        w.grad = w
    assert w.grad is None
    w.grad = mt.ones(2, dtype=mt.float64)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])
    del w.grad
    assert w.grad is None


def test_a_module_backward_hook_returning_a_wrong_gradient_is_refused():
    lin = mt.nn.Linear(3, 2).double()
    x = mt.tensor(np.ones((4, 3)), requires_grad=True)
    lin.register_full_backward_hook(lambda m, gin, gout: (gin[0][:1],))
    with pytest.raises(RuntimeError, match=r"changed grad_input 0 from shape \(4, 3\)"):
        lin(x).sum().backward()
    lin = mt.nn.Linear(3, 2).double()
    lin.register_full_backward_pre_hook(lambda m, gout: ([1.0],))
    with pytest.raises(TypeError, match="expected a Tensor or None for grad_output 0, got list"):
        lin(x).sum().backward()


def test_a_hook_is_checked_in_a_recorded_backward_too():
    w = leaf([1.0, 2.0])
    w.register_hook(wrong_shape)
    with pytest.raises(RuntimeError, match="hook 'wrong_shape' has changed the size of value"):
        mt.autograd.grad((w * w).sum(), w, create_graph=True)
    t = leaf([1.0, 2.0]) * 1
    t.register_hook(a_list)
    with pytest.raises(TypeError, match="hook 'a_list' returned list"):
        (t * t).sum().backward(create_graph=True)
