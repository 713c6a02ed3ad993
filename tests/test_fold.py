"""F.unfold / F.fold (torch's im2col / col2im) and nn.Unfold / nn.Fold against PyTorch,
one line per case: values, grad_fn names, gradients, second derivatives, module reprs,
and torch's exception type and message for every bad argument."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from cgrad.autograd import gradcheck, gradgradcheck  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, R, T, case, check  # noqa: E402

F64 = np.float64


def blocks(size, k, d, p, s):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# (H, W, kernel, dilation, padding, stride) with at least one block per axis.
GRID = [(h, w, k, d, p, s)
        for (h, w), k, d, p, s in itertools.product(
            [(5, 6), (1, 7), (4, 4)], [1, 2, (2, 3)], [1, (2, 1)], [0, 1, (0, 2)], [1, 2, (1, 3)])
        if all(blocks(n, kk, dd, pp, ss) >= 1 for n, kk, dd, pp, ss in zip(
            (h, w), *[(v, v) if isinstance(v, int) else v for v in (k, d, p, s)]))]


def grid_id(params):
    return "-".join(str(v).replace(" ", "") for v in params)


@pytest.mark.parametrize("params", GRID, ids=[grid_id(g) for g in GRID])
def test_unfold_grid_matches_torch(params):
    h, w, k, d, p, s = params
    check(lambda L, x: F(L).unfold(x, k, dilation=d, padding=p, stride=s), R(2, 3, h, w))


@pytest.mark.parametrize("params", GRID, ids=[grid_id(g) for g in GRID])
def test_fold_grid_matches_torch(params):
    h, w, k, d, p, s = params
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    kh, kw = pair(k)
    length = np.prod([blocks(n, *a) for n, a in zip((h, w), zip(pair(k), pair(d), pair(p), pair(s)))])
    check(lambda L, x: F(L).fold(x, (h, w), k, d, p, s), R(2, 3 * kh * kw, int(length)))


FOLD = [
    case("unfold_unbatched", lambda L, x: F(L).unfold(x, 2, padding=1), R(3, 4, 5)),
    case("unfold_f64", lambda L, x: F(L).unfold(x, (3, 2), 2, 1, (2, 1)), R(2, 2, 7, 6, dtype=F64)),
    case("unfold_noncontiguous", lambda L, x: F(L).unfold(x.transpose(2, 3), 2, stride=2), R(2, 3, 6, 5)),
    case("unfold_transposed_input", lambda L, x: F(L).unfold(x, (2, 1)), T(R(5, 4, 3, 2))),
    case("unfold_empty_batch", lambda L, x: F(L).unfold(x, 2), R(0, 3, 5, 6)),
    case("unfold_kernel_fills_input", lambda L, x: F(L).unfold(x, (4, 5)), R(2, 3, 4, 5)),
    case("unfold_list_args", lambda L, x: F(L).unfold(x, [2, 3], [1, 2], [1, 0], [2, 1]), R(1, 2, 6, 7)),
    case("unfold_keywords", lambda L, x: F(L).unfold(input=x, kernel_size=3, stride=2, padding=1),
         R(2, 1, 7, 7)),
    case("unfold_large", lambda L, x: F(L).unfold(x, 3, padding=1), R(4, 16, 32, 33)),
    case("unfold_numpy_int_sizes", lambda L, x: F(L).unfold(x, np.int64(2), stride=(np.int32(1), 2)),
         R(2, 2, 5, 6)),
    case("unfold_no_grad", lambda L, x: F(L).unfold(x, 2), R(2, 2, 3, 3), grad=False),
    case("fold_unbatched", lambda L, x: F(L).fold(x, (4, 5), 2, padding=1), R(12, 30)),
    case("fold_f64", lambda L, x: F(L).fold(x, (7, 6), (3, 2), 2, 1, (2, 1)), R(2, 12, 18, dtype=F64)),
    case("fold_noncontiguous", lambda L, x: F(L).fold(x.transpose(1, 2), 5, 2), R(2, 16, 12)),
    case("fold_transposed_input", lambda L, x: F(L).fold(x, (3, 4), 2), T(R(6, 8))),
    case("fold_empty_batch", lambda L, x: F(L).fold(x, (5, 6), 2), R(0, 12, 20)),
    case("fold_one_block", lambda L, x: F(L).fold(x, (4, 5), (4, 5)), R(2, 40, 1)),
    case("fold_blocks_past_edge", lambda L, x: F(L).fold(x, 3, 2, stride=2, padding=1), R(1, 4, 4)),
    case("fold_large", lambda L, x: F(L).fold(x, (31, 30), 3, padding=1, stride=(1, 2)),
         R(3, 8 * 9, 31 * 15)),
    case("fold_of_unfold", lambda L, x: F(L).fold(F(L).unfold(x, 3, 2, 2), (6, 7), 3, 2, 2),
         R(2, 3, 6, 7)),
    case("nn_unfold", lambda L, x: L.nn.Unfold((2, 3), padding=1, stride=(2, 1))(x), R(2, 3, 5, 6)),
    case("nn_fold", lambda L, x: L.nn.Fold((5, 6), 2, dilation=(1, 2))(x), R(2, 8, 16)),
]


@pytest.mark.parametrize("fn, inputs, grad", FOLD)
def test_fold_unfold_match_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "bool"])
def test_other_dtypes_match_torch(dtype):
    """torch's im2col and col2im also take float16, bfloat16 and bool (fold ors bools);
    the small floats round every sum, in torch's order, so the bits agree."""
    rng = np.random.default_rng(5)
    x, cols = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 12, 12)) * 30
    if dtype == "bool":
        x, cols = x > 0, cols > 0
    outs = []
    for lib in (torch, cgrad):
        t = getattr(lib, dtype)
        u = F(lib).unfold(lib.tensor(x).to(t), 2, padding=1, stride=(1, 2))
        f = F(lib).fold(lib.tensor(cols).to(t), (5, 4), 2)
        outs.append([(str(r.dtype).split(".")[-1], r.to(lib.float64).numpy()) for r in (u, f)])
    for (c_dtype, c), (t_dtype, t) in zip(outs[1], outs[0]):
        assert c_dtype == t_dtype
        np.testing.assert_array_equal(c, t)


