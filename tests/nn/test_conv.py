"""conv1d / conv2d against PyTorch, one line per case: values, grad_fn names, gradients
of input, weight and bias, second derivatives, and torch's errors for bad arguments."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, R, T, case, check  # noqa: E402

F64 = np.float64


CONV = [
    case("conv2d", lambda L, x, w, b: F(L).conv2d(x, w, b), R(2, 3, 7, 6), R(4, 3, 3, 3), R(4)),
    # Rows 32 and 37 wide: the unfolding written straight into gemm's panels, one output
    # row per panel and panels across output rows (Note [gemm panel sources]).
    case("conv2d_wide_rows", lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1), R(2, 3, 5, 32),
         R(4, 3, 3, 3), R(4)),
    case("conv2d_odd_wide_rows", lambda L, x, w: F(L).conv2d(x, w, stride=(1, 2), padding=2),
         R(1, 2, 4, 75), R(3, 2, 3, 3)),
    # With stride 1 the input gradient runs as a convolution padded by dilation * (K - 1)
    # - padding (Note [Input gradient as a convolution]): negative here, and per group.
    case("conv2d_padding_past_kernel", lambda L, x, w: F(L).conv2d(x, w, padding=(3, 2)),
         R(2, 3, 5, 6), R(4, 3, 3, 2)),
    case("conv2d_groups_dilated_wide", lambda L, x, w: F(L).conv2d(x, w, groups=2, dilation=2, padding=3),
         R(2, 4, 6, 40), R(6, 2, 3, 3)),
    # Small images run several samples per gemm (a full chunk of 64 4x4 outputs, then
    # a partial one), unfolded from a zero-padded copy (Note [Unfolding from a padded copy]).
    case("conv2d_many_small_samples", lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1),
         R(70, 3, 4, 4), R(5, 3, 3, 3), R(5)),
    # Output rows 1, 2, 8 or 16 wide split a panel into runs of one length, each copied
    # at a fixed size (runs_to_panel); float64 panels are half as wide.
    *[case(f"conv2d_equal_runs_{w}", lambda L, x, w_, b: F(L).conv2d(x, w_, b, padding=(1, 0)),
           R(40, 2, 3, w + 2), R(3, 2, 3, 3), R(3)) for w in (1, 2, 8, 16)],
    case("conv2d_equal_runs_f64", lambda L, x, w: F(L).conv2d(x, w, padding=1),
         R(40, 2, 4, 4, dtype=F64), R(3, 2, 3, 3, dtype=F64)),
    case("conv2d_small_samples_strided_groups",
         lambda L, x, w: F(L).conv2d(x, w, stride=(2, 3), padding=(2, 1), dilation=(1, 2), groups=2),
         R(9, 4, 7, 8), R(6, 2, 3, 2)),
    case("conv2d_no_bias", lambda L, x, w: F(L).conv2d(x, w), R(2, 3, 5, 5), R(4, 3, 2, 2)),
    case("conv2d_stride_pad", lambda L, x, w, b: F(L).conv2d(x, w, b, stride=2, padding=1),
         R(2, 3, 7, 6), R(4, 3, 3, 3), R(4)),
    case("conv2d_tuples", lambda L, x, w, b: F(L).conv2d(x, w, b, (2, 1), (1, 2), (1, 2)),
         R(2, 3, 9, 8), R(5, 3, 3, 2), R(5)),
    case("conv2d_dilation", lambda L, x, w: F(L).conv2d(x, w, dilation=2), R(1, 2, 9, 9), R(3, 2, 3, 3)),
    case("conv2d_groups", lambda L, x, w, b: F(L).conv2d(x, w, b, groups=2, padding=1),
         R(2, 4, 6, 6), R(6, 2, 3, 3), R(6)),
    case("conv2d_depthwise", lambda L, x, w: F(L).conv2d(x, w, groups=3), R(2, 3, 6, 6), R(6, 1, 3, 3)),
    case("conv2d_1x1", lambda L, x, w, b: F(L).conv2d(x, w, b), R(2, 5, 4, 3), R(3, 5, 1, 1), R(3)),
    case("conv2d_1x1_stride", lambda L, x, w: F(L).conv2d(x, w, stride=2), R(2, 5, 5, 4), R(3, 5, 1, 1)),
    case("conv2d_same", lambda L, x, w, b: F(L).conv2d(x, w, b, padding="same"),
         R(2, 3, 7, 6), R(4, 3, 3, 3), R(4)),
    case("conv2d_same_dilated", lambda L, x, w: F(L).conv2d(x, w, padding="same", dilation=2),
         R(1, 2, 7, 6), R(3, 2, 3, 3)),
    case("conv2d_valid", lambda L, x, w: F(L).conv2d(x, w, padding="valid"), R(1, 2, 5, 5), R(3, 2, 3, 3)),
    case("conv2d_unbatched", lambda L, x, w, b: F(L).conv2d(x, w, b), R(3, 6, 5), R(4, 3, 2, 2), R(4)),
    case("conv2d_noncontiguous", lambda L, x, w: F(L).conv2d(x.transpose(2, 3), w), R(2, 3, 5, 6), R(4, 3, 3, 3)),
    case("conv2d_transposed_input", lambda L, x, w: F(L).conv2d(x, w), T(R(6, 5, 3, 2)), R(4, 3, 3, 3)),
    case("conv2d_empty_batch", lambda L, x, w, b: F(L).conv2d(x, w, b), R(0, 3, 5, 5), R(4, 3, 3, 3), R(4)),
    case("conv2d_f64", lambda L, x, w, b: F(L).conv2d(x, w, b, stride=2, padding=2),
         R(2, 3, 7, 6, dtype=F64), R(4, 3, 3, 3, dtype=F64), R(4, dtype=F64)),
    case("conv2d_kernel_fills_input", lambda L, x, w: F(L).conv2d(x, w), R(2, 3, 3, 3), R(4, 3, 3, 3)),
    case("conv2d_no_grad_input", lambda L, w: F(L).conv2d(L.ones(2, 3, 5, 5), w), R(4, 3, 3, 3)),
    case("conv1d", lambda L, x, w, b: F(L).conv1d(x, w, b), R(2, 3, 9), R(4, 3, 3), R(4)),
    case("conv1d_stride_pad_dilation", lambda L, x, w, b: F(L).conv1d(x, w, b, 2, 2, 2),
         R(2, 3, 11), R(4, 3, 3), R(4)),
    case("conv1d_groups", lambda L, x, w: F(L).conv1d(x, w, groups=2), R(2, 4, 7), R(4, 2, 3)),
    case("conv1d_same", lambda L, x, w: F(L).conv1d(x, w, padding="same"), R(2, 3, 7), R(4, 3, 5)),
    case("conv1d_unbatched", lambda L, x, w, b: F(L).conv1d(x, w, b), R(3, 8), R(4, 3, 3), R(4)),
    case("conv1d_f64", lambda L, x, w: F(L).conv1d(x, w, stride=3), R(2, 3, 10, dtype=F64), R(4, 3, 2, dtype=F64)),
    case("conv2d_same_even_kernel", lambda L, x, w, b: F(L).conv2d(x, w, b, padding="same"),
         R(2, 3, 6, 5), R(4, 3, 2, 4), R(4)),
    case("conv2d_same_even_dilated", lambda L, x, w: F(L).conv2d(x, w, padding="same", dilation=(3, 2)),
         R(1, 2, 7, 6), R(3, 2, 2, 2)),
    case("conv1d_same_even_kernel", lambda L, x, w: F(L).conv1d(x, w, padding="same"), R(2, 3, 7), R(4, 3, 4)),
    case("conv2d_int64", lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1, stride=(1, 2)),
         np.arange(2 * 3 * 5 * 4).reshape(2, 3, 5, 4) - 50, np.arange(4 * 3 * 9).reshape(4, 3, 3, 3) % 7 - 3,
         np.arange(4) * 11),
    case("conv1d_int32", lambda L, x, w: F(L).conv1d(x, w, groups=3),
         (np.arange(3 * 6 * 7).reshape(3, 6, 7) % 13 - 6).astype(np.int32),
         (np.arange(6 * 2 * 3).reshape(6, 2, 3) - 20).astype(np.int32)),
]


@pytest.mark.parametrize("fn, inputs, grad", CONV)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_conv_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("kernel", [(2, 2), (3, 4), (3, 3)])
def test_same_padding_pads_explicitly_when_asymmetric(kernel):
    """torch pads the input (ConstantPadNdBackward0, with a warning given once per
    process) when 'same' needs an odd total padding; cgrad records the same graph."""
    def run(L):
        x = L.ones(1, 1, 5, 5, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = F(L).conv2d(x, L.ones(1, 1, *kernel), padding="same")
        return tuple(out.shape), type(out.grad_fn.next_functions[0][0]).__name__
    assert run(cgrad) == run(torch)


def double_backward(lib, fn, arrays):
    """d/d(inputs) of <grad of sum(fn(inputs)**2) wrt inputs, fixed weights>."""
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *inputs)
    grads = lib.autograd.grad((out * out).sum(), inputs, create_graph=True)
    names = [g.grad_fn.name() for g in grads]
    total = sum((g * lib.tensor(np.full(g.shape, 0.5 + i))).sum() for i, g in enumerate(grads))
    second = lib.autograd.grad(total, inputs)
    return names, [s.detach().numpy() for s in second]


@pytest.mark.parametrize("fn, arrays", [
    (lambda L, x, w, b: F(L).conv2d(x, w, b, stride=2, padding=1),
     [R(2, 3, 6, 5, dtype=F64), R(4, 3, 3, 3, dtype=F64), R(4, dtype=F64)]),
    (lambda L, x, w: F(L).conv2d(x, w, groups=2, dilation=(2, 1)),
     [R(2, 4, 7, 5, dtype=F64), R(4, 2, 2, 2, dtype=F64)]),
    (lambda L, x, w: F(L).conv1d(x, w, padding=1), [R(2, 3, 6, dtype=F64), R(2, 3, 3, dtype=F64)]),
], ids=["conv2d", "conv2d_groups", "conv1d"])
def test_conv_second_derivatives_match_torch(fn, arrays):
    t_names, t_second = double_backward(torch, fn, arrays)
    c_names, c_second = double_backward(cgrad, fn, arrays)
    assert c_names[:2] == t_names[:2]
    for c, t in zip(c_second, t_second):
        np.testing.assert_allclose(c, t, rtol=1e-10, atol=1e-10)


# batch 1: threads inside gemm; 3: a sample per thread; 150 of 5x4 images: chunks of 51
# samples per gemm, one per thread, the last one short.
@pytest.mark.parametrize("batch, size", [(1, (20, 37)), (3, (20, 37)), (150, (5, 4))])
@pytest.mark.parametrize("options", [dict(padding=1), dict(padding=2, dilation=2, groups=2),
                                     dict(stride=2, padding=1)],
                         ids=["padded", "dilated_groups", "strided"])
def test_conv_does_not_depend_on_thread_count(batch, size, options):
    rng = np.random.default_rng(3)
    groups = options.get("groups", 1)
    x_np = rng.standard_normal((batch, 16, *size)).astype(np.float32)
    w_np = rng.standard_normal((64, 16 // groups, 3, 3)).astype(np.float32)
    out_shape = F(torch).conv2d(torch.tensor(x_np), torch.tensor(w_np), **options).shape
    g_np = rng.standard_normal(tuple(out_shape)).astype(np.float32)
    before = cgrad.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            cgrad.set_num_threads(n)
            x, w = cgrad.tensor(x_np, requires_grad=True), cgrad.tensor(w_np, requires_grad=True)
            y = F(cgrad).conv2d(x, w, **options)
            y.backward(cgrad.tensor(g_np))
            results.append([t.detach().numpy() for t in (y, x.grad, w.grad)])
    finally:
        cgrad.set_num_threads(before)
    for one, two in zip(*results):
        assert one.tobytes() == two.tobytes()


def test_conv_saved_tensors_and_next_functions():
    for L in (torch, cgrad):
        x, w = L.ones(1, 2, 4, 4, requires_grad=True), L.ones(3, 2, 3, 3, requires_grad=True)
        y = F(L).conv2d(x, w)
        assert y.grad_fn._saved_input is not None and y.grad_fn._saved_weight is not None
        assert [type(n).__name__ if n else None for n, _ in y.grad_fn.next_functions] == \
            ["AccumulateGrad", "AccumulateGrad", None]


def test_conv_under_no_grad_records_nothing():
    x, w = cgrad.ones(1, 2, 4, 4, requires_grad=True), cgrad.ones(3, 2, 3, 3, requires_grad=True)
    with cgrad.no_grad():
        y = cgrad.nn.functional.conv2d(x, w)
    assert y.grad_fn is None and not y.requires_grad


def C2(*sizes):
    return lambda L: L.ones(*sizes)


CONV_ERRORS = [
    error_case("channels", lambda L: F(L).conv2d(L.ones(2, 4, 8, 8), L.ones(4, 3, 3, 3))),
    error_case("kernel_too_big", lambda L: F(L).conv2d(L.ones(2, 3, 2, 2), L.ones(4, 3, 3, 3))),
    error_case("kernel_too_big_1d", lambda L: F(L).conv1d(L.ones(2, 3, 2), L.ones(4, 3, 3))),
    error_case("unbatched_channels", lambda L: F(L).conv2d(L.ones(2, 3, 8), L.ones(4, 3, 3, 3))),
    error_case("rank5", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8, 1), L.ones(4, 3, 3, 3))),
    error_case("rank1", lambda L: F(L).conv2d(L.ones(8), L.ones(4, 3, 3, 3))),
    error_case("conv1d_rank4", lambda L: F(L).conv1d(L.ones(2, 3, 4, 5), L.ones(4, 3, 3))),
    error_case("bias_size", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), L.ones(3))),
    error_case("groups_channels", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), groups=2)),
    error_case("groups_divisible", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 1, 3, 3), groups=3)),
    error_case("groups_zero", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), groups=0)),
    error_case("no_out_channels", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(0, 3, 3, 3))),
    error_case("stride_zero", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), stride=0)),
    error_case("padding_negative", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), padding=-1)),
    error_case("dilation_zero", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), dilation=0)),
    error_case("same_strided", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), stride=2, padding="same")),
    error_case("bad_padding_string", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), padding="foo")),
    error_case("stride_length", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), stride=(1, 1, 1))),
    error_case("padding_length", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), padding=(1, 1, 1))),
    error_case("dilation_length", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), dilation=(1, 1, 1))),
    error_case("weight_rank_mismatch", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3))),
    error_case("weight_rank2", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3))),
    error_case("double_input", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8, dtype=L.float64), L.ones(4, 3, 3, 3))),
    error_case("double_weight", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3, dtype=L.float64))),
    error_case("double_bias", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8), L.ones(4, 3, 3, 3), L.ones(4, dtype=L.float64))),
    error_case("bool", lambda L: F(L).conv2d(L.ones(2, 3, 8, 8, dtype=L.bool), L.ones(4, 3, 3, 3, dtype=L.bool))),
]


@pytest.mark.parametrize("fn, match", CONV_ERRORS)
def test_conv_errors_match_torch(fn, match):
    check_error(fn, match)
