"""Anomaly mode (``microtensor.autograd.detect_anomaly``), as PyTorch's, plus the forward check."""

from __future__ import annotations

import re
import threading
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import autograd, nn, viz
from microtensor.anomaly_mode import AnomalyWarning, _record_forward, forward_traceback
from microtensor.autograd import (
    Function,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # NumPy's 0 * inf, log(0) ...
]

PACKAGE_DIR = mt.__file__.rsplit("/", 1)[0] + "/"


@pytest.fixture(autouse=True)
def _mode_is_off_around_each_test():
    assert not is_anomaly_enabled()
    yield
    assert not is_anomaly_enabled() and is_anomaly_check_nan_enabled()
    assert _record_forward not in autograd.forward_observers


def nan_in_mul_backward():
    """``sqrt(x * w)`` at x * w = 0: SqrtBackward gives inf, MulBackward inf * 0 = nan."""
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([0.0, 1.0])
    y = (x * w).sqrt().sum()  # the forward line the warning must show
    return x, y


MUL_NAN = re.escape("Function 'MulBackward0' returned nan values in its 0th output.")


class Boom(Function):
    """f(x) = x, with a backward that fails."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("boom")


# ----------------------------------------------------------------- off by default


def test_off_by_default_and_nothing_recorded():
    assert not is_anomaly_enabled()
    assert is_anomaly_check_nan_enabled()
    assert _record_forward not in autograd.forward_observers
    x, y = nan_in_mul_backward()
    assert forward_traceback(y.grad_fn) is None
    assert "_observed_inputs" not in vars(y.grad_fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no warning either
        y.backward()  # the nan goes into .grad, as without the mode in PyTorch
    assert np.isnan(x.grad.numpy()[0])


def test_the_names_are_the_engines_and_exported():
    for name in ("detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
                 "is_anomaly_check_nan_enabled", "AnomalyWarning"):
        assert name in autograd.__all__
    assert autograd.detect_anomaly is detect_anomaly
    assert autograd.detect_anomaly is not viz.detect_anomaly
    assert mt.autograd.detect_anomaly.__module__ == "microtensor.anomaly_mode"


# ----------------------------------------------------------------- backward


def test_nan_in_backward_raises_pytorchs_error_after_a_warning_with_the_forward_line():
    with detect_anomaly():
        x, y = nan_in_mul_backward()
        with pytest.warns(UserWarning, match="Error detected in MulBackward0") as rec:
            with pytest.raises(RuntimeError, match=MUL_NAN):
                y.backward()
    (w,) = [w for w in rec if "Error detected" in str(w.message)]
    msg = str(w.message)
    assert msg.startswith("Error detected in MulBackward0. Traceback of forward call that "
                          "caused the error:\n")
    assert "y = (x * w).sqrt().sum()  # the forward line" in msg
    assert 'test_anomaly.py", line ' in msg and "in nan_in_mul_backward" in msg
    assert w.filename == __file__  # the warning points at the user's backward() call
    assert x.grad is None


class NanForB(Function):
    """f(a, b) = a + b, with a backward that returns nan for b."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * np.nan


def test_the_nan_index_is_the_inputs_and_an_input_without_grad_is_not_checked():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([2.0], requires_grad=True)
    with detect_anomaly():
        NanForB.apply(a, b.detach()).sum().backward()  # b needs no gradient: its nan is unused
        assert a.grad.item() == 1.0
        y = NanForB.apply(a, b).sum()
        with pytest.warns(UserWarning, match="Error detected in NanForBBackward"), \
                pytest.raises(RuntimeError, match=re.escape(
                    "Function 'NanForBBackward' returned nan values in its 1th output.")):
            y.backward()
        # pow's gradient for the exponent is nan for a negative base; not needed: no error
        c = mt.tensor([-2.0], requires_grad=True)
        (c ** mt.tensor([2.0])).sum().backward()
        np.testing.assert_allclose(c.grad.numpy(), [-4.0])


def test_grad_is_checked_too():
    with detect_anomaly():
        x, y = nan_in_mul_backward()
        with pytest.warns(UserWarning, match="MulBackward0"), \
                pytest.raises(RuntimeError, match=MUL_NAN):
            autograd.grad(y, x)


def test_any_error_in_a_nodes_backward_warns_with_its_forward_call():
    x = mt.tensor([1.0], requires_grad=True)
    with detect_anomaly():
        y = Boom.apply(x) * 2  # made by Boom
        with pytest.warns(UserWarning, match="Error detected in BoomBackward") as rec, \
                pytest.raises(ValueError, match="boom"):
            y.sum().backward()
    assert "y = Boom.apply(x) * 2  # made by Boom" in str(rec[0].message)


