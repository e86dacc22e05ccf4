"""microtensor.data: datasets, DataLoader batching and collation, the bundled and generated data.

Expected values follow ``torch.utils.data`` (checked by hand against PyTorch 2.x), except
``DataLoader(batch_size=None)``, which in microtensor is one full batch.
"""

from __future__ import annotations

import collections
import time

import numpy as np
import pytest

import microtensor as mt
from microtensor.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    random_split,
)


def _toy(n: int = 10) -> TensorDataset:
    return TensorDataset(mt.arange(n, dtype=mt.float32).reshape(n, 1), mt.arange(n))


def _labels(loader: DataLoader) -> list[list[int]]:
    return [yb.tolist() for _, yb in loader]


class Pairs(Dataset):
    """A plain Python dataset: samples are tuples of (float, int, tensor)."""

    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int):
        return float(i) / 2, i, mt.full((2,), float(i))


# ------------------------------------------------------------------------------- the alias


def test_utils_data_is_the_data_module():
    import microtensor.data
    import microtensor.utils
    import microtensor.utils.data
    from microtensor.utils.data import DataLoader as DL
    from microtensor.utils.data import TensorDataset as TD

    assert microtensor.utils.data is microtensor.data
    assert DL is DataLoader and TD is TensorDataset


# ------------------------------------------------------------------------------- datasets


