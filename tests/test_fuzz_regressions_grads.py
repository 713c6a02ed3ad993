"""Value and gradient divergences the differential fuzzer (tests/fuzz) found: programs
that run in both libraries but gave other values, dtypes, gradients, grad_fn names or
requires_grad. The format is that of tests/test_fuzz_regressions.py: each source runs
once with `torch` bound to torch and once to cgrad, sets `out` (a tensor or a tuple of
tensors and None) and may set `leaves`, whose gradients are compared; requires_grad,
is_leaf and (outside INSIDE_DOUBLE_BACKWARD) grad_fn names of `out` are compared too.
New backward formulas are gradchecked in float64 below.
"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions import run, same  # noqa: E402
from test_fuzz_regressions_ops import autograd_meta  # noqa: E402

CASES = {
    # ---- a norm's gradient takes sgn, whose gradient is an absorbing zero ----
    "norm_1_double_backward_through_an_infinite_factor": """
v1 = torch.tensor(1.67, dtype=torch.float32).requires_grad_()
g, = torch.autograd.grad(v1.mul(-float('inf')).norm(p=1), [v1], create_graph=True)
out = (g,) + torch.autograd.grad(g, [v1])
""",
    # ---- nll_loss's gradient depends on the input (NllLossBackwardBackward0) ----
    "nll_loss_grad_requires_grad": """
x = torch.tensor([-2.0, 2.0, -2.0, -1.0], requires_grad=True)
g, = torch.autograd.grad(F.nll_loss(x, torch.tensor(1)), [x], create_graph=True)
out = (g,) + torch.autograd.grad(g.sum(), [x], allow_unused=True)
""",
    "nll_loss_double_backward_reductions": """
x = torch.tensor([[-2.0, 2.0, -1.0], [0.5, 0.1, 0.3]], requires_grad=True)
out = ()
for reduction in ('mean', 'sum', 'none'):
    l = F.nll_loss(x, torch.tensor([1, -100]), reduction=reduction, weight=torch.tensor([1., 2, 3]))
    up = torch.ones_like(l).requires_grad_()
    g, = torch.autograd.grad(l, [x], up, create_graph=True)
    out += (g,) + torch.autograd.grad(g, [up, x], torch.tensor([[1., 2, 3], [4, 5, 6]]))
""",
    "nll_loss2d_double_backward": """
x = torch.tensor([[[[0.5, -1.0]], [[2.0, 0.1]], [[-0.3, 1.5]]]], requires_grad=True)
l = F.nll_loss(x, torch.tensor([[[2, 0]]]), reduction='none')
up = torch.ones_like(l).requires_grad_()
g, = torch.autograd.grad(l, [x], up, create_graph=True)
out = (g,) + torch.autograd.grad((g * g).sum(), [up, x])
""",
    # ---- pow by a number: sqrt, 1/sqrt, 1/x and products, as torch (Note [Powers torch computes without pow]) ----
    "pow_by_a_number_without_pow_at_negative_zero_and_inf": "x = torch.tensor([-0.0, -float('inf'), 0.7, 3.0, -2.0], dtype=torch.float64, requires_grad=True); out = (x.pow(0.5), 1 / x.pow(0.5), x.pow(-0.5), x ** 3, x ** -2, x ** -1, 1 / x.pow(3), torch.pow(x, torch.tensor(0.5, dtype=torch.float64))); (x.pow(0.5) + x.pow(1.5)).sum().backward(); leaves = [x]",
    # ---- log(sigmoid(x)) inside a loss's backward has derivative 1/2 at x = 0 ----
    "bce_with_logits_pos_weight_double_backward_at_zero": "x = torch.tensor([0.0, 2.0, -0.0], dtype=torch.float64, requires_grad=True); t = torch.tensor([0.4, 0.3, 0.9], dtype=torch.float64, requires_grad=True); g = torch.autograd.grad(F.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor([1.41], dtype=torch.float64)), [x, t], create_graph=True); out = g + torch.autograd.grad(g[1].sum() + g[0].sum(), [x, t])",
    "nll_loss_all_ignored_double_backward": """
