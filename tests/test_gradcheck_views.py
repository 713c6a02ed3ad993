"""Float64 finite-difference checks (first and second order) of the views, joins and
in-place forms, and of the aliases of pointwise ops."""
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck
from grad_inputs import inplace, leaf


# Inside tan's poles (+-pi/2), for the in-place forms and the cases that give no bounds.
SPAN = {"low": -1.5, "high": 1.5}


def on_view(fn):
    """Writes through a view of a non-leaf: exercises CopySlices."""
    def wrapped(x):
        y = x * 1
        fn(y)
        return y
    return wrapped


CASES = {
    "view": (lambda a: a.view(3, 2), (2, 3)),
    "reshape": (lambda a: a.t().reshape(-1), (2, 3)),
    "flatten": (lambda a: a.flatten(), (2, 3)),
    "unflatten": (lambda a: a.unflatten(1, (2, 2)), (3, 4)),
    "permute": (lambda a: a.permute(2, 0, 1), (2, 3, 2)),
    "transpose": (lambda a: a.transpose(0, 1), (2, 3)),
    "swapaxes": (lambda a: a.swapaxes(0, 1), (2, 3)),
    "swapdims": (lambda a: cgrad.swapdims(a, 0, 1), (2, 3)),
    "t": (lambda a: a.t(), (2, 3)),
    "T": (lambda a: a.T, (2, 3)),
    "mT": (lambda a: a.mT, (2, 2, 3)),
    "movedim": (lambda a: a.movedim(0, 1), (2, 3)),
    "moveaxis": (lambda a: a.moveaxis(0, 1), (2, 3)),
    "squeeze": (lambda a: a.squeeze(), (2, 1, 3)),
    "unsqueeze": (lambda a: a.unsqueeze(1), (2, 3)),
    "expand": (lambda a: a.expand(2, 3), (1, 3)),
    "expand_as": (lambda a: a.expand_as(cgrad.zeros(2, 3)), (3,)),
    "broadcast_to": (lambda a: a.broadcast_to((2, 3)), (3,)),
    "select": (lambda a: a.select(1, 2), (2, 3)),
    "narrow": (lambda a: a.narrow(1, 1, 2), (2, 3)),
    "getitem": (lambda a: a[1:, ::2][0], (3, 4)),
    "getitem_advanced": (lambda a: a[[0, 2, 0], 1:], (3, 3)),
    "split": (lambda a: a.split(2, dim=1)[1], (2, 5)),
    "chunk": (lambda a: a.chunk(2)[0] * a.chunk(2)[1], (4, 2)),
    "unbind": (lambda a: a.unbind(1)[1], (2, 3)),
    "cat": (lambda a: cgrad.cat([a, a * 2], 1), (2, 3)),
    "concat": (lambda a: cgrad.concat([a, a.sin()]), (2, 3)),
    "stack": (lambda a: cgrad.stack([a, a.exp()], 1), (2, 3)),
    "ravel": (lambda a: a.t().ravel(), (2, 3)),
    "atleast_1d": (lambda a: cgrad.atleast_1d(a.sum()), (2, 3)),
    "atleast_2d": (lambda a: cgrad.atleast_2d(a), (3,)),
    "atleast_3d": (lambda a: cgrad.atleast_3d(a), (2, 3)),
    "hstack": (lambda a: cgrad.hstack([a, a.exp()]), (2, 3)),
    "vstack": (lambda a: cgrad.vstack([a[0], a.exp()]), (2, 3)),
    "row_stack": (lambda a: cgrad.row_stack([a, a.exp()]), (3,)),
    "dstack": (lambda a: cgrad.dstack([a, a.exp()]), (2, 3)),
    "column_stack": (lambda a: cgrad.column_stack([a[:, 0], a.exp()]), (2, 3)),
    "block_diag": (lambda a: cgrad.block_diag(a, a[0].exp(), a[0, 0]), (2, 3)),
    "rot90": (lambda a: cgrad.rot90(a, 1, [1, 0]), (2, 3)),
    "rot90_half": (lambda a: a.rot90(2), (2, 3, 2)),
    "hsplit": (lambda a: cgrad.hsplit(a, [1])[1] * 2, (2, 3)),
    "vsplit": (lambda a: a.vsplit(2)[0], (2, 3)),
    "dsplit": (lambda a: cgrad.dsplit(a, 2)[1], (2, 3, 2)),
    "clone": (lambda a: a.clone(), (2, 3)),
    "contiguous": (lambda a: a.t().contiguous(), (2, 3)),
    "setitem": (on_view(lambda y: y.__setitem__((0, slice(1, None)), y[1, 1:] * 3)), (2, 3)),
    "setitem_mask": (on_view(lambda y: y.__setitem__(y > 0, 0.5)), (2, 3)),
    "view_inplace": (on_view(lambda y: y[1].mul_(y[0].exp())), (2, 3)),
    # pointwise aliases
    "arccos": (cgrad.arccos, (3,), dict(low=-0.9, high=0.9)),
    "arcsin": (cgrad.arcsin, (3,), dict(low=-0.9, high=0.9)),
    "arctan": (cgrad.arctan, (3,)),
    "arctan2": (lambda a: cgrad.arctan2(a, a.exp()), (3,)),
    "clip": (lambda a: a.clip(-0.5, 0.5), (5,)),
    "fix": (lambda a: a.fix() * a, (3,)),
    "negative": (cgrad.negative, (3,)),
    "pow": (lambda a: a.pow(3) + cgrad.pow(2.0, a), (3,)),
    "ger": (lambda a: a.ger(a.cos()), (3,)),
}

