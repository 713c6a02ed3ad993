"""Random sampling: one seed fixes every sequence, results have torch's shapes, dtypes,
node names and errors, and samples look like their distribution. Statistics use a few
thousand draws from a fixed seed and bounds several standard errors wide, so they are
loose checks of the formulas, never flaky."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error  # noqa: E402


def inplace(L, method, *args, shape=(4,)):
    """A non-leaf requiring grad, sampled into in place: records the sampler's node."""
    return getattr(L.zeros(*shape, requires_grad=True) * 1, method)(*args)


SAMPLERS = {
    "rand": lambda L: L.rand(3, 4),
    "randn_float64": lambda L: L.randn(2, 3, dtype=L.float64),
    "rand_like": lambda L: L.rand_like(L.zeros(5)),
    "randn_like": lambda L: L.randn_like(L.zeros(2, dtype=L.float64)),
    "randint_high": lambda L: L.randint(10, (4, 2)),
    "randint_low_high": lambda L: L.randint(-5, 5, (6,)),
    "randint_kw": lambda L: L.randint(low=1, high=4, size=(3,), dtype=L.int32),
    "randint_size_kw": lambda L: L.randint(2, 9, size=[2, 2]),
    "randint_float": lambda L: L.randint(3, (5,), dtype=L.float32),
    "randint_bool": lambda L: L.randint(0, 2, (5,), dtype=L.bool),
    "randint_0d": lambda L: L.randint(5, ()),
    "randint_requires_grad": lambda L: L.randint(5, (3,), dtype=L.float64, requires_grad=True),
    "randint_huge_range": lambda L: L.randint(-2**62, 2**62, (4,)),
    "randint_like": lambda L: L.randint_like(L.zeros(2, 3), 5),
    "randint_like_low": lambda L: L.randint_like(L.zeros(2, dtype=L.int32), 2, 5),
    "randperm": lambda L: L.randperm(7),
    "randperm_float": lambda L: L.randperm(5, dtype=L.float32),
    "randperm_int32": lambda L: L.randperm(5, dtype=L.int32),
    "randperm_empty": lambda L: L.randperm(0),
    "randperm_requires_grad": lambda L: L.randperm(3, dtype=L.float64, requires_grad=True),
    "normal_numbers": lambda L: L.normal(2.0, 3.0, (4, 5)),
    "normal_numbers_kw": lambda L: L.normal(0.0, 1.0, size=(3,), dtype=L.float64),
    "normal_numbers_requires_grad": lambda L: L.normal(0, 1, (3,), requires_grad=True),
    "normal_tensors_bcast": lambda L: L.normal(L.zeros(3, 1), L.ones(2)),
    "normal_tensor_mean": lambda L: L.normal(L.arange(4.0), 0.5),
    "normal_tensor_mean_default_std": lambda L: L.normal(L.zeros(2)),
    "normal_tensor_std": lambda L: L.normal(1.0, L.ones(3, dtype=L.float64)),
    "normal_mean_dtype_wins": lambda L: L.normal(L.zeros(3), L.ones(3, dtype=L.float64)),
    "normal_mean_requires_grad": lambda L: L.normal(L.zeros(3, requires_grad=True), 1.0),
    "normal_std_requires_grad": lambda L: L.normal(0.0, L.ones(3, requires_grad=True)),
    "normal_both_require_grad": lambda L: L.normal(L.zeros(2, requires_grad=True),
                                                   L.ones(2, requires_grad=True)),
    "bernoulli": lambda L: L.bernoulli(L.full((5,), 0.5)),
    "bernoulli_method": lambda L: L.full((5,), 0.5, dtype=L.float64).bernoulli(),
    "bernoulli_p": lambda L: L.bernoulli(L.zeros(2, 3), 0.3),
    "bernoulli_p_int": lambda L: L.bernoulli(L.zeros(4, dtype=L.int64), 0.5),
    "bernoulli_requires_grad": lambda L: L.bernoulli(L.full((3,), 0.5, requires_grad=True)),
    "bernoulli_p_requires_grad": lambda L: L.bernoulli(L.full((3,), 0.5, requires_grad=True), 0.5),
    "uniform_": lambda L: inplace(L, "uniform_", 2, 3),
    "uniform_default": lambda L: L.zeros(2, 3).uniform_(),
    "uniform_view": lambda L: inplace(L, "t", shape=(2, 3)).uniform_(),
    "normal_": lambda L: inplace(L, "normal_", 1, 2),
    "normal_default": lambda L: L.zeros(3, dtype=L.float64).normal_(),
    "bernoulli_": lambda L: inplace(L, "bernoulli_", 0.3),
    "bernoulli_default": lambda L: L.zeros(4, dtype=L.int64).bernoulli_(),
    "bernoulli_tensor_p_": lambda L: inplace(L, "bernoulli_", L.full((3,), 0.4, requires_grad=True),
                                             shape=(2, 3)),
}


