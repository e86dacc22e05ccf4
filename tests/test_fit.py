"""fit: it learns, its history, validation, schedules, callbacks, Ctrl-C and the progress bar."""

from __future__ import annotations

import signal
import threading

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, optim
from microtensor.data import DataLoader, TensorDataset
from microtensor.optim import lr_scheduler
from microtensor.train import Callback, EarlyStopping, History, fit


def blobs(n=150, seed=0):
    """Three well separated Gaussian blobs in 2-D: an easy classification problem."""
    rng = np.random.default_rng(seed)
    centers = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0]])
    y = rng.integers(0, 3, n)
    x = centers[y] + rng.normal(0.0, 0.7, (n, 2))
    return mt.tensor(x.astype(np.float32)), mt.tensor(y)


def loaders(batch_size=16):
    x, y = blobs()
    xv, yv = blobs(60, seed=1)
    return (DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True),
            DataLoader(TensorDataset(xv, yv), batch_size=32))


def small_net():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_fit_learns_an_easy_problem():
    mt.manual_seed(0)
    model = small_net()
    train, val = loaders()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, train, nn.CrossEntropyLoss(), opt, epochs=6, val_loader=val,
                  progress=False)
    assert isinstance(history, History)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.95 and history["val_accuracy"][-1] >= 0.95


def test_history_keys_and_lengths():
    mt.manual_seed(0)
    train, val = loaders(batch_size=32)
    model = small_net()
    history = fit(model, train, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), 1e-2),
                  epochs=3, val_loader=val, progress=False)
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 3 for v in history.values()) and history.epochs == 3
    assert len(history.batch_loss) == 3 * len(train) == 15
    assert history["lr"] == [1e-2] * 3
    assert not history.stopped_early and not history.interrupted
    assert repr(history).startswith("History(epochs=3, loss=")
    # without a validation loader: no val_ keys
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1),
                  epochs=1, progress=False)
    assert list(history) == ["loss", "accuracy", "lr"]


def test_epoch_loss_is_the_mean_over_samples():
    mt.manual_seed(0)
    x, y = blobs(40)
    model = small_net()
    loader = DataLoader(TensorDataset(x, y), batch_size=16)  # 16 + 16 + 8
    history = fit(model, loader, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.0),
                  epochs=1, progress=False)  # lr 0: the model does not change
    with mt.no_grad():
        expected = float(nn.functional.cross_entropy(model(x), y).item())
    assert history["loss"][0] == pytest.approx(expected, rel=1e-5)
    b = history.batch_loss
    assert history["loss"][0] == pytest.approx((16 * b[0] + 16 * b[1] + 8 * b[2]) / 40, rel=1e-6)


def test_regression_has_no_accuracy_and_val_is_evaluated_in_eval_mode():
    mt.manual_seed(0)
    x = mt.randn(64, 3)
    y = x @ mt.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    modes = []
    model[1].register_forward_hook(lambda m, a, o: modes.append(m.training))
    model.eval()
    history = fit(model, loader, nn.MSELoss(), optim.Adam(model.parameters(), 1e-2), epochs=2,
                  val_loader=loader, progress=False)
    assert list(history) == ["loss", "val_loss", "lr"]
    assert modes == [True] * 4 + [False] * 4 + [True] * 4 + [False] * 4
    assert not model.training  # the mode it had before fit
    with mt.no_grad():
        val = float(nn.functional.mse_loss(model(x), y).item())
    assert history["val_loss"][-1] == pytest.approx(val, rel=1e-5)


def test_scheduler_is_stepped_once_per_epoch():
    mt.manual_seed(0)
    train, val = loaders(batch_size=50)
    model = small_net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, train, nn.CrossEntropyLoss(), opt, epochs=3,
                  scheduler=lr_scheduler.StepLR(opt, step_size=1, gamma=0.5), progress=False)
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0125)


@pytest.mark.parametrize("with_val", [True, False])
def test_reduce_on_plateau_gets_the_validation_loss(with_val):
    seen = []

    class Spy(lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    mt.manual_seed(0)
    train, val = loaders()
    model = small_net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, train, nn.CrossEntropyLoss(), opt, epochs=2, progress=False,
                  val_loader=val if with_val else None, scheduler=Spy(opt))
    assert seen == history["val_loss" if with_val else "loss"]


def test_one_cycle_is_stepped_per_batch():
    mt.manual_seed(0)
    train, _ = loaders(batch_size=50)
    model = small_net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=len(train))
    fit(model, train, nn.CrossEntropyLoss(), opt, epochs=2, scheduler=sched, progress=False)
    assert sched.last_epoch == 2 * len(train)


def test_early_stopping_stops_and_restores_the_best_weights():
    # Training pulls w towards 3, validation prefers 2: the validation loss falls, then
    # rises once w passes 2. EarlyStopping stops there and puts the best w back.
    x = mt.linspace(-1, 1, 20).reshape(20, 1)
    train = DataLoader(TensorDataset(x, 3 * x), batch_size=None)
    val = DataLoader(TensorDataset(x, 2 * x), batch_size=None)
    model = nn.Linear(1, 1, bias=False)
    with mt.no_grad():
        model.weight.data[...] = 0.0
    weights = []

    class Record(Callback):
        def on_epoch_end(self, epoch, logs, model):
            weights.append(float(model.weight.data[0, 0]))

    stopper = EarlyStopping(patience=3)
    history = fit(model, train, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), 200,
                  val_loader=val, callbacks=[Record(), stopper], progress=False)
    assert history.stopped_early and history.epochs < 60
    best = int(np.argmin(history["val_loss"]))
    assert stopper.best_epoch == best == history.epochs - 4
    assert abs(weights[best] - 2.0) < 0.1
    assert float(model.weight.data[0, 0]) == weights[best] != weights[-1]


