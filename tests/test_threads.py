"""Backward from several threads at once: every gradient lands, grad mode stays per thread."""

from __future__ import annotations

import threading

import numpy as np

import microtensor as mt


def test_concurrent_backward_into_one_leaf_loses_no_update():
    # Two threads adding into one large .grad: NumPy releases the GIL inside the addition,
    # so without a lock one thread's sum overwrote the other's (769 968 of 10**6 elements
    # ended at 199 instead of 200 in the adversarial round).
    w = mt.zeros(10**6, requires_grad=True)
    c = mt.ones(10**6)
    errors = []

    def run():
        try:
            for _ in range(100):
                (w * c).sum().backward()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert np.all(w.grad.numpy() == 200.0)


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    x = mt.ones(3, requires_grad=True)
    inside, seen = threading.Event(), {}

    def other():
        inside.wait()
        seen["rg"] = (x * 2).requires_grad

    t = threading.Thread(target=other)
    t.start()
    with mt.no_grad():
        inside.set()
        t.join()
    assert seen["rg"] is True