def as_numpy(t):
    return t.detach().numpy().copy()


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_shape_dtype_and_node_like_torch(name):
    t, c = SAMPLERS[name](torch), SAMPLERS[name](cgrad)
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert c.requires_grad == t.requires_grad
    assert (c.grad_fn.name() if c.grad_fn else None) == (t.grad_fn.name() if t.grad_fn else None)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_reseeding_repeats_the_draws(name):
    cgrad.manual_seed(123)
    first = as_numpy(SAMPLERS[name](cgrad))
    cgrad.manual_seed(123)
    np.testing.assert_array_equal(as_numpy(SAMPLERS[name](cgrad)), first)


def test_one_seed_fixes_the_whole_sequence():
    def run(seed):
        cgrad.manual_seed(seed)
        return np.concatenate([as_numpy(SAMPLERS[n](cgrad)).astype(np.float64).ravel()
                               for n in sorted(SAMPLERS)])
    a = run(7)
    np.testing.assert_array_equal(run(7), a)
    assert not np.array_equal(run(8), a)


@pytest.mark.parametrize("make,leaves", [
    (lambda L, m: L.normal(m, 1.0), lambda L: [L.zeros(2, 3, requires_grad=True)]),
    (lambda L, s: L.normal(0.0, s), lambda L: [L.ones(3, dtype=L.float64, requires_grad=True)]),
    (lambda L, m, s: L.normal(m, s), lambda L: [L.zeros(3, 1, requires_grad=True),
                                                L.ones(2, requires_grad=True)]),
    (lambda L, p: L.bernoulli(p), lambda L: [L.full((3,), 0.5, requires_grad=True)]),
    (lambda L, x: (x * 1).uniform_(), lambda L: [L.zeros(4, requires_grad=True)]),
    (lambda L, x: (x * 1).normal_(), lambda L: [L.zeros(4, requires_grad=True)]),
    (lambda L, x: (x * 1).bernoulli_(0.5), lambda L: [L.zeros(4, requires_grad=True)]),
    (lambda L, x, p: (x * 1).bernoulli_(p), lambda L: [L.zeros(2, 3, requires_grad=True),
                                                       L.full((3,), 0.5, requires_grad=True)]),
], ids=["normal_mean", "normal_std", "normal_both", "bernoulli", "uniform_", "normal_",
        "bernoulli_", "bernoulli_tensor_p_"])
def test_gradients_are_zero_as_in_torch(make, leaves):
    for L in (torch, cgrad):
        xs = leaves(L)
        make(L, *xs).sum().backward()
        for x in xs:
            assert tuple(x.grad.shape) == tuple(x.shape)
            assert not x.grad.numpy().any()


