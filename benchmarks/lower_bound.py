"""How low a graph of Python objects can go on ``tiny_ops``: a bare engine, for scale.

``python benchmarks/lower_bound.py`` times tiny_ops' chain (``y = tanh(y * w + x) - 0.5``,
50 times, then backward) three ways in one process, min of repeated runs:

- the NumPy floor of ``workloads/tiny_ops.py`` (backward by hand, no graph);
- the bare engine below: one node object and one tensor object per op, the same NumPy
  calls as microtensor, a backward that follows the chain. It has none of what
  microtensor's contract asks for: no grad mode, no dtype promotion, no broadcasting
  undone, no version counters, no gradient record, no hooks, no fan-in (a node reached
  twice), no errors: about what building a graph of Python objects costs at all on this
  interpreter;
- microtensor.

It is not a benchmark row and not an engine to use: it answers how much of microtensor's
time per op is the price of a Python graph, and how much is microtensor's features.
"""

from __future__ import annotations

import os
import sys
import timeit

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class BareNode:
    __slots__ = ("backward", "inputs", "saved")


class BareTensor:
    """A leaf when ``node`` is None."""

    __slots__ = ("data", "node")

    def __mul__(self, other: BareTensor) -> BareTensor:
        n = BareNode()
        n.backward, n.inputs, n.saved = _mul_backward, (self, other), (self.data, other.data)
        return _tensor(self.data * other.data, n)

    def __add__(self, other: BareTensor) -> BareTensor:
        n = BareNode()
        n.backward, n.inputs, n.saved = _add_backward, (self, other), ()
        return _tensor(self.data + other.data, n)

    def __sub__(self, c: float) -> BareTensor:
        n = BareNode()
        n.backward, n.inputs, n.saved = _sub_backward, (self,), ()
        return _tensor(self.data - c, n)

    def tanh(self) -> BareTensor:
        out = np.tanh(self.data)
        n = BareNode()
        n.backward, n.inputs, n.saved = _tanh_backward, (self,), (out,)
        return _tensor(out, n)


def _tensor(data: np.ndarray, node: BareNode | None) -> BareTensor:
    t = BareTensor()
    t.data, t.node = data, node
    return t


def _mul_backward(n: BareNode, g: np.ndarray) -> tuple:
    a, b = n.saved
    return g * b, g * a


def _add_backward(n: BareNode, g: np.ndarray) -> tuple:
    return g, g


def _sub_backward(n: BareNode, g: np.ndarray) -> tuple:
    return (g,)


def _tanh_backward(n: BareNode, g: np.ndarray) -> tuple:
    (out,) = n.saved
    return (g - g * out * out,)


def bare_backward(y: BareTensor, g: np.ndarray) -> dict[BareTensor, np.ndarray]:
    """Follow a chain (every node has at most one input made by a node) back to the leaves;
    return each leaf's summed gradient."""
    leaves: dict[BareTensor, np.ndarray] = {}
    t = y
    while t is not None:
        nxt, ng = None, None
        for inp, ig in zip(t.node.inputs, t.node.backward(t.node, g)):
            if inp.node is not None:
                nxt, ng = inp, ig
            else:
                prev = leaves.get(inp)
                leaves[inp] = ig if prev is None else prev + ig
        t, g = nxt, ng
    return leaves


def bare_chain(x0: np.ndarray, w0: np.ndarray, chain: int) -> tuple:
    """tiny_ops' step on the bare engine: (y, dL/dx, dL/dw) with L = sum(y)."""
    x, w = _tensor(x0, None), _tensor(w0, None)
    y = x
    for _ in range(chain):
        y = (y * w + x).tanh() - 0.5
    grads = bare_backward(y, np.ones_like(x0))
    return y.data, grads[x], grads[w]


def main() -> None:
    from workloads import tiny_ops

    import microtensor as mt

    cfg = tiny_ops.SIZES["full"]
    ops = tiny_ops.ops_per_step(cfg)
    x0, w0 = tiny_ops.inputs(cfg)
    floor = tiny_ops.build_numpy(cfg).step
    micro = tiny_ops.BUILDERS["microtensor"](cfg).step

    def bare() -> None:
        bare_chain(x0, w0, cfg["chain"])

    print(f"tiny_ops ({ops} ops per step), µs per op, min of 15 runs of 100 steps; "
          f"microtensor {mt.__version__}, NumPy {np.__version__}, Python {sys.version.split()[0]}")
    times = {}
    for name, step in (("numpy floor", floor), ("bare engine", bare), ("microtensor", micro)):
        times[name] = min(timeit.repeat(step, number=100, repeat=15)) / 100 / ops * 1e6
    for name, t in times.items():
        print(f"  {name:12s} {t:5.2f} µs/op  {t / times['numpy floor']:4.2f}× the floor")


if __name__ == "__main__":
    main()
