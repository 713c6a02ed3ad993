"""meshgrid, cartesian_prod, as_tensor, asarray, empty_strided, tril_indices and triu_indices against torch:
values, dtypes, strides, memory sharing, grad_fn names, gradients and errors, one line per
case."""
import warnings

import numpy as np
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def same(c, t):
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == tuple(t.shape)
    assert c.stride() == t.stride()
    assert c.requires_grad == t.requires_grad
    assert type(c.grad_fn).__name__ == type(t.grad_fn).__name__
    np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())


def case(id, fn):
    return pytest.param(fn, id=id)


A, B, C = np.array([1., 2., 3.], np.float32), np.array([4., 5.], np.float32), np.array([7., 8., 9., 10.], np.float32)


def leaves(L, *arrays):
    return [L.tensor(a, requires_grad=True) for a in arrays]


MESHGRIDS = [
    case("ij_two", lambda L: L.meshgrid(*leaves(L, A, B), indexing="ij")),
    case("xy_two", lambda L: L.meshgrid(*leaves(L, A, B), indexing="xy")),
    case("ij_three", lambda L: L.meshgrid(*leaves(L, A, B, C), indexing="ij")),
    case("xy_three", lambda L: L.meshgrid(*leaves(L, A, B, C), indexing="xy")),
    case("list_arg", lambda L: L.meshgrid(leaves(L, A, B), indexing="ij")),
    case("tuple_arg", lambda L: L.meshgrid(tuple(leaves(L, A, B)), indexing="xy")),
    case("one", lambda L: L.meshgrid(*leaves(L, A), indexing="xy")),
    case("zero_dim", lambda L: L.meshgrid(L.tensor(1.), *leaves(L, B), indexing="ij")),
    case("int", lambda L: L.meshgrid(L.arange(3), L.arange(2), indexing="xy")),
    case("empty", lambda L: L.meshgrid(L.zeros(0), *leaves(L, B), indexing="ij")),
]


@pytest.mark.parametrize("fn", MESHGRIDS)
def test_meshgrid(fn):
    c, t = fn(cgrad), fn(torch)
    assert type(c) is tuple and len(c) == len(t)
    for cg, tg in zip(c, t):
        same(cg, tg)
        assert (cg._base is not None) == (tg._base is not None)
    if any(g.requires_grad for g in t):
        weights = [np.arange(g.numel(), dtype=np.float32).reshape(tuple(g.shape)) for g in t]
        sum(g.mul(torch.tensor(w)).sum() for g, w in zip(t, weights) if g.requires_grad).backward()
        sum(g.mul(cgrad.tensor(w)).sum() for g, w in zip(c, weights) if g.requires_grad).backward()
        for cg, tg in zip(c, t):
            if tg.requires_grad:
                base_c = cg.grad_fn.next_functions[0][0].next_functions[0][0].variable
                base_t = tg.grad_fn.next_functions[0][0].next_functions[0][0].variable
                np.testing.assert_allclose(base_c.grad.numpy(), base_t.grad.numpy())


def test_meshgrid_gradcheck():
    a = cgrad.tensor(A.astype(np.float64), requires_grad=True)
    b = cgrad.tensor(B.astype(np.float64), requires_grad=True)
    assert cgrad.autograd.gradcheck(lambda x, y: cgrad.meshgrid(x, y, indexing="xy"), (a, b))
    assert cgrad.autograd.gradcheck(lambda x, y: cgrad.meshgrid(x, y, indexing="ij"), (a, b))


def test_meshgrid_warns_without_indexing_as_torch():
    for lib in (torch, cgrad):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            grids = lib.meshgrid(lib.ones(2), lib.ones(3))
        assert [w.category for w in seen] == [UserWarning]
        assert tuple(grids[0].shape) == (2, 3)


CARTESIAN_PRODS = [  # (inputs, whether they require grad)
    pytest.param((A, B), True, id="two"),
    pytest.param((A, B, C), True, id="three"),
    pytest.param((B,), True, id="one"),
    pytest.param((np.array([1, 2]), np.array([3, 4, 5])), False, id="ints"),
    pytest.param((A, np.zeros(0, np.float32)), False, id="empty"),
]


@pytest.mark.parametrize("arrays, grad", CARTESIAN_PRODS)
def test_cartesian_prod(arrays, grad):
    results = {}
    for lib in (torch, cgrad):
        inputs = leaves(lib, *arrays) if grad else [lib.tensor(a) for a in arrays]
        out = lib.cartesian_prod(*inputs)
        if grad:
            weights = np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape))
            out.mul(lib.tensor(weights)).sum().backward()
        results[lib] = out, inputs
    (c, c_in), (t, t_in) = results[cgrad], results[torch]
    same(c, t)
    for ci, ti in zip(c_in, t_in):
        if grad:
            np.testing.assert_allclose(ci.grad.numpy(), ti.grad.numpy())


def test_cartesian_prod_of_one_tensor_is_that_tensor():
    a = cgrad.ones(3)
    assert cgrad.cartesian_prod(a) is a and torch.cartesian_prod(torch.ones(3)) is not None


