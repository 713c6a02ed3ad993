"""cgrad.Generator and `generator=` (Note [Generators]): every sampling function draws
from the generator it is given, leaving the default one alone, and repeats its draws
when the generator is reseeded. (The numbers themselves are torch's:
tests/test_random_streams.py.)"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402

# Each draws with generator=g.
DRAWS = {
    "rand": lambda L, g: L.rand(3, generator=g),
    "rand_float64": lambda L, g: L.rand(2, 2, dtype=L.float64, generator=g),
    "randn": lambda L, g: L.randn(3, generator=g),
    "rand_like": lambda L, g: L.rand_like(L.ones(3), generator=g),
    "randn_like": lambda L, g: L.randn_like(L.ones(3), generator=g),
    "randint": lambda L, g: L.randint(0, 100, (5,), generator=g),
    "randint_like": lambda L, g: L.randint_like(L.ones(5), 100, generator=g),
    "randperm": lambda L, g: L.randperm(10, generator=g),
    "normal_sized": lambda L, g: L.normal(0.0, 1.0, (3,), generator=g),
    "normal_tensors": lambda L, g: L.normal(L.zeros(3), L.ones(3), generator=g),
    "bernoulli": lambda L, g: L.bernoulli(L.full((8,), 0.5), generator=g),
    "bernoulli_method_p": lambda L, g: L.ones(8).bernoulli(0.5, generator=g),
    "uniform_": lambda L, g: L.empty(3).uniform_(generator=g),
    "normal_": lambda L, g: L.empty(3).normal_(2.0, generator=g),
    "bernoulli_": lambda L, g: L.empty(8).bernoulli_(0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_reseeding_a_generator_repeats_its_draws(name):
    for L in (torch, cgrad):
        g = L.Generator()
        first = DRAWS[name](L, g.manual_seed(7)).tolist()
        assert DRAWS[name](L, g.manual_seed(7)).tolist() == first


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_generator_leaves_the_default_one_alone(name):
    for L in (torch, cgrad):
        L.manual_seed(3)
        expected = L.rand(4).tolist()
        L.manual_seed(3)
        DRAWS[name](L, L.Generator().manual_seed(11))
        assert L.rand(4).tolist() == expected


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_generator_none_is_the_default_generator(name):
    for L in (torch, cgrad):
        L.manual_seed(5)
        first = DRAWS[name](L, None).tolist()
        L.manual_seed(5)
        assert DRAWS[name](L, None).tolist() == first


def test_generators_are_independent_streams():
    a, b = cgrad.Generator().manual_seed(1), cgrad.Generator().manual_seed(1)
    x = cgrad.rand(3, generator=a)
    cgrad.rand(3, generator=cgrad.Generator().manual_seed(99))
    assert cgrad.rand(3, generator=b).tolist() == x.tolist()


@pytest.mark.parametrize("seed", [0, 7, -1, 2**63, 2**64 - 1])
def test_seeds_as_torch_reads_them(seed):
    for_torch = torch.Generator().manual_seed(seed).initial_seed()
    assert cgrad.Generator().manual_seed(seed).initial_seed() == for_torch


def test_manual_seed_returns_the_default_generator():
    for L in (torch, cgrad):
        g = L.manual_seed(42)
        assert isinstance(g, L.Generator) and g.initial_seed() == 42 == L.initial_seed()
        assert L.default_generator.initial_seed() == 42
    assert cgrad.manual_seed(1) is cgrad.default_generator


@pytest.mark.parametrize("seed", ["7", 1.5, True])
def test_manual_seed_converts_with_int_as_torch(seed):
    assert cgrad.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()


def test_seed_picks_a_new_seed():
    g = cgrad.Generator()
    s = g.seed()
    assert g.initial_seed() == s


ERRORS = [
    error_case("generator_not_a_generator", lambda L: L.rand(2, generator=1), None),
    error_case("generator_str", lambda L: L.randn(2, generator="a"), None),
    error_case("generator_on_ones", lambda L: L.ones(2, generator=L.Generator())),
    error_case("seed_too_big", lambda L: L.Generator().manual_seed(2**64)),
    error_case("seed_str", lambda L: L.manual_seed("a")),
    error_case("generator_seed_str", lambda L: L.Generator().manual_seed("7")),
    error_case("generator_seed_float", lambda L: L.Generator().manual_seed(1.5)),
    error_case("seed_below_int64", lambda L: L.manual_seed(-2**63 - 1)),
    error_case("generator_device", lambda L: L.Generator("cuda"), None),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
