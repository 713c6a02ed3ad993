"""Float64 finite-difference checks of the elementwise and activation backward formulas,
and of their second derivatives (backward with create_graph=True, then backward again)."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import leaf, positive

F = cgrad.nn.functional


def unit(*shape, seed=0):
    return leaf(*shape, low=-0.9, high=0.9, seed=seed)


def const(*shape, low=-2.0, high=2.0, seed=5):
    return leaf(*shape, low=low, high=high, seed=seed).detach()


# name -> (function, inputs factory). Inputs stay away from kinks and jumps.
CASES = {
    # ---- unary ----
    "expm1": (cgrad.expm1, lambda: (leaf(5),)),
    "erf": (cgrad.erf, lambda: (leaf(5),)),
    "log2": (cgrad.log2, lambda: (positive(5),)),
    "log10": (cgrad.log10, lambda: (positive(5),)),
    "log1p": (cgrad.log1p, lambda: (leaf(5, low=-0.8, high=3.0),)),
    "rsqrt": (cgrad.rsqrt, lambda: (positive(5),)),
    "tan": (cgrad.tan, lambda: (leaf(5, low=-1.3, high=1.3),)),
    "asin": (cgrad.asin, lambda: (unit(5),)),
    "acos": (cgrad.acos, lambda: (unit(5),)),
    "atan": (cgrad.atan, lambda: (leaf(5, low=-4, high=4),)),
    "sinh": (cgrad.sinh, lambda: (leaf(5),)),
    "cosh": (cgrad.cosh, lambda: (leaf(5),)),
    "floor": (lambda a: a.floor() + a, lambda: (leaf(6, low=-3.9, high=3.9),)),
    "ceil": (lambda a: a.ceil() * a, lambda: (leaf(6, low=-3.9, high=3.9),)),
    "trunc": (lambda a: a.trunc() + a, lambda: (leaf(6, low=-3.9, high=3.9),)),
    "round": (lambda a: a.round() * a, lambda: (leaf(6, low=-3.9, high=3.9),)),
    "round_decimals": (lambda a: a.round(decimals=1) + a, lambda: (leaf(6),)),
    "frac": (cgrad.frac, lambda: (leaf(6, low=-3.9, high=3.9),)),
    "sign": (lambda a: a.sign() * a, lambda: (leaf(6),)),
    # ---- binary ----
    "atan2": (cgrad.atan2, lambda: (leaf(2, 3), leaf(2, 3, seed=1))),
    "atan2_bcast": (cgrad.atan2, lambda: (leaf(3, 1), leaf(1, 4, seed=1))),
    "minimum": (cgrad.minimum, lambda: (leaf(2, 3), leaf(2, 3, seed=1))),
    "maximum_bcast": (cgrad.maximum, lambda: (leaf(3, 1), leaf(4, seed=1))),
    "fmod": (cgrad.fmod, lambda: (leaf(6, low=-5, high=5), positive(6, seed=1))),
    "fmod_negative": (cgrad.fmod, lambda: (leaf(6, low=-5, high=5),
                                           leaf(6, low=-2, high=-0.5, seed=1))),
    "fmod_scalar": (lambda a: cgrad.fmod(a, 1.5), lambda: (leaf(6, low=-5, high=5),)),
    "remainder": (cgrad.remainder, lambda: (leaf(6, low=-5, high=5), positive(6, seed=1))),
    "remainder_bcast": (lambda a, b: a % b, lambda: (leaf(2, 3, low=-5, high=5), positive(3, seed=1))),
    "remainder_scalar": (lambda a: a % -1.5, lambda: (leaf(6, low=-5, high=5),)),
    "lerp_scalar": (lambda a, b: cgrad.lerp(a, b, 0.3), lambda: (leaf(2, 3), leaf(3, seed=1))),
    "lerp_scalar_high": (lambda a, b: cgrad.lerp(a, b, 0.8), lambda: (leaf(4), leaf(4, seed=1))),
    "lerp_tensor": (cgrad.lerp, lambda: (leaf(2, 3), leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    "lerp_tensor_bcast": (cgrad.lerp, lambda: (leaf(3), leaf(2, 1, seed=1), leaf(2, 3, seed=2))),
    "addcmul": (lambda x, a, b: cgrad.addcmul(x, a, b, value=0.7),
                lambda: (leaf(2, 3), leaf(3, seed=1), leaf(2, 1, seed=2))),
    "addcdiv": (lambda x, a, b: cgrad.addcdiv(x, a, b, value=-1.3),
                lambda: (leaf(2, 3), leaf(2, 3, seed=1), leaf(3, seed=2, low=0.5))),
    "clamp_scalar": (lambda a: a.clamp(-1, 1), lambda: (leaf(8),)),
    "clamp_min_only": (lambda a: a.clamp(min=0.3), lambda: (leaf(8),)),
    "clamp_tensor": (lambda a, lo, hi: a.clamp(lo, hi),
                     lambda: (leaf(8), leaf(8, low=-2, high=0, seed=1),
                              leaf(8, low=0, high=2, seed=2))),
    "clamp_tensor_crossed": (lambda a, lo, hi: a.clamp(lo, hi),
                             lambda: (leaf(8), leaf(8, low=0.5, high=2, seed=1),
                                      leaf(8, low=-2, high=0.4, seed=2))),
    "clamp_tensor_min_bcast": (lambda a, lo: a.clamp(lo), lambda: (leaf(2, 3), leaf(3, seed=1))),
    "clamp_tensor_max": (lambda a, hi: a.clamp(max=hi), lambda: (leaf(6), leaf(6, seed=1))),
    "clamp_min_tensor": (cgrad.clamp_min, lambda: (leaf(6), leaf(6, seed=1))),
    "clamp_max_scalar": (lambda a: a.clamp_max(0.5), lambda: (leaf(6),)),
    # ---- activations ----
    "gelu": (F.gelu, lambda: (leaf(8, low=-4, high=4),)),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"), lambda: (leaf(8, low=-4, high=4),)),
    "silu": (F.silu, lambda: (leaf(8, low=-4, high=4),)),
    "softplus": (F.softplus, lambda: (leaf(8, low=-4, high=4),)),
    "softplus_beta_threshold": (lambda a: F.softplus(a, beta=2, threshold=3),
                                lambda: (leaf(8, low=-4, high=4),)),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), lambda: (leaf(8),)),
    "elu": (lambda a: F.elu(a, alpha=0.7), lambda: (leaf(8),)),
    "relu": (F.relu, lambda: (leaf(8),)),
    "hardtanh": (lambda a: F.hardtanh(a, -0.5, 1.2), lambda: (leaf(8),)),
    "relu6": (lambda a: F.relu6(a * 4), lambda: (leaf(8),)),
    "hardsigmoid": (F.hardsigmoid, lambda: (leaf(8, low=-4, high=4),)),
    "hardswish": (F.hardswish, lambda: (leaf(8, low=-4, high=4),)),
    "softsign": (F.softsign, lambda: (leaf(8),)),
    "logsigmoid": (F.logsigmoid, lambda: (leaf(8, low=-4, high=4),)),
    "softshrink": (lambda a: F.softshrink(a, 0.3), lambda: (leaf(8),)),
    "hardshrink": (lambda a: F.hardshrink(a, 0.3), lambda: (leaf(8),)),
    "tanhshrink": (F.tanhshrink, lambda: (leaf(8),)),
    "softmin": (lambda a: F.softmin(a, 1), lambda: (leaf(2, 4),)),
    "softmax_last": (lambda a: F.softmax(a, -1), lambda: (leaf(2, 4),)),
    "softmax_first": (lambda a: F.softmax(a, 0), lambda: (leaf(3, 2, 2),)),
    "softmax_middle": (lambda a: F.softmax(a, 1), lambda: (leaf(2, 3, 2),)),
    "log_softmax_last": (lambda a: F.log_softmax(a, -1), lambda: (leaf(2, 4),)),
    "log_softmax_first": (lambda a: F.log_softmax(a, 0), lambda: (leaf(3, 2, 2),)),
    "log_softmax_transposed": (lambda a: F.log_softmax(a.T, 1), lambda: (leaf(3, 2),)),
    "softmax_0d": (lambda a: F.softmax(a, 0), lambda: (leaf(),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


# ---- second derivatives: gradgradcheck against finite differences of the first ----

def first_derivative(fn, x_data, u_data, create_graph):
    """x, u, and fn's vector-Jacobian product u^T d fn/dx (differentiable if create_graph)."""
    x = cgrad.tensor(x_data, dtype=cgrad.float64, requires_grad=True)
    u = cgrad.tensor(u_data, dtype=cgrad.float64, requires_grad=create_graph)
    fn(x).backward(u, create_graph=create_graph)
    return x, u, x.grad


