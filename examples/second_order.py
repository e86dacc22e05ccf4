"""Second-order methods, built on gradients of gradients (``create_graph=True``).

Three of the lecture's points, computed with ``microtensor.autograd.functional``:

- **Newton's method** steps ``x ← x − H⁻¹∇f``: it uses the curvature that gradient descent
  ignores. On Rosenbrock's banana valley from (−1.2, 1) it reaches the minimum (1, 1) to
  1e-8 in a handful of steps, where gradient descent and Adam need thousands.
- **The largest Hessian eigenvalue** λ_max of a small MLP's loss, by power iteration on
  Hessian-vector products (``hvp``: two backward passes, no Hessian ever formed), checked
  against the eigenvalues of the full Hessian (``hessian``).
- **"Too large a learning rate", explained.** Gradient descent on a quadratic multiplies
  the error along each eigenvector by ``1 − lr·λ``: it diverges once ``lr > 2/λ_max``.
  On the lecture's ravine (λ = 0.1 and 10) the sweep shows the line at lr = 0.2.
- **A gradient penalty** (input-gradient regularisation, the idea behind WGAN-GP): a small
  classifier on the two moons is trained with ``loss + λ·mean ‖∂loss_i/∂x_i‖²``. The
  penalty is itself a gradient, taken with ``microtensor.func.grad`` and differentiated
  again by ``backward()``. With λ = 0.3 the penalised model ends with input gradients
  about half as large, at the same held-out accuracy (a larger λ shrinks them further,
  and costs accuracy).

Run::

    python examples/second_order.py                    # writes examples/out/second_order/
    python examples/second_order.py --quick --out /tmp/so --format svg

The functions return the numbers the figure shows, so the tests check the claims
(``tests/test_examples_second_order.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import func, nn, optim
from microtensor.autograd.functional import hessian, hvp, jacobian
from microtensor.data import make_moons

START = (-1.2, 1.0)


def rosenbrock(p: Any) -> Any:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def ravine(p: Any) -> Any:
    return 0.05 * p[0] ** 2 + 5.0 * p[1] ** 2  # Hessian diag(0.1, 10)


def newton(f: Callable, start: tuple, steps: int = 25, tol: float = 1e-8) -> list[np.ndarray]:
    """Newton's iterates ``x ← x − H(x)⁻¹ ∇f(x)``, until within ``tol`` of a stationary step."""
    x = np.array(start, dtype=np.float64)
    path = [x.copy()]
    for _ in range(steps):
        p = mt.tensor(x)
        g = jacobian(f, p).numpy()
        h = hessian(f, p).numpy()
        x = x - np.linalg.solve(h, g)
        path.append(x.copy())
        if np.abs(path[-1] - path[-2]).max() < tol:
            break
    return path


def first_order(f: Callable, start: tuple, make: Callable, steps: int) -> list[np.ndarray]:
    """The iterates of a microtensor optimizer (``make(params)``) on ``f``."""
    p = mt.tensor(np.array(start), requires_grad=True)
    opt = make([p])
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        path.append(p.detach().numpy().copy())
        if not np.all(np.isfinite(path[-1])):
            break
    return path


def steps_to(path: list[np.ndarray], target: np.ndarray, tol: float) -> int | None:
    """The first step within ``tol`` of ``target`` (max norm), or None."""
    for i, x in enumerate(path):
        if np.abs(x - target).max() < tol:
            return i
    return None


def small_mlp_loss(seed: int = 0) -> tuple[Callable, tuple]:
    """A 4-8-3 tanh MLP's mean cross-entropy on 32 random points, as a function of its
    parameters (so that ``hessian``/``hvp`` can differentiate it), and the parameters."""
    mt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal((32, 4)))
    y = mt.tensor(rng.integers(0, 3, 32))
    params = tuple(p.detach() for p in model.parameters())

    def loss(w1, b1, w2, b2):
        h = (x @ w1.T + b1).tanh()
        return nn.functional.cross_entropy(h @ w2.T + b2, y)

    return loss, params


