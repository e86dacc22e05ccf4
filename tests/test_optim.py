"""Optimizers: each trajectory against its update rule written out again here in NumPy.

Every test runs in float64 on a fixed problem: a quadratic (the gradient depends on
where the optimizer is) or a fixed sequence of gradients. The reference functions
below are the textbook rules, one line per equation, so a reader can check each
optimizer against its docstring. The lecture's forms (momentum with and without the
learning rate in the velocity, the (1-β) moving average, Nesterov's look-ahead,
RMSprop with ε inside the root) are tested against PyTorch's forms too.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import microtensor as mt
from microtensor import optim
from microtensor.errors import DtypeError, ShapeError
from microtensor.optim import lr_scheduler

RTOL, ATOL = 1e-11, 1e-13
STEPS = 25

_rng = np.random.default_rng(1234)
A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.3]])  # SPD, condition ~ 12
C = np.array([1.0, -2.0, 0.5])
W0 = np.array([0.3, 0.7, -1.2])
G_FIXED = _rng.standard_normal((STEPS, 3)) * np.array([1.0, 0.01, 5.0])


def quadratic(t: int, w: np.ndarray) -> np.ndarray:
    """∇ of ½ (w - c)ᵀ A (w - c)."""
    return A @ (w - C)


def fixed(t: int, w: np.ndarray) -> np.ndarray:
    return G_FIXED[t]


PROBLEMS = {"quadratic": quadratic, "fixed": fixed}


def run(make_opt, grad_fn=quadratic, steps=STEPS, w0=W0, sched=None):
    """Run ``steps`` optimizer steps on one float64 parameter; return the trajectory."""
    p = mt.tensor(w0.copy(), requires_grad=True)
    opt = make_opt([p])
    s = sched(opt) if sched else None
    out = []
    for t in range(steps):
        p.grad = mt.tensor(grad_fn(t, p._data.copy()))
        opt.step()
        if s:
            s.step()
        out.append(p._data.copy())
    return np.array(out), opt


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------- references (NumPy)


def ref_sgd(grad_fn, lrs, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False,
            maximize=False, w0=W0):
    w, b, out = w0.copy(), None, []
    for t, lr in enumerate(lrs):
        g = grad_fn(t, w)
        g = -g if maximize else g
        g = g + wd * w
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        w = w - lr * g
        out.append(w)
    return np.array(out)


def ref_adagrad(grad_fn, lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10, steps=STEPS):
    w, s, out = W0.copy(), np.full(3, init), []
    for t in range(1, steps + 1):
        g = grad_fn(t - 1, w) + wd * w
        s = s + g**2
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(w)
    return np.array(out)


def ref_rmsprop(grad_fn, lr, alpha=0.99, eps=1e-8, wd=0.0, momentum=0.0, centered=False,
                steps=STEPS):
    w, s, gbar, b, out = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t in range(steps):
        g = grad_fn(t, w) + wd * w
        s = alpha * s + (1 - alpha) * g**2
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            d = np.sqrt(s - gbar**2) + eps
        else:
            d = np.sqrt(s) + eps
        if momentum:
            b = momentum * b + g / d
            w = w - lr * b
        else:
            w = w - lr * g / d
        out.append(w)
    return np.array(out)


def ref_adam(grad_fn, lrs, betas=(0.9, 0.999), eps=1e-8, wd=0.0, amsgrad=False,
             decoupled=False, maximize=False):
    b1, b2 = betas
    w, m, v, vmax, out = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t, lr in enumerate(lrs, start=1):
        g = grad_fn(t - 1, w)
        g = -g if maximize else g
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1**t)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w)
    return np.array(out)


def ref_nadam(grad_fn, lr, betas=(0.9, 0.999), eps=1e-8, wd=0.0, psi=4e-3, decoupled=False):
    b1, b2 = betas
    w, m, v, prod, out = W0.copy(), np.zeros(3), np.zeros(3), 1.0, []
    for t in range(1, STEPS + 1):
        g = grad_fn(t - 1, w)
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = prod * mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        d = np.sqrt(v / (1 - b2**t)) + eps
        w = w - lr * (1 - mu) / (1 - prod) * g / d - lr * mu_next / (1 - prod * mu_next) * m / d
        out.append(w)
    return np.array(out)


def ref_adadelta(grad_fn, lr=1.0, rho=0.9, eps=1e-6, wd=0.0):
    w, s, u, out = W0.copy(), np.zeros(3), np.zeros(3), []
    for t in range(STEPS):
        g = grad_fn(t, w) + wd * w
        s = rho * s + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u = rho * u + (1 - rho) * delta**2
        w = w - lr * delta
        out.append(w)
    return np.array(out)


@pytest.fixture
def float64_default():
    old = mt.dtypes.get_default_dtype()
    mt.dtypes.set_default_dtype(mt.float64)
    yield
    mt.dtypes.set_default_dtype(old)


# ---------------------------------------------------------------------- SGD

SGD_CASES = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.9, dampening=0.5),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.05, momentum=0.5, weight_decay=0.3),
    "maximize": dict(lr=0.01, momentum=0.7, weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_matches_update_rule(case, problem):
    kw = SGD_CASES[case]
    got, _ = run(lambda ps: optim.SGD(ps, **kw), PROBLEMS[problem])
    want = ref_sgd(PROBLEMS[problem], [kw["lr"]] * STEPS, kw.get("momentum", 0),
                   kw.get("dampening", 0), kw.get("weight_decay", 0), kw.get("nesterov", False),
                   kw.get("maximize", False))
    close(got, want)


def test_sgd_momentum_buffer_starts_at_first_gradient_without_dampening():
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = mt.tensor(G_FIXED[0])
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    assert isinstance(buf, mt.Tensor)
    np.testing.assert_array_equal(buf._data, G_FIXED[0])  # g₁, not (1 - 0.5)·g₁
    assert buf._data is not p.grad._data  # a copy
    p.grad = mt.tensor(G_FIXED[1])
    opt.step()
    close(buf._data, 0.9 * G_FIXED[0] + 0.5 * G_FIXED[1])


def test_sgd_without_momentum_keeps_no_state():
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.tensor(G_FIXED[0])
    opt.step()
    assert opt.state_dict()["state"] == {}


# ---------------------------------------------------------------------- the lecture's forms


def lecture_momentum(grad_fn, lrs, gamma):
    """v ← γ·v + η·∇w;  w ← w - v."""
    w, v, out = W0.copy(), np.zeros(3), []
    for t, lr in enumerate(lrs):
        v = gamma * v + lr * grad_fn(t, w)
        w = w - v
        out.append(w)
    return np.array(out)


def lecture_ema_momentum(grad_fn, alpha, beta):
    """V ← β·V + (1-β)·∇w;  w ← w - α·V  (V₀ = 0), the course notes' form."""
    w, V, out, Vs = W0.copy(), np.zeros(3), [], []
    for t in range(STEPS):
        V = beta * V + (1 - beta) * grad_fn(t, w)
        w = w - alpha * V
        out.append(w)
        Vs.append(V)
    return np.array(out), np.array(Vs)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_lecture_momentum_with_lr_in_velocity_gives_the_same_iterates(problem):
    got, _ = run(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), PROBLEMS[problem])
    close(got, lecture_momentum(PROBLEMS[problem], [0.05] * STEPS, 0.9))


