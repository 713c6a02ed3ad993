"""Programs the differential fuzzer (tests/fuzz) once found raising where torch does not,
not raising where torch does, or raising another exception type; and programs whose
results took another memory layout than torch's (which shows as a view that one library
refuses). The format of tests/test_fuzz_regressions_views.py: each case is source run
once with `torch` bound to torch and once to cgrad, setting `out` (and maybe `leaves`);
an error must be raised by both, with the same type.
"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error  # noqa: E402
from test_fuzz_regressions_views import assert_matches_torch  # noqa: E402

CASES = {
    # ---- index_select: which positions are checked, and with which exception ----
    "index_select_empty_1d_position_out_of_range": "out = torch.zeros(0).index_select(-1, torch.tensor([1]))",
    "index_select_empty_1d_negative_position": "out = torch.zeros(0).index_select(0, torch.tensor([-1]))",
    "index_select_empty_1d_no_positions": "out = torch.zeros(0).index_select(0, torch.zeros(0, dtype=torch.int64))",
    "index_select_0d_position_out_of_range": "out = torch.tensor(2.0).index_select(-1, torch.tensor(2))",
    "index_select_0d_taken_from_an_empty_mask": "out = torch.zeros(0)[torch.zeros(0, dtype=torch.bool)].index_select(0, torch.tensor(2))",
    "index_select_empty_2d_along_a_nonempty_dim": "out = torch.ones(0, 4).index_select(1, torch.tensor([5]))",
    "index_select_empty_3d_along_the_last_dim": "out = torch.ones(2, 0, 4).index_select(2, torch.tensor([5]))",
    "index_select_empty_dim_of_a_2d_tensor": "out = torch.ones(2, 0).index_select(1, torch.tensor([0]))",
    "index_select_2d_along_dim_1": "out = torch.ones(2, 3).index_select(1, torch.tensor([5]))",
    "index_select_2d_along_dim_0": "out = torch.ones(2, 3).index_select(0, torch.tensor([5]))",
    # ---- amax/amin: each dim is checked for size 0 before any is checked for repeats ----
    "amax_over_a_repeated_empty_dim": "out = torch.amax(torch.zeros(0, 3), dim=(0, 0))",
    "amin_over_a_repeated_dim_after_an_empty_one": "out = torch.zeros(3, 0).amin(dim=(1, 1), keepdim=True)",
    "amax_over_a_repeated_nonempty_dim_of_an_empty_tensor": "out = torch.zeros(3, 0).amax(dim=(0, 0))",
    # ---- subscripts into a dim of size 0 ----
    "getitem_index_into_an_empty_dim": "out = torch.zeros(0, 0)[:, torch.tensor([0])]",
    "getitem_index_into_an_empty_leading_dim": "out = torch.zeros(0, 0)[torch.tensor([0])]",
    "getitem_indices_into_an_empty_dim": "out = torch.zeros(3, 0)[torch.tensor([1]), torch.tensor([5])]",
    "getitem_no_positions_into_an_empty_dim": "out = torch.zeros(0, 2)[torch.zeros(0, dtype=torch.int64), torch.tensor([1])]",
    "getitem_empty_result_of_a_nonempty_dim": "out = torch.zeros(4, 0)[torch.tensor([4])]",
    "setitem_index_into_an_empty_dim": "out = torch.zeros(0, 0); out[:, torch.tensor([0])] = 1.0",
    "setitem_indices_into_an_empty_dim": "out = torch.zeros(0, 2); out[torch.tensor([0]), torch.tensor([5])] = torch.tensor(1.0)",
    # ---- a stale no_grad view raises its view error before the op checks its dims ----
    "transpose_of_a_stale_no_grad_view_with_a_bad_dim": (
        "x = torch.zeros(0, 4, 5).requires_grad_()\n"
        "with torch.no_grad():\n    v = x.expand(5, 0, 4, 5)\n    v.sign_()\n"
        "out = torch.swapdims(v, 5, 2)"
    ),
    # ---- a stale split/unbind output or no_grad view raises before the op's own checks
    # (Note [Input histories are read first]; more in tests/test_view_errors_first.py) ----
    "bitwise_and_with_an_unbind_output_after_frac_": "v1 = torch.tensor([-1.4, 2.7, -1.96], requires_grad=True) * 1; v2 = v1.unbind(0); v1.frac_(); out = torch.tensor(-0.66) & v2[2]",
    "bitwise_and_with_a_split_output_written_under_no_grad": "v1 = torch.split(torch.tensor([[[[-1.0, 2.0]]]], requires_grad=True), [1, 0, 1], -1)\nwith torch.no_grad(): v1[1].exp_()\nout = torch.bitwise_and(v1[2], 0.48)",
    "bitwise_xor_with_a_no_grad_view_after_div_": "v2 = torch.mv(torch.ones(3, 5), torch.ones(5))\nwith torch.no_grad(): v3 = v2.view(3)\nv2.div_(torch.tensor([1.49], requires_grad=True)); out = torch.tensor([[[-1.61]]]).bitwise_xor(v3)",
    "bitwise_or_with_an_unbind_output_after_setitem": "v0 = torch.tensor([0.67, -1.58], requires_grad=True); v1 = v0 * 1; v2 = v1.unbind(0); v1[[0, 1]] = 0.64; out = v2[0].bitwise_or(v0)",
    "bitwise_or_with_a_split_output_after_floor_divide_": "v2 = torch.ones(1, 1, 2, requires_grad=True) * 1; v3 = torch.split(v2, [0, 1, 1], 2); v2.floor_divide_(3); out = torch.bitwise_or(v3[0], 3)",
    "logsumexp_bad_dim_of_a_no_grad_view_after_setitem": "v1 = torch.erf(torch.tensor([1.53], requires_grad=True))\nwith torch.no_grad(): v2 = torch.transpose(v1, 0, -1)\nv1[()] = 2; out = v2.logsumexp(dim=5)",
    "amax_bad_dim_of_an_unbind_output_after_no_grad_log_": "v1 = torch.einsum('ijk->kji', torch.ones(5, 1, 1, dtype=torch.float64, requires_grad=True)); v2 = torch.unbind(v1, -1)\nwith torch.no_grad(): v1.log_()\nout = torch.amax(v2[3], dim=5)",
    "index_select_out_of_range_of_a_split_output_after_mul_": "v1 = torch.tensor([[-2.99]], requires_grad=True).norm(dim=0); v2 = v1.split([0, 0, 1], 0); v1.mul_(v1); out = v2[1].index_select(0, torch.tensor([0]))",
    "getitem_out_of_range_of_a_split_output_after_no_grad_fmod_": "v1 = torch.split(torch.tensor([1.0, 2.0], requires_grad=True), [0, 0, 1, 1], 0)\nwith torch.no_grad(): v1[2].fmod_(2.0)\nout = v1[0][torch.tensor([0])]",
    "index_add_into_a_no_grad_view_of_a_tensor_without_grad": "v0 = torch.tensor([[0.47]])[:-5, 2:1]\nwith torch.no_grad(): v2 = v0[::3, ::3]\nout = v2.view(0); out.index_add_(-1, torch.tensor([2, 1]), torch.tensor([1.44, 1.15], requires_grad=True))",
    "index_add_into_an_unbind_output_of_a_tensor_without_grad": "v1 = torch.unbind(torch.tensor([1.29, -2.23, 1.15]), -1); out = v1[2]; out.index_add_(-1, torch.tensor([0, 0]), torch.tensor(-0.7, requires_grad=True))",
    "copy_into_an_integer_chunk_output_reads_nothing": "v3 = torch.chunk(torch.tensor([1.01]).argmax(keepdim=True), 4, 0); out = v3[0]; out.copy_(torch.tensor([-2.0], requires_grad=True))",
    "atan2_inplace_number_argument_error_before_view_error": "v1 = torch.unbind(torch.tensor([[[-0.39]]], requires_grad=True), 0); out = v1[0]; out.atan2_(-3)",
    "masked_fill_int_beyond_64_bits_into_a_chunk_output": "v1 = torch.chunk(torch.ones(5, 1, requires_grad=True), 4, -2); out = v1[2]; out.masked_fill_(torch.tensor([[False]]), 18446744073709551616)",
    "logical_not_inplace_on_an_unbind_output_reads_nothing": "x = torch.ones(2, 2, requires_grad=True) * 1; v = x.unbind(0); x.mul_(2); v[0].logical_not_(); out = x",
    "logical_not_inplace_on_a_leaf_that_requires_grad": "out = torch.ones(2, requires_grad=True); out.logical_not_()",
    "retain_grad_on_a_view_whose_base_took_a_history_later": "w = torch.tensor(2.0, requires_grad=True); x = torch.ones(2); v = x[0:1]; x.mul_(w); v.retain_grad(); (v * 1).sum().backward(); out = v.grad",
    "repr_of_an_unbind_output_after_its_base_was_written": "x = torch.ones(2, 2, requires_grad=True) * 1; v = x.unbind(0); x.mul_(2); out = torch.tensor(len(repr(v[0])))",
    # ---- a gradient the graph task does not need is not computed (Note [Gradients a
    # graph task needs]): index_add's source gradient over an empty dim is never taken ----
    "index_add_over_an_empty_dim_backward_to_self_only": """
