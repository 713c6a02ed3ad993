"""Programs the differential fuzzer (tests/fuzz) once found diverging from torch in views,
indexing, setitem and joins, kept as regression cases (the format of
tests/test_fuzz_regressions.py). Each is source run once with `torch` bound to torch and
once to cgrad; it sets `out` (a tensor, or a tuple of tensors and None) and may set
`leaves`, whose gradients are compared after `out` was differentiated by the program
itself. An error must be raised by both, with the same type. Beyond values, dtypes,
shapes and requires_grad, each output's grad_fn name and is_leaf are compared too, as
the fuzzer compares them.
"""
import warnings

import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions import run, same  # noqa: E402

CASES = {
    # ---- subscripts ----
    "0d_tensor_indexed_by_its_0d_bool_self": """
v0 = torch.tensor(False, dtype=torch.bool)
out = v0[v0]
""",
    "0d_bool_mask_on_a_0d_result": """
x = torch.tensor([-1.83], requires_grad=True)
v1 = x.sum()
out = v1[torch.tensor(True)]
out.sum().backward()
leaves = [x]
""",
    "0d_bool_masks_beside_other_indices": """
x = torch.arange(6.0).reshape(2, 3).requires_grad_()
out = (x[:, torch.tensor(True)], x[torch.tensor(False), 0], x[torch.tensor(True), [0, 1]])
(out[0].sum() + out[2].sum()).backward()
leaves = [x]
""",
    "setitem_0d_bool_mask_on_a_0d_tensor": """
v0 = torch.tensor(88.0, dtype=torch.float64)
v0[torch.tensor(False)] = torch.tensor(2.59, dtype=torch.float64)
v0[torch.tensor(True)] = torch.tensor(-1.5, dtype=torch.float64)
out = v0
""",
    "empty_list_index_is_an_int64_index": """
v0 = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
out = (v0[[]], v0[..., []])
""",
    "setitem_with_an_empty_list_index": """
v1 = torch.zeros((4, 0)).cumsum(-2)
v1[..., []] = torch.tensor(1.56)
v2 = torch.tensor([[[5]]]).tanh()
v2[[]] = torch.tensor(-1.06)
out = (v1, v2)
""",
    "setitem_int_beyond_int64": """
v0 = torch.tensor([-0.0], dtype=torch.float64)
v0[()] = 18446744073709551616
out = v0
""",
    "setitem_0d_bool_index_is_basic": """
v0 = torch.tensor(-2.19, requires_grad=True)
v1 = v0 ** 2
v1[torch.tensor(False)] = 2.15
v2 = torch.arange(6.0).reshape(2, 3) * v0
v2[torch.tensor(True), torch.tensor([0, 1])] = 2.0
v3 = v0 * torch.ones(3)
v3[..., torch.tensor(True)] = torch.tensor(4.0, requires_grad=True)
out = (v1, v2, v3)
(v1 + v2.sum() + v3.sum()).backward()
leaves = [v0]
""",
    "setitem_of_python_false_writes_nothing": """
v0 = torch.tensor([1.0, 2.0], requires_grad=True)
v1 = v0 * 1
v1[False] = torch.ones(5)
out = v1
""",
    "setitem_through_a_mask_converts_a_one_element_value": """
v0 = torch.tensor([[2.52, 1.66], [-2.6, -2.78]], dtype=torch.float64)
v0[torch.tensor([False, True])] = torch.tensor(-2.45)
v1 = torch.tensor([-1.0])
v1[v1 < 0] = torch.tensor([-2], dtype=torch.int32)
v2 = torch.tensor([0])
v2[torch.tensor([True])] = torch.tensor([-1.55])
v3 = torch.zeros(2, 3, requires_grad=True) * 1
v4 = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
v3[:, torch.tensor([True, False, True])] = v4
v3.sum().backward()
out = (v0, v1, v2, v3)
leaves = [v4]
""",
    "setitem_through_a_list_wants_equal_dtypes": """
v0 = torch.zeros(3)
v0[[0]] = torch.tensor(1.0, dtype=torch.float64)
out = v0
""",
    "partial_writes_into_an_expanded_tensor": """
v0 = torch.tensor([[[-2.66]], [[2.46]], [[0.36]], [[2.65]], [[2.14]]], requires_grad=True)
v2 = v0.clone().expand((5, 4, 1))
v2.masked_fill_(torch.tensor([[[False], [False], [False], [True]]]), -1)
v3 = torch.tensor([-2.71]).clone().expand((4, 3, 2))
v3[torch.tensor([True, False, True, False])] = torch.tensor([-1.33], requires_grad=True)
v4 = torch.tensor([[2.51]]).expand(2, 1)
v4[None, [0]] = torch.tensor([[[-1.76]]], requires_grad=True)
out = (v2, v3, v4)
""",
    # ---- views ----
    "T_of_0d_and_1d_is_a_permute_view": """
x = torch.tensor(1.38, requires_grad=True)
y = torch.tensor([1.0, 2.0], requires_grad=True)
out = (x.T, y.T)
""",
    "T_of_1d_as_a_backward_input": """
v0 = torch.tensor([-0.04], requires_grad=True)
v1 = v0.T
v2 = torch.tensor([[1.93]], requires_grad=True)
v1.sum().backward(inputs=[v2, v1])
out = v1.grad
leaves = [v0]
""",
    "T_under_no_grad_is_a_leaf": """
v0 = torch.tensor(0.72, requires_grad=True)
v3 = torch.scatter_add(v0, -1, torch.tensor(0), torch.tensor(0.14))
with torch.no_grad():
    out = v3.T
""",
    "chunk_of_an_empty_dim_is_split_with_sizes": """
v0 = torch.zeros((0, 3), requires_grad=True)
out = torch.chunk(v0, 3, 0) + v0.chunk(2, 1)
""",
    "reshape_of_a_non_contiguous_input_as_a_view": """
v0 = torch.tensor([[-2.02, -0.12, 2.5], [-2.82, 2.15, -0.29]]).t().requires_grad_()
v1 = torch.tensor([-2.97, 2.48, -0.39, 1.25, 1.59, -1.4, -0.19, 1.05])[::2].requires_grad_()
v2 = torch.tensor([1.57], requires_grad=True).expand(5, 3, 2)
out = (v0.reshape(3, 2), v0.reshape(6), v1.reshape(1, 2, 2), v2.reshape(15, 2),
       v0.detach().requires_grad_().contiguous().reshape(3, 2))
(out[0].sum() + out[2].sum() + out[3].sum()).backward()
leaves = [v1]
""",
    "reshape_that_copies_is_no_view": """
v0 = torch.tensor([[[0.0, 1.0, -1.0], [-1.0, 2.0, -1.0]], [[2.0, 2.0, 1.0], [1.0, -1.0, -2.0]]]).transpose(0, 1)
v1 = v0.flatten(1, -1)
v2 = v1.t()
v3 = torch.tensor([[-1.78]], requires_grad=True)
v2[:-4, :] = v3
out = (v1, v2)
out[0].sum().backward()
leaves = [v3]
""",
    "view_reshape_expand_permute_need_sizes": """
out = torch.tensor(2).expand()
""",
    "permute_needs_dims": """
out = torch.tensor(2.0).permute()
""",
    # ---- joins ----
    "cat_of_legacy_empty_tensors_that_require_grad": """
v0 = torch.tensor([2.47])
v1 = torch.tensor([-1.92], requires_grad=True)
v2 = torch.zeros((0,), requires_grad=True)
v3 = torch.cat((v2, v1, v0))
v3.sum().backward()
out = torch.cat([torch.zeros((0,), dtype=torch.float64, requires_grad=True)], 0)
leaves = [v1, v2]
""",
    "cat_names_the_0d_tensor_position": """
out = torch.cat([torch.zeros((0,)), torch.tensor(1.0)])
""",
    "stack_checks_dim_before_shapes": """
out = torch.stack((torch.tensor([-2.0]), torch.zeros((0,))), dim=-3)
""",
    # ---- index_select / index_add ----
    "index_add_into_an_empty_self_checks_no_index": """
v0 = torch.zeros((2, 0, 2))
v0.index_add_(-2, torch.tensor([1, 1, 1]), torch.ones(2, 3, 2))
out = (v0, torch.index_add(torch.zeros((0, 0, 0)), 2, torch.tensor([2, 0]), torch.zeros(0, 0, 2)))
""",
    "index_add_into_an_empty_1d_self_checks_its_index": """
torch.zeros((0,)).index_add_(0, torch.tensor([0, 2]), torch.tensor([0.0, -2.0]))
out = torch.zeros(0)
""",
    "index_add_count_against_a_0d_source": """
out = torch.tensor([-0.35]).index_add(0, torch.tensor([0, 0, 0, 0]), torch.tensor(2.15))
""",
    "index_add_out_of_range_along_the_first_dim_of_2d": """
out = torch.zeros(3, 2).index_add(0, torch.tensor([7]), torch.ones(1, 2))
""",
    "index_add_out_of_range_along_a_middle_dim": """
out = torch.zeros(3, 2, 2).index_add(1, torch.tensor([7]), torch.ones(3, 1, 2))
""",
    "index_select_from_an_empty_dim": """
out = torch.tensor([[[[-1.0]]]])[:-1, 5::1].index_select(-3, torch.tensor([0]))
""",
    "index_select_out_of_range_along_dim_1": """
out = torch.zeros(3, 2).index_select(1, torch.tensor([3]))
""",
    "index_select_out_of_range_along_dim_0": """
out = torch.zeros(3, 2).index_select(0, torch.tensor([3]))
""",
    # ---- scatter_ / index_add_ / masked_fill ----
    "scatter_into_an_expanded_tensor": """
v2 = torch.tensor(-2.68, dtype=torch.float64).expand(4, 2)
v2.scatter_(-1, torch.zeros((3, 0), dtype=torch.int64), torch.zeros((3, 0), dtype=torch.float64))
out = v2
""",
    "index_add_into_an_expanded_tensor": """
v2 = torch.zeros(1, 1).expand(3, 2)
v2.index_add_(0, torch.tensor([0]), torch.ones(1, 2))
out = v2
""",
    "masked_fill_of_an_int_tensor_with_a_value_that_requires_grad": """
v2 = torch.tensor(-1.0, requires_grad=True)
out = torch.tensor([-2]).masked_fill(torch.tensor([False]), v2)
""",
}


def autograd_meta(lib, source):
    """(grad_fn name, is_leaf) of each of the program's outputs."""
    scope = {"torch": lib, "F": lib.nn.functional}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(source, scope)
    outs = scope["out"] if isinstance(scope["out"], (tuple, list)) else [scope["out"]]
    return [None if o is None else (o.grad_fn.name() if o.grad_fn is not None else None,
                                    o.is_leaf) for o in outs]


def assert_matches_torch(source):
    t, c = run(torch, source), run(cgrad, source)
    assert c[0] == t[0], f"torch: {t}, cgrad: {c}"
    if t[0] == "error":
        assert c[1] == t[1]
        return
    assert [len(x) for x in c[1:]] == [len(x) for x in t[1:]]
    pairs = list(zip(c[1], t[1])) + list(zip(c[2], t[2]))
    assert all(same(a, b) for a, b in pairs), f"torch: {t}, cgrad: {c}"
    assert autograd_meta(cgrad, source) == autograd_meta(torch, source)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name])
