"""Every op whose kernel splits work across threads gives the same bits at 1 and 2 threads,
forward and backward (Note [Threads and determinism]).

Elementwise ops, softmax, layer_norm and conv have their own thread tests (test_fast_paths,
nn/test_normalization, nn/test_conv); this file covers the rest of the threaded kernels:
pooling, batch norm, cross entropy, embedding and index_select, batched (split by product,
or each product split) and plain matmul, the optimizer steps, reductions along a dim,
arg-reductions, sort/topk and tril. Each case is sized past its kernel's grain so that
two threads do split it.
"""
import numpy as np
import pytest

import cgrad
import cgrad.nn.functional as F

rng = np.random.default_rng(14)


def R(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def leaf(a):
    return cgrad.tensor(a, requires_grad=True)


def fwd_bwd(fn, *arrays):
    """fn's output and each input's gradient (under a fixed upstream gradient)."""
    inputs = [leaf(a) for a in arrays]
    out = fn(*inputs)
    upstream = np.random.default_rng(0).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(cgrad.tensor(upstream))
    return [out.detach().numpy()] + [t.grad.numpy() for t in inputs]


def forward(fn, *arrays):
    out = fn(*[cgrad.tensor(a) for a in arrays])
    return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]


def optimizer_steps(make):
    """Three steps of an optimizer over 40 parameters of 64x64: their final values."""
    init = np.random.default_rng(1).standard_normal((40, 64, 64)).astype(np.float32)
    grads = np.random.default_rng(2).standard_normal((40, 64, 64)).astype(np.float32)
    params = [leaf(w) for w in init]
    opt = make(params)
    for _ in range(3):
        for p, g in zip(params, grads):
            p.grad = cgrad.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


IMAGES = R(8, 16, 32, 32)  # 128 planes of 1024: several per thread
LABELS = rng.integers(0, 1000, 512)
TOKENS = rng.integers(0, 5000, 20000)

