"""Programs the differential fuzzer (tests/fuzz) once found diverging from torch in
in-place ops (fill_, //=, %=, remainder_, ...), setitem and the version checks of saved
tensors, kept as regression cases in the format of tests/test_fuzz_regressions_views.py:
each is run once with `torch` bound to torch and once to cgrad and sets `out` (and may
set `leaves`, whose gradients are compared); errors must match in type; grad_fn names
and is_leaf of the outputs are compared too.
"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions_views import assert_matches_torch  # noqa: E402

CASES = {
    # ---- an input sharing self's memory without being dense is read while self is
    # written, in TensorIterator's order (Note [In-place writes that read what they wrote]) ----
    "add_of_own_diagonal": """
x = torch.tensor([[-0.58, -2.18, 0.1], [2.01, -1.68, -2.16], [-1.47, 2.73, 2.42]], requires_grad=True)
out = x * 1
out.add_(out.diagonal())
""",
    "mul_of_a_select_through_permute": """
x = torch.tensor([[0.54, 2.5, 2.35, -2.48, 1.74], [-2.69, 1.21, 1.51, 0.47, -0.56]], requires_grad=True)
y = x * 1
out = y.permute(1, 0)
out.mul_(y.select(-1, -5))
""",
    "isub_of_a_column": """
out = torch.tensor([[2.0, -1.0, 0.0, 2.0, -1.0]] * 5)
out -= torch.select(out, 1, 1)
""",
    "fmod_of_a_narrowed_column": """
out = torch.tensor([[1.21, 2.51, -2.59, 2.37], [1.47, -0.06, 0.95, 2.97]])
out.fmod_(torch.narrow(out, -1, -2, 1))
""",
    "copy_of_a_shifted_column_window": """
x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
x[:, 1:].copy_(x[:, :3])
out = x
""",
    # ---- fill_ with a tensor value: FillBackward3 ----
    "fill_with_a_0d_tensor_on_a_non_leaf": """
x = torch.tensor([[2.85]], requires_grad=True)
out = x * 2
out.fill_(torch.tensor(3))
out.sum().backward()
leaves = [x]
""",
    "fill_with_a_number_on_a_non_leaf": """
x = torch.tensor([[2.85]], requires_grad=True)
out = x * 2
out.fill_(3.0)
""",
    "fill_with_a_value_that_requires_grad_into_a_plain_tensor": """
v = torch.tensor(-1.33, requires_grad=True)
out = -torch.tensor([[2.77, 1.0]])
out.fill_(v)
(out * torch.tensor([[2.0, 3.0]])).sum().backward()
leaves = [v]
""",
    "fill_with_a_float64_value_into_float32": """
v = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
out = torch.zeros(2, 3)
out.fill_(v)
out.sum().backward()
leaves = [v]
""",
    "fill_an_int_tensor_with_a_value_that_requires_grad": """
out = torch.tensor([1])
out.fill_(torch.tensor(0.97, requires_grad=True))
""",
    "fill_a_strided_view_with_a_value_that_requires_grad": """
out = torch.tensor([1.0, 2.0, 3.0, 4.0])[::2]
out.fill_(torch.tensor(-2.44, requires_grad=True))
""",
    "fill_an_expanded_tensor_with_a_tensor_value": """
out = torch.tensor([-1.29, 3.0]).expand(2, 2)
out.fill_(torch.tensor(1.0))
""",
    "fill_an_expanded_tensor_with_a_number": """
out = torch.tensor([-1.29, 3.0]).expand(2, 2)
out.fill_(1.0)
""",
    "fill_an_empty_expanded_tensor_with_a_tensor_value": """
out = torch.zeros(1, 0).expand(3, 0)
out.fill_(torch.tensor(1.0))
""",
    # ---- setitem: a 0-d value is filled in, others copied ----
    "setitem_empty_index_with_a_number": """
x = torch.tensor([[2.1]], requires_grad=True)
out = x.clone()
out[()] = -1
""",
    "setitem_full_slice_and_ellipsis_with_a_number": """