def test_an_in_place_modification_names_the_node_that_needed_the_array():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        a = x * 2
        b = a * a  # Mul saves a
        a += 1
        with pytest.warns(UserWarning, match="Error detected in MulBackward0") as rec, \
                pytest.raises(RuntimeError, match="modified by an in-place operation"):
            b.sum().backward()
    assert "b = a * a  # Mul saves a" in str(rec[0].message)


def test_a_node_made_with_the_mode_off_has_no_forward_information():
    x, y = nan_in_mul_backward()
    with detect_anomaly():
        with pytest.warns(UserWarning, match="Error detected in MulBackward0. No forward pass "
                          "information available"), pytest.raises(RuntimeError, match=MUL_NAN):
            y.backward()


def test_a_clean_backward_gives_the_same_gradients_and_no_warning():
    x = mt.tensor([0.5, -1.5, 2.0], requires_grad=True)
    (x.tanh() * x).sum().backward()
    expected = x.grad.numpy().copy()
    x.grad = None
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        (x.tanh() * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# ----------------------------------------------------------------- check_nan=False


def test_check_nan_false_keeps_tracebacks_and_error_reports_but_not_the_nan_checks():
    with detect_anomaly(check_nan=False):
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            x, y = nan_in_mul_backward()
            (x - 1).log()  # -inf: no forward warning either
            y.backward()
        assert np.isnan(x.grad.numpy()[0])
        assert "nan_in_mul_backward" in forward_traceback(y.grad_fn)
        z = Boom.apply(x)
        with pytest.warns(UserWarning, match="Error detected in BoomBackward"), \
                pytest.raises(ValueError):
            z.sum().backward()


# ----------------------------------------------------------------- switching


def test_nesting_restores_the_mode_and_check_nan():
    with set_detect_anomaly(False):
        assert not is_anomaly_enabled()
        with detect_anomaly(check_nan=False):
            assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
            with detect_anomaly():
                assert is_anomaly_check_nan_enabled()
                with set_detect_anomaly(False):
                    assert not is_anomaly_enabled()
                assert is_anomaly_enabled() and is_anomaly_check_nan_enabled()
            assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
        assert not is_anomaly_enabled() and is_anomaly_check_nan_enabled()
    mode = detect_anomaly()
    with mode:
        with mode:  # one object entered twice
            pass
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_switches_at_once_as_a_plain_call():
    set_detect_anomaly(True, check_nan=False)
    try:
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
        assert _record_forward in autograd.forward_observers
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled() and is_anomaly_check_nan_enabled()


def test_as_a_decorator():
    @detect_anomaly()
    def step(fail: bool):
        assert is_anomaly_enabled()
        x, y = nan_in_mul_backward()
        if fail:
            raise KeyError("inside")
        y.backward()

    assert not is_anomaly_enabled()  # decorating switches nothing
    with pytest.warns(UserWarning, match="Error detected"), \
            pytest.raises(RuntimeError, match=MUL_NAN):
        step(False)
    assert not is_anomaly_enabled()
    with pytest.raises(KeyError):
        step(True)
    assert not is_anomaly_enabled()
    with pytest.raises(TypeError, match=r"@detect_anomaly\(\)"):
        detect_anomaly(step)  # bare @detect_anomaly


def test_creating_detect_anomaly_warns_as_pytorch():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled. This mode will "
                      "increase the runtime"):
        detect_anomaly()


def test_the_mode_is_per_thread():
    seen: dict[str, object] = {}
    main_on, other_done = threading.Event(), threading.Event()

    def other():
        main_on.wait(5)
        seen["enabled"] = is_anomaly_enabled()
        x, y = nan_in_mul_backward()
        seen["traceback"] = forward_traceback(y.grad_fn)
        try:
            y.backward()  # no error here: the mode is on in the main thread only
            seen["grad"] = x.grad.numpy()
        except Exception as e:  # pragma: no cover - the failure to report
            seen["error"] = e
        with detect_anomaly():  # and switching it here leaves the main thread alone
            seen["on_here"] = is_anomaly_enabled()
            other_done.set()
            main_checked.wait(5)
        seen["off_again"] = not is_anomaly_enabled()

    main_checked = threading.Event()
    t = threading.Thread(target=other)
    t.start()
    with detect_anomaly():
        main_on.set()
        other_done.wait(5)
        with detect_anomaly(check_nan=False):
            pass
        assert is_anomaly_enabled() and is_anomaly_check_nan_enabled()
        main_checked.set()
        t.join(5)
        x, y = nan_in_mul_backward()
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match=MUL_NAN):
            y.backward()
    assert "error" not in seen
    assert seen["enabled"] is False and seen["traceback"] is None
    assert np.isnan(seen["grad"][0])
    assert seen["on_here"] is True and seen["off_again"] is True
    assert not is_anomaly_enabled()