x = torch.tensor([[-2.0, 2.0, -1.0], [0.5, 0.1, 0.3]], requires_grad=True)
l = F.nll_loss(x, torch.tensor([-100, -100]))
up = torch.ones_like(l).requires_grad_()
g, = torch.autograd.grad(l, [x], up, create_graph=True)
out = (g,) + torch.autograd.grad(g.sum(), [up])
""",
    "nll_loss_of_no_targets_double_backward": """
x = torch.zeros((0, 5, 2), requires_grad=True)
w = torch.tensor(-2.17, requires_grad=True)
l = F.nll_loss(x, torch.zeros((0, 2), dtype=torch.int64)) * w
g, = torch.autograd.grad(l, [x], create_graph=True)
g.sum().backward()
out = (l, g)
leaves = [w]
""",
    # ---- Note [Absorbing zeros]: sgn's gradient is a zero that products keep zero ----
    "abs_double_backward_through_an_infinite_factor": """
x = torch.tensor([0.0, 1.0, -2.0], requires_grad=True)
y = x ** -0.08
g, = torch.autograd.grad(y.abs().sum() + (y * torch.tensor([0.5, 2.0, 1.0])).sum(), [x], create_graph=True)
g.sum().backward()
out = (g,)
leaves = [x]
""",
    "sgn_gradient_times_inf_is_zero": """
x = torch.tensor([0.0, 1.5, -2.0], requires_grad=True)
g, = torch.autograd.grad(x.sgn().sum(), [x])
out = tuple(t.clone() for t in (g, g * float('inf'), g / 0, g + g, g - g, (g * float('inf')).sum(), -g * float('inf')))
""",
    "an_absorbing_zero_written_in_place_is_ordinary": """
x = torch.tensor([0.0, 1.5], requires_grad=True)
g, = torch.autograd.grad(x.abs().sum(), [x], create_graph=True)
h, = torch.autograd.grad(g.sum(), [x])
out = (h.clone().add_(1) * float('inf'), h.clone() * float('inf'), (h * float('inf')).clone())
""",
    # ---- Note [sigmoid's double backward]: d/ds of grad * (1 - s) * s is grad * (1 - 2s) ----
    "sigmoid_double_backward_with_an_infinite_upstream": """
x = torch.tensor([-0.14, 0.3, 0.0], requires_grad=True)
g, = torch.autograd.grad(torch.max(torch.sigmoid(x), dim=-1)[0] / 0, [x], create_graph=True)
g.sum().backward()
s = torch.tensor([0.5, -1.0], requires_grad=True)
gs, = torch.autograd.grad(torch.sigmoid(s), [s], torch.tensor([2.0, 3.0], requires_grad=True), create_graph=True)
out = (g, gs) + torch.autograd.grad(gs.sum(), [s])
leaves = [x]
""",
    # ---- Note [Ignored targets]: -(x*w) at a kept target (-0.0 at x = 0), +0.0 at an ignored one ----
    "nll_loss_none_signs_of_zero_through_log": """
x = torch.tensor([[[0.0, 2.0, -2.0], [-1.0, 2.0, -0.0]], [[2.0, 0.0, 1.0], [0.0, -0.0, -1.0]]], requires_grad=True)
l = F.nll_loss(x, torch.tensor([[0, 1, 1], [2, -100, 2]]), reduction='none')
w = F.nll_loss(x, torch.tensor([[0, 1, 1], [2, -100, 2]]), weight=torch.tensor([0.0, 1.0]), reduction='none')
out = (1 / l, 1 / w, 1 / F.nll_loss(x[:, :, 0], torch.tensor([0, 1]), reduction='sum'))
l.log_()
l.sum().backward()
leaves = [x]
""",
    # ---- prod / cumprod with zeros: the gradient still depends on the zeros ----
    "prod_double_backward_with_zeros": """
