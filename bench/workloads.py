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
    unit: str             # "us/op", "GB/s", "GFLOP/s", "ms/step", "ms/epoch"
    amount: float = 1.0   # bytes, flops or ops per run (per the unit)
    rtol: float = 1e-4


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _is_numpy(lib):
    return lib is np


def _np_cross_entropy(logits, labels):
    """Mean negative log-softmax at the labels, in float64."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return np.array(-logp[np.arange(len(z)), labels].mean())


def _np_max_pool2(a):
    n, c, hh, ww = a.shape
    return a.reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))


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


def _flip(dim):
    """flip of a 2048 x 2048 float32 matrix along `dim` (numpy: np.flip, copied)."""
    def make(lib, rng):
        a_np = rng.standard_normal((2048, 2048), dtype=np.float32)
        a = _tensor(lib, a_np)
        out = {}

        def run():
            out["r"] = np.flip(a, dim).copy() if _is_numpy(lib) else a.flip(dim)

        return Case(run, lambda: _np(out["r"]), lambda: np.flip(a_np, dim).astype(np.float64),
                    "GB/s", amount=8 * a_np.size)
    return make


flip_rows_4M, flip_cols_4M = _flip(0), _flip(1)


# ---------- compute-bound and training ----------

def _matmul(n, batch=1):
    """n x n @ n x n, or `batch` independent such products (a 3-d @, torch.bmm's work)."""
    def make(lib, rng):
        shape = (n, n) if batch == 1 else (batch, n, n)
        a_np = rng.standard_normal(shape, dtype=np.float32)
        b_np = rng.standard_normal(shape, dtype=np.float32)
        a, b = _tensor(lib, a_np), _tensor(lib, b_np)
        out = {}

        def run():
            out["r"] = a @ b

        return Case(run, lambda: _np(out["r"]),
                    lambda: a_np.astype(np.float64) @ b_np.astype(np.float64),
                    "GFLOP/s", amount=2.0 * batch * n ** 3, rtol=1e-3)
    return make


matmul_128, matmul_512, matmul_1024, matmul_2048 = (_matmul(n) for n in (128, 512, 1024, 2048))


def matvec_1024(lib, rng):
    """1024 x 1024 @ 1024: one layer of batch-1 inference, bound by reading the matrix
    (GB/s of it). Its 4 MiB stay in this machine's L3 from run to run, so it can beat the
    copy bandwidth."""
    w_np = rng.standard_normal((1024, 1024), dtype=np.float32)
    v_np = rng.standard_normal(1024, dtype=np.float32)
    w, v = _tensor(lib, w_np), _tensor(lib, v_np)
    out = {}

    def run():
        out["r"] = w @ v

    return Case(run, lambda: _np(out["r"]),
                lambda: w_np.astype(np.float64) @ v_np.astype(np.float64),
                "GB/s", amount=w_np.nbytes, rtol=1e-3)
batched_matmul_64x128x128 = _matmul(128, batch=64)


def _sgd_step(lib, params, loss, lr=0.01):
    """Backward from loss into fresh gradients, then one plain SGD step on (w, b) pairs."""
    for w, b in params:
        w.grad = None
        b.grad = None
    loss.backward()
    with lib.no_grad():
        for w, b in params:
            w -= lr * w.grad
            b -= lr * b.grad


def _mlp_params(lib, rng, dims):
    """Weights ~ N(0, 1/fan_in) and zero biases for a dims[0]-...-dims[-1] MLP: the numpy
    arrays and the library's leaf tensors made from them."""
    init = [((rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32), np.zeros(o, np.float32))
            for i, o in zip(dims, dims[1:])]
    params = [(lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True))
              for w, b in init]
    return init, params


def _mlp_forward(F, params, h, activation):
    for i, (w, b) in enumerate(params):
        h = F.linear(h, w, b)
        if i < len(params) - 1:
            h = activation(h)
    return h


def _np_mlp_forward(init, h, activation):
    """The same forward pass in float64."""
    h = h.astype(np.float64)
    for i, (w, b) in enumerate(init):
        h = h @ w.T.astype(np.float64) + b
        if i < len(init) - 1:
            h = activation(h)
    return h


