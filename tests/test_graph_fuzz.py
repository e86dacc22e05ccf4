"""Random graphs of ops, views and in-place writes, checked against finite differences.

``graph_fuzz`` draws the programs (see its docstring); ``tests/oracle/`` runs the same
programs against PyTorch. A fixed set of seeds keeps the run reproducible and under half
a minute.
"""

from __future__ import annotations

import numpy as np
import pytest
from graph_fuzz import generate, inputs_for, run

import microtensor as mt

SEEDS = range(240)


@pytest.mark.parametrize("chunk", range(8))
def test_random_programs_match_finite_differences(chunk):
    kinds = set()
    for seed in SEEDS[chunk::8]:
        program = generate(mt, np.random.default_rng(seed))
        kinds.update(step[0] for step in program.steps)
        inputs = inputs_for(mt, program, seed)
        assert mt.gradcheck(lambda *xs, p=program: run(mt, p, list(xs)), tuple(inputs)), seed
    # every chunk exercises writes into views and into bases with views
    assert {"view_add_", "setitem_add", "add_"} & kinds