def test_tensor_dataset_indexing_and_len():
    ds = _toy(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [3.0] and y.item() == 3 and y.dtype == mt.int64


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch.*\[3, 4\]"):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


@pytest.mark.parametrize("args, err, msg", [
    ((), ValueError, "at least one tensor"),
    ((mt.tensor(1.0),), ValueError, "0-d"),
    (([1, 2, 3],), TypeError, "expected Tensors, got list"),
])
def test_tensor_dataset_bad_input(args, err, msg):
    with pytest.raises(err, match=msg):
        TensorDataset(*args)


def test_tensor_dataset_accepts_numpy_arrays():
    ds = TensorDataset(np.arange(4.0), np.arange(4))
    assert ds[2][0].item() == 2.0 and len(ds) == 4


def test_subset_and_concat():
    a, b = _toy(4), _toy(3)
    sub = Subset(a, [3, 1])
    assert len(sub) == 2 and sub[0][1].item() == 3 and sub[1][1].item() == 1
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    assert cat.cumulative_sizes == [4, 7]
    assert [cat[i][1].item() for i in range(7)] == [0, 1, 2, 3, 0, 1, 2]
    assert cat[-1][1].item() == 2 and cat[-7][1].item() == 0
    with pytest.raises(IndexError, match="out of range"):
        cat[7]
    with pytest.raises(IndexError, match="out of range"):
        cat[-8]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_random_split_sizes_disjoint_and_complete():
    ds = _toy(10)
    parts = random_split(ds, [6, 3, 1], generator=mt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [6, 3, 1]
    idx = [i for p in parts for i in p.indices]
    assert sorted(idx) == list(range(10))


@pytest.mark.parametrize("n, fractions, sizes", [
    (10, [0.33, 0.33, 0.34], [4, 3, 3]),  # PyTorch's rule: floors, remainder round-robin
    (7, [0.5, 0.5], [4, 3]),
    (11, [0.1] * 10, [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    (1797, [0.8, 0.2], [1438, 359]),
])
def test_random_split_fractions_follow_pytorch_rounding(n, fractions, sizes):
    assert [len(p) for p in random_split(range(n), fractions)] == sizes


def test_random_split_is_reproducible():
    g = [p.indices for p in random_split(range(20), [0.5, 0.5],
                                         generator=mt.Generator().manual_seed(3))]
    h = [p.indices for p in random_split(range(20), [0.5, 0.5],
                                         generator=mt.Generator().manual_seed(3))]
    assert g == h
    mt.manual_seed(5)
    a = random_split(range(20), [10, 10])[0].indices
    mt.manual_seed(5)
    assert random_split(range(20), [10, 10])[0].indices == a


@pytest.mark.parametrize("lengths, msg", [
    ([3, 3], "does not equal the length"),
    ([0.5, 0.6], "fractions summing to 1"),
    ([-0.5, 1.5], "fraction at index 0"),
    ([2.5, 4.5], "non-negative ints"),
])
def test_random_split_bad_lengths(lengths, msg):
    with pytest.raises(ValueError, match=msg):
        random_split(range(7), lengths)


def test_random_split_warns_on_empty_part():
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        assert [len(p) for p in random_split(range(3), [0.9, 0.1])] == [3, 0]


# ------------------------------------------------------------------------------- DataLoader


def test_batches_sizes_last_batch_and_len():
    loader = DataLoader(_toy(10), batch_size=4)
    assert len(loader) == 3
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = next(iter(loader))
    assert xb.shape == (4, 1) and xb.dtype == mt.float32 and yb.dtype == mt.int64


def test_drop_last():
    loader = DataLoader(_toy(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_toy(8), batch_size=4, drop_last=True)) == 2


def test_batch_size_none_is_one_full_batch_and_one_is_sgd():
    full = DataLoader(_toy(10), batch_size=None, shuffle=True)
    assert len(full) == 1
    (batch,) = list(full)
    assert batch[0].shape == (10, 1) and sorted(batch[1].tolist()) == list(range(10))
    sgd = DataLoader(_toy(10), batch_size=1)
    assert len(sgd) == 10 and all(len(b) == 1 for b in _labels(sgd))
    assert len(DataLoader(_toy(0), batch_size=None)) == 0 == len(list(DataLoader(_toy(0))))


def test_shuffle_is_a_new_permutation_each_epoch():
    mt.manual_seed(0)
    loader = DataLoader(_toy(50), batch_size=8, shuffle=True)
    epochs = [sum(_labels(loader), []) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2] and epochs[0] != list(range(50))


def test_shuffle_reproducible_with_manual_seed_generator_or_seed():
    def two_epochs(**kw):
        loader = DataLoader(_toy(30), batch_size=7, shuffle=True, **kw)
        return [_labels(loader) for _ in range(2)]

    mt.manual_seed(1)
    a = two_epochs()
    mt.manual_seed(1)
    assert two_epochs() == a
    g = two_epochs(generator=mt.Generator().manual_seed(2))
    assert two_epochs(generator=mt.Generator().manual_seed(2)) == g
    assert two_epochs(seed=4) == two_epochs(seed=4) != two_epochs(seed=5)
    with pytest.raises(ValueError, match="generator or seed"):
        DataLoader(_toy(), seed=1, generator=mt.Generator())


def test_fast_path_matches_sample_by_sample_collate():
    ds = Subset(_toy(20), list(range(19, -1, -2)))
    fast = DataLoader(ds, batch_size=3, shuffle=True, seed=7)
    slow = DataLoader(ds, batch_size=3, shuffle=True, seed=7,
                      collate_fn=lambda b: default_collate(b))
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        assert xf.tolist() == xs.tolist() and yf.tolist() == ys.tolist()
        assert xf.dtype == xs.dtype and yf.dtype == ys.dtype
    assert isinstance(next(iter(fast)), list)  # PyTorch collates tuples to lists


def test_fast_path_keeps_the_graph_for_tensors_that_require_grad():
    w = mt.arange(6, dtype=mt.float64).requires_grad_()
    (xb,) = next(iter(DataLoader(TensorDataset(w), batch_size=None)))
    xb.sum().backward()
    assert w.grad.tolist() == [1.0] * 6


def test_digits_epoch_is_fast():
    loader = DataLoader(TensorDataset(*load_digits()), batch_size=32, shuffle=True)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        n = sum(len(yb) for _, yb in loader)
        best = min(best, time.perf_counter() - t)
    assert n == 1797 and best < 0.010


def test_python_dataset_collates_tuples_with_pytorch_dtypes():
    xb, ib, tb = next(iter(DataLoader(Pairs(), batch_size=4)))
    assert xb.dtype == mt.float64 and xb.tolist() == [0.0, 0.5, 1.0, 1.5]
    assert ib.dtype == mt.int64 and ib.tolist() == [0, 1, 2, 3]
    assert tb.shape == (4, 2) and tb.dtype == mt.float32
    assert [len(b[1]) for b in DataLoader(Pairs(), batch_size=3)] == [3, 3, 1]


def test_samplers_and_batch_sampler():
    ds = _toy(10)
    assert _labels(DataLoader(ds, batch_size=2, sampler=[9, 8, 7])) == [[9, 8], [7]]
    assert _labels(DataLoader(ds, batch_sampler=[[1, 2], [5]])) == [[1, 2], [5]]
    bs = BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)
    assert list(bs) == [[0, 1], [2, 3], [4]] and len(bs) == 3
    loader = DataLoader(ds, batch_size=None, sampler=SubsetRandomSampler([1, 3, 5]))
    assert sorted(next(iter(loader))[1].tolist()) == [1, 3, 5]


@pytest.mark.parametrize("kwargs, msg", [
    (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "drop_last=True means nothing"),
    (dict(batch_size=0), "positive integer value.*batch_size=0"),
    (dict(batch_size=2.0), "positive integer value"),
    (dict(num_workers=-1), "num_workers"),
])
def test_dataloader_bad_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        DataLoader(_toy(), **kwargs)


def test_num_workers_is_accepted_and_ignored():
    loader = DataLoader(_toy(6), batch_size=4, num_workers=4, pin_memory=True)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5]]


def test_out_of_range_index_is_a_clear_error():
    with pytest.raises(IndexError, match="DataLoader: index 12 is out of range .* 10"):
        list(DataLoader(_toy(10), sampler=[1, 12]))


# ------------------------------------------------------------------------------- collate


def test_collate_numbers_and_numpy_dtypes():
    ints, floats, bools, f32, i32, strs = default_collate(
        [(1, 2.0, True, np.float32(1), np.int32(3), "a"),
         (3, 4.0, False, np.float32(2), np.int32(4), "b")])
    assert ints.dtype == mt.int64 and ints.tolist() == [1, 3]
    assert floats.dtype == mt.float64 and floats.tolist() == [2.0, 4.0]
    assert bools.dtype == mt.bool and bools.tolist() == [True, False]
    assert f32.dtype == mt.float32 and i32.dtype == mt.int32
    assert list(strs) == ["a", "b"]


def test_collate_dicts_namedtuples_arrays():
    out = default_collate([{"a": np.zeros(2), "b": [1, 2]}, {"a": np.ones(2), "b": [3, 4]}])
    assert out["a"].shape == (2, 2) and out["a"].dtype == mt.float64
    assert [t.tolist() for t in out["b"]] == [[1, 3], [2, 4]]
    P = collections.namedtuple("P", "x y")
    p = default_collate([P(1, 2.5), P(3, 4.5)])
    assert isinstance(p, P) and p.x.tolist() == [1, 3] and p.y.dtype == mt.float64


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(ValueError, match="stack"):
        default_collate([mt.zeros(2), mt.zeros(3)])


# ------------------------------------------------------------------------------- digits


def test_load_digits_shapes_dtypes_and_ranges():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == mt.float32
    assert y.shape == (1797,) and y.dtype == mt.int64
    assert X.data.min() == 0.0 and X.data.max() == 1.0
    raw, _ = load_digits(normalize=False)
    assert raw.dtype == mt.float32 and raw.data.max() == 16.0
    assert np.array_equal(raw.data, np.round(raw.data))  # integer pixel counts 0..16
    assert np.allclose(raw.data / 16, X.data)
    counts = np.bincount(y.data)
    assert len(counts) == 10 and counts.min() >= 170 and counts.max() <= 190
    # the file's first row: a zero
    assert y[0].item() == 0 and raw[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_load_digits_images_for_cnns():
    X, _ = load_digits()
    img, _ = load_digits(flatten=False)
    assert img.shape == (1797, 1, 8, 8) and np.array_equal(img.data.reshape(1797, 64), X.data)


def test_load_digits_returns_fresh_copies():
    X, _ = load_digits()
    X.data[:] = -1
    assert load_digits()[0].data.min() == 0.0


def test_load_digits_split_is_fixed_stratified_and_disjoint():
    (xtr, ytr), (xte, yte) = load_digits(split="train"), load_digits(split="test")
    assert len(ytr) + len(yte) == 1797 and 350 <= len(yte) <= 370
    both = np.concatenate([xtr.data, xte.data])
    assert len(np.unique(both, axis=0)) == len(np.unique(load_digits()[0].data, axis=0))
    share = np.bincount(yte.data) / np.bincount(load_digits()[1].data)
    assert np.all(np.abs(share - 0.2) < 0.01)
    assert np.array_equal(load_digits(split="test")[1].data, yte.data)
    other = load_digits(split="test", seed=1)[0].data
    assert not np.array_equal(other, xte.data)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(split="val"), "split must be"),
    (dict(split="train", test_fraction=1.0), "test_fraction"),
])
def test_load_digits_bad_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        load_digits(**kwargs)


