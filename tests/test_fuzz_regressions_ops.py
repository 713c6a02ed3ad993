"""Op-level programs the differential fuzzer (tests/fuzz) found diverging from torch:
argument forms (numbers first, rounding_mode=, dim=None), node names, missing or
spurious errors, and the autograd state of gradients. The format is that of
tests/test_fuzz_regressions.py: each source runs once with `torch` bound to torch and
once to cgrad, sets `out` (a tensor or a tuple of tensors and None) and may set
`leaves`; values, dtypes, shapes, requires_grad, grad_fn names and is_leaf are compared,
and an error must be raised by both, with the same type (and, in ERRORS, the same
message).
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions import run, same  # noqa: E402

CASES = {
    # ---- result layouts (a .view after them works or fails as in torch) ----
    "view_after_mixed_dtype_mul": """
a = torch.tensor([[[2, -4, -2, 2, 4]], [[-2, -2, 2, 4, -1]]], dtype=torch.int32).expand(2, 3, 5)
b = torch.arange(15.).reshape(5, 3).transpose(0, 1)
out = (a * b).view(5, -1)
""",
    # ---- a number as the first operand ----
    "add_sub_mul_div_number_first": """
v0 = torch.tensor([[2.8, -1.5]], requires_grad=True)
out = (torch.add(-1, v0), torch.sub(0, v0), torch.mul(-2.66, v0), torch.div(1, v0),
       torch.add(2, v0, alpha=0.5), torch.add(True, v0), torch.div(1, torch.tensor([5, -3])))
""",
    "add_of_two_numbers": "out = (torch.add(1, 2), torch.mul(2, 3.5))",
    "bitwise_number_first": """
i = torch.tensor([5, -3])
out = (torch.bitwise_xor(3, i), torch.bitwise_and(3, i), torch.bitwise_or(True, i))
""",
    "bitwise_xor_number_first_on_float": "out = torch.bitwise_xor(3, torch.tensor([[0.57]]))",
    "keyword_forms": """
t = torch.tensor([1.0, 2.0], requires_grad=True)
out = (torch.add(t, other=1), torch.add(input=t, other=1, alpha=2),
       torch.mul(input=2, other=t), torch.sub(input=t, other=t, alpha=3))
""",
    # ---- div(..., rounding_mode=) ----
    "div_rounding_modes_float": """
a = torch.tensor([2.5, -3.0, 7.0, -7.0, 0.0, 1.0], requires_grad=True)
b = torch.tensor([2.0, 2.0, 0.0, 0.0, 0.0, -3.0], requires_grad=True)
out = (torch.div(a, b, rounding_mode='trunc'), torch.div(a, b, rounding_mode='floor'),
       torch.div(a, b, rounding_mode=None), a.div(2.2, rounding_mode=None))
torch.autograd.grad((out[0] + out[1] + out[2]).sum(), [a, b])
(out[0] + out[1] + out[2] + out[3]).sum().backward()
leaves = [a, b]
""",
    "div_rounding_mode_grads_do_not_require_grad": """
a = torch.tensor([2.5, -3.0], requires_grad=True)
out = torch.autograd.grad(torch.div(a, 2, rounding_mode='floor').sum(), [a], create_graph=True)
""",
    "div_rounding_modes_int": """
i = torch.tensor([7, -7, 5, -5, 0])
j = torch.tensor([2, 2, -3, -3, 4])
out = (torch.div(i, j, rounding_mode='trunc'), torch.div(i, j, rounding_mode='floor'),
       i.div(-2.93, rounding_mode='trunc'), torch.div(2, i[:2], rounding_mode='floor'),
       torch.div(i, True, rounding_mode='floor'), torch.tensor(5).div(-2, rounding_mode='trunc'))
""",
    "div_trunc_int_by_zero": "out = torch.div(torch.tensor([3]), 0, rounding_mode='trunc')",
    "integer_division_by_zero_with_nothing_to_compute": """
z = torch.zeros((0, 5), dtype=torch.int64)
out = (z // 0, torch.div(torch.zeros((0, 1), dtype=torch.int64), torch.tensor(False),
                         rounding_mode='floor'), z % 0, torch.fmod(z, 0),
       torch.div(z, 0, rounding_mode='trunc'))