def test_lecture_momentum_differs_once_the_lr_changes():
    # With a schedule the forms part ways: PyTorch's lr scales the whole buffer at once.
    lrs = [0.05] * 10 + [0.005] * (STEPS - 10)
    got, _ = run(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), fixed,
                 sched=lambda o: lr_scheduler.MultiStepLR(o, milestones=[10]))
    close(got, ref_sgd(fixed, lrs, momentum=0.9))  # PyTorch's form, with the schedule
    lecture = lecture_momentum(fixed, lrs, 0.9)
    close(got[:10], lecture[:10])
    assert np.abs(got[10:] - lecture[10:]).max() > 1e-2


@pytest.mark.parametrize("problem", PROBLEMS)
def test_ema_momentum_is_sgd_with_lr_times_one_minus_beta(problem):
    alpha, beta = 0.1, 0.9
    want, _ = lecture_ema_momentum(PROBLEMS[problem], alpha, beta)
    got, _ = run(lambda ps: optim.SGD(ps, lr=alpha * (1 - beta), momentum=beta),
                 PROBLEMS[problem])
    close(got, want)


def test_ema_momentum_is_not_dampening_beta():
    # dampening=β: b₁ = g₁ (no dampening on step 1), then b ← β·b + (1-β)·g, so the
    # buffer stays exactly β^t·g₁ above the course notes' V_t = Σ β^(t-i)·(1-β)·g_i.
    alpha, beta = 0.1, 0.9
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=alpha, momentum=beta, dampening=beta)
    _, V = lecture_ema_momentum(fixed, alpha, beta)
    for t in range(STEPS):
        p.grad = mt.tensor(G_FIXED[t])
        opt.step()
        b = opt.state[p]["momentum_buffer"]._data
        close(b, V[t] + beta ** (t + 1) * G_FIXED[0])
    assert not np.allclose(b, V[-1], rtol=1e-3)