# ------------------------------------------------------------------------------- generators


def test_circles_geometry():
    X, y = make_circles(101, factor=0.3, seed=0)
    assert X.shape == (101, 2) and X.dtype == mt.float32 and y.dtype == mt.int64
    r = np.linalg.norm(X.data, axis=1)
    assert np.bincount(y.data).tolist() == [50, 51]  # the inner circle gets the odd one
    assert np.allclose(r[y.data == 0], 1.0, atol=1e-6)
    assert np.allclose(r[y.data == 1], 0.3, atol=1e-6)
    noisy, yn = make_circles(2000, noise=0.05, seed=0)
    rn = np.linalg.norm(noisy.data, axis=1)
    assert abs(rn[yn.data == 1].mean() - 0.8) < 0.01


def test_moons_geometry():
    X, y = make_moons(100, seed=0)
    x0, x1 = X.data[y.data == 0], X.data[y.data == 1]
    assert len(x0) == len(x1) == 50
    assert np.allclose(np.linalg.norm(x0, axis=1), 1.0, atol=1e-6) and x0[:, 1].min() >= 0
    assert np.allclose(np.linalg.norm(x1 - [1.0, 0.5], axis=1), 1.0, atol=1e-6)
    assert x1[:, 1].max() <= 0.5 + 1e-6