""",
    "div_floor_bool": "out = torch.tensor([True]).div(True, rounding_mode='floor')",
    "div_trunc_bool": "out = torch.tensor([True]).div(True, rounding_mode='trunc')",
    "div_rounding_mode_empty": """
out = torch.zeros((0, 1)).div(torch.tensor(0, dtype=torch.int32), rounding_mode='trunc')
""",
    "div_rounding_mode_broadcast_error": """
out = torch.div(torch.zeros(2, 1), torch.ones(3, 1), rounding_mode='floor')
""",
    "div_in_place_with_rounding_mode": """
x = torch.tensor([2.5, -3.5], requires_grad=True)
y = x * 1
y.div_(2, rounding_mode='floor')
z = x * 1
z.div_(torch.tensor([2.0, 4.0]), rounding_mode=None)
i = torch.tensor([5, -3])
i.div_(2, rounding_mode='trunc')
out = (y, z, i)
(y.sum() + z.sum()).backward()
leaves = [x]
""",
    "div_in_place_true_division_of_int": "out = torch.tensor([5, -3]).div_(2, rounding_mode=None)",
    # ---- sum/mean with dim given ----
    "sum_mean_dim_spellings": """
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
out = (x.sum(dim=None), x.sum(None), x.sum(dim=()), x.sum(dim=[]), x.sum(),
       x.sum(dim=None, keepdim=True), torch.sum(x, dim=None), x.sum(dtype=torch.float64),
       x.mean(dim=None), x.mean(), torch.mean(x, dim=None, keepdim=True), x.mean(dim=()))
sum(o.sum() for o in out).backward()
leaves = [x]
""",
    "sum_keepdim_without_dim": "out = torch.ones(2, 3).sum(keepdim=True)",
    "mean_keepdim_without_dim": "out = torch.mean(torch.ones(2, 3), keepdim=False)",
    # ---- prod ----
    "prod_keepdim_without_dim": "out = torch.tensor([[[-2.0]]]).prod(keepdim=False)",
    "torch_prod_keepdim_without_dim": "out = torch.prod(torch.tensor([[-0.23]]), keepdim=True)",
    "prod_dim_none": "out = torch.tensor([1.0, 2.0]).prod(dim=None)",
    "prod_grad_of_a_single_zero_factor": """
x = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([[0.0, 3.0]], requires_grad=True)
z = torch.tensor([0.0, 2.0], requires_grad=True)
out = (torch.autograd.grad(torch.prod(x), [x], create_graph=True)[0],
       torch.autograd.grad(torch.prod(y, 0).sum(), [y], create_graph=True)[0],
       torch.autograd.grad(torch.prod(z), [z], create_graph=True)[0])
""",
    # ---- norm in float32 overflows and underflows as torch's (Note [Float32 norms overflow as torch's]) ----
    "float32_norm_overflow_and_underflow": "x = torch.tensor([[1e30, 1e30, 3e20], [1e-30, 1e-25, 3e-40]], requires_grad=True); out = (x.norm(dim=1), x.norm(p=3, dim=1), x.norm(p=0.5, dim=1), x.norm(p=-2, dim=1), x.norm(p=1, dim=0), torch.tensor([1.5e19, 1.5e19]).norm(), torch.tensor([1e-20, 1e-20]).norm(), x.double().norm(dim=1)); x.norm(dim=1).sum().backward(); leaves = [x]",
    # ---- fmod / remainder: the divisor's gradient depends on it ----
    "fmod_remainder_divisor_grad_under_create_graph": """
v2 = torch.tensor([2.69])
v4 = torch.tensor([-0.67], requires_grad=True)
out = (torch.autograd.grad(torch.fmod(v2, v4), [v4], create_graph=True)[0],
       torch.autograd.grad(torch.remainder(v2, v4), [v4], create_graph=True)[0])
""",
    # ---- nonzero's layout ----
    "view_of_nonzero_result": """