x = torch.tensor([-1.29, 3.0], requires_grad=True)
a = x * 1
a[:] = 5.0
b = x * 1
b[...] = 5.0
out = (a, b)
""",
    "setitem_empty_index_with_a_0d_value_that_requires_grad": """
v = torch.tensor(0.56, requires_grad=True)
out = torch.tensor([-1.29, 2.0])
out[()] = v
out.sum().backward()
leaves = [v]
""",
    "setitem_slice_with_a_0d_value_that_requires_grad": """
v = torch.tensor(0.56, requires_grad=True)
out = torch.tensor([-1.29, 2.0])
out[:1] = v
out.sum().backward()
leaves = [v]
""",
    "setitem_empty_index_with_a_1d_value_copies": """
v = torch.tensor([0.56], requires_grad=True)
out = torch.tensor([-1.29, 2.0])
out[()] = v
out.sum().backward()
leaves = [v]
""",
    "setitem_of_a_0d_tensor_copies": """
x = torch.tensor(2.1, requires_grad=True)
out = x.clone()
out[()] = -1
""",
    # ---- //=, %=, &=, |=, ^= are in place (views see the write) ----
    "floordiv_assign_into_an_expanded_view_of_itself": """
x = torch.tensor([[0.39, 0.09, 1.16]], requires_grad=True)
v1 = x * 1
v2 = v1.expand((-1, 3))
v2 //= v1
out = (v1, v2)
""",
    "floordiv_assign_is_seen_through_a_transpose": """
v1 = torch.tensor([[[2.68]]]) * 1
v2 = v1.mT
v1 //= torch.tensor([[[1.59]]], requires_grad=True)
out = (v1, v2)
""",
    "floordiv_assign_into_a_transposed_view": """
x = torch.tensor([[0.39, 0.09, 1.16]], requires_grad=True)
v1 = x * 1
v2 = v1.swapdims(0, 1)
v2 //= torch.tensor(0.3)
out = (v1, v2)
""",
    "floordiv_assign_of_an_einsum_result": """
v3 = torch.einsum('ij,j->i', torch.tensor([[-1.0]], dtype=torch.float64),
                  torch.tensor([-0.66], dtype=torch.float64, requires_grad=True))
v3 //= torch.tensor(-1)
out = v3
""",
    "floordiv_assign_backward_raises": """
x = torch.tensor([[0.64, -2.67, 0.41]], requires_grad=True)
v2 = x * 2
v3 = v2[:, 1:]
v3 //= torch.tensor([2.0])
out = torch.autograd.grad(v2.sum(), x)
""",
    "mod_assign_into_a_slice": """
x = torch.tensor([[0.64, -2.67, 0.41]], requires_grad=True)
v2 = torch.lerp(torch.tensor([[-1.22]]), x, -0.16)
v3 = v2[:, 1:]
v3 %= torch.tensor([2.0])
out = (v2, v3)
out[0].sum().backward()
leaves = [x]
""",
    "mod_assign_into_an_empty_slice": """
x = torch.tensor([[0.64, -2.67, 0.41]], requires_grad=True)
v2 = torch.lerp(torch.tensor([[-1.22]]), x, -0.16)
v3 = v2[:0]
v3 %= torch.tensor([float('nan')])
out = (v2, v3)
""",
    "bitwise_assign_ops_into_views": """
a = torch.tensor([True, False, True])
a[1:] |= torch.tensor([True, False])
b = torch.tensor([3, 5, 6])
v = b[1:]
v &= 4
v ^= torch.tensor([1, 1])
c = torch.tensor([6, 5, 3])
c[:2].bitwise_and_(torch.tensor(3)).bitwise_or_(8).bitwise_xor_(torch.tensor([1, 2]))
out = (a, b, c)
""",
    # ---- saved tensors written in place: backward raises, as torch ----
    "mul_assign_of_itself_then_backward": """
x = torch.tensor(2.71, requires_grad=True)
v1 = x.clone()
v1 *= v1
out = v1
v1.backward()
""",
    "remainder_of_itself_then_backward": """
x = torch.tensor([[-1.68]], requires_grad=True)
v1 = x * 1
v1.remainder_(v1)
out = v1
v1.sum().backward()
""",
    "fmod_div_atan2_pow_clamp_of_itself_then_backward": """
