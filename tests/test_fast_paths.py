"""The kernels' fast paths agree bit for bit with their general paths and across threads.

Binary ops classify each operand as contiguous, row-broadcast, column-broadcast or
scalar and walk the output in segments (Note [Binary fast paths]); unary ops run
contiguous buffers through vecmath and gather strided ones into the same code; large
loops split across OpenMP threads (Note [Threads and determinism]). Every layout of the
same values, and every thread count, must give identical bits.
"""
import concurrent.futures

import numpy as np
import pytest

import cgrad

rng = np.random.default_rng(7)


def T(a):
    return cgrad.from_numpy(np.ascontiguousarray(a))


def bits_equal(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    if got.dtype.kind == "f":
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))
    else:
        np.testing.assert_array_equal(got, want)


def strided(a):
    """The same values as a non-contiguous tensor (every other column of a wider one)."""
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    wide[..., ::2] = a
    return T(wide)[..., ::2]


@pytest.fixture
def threads():
    before = cgrad.get_num_threads()
    yield
    cgrad.set_num_threads(before)


def values(shape, dtype):
    if dtype == np.int64:
        return rng.integers(-50, 50, shape).astype(np.int64)
    a = rng.uniform(-4, 4, shape).astype(dtype)
    flat = a.reshape(-1)
    if flat.size > 8:  # a few special values in every operand
        flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40]
    return a


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "maximum": cgrad.maximum, "lt": lambda a, b: a < b,
    "pow": cgrad.pow, "atan2": cgrad.atan2,
}

# (a shape, b shape): rows, columns, outer products, scalars, leading dims, and shapes
# that fit no fast path.
SHAPES = [
    ((64, 33), (33,)), ((33,), (64, 33)), ((64, 33), (64, 1)), ((64, 1), (64, 33)),
    ((64, 1), (33,)), ((1, 33), (64, 1)), ((64, 33), ()), ((), (64, 33)), ((64, 33), (1,)),
    ((4, 16, 9), (16, 9)), ((4, 16, 9), (4, 16, 1)), ((4, 16, 9), (4, 1, 1)),
    ((4, 16, 9), (4, 1, 9)), ((4, 16, 9), (1, 16, 1)), ((5, 1, 7), (1, 3, 1)),
]


# Integer div/pow/atan2 are left to the parity tests (their results are not integers).
OP_DTYPES = [(op, dtype) for op in sorted(BINARY)
             for dtype in (np.float32, np.float64, np.int64)
             if not (dtype == np.int64 and op in ("div", "pow", "atan2"))]