def small_mlp_train_step(lib, rng):
    """2-64-64-1 tanh MLP, batch 64, MSE, SGD (lr 0.01): a tutorial's toy regression, whose
    products (64 x 64 x 64 and smaller) are below a BLAS's blocked sizes."""
    F = lib.nn.functional
    init, params = _mlp_params(lib, rng, [2, 64, 64, 1])
    x_np = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
    y_np = np.sin(3 * x_np[:, :1]) * x_np[:, 1:]
    x, y = lib.tensor(x_np), lib.tensor(y_np)
    first = {}

    def run():
        loss = F.mse_loss(_mlp_forward(F, params, x, lib.tanh), y)
        _sgd_step(lib, params, loss)
        first.setdefault("loss", np.array(loss.item()))

    def reference():  # the first step's loss, in float64
        return np.array(((_np_mlp_forward(init, x_np, np.tanh) - y_np) ** 2).mean())

    return Case(run, lambda: first["loss"], reference, "ms/step", rtol=1e-3)


def mlp_train_step(lib, rng):
    """784-256-128-10 ReLU MLP, batch 128, cross-entropy, SGD (lr 0.01)."""
    F = lib.nn.functional
    init, params = _mlp_params(lib, rng, [784, 256, 128, 10])
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 128))
    state = {}

    def run():
        loss = F.cross_entropy(_mlp_forward(F, params, x, F.relu), y)
        _sgd_step(lib, params, loss)
        state["loss"] = loss

    def reference():  # the first step's loss, in float64
        return _np_cross_entropy(_np_mlp_forward(init, _np(x), lambda h: np.maximum(h, 0)),
                                 _np(y))

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


# ---------- random streams (Note [Torch's CPU random streams]) ----------

def _mt19937_uniform_float32(seed, n):
    """torch's float32 uniforms for `seed`: numpy's MT19937 with the same (Knuth) seeding."""
    bits = np.random.MT19937()
    bits._legacy_seeding(seed)
    raw = bits.random_raw(n).astype(np.uint64)
    return (raw & np.uint64((1 << 24) - 1)).astype(np.float64) * 2.0 ** -24


def _sampler(n, fn_name, reference):
    def make(lib, rng):
        if _is_numpy(lib):
            raise NotImplementedError("numpy draws other streams")
        fn = getattr(lib, fn_name)
        out = {}

        def run():
            lib.manual_seed(0)
            out["r"] = fn(n)

        return Case(run, lambda: _np(out["r"]), lambda: reference(n), "GB/s", amount=4 * n)
    return make


def _randn_reference(n):  # torch's 16-at-a-time Box-Muller, in float64
    u = _mt19937_uniform_float32(0, n).reshape(-1, 2, 8)
    radius = np.sqrt(-2 * np.log(1 - u[:, 0]))
    theta = 2 * np.pi * u[:, 1]
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1).reshape(-1)


rand_1M = _sampler(1 << 20, "rand", lambda n: _mt19937_uniform_float32(0, n))
randn_1M = _sampler(1 << 20, "randn", _randn_reference)