def lecture_nesterov(grad_fn, lr, gamma, steps=STEPS):
    """v ← γ·v + η·∇L(w - γ·v);  w ← w - v  (the gradient at the look-ahead point)."""
    w, v, ws, vs = W0.copy(), np.zeros(3), [], []
    for t in range(steps):
        v = gamma * v + lr * grad_fn(t, w - gamma * v)
        w = w - v
        ws.append(w)
        vs.append(v)
    return np.array(ws), np.array(vs)


def quartic(t, w):
    return w**3 - w + 0.3


@pytest.mark.parametrize("grad_fn", [quadratic, quartic], ids=["quadratic", "quartic"])
def test_lookahead_nesterov_and_pytorch_nesterov_agree_after_change_of_variables(grad_fn):
    # PyTorch's parameter θ is the lecture's look-ahead point: θ_t = w_t - γ·v_t.
    lr, gamma = 0.05, 0.9
    theta, opt = run(lambda ps: optim.SGD(ps, lr=lr, momentum=gamma, nesterov=True), grad_fn)
    w, v = lecture_nesterov(grad_fn, lr, gamma)
    close(theta, w - gamma * v)
    # ... and the velocity is η times PyTorch's buffer.
    close(opt.state[opt.param_groups[0]["params"][0]]["momentum_buffer"]._data * lr, v[-1])
    assert np.abs(theta - w).max() > 1e-3  # different points, the same algorithm


def test_nesterov_differs_from_classical_momentum():
    a, _ = run(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True))
    b, _ = run(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9))
    assert np.abs(a - b).max() > 1e-2


# ---------------------------------------------------------------------- Adagrad

