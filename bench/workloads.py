"""The benchmark's workloads, written once against the torch API so the same code runs on
cgrad (imported as `torch`), on torch and, for forward-only ones, on numpy.

Each workload is `make(lib, np_rng) -> Case`: `run()` is what gets timed, `result()`
returns the value checked against a float64 numpy reference (`reference()`), and `amount`
turns seconds into the workload's unit.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Case:
    run: Callable[[], object]
    result: Callable[[], np.ndarray]
    reference: Callable[[], np.ndarray]
    unit: str             # "us/op", "GB/s", "GFLOP/s", "ms/step"
    amount: float = 1.0   # bytes, flops or ops per run (per the unit)
    rtol: float = 1e-4


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _is_numpy(lib):
    return lib is np


def _tensor(lib, array, requires_grad=False):
    if _is_numpy(lib):
        return array
    return lib.tensor(array, requires_grad=requires_grad)


# ---------- per-op overhead ----------

def op_overhead_add_small(lib, rng):
    a_np, b_np = rng.standard_normal(4, dtype=np.float32), rng.standard_normal(4, dtype=np.float32)
    a, b = _tensor(lib, a_np), _tensor(lib, b_np)
    out = {}

    def run():
        for _ in range(100):
            out["r"] = a + b

    return Case(run, lambda: _np(out["r"]), lambda: a_np.astype(np.float64) + b_np,
                "us/op", amount=100)


def op_overhead_autograd_small(lib, rng):
    x_np = rng.uniform(0.5, 1.0, 4).astype(np.float32)
    x = _tensor(lib, x_np, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for i in range(20):
            y = y * 1.01 if i % 2 == 0 else y + 0.5
        y.sum().backward()

    def reference():  # d/dx of 20 alternating ops: 1.01 ** 10
        return np.full(4, 1.01 ** 10)

    return Case(run, lambda: _np(x.grad), reference, "us/op", amount=20)


def micrograd_mlp_scalar(lib, rng):
    """A 2-16-16-1 MLP on one-element tensors, as micrograd's demo: 16 points."""
    sizes = [2, 16, 16, 1]
    weights = [[[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(sizes, sizes[1:])]
    params = [[[lib.tensor([w], requires_grad=True) for w in row] for row in layer]
              for layer in weights]
    xs = rng.uniform(-1, 1, (16, 2))
    state = {}

    def forward(point):
        acts = [lib.tensor([v]) for v in point]
        for li, layer in enumerate(params):
            new = []
            for row in layer:
                s = row[0] * acts[0]
                for w, a in zip(row[1:], acts[1:]):
                    s = s + w * a
                new.append(s.tanh() if li < len(params) - 1 else s)
            acts = new
        return acts[0]

    def run():
        for layer in params:
            for row in layer:
                for w in row:
                    w.grad = None
        loss = forward(xs[0])
        for p in xs[1:]:
            loss = loss + forward(p)
        loss.backward()
        state["g"] = params[0][0][0].grad

    def reference():  # float64 recomputation of d loss / d w[0][0][0] by finite differences
        w = [np.array(layer) for layer in weights]

        def loss_of(w0):
            w = [np.array(layer) for layer in weights]
            w[0][0, 0] = w0
            total = 0.0
            for p in xs:
                a = p
                for li, m in enumerate(w):
                    a = m @ a
                    if li < len(w) - 1:
                        a = np.tanh(a)
                total += a[0]
            return total

        h = 1e-6
        w00 = w[0][0, 0]
        return np.array([(loss_of(w00 + h) - loss_of(w00 - h)) / (2 * h)])

    n_ops = 16 * (2 * 16 + 16 + 2 * 16 * 16 + 16 + 2 * 16) + 15
    return Case(run, lambda: _np(state["g"]), reference, "us/op", amount=n_ops, rtol=1e-3)


# ---------- memory-bound kernels ----------

def _binary(n, op, name_bytes):
    def make(lib, rng):
        a_np = rng.standard_normal(n, dtype=np.float32)
        b_np = rng.standard_normal(n, dtype=np.float32)
        a, b = _tensor(lib, a_np), _tensor(lib, b_np)
        out = {}

        def run():
            out["r"] = op(a, b)

        return Case(run, lambda: _np(out["r"]),
                    lambda: op(a_np.astype(np.float64), b_np.astype(np.float64)),
                    "GB/s", amount=name_bytes * n)
    return make


elementwise_add_1M = _binary(1 << 20, lambda a, b: a + b, 12)
elementwise_mul_16M = _binary(1 << 24, lambda a, b: a * b, 12)


def _unary(n, fn_name):
    def make(lib, rng):
        a_np = rng.uniform(-3, 3, n).astype(np.float32)
        a = _tensor(lib, a_np)
        fn = getattr(np if _is_numpy(lib) else lib, fn_name)
        out = {}

        def run():
            out["r"] = fn(a)

        return Case(run, lambda: _np(out["r"]),
                    lambda: getattr(np, fn_name)(a_np.astype(np.float64)), "GB/s", amount=8 * n)
    return make


unary_exp_4M = _unary(1 << 22, "exp")
tanh_4M = _unary(1 << 22, "tanh")


def reduction_sum_16M(lib, rng):
    n = 1 << 24
    a_np = rng.standard_normal(n, dtype=np.float32)
    a = _tensor(lib, a_np)
    out = {}

    def run():
        out["r"] = a.sum()

    return Case(run, lambda: np.array(float(out["r"])),
                lambda: np.array(a_np.astype(np.float64).sum()), "GB/s", amount=4 * n, rtol=1e-3)


def broadcast_add_row(lib, rng):
    a_np = rng.standard_normal((1024, 1024), dtype=np.float32)
    b_np = rng.standard_normal(1024, dtype=np.float32)
    a, b = _tensor(lib, a_np), _tensor(lib, b_np)
    out = {}

    def run():
        out["r"] = a + b

    return Case(run, lambda: _np(out["r"]), lambda: a_np.astype(np.float64) + b_np,
                "GB/s", amount=8 * 1024 * 1024)


# ---------- compute-bound and training ----------

def _matmul(n):
    def make(lib, rng):
        a_np = rng.standard_normal((n, n), dtype=np.float32)
        b_np = rng.standard_normal((n, n), dtype=np.float32)
        a, b = _tensor(lib, a_np), _tensor(lib, b_np)
        out = {}

        def run():
            out["r"] = a @ b

        return Case(run, lambda: _np(out["r"]),
                    lambda: a_np.astype(np.float64) @ b_np.astype(np.float64),
                    "GFLOP/s", amount=2.0 * n ** 3, rtol=1e-3)
    return make


matmul_128, matmul_512, matmul_1024, matmul_2048 = (_matmul(n) for n in (128, 512, 1024, 2048))


def mlp_train_step(lib, rng):
    """784-256-128-10 ReLU MLP, batch 128, cross-entropy, SGD (lr 0.01)."""
    F = lib.nn.functional
    dims = [784, 256, 128, 10]
    init = [((rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32), np.zeros(o, np.float32))
            for i, o in zip(dims, dims[1:])]
    params = [(lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True))
              for w, b in init]
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 128))
    state = {}

    def run():
        h = x
        for i, (w, b) in enumerate(params):
            h = F.linear(h, w, b)
            if i < len(params) - 1:
                h = F.relu(h)
        loss = F.cross_entropy(h, y)
        for w, b in params:
            w.grad = None
            b.grad = None
        loss.backward()
        with lib.no_grad():
            for w, b in params:
                w -= 0.01 * w.grad
                b -= 0.01 * b.grad
        state["loss"] = loss

    def reference():  # the first step's loss, in float64
        h = _np(x).astype(np.float64)
        for i, (w, b) in enumerate(init):
            h = h @ w.T.astype(np.float64) + b
            if i < len(init) - 1:
                h = np.maximum(h, 0)
        h = h - h.max(axis=1, keepdims=True)
        logp = h - np.log(np.exp(h).sum(axis=1, keepdims=True))
        return np.array(-logp[np.arange(128), _np(y)].mean())

    first = {}

    def result():
        return first["loss"]

    def run_and_remember():
        run()
        first.setdefault("loss", np.array(state["loss"].item()))

    return Case(run_and_remember, result, reference, "ms/step", rtol=1e-3)


