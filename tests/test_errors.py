"""Bad input: every public entry point says what is wrong in one sentence naming the op.

Each error is also catchable as PyTorch's exception type (RuntimeError for shapes,
IndexError for dims), and never a raw NumPy error from deep inside.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt


def test_broadcast_mismatch_names_op_shapes_and_dim():
    a, b = mt.ones(3), mt.ones(4)
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        a + b
    with pytest.raises(RuntimeError, match=r"mul: .*size 3 \(dim 0 of the first\) != size 4"):
        a * b
    with pytest.raises(mt.ShapeError, match="sub"):
        mt.ones(2, 3) - mt.ones(3, 2)


def test_matmul_shape_errors():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned: "
                                         r"3 \(dim 1\) != 4 \(dim 0\)"):
        mt.ones(2, 3) @ mt.ones(4, 5)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        mt.matmul(mt.tensor(1.0), mt.ones(2))
    with pytest.raises(ValueError, match="batch dimensions"):
        mt.ones(2, 2, 3) @ mt.ones(3, 3, 4)
    with pytest.raises(ValueError, match="mm: expects two 2-D"):
        mt.mm(mt.ones(3), mt.ones(3, 2))
    with pytest.raises(ValueError, match="bmm"):
        mt.bmm(mt.ones(2, 3, 4), mt.ones(3, 4, 5))
    with pytest.raises(ValueError, match="dot"):
        mt.dot(mt.ones(3), mt.ones(4))


def test_dtype_errors():
    with pytest.raises(TypeError, match="requires_grad.*int64"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="float"):
        mt.randn(2, dtype=mt.int64)
    with pytest.raises(TypeError, match="where: condition must be a bool tensor"):
        mt.where(mt.ones(2), mt.ones(2), mt.zeros(2))
    with pytest.raises(TypeError, match="complex"):
        mt.tensor([1 + 2j])
    with pytest.raises(TypeError, match="cannot make a tensor"):
        mt.tensor(["a"])


def test_graph_misuse_errors():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="single-element output"):
        (x * 2).backward()
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x.add_(1)
    # An op whose backward cannot be recorded yet says so, naming itself (prod is twice
    # differentiable: declared otherwise here).
    from microtensor.ops.reduction import Prod

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Prod, "twice_differentiable", False)
        with pytest.raises(RuntimeError, match=r"ProdBackward0: this op does not support "
                                                r"gradients of gradients \(create_graph=True\)"):
            x.prod().backward(create_graph=True)


def test_size_and_value_errors():
    with pytest.raises(ValueError, match="item: only a one-element tensor"):
        mt.ones(2).item()
    with pytest.raises(ValueError, match="randint: expected low < high"):
        mt.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        mt.ones(2).clamp()
    with pytest.raises(ValueError, match="rounding_mode"):
        mt.div(mt.ones(2), 2, rounding_mode="up")


def test_no_raw_numpy_errors_escape_the_elementwise_ops():
    for bad in (lambda: mt.ones(2, 3) + mt.ones(4), lambda: mt.maximum(mt.ones(2), mt.ones(3)),
                lambda: mt.ones(2) < mt.ones(3)):
        with pytest.raises(mt.ShapeError):
            bad()
    assert issubclass(mt.ShapeError, ValueError) and issubclass(mt.ShapeError, RuntimeError)
    assert issubclass(mt.DimensionError, IndexError) and issubclass(mt.DtypeError, TypeError)
    np.testing.assert_array_equal((mt.ones(2) + 1).numpy(), [2.0, 2.0])