ADAGRAD_CASES = {
    "plain": dict(lr=0.5),
    "lr_decay": dict(lr=0.5, lr_decay=0.1),
    "init_eps_wd": dict(lr=0.5, initial_accumulator_value=0.2, eps=1e-3, weight_decay=0.2),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", ADAGRAD_CASES)
def test_adagrad_matches_update_rule(case, problem):
    kw = ADAGRAD_CASES[case]
    got, opt = run(lambda ps: optim.Adagrad(ps, **kw), PROBLEMS[problem])
    close(got, ref_adagrad(PROBLEMS[problem], kw["lr"], kw.get("lr_decay", 0),
                           kw.get("weight_decay", 0), kw.get("initial_accumulator_value", 0),
                           kw.get("eps", 1e-10)))


def test_adagrad_state_exists_before_the_first_step():
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    np.testing.assert_array_equal(opt.state[p]["sum"]._data, np.full(3, 0.5))
    assert float(opt.state[p]["step"]) == 0.0


# ---------------------------------------------------------------------- RMSprop

RMSPROP_CASES = {
    "plain": dict(lr=0.01),
    "alpha_eps": dict(lr=0.01, alpha=0.9, eps=1e-4),
    "centered": dict(lr=0.01, centered=True),
    "momentum": dict(lr=0.01, momentum=0.8),
    "centered_momentum_wd": dict(lr=0.01, alpha=0.8, centered=True, momentum=0.5,
                                 weight_decay=0.2),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", RMSPROP_CASES)
def test_rmsprop_matches_update_rule(case, problem):
    kw = RMSPROP_CASES[case]
    got, opt = run(lambda ps: optim.RMSprop(ps, **kw), PROBLEMS[problem])
    close(got, ref_rmsprop(PROBLEMS[problem], kw["lr"], kw.get("alpha", 0.99),
                           kw.get("eps", 1e-8), kw.get("weight_decay", 0),
                           kw.get("momentum", 0), kw.get("centered", False)))
    names = set(next(iter(opt.state.values())))
    assert names == {"step", "square_avg"} | ({"momentum_buffer"} if "momentum" in kw else set()) \
        | ({"grad_avg"} if kw.get("centered") else set())


def lecture_rmsprop_step(g, lr, alpha, eps):
    """One step from s = 0 with ε inside the root: α·g/√(s + ε)."""
    s = (1 - alpha) * g**2
    return lr * g / np.sqrt(s + eps)


@pytest.mark.parametrize("g, ratio", [
    (1.0, 1.0),        # s = 1e-2 ≫ ε: the two forms agree (to 5e-7)
    (1e-2, 1.00498),   # s = 1e-6: half a percent apart
    (1e-3, 1.41407),   # s = 1e-8 = ε: PyTorch's step is √2 times the lecture's
    (1e-6, 909.09),    # s = 1e-14 ≪ ε: ... and 900 times when gradients are tiny
])
def test_rmsprop_eps_outside_the_root_vs_lecture_form(g, ratio):
    lr, alpha, eps = 0.01, 0.99, 1e-8
    p = mt.tensor(np.array([0.0]), requires_grad=True)
    opt = optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps)
    p.grad = mt.tensor(np.array([g]))
    opt.step()
    ours = -p._data[0]
    s = (1 - alpha) * g**2
    assert ours == pytest.approx(lr * g / (np.sqrt(s) + eps), rel=1e-12)
    # ratio of the steps = √(s + ε) / (√s + ε)
    assert ours / lecture_rmsprop_step(g, lr, alpha, eps) == pytest.approx(ratio, rel=1e-5)


# ---------------------------------------------------------------------- Adam family

ADAM_CASES = {
    "plain": dict(lr=0.05),
    "betas": dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3),
    "weight_decay": dict(lr=0.05, weight_decay=0.5),
    "amsgrad": dict(lr=0.05, amsgrad=True),
    "maximize_amsgrad_wd": dict(lr=0.05, amsgrad=True, weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_matches_update_rule(case, problem):
    kw = ADAM_CASES[case]
    got, _ = run(lambda ps: optim.Adam(ps, **kw), PROBLEMS[problem])
    close(got, ref_adam(PROBLEMS[problem], [kw["lr"]] * STEPS, kw.get("betas", (0.9, 0.999)),
                        kw.get("eps", 1e-8), kw.get("weight_decay", 0), kw.get("amsgrad", False),
                        maximize=kw.get("maximize", False)))


def test_adam_bias_correction_makes_the_first_step_lr_sized():
    # m₁ = (1-β₁)·g and v₁ = (1-β₂)·g², so m̂/√v̂ = g/|g|: each coordinate moves by ≈ lr.
    p = mt.tensor(np.zeros(3), requires_grad=True)
    opt = optim.Adam([p], lr=0.01)
    g = np.array([1e-4, -3.0, 250.0])
    p.grad = mt.tensor(g)
    opt.step()
    np.testing.assert_allclose(p._data, -0.01 * np.sign(g), rtol=1e-3)
    close(opt.state[p]["exp_avg"]._data, 0.1 * g)
    close(opt.state[p]["exp_avg_sq"]._data, 0.001 * g**2)


def test_amsgrad_keeps_the_running_max_of_exp_avg_sq():
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.01, betas=(0.9, 0.9), amsgrad=True)
    seen = np.zeros(3)
    for t in range(STEPS):
        p.grad = mt.tensor(G_FIXED[t] * (100.0 if t < 3 else 1.0))  # large early gradients
        opt.step()
        seen = np.maximum(seen, opt.state[p]["exp_avg_sq"]._data)
        np.testing.assert_array_equal(opt.state[p]["max_exp_avg_sq"]._data, seen)
    assert (opt.state[p]["max_exp_avg_sq"]._data > opt.state[p]["exp_avg_sq"]._data).all()


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw_matches_decoupled_rule(problem, amsgrad):
    got, _ = run(lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=0.3, amsgrad=amsgrad),
                 PROBLEMS[problem])
    close(got, ref_adam(PROBLEMS[problem], [0.05] * STEPS, wd=0.3, amsgrad=amsgrad,
                        decoupled=True))
    coupled, _ = run(lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.3), PROBLEMS[problem])
    assert np.abs(got - coupled).max() > 1e-3


def test_adamw_decay_is_applied_to_the_weights_before_the_step():
    # With a zero gradient Adam's step is 0/(0 + eps) = 0, leaving the decay alone.
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    for t in range(5):
        p.grad = mt.zeros(3, dtype=mt.float64)
        opt.step()
        close(p._data, W0 * (1 - 0.1 * 0.5) ** (t + 1))
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_adamw_equals_adam_with_decoupled_weight_decay():
    a, _ = run(lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=0.3), fixed)
    b, _ = run(lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.3,
                                     decoupled_weight_decay=True), fixed)
    np.testing.assert_array_equal(a, b)


