"""layer_norm and batch_norm against PyTorch, one line per case: values, grad_fn names,
gradients of input/weight/bias, running statistics, errors; float64 gradchecks."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, R, T, case, check  # noqa: E402

F64 = np.float64


LAYER_NORM = [
    case("ln_last", lambda L, x: F(L).layer_norm(x, (5,)), R(4, 5)),
    case("ln_affine", lambda L, x, w, b: F(L).layer_norm(x, (5,), w, b), R(4, 5), R(5), R(5)),
    case("ln_weight_only", lambda L, x, w: F(L).layer_norm(x, [5], w), R(2, 3, 5), R(5)),
    case("ln_bias_only", lambda L, x, b: F(L).layer_norm(x, (5,), None, b), R(3, 5), R(5)),
    case("ln_two_dims", lambda L, x, w, b: F(L).layer_norm(x, (3, 4), w, b), R(2, 3, 4), R(3, 4),
         R(3, 4)),
    case("ln_whole", lambda L, x: F(L).layer_norm(x, (2, 3)), R(2, 3)),
    case("ln_1d", lambda L, x, w: F(L).layer_norm(x, (6,), w), R(6), R(6)),
    case("ln_eps", lambda L, x: F(L).layer_norm(x, (5,), eps=0.5), R(4, 5)),
    case("ln_strided", lambda L, x, w: F(L).layer_norm(x, (3,), w), T(R(3, 4)), R(3)),
    case("ln_f64", lambda L, x, w, b: F(L).layer_norm(x, (4,), w, b), R(3, 4, dtype=F64),
         R(4, dtype=F64), R(4, dtype=F64)),
    case("ln_empty_batch", lambda L, x, w: F(L).layer_norm(x, (3,), w), R(0, 3), R(3)),
    case("ln_no_grad_input", lambda L, x, w: F(L).layer_norm(x.detach(), (5,), w), R(4, 5), R(5)),
    case("ln_size", lambda L, x: F(L).layer_norm(x, x.shape[1:]), R(2, 5)),
    # Wide rows take the float32 vector path (Note [Layer norm float32 rows]): a body of
    # whole vectors and a tail, and row counts across several weight-gradient blocks.
    case("ln_wide_affine", lambda L, x, w, b: F(L).layer_norm(x, (37,), w, b), R(130, 37), R(37),
         R(37)),
    case("ln_wide_weight_only", lambda L, x, w: F(L).layer_norm(x, (40,), w), R(70, 40), R(40)),
    case("ln_wide_bias_only", lambda L, x, b: F(L).layer_norm(x, (23,), None, b), R(65, 23), R(23)),
    case("ln_wide_plain", lambda L, x: F(L).layer_norm(x, (64,)), R(3, 64)),
    case("ln_wide_no_grad_input", lambda L, x, w, b: F(L).layer_norm(x.detach(), (33,), w, b),
         R(129, 33), R(33), R(33)),
    case("native_ln", lambda L, x, w, b: L.native_layer_norm(x, [4], w, b, 1e-5), R(3, 4), R(4), R(4)),
]


def _batch_norm_case(training, momentum=0.1, affine=True, stats=True, shape=(4, 3)):
    """batch_norm with fresh running statistics; returns the output and the statistics."""
    def fn(L, x, w=None, b=None):
        c = shape[1]
        rm = L.tensor(np.linspace(-0.5, 0.5, c, dtype=np.float32)) if stats else None
        rv = L.tensor(np.linspace(0.5, 1.5, c, dtype=np.float32)) if stats else None
        out = F(L).batch_norm(x, rm, rv, w if affine else None, b if affine else None,
                              training=training, momentum=momentum)
        return (out, rm, rv) if stats else out
    return fn


BATCH_NORM = [
    case("bn_train", _batch_norm_case(True), R(4, 3), R(3), R(3)),
    case("bn_train_3d", _batch_norm_case(True, shape=(2, 3, 5)), R(2, 3, 5), R(3), R(3)),
    case("bn_train_4d", _batch_norm_case(True, shape=(2, 3, 2, 2)), R(2, 3, 2, 2), R(3), R(3)),
    case("bn_train_momentum", _batch_norm_case(True, momentum=0.3), R(4, 3), R(3), R(3)),
    case("bn_train_no_affine", _batch_norm_case(True, affine=False), R(4, 3)),
    case("bn_train_no_stats", _batch_norm_case(True, stats=False), R(4, 3), R(3), R(3)),
    case("bn_eval", _batch_norm_case(False), R(4, 3), R(3), R(3)),
    case("bn_eval_4d", _batch_norm_case(False, shape=(2, 3, 2, 2)), R(2, 3, 2, 2), R(3), R(3)),
    case("bn_eval_no_affine", _batch_norm_case(False, affine=False), R(4, 3)),
    # 8+ elements per channel: the per-channel kernels (Note [Batch norm passes])
    case("bn_train_by_channel", _batch_norm_case(True, shape=(4, 3, 4, 5)), R(4, 3, 4, 5), R(3), R(3)),
    case("bn_train_by_channel_no_affine", _batch_norm_case(True, affine=False, shape=(3, 5, 9)),
         R(3, 5, 9)),
    case("bn_eval_by_channel", _batch_norm_case(False, shape=(2, 3, 3, 3)), R(2, 3, 3, 3), R(3), R(3)),
    case("bn_by_channel_f64", lambda L, x, w, b: F(L).batch_norm(x, None, None, w, b, True),
         R(3, 2, 10, dtype=F64), R(2, dtype=F64), R(2, dtype=F64)),
    # (a small offset: at x + 300 torch's own output is ~1 ulp(300) * |w| * rstd off, see
    # test_batch_norm_of_offset_input_stays_accurate)
    case("bn_by_channel_offset_input", lambda L, x, w, b: F(L).batch_norm(x + 30, None, None, w, b, True),
         R(4, 2, 16), R(2), R(2)),
    case("bn_f64", lambda L, x, w, b: F(L).batch_norm(x, None, None, w, b, True), R(5, 2, dtype=F64),
         R(2, dtype=F64), R(2, dtype=F64)),
]


@pytest.mark.parametrize("fn, inputs, grad", LAYER_NORM + BATCH_NORM)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("cols", [8, 45])  # 45: the float32 vector path and its tail
def test_layer_norm_rows_with_a_large_offset_stay_accurate(cols):
    # Note [Layer norm statistics]: torch's float32 statistics lose ~1e-4 here; ours do not.
    x = (R(3, cols) + np.float32(1000)).astype(np.float32)
    x64 = x.astype(np.float64)
    exact = (x64 - x64.mean(1, keepdims=True)) / np.sqrt(x64.var(1, keepdims=True) + 1e-5)
    got = F(cgrad).layer_norm(cgrad.tensor(x), (cols,)).numpy()
    np.testing.assert_allclose(got, exact, atol=1e-6)


def test_batch_norm_of_offset_input_stays_accurate():
    # Note [Batch norm centering]: against float64, the error of batch_norm(x + 300) in
    # units of ulp(300) * |w| * rstd stays under 1 (x * scale + shift, torch's fold, reaches
    # 1.05 on these draws, and cgrad's before the centering 1.9).
    rng = np.random.default_rng(5)
    worst = 0.0
    for _ in range(50):
        x = rng.uniform(-2, 2, (4, 3, 5, 5)).astype(np.float32) + np.float32(300)
        w, b = (rng.uniform(-2, 2, 3).astype(np.float32) for _ in range(2))
        x64, w64, b64 = (a.astype(np.float64) for a in (x, w.reshape(1, 3, 1, 1), b.reshape(1, 3, 1, 1)))
        mean, var = x64.mean((0, 2, 3), keepdims=True), x64.var((0, 2, 3), keepdims=True)
        rstd = 1 / np.sqrt(var + 1e-5)
        exact = (x64 - mean) * rstd * w64 + b64
        got = F(cgrad).batch_norm(cgrad.tensor(x), None, None, cgrad.tensor(w), cgrad.tensor(b),
                                  True).numpy()
        unit = np.spacing(np.float32(300)) * np.abs(w64) * rstd
        worst = max(worst, float((np.abs(got - exact) / unit).max()))
    assert worst < 1.0


def test_batch_norm_by_channel_under_sum_and_create_graph_as_torch():
    """An expanded upstream gradient (sum()), and create_graph (the recorded formulas)."""
    x_np = R(4, 3, 4, 4)
    grads = {}
    for L in (cgrad, torch):
        x = L.tensor(x_np, requires_grad=True)
        w, b = L.ones(3, requires_grad=True), L.zeros(3, requires_grad=True)
        y = F(L).batch_norm(x, None, None, w, b, True)
        (gx,) = L.autograd.grad((y * y.detach()).sum(), x, create_graph=True)
        gx.pow(2).sum().backward()
        grads[L] = [t.detach().numpy() for t in (gx, x.grad, w.grad)]
    for c, t in zip(grads[cgrad], grads[torch]):
        np.testing.assert_allclose(c, t, rtol=1e-4, atol=1e-5)
    for L in (cgrad, torch):  # first order, through the kernels
        x = L.tensor(x_np, requires_grad=True)
        w = L.tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
        (F(L).batch_norm(x, None, None, w, None, True) * L.tensor(x_np)).sum().backward()
        grads[L] = [t.grad.numpy() for t in (x, w)]
    for c, t in zip(grads[cgrad], grads[torch]):
        np.testing.assert_allclose(c, t, rtol=1e-4, atol=1e-5)


def test_layer_norm_does_not_depend_on_thread_count():
    rng = np.random.default_rng(1)
    x_np, g_np = (rng.standard_normal((1000, 301)).astype(np.float32) for _ in range(2))
    w_np, b_np = (rng.standard_normal(301).astype(np.float32) for _ in range(2))
    before = cgrad.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            cgrad.set_num_threads(n)
            x, w, b = (cgrad.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
            y = F(cgrad).layer_norm(x, (301,), w, b)
            y.backward(cgrad.tensor(g_np))
            results.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    finally:
        cgrad.set_num_threads(before)
    for one, two in zip(*results):
        assert one.tobytes() == two.tobytes()


def test_batch_norm_updates_running_stats_like_torch():
    for L in (torch, cgrad):
        x = L.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) ** 2)
        rm, rv = L.zeros(3), L.ones(3)
        F(L).batch_norm(x, rm, rv, training=True, momentum=0.2)
        if L is torch:
            expected = (rm.numpy().copy(), rv.numpy().copy(), rm._version)
    np.testing.assert_allclose(rm.numpy(), expected[0], rtol=1e-6)
    np.testing.assert_allclose(rv.numpy(), expected[1], rtol=1e-6)
    assert rm._version == expected[2]


ERRORS = [
    error_case("ln_shape", lambda L: F(L).layer_norm(L.ones(4, 5), (4,))),
    error_case("ln_too_many_dims", lambda L: F(L).layer_norm(L.ones(4, 5), (4, 5, 6))),
    error_case("ln_weight_shape", lambda L: F(L).layer_norm(L.ones(4, 5), (5,), L.ones(3))),
    error_case("ln_bias_shape", lambda L: F(L).layer_norm(L.ones(4, 5), (5,), None, L.ones(3))),
    error_case("ln_empty_shape", lambda L: F(L).layer_norm(L.ones(4, 5), ())),
    error_case("ln_int_input", lambda L: F(L).layer_norm(L.ones(4, 5, dtype=L.int64), (5,))),
    error_case("ln_int_shape", lambda L: F(L).layer_norm(L.ones(4, 5), 5)),
    error_case("bn_running_mean", lambda L: F(L).batch_norm(L.ones(4, 5), L.zeros(3), L.ones(3))),
    error_case("bn_weight", lambda L: F(L).batch_norm(L.ones(4, 5), L.zeros(5), L.ones(5),
                                                      L.ones(3))),
    error_case("bn_eval_needs_stats", lambda L: F(L).batch_norm(L.ones(2, 5), None, None)),
    error_case("bn_one_value", lambda L: F(L).batch_norm(L.ones(1, 5), None, None, training=True),
               match=r"^Expected more than 1 value per channel when training, got input size "
                     r"cgrad.Size\(\[1, 5\]\)$"),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)