def test_a_thread_started_inside_the_mode_starts_with_it_off():
    seen = []
    with detect_anomaly():
        t = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        t.start()
        t.join(5)
    assert seen == [False]


# ----------------------------------------------------------------- forward traceback


def test_the_forward_traceback_leaves_microtensors_frames_out():
    lin = nn.Linear(3, 2)
    with detect_anomaly():
        out = lin(mt.ones(1, 3)).relu()  # through Module.__call__ and F.linear
    tb = forward_traceback(out.grad_fn)
    assert "out = lin(mt.ones(1, 3)).relu()" in tb
    assert PACKAGE_DIR not in tb
    tb = forward_traceback(out.grad_fn.next_functions[0][0])  # the linear layer's node
    assert "out = lin(mt.ones(1, 3)).relu()" in tb


# ----------------------------------------------------------------- forward check


def test_forward_check_warns_at_the_op_that_makes_inf_from_finite_inputs():
    x = mt.tensor([[1.0, 0.0, 2.0], [0.0, 3.0, 4.0]], requires_grad=True)
    with detect_anomaly():
        with pytest.warns(AnomalyWarning) as rec:
            y = x.log()  # log(0) = -inf
            z = (y * 2).sum()  # inf in, inf out: not warned again
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert msg.startswith("detect_anomaly: Log produced non-finite values (2 of 6 elements: "
                          "0 nan, 2 inf) from finite inputs. Traceback of forward call:\n")
    assert "y = x.log()  # log(0) = -inf" in msg
    assert rec[0].filename == __file__
    assert issubclass(AnomalyWarning, UserWarning)
    assert np.isinf(z.item())


def test_forward_check_warns_at_a_new_nan_from_inf_inputs():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        with pytest.warns(AnomalyWarning, match="Log produced non-finite values"):
            a = (x - 1).log()  # [-inf, 0]
        with pytest.warns(AnomalyWarning, match=re.escape(
                "Sub produced nan values (1 of 2 elements) from inputs without nan")):
            d = a - a  # -inf - -inf = nan
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            b = d * 2  # nan in: passed on, not made here
    assert np.isnan(b.detach().numpy()[0])


def test_masked_fill_with_minus_inf_does_not_warn():
    scores = mt.tensor([[0.5, 1.0, -0.2]], requires_grad=True)
    mask = mt.tensor([[False, True, False]])
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        p = scores.masked_fill(mask, float("-inf")).softmax(-1)
        p[0, 0].backward()
    assert p.detach().numpy()[0, 1] == 0.0 and np.isfinite(scores.grad.numpy()).all()


def test_forward_check_can_be_made_an_error():
    x = mt.tensor([0.0], requires_grad=True)
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", AnomalyWarning)
        with pytest.raises(AnomalyWarning, match="Log produced"):
            x.log()


def test_ops_that_record_nothing_are_not_checked():
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        y = mt.tensor([0.0]).log()  # no input requires grad: no node, as in PyTorch
    assert np.isinf(y.item())


# ----------------------------------------------------------------- the zero-cost path


def test_switching_off_leaves_the_engine_as_it_was():
    before = list(autograd.forward_observers)
    with detect_anomaly():
        assert autograd.forward_observers == [*before, _record_forward]
        x = mt.tensor([1.0], requires_grad=True)
        y = x * 2
    assert autograd.forward_observers == before
    assert "_observed_inputs" not in vars(y.grad_fn)  # lent to the observers only
    z = x * 3
    assert forward_traceback(y.grad_fn) is not None and forward_traceback(z.grad_fn) is None


def test_together_with_the_viz_detect_anomaly():
    from microtensor.viz.record import anomaly_of

    x = mt.tensor([1.0, -1.0], requires_grad=True)
    with viz.detect_anomaly(), detect_anomaly():
        assert len(autograd.forward_observers) == 2
        a = x * 2
        with pytest.warns(AnomalyWarning, match="Log produced non-finite values"):
            b = a.log()  # nan for the negative element
        c = (b * a).sum()  # d/da of b * a is b: nan
        with pytest.warns(UserWarning, match="Error detected in MulBackward0"), \
                pytest.raises(RuntimeError, match=re.escape(
                    "Function 'MulBackward0' returned nan values in its 1th output.")):
            c.backward()
    with detect_anomaly():  # in the other order
        with viz.detect_anomaly():
            d = x * 4
        assert autograd.forward_observers == [_record_forward]
    assert autograd.forward_observers == []
    assert anomaly_of(b.grad_fn).nonfinite == 1 and anomaly_of(a.grad_fn).nonfinite == 0
    assert anomaly_of(d.grad_fn) is not None
    assert "b = a.log()" in forward_traceback(b.grad_fn)