def test_sampled_values_stay_in_range():
    cgrad.manual_seed(0)
    u = cgrad.rand(4000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    u = cgrad.zeros(4000, dtype=cgrad.float64).uniform_(2, 3).numpy()
    assert u.min() >= 2.0 and u.max() < 3.0
    assert (cgrad.zeros(3).uniform_(1.5, 1.5).numpy() == 1.5).all()
    r = cgrad.randint(-3, 1, (4000,)).numpy()
    assert set(np.unique(r)) == {-3, -2, -1, 0}
    r = cgrad.randint(-2**31, 2**31, (100,), dtype=cgrad.int32).numpy()
    assert r.dtype == np.int32
    assert (cgrad.randint(2**62, 2**62 + 3, (50,)).numpy() >= 2**62).all()
    for dtype in (cgrad.int64, cgrad.int32, cgrad.float32):
        p = cgrad.randperm(1000, dtype=dtype).numpy()
        np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    b = cgrad.bernoulli(cgrad.full((1000,), 0.5)).numpy()
    assert set(np.unique(b)) == {0.0, 1.0}
    p = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
    np.testing.assert_array_equal(cgrad.bernoulli(cgrad.tensor(p)).numpy(), p)
    assert not cgrad.zeros(5).bernoulli_(0.0).numpy().any()
    assert cgrad.zeros(5, dtype=cgrad.bool).bernoulli_(1.0).numpy().all()
    np.testing.assert_array_equal(cgrad.zeros(2, 4).bernoulli_(cgrad.tensor(p)).numpy(), [p, p])


def test_distributions():
    cgrad.manual_seed(1)
    n = 4000
    u = cgrad.rand(n, dtype=cgrad.float64).numpy()
    assert abs(u.mean() - 0.5) < 0.03 and abs(u.var() - 1 / 12) < 0.01
    z = cgrad.randn(n).numpy()
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1.0) < 0.05
    g = cgrad.normal(2.0, 3.0, (n,)).numpy()
    assert abs(g.mean() - 2.0) < 0.3 and abs(g.std() - 3.0) < 0.15
    g = cgrad.zeros(n).normal_(-1.0, 0.5).numpy()
    assert abs(g.mean() + 1.0) < 0.05 and abs(g.std() - 0.5) < 0.025
    u = cgrad.zeros(n).uniform_(-1.0, 3.0).numpy()
    assert abs(u.mean() - 1.0) < 0.1
    cols = cgrad.normal(cgrad.tensor([-5.0, 5.0]), cgrad.tensor([0.5, 2.0]).expand(n, 2)).numpy()
    np.testing.assert_allclose(cols.mean(0), [-5.0, 5.0], atol=0.15)
    np.testing.assert_allclose(cols.std(0), [0.5, 2.0], rtol=0.05)
    r = cgrad.randint(0, 10, (n,)).numpy()
    np.testing.assert_allclose(np.bincount(r, minlength=10) / n, np.full(10, 0.1), atol=0.025)
    b = cgrad.bernoulli(cgrad.zeros(n), 0.3).numpy()
    assert abs(b.mean() - 0.3) < 0.035
    b = cgrad.bernoulli(cgrad.tensor([0.1, 0.9]).expand(n, 2)).numpy()
    np.testing.assert_allclose(b.mean(0), [0.1, 0.9], atol=0.03)
    firsts = np.array([cgrad.randperm(4).numpy()[0] for _ in range(2000)])
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 2000, np.full(4, 0.25), atol=0.04)


def err(id, fn, match=None):
    return pytest.param(fn, match, id=id)