x = torch.tensor([[2.0, 0.0, 1.0, -1.0, -2.0], [2.0, 1.0, -1.0, 0.0, 0.0], [0.0, 1.0, 2.0, 2.0, -1.0]], requires_grad=True)
g, = torch.autograd.grad(torch.prod(x, dim=1).sum(), [x], create_graph=True)
(g * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
out = g
leaves = [x]
""",
    "prod_all_double_backward_with_one_zero": """
x = torch.tensor([[0.0, 2.0, -1.0]], requires_grad=True)
g, = torch.autograd.grad(torch.prod(x), [x], create_graph=True)
g.sum().backward()
out = g
leaves = [x]
""",
    "prod_all_double_backward_with_two_zeros": """
x = torch.tensor([[0.0, 2.0, -1.0], [0.0, 3.0, 0.5]], requires_grad=True)
g, = torch.autograd.grad(x.prod(), [x], create_graph=True)
(g * torch.arange(6.0).view(2, 3)).sum().backward()
out = g
leaves = [x]
""",
    "prod_keepdim_single_factor_with_zero": """
x = torch.tensor([[0.0], [2.0]], requires_grad=True)
g, = torch.autograd.grad(x.prod(1, keepdim=True).sum(), [x], create_graph=True)
out = g
""",
    "prod_all_with_two_zeros_and_infinities_gives_zeros": "x = torch.tensor([[-2.03, 88.0, 0.0, float('inf')], [-0.0, 1.0, -float('inf'), 3.0]], requires_grad=True); torch.prod(x).backward(); out = x.grad; leaves = [x]",
    "cumprod_double_backward_with_zeros": """
x = torch.tensor([[0.0, 2.0, -1.0, 0.0, 3.0], [1.5, 0.0, 2.0, 1.0, -1.0]], requires_grad=True)
g, = torch.autograd.grad(x.cumprod(1).sum(), [x], create_graph=True)
(g * torch.tensor([1.0, -2.0, 3.0, 0.5, 1.0])).sum().backward()
out = g
leaves = [x]
""",
    # Note [cumprod's gradient past a zero]: terms beyond a zero are left out, not times 0
    "cumprod_gradient_past_a_zero_with_infinite_upstream": """
x = torch.tensor([[1.0], [0.0]], requires_grad=True)
torch.log10(x.cumprod(0)).sum().backward()
y = torch.tensor([[0.0, 1.62, -2.77], [2.0, float('inf'), 1e30], [0.5, -0.0, 0.12], [3.0, 2.0, 0.0]], requires_grad=True)
y.cumprod(0).sum().backward()
z = torch.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
torch.log(z.cumprod(0).abs() + 1).sum().backward()
out = ()
leaves = [x, y, z]
""",
    "cumprod_first_order_with_zeros": """
x = torch.tensor([[0.0, 2.0], [-1.0, 0.0], [3.0, 0.0]], requires_grad=True)
x.cumprod(0).backward(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
out = x.cumprod(0)
leaves = [x]
""",
    # ---- elu's second derivative is 0 from x = 0 on, a product with the mask ----
    "elu_double_backward_at_zero": """
x = torch.tensor([[2.0], [0.0], [1.0], [-1.0], [-0.0]], requires_grad=True)
g, = torch.autograd.grad(F.elu(x, alpha=0.5).sum(), [x], create_graph=True)
g.sum().backward()
out = g
leaves = [x]
""",
    "elu_double_backward_of_infinite_gradient": """
x = torch.tensor([2.0, 0.0, -1.0], requires_grad=True)
g, = torch.autograd.grad(F.elu(x).sum(), [x], create_graph=True)
out = torch.autograd.grad(g, [x], torch.tensor([float('inf'), float('inf'), 1.0]))
""",
    # ---- norm's gradient at zero elements and zero norms ----
    "norm_gradient_at_zero_elements": """
x = torch.tensor([[1.0, 0.0, -1.0, -1.0, 1.0]], requires_grad=True)
out = tuple(torch.autograd.grad(x.norm(p=p), [x])[0] for p in (0.5, 1.5, 3.0, -1.0, 2.0, 1.0))
""",
    "norm_gradient_of_zero_rows": """
x = torch.tensor([[0.0, 0.0], [0.0, 2.0]], requires_grad=True)
out = tuple(torch.autograd.grad(x.norm(p=p, dim=1).sum(), [x])[0] for p in (0.5, 1.5, 3.0, 2.0, -0.5))
""",
    "norm_double_backward_at_zero_norm": """
x = torch.tensor([[0.0, 0.0], [0.5, 2.0]], requires_grad=True)
out = ()
for p in (2.0, 4.0, 0.5, 1.5):
    g, = torch.autograd.grad(x.norm(p=p, dim=1).sum(), [x], create_graph=True)
    out += (g, torch.autograd.grad((g * g).sum(), [x], allow_unused=True)[0])
""",
    # ---- lerp: a 0-d weight takes part in the dtype promotion ----
    "lerp_of_0d_with_float64_0d_weight": """
a = torch.tensor(1.0, requires_grad=True)
w = torch.tensor(-0.54, dtype=torch.float64, requires_grad=True)
y = a.lerp(torch.tensor(1.99), w)
y.backward()
out = (y, torch.tensor([1.0, 2.0]).lerp(torch.tensor([2.0, 3.0]), w.detach()),
       torch.tensor(1.0).lerp(torch.tensor([2.0, 3.0]), w.detach()),
       torch.tensor(1.0, dtype=torch.float64).lerp(torch.tensor(2.0, dtype=torch.float64), torch.tensor(0.3)),
       torch.tensor(1.0).lerp_(torch.tensor(2.0), w.detach()))
leaves = [a, w]
""",
    # ---- std: the root is taken in double, before the float32 variance overflows ----
    "std_of_a_float32_variance_that_overflows": """
x = torch.tensor([[-2.42, 88.0], [-2.59, 88.0], [2.98, 2.6], [1e+30, 0.19], [0.45, 0.75]], requires_grad=True)
s = torch.std(x)
s.backward()
out = (s, torch.var(x), torch.std(x, 0), torch.std(x, 1, correction=0), x.std(1, keepdim=True))
leaves = [x]
""",
    # ---- var/std to one element in two passes, from x.mean() (Note [Variance to one
    # element in two passes]); the mean of equal values can be an ulp off them ----
    "std_of_equal_float64_values_is_tiny_and_differentiable": """
v2 = torch.tensor([-0.44, -0.44, -0.44, -0.44, -0.44], dtype=torch.float64).requires_grad_()
v6 = torch.std(v2)
out = (v6,) + torch.autograd.grad(v6, [v2])
""",
    "var_of_equal_huge_float64_values": """
v0 = torch.tensor([1e+30, 1e+30, 1e+30], dtype=torch.float64)
out = (torch.var(v0), torch.var(torch.tensor([1e+30], dtype=torch.float64).expand(3), dim=0, keepdim=True))
""",
    "std_of_equal_float32_values": """
x = torch.tensor([-0.44, -0.44, -0.44], requires_grad=True)
s = torch.std(x)
s.backward()
out = s
leaves = [x]
""",
    "var_std_to_one_element_with_corrections_and_dims": """
x = torch.tensor([[-0.44, -0.44, -0.44, -0.44, -0.44]], dtype=torch.float64, requires_grad=True)
out = (torch.var(x, correction=0), torch.var(x, unbiased=False), torch.std(x, correction=2),
       torch.std(x, dim=1), torch.var(x, dim=(0, 1), keepdim=True), x.std(-1, correction=0.5),
       torch.var(x.t(), 0), torch.std(x.t().expand(5, 1)))
out = out + torch.autograd.grad(sum(o.sum() for o in out), [x])
""",
    "var_mean_and_std_mean_keep_one_pass": """
x = torch.tensor([-0.44, -0.44, -0.44, -0.44, -0.44], dtype=torch.float64, requires_grad=True)
v, m = torch.var_mean(x)
s, m2 = torch.std_mean(x.view(1, 5), 1)
out = (v, m, s, m2) + torch.var_mean(torch.tensor([1e+30, 1e+30, 1e+30], dtype=torch.float64))
out = out + torch.autograd.grad(v + m + s.sum() + m2.sum(), [x])
""",
    # ---- a recorded mean backward divides after expanding, as torch's (Note [Mean
    # backward divides after expanding]): over nothing, its gradient sums nothing to 0 ----
    "mean_of_empty_double_backward_through_mse_loss": """
v1 = torch.zeros((0, 1), dtype=torch.float32).requires_grad_()
v3 = torch.tensor(0.58, dtype=torch.float32).requires_grad_()
v4 = F.mse_loss(v1.mean(), v3)
v5 = torch.autograd.grad(v4, [v1, v3], create_graph=True)
v5[0].sum().backward()
out = v3.grad
""",
    "mean_over_an_empty_dim_double_backward_through_einsum": """
v1 = torch.tensor([[-2.31]], dtype=torch.float32).requires_grad_()
v3 = torch.mean(v1[:-2:2], -2, False)
v4 = torch.tensor([-0.25], dtype=torch.float32).requires_grad_()
v6 = torch.autograd.grad(torch.einsum('i,i->', v3, v4), [v1, v4], create_graph=True)
v6[0].sum().backward()
out = v4.grad
""",
    "var_mean_and_std_mean_of_empty_double_backward": """
x = torch.zeros((0, 3), requires_grad=True)
w = torch.tensor(0.7, requires_grad=True)
out = ()
for m in (torch.var_mean(x)[1], torch.std_mean(x, 0)[1], x.mean(), x.mean(0, keepdim=True)):
    g, = torch.autograd.grad((m * w).sum(), [x], create_graph=True)
    out += torch.autograd.grad(g.sum(), [w])
""",
    # ---- bmm with nothing to multiply checks no dtypes ----
    "bmm_empty_of_mixed_dtypes": """
out = ()
for sa, sb in [((0, 2, 0), (0, 0, 3)), ((0, 2, 1), (0, 1, 3)), ((1, 2, 0), (1, 0, 3)), ((1, 2, 2), (1, 2, 0))]:
    for da, db in [(torch.float64, torch.float32), (torch.float32, torch.float64)]:
        x = torch.ones(sa, dtype=da, requires_grad=True)
        y = torch.ones(sb, dtype=db, requires_grad=True)
        r = torch.bmm(x, y)
        r.sum().backward()
        out += (r, x.grad, y.grad)
""",
    "bmm_empty_of_integer_and_bool": """
out = (torch.bmm(torch.ones((1, 2, 0), dtype=torch.int64), torch.ones((1, 0, 3))),
       torch.bmm(torch.ones((1, 2, 0), dtype=torch.bool), torch.ones((1, 0, 3), dtype=torch.int64)),
       torch.ones((0, 2, 0), dtype=torch.float64) @ torch.ones((0, 0, 3)))
""",
    "bmm_of_mixed_dtypes_still_raises": """
out = torch.bmm(torch.ones((1, 2, 1), dtype=torch.float64), torch.ones((1, 1, 3)))
""",
    # ---- integer and bool tensors in the graph, where torch records them ----
    "masked_write_of_one_value_into_bool_is_recorded": """
x = torch.tensor([False, True])
x[x] = torch.tensor([0.62], dtype=torch.float64, requires_grad=True)
out = x
""",
    "masked_write_of_a_0d_value_into_int_is_recorded": """
x = torch.tensor([[1, 2], [3, 4]])
x[torch.tensor([True, False])] = torch.tensor(0.6, requires_grad=True)
out = x
""",
    "in_place_ops_on_an_int_tensor_that_requires_grad_are_recorded": """
def filled():
    x = torch.tensor([1, 2])
    x.fill_(torch.tensor(2.5, requires_grad=True))
    return x
a, b, c, d, e, f = filled(), filled(), filled(), filled(), filled(), torch.tensor([True, False])
a.add_(1)
b.mul_(torch.tensor([3, 4]))
c[[0]] = 5
d.masked_fill_(torch.tensor([True, False]), 3)
e.copy_(torch.tensor([7.0, 8.0], requires_grad=True))
f.fill_(torch.tensor(2.5, requires_grad=True))
f.zero_()
out = (a, b, c, d, e, f)
""",
    # ---- an integer or bool output refuses history (Note [Only floating outputs get history]) ----
    "mul_of_an_int_tensor_with_history_raises": "x = torch.tensor([4, 4]); x[torch.tensor([True, True])] = torch.tensor(0.66, requires_grad=True); out = x * torch.tensor([2])",
    "view_of_an_int_tensor_with_history_raises": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = x.view(2)",
    "select_of_an_int_tensor_with_history_raises": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = x[0]",
    "unbind_of_an_int_tensor_with_history_raises": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = x.unbind()",
    "cumsum_of_an_int_tensor_with_history_raises": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = x.cumsum(0)",
    "empty_bmm_of_bool_tensors_with_history_raises": "x = torch.zeros(2, 0, 3, dtype=torch.bool); x[torch.ones(2, 0, 3, dtype=torch.bool)] = torch.tensor(0.5, requires_grad=True); out = x.bmm(torch.zeros(2, 3, 1, dtype=torch.bool))",
    "cast_of_an_int_tensor_with_history_keeps_it": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = (x.double(), x.to(torch.int32), x > 1, x.argmax(), x.detach())",
    "floor_divide_of_an_int_tensor_with_history_records_nothing": "x = torch.tensor([4, 4]); x[torch.tensor([True, False])] = torch.tensor(0.66, requires_grad=True); out = (torch.floor_divide(x, 2), x.floor_divide_(torch.tensor(2)))",
    # ---- gradients torch computes off the graph: they never require grad ----
    "cumprod_along_a_size_1_dim_passes_the_gradient_through": "v1 = torch.tensor([0.51], requires_grad=True); v2 = torch.outer(torch.tensor([-2.16]), v1); out = torch.autograd.grad(torch.cumprod(v2, 0).sum(), [v1], create_graph=True) + torch.autograd.grad(torch.cumprod(v2 * 2, 1).sum(), [v1], create_graph=True)",
    "pow_zero_exponent_gradient_is_zeros_like_self": "x = torch.tensor([[-2.1]], dtype=torch.float64, requires_grad=True); up = torch.ones(1, 1, dtype=torch.float64, requires_grad=True); out = torch.autograd.grad((x * 1).pow(0), [x], up, create_graph=True) + torch.autograd.grad((x * 1).pow(0.0), [x], up, create_graph=True)",
    "pow_false_exponent_gradient_takes_the_formula": "x = torch.tensor([[-2.1]], dtype=torch.float64, requires_grad=True); v1 = x * 1; v1.pow_(False); out = torch.autograd.grad(v1.sum(), [x], create_graph=True)",
    "write_of_an_empty_slice_into_a_strided_view": "x = torch.zeros(0, requires_grad=True); v0 = torch.zeros((0, 10))[:, ::2]; v0[1:1, -3] = x; out = torch.autograd.grad(v0.acos().sum(), [x], create_graph=True)",
    "regenerated_view_of_an_empty_slice": "w = torch.ones(3, requires_grad=True); y = w * 2; z = y[1:1]; y.mul_(2); out = torch.autograd.grad(z, [w], torch.ones(0, requires_grad=True), create_graph=True)",
    # ---- nodes without a derivative have edges to the inputs that require grad only ----
    "floor_divide_in_place_into_a_view_of_a_plain_tensor": """
v0 = torch.tensor([-2.07])
v1 = v0[()]
v2 = torch.tensor([2.36], requires_grad=True)
v1.floor_divide_(v2)
v0.backward(inputs=[v2])
out = (v0, v2.grad)
""",
    "not_implemented_node_edges": """
v2 = torch.tensor([2.36], requires_grad=True)
y = torch.floor_divide(torch.tensor([3.0]), v2)
z = (v2 * 1) // v2
out = (y, z, torch.tensor([len(y.grad_fn.next_functions), len(z.grad_fn.next_functions)]))
""",
    # ---- a view made under no_grad has no edge: nothing is saved for it, so a second
    # backward through the node frees nothing it needs (Note [Save for the inputs that
    # have an edge]) ----
    "second_backward_through_mul_of_a_no_grad_view": """
x = torch.tensor([[2.92, -1.66], [1.47, -1.08]], requires_grad=True)
s = (x * 2).sum()
with torch.no_grad():
    v = s[()]
out = v * torch.tensor(2.01)
out.backward()
out.backward()
leaves = [x]
""",
    "second_backward_through_mm_of_a_no_grad_view": """
x = torch.tensor([[1.5, -0.5], [0.25, 2.0]], requires_grad=True)
y = x * 1
with torch.no_grad():
    v = y.t()
out = torch.mm(v, torch.tensor([[1.0], [2.0]]))
out.sum().backward()
out.sum().backward()
leaves = [x]
""",
}

# Programs whose `out` is made inside a double-backward graph: node names there follow
# each library's backward formulas (tests/fuzz/quirks.py), so only values are compared.
INSIDE_DOUBLE_BACKWARD = {"abs_double_backward_through_an_infinite_factor",
                          "sigmoid_double_backward_with_an_infinite_upstream",
                          "prod_double_backward_with_zeros", "prod_all_double_backward_with_one_zero",
                          "prod_all_double_backward_with_two_zeros",
                          "prod_keepdim_single_factor_with_zero",
                          "cumprod_double_backward_with_zeros", "norm_double_backward_at_zero_norm",
                          "bce_with_logits_pos_weight_double_backward_at_zero"}


def assert_matches_torch(source, names=True):
    """Errors, values, leaves' gradients and autograd metadata (grad_fn names if `names`)."""
    expected, got = run(torch, source), run(cgrad, source)
    if expected[0] == "error" or got[0] == "error":
        assert got == expected  # ("error", type name) on both sides
        return
    assert len(got[1]) == len(expected[1]) and len(got[2]) == len(expected[2])
    for mine, theirs in list(zip(got[1], expected[1])) + list(zip(got[2], expected[2])):
        assert same(mine, theirs), f"torch: {theirs}, cgrad: {mine}"
    assert autograd_meta(cgrad, source, names) == autograd_meta(torch, source, names)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name], name not in INSIDE_DOUBLE_BACKWARD)