@pytest.mark.parametrize("op,dtype", OP_DTYPES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_layouts_agree(op, dtype, shapes):
    f = BINARY[op]
    a, b = values(shapes[0], dtype), values(shapes[1], dtype)
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    fast = f(T(a), T(b)).numpy()
    # General path: materialized, non-contiguous operands.
    a_full = np.broadcast_to(a, out_shape)
    b_full = np.broadcast_to(b, out_shape)
    if len(out_shape) >= 1 and out_shape[-1] > 0:
        general = f(strided(a_full), strided(b_full)).numpy()
        bits_equal(fast, general)
    contiguous = f(T(a_full), T(b_full)).numpy()
    bits_equal(fast, contiguous)
    # Expanded operands (stride 0 along the broadcast dims) take the broadcast's path.
    bits_equal(fast, f(T(a).expand(out_shape), T(b).expand(out_shape)).numpy())
    if op in ("add", "sub", "mul", "div", "lt"):  # one IEEE rounding: numpy agrees
        with np.errstate(all="ignore"):
            want = np.less(a, b) if op == "lt" else f(a, b)
        bits_equal(fast, np.asarray(want, dtype=fast.dtype))


def test_binary_in_place_into_strided_output():
    a, b = values((16, 40), np.float32), values((40,), np.float32)
    want = a + b
    base = T(np.zeros((16, 80), dtype=np.float32))
    view = base[:, ::2]
    view.copy_(T(a))
    view.add_(T(b))
    bits_equal(view.numpy(), want)


# At 16 MiB of output and more, + - * / write with non-temporal stores (Note [Streaming
# stores]), starting with ordinary stores until the output is 32-byte aligned.
STREAMED = (1 << 22) + 5  # float32 elements: just over 16 MiB, and an odd tail


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_streamed_arithmetic_is_exact(threads, op, n_threads):
    cgrad.set_num_threads(n_threads)
    f = BINARY[op]
    a, b = values(STREAMED, np.float32), values(STREAMED, np.float32)
    with np.errstate(all="ignore"):
        bits_equal(f(T(a), T(b)).numpy(), f(a, b))
        bits_equal(f(T(a), T(b[:1])).numpy(), f(a, b[:1]))  # one value on either side
        bits_equal(f(T(a[:1]), T(b)).numpy(), f(a[:1], b))
        col = a[:STREAMED // 5].reshape(-1, 1)  # a column by a row: segments of 5
        bits_equal(f(T(col), T(b[:5])).numpy(), f(col, b[:5]))
        # In place into a view that starts 4 bytes past the buffer's alignment.
        base = T(np.concatenate([np.zeros(1, np.float32), a]))
        view = base[1:]
        getattr(view, f"{op}_")(T(b))
        bits_equal(view.numpy(), f(a, b))


UNARY = ["exp", "expm1", "log", "log1p", "tanh", "sigmoid", "sin", "cos", "sqrt", "abs", "neg",
         "atan", "floor", "reciprocal", "relu"]
ACTIVATIONS = {
    "silu": lambda x: cgrad.nn.functional.silu(x),
    "gelu": lambda x: cgrad.nn.functional.gelu(x),
    "gelu_tanh": lambda x: cgrad.nn.functional.gelu(x, approximate="tanh"),
    "elu": lambda x: cgrad.nn.functional.elu(x, alpha=0.7),
    "softplus": lambda x: cgrad.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    "leaky_relu": lambda x: cgrad.nn.functional.leaky_relu(x, 0.2),
}


def unary_fn(name):
    return ACTIVATIONS.get(name) or getattr(cgrad, name)


@pytest.mark.parametrize("name", UNARY + sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_layouts_agree(name, dtype):
    f = unary_fn(name)
    a = values((37, 29), dtype) * 3
    fast = f(T(a)).numpy()
    bits_equal(f(strided(a)).numpy(), fast)          # gathered rows
    bits_equal(f(T(a.T.copy()).t()).numpy(), fast)   # transposed view
    for start in range(1, 5):  # unaligned starts and odd lengths (vector tails)
        sub = T(a.reshape(-1))[start:start + 301]
        bits_equal(f(sub).numpy(), fast.reshape(-1)[start:start + 301])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_of_an_expanded_gradient_as_torch(dtype):
    """sum() and mean() hand relu's backward an expanded gradient (the broadcast path)."""
    torch = pytest.importorskip("torch")
    a = values((37, 29), dtype)
    for lib in (cgrad, torch):
        x = lib.tensor(a, requires_grad=True)
        lib.nn.functional.relu(x).mean().backward()
        if lib is cgrad:
            got = x.grad.numpy()
    np.testing.assert_array_equal(got, x.grad.numpy())


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "softplus", "elu", "silu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_backward_layouts_agree(name, dtype):
    # The fused backward kernels (gelu_backward & co.) on contiguous, strided and
    # broadcast (sum().backward() passes an expanded gradient of ones) operands.
    f = ACTIVATIONS[name]
    a = values((37, 29), dtype) * 3
    g = values((37, 29), dtype)
    grads = []
    for make in (T, strided, lambda v: T(v.T.copy()).t()):
        x = make(a).requires_grad_()
        f(x).backward(T(g))
        grads.append(x.grad.numpy())
    for other in grads[1:]:
        bits_equal(other, grads[0])
    ones = []
    for reduce in (lambda y: y.sum().backward(), lambda y: y.backward(T(np.ones_like(a)))):
        x = T(a).requires_grad_()
        reduce(f(x))
        ones.append(x.grad.numpy())
    bits_equal(ones[0], ones[1])


# One-element tensors skip the layout machinery (graphs of scalars); each value must come
# out as it does inside a longer vector.
@pytest.mark.parametrize("name", UNARY + sorted(ACTIVATIONS))
def test_one_element_unary_matches_the_vector_path(name):
    f = unary_fn(name)
    a = values((37,), np.float32) * 3
    whole = f(T(a)).numpy()
    for i in range(a.size):
        bits_equal(f(T(a[i:i + 1])).numpy(), whole[i:i + 1])
        zero_d = cgrad.from_numpy(a[i:i + 1].reshape(()).copy())
        bits_equal(f(zero_d).numpy(), whole[i])


@pytest.mark.parametrize("op,dtype", OP_DTYPES)
def test_one_element_binary_matches_the_vector_path(op, dtype):
    f = BINARY[op]
    a, b = values((37,), dtype), values((37,), dtype)
    whole = f(T(a), T(b)).numpy()
    for i in range(a.size):
        bits_equal(f(T(a[i:i + 1]), T(b[i:i + 1])).numpy(), whole[i:i + 1])


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "softplus", "elu", "silu"])
def test_one_element_activation_backward_matches_the_vector_path(name):
    f = ACTIVATIONS[name]
    a, g = values((37,), np.float32) * 3, values((37,), np.float32)
    x = T(a).requires_grad_()
    f(x).backward(T(g))
    whole = x.grad.numpy()
    for i in range(a.size):
        xi = T(a[i:i + 1]).requires_grad_()
        f(xi).backward(T(g[i:i + 1]))
        bits_equal(xi.grad.numpy(), whole[i:i + 1])


N_LARGE = 3 * 32768 + 37  # above the grain size, not a multiple of the vector width


def large_cases():
    x = values((N_LARGE,), np.float32) * 3
    m = values((97, 2 * 1024 + 3), np.float32)
    row = values((2 * 1024 + 3,), np.float32)
    col = values((97, 1), np.float32)
    xd = values((N_LARGE,), np.float64)
    big = values((9 * 32768 + 5,), np.float32)  # nine sum blocks and a partial one
    return [
        ("sum", lambda: T(big).sum()),
        ("sum_f64", lambda: T(big.astype(np.float64)).sum()),
        ("mean", lambda: T(big).mean()),
        ("exp", lambda: cgrad.exp(T(x))),
        ("tanh", lambda: cgrad.tanh(T(x))),
        ("sigmoid_f64", lambda: cgrad.sigmoid(T(xd))),
        ("gelu_tanh", lambda: ACTIVATIONS["gelu_tanh"](T(x))),
        ("silu", lambda: ACTIVATIONS["silu"](T(x))),
        ("softplus", lambda: ACTIVATIONS["softplus"](T(x))),
        ("atan", lambda: cgrad.atan(T(x))),
        ("add", lambda: T(x) + T(x[::-1].copy())),
        ("mul_scalar", lambda: T(x) * 1.7),
        ("row", lambda: T(m) + T(row)),
        ("col", lambda: T(m) * T(col)),
        ("outer", lambda: T(col) - T(row)),
        ("strided", lambda: T(m).t() + 1.0),
        ("to_double", lambda: T(x).double()),
        ("copy", lambda: T(m).t().contiguous()),
        ("clone", lambda: T(x).clone()),
        ("fill", lambda: cgrad.full((N_LARGE,), 2.5)),
        ("zeros", lambda: cgrad.zeros(N_LARGE)),
        ("clamp", lambda: T(x).clamp(-1.0, 2.0)),
        ("softmax_last", lambda: cgrad.softmax(T(m), 1)),
        ("softmax_first", lambda: cgrad.softmax(T(m), 0)),
        ("log_softmax_last", lambda: cgrad.log_softmax(T(m), 1)),
        ("log_softmax_first", lambda: cgrad.log_softmax(T(m), 0)),
        ("softmax_rows", lambda: cgrad.softmax(T(x.reshape(-1, 1)[:N_LARGE // 3 * 3]
                                                  .reshape(-1, 3)), 1)),
    ]


@pytest.mark.parametrize("name,make", large_cases(), ids=[c[0] for c in large_cases()])
def test_results_do_not_depend_on_thread_count(threads, name, make):
    cgrad.set_num_threads(1)
    one = make().numpy()
    cgrad.set_num_threads(2)
    two = make().numpy()
    cgrad.set_num_threads(3)
    three = make().numpy()
    bits_equal(two, one)
    bits_equal(three, one)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "softplus", "elu"])