def test_spirals_geometry():
    X, y = make_spirals(301, n_classes=4, seed=0)
    assert X.shape == (301, 2) and sorted(set(y.tolist())) == [0, 1, 2, 3]
    assert np.bincount(y.data).tolist() == [76, 75, 75, 75]
    assert np.linalg.norm(X.data, axis=1).max() <= 1.0 + 1e-6
    clean, yc = make_spirals(30, n_classes=3, noise=0.0, shuffle=False)
    r = np.linalg.norm(clean.data[:10], axis=1)
    assert np.allclose(r, np.linspace(0, 1, 10), atol=1e-6) and yc[:10].tolist() == [0] * 10


@pytest.mark.parametrize("make", [make_spirals, make_moons, make_circles])
def test_generators_are_reproducible(make):
    a, b = make(seed=3), make(seed=3)
    assert np.array_equal(a[0].data, b[0].data) and np.array_equal(a[1].data, b[1].data)
    assert not np.array_equal(a[0].data, make(seed=4)[0].data)
    mt.manual_seed(9)
    c = make(noise=0.1)
    mt.manual_seed(9)
    assert np.array_equal(c[0].data, make(noise=0.1)[0].data)
    assert make(seed=mt.Generator().manual_seed(2))[0].shape[1] == 2


@pytest.mark.parametrize("make, kwargs, name", [
    (make_moons, dict(n_samples=0), "n_samples"),
    (make_moons, dict(n_samples=2.5), "n_samples"),
    (make_moons, dict(noise=-1.0), "noise"),
    (make_circles, dict(factor=1.0), "factor"),
    (make_circles, dict(seed=-1), "seed"),
    (make_spirals, dict(n_classes=0), "n_classes"),
    (make_spirals, dict(n_samples=2, n_classes=3), "n_samples"),
])
def test_generators_bad_arguments(make, kwargs, name):
    with pytest.raises(ValueError, match=rf"{make.__name__}: {name}"):
        make(**kwargs)


def test_generator_pair_counts():
    _, y = make_moons((3, 7), seed=0)
    assert np.bincount(y.data).tolist() == [3, 7]


def test_random_sampler_refuses_an_empty_dataset_as_pytorch():
    from microtensor.data import RandomSampler

    with pytest.raises(ValueError, match="num_samples=0 .the dataset is empty"):
        RandomSampler(TensorDataset(mt.zeros(0, 2)))
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler(TensorDataset(mt.zeros(3, 2)), num_samples=0)
