"""unique and unique_consecutive against PyTorch, one line per case: values, inverse and
counts (dtypes, shapes, NaN and signed-zero handling, empty and 0-d inputs), the nodes
whose backward raises, and torch's errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, H, I, R, T, case, check  # noqa: E402

F64 = np.float64
NAN = np.nan


def arr(x, dtype=np.float32):
    return np.asarray(x, dtype=dtype)


ALL = dict(return_inverse=True, return_counts=True)
# Rows repeated, with ties broken in later columns.
ROWS = arr([[1, 2, 0], [0, 5, 1], [1, 2, 0], [1, 1, 3], [0, 5, 1]])

CASES = [
    # ---- unique over elements ----
    case("unique", lambda L, a: L.unique(a), H(4, 5)),
    case("unique_method", lambda L, a: a.unique(), H(4, 5)),
    case("unique_inverse", lambda L, a: L.unique(a, return_inverse=True), H(4, 5)),
    case("unique_counts", lambda L, a: L.unique(a, return_counts=True), H(4, 5)),
    case("unique_all", lambda L, a: L.unique(a, **ALL), H(3, 4, 2)),
    case("unique_positional", lambda L, a: L.unique(a, False, True, True), H(3, 4)),
    case("unique_method_all", lambda L, a: a.unique(sorted=False, **ALL), H(6, 7)),
    case("unique_unsorted_still_sorted", lambda L, a: L.unique(a, sorted=False, **ALL), I(50)),
    case("unique_int", lambda L, a: L.unique(a, **ALL), I(4, 6)),
    # Small dtypes are grouped widened (Note [Small dtypes]); bfloat16 has no numpy dtype,
    # so its values are compared through float32 and its dtype in test_unique_small_dtypes.
    case("unique_float16", lambda L, a: L.unique(a.half(), **ALL),
         arr([1.5, -0.0, 0.0, NAN, 1.5, 2])),
    case("unique_bfloat16", lambda L, a: tuple(t.float() if t.is_floating_point() else t
                                                for t in L.unique(a.bfloat16(), **ALL)), H(4, 5)),
    case("unique_dim_float16", lambda L, a: L.unique(a.half(), dim=0, **ALL), ROWS),
    case("unique_consecutive_int8", lambda L, a: L.unique_consecutive(a.to(L.int8), **ALL), I(30)),
    case("unique_consecutive_dim_uint8", lambda L, a: L.unique_consecutive(a.to(L.uint8), dim=0),
         ROWS),
    case("unique_int16", lambda L, a: L.unique(a.to(L.int16), **ALL), I(4, 6)),
    case("unique_int32", lambda L, a: L.unique(a, **ALL), I(30, dtype=np.int32)),
    case("unique_bool", lambda L, a: L.unique(a, **ALL), B(3, 5)),
    case("unique_bool_one_value", lambda L, a: L.unique(a, **ALL), np.ones(4, np.bool_)),
    case("unique_f64_strided", lambda L, a: L.unique(a, **ALL), T(H(5, 3, dtype=F64))),
    case("unique_nan", lambda L, a: L.unique(a, **ALL), arr([3, NAN, 1, NAN, 3, -np.inf, np.inf])),
    case("unique_nan_long", lambda L, a: L.unique(a, **ALL),
         np.where(R(500) > 1.5, NAN, H(500)).astype(np.float32)),
    case("unique_signed_zero_short", lambda L, a: L.unique(a), arr([-0.0, 0.0, 1.0, -0.0])),
    case("unique_signed_zero_long", lambda L, a: L.unique(a).sign(),
         np.where(R(300) > 0, -0.0, 0.0).astype(np.float32)),
    case("unique_0d", lambda L, a: L.unique(a, **ALL), R()),
    case("unique_empty", lambda L, a: L.unique(a, **ALL), np.zeros((2, 0), np.float32)),
    case("unique_large", lambda L, a: L.unique(a, **ALL), I(5000, low=0, high=300)),
    # ---- unique along a dim ----
    case("unique_dim0", lambda L, a: L.unique(a, dim=0, **ALL), ROWS),
    case("unique_dim1", lambda L, a: L.unique(a, dim=1, **ALL), ROWS.T.copy()),
    case("unique_dim_negative", lambda L, a: a.unique(dim=-2, return_inverse=True), ROWS),
    case("unique_dim_3d", lambda L, a: L.unique(a, dim=1, **ALL), I(2, 6, 2, low=0, high=2)),
    case("unique_dim_values_only", lambda L, a: L.unique(a, dim=0), I(20, 2, low=0, high=3)),
    case("unique_dim_many_rows", lambda L, a: L.unique(a, dim=0, **ALL), I(200, 3, low=0, high=3)),
    case("unique_dim_1d", lambda L, a: L.unique(a, dim=0, **ALL), H(9)),
    case("unique_dim_bool", lambda L, a: L.unique(a, dim=0, **ALL), B(8, 2)),
    case("unique_dim_strided", lambda L, a: L.unique(a, dim=0, **ALL), T(I(3, 7, low=0, high=2))),
    case("unique_dim_nan_rows", lambda L, a: L.unique(a, dim=0, **ALL),
         arr([[NAN, 2], [NAN, 1], [0, 5], [1, NAN], [1, NAN], [0, 5]])),
    case("unique_dim_nan_1d", lambda L, a: L.unique(a, dim=0, **ALL), arr([3, 1, 2, 1, NAN, NAN, 3])),
    case("unique_dim_nan_long", lambda L, a: L.unique(a, dim=0, **ALL),
         np.where(R(60, 2) > 1.2, NAN, H(60, 2)).astype(np.float32)),
    case("unique_dim_signed_zero", lambda L, a: L.unique(a, dim=0).sign(),
         arr([[0.0, 1], [-0.0, 1], [-0.0, 0]])),
    case("unique_dim_empty_selected", lambda L, a: L.unique(a, dim=0, **ALL), np.zeros((0, 3), np.float32)),
    case("unique_dim_empty_selected_1", lambda L, a: L.unique(a, dim=1, **ALL), np.zeros((2, 0), np.float32)),
    # ---- unique_consecutive ----
    case("unique_consecutive", lambda L, a: L.unique_consecutive(a), arr([1, 1, 2, 2, 3, 1, 1, 2])),
    case("unique_consecutive_all", lambda L, a: L.unique_consecutive(a, **ALL), H(3, 8)),
    case("unique_consecutive_method", lambda L, a: a.unique_consecutive(return_counts=True), I(40, low=0, high=2)),
    case("unique_consecutive_positional", lambda L, a: L.unique_consecutive(a, True, True), I(3, 9, low=0, high=2)),
    case("unique_consecutive_bool", lambda L, a: L.unique_consecutive(a, **ALL), B(12)),
    case("unique_consecutive_nan", lambda L, a: L.unique_consecutive(a, **ALL), arr([NAN, NAN, 1, 1, -0.0, 0.0])),
    case("unique_consecutive_strided", lambda L, a: L.unique_consecutive(a, **ALL), T(I(4, 5, low=0, high=2))),
    case("unique_consecutive_0d", lambda L, a: L.unique_consecutive(a, **ALL), R()),
    case("unique_consecutive_empty", lambda L, a: L.unique_consecutive(a, **ALL), np.zeros((0,), np.int32)),
    case("unique_consecutive_dim0", lambda L, a: L.unique_consecutive(a, dim=0, **ALL), ROWS),
    case("unique_consecutive_dim1", lambda L, a: a.unique_consecutive(dim=1, **ALL), I(2, 9, low=0, high=2)),
    case("unique_consecutive_dim_nan", lambda L, a: L.unique_consecutive(a, dim=0, **ALL),
         arr([[1, NAN], [1, NAN], [2, 2], [2, 2]])),
    case("unique_consecutive_dim_empty", lambda L, a: L.unique_consecutive(a, dim=0, **ALL),
         np.zeros((0, 2), np.float32)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    # grad=False: the values' backward raises in both (test_backward_raises_as_torch).
    check(fn, *inputs, grad=False)


NODES = [
    ("unique", lambda L, x: L.unique(x, return_inverse=True)),
    ("unique_method", lambda L, x: x.unique(return_counts=True)),
    ("unique_dim", lambda L, x: L.unique(x, dim=1, **ALL)),
    ("unique_consecutive", lambda L, x: L.unique_consecutive(x, **ALL)),
    ("unique_consecutive_dim", lambda L, x: L.unique_consecutive(x, dim=0)),
]


@pytest.mark.parametrize("fn", [f for _, f in NODES], ids=[n for n, _ in NODES])
def test_backward_raises_as_torch(fn):
    data = H(3, 4)
    seen = []
    for lib in (torch, cgrad):
        out = fn(lib, lib.tensor(data, requires_grad=True))
        outs = out if isinstance(out, tuple) else (out,)
        assert type(out) is tuple or len(outs) == 1
        with pytest.raises(NotImplementedError) as raised:
            outs[0].sum().backward()
        seen.append((outs[0].grad_fn.name(), [o.requires_grad for o in outs], str(raised.value)))
    assert seen[0] == seen[1]


def test_no_node_without_grad():
    x = cgrad.tensor([1.0, 2.0], requires_grad=True)
    with cgrad.no_grad():
        assert cgrad.unique(x).grad_fn is None
    assert cgrad.unique(x.long()).grad_fn is None


def test_random_nan_groups_match_torch():
    # NaNs are each their own value; their inverse follows torch's sort order, which past
    # 16 elements is not input order.
    rng = np.random.default_rng(7)
    for trial in range(30):
        n = int(rng.integers(1, 400))
        x = rng.integers(0, 4, n).astype(np.float32)
        x[rng.random(n) < 0.2] = NAN
        x[rng.random(n) < 0.2] = -0.0
        ours = cgrad.unique(cgrad.tensor(x), **ALL)
        theirs = torch.unique(torch.tensor(x), **ALL)
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy(), err_msg=f"trial {trial}")
        np.testing.assert_array_equal(np.signbit(ours[0].numpy()), np.signbit(theirs[0].numpy()))


ERRORS = [
    error_case("unique_dim_0d", lambda L: L.unique(L.tensor(5.0), dim=0)),
    error_case("unique_dim_0d_negative", lambda L: L.unique(L.tensor(5.0), dim=-1)),
    error_case("unique_dim_out_of_range", lambda L: L.unique(L.zeros(2, 3), dim=2)),
    error_case("unique_dim_out_of_range_negative", lambda L: L.unique(L.zeros(2, 3), dim=-3)),
    error_case("unique_dim_zero_sized_other", lambda L: L.unique(L.zeros(2, 0), dim=0)),
    error_case("unique_dim_two_zero_sized", lambda L: L.unique(L.zeros(0, 0), dim=0)),
    error_case("unique_dim_str", lambda L: L.unique(L.zeros(3), dim="x"), "must be int"),
    error_case("unique_sorted_str", lambda L: L.unique(L.zeros(3), sorted="x"), "must be bool"),
    error_case("unique_input_list", lambda L: L.unique([1, 2]), "must be Tensor, not list"),
    error_case("unique_consecutive_dim_0d", lambda L: L.unique_consecutive(L.tensor(5.0), dim=0)),
    error_case("unique_consecutive_dim_out_of_range", lambda L: L.unique_consecutive(L.zeros(2, 3), dim=2)),
    error_case("unique_consecutive_zero_sized_other", lambda L: L.unique_consecutive(L.zeros(2, 0), dim=0)),
    error_case("unique_method_unknown_keyword", lambda L: L.zeros(3).unique(foo=1), "unexpected keyword"),
    error_case("unique_out", lambda L: L.unique(L.zeros(3), out=L.zeros(3)), "unexpected keyword"),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int8", "uint8", "int16"])
def test_unique_small_dtypes(dtype):
    for lib in (torch, cgrad):
        values = lib.unique(lib.tensor([3.0, 1.0, 3.0]).to(getattr(lib, dtype)))
        assert str(values.dtype).split(".")[-1] == dtype
        assert values.tolist() == [1, 3]