NADAM_CASES = {
    "plain": dict(lr=0.05),
    "psi_wd": dict(lr=0.05, momentum_decay=0.05, weight_decay=0.2),
    "decoupled": dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", NADAM_CASES)
def test_nadam_matches_update_rule(case, problem, float64_default):
    # float64 default dtype: mu_product is then kept in float64 too (as in PyTorch).
    kw = NADAM_CASES[case]
    got, opt = run(lambda ps: optim.NAdam(ps, **kw), PROBLEMS[problem])
    assert next(iter(opt.state.values()))["mu_product"].dtype == np.float64
    close(got, ref_nadam(PROBLEMS[problem], kw["lr"], wd=kw.get("weight_decay", 0),
                         psi=kw.get("momentum_decay", 4e-3),
                         decoupled=kw.get("decoupled_weight_decay", False)))


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", [dict(), dict(lr=0.5, rho=0.7, eps=1e-4, weight_decay=0.2)],
                         ids=["default", "options"])
def test_adadelta_matches_update_rule(kw, problem):
    got, _ = run(lambda ps: optim.Adadelta(ps, **kw), PROBLEMS[problem])
    close(got, ref_adadelta(PROBLEMS[problem], kw.get("lr", 1.0), kw.get("rho", 0.9),
                            kw.get("eps", 1e-6), kw.get("weight_decay", 0)))


# ---------------------------------------------------------------------- groups, grads, schedules


def test_param_groups_use_their_own_hyperparameters():
    a = mt.tensor(W0.copy(), requires_grad=True)
    b = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.01, "nesterov": True}],
                    lr=0.1, momentum=0.9)
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[0]["nesterov"] is False
    ta, tb = [], []
    for t in range(STEPS):
        a.grad = mt.tensor(quadratic(t, a._data))
        b.grad = mt.tensor(quadratic(t, b._data))
        opt.step()
        ta.append(a._data.copy())
        tb.append(b._data.copy())
    close(np.array(ta), ref_sgd(quadratic, [0.1] * STEPS, momentum=0.9))
    close(np.array(tb), ref_sgd(quadratic, [0.01] * STEPS, momentum=0.9, nesterov=True))


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam",
                                  "Adadelta"])
def test_none_grads_are_skipped_and_zero_grads_are_not(name):
    kw = {"momentum": 0.9, "weight_decay": 0.1} if name == "SGD" else {"weight_decay": 0.1}
    a = mt.tensor(W0.copy(), requires_grad=True)
    b = mt.tensor(W0.copy(), requires_grad=True)
    opt = getattr(optim, name)([a, b], lr=0.1, **kw)
    b.grad = mt.zeros(3, dtype=mt.float64)
    opt.step()
    np.testing.assert_array_equal(a._data, W0)  # no gradient: untouched
    if name != "Adagrad":  # (Adagrad creates its state up front, as PyTorch)
        assert a not in opt.state
    assert b in opt.state
    assert not np.array_equal(b._data, W0)  # a zero gradient still steps (weight decay)


@pytest.mark.parametrize("sched, lrs", [
    (lambda o: lr_scheduler.StepLR(o, step_size=5, gamma=0.5),
     [0.1 * 0.5 ** (t // 5) for t in range(STEPS)]),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), [0.1 * 0.9**t for t in range(STEPS)]),
], ids=["StepLR", "ExponentialLR"])
def test_schedulers_drive_the_learning_rate_of_each_step(sched, lrs):
    got, _ = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), quadratic, sched=sched)
    close(got, ref_sgd(quadratic, lrs, momentum=0.9))
    got, _ = run(lambda ps: optim.Adam(ps, lr=0.1), quadratic, sched=sched)
    close(got, ref_adam(quadratic, lrs))


# ---------------------------------------------------------------------- state, checkpoints

ALL = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True),
    "Adagrad": dict(lr=0.3, lr_decay=0.01),
    "RMSprop": dict(lr=0.01, centered=True, momentum=0.5),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05),
    "NAdam": dict(lr=0.05),
    "Adadelta": dict(),
}


def _two_groups(name, params):
    return getattr(optim, name)([{"params": params[:1]},
                                 {"params": params[1:], "lr": ALL[name].get("lr", 1.0) / 2}],
                                **ALL[name])