CASES = {
    "max_pool2d": (fwd_bwd, lambda x: F.max_pool2d(x, 2), IMAGES),
    "max_pool2d_3x3_s2": (fwd_bwd, lambda x: F.max_pool2d(x, 3, 2, 1), IMAGES),
    "avg_pool2d": (fwd_bwd, lambda x: F.avg_pool2d(x, 2), IMAGES),
    "adaptive_avg_pool2d": (fwd_bwd, lambda x: F.adaptive_avg_pool2d(x, (5, 7)), IMAGES),
    "batch_norm_train": (fwd_bwd,
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), IMAGES, R(16), R(16)),
    "batch_norm_eval": (fwd_bwd, lambda x, w, b: F.batch_norm(
        x, cgrad.zeros(16), cgrad.ones(16), w, b, training=False), IMAGES, R(16), R(16)),
    "batch_norm_2d_input": (fwd_bwd,
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), R(4096, 64), R(64),
        R(64)),
    "group_norm": (fwd_bwd, lambda x, w, b: F.group_norm(x, 4, w, b), IMAGES, R(16), R(16)),
    "cross_entropy": (fwd_bwd,
        lambda z: F.cross_entropy(z, cgrad.tensor(LABELS)), R(512, 1000)),
    "embedding": (fwd_bwd, lambda w: F.embedding(cgrad.tensor(TOKENS), w), R(5000, 64)),
    "embedding_int32_padding": (fwd_bwd,
        lambda w: F.embedding(cgrad.tensor(TOKENS.astype(np.int32)), w, padding_idx=7),
        R(5000, 64)),
    "embedding_f64": (fwd_bwd, lambda w: F.embedding(cgrad.tensor(TOKENS), w),
        R(5000, 64).astype(np.float64)),
    "index_select_rows": (forward, lambda x: x.index_select(0, cgrad.tensor(TOKENS)), R(5000, 64)),
    "index_columns": (forward, lambda x: x[:, cgrad.tensor(TOKENS[:3000] % 500)], R(64, 500)),
    "bmm": (fwd_bwd, cgrad.bmm, R(16, 96, 80), R(16, 80, 112)),
    "bmm_batch_of_small": (fwd_bwd, cgrad.bmm, R(8, 128, 128), R(8, 128, 128)),
    "bmm_odd_batch": (fwd_bwd, cgrad.bmm, R(3, 200, 150), R(3, 150, 170)),
    "matmul": (fwd_bwd, cgrad.matmul, R(300, 257), R(257, 190)),
    "linear": (fwd_bwd, F.linear, R(512, 300), R(200, 300), R(200)),
    # gemm's team (Note [gemm threads]): rows past one packing phase, columns past one
    # NC block, a C narrower than a panel (computed transposed), float64.
    "matmul_rows_past_a_pack": (fwd_bwd, cgrad.matmul, R(1300, 300), R(300, 40)),
    "matmul_columns_past_a_block": (fwd_bwd, cgrad.matmul, R(20, 64), R(64, 2100)),
    "matmul_narrow_result": (fwd_bwd, cgrad.matmul, R(6000, 64), R(64, 5)),
    "matmul_f64": (fwd_bwd, cgrad.matmul, R(200, 300).astype(np.float64),
                   R(300, 150).astype(np.float64)),
    # gemv (Note [gemv]): dot products along rows, vectors partial sums; axpys along
    # columns; a long dot; their backward passes take the other forms.
    "matrix_vector": (fwd_bwd, cgrad.mv, R(2000, 700), R(700)),
    "vector_matrix_transposed": (fwd_bwd, lambda x, w: x @ w.t(), R(1, 900), R(1500, 900)),
    "vector_matrix": (fwd_bwd, cgrad.matmul, R(1, 900), R(900, 1500)),
    "long_dot": (fwd_bwd, cgrad.dot, R(300000), R(300000)),
    "sum_dim0": (fwd_bwd, lambda x: x.sum(0), R(3000, 200)),
    "mean_dim1": (fwd_bwd, lambda x: x.mean(1), R(200, 3000)),
    "sum_outer_inner_short": (forward, lambda x: x.sum((0, 2, 3)), R(64, 512, 4, 4)),
    "sum_outer_inner_long": (forward, lambda x: x.sum((0, 2, 3)), IMAGES),
    "sum_rows_of_ten": (forward, lambda x: x.sum(1), R(40000, 10)),
    "var_mean_batch_norm_dims": (forward, lambda x: cgrad.var_mean(x, (0, 2, 3)), IMAGES),
    "var_short_inner": (forward, lambda x: x.var((0, 2)), R(64, 512, 16)),
    "std_rows_past_a_tile": (forward, lambda x: x.std(1), R(40, 5000)),
    "var_dim1": (fwd_bwd, lambda x: x.var(1), R(200, 3000)),
    "norm": (fwd_bwd, lambda x: x.norm(), R(600, 1000)),
    # Note [Row folds]: one row per output, the rows shared out.
    "norm_dim1": (fwd_bwd, lambda x: x.norm(dim=1), R(600, 1000)),
    "prod_dim1": (forward, lambda x: (x * 0.1 + 1).prod(1), R(600, 1000)),
    "amax_dim0": (forward, lambda x: x.amax(0), R(3000, 200)),
    "max_dim1": (forward, lambda x: x.max(1), R(400, 2000)),
    "argmax_dim0": (forward, lambda x: x.argmax(0), R(2000, 400)),
    "sort_dim1": (forward, lambda x: x.sort(1), R(300, 700)),
    "topk": (forward, lambda x: x.topk(5, 1), R(300, 700)),
    "tril": (fwd_bwd, lambda x: x.tril(), R(4, 300, 300)),
    "sgd_momentum": (optimizer_steps,
        lambda ps: cgrad.optim.SGD(ps, lr=0.01, momentum=0.9, weight_decay=1e-4)),
    "adam": (optimizer_steps, lambda ps: cgrad.optim.Adam(ps, lr=1e-3)),
    "adamw": (optimizer_steps, lambda ps: cgrad.optim.AdamW(ps, lr=1e-3)),
}


@pytest.fixture
def threads():
    before = cgrad.get_num_threads()
    yield
    cgrad.set_num_threads(before)


@pytest.mark.parametrize("name", list(CASES))
def test_same_bits_at_one_two_and_three_threads(threads, name):
    results = []
    for n in (1, 2, 3):
        cgrad.set_num_threads(n)
        run, *args = CASES[name]  # the same arrays at each thread count
        results.append(run(*args))
    for other in results[1:]:
        for one, two in zip(results[0], other):
            assert one.dtype == two.dtype and one.shape == two.shape
            assert one.tobytes() == two.tobytes()