def test_direct_im2col_col2im_match_torch():
    """torch._C._nn's ops take an int for a pair and need every argument."""
    x = R(2, 3, 5, 6)
    c_u = cgrad._C._nn.im2col(cgrad.tensor(x), 2, 1, (0, 1), 1)
    t_u = torch._C._nn.im2col(torch.tensor(x), 2, 1, (0, 1), 1)
    np.testing.assert_array_equal(c_u.numpy(), t_u.numpy())
    np.testing.assert_array_equal(cgrad._C._nn.col2im(c_u, (5, 6), 2, 1, [0, 1], 1).numpy(),
                                  torch._C._nn.col2im(t_u, (5, 6), 2, 1, [0, 1], 1).numpy())


def double_backward(lib, fn, arrays):
    """Names of the first gradients' nodes (create_graph), and the second derivatives of
    <first gradients, fixed weights> wrt the input and the upstream gradient."""
    x = lib.tensor(arrays[0], requires_grad=True)
    out = fn(lib, x)
    up = lib.tensor(arrays[1], requires_grad=True)
    (gx,) = lib.autograd.grad(out, x, up, create_graph=True)
    v = lib.tensor(np.linspace(-1, 1, gx.numel()).reshape(tuple(gx.shape)))
    (g_up,) = lib.autograd.grad(gx, up, v, create_graph=True)
    return [gx.grad_fn.name(), g_up.grad_fn], [gx.detach().numpy(), g_up.detach().numpy()]


