"""Op-table rows for ``microtensor/ops/linalg.py`` (see ``optable.OpCase``).

Every way into ``MatMul``: ``matmul`` with each combination of 1-D and 2-D
operands and with batch dimensions that broadcast (size-1 and missing batch
axes, a 1-D operand against a batch), and ``mm``, ``bmm``, ``dot``, ``@``.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp
from optable import MAX_SIDE, OpCase

import microtensor as mt
from microtensor.ops import linalg as la

_side = st.integers(1, MAX_SIDE)


def _vec_vec() -> st.SearchStrategy:
    return _side.map(lambda k: ((k,), (k,)))


def _vec_mat() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda km: ((km[0],), km))


def _mat_vec() -> st.SearchStrategy:
    return st.tuples(_side, _side).map(lambda nk: (nk, (nk[1],)))


def _mat_mat() -> st.SearchStrategy:
    return st.tuples(_side, _side, _side).map(lambda nkm: (nkm[:2], nkm[1:]))


def _batched() -> st.SearchStrategy:
    """(..., n, k) @ (..., k, m) with batch shapes that broadcast together (either may be empty)."""
    batch = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return st.tuples(batch, _side, _side, _side).map(
        lambda b: (b[0].input_shapes[0] + (b[1], b[2]), b[0].input_shapes[1] + (b[2], b[3]))
    )


def _batched_with_vector() -> st.SearchStrategy:
    """A 1-D operand against a batch of matrices, on either side."""
    batch = hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
    left = st.tuples(batch, _side, _side).map(lambda b: ((b[1],), b[0] + (b[1], b[2])))
    right = st.tuples(batch, _side, _side).map(lambda b: (b[0] + (b[1], b[2]), (b[2],)))
    return left | right


def _bmm() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 3), _side, _side, _side).map(
        lambda b: ((b[0], b[1], b[2]), (b[0], b[2], b[3]))
    )


CASES: list[OpCase] = [
    OpCase("matmul(1-D, 1-D)", mt.matmul, np.matmul, _vec_vec, (la.MatMul,)),
    OpCase("matmul(1-D, 2-D)", mt.matmul, np.matmul, _vec_mat, (la.MatMul,)),
    OpCase("matmul(2-D, 1-D)", mt.matmul, np.matmul, _mat_vec, (la.MatMul,)),
    OpCase("matmul(2-D, 2-D)", mt.matmul, np.matmul, _mat_mat, (la.MatMul,)),
    OpCase("matmul(batched)", mt.matmul, np.matmul, _batched, (la.MatMul,)),
    OpCase("matmul(batched, 1-D)", mt.matmul, np.matmul, _batched_with_vector, (la.MatMul,)),
    OpCase("@", lambda a, b: a @ b, np.matmul, _batched, (la.MatMul,)),
    OpCase("mm", mt.mm, np.matmul, _mat_mat, (la.MatMul,)),
    OpCase("bmm", mt.bmm, np.matmul, _bmm, (la.MatMul,)),
    OpCase("dot", mt.dot, np.dot, _vec_vec, (la.MatMul,)),
]
