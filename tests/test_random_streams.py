"""cgrad's CPU generator draws torch's streams (Note [Torch's CPU random streams]): after
the same seed every sampler returns torch's values exactly, bit for bit, and leaves the
generator where torch leaves it (checked by a draw after each case)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

SEEDS = [0, 1, 7, 42, 2**32 + 5, 123456789]
SIZES = [(1,), (3,), (15,), (16,), (17,), (5, 7), (33,), (2, 3, 40)]


def same_stream(make, seed):
    """make(L) after L.manual_seed(seed), then one more rand: equal bitwise in both (the
    values compared as float64 or int64, which hold every dtype's exactly)."""
    out = []
    for L in (torch, cgrad):
        L.manual_seed(seed)
        t = make(L).detach()
        wide = t.double() if t.dtype.is_floating_point else t.long()
        out.append((str(t.dtype).split(".")[-1], wide.numpy().copy(), L.rand(3).numpy().copy()))
    (t_dtype, t_val, t_after), (c_dtype, c_val, c_after) = out
    assert c_dtype == t_dtype and c_val.shape == t_val.shape
    np.testing.assert_array_equal(c_val, t_val)
    np.testing.assert_array_equal(c_after, t_after)


def dt(L, name):
    return getattr(L, name)


CASES = {
    "rand": lambda L, s, d: L.rand(*s, dtype=dt(L, d)),
    "randn": lambda L, s, d: L.randn(*s, dtype=dt(L, d)),
    "rand_like": lambda L, s, d: L.rand_like(L.zeros(*s, dtype=dt(L, d))),
    "randn_like": lambda L, s, d: L.randn_like(L.zeros(*s, dtype=dt(L, d))),
    "normal_sized": lambda L, s, d: L.normal(1.5, 0.3, s, dtype=dt(L, d)),
    "uniform_": lambda L, s, d: L.empty(*s, dtype=dt(L, d)).uniform_(-1.3, 2.9),
    "normal_": lambda L, s, d: L.empty(*s, dtype=dt(L, d)).normal_(-0.7, 2.5),
    "bernoulli_p": lambda L, s, d: L.empty(*s, dtype=dt(L, d)).bernoulli_(0.3),
    "bernoulli_tensor_p": lambda L, s, d: L.empty(*s, dtype=dt(L, d)).bernoulli_(
        (L.arange(s[-1], dtype=dt(L, d)) / s[-1])),
    "bernoulli": lambda L, s, d: L.bernoulli(L.full(s, 0.6, dtype=dt(L, d))),
    "bernoulli_number": lambda L, s, d: L.bernoulli(L.zeros(*s, dtype=dt(L, d)), 0.25),
    "randint_like": lambda L, s, d: L.randint_like(L.zeros(*s, dtype=dt(L, d)), -3, 9),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("name", sorted(CASES))
def test_floating_samplers_match_torch(name, size, dtype):
    for seed in SEEDS[:3]:
        same_stream(lambda L: CASES[name](L, size, dtype), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [16, 100, 1000, 16 * 3000 + 7])
def test_randn_large_float32_bitwise(seed, n):
    same_stream(lambda L: L.randn(n), seed)


INTS = {
    "randint_small": lambda L: L.randint(0, 10, (50,)),
    "randint_negative": lambda L: L.randint(-7, 3, (4, 5)),
    "randint_2_32": lambda L: L.randint(0, 2**32, (20,)),
    "randint_wide": lambda L: L.randint(-2**40, 2**40, (20,)),
    "randint_huge": lambda L: L.randint(-2**62, 2**62, (20,)),
    "randint_int32": lambda L: L.randint(-2**31, 2**31, (20,), dtype=L.int32),
    "randint_float": lambda L: L.randint(3, 2**33, (20,), dtype=L.float64),
    "randint_float32": lambda L: L.randint(0, 1000, (20,), dtype=L.float32),
    "randint_bool": lambda L: L.randint(0, 2, (20,), dtype=L.bool),
    "randint_high_only": lambda L: L.randint(6, (3, 3)),
    "randperm_1": lambda L: L.randperm(1),
    "randperm_10": lambda L: L.randperm(10),
    "randperm_1000": lambda L: L.randperm(1000),
    "randperm_100000": lambda L: L.randperm(100000),
    "randperm_int32": lambda L: L.randperm(50, dtype=L.int32),
    "randperm_float": lambda L: L.randperm(50, dtype=L.float32),
    "bernoulli_int64": lambda L: L.zeros(30, dtype=L.int64).bernoulli_(0.5),
    "bernoulli_bool": lambda L: L.zeros(30, dtype=L.bool).bernoulli_(0.7),
    "normal_mean_tensor": lambda L: L.normal(L.arange(20.0), 0.5),
    "normal_std_tensor": lambda L: L.normal(2.0, L.arange(20.0)),
    "normal_both": lambda L: L.normal(L.arange(6.0).reshape(2, 3), L.ones(3) * 2),
    "normal_both_small": lambda L: L.normal(L.zeros(3), L.ones(3)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(INTS))
def test_other_samplers_match_torch(name, seed):
    same_stream(INTS[name], seed)


LAYOUTS = {
    "uniform_transposed": lambda L: L.zeros(4, 6).t().uniform_(),
    "normal_transposed": lambda L: L.zeros(8, 6).t().normal_(),
    "normal_strided": lambda L: L.zeros(10, 8)[:, ::2].normal_(),
    "rand_like_transposed": lambda L: L.rand_like(L.zeros(5, 7).t()),
    "randn_like_permuted": lambda L: L.randn_like(L.zeros(2, 3, 4).permute(2, 0, 1)),
    "randn_like_sliced": lambda L: L.randn_like(L.zeros(6, 8)[:, 1:]),
    "bernoulli_transposed_p": lambda L: L.bernoulli(L.rand(4, 5).t().contiguous().t()),
    "bernoulli_number_transposed": lambda L: L.bernoulli(L.zeros(4, 5).t(), 0.5),
    "randint_like_transposed": lambda L: L.randint_like(L.zeros(4, 5).t(), 100),
    "bernoulli_tensor_p_transposed": lambda L: L.zeros(3, 4).t().bernoulli_(L.full((3,), 0.5)),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_memory_order_as_torch(name):
    for seed in SEEDS[:3]:
        same_stream(LAYOUTS[name], seed)


def test_cached_normal_survives_across_calls():
    same_stream(lambda L: L.cat([L.randn(1), L.randn(3), L.randn(1, dtype=L.float64).float()]), 3)


GENERATOR_DRAWS = [
    lambda L, g: L.rand(5, generator=g),
    lambda L, g: L.randn(5, generator=g),
    lambda L, g: L.randperm(9, generator=g),
    lambda L, g: L.randint(0, 50, (5,), generator=g),
    lambda L, g: L.empty(20).normal_(generator=g),
    lambda L, g: L.empty(20).bernoulli_(0.5, generator=g),
]


@pytest.mark.parametrize("i", range(len(GENERATOR_DRAWS)))
def test_generator_objects_match_torch(i):
    t = GENERATOR_DRAWS[i](torch, torch.Generator().manual_seed(99)).numpy()
    c = GENERATOR_DRAWS[i](cgrad, cgrad.Generator().manual_seed(99)).numpy()
    np.testing.assert_array_equal(c, t)
    # A fresh generator starts from torch's default seed.
    t = GENERATOR_DRAWS[i](torch, torch.Generator()).numpy()
    c = GENERATOR_DRAWS[i](cgrad, cgrad.Generator()).numpy()
    np.testing.assert_array_equal(c, t)


@pytest.mark.parametrize("seed", [0, 5, 2**40 + 3])
def test_state_bytes_match_torch(seed):
    for L in (torch, cgrad):
        L.manual_seed(seed)
    assert cgrad.get_rng_state().tolist() == torch.get_rng_state().tolist()
    for L in (torch, cgrad):
        L.randn(3, dtype=L.float64)  # leaves a cached normal in the state
        L.rand(700)  # wraps the twister
    assert cgrad.get_rng_state().tolist() == torch.get_rng_state().tolist()
    g = cgrad.Generator().manual_seed(seed)
    assert g.get_state().tolist() == torch.Generator().manual_seed(seed).get_state().tolist()


def test_set_state_round_trips():
    cgrad.manual_seed(11)
    cgrad.randn(1)
    state = cgrad.get_rng_state()
    first = cgrad.randn(40).tolist()
    cgrad.set_rng_state(state)
    assert cgrad.randn(40).tolist() == first
    g = cgrad.Generator()
    assert g.set_state(state) is g
    assert cgrad.randn(40, generator=g).tolist() == first
    assert g.initial_seed() == 11


@pytest.mark.parametrize("bad", [
    lambda L: L.set_rng_state(L.zeros(10, dtype=L.int64) if L is cgrad else L.zeros(10, dtype=L.uint8)),
    lambda L: L.set_rng_state(L.zeros(5056)),
    lambda L: L.set_rng_state([1, 2]),
    lambda L: L.Generator().set_state(L.zeros(5056, dtype=L.int64) if L is cgrad
                                      else L.zeros(5056, dtype=L.uint8)),
], ids=["size", "float", "list", "invalid"])
def test_state_errors_as_torch(bad):
    errors = []
    for L in (torch, cgrad):
        with pytest.raises(Exception) as e:
            bad(L)
        errors.append((type(e.value), str(e.value)))
    assert errors[1] == errors[0]


def test_generator_device_and_seed():
    g = cgrad.Generator()
    assert g.device == cgrad.device("cpu") and str(g.device) == str(torch.Generator().device)
    s = cgrad.seed()
    assert cgrad.initial_seed() == s


MORE = {
    "random_float32": lambda L: L.empty(50).random_(),
    "random_float64": lambda L: L.empty(50, dtype=L.float64).random_(),
    "random_int64": lambda L: L.empty(50, dtype=L.int64).random_(),
    "random_int32": lambda L: L.empty(50, dtype=L.int32).random_(),
    "random_bool": lambda L: L.empty(50, dtype=L.bool).random_(),
    "random_to": lambda L: L.empty(50).random_(7),
    "random_from_to": lambda L: L.empty(50, dtype=L.int64).random_(-3, 2**40),
    "random_from_to_kw": lambda L: L.empty(5, 4).t().random_(**{"from": 2, "to": 9}),
    "exponential_float32": lambda L: L.empty(50).exponential_(1.7),
    "exponential_float64": lambda L: L.empty(7, 9, dtype=L.float64).exponential_(0.3),
    "exponential_default": lambda L: L.empty(20).exponential_(),
    "multinomial_replacement": lambda L: L.multinomial(L.tensor([0.1, 0.5, 0.2, 0.2]), 100, True),
    "multinomial_replacement_2d": lambda L: L.multinomial(L.rand(3, 7) ** 3, 50, True),
    "multinomial_replacement_float64": lambda L: L.multinomial(L.rand(3, 7, dtype=L.float64), 50,
                                                               replacement=True),
    "multinomial_replacement_many": lambda L: L.multinomial(L.rand(1000) ** 4, 2000, True),
    "multinomial": lambda L: L.multinomial(L.tensor([0.1, 0.5, 0.2, 0.2]), 3),
    "multinomial_2d": lambda L: L.multinomial(L.rand(4, 30), 10),
    "multinomial_all": lambda L: L.multinomial(L.rand(2, 300, dtype=L.float64), 300),
    "multinomial_one": lambda L: L.multinomial(L.rand(4, 30), 1),
    "multinomial_one_replacement": lambda L: L.multinomial(L.rand(4, 30), 1, True),
    "multinomial_method": lambda L: L.rand(5).multinomial(4),
    "multinomial_zeros": lambda L: L.multinomial(L.tensor([0.0, 1.0, 0.0, 2.0]), 2),
}


@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("name", sorted(MORE))
def test_random_exponential_multinomial_match_torch(name, seed):
    same_stream(MORE[name], seed)


@pytest.mark.parametrize("make", [
    lambda L, x: x.random_(), lambda L, x: x.random_(5), lambda L, x: x.random_(1, 5),
    lambda L, x: x.exponential_(),
], ids=["random_", "random_to", "random_from_to", "exponential_"])
def test_in_place_nodes_as_torch(make):
    names = [make(L, L.zeros(3, requires_grad=True) * 1).grad_fn.name() for L in (torch, cgrad)]
    assert names[1] == names[0]


def test_fork_rng_restores_the_state():
    for L in (torch, cgrad):
        L.manual_seed(1)
        with L.random.fork_rng():
            inside = L.rand(3).tolist()
        assert L.rand(3).tolist() == inside
        with L.random.fork_rng(enabled=False):
            L.rand(3)
        assert L.rand(3).tolist() != inside
    assert cgrad.random.initial_seed() == torch.random.initial_seed()


from error_parity import check_error  # noqa: E402

ERRORS = [
    lambda L: L.empty(3).exponential_(0),
    lambda L: L.empty(3).exponential_(-1),
    lambda L: L.empty(3, dtype=L.int64).exponential_(),
    lambda L: L.empty(3).random_(5, 2),
    lambda L: L.empty(3).random_(0),
    lambda L: L.empty(3, dtype=L.bool).random_(0, 3),
    lambda L: L.multinomial(L.ones(3), 4),
    lambda L: L.multinomial(L.ones(3, dtype=L.int64), 2),
    lambda L: L.multinomial(L.ones(2, 2, 2), 2),
    lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1),
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 2, True),
    lambda L: L.multinomial(L.tensor([1.0, float("inf")]), 2, True),
    lambda L: L.multinomial(L.tensor([1.0, -1.0]), 2, True),
    lambda L: L.multinomial(L.ones(3), 0),
]


@pytest.mark.parametrize("fn", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_torch(fn):
    check_error(fn)


# ---- float16, bfloat16 and the small integers (Note [Torch's CPU random streams]) ----

SMALL_MORE = {
    "random_float16": lambda L: L.empty(60, dtype=L.float16).random_(),
    "random_bfloat16": lambda L: L.empty(60, dtype=L.bfloat16).random_(),
    "random_uint8": lambda L: L.empty(60, dtype=L.uint8).random_(),
    "random_int8": lambda L: L.empty(60, dtype=L.int8).random_(),
    "random_int16": lambda L: L.empty(60, dtype=L.int16).random_(),
    "random_to_int8": lambda L: L.empty(60, dtype=L.int8).random_(-100, 120),
    "randint_uint8": lambda L: L.randint(0, 256, (40,), dtype=L.uint8),
    "randint_int16": lambda L: L.randint(-300, 3000, (40,), dtype=L.int16),
    "randint_float16": lambda L: L.randint(-2000, 2048, (40,), dtype=L.float16),
    "bernoulli_int8": lambda L: L.zeros(30, dtype=L.int8).bernoulli_(0.4),
    # (about 1 draw in 512 rounds up to `to`: torch gives `from` there)
    "uniform_bfloat16_rounding_up": lambda L: L.empty(4000, dtype=L.bfloat16).uniform_(0, 1),
    "exponential_float16": lambda L: L.empty(40, dtype=L.float16).exponential_(2.5),
    "exponential_bfloat16": lambda L: L.empty(40, dtype=L.bfloat16).exponential_(),
    "normal_tensors_float16": lambda L: L.normal(L.arange(20.0).half(), L.ones(20).half()),
    "dropout_bfloat16": lambda L: L.nn.functional.dropout(L.ones(40, dtype=L.bfloat16), 0.3),
    "multinomial_float16": lambda L: L.multinomial(L.rand(3, 30).half(), 10),
    "multinomial_bfloat16_replacement": lambda L: L.multinomial(L.rand(30).bfloat16(), 40, True),
    "randperm_float16": lambda L: L.randperm(2049, dtype=L.float16),
    "randperm_bfloat16": lambda L: L.randperm(3000, dtype=L.bfloat16),  # rounded, as torch's
    "randperm_uint8": lambda L: L.randperm(256, dtype=L.uint8),
    "randperm_int8": lambda L: L.randperm(128, dtype=L.int8),
    "randperm_int16": lambda L: L.randperm(32768, dtype=L.int16),
    "randperm_int8_empty": lambda L: L.randperm(0, dtype=L.int8),
}


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("name", sorted(SMALL_MORE))
def test_small_dtype_samplers_match_torch(name, seed):
    same_stream(SMALL_MORE[name], seed)


@pytest.mark.parametrize("fn", [
    lambda L: L.randint(-200, 5, (3,), dtype=L.int8),
    lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
    lambda L: L.randint(-1, 3, (3,), dtype=L.uint8),
    lambda L: L.randint(0, 2**17, (3,), dtype=L.int16),
    lambda L: L.randint(0, 2**20, (3,), dtype=L.float16),
    lambda L: L.empty(3, dtype=L.float16).uniform_(0, 1e5),
    lambda L: L.empty(3, dtype=L.float16).uniform_(-4e4, 4e4),
    lambda L: L.empty(3, dtype=L.int8).exponential_(),
    lambda L: L.nn.functional.dropout(L.ones(3, dtype=L.int8), 0.5),
    lambda L: L.randperm(2050, dtype=L.float16),
    lambda L: L.randperm(257, dtype=L.uint8),
    lambda L: L.randperm(129, dtype=L.int8),
    lambda L: L.randperm(32769, dtype=L.int16),
    lambda L: L.randperm(-1, dtype=L.uint8),
    lambda L: L.randperm(-2, dtype=L.bool),
    lambda L: L.randperm(3, dtype=L.bool),
], ids=range(16))
def test_small_dtype_sampling_errors_as_torch(fn):
    check_error(fn)