def backward_chain_large(lib, rng):
    n = 1 << 20
    x_np = rng.uniform(0.5, 1.0, n).astype(np.float32)
    x = lib.tensor(x_np, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for i in range(50):
            y = y * 1.001 if i % 2 == 0 else y + 0.001
        y.sum().backward()

    return Case(run, lambda: _np(x.grad), lambda: np.full(n, 1.001 ** 25), "ms/step",
                rtol=1e-4)


def _optimizer_step(make_optimizer, first_step_reference):
    """One optimizer step over 100 parameters of 32x32 with fixed gradients: the cost of
    an optimizer's bookkeeping and update (torch runs a loop of per-tensor ops; cgrad one
    fused call). The first step's parameters are checked against float64 numpy."""
    def make(lib, rng):
        init = [rng.standard_normal((32, 32)).astype(np.float32) for _ in range(100)]
        grads = [rng.standard_normal((32, 32)).astype(np.float32) for _ in range(100)]
        params = [lib.tensor(w, requires_grad=True) for w in init]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        opt = make_optimizer(lib, params)
        first = {}

        def run():
            opt.step()
            first.setdefault("p", _np(params[0]).copy())

        return Case(run, lambda: first["p"],
                    lambda: first_step_reference(init[0].astype(np.float64),
                                                 grads[0].astype(np.float64)),
                    "us/op", amount=1)  # one step
    return make


adam_step_100_params = _optimizer_step(
    lambda lib, params: lib.optim.Adam(params, lr=1e-3),
    lambda w, g: w - 1e-3 * g / (np.abs(g) + 1e-8))  # step 1: m^ = g, v^ = g*g
sgd_momentum_step_100_params = _optimizer_step(
    lambda lib, params: lib.optim.SGD(params, lr=0.01, momentum=0.9),
    lambda w, g: w - 0.01 * g)  # step 1: the momentum buffer is the gradient


ALL = {
    "op_overhead_add_small": op_overhead_add_small,
    "op_overhead_autograd_small": op_overhead_autograd_small,
    "micrograd_mlp_scalar": micrograd_mlp_scalar,
    "elementwise_add_1M": elementwise_add_1M,
    "elementwise_mul_16M": elementwise_mul_16M,
    "unary_exp_4M": unary_exp_4M,
    "tanh_4M": tanh_4M,
    "reduction_sum_16M": reduction_sum_16M,
    "broadcast_add_row": broadcast_add_row,
    "matmul_128": matmul_128,
    "matmul_512": matmul_512,
    "matmul_1024": matmul_1024,
    "matmul_2048": matmul_2048,
    "mlp_train_step": mlp_train_step,
    "backward_chain_large": backward_chain_large,
    "adam_step_100_params": adam_step_100_params,
    "sgd_momentum_step_100_params": sgd_momentum_step_100_params,
}
# Workloads numpy can run too (no autograd).
FORWARD_ONLY = {"op_overhead_add_small", "elementwise_add_1M", "elementwise_mul_16M",
                "unary_exp_4M", "tanh_4M", "reduction_sum_16M", "broadcast_add_row",
                "matmul_128", "matmul_512", "matmul_1024", "matmul_2048"}
