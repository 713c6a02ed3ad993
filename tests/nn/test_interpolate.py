"""nn.functional.interpolate and the upsample_* ops against PyTorch: values, gradients
and grad_fn names over many sizes and scale factors (fractional ones too), second
derivatives, the small dtypes, nn.Upsample, and torch's errors."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, R, case, check  # noqa: E402

F64 = np.float64
MODES = {1: ["nearest", "nearest-exact", "linear", "area"],
         2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
         3: ["nearest", "nearest-exact", "trilinear", "area"]}
LINEAR = {"linear", "bilinear", "bicubic", "trilinear"}


def sweep():
    """Every mode and dimension over sizes, fractional scale factors (given as the step,
    or recomputed from the size) and align_corners."""
    cases = []
    for dim, modes in MODES.items():
        for mode in modes:
            corners = [False, True] if mode in LINEAR else [None]
            for size_in in (2, 4, 7):
                shape = (2, 3) + tuple(size_in + k for k in range(dim))
                for scale in (0.5, 0.7, 1.3, 1.7, 2.0, 2.5):
                    for ac in corners:
                        for recompute in (None, True):
                            kw = dict(scale_factor=scale, mode=mode, align_corners=ac,
                                      recompute_scale_factor=recompute)
                            cases.append(case(f"{mode}{dim}d_{size_in}_x{scale}_{ac}_{recompute}",
                                              lambda L, x, kw=kw: F(L).interpolate(x, **kw),
                                              R(*shape)))
                for size in (1, 5, 13):
                    for ac in corners:
                        kw = dict(size=size, mode=mode, align_corners=ac)
                        cases.append(case(f"{mode}{dim}d_{size_in}_to{size}_{ac}",
                                          lambda L, x, kw=kw: F(L).interpolate(x, **kw),
                                          R(*shape, dtype=F64 if size == 5 else np.float32)))
    return cases


@pytest.mark.parametrize("fn, inputs, grad", sweep())
def test_interpolate_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


OTHER = [
    case("per_axis_scales", lambda L, x: F(L).interpolate(x, scale_factor=(1.5, 0.75), mode="bilinear"),
         R(2, 3, 6, 8)),
    case("per_axis_sizes", lambda L, x: F(L).interpolate(x, size=(3, 9, 4), mode="trilinear",
                                                         align_corners=True), R(1, 2, 4, 5, 6)),
    case("noncontiguous", lambda L, x: F(L).interpolate(x.permute(0, 3, 1, 2), scale_factor=1.5,
                                                        mode="bicubic"), R(2, 5, 4, 3)),
    case("empty_batch", lambda L, x: F(L).interpolate(x, size=(5, 6), mode="bilinear"), R(0, 3, 4, 4)),
    case("area_keeps_none", lambda L, x: F(L).adaptive_avg_pool3d(x, (2, None, 3)), R(3, 4, 5, 6)),
    case("area_3d_ones", lambda L, x: F(L).adaptive_avg_pool3d(x, 1), R(2, 3, 4, 5, 6)),
    case("area_1d_one", lambda L, x: F(L).adaptive_avg_pool1d(x, 1), R(3, 4)),
    case("area_1d", lambda L, x: F(L).adaptive_avg_pool1d(x, 3), R(2, 3, 8)),
    case("area_3d_upsample", lambda L, x: F(L).adaptive_avg_pool3d(x, (5, 2, 7)), R(1, 2, 3, 4, 5)),
    # torch's own ops, as interpolate calls them
    case("nearest2d_op", lambda L, x: L._C._nn.upsample_nearest2d(x, (5, 7), None), R(1, 2, 3, 4)),
    case("nearest1d_op", lambda L, x: L._C._nn.upsample_nearest1d(x, None, [1.6]), R(1, 2, 5)),
    case("nearest3d_op", lambda L, x: L._C._nn.upsample_nearest3d(x, (2, 3, 4), None), R(1, 2, 3, 4, 5)),
    case("nearest_exact1d_op", lambda L, x: L._C._nn._upsample_nearest_exact1d(x, (7,), None), R(1, 2, 5)),
    case("nearest_exact2d_op", lambda L, x: L._C._nn._upsample_nearest_exact2d(x, None, [1.5, 0.6]),
         R(1, 2, 5, 5)),
    case("nearest_exact3d_op", lambda L, x: L._C._nn._upsample_nearest_exact3d(x, (3, 3, 3), None),
         R(1, 2, 2, 4, 5)),
    case("linear1d_op", lambda L, x: L._C._nn.upsample_linear1d(x, (9,), True, None), R(2, 2, 4)),
    case("bilinear2d_op", lambda L, x: L._C._nn.upsample_bilinear2d(x, None, False, [2.5, 1.25]),
         R(2, 2, 4, 4)),
    case("trilinear3d_op", lambda L, x: L._C._nn.upsample_trilinear3d(x, (4, 4, 4), False, None),
         R(1, 2, 3, 2, 5)),
    case("bicubic2d_op", lambda L, x: L._C._nn.upsample_bicubic2d(x, (6, 3), True, None), R(2, 2, 4, 5)),
    # torch's kernels shortcut where the sizes are equal or doubled, whatever the scale factor
    # (Note [Upsample backward shortcuts])
    case("nearest_shortcut_1d", lambda L, x: F(L).interpolate(x, scale_factor=1.3), R(2, 3, 3)),
    case("nearest_shortcut_2d", lambda L, x: F(L).interpolate(x, scale_factor=(1.3, 2.1)), R(2, 3, 3, 5)),
    case("nearest_shortcut_3d", lambda L, x: F(L).interpolate(x, scale_factor=2.1), R(1, 2, 3, 5, 4)),
    case("bicubic_same_size", lambda L, x: F(L).interpolate(x, scale_factor=1.3, mode="bicubic"),
         R(2, 3, 3, 3)),
    case("linear_same_size", lambda L, x: F(L).interpolate(x, scale_factor=1.3, mode="linear"), R(2, 3, 3)),
]


@pytest.mark.parametrize("fn, inputs, grad", OTHER)
def test_interpolate_cases_match_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode, shape", [
    ("nearest", (2, 3, 5, 4)), ("nearest-exact", (2, 3, 5)), ("bilinear", (2, 3, 5, 4)),
    ("bicubic", (2, 3, 5, 4)), ("linear", (2, 3, 5)), ("trilinear", (1, 2, 3, 4, 5)),
    ("area", (2, 3, 7, 5)), ("area", (1, 2, 5, 6, 7))])
def test_small_float_dtypes_match_torch(dtype, mode, shape):
    # Computed in float and rounded once, as torch; torch's generic kernels sum in an
    # order of their own, so a value may differ by one unit in the last place.
    x = R(*shape)
    outs = []
    for lib in (torch, cgrad):
        t = lib.tensor(x).to(getattr(lib, dtype)).requires_grad_()
        out = F(lib).interpolate(t, scale_factor=1.7, mode=mode)
        out.backward(lib.ones_like(out))
        assert str(out.dtype).endswith(dtype)
        outs.append((out.detach().float().numpy(), t.grad.float().numpy()))
    eps = 2.0 ** (-10 if dtype == "float16" else -7)
    for c, t in zip(outs[1], outs[0]):
        np.testing.assert_allclose(c, t, rtol=eps, atol=eps)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_uint8_nearest_matches_torch(mode):
    x = np.random.default_rng(3).integers(0, 255, (2, 3, 5, 4)).astype(np.uint8)
    c = F(cgrad).interpolate(cgrad.tensor(x), scale_factor=1.7, mode=mode)
    t = F(torch).interpolate(torch.tensor(x), scale_factor=1.7, mode=mode)
    assert c.dtype == cgrad.uint8
    np.testing.assert_array_equal(c.numpy(), t.numpy())


@pytest.mark.parametrize("mode, shape", [
    ("nearest", (2, 3, 5, 4)), ("bilinear", (2, 3, 5, 4)), ("bicubic", (2, 3, 5, 4)),
    ("nearest-exact", (2, 3, 5)), ("linear", (2, 3, 5)), ("trilinear", (1, 2, 3, 4, 5)),
    ("area", (1, 2, 5, 6, 7)), ("area", (2, 3, 7))])
def test_second_derivatives_match_torch(mode, shape):
    x = R(*shape, dtype=F64)
    got = []
    for lib in (torch, cgrad):
        t = lib.tensor(x, requires_grad=True)
        out = F(lib).interpolate(t, scale_factor=1.6, mode=mode)
        (g,) = lib.autograd.grad((out * out).sum(), [t], create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), [t])
        got.append((g.grad_fn.name(), gg.numpy()))
    assert got[1][0] == got[0][0]
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-10, atol=1e-12)


def test_backward_is_deterministic_across_threads():
    x = cgrad.tensor(R(4, 8, 33, 29), requires_grad=True)
    grads = []
    for threads in (1, 2):
        old = cgrad.get_num_threads()
        cgrad.set_num_threads(threads)
        try:
            x.grad = None
            F(cgrad).interpolate(x, scale_factor=1.37, mode="bicubic").pow(2).sum().backward()
            grads.append(x.grad.numpy().copy())
        finally:
            cgrad.set_num_threads(old)
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("make", [
    lambda L: L.nn.Upsample(scale_factor=2),
    lambda L: L.nn.Upsample(size=(5, 3), mode="bilinear", align_corners=True),
    lambda L: L.nn.Upsample(scale_factor=(1.5, 2), mode="bicubic"),
    lambda L: L.nn.UpsamplingNearest2d(scale_factor=2),
    lambda L: L.nn.UpsamplingBilinear2d(size=6),
    lambda L: L.nn.AdaptiveAvgPool1d(3),
    lambda L: L.nn.AdaptiveAvgPool3d((2, 1, 2)),
])
def test_modules_match_torch(make):
    x = R(2, 3, 4, 4, 4)
    t_mod, c_mod = make(torch), make(cgrad)
    assert repr(c_mod) == repr(t_mod)
    if isinstance(t_mod, torch.nn.AdaptiveAvgPool1d):
        x = x[:, :, 0, 0]
    elif not isinstance(t_mod, torch.nn.AdaptiveAvgPool3d):
        x = x[:, :, 0]
    np.testing.assert_allclose(c_mod(cgrad.tensor(x)).numpy(), t_mod(torch.tensor(x)).numpy(),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_spellings_warn_and_match_torch(name):
    x = R(1, 2, 3, 4)
    results = []
    for lib in (torch, cgrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(getattr(F(lib), name)(lib.tensor(x), scale_factor=2).numpy())
        assert [str(w.message) for w in caught] == [
            f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead."]
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)


def interp(shape, dtype=None, **kw):
    def fn(L):
        x = L.ones(*shape) if dtype is None else L.ones(*shape, dtype=getattr(L, dtype))
        return F(L).interpolate(x, **kw)
    return fn


def nn_op(name, shape, *args):
    return lambda L: getattr(L._C._nn, name)(L.ones(*shape), *args)


ERRORS = [
    error_case("both", interp((1, 2, 3, 4), size=2, scale_factor=2)),
    error_case("neither", interp((1, 2, 3, 4))),
    error_case("size_len", interp((1, 2, 3, 4), size=(2, 3, 4))),
    error_case("scale_len", interp((1, 2, 3, 4), scale_factor=(2, 3, 4))),
    error_case("size_float", interp((1, 2, 3, 4), size=(2.5, 3))),
    error_case("recompute_with_size", interp((1, 2, 3, 4), size=4, recompute_scale_factor=True)),
    error_case("align_nearest", interp((1, 2, 3, 4), scale_factor=2, align_corners=True)),
    error_case("align_area", interp((1, 2, 3, 4), scale_factor=2, mode="area", align_corners=False)),
    error_case("antialias_nearest", interp((1, 2, 3, 4), scale_factor=2, antialias=True)),
    error_case("antialias_3d_input", interp((1, 2, 3), scale_factor=2, mode="bilinear", antialias=True)),
    error_case("rank1", interp((2,), scale_factor=2)),
    error_case("rank6", interp((1, 1, 2, 2, 2, 2), scale_factor=2)),
    error_case("bad_mode", interp((1, 2, 3, 4), scale_factor=2, mode="foo")),
    error_case("linear_4d", interp((1, 2, 3, 4), scale_factor=2, mode="linear")),
    error_case("trilinear_4d", interp((1, 2, 3, 4), scale_factor=2, mode="trilinear")),
    error_case("bilinear_3d", interp((1, 2, 3), scale_factor=2, mode="bilinear")),
    error_case("trilinear_3d", interp((1, 2, 3), scale_factor=2, mode="trilinear")),
    error_case("linear_5d", interp((1, 2, 3, 4, 5), scale_factor=2, mode="linear")),
    error_case("bilinear_5d", interp((1, 2, 3, 4, 5), scale_factor=2, mode="bilinear")),
    error_case("bicubic_3d", interp((1, 2, 3), scale_factor=2, mode="bicubic")),
    error_case("lanczos_no_antialias", interp((1, 2, 3, 4), scale_factor=2, mode="lanczos")),
    error_case("lanczos_align", interp((1, 2, 3, 4), scale_factor=2, mode="lanczos", align_corners=True)),
    error_case("zero_size", interp((1, 2, 3, 4), size=0)),
    error_case("negative_size", interp((1, 2, 3, 4), size=(-1, 2))),
    error_case("negative_scale", interp((1, 2, 3, 4), scale_factor=-1.0)),
    error_case("tiny_scale", interp((1, 2, 3, 4), scale_factor=0.1, mode="bilinear")),
    error_case("tiny_scale_1d", interp((1, 2, 3), scale_factor=0.1, mode="linear")),
    error_case("tiny_scale_3d", interp((1, 2, 3, 3, 3), scale_factor=0.1)),
    error_case("nan_scale", interp((1, 2, 3, 4), scale_factor=float("nan"))),
    error_case("inf_scale", interp((1, 2, 3, 4), scale_factor=float("inf"))),
    error_case("empty_channels", interp((1, 0, 3, 4), size=(5, 2))),
    error_case("empty_spatial", interp((1, 2, 0, 4), size=(5, 2), mode="bilinear")),
    error_case("empty_channels_3d", interp((1, 0, 2, 2, 2), size=(5, 6, 7))),
    error_case("long_nearest2d", interp((1, 2, 3, 4), "int64", scale_factor=2)),
    error_case("long_nearest1d", interp((1, 2, 3), "int64", scale_factor=2)),
    error_case("bool_nearest3d", interp((1, 2, 3, 3, 3), "bool", scale_factor=2, mode="nearest-exact")),
    error_case("int_bilinear", interp((1, 2, 3, 4), "int32", scale_factor=2, mode="bilinear")),
    error_case("long_linear", interp((1, 2, 3), "int64", scale_factor=2, mode="linear")),
    error_case("long_bicubic", interp((1, 2, 3, 4), "int64", scale_factor=2, mode="bicubic")),
    error_case("long_area", interp((1, 2, 3, 4), "int64", scale_factor=2, mode="area")),
    error_case("long_area_3d", interp((1, 2, 3, 3, 3), "int64", scale_factor=2, mode="area")),
    error_case("op_both", nn_op("upsample_nearest2d", (1, 2, 3, 4), (5, 6), (2.0, 2.0))),
    error_case("op_neither", nn_op("upsample_nearest2d", (1, 2, 3, 4), None, None)),
    error_case("op_size_len", nn_op("upsample_nearest2d", (1, 2, 3, 4), (5, 6, 7), None)),
    error_case("op_scale_len", nn_op("upsample_bilinear2d", (1, 2, 3, 4), None, False, (2.0,))),
    error_case("op_input_rank", nn_op("upsample_nearest1d", (2, 3, 4, 5), (5,), None)),
    error_case("op_negative_scale", nn_op("upsample_bilinear2d", (1, 2, 3, 4), None, False, (0.5, -1.0))),
    error_case("op_empty_1d", nn_op("upsample_linear1d", (1, 1, 0), (5,), False, None)),
    error_case("op_empty_3d", nn_op("upsample_trilinear3d", (1, 1, 0, 1, 1), (5, 1, 1), False, None)),
    error_case("pool1d_size_len", lambda L: F(L).adaptive_avg_pool1d(L.ones(2, 3, 4), (2, 3))),
    error_case("pool1d_rank1", lambda L: F(L).adaptive_avg_pool1d(L.ones(4), 2)),
    error_case("pool1d_rank4", lambda L: F(L).adaptive_avg_pool1d(L.ones(2, 3, 4, 5), 2)),
    error_case("pool1d_empty", lambda L: F(L).adaptive_avg_pool1d(L.ones(3, 0), 2)),
    error_case("pool1d_negative", lambda L: F(L).adaptive_avg_pool1d(L.ones(3, 4), -1)),
    error_case("pool3d_rank3", lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 4, 5), 2)),
    error_case("pool3d_size_len", lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 4, 5, 6), (2, 3))),
    error_case("pool3d_negative", lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 4, 5, 6), -2)),
    error_case("pool3d_empty", lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 0, 5, 6), 2)),
    error_case("pool3d_long", lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 4, 5, 6, dtype=L.int64), 2)),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_interpolate_errors_match_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("shape, kw", [
    ((2, 3, 1), dict(scale_factor=0.5, mode="area")),
    ((2, 3, 1, 1), dict(scale_factor=0.7, mode="area")),
    ((2, 3, 1, 1, 1), dict(scale_factor=0.5, mode="area")),
])
def test_empty_area_output_refuses_backward_as_torch(shape, kw):
    def fn(L):
        x = L.ones(*shape, requires_grad=True)
        out = F(L).interpolate(x, **kw)
        out.backward(L.ones_like(out))
    check_error(fn)


def test_not_implemented_in_cgrad():
    x = cgrad.ones(1, 2, 3, 4)
    with pytest.raises(NotImplementedError, match="antialias"):
        F(cgrad).interpolate(x, scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        F(cgrad).interpolate(x, scale_factor=2, mode="lanczos", antialias=True)
    with pytest.raises(NotImplementedError, match="Byte"):
        F(cgrad).interpolate(x.to(cgrad.uint8), scale_factor=2, mode="bilinear")
