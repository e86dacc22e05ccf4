"""EarlyStopping: when it stops, what it remembers, and what it restores."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import optim
from microtensor.train import EarlyStopping


class Model:
    """Anything with state_dict() / load_state_dict() will do."""

    def __init__(self):
        self.w = mt.tensor(np.zeros(3), requires_grad=True)
        self.extra = {"epoch": 0}

    def state_dict(self):
        return {"w": self.w, "meta": self.extra}  # live references, like Module.state_dict

    def load_state_dict(self, state):
        self.w.data[...] = state["w"].data
        self.extra = dict(state["meta"])


def feed(stopper, values, model=None):
    """Step through ``values``; return the index of the call that said stop (or None)."""
    for i, v in enumerate(values):
        if model is not None:
            model.w.data[...] = i  # the "weights" of epoch i
            model.extra["epoch"] = i
        if stopper.step(v, model):
            return i
    return None


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(patience=3)
    assert feed(stopper, [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0]) == 5
    assert stopper.should_stop and stopper.best == 3.0 and stopper.best_epoch == 2
    assert stopper.num_bad_epochs == 3 and stopper.epoch == 6


def test_an_improvement_resets_the_count():
    stopper = EarlyStopping(patience=2)
    assert feed(stopper, [1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.7, 0.75, 0.76]) == 8
    assert stopper.best == 0.7 and stopper.best_epoch == 6


def test_min_delta_requires_a_real_improvement():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    # 0.95 and 0.92 beat 1.0 but not by more than 0.1
    assert feed(stopper, [1.0, 0.95, 0.92]) == 2
    assert stopper.best == 1.0


def test_mode_max_for_accuracy():
    stopper = EarlyStopping(patience=1, mode="max")
    assert feed(stopper, [0.5, 0.7, 0.9, 0.85]) == 3
    assert stopper.best == 0.9 and stopper.best_epoch == 2


def test_patience_zero_stops_at_the_first_bad_epoch():
    stopper = EarlyStopping(patience=0)
    assert feed(stopper, [3.0, 2.0, 2.5]) == 2


def test_nan_is_never_an_improvement():
    stopper = EarlyStopping(patience=2)
    assert feed(stopper, [1.0, math.nan, math.nan]) == 2
    assert stopper.best == 1.0


def test_restores_a_deep_copy_of_the_best_state():
    model = Model()
    stopper = EarlyStopping(patience=2)
    assert feed(stopper, [3.0, 1.0, 2.0, 2.5], model) == 3
    # the weights of epoch 1 are back, although the model's tensors were overwritten in place
    np.testing.assert_array_equal(model.w.data, np.full(3, 1.0))
    assert model.extra == {"epoch": 1}
    assert stopper.best_state["w"].data is not model.w.data
    model.w.data[...] = 42.0  # restoring must not alias: the saved copy stays intact
    np.testing.assert_array_equal(stopper.best_state["w"].data, np.full(3, 1.0))


def test_restore_best_false_leaves_the_model_alone():
    model = Model()
    stopper = EarlyStopping(patience=1, restore_best=False)
    assert feed(stopper, [1.0, 2.0], model) == 1
    np.testing.assert_array_equal(model.w.data, np.full(3, 1.0))
    stopper.restore(model)  # on request
    np.testing.assert_array_equal(model.w.data, np.zeros(3))


def test_accepts_tensor_metrics_and_an_optimizer_as_the_state_holder():
    p = mt.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    stopper = EarlyStopping(patience=1)
    p.grad = mt.tensor(np.ones(2))
    opt.step()
    assert not stopper.step(mt.tensor(1.0), opt)
    saved = stopper.best_state["state"][0]["momentum_buffer"]
    opt.step()  # changes the live buffer, not the copy
    np.testing.assert_array_equal(saved.data, np.ones(2))
    assert stopper.step(mt.tensor(2.0), opt)
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].data, np.ones(2))


def test_in_a_training_loop():
    # Training pulls w towards 3, validation prefers 2: the validation loss falls, then
    # rises once w passes 2. Early stopping halts there and puts back the best w.
    model = Model()
    opt = optim.SGD([model.w], lr=0.05)
    stopper = EarlyStopping(patience=3)
    epochs = 0
    for _ in range(200):
        epochs += 1
        opt.zero_grad()
        ((model.w - 3.0) * (model.w - 3.0)).sum().backward()
        opt.step()
        val_loss = float(((model.w.data - 2.0) ** 2).sum())
        if stopper.step(val_loss, model):
            break
    assert epochs < 30 and stopper.best_epoch == epochs - 4
    assert np.abs(model.w.data - 2.0).max() < 0.2


@pytest.mark.parametrize("kw, message", [
    (dict(patience=-1), "patience must be an int >= 0"),
    (dict(patience=1.5), "patience must be an int >= 0"),
    (dict(min_delta=-0.1), "min_delta must be >= 0"),
    (dict(mode="avg"), "mode must be 'min' or 'max'"),
])
def test_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kw)


def test_model_without_state_dict_is_rejected():
    with pytest.raises(TypeError, match="model must have state_dict"):
        EarlyStopping().step(1.0, object())


def test_repr():
    assert repr(EarlyStopping(patience=2)).startswith("EarlyStopping(patience=2, min_delta=0.0")
