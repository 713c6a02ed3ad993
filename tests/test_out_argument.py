"""`out=` (Note [out= arguments]): honoured on the functions torch gives it, refused
elsewhere, never ignored. Values, dtypes, shapes, strides and identity against torch."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402


def A(L):
    return L.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])


def B(L):
    return L.tensor([[2.0, 1.0, -1.0], [3.0, 0.25, 2.0]])


def M(L):
    return L.tensor([[1.0, 2.0], [3.0, 4.0]])


def E(L, *shape, dtype=None):
    return L.empty(*shape, dtype=dtype or L.float32)


# (id, fn(L) -> (returned, out)); `out` is what was passed.
def with_out(fn, make_out):
    def run(L):
        out = make_out(L)
        return fn(L, out), out
    return run


CASES = [
    ("add", with_out(lambda L, o: L.add(A(L), B(L), out=o), lambda L: E(L, 2, 3))),
    ("add_alpha", with_out(lambda L, o: L.add(A(L), B(L), alpha=2, out=o), lambda L: E(L, 2, 3))),
    ("sub_scalar", with_out(lambda L, o: L.sub(A(L), 1, out=o), lambda L: E(L, 2, 3))),
    ("mul_broadcast", with_out(lambda L, o: L.mul(A(L), B(L)[0], out=o), lambda L: E(L, 2, 3))),
    ("div_int_inputs", with_out(lambda L, o: L.div(L.tensor([1, 2]), 2, out=o), lambda L: E(L, 2))),
    ("exp", with_out(lambda L, o: L.exp(A(L), out=o), lambda L: E(L, 2, 3))),
    ("float64_out", with_out(lambda L, o: L.add(A(L), B(L), out=o),
                             lambda L: E(L, 2, 3, dtype=L.float64))),
    ("int_result_float_out", with_out(lambda L, o: L.add(L.tensor([1, 2]), 1, out=o),
                                      lambda L: E(L, 2))),
    ("comparison_float_out", with_out(lambda L, o: L.eq(A(L), B(L), out=o), lambda L: E(L, 2, 3))),
    ("comparison_bool_out", with_out(lambda L, o: L.gt(A(L), 0, out=o),
                                     lambda L: E(L, 2, 3, dtype=L.bool))),
    ("resize_empty", with_out(lambda L, o: L.add(A(L), B(L), out=o), lambda L: E(L, 0))),
    ("strided_out", with_out(lambda L, o: L.add(A(L)[0], B(L)[0], out=o),
                             lambda L: E(L, 6)[::2])),
    ("transposed_out", with_out(lambda L, o: L.mul(A(L), 2, out=o), lambda L: E(L, 3, 2).t())),
    ("same_as_input", lambda L: (lambda a: (L.exp(a, out=a), a))(A(L))),
    ("where", with_out(lambda L, o: L.where(A(L) > 0, A(L), B(L), out=o), lambda L: E(L, 2, 3))),
    ("clamp", with_out(lambda L, o: L.clamp(A(L), -1, 1, out=o), lambda L: E(L, 2, 3))),
    ("pow", with_out(lambda L, o: L.pow(A(L), 2, out=o), lambda L: E(L, 2, 3))),
    ("sum_dim", with_out(lambda L, o: L.sum(A(L), 1, out=o), lambda L: E(L, 2))),
    ("mean_dim", with_out(lambda L, o: L.mean(A(L), 0, out=o), lambda L: E(L, 3))),
    ("cumsum", with_out(lambda L, o: L.cumsum(A(L), 1, out=o), lambda L: E(L, 2, 3))),
    ("argmax", with_out(lambda L, o: L.argmax(A(L), 1, out=o),
                        lambda L: E(L, 2, dtype=L.int64))),
    ("max_dim_pair", lambda L: (lambda o: (L.max(A(L), 1, out=o), o))(
        (E(L, 2), E(L, 2, dtype=L.int64)))),
    ("min_dim_pair_resized", lambda L: (lambda o: (L.min(A(L), 0, out=o), o))(
        (E(L, 0), E(L, 0, dtype=L.int64)))),
    ("max_all", with_out(lambda L, o: L.max(A(L), out=o), lambda L: E(L, 0))),
    ("cat", with_out(lambda L, o: L.cat([A(L), B(L)], out=o), lambda L: E(L, 4, 3))),
    ("stack", with_out(lambda L, o: L.stack([A(L), B(L)], 1, out=o), lambda L: E(L, 0))),
    ("mm", with_out(lambda L, o: L.mm(M(L), M(L), out=o), lambda L: E(L, 2, 2))),
    ("matmul", with_out(lambda L, o: L.matmul(M(L), M(L)[0], out=o), lambda L: E(L, 2))),
    ("index_select", with_out(lambda L, o: L.index_select(A(L), 1, L.tensor([2, 0]), out=o),
                              lambda L: E(L, 2, 2))),
    ("gather", with_out(lambda L, o: L.gather(A(L), 1, L.tensor([[0], [2]]), out=o),
                        lambda L: E(L, 2, 1))),
    ("softmax", with_out(lambda L, o: L.softmax(A(L), 1, out=o), lambda L: E(L, 2, 3))),
    # Factories make out's dtype theirs, and resize quietly.
    ("ones_int_out", with_out(lambda L, o: L.ones(2, 3, out=o), lambda L: E(L, 2, 3, dtype=L.int64))),
    ("zeros_resized", with_out(lambda L, o: L.zeros(3, out=o), lambda L: E(L, 2))),
    ("full", with_out(lambda L, o: L.full((2,), 3, out=o), lambda L: E(L, 2))),
    ("arange", with_out(lambda L, o: L.arange(4, out=o), lambda L: E(L, 4))),
    ("eye_int32", with_out(lambda L, o: L.eye(2, out=o), lambda L: E(L, 2, 2, dtype=L.int32))),
    ("rand_float64_shape", lambda L: (lambda o: (L.rand(2, 3, out=o).shape, o.dtype))(
        E(L, 0, dtype=L.float64))),
    ("randint_float_out_dtype", lambda L: (lambda o: (L.randint(5, (3,), out=o).dtype, o.shape))(
        E(L, 3))),
    ("out_none", lambda L: (L.add(A(L), B(L), out=None), A(L))),
]


def assert_same(c, t):
    if isinstance(t, (tuple, list)):
        assert len(c) == len(t)
        for cv, tv in zip(c, t):
            assert_same(cv, tv)
    elif isinstance(t, torch.Tensor):
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert (tuple(c.shape), c.stride()) == (tuple(t.shape), t.stride())
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)
    elif isinstance(t, torch.dtype):
        assert str(c).split(".")[-1] == str(t).split(".")[-1]
    else:
        assert c == t


@pytest.mark.parametrize("fn", [pytest.param(fn, id=name) for name, fn in CASES])
def test_out(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = fn(torch), fn(cgrad)
    assert_same(c, t)


@pytest.mark.parametrize("fn", [pytest.param(fn, id=name) for name, fn in CASES
                                if name != "out_none" and not name.startswith("rand")])
def test_returns_the_out_object(fn):
    result, out = fn(cgrad)
    if isinstance(out, tuple):
        assert all(r is o for r, o in zip(result, out))
    else:
        assert result is out


def test_out_bumps_the_version_once():
    for L in (torch, cgrad):
        out = L.empty(2)
        before = out._version
        L.add(L.ones(2), 1, out=out)
        assert out._version == before + 1


def test_resizing_a_nonempty_out_warns_as_torch():
    messages = {}
    for L in (torch, cgrad):
        with pytest.warns(UserWarning) as record:
            L.add(L.ones(2), 1, out=L.empty(3))
        messages[L] = str(record[0].message).split(" (Triggered")[0]
    assert messages[cgrad] == messages[torch]


@pytest.mark.parametrize("fn", [
    pytest.param(lambda L: L.add(L.ones(2), 1, out=L.empty(2)), id="right_shape"),
    pytest.param(lambda L: L.add(L.ones(2), 1, out=L.empty(0)), id="empty"),
    pytest.param(lambda L: L.ones(3, out=L.empty(2)), id="factory"),
])
def test_no_warning_when_torch_gives_none(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fn(cgrad)


def test_a_grown_out_keeps_working_memory():
    out = cgrad.empty(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cgrad.add(cgrad.ones(1000), 1, out=out)
    assert result is out and out.shape == (1000,) and out.sum().item() == 2000.0


ERRORS = [
    error_case("float_into_int", lambda L: L.add(L.ones(2), 1, out=L.empty(2, dtype=L.int64))),
    error_case("float_into_bool", lambda L: L.add(L.ones(2), 1, out=L.empty(2, dtype=L.bool))),
    error_case("exact_dtype_mm", lambda L: L.mm(L.ones(2, 2), L.ones(2, 2),
                                                out=L.empty(2, 2, dtype=L.float64))),
    error_case("factory_dtype_mismatch", lambda L: L.ones(2, dtype=L.float64,
                                                          out=L.empty(2, dtype=L.int64))),
    error_case("input_requires_grad", lambda L: L.add(L.ones(2, requires_grad=True), 1,
                                                      out=L.empty(2))),
    error_case("out_requires_grad", lambda L: L.add(L.ones(2), 1, out=L.empty(2, requires_grad=True))),
    error_case("partial_overlap", lambda L: (lambda o: L.add(o[:3], 1, out=o[1:]))(L.ones(4))),
    error_case("out_not_a_tensor", lambda L: L.add(L.ones(2), 1, out="x")),
    error_case("method_has_no_out", lambda L: L.ones(2).add(L.ones(2), out=L.empty(2))),
    error_case("functional_has_no_out", lambda L: L.nn.functional.relu(L.ones(2), out=L.empty(2))),
    error_case("view_op_has_no_out", lambda L: L.reshape(L.ones(2), (2, 1), out=L.empty(2, 1))),
    error_case("max_dim_needs_a_pair", lambda L: L.max(L.ones(2, 3), 1, out=L.empty(2)), None),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)


def test_no_grad_lets_inputs_that_require_grad_write_out():
    for L in (torch, cgrad):
        out = L.empty(2)
        with L.no_grad():
            L.mul(L.ones(2, requires_grad=True), 3, out=out)
        assert out.tolist() == [3.0, 3.0] and not out.requires_grad


def test_out_written_through_a_view_reaches_its_base():
    base = cgrad.zeros(2, 3)
    cgrad.add(cgrad.ones(3), 1, out=base[1])
    np.testing.assert_array_equal(base.numpy(), [[0, 0, 0], [2, 2, 2]])
