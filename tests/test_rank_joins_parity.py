"""ravel, atleast_1d/2d/3d, the joins made of cat (hstack, vstack, row_stack, dstack,
column_stack) and block_diag against PyTorch, one line per case: values, dtypes, the node
torch records (ViewBackward0, UnsqueezeBackward0, CatBackward0, BlockDiagBackward0),
gradients and errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, R, T, case, check  # noqa: E402

JOINS = ["hstack", "vstack", "row_stack", "dstack", "column_stack"]


def join(name):
    return lambda L, *ts: getattr(L, name)(list(ts))


CASES = [
    case("ravel", lambda L, a: a.ravel(), R(2, 3)),
    case("ravel_fn_transposed", lambda L, a: L.ravel(a.t()), R(2, 3)),
    case("ravel_strided", lambda L, a: a.ravel(), T(R(3, 4))),
    case("ravel_0d", lambda L, a: L.ravel(a), R()),
    case("ravel_int", lambda L, a: a.ravel(), I(2, 2)),
    case("atleast_1d_0d", lambda L, a: L.atleast_1d(a), R()),
    case("atleast_2d_0d", lambda L, a: L.atleast_2d(a), R()),
    case("atleast_2d_1d", lambda L, a: L.atleast_2d(a), R(3)),
    case("atleast_3d_0d", lambda L, a: L.atleast_3d(a), R()),
    case("atleast_3d_1d", lambda L, a: L.atleast_3d(a), R(3)),
    case("atleast_3d_2d", lambda L, a: L.atleast_3d(a), R(2, 3)),
    case("atleast_2d_several", lambda L, a, b, c: L.atleast_2d(a, b, c), R(), R(3), R(2, 3, 1)),
    case("atleast_3d_list", lambda L, a, b: L.atleast_3d([a, b]), R(), T(R(3, 2))),
    case("atleast_1d_tuple_of_one", lambda L, a: L.atleast_1d((a,)), R()),
]
for name in JOINS:
    CASES += [
        case(f"{name}_1d", join(name), R(3), R(3)),
        case(f"{name}_2d", join(name), R(2, 3), R(2, 3)),
        case(f"{name}_0d", join(name), R(), R()),
        case(f"{name}_3d", join(name), R(2, 3, 4), R(2, 3, 4)),
        case(f"{name}_one", join(name), R(2, 3)),
        case(f"{name}_promotes", join(name), R(2, 3, dtype=np.float64), I(2, 3)),
        case(f"{name}_transposed", join(name), T(R(3, 2)), R(2, 3)),
    ]
CASES += [
    case("hstack_columns", join("hstack"), R(2, 1), R(2, 3)),
    case("vstack_row_and_matrix", join("vstack"), R(3), R(2, 3)),
    case("dstack_matrix_and_3d", join("dstack"), R(2, 3), R(2, 3, 2)),
    case("column_stack_vector_and_matrix", join("column_stack"), R(2), R(2, 3)),
]

CASES += [
    case("block_diag", lambda L, a, b, c: L.block_diag(a, b, c), R(2, 3), R(3), R()),
    case("block_diag_one", lambda L, a: L.block_diag(a), T(R(3, 2))),
    case("block_diag_promotes", lambda L, a, b: L.block_diag(a, b), I(2), R(2, 2, dtype=np.float64)),
    case("block_diag_grad_in_input_dtype", lambda L, a, b: L.block_diag(a.double(), b), R(2, 2),
         R(1)),
    case("block_diag_empty_blocks", lambda L, a, b: L.block_diag(a, b),
         np.zeros((0, 2), np.float32), R(2, 2)),
    case("block_diag_int_and_bool", lambda L, a: L.block_diag(a, L.ones(1, dtype=L.bool)), I(2, 2)),
    case("block_diag_none", lambda L: L.block_diag()),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("lib", [torch, cgrad])
def test_atleast_returns_its_input_when_it_has_the_dims(lib):
    a, m, c = lib.ones(3), lib.ones(2, 3), lib.ones(2, 3, 4)
    assert lib.atleast_1d(a) is a and lib.atleast_2d(m) is m and lib.atleast_3d(c) is c
    assert lib.atleast_1d() == () and lib.atleast_2d([]) == ()


@pytest.mark.parametrize("lib", [torch, cgrad])
def test_ravel_of_contiguous_input_is_a_view(lib):
    x = lib.zeros(2, 3)
    x.ravel()[4] = 1.0
    assert x[1, 1].item() == 1.0


@pytest.mark.parametrize("name", JOINS)
def test_out_argument(name):
    for lib in (torch, cgrad):
        out = lib.empty(0, dtype=lib.float64)
        assert getattr(lib, name)([lib.ones(2), lib.ones(2)], out=out) is out
        assert out.dtype == lib.float64 and tuple(out.shape) == tuple(
            getattr(torch, name)([torch.ones(2), torch.ones(2)]).shape)


ERRORS = [error_case(f"{name}_empty", lambda L, name=name: getattr(L, name)([]))
          for name in JOINS]
ERRORS += [error_case(f"{name}_tensor", lambda L, name=name: getattr(L, name)(L.ones(2)))
           for name in JOINS]
ERRORS += [
    error_case("hstack_ranks", lambda L: L.hstack([L.ones(3), L.ones(2, 3)])),
    error_case("vstack_sizes", lambda L: L.vstack([L.ones(3), L.ones(2)])),
    error_case("dstack_sizes", lambda L: L.dstack([L.ones(3), L.ones(2, 3)])),
    error_case("column_stack_sizes", lambda L: L.column_stack([L.ones(3), L.ones(2, 3)])),
    error_case("vstack_out_int", lambda L: L.vstack([L.ones(3)], out=L.empty(0, dtype=L.int64))),
    error_case("atleast_1d_number", lambda L: L.atleast_1d(1.0), None),
    error_case("block_diag_3d", lambda L: L.block_diag(L.ones(2), L.ones(2, 2, 2))),
    error_case("block_diag_list", lambda L: L.block_diag([L.ones(2)])),
    error_case("block_diag_number", lambda L: L.block_diag(L.ones(2), 3)),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