v0 = torch.tensor([1.76], requires_grad=True)
v1 = torch.zeros((2, 0, 2, 5), requires_grad=True)
v3 = torch.ones((2, 2, 2, 5), requires_grad=True)
v4 = torch.index_add(v1, 1, torch.tensor([1, 1]), v3)
v4.sum().backward(inputs=[v0, v1])
out = v1.grad
""",
    # ---- a recorded nll_loss backward refuses a weight that came to require grad ----
    "cross_entropy_double_backward_with_a_weight_that_came_to_require_grad": """
v1 = torch.tensor([[-1.35, 1.29], [0.3, -0.1]], dtype=torch.float64).requires_grad_()
v2 = torch.tensor([0.25, 1.17], dtype=torch.float64)
v4 = F.cross_entropy(v1, torch.tensor([0, 0]), weight=v2)
v2.requires_grad_(True)
out = torch.autograd.grad(v4, [v1], create_graph=True)
""",
    "nll_loss2d_double_backward_with_a_weight_that_came_to_require_grad": """
x = torch.tensor([[[[-1.35]], [[1.29]]]], dtype=torch.float64, requires_grad=True)
w = torch.tensor([0.25, 1.17], dtype=torch.float64)
l = F.nll_loss(x, torch.tensor([[[0]]]), weight=w)
w.requires_grad_()
out = torch.autograd.grad(l, [x], create_graph=True)
""",
    # ---- where with a number: torch's .to(result dtype) of the tensor leaves the graph
    # when it changes the dtype to a non-floating one ----
    "where_of_a_bool_in_the_graph_and_an_int": """