out = torch.tensor([[-1.5], [2.91], [2.07], [-2.28]]).nonzero().view((2, 4))
""",
    "nonzero_strides": """
n = torch.tensor([[0.0, 1.0], [2.0, 0.0]]).nonzero()
out = (n, n.t().contiguous(), torch.tensor([[1.0, 2.0]]).nonzero().view(-1))
""",
    # ---- in-place ----
    # ---- cross_entropy with no classes ----
    "cross_entropy_no_classes_3d": """
out = F.cross_entropy(torch.zeros((2, 0, 3)), torch.tensor([[-1, 0, 0], [0, 0, 0]]))
""",
    "cross_entropy_no_classes_4d": """
out = F.cross_entropy(torch.zeros((2, 0, 3, 4)), torch.zeros((2, 3, 4), dtype=torch.int64))
""",
    "cross_entropy_empty_both": """
out = F.cross_entropy(torch.zeros((2, 0, 0)), torch.zeros((2, 0), dtype=torch.int64))
""",
    "cross_entropy_mean_with_weight_ignore_index_and_smoothing": """
x = torch.tensor([[-2.24, -1.74, 0.1], [2.16, -0.05, -1.94], [0.14, 0.24, 1.66],
                  [-0.45, 1.35, -2.12], [-2.85, 1.02, 2.53]], requires_grad=True)
w = torch.tensor([1.69, 0.55, 0.44])
t = torch.tensor([1, 2, 2, 1, 2])
out = (F.cross_entropy(x, t, weight=w, ignore_index=2, label_smoothing=0.1),
       F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.3, reduction='sum'))
(out[0] + out[1]).backward()
leaves = [x]
""",
    "backward_inputs_named_twice": """
v0 = torch.tensor(1.66, requires_grad=True)
v1 = torch.tensor(2.81, requires_grad=True)
v0.backward(inputs=[v1, v0, v0])
out = v0
leaves = [v0, v1]
""",
    "std_var_unbiased_with_correction": "out = torch.std(torch.tensor([[1.22]]), -2, False, correction=1)",
    "var_unbiased_keyword_with_correction": """
out = torch.ones(2, 3).var(0, unbiased=True, correction=1)
""",
    "bitwise_on_floats_with_mismatched_shapes": """
out = torch.tensor([[-1.46, -1.96, -1.01, -0.13]]).bitwise_and(torch.ones(1, 5))
""",
    "linear_with_a_one_element_bias": """
x = torch.tensor([[[0.38, -0.15, 1.7, 0.62, 2.87]]], dtype=torch.float64)
w = torch.ones(2, 5, dtype=torch.float64)
b = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)
out = (F.linear(x, w, b), F.linear(x[0, 0], w, b), F.linear(x, w, torch.ones(3, 2)))
""",
    "second_derivative_of_division_by_infinity": """
v0 = torch.tensor([[[-1.06]]], requires_grad=True)
v1 = torch.tensor([-float('inf')], requires_grad=True)
v4 = torch.autograd.grad(v0.div(v1).sum(), [v0, v1], create_graph=True)
v4[1].sum().backward()
out = v4
leaves = [v0, v1]
""",
    # ---- products ----
    # Note [Small gemm accumulation]: -3e38 + 3e38 * 1.1667 is 5e37 fused, inf unfused
    # Note [Products of one term]: 1 / the product shows a zero's sign as +-inf.
    "products_of_one_term_keep_the_sign_of_zero": """
a, b, z = torch.full((5, 1), -2.0), torch.tensor([[0.0, 1.0, -0.0, 3.0]]), torch.zeros(5, 4)
a3 = torch.full((3, 5, 1), -2.0)
out = tuple(1 / p for p in (
    a.mm(b), torch.addmm(z, a, b), torch.addmm(z, a, b, beta=0, alpha=3), torch.matmul(a3, b),
    a.t().contiguous().t().mm(b.t().contiguous().t()), a.double().mm(b.double()),
    torch.nn.functional.linear(a, b.t()), torch.einsum("ik,kj->ij", a, b),
    torch.bmm(a3, b.expand(3, 1, 4)), torch.bmm(torch.full((2, 40, 1), -2.0), torch.zeros(2, 1, 40)),
    torch.full((1, 1), -2.0).mm(b), a.mm(b[:, :1]), torch.full((300, 1), -2.0).mm(torch.zeros(1, 300))))
