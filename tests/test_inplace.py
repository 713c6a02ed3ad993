"""In-place ops under autograd against torch: values, node names, gradients, errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import P, R, case, check  # noqa: E402


def on_copy(op):
    """Runs `op` in place on a non-leaf copy of the first input, returns it."""
    def fn(L, a, *rest):
        y = a * 1
        op(L, y, *rest)
        return y
    return fn


CASES = [
    case("add_", on_copy(lambda L, y, b: y.add_(b)), R(2, 3), R(2, 3)),
    case("add_broadcast", on_copy(lambda L, y, b: y.add_(b)), R(2, 3), R(3)),
    case("add_alpha", on_copy(lambda L, y, b: y.add_(b, alpha=2)), R(2, 3), R(2, 3)),
    case("sub_", on_copy(lambda L, y, b: y.sub_(b)), R(3), R(3)),
    case("mul_", on_copy(lambda L, y, b: y.mul_(b)), R(3), R(3)),
    case("mul_scalar", on_copy(lambda L, y: y.mul_(3)), R(3)),
    case("div_", on_copy(lambda L, y, b: y.div_(b)), R(3), P(3)),
    case("pow_", on_copy(lambda L, y: y.pow_(2)), R(3)),
    case("iadd", on_copy(lambda L, y, b: y.__iadd__(b)), R(3), R(3)),
    case("imul", on_copy(lambda L, y: y.__imul__(2.5)), R(3)),
    case("exp_", on_copy(lambda L, y: y.exp_()), R(3)),
    case("sigmoid_", on_copy(lambda L, y: y.sigmoid_()), R(3)),
    case("relu_", on_copy(lambda L, y: y.relu_()), R(4)),
    case("zero_", on_copy(lambda L, y: y.zero_()), R(3)),
    case("fill_", on_copy(lambda L, y: y.fill_(2.0)), R(3)),
    case("copy_", on_copy(lambda L, y, b: y.copy_(b)), R(2, 3), R(3)),
    case("view_mul_", on_copy(lambda L, y: y[0:2].mul_(2)), R(3, 2)),
    case("view_add_tensor", on_copy(lambda L, y, b: y[:, 1].add_(b)), R(3, 2), R(3)),
    case("setitem_scalar", on_copy(lambda L, y: y.__setitem__(0, 5.0)), R(3, 2)),
    case("setitem_tensor", on_copy(lambda L, y, b: y.__setitem__((slice(None), 1), b)), R(3, 2), R(3)),
    case("setitem_broadcast", on_copy(lambda L, y, b: y.__setitem__(slice(1, None), b)), R(3, 2), R(2)),
    case("setitem_list", on_copy(lambda L, y: y.__setitem__([0, 2], 7.0)), R(3, 2)),
    case("setitem_mask", on_copy(lambda L, y: y.__setitem__(y > 0, 0.0)), R(3, 2)),
    case("setitem_list_tensor", on_copy(lambda L, y, b: y.__setitem__((slice(None), [1]), b)),
         R(3, 2), R(3, 1)),
    # A value with extra leading size-1 dims loses them first, as in torch.
    case("setitem_leading_ones", on_copy(lambda L, y, b: y.__setitem__(0, b)), R(2, 3), R(1, 1, 3)),
    case("setitem_leading_ones_slice", on_copy(lambda L, y, b: y.__setitem__(slice(1, 3), b)),
         R(3, 3), R(1, 1, 2, 3)),
    case("setitem_leading_ones_to_0d", on_copy(lambda L, y, b: y.__setitem__((0, 1), b)), R(2, 3),
         R(1, 1)),
    case("setitem_leading_ones_ellipsis", on_copy(lambda L, y, b: y.__setitem__(Ellipsis, b)),
         R(2, 3), R(1, 3)),
    case("setitem_leading_ones_advanced",
         on_copy(lambda L, y, b: y.__setitem__(L.tensor([0, 1]), b)), R(2, 3), R(1, 2, 3)),
    case("setitem_leading_ones_mask",
         on_copy(lambda L, y, b: y.__setitem__(L.tensor([True, False]), b)), R(2, 3), R(1, 1, 3)),
    # A value of another dtype is cast to the target's, as in torch.
    case("setitem_float64_value", on_copy(lambda L, y, b: y.__setitem__(0, b)), R(2, 3),
         R(3, dtype=np.float64)),
    case("setitem_int_value", on_copy(lambda L, y, b: y.__setitem__(slice(0, 2), b)), R(3),
         np.array([4, -5], np.int64)),
    case("setitem_float_into_int", lambda L, x, b: (lambda y: (y.__setitem__(slice(None), b), y)[1])(
        x.clone()), np.array([1, 2, 3], np.int64), np.array([1.5, -2.7, 3.9]), grad=False),
    case("setitem_int_float_scalar", lambda L, x: (lambda y: (y.__setitem__(0, 2.7), y)[1])(
        x.clone()), np.array([1, 2], np.int32), grad=False),
    case("setitem_float_into_bool", lambda L, x, b: (lambda y: (y.__setitem__(slice(0, 2), b), y)[1])(
        x.clone()), np.array([False, False, True]), np.array([1.5, 0.0]), grad=False),
    case("add_alpha_", on_copy(lambda L, y, b: y.add_(b, alpha=-3)), R(2, 3), R(3)),
    case("sub_alpha_", on_copy(lambda L, y, b: y.sub_(b, alpha=0.5)), R(3), R(3)),
    case("chain_of_inplace", on_copy(lambda L, y, b: (y.mul_(b), y.add_(1), y[0].mul_(3))), R(2, 3), R(3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_inplace(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_inplace_on_a_leaf_without_grad_takes_history():
    def fn(L, x):
        a = L.zeros(3)
        a.add_(x)
        return a
    check(fn, R(3))


def test_no_grad_sgd_step_keeps_the_leaf():
    p = cgrad.tensor([1.0, -2.0], requires_grad=True)
    (p * p).sum().backward()
    with cgrad.no_grad():
        p -= 0.1 * p.grad
        p[0] = 3.0
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    np.testing.assert_allclose(p.detach().numpy(), [3.0, -1.6], rtol=1e-6)


def test_writes_through_views_change_the_base():
    base = cgrad.zeros(2, 3)
    base[1, 1:] = cgrad.tensor([4.0, 5.0])
    base.t()[0] = 9.0
    assert base.tolist() == [[9.0, 0.0, 0.0], [9.0, 4.0, 5.0]]


@pytest.mark.parametrize("bad,message", [
    (lambda L: L.ones(3, requires_grad=True).add_(1), "leaf Variable that requires grad"),
    (lambda L: L.ones(3, requires_grad=True)[0:2].mul_(2), "view of a leaf Variable"),
    (lambda L: L.ones(3, requires_grad=True).__setitem__(0, 1.0), "leaf Variable"),
    (lambda L: L.ones(3, dtype=L.int64).add_(1.5), "can't be cast"),
    (lambda L: L.ones(3).add_(L.ones(2, 3)), "doesn't match the broadcast shape"),
    (lambda L: L.ones(3).copy_(L.ones(2)), "must match"),
])
def test_errors_match_torch(bad, message):
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError, match=message if lib is cgrad else None):
            bad(lib)


SHARED = "more than one element of the written-to tensor refers to a single memory location"
PARTLY = "some elements of the input tensor and the written-to tensor refer to a single memory"


# Note [In-place overlap]: torch's checks, with its messages.
@pytest.mark.parametrize("bad,message", [
    (lambda L, x: x.expand(2, 6).add_(1), SHARED),
    (lambda L, x: x.expand(2, 6).exp_(), SHARED),
    (lambda L, x: x.expand(2, 6).copy_(L.ones(2, 6)), SHARED),
    (lambda L, x: L.nn.functional.relu(x.expand(2, 6), inplace=True), SHARED),
    (lambda L, x: x[1:].add_(x[:-1]), PARTLY),
    (lambda L, x: x[:-1].mul_(x[1:]), PARTLY),
    (lambda L, x: x[1:].copy_(x[:-1]), PARTLY),
    (lambda L, x: x[1:].pow_(x[:-1]), PARTLY),
    (lambda L, x: x[1:].clamp_(x[:-1], None), PARTLY),
    (lambda L, x: x[1:].lerp_(x[:-1], 0.5), PARTLY),
    (lambda L, x: x.view(2, 3).add_(x.view(3, 2).t()), PARTLY),  # same bytes, other strides
])
def test_overlapping_in_place_writes_raise_as_in_torch(bad, message):
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError, match=message):
            bad(lib, lib.arange(6.0))


@pytest.mark.parametrize("fine", [
    lambda L, x: x.add_(x),  # the same memory, element for element
    lambda L, x: x[:3].add_(x[3:]),  # disjoint halves
    lambda L, x: x[1:4].add_(x[0]),  # a scalar view outside the written range
    lambda L, x: x[::2].add_(x[1::2]),  # interleaved, never the same element
    lambda L, x: x.view(2, 3)[:, 1:].add_(x.view(2, 3)[:, :2]),  # not dense: unchecked
    lambda L, x: x.expand(2, 6).fill_(1.0),  # torch allows fill_ on an expanded tensor
])
def test_in_place_writes_torch_allows(fine):
    ours, theirs = cgrad.arange(6.0), torch.arange(6.0)
    fine(cgrad, ours)
    fine(torch, theirs)
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_modified_saved_tensor_raises_naming_the_node(dtype):
    # torch names a tensor by its legacy type: torch.FloatTensor, but CPUBFloat16Type.
    def run(lib):
        x = lib.ones(3, dtype=getattr(lib, dtype), requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    messages = []
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            run(lib)
        messages.append(str(info.value))
    assert messages[1] == messages[0]  # "... which is output 0 of Exp, is at version 1; ..."


def test_mul_inplace_saves_the_original_self():
    # torch keeps the old value of y for the gradient of z, so this works.
    def fn(L, x, z):
        y = x * 1
        y.mul_(z)
        return y
    check(fn, R(3), R(3))


# Every pointwise op's in-place form against torch: (method, extra args, input maker).
POINTWISE_INPLACE = [
    ("abs_", (), R), ("neg_", (), R), ("sign_", (), R), ("sin_", (), R), ("cos_", (), R),
    ("tan_", (), R), ("tanh_", (), R), ("sinh_", (), R), ("cosh_", (), R), ("atan_", (), R),
    ("asin_", (), lambda *s: R(*s, low=-0.9, high=0.9)),
    ("acos_", (), lambda *s: R(*s, low=-0.9, high=0.9)),
    ("log_", (), P), ("log2_", (), P), ("log10_", (), P), ("log1p_", (), P), ("sqrt_", (), P),
    ("rsqrt_", (), P), ("reciprocal_", (), P), ("expm1_", (), R),
    ("floor_", (), R), ("ceil_", (), R), ("round_", (), R), ("trunc_", (), R), ("frac_", (), R),
    ("clamp_", (-0.5, 0.5), R), ("clip_", (None, 0.5), R), ("clamp_min_", (0.1,), R),
    ("clamp_max_", (0.1,), R), ("fmod_", (0.7,), R), ("remainder_", (0.7,), R),
    ("floor_divide_", (0.7,), R), ("lerp_", ("other", 0.3), R), ("atan2_", ("other",), R),
]


@pytest.mark.parametrize("method,args,make", POINTWISE_INPLACE, ids=lambda v: v if isinstance(v, str) else "")
def test_pointwise_inplace_forms(method, args, make):
    uses_other = "other" in args

    def fn(L, a, *rest):
        y = a * 1
        call = [rest[0] if x == "other" else x for x in args]
        getattr(y, method)(*call)
        return y

    inputs = (make(2, 3), R(2, 3)) if uses_other else (make(2, 3),)
    if method == "floor_divide_":  # torch records NotImplemented for its backward
        check(fn, *inputs, grad=False)
    else:
        check(fn, *inputs)


# Writing a float that requires grad into an integer or bool tensor records nothing.
INTO_NON_FLOATING = {
    "setitem_select": lambda L, a, x: a.__setitem__(0, x[0]),
    "setitem_slice": lambda L, a, x: a.__setitem__(slice(0, 2), x),
    "copy_": lambda L, a, x: a[:2].copy_(x),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("write", list(INTO_NON_FLOATING), ids=str)
def test_write_into_non_floating_takes_no_history(write, dtype):
    results = []
    for L in (torch, cgrad):
        x = L.tensor([1.5, 2.5], requires_grad=True)
        a = L.zeros(3, dtype=getattr(L, dtype))
        INTO_NON_FLOATING[write](L, a, x)
        results.append((a.requires_grad, a.grad_fn is None, a.tolist()))
    assert results[1] == results[0]
