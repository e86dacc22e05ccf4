"""Train an MLP and a small CNN on the bundled 8×8 digits, written as PyTorch code.

Everything below would run on PyTorch with ``import torch as mt`` and
``torch.nn``/``torch.optim``/``torch.utils.data`` in place of microtensor's —
except ``load_digits``, which ships with microtensor.

    python examples/train_digits.py            # both models, full training
    python examples/train_digits.py --quick    # a few epochs (what the tests run)

The data: the test set of the UCI Optical Recognition of Handwritten Digits
data set (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0 — 1797 images, split 1438
for training and 359 for testing.
"""

from __future__ import annotations

import argparse
import time

import microtensor as mt
from microtensor import nn, optim
from microtensor.data import DataLoader, TensorDataset, load_digits


def mlp() -> nn.Module:
    """64-128-64-10 with BatchNorm, ReLU and Dropout."""
    return nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(64, 10),
    )


def cnn() -> nn.Module:
    """(Conv2d-BN-ReLU-MaxPool) × 2, then one Linear: 8×8 → 4×4 → 2×2 × 64 channels."""
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 2 * 2, 10),
    )


def accuracy(model: nn.Module, x: mt.Tensor, y: mt.Tensor) -> float:
    model.eval()
    with mt.no_grad():
        pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item()


def train(model: nn.Module, images: bool, epochs: int, lr: float, seed: int = 0) -> dict:
    """Train with Adam and a cosine schedule; return the accuracies and the time taken."""
    mt.manual_seed(seed)
    x_train, y_train = load_digits(split="train", flatten=not images)
    x_test, y_test = load_digits(split="test", flatten=not images)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    opt = optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
    seconds = time.perf_counter() - start
    return {"train_accuracy": accuracy(model, x_train, y_train),
            "test_accuracy": accuracy(model, x_test, y_test), "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few epochs only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = {}
    for name, build, images, epochs, lr in (("mlp", mlp, False, 40, 3e-3),
                                             ("cnn", cnn, True, 30, 3e-3)):
        if args.quick:
            epochs = 4
        mt.manual_seed(args.seed)
        r = train(build(), images, epochs, lr, args.seed)
        results[name] = r
        print(f"{name}: test accuracy {r['test_accuracy']:.1%} (train {r['train_accuracy']:.1%})"
              f" after {epochs} epochs in {r['seconds']:.1f} s")
    return results


if __name__ == "__main__":
    main()
