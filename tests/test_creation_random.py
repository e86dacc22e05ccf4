"""Creation ops, random sampling and data loading, without PyTorch (the oracle tests in
tests/oracle/test_creation_vs_torch.py compare the numbers with torch's)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.utils.data import (
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
    default_convert,
    get_worker_info,
)
from microtensor.utils.data.sampler import BatchSampler, RandomSampler

# ---------------------------------------------------------------------- factories


def test_size_forms_dtypes_and_errors():
    assert mt.zeros(2, 3).shape == mt.zeros((2, 3)).shape == mt.zeros(size=(2, 3)).shape
    assert mt.zeros(()).shape == () and mt.ones([0, 2]).shape == (0, 2)
    assert mt.full((2,), 1).dtype is mt.int64 and mt.full((2,), 1.0).dtype is mt.float32
    assert mt.full((2,), True).dtype is mt.bool and mt.full([], 2.5).shape == ()
    assert mt.full((1,), mt.tensor(3)).tolist() == [3]
    with pytest.raises(TypeError):
        mt.full(2, 1.0)
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.zeros(-1)
    with pytest.raises(TypeError):
        mt.zeros(2.0)
    with pytest.raises(TypeError):
        mt.zeros()
    with pytest.raises(TypeError):
        mt.zeros((2,), size=(3,))


def test_out_argument():
    out = mt.empty(3)
    assert mt.zeros(2, 2, out=out) is out and out.shape == (2, 2)
    v = out._version
    mt.ones(2, 2, out=out)
    assert out.tolist() == [[1.0, 1.0], [1.0, 1.0]] and out._version == v + 1
    ints = mt.empty(2, dtype=mt.int64)
    assert mt.full((2,), 1.9, out=ints).tolist() == [1, 1]
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        mt.arange(3, out=ints, dtype=mt.float32)
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        mt.zeros(2, out=mt.ones(2, requires_grad=True))
    with mt.no_grad():
        leaf = mt.ones(2, requires_grad=True)
        mt.zeros(2, out=leaf)
    assert leaf.tolist() == [0.0, 0.0]
    for f in (lambda o: mt.arange(4, out=o), lambda o: mt.linspace(0, 1, 4, out=o),
              lambda o: mt.logspace(0, 1, 4, out=o), lambda o: mt.eye(2, out=o),
              lambda o: mt.rand(4, out=o), lambda o: mt.randn(4, out=o)):
        o = mt.empty(0, dtype=mt.float64)
        assert f(o) is o and o.dtype is mt.float64 and o.numel() == 4


def test_ranges():
    assert mt.arange(5).dtype is mt.int64 and mt.arange(5.0).dtype is mt.float32
    assert mt.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
    assert mt.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert mt.arange(mt.tensor(3)).tolist() == [0, 1, 2]
    assert mt.arange(0, 7.5, 2.5, dtype=mt.int64).tolist() == [0, 2, 4, 6]
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        mt.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        mt.arange(5, 0)
    with pytest.warns(UserWarning, match="deprecated"):
        r = mt.range(1, 4)
    assert r.tolist() == [1.0, 2.0, 3.0, 4.0] and r.dtype is mt.float32
    lin = mt.linspace(0, 10, 5, dtype=mt.float64)
    assert lin.tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert mt.linspace(0, 10, 5, dtype=mt.int64).tolist() == [0, 2, 5, 7, 10]
    assert mt.linspace(3, 7, 1).tolist() == [3.0] and mt.linspace(0, 1, 0).shape == (0,)
    assert mt.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert mt.logspace(0, 2, 3, base=2).tolist() == [1.0, 2.0, 4.0]
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.linspace(0, 1, -1)
    assert mt.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]] and mt.eye(0).shape == (0, 0)
    with pytest.raises(RuntimeError):
        mt.eye(-1)


def test_from_data():
    a = np.arange(3.0)
    for make in (mt.as_tensor, mt.asarray, mt.from_numpy):
        t = make(a)
        a[0] = 5.0
        assert t[0].item() == 5.0 and t.dtype is mt.float64
        a[0] = 0.0
    assert mt.asarray(a, copy=True)._data is not a
    assert mt.as_tensor(a, dtype=mt.float32).dtype is mt.float32
    x = mt.ones(2)
    assert mt.asarray(x) is x and mt.as_tensor(x) is x
    assert mt.asarray(x, dtype=mt.float64).dtype is mt.float64
    with pytest.raises(ValueError):
        mt.asarray([1, 2], copy=False)
    y = mt.asarray([1.0, 2.0], requires_grad=True)
    assert y.requires_grad and y.is_leaf
    buf = bytearray(8)
    t = mt.frombuffer(buf, dtype=mt.int32)
    buf[0] = 7
    assert t.tolist() == [7, 0] and mt.frombuffer(buf, dtype=mt.uint8, count=2,
                                                  offset=1).shape == (2,)
    with pytest.raises(ValueError):
        mt.frombuffer(bytearray(3), dtype=mt.int32)
    assert mt.scalar_tensor(1).dtype is mt.float32 and mt.scalar_tensor(1).shape == ()
    s = mt.empty_strided((2, 3), (1, 2))
    assert s.shape == (2, 3) and s.stride() == (1, 2)
    assert mt.full_like(mt.tensor([1, 2]), 2.7).tolist() == [2, 2]
    assert mt.zeros_like(mt.ones(2), dtype=mt.int64).dtype is mt.int64
    assert mt.ones_like(mt.ones(2), requires_grad=True).requires_grad
    with pytest.raises(TypeError):
        mt.zeros_like([1, 2])


# ---------------------------------------------------------------------- random


def _all_samplers(g):
    x = mt.empty(6, dtype=mt.float64)
    return [
        mt.rand(4, generator=g), mt.randn(20, generator=g), mt.randint(9, (3,), generator=g),
        mt.randint(-2, 2, (3,), generator=g), mt.randperm(7, generator=g),
        mt.normal(0.0, 1.0, (3,), generator=g), mt.normal(mt.zeros(3), 2.0, generator=g),
        mt.normal(1.0, mt.ones(3), generator=g), mt.bernoulli(mt.full((4,), 0.5), generator=g),
        mt.bernoulli(mt.zeros(4), 0.3, generator=g), mt.poisson(mt.full((3,), 4.0), generator=g),
        mt.multinomial(mt.ones(5), 3, generator=g),
        mt.multinomial(mt.ones(5), 8, True, generator=g),
        mt.rand_like(x, generator=g), mt.randn_like(x, generator=g),
        mt.randint_like(x, 5, generator=g), x.clone().uniform_(generator=g),
        x.clone().normal_(generator=g), x.clone().random_(0, 9, generator=g),
        x.clone().exponential_(generator=g), x.clone().geometric_(0.4, generator=g),
        x.clone().log_normal_(generator=g), x.clone().cauchy_(generator=g),
        x.clone().bernoulli_(0.5, generator=g), mt.full((3,), 0.5).bernoulli(generator=g),
        mt.ones(4).multinomial(2, generator=g),
    ]


def test_every_sampler_takes_a_generator_and_leaves_the_global_stream_alone():
    mt.manual_seed(0)
    before = mt.get_rng_state()
    a = _all_samplers(mt.Generator().manual_seed(5))
    b = _all_samplers(mt.Generator().manual_seed(5))
    assert mt.get_rng_state().tolist() == before.tolist()
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist() and x.dtype == y.dtype


def test_samplers_values_and_errors():
    g = mt.Generator().manual_seed(1)
    geo = mt.empty(1000, dtype=mt.float64).geometric_(0.5, generator=g)
    assert geo.min().item() >= 1 and abs(geo.mean().item() - 2.0) < 0.2
    ln = mt.empty(1000, dtype=mt.float64).log_normal_(0.0, 0.5, generator=g)
    assert ln.min().item() > 0
    po = mt.poisson(mt.tensor([0.0, 2.0, 50.0], dtype=mt.float64), generator=g)
    assert po[0].item() == 0 and po.dtype is mt.float64
    assert mt.poisson(mt.zeros(0)).shape == (0,)
    with pytest.raises(ValueError):
        mt.poisson(mt.tensor([-1.0]))
    with pytest.raises(ValueError):
        mt.empty(2).geometric_(1.5)
    with pytest.raises(ValueError):
        mt.empty(2).cauchy_(0.0, -1.0)
    with pytest.raises(TypeError):
        mt.empty(2, dtype=mt.int64).log_normal_()
    with pytest.raises(TypeError):
        mt.rand(2, dtype=mt.int64)
    with pytest.raises(TypeError):
        mt.rand(2, generator="seed")
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        mt.rand(2, out=mt.empty(2, dtype=mt.float64), dtype=mt.float32)
    r = mt.rand(size=(2, 3), requires_grad=True)
    assert r.shape == (2, 3) and r.requires_grad and r.is_leaf
    assert mt.randint(low=0, high=4, size=(5,)).max().item() < 4
    assert mt.randperm(0).shape == (0,) and mt.randn(0).shape == (0,)


def test_seeding_and_state():
    g = mt.manual_seed(7)
    assert g is mt.default_generator and mt.initial_seed() == 7
    a = mt.rand(3)
    mt.manual_seed(7)
    assert mt.rand(3).tolist() == a.tolist()
    state = mt.get_rng_state()
    assert state.dtype is mt.uint8 and state.shape == (5056,)
    b = mt.randn(5)
    mt.set_rng_state(state)
    assert mt.randn(5).tolist() == b.tolist()
    with mt.random.fork_rng():
        mt.rand(10)
    c = mt.rand(2)
    mt.set_rng_state(state)
    mt.randn(5)
    assert mt.rand(2).tolist() == c.tolist()
    with mt.random.fork_rng(enabled=False):
        pass
    assert isinstance(mt.seed(), int)
    gen = mt.Generator()
    assert gen.device == mt.device("cpu") and gen.manual_seed(3) is gen
    assert gen.initial_seed() == 3 and isinstance(gen.seed(), int)
    gen.set_state(state)
    assert gen.get_state().tolist() == state.tolist()
    with pytest.raises(RuntimeError):
        mt.Generator(device="cuda")


# ---------------------------------------------------------------------- data


def test_utils_data_submodules_are_the_same_modules():
    import microtensor.utils.data.dataloader as dl
    import microtensor.utils.data.dataset as ds
    import microtensor.utils.data.sampler as sm

    assert dl is mt.data.dataloader and ds is mt.data.dataset and sm is mt.data.sampler
    assert dl.DataLoader is mt.data.DataLoader is DataLoader
    assert sm.RandomSampler is RandomSampler and ds.Dataset is mt.utils.data.Dataset
    assert mt.utils.data.default_collate is mt.data.default_collate
    assert get_worker_info() is None


def test_random_sampler_with_replacement_is_lazy():
    data = TensorDataset(mt.arange(10.0))
    sampler = RandomSampler(data, replacement=True, num_samples=int(1e10))
    assert len(sampler) == int(1e10)
    first = list(itertools.islice(sampler, 70))
    assert len(first) == 70 and all(0 <= i < 10 for i in first)
    loader = DataLoader(data, batch_size=4, sampler=sampler)
    batches = list(itertools.islice(loader, 3))
    assert [b[0].shape for b in batches] == [(4,)] * 3
    # The lazy and the eager draw give the same indices.
    g1, g2 = mt.Generator().manual_seed(3), mt.Generator().manual_seed(3)
    lazy = list(RandomSampler(data, True, 50, generator=g1))
    eager = list(BatchSampler(RandomSampler(data, True, 50, generator=g2), 50, False))[0]
    assert lazy == eager
    big = BatchSampler(RandomSampler(data, num_samples=int(1e9)), 3, drop_last=True)
    assert len(next(iter(big))) == 3
    with pytest.raises(TypeError):
        RandomSampler(data, replacement=1)


def test_weighted_stack_iterable_and_convert():
    mt.manual_seed(0)
    w = WeightedRandomSampler([0.0, 1.0, 0.0], 5)
    assert list(w) == [1] * 5 and len(w) == 5
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError):
        WeightedRandomSampler([[1.0]], 2)
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0], 0)
    s = StackDataset(x=[1, 2], y=[3, 4])
    assert s[1] == {"x": 2, "y": 4} and len(s) == 2 and StackDataset([1], [2])[0] == (1, 2)
    with pytest.raises(ValueError):
        StackDataset([1], [2, 3])

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=None)] == [list(range(7))]
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(), shuffle=True)
    chained = list(Stream() + Stream())
    assert len(chained) == 14
    out = default_convert([1, (2, 3), np.arange(2), {"a": np.float64(1.5)}])
    assert out[0] == 1 and out[1] == [2, 3] and isinstance(out[2], mt.Tensor)
    assert out[3]["a"].dtype is mt.float64


def test_range_warning_is_a_user_warning():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mt.range(0, 2)
    assert w and issubclass(w[0].category, UserWarning)