def _step(opt, params, t):
    for i, p in enumerate(params):
        p.grad = mt.tensor(quadratic(t, p._data) * (i + 1))
    opt.step()


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_resumes_the_same_trajectory(name):
    params = [mt.tensor(W0.copy(), requires_grad=True), mt.tensor(-W0, requires_grad=True)]
    opt = _two_groups(name, params)
    for t in range(7):
        _step(opt, params, t)
    saved = copy.deepcopy(opt.state_dict())  # what a checkpoint on disk holds
    saved_params = [p._data.copy() for p in params]
    for t in range(7, 15):
        _step(opt, params, t)
    # A fresh run: new tensors, new optimizer, state loaded, then the same steps.
    resumed = [mt.tensor(a, requires_grad=True) for a in saved_params]
    opt2 = _two_groups(name, resumed)
    opt2.load_state_dict(saved)
    for t in range(7, 15):
        _step(opt2, resumed, t)
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p._data, q._data)
    # loading copied the state: stepping opt2 did not touch the saved dict
    assert copy.deepcopy(saved)["state"].keys() == opt2.state_dict()["state"].keys()


def test_state_dict_format_is_pytorchs():
    a = mt.tensor(W0.copy(), requires_grad=True)
    b = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = mt.tensor(G_FIXED[0])
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == [0]  # b had no gradient
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    step = sd["state"][0]["step"]
    assert isinstance(step, mt.Tensor) and step.shape == () and step.dtype == np.float32
    assert float(step) == 1.0
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][1]["lr"] == 0.5
    # PyTorch's keys, in PyTorch's order (its implementation switches included)
    assert list(sd["param_groups"][0].items()) == [
        ("lr", 0.1), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0),
        ("amsgrad", False), ("maximize", False), ("foreach", None), ("capturable", False),
        ("differentiable", False), ("fused", None), ("decoupled_weight_decay", False),
        ("params", [0])]


@pytest.mark.parametrize("name, keys", [
    ("SGD", "lr momentum dampening weight_decay nesterov maximize foreach differentiable fused"),
    ("Adagrad", "lr lr_decay eps weight_decay initial_accumulator_value foreach maximize "
                "differentiable fused"),
    ("RMSprop", "lr momentum alpha eps centered weight_decay capturable foreach maximize "
                "differentiable"),
    ("Adam", "lr betas eps weight_decay amsgrad maximize foreach capturable differentiable "
             "fused decoupled_weight_decay"),
    ("AdamW", "lr betas eps weight_decay amsgrad maximize foreach capturable differentiable "
              "fused decoupled_weight_decay"),
    ("Adadelta", "lr rho eps weight_decay maximize capturable foreach differentiable"),
    ("NAdam", "lr betas eps weight_decay momentum_decay decoupled_weight_decay maximize foreach "
              "capturable differentiable"),
])
def test_defaults_have_pytorchs_keys_in_pytorchs_order(name, keys):
    opt = getattr(optim, name)([mt.zeros(2, requires_grad=True)], foreach=False)
    assert list(opt.defaults) == keys.split()
    assert list(opt.param_groups[0]) == ["params", *keys.split()]
    assert opt.defaults["foreach"] is False  # accepted and kept, though it changes nothing
    with pytest.raises(ValueError, match="differentiable"):
        getattr(optim, name)([mt.zeros(2, requires_grad=True)], differentiable=True)


def test_load_state_dict_restores_hyperparameters_and_accepts_numpy_arrays():
    a = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = mt.tensor(G_FIXED[0])
    opt.step()
    sd = opt.state_dict()
    sd = {"state": {0: {"momentum_buffer": sd["state"][0]["momentum_buffer"]._data.copy()}},
          "param_groups": [dict(sd["param_groups"][0], lr=0.3)]}
    b = mt.tensor(W0.copy(), requires_grad=True)
    opt2 = optim.SGD([b], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.3
    assert opt2.param_groups[0]["params"][0] is b
    assert isinstance(opt2.state[b]["momentum_buffer"], mt.Tensor)


def test_load_state_dict_that_does_not_fit_raises():
    a = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([a])
    a.grad = mt.tensor(G_FIXED[0])
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match="2 parameter groups, this optimizer has 1"):
        optim.Adam([a]).load_state_dict({"state": {}, "param_groups": sd["param_groups"] * 2})
    two = [mt.tensor(W0.copy(), requires_grad=True), mt.tensor(W0.copy(), requires_grad=True)]
    with pytest.raises(ValueError, match="group 0 of the state dict has 1 parameters"):
        optim.Adam(two).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(3,\)"):
        optim.Adam([mt.tensor(np.zeros(4), requires_grad=True)]).load_state_dict(sd)
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        optim.Adam([a]).load_state_dict({"state": {}})


