"""Value, gradient and result-layout divergences the differential fuzzer (tests/fuzz)
found in seeds s21a, lead20a and later ones. The format is that of
tests/test_fuzz_regressions.py: each source runs once with `torch` bound to torch and once
to cgrad, sets `out` (a tensor or a tuple of tensors and None) and may set `leaves`, whose
gradients are compared; requires_grad, is_leaf and (outside INSIDE_DOUBLE_BACKWARD)
grad_fn names of `out` are compared too. A result's layout shows in `flatten` (a view
only where the strides allow one) and in `view`'s error. New backward formulas are
gradchecked in float64 below.
"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions_grads import assert_matches_torch, gradchecks  # noqa: E402

CASES = {
    # ---- var_mean's mean with an infinite element is Welford's (NaN), as torch's; addr
    # takes a full-size input's layout ----
    "std_mean_over_dims_with_infinities_has_welfords_mean": """
v0 = torch.tensor([[[-float('inf'), -1.08, 1.67, -float('inf')], [0.96, 2.72, -0.59, float('inf')]], [[-2.43, 2.93, 0.13, 0.17], [-1e-30, -2.16, -2.87, 0.64]]], dtype=torch.float32).transpose(0, 1)
out = torch.std_mean(v0.unsqueeze(-2), dim=-3)
""",
    "var_mean_over_dims_with_division_by_zero": """
v0 = torch.tensor([[[2.0], [2.0], [-1.0], [-1.0], [1.0]], [[0.0], [2.0], [2.0], [1.0], [-1.0]], [[2.0], [0.0], [1.0], [-2.0], [-2.0]], [[-2.0], [1.0], [-1.0], [1.0], [1.0]]], dtype=torch.float32)
out = torch.var_mean(torch.div(-2.03, v0), dim=(2, 1))
""",
    "addr_of_transposed_input_is_transposed": """
v2 = torch.tensor([[-0.89, 2.44, -0.58, -1.77, 2.69], [1.3, -2.63, 0.26, 0.28, -0.06], [0.1, -1.78, -2.28, 0.63, -0.03], [-0.93, 2.3, 2.2, -0.77, 2.25]], dtype=torch.float64).transpose(0, 1).requires_grad_()
v3 = v2.addr(torch.tensor([-0.35, 0.59, -0.95, 1.96, -1.81], dtype=torch.float64), torch.tensor([-0.25, -1.01, 0.63, -1.6], dtype=torch.float64))
out = v3.contiguous()
leaves = [v2]
""",
    # ---- losses with reduction='none' lay their result out as torch's kernels ----
    "bce_none_of_transposed_target_flattens_as_a_view": """
v0 = torch.tensor([[1.28, -1.03, 2.13, -2.75], [-2.71, -2.52, 2.05, -1.16]])
v1 = torch.tensor([[-2.0, 2.0, -2.0, 0.0], [-2.0, 2.0, 0.0, 1.0], [-2.0, -1.0, 2.0, 0.0]], requires_grad=True)
v4 = F.linear(v0, v1, torch.tensor([0.83])).sigmoid()
v5 = torch.tensor([[0.52, 0.96], [0.44, 0.05], [0.14, 0.33]]).t()
out = torch.flatten(F.binary_cross_entropy(v4, v5, reduction='none'))
""",
    "bce_none_of_transposed_input_refuses_view": """
v0 = torch.tensor([[[-0.76, -0.27], [-2.7, 1.53]], [[2.93, -0.4], [0.84, 1.8]], [[-1.57, 2.95], [1.34, -0.16]], [[-2.44, 1.97], [-1.67, -1.76]]], dtype=torch.float64).transpose(0, 1)
v2 = torch.tensor([[[0.25, 0.93], [0.06, 0.05], [0.19, 0.5], [0.28, 0.77]], [[0.78, 0.07], [0.66, 0.5], [0.93, 0.63], [0.17, 0.75]]], dtype=torch.float64)
out = F.binary_cross_entropy(v0.sigmoid(), v2, reduction='none').view((16, 1))
""",
    "bce_weighted_none_keeps_the_input_layout": """
x = torch.tensor([[0.2, 0.7, 0.4], [0.9, 0.1, 0.5]], requires_grad=True).t()
t = torch.tensor([[0.3, 0.6], [0.5, 0.5], [0.1, 0.8]])
w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64)
out = torch.flatten(F.binary_cross_entropy(x, t, weight=w, reduction='none'))
""",
    "huber_none_of_broadcast_input_and_transposed_target": """
x = torch.tensor([[0.5, -1.5, 2.5, 0.1]], requires_grad=True)
t = torch.tensor([[0.3, 0.6, 0.9], [0.5, 0.5, 0.2], [0.1, 0.8, 3.0], [1.0, 2.0, -1.0]]).t()
out = torch.flatten(F.huber_loss(x, t, reduction='none', delta=0.7))
""",
    # ---- a weight that would grow the loss is refused, as torch's loss.mul_(weight) ----
    "bce_weight_that_broadcasts_the_loss_refused": """