""",
    "log10_of_an_outer_product_gradient": """
v0 = torch.tensor([[2.45], [-2.18], [0.08], [0.67]])
v2 = torch.tensor([[1.0, 2.0, -2.0, 0.0, -2.0]], requires_grad=True)
out = torch.autograd.grad(v0.mm(v2).log10().sum(), [v2])
""",
    # Note [Norm of one element]: |x| itself, where (|x|^p)^(1/p) over- or underflows.
    "norm_of_one_element_is_its_magnitude": """
x = torch.tensor([[1e15, 1e-45, -3.0, float("nan"), -0.0]], requires_grad=True)
out = (torch.add(torch.tensor([1.0]), 1152921504606846977).norm(p=3),
       x.norm(p=3, dim=0), x.norm(p=2, dim=0, keepdim=True), x.norm(p=-1, dim=0),
       x.norm(p=0.5, dim=0), x.norm(p=0, dim=0), x[:, :1].norm(p=4.5), x.norm(p=3, dim=1),
       x.double().norm(p=30, dim=0), torch.linalg.vector_norm(x[:, 2:3], 7),
       *torch.autograd.grad(x[:, :3].norm(p=3, dim=0).sum() + x[:, 2].norm(p=5), x))
""",
    "bool_products_with_nothing_to_multiply": """
B = torch.bool
out = (torch.zeros((0, 0, 1), dtype=B).bmm(torch.zeros((0, 1, 3), dtype=B)),
       torch.zeros((2, 2, 0), dtype=B).bmm(torch.zeros((2, 0, 3), dtype=B)),
       torch.addmm(torch.zeros((5, 0), dtype=B), torch.zeros((5, 2), dtype=B),
                   torch.zeros((2, 0), dtype=B)),
       F.linear(torch.zeros((0,), dtype=B), torch.zeros((5, 0), dtype=B)),
       torch.mm(torch.zeros((2, 0), dtype=B), torch.zeros((0, 3), dtype=B)),
       torch.mv(torch.zeros((5, 0), dtype=B), torch.zeros((0,), dtype=B)))
""",
    "bool_bmm_with_work": """
out = torch.zeros((2, 2, 1), dtype=torch.bool).bmm(torch.zeros((2, 1, 3), dtype=torch.bool))
""",
    "bool_mm_with_work": """
out = torch.mm(torch.zeros((2, 1), dtype=torch.bool), torch.zeros((1, 3), dtype=torch.bool))
""",
    "linear_node_per_rank_and_bias_layout": """
w = torch.ones(2, 5, requires_grad=True)
b = torch.ones(2, requires_grad=True)
bs = torch.ones(4)[::2].requires_grad_()
outs = []
for shape in [(5,), (3, 5), (2, 3, 5), (1, 0, 3, 5), (0, 5), (2, 0, 5)]:
    x = torch.ones(shape, requires_grad=True)
    outs += [F.linear(x, w), F.linear(x, w, b), F.linear(x, w, bs)]
x3 = torch.ones(5, 3, 2, requires_grad=True).transpose(0, 2)
outs += [F.linear(x3, w, b), F.linear(torch.ones(2, 3, 5), w, torch.ones(1, 2)),
         F.linear(torch.ones(2, 3, 5), w, torch.tensor(1.0, requires_grad=True))]
out = tuple(outs)
sum(o.sum() for o in outs).backward()
leaves = [w, b, bs]
""",
    # ---- einsum with empty dims ----
    "einsum_empty_dims": """
v0 = torch.zeros((0, 5), requires_grad=True)
v1 = torch.tensor([1.5, -2.32, -2.35, -2.65, -0.46], requires_grad=True)
v2 = torch.zeros((1, 0, 5))
v3 = torch.ones((1, 5, 1))
out = (torch.einsum('ij,j->i', v0, v1), torch.einsum('bij,bjk->bik', v2, v3),
       torch.einsum('ij,kj->ik', torch.ones(3, 0), torch.ones(2, 0)))