def top_eigenvalue(loss: Callable, params: tuple, iters: int = 50, seed: int = 0) -> float:
    """λ_max of the Hessian of ``loss`` at ``params``, by power iteration on H v."""
    rng = np.random.default_rng(seed)
    v = [rng.standard_normal(p.shape) for p in params]
    lam = 0.0
    for _ in range(iters):
        norm = np.sqrt(sum((a * a).sum() for a in v))
        v = [a / norm for a in v]
        _, hv = hvp(loss, params, tuple(mt.tensor(a) for a in v))
        hv = [h.numpy() for h in hv]
        lam = float(sum((a * b).sum() for a, b in zip(v, hv)))  # Rayleigh quotient
        v = hv
    return lam


def full_hessian_eigenvalues(loss: Callable, params: tuple) -> np.ndarray:
    """Every eigenvalue of the Hessian, from ``hessian``'s blocks (small models only)."""
    blocks = hessian(loss, params)
    sizes = [p.numel() for p in params]
    rows = [np.concatenate([blocks[i][j].numpy().reshape(sizes[i], sizes[j])
                            for j in range(len(params))], axis=1) for i in range(len(params))]
    return np.linalg.eigvalsh(np.concatenate(rows, axis=0))


def lr_sweep(lrs: tuple = (0.05, 0.15, 0.19, 0.21), steps: int = 60) -> dict[float, list]:
    """Gradient descent on the ravine (λ_max = 10): the loss curve for each learning rate."""
    out = {}
    for lr in lrs:
        path = first_order(ravine, (3.0, 1.0), lambda p, lr=lr: optim.SGD(p, lr=lr), steps)
        out[lr] = [float(ravine(mt.tensor(x))) for x in path]
    return out


def input_gradient_norms(model: nn.Module, x: Any, y: Any) -> Any:
    """``‖∂loss_i/∂x_i‖`` for every example: the rows of the gradient of the summed loss
    (each loss depends only on its own row), as a Tensor of shape (n,)."""
    def total(xs: Any) -> Any:
        return nn.functional.cross_entropy(model(xs), y, reduction="sum")

    return func.grad(total)(x).square().sum(1).sqrt()


def gradient_penalty(penalty: float = 0.3, steps: int = 300, seed: int = 0) -> dict:
    """Train a 2-32-32-2 tanh MLP on the moons with and without the penalty
    ``penalty · mean ‖∂loss_i/∂x_i‖²``; per model, the mean input-gradient norm on held-out
    points over training, and the final held-out accuracy."""
    x, y = make_moons(400, noise=0.2, seed=seed)
    x = x.double()
    x_train, y_train, x_test, y_test = x[:200], y[:200], x[200:], y[200:]
    out = {}
    for lam in (0.0, penalty):
        mt.manual_seed(seed)
        model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                              nn.Linear(32, 2)).double()
        opt = optim.Adam(model.parameters(), lr=0.01)
        norms = []
        for _ in range(steps):
            loss = nn.functional.cross_entropy(model(x_train), y_train)
            if lam:
                # The parameters require grad and the closure sees them: func.grad records
                # its backward pass, so the penalty is differentiable in them.
                loss = loss + lam * input_gradient_norms(model, x_train, y_train).square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with mt.no_grad():  # (a measurement: func.grad still differentiates, records nothing)
                norms.append(input_gradient_norms(model, x_test, y_test).mean().item())
        with mt.no_grad():
            acc = (model(x_test).argmax(1) == y_test).double().mean().item()
        out[lam] = {"input_grad_norm": norms, "accuracy": acc}
    return out