x = torch.tensor([[0.2], [0.7]])
out = F.binary_cross_entropy(x, x, weight=torch.ones(2, 3))
""",
    "bce_with_logits_weight_that_broadcasts_the_loss_refused": """
x = torch.tensor([[0.2], [0.7]])
out = F.binary_cross_entropy_with_logits(x, x, weight=torch.ones(2, 3), reduction='none')
""",
    "bce_with_logits_pos_weight_that_broadcasts_the_loss_refused": """
x = torch.tensor([[0.2], [0.7]])
out = F.binary_cross_entropy_with_logits(x, x, pos_weight=torch.ones(2, 3), reduction='sum')
""",
    "bce_float64_weight_keeps_float32": """
x = torch.tensor([0.2, 0.7, 0.4], requires_grad=True)
w = torch.tensor([1.0000001, 3.0, 0.3], dtype=torch.float64)
out = F.binary_cross_entropy(x, torch.tensor([0.0, 1.0, 0.5]), weight=w, reduction='none')
out.sum().backward()
leaves = [x]
""",
    # ---- binary_cross_entropy's values: log1p(-x), +0.0 at x = t = 0 ----
    "bce_uses_log1p_and_gives_positive_zero": """
x = torch.tensor([1e-8, 0.0, 1.0, 1e-30, 0.5], requires_grad=True)
out = F.binary_cross_entropy(x, torch.tensor([0.0, 0.0, 1.0, 1.0, 0.5]), reduction='none')
out = (out, 1 / out)  # the sign of a zero shows as +-inf
""",
    # ---- its double backward is torch's formula (Note [BCE double backward]) ----
    "bce_double_backward_at_clamped_inputs": """
out = ()
for dtype in (torch.float32, torch.float64):
    for reduction in ('none', 'mean', 'sum'):
        for weight in (None, torch.tensor([1.5, 2, 3, 0.5, 5, 6, 7, 0.25], dtype=dtype)):
            x = torch.tensor([1e-8, 0.3, 1e-30, 0.0, 1.0, 0.5, 0.9, 1e-13], dtype=dtype, requires_grad=True)
            t = torch.tensor([0.0, 0.25, 1.0, 0.0, 0.0, 0.5, 0.2, 0.0], dtype=dtype, requires_grad=True)
            l = F.binary_cross_entropy(x, t, weight=weight, reduction=reduction)
            up = (torch.ones_like(l) * 0.7).requires_grad_()
            gx, gt = torch.autograd.grad(l, [x, t], up, create_graph=True)
            gg = torch.tensor([0.5, -1.0, 2.0, 0.25, 1.5, -0.5, 0.75, 1.25], dtype=dtype)
            out += (gx, gt) + torch.autograd.grad(gx, [up, x, t], gg, retain_graph=True)
            out += torch.autograd.grad(gt, [up, x, t], gg, allow_unused=True)
""",
    # ---- infinite and NaN upstream gradients reach zeros as torch's formulas do ----
    "inf_norm_gradient_multiplies_by_the_mask": """
v0 = torch.tensor([-1.97, -2.49], requires_grad=True)
v3 = torch.tensor(0.0, requires_grad=True)
out = torch.autograd.grad(v0.norm(p=float('inf')) / v3, [v0, v3])
""",
    "inf_norms_with_ties_nans_and_infinite_gradients": """
out = ()
for p in (float('inf'), -float('inf')):
    for xs, g in (([2.0, -2.0, 1.0], float('inf')), ([1.0, float('nan'), 2.0], 1.0),
                  ([float('inf'), 1.0], float('nan')), ([3.0, float('nan'), float('nan')], 2.0)):
        x = torch.tensor(xs, requires_grad=True)
        out += torch.autograd.grad(x.norm(p=p), [x], torch.tensor(g))
    x = torch.tensor([[2.0, -2.0, 1.0], [float('nan'), 0.5, 3.0]], dtype=torch.float64, requires_grad=True)
    y = x.norm(p=p, dim=1, keepdim=True)
    out += torch.autograd.grad(y, [x], torch.tensor([[float('inf')], [2.0]], dtype=torch.float64))
""",
    "trace_of_an_infinite_gradient_leaves_zeros": """
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
out = torch.autograd.grad(x.trace() * torch.tensor(float('inf')), [x])
""",
    # ---- tensor hooks see None for a gradient that never arrived (Note [Hooks of nodes
    # no gradient reached]); `calls` lists each call's gradient sum, nan for None ----
    "hook_on_an_unused_split_output_sees_none": """