def test_activation_backward_does_not_depend_on_thread_count(threads, name):
    x_np = values((N_LARGE,), np.float32) * 3
    g = T(values((N_LARGE,), np.float32))
    grads = []
    for n in (1, 2):
        cgrad.set_num_threads(n)
        x = T(x_np).requires_grad_()
        ACTIVATIONS[name](x).backward(g)
        grads.append(x.grad.numpy())
    bits_equal(grads[1], grads[0])


def test_softmax_backward_does_not_depend_on_thread_count(threads):
    m = values((130, 700), np.float32)
    g = values((130, 700), np.float32)
    results = []
    for n in (1, 2):
        cgrad.set_num_threads(n)
        for fn in (cgrad.softmax, cgrad.log_softmax):
            for dim in (0, 1):
                x = T(m).requires_grad_()
                fn(x, dim).backward(T(g))
                results.append(x.grad.numpy())
    for a, b in zip(results[:4], results[4:]):
        bits_equal(a, b)


def test_set_num_threads(threads):
    cgrad.set_num_threads(3)
    assert cgrad.get_num_threads() == 3
    cgrad.set_num_threads(1)
    assert cgrad.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="positive integer"):
        cgrad.set_num_threads(0)
    with pytest.raises(TypeError):
        cgrad.set_num_threads("2")


