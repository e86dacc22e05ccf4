"""torch.amp's GradScaler and autocast, as mixed-precision training scripts use them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt


def _run(lib, grads_inf_at: int) -> list:
    w = lib.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    seen = []
    for step in range(5):
        opt.zero_grad()
        loss = (w * w).sum() * (float("inf") if step == grads_inf_at else 1.0)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        seen.append(w.grad.detach().numpy().copy())
        scaler.step(opt)
        scaler.update()
        seen += [scaler.get_scale(), w.detach().numpy().copy()]
    return seen


@pytest.mark.parametrize("inf_at", [-1, 1])
def test_a_cpu_grad_scaler_scales_skips_and_grows_as_torch(inf_at):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _run(torch, inf_at), _run(mt, inf_at)
    for a, b in zip(want, got):
        np.testing.assert_allclose(np.asarray(b, dtype=float), np.asarray(a, dtype=float))


def test_a_cuda_scaler_disables_itself_and_autocast_marks_its_region():
    for lib in (torch, mt):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            s = lib.amp.GradScaler("cuda")
        assert not s.is_enabled() and s.get_scale() == 1.0 and s.state_dict() == {}
        with pytest.warns(FutureWarning):
            assert not lib.cuda.amp.GradScaler(enabled=False).is_enabled()
        with lib.autocast("cpu", dtype=lib.bfloat16):
            assert lib.is_autocast_enabled("cpu")
        assert not lib.is_autocast_enabled("cpu")