def test_early_stopping_watches_the_key_it_is_given():
    mt.manual_seed(0)
    train, val = loaders()
    model = small_net()
    stopper = EarlyStopping(patience=1, mode="max", monitor="val_accuracy")
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 2,
        val_loader=val, callbacks=[stopper], progress=False)
    assert stopper.epoch == 2 and 0 <= stopper.best <= 1
    with pytest.raises(KeyError, match="the epoch logs have no 'val_loss'"):
        EarlyStopping(monitor="val_loss").on_epoch_end(0, {"loss": 1.0}, None)


def test_callbacks_are_called_in_order_and_can_stop_after_a_batch():
    calls = []

    class Spy:  # any object with some of the methods will do
        def on_train_begin(self, model):
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, model):
            calls.append(f"epoch_begin {epoch}")

        def on_batch_end(self, step, logs, model):
            calls.append(f"batch {step} {logs['epoch']}.{logs['batch']}")
            return step == 4  # stop in the middle of the second epoch

        def on_epoch_end(self, epoch, logs, model):
            calls.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, history, model):
            calls.append(f"train_end {history.epochs}")

    mt.manual_seed(0)
    train, _ = loaders(batch_size=50)  # 3 batches per epoch
    model = small_net()
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 5,
                  callbacks=[Spy()], progress=False)
    assert calls == ["train_begin", "epoch_begin 0", "batch 0 0.0", "batch 1 0.1", "batch 2 0.2",
                     "epoch_end 0 ['accuracy', 'loss', 'lr']", "epoch_begin 1",
                     "batch 3 1.0", "batch 4 1.1", "train_end 1"]
    assert history.stopped_early and history.epochs == 1 and len(history.batch_loss) == 5


def test_ctrl_c_stops_after_the_current_batch_and_returns_the_history(capsys):
    class CtrlC(Callback):
        def on_batch_end(self, step, logs, model):
            if step == 4:
                signal.raise_signal(signal.SIGINT)

    mt.manual_seed(0)
    train, val = loaders(batch_size=50)  # 3 batches per epoch
    model = small_net()
    previous = signal.getsignal(signal.SIGINT)
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 10,
                  val_loader=val, callbacks=[CtrlC()], progress=True)
    assert history.interrupted and not history.stopped_early
    assert history.epochs == 1 and len(history.batch_loss) == 5  # epoch 2 cut after batch 2
    assert all(len(v) == 1 for v in history.values())
    assert signal.getsignal(signal.SIGINT) is previous
    assert "Interrupted: stopping after this batch" in capsys.readouterr().err


def test_ctrl_c_between_epochs_keeps_the_finished_epoch():
    class CtrlCAtEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs, model):
            signal.raise_signal(signal.SIGINT)

    model = small_net()
    train, _ = loaders(batch_size=50)
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 5,
                  callbacks=[CtrlCAtEpochEnd()], progress=False)
    assert history.interrupted and history.epochs == 1 and len(history.batch_loss) == 3


def test_a_second_ctrl_c_aborts_at_once():
    class CtrlCTwice(Callback):
        def on_batch_end(self, step, logs, model):
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)

    model = small_net()
    train, _ = loaders()
    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 2,
            callbacks=[CtrlCTwice()], progress=False)
    assert signal.getsignal(signal.SIGINT) is previous


def test_fit_runs_outside_the_main_thread():
    model = small_net()
    train, _ = loaders()
    result = {}

    def work():
        result["h"] = fit(model, train, nn.CrossEntropyLoss(),
                          optim.SGD(model.parameters(), 0.1), 1, progress=False)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert result["h"].epochs == 1


def test_progress_false_prints_nothing(capfd):
    model = small_net()
    train, val = loaders()
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 2,
        val_loader=val, progress=False)
    assert capfd.readouterr() == ("", "")


def test_progress_bar_shows_loss_and_lr(capsys):
    model = small_net()
    train, val = loaders()
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1), 2,
        val_loader=val, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "epoch 2/2" in captured.err and "loss=" in captured.err and "lr=0.1" in captured.err
    assert "val_acc=" in captured.err


def test_bad_input():
    model = small_net()
    opt = optim.SGD(model.parameters(), 0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="epochs must be an int >= 0"):
        fit(model, [], loss, opt, -1)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        fit(model, [], "mse", opt, 1)
    with pytest.raises(TypeError, match="each batch must be \\(inputs, targets\\), got list of "
                                        "length 3"):
        fit(model, [[mt.zeros(1, 2), mt.zeros(1), mt.zeros(1)]], loss, opt, 1, progress=False)
    with pytest.raises(ValueError, match="train_loader yielded no batches"):
        fit(model, [], loss, opt, 1, progress=False)
    assert fit(model, [], loss, opt, 0, progress=False) == {}
