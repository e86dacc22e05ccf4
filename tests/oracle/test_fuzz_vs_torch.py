"""The random programs of ``graph_fuzz`` (ops, views, in-place writes) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from graph_fuzz import generate, inputs_for, run

import microtensor as mt

torch.set_default_dtype(torch.float64)


@pytest.mark.parametrize("seed", range(600))
def test_random_program_gradients_match_pytorch(seed):
    program = generate(mt, np.random.default_rng(seed))
    ours = inputs_for(mt, program, seed)
    theirs = inputs_for(torch, program, seed)
    loss = run(mt, program, ours)
    loss_t = run(torch, program, theirs)
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-10, atol=1e-12)
    loss.backward()
    loss_t.backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        want = np.zeros(tuple(b.shape)) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12,
                                   err_msg=f"seed {seed}, input {i}: {program.steps}")


def test_the_adversarial_rounds_view_cases_match_pytorch():
    for T in (mt, torch):
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        a = x * 1
        v = a[1:]
        a.mul_(2)
        v.sum().backward()
        assert x.grad.tolist() == [0.0, 2.0, 2.0], T.__name__
