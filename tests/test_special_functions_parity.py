"""The special functions (lgamma, digamma, polygamma, erfinv, i0, logit) against torch, one
line per case: values (torch's own recipes where its value is not the exact one, Note
[Special functions]), dtypes, node names, gradients, special values, in-place forms,
`out=` and saved tensors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, I, INF, P, R, T, U, arr, case, check  # noqa: E402
from test_saved_tensors import node_and_saved  # noqa: E402

NAN = float("nan")


def G(*shape, dtype=np.float32):
    """Away from the poles of the gamma family: (0.1, 6) and (-2.9, -2.1)."""
    x = R(*shape, dtype=dtype, low=0.1, high=6.0)
    return np.where(R(*shape) > 1.2, x - 9.0 + (x % 0.8), x).astype(dtype)


def W(*shape, dtype=np.float32):
    return R(*shape, dtype=dtype, low=-12.0, high=12.0)


def Pr(*shape, dtype=np.float32):
    """Probabilities."""
    return R(*shape, dtype=dtype, low=0.02, high=0.98)


UNARY = {"lgamma": G, "digamma": G, "erfinv": U, "i0": W}
POLY = [0, 1, 2, 3, 4]

CASES = [
    *[case(f"{n}_method", lambda L, a, n=n: getattr(a, n)(), mk(3, 4)) for n, mk in UNARY.items()],
    *[case(f"{n}_fn", lambda L, a, n=n: getattr(L, n)(a), mk(5)) for n, mk in UNARY.items()],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(L, n)(a), mk(2, 3, dtype=np.float64))
      for n, mk in UNARY.items()],
    *[case(f"{n}_0d", lambda L, a, n=n: getattr(L, n)(a), mk()) for n, mk in UNARY.items()],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(L, n)(a), T(mk(4, 3)))
      for n, mk in UNARY.items()],
    *[case(f"{n}_empty", lambda L, a, n=n: getattr(L, n)(a), mk(0, 3)) for n, mk in UNARY.items()],
    *[case(f"{n}_int", lambda L, a, n=n: getattr(L, n)(a), I(6, low=-3, high=5))
      for n in UNARY],
    *[case(f"{n}_int32", lambda L, a, n=n: getattr(L, n)(a), I(6, dtype=np.int32, low=1))
      for n in UNARY],
    *[case(f"{n}_bool", lambda L, a, n=n: getattr(L, n)(a), B(6)) for n in UNARY],
    # polygamma(n, x) and x.polygamma(n)
    *[case(f"polygamma_{k}", lambda L, a, k=k: L.polygamma(k, a), G(3, 4)) for k in POLY],
    *[case(f"polygamma_{k}_method", lambda L, a, k=k: a.polygamma(k), G(5)) for k in POLY],
    *[case(f"polygamma_{k}_float64", lambda L, a, k=k: L.polygamma(k, a),
           G(2, 3, dtype=np.float64)) for k in POLY],
    case("polygamma_int", lambda L, a: L.polygamma(1, a), I(5, low=1, high=6)),
    case("polygamma_bool", lambda L, a: L.polygamma(2, a), B(5)),
    case("polygamma_large_n", lambda L, a: L.polygamma(9, a), P(4, dtype=np.float64)),
    case("polygamma_transposed", lambda L, a: L.polygamma(3, a), T(G(4, 3))),
    case("polygamma_poles", lambda L, a: L.polygamma(2, a),
         arr(0.0, -0.0, -1.0, -3.5, INF, -INF, NAN, 1e10), grad=False),
    case("trigamma_poles", lambda L, a: L.polygamma(1, a),
         arr(0.0, -0.0, -1.0, -3.5, INF, -INF, NAN, 1e-8), grad=False),
    # logit, with and without eps
    case("logit", lambda L, a: L.logit(a), Pr(3, 4)),
    case("logit_method", lambda L, a: a.logit(), Pr(5)),
    case("logit_float64", lambda L, a: L.logit(a), Pr(2, 3, dtype=np.float64)),
    case("logit_eps", lambda L, a: L.logit(a, eps=0.1), R(3, 4, low=-0.2, high=1.2)),
    case("logit_eps_positional", lambda L, a: a.logit(0.25), R(6, low=-0.2, high=1.2)),
    case("logit_eps_float64", lambda L, a: L.logit(a, 0.01),
         arr(0.0, 1.0, 0.005, 0.5, 0.999, -1.0, dtype=np.float64)),
    case("logit_eps_negative_is_none", lambda L, a: L.logit(a, eps=-1.0), Pr(4)),
    case("logit_outside", lambda L, a: L.logit(a), arr(0.0, 1.0, -0.5, 1.5, 0.5, NAN)),
    case("logit_eps_edges", lambda L, a: L.logit(a, eps=0.01), arr(0.0, 1.0, 0.01, 0.99, NAN)),
    case("logit_int", lambda L, a: L.logit(a), I(4, low=0, high=2)),
    case("logit_transposed", lambda L, a: L.logit(a, 1e-6), T(Pr(4, 3))),
    # special values
    case("lgamma_special", lambda L, a: a.lgamma(),
         arr(0.0, -0.0, -1.0, -2.5, 1.0, 2.0, 1e-30, 1e30, INF, -INF, NAN), grad=False),
    case("digamma_special", lambda L, a: a.digamma(),
         arr(0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 10.0, 1e-8, -1e-8, 1e20, INF, -INF, NAN),
         grad=False),
    case("digamma_special_float64", lambda L, a: a.digamma(),
         arr(0.0, -0.0, -1.0, -2.5, 1.0, 10.0, 1e-8, 1.4616321449683622, 1e20, INF, -INF, NAN,
             dtype=np.float64), grad=False),
    case("digamma_negative_float32", lambda L, a: a.digamma(), R(40, low=-10, high=0)),
    case("erfinv_special", lambda L, a: a.erfinv(),
         arr(0.0, -0.0, 1.0, -1.0, 1.5, -1.01, NAN, 1e-30, 0.9999999), grad=False),
    case("erfinv_tails_float64", lambda L, a: a.erfinv(),
         arr(1 - 1e-15, -(1 - 1e-12), 0.999999, 1 - 2**-53, 1e-300, dtype=np.float64)),
    case("i0_special", lambda L, a: a.i0(),
         arr(0.0, -0.0, 25.0, 88.5, 89.0, 92.0, -30.0, INF, -INF, NAN), grad=False),
    case("i0_large_float64", lambda L, a: a.i0(),
         arr(25.0, 26.0, -100.0, 700.0, 709.0, 710.0, 713.0, dtype=np.float64), grad=False),
    case("i0_wide", lambda L, a: a.i0(), R(30, low=-40, high=40, dtype=np.float64)),
    case("chain", lambda L, a: (a.lgamma() + a.digamma() * a.i0()).sigmoid(), G(3, 3)),
    # in-place forms: polygamma_, logit_ (the rows' are in test_pointwise_table)
    # (torch names polygamma_'s node PolygammaBackward1, the function's ...0)
    case("polygamma_inplace", lambda L, a: (a * 1).polygamma_(2), G(3, 4)),
    case("polygamma_inplace_float64", lambda L, a: (a * 1).polygamma_(1), G(4, dtype=np.float64)),
    case("logit_inplace", lambda L, a: (a * 1).logit_(), Pr(3, 4)),
    case("logit_inplace_eps", lambda L, a: (a * 1).logit_(eps=0.2), Pr(5)),
    case("logit_inplace_fn", lambda L, a: L.logit_(a * 1, 0.05), Pr(5)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_float_results_agree_with_torch_on_a_dense_sweep():
    rng = np.random.default_rng(5)
    sweeps = {"lgamma": rng.uniform(-12, 30, 20000), "digamma": rng.uniform(-12, 30, 20000),
              "erfinv": rng.uniform(-1, 1, 20000), "i0": rng.uniform(-90, 90, 20000)}
    for name, x in sweeps.items():
        for dtype, ulps in ((np.float64, 16), (np.float32, 16)):
            data = x.astype(dtype)
            c = getattr(cgrad, name)(cgrad.tensor(data)).numpy()
            t = getattr(torch, name)(torch.tensor(data)).numpy()
            finite = np.isfinite(t)
            assert np.array_equal(np.isfinite(c), finite), name
            spacing = np.spacing(np.abs(t[finite]).astype(dtype))
            assert np.max(np.abs(c[finite] - t[finite]) / spacing) <= ulps, (name, dtype)


SECOND = [("digamma", lambda L, x: L.digamma(x), [0.7, 2.5, -1.5]),
          ("i0_at_zero", lambda L, x: L.i0(x), [0.0, 1.0, -3.0, 30.0]),
          ("lgamma", lambda L, x: L.lgamma(x), [0.3, 4.0]),
          ("erfinv", lambda L, x: L.erfinv(x), [0.3, -0.8]),
          ("polygamma", lambda L, x: L.polygamma(2, x), [0.3, 4.0]),
          ("logit_eps", lambda L, x: L.logit(x, 0.1), [0.05, 0.5, 0.95])]


@pytest.mark.parametrize("name,f,values", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivative_matches_torch(name, f, values):
    results = []
    for L in (torch, cgrad):
        x = L.tensor(values, dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad(f(L, x).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-9, atol=1e-12)


ERRORS = [
    error_case("polygamma_negative_n", lambda L: L.polygamma(-1, L.tensor([1.0]))),
    error_case("polygamma_inplace_negative_n", lambda L: L.tensor([1.0]).polygamma_(-2)),
    error_case("polygamma_float_n", lambda L: L.polygamma(1.5, L.tensor([1.0])), match=None),
    error_case("polygamma_inplace_int", lambda L: L.tensor([1, 2]).polygamma_(1)),
    error_case("lgamma_inplace_int", lambda L: L.tensor([1, 2]).lgamma_()),
    error_case("digamma_inplace_bool", lambda L: L.tensor([True]).digamma_()),
    error_case("erfinv_inplace_int", lambda L: L.tensor([0, 1]).erfinv_()),
    error_case("i0_inplace_fn_int", lambda L: L.i0_(L.tensor([0, 1]))),
    error_case("logit_inplace_int", lambda L: L.tensor([0, 1]).logit_()),
    error_case("logit_eps_str", lambda L: L.logit(L.tensor([0.5]), eps="a"), match=None),
    error_case("lgamma_fn_inplace_missing", lambda L: L.lgamma_(L.tensor([1.0])), match="lgamma_"),
    error_case("i0_out_long", lambda L: L.i0(L.tensor([1.0]), out=L.empty(1, dtype=L.int64))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)


OUT = [("lgamma", lambda L, x, o: L.lgamma(x, out=o)), ("digamma", lambda L, x, o: L.digamma(x, out=o)),
       ("erfinv", lambda L, x, o: L.erfinv(x * 0.3, out=o)), ("i0", lambda L, x, o: L.i0(x, out=o)),
       ("polygamma", lambda L, x, o: L.polygamma(2, x, out=o)),
       ("logit", lambda L, x, o: L.logit(x * 0.3, 0.1, out=o))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,fn", OUT, ids=[o[0] for o in OUT])
def test_out_argument_matches_torch(name, fn, dtype):
    x = P(5)
    results = []
    for L in (torch, cgrad):
        out = L.empty(0, dtype=getattr(L, dtype))
        assert fn(L, L.tensor(x), out) is out
        results.append(out.numpy())
    assert results[1].dtype == results[0].dtype
    np.testing.assert_allclose(results[1], results[0], rtol=3e-6)


SAVED = [("lgamma", lambda L, a: a.lgamma()), ("digamma", lambda L, a: a.digamma()),
         ("erfinv", lambda L, a: (a * 0.4).erfinv()), ("i0", lambda L, a: a.i0()),
         ("polygamma", lambda L, a: a.polygamma(2)), ("logit", lambda L, a: (a * 0.4).logit(0.1))]


@pytest.mark.parametrize("name,fn", SAVED, ids=[s[0] for s in SAVED])
def test_saved_tensors_match_torch(name, fn):
    x = P(2, 3)
    t_node, t_saved = node_and_saved(torch, fn, [x], None)
    c_node, c_saved = node_and_saved(cgrad, fn, [x], None)
    assert type(c_node).__name__ == type(t_node).__name__
    assert sorted(c_saved) == sorted(t_saved)
    for key, value in t_saved.items():
        np.testing.assert_allclose(c_saved[key].detach().numpy(), value.detach().numpy(),
                                   rtol=3e-5)