def plot(results: dict, out: Path, fmt: str, dpi: int) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b, c, d) = plt.subplots(1, 4, figsize=(18.5, 4.2))
    xs = np.linspace(-2, 2, 200)
    ys = np.linspace(-1, 3, 200)
    gx, gy = np.meshgrid(xs, ys)
    a.contour(gx, gy, np.log10(rosenbrock((gx, gy)) + 1e-3), levels=25, cmap="Greys",
              linewidths=0.6)
    for name, path in results["paths"].items():
        n = results["steps"][name]
        label = f"{name}: " + (f"{n} steps" if n is not None else f"> {len(path) - 1}")
        p = np.array(path)[:: max(1, len(path) // 400)]  # (a light figure)
        a.plot(p[:, 0], p[:, 1], ".-", lw=1, ms=3, label=label)
    a.plot([1], [1], "k*", ms=12)
    a.set_title("Rosenbrock from (−1.2, 1): steps to within 1e-8")
    a.legend(fontsize=8, loc="lower right")
    for name, path in results["paths"].items():
        err = [max(np.abs(np.array(x) - 1).max(), 1e-16) for x in path]
        b.semilogy(err, label=name)
    b.set_xscale("symlog", linthresh=10)
    b.set_xlabel("step")
    b.set_ylabel("max |x − (1, 1)|")
    b.set_title("distance to the minimum")
    b.legend(fontsize=8)
    for lr, losses in results["sweep"].items():
        c.semilogy(np.maximum(losses, 1e-30), label=f"lr {lr}" + (" > 2/λ_max" if lr > 0.2
                                                                  else ""))
    c.set_title("GD on the ravine (λ_max = 10): 2/λ_max = 0.2")
    c.set_xlabel("step")
    c.set_ylabel("loss")
    c.legend(fontsize=8)
    for lam, r in results["penalty"].items():
        d.plot(r["input_grad_norm"], label=(f"penalty λ = {lam:g}" if lam else "no penalty")
               + f": accuracy {r['accuracy']:.2f}")
    d.set_title("moons: mean ‖∂loss/∂x‖ on held-out points")
    d.set_xlabel("training step")
    d.legend(fontsize=8)
    fig.tight_layout()
    path = out / f"second_order.{fmt}"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="examples/out/second_order", help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer steps (for CI)")
    parser.add_argument("--format", default="png", choices=["png", "svg"])
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--no-plots", action="store_true", help="only print the numbers")
    args = parser.parse_args(argv)
    n = 2000 if args.quick else 20000
    target = np.ones(2)
    paths = {
        "Newton": newton(rosenbrock, START),
        "GD lr 1e-3": first_order(rosenbrock, START, lambda p: optim.SGD(p, lr=1e-3), n),
        "Adam lr 0.02": first_order(rosenbrock, START, lambda p: optim.Adam(p, lr=0.02), n),
    }
    steps = {k: steps_to(p, target, 1e-8) for k, p in paths.items()}
    for k, s in steps.items():
        print(f"{k:>13}: {'not within 1e-8 in ' + str(len(paths[k]) - 1) if s is None else s}"
              f" steps to (1, 1)")
    loss, params = small_mlp_loss()
    lam = top_eigenvalue(loss, params, iters=30 if args.quick else 100)
    eig = full_hessian_eigenvalues(loss, params)
    print(f"MLP 4-8-3: λ_max by power iteration on H·v = {lam:.6f}; "
          f"from the full {eig.size}×{eig.size} Hessian = {eig[-1]:.6f}; "
          f"gradient descent is stable below lr = 2/λ_max = {2 / eig[-1]:.3f}")
    sweep = lr_sweep(steps=40 if args.quick else 60)
    for lr, losses in sweep.items():
        print(f"ravine, lr {lr}: loss {losses[0]:.3g} → {losses[-1]:.3g}")
    pen = gradient_penalty(steps=150 if args.quick else 300)
    for lam_, r in pen.items():
        print(f"moons, penalty {lam_:g}: mean ‖∂loss/∂x‖ {r['input_grad_norm'][-1]:.3f}, "
              f"held-out accuracy {r['accuracy']:.3f}")
    results = {"paths": paths, "steps": steps, "lambda_max": lam, "eigenvalues": eig,
               "sweep": sweep, "penalty": pen}
    if not args.no_plots:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        print("wrote", plot(results, out, args.format, args.dpi))
    return results


if __name__ == "__main__":
    main()
