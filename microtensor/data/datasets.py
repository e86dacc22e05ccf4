"""Datasets to train on: the bundled 8×8 digits, and three 2-D toy problems.

``load_digits`` reads the handwritten digits shipped inside the package.
``make_spirals``, ``make_moons`` and ``make_circles`` draw 2-D classification
problems that no straight line separates — small enough to train in a second
and to plot a decision boundary over. Each returns ``(X, y)``: ``X`` a float32
Tensor of shape ``(n, features)``, ``y`` an int64 Tensor of class labels;
``TensorDataset(X, y)`` makes it a dataset.
"""

from __future__ import annotations

import functools
import gzip
import io
from importlib import resources
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..random import Generator, default_generator
from ..tensor import Tensor

__all__ = ["load_digits", "make_circles", "make_moons", "make_spirals"]

_DIGITS_FILE = "digits.csv.gz"


@functools.lru_cache(maxsize=1)
def _digits_table() -> np.ndarray:
    # Read through importlib.resources so it works from an installed wheel or a zip too.
    raw = resources.files(__package__).joinpath(_DIGITS_FILE).read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise RuntimeError(f"load_digits: {_DIGITS_FILE} should have 65 columns (64 pixels "
                           f"and a label), got shape {table.shape}")
    table.setflags(write=False)  # cached: callers get copies
    return table


def load_digits(*, flatten: bool = True, normalize: bool = True, split: str | None = None,
                test_fraction: float = 0.2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """The 1797 handwritten digits, 8×8 pixels each, with their labels 0–9.

    Data: the test set of the UCI Optical Recognition of Handwritten Digits data set
    (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0, shipped in the package as
    ``microtensor/data/digits.csv.gz``. Each pixel counts the "on" bits of a 4×4 block of
    a 32×32 bitmap, so it is an integer 0..16.

    Args:
        flatten: images as rows of 64 pixels, shape ``(N, 64)`` (for an MLP); else
            ``(N, 1, 8, 8)`` (one channel, for a CNN).
        normalize: divide the pixels by 16 so they lie in [0, 1]; else keep 0..16 (still
            float32).
        split: ``None`` for all 1797 samples; ``"train"`` or ``"test"`` for one side of a
            fixed stratified split: in each class, ``round(test_fraction · count)`` samples
            chosen with ``seed`` go to the test side. The split depends only on
            ``test_fraction`` and ``seed`` (not on ``manual_seed``), so the two calls agree
            and results are comparable from run to run. Both sides keep the file's order.
        test_fraction: the share of each class in the test side, in (0, 1).
        seed: the seed of the split.

    Returns:
        ``(images, labels)``: float32 Tensor ``(N, 64)`` or ``(N, 1, 8, 8)``, int64
        Tensor ``(N,)``; N = 1797 (about 1438 / 359 for the default train / test split).
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"load_digits: split must be None, 'train' or 'test', got {split!r}")
    if not isinstance(test_fraction, Real) or not 0 < test_fraction < 1:
        raise ValueError(f"load_digits: test_fraction must be in (0, 1), got {test_fraction!r}")
    table = _digits_table()
    if split is not None:
        rng = np.random.default_rng(seed)
        labels = table[:, 64]
        test = np.zeros(len(table), dtype=bool)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            n_test = int(round(test_fraction * len(members)))
            test[rng.permutation(members)[:n_test]] = True
        table = table[test if split == "test" else ~test]
    images = table[:, :64].astype(np.float32)
    if normalize:
        images /= np.float32(16)
    if not flatten:
        images = images.reshape(-1, 1, 8, 8)
    return Tensor._make(images, False, None), Tensor._make(table[:, 64].copy(), False, None)


# --------------------------------------------------------------------------------- toy 2-D


def _rng_for(seed: Any, op: str) -> np.random.Generator:
    """``None``: the global stream (reproducible after ``manual_seed``); an int: a private
    stream; a :class:`microtensor.Generator`: that stream."""
    if seed is None:
        return default_generator._rng
    if isinstance(seed, Generator):
        return seed._rng
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"{op}: seed must be None, a non-negative int or a "
                         f"microtensor.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_noise(noise: Any, op: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, Real) or not noise >= 0:
        raise ValueError(f"{op}: noise must be a non-negative number, got {noise!r}")
    return float(noise)


def _two_counts(n_samples: Any, op: str) -> tuple[int, int]:
    """sklearn's rule: an int n gives n // 2 samples to class 0 and the rest to class 1;
    a pair gives the two counts."""
    if isinstance(n_samples, tuple) and len(n_samples) == 2 and all(
            isinstance(k, Integral) and not isinstance(k, bool) and k >= 0 for k in n_samples):
        return int(n_samples[0]), int(n_samples[1])
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"{op}: n_samples must be a positive int or a pair of non-negative "
                         f"ints (class 0, class 1), got {n_samples!r}")
    return int(n_samples) // 2, int(n_samples) - int(n_samples) // 2


def _finish(x: np.ndarray, y: np.ndarray, noise: float, shuffle: bool,
            rng: np.random.Generator) -> tuple[Tensor, Tensor]:
    if noise:
        x = x + rng.normal(0.0, noise, size=x.shape)
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    return (Tensor._make(np.ascontiguousarray(x, dtype=np.float32), False, None),
            Tensor._make(np.ascontiguousarray(y, dtype=np.int64), False, None))


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: Any = None, *, shuffle: bool = True) -> tuple[Tensor, Tensor]:
    """Interleaved spiral arms, one per class (the CS231n "spiral" data set).

    Arm ``k`` holds points at radius ``r`` running evenly from 0 to 1 and angle
    ``t = 4k + 4r + noise·N(0, 1)`` (radians), placed at ``(r sin t, r cos t)``. Note that
    ``noise`` jitters the *angle* (as CS231n's code does), not the coordinates.

    Args:
        n_samples: total number of points; classes get ``n_samples // n_classes`` each, the
            first ``n_samples % n_classes`` classes one more.
        n_classes: number of arms (classes), at least 1.
        noise: standard deviation of the angle jitter, in radians.
        seed: ``None`` (the global stream: reproducible after ``microtensor.manual_seed``),
            an int, or a :class:`microtensor.Generator`.
        shuffle: shuffle the points (else arm by arm).

    Returns:
        ``(X, y)``: float32 ``(n_samples, 2)`` inside the unit disk, int64 ``(n_samples,)``
        in ``0 .. n_classes - 1``.
    """
    op = "make_spirals"
    if isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 1:
        raise ValueError(f"{op}: n_classes must be a positive int, got {n_classes!r}")
    if (isinstance(n_samples, bool) or not isinstance(n_samples, Integral)
            or n_samples < n_classes):
        raise ValueError(f"{op}: n_samples must be an int >= n_classes ({n_classes}), got "
                         f"{n_samples!r}")
    noise = _check_noise(noise, op)
    rng = _rng_for(seed, op)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    xs, ys = [], []
    for k, n in enumerate(counts):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n) + noise * rng.standard_normal(n)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n, k))
    return _finish(np.concatenate(xs), np.concatenate(ys), 0.0, shuffle, rng)


def make_moons(n_samples: Any = 100, noise: float = 0.0, seed: Any = None, *,
               shuffle: bool = True) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (scikit-learn's ``make_moons`` geometry).

    Class 0: ``(cos θ, sin θ)``, class 1: ``(1 - cos θ, 0.5 - sin θ)``, θ evenly spaced in
    [0, π]; then Gaussian noise of std ``noise`` on each coordinate.

    Args:
        n_samples: total points (class 0 gets ``n // 2``, class 1 the rest), or a pair
            ``(n_class0, n_class1)``.
        noise: standard deviation of the Gaussian noise added to the coordinates.
        seed: ``None`` (global stream, see ``manual_seed``), an int, or a Generator.
        shuffle: shuffle the points (else class 0 first).

    Returns:
        ``(X, y)``: float32 ``(n, 2)``, int64 ``(n,)`` in {0, 1}.
    """
    op = "make_moons"
    n0, n1 = _two_counts(n_samples, op)
    noise = _check_noise(noise, op)
    rng = _rng_for(seed, op)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    x = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], axis=1),
                        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, noise, shuffle, rng)