def gradchecks(fn, *inputs):
    args = [cgrad.tensor(x, dtype=cgrad.float64, requires_grad=True) for x in inputs]
    assert cgrad.autograd.gradcheck(fn, args)
    assert cgrad.autograd.gradgradcheck(fn, args)


def test_nll_loss_double_backward_gradchecks():
    target = cgrad.tensor([1, 2, -100])
    for reduction in ("mean", "sum", "none"):
        def first_grad(x, up):
            l = cgrad.nn.functional.nll_loss(x, target, reduction=reduction)
            return cgrad.autograd.grad(l, [x], up.reshape(l.shape), create_graph=True)[0]
        up = [1.3] if reduction != "none" else [1.3, -0.7, 2.0]
        gradchecks(first_grad, [[0.1, -0.2, 0.3], [1.0, 2.0, -1.0], [0.5, 0.5, 0.5]], up)


def test_prod_and_cumprod_with_zeros_gradcheck():
    x = [[0.0, 2.0, -1.5, 0.7], [0.3, 0.0, 0.0, 1.2], [1.1, -0.4, 0.9, 2.0]]
    gradchecks(lambda t: t.prod(), x)
    gradchecks(lambda t: t.prod(1), x)
    gradchecks(lambda t: t.prod(0, keepdim=True), x)
    gradchecks(lambda t: t.cumprod(1), x)
    gradchecks(lambda t: t.cumprod(0), x)