def test_cartesian_prod_gradcheck():
    a = cgrad.tensor(A.astype(np.float64), requires_grad=True)
    b = cgrad.tensor(B.astype(np.float64), requires_grad=True)
    assert cgrad.autograd.gradcheck(cgrad.cartesian_prod, (a, b))


CARTESIAN_PROD_ERRORS = [
    error_case("none", lambda L: L.cartesian_prod()),
    error_case("two_dims", lambda L: L.cartesian_prod(L.ones(2, 2))),
    error_case("zero_dims", lambda L: L.cartesian_prod(L.tensor(1.0))),
    error_case("dtypes", lambda L: L.cartesian_prod(L.ones(2), L.ones(2, dtype=L.int64))),
    error_case("list", lambda L: L.cartesian_prod([L.ones(2), L.ones(2)])),
]


@pytest.mark.parametrize("fn, match", CARTESIAN_PROD_ERRORS)
def test_cartesian_prod_errors(fn, match):
    check_error(fn, match)


MESHGRID_ERRORS = [
    error_case("bad_indexing", lambda L: L.meshgrid(L.ones(2), L.ones(2), indexing="foo"), r'meshgrid: indexing must be one of "xy" or "ij", but received: foo'),
    error_case("two_dims", lambda L: L.meshgrid(L.ones(2, 2), L.ones(2), indexing="ij"), r"meshgrid: Expected 0D or 1D tensor in the tensor list but got"),
    error_case("dtypes", lambda L: L.meshgrid(L.ones(2), L.ones(2, dtype=L.float64), indexing="ij")),
    error_case("none", lambda L: L.meshgrid(indexing="ij")),
    error_case("ints", lambda L: L.meshgrid([1, 2], indexing="ij")),
    error_case("nested", lambda L: L.meshgrid((L.ones(1), L.ones(1)), L.ones(1), indexing="ij")),
]


@pytest.mark.parametrize("fn, match", MESHGRID_ERRORS)
def test_meshgrid_errors(fn, match):
    check_error(fn, match)


# ---- as_tensor / asarray ----

CONVERSIONS = [
    case("as_tensor_list", lambda L, x: L.as_tensor([1, 2])),
    case("as_tensor_float", lambda L, x: L.as_tensor(3.0)),
    case("as_tensor_list_dtype", lambda L, x: L.as_tensor([1, 2], dtype=L.float64)),
    case("as_tensor_numpy", lambda L, x: L.as_tensor(x)),
    case("as_tensor_numpy_dtype", lambda L, x: L.as_tensor(x, dtype=L.float32)),
    case("as_tensor_numpy_cpu", lambda L, x: L.as_tensor(x, device="cpu")),
    case("as_tensor_tensors", lambda L, x: L.as_tensor([L.tensor(1.), L.tensor(2.)])),
    case("asarray_list", lambda L, x: L.asarray([1., 2.])),
    case("asarray_int", lambda L, x: L.asarray(3)),
    case("asarray_numpy_scalar", lambda L, x: L.asarray(np.float64(2.0))),
    case("asarray_numpy", lambda L, x: L.asarray(x)),
    case("asarray_numpy_copy", lambda L, x: L.asarray(x, copy=True)),
    case("asarray_numpy_dtype", lambda L, x: L.asarray(x, dtype=L.float32)),
    case("asarray_requires_grad", lambda L, x: L.asarray([1., 2.], requires_grad=True)),
    case("asarray_numpy_requires_grad", lambda L, x: L.asarray(x, requires_grad=True)),
]


@pytest.mark.parametrize("fn", CONVERSIONS)
def test_conversions(fn):
    xc, xt = np.arange(4.0).reshape(2, 2), np.arange(4.0).reshape(2, 2)
    c, t = fn(cgrad, xc), fn(torch, xt)
    same(c, t)
    xc[0, 0], xt[0, 0] = 50.0, 50.0  # shared memory shows through, copies do not
    same(c, t)


TENSOR_CONVERSIONS = [
    case("as_tensor_same", lambda L, t: L.as_tensor(t)),
    case("as_tensor_same_dtype", lambda L, t: L.as_tensor(t, dtype=L.float32)),
    case("as_tensor_other_dtype", lambda L, t: L.as_tensor(t, dtype=L.float64)),
    case("asarray_same", lambda L, t: L.asarray(t)),
    case("asarray_copy", lambda L, t: L.asarray(t, copy=True)),
    case("asarray_dtype", lambda L, t: L.asarray(t, dtype=L.float64)),
    case("asarray_no_copy", lambda L, t: L.asarray(t, copy=False)),
    case("asarray_requires_grad_false", lambda L, t: L.asarray(t, requires_grad=False)),
]


