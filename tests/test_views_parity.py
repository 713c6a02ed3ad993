"""Views, joins and basic subscripts against torch: values, node names, gradients, and
that views share memory with their base."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, R, T, case, check  # noqa: E402

CASES = [
    case("view", lambda L, a: a.view(6, 4), R(2, 3, 4)),
    case("view_infer", lambda L, a: a.view(-1, 4), R(2, 3, 4)),
    case("view_split_dim_of_transposed", lambda L, a: a.view(2, 2, 3), T(R(3, 4))),
    case("reshape_view", lambda L, a: a.reshape(4, 6), R(2, 3, 4)),
    case("reshape_copy", lambda L, a: a.reshape(-1), T(R(3, 4))),
    case("reshape_fn", lambda L, a: L.reshape(a, (3, -1)), R(2, 3, 4)),
    case("flatten", lambda L, a: a.flatten(), R(2, 3, 4)),
    case("flatten_range", lambda L, a: a.flatten(1), R(2, 3, 4)),
    case("flatten_0d", lambda L, a: a.flatten(), R()),
    case("unflatten", lambda L, a: a.unflatten(2, (2, 2)), R(2, 3, 4)),
    case("permute", lambda L, a: a.permute(2, 0, 1), R(2, 3, 4)),
    case("permute_tuple", lambda L, a: a.permute((1, 0)), R(3, 4)),
    case("transpose", lambda L, a: a.transpose(0, 2), R(2, 3, 4)),
    case("transpose_neg", lambda L, a: a.transpose(-1, -2), R(2, 3, 4)),
    case("swapaxes", lambda L, a: a.swapaxes(0, 1), R(2, 3)),
    case("swapdims", lambda L, a: L.swapdims(a, 0, 1), R(2, 3)),
    case("moveaxis", lambda L, a: a.moveaxis((0, 1), (2, 0)), R(2, 3, 4)),
    case("contiguous", lambda L, a: a.t().contiguous(), R(2, 3)),
    case("contiguous_noop", lambda L, a: (a * 1).contiguous(), R(2, 3)),
    case("t", lambda L, a: a.t(), R(3, 4)),
    case("t_1d", lambda L, a: a.t(), R(3)),
    case("T", lambda L, a: a.T, R(3, 4)),
    case("mT", lambda L, a: a.mT, R(2, 3, 4)),
    case("movedim", lambda L, a: a.movedim(0, 2), R(2, 3, 4)),
    case("unsqueeze", lambda L, a: a.unsqueeze(1), R(2, 3)),
    case("unsqueeze_neg", lambda L, a: a.unsqueeze(-1), R(2, 3)),
    case("squeeze", lambda L, a: a.squeeze(), R(2, 1, 3, 1)),
    case("squeeze_dim", lambda L, a: a.squeeze(1), R(2, 1, 3)),
    case("squeeze_dim_noop", lambda L, a: a.squeeze(0), R(2, 1, 3)),
    case("squeeze_dims", lambda L, a: a.squeeze((1, 3)), R(2, 1, 3, 1)),
    case("expand", lambda L, a: a.expand(2, 3, 4), R(3, 1)),
    case("expand_as", lambda L, a, b: a.expand_as(b), R(3, 1), R(2, 3, 4)),
    case("broadcast_to", lambda L, a: a.broadcast_to((2, 3, 4)), R(4)),
    case("select", lambda L, a: a.select(1, 2), R(2, 3, 4)),
    case("select_neg", lambda L, a: a.select(-1, -1), R(2, 3, 4)),
    case("narrow", lambda L, a: a.narrow(1, 1, 2), R(2, 3, 4)),
    case("narrow_transposed", lambda L, a: a.narrow(0, 1, 2), T(R(3, 4))),
    case("split", lambda L, a: a.split(2, dim=2), R(2, 3, 5)),
    case("split_sizes", lambda L, a: a.split([1, 2], dim=1), R(2, 3, 4)),
    case("chunk", lambda L, a: a.chunk(3), R(7, 2)),
    case("unbind", lambda L, a: a.unbind(1), R(2, 3)),
    case("split_one_used", lambda L, a: a.split(2)[1], R(5, 2)),
    case("unbind_one_used", lambda L, a: a.unbind(0)[2], R(3, 2)),
    case("cat", lambda L, a, b: L.cat([a, b], 1), R(2, 3), R(2, 4)),
    case("concat", lambda L, a, b: L.concat((a, b)), R(1, 3), R(2, 3)),
    case("cat_mixed_dtype", lambda L, a, b: L.cat([a, b]), R(2, 3), R(1, 3, dtype=np.float64)),
    case("cat_neg_dim", lambda L, a, b: L.cat((a, b), -1), R(2, 3), T(R(4, 2))),
    # contiguous rows into strided windows: a memcpy per row, or a converting loop
    case("cat_dim1_rows", lambda L, a, b: L.cat([a, b], 1), R(3, 2, 40), R(3, 5, 40)),
    case("cat_dim1_mixed_dtype_rows", lambda L, a, b: L.cat([a, b], 1), R(4, 33),
         R(4, 17, dtype=np.float64)),
    case("cat_dim1_int_into_float", lambda L, a, b: L.cat([a, b], 1), R(3, 9), I(3, 20), grad=False),
    case("stack", lambda L, a, b: L.stack([a, b]), R(2, 3), R(2, 3)),
    case("stack_last", lambda L, a, b: L.stack([a, b], dim=-1), R(2, 3), T(R(3, 2))),
    case("getitem_int", lambda L, a: a[1], R(3, 4)),
    case("getitem_neg", lambda L, a: a[-1], R(3, 4)),
    case("getitem_slice", lambda L, a: a[1:3], R(4, 2)),
    case("getitem_step", lambda L, a: a[::2], R(5, 2)),
    case("getitem_full_slice", lambda L, a: a[:], R(3)),
    case("getitem_clamped_slice", lambda L, a: a[1:100], R(3)),
    case("getitem_empty_slice", lambda L, a: a[5:], R(3, 2)),
    case("getitem_tuple", lambda L, a: a[0, 1:, ::2], R(2, 3, 4)),
    case("getitem_none", lambda L, a: a[None, :, None], R(3)),
    case("getitem_ellipsis", lambda L, a: a[..., 1], R(2, 3, 4)),
    case("getitem_ellipsis_mid", lambda L, a: a[1, ..., None, 0], R(2, 3, 4)),
    case("getitem_scalar_tensor", lambda L, a: a[L.tensor(1)], R(3, 2)),
    case("getitem_transposed", lambda L, a: a[1:, 0], T(R(3, 4))),
    case("getitem_chain", lambda L, a: a[1][0:2][1], R(3, 4)),
    case("getitem_list", lambda L, a: a[[0, 2, 2]], R(3, 4)),
    case("getitem_tensor_index", lambda L, a: a[:, L.tensor([3, 0, -1])], R(3, 4)),
    case("getitem_two_lists", lambda L, a: a[[0, 2], [1, 3]], R(3, 4)),
    case("getitem_broadcast_lists", lambda L, a: a[[[0], [2]], [1, 3]], R(3, 4)),
    case("getitem_int_and_list", lambda L, a: a[0, :, [0, 1]], R(2, 3, 4)),
    case("getitem_separated_lists", lambda L, a: a[[0, 1], :, [0, 1]], R(2, 3, 4)),
    case("getitem_mask", lambda L, a: a[a > 0], R(3, 4)),
    case("getitem_row_mask", lambda L, a: a[L.tensor([True, False, True]), 1:], R(3, 4)),
    case("getitem_true", lambda L, a: a[True], R(3)),
    case("getitem_transposed_list", lambda L, a: a[[1, 0]], T(R(3, 2))),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_view(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("make_view", [
    lambda t: t.view(-1), lambda t: t.t(), lambda t: t[1], lambda t: t[:, 1:],
    lambda t: t.unsqueeze(0), lambda t: t.split(1)[1], lambda t: t.unbind(1)[0],
    lambda t: t.permute(1, 0), lambda t: t.expand(2, 2, 3), lambda t: t.narrow(1, 0, 2),
])
def test_views_share_memory_and_version(make_view):
    base = cgrad.zeros(2, 3)
    view = make_view(base)
    version = base._version
    view.fill_(7.0)
    assert (base.numpy() == 7.0).any()
    assert base._version == version + 1 == view._version


@pytest.mark.parametrize("dims", [(0, 0), (-1, 0), ((0,), (-1,))])
def test_movedim_of_a_0d_tensor_is_an_alias(dims):
    for L in (torch, cgrad):
        x = L.tensor(2.0, requires_grad=True)
        out = x.movedim(*dims)
        assert out.shape == () and out.grad_fn.name() == "AliasBackward0"


def test_reshape_of_transposed_copies():
    base = cgrad.zeros(3, 4).t()
    flat = base.reshape(-1)
    flat.fill_(1.0)
    assert base.sum().item() == 0.0


@pytest.mark.parametrize("bad", [
    lambda L: L.zeros(3, 4).t().view(12),
    lambda L: L.zeros(2, 3).view(4, 2),
    lambda L: L.zeros(2, 3).permute(0, 0),
    lambda L: L.zeros(2, 3).t().t().transpose(0, 2),
    lambda L: L.zeros(2, 3, 4).t(),
    lambda L: L.zeros(2, 3).select(0, 2),
    lambda L: L.zeros(2, 3).narrow(1, 2, 2),
    lambda L: L.zeros(2, 3).split([1, 2]),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)]),
    lambda L: L.stack([L.zeros(2), L.zeros(3)]),
    lambda L: L.cat([]),
    lambda L: L.zeros(3)[3],
    lambda L: L.zeros(3)[0, 0],
    lambda L: L.zeros(3)[::-1],
    lambda L: L.zeros(3)[1.5],
    lambda L: L.zeros(3)["a"],
    lambda L: L.zeros(2, 3).expand(3, 3),
    lambda L: L.zeros(2, 3).unflatten(1, (2, 2)),
    # 0-d tensors accept dim 0 but have no size there (these read past the sizes before).
    lambda L: L.tensor(2.0).split([2, 0]),
    lambda L: L.split(L.tensor(2.0), [1]),
    lambda L: L.tensor(2.0).unflatten(0, (1,)),
    lambda L: L.tensor(2.0).unflatten(-1, (1,)),
    lambda L: L.ones(3).split([2**62, 2**62, 2**62 - 3]),
])
def test_errors_match_torch(bad):
    kinds = []
    for lib in (torch, cgrad):
        with pytest.raises(Exception) as info:
            bad(lib)
        kinds.append(info.type)
    assert kinds[0] is kinds[1], kinds


# expand checks the target sizes from the last dim back, as torch does: a mismatch names
# the last dim that cannot expand (Note [Expand checks]). torch's exact messages.
EXPAND_ERRORS = [
    error_case("expand_names_last_bad_dim", lambda L: L.ones(3, 3).expand(2, 2)),
    error_case("expand_first_dim", lambda L: L.ones(3, 4).expand(2, 4)),
    error_case("expand_new_and_bad_dims", lambda L: L.ones(3, 1, 4).expand(2, 4, 5, 5)),
    error_case("expand_empty_dim", lambda L: L.ones(0, 3).expand(2, 3)),
    error_case("expand_tuple", lambda L: L.ones(3, 3).expand((2, 2))),
    error_case("expand_as", lambda L: L.ones(3, 3).expand_as(L.ones(2, 2))),
    error_case("broadcast_to", lambda L: L.broadcast_to(L.ones(3, 3), (2, 2))),
    error_case("expand_too_few_sizes", lambda L: L.ones(3, 3).expand(3)),
    error_case("expand_no_sizes", lambda L: L.ones(3, 3).expand([])),
    error_case("expand_too_few_sizes_int64", lambda L: L.ones(3, 3, dtype=L.int64).expand(3)),
    error_case("expand_too_few_sizes_float64", lambda L: L.ones(3, 3, dtype=L.float64).expand(3)),
    error_case("expand_too_few_sizes_int32", lambda L: L.ones(3, 3, dtype=L.int32).expand(3)),
    error_case("expand_too_few_sizes_bool", lambda L: L.ones(3, 3, dtype=L.bool).expand(3)),
    error_case("expand_too_few_sizes_bfloat16",
               lambda L: L.ones(3, 3, dtype=L.bfloat16).expand(3)),
    error_case("expand_too_few_sizes_uint8", lambda L: L.ones(3, 3, dtype=L.uint8).expand(3)),
    error_case("expand_too_few_sizes_of_a_view", lambda L: L.ones(3, 6)[:, ::2].expand(3)),
    error_case("expand_as_too_few_dims", lambda L: L.ones(3, 3).expand_as(L.ones(3))),
    error_case("expand_as_too_few_dims_int64",
               lambda L: L.ones(3, 3, dtype=L.int64).expand_as(L.ones(3))),
    error_case("broadcast_to_too_few_dims", lambda L: L.broadcast_to(L.ones(3, 3), (3,))),
    error_case("expand_minus_one_leading", lambda L: L.ones(3).expand(-1, 3)),
    error_case("expand_minus_one_second_leading", lambda L: L.ones(3).expand(2, -1, 3)),
    error_case("expand_minus_one_leading_checked_after", lambda L: L.ones(3).expand(-1, 2)),
    error_case("expand_minus_two_existing", lambda L: L.ones(3).expand(-2)),
    error_case("expand_minus_two_existing_singleton", lambda L: L.ones(2, 1).expand(2, -2)),
    error_case("expand_minus_two_leading", lambda L: L.ones(3).expand(-2, 3)),
    error_case("expand_0d_minus_one", lambda L: L.tensor(1.0).expand(-1)),
    error_case("expand_0d_minus_one_second", lambda L: L.tensor(1.0).expand(2, -1)),
]


@pytest.mark.parametrize("fn, match", EXPAND_ERRORS)
def test_expand_errors_match_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("make", [
    lambda L: L.ones(3).expand(1, 3),
    lambda L: L.ones(3).expand(1, 1, 3),
    lambda L: L.ones(2, 3).t().expand(1, 3, 2),
    lambda L: L.ones(3).expand(2, 1, 3),
    lambda L: L.ones(4, 3)[:1].expand(2, 1, 3),
    lambda L: L.ones(3).expand(-1),
    lambda L: L.tensor(1.0).expand(1, 1),
    lambda L: L.tensor(1.0).expand(2, 3),
    lambda L: L.ones(2, 1, 3).expand(0, 2, 5, 3),
])
def test_expand_strides_match_torch(make):
    """A new leading dim of size 1 gets the stride past the dim after it, as in torch."""
    ref, got = make(torch), make(cgrad)
    assert (tuple(got.shape), got.stride()) == (tuple(ref.shape), ref.stride())
