"""In-place ops and the version counter that keeps them from corrupting gradients."""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt


def leaf(values):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_inplace_on_leaf_requiring_grad_raises_at_once():
    w = leaf([1.0, 2.0])
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.fill_(3),
               lambda: w.clamp_(0, 1), lambda: w.sub_(1), lambda: w.div_(2)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
            op()
    with pytest.raises(RuntimeError, match="add_"):
        w += 1


def test_inplace_on_leaf_under_no_grad_is_how_optimizers_update():
    w = leaf([1.0, 2.0])
    data = w._data
    with mt.no_grad():
        w -= 0.5 * mt.tensor([2.0, 2.0], dtype=mt.float64)
        w.mul_(2).add_(mt.tensor([1.0, 1.0], dtype=mt.float64), alpha=-1)
    assert w._data is data  # really in place
    np.testing.assert_array_equal(w.numpy(force=True), [-1.0, 1.0])
    assert w.is_leaf and w.requires_grad
    assert w._version == 3


def test_modifying_a_saved_input_is_caught_at_backward():
    x = leaf([1.0, 2.0])
    a = x * 2
    b = a * a  # Mul saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"MulBackward0 needs its input 0.*version 1.*version 0"):
        b.sum().backward()


def test_a_gradient_accumulating_in_place_is_a_write_too():
    # The engine's own in-place write into .grad must count, as PyTorch's does: a graph
    # that saved the .grad array refuses to backward once it has changed.
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    y = (w * w.grad).sum()  # Mul saves w.grad's array
    (w * 3).sum().backward()  # adds into that array in place
    with pytest.raises(RuntimeError, match=r"MulBackward0 needs its input 1.*version 1.*version 0"):
        y.backward()


def test_writes_before_a_node_was_recorded_do_not_stop_its_backward():
    x = leaf([1.0, 2.0])
    a = x * 2
    a.add_(1)  # before b is recorded: b saves a at version 1
    b = a * a
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * (2 * np.array([1.0, 2.0]) + 1))


def test_modifying_a_saved_output_is_caught_at_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()  # Exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward0 needs its output"):
        y.sum().backward()


def test_modifying_an_unsaved_input_is_fine_as_in_pytorch():
    x = leaf([1.0, 2.0])
    a = x * 2
    b = a + 1  # Add saves nothing
    a.mul_(3)
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_inplace_on_non_leaf_is_differentiable():
    x = leaf([1.0, 2.0])
    y = x * 1  # a non-leaf copy
    y.mul_(x)  # y = x * x
    y += 1
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_inplace_makes_a_constant_require_grad():
    x = leaf([1.0, 2.0])
    acc = mt.zeros(2, dtype=mt.float64)
    acc += x * 3
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_inplace_dtype_and_shape_rules():
    i = mt.tensor([1, 2])
    with pytest.raises(TypeError, match="float32.*int64"):
        i += 1.5
    with pytest.raises(TypeError):
        i /= 2
    i += 2
    assert i.tolist() == [3, 4] and i.dtype == mt.int64
    f = mt.zeros(3)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        f += mt.ones(2, 3)
    f += mt.ones(3, dtype=mt.float64)  # a wider float is cast down, as in PyTorch
    assert f.dtype == mt.float32


def test_fill_zero_clamp_copy():
    t = mt.tensor([-2.0, 0.5, 3.0])
    t.clamp_(-1, 1)
    assert t.tolist() == [-1.0, 0.5, 1.0]
    t.fill_(7)
    assert t.tolist() == [7.0] * 3
    t.zero_()
    assert t.tolist() == [0.0] * 3
    t.copy_(mt.tensor([1.0, 2.0, 3.0]))
    assert t.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="copy_"):
        t.copy_(mt.ones(2))


def test_copy_into_non_leaf_routes_gradient_to_source():
    src = leaf([1.0, 2.0])
    dst = mt.zeros(2, dtype=mt.float64)
    dst.copy_(src * 2)
    dst.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [2.0, 2.0])


def test_detach_shares_storage_and_version():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d._data is x._data
    y = x.exp()
    d.add_(1)  # modifies x's memory, which Exp saved via its output? No: Exp saves its output.
    z = x * x
    d.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        z.sum().backward()
    del y


def test_inplace_write_into_a_view_of_a_leaf_that_requires_grad_is_refused():
    w = leaf([1.0, 2.0, 3.0])
    v = w.reshape(-1)
    with pytest.raises(RuntimeError, match=r"setitem: a view of a leaf tensor.*clone"):
        v[0] = 0.0
    with pytest.raises(RuntimeError, match="mul_: a view of a leaf"):
        w[1:].mul_(2)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0, 3.0])  # untouched
    c = w[1:].clone()
    c.mul_(2)  # a copy is fine
    c.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 2.0, 2.0])
    with mt.no_grad():
        w[0:1].zero_()  # under no_grad a view writes through, as in PyTorch
    assert w.detach().numpy()[0] == 0.0