def test_float32_parameters_stay_float32():
    for name in ALL:
        p = mt.tensor(W0.astype(np.float32), requires_grad=True)
        opt = getattr(optim, name)([p], **ALL[name])
        for t in range(3):
            p.grad = mt.tensor(G_FIXED[t].astype(np.float32))
            opt.step()
        assert p.dtype == np.float32, name
        for key, value in opt.state[p].items():
            assert value.dtype == np.float32, (name, key)


def test_updates_are_in_place_and_under_no_grad():
    p = mt.tensor(W0.copy(), requires_grad=True)
    arr = p._data
    view = arr[1:]
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.tensor(G_FIXED[0])
    opt.step()
    assert p._data is arr and p.requires_grad and p.grad_fn is None
    close(view, (W0 - 0.1 * G_FIXED[0])[1:])


def test_zero_grad():
    p = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.tensor(G_FIXED[0])
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and (g._data == 0).all()
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_reevaluates_with_grad_enabled():
    p = mt.tensor(np.array(2.0), requires_grad=True)
    opt = optim.SGD([p], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p - 1.0) * (p - 1.0)
        loss.backward()
        calls.append(float(loss))
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert calls == [1.0] and float(loss) == 1.0
    assert float(p) == pytest.approx(2.0 - 0.25 * 2.0)


def test_add_param_group_fills_in_defaults():
    a = mt.tensor(W0.copy(), requires_grad=True)
    b = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    ada = optim.Adagrad([a], initial_accumulator_value=0.1)
    ada.add_param_group({"params": b})
    assert "sum" in ada.state[b]


def test_named_parameters_are_accepted():
    a = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([("weight", a)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a] or opt.param_groups[0]["params"][0] is a
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight"]


def test_repr_lists_each_group():
    a = mt.tensor(W0.copy(), requires_grad=True)
    text = repr(optim.SGD([a], lr=0.1, momentum=0.9))
    assert text.splitlines() == [
        "SGD (", "Parameter Group 0", "    dampening: 0", "    differentiable: False",
        "    foreach: None", "    fused: None", "    lr: 0.1", "    maximize: False",
        "    momentum: 0.9", "    nesterov: False", "    weight_decay: 0", ")"]


def test_optimizer_pickles():
    a = mt.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    a.grad = mt.tensor(G_FIXED[0])
    opt.step()
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_groups[0]["lr"] == 0.1 and len(opt2.state) == 1


# ---------------------------------------------------------------------- bad input


def _p():
    return mt.tensor(W0.copy(), requires_grad=True)


@pytest.mark.parametrize("make, message", [
    (lambda: optim.SGD([_p()], lr=-0.1), "SGD: lr must be >= 0, got -0.1"),
    (lambda: optim.SGD([_p()], momentum=-1), "SGD: momentum must be >= 0, got -1"),
    (lambda: optim.SGD([_p()], weight_decay=-1e-4), "SGD: weight_decay must be >= 0"),
    (lambda: optim.SGD([_p()], nesterov=True),
     "SGD: nesterov=True needs momentum > 0 and dampening == 0, got momentum=0"),
    (lambda: optim.SGD([_p()], momentum=0.9, dampening=0.1, nesterov=True),
     "dampening=0.1"),
    (lambda: optim.SGD([_p()], lr=float("nan")), "SGD: lr must be >= 0, got nan"),
    (lambda: optim.Adagrad([_p()], lr_decay=-1), "Adagrad: lr_decay must be >= 0"),
    (lambda: optim.Adagrad([_p()], initial_accumulator_value=-1),
     "Adagrad: initial_accumulator_value must be >= 0"),
    (lambda: optim.RMSprop([_p()], alpha=1.5), r"RMSprop: alpha must be in \[0, 1\], got 1.5"),
    (lambda: optim.RMSprop([_p()], eps=-1), "RMSprop: eps must be >= 0"),
    (lambda: optim.Adam([_p()], betas=(1.0, 0.999)),
     r"Adam: betas\[0\] must be in \[0, 1\), got 1.0"),
    (lambda: optim.Adam([_p()], betas=(0.9, -0.1)), r"Adam: betas\[1\] must be in \[0, 1\)"),
    (lambda: optim.Adam([_p()], betas=(0.9,)), "Adam: betas must be a pair"),
    (lambda: optim.AdamW([_p()], lr=-1), "AdamW: lr must be >= 0"),
    (lambda: optim.NAdam([_p()], momentum_decay=-1), "NAdam: momentum_decay must be >= 0"),
    (lambda: optim.Adadelta([_p()], rho=1.1), r"Adadelta: rho must be in \[0, 1\]"),
    (lambda: optim.SGD([]), "SGD: got an empty parameter list"),
    (lambda: optim.SGD([_p(), _p()] * 2), "parameter 2 of group 0 is given more than once"),
])
def test_bad_hyperparameters_raise_value_error_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_parameters_raise():
    a = _p()
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [a]}, {"params": [a]}])
    opt = optim.SGD([a])
    with pytest.raises(ValueError, match="parameter 0 of group 1 is given more than once"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="SGD: lr must be >= 0"):
        opt.add_param_group({"params": [_p()], "lr": -1})
    with pytest.raises(DtypeError, match="floating-point tensors, but parameter 0 of group 0 "
                                         "has dtype microtensor.int64"):
        optim.SGD([mt.tensor([1, 2])])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(a)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({a})
    with pytest.raises(TypeError, match="can only optimize Tensors, but parameter 0 of group 0 "
                                        "is a ndarray"):
        optim.SGD([W0])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2])
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        optim.SGD([a], lr="0.1")
    # A mis-shaped .grad is refused where it is assigned, as in PyTorch ...
    with pytest.raises(RuntimeError, match=r"gradient of shape \(4,\) to a tensor of shape"):
        a.grad = mt.tensor(np.zeros(4))
    a._grad = mt.tensor(np.zeros(4))  # ... and by the optimizer, should one slip through
    with pytest.raises(ShapeError, match=r"parameter 0 has shape \(3,\) but its .grad has "
                                         r"shape \(4,\)"):
        opt.step()