(out[0].sum() + out[2].sum()).backward()
leaves = [v0, v1]
""",
    # ---- Note [Output layout of elementwise ops] ----
    "flatten_of_a_transposed_quotient_copies": """
a = torch.tensor([[-0.31, 1.25, -1.99], [-2.37, 2.16, -2.79]], dtype=torch.float64)
x = a.t().requires_grad_()
out = torch.flatten(torch.div(x, torch.tensor([[-3]])), -2, 1)
out.sum().backward()
leaves = [x]
""",
    "view_of_a_transposed_logical_and_fails": """
a = torch.tensor([[-2.59, 1.12, -0.53], [0.64, -0.72, -0.64], [0.59, 1.69, 0.51],
                  [1.7, 0.53, -2.05]])
b = torch.tensor([[[[2.39]], [[0.06]], [[-1.83]]], [[[1.47]], [[-1.75]], [[1.01]]],
                  [[[-0.93]], [[-2.93]], [[0.73]]]])
out = torch.logical_and(a.mT, b).view(3, 9, 2, -1)
""",
    "a_unary_result_keeps_a_permuted_layout": """
out = torch.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1).exp().view(-1)
""",
    "the_first_input_decides_the_layout": """
y = torch.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1)
out = ((y.contiguous() + y).view(-1), (y + y.contiguous()).permute(1, 2, 0).view(-1))
""",
}

# Outputs that are gradients made with create_graph=True: torch's node names there come
# from its own backward formulas (a fuzzer quirk, tests/fuzz/quirks.py), so only whether
# they have a history is compared.
INSIDE_DOUBLE_BACKWARD = {"second_derivative_of_division_by_infinity",
                          "prod_grad_of_a_single_zero_factor",
                          "fmod_remainder_divisor_grad_under_create_graph",
                          "div_rounding_mode_grads_do_not_require_grad"}

# Errors whose message is compared as well as their type.
ERRORS = {
    "div_bad_rounding_mode": "torch.div(torch.ones(2), 2, rounding_mode='bad')",
    "div_trunc_int_by_zero": "torch.div(torch.tensor([3]), 0, rounding_mode='trunc')",
    "div_floor_bool": "torch.tensor([True]).div(True, rounding_mode='floor')",
    "div_trunc_bool": "torch.tensor([True]).div(True, rounding_mode='trunc')",
    "scatter_into_expanded_checks_dim_first": (
        "torch.tensor([[False]]).expand(1, 2).scatter_(2, torch.tensor([[0]]), value=False)"),
    "scatter_add_into_expanded_checks_dim_first": (
        "torch.zeros(1, 1).expand(1, 2).scatter_add_(-3, torch.tensor([[0]]), torch.ones(1, 1))"),
    "scatter_add_into_a_leaf_checks_the_leaf_before_dim": (
        "torch.tensor([[2.84]], requires_grad=True).scatter_add_(-3, torch.tensor([[2]]), "
        "torch.tensor([[-0.09]]))"),
    "clip_bool_shapes_first": (
        "torch.clip(torch.zeros((1, 1, 1), dtype=torch.bool), min=torch.zeros((1, 5, 1), "
        "dtype=torch.bool), max=torch.zeros((1, 1, 4, 1), dtype=torch.bool))"),
    "div_trunc_bool_shapes_first": (
        "torch.zeros((1, 3, 1), dtype=torch.bool).div(torch.zeros((1, 2, 1), dtype=torch.bool), "
        "rounding_mode='trunc')"),
    "bitwise_xor_float": "torch.bitwise_xor(3, torch.tensor([[0.57]]))",
    "prod_dim_none_keepdim": "torch.ones(2).prod(dim=None, keepdim=True)",
    "sum_keepdim_none": "torch.ones(2, 3).sum(0, None)",
    "prod_keepdim_none": "torch.ones(2, 3).prod(0, None)",
    "cross_entropy_no_classes": (
        "torch.nn.functional.cross_entropy(torch.zeros((2, 0, 3)), torch.zeros((2, 3), "
        "dtype=torch.int64))"),
    "view_of_nonzero": "torch.tensor([[1.0], [2.0]]).nonzero().view(4)",
    "bool_bmm": "torch.zeros(2, 2, 1, dtype=torch.bool).bmm(torch.zeros(2, 1, 3, dtype=torch.bool))",
}


def error_of(lib, source):
    try:
        eval(source, {"torch": lib})
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return type(e).__name__, str(e).split("\n")[0]
    return None


def autograd_meta(lib, source, names=True):
    scope = {"torch": lib, "F": lib.nn.functional}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(source, scope)
    outs = scope["out"] if isinstance(scope["out"], (tuple, list)) else [scope["out"]]
    def node(o):
        if o.grad_fn is None:
            return None
        return o.grad_fn.name() if names else "some node"
    return [None if o is None else (node(o), o.is_leaf) for o in outs]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    source, names = CASES[name], name not in INSIDE_DOUBLE_BACKWARD
    expected, got = run(torch, source), run(cgrad, source)
    if expected[0] == "error" or got[0] == "error":
        assert got == expected  # ("error", type name) on both sides
        return
    outputs = list(zip(got[1], expected[1])) + list(zip(got[2], expected[2]))
    assert len(got[1]) == len(expected[1]) and len(got[2]) == len(expected[2])
    for mine, theirs in outputs:
        assert same(mine, theirs), f"torch: {theirs}, cgrad: {mine}"
    assert autograd_meta(cgrad, source, names) == autograd_meta(torch, source, names)


# Note [Small gemm accumulation] copies where torch's BLAS fuses the terms of a small
# product. That is a property of the BLAS's kernel for the CPU: MKL's AVX-512 kernels fuse
# as the Note says, its AVX2 ones (AMD machines; MKL_ENABLE_INSTRUCTIONS=AVX2 here) leave
# these products unfused. cgrad rounds the same way on every CPU; torch is its oracle only
# where its BLAS takes the path the Note was measured on.
SMALL_PRODUCTS = """
A = torch.tensor([[3e38, 3e38, 0.0], [3e38, 3e38, 1.0]])
B = torch.tensor([[-1.0, -1.0], [1.1667, 1.1667], [2.0, 0.0]])
out = (A.mm(B), torch.addmm(torch.ones(2, 2), A, B), A.t().contiguous().t().mm(B),
       A.t().contiguous().t().mm(B.t().contiguous().t()), A.mm(B.t().contiguous().t()),
       torch.mm(A[:1], B), torch.mm(A[:1], B[:, :1]), torch.mv(A, B[:, 0].contiguous()),
       torch.mv(A[:1], B[:, 0].contiguous()), torch.dot(A[0], B[:, 0].contiguous()),
       torch.bmm(A[None], B[None]), torch.matmul(A.expand(2, 2, 3), B),
       torch.tensor([[1.7e308, 1.7e308]] * 2, dtype=torch.float64).mm(torch.tensor([[-1.0, -1.0], [1.08, 1.08]], dtype=torch.float64)))
