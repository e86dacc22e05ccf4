"""Gradients of gradients against PyTorch: autograd.functional and create_graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

torch.set_default_dtype(torch.float64)


def f(T, x, y):
    return ((x.sin() * y).sum() + (x * x * y.exp()).sum() + (x.unsqueeze(1) * y).tanh().sum()
            + (x / (1 + y * y)).sum())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_jacobian_and_hessian_match_pytorch(name, seed):
    rng = np.random.default_rng(seed)
    xa, ya = rng.standard_normal(3), rng.standard_normal(3)
    ours = getattr(mt.autograd.functional, name)(lambda x, y: f(mt, x, y),
                                                  (mt.tensor(xa), mt.tensor(ya)))
    theirs = getattr(torch.autograd.functional, name)(lambda x, y: f(torch, x, y),
                                                      (torch.tensor(xa), torch.tensor(ya)))
    if name == "jacobian":
        pairs = list(zip(ours, theirs))
    else:
        pairs = [(ours[i][j], theirs[i][j]) for i in range(2) for j in range(2)]
    for a, b in pairs:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_vector_products_match_pytorch(name):
    rng = np.random.default_rng(1)
    xa, va = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))

    def g(x):
        return (x.tanh() * x).sum() + (x @ x.T).logsumexp(0).sum()

    v_ours = None if name == "vjp" else mt.tensor(va)
    v_theirs = None if name == "vjp" else torch.tensor(va)
    a = getattr(mt.autograd.functional, name)(g, mt.tensor(xa), v_ours)
    b = getattr(torch.autograd.functional, name)(g, torch.tensor(xa), v_theirs)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-10, atol=1e-12)


def test_create_graph_grads_match_pytorch_to_third_order():
    rng = np.random.default_rng(2)
    wa, xa = rng.standard_normal((3, 4)), rng.standard_normal(4)
    results = []
    for T in (mt, torch):
        w = T.tensor(wa, requires_grad=True)
        x = T.tensor(xa, requires_grad=True)
        y = (w @ x).sigmoid().log().sum() + (w * w).softmax(1).sum()
        (gx,) = T.autograd.grad(y, x, create_graph=True)
        (gw,) = T.autograd.grad(gx.square().sum(), w, create_graph=True)
        (gx3,) = T.autograd.grad(gw.sum(), x)
        results.append([gx.detach().numpy(), gw.detach().numpy(), gx3.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("op", ["cross_entropy", "cross_entropy(smoothing, weight)",
                                "layer_norm", "batch_norm"])
def test_fused_ops_second_derivatives_match_pytorch(op):
    # These ops' fast backwards are not recorded: their composites are differentiated.
    rng = np.random.default_rng(3)
    xa, wa = rng.standard_normal((6, 4)), rng.standard_normal((4, 4))
    target, cw = np.array([0, 3, 1, 1, 2, 0]), np.array([1.0, 2.0, 0.5, 1.5])
    results = []
    for T in (mt, torch):
        x = T.tensor(xa, requires_grad=True)
        w = T.tensor(wa, requires_grad=True)
        h = x @ w
        F = T.nn.functional
        if op == "cross_entropy":
            y = F.cross_entropy(h, T.tensor(target))
        elif op.startswith("cross_entropy("):
            y = F.cross_entropy(h, T.tensor(target), weight=T.tensor(cw),
                                label_smoothing=0.1)
        elif op == "layer_norm":
            y = F.layer_norm(h, (4,), T.tensor(cw), T.tensor(cw)).tanh().sum()
        else:
            y = F.batch_norm(h, None, None, T.tensor(cw), T.tensor(cw),
                             training=True).tanh().sum()
        (gx,) = T.autograd.grad(y, x, create_graph=True)
        (gw,) = T.autograd.grad((gx * gx).sum(), w)
        results.append([gx.detach().numpy(), gw.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d", "bce", "l1",
                                "bce_with_logits", "nll", "cross_entropy(probabilities)"])
def test_conv_pool_and_loss_second_derivatives_match_pytorch(op):
    rng = np.random.default_rng(4)
    xa, wa = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    results = []
    for T in (mt, torch):
        F = T.nn.functional
        x = T.tensor(xa, requires_grad=True)
        w = T.tensor(wa, requires_grad=True)
        if op == "conv2d":
            y = F.conv2d(x, w, stride=2, padding=1).tanh().sum()
        elif op == "max_pool2d":
            y = F.max_pool2d(F.conv2d(x, w, padding=1).sin(), 2).sum()
        elif op == "avg_pool2d":
            y = F.avg_pool2d(F.conv2d(x, w, padding=1).sin(), 3, stride=2, padding=1).sum()
        elif op == "bce":
            # (probabilities away from 0 and 1: there torch's double backward adds its
            # 1e-12 to x and 1 - x, a relative difference of about 1e-12 / x)
            y = F.binary_cross_entropy((0.3 * F.conv2d(x, w)).sigmoid(), T.tensor(
                np.full((2, 3, 3, 3), 0.3)))
        elif op == "l1":
            y = F.l1_loss(F.conv2d(x, w).sin(), T.tensor(np.zeros((2, 3, 3, 3))))
        elif op == "bce_with_logits":
            y = F.binary_cross_entropy_with_logits(
                F.conv2d(x, w), T.tensor(np.full((2, 3, 3, 3), 0.3)),
                pos_weight=T.tensor(np.array([1.0, 2.0, 0.5]).reshape(3, 1, 1)))
        else:
            logits = F.conv2d(x, w).mean((2, 3))  # (2, 3)
            if op == "nll":
                y = F.nll_loss(logits.log_softmax(1).sin(), T.tensor(np.array([2, 0])))
            else:
                q = T.tensor(np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))
                y = F.cross_entropy(logits.tanh() * 3, q, label_smoothing=0.1)
        (gx,) = T.autograd.grad(y, x, create_graph=True)
        (gw,) = T.autograd.grad((gx * gx).sum(), w)
        results.append([gx.detach().numpy(), gw.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_second_derivatives_match_torch_with_a_zero(include_self):
    rng = np.random.default_rng(0)
    a, s = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    s[1, 2] = 0.0  # one zero sent to a position: its exact gradient is the others' product
    idx = rng.integers(0, 3, size=(5, 4))
    results = []
    for lib in (torch, mt):
        A, S = lib.tensor(a, requires_grad=True), lib.tensor(s, requires_grad=True)
        out = A.scatter_reduce(0, lib.tensor(idx), S, "prod", include_self=include_self)
        g = lib.autograd.grad((out**2).sum(), (A, S), create_graph=True)
        h = lib.autograd.grad(g[0].sum() + (g[1] ** 2).sum(), (A, S))
        results.append([t.detach().numpy() for t in g + h])
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