calls = []
hook = lambda g: calls.append(float('nan') if g is None else float(g.sum()))
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
a, b, c = (x * 1).view(2, 2).repeat(1, 3).chunk(3, 1)
c.register_hook(hook)
a.register_hook(hook)
b.retain_grad()
(b * 2).sum().backward()
d, e = (x * 1).split(2)
d.register_hook(hook)
torch.autograd.grad((e * 2).sum(), [e])  # the node that captures calls its hooks too
out = (torch.tensor(calls), b.grad)
leaves = [x]
""",
    "hooks_of_a_leaf_and_a_node_reached_by_no_gradient": """
calls = []
class NoFirstGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * 2 + b
    @staticmethod
    def backward(ctx, g):
        return None, g
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([1.0, 2.0], requires_grad=True)
x.register_hook(lambda g: calls.append(float('nan') if g is None else 1.0))
x.register_post_accumulate_grad_hook(lambda t: calls.append(2.0))
y = x * 2
y.register_hook(lambda g: calls.append(float('nan') if g is None else 3.0))
y.grad_fn.register_prehook(lambda go: calls.append(4.0 if go[0] is None else 5.0))
y.grad_fn.register_hook(lambda gi, go: calls.append(6.0 if gi[0] is None else 7.0))
NoFirstGradient.apply(x, w).sum().backward()
NoFirstGradient.apply(y, w).sum().backward()
out = torch.tensor(calls)
leaves = [x, w]
""",
    "hooks_of_nodes_autograd_grad_does_not_run_stay_silent": """
calls = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([1.0, 2.0], requires_grad=True)
x.register_hook(lambda g: calls.append(1.0))
x.register_post_accumulate_grad_hook(lambda t: calls.append(2.0))
z = x * w
torch.autograd.grad(z.sum(), [w], retain_graph=True)
torch.autograd.grad(z.sum(), [x])
out = torch.tensor(calls)
""",
    "a_hook_may_not_replace_a_none_gradient": """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
a, b = (x * 1).split(2)
a.register_hook(lambda g: torch.ones(2) if g is None else g)
(b * 2).sum().backward()
out = x.grad
""",
}

# Programs whose `out` is made inside a double-backward graph: node names there follow
# each library's backward formulas (tests/fuzz/quirks.py), so only values are compared.
INSIDE_DOUBLE_BACKWARD = {"bce_double_backward_at_clamped_inputs"}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name], name not in INSIDE_DOUBLE_BACKWARD)


def test_loss_layouts_as_torch():
    """reduction='none' results over every pair of input/target dim orders."""
    import itertools
    shape = (2, 3, 4)
    losses = {
        "mse": lambda F, a, b: F.mse_loss(a, b, reduction="none"),
        "l1": lambda F, a, b: F.l1_loss(a, b, reduction="none"),
        "smooth_l1": lambda F, a, b: F.smooth_l1_loss(a, b, reduction="none"),
        "huber": lambda F, a, b: F.huber_loss(a, b, reduction="none"),
        "bce": lambda F, a, b: F.binary_cross_entropy(a, b, reduction="none"),
        "bce_weight": lambda F, a, b: F.binary_cross_entropy(a, b, weight=b, reduction="none"),
        "bce_logits": lambda F, a, b: F.binary_cross_entropy_with_logits(
            a, b, weight=a, pos_weight=b, reduction="none"),
    }
    def permuted(lib, perm, offset):
        stored = [shape[p] for p in perm]
        values = (lib.arange(24.0).reshape(stored) + offset) / 30.0
        return values.permute(*[perm.index(i) for i in range(3)])
    for name, loss in losses.items():
        for pa, pb in itertools.product(itertools.permutations(range(3)), repeat=2):
            got, expected = (loss(lib.nn.functional, permuted(lib, pa, 1), permuted(lib, pb, 3))
                             for lib in (cgrad, torch))
            assert got.stride() == expected.stride(), (name, pa, pb)


def test_bce_gradgradcheck():
    bce = cgrad.nn.functional.binary_cross_entropy
    weight = cgrad.tensor([0.5, 2.0, 1.5], dtype=cgrad.float64)
    x, t = [0.2, 0.7, 0.45], [0.3, 0.9, 0.5]
    for reduction in ("none", "mean", "sum"):
        gradchecks(lambda a, b: bce(a, b, reduction=reduction), x, t)
        gradchecks(lambda a, b: bce(a, b, weight=weight, reduction=reduction), x, t)


def test_inf_norm_and_trace_gradgradcheck():
    x = [[0.3, -1.5, 0.7], [0.4, 2.0, -0.9]]  # one extreme per row: differentiable there
    for p in (float("inf"), -float("inf")):
        gradchecks(lambda t: t.norm(p=p, dim=1), x)
        gradchecks(lambda t: t.norm(p=p), x)
    gradchecks(lambda t: t.trace() * t.trace(), x)
