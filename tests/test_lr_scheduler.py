"""Learning-rate schedules: the exact sequences PyTorch produces, and their closed forms.

The literal sequences below were generated once with PyTorch 2.13
(``torch.optim.lr_scheduler``, same arguments) and pasted here; microtensor must
reproduce them exactly (``==`` on floats), since both compute the same recursions in
Python floats: +, -, × and ÷ round the same on every machine. The cosine schedules also
call ``math.cos``, which the C library computes to within an ulp but not bit for bit the
same everywhere (glibc, for one, picks an FMA or a non-FMA version by CPU), so those are
compared to :data:`COS_REL`. Index 0 is the lr right after the scheduler is built; index
i the lr after the i-th ``scheduler.step()``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import optim
from microtensor.optim import lr_scheduler as S

# An ulp of cos moves these schedules by at most ~2e-15 (relative); a wrong step, phase or
# formula moves them by 1e-3 or more.
COS_REL = 1e-14


def matches_cos(want):
    """``want`` (a cosine schedule) up to an ulp or two of ``math.cos``."""
    return pytest.approx(want, rel=COS_REL, abs=0)


def make_opt(cls=optim.SGD, groups=None, **kw):
    a = mt.tensor(np.zeros(2), requires_grad=True)
    b = mt.tensor(np.zeros(1), requires_grad=True)
    if groups:
        return cls([{"params": [a], **groups[0]}, {"params": [b], **groups[1]}], **kw)
    return cls([a, b], **kw)


def single(opt, sched, n, metrics=None):
    """The lr of group 0 (both groups share it here)."""
    out = [sched.get_last_lr()[0]]
    for i in range(n):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[i])
        out.append(sched.get_last_lr()[0])
        assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
    return out


def both(opt, sched, n, metrics=None):
    out = [list(sched.get_last_lr())]
    for i in range(n):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[i])
        out.append(list(sched.get_last_lr()))
    return out


# ---------------------------------------------------------------------- PyTorch's sequences
# Generated with PyTorch 2.13 and pasted as literals.

TORCH_STEP = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125]
TORCH_MULTISTEP = [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
                   0.00010000000000000005, 0.00010000000000000005, 0.00010000000000000005,
                   1.0000000000000006e-05, 1.0000000000000006e-05, 1.0000000000000006e-05]
TORCH_EXP = [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
             0.06561000000000002, 0.05904900000000002, 0.05314410000000002,
             0.04782969000000002, 0.043046721000000024, 0.03874204890000002,
             0.03486784401000002]
TORCH_COS = [0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736,
             0.018594235253127367, 0.01, 0.018594235253127367, 0.04109423525312739,
             0.06890576474687267, 0.09140576474687269, 0.10000000000000006, 0.09140576474687272,
             0.06890576474687268]
TORCH_LINEAR = [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002,
                0.10000000000000002, 0.10000000000000002, 0.10000000000000002,
                0.10000000000000002]
TORCH_LAMBDA = [[0.1, 0.2], [0.05, 0.1], [0.025, 0.06666666666666667], [0.0125, 0.05],
                [0.00625, 0.04000000000000001], [0.003125, 0.03333333333333333]]
TORCH_ONECYCLE_LR = [0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631,
                     0.6112620219362893, 0.38874197806371075, 0.18825834605023697,
                     0.049519367986526286, 4e-06, 0.04951936798652623]
TORCH_ONECYCLE_MOMENTUM = [0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633,
                           0.8888739533021842, 0.9111260466978157, 0.9311744900929366,
                           0.945048443395121, 0.95, 0.945048443395121]
TORCH_ONECYCLE3_LR = [
    [0.04, 0.02], [0.4092307692307693, 0.20461538461538464],
    [0.7784615384615386, 0.3892307692307693], [0.8523076923076922, 0.4261538461538461],
    [0.48307692307692296, 0.24153846153846148], [0.1138461538461536, 0.0569230769230768],
    [0.03448331034482758, 0.01724165517241379], [0.027587448275862066, 0.013793724137931033],
    [0.020691586206896546, 0.010345793103448273], [0.01379572413793103, 0.006897862068965515],
    [0.0068998620689655135, 0.0034499310344827568],
    [3.9999999999970615e-06, 1.9999999999985307e-06],
    [-0.006891862068965519, -0.0034459310344827597]]
TORCH_ONECYCLE3_MOMENTUM = [0.9115384615384615, 0.8730769230769231, 0.8653846153846154,
                            0.9038461538461539, 0.9423076923076923] + [0.95] * 7
TORCH_ONECYCLE_ADAM_LR = [0.0003999999999999993, 0.01, 0.00933012969841412, 0.00750001,
                          0.00500002, 0.0025000300000000016, 0.0006699103015858822, 4e-08,
                          0.0006699103015858827]
TORCH_ONECYCLE_ADAM_BETA1 = [0.85, 0.856698729810778, 0.875, 0.8999999999999999,
                             0.9249999999999999, 0.9433012701892219, 0.95, 0.9433012701892219]
TORCH_PLATEAU_MIN = [0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025,
                     0.025, 0.02, 0.02]
PLATEAU_MIN_METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
TORCH_PLATEAU_MAX_ABS = [[0.1, 0.3]] * 4 + [[0.010000000000000002, 0.03]] * 3 \
    + [[0.0010000000000000002, 0.01]] * 2
PLATEAU_MAX_METRICS = [0.5, 0.6, 0.62, 0.64, 0.7, 0.71, 0.72, 0.73]


def test_step_lr_matches_pytorch_and_closed_form():
    opt = make_opt(lr=0.1)
    got = single(opt, S.StepLR(opt, step_size=3, gamma=0.5), 10)
    assert got == TORCH_STEP
    assert got == pytest.approx([0.1 * 0.5 ** (t // 3) for t in range(11)], rel=1e-15)


def test_multistep_lr_matches_pytorch_and_closed_form():
    opt = make_opt(lr=0.1)
    got = single(opt, S.MultiStepLR(opt, milestones=[2, 5, 5, 8], gamma=0.1), 10)
    assert got == TORCH_MULTISTEP
    # a milestone listed twice decays twice
    count = [sum(m <= t for m in [2, 5, 5, 8]) for t in range(11)]
    assert got == pytest.approx([0.1 * 0.1**c for c in count], rel=1e-14)


def test_exponential_lr_matches_pytorch_and_closed_form():
    opt = make_opt(lr=0.1)
    got = single(opt, S.ExponentialLR(opt, gamma=0.9), 10)
    assert got == TORCH_EXP
    assert got == pytest.approx([0.1 * 0.9**t for t in range(11)], rel=1e-14)


def test_cosine_annealing_matches_pytorch_and_closed_form():
    opt = make_opt(lr=0.1)
    got = single(opt, S.CosineAnnealingLR(opt, T_max=5, eta_min=0.01), 12)
    assert got == matches_cos(TORCH_COS)
    closed = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(13)]
    assert got == pytest.approx(closed, rel=1e-13)  # periodic: back up after T_max


def test_linear_lr_matches_pytorch_and_closed_form():
    opt = make_opt(lr=0.1)
    got = single(opt, S.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=4), 7)
    assert got == TORCH_LINEAR
    closed = [0.1 * (0.25 + 0.75 * min(t, 4) / 4) for t in range(8)]
    assert got == pytest.approx(closed, rel=1e-14)


def test_lambda_lr_per_group():
    opt = make_opt(lr=0.1, groups=[{}, {"lr": 0.2}])
    got = both(opt, S.LambdaLR(opt, [lambda e: 0.5**e, lambda e: 1 / (e + 1)]), 5)
    assert got == TORCH_LAMBDA


def test_one_cycle_cos_with_sgd_momentum():
    opt = make_opt(lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, moms = [sched.get_last_lr()[0]], []
    for _ in range(10):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    assert lrs == matches_cos(TORCH_ONECYCLE_LR)
    assert moms == matches_cos(TORCH_ONECYCLE_MOMENTUM)
    assert lrs[0] == pytest.approx(1.0 / 25) and lrs[2] == 1.0  # rises to max_lr
    assert lrs[9] == pytest.approx(1.0 / 25 / 1e4)  # ends at initial_lr / final_div_factor
    with pytest.raises(ValueError, match="OneCycleLR: stepped 11 times, but total_steps is 10"):
        sched.step()


def test_one_cycle_linear_three_phase_per_group_max_lr():
    opt = make_opt(lr=0.1, momentum=0.9, groups=[{}, {}])
    sched = S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=12, anneal_strategy="linear",
                         three_phase=True)
    lrs, moms = [list(sched.get_last_lr())], []
    for _ in range(12):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(opt.param_groups[1]["momentum"])
    assert lrs == TORCH_ONECYCLE3_LR
    assert moms == TORCH_ONECYCLE3_MOMENTUM


def test_one_cycle_cycles_adam_beta1():
    opt = make_opt(optim.Adam, lr=0.1)
    sched = S.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=4, pct_start=0.25)
    lrs, betas = [sched.get_last_lr()[0]], []
    for _ in range(8):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        betas.append(opt.param_groups[0]["betas"][0])
        assert opt.param_groups[0]["betas"][1] == 0.999
    assert lrs == matches_cos(TORCH_ONECYCLE_ADAM_LR)
    assert betas == matches_cos(TORCH_ONECYCLE_ADAM_BETA1)


def test_reduce_on_plateau_min_rel_with_cooldown_and_min_lr():
    opt = make_opt(lr=0.1)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    assert single(opt, sched, 14, PLATEAU_MIN_METRICS) == TORCH_PLATEAU_MIN
    assert sched.best == 0.89


def test_reduce_on_plateau_max_abs_per_group_min_lr():
    opt = make_opt(lr=0.1, groups=[{}, {"lr": 0.3}])
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=1, threshold=0.05,
                                threshold_mode="abs", min_lr=[0.0, 0.01])
    assert both(opt, sched, 8, PLATEAU_MAX_METRICS) == TORCH_PLATEAU_MAX_ABS


def test_reduce_on_plateau_accepts_a_tensor_metric():
    opt = make_opt(lr=0.1)
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(mt.tensor(1.0))
    sched.step(mt.tensor(2.0))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)


# ---------------------------------------------------------------------- mechanics


def test_building_a_scheduler_sets_initial_lr_and_base_lrs():
    opt = make_opt(lr=0.1, groups=[{}, {"lr": 0.3}])
    sched = S.StepLR(opt, step_size=2)
    assert sched.base_lrs == [0.1, 0.3] and sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert sched.get_last_lr() == [0.1, 0.3]


@pytest.mark.parametrize("make", [
    lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda o: S.MultiStepLR(o, milestones=[2, 6]),
    lambda o: S.ExponentialLR(o, gamma=0.8),
    lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    lambda o: S.LinearLR(o, start_factor=0.1, total_iters=6),
    lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=12),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
        "OneCycleLR"])
def test_state_dict_round_trip_resumes_the_schedule(make):
    opt = make_opt(lr=0.1, momentum=0.9)
    sched = make(opt)
    for _ in range(4):
        opt.step()
        sched.step()
    saved_opt = copy.deepcopy(opt.state_dict())
    saved = copy.deepcopy(sched.state_dict())
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    rest = single(opt, sched, 6)
    opt2 = make_opt(lr=0.1, momentum=0.9)
    sched2 = make(opt2)  # build first, then load both (PyTorch's order)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert single(opt2, sched2, 6) == rest


def test_lambda_lr_state_dict_saves_callable_objects_only():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, e):
            return min(1.0, (e + 1) / self.n)

    opt = make_opt(lr=0.1, groups=[{}, {}])
    sched = S.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    sd["lr_lambdas"][0]["n"] = 10
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].n == 10


def test_resuming_with_last_epoch_needs_initial_lr():
    opt = make_opt(lr=0.1)
    with pytest.raises(KeyError, match="has no 'initial_lr'"):
        S.StepLR(opt, step_size=2, last_epoch=3)


def test_scheduler_drives_the_optimizer():
    p = mt.tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    sched = S.ExponentialLR(opt, gamma=0.5)
    for _ in range(4):
        p.grad = mt.tensor(np.array([1.0]))
        opt.step()
        sched.step()
    assert p._data[0] == pytest.approx(1.0 - (0.5 + 0.25 + 0.125 + 0.0625))


@pytest.mark.parametrize("make, error, message", [
    (lambda o: S.StepLR(o, step_size=0), ValueError, "StepLR: step_size must be a positive int"),
    (lambda o: S.MultiStepLR(o, milestones=[5, 2]), ValueError, "must be increasing"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be > 0"),
    (lambda o: S.LinearLR(o, start_factor=0), ValueError, r"start_factor must be in \(0, 1\]"),
    (lambda o: S.LambdaLR(o, [lambda e: 1.0] * 3), ValueError, "3 lr_lambdas for 1 parameter"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0), ValueError, "give total_steps, or both epochs"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=2.0), ValueError,
     "pct_start must be a float in"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be 'cos' or 'linear'"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, r"factor must be in \[0, 1\)"),
    (lambda o: S.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode must be 'min' or 'max'"),
    (lambda o: S.StepLR(object(), step_size=1), TypeError, "expects a microtensor.optim"),
])
def test_bad_arguments(make, error, message):
    opt = optim.SGD([mt.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    with pytest.raises(error, match=message):
        make(opt)


def test_one_cycle_needs_momentum_to_cycle_it():
    opt = optim.Adagrad([mt.tensor(np.zeros(1), requires_grad=True)])
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with momentum"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    S.OneCycleLR(opt, max_lr=1.0, total_steps=5, cycle_momentum=False)