v1 = torch.tensor([[[2.83]]]).isnan()
v1.fill_(torch.tensor(0.45, requires_grad=True))
out = (torch.where(v1, v1, 0), torch.where(v1, 0, v1), v1.where(v1, 1))
""",
    "where_of_a_bool_in_the_graph_and_a_bool_number_refused": """
v1 = torch.tensor([True, False]).clone()
v1.fill_(torch.tensor(1.0, requires_grad=True))
out = torch.where(v1, v1, True)
""",
    "where_of_an_int_in_the_graph_and_an_int_refused": """
i = torch.tensor([1, 2]).clone()
i.fill_(torch.tensor(1.0, requires_grad=True))
out = torch.where(i > 1, i, 0)
""",
    # ---- bool products: the kernel is picked by the first operand's dtype first ----
    "bmm_of_bool_and_long": "out = torch.bmm(torch.ones(1, 1, 5, dtype=torch.bool), torch.ones(1, 5, 1, dtype=torch.int64))",
    "matmul_of_bool_and_float_batches": "out = torch.matmul(torch.tensor([[False, True, False, False]]), torch.ones(1, 1, 4, 1))",
    "bmm_of_long_and_bool": "out = torch.bmm(torch.ones(1, 1, 5, dtype=torch.int64), torch.ones(1, 5, 1, dtype=torch.bool))",
    "addmm_of_bools_with_nothing_to_multiply": "out = torch.addmm(torch.tensor([[False]]), torch.zeros(1, 0) < -2, torch.zeros(0, 4, dtype=torch.bool))",
    "pow_of_bools_checks_shapes_first": "out = torch.ones(5).logical_and(torch.tensor(-2.0)) ** torch.tensor([True, False, False, False, False, True])",
    # ---- sizes multiply in unsigned 64 bits, checked against int64 at the end ----
    "expand_to_an_empty_shape_past_int64_on_the_way": "out = torch.zeros(2, 0).expand(4611686018427387904, 2, 0).sum()",
    "zeros_with_an_int64_overflow_before_a_zero": "out = torch.zeros(4611686018427387904, 4, 0)",
    # ---- flatten / unflatten of a 0-d tensor check their dims ----
    "flatten_0d_end_dim_out_of_range": "out = torch.tensor(2.2).flatten(0, 5)",
    "flatten_0d_start_dim_out_of_range": "out = torch.tensor(2.2).flatten(-2, 0)",
    "flatten_0d_in_range": "out = torch.tensor(2.2).flatten(-1, 0)",
    "torch_flatten_0d_out_of_range": "out = torch.flatten(torch.tensor(1.26), -1, 5)",
    "unflatten_0d_dim_out_of_range": "out = torch.unflatten(torch.tensor(1.5), 5, (1, -1))",
    "unflatten_0d_dim_in_range": "out = torch.tensor(1.5).unflatten(-1, (1, -1))",
    # ---- div with rounding_mode saves both operands, as torch's DivBackward2 ----
    "div_floor_divisor_written_after": "x = torch.tensor([-0.35], requires_grad=True); y = torch.tensor([-2.15]); out = x.div(y, rounding_mode='floor'); y.abs_(); out.sum().backward()",
    "div_trunc_self_written_after": "x = torch.tensor([[-2.0]], requires_grad=True); out = torch.div(x, x, rounding_mode='trunc')\nwith torch.no_grad(): x.floor_divide_(x)\ntorch.autograd.grad(out.sum(), [x])",
    "div_floor_dividend_written_after": "x = torch.tensor([1.5]); y = torch.tensor([0.7], requires_grad=True); out = torch.div(x, y, rounding_mode='floor'); x.neg_(); out.sum().backward()",
    "div_floor_unwritten_gives_zeros": "x = torch.tensor([1.5], requires_grad=True); y = torch.tensor([0.7], requires_grad=True); out = torch.div(x, y, rounding_mode='floor'); out.sum().backward(); leaves = [x, y]",
    # ---- leaf checks read the grad_fn as recorded, not a view's regenerated one ----
    "inplace_on_view_taken_before_its_base_required_grad": "v1 = torch.tensor([2.38]) * 1; v2 = v1.view(()); v1[v1 > -2.47] = torch.tensor(-1.23, requires_grad=True); v2.add_(1.55); out = v2",
    "inplace_on_view_whose_grad_fn_was_read": "v1 = torch.tensor([2.38]) * 1; v2 = v1.view(()); v1.mul_(torch.tensor(-1.23, requires_grad=True)); v2.grad_fn; v2.add_(1.55); out = v2",
    "inplace_on_permuted_loss_after_copy": "v2 = F.nll_loss(torch.randn(3, 1, 5), torch.zeros(3, 5, dtype=torch.int64), reduction='none'); v3 = v2.permute((0, 1)); v2.copy_(torch.tensor(1.76, requires_grad=True)); v3.fill_(1.11); out = v3",
    "inplace_on_view_after_an_empty_view_was_written": "v0 = torch.zeros(4, 3).t(); v1 = v0[1, 2:0]; v1[()] = torch.zeros(0, requires_grad=True); v0.remainder_(2.66); out = v0",
    "requires_grad_on_split_output_after_base_written": "v1 = torch.ones(5, 5); v2 = v1.split([1, 4]); v1 **= torch.tensor([[-0.42]], requires_grad=True); v2[0].requires_grad_(True); out = v2[0].detach()",
    "requires_grad_on_no_grad_view_after_base_written": "v1 = torch.zeros(2, 0, 4, requires_grad=True).clone()\nwith torch.no_grad(): v2 = v1[None]\nv1.sin_(); v2.requires_grad_(True); out = v1",
    "requires_grad_false_on_no_grad_view_after_base_written": "v1 = torch.ones(2, requires_grad=True).clone()\nwith torch.no_grad(): v2 = v1[None]\nv1.sin_(); v2.requires_grad_(False); out = v1",
    # ---- a node no gradient reaches still runs (Note [Nodes reached by no gradient]) ----
    "saved_result_written_under_a_gradient_free_norm": "x = torch.tensor([[0.66]], requires_grad=True); v = F.log_softmax(x, 1); v.clamp_min_(torch.tensor([[0.0]])); torch.norm(v, p=0).backward(); out = x",
    "saved_input_written_under_a_gradient_free_norm_grad": "x = torch.tensor([1.0, 2.0], requires_grad=True); v = x.exp(); w = v.exp(); v.mul_(2); out = torch.autograd.grad(torch.norm(w, p=0), [x], allow_unused=True)",
    "copy_slices_reached_by_no_gradient_checks_nothing": "x = torch.tensor([1.0, 2.0], requires_grad=True); y = x * 1; y[0:1].exp_(); y[0:1].mul_(3); torch.norm(y, p=0).backward(); out = y; leaves = [x]",
    "custom_function_reached_by_no_gradient_gets_zeros": "class Twice(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x): return x * 2\n    @staticmethod\n    def backward(ctx, g): return g * 2\nx = torch.tensor([1.0, 2.0], requires_grad=True); torch.norm(Twice.apply(x), p=0).backward(); out = x.grad; leaves = [x]",
    # ---- argument and shape checks come before in-place and dtype checks, as torch's ----
    "index_add_alpha_out_of_range_position": "out = torch.ones(4, 1).index_add(1, torch.tensor([3, 5, 1]), torch.ones(4, 3), alpha=2)",
    "index_add_float_alpha_out_of_range_position": "out = torch.ones(2, 4).index_add(0, torch.tensor([3]), torch.ones(1, 4), alpha=1.5)",
    "clamp_max_inplace_int_beyond_uint64_on_a_leaf": "out = torch.tensor([[2.65]], dtype=torch.float64, requires_grad=True); out.clamp_max_(18446744073709551616)",
    "clamp_inplace_negative_int_beyond_int64_on_a_leaf": "out = torch.tensor([1.0], requires_grad=True); out.clamp_(max=-2**63 - 1)",
    "floor_divide_bool_shapes_mismatch": "out = torch.floor_divide(torch.tensor([True, False, True]), torch.tensor([True, False, True, False]))",
    "floor_divide_inplace_bool_output_shape": "out = torch.tensor([[[[-2.0]]]]).lt(torch.tensor([[[[0.95]]]])); out.floor_divide_(torch.tensor([[[[True, False, False, True]]]]))",
    "pow_inplace_bool_output_shape": "out = torch.tensor([[True]]); out.pow_(torch.tensor([[True, False]]))",
    "remainder_inplace_bool_output_shape": "out = torch.tensor([True]); out.remainder_(torch.tensor([True, False]))",
    "fmod_bool_shapes_mismatch": "out = torch.fmod(torch.tensor([True, False, True]), torch.tensor([True, False]))",
    "lerp_long_shapes_mismatch": "out = torch.lerp(torch.ones(3, dtype=torch.int64), torch.ones(4, dtype=torch.int64), 0.5)",
    "lerp_inplace_long_output_shape": "out = torch.ones(3, dtype=torch.int64); out.lerp_(torch.ones(2, 3, dtype=torch.int64), 0.5)",
    "lerp_of_0d_tensors_promotes_to_the_weight": "out = torch.lerp(torch.tensor(-2.99), torch.tensor(2.53), torch.tensor(-1.75, dtype=torch.float64))",
    "lerp_of_1d_tensors_keeps_their_dtype": "out = torch.lerp(torch.tensor([-2.99]), torch.tensor([2.53]), torch.tensor(-1.75, dtype=torch.float64))",
    "lerp_0d_weight_gradients": "a = torch.tensor(0.5, requires_grad=True); b = torch.tensor(0.2, requires_grad=True); w = torch.tensor(0.3, dtype=torch.float64, requires_grad=True); out = torch.lerp(a, b, w); out.backward(); leaves = [a, b, w]",
    # ---- a bool mask of a setitem is saved and checked for writes before backward ----
    "setitem_mask_written_before_backward": "x = torch.ones(3); v = torch.tensor(2.0, requires_grad=True); m = torch.tensor([True, False, True]); x[m] = v; m.fill_(False); x.sum().backward(); out = x",
    "setitem_row_mask_written_before_backward": "x = torch.ones(2, 3) * 1; v = torch.tensor(2.0, requires_grad=True); m = torch.tensor([True, False]); x[m] = v; m.fill_(False); x.sum().backward(); out = x",
    "setitem_mask_of_a_stack_written_before_backward": "v2 = torch.stack((torch.tensor([-2.62, -0.78]), torch.tensor([2.08, -2.52]))); v3 = torch.tensor([False, False]); v2[v3] = torch.tensor([[-0.12]], requires_grad=True); v3.masked_fill_(torch.tensor([True]), 2); v2.sum().backward(); out = v2",
    # ---- copies and elementwise results keep their inputs' memory order ----
    "view_of_a_clone_of_a_transpose": "v1 = torch.tensor([[-1.21, 1.86, 0.88], [0.57, 1.98, -0.07]]).t().clone(); out = v1.mT.view(-1)",
    "reshape_of_a_clone_of_a_transpose": "v0 = torch.arange(8.0).reshape(2, 4).t().requires_grad_(); out = v0.clone().reshape((2, 2, 2))",
    "flatten_of_a_clone_of_a_transpose": "v0 = torch.arange(24.0).reshape(2, 3, 4).transpose(1, 2).requires_grad_(); out = torch.flatten(v0.clone(), 1, -1)",
    "flatten_of_a_converted_einsum": "v0 = torch.arange(6.0).reshape(1, 2, 3).requires_grad_(); out = torch.flatten(torch.einsum('ijk->kji', v0).double(), 0, -1)",
    "view_of_clamp_of_a_transpose": "v0 = torch.arange(15.0).reshape(5, 3).t(); out = torch.clamp(v0, min=2.92, max=0.92).view((5, -1))",
    "view_of_where_of_a_transpose": "v0 = torch.arange(6.0).reshape(2, 1, 3).transpose(0, 2); out = torch.where(torch.tensor(True), v0, v0).view((2, 3))",
    "reshape_of_where_with_an_expanded_condition": "v0 = torch.arange(15.0).reshape(3, 5).t(); v1 = torch.tensor([[[False, True, False]], [[True, True, True]]]).expand(2, 5, 3); v2 = torch.where(v1, v0, -1.64).requires_grad_(); out = torch.reshape(v2, (2, 15))",
    "contiguous_of_where_of_a_permute": "v0 = torch.tensor([-1.34, -0.16, -0.33, 2.01], requires_grad=True).reshape((1, 2, 2)).permute(2, 0, 1); out = torch.where(v0 > 0.92, torch.tensor([[[-1.26]]], dtype=torch.float64), v0).contiguous()",
    "view_of_lerp_of_a_transpose": "v0 = torch.arange(12.0).reshape(3, 4).t(); out = torch.lerp(v0, torch.zeros(4, 3), 0.5).view(-1)",
    "view_of_an_index_into_a_transpose": "v0 = torch.arange(20.0).reshape(4, 5, 1).transpose(0, 1); out = v0[:, :, torch.tensor([0, -1, 0, -1, 0])].view(50, 2)",
    "reshape_of_an_index_into_a_transpose": "v0 = torch.arange(30.0).reshape(1, 2, 5, 3).transpose(1, 3).requires_grad_(); out = v0[:, :, :, torch.tensor([[-1, 0], [-2, -1], [1, -2]])].reshape(15, 3, 2)",
}

# Expressions whose result's strides must be torch's (x: a (4, 2, 3) tensor with strides
# (1, 12, 4); t: a (4, 3) transpose).
LAYOUTS = {
    "clone": "x.clone()",
    "clone_of_a_strided_slice": "x[::2].clone()",
    "clone_of_an_expand": "torch.ones(3, 1).expand(3, 4).clone()",
    "double": "x.double()",
    "to_dtype": "x.to(torch.float64)",
    "int": "x.int()",
    "where_tensor_scalar": "torch.where(t > 3, t, -1.64)",
    "where_scalars": "torch.where(t > 3, 1.0, 2.0)",
    "where_0d_condition": "torch.where(torch.tensor(True), x, x)",
    "clamp_scalars": "torch.clamp(t, min=2.92, max=0.92)",
    "clamp_tensor_bound": "torch.clamp(torch.zeros(4, 3), min=t)",
    "lerp_scalar_weight": "torch.lerp(t, torch.zeros(4, 3), 0.5)",
    "lerp_tensor_weight": "torch.lerp(t, t, torch.zeros(4, 3))",
    "index_trailing_dim": "x[:, :, torch.tensor([[0, 1], [2, 0]])]",
    "index_middle_dim": "x[:, torch.tensor([1, 0, 1])]",
    "index_first_dim_of_a_transpose": "t[torch.tensor([0, 1])]",
    "index_by_a_transposed_index": "t[:, torch.zeros(3, 3, dtype=torch.int64).t()]",
    "index_beside_a_size_1_dim": "x[:, :1, torch.zeros(3, 3, dtype=torch.int64).t()]",
    "index_of_separated_dims": "x[torch.tensor([0, 1]), :, torch.tensor([1, 2])]",
    "index_by_a_mask": "x[:, torch.tensor([True, False])]",
    "einsum_right_only_dim_first": "torch.einsum('ij,kj->ki', t, torch.ones(2, 3))",
    "einsum_batched_right_only_dim_first": "torch.einsum('bij,bkj->bki', x, torch.ones(4, 5, 3))",
    "sin_of_a_channels_last_view_with_odd_size_1_strides": "torch.ones(3, 1, 3).permute(1, 0, 2).unsqueeze(2).sin()",
    "add_of_a_channels_last_view_with_odd_size_1_strides": "torch.ones(2, 3).t().unsqueeze(0).unsqueeze(0).permute(0, 2, 1, 3) + 1",
    "sin_of_a_view_dense_as_channels_last": "torch.ones(3, 2, 1).permute(2, 1, 0).unsqueeze(2).sin()",
    "sin_of_a_5d_view_with_odd_size_1_strides": "torch.ones(3, 2, 1).permute(2, 1, 0).unsqueeze(2).unsqueeze(3).sin()",
    "sinc_of_a_view_with_odd_size_1_strides": "torch.sinc(t[:1].unsqueeze(2))",
    "sinc_of_a_transpose": "torch.sinc(x)",
    "nan_to_num_of_a_view_with_odd_size_1_strides": "torch.nan_to_num(t[:1].unsqueeze(2))",
    "nan_to_num_of_a_channels_last_view": "torch.nan_to_num(torch.ones(3, 1, 3).permute(1, 0, 2).unsqueeze(2))",
    "xlogy_number_self_of_a_view_with_odd_size_1_strides": "torch.xlogy(2.0, t[:1].unsqueeze(2))",
    "hypot_of_a_transpose_and_its_row": "torch.hypot(t[:2], t[:2])",
    "xlogy_of_a_broadcast_column": "torch.xlogy(x[:, :1], x)",
    "logaddexp_of_a_transpose": "torch.logaddexp(t, t)",
    "isclose_of_a_transpose": "torch.isclose(t, t)",
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name])


def strides_of(lib, expression):
    x = lib.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1)
    t = lib.arange(12.0).reshape(3, 4).t()
    return eval(expression, {"torch": lib, "x": x, "t": t}).stride()


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_memory_order_matches_torch(name):
    assert strides_of(cgrad, LAYOUTS[name]) == strides_of(torch, LAYOUTS[name])


def backward_error(lib, source):
    x = lib.tensor([1.5, 2.5], requires_grad=True)
    y = lib.tensor([0.7, 0.3], requires_grad=True)
    out = eval(source, {"torch": lib, "x": x, "y": y})
    with pytest.raises(RuntimeError) as error:
        out.sum().backward()
    return str(error.value)


@pytest.mark.parametrize("source", [
    "torch.floor_divide(x, y)", "x // 2", "(x * 1).floor_divide_(y)", "(x * 1).__ifloordiv__(2)",
    "(lambda z: (z[0:1].floor_divide_(y[0:1]), z)[1])(x * 1)",
])
def test_floor_divide_backward_names_its_own_op(source):
    # The in-place form's node names aten::floor_divide_, as torch's.
    assert backward_error(cgrad, source) == backward_error(torch, source)


# Note [addmm of an empty inner dim]: torch scales the copied bias in place, so an integer
# or bool product refuses a beta of another kind, even 1.0 (fuzz e22b 11818).
@pytest.mark.parametrize("dtype,beta", [("int32", 0.5), ("int64", 1.0), ("bool", 2), ("bool", 0.5)])
def test_addmm_over_an_empty_inner_dim_refuses_a_beta_its_dtype_cannot_hold(dtype, beta):
    check_error(lambda lib: lib.addmm(lib.ones((), dtype=getattr(lib, dtype)),
                                      lib.zeros(5, 0, dtype=getattr(lib, dtype)),
                                      lib.zeros(0, 4, dtype=getattr(lib, dtype)), beta=beta))


@pytest.mark.parametrize("dtype,mat1,mat2,kwargs", [
    ("int32", (5, 0), (0, 4), dict(beta=2)), ("int32", (5, 0), (0, 4), dict(beta=0.0)),
    ("int32", (5, 0), (0, 4), dict(alpha=0.5)), ("int64", (2, 3), (3, 4), dict(beta=0.5)),
    ("int64", (0, 0), (0, 4), dict(beta=0.5)), ("bool", (5, 0), (0, 4), dict(beta=True)),
    ("float32", (5, 0), (0, 4), dict(beta=0.5)),
])
def test_addmm_of_integers_with_a_beta_it_takes(dtype, mat1, mat2, kwargs):
    def result(lib):
        d = getattr(lib, dtype)
        return lib.full((1, 4), 3, dtype=d).addmm(lib.ones(mat1, dtype=d), lib.ones(mat2, dtype=d),
                                                  **kwargs)
    assert result(cgrad).tolist() == result(torch).tolist()
    assert str(result(cgrad).dtype)[6:] == str(result(torch).dtype)[6:]


def test_addmm_refusal_names_the_default_dtype():
    def program(lib):
        previous = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            return lib.addmm(lib.ones(2, 2, dtype=lib.int64), lib.ones(2, 0, dtype=lib.int64),
                             lib.ones(0, 2, dtype=lib.int64), beta=0.5)
        finally:
            lib.set_default_dtype(previous)
    check_error(program)
