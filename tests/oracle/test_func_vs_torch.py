"""microtensor.func against torch.func in float64: values, gradients of gradients, Hessians,
Jacobians, vjp, functional_call, a MAML step, and the error types of bad calls."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import func as tfunc

import microtensor as mt
from microtensor import func as mfunc
from microtensor import nn

torch.set_default_dtype(torch.float64)


def pair(a):
    a = np.asarray(a, dtype=np.float64)
    return mt.tensor(a.copy()), torch.tensor(a.copy())


def close(m, t, rtol=1e-10, atol=1e-12):
    if isinstance(t, (tuple, list)):
        assert type(m) is type(t) and len(m) == len(t)
        for a, b in zip(m, t):
            close(a, b, rtol, atol)
    elif isinstance(t, dict):
        assert set(m) == set(t)
        for k in t:
            close(m[k], t[k], rtol, atol)
    else:
        assert tuple(m.shape) == tuple(t.shape)
        assert m.requires_grad == t.requires_grad
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


FUNCS = {
    "sin": (lambda lib: lambda x: x.sin().sum()),
    "cube": (lambda lib: lambda x: (x**3).sum()),
    "tanh_mix": (lambda lib: lambda x: (x.tanh() * x.exp()).sum() / (1 + (x * x).sum())),
    "logsumexp": (lambda lib: lambda x: lib.logsumexp(x * 2, 0)),
    "rosenbrock": (lambda lib: lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2),
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_grad_of_grad_and_hessian(name):
    xm, xt = pair(np.random.default_rng(0).uniform(-1, 1, 2))
    fm, ft = FUNCS[name](mt), FUNCS[name](torch)
    close(mfunc.grad(fm)(xm), tfunc.grad(ft)(xt))
    close(mfunc.hessian(fm)(xm), tfunc.hessian(ft)(xt))
    close(mfunc.jacrev(mfunc.grad(fm))(xm), tfunc.jacrev(tfunc.grad(ft))(xt))
    g3m = mfunc.jacrev(mfunc.jacrev(mfunc.grad(fm)))(xm)
    g3t = tfunc.jacrev(tfunc.jacrev(tfunc.grad(ft)))(xt)
    close(g3m, g3t, rtol=1e-9)


def test_scalar_derivatives_to_the_third_order():
    xm, xt = pair(0.3)
    for f in (lambda x: x.sin() * x, lambda x: (x**5) / 5, lambda x: x.sigmoid()):
        close(mfunc.grad(mfunc.grad(mfunc.grad(f)))(xm), tfunc.grad(tfunc.grad(tfunc.grad(f)))(xt))


def test_argnums_aux_pytrees_and_requires_grad_semantics():
    rng = np.random.default_rng(1)
    (am, at), (bm, bt) = pair(rng.standard_normal(3)), pair(rng.standard_normal(3))

    def f(d, y):
        s = (d["a"] * y).sum() + d["b"][0].sin().sum()
        return s, {"s2": s * 2}

    for argnums in (0, 1, (0, 1), (-1, 0)):
        got = mfunc.grad_and_value(f, argnums=argnums, has_aux=True)({"a": am, "b": [bm]}, bm)
        want = tfunc.grad_and_value(f, argnums=argnums, has_aux=True)({"a": at, "b": [bt]}, bt)
        close(got, want)
    # inputs that require grad: the gradient is differentiable, as torch.func's
    am.requires_grad_()
    at.requires_grad_()
    gm = mfunc.grad(lambda x: (x**3).sum())(am)
    gt = tfunc.grad(lambda x: (x**3).sum())(at)
    close(gm, gt)
    gm.sum().backward()
    gt.sum().backward()
    close(am.grad, at.grad)


def test_vjp_and_jacobians():
    rng = np.random.default_rng(2)
    (xm, xt), (ym, yt) = pair(rng.standard_normal(3)), pair(rng.standard_normal((2, 3)))

    def f(x, y):
        return (y * x).tanh(), (x**2).sum()

    om, fm = mfunc.vjp(f, xm, ym)
    ot, ft = tfunc.vjp(f, xt, yt)
    close(om, ot)
    (vm, vt), (wm, wt) = pair(rng.standard_normal((2, 3))), pair(1.5)
    close(fm((vm, wm)), ft((vt, wt)))
    for argnums in (0, 1, (1, 0)):
        close(mfunc.jacrev(f, argnums)(xm, ym), tfunc.jacrev(f, argnums)(xt, yt))
        close(mfunc.jacfwd(f, argnums)(xm, ym), tfunc.jacfwd(f, argnums)(xt, yt))
    close(mfunc.hessian(lambda x, y: f(x, y)[0].sum(), (0, 1))(xm, ym),
          tfunc.hessian(lambda x, y: f(x, y)[0].sum(), (0, 1))(xt, yt))


def _models():
    mt.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    t = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    with torch.no_grad():
        for (_, pm), (_, pt) in zip(m.named_parameters(), t.named_parameters()):
            pt.copy_(torch.tensor(pm.detach().numpy()))
    return m, t


def test_functional_call_gradients():
    m, t = _models()
    xm, xt = pair(np.random.default_rng(3).standard_normal((5, 3)))
    pm = {n: p.detach().clone() for n, p in m.named_parameters()}
    pt = {n: p.detach().clone() for n, p in t.named_parameters()}
    gm = mfunc.grad(lambda p: mfunc.functional_call(m, p, (xm,)).square().mean())(pm)
    gt = tfunc.grad(lambda p: tfunc.functional_call(t, p, (xt,)).square().mean())(pt)
    close(gm, gt)


def test_maml_inner_step_against_torch_func():
    m, t = _models()
    rng = np.random.default_rng(4)
    data = [pair(rng.standard_normal(s)) for s in ((6, 3), (6, 2), (6, 3), (6, 2))]
    dm = [a for a, _ in data]
    dt = [b for _, b in data]

    def make(lib_func, model):
        def loss(ps, x, y):
            return (lib_func.functional_call(model, ps, (x,)) - y).square().mean()

        def meta(ps, xs, ys, xq, yq):
            g = lib_func.grad(loss)(ps, xs, ys)
            fast = {n: ps[n] - 0.1 * g[n] for n in ps}
            return loss(fast, xq, yq)

        return meta

    pm = {n: p.detach().clone() for n, p in m.named_parameters()}
    pt = {n: p.detach().clone() for n, p in t.named_parameters()}
    close(mfunc.grad_and_value(make(mfunc, m))(pm, *dm),
          tfunc.grad_and_value(make(tfunc, t))(pt, *dt))


@pytest.mark.parametrize("case", [
    lambda F, lib, x: F.grad(lambda t: t * 2)(x),
    lambda F, lib, x: F.grad(lambda t: (t.sum(), t))(x),
    lambda F, lib, x: F.grad(lambda t: t.sum(), has_aux=True)(x),
    lambda F, lib, x: F.grad(lambda t: t.sum())(lib.tensor([1, 2])),
    lambda F, lib, x: F.grad(lambda t: t.sum(), argnums=1)(x),
    lambda F, lib, x: F.grad(lambda t: t.sum(), argnums=1.0)(x),
    lambda F, lib, x: F.grad(lambda t: t.sum(), argnums=(0, 0))(x),
    lambda F, lib, x: F.grad(lambda t: t.sum())(2.0),
    lambda F, lib, x: F.vjp(lambda t: 3, x),
    lambda F, lib, x: F.vjp(lambda t: t, x)[1]((x, x)),
    lambda F, lib, x: F.vjp(lambda t: t, x)[1](lib.ones(5)),
    lambda F, lib, x: F.jacrev(lambda t: t, chunk_size=0)(x),
])
def test_bad_calls_raise_torch_s_error_types(case):
    xm, xt = pair([1.0, 2.0])
    with pytest.raises(Exception) as em:
        case(mfunc, mt, xm)
    with pytest.raises(Exception) as et:
        case(tfunc, torch, xt)
    assert isinstance(em.value, type(et.value)), (em.value, et.value)
