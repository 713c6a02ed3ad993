"""Element counts beyond int64 raise as in torch (Note [Element counts]): expand and
broadcast_to check the count of the view they make, fresh tensors check their element,
byte and stride counts. Huge but representable expands stay legal views."""
import warnings

import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402

ERRORS = [
    error_case("expand_2_80", lambda L: L.ones(1, 1).expand(2**40, 2**40)),
    error_case("expand_2_80_sum", lambda L: L.ones(1, 1).expand(2**40, 2**40).sum()),
    error_case("expand_2_64_plus", lambda L: L.ones(1, 1).expand(2**62 + 1, 4)),
    error_case("expand_2_64_plus_sum", lambda L: L.ones(1, 1).expand(2**62 + 1, 4).sum()),
    error_case("expand_2_63", lambda L: L.ones(1, 1).expand(2**62, 2)),
    error_case("expand_three_dims", lambda L: L.ones(1, 1, 1).expand(2**21, 2**21, 2**21)),
    error_case("expand_new_leading_dim", lambda L: L.ones(3).expand(2**62, 3)),
    error_case("expand_of_expand", lambda L: L.ones(1).expand(2**62).expand(4, 2**62)),
    error_case("expand_zero_after_overflow", lambda L: L.ones(1, 1, 0).expand(2**62, 4, 0)),
    error_case("expand_as_with_huge", lambda L: L.ones(1, 1).expand(2**31, 2**31).expand(2, 2**31, 2**31)),
    error_case("broadcast_to", lambda L: L.ones(1).broadcast_to((2**40, 2**40))),
    error_case("broadcast_to_function", lambda L: L.broadcast_to(L.ones(1), (2**40, 2**40))),
    error_case("binary_broadcast", lambda L: L.ones(1).expand(2**62) * L.ones(4, 1)),
    error_case("binary_broadcast_2_63", lambda L: L.ones(1, 1).expand(1, 2**62) + L.ones(2, 1)),
    error_case("empty", lambda L: L.empty(2**62, 4)),
    error_case("zeros_2_80", lambda L: L.zeros(2**40, 2**40)),
    error_case("ones_bytes", lambda L: L.ones(2**62)),
    error_case("empty_zero_after_overflow", lambda L: L.empty(2**62, 4, 0)),
    error_case("empty_stride_overflow", lambda L: L.empty(0, 2**62, 4)),
    error_case("ops_on_stride_overflow", lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4) + 1),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)


LEGAL = [
    pytest.param(lambda L: L.ones(1).expand(2**63 - 1), id="expand_int64_max"),
    pytest.param(lambda L: L.ones(1, 1).expand(2**31, 2**31), id="expand_2_62"),
    pytest.param(lambda L: L.ones(1).expand(2**62).reshape(2**31, 2**31), id="reshape_huge_view"),
    pytest.param(lambda L: L.ones(0, 1).expand(0, 2**62).expand(2**62, 0, 2**62), id="empty_huge"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4), id="empty_huge_trailing"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4).sum(1), id="sum_of_empty_huge"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4).sum((1, 2)), id="sum_all_but_empty"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4).mean(1), id="mean_of_empty_huge"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4).prod(1), id="prod_of_empty_huge"),
    pytest.param(lambda L: L.ones(0, 1, 1).expand(0, 2**62, 4)[:, :3], id="slice_of_empty_huge"),
    pytest.param(lambda L: L.empty(2**62, 0, 4), id="empty_zero_in_middle"),
]


SLICES = [
    pytest.param(lambda L, x: x[0:2**64], id="stop_beyond_int64"),
    pytest.param(lambda L, x: x[-2**64:], id="start_below_int64"),
    pytest.param(lambda L, x: x[:, ::2**62], id="step_2_62"),
    pytest.param(lambda L, x: x[1:2**63], id="stop_2_63"),
]


@pytest.mark.parametrize("fn", SLICES)
def test_slice_bounds_beyond_int64_are_clamped(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = fn(torch, torch.arange(6.0).reshape(2, 3))
        c = fn(cgrad, cgrad.arange(6.0).reshape(2, 3))
    assert c.tolist() == t.tolist()


def test_a_step_beyond_the_size_leaves_one_element():
    # torch fails to size this view; the count never overflows here.
    x = cgrad.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert x[::2**64].tolist() == [[0.0, 1.0, 2.0]]
    assert x[::2**63 - 1].shape == (1, 3)


@pytest.mark.parametrize("fn", LEGAL)
def test_huge_representable_views_are_legal(fn):
    t, c = fn(torch), fn(cgrad)
    assert tuple(c.shape) == tuple(t.shape)
    assert c.numel() == t.numel()
    assert c.stride() == t.stride()