# ---------------------------------------------------------------------- penalties


def test_l1_and_l2_penalties_values_and_gradients():
    a = mt.tensor(np.array([1.0, -2.0, 0.0]), requires_grad=True)
    b = mt.tensor(np.array([[0.5], [-1.5]]), requires_grad=True)
    l1 = optim.l1_penalty([a, b])
    l2 = optim.l2_penalty([a, b])
    assert float(l1) == pytest.approx(5.0) and float(l2) == pytest.approx(7.5)
    (l1 + l2).backward()
    close(a.grad._data, np.sign(a._data) + 2 * a._data)
    close(b.grad._data, np.sign(b._data) + 2 * b._data)
    assert float(optim.l2_penalty(a)) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="l1_penalty: got no parameters"):
        optim.l1_penalty([])
    with pytest.raises(TypeError, match="l2_penalty: expects Tensors, but item 0 is a list"):
        optim.l2_penalty([[1.0]])


def test_l2_penalty_in_the_loss_equals_sgd_weight_decay():
    lam = 0.3
    p = mt.tensor(W0.copy(), requires_grad=True)
    q = mt.tensor(W0.copy(), requires_grad=True)
    opt_p = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=lam)
    opt_q = optim.SGD([q], lr=0.1, momentum=0.9)
    target = mt.tensor(C)
    for _ in range(10):
        for x, opt, pen in ((p, opt_p, 0.0), (q, opt_q, lam / 2)):
            opt.zero_grad()
            loss = ((x - target) * (x - target)).sum()
            if pen:
                loss = loss + pen * optim.l2_penalty([x])
            loss.backward()
            opt.step()
    close(p._data, q._data)


@pytest.mark.parametrize("name", ALL)
def test_zero_dim_parameters_step_like_one_element_ones(name):
    # A 0-d array turns into a NumPy scalar under arithmetic; state must stay an array.
    a = mt.tensor(np.array(0.7), requires_grad=True)
    b = mt.tensor(np.array([0.7]), requires_grad=True)
    opt_a = getattr(optim, name)([a], weight_decay=0.1, **ALL[name])
    opt_b = getattr(optim, name)([b], weight_decay=0.1, **ALL[name])
    for t in range(6):
        a.grad = mt.tensor(np.array(G_FIXED[t, 0]))
        b.grad = mt.tensor(G_FIXED[t, :1])
        opt_a.step()
        opt_b.step()
        assert a.shape == () and a._data.shape == ()
        close(a._data.reshape(1), b._data)
    for key, value in opt_a.state[a].items():
        assert isinstance(value._data, np.ndarray), key


def test_step_bumps_the_version_so_a_stale_graph_cannot_backward():
    # A graph recorded before the update saved w; after step() w's values changed,
    # so backward through the old graph must refuse instead of using the new values.
    w = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    stale = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        stale.backward()