@pytest.mark.filterwarnings("ignore:.*asarray. unspecified requires_grad")
@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("fn", TENSOR_CONVERSIONS)
def test_tensor_conversions(fn, requires_grad):
    sc = cgrad.tensor([1., 2.], requires_grad=requires_grad)
    st = torch.tensor([1., 2.], requires_grad=requires_grad)
    c, t = fn(cgrad, sc), fn(torch, st)
    same(c, t)
    assert (c is sc) == (t is st)
    assert (c.data_ptr() == sc.data_ptr()) == (t.data_ptr() == st.data_ptr())
    assert sc.requires_grad == st.requires_grad


def test_asarray_warns_for_a_tensor_requiring_grad_as_torch():
    for lib in (torch, cgrad):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lib.asarray(lib.ones(2, requires_grad=True))
            lib.asarray(lib.ones(2, requires_grad=True), requires_grad=True)
            lib.asarray(lib.ones(2))
        assert len([w for w in seen if "unspecified requires_grad" in str(w.message)]) <= 1
    with pytest.warns(UserWarning, match="unspecified requires_grad"):
        cgrad.asarray(cgrad.ones(2, requires_grad=True))


CONVERSION_ERRORS = [
    error_case("alias_numpy_dtype", lambda L: L.asarray(np.ones(2), dtype=L.float32, copy=False)),
    error_case("alias_list", lambda L: L.asarray([1, 2], copy=False)),
    error_case("alias_tensor_dtype", lambda L: L.asarray(L.ones(2), dtype=L.float64, copy=False)),
    error_case("as_tensor_str", lambda L: L.as_tensor("a")),
    error_case("asarray_str", lambda L: L.asarray("a")),
    error_case("as_tensor_requires_grad", lambda L: L.as_tensor([1, 2], requires_grad=True), r"as_tensor\(\) got an unexpected keyword argument 'requires_grad'"),
    error_case("asarray_int_requires_grad", lambda L: L.asarray([1, 2], requires_grad=True)),
]


@pytest.mark.parametrize("fn, match", CONVERSION_ERRORS)
def test_conversion_errors(fn, match):
    check_error(fn, match)


# ---- empty_strided / tril_indices / triu_indices ----

EMPTY_STRIDED = [
    case("column_major", lambda L: L.empty_strided((2, 3), (1, 2))),
    case("list_args", lambda L: L.empty_strided([2, 3], [3, 1], dtype=L.int32)),
    case("broadcast", lambda L: L.empty_strided((2, 3), (0, 1), dtype=L.float64)),
    case("empty", lambda L: L.empty_strided((2, 0), (1, 2), dtype=L.int32)),
    case("scalar", lambda L: L.empty_strided((), ())),
    case("requires_grad", lambda L: L.empty_strided((4,), (2,), requires_grad=True)),
]


@pytest.mark.parametrize("fn", EMPTY_STRIDED)
def test_empty_strided(fn):
    c, t = fn(cgrad), fn(torch)
    assert tuple(c.shape) == tuple(t.shape) and c.stride() == t.stride()
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] and c.requires_grad == t.requires_grad
    c.detach().fill_(1)  # every element is addressable


INDICES = [
    case("tril", lambda L: L.tril_indices(3, 4)),
    case("tril_offset", lambda L: L.tril_indices(3, 4, 1)),
    case("tril_negative_offset", lambda L: L.tril_indices(4, 3, -2)),
    case("triu", lambda L: L.triu_indices(3, 3)),
    case("triu_offset", lambda L: L.triu_indices(3, 3, -1)),
    case("triu_far_offset", lambda L: L.triu_indices(3, 4, 10)),
    case("tril_far_offset", lambda L: L.tril_indices(3, 4, -10)),
    case("tril_no_rows", lambda L: L.tril_indices(0, 3)),
    case("triu_no_cols", lambda L: L.triu_indices(3, 0)),
    case("tril_int32", lambda L: L.tril_indices(3, 3, dtype=L.int32)),
    case("triu_keywords", lambda L: L.triu_indices(row=2, col=5, offset=1, device="cpu")),
]


@pytest.mark.parametrize("fn", INDICES)
def test_triangle_indices(fn):
    same(fn(cgrad), fn(torch))


CREATION_ERRORS = [
    error_case("strided_lengths", lambda L: L.empty_strided((2, 3), (1,))),
    error_case("strided_negative_size", lambda L: L.empty_strided((2, -3), (1, 2))),
    error_case("strided_negative_stride", lambda L: L.empty_strided((2, 3), (1, -2))),
    error_case("strided_int_size", lambda L: L.empty_strided(2, 3)),
    error_case("tril_negative_row", lambda L: L.tril_indices(-1, 3)),
    error_case("tril_negative_col", lambda L: L.tril_indices(3, -1)),
    error_case("triu_float", lambda L: L.triu_indices(3, 3, dtype=L.float32)),
    error_case("triu_bool", lambda L: L.triu_indices(3, 3, dtype=L.bool)),
    error_case("triu_missing_col", lambda L: L.triu_indices(3), r"triu_indices\(\) missing 1 required positional argument"),
    error_case("tril_float_offset", lambda L: L.tril_indices(3, 3, 0.5)),
]


@pytest.mark.parametrize("fn, match", CREATION_ERRORS)
def test_creation_errors(fn, match):
    check_error(fn, match)
