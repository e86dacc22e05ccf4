"""The ``microtensor`` command.

``microtensor demo`` is the first thing a new user runs (``make demo``). Until
the training experiments and the HTML gradient report land, it walks through
the engine on the terminal: a scalar graph whose gradients can be checked by
hand, the chain rule on a tiny network, and a finite-difference proof of the
gradients it just printed.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def _scalar_example() -> None:
    import microtensor as mt

    print("1. A scalar graph you can check by hand")
    a = mt.tensor(2.0, requires_grad=True)
    b = mt.tensor(-3.0, requires_grad=True)
    c = mt.tensor(10.0, requires_grad=True)
    e = a * b
    d = e + c
    f = mt.tensor(-2.0, requires_grad=True)
    loss = d * f
    loss.backward()
    print("   e = a*b, d = e + c, L = d*f   with a=2, b=-3, c=10, f=-2")
    print(f"   L = {loss.item():g}")
    print(f"   dL/da = f*b = {a.grad.item():g}   dL/db = f*a = {b.grad.item():g}   "
          f"dL/dc = f = {c.grad.item():g}   dL/df = d = {f.grad.item():g}")
    print()


def _network_example(seed: int) -> None:
    import microtensor as mt
    import microtensor.nn.functional as F

    print("2. One step of a small network: gradients flow back through every layer")
    mt.manual_seed(seed)
    x = mt.randn(32, 8)
    y = mt.randint(0, 3, (32,))
    w1 = (mt.randn(16, 8) * 0.5).requires_grad_()
    w2 = (mt.randn(3, 16) * 0.5).requires_grad_()
    h = F.linear(x, w1).tanh()
    loss = F.cross_entropy(F.linear(h, w2), y)
    loss.backward()
    print(f"   cross-entropy loss = {loss.item():.4f}  (ln 3 = {np.log(3):.4f} for a guess)")
    for name, p in (("w1 (first layer)", w1), ("w2 (last layer)", w2)):
        g = p.grad.numpy()
        print(f"   |grad {name}| = {np.linalg.norm(g):.3e}   mean |g| = {np.abs(g).mean():.3e}")
    print()

    print("3. Finite differences agree with backward (gradcheck, float64)")

    def f(w1_, w2_):
        return F.cross_entropy(F.linear(F.linear(x.double(), w1_).tanh(), w2_), y)

    ok = mt.gradcheck(f, (w1.detach().double().requires_grad_(),
                          w2.detach().double().requires_grad_()))
    print(f"   gradcheck(cross_entropy ∘ linear ∘ tanh ∘ linear) passed: {ok}")
    print()


def demo(args: argparse.Namespace) -> int:
    print("microtensor demo — the autograd engine at work\n")
    _scalar_example()
    _network_example(args.seed)
    print("Next: `make test` runs the finite-difference check of every op.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="microtensor", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="walk through the engine on a few examples")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    d.set_defaults(func=demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