def test_cumprod_along_a_size_1_dim_and_pow_of_zero_gradcheck():
    gradchecks(lambda t: t.cumprod(0), [[0.5, -1.5, 2.0]])
    gradchecks(lambda t: t.cumprod(-1), [[0.5], [-1.5]])
    gradchecks(lambda t: t.pow(0), [0.5, -1.5, 2.0])
    gradchecks(lambda t: t.pow(False), [0.5, -1.5, 2.0])


def test_elu_gradgradcheck():
    gradchecks(lambda t: cgrad.nn.functional.elu(t, alpha=0.7), [1.5, -0.3, -2.0, 0.4])


def test_norm_gradgradcheck():
    x = [[0.3, 1.5, -0.7], [0.4, -2.0, 0.9]]  # away from 0, where |x|^p has no derivative
    for p in (0.5, 1.5, 2.0, 3.0):
        gradchecks(lambda t: t.norm(p=p, dim=1), x)


def test_bce_with_logits_gradgradcheck_at_zero():
    bce = cgrad.nn.functional.binary_cross_entropy_with_logits
    pos_weight = cgrad.tensor([1.41, 0.5, 2.0], dtype=cgrad.float64)
    gradchecks(lambda x, t: bce(x, t, pos_weight=pos_weight), [0.0, 1.5, -0.7], [0.4, 0.3, 0.9])
    gradchecks(lambda x, t: bce(x, t, reduction='none'), [0.0, 1.5, -0.7], [0.4, 0.3, 0.9])
