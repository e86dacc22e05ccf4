"""Indexing, slicing, joining and mutating ops against PyTorch (float64 unless a case says
otherwise): values, dtypes and shapes of every output, the gradients of every float input,
second derivatives for the adjoint pairs, the views PyTorch makes, and the exception type
raised for bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

torch.set_default_dtype(torch.float64)

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4, 5))
M = RNG.standard_normal((4, 4))
V = RNG.standard_normal(5)
S = RNG.standard_normal(())
E = np.zeros((0, 3))


def _i(T, v):
    return T.tensor(np.array(v, dtype=np.int64))


def _b(T, v):
    return T.tensor(np.array(v, dtype=bool))


# name -> (inputs, fn(T, *tensors)); float inputs require grad.
CASES = {
    # index_select / masked / take / put
    "index_select": ([A], lambda T, x: x.index_select(1, _i(T, [0, 2, 2, 3]))),
    "index_select(0-d index)": ([A], lambda T, x: T.index_select(x, -1, _i(T, 3))),
    "index_select(0-d input)": ([S], lambda T, x: x.index_select(0, _i(T, [0]))),
    "masked_select": ([A], lambda T, x: x.masked_select(_b(T, A[0] > 0))),
    "masked_select(broadcast)": ([V], lambda T, x: T.masked_select(x, _b(T, A[:, :1] > 0))),
    "masked_fill_": ([A], lambda T, x: (x * 1).masked_fill_(_b(T, A[0, 0] > 0), 2.5)),
    "masked_scatter": ([A, A], lambda T, x, s: x.masked_scatter(_b(T, A[0] > 0), s * 2)),
    "masked_scatter_": ([M, A], lambda T, x, s: (x * 1).masked_scatter_(_b(T, M > 0),
                                                                      s[0])),
    "take": ([A], lambda T, x: x.take(_i(T, [[0, -1], [5, 5]]))),
    "take(0-d)": ([S], lambda T, x: T.take(x, _i(T, [0, 0, -1]))),
    "take_along_dim": ([A], lambda T, x: x.take_along_dim(_i(T, [[[0], [3]]]), 1)),
    "take_along_dim(None)": ([A], lambda T, x: T.take_along_dim(x, _i(T, [3, 4, 59]))),
    "put": ([A, V], lambda T, x, s: x.put(_i(T, [1, 2, 7, -1, 0]), s)),
    "put(accumulate)": ([A, V], lambda T, x, s: x.put(_i(T, [1, 2, 2, -1, 1]), s, True)),
    "put_": ([M, V], lambda T, x, s: (x * 1).put_(_i(T, [[1, 2], [7, -1]]), s[:4])),
    # scatter family
    # (PyTorch's scatter backward cannot give a src larger than the index its gradient:
    # the sources here are index-sized.)
    "scatter": ([A, A], lambda T, x, s: x.scatter(1, _i(T, [[[0, 1, 2, 3, 0]]]), s[:1, :1])),
    "scatter(value)": ([A], lambda T, x: x.scatter(2, _i(T, [[[0, 1]]]), 3.0)),
    "scatter(value=)": ([A], lambda T, x: T.scatter(x, 0, _i(T, [[[2]]]), value=-1.0)),
    "scatter_": ([A, A], lambda T, x, s: (x * 1).scatter_(-1, _i(T, [[[4, 0]]]), s[:1, :1, :2])),
    "scatter_add": ([A, A], lambda T, x, s: x.scatter_add(1, _i(T, [[[0, 1, 2, 3, 0]]] * 2),
                                                         s[:2, :1])),
    "scatter_add_": ([A, A], lambda T, x, s: (x * 1).scatter_add_(0, _i(T, [[[0, 2]]] * 3),
                                                                  s[:3, :1, :2])),
    "scatter_reduce(sum)": ([A, A], lambda T, x, s: x.scatter_reduce(
        1, _i(T, [[[0, 1, 2, 3, 0]]] * 2), s[:2, :1], "sum", include_self=False)),
    "scatter_reduce(mean)": ([A, A], lambda T, x, s: x.scatter_reduce(
        1, _i(T, [[[0, 1, 0, 3, 0]]] * 2), s[:2, :1], "mean")),
    "scatter_reduce(mean, no self)": ([A, A], lambda T, x, s: x.scatter_reduce(
        1, _i(T, [[[0, 1, 0, 3, 0]]] * 2), s[:2, :1], "mean", include_self=False)),
    "scatter_reduce(amax)": ([A, A], lambda T, x, s: x.scatter_reduce(
        1, _i(T, [[[0, 1, 2, 3, 0]]] * 2), s[:2, :1], "amax")),
    "scatter_reduce(amin)": ([A, A], lambda T, x, s: x.scatter_reduce(
        0, _i(T, [[[0, 1, 2, 2, 0]]] * 2), s[:2, :1], "amin", include_self=False)),
    "scatter_reduce(prod)": ([A, A], lambda T, x, s: x.scatter_reduce(
        1, _i(T, [[[0, 1, 2, 3, 0]]] * 2), s[:2, :1], "prod")),
    "scatter_reduce_(prod, no self)": ([A, A], lambda T, x, s: (x * 1).scatter_reduce_(
        2, _i(T, [[[0, 1, 1, 4]]]), s[:1, :1, :4], "prod", include_self=False)),
    "scatter_reduce(amax ties)": ([np.zeros((2, 3)), np.zeros((2, 3))],
                                  lambda T, x, s: x.scatter_reduce(
                                      0, _i(T, [[0, 0, 1], [0, 1, 1]]), s, "amax")),
    "scatter_reduce(prod zeros)": ([np.array([0.0, 2.0, 3.0]), np.array([0.0, 5.0, 0.0, 7.0])],
                                   lambda T, x, s: x.scatter_reduce(
                                       0, _i(T, [0, 1, 1, 2]), s, "prod")),
    # index_*
    "index_add": ([A, A], lambda T, x, s: x.index_add(0, _i(T, [0, 0, 2]), s * 3, alpha=2)),
    "index_add_": ([A, A], lambda T, x, s: (x * 1).index_add_(-1, _i(T, [4, 0, 4, 1, 1]), s)),
    "index_copy": ([A, A], lambda T, x, s: x.index_copy(2, _i(T, [4, 0]), s[..., 1:3])),
    "index_copy_": ([A, A], lambda T, x, s: (x * 1).index_copy_(0, _i(T, [2, 0]), s[:2])),
    "index_fill": ([A], lambda T, x: x.index_fill(2, _i(T, [4, 0, -1]), 7.0)),
    "index_fill(tensor value)": ([A, S], lambda T, x, v: x.index_fill(1, _i(T, [1, 3]), v)),
    "index_fill_": ([A], lambda T, x: (x * 1).index_fill_(0, _i(T, [1]), -2.0)),
    "index_reduce(prod)": ([A, A], lambda T, x, s: x.index_reduce(0, _i(T, [0, 2, 0]), s,
                                                                 "prod")),
    "index_reduce(mean)": ([A, A], lambda T, x, s: x.index_reduce(1, _i(T, [0, 3, 0, 0]),
                                                                 s[:, :4], "mean",
                                                                 include_self=False)),
    "index_reduce(amax)": ([A, A], lambda T, x, s: T.index_reduce(x, 2, _i(T, [4, 1, 1, 0, 2]),
                                                                 s, "amax")),
    "index_reduce_(amin)": ([A, A], lambda T, x, s: (x * 1).index_reduce_(
        0, _i(T, [1, 1, 1]), s, "amin")),
    "gather": ([A], lambda T, x: T.gather(x, 2, _i(T, [[[0, 4, 4]]]))),
    # shapes and views
    "movedim": ([A], lambda T, x: x.movedim((0, 1), (2, 0))),
    "moveaxis": ([A], lambda T, x: T.moveaxis(x, -1, 0)),
    "swapaxes": ([A], lambda T, x: x.swapaxes(0, 2)),
    "swapdims": ([A], lambda T, x: T.swapdims(x, -1, 1)),
    "narrow": ([A], lambda T, x: x.narrow(2, -3, 2)),
    "narrow(tensor start)": ([A], lambda T, x: T.narrow(x, 0, _i(T, 1), 2)),
    "narrow_copy": ([A], lambda T, x: x.narrow_copy(1, 1, 3)),
    "select": ([A], lambda T, x: x.select(1, -1)),
    "unbind": ([A], lambda T, x: x.unbind(1)),
    "tensor_split(int)": ([A], lambda T, x: x.tensor_split(3, 2)),
    "tensor_split(list)": ([A], lambda T, x: T.tensor_split(x, [1, 3], 1)),
    "tensor_split(unsorted)": ([A], lambda T, x: T.tensor_split(x, [3, 1, 9], -1)),
    "tensor_split(tensor)": ([A], lambda T, x: x.tensor_split(_i(T, [1, 2]), 0)),
    "hsplit": ([A], lambda T, x: x.hsplit([1])),
    "hsplit(1-d)": ([V], lambda T, x: T.hsplit(x, 5)),
    "vsplit": ([A], lambda T, x: T.vsplit(x, 3)),
    "dsplit": ([A], lambda T, x: T.dsplit(x, [2, 3])),
    "hstack": ([A, A], lambda T, x, y: T.hstack([x, y])),
    "hstack(1-d, 0-d)": ([V, S], lambda T, x, y: T.hstack((x, y))),
    "vstack": ([V, V], lambda T, x, y: T.vstack([x, y])),
    "row_stack": ([M, V], lambda T, x, y: T.row_stack([x, y[:4]])),
    "dstack": ([M, M], lambda T, x, y: T.dstack([x, y])),
    "column_stack": ([V, A], lambda T, x, y: T.column_stack([x, y[0, 0], y[:, 0].T])),
    "broadcast_to": ([V], lambda T, x: x.broadcast_to((2, 4, 5))),
    "broadcast_tensors": ([A, V], lambda T, x, y: T.broadcast_tensors(x[:, :1], y)),
    "atleast_1d": ([S], lambda T, x: T.atleast_1d(x)),
    "atleast_2d": ([V, S], lambda T, x, y: T.atleast_2d(x, y)),
    "atleast_3d": ([V, M, S, A], lambda T, *xs: T.atleast_3d(xs)),
    "meshgrid(ij)": ([V, V], lambda T, x, y: T.meshgrid(x, y[:3], indexing="ij")),
    "meshgrid(xy)": ([V, V, V], lambda T, x, y, z: T.meshgrid(x, y[:3], z[:2], indexing="xy")),
    "meshgrid(0-d)": ([S, V], lambda T, x, y: T.meshgrid([x, y], indexing="ij")),
    "cartesian_prod": ([V, V], lambda T, x, y: T.cartesian_prod(x[:2], y[:3])),
    "cartesian_prod(one)": ([V], lambda T, x: T.cartesian_prod(x)),
    "combinations": ([V], lambda T, x: T.combinations(x, 3)),
    "combinations(replacement)": ([V], lambda T, x: T.combinations(x[:3], with_replacement=True)),
    "combinations(r > n)": ([V], lambda T, x: T.combinations(x[:2], 3)),
    "block_diag": ([M, V, S], lambda T, x, y, z: T.block_diag(x[:2], y, z)),
    "tile": ([M], lambda T, x: x.tile(2, 1, 3)),
    "tile(short)": ([A], lambda T, x: T.tile(x, (2,))),
    "repeat": ([V], lambda T, x: x.repeat(2, 3)),
    "expand_as": ([V], lambda T, x: x.expand_as(T.tensor(A))),
    "repeat_interleave": ([A], lambda T, x: x.repeat_interleave(_i(T, [1, 0, 3, 2]), 1)),
    "repeat_interleave(int, flat)": ([A], lambda T, x: T.repeat_interleave(x, 2)),
    "repeat_interleave(output_size)": ([M], lambda T, x: x.repeat_interleave(
        _i(T, [2]), dim=0, output_size=8)),
    "unfold": ([A], lambda T, x: x.unfold(2, 2, 1)),
    "unfold(step > size)": ([A], lambda T, x: x.unfold(1, 1, 3)),
    "unfold(0-d)": ([S], lambda T, x: x.unfold(0, 1, 1)),
    "squeeze(tuple)": ([A[:1, :, :1]], lambda T, x: x.squeeze((0, 2))),
    "unflatten": ([A], lambda T, x: x.unflatten(-1, (1, 5))),
    "view_as": ([A], lambda T, x: x.view_as(T.tensor(A.reshape(12, 5)))),
    "reshape_as": ([A], lambda T, x: x.reshape_as(T.tensor(A.reshape(60)))),
    # matrix shapes
    "flip": ([A], lambda T, x: x.flip(0, 2)),
    "flip(list)": ([A], lambda T, x: T.flip(x, [-1])),
    "fliplr": ([A], lambda T, x: x.fliplr()),
    "flipud": ([V], lambda T, x: T.flipud(x)),
    "roll": ([A], lambda T, x: x.roll((1, -2), (0, 2))),
    "roll(flat)": ([A], lambda T, x: T.roll(x, 3)),
    "roll(repeated dim)": ([A], lambda T, x: x.roll((1, 2), (1, 1))),
    "rot90": ([A], lambda T, x: x.rot90(1, [1, 2])),
    "rot90(-1)": ([A], lambda T, x: T.rot90(x, -1, [2, 0])),
    "rot90(2)": ([M], lambda T, x: T.rot90(x, 2)),
    "tril": ([A], lambda T, x: x.tril(1)),
    "triu": ([A], lambda T, x: T.triu(x, -1)),
    "tril_": ([M], lambda T, x: (x * 1).tril_(-1)),
    "triu_": ([A], lambda T, x: (x * 1).triu_(2)),
    "diag(2-d)": ([M], lambda T, x: x.diag(1)),
    "diag(1-d)": ([V], lambda T, x: T.diag(x, -2)),
    "diagonal": ([A], lambda T, x: x.diagonal(1, 2, 0)),
    "diagonal(adjacent)": ([A], lambda T, x: T.diagonal(x, -1, 1, 2)),
    "diagonal(off the matrix)": ([M], lambda T, x: x.diagonal(7)),
    "diag_embed": ([A], lambda T, x: x.diag_embed(1, 0, 2)),
    "diag_embed(default)": ([M], lambda T, x: T.diag_embed(x)),
    "diagflat": ([M], lambda T, x: x.diagflat(-1)),
    "trace": ([M], lambda T, x: x.trace()),
    "fill_diagonal_": ([A[:, :3, 0]], lambda T, x: (x * 1).fill_diagonal_(2.5)),
    "fill_diagonal_(wrap)": ([RNG.standard_normal((7, 2))],
                             lambda T, x: (x * 1).fill_diagonal_(-1.0, wrap=True)),
    "fill_diagonal_(3-d)": ([A[:3, :3, :3]], lambda T, x: (x * 1).fill_diagonal_(0.5)),
    "t": ([M[:2]], lambda T, x: T.t(x)),
    "t(1-d)": ([V], lambda T, x: x.t()),
    "ravel": ([A], lambda T, x: T.ravel(x.transpose(0, 2))),
    "select_scatter": ([A, A], lambda T, x, s: x.select_scatter(s[:, 0] * 2, 1, 0)),
    "slice_scatter": ([A, A], lambda T, x, s: x.slice_scatter(s[:, :2] * 2, 1, 1, None, 2)),
    "slice_scatter(default)": ([A, A], lambda T, x, s: T.slice_scatter(x, s)),
    "diagonal_scatter": ([A, A], lambda T, x, s: x.diagonal_scatter(s[:, 0, :4], 1, 1, 2)),
    # advanced indexing, reads and writes
    "getitem(arrays and slice)": ([A], lambda T, x: x[_i(T, [0, 2]), :, _i(T, [1, 1])]),
    "getitem(int, slice, array)": ([A], lambda T, x: x[1, :, [0, 0, 3]]),
    "getitem(mask)": ([A], lambda T, x: x[_b(T, A[:, 0, 0] > 0)]),
    "getitem(None, ..., range)": ([A], lambda T, x: x[None, ..., range(1, 4)]),
    "getitem(negative)": ([A], lambda T, x: x[-1, -2:, [-1, 0]]),
    "getitem(bool scalar)": ([A], lambda T, x: x[True]),
    "setitem(arrays)": ([A, V], lambda T, x, v: _set(x * 1, (_i(T, [0, 2]), 1), v)),
    "setitem(mask)": ([A, S], lambda T, x, v: _set(x * 1, _b(T, A > 0), v)),
    "setitem(int, array)": ([A, V], lambda T, x, v: _set(x * 1, (1, slice(None), [0, 3]),
                                                         v[:2])),
}


def _set(x, idx, v):
    x[idx] = v
    return x


def _run(T, inputs, fn, grad=True):
    ts = [T.tensor(a, requires_grad=grad) for a in inputs]
    out = fn(T, *ts)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    vals = [(o.detach().numpy().copy(), str(o.dtype).split(".")[-1], tuple(o.shape))
            for o in outs]
    grads = None
    if grad:
        loss = sum((o * T.tensor(np.arange(o.numel(), dtype=np.float64).reshape(
            tuple(o.shape)) + 1)).sum() for o in outs if o.requires_grad)
        if not isinstance(loss, int):
            gs = T.autograd.grad(loss, ts, allow_unused=True)
            grads = [None if g is None else g.numpy() for g in gs]
    return vals, grads


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_torch(name):
    inputs, fn = CASES[name]
    ours, our_grads = _run(mt, inputs, fn)
    theirs, their_grads = _run(torch, inputs, fn)
    assert len(ours) == len(theirs), f"{name}: {len(ours)} outputs, torch has {len(theirs)}"
    for (a, da, sa), (b, db, sb) in zip(ours, theirs):
        assert sa == sb, f"{name}: shape {sa}, torch {sb}"
        assert da == db, f"{name}: dtype {da}, torch {db}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)
    if their_grads is None:
        assert our_grads is None
        return
    for k, (g, h) in enumerate(zip(our_grads, their_grads)):
        if h is None:
            assert g is None or not np.any(g), f"{name}: input {k} has a gradient, torch none"
            continue
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{name}: gradient of input {k}")


SECOND_ORDER = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce(mean)",
                "scatter_reduce(amax)", "index_add", "index_copy", "masked_select",
                "masked_scatter", "take", "put(accumulate)", "diagonal", "diag_embed", "flip",
                "roll", "rot90", "tril", "unfold", "repeat_interleave", "block_diag",
                "select_scatter", "diagonal_scatter", "combinations", "getitem(arrays and slice)",
                "setitem(arrays)"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_torch(name):
    inputs, fn = CASES[name]
    results = []
    for T in (mt, torch):
        ts = [T.tensor(a, requires_grad=True) for a in inputs]
        out = fn(T, *ts)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        loss = sum((o * o * o).sum() for o in outs)
        gs = T.autograd.grad(loss, ts, create_graph=True)
        total = sum((g * g).sum() for g in gs)
        results.append([g.numpy() for g in T.autograd.grad(total, ts, allow_unused=True)])
    for g, h in zip(*results):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-10, err_msg=name)


# Non-differentiable results: values, dtypes and shapes.
INDEX_CASES = {
    "nonzero": lambda T: T.nonzero(T.tensor(np.array([[0, 1.5], [2, 0]]))),
    "nonzero(as_tuple)": lambda T: T.tensor(np.array([[0, 1], [2, 0]])).nonzero(as_tuple=True),
    "nonzero(0-d)": lambda T: T.nonzero(T.tensor(3)),
    "nonzero(0-d, as_tuple)": lambda T: T.nonzero(T.tensor(0.0), as_tuple=True),
    "nonzero(bool)": lambda T: T.nonzero(_b(T, [True, False, True])),
    "nonzero(empty)": lambda T: T.nonzero(T.zeros(0, 3)),
    "argwhere": lambda T: T.argwhere(T.tensor(np.array([[0, 1], [2, 0]]))),
    "where(cond)": lambda T: T.where(_b(T, [[True, False], [True, True]])),
    "where(float cond)": lambda T: T.where(T.tensor(np.array([0.0, 1.5, -2.0]))),
    "where(0-d cond)": lambda T: T.where(T.tensor(True)),
    "tril_indices": lambda T: T.tril_indices(3, 4),
    "tril_indices(offset)": lambda T: T.tril_indices(4, 3, -1),
    "triu_indices": lambda T: T.triu_indices(3, 3, 1),
    "triu_indices(int32)": lambda T: T.triu_indices(2, 5, -1, dtype=T.int32),
    "unravel_index": lambda T: T.unravel_index(_i(T, [5, 1, 0]), (2, 3)),
    "unravel_index(0-d)": lambda T: T.unravel_index(_i(T, 4), (2, 3)),
    "unravel_index(wraps)": lambda T: T.unravel_index(_i(T, [7, -1]), (2, 3)),
    "repeat_interleave(repeats only)": lambda T: T.repeat_interleave(_i(T, [2, 0, 3])),
    "broadcast_shapes": lambda T: T.tensor(list(T.broadcast_shapes((2, 1), (3,), 1))),
    "scatter(int)": lambda T: _i(T, [1, 2, 3]).scatter(0, _i(T, [2, 0]), _i(T, [9, 8])),
    "scatter(bool value)": lambda T: _b(T, [True, False]).scatter(0, _i(T, [1]), False),
    "scatter_reduce(int mean)": lambda T: T.arange(4).scatter_reduce(
        0, _i(T, [0, 0, 1]), _i(T, [1, 2, -2]), "mean"),
    "scatter_reduce(int amax)": lambda T: T.arange(4).scatter_reduce(
        0, _i(T, [0, 0, 1]), _i(T, [1, 2, -2]), "amax", include_self=False),
    "scatter(reduce=add)": lambda T: T.zeros(3, dtype=T.float32).scatter(
        0, _i(T, [0, 0, 2]), T.ones(3, dtype=T.float32), reduce="add"),
    "scatter(reduce=multiply)": lambda T: T.full((3,), 2.0, dtype=T.float64).scatter(
        0, _i(T, [0, 0, 2]), T.full((3,), 3.0, dtype=T.float64), reduce="multiply"),
    "scatter_reduce(max alias)": lambda T: T.zeros(3, dtype=T.float64).scatter_reduce(
        0, _i(T, [0, 0]), T.tensor(np.array([1.0, 2.0])), "max"),
    "index_select(int)": lambda T: T.arange(6).reshape(2, 3).index_select(1, _i(T, [2, 2])),
    "index_fill(bool)": lambda T: _b(T, [[True, False], [False, False]]).index_fill(
        1, _i(T, [1]), True),
    "index_add(int)": lambda T: T.arange(3).index_add(0, _i(T, [0, 0]), _i(T, [5, 6]),
                                                        alpha=2),
    "take(int)": lambda T: T.arange(6).take(_i(T, [5, 0])),
    "masked_select(int)": lambda T: T.arange(3).masked_select(_b(T, [True, False, True])),
    "flip(bool)": lambda T: _b(T, [True, False, False]).flip(0),
    "roll(int)": lambda T: T.arange(6).reshape(2, 3).roll(1, 1),
    "tril(int)": lambda T: T.ones(3, 3, dtype=T.int64).tril(),
    "triu(bool)": lambda T: T.ones(2, 3, dtype=T.bool).triu(1),
    "diag(int)": lambda T: T.diag(_i(T, [1, 2])),
    "trace(int)": lambda T: T.arange(9).reshape(3, 3).trace(),
    "trace(int32)": lambda T: T.ones(2, 2, dtype=T.int32).trace(),
    "cat(promotion)": lambda T: T.hstack([_i(T, [1]), T.tensor([2.5], dtype=T.float32)]),
    "block_diag(int, float32)": lambda T: T.block_diag(_i(T, [1, 2]), T.ones(1, 1,
                                                                            dtype=T.float32)),
    "combinations(r=0)": lambda T: T.combinations(T.tensor(np.array([1.0, 2.0])), 0),
    "float32 stays float32": lambda T: T.ones(2, 3, dtype=T.float32).index_add(
        0, _i(T, [1]), T.ones(1, 3, dtype=T.float32), alpha=2),
    "float32 diag_embed": lambda T: T.diag_embed(T.ones(2, dtype=T.float32)),
    "empty index_select": lambda T: T.tensor(E).index_select(1, _i(T, [2, 0])),
    "empty tensor_split": lambda T: T.tensor(E).tensor_split(2),
    "empty unbind": lambda T: T.tensor(E).unbind(1),
    "empty roll": lambda T: T.tensor(E).roll(1, 1),
    "empty flip": lambda T: T.tensor(E).flip(0),
    "empty tril": lambda T: T.tensor(E).tril(),
    "empty diagonal": lambda T: T.tensor(E).diagonal(),
    "empty scatter": lambda T: T.tensor(E).scatter(1, T.zeros(0, 3, dtype=T.int64), 1.0),
    "empty masked_select": lambda T: T.tensor(E).masked_select(T.zeros(0, 3, dtype=T.bool)),
    "empty take": lambda T: T.tensor(A).take(T.zeros(0, dtype=T.int64)),
    "empty nonzero": lambda T: T.nonzero(T.tensor(E), as_tuple=True),
}


@pytest.mark.parametrize("name", list(INDEX_CASES))
def test_non_differentiable_results_match_torch(name):
    fn = INDEX_CASES[name]

    def flat(out):
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return [(o.numpy(), str(o.dtype).split(".")[-1], tuple(o.shape)) for o in outs]

    ours, theirs = flat(fn(mt)), flat(fn(torch))
    assert len(ours) == len(theirs)
    for (a, da, sa), (b, db, sb) in zip(ours, theirs):
        assert sa == sb, f"{name}: shape {sa}, torch {sb}"
        assert da == db, f"{name}: dtype {da}, torch {db}"
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_block_diag_of_nothing_is_an_empty_default_dtype_matrix():
    out = mt.block_diag()
    assert out.shape == (1, 0) and out.dtype == mt.get_default_dtype()


def test_views_share_memory_as_in_torch():
    for T in (mt, torch):
        x = T.zeros(3, 4)
        x.narrow(1, 1, 2).fill_(1.0)
        x.select(0, 2).fill_(2.0)
        x.unbind(0)[0][0] = 3.0
        x.diagonal().mul_(10.0)
        x.movedim(0, 1)[3, 1] = 4.0
        x.swapaxes(0, 1)[2, 0] = 5.0
        x.tensor_split(2, 1)[1][1, 1] = 6.0
        if T is mt:
            ours = x.numpy().copy()
        else:
            np.testing.assert_array_equal(ours, x.numpy())
    # A write into a diagonal view is recorded on the base's graph, as PyTorch's.
    grads = []
    for T in (mt, torch):
        a = T.tensor(M, requires_grad=True)
        b = a * 1
        b.diagonal(1).mul_(3.0)
        (b * T.tensor(M)).sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(*grads)


def test_in_place_view_ops_match_torch():
    results = []
    for T in (mt, torch):
        x = T.tensor(A[:2, :1], requires_grad=True)
        y = x * 2
        y.squeeze_(1)
        y.unsqueeze_(0)
        y.transpose_(0, 2)
        w = y[1:]
        w.t_() if w.ndim <= 2 else w.swapdims_(0, 1)
        w.swapaxes_(0, 2)
        z = T.ones(3, 1)
        z.t_()
        (y * T.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))).sum() \
            .backward()
        results.append((tuple(y.shape), tuple(w.shape), tuple(z.shape), x.grad.numpy()))
    (a, b, c, g), (a2, b2, c2, g2) = results
    assert (a, b, c) == (a2, b2, c2)
    np.testing.assert_allclose(g, g2)
    with pytest.raises(RuntimeError, match="leaf"):
        mt.ones(2, 1, requires_grad=True).squeeze_()


def _bad(T):
    x = T.tensor(A)
    return {
        "index_select out of range": lambda: x.index_select(0, _i(T, [3])),
        "index_select 2-d index": lambda: x.index_select(0, _i(T, [[0]])),
        "index_select float index": lambda: x.index_select(0, T.tensor([0.0])),
        "gather out of range": lambda: x.gather(0, _i(T, [[[3]]])),
        "gather negative": lambda: x.gather(0, _i(T, [[[-1]]])),
        "gather wrong rank": lambda: x.gather(0, _i(T, [0])),
        "scatter out of range": lambda: x.scatter(1, _i(T, [[[4]]]), 1.0),
        "scatter dtype": lambda: x.scatter(1, _i(T, [[[0]]]), T.ones(1, 1, 1,
                                                                    dtype=T.float32)),
        "scatter index larger than src": lambda: x.scatter(1, _i(T, [[[0, 1]]]), x[:1, :1, :1]),
        "scatter_reduce bad reduce": lambda: x.scatter_reduce(0, _i(T, [[[0]]]), x, "foo"),
        "index_add wrong source": lambda: x.index_add(0, _i(T, [0]), x),
        "index_fill 1-d value": lambda: x.index_fill(0, _i(T, [0]), T.ones(1)),
        "index_copy out of range": lambda: x.index_copy(0, _i(T, [5]), x[:1]),
        "index_add negative": lambda: x.index_add(0, _i(T, [-1]), x[:1]),
        "index_select negative": lambda: x.index_select(0, _i(T, [-1])),
        "take out of range": lambda: x.take(_i(T, [60])),
        "take float index": lambda: x.take(T.tensor([1.0])),
        "put size mismatch": lambda: x.put(_i(T, [0, 1]), T.ones(3)),
        "masked_select int mask": lambda: x.masked_select(_i(T, [1, 0, 1, 0, 1])),
        "masked_scatter short source": lambda: x.masked_scatter(T.ones(3, 4, 5, dtype=T.bool),
                                                                T.ones(3)),
        "narrow past the end": lambda: x.narrow(0, 2, 2),
        "narrow bad dim": lambda: x.narrow(3, 0, 1),
        "select out of range": lambda: x.select(1, 4),
        "select 0-d": lambda: T.tensor(1.0).select(0, 0),
        "unbind 0-d": lambda: T.tensor(1.0).unbind(),
        "movedim repeated": lambda: x.movedim((0, 0), (1, 2)),
        "movedim lengths": lambda: x.movedim((0, 1), (1,)),
        "tensor_split 0 sections": lambda: x.tensor_split(0),
        "hsplit indivisible": lambda: x.hsplit(3),
        "vsplit 1-d": lambda: T.ones(3).vsplit(1),
        "dsplit 2-d": lambda: T.ones(3, 3).dsplit(1),
        "tril 1-d": lambda: T.ones(3).tril(),
        "diagonal same dims": lambda: x.diagonal(0, 1, 1),
        "diagonal 1-d": lambda: T.ones(3).diagonal(),
        "diag 3-d": lambda: x.diag(),
        "trace 3-d": lambda: x.trace(),
        "diag_embed bad dim": lambda: x.diag_embed(0, 0, 5),
        "flip repeated dims": lambda: x.flip(0, 0),
        "flip bad dim": lambda: x.flip(3),
        "fliplr 1-d": lambda: T.ones(3).fliplr(),
        "roll mismatched": lambda: x.roll((1, 2), (0,)),
        "rot90 one dim": lambda: x.rot90(1, [0]),
        "rot90 same dims": lambda: x.rot90(1, [1, 1]),
        "repeat_interleave negative": lambda: x.repeat_interleave(-1),
        "repeat_interleave wrong count": lambda: x.repeat_interleave(_i(T, [1, 2]), 0),
        "unfold too large": lambda: x.unfold(0, 4, 1),
        "unfold zero step": lambda: x.unfold(0, 1, 0),
        "broadcast_to bad": lambda: x.broadcast_to((3, 4, 6)),
        "broadcast_shapes bad": lambda: T.broadcast_shapes((2,), (3,)),
        "meshgrid 2-d": lambda: T.meshgrid(x, indexing="ij"),
        "meshgrid bad indexing": lambda: T.meshgrid(T.ones(2), indexing="ji"),
        "combinations 2-d": lambda: T.combinations(x),
        "block_diag 3-d": lambda: T.block_diag(x),
        "select_scatter wrong src": lambda: x.select_scatter(x[0], 1, 0),
        "slice_scatter wrong src": lambda: x.slice_scatter(x[:1], 0, 0, 2),
        "diagonal_scatter wrong src": lambda: x.diagonal_scatter(x[0]),
        "getitem out of range": lambda: x[3],
        "getitem array out of range": lambda: x[:, [0, 4]],
        "getitem too many": lambda: x[0, 0, 0, 0],
        "setitem bad shape": lambda: x.__setitem__((0,), T.ones(3)),
        "tile negative": lambda: x.tile(-1),
        "t 3-d": lambda: T.t(x),
        "fill_diagonal_ unequal": lambda: x.fill_diagonal_(1.0),
        "fill_diagonal_ 1-d": lambda: T.ones(3).fill_diagonal_(1.0),
        "atleast_1d not a tensor": lambda: T.atleast_1d(3),
    }


@pytest.mark.parametrize("name", list(_bad(mt)))
def test_bad_input_raises_what_torch_raises(name):
    with pytest.raises(Exception) as theirs:
        _bad(torch)[name]()
    with pytest.raises(Exception) as ours:
        _bad(mt)[name]()
    assert isinstance(ours.value, type(theirs.value)), (
        f"{name}: microtensor raised {type(ours.value).__name__} ({ours.value}), torch "
        f"{type(theirs.value).__name__} ({theirs.value})")
    assert str(ours.value), name