def test_large_ops_from_python_threads(threads):
    # Large ops release the GIL; concurrent callers must still get their own results.
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32) for _ in range(6)]
    want = [(cgrad.exp(T(x)) * T(x) + 1.0).numpy() for x in xs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda x: (cgrad.exp(T(x)) * T(x) + 1.0).numpy(), xs * 3))
    for i, g in enumerate(got):
        bits_equal(g, want[i % len(xs)])


def same_bits_from_threads(jobs):
    """Each (op, array) job run twice over from four Python threads gives its serial bits."""
    want = [op(T(x)).numpy() for op, x in jobs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda job: job[0](T(job[1])).numpy(), jobs * 2))
    for i, g in enumerate(got):
        bits_equal(g, want[i % len(jobs)])


def test_large_reductions_and_products_from_python_threads(threads):
    # Reductions, scans, products and factorizations release the GIL too (Note [GIL
    # release]); their arguments are read from Python before it is released.
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32) for _ in range(3)]
    def rows(t):  # 64 columns
        return t[: 64 * (N_LARGE // 64)].reshape(-1, 64)

    ops = [
        lambda t: t.sum(0, keepdim=True),
        lambda t: rows(t).logsumexp(1),
        lambda t: rows(t).var(1, correction=0),
        lambda t: rows(t).amax(dim=(1,)),
        lambda t: t.cumsum(0, dtype=cgrad.float64),
        lambda t: rows(t) @ rows(t)[:64],
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])


def test_large_selection_losses_and_shape_ops_from_python_threads(threads):
    # Sorting, indexing, losses, padding and shape ops release the GIL as well (Note [GIL
    # release]); each caller must still get exactly its own result.
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32) for _ in range(2)]
    F = cgrad.nn.functional

    def rows(t):  # 64 columns
        return t[: 64 * (N_LARGE // 64)].reshape(-1, 64)

    def first(pair):
        return pair[0] if isinstance(pair, tuple) else pair

    ops = [
        lambda t: first(rows(t).sort(1)),
        lambda t: rows(t).topk(3, 1).indices,
        lambda t: first(rows(t).kthvalue(5, 1)),
        lambda t: t.median(),
        lambda t: first(rows(t).cummax(1)),
        lambda t: t.index_select(0, cgrad.arange(t.shape[0] - 1, 0, -7)),
        lambda t: rows(t).gather(1, (rows(t) > 0).long()),
        lambda t: t.masked_fill(t > 0.5, -1.0),
        lambda t: t[t > 0],
        lambda t: F.cross_entropy(rows(t), cgrad.arange(rows(t).shape[0]) % 64, reduction="none"),
        lambda t: F.mse_loss(t, t.flip(0), reduction="none"),
        lambda t: F.pad(rows(t), (1, 2), mode="replicate"),
        lambda t: rows(t).roll(3, 0).tril(),
        lambda t: t.nan_to_num(),
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])


def test_reused_large_blocks_hold_fresh_values():
    # Large buffers come back from the allocator's cache: factories must still fill them.
    for n in (300_000, 1 << 20, 3 << 20):
        a = cgrad.full((n,), 7.0)
        del a
        z = cgrad.zeros(n)
        assert float(z.sum()) == 0.0
        o = cgrad.ones(n, dtype=cgrad.float64)
        assert float(o.sum()) == n
        assert float(cgrad.arange(n, dtype=cgrad.float64)[-1]) == n - 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8, np.int16, np.bool_])
@pytest.mark.parametrize("shape, dims", [((70, 45), (1, 0)), ((3, 40, 33), (0, 2, 1)),
                                         ((2, 64, 5, 48), (0, 3, 2, 1)), ((31, 40), (1, 0))])
def test_transposing_copies_match_numpy(dtype, shape, dims):
    """contiguous() of a permuted tensor whose rows run down the source's unit-stride dim
    goes in blocks (Note [Transposing copies]); every element lands where numpy puts it."""
    a = (np.arange(np.prod(shape)).reshape(shape) % 97).astype(dtype)
    got = T(a).permute(*dims).contiguous()
    assert got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), np.ascontiguousarray(a.transpose(dims)))
    half = T(a.astype(np.float32)).half().permute(*dims).contiguous()  # two-byte elements
    np.testing.assert_array_equal(half.float().numpy(), a.astype(np.float32).transpose(dims))