"""
OVERFLOWING_TERMS = ([[3e38, 3e38, 0.0], [3e38, 3e38, 1.0]],
                     [[-1.0, -1.0], [1.1667, 1.1667], [2.0, 0.0]])


def torch_blas_fuses_small_products():
    a, b = (torch.tensor(m) for m in OVERFLOWING_TERMS)
    return bool(torch.isfinite(a.mm(b)).all())


def test_small_products_fuse_in_k_order_on_every_cpu():
    # Fused: each term is added exactly and rounded once, as float64 arithmetic does for
    # these float32 terms; unfused, 3e38 * 1.1667 overflows first. mm fuses, dot does not.
    a, b = (np.array(m, dtype=np.float32) for m in OVERFLOWING_TERMS)
    fused = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)
    assert np.isfinite(fused).all()
    ca, cb = cgrad.tensor(OVERFLOWING_TERMS[0]), cgrad.tensor(OVERFLOWING_TERMS[1])
    np.testing.assert_array_equal(ca.mm(cb).numpy(), fused)
    assert cgrad.dot(ca[0], cb[:, 0].contiguous()).item() == float("inf")


def test_small_products_round_as_torchs_blas():
    if not torch_blas_fuses_small_products():
        pytest.skip("torch's BLAS on this CPU leaves small products unfused")
    expected, got = run(torch, SMALL_PRODUCTS), run(cgrad, SMALL_PRODUCTS)
    assert len(got[1]) == len(expected[1])
    for mine, theirs in zip(got[1], expected[1]):
        assert same(mine, theirs), f"torch: {theirs}, cgrad: {mine}"


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_matches_torch(name):
    t = error_of(torch, ERRORS[name])
    assert t is not None
    assert error_of(cgrad, ERRORS[name]) == t


def test_div_rounding_mode_gradcheck():
    # True division through the rounding_mode=None overload (DivBackward2), float64.
    a = cgrad.tensor([1.5, -2.0, 0.7], dtype=cgrad.float64, requires_grad=True)
    b = cgrad.tensor([0.9, 1.3, -2.2], dtype=cgrad.float64, requires_grad=True)
    assert cgrad.autograd.gradcheck(lambda x, y: cgrad.div(x, y, rounding_mode=None), (a, b))
    assert cgrad.autograd.gradgradcheck(lambda x, y: x.div(y, rounding_mode=None), (a, b))
    # trunc and floor are piecewise constant: away from the jumps their gradient is 0.
    for mode in ("trunc", "floor"):
        assert cgrad.autograd.gradcheck(lambda x, y: cgrad.div(x, y, rounding_mode=mode), (a, b))


# Result layouts torch gives, compared by strides (seeded draws also by value).
LAYOUTS = {
    "like_of_permuted": "torch.zeros_like(torch.ones(2, 3, 4).permute(2, 0, 1))",
    "like_of_sliced_transpose": "torch.ones_like(torch.ones(4, 6).t()[::2])",
    "like_of_expanded": "torch.empty_like(torch.ones(3, 1).expand(3, 4)).fill_(1)",
    "like_of_empty_transpose": "torch.full_like(torch.ones(3, 0, 2).transpose(0, 2), 2.0)",
    "like_of_size1_permuted": "torch.zeros_like(torch.ones(3, 1, 2).transpose(0, 2))",
    "rand_like_of_transpose": "torch.rand_like(torch.ones(3, 4).t())",
    "randn_like_of_permuted": "torch.randn_like(torch.ones(2, 3, 5).permute(1, 2, 0))",
    "randint_like_of_transpose": "torch.randint_like(torch.ones(3, 4).t(), 9)",
    "number_power_of_transpose": "2 ** torch.arange(12.).reshape(3, 4).t()",
    "pow_number_first_of_transpose": "torch.pow(2.5, torch.arange(12.).reshape(3, 4).t())",
    "exp2_of_transpose": "torch.exp2(torch.arange(12.).reshape(3, 4).t())",
    "mixed_dtype_mul_of_expanded": (
        "torch.ones(4, 1, 5, dtype=torch.int32).expand(4, 3, 5) * torch.ones(5, 3).t()"),
    "int_to_float_where": (
        "torch.where(torch.ones(3, 4).t() > 0, torch.ones(1, 3, dtype=torch.int64)"
        ".expand(4, 3), torch.ones(3, 4).t())"),
    "pow_number_of_empty_permuted": "torch.ones(3, 0, 2).permute(2, 1, 0) ** 2",
    "clamp_numbers_of_empty_permuted": "torch.ones(3, 0, 2).permute(2, 1, 0).clamp(0, 1)",
    "add_number_of_empty_permuted": "torch.ones(3, 0, 2).permute(2, 1, 0) + 2",
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layout_matches_torch(name):
    def layout(lib):
        lib.manual_seed(7)
        r = eval(LAYOUTS[name], {"torch": lib})
        return tuple(r.shape), tuple(r.stride()), str(r.dtype).split(".")[-1], r.tolist()
    assert layout(cgrad) == layout(torch)