# ---------- models ----------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_seq_fwd_bwd(lib, rng):
    """One-layer LSTM written with F.linear (input 64, hidden 128, batch 16, 32 steps),
    forward and backward of the mean squared last hidden state."""
    F = lib.nn.functional
    n_in, hidden, batch, steps = 64, 128, 16, 32
    bound = 1 / np.sqrt(hidden)
    init = [rng.uniform(-bound, bound, shape).astype(np.float32)
            for shape in ((4 * hidden, n_in), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,))]
    w_ih, w_hh, b_ih, b_hh = (lib.tensor(a, requires_grad=True) for a in init)
    xs_np = rng.standard_normal((steps, batch, n_in)).astype(np.float32)
    xs = lib.tensor(xs_np)
    state = {}

    def run():
        for p in (w_ih, w_hh, b_ih, b_hh):
            p.grad = None
        h = lib.zeros(batch, hidden)
        c = lib.zeros(batch, hidden)
        for t in range(steps):
            gates = F.linear(xs[t], w_ih, b_ih) + F.linear(h, w_hh, b_hh)
            i, f, g, o = gates.chunk(4, 1)
            c = lib.sigmoid(f) * c + lib.sigmoid(i) * lib.tanh(g)
            h = lib.sigmoid(o) * lib.tanh(c)
        loss = (h * h).mean()
        loss.backward()
        state.setdefault("loss", np.array(loss.item()))

    def reference():
        wi, wh, bi, bh = (a.astype(np.float64) for a in init)
        h = np.zeros((batch, hidden))
        c = np.zeros((batch, hidden))
        for t in range(steps):
            gates = xs_np[t] @ wi.T + bi + h @ wh.T + bh
            i, f, g, o = np.split(gates, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        return np.array((h * h).mean())

    return Case(run, lambda: state["loss"], reference, "ms/step", rtol=1e-3)


def transformer_block_train_step(lib, rng):
    """A pre-norm transformer block language model (embedding, layer_norm, single-head
    attention via matmul + softmax, tanh-GELU MLP, cross_entropy), d=128, sequence 64,
    batch 8, vocabulary 256; forward, backward and an SGD step."""
    F = lib.nn.functional
    d, seq, batch, vocab = 128, 64, 8, 256

    def uniform(*shape):
        fan_in = shape[-1]
        return rng.uniform(-1, 1, shape).astype(np.float32) / np.float32(np.sqrt(fan_in))
    init = {"emb": rng.standard_normal((vocab, d)).astype(np.float32),
            "wq": uniform(d, d), "wk": uniform(d, d), "wv": uniform(d, d), "wo": uniform(d, d),
            "w1": uniform(4 * d, d), "b1": np.zeros(4 * d, np.float32),
            "w2": uniform(d, 4 * d), "b2": np.zeros(d, np.float32), "out": uniform(vocab, d)}
    for name in ("ln1", "ln2", "lnf"):
        init[name + "_w"] = np.ones(d, np.float32)
        init[name + "_b"] = np.zeros(d, np.float32)
    params = {k: lib.tensor(v, requires_grad=True) for k, v in init.items()}
    tokens_np = rng.integers(0, vocab, (batch, seq))
    targets_np = rng.integers(0, vocab, (batch, seq))
    tokens, targets = lib.tensor(tokens_np), lib.tensor(targets_np)
    state = {}

    def run():
        p = params
        x = F.embedding(tokens, p["emb"])
        h = F.layer_norm(x, (d,), p["ln1_w"], p["ln1_b"])
        q, k, v = F.linear(h, p["wq"]), F.linear(h, p["wk"]), F.linear(h, p["wv"])
        att = (q @ k.transpose(1, 2) * (1.0 / np.sqrt(d))).softmax(-1)
        x = x + F.linear(att @ v, p["wo"])
        h = F.layer_norm(x, (d,), p["ln2_w"], p["ln2_b"])
        x = x + F.linear(F.gelu(F.linear(h, p["w1"], p["b1"]), approximate="tanh"), p["w2"], p["b2"])
        logits = F.linear(F.layer_norm(x, (d,), p["lnf_w"], p["lnf_b"]), p["out"])
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        for t in p.values():
            t.grad = None
        loss.backward()
        with lib.no_grad():
            for t in p.values():
                t -= 0.01 * t.grad
        state.setdefault("loss", np.array(loss.item()))

    def reference():  # the first step's loss, in float64
        p = {k: v.astype(np.float64) for k, v in init.items()}

        def layer_norm(x, name):
            mu = x.mean(-1, keepdims=True)
            var = x.var(-1, keepdims=True)
            return (x - mu) / np.sqrt(var + 1e-5) * p[name + "_w"] + p[name + "_b"]
        x = p["emb"][tokens_np]
        h = layer_norm(x, "ln1")
        q, k, v = h @ p["wq"].T, h @ p["wk"].T, h @ p["wv"].T
        s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        x = x + (s / s.sum(-1, keepdims=True)) @ v @ p["wo"].T
        h = layer_norm(x, "ln2") @ p["w1"].T + p["b1"]
        h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
        x = x + h @ p["w2"].T + p["b2"]
        logits = (layer_norm(x, "lnf") @ p["out"].T).reshape(-1, vocab)
        return _np_cross_entropy(logits, targets_np.reshape(-1))

    return Case(run, lambda: state["loss"], reference, "ms/step", rtol=1e-3)
# ---------- normalization, losses, embeddings ----------

def layer_norm_fwd_bwd(lib, rng):
    """F.layer_norm over the last 1024 of 8192x1024 with weight and bias, forward and
    backward of a fixed upstream gradient; checks the output and the input's gradient."""
    F = lib.nn.functional
    rows, d = 8192, 1024
    x_np = rng.standard_normal((rows, d)).astype(np.float32)
    w_np = rng.uniform(0.5, 1.5, d).astype(np.float32)
    b_np = rng.standard_normal(d).astype(np.float32)
    g_np = rng.standard_normal((rows, d)).astype(np.float32)
    x = lib.tensor(x_np, requires_grad=True)
    w, b = lib.tensor(w_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
    upstream = lib.tensor(g_np)
    out = {}

    def run():
        x.grad = w.grad = b.grad = None
        y = F.layer_norm(x, (d,), w, b)
        y.backward(upstream)
        out["y"] = y

    def reference():
        xs, g = x_np.astype(np.float64), g_np.astype(np.float64)
        mu = xs.mean(1, keepdims=True)
        rstd = 1 / np.sqrt(xs.var(1, keepdims=True) + 1e-5)
        xhat = (xs - mu) * rstd
        gx = g * w_np
        grad_x = rstd * (gx - gx.mean(1, keepdims=True) - xhat * (gx * xhat).mean(1, keepdims=True))
        return np.concatenate([(xhat * w_np + b_np).ravel(), grad_x.ravel(),
                               (g * xhat).sum(0), g.sum(0)])

    def result():
        return np.concatenate([_np(t).ravel() for t in (out["y"], x.grad, w.grad, b.grad)])

    # forward reads x, writes y; backward reads x and upstream, writes x.grad
    return Case(run, result, reference, "GB/s", amount=4.0 * rows * d * 5, rtol=1e-3)


def softmax_cross_entropy_fwd_bwd(lib, rng):
    """F.cross_entropy on 4096x10000 logits (mean over the batch), forward and backward;
    checks the loss and the logits' gradient."""
    F = lib.nn.functional
    rows, classes = 4096, 10000
    z_np = (rng.standard_normal((rows, classes)) * 2).astype(np.float32)
    t_np = rng.integers(0, classes, rows)
    z = lib.tensor(z_np, requires_grad=True)
    targets = lib.tensor(t_np)
    out = {}

    def run():
        z.grad = None
        loss = F.cross_entropy(z, targets)
        loss.backward()
        out["loss"] = loss

    def reference():
        zs = z_np.astype(np.float64)
        zs = zs - zs.max(1, keepdims=True)
        p = np.exp(zs) / np.exp(zs).sum(1, keepdims=True)
        loss = -np.log(p[np.arange(rows), t_np]).mean()
        p[np.arange(rows), t_np] -= 1
        return np.concatenate([[loss], (p / rows).ravel()])

    def result():
        return np.concatenate([[out["loss"].item()], _np(z.grad).ravel()])

    # read the logits twice (forward, backward) and write the gradient
    return Case(run, result, reference, "GB/s", amount=4.0 * rows * classes * 3, rtol=1e-4)


def embedding_bwd(lib, rng):
    """F.embedding of 32768 indices into a 50000x256 table, forward and backward of a
    fixed upstream gradient (repeated indices accumulate); checks the table's gradient."""
    F = lib.nn.functional
    vocab, d, n = 50000, 256, 32768
    w_np = rng.standard_normal((vocab, d)).astype(np.float32)
    idx_np = rng.integers(0, vocab, n)
    g_np = rng.standard_normal((n, d)).astype(np.float32)
    w = lib.tensor(w_np, requires_grad=True)
    idx, upstream = lib.tensor(idx_np), lib.tensor(g_np)

    def run():
        w.grad = None
        F.embedding(idx, w).backward(upstream)

    def reference():
        grad = np.zeros((vocab, d))
        np.add.at(grad, idx_np, g_np.astype(np.float64))
        return grad

    # gather and scatter n rows, and write the dense vocab x d gradient
    return Case(run, lambda: _np(w.grad), reference, "GB/s",
                amount=4.0 * d * (3 * n + vocab), rtol=1e-4)


# ---------- convolutional networks ----------

def _np_conv2d(x, w, b=None, padding=0):
    """float64 reference convolution (stride 1) on numpy arrays."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # N C OH OW KH KW
    out = np.tensordot(windows, w.astype(np.float64), axes=([1, 4, 5], [1, 2, 3]))  # N OH OW O
    out = out.transpose(0, 3, 1, 2)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def conv2d_fwd_bwd(lib, rng):
    """conv2d 64 -> 64 channels, 3x3, padding 1, on 16x64x32x32, forward and backward."""
    F = lib.nn.functional
    x_np = rng.standard_normal((16, 64, 32, 32)).astype(np.float32)
    w_np = (rng.standard_normal((64, 64, 3, 3)) / 24).astype(np.float32)
    b_np = rng.standard_normal(64).astype(np.float32)
    x = lib.tensor(x_np, requires_grad=True)
    w, b = lib.tensor(w_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
    upstream = lib.tensor(rng.standard_normal((16, 64, 32, 32)).astype(np.float32))
    out = {}

    def run():
        x.grad = w.grad = b.grad = None
        y = F.conv2d(x, w, b, padding=1)
        y.backward(upstream)
        out["y"] = y

    def result():
        return np.concatenate([_np(t).ravel() for t in (out["y"], x.grad, w.grad, b.grad)])

    def reference():  # the gradients are convolutions too (stride 1, padding 1)
        g = _np(upstream).astype(np.float64)
        xpad = np.pad(x_np.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = np.lib.stride_tricks.sliding_window_view(xpad, (3, 3), axis=(2, 3))
        grad_w = np.tensordot(g, windows, axes=([0, 2, 3], [0, 2, 3]))  # O C KH KW
        grad_x = _np_conv2d(g, w_np.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], padding=1)
        return np.concatenate([_np_conv2d(x_np, w_np, b_np, 1).ravel(), grad_x.ravel(),
                               grad_w.ravel(), g.sum(axis=(0, 2, 3))])

    flops = 3 * 2.0 * 16 * 64 * 32 * 32 * 64 * 9  # forward, input grad, weight grad
    return Case(run, result, reference, "GFLOP/s", amount=flops, rtol=1e-3)


def cnn_train_step(lib, rng):
    """conv(1->8, 3x3) relu maxpool2, conv(8->16, 3x3) relu maxpool2, linear(784->10);
    cross-entropy and SGD (lr 0.01) on a batch of 32 28x28 images."""
    F = lib.nn.functional
    shapes = [((8, 1, 3, 3), 9), ((16, 8, 3, 3), 72), ((10, 784), 784)]
    init = [((rng.standard_normal(s) / np.sqrt(fan_in)).astype(np.float32),
             np.zeros(s[0], np.float32)) for s, fan_in in shapes]
    params = [(lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)) for w, b in init]
    x_np = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    x, y = lib.tensor(x_np), lib.tensor(rng.integers(0, 10, 32))
    state, first = {}, {}

    def run():
        (w1, b1), (w2, b2), (w3, b3) = params
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=1)), 2)
        loss = F.cross_entropy(F.linear(h.reshape(32, 784), w3, b3), y)
        _sgd_step(lib, params, loss)
        first.setdefault("loss", np.array(loss.item()))

    def reference():  # the first step's loss, in float64
        (w1, b1), (w2, b2), (w3, b3) = init
        h = _np_max_pool2(np.maximum(_np_conv2d(x_np, w1, b1, 1), 0))
        h = _np_max_pool2(np.maximum(_np_conv2d(h, w2, b2, 1), 0))
        z = h.reshape(32, 784) @ w3.T.astype(np.float64) + b3
        return _np_cross_entropy(z, _np(y))

    return Case(run, lambda: first["loss"], reference, "ms/step", rtol=1e-3)


def digits_epoch(lib, rng):
    """One epoch of examples/train_digits.py: its CNN (examples/digits_model.py) on the
    1437 training digits, batches of 64 shuffled by a DataLoader, cross-entropy and Adam
    (lr 3e-3). Checks the first batch's loss against a float64 forward pass of the
    initial parameters. Needs scikit-learn (the data)."""
    if _is_numpy(lib):
        raise NotImplementedError("a training loop")
    import digits_model
    lib.manual_seed(0)
    train_set, _ = digits_model.load_digits_split(lib, 0)
    loader = lib.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
    model = digits_model.make_model(lib, "cnn")
    init = [_np(p).astype(np.float64) for p in model.parameters()]
    optimizer = lib.optim.Adam(model.parameters(), lr=3e-3)
    first = {}

    def remember_first(images, labels, loss):
        if not first:
            first.update(images=_np(images), labels=_np(labels), loss=loss.item())

    def run():
        digits_model.train_epoch(lib, model, optimizer, loader, remember_first)

    def reference():  # the model's layers, in float64, on the first batch
        w1, b1, w2, b2, w3, b3, w4, b4 = init
        h = _np_max_pool2(np.maximum(_np_conv2d(first["images"], w1, b1, 1), 0))
        h = _np_max_pool2(np.maximum(_np_conv2d(h, w2, b2, 1), 0)).reshape(len(h), -1)
        z = np.maximum(h @ w3.T + b3, 0) @ w4.T + b4
        return _np_cross_entropy(z, first["labels"])

    return Case(run, lambda: np.array(first["loss"]), reference, "ms/epoch", rtol=1e-4)


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
    "flip_rows_4M": flip_rows_4M,
    "flip_cols_4M": flip_cols_4M,
    "matmul_128": matmul_128,
    "matmul_512": matmul_512,
    "matmul_1024": matmul_1024,
    "matmul_2048": matmul_2048,
    "matvec_1024": matvec_1024,
    "mlp_train_step": mlp_train_step,
    "small_mlp_train_step": small_mlp_train_step,
    "backward_chain_large": backward_chain_large,
    "rand_1M": rand_1M,
    "randn_1M": randn_1M,
    "lstm_seq_fwd_bwd": lstm_seq_fwd_bwd,
    "transformer_block_train_step": transformer_block_train_step,
    "conv2d_fwd_bwd": conv2d_fwd_bwd,
    "cnn_train_step": cnn_train_step,
    "digits_epoch": digits_epoch,
    "layer_norm_fwd_bwd": layer_norm_fwd_bwd,
    "softmax_cross_entropy_fwd_bwd": softmax_cross_entropy_fwd_bwd,
    "embedding_bwd": embedding_bwd,
    "batched_matmul_64x128x128": batched_matmul_64x128x128,
    "adam_step_100_params": adam_step_100_params,
    "sgd_momentum_step_100_params": sgd_momentum_step_100_params,
}
# Workloads numpy can run too (no autograd).
FORWARD_ONLY = {"op_overhead_add_small", "elementwise_add_1M", "elementwise_mul_16M",
                "unary_exp_4M", "tanh_4M", "reduction_sum_16M", "broadcast_add_row",
                "flip_rows_4M", "flip_cols_4M",
                "matmul_128", "matmul_512", "matmul_1024", "matmul_2048", "matvec_1024",
                "batched_matmul_64x128x128"}
# Training workloads whose peak memory is reported (in a fresh worker each), and how many
# steps each runs there: enough for every buffer and cache a step makes to exist.
MEMORY_STEPS = {"mlp_train_step": 200, "small_mlp_train_step": 200, "cnn_train_step": 20, "lstm_seq_fwd_bwd": 20,
                "transformer_block_train_step": 20, "digits_epoch": 2,
                "adam_step_100_params": 100}