def gradgradcheck(fn, x_data, eps=1e-6, rtol=1e-4, atol=1e-6):
    """d/dx and d/du of <v, u^T J(x)> by backward-of-backward vs central differences."""
    rng = np.random.default_rng(3)
    u_data = rng.standard_normal(x_data.shape)
    v_data = rng.standard_normal(x_data.shape)
    x, u, g = first_derivative(fn, x_data, u_data, create_graph=True)
    x.grad = None
    (g * cgrad.tensor(v_data)).sum().backward()
    analytic = {"x": x.grad.numpy() if x.grad is not None else np.zeros_like(x_data),
                "u": u.grad.numpy()}

    def phi(xd, ud):
        return float((first_derivative(fn, xd, ud, False)[2].numpy() * v_data).sum())

    for wrt, base in (("x", x_data), ("u", u_data)):
        numeric = np.zeros_like(base)
        for j in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[j] += eps
            minus[j] -= eps
            args_p = (plus, u_data) if wrt == "x" else (x_data, plus)
            args_m = (minus, u_data) if wrt == "x" else (x_data, minus)
            numeric[j] = (phi(*args_p) - phi(*args_m)) / (2 * eps)
        np.testing.assert_allclose(analytic[wrt], numeric, rtol=rtol, atol=atol,
                                   err_msg=f"second derivative w.r.t. {wrt}")