@pytest.mark.parametrize("fn, arrays", [
    (lambda L, x: F(L).unfold(x, 2, 2, 1, (1, 2)), [R(2, 3, 5, 6, dtype=F64), R(2, 12, 15, dtype=F64)]),
    (lambda L, x: F(L).unfold(x, 3), [R(2, 4, 4, dtype=F64), R(18, 4, dtype=F64)]),
    (lambda L, x: F(L).fold(x, (5, 6), 2, stride=(1, 2)),
     [R(2, 12, 12, dtype=F64), R(2, 3, 5, 6, dtype=F64)]),
], ids=["unfold", "unfold_unbatched", "fold"])
def test_double_backward_matches_torch(fn, arrays):
    t_names, t_values = double_backward(torch, fn, arrays)
    c_names, c_values = double_backward(cgrad, fn, arrays)
    assert c_names[0] == t_names[0]
    assert (c_names[1] is None) == (t_names[1] is None)
    for c, t in zip(c_values, t_values):
        np.testing.assert_allclose(c, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", ["unfold", "fold"])
def test_gradients_of_gradients_record_the_other_op(op):
    """Under create_graph, unfold's gradient is a col2im (Col2ImBackward0) of the upstream
    gradient, and fold's an im2col (Im2ColBackward0), as in torch."""
    def names(lib):
        if op == "unfold":
            x, up = lib.ones(1, 2, 4, 4, requires_grad=True), lib.ones(1, 8, 9, requires_grad=True)
            out = F(lib).unfold(x, 2)
        else:
            x, up = lib.ones(1, 8, 9, requires_grad=True), lib.ones(1, 2, 4, 4, requires_grad=True)
            out = F(lib).fold(x, 4, 2)
        (g,) = lib.autograd.grad(out, x, up, create_graph=True)
        (gg,) = lib.autograd.grad(g, up, lib.ones_like(g) * up.sum(), create_graph=True)
        return g.grad_fn.name(), [type(n).__name__ for n, _ in g.grad_fn.next_functions], gg.grad_fn.name()
    assert names(cgrad) == names(torch)


@pytest.mark.parametrize("fn, shapes", [
    (lambda x: cgrad.nn.functional.unfold(x, (2, 3), (2, 1), 1, (1, 2)), [(2, 2, 6, 5)]),
    (lambda x: cgrad._C._nn.im2col(x, (2, 2), (1, 1), (0, 0), (1, 1)), [(3, 4, 4)]),
    (lambda x: cgrad.nn.functional.fold(x, (6, 5), (2, 3), (2, 1), 1, (1, 2)), [(2, 12, 18)]),
    (lambda x: cgrad._C._nn.col2im(x, (4, 4), (2, 2), (1, 1), (0, 0), (1, 1)), [(8, 9)]),
], ids=["unfold", "im2col_unbatched", "fold", "col2im_unbatched"])
def test_gradcheck(fn, shapes):
    rng = np.random.default_rng(0)
    inputs = [cgrad.tensor(rng.uniform(-1, 1, s), dtype=cgrad.float64, requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("make", [
    lambda L: L.nn.Unfold(2),
    lambda L: L.nn.Unfold(kernel_size=(2, 3), stride=2),
    lambda L: L.nn.Unfold([3, 1], dilation=(1, 2), padding=1, stride=[1, 2]),
    lambda L: L.nn.Fold((4, 5), 2),
    lambda L: L.nn.Fold(3, [2, 2], dilation=(1, 2)),
    lambda L: L.nn.Fold(output_size=[6, 7], kernel_size=3, dilation=2, padding=(1, 0), stride=1),
])
def test_module_repr_matches_torch(make):
    assert repr(make(cgrad)) == repr(make(torch))
    assert repr(cgrad.nn.Sequential(make(cgrad))) == repr(torch.nn.Sequential(make(torch)))


def test_module_constants_and_attributes_match_torch():
    for name in ("Fold", "Unfold"):
        assert getattr(cgrad.nn, name).__constants__ == getattr(torch.nn, name).__constants__
    c, t = cgrad.nn.Fold((4, 5), 2, stride=1), torch.nn.Fold((4, 5), 2, stride=1)
    for attr in ("output_size", "kernel_size", "dilation", "padding", "stride"):
        assert getattr(c, attr) == getattr(t, attr)


def X(*shape, dtype="float32"):
    return lambda L: L.zeros(*shape, dtype=getattr(L, dtype))


UNFOLD_ERRORS = [
    # argument lengths, in torch's order: kernel_size, dilation, padding, stride
    ("kernel_1", X(2, 3, 5, 6), dict(kernel_size=(2,))),
    ("kernel_3", X(2, 3, 5, 6), dict(kernel_size=(2, 2, 2))),
    ("kernel_empty", X(2, 3, 5, 6), dict(kernel_size=())),
    ("stride_1", X(2, 3, 5, 6), dict(kernel_size=2, stride=(1,))),
    ("padding_3", X(2, 3, 5, 6), dict(kernel_size=2, padding=(1, 2, 3))),
    ("dilation_before_stride", X(2, 3, 5, 6), dict(kernel_size=2, dilation=(1, 2, 3), stride=(1,))),
    ("padding_before_stride", X(2, 3, 5, 6), dict(kernel_size=2, padding=(1, 2, 3), stride=(1, 2, 3))),
    # values: kernel, dilation, padding, stride
    ("kernel_0", X(2, 3, 5, 6), dict(kernel_size=0)),
    ("kernel_negative", X(2, 3, 5, 6), dict(kernel_size=-1)),
    ("kernel_0_w", X(2, 3, 5, 6), dict(kernel_size=(2, 0))),
    ("stride_0", X(2, 3, 5, 6), dict(kernel_size=2, stride=0)),
    ("stride_0_w", X(2, 3, 5, 6), dict(kernel_size=2, stride=(1, 0))),
    ("dilation_0", X(2, 3, 5, 6), dict(kernel_size=2, dilation=0)),
    ("padding_negative", X(2, 3, 5, 6), dict(kernel_size=2, padding=(0, -1))),
    ("dilation_before_padding", X(2, 3, 5, 6), dict(kernel_size=2, padding=-1, dilation=0)),
    ("padding_before_stride_value", X(2, 3, 5, 6), dict(kernel_size=2, padding=-1, stride=0)),
    ("kernel_before_stride", X(2, 3, 5, 6), dict(kernel_size=0, stride=0)),
    ("kernel_before_rank", X(3), dict(kernel_size=0)),
    ("kernel_before_dtype", X(2, 3, 5, 6, dtype="int64"), dict(kernel_size=0)),
    # ranks and empty dims
    ("rank_0", X(), dict(kernel_size=2)),
    ("rank_1", X(3), dict(kernel_size=2)),
    ("rank_2", X(5, 6), dict(kernel_size=2)),
    ("rank_5", X(1, 2, 3, 4, 5), dict(kernel_size=2)),
    ("empty_channels", X(2, 0, 5, 6), dict(kernel_size=2)),
    ("empty_height", X(2, 3, 0, 6), dict(kernel_size=2)),
    ("empty_width", X(2, 3, 5, 0), dict(kernel_size=2)),
    ("unbatched_empty_channels", X(0, 5, 6), dict(kernel_size=2)),
    # no block fits
    ("kernel_too_tall", X(2, 3, 5, 6), dict(kernel_size=(6, 2))),
    ("kernel_too_big", X(2, 3, 5, 6), dict(kernel_size=9)),
    ("dilation_too_big", X(2, 3, 5, 6), dict(kernel_size=2, dilation=5)),
    ("unbatched_too_big", X(3, 3, 3), dict(kernel_size=4)),
    # dtypes, after the shape checks
    ("int64", X(2, 3, 5, 6, dtype="int64"), dict(kernel_size=2)),
    ("int32", X(2, 3, 5, 6, dtype="int32"), dict(kernel_size=2)),
    ("uint8", X(2, 3, 5, 6, dtype="uint8"), dict(kernel_size=2)),
    ("int8", X(2, 3, 5, 6, dtype="int8"), dict(kernel_size=2)),
    ("int16", X(2, 3, 5, 6, dtype="int16"), dict(kernel_size=2)),
    ("int64_empty_batch", X(0, 3, 5, 6, dtype="int64"), dict(kernel_size=2)),
    ("shape_before_dtype", X(2, 3, 5, 6, dtype="int64"), dict(kernel_size=9)),
    # argument types (torch's parser, after _pair)
    ("kernel_float", X(2, 3, 5, 6), dict(kernel_size=2.0)),
    ("kernel_none", X(2, 3, 5, 6), dict(kernel_size=None)),
    ("kernel_bool", X(2, 3, 5, 6), dict(kernel_size=True)),
    ("kernel_bool_first", X(2, 3, 5, 6), dict(kernel_size=(True, 2))),
    ("kernel_str", X(2, 3, 5, 6), dict(kernel_size="ab")),
    ("kernel_float_second", X(2, 3, 5, 6), dict(kernel_size=(2, 2.5))),
    ("kernel_numpy_float", X(2, 3, 5, 6), dict(kernel_size=(np.float64(2), 2))),
    ("kernel_numpy_float_second", X(2, 3, 5, 6), dict(kernel_size=(2, np.float64(2)))),
    ("stride_float", X(2, 3, 5, 6), dict(kernel_size=2, stride=1.5)),
    ("dilation_none_second", X(2, 3, 5, 6), dict(kernel_size=2, dilation=(1, None))),
    ("padding_str_second", X(2, 3, 5, 6), dict(kernel_size=2, padding=(1, "a"))),
]


@pytest.mark.parametrize("make, kwargs", [pytest.param(m, k, id=i) for i, m, k in UNFOLD_ERRORS])
def test_unfold_errors_match_torch(make, kwargs):
    check_error(lambda L: F(L).unfold(make(L), **kwargs))


FOLD_ERRORS = [
    # lengths: output_size, kernel_size, dilation, padding, stride
    ("output_size_1", X(2, 12, 20), ((5,), 2), {}),
    ("output_size_3", X(2, 12, 20), ((5, 6, 7), 2), {}),
    ("output_size_before_kernel", X(1, 4, 6), ((5, 6, 1), (1, 2, 3)), {}),
    ("stride_3", X(2, 12, 20), ((5, 6), 0), dict(stride=(1, 2, 3))),
    ("dilation_before_padding", X(1, 4, 6), ((5, 6), 2), dict(padding=(1, 2, 3), stride=(1, 2, 3),
                                                              dilation=(1, 2, 3))),
    ("padding_before_stride", X(1, 4, 6), ((5, 6), 2), dict(padding=(1, 2, 3), stride=(1, 2, 3))),
    # values: kernel, stride, dilation, padding
    ("kernel_0", X(2, 12, 20), ((5, 6), 0), {}),
    ("stride_0", X(2, 12, 20), ((5, 6), 2), dict(stride=0)),
    ("dilation_0", X(2, 12, 20), ((5, 6), 2), dict(dilation=0)),
    ("padding_negative", X(2, 12, 20), ((5, 6), 2), dict(padding=-1)),
    ("stride_before_dilation", X(2, 12, 20), ((5, 6), 2), dict(stride=0, dilation=0)),
    ("dilation_before_padding_value", X(1, 4, 6), ((5, 6), 2), dict(padding=-1, dilation=0)),
    ("stride_before_padding", X(1, 4, 6), ((5, 6), 2), dict(padding=-1, stride=0)),
    ("kernel_before_rank", X(12), ((5, 6), 0), {}),
    ("kernel_before_dtype", X(2, 12, 20, dtype="int64"), ((5, 6), 0), {}),
    # ranks and empty dims
    ("rank_1", X(12), ((5, 6), 2), {}),
    ("rank_4", X(2, 12, 20, 1), ((5, 6), 2), {}),
    ("empty_columns", X(2, 0, 20), ((5, 6), 2), {}),
    ("empty_blocks", X(2, 12, 0), ((5, 6), 2), {}),
    ("unbatched_empty_blocks", X(12, 0), ((5, 6), 2), {}),
    ("unbatched_empty_columns", X(0, 20), ((5, 6), 2), {}),
    # channels and block counts
    ("not_divisible", X(2, 13, 20), ((5, 6), 2), {}),
    ("not_divisible_before_length", X(2, 13, 20), ((5, 7), 2), {}),
    ("unbatched_not_divisible", X(13, 20), ((5, 6), 2), {}),
    ("kernel_area_overflow", X(2, 4, 20), ((5, 6), (2 ** 40, 2 ** 40)), {}),
    ("length_stride", X(2, 12, 20), ((5, 6), 2), dict(stride=2)),
    ("length_width", X(2, 12, 20), ((5, 7), 2), {}),
    ("length_int_output_size", X(2, 12, 20), (5, 2), {}),
    ("length_padding", X(2, 12, 20), ((5, 6), 2), dict(padding=10)),
    ("length_zero_blocks", X(2, 12, 20), ((1, 1), 2), {}),
    ("length_negative_blocks", X(2, 12, 20), ((0, 6), 2), {}),
    ("length_floor_division", X(1, 4, 1), ((1, 1), 2), dict(stride=2)),
    ("unbatched_length", X(12, 21), ((5, 6), 2), {}),
    ("too_few_blocks", X(1, 4, 1), ((0, 0), 2), {}),
    ("unbatched_too_few_blocks", X(4, 1), ((0, 0), 2), {}),
    ("output_size_zero", X(1, 4, 7), ((0, 6), 2), dict(padding=1)),
    ("output_size_negative", X(1, 4, 18), ((-1, 6), 2), dict(padding=2)),
    # dtypes, after the shape checks
    ("int64", X(2, 12, 20, dtype="int64"), ((5, 6), 2), {}),
    ("int32", X(2, 12, 20, dtype="int32"), ((5, 6), 2), {}),
    ("uint8", X(2, 12, 20, dtype="uint8"), ((5, 6), 2), {}),
    ("int16", X(2, 12, 20, dtype="int16"), ((5, 6), 2), {}),
    ("shape_before_dtype", X(2, 12, 20, dtype="int64"), ((5, 7), 2), {}),
    # argument types
    ("kernel_none", X(2, 12, 20), ((5, 6), None), {}),
    ("output_size_none", X(2, 12, 20), (None, 2), {}),
    ("output_size_float_second", X(2, 12, 20), ((5, 6.0), 2), {}),
    ("padding_float", X(2, 12, 20), ((5, 6), 2), dict(padding=0.5)),
]


@pytest.mark.parametrize("make, args, kwargs", [pytest.param(m, a, k, id=i) for i, m, a, k in FOLD_ERRORS])
def test_fold_errors_match_torch(make, args, kwargs):
    check_error(lambda L: F(L).fold(make(L), *args, **kwargs))


@pytest.mark.parametrize("fn", [
    lambda L: F(L).unfold([1, 2], 2),
    lambda L: F(L).unfold(L.zeros(2, 3, 5, 6), L.tensor(2)),
    lambda L: F(L).unfold(L.zeros(2, 3, 5, 6), (L.tensor(2.0), 2)),
    lambda L: F(L).unfold(L.zeros(2, 3, 5, 6), (2, L.tensor(2.0))),
    lambda L: F(L).fold(L.zeros(2, 12, 20), (5, 6)),
    lambda L: L._C._nn.im2col(L.zeros(1, 2, 4, 4), 2.0, 1, 0, 1),
    lambda L: L._C._nn.col2im(L.zeros(1, 8, 9), (4, 4), None, 1, 0, 1),
    lambda L: L.nn.Unfold(0)(L.zeros(1, 2, 4, 4)),
    lambda L: L.nn.Fold(4, 2)(L.zeros(1, 7, 9)),
], ids=["input_list", "kernel_0d_tensor", "kernel_float_tensor", "kernel_float_tensor_second",
        "fold_missing_kernel", "im2col_float", "col2im_none", "nn_unfold", "nn_fold"])
def test_other_errors_match_torch(fn):
    check_error(fn)


def test_integer_tensor_elements_are_sizes():
    x = R(2, 3, 5, 6)
    c = F(cgrad).unfold(cgrad.tensor(x), (cgrad.tensor(2), cgrad.tensor([3])))
    t = F(torch).unfold(torch.tensor(x), (torch.tensor(2), torch.tensor([3])))
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    c = F(cgrad).unfold(cgrad.tensor(x), cgrad.tensor([2, 2]))
    t = F(torch).unfold(torch.tensor(x), torch.tensor([2, 2]))
    np.testing.assert_array_equal(c.numpy(), t.numpy())


@pytest.mark.parametrize("fn", [
    lambda: F(cgrad).unfold(cgrad.zeros(2, 4, 5, 5), (2 ** 40, 1)),
    lambda: F(cgrad).unfold(cgrad.zeros(2, 4, 5, 5), 3, padding=2 ** 40),
    lambda: F(cgrad).unfold(cgrad.zeros(2, 4, 5, 5), 2 ** 40, padding=2 ** 40),
    lambda: F(cgrad).unfold(cgrad.zeros(0, 4, 5, 5), 2, padding=2 ** 62),
    lambda: F(cgrad).unfold(cgrad.zeros(2, 4, 5, 5), 2, dilation=2 ** 62),
    lambda: F(cgrad).unfold(cgrad.zeros(2, 4, 5, 5), 2 ** 64),
    lambda: F(cgrad).fold(cgrad.zeros(2, 12, 20), (2 ** 62, 6), 2),
    lambda: F(cgrad).fold(cgrad.zeros(2, 4, 20), (5, 6), (1, 2), padding=2 ** 61),
    lambda: F(cgrad).fold(cgrad.zeros(2, 4, 1), (2 ** 62, 2 ** 62), 2, stride=2 ** 62),
])
def test_huge_sizes_raise_instead_of_crashing(fn):
    """Where torch's size arithmetic wraps around (it may allocate, or return a negative
    shape), cgrad raises a RuntimeError (a TypeError for a size beyond int64)."""
    with pytest.raises((RuntimeError, TypeError)):
        fn()
