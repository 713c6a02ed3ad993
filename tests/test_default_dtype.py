"""get_default_dtype / set_default_dtype against torch: factories, Python floats, true
division, float functions of integers and printing follow the default, one line per case."""
import numpy as np
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


@pytest.fixture
def float64_default():
    cgrad.set_default_dtype(cgrad.float64)
    torch.set_default_dtype(torch.float64)
    yield
    cgrad.set_default_dtype(cgrad.float32)
    torch.set_default_dtype(torch.float32)


def case(id, fn):
    return pytest.param(fn, id=id)


FOLLOW_DEFAULT = [
    case("tensor_float_list", lambda L: L.tensor([1.5, 2.0])),
    case("tensor_float_scalar", lambda L: L.tensor(2.5)),
    case("tensor_empty_list", lambda L: L.tensor([])),
    case("tensor_numpy_float32_scalar", lambda L: L.tensor(np.float32(1.5))),
    case("tensor_numpy_float64_scalar", lambda L: L.tensor(np.float64(1.5))),
    case("ones", lambda L: L.ones(2, 3)),
    case("zeros", lambda L: L.zeros(2)),
    case("empty_shape", lambda L: L.empty(0, 2)),
    case("full_float", lambda L: L.full((2,), 1.5)),
    case("full_int", lambda L: L.full((2,), 3)),
    case("arange_float", lambda L: L.arange(0.5, 3)),
    case("arange_int", lambda L: L.arange(3)),
    case("eye", lambda L: L.eye(2)),
    case("linspace", lambda L: L.linspace(0.1, 0.9, 7)),
    case("logspace", lambda L: L.logspace(0.1, 0.9, 7)),
    case("legacy_Tensor", lambda L: L.Tensor([1, 2])),
    case("int_true_division", lambda L: L.tensor([1, 2]) / 2),
    case("int_times_float", lambda L: L.tensor([1, 2]) * 1.5),
    case("float32_plus_float", lambda L: L.tensor([1.0], dtype=L.float32) + 1.5),
    case("sqrt_of_int", lambda L: L.sqrt(L.tensor([4, 9]))),
    case("sigmoid_of_int", lambda L: L.tensor([0, 1]).sigmoid()),
    case("float32_mean", lambda L: L.tensor([1.0, 2.0], dtype=L.float32).mean()),
]


def values_and_dtype(t):
    return str(t.dtype).split(".")[-1], tuple(t.shape), t.detach().numpy().tolist()


@pytest.mark.parametrize("fn", FOLLOW_DEFAULT)
def test_float32_default_matches_torch(fn):
    assert values_and_dtype(fn(cgrad)) == values_and_dtype(fn(torch))


@pytest.mark.parametrize("fn", FOLLOW_DEFAULT)
def test_float64_default_matches_torch(fn, float64_default):
    assert values_and_dtype(fn(cgrad)) == values_and_dtype(fn(torch))


@pytest.mark.parametrize("fn", FOLLOW_DEFAULT)
def test_float64_default_prints_as_torch(fn, float64_default):
    assert repr(fn(cgrad)) == repr(fn(torch)).replace("torch.", "cgrad.")


def test_get_default_dtype_follows_set(float64_default):
    assert cgrad.get_default_dtype() is cgrad.float64
    cgrad.set_default_dtype(cgrad.float32)
    assert cgrad.get_default_dtype() is cgrad.float32


def test_float32_prints_its_dtype_under_float64_default(float64_default):
    assert repr(cgrad.ones(2, dtype=cgrad.float32)) == repr(
        torch.ones(2, dtype=torch.float32)).replace("torch.", "cgrad.")
    assert repr(cgrad.empty(0, dtype=cgrad.float32)) == repr(
        torch.empty(0, dtype=torch.float32)).replace("torch.", "cgrad.")


def test_optimizer_step_count_takes_the_default_dtype(float64_default):
    p = cgrad.nn.Parameter(cgrad.ones(2))
    opt = cgrad.optim.Adam([p])
    p.sum().backward()
    opt.step()
    tp = torch.nn.Parameter(torch.ones(2))
    topt = torch.optim.Adam([tp])
    tp.sum().backward()
    topt.step()
    assert (str(opt.state[p]["step"].dtype).split(".")[-1]
            == str(topt.state[tp]["step"].dtype).split(".")[-1])


ERRORS = [
    error_case("int64", lambda L: L.set_default_dtype(L.int64)),
    error_case("bool", lambda L: L.set_default_dtype(L.bool)),
    error_case("python_float", lambda L: L.set_default_dtype(float)),
    error_case("string", lambda L: L.set_default_dtype("float64")),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_set_default_dtype_errors_match_torch(fn, match):
    check_error(fn, match)