SECOND_ORDER = {
    "gelu": F.gelu,
    "gelu_tanh": lambda a: F.gelu(a, approximate="tanh"),
    "silu": F.silu,
    "softplus": F.softplus,
    "softplus_beta_threshold": lambda a: F.softplus(a, beta=1.5, threshold=2),
    "leaky_relu": lambda a: F.leaky_relu(a, 0.2),
    "elu": lambda a: F.elu(a, alpha=0.7),
    "relu": F.relu,
    "hardtanh": lambda a: F.hardtanh(a, -0.5, 1.2),
    "hardswish": lambda a: F.hardswish(a * 2),
    "logsigmoid": F.logsigmoid,
    "softshrink": lambda a: F.softshrink(a * 2, 0.3),
    "hardshrink": lambda a: F.hardshrink(a * 2, 0.3),
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax_last": lambda a: F.softmax(a, -1),
    "softmax_first": lambda a: F.softmax(a, 0),
    "log_softmax_last": lambda a: F.log_softmax(a, -1),
    "log_softmax_first": lambda a: F.log_softmax(a, 0),
    "expm1": cgrad.expm1,
    "log1p": lambda a: cgrad.log1p(a * a),
    "rsqrt": lambda a: cgrad.rsqrt(a * a + 0.5),
    "tan": lambda a: cgrad.tan(a * 0.5),
    "asin": lambda a: cgrad.asin(a * 0.3),
    "acos": lambda a: cgrad.acos(a * 0.3),
    "atan": cgrad.atan,
    "sinh": cgrad.sinh,
    "cosh": cgrad.cosh,
    "atan2": lambda a: cgrad.atan2(a, a * 0.5 + 2),
    "maximum": lambda a: cgrad.maximum(a * a, a),
    "lerp": lambda a: cgrad.lerp(a, a * a, a.sigmoid()),
    "addcmul": lambda a: cgrad.addcmul(a, a * a, a.sin(), value=0.5),
    "addcdiv": lambda a: cgrad.addcdiv(a, a.sin(), a * a + 1, value=2),
    "clamp_tensor": lambda a: (a * a).clamp(a - 1, a + 0.5),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivative_matches_finite_differences(name):
    x = np.random.default_rng(11).uniform(-2.5, 2.5, (2, 3))
    gradgradcheck(SECOND_ORDER[name], x)


# ---- second derivatives against torch (create_graph=True, then backward again) ----

@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_second_derivative_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    fn = SECOND_ORDER[name]
    torch_fns = {
        "gelu": torch.nn.functional.gelu,
        "gelu_tanh": lambda a: torch.nn.functional.gelu(a, approximate="tanh"),
        "silu": torch.nn.functional.silu,
        "softplus": torch.nn.functional.softplus,
        "softplus_beta_threshold": lambda a: torch.nn.functional.softplus(a, beta=1.5,
                                                                           threshold=2),
        "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, 0.2),
        "elu": lambda a: torch.nn.functional.elu(a, alpha=0.7),
        "relu": torch.nn.functional.relu,
        "hardtanh": lambda a: torch.nn.functional.hardtanh(a, -0.5, 1.2),
        "hardswish": lambda a: torch.nn.functional.hardswish(a * 2),
        "logsigmoid": torch.nn.functional.logsigmoid,
        "softshrink": lambda a: torch.nn.functional.softshrink(a * 2, 0.3),
        "hardshrink": lambda a: torch.nn.functional.hardshrink(a * 2, 0.3),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax_last": lambda a: torch.softmax(a, -1),
        "softmax_first": lambda a: torch.softmax(a, 0),
        "log_softmax_last": lambda a: torch.log_softmax(a, -1),
        "log_softmax_first": lambda a: torch.log_softmax(a, 0),
        "expm1": torch.expm1,
        "log1p": lambda a: torch.log1p(a * a),
        "rsqrt": lambda a: torch.rsqrt(a * a + 0.5),
        "tan": lambda a: torch.tan(a * 0.5),
        "asin": lambda a: torch.asin(a * 0.3),
        "acos": lambda a: torch.acos(a * 0.3),
        "atan": torch.atan,
        "sinh": torch.sinh,
        "cosh": torch.cosh,
        "atan2": lambda a: torch.atan2(a, a * 0.5 + 2),
        "maximum": lambda a: torch.maximum(a * a, a),
        "lerp": lambda a: torch.lerp(a, a * a, a.sigmoid()),
        "addcmul": lambda a: torch.addcmul(a, a * a, a.sin(), value=0.5),
        "addcdiv": lambda a: torch.addcdiv(a, a.sin(), a * a + 1, value=2),
        "clamp_tensor": lambda a: (a * a).clamp(a - 1, a + 0.5),
    }
    rng = np.random.default_rng(7)
    data = np.asarray(rng.uniform(-2.5, 2.5, (3, 4)), dtype=dtype)
    upstream = np.asarray(rng.standard_normal((3, 4)), dtype=dtype)
    v = np.asarray(rng.standard_normal((3, 4)), dtype=dtype)
    results = []
    for L, f in ((torch, torch_fns[name]), (cgrad, fn)):
        x = L.tensor(data, requires_grad=True)
        u = L.tensor(upstream, requires_grad=True)  # upstream gradients are differentiable too
        f(x).backward(u, create_graph=True)
        g = x.grad
        x.grad = None
        (g * L.tensor(v)).sum().backward()
        # torch leaves zeros (not None) where the first derivative doesn't depend on x (relu)
        results.append((g.detach().numpy(), x.grad.numpy(), u.grad.numpy()))
    rtol, atol = (1e-4, 1e-5) if dtype == np.float32 else (1e-9, 1e-11)
    for c, t, what in zip(results[1], results[0], ("grad", "grad of grad wrt x", "wrt upstream")):
        np.testing.assert_allclose(c, t, rtol=rtol, atol=atol, err_msg=what)


def test_third_derivative_of_gelu():
    # The double-backward formulas are themselves made of cgrad ops: differentiate again.
    torch = pytest.importorskip("torch")
    out = []
    for L in (torch, cgrad):
        x = L.tensor([-1.5, 0.2, 1.1], dtype=L.float64, requires_grad=True)
        y = L.nn.functional.gelu(x)
        y.backward(L.ones(3, dtype=L.float64), create_graph=True)
        g1 = x.grad
        x.grad = None
        g1.sum().backward(create_graph=True)
        g2 = x.grad
        x.grad = None
        g2.sum().backward()
        out.append(x.grad.numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-9)