x = torch.tensor([[-1.0, 2.5]], requires_grad=True)
outs = []
for op in ("fmod_", "div_", "atan2_", "pow_"):
    v = torch.cosh(x)
    getattr(v, op)(v)
    outs.append(v)
v = x * 1
v.clamp_(v, v)
out = tuple(outs) + (v,)
for o in out:
    try:
        o.sum().backward()
    except RuntimeError:
        outs.append(None)
out = out + (torch.tensor(float(len(outs))),)
""",
    "mul_assign_with_another_tensor_then_backward": """
x = torch.tensor(2.71, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
out = x.clone()
out *= y
out.backward()
leaves = [x, y]
""",
    "exp_then_another_in_place_op_then_backward": """
x = torch.tensor([[[0.5]]], requires_grad=True)
out = x.clone()
out.exp_()
out.clamp_max_(torch.tensor([0.0]))
out.sum().backward()
""",
    "exp_on_a_view_then_tanh_then_backward": """
x = torch.tensor([[[0.5, 2.0]]], requires_grad=True)
out = x.clone()
v2 = out[..., 1:]
v2.exp_()
v2.tanh_()
out.sum().backward()
""",
    "exp_in_place_then_used_then_backward": """
x = torch.tensor([[[0.5, 2.0]]], requires_grad=True)
v1 = x.clone()
v1.exp_()
out = v1 * 2
out.sum().backward()
leaves = [x]
""",
    "in_place_op_on_an_empty_expanded_tensor": """
out = F.elu(torch.zeros((3, 0, 2, 1))).expand((2, 5, -1, 0, -1, -1))
out.reciprocal_()
""",
    "in_place_op_on_an_empty_expanded_view_then_backward": """
x = torch.zeros((3, 0, 2, 1), requires_grad=True)
out = F.elu(x)
out.expand((2, 5, -1, 0, -1, -1)).reciprocal_()
out.sum().backward()
leaves = [x]
""",
    # ---- saved tensors the formula does not read are checked too ----
    "gather_input_written_before_backward": """
x = torch.tensor([2.85, -0.04], requires_grad=True)
v2 = torch.matmul(torch.tensor([-2.0, 0.0]), x)
out = v2.gather(0, torch.tensor(0))
v2.rsqrt_()
out.backward()
""",
    "pow_result_written_when_only_the_base_needs_a_gradient": """
x = torch.tensor([[2.85]], requires_grad=True)
out = x ** torch.tensor(2.0)
out.fill_(torch.tensor(-1.33))
out.sum().backward()
""",
    "nll_loss_target_written_before_backward": """
x = torch.tensor([[[0.4]], [[-2.32]]], requires_grad=True)
t = torch.tensor([[2], [2]])
out = F.nll_loss(x, t, ignore_index=2)
t.abs_()
out.backward()
""",
    "cross_entropy_target_written_before_grad": """
x = torch.tensor([[-1.05, -2.47, -1.59]], requires_grad=True)
t = torch.tensor([2])
out = F.cross_entropy(x, t)
t.fmod_(torch.tensor([-4]))
torch.autograd.grad(out, [x])
""",
    # ---- indices are checked only where elements are read or written ----
    "out_of_range_index_into_an_empty_transposed_tensor": """
v1 = torch.zeros((0, 4)).transpose(1, 0)
out = (v1[torch.tensor([-2, -4, 3, -3, 4]), :], torch.zeros(4, 2)[torch.tensor([4]), :0])
""",
    "out_of_range_index_put_into_an_empty_tensor": """
out = torch.zeros(4, 0)
out[torch.tensor([4])] = torch.tensor(1.0)
""",
    "bool_mask_written_before_backward_of_the_index": """
x = torch.tensor([1.01, -1.6, -0.08, 2.96], requires_grad=True)
m = torch.tensor([False, True, False, True])
out = x[m]
m[torch.tensor([2])] = -0.23
out.sum().backward()
""",
    # ---- Note [Saved outputs of in-place ops on views] ----
    "double_backward_through_an_inplace_op_on_a_view": """
x = torch.tensor([[0.57, 0.67, 0.51, 0.66]], requires_grad=True)
v = (x * 1).t()
v.exp_()
g, = torch.autograd.grad(v.sigmoid().sum(), [x], create_graph=True)
g.sum().backward()
out = g
leaves = [x]
""",
    "double_backward_through_an_inplace_op_on_a_batched_matmul": """
a = torch.tensor([[2.57, 2.67, 0.51, 2.66]], requires_grad=True)
b = torch.tensor([[[0.82], [1.99], [-2.37], [2.81]]], requires_grad=True)
out = torch.matmul(a, b)
out.expm1_()
g, = torch.autograd.grad(out.sigmoid().sum(), [a], create_graph=True)
g.sum().backward()
leaves = [a, b]
""",
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name])


def test_fill_with_a_tensor_value_gradchecks():
    def f(x, v):
        y = x * 1
        y.fill_(v)
        return y * x
    x = cgrad.tensor([[0.3, -1.2], [2.0, 0.5]], dtype=cgrad.float64, requires_grad=True)
    v = cgrad.tensor(0.7, dtype=cgrad.float64, requires_grad=True)
    assert cgrad.autograd.gradcheck(f, (x, v))


# lerp_: torch lists its overloads; cgrad names the argument (same type, same op name).
@pytest.mark.parametrize("call,same_message", [("x.atan2_(0.26)", True),
                                               ("x.atan2_(other=0.26)", True),
                                               ("x.lerp_(0.2, 0.5)", False)])
def test_a_number_for_a_tensor_argument_is_a_type_error_before_the_leaf_check(call, same_message):
    errors = []
    for lib in (torch, cgrad):
        with pytest.raises(TypeError) as info:
            eval(call, {"x": lib.tensor([[2.94]]).requires_grad_()})
        errors.append(str(info.value))
    if same_message:
        assert errors[1] == errors[0]
    else:
        assert errors[1].split("(")[0] == errors[0].split("(")[0]


MODIFIED_SAVED_TENSOR = {
    "an_input_saved_as_other": "x = torch.tensor([[-1.68]], requires_grad=True); v = x * 1; "
                               "v.remainder_(v); v.sum().backward()",
    "a_saved_output": "x = torch.tensor([0.5], requires_grad=True); v = x.clone(); v.exp_(); "
                      "v.clamp_max_(torch.tensor([0.0])); v.sum().backward()",
    "a_saved_output_written_through_a_view": "x = torch.tensor([1.0, 2.0], dtype=torch.float64, "
                                             "requires_grad=True); y = x.tanh(); y[1:].add_(1); "
                                             "y.sum().backward()",
    "an_int_target": "x = torch.tensor([[-1.05, -2.47]], requires_grad=True); t = torch.tensor([1]); "
                     "loss = F.cross_entropy(x, t); t.fmod_(torch.tensor([-4])); loss.backward()",
    "an_int32_index": "x = torch.tensor([1.0, 2.0], requires_grad=True); i = torch.tensor([0, 1], "
                      "dtype=torch.int32); y = x.index_select(0, i); i.add_(0); y.sum().backward()",
    "a_bool_mask": "x = torch.tensor([1.0, 2.0], requires_grad=True); m = torch.tensor([True, False]); "
                   "y = (x * 1).masked_fill(m, 0.0); m[0] = False; y.sum().backward()",
}


@pytest.mark.parametrize("name", list(MODIFIED_SAVED_TENSOR))
def test_modified_saved_tensor_message_is_torchs(name):
    messages = []
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError) as info:
            exec(MODIFIED_SAVED_TENSOR[name], {"torch": lib, "F": lib.nn.functional})
        messages.append(str(info.value))
    assert messages[1] == messages[0]


@pytest.mark.parametrize("index", ["torch.tensor([True, False, True, False])",
                                   "torch.tensor([0, 1], dtype=torch.int32)"])
def test_index_saves_the_users_own_indices(index):
    saved = []
    for lib in (torch, cgrad):
        x = lib.ones(4, 3, requires_grad=True)
        (i,) = x[eval(index, {"torch": lib})].grad_fn._saved_indices
        saved.append((str(i.dtype).split(".")[-1], i.tolist()))
    assert saved[1] == saved[0]