ERRORS = [
    err("randint_empty_range", lambda L: L.randint(5, 5, (3,)), "from=5 >= to=5"),
    err("randint_reversed_range", lambda L: L.randint(5, 2, (3,))),
    err("randint_bool_high", lambda L: L.randint(3, (2,), dtype=L.bool),
        "to - 1 is out of bounds for bool"),
    err("randint_bool_low", lambda L: L.randint(-1, 1, (2,), dtype=L.bool),
        "from is out of bounds for bool"),
    err("randint_int32_low", lambda L: L.randint(-2**31 - 1, 0, (2,), dtype=L.int32),
        "from is out of bounds for int"),
    err("randint_int32_high", lambda L: L.randint(0, 2**31 + 1, (2,), dtype=L.int32)),
    err("randint_size_int", lambda L: L.randint(5, 3), "must be tuple of ints, not int"),
    err("randint_float_high", lambda L: L.randint(2.5, (3,)), "must be int, not float"),
    err("randint_requires_grad", lambda L: L.randint(5, (3,), requires_grad=True),
        "floating point"),
    err("randint_no_size", lambda L: L.randint(5)),
    err("randperm_negative", lambda L: L.randperm(-1), "negative dimension"),
    err("randperm_bool", lambda L: L.randperm(3, dtype=L.bool), "'Bool'"),
    err("randperm_requires_grad", lambda L: L.randperm(3, requires_grad=True)),
    err("normal_negative_std", lambda L: L.normal(0.0, -1.0, (3,)), "std >= 0.0, but found std -1"),
    err("normal_nan_std", lambda L: L.normal(L.zeros(2), float("nan"))),
    err("normal_int_dtype", lambda L: L.normal(0.0, 1.0, (3,), dtype=L.int64), "'Long'"),
    err("normal_negative_std_tensor", lambda L: L.normal(L.zeros(3), -L.ones(3)),
        "all elements of std"),
    err("normal_int_mean", lambda L: L.normal(L.zeros(3, dtype=L.int64), 1.0)),
    err("normal_shapes", lambda L: L.normal(L.zeros(3), L.ones(2))),
    err("normal_numbers_without_size", lambda L: L.normal(0.0, 1.0)),
    err("normal_tensor_with_size", lambda L: L.normal(L.zeros(3), 1.0, (3,))),
    err("bernoulli_p_above_one", lambda L: L.bernoulli(L.tensor([0.0, 1.5]))),
    err("bernoulli_p_nan", lambda L: L.bernoulli(L.tensor([float("nan")]))),
    err("bernoulli_int_p", lambda L: L.bernoulli(L.tensor([0, 1])), "'Long'"),
    err("bernoulli_number_p", lambda L: L.bernoulli(L.zeros(2), 1.5), r"p to be in \[0, 1\]"),
    err("bernoulli_tensor_second_p", lambda L: L.bernoulli(L.zeros(2), L.zeros(2))),
    err("bernoulli_no_derivative",
        lambda L: L.bernoulli(L.ones(2, requires_grad=True), 0.5).sum().backward(),
        "derivative for aten::bernoulli is not implemented"),
    err("uniform_reversed", lambda L: L.zeros(3).uniform_(3, 2),
        r"\[from, to\) range, but found from=3 > to=2"),
    err("uniform_int", lambda L: L.zeros(3, dtype=L.int64).uniform_(), "'Long'"),
    err("uniform_infinite", lambda L: L.zeros(3).uniform_(0, float("inf")),
        "to is out of bounds for float"),
    err("uniform_float32_overflow", lambda L: L.zeros(3).uniform_(-1e39, 1),
        "from is out of bounds for float"),
    err("uniform_span_overflow", lambda L: L.zeros(3).uniform_(-3e38, 3e38), "to-from"),
    err("uniform_leaf", lambda L: L.zeros(3, requires_grad=True).uniform_(), "leaf Variable"),
    err("normal_negative_std_", lambda L: L.zeros(3).normal_(0, -2), "found std -2"),
    err("normal_int_", lambda L: L.zeros(3, dtype=L.int32).normal_(), "'Int'"),
    err("bernoulli_p_", lambda L: L.zeros(3).bernoulli_(1.5), "p=1.5"),
    err("bernoulli_tensor_p_range_", lambda L: L.zeros(3).bernoulli_(L.tensor([0.5, 2.0, 0.1]))),
    err("bernoulli_tensor_p_shape_", lambda L: L.zeros(3).bernoulli_(L.tensor([0.5, 1.0]))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)


def test_no_grad_samples_into_a_leaf():
    # nn.init's pattern: a parameter refilled under no_grad stays a leaf.
    w = cgrad.zeros(3, 4, requires_grad=True)
    with cgrad.no_grad():
        assert w.uniform_(-1, 1) is w
        w.normal_(0, 0.1)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w.detach().numpy().any()
