"""The reference sweep (the backward pass as a lecture writes it) against the fast engine,
and gradients of gradients on random programs (ops, views, in-place writes)."""

from __future__ import annotations

import numpy as np
import pytest
from graph_fuzz import generate, inputs_for, run

import microtensor as mt
from microtensor.reference_sweep import reference_backward, topological_order


def test_topological_order_puts_every_node_after_its_inputs_and_needs_no_recursion():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    order = topological_order([y.grad_fn])
    assert len(order) == 20_000 and order[-1] is y.grad_fn
    position = {n: i for i, n in enumerate(order)}
    assert all(position[e] < position[n] for n in order for e in n._next
               if isinstance(e, mt.autograd.Node))


@pytest.mark.parametrize("seed", range(60))
def test_reference_sweep_gives_the_fast_engines_gradients(seed):
    program = generate(mt, np.random.default_rng(seed))
    xs = inputs_for(mt, program, seed)
    run(mt, program, xs).backward()
    ys = inputs_for(mt, program, seed)
    loss = run(mt, program, ys)
    got = reference_backward([loss], [np.ones((), np.float64)], create_graph=False,
                             retain_graph=False, inputs=ys)
    for x, g in zip(xs, got):
        want = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(np.zeros(x.shape) if g is None else g, want,
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(40))
def test_second_derivatives_of_random_programs_match_finite_differences(seed):
    program = generate(mt, np.random.default_rng(1000 + seed), n_steps=8)
    xs = inputs_for(mt, program, seed)
    assert mt.gradgradcheck(lambda *a, p=program: run(mt, p, list(a)), tuple(xs))