INPLACE = {
    "add_": inplace("add_", 2.0), "sub_": inplace("sub_", 0.5), "mul_": inplace("mul_", 3.0),
    "div_": inplace("div_", 2.0), "pow_": inplace("pow_", 2), "exp_": inplace("exp_"),
    "sin_": inplace("sin_"), "cos_": inplace("cos_"), "tan_": inplace("tan_"),
    "tanh_": inplace("tanh_"), "sinh_": inplace("sinh_"), "cosh_": inplace("cosh_"),
    "atan_": inplace("atan_"), "sigmoid_": inplace("sigmoid_"), "relu_": inplace("relu_"),
    "neg_": inplace("neg_"), "abs_": inplace("abs_"), "sign_": inplace("sign_"),
    "expm1_": inplace("expm1_"), "clamp_": inplace("clamp_", -0.5, 0.5),
    "clip_": inplace("clip_", -0.5, 0.5), "clamp_min_": inplace("clamp_min_", 0.1),
    "clamp_max_": inplace("clamp_max_", 0.1), "floor_": inplace("floor_"),
    "ceil_": inplace("ceil_"), "round_": inplace("round_"), "trunc_": inplace("trunc_"),
    "frac_": inplace("frac_"), "fmod_": inplace("fmod_", 0.7),
    "remainder_": inplace("remainder_", 0.7),
    "lerp_": inplace("lerp_", cgrad.full((3,), 0.25, dtype=cgrad.float64), 0.3),
    "zero_": inplace("zero_"), "fill_": inplace("fill_", 2.0),
    "copy_": inplace("copy_", cgrad.ones(3, dtype=cgrad.float64)),
    "atan2_": inplace("atan2_", cgrad.full((3,), 2.0, dtype=cgrad.float64)),
    "erf_": inplace("erf_"), "negative_": inplace("negative_"), "arctan_": inplace("arctan_"),
    "fix_": inplace("fix_"),
    "addcmul_": inplace("addcmul_", cgrad.full((3,), 0.5, dtype=cgrad.float64),
                        cgrad.full((3,), -2.0, dtype=cgrad.float64), value=0.3),
    "addcdiv_": inplace("addcdiv_", cgrad.full((3,), 0.5, dtype=cgrad.float64),
                        cgrad.full((3,), 4.0, dtype=cgrad.float64), value=-2),
}
POSITIVE = {  # in-place ops that need positive inputs
    "log_": inplace("log_"), "log2_": inplace("log2_"), "log10_": inplace("log10_"),
    "log1p_": inplace("log1p_"), "sqrt_": inplace("sqrt_"), "rsqrt_": inplace("rsqrt_"),
    "reciprocal_": inplace("reciprocal_"),
    "asin_": inplace("asin_"), "acos_": inplace("acos_"),
    "arcsin_": inplace("arcsin_"), "arccos_": inplace("arccos_"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_views_joins_and_aliases(name):
    fn, shape, *bounds = CASES[name]
    x = leaf(*shape, **(bounds[0] if bounds else SPAN))
    assert gradcheck(fn, (x,))
    if name not in {"fix", "clip", "setitem_mask"}:  # piecewise-constant derivatives
        assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms(name):
    assert gradcheck(INPLACE[name], (leaf(3, **SPAN),))


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_inplace_forms_on_positive_inputs(name):
    assert gradcheck(POSITIVE[name], (leaf(3, low=0.2, high=0.9),))
