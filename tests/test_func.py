"""microtensor.func: grad, grad_and_value, vjp, jacrev, jacfwd, hessian, functional_call;
and what gradients of gradients cost: a plain backward frees its graph, a recorded
gradient's graph lives exactly as long as the gradient."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import microtensor as mt
from microtensor import func, nn
from microtensor.autograd import functional as AF


def t64(values, requires_grad=False):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.5, 2.0])
def test_grad_of_grad_matches_closed_forms(x):
    xt = t64(x)
    assert func.grad(func.grad(lambda t: t.sin()))(xt).item() == pytest.approx(-np.sin(x))
    assert func.grad(func.grad(lambda t: t**3))(xt).item() == pytest.approx(6 * x)
    third = func.grad(func.grad(func.grad(lambda t: t**3)))(xt)
    assert third.item() == pytest.approx(6.0)
    fourth = func.grad(func.grad(func.grad(func.grad(lambda t: t.exp() * t))))(xt)
    assert fourth.item() == pytest.approx(np.exp(x) * (x + 4))


def test_hessian_of_rosenbrock_is_its_closed_form():
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-2, 2, (4, 2)):
        h = func.hessian(rosenbrock)(t64([x, y])).numpy()
        want = [[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200]]
        np.testing.assert_allclose(h, want, rtol=1e-12, atol=1e-9)
    # and jacrev(grad) is the same matrix
    h2 = func.jacrev(func.grad(rosenbrock))(t64([0.3, -0.4])).numpy()
    np.testing.assert_allclose(h2, func.hessian(rosenbrock)(t64([0.3, -0.4])).numpy())


def test_hessian_matches_autograd_functional_hessian():
    rng = np.random.default_rng(1)
    a, b = t64(rng.standard_normal((2, 3))), t64(rng.standard_normal(3))

    def f(x, y):
        return (x @ y).tanh().sum() + (x**2).sum() * y.sin().sum()

    got = func.hessian(f, argnums=(0, 1))(a, b)
    want = AF.hessian(f, (a, b))
    for i in range(2):
        for j in range(2):
            assert got[i][j].shape == want[i][j].shape
            np.testing.assert_allclose(got[i][j].numpy(), want[i][j].numpy(), rtol=1e-12,
                                       atol=1e-12)
    one = func.hessian(f)(a, b)
    np.testing.assert_allclose(one.numpy(), want[0][0].numpy(), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- grad semantics


def test_grad_argnums_has_aux_and_pytrees():
    x, y = t64([1.0, 2.0]), t64([3.0, -1.0])

    def f(x, y):
        return (x * y).sum(), {"x2": x * 2}

    gx, aux = func.grad(f, has_aux=True)(x, y)
    np.testing.assert_allclose(gx.numpy(), y.numpy())
    np.testing.assert_allclose(aux["x2"].numpy(), [2.0, 4.0])
    assert not aux["x2"].requires_grad
    gs = func.grad(lambda x, y: (x * y).sum(), argnums=(0, -1))(x, y)
    assert isinstance(gs, tuple) and len(gs) == 2
    np.testing.assert_allclose(gs[1].numpy(), x.numpy())
    (g, value) = func.grad_and_value(lambda x, y: (x * y).sum(), argnums=1)(x, y)
    assert value.item() == pytest.approx(1.0) and not value.requires_grad
    np.testing.assert_allclose(g.numpy(), x.numpy())
    tree = {"a": x, "b": [y, t64(5.0)]}
    gt = func.grad(lambda d: (d["a"] * d["b"][0]).sum())(tree)
    assert set(gt) == {"a", "b"} and isinstance(gt["b"], list)
    np.testing.assert_allclose(gt["b"][0].numpy(), x.numpy())
    assert gt["b"][1].item() == 0.0  # an unused input gets zeros, as in torch.func


def test_grad_results_require_grad_only_inside_an_outer_transform():
    x = t64(2.0)
    g = func.grad(lambda t: t**3)(x)
    assert not g.requires_grad and g.grad_fn is None
    xr = t64(2.0, requires_grad=True)
    g = func.grad(lambda t: t**3)(xr)  # composes with plain autograd, as torch.func
    assert g.requires_grad
    g.backward()
    assert xr.grad.item() == pytest.approx(12.0)
    w = t64(3.0, requires_grad=True)  # a closed-over tensor that requires grad
    g = func.grad(lambda t: w * t**2)(x)
    assert g.requires_grad
    (dw,) = mt.autograd.grad(g, w)
    assert dw.item() == pytest.approx(4.0)
    with mt.no_grad():
        assert not func.grad(lambda t: w * t**2)(xr).requires_grad
    assert w.grad is None  # nothing was written into .grad


def test_nested_grads_do_not_confuse_their_inputs():
    # d/dx [ d/dy (x·y) at y = x ] = d/dx [x] = 1 (the "perturbation confusion" test)
    x = t64(0.7)
    assert func.grad(lambda a: func.grad(lambda b: a * b)(a))(x).item() == pytest.approx(1.0)


def test_gradients_are_ordinary_writable_tensors():
    g = func.grad(lambda t: t.sum())(mt.tensor([1.0, 2.0]))
    g += 1  # (the engine's gradient of a sum is a broadcast view; the caller gets its own)
    np.testing.assert_allclose(g.numpy(), [2.0, 2.0])


def test_grad_keeps_float32():
    x = mt.tensor([1.0, 2.0])
    g = func.grad(lambda t: (t**2).sum())(x)
    assert g.dtype == mt.float32
    assert func.hessian(lambda t: (t**3).sum())(x).dtype == mt.float32


def test_grad_errors_are_torch_func_s():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"scalar Tensor, got tensor with 1 dims"):
        func.grad(lambda t: t * 2)(x)
    with pytest.raises(RuntimeError, match=r"Expected f\(\*args\) to return a Tensor"):
        func.grad(lambda t: (t, t))(x)
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\)"):
        func.grad(lambda t: t.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match="floating point"):
        func.grad(lambda t: t.sum())(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="Got argnum=1, but only 1 positional inputs"):
        func.grad(lambda t: t.sum(), argnums=1)(x)
    with pytest.raises(RuntimeError, match="must be int or Tuple"):
        func.grad(lambda t: t.sum(), argnums=1.0)(x)
    with pytest.raises(RuntimeError, match="must be unique"):
        func.grad(lambda t: t.sum(), argnums=(0, 0))(x)
    with pytest.raises(RuntimeError, match="non-empty"):
        func.grad(lambda t: t.sum(), argnums=())(x)
    with pytest.raises(ValueError, match="must be Tensor"):
        func.grad(lambda t: t)(3.0)


# --------------------------------------------------------------------------- vjp, Jacobians


def test_vjp_is_v_transpose_j_and_can_be_called_again():
    rng = np.random.default_rng(2)
    a = t64(rng.standard_normal((3, 4)))
    x = t64(rng.standard_normal(4))
    out, vjp_fn = func.vjp(lambda x: (a @ x).tanh(), x)
    assert not out.requires_grad
    j = AF.jacobian(lambda x: (a @ x).tanh(), x).numpy()
    for _ in range(2):
        v = rng.standard_normal(3)
        (got,) = vjp_fn(t64(v))
        np.testing.assert_allclose(got.numpy(), v @ j, rtol=1e-12)
    with pytest.raises(RuntimeError, match="pytree structure of cotangents"):
        vjp_fn((t64(v), t64(v)))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        vjp_fn(t64([1.0]))
    out, fn, aux = func.vjp(lambda x, y: ((x * y, x + y), x.sum()), x, x, has_aux=True)
    gx, gy = fn((mt.ones_like(x), mt.ones_like(x)))
    np.testing.assert_allclose(gx.numpy(), x.numpy() + 1)
    assert aux.item() == pytest.approx(x.sum().item())


def test_jacrev_and_jacfwd_match_autograd_functional_jacobian():
    rng = np.random.default_rng(3)
    x, y = t64(rng.standard_normal(3)), t64(rng.standard_normal((2, 3)))

    def f(x, y):
        return (y * x).exp()

    want = AF.jacobian(f, (x, y))
    for transform in (func.jacrev, func.jacfwd):
        got = transform(f, argnums=(0, 1))(x, y)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)
    jac, aux = func.jacrev(lambda x: (x.sin(), x.sum()), has_aux=True)(x)
    assert jac.shape == (3, 3) and aux.item() == pytest.approx(x.sum().item())
    assert func.jacrev(lambda x: x.sum())(mt.zeros(0, dtype=mt.float64)).shape == (0,)
    assert func.jacrev(lambda x: x[:0])(x).shape == (0, 3)
    with pytest.raises(RuntimeError, match="return only tensors"):
        func.jacrev(lambda x: 3)(x)
    with pytest.raises(ValueError, match="chunk_size"):
        func.jacrev(f, chunk_size=0)


# --------------------------------------------------------------------------- functional_call


def _mlp():
    mt.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()


def test_functional_call_gives_the_module_s_own_gradients():
    model = _mlp()
    x = t64(np.random.default_rng(4).standard_normal((7, 3)))
    loss = model(x).square().mean()
    loss.backward()
    own = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    params = {n: p.detach().clone().requires_grad_() for n, p in model.named_parameters()}
    before = {n: p for n, p in model.named_parameters()}
    out = func.functional_call(model, params, (x,))
    out.square().mean().backward()
    for n, p in params.items():
        np.testing.assert_allclose(p.grad.numpy(), own[n], rtol=1e-12)
    assert all(p is before[n] for n, p in model.named_parameters())  # restored
    # as a function of the parameters: func.grad of a functional_call
    g = func.grad(lambda ps: func.functional_call(model, ps, x).square().mean())(
        {n: p.detach() for n, p in params.items()})
    for n in own:
        np.testing.assert_allclose(g[n].numpy(), own[n], rtol=1e-12)


def test_functional_call_on_a_linear_layer_with_some_parameters():
    lin = nn.Linear(3, 2).double()
    w = t64(np.ones((2, 3)), requires_grad=True)
    x = t64(np.arange(6.0).reshape(2, 3))
    y = func.functional_call(lin, {"weight": w}, x)
    np.testing.assert_allclose(y.detach().numpy(),
                               x.numpy() @ np.ones((3, 2)) + lin.bias.detach().numpy())
    y.sum().backward()
    assert lin.weight.grad is None and lin.bias.grad is not None
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)))
    y = func.functional_call(lin, ({"weight": w}, {"bias": t64([0.0, 0.0])}), (), {"input": x})
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ np.ones((3, 2)))


def test_functional_call_checks_its_arguments():
    lin = nn.Linear(3, 2)
    w = mt.zeros(2, 3)
    x = mt.zeros(1, 3)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        func.functional_call(lin, {"weight": w}, x, strict=True)
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'nope'"):
        func.functional_call(lin, {"weight": w, "bias": mt.zeros(2), "nope": w}, x,
                             strict=True)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        func.functional_call(lin, ({"weight": w}, {"weight": w}), x)
    with pytest.raises(ValueError, match="to be dictionaries"):
        func.functional_call(lin, [1], x)
    with pytest.raises(TypeError, match="'weight'"):
        func.functional_call(lin, {"weight": 3}, x)
    assert func.functional_call(lin, {"nope": w}, x).shape == (1, 2)  # ignored, as PyTorch
    assert "nope" not in vars(lin)


def test_functional_call_ties_tied_weights():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))

    m = Tied()
    x = mt.ones(1, 2)
    eye = mt.eye(2)
    tied = func.functional_call(m, {"a.weight": eye}, x)
    np.testing.assert_allclose(tied.detach().numpy(), [[1, 1]])
    untied = func.functional_call(m, {"a.weight": eye}, x, tie_weights=False)
    np.testing.assert_allclose(untied.detach().numpy(), m.b(x).detach().numpy())
    with pytest.raises(ValueError, match="which are tied"):
        func.functional_call(m, {"a.weight": eye, "b.weight": 2 * eye}, x)


def test_functional_call_from_two_threads_on_one_module():
    lin = nn.Linear(4, 1, bias=False).double()
    errors = []

    def work(scale):
        w = t64(np.full((1, 4), float(scale)))
        for _ in range(200):
            y = func.functional_call(lin, {"weight": w}, t64(np.ones((1, 4))))
            if y.item() != 4 * scale:
                errors.append((scale, y.item()))

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


def test_maml_inner_step_is_differentiated():
    # one SGD step on a task's loss, then the loss after it, as a function of the start
    model = _mlp()
    rng = np.random.default_rng(5)
    xs, ys = t64(rng.standard_normal((8, 3))), t64(rng.standard_normal((8, 2)))
    xq, yq = t64(rng.standard_normal((8, 3))), t64(rng.standard_normal((8, 2)))
    params = {n: p.detach() for n, p in model.named_parameters()}

    def loss(ps, x, y):
        return (func.functional_call(model, ps, x) - y).square().mean()

    def meta(ps):
        g = func.grad(loss)(ps, xs, ys)
        fast = {n: ps[n] - 0.1 * g[n] for n in ps}
        return loss(fast, xq, yq)

    got = func.grad(meta)(params)
    name = "0.bias"
    for i in range(2):
        e = np.zeros(5)
        e[i] = 1e-6
        up = dict(params, **{name: params[name] + t64(e)})
        down = dict(params, **{name: params[name] - t64(e)})
        num = (meta(up).item() - meta(down).item()) / 2e-6
        assert got[name][i].item() == pytest.approx(num, rel=1e-6, abs=1e-9)


# --------------------------------------------------------------------------- memory


def _node_refs(t):
    refs, stack, seen = [], [t.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen or type(n) is not mt.autograd.Node:
            continue
        seen.add(id(n))
        refs.append(weakref.ref(n))
        stack.extend(e for e in n._next if type(e) is mt.autograd.Node)
    return refs


def test_a_plain_backward_frees_what_the_nodes_saved():
    w = t64(np.ones((4, 4)), requires_grad=True)
    x = t64(np.ones((2, 4)))
    loss = (x @ w).tanh().square().sum()
    nodes = [r() for r in _node_refs(loss)]
    arrays = [weakref.ref(a) for n in nodes for a in n.saved_tensors
              if a is not w._data and a is not x._data]
    assert arrays  # the intermediate results tanh and square saved
    del nodes
    loss.backward()
    gc.collect()
    assert all(a() is None for a in arrays)  # freed while loss (and its graph) still live


def test_a_recorded_gradient_s_graph_is_freed_with_the_gradient():
    w = t64(np.ones((4, 4)), requires_grad=True)
    x = t64(np.ones((2, 4)))
    (g,) = mt.autograd.grad((x @ w).tanh().square().sum(), w, create_graph=True)
    refs = _node_refs(g)
    assert len(refs) > 5  # the recorded backward pass, and the forward it needs
    gc.collect()
    assert all(r() is not None for r in refs)  # alive while the gradient is
    del g
    gc.collect()
    assert all(r() is None for r in refs)
    # the same through func.grad inside an outer transform
    inner = []

    def outer(v):
        gi = func.grad(lambda u: (u * v).sin().sum())(v)
        inner.extend(_node_refs(gi))
        return gi.sum()

    func.grad(outer)(t64([0.1, 0.2]))
    gc.collect()
    assert inner and all(r() is None for r in inner)