def make_circles(n_samples: Any = 100, noise: float = 0.0, factor: float = 0.8,
                 seed: Any = None, *, shuffle: bool = True) -> tuple[Tensor, Tensor]:
    """A circle inside a circle (scikit-learn's ``make_circles`` geometry).

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``, each
    at evenly spaced angles in [0, 2π) (end point excluded); then Gaussian noise of std
    ``noise`` on each coordinate.

    Args:
        n_samples: total points (class 0, outer, gets ``n // 2``), or a pair
            ``(n_outer, n_inner)``.
        noise: standard deviation of the Gaussian noise added to the coordinates.
        factor: radius of the inner circle relative to the outer one, in [0, 1).
        seed: ``None`` (global stream, see ``manual_seed``), an int, or a Generator.
        shuffle: shuffle the points (else the outer circle first).

    Returns:
        ``(X, y)``: float32 ``(n, 2)``, int64 ``(n,)``: 0 outer, 1 inner.
    """
    op = "make_circles"
    n0, n1 = _two_counts(n_samples, op)
    noise = _check_noise(noise, op)
    if isinstance(factor, bool) or not isinstance(factor, Real) or not 0 <= factor < 1:
        raise ValueError(f"{op}: factor must be in [0, 1), got {factor!r}")
    rng = _rng_for(seed, op)
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    x = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], axis=1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, noise, shuffle, rng)
