"""Views and in-place writes: a write through a view or its base reaches both graphs.

The expected gradients are PyTorch's (its views regenerate their ``grad_fn`` after a write
into the base, and a write into a view records ``CopySlices`` on the base). Each case is
also checked against the same computation written out of place, which is what those
semantics mean.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F


def leaf(values):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_view_sees_a_later_write_into_its_base():
    # The adversarial round's case: PyTorch gives [0, 2, 2]; before the fix, [0, 1, 1].
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[1:]
    a.mul_(2)
    np.testing.assert_array_equal(v.detach().numpy(), [4.0, 6.0])
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0])


VIEWS = {
    "getitem": lambda a: a[1:],
    "view": lambda a: a.view(3),
    "reshape": lambda a: a.reshape(3, 1),
    "expand": lambda a: a.unsqueeze(0).expand(2, 3),
    "squeeze": lambda a: a.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda a: a.unsqueeze(1),
    "transpose": lambda a: a.reshape(1, 3).t(),
    "view of a view": lambda a: a[1:][::-1],
}

# (in-place write, the same value out of place)
WRITES = {
    "relu_": (lambda a: a.relu_(), lambda a: a.relu()),
    "+=": (lambda a: a.__iadd__(a.exp()), lambda a: a + a.exp()),
    "setitem": (lambda a: a.__setitem__(0, 5.0),
                lambda a: mt.cat([mt.tensor([5.0], dtype=mt.float64), a[1:]])),
    "mul_": (lambda a: a.mul_(3), lambda a: a * 3),
    "F.relu(inplace)": (lambda a: F.relu(a, inplace=True), lambda a: F.relu(a)),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_follows_every_write_into_its_base(view, write):
    make, (inplace, outofplace) = VIEWS[view], WRITES[write]
    x = leaf([1.0, -2.0, 3.0])
    a = x * 1
    v = make(a)
    inplace(a)
    weights = mt.tensor(np.arange(1.0, v.numel() + 1).reshape(v.shape))
    (v * weights).sum().backward()

    x_ref = leaf([1.0, -2.0, 3.0])
    v_ref = make(outofplace(x_ref * 1))
    (v_ref * weights).sum().backward()
    np.testing.assert_array_equal(v.detach().numpy(), v_ref.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), x_ref.grad.numpy(), rtol=1e-12)


def test_relu_inplace_on_a_linear_output_split_into_views():
    # Real code from the adversarial round: the loss was right, w.grad was not.
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((6, 4)))
    x = mt.tensor(rng.standard_normal((5, 4)))
    h = F.linear(x, w)
    first, rest = h[:, :3], h[:, 3:]
    F.relu(h, inplace=True)
    (first.sum() + 2 * rest.sum()).backward()

    w_ref = leaf(w.detach().numpy().copy())
    h_ref = F.relu(F.linear(x, w_ref))
    (h_ref[:, :3].sum() + 2 * h_ref[:, 3:].sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), w_ref.grad.numpy(), rtol=1e-12)


def test_a_write_into_a_view_is_recorded_on_its_base():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    a[1:].mul_(2)
    assert a.grad_fn.name() == "CopySlicesBackward0"
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 2.0])


def test_indexed_add_assign_differentiates():
    # x[idx] += v, with a basic and with an advanced index (PyTorch's CopySlices / index_put)
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    a = x * 1
    a[0] += x[1] * 10
    (a * mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 2.0], [13.0, 24.0]])

    x = leaf([1.0, 2.0, 3.0, 4.0])
    v = leaf([10.0, 20.0])
    a = x * 1
    a[mt.tensor([0, 2])] += v * v
    mask = mt.tensor([False, True, False, True])
    a[mask] = v * 3
    (a * mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(a.detach().numpy(), [101.0, 30.0, 403.0, 60.0])
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(v.grad.numpy(), [2 * 10 * 1 + 3 * 2, 2 * 20 * 3 + 3 * 4])


def test_hand_written_backprop_accumulates_with_indexed_add_assign():
    # makemore-style manual backward of an embedding lookup: dC[ix] += demb[k, j]
    rng = np.random.default_rng(1)
    C = leaf(rng.standard_normal((5, 3)))
    X = mt.tensor([[0, 1], [1, 4], [4, 4]])
    emb = C[X]
    (emb * emb).sum().backward()
    demb = 2 * emb.detach()
    dC = mt.zeros_like(C)
    for k in range(X.shape[0]):
        for j in range(X.shape[1]):
            ix = X[k, j]
            dC[ix] += demb[k, j]
    np.testing.assert_allclose(dC.numpy(), C.grad.numpy(), rtol=1e-12)


def test_a_view_of_a_buffer_follows_a_copy_into_it():
    x = leaf([1.0, 2.0, 3.0])
    buf = mt.zeros(3, dtype=mt.float64)
    tail = buf[1:]
    assert not tail.requires_grad
    buf.copy_(x * x)
    assert tail.requires_grad  # its base is in the graph now, as in PyTorch
    tail.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0, 6.0])


def test_writes_through_a_view_of_a_view():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[1:]
    u = v[0:1]
    u.mul_(3)
    np.testing.assert_array_equal(a.detach().numpy(), [1.0, 6.0, 3.0])
    v.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0, 1.0])
    x.grad = None
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 3.0, 1.0])


def test_integer_indexing_to_one_element_is_a_view():
    t = mt.zeros(3)
    v = t[0]
    v += 1
    np.testing.assert_array_equal(t.numpy(), [1.0, 0.0, 0.0])
    u = mt.zeros(2, 3)
    u[1, 2].add_(7)
    assert u[1, 2].item() == 7.0 and u.sum().item() == 7.0
    assert t[0].shape == () and t[0]._version == t._version  # one version counter


def test_a_saved_view_changed_through_its_base_stops_backward():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[1:]
    y = v * v  # Mul saved v
    a.mul_(2)  # ... which this changes
    with pytest.raises(RuntimeError, match="MulBackward0 needs its input 0, which was modified"):
        y.sum().backward()


def test_writes_pytorch_refuses_are_refused():
    w = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="mul_: a view of a leaf tensor that requires grad"):
        w[1:].mul_(2)
    a = w * 1
    with mt.no_grad():
        v = a[1:]
    with pytest.raises(RuntimeError, match="add_: this view was created under no_grad"):
        v.add_(w[1:])
    e = a.unsqueeze(0).expand(2, 3)
    with pytest.raises(RuntimeError, match="expand"):
        e.mul_(2)
    with mt.no_grad():
        w[0:1].zero_()  # under no_grad a write through a view is how init works
    assert w.detach().numpy()[0] == 0.0


def test_dead_views_do_not_pile_up_on_their_base():
    a = leaf(np.zeros((4, 3))) * 1
    for i in range(2000):
        a[i % 4].sum()
    gc.collect()
    assert len(a._views) < 100
    keep = [a[i] for i in range(4)]
    a.mul_(2)
    assert all(k.grad_fn.name() == "GetItemBackward0" for k in keep)
    assert all(k.grad_fn.next_functions[0][0] is a.grad_fn for k in keep)


def test_a_write_into_a_view_of_a_base_laid_out_column_major():
    # a.t().reshape(-1) is a view of a Fortran-ordered `a`, but the same steps copy on the
    # C-ordered gradient: CopySlices must then find the view's elements by position.
    y = mt.from_numpy(np.asfortranarray(np.arange(6.0).reshape(2, 3))).requires_grad_()
    a = y * 1
    assert a._data.flags.f_contiguous and not a._data.flags.c_contiguous
    flat = a.t().reshape(-1)
    assert np.shares_memory(flat._data, a._data)
    x = leaf([10.0, 20.0])
    flat[1:3].copy_(x * x)
    np.testing.assert_array_equal(a.detach().numpy(), [[0.0, 400.0, 2.0], [100.0, 4.0, 5.0]])
    weights = mt.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    (a * weights).sum().backward()
    # flat[1] is a[1, 0] (weight 4), flat[2] is a[0, 1] (weight 2)
    np.testing.assert_array_equal(x.grad.numpy(), [2 * 10.0 * 4, 2 * 20.0 * 2])
    np.testing.assert_array_equal(y.grad.numpy(), [[1.0, 0.0, 3.0], [0.0, 5.0, 6.0]])
