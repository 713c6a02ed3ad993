"""Losses of nn.functional against PyTorch, one line per case: values, dtypes, the
output's grad_fn name and the gradients of input (and target where torch has one)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, R, case, check  # noqa: E402

# Both libraries warn on broadcast regression targets and on the legacy reduction args.
pytestmark = [pytest.mark.filterwarnings("ignore:Using a target size:UserWarning"),
              pytest.mark.filterwarnings("ignore:size_average and reduce args:UserWarning")]

F64 = np.float64
IGNORE = -100


def W(*values):
    """A class-weight tensor that does not require grad (torch has no weight gradient)."""
    return lambda L: L.tensor(np.array(values, np.float32))


def W64(*values):
    return lambda L: L.tensor(np.array(values, np.float64))


def probs(*shape, dtype=np.float32):
    """Values inside (0, 1): binary_cross_entropy inputs and soft targets."""
    return R(*shape, dtype=dtype, low=0.05, high=0.95)


def soft(*shape, axis=1):
    """Class probabilities along `axis` (cross_entropy soft targets)."""
    p = probs(*shape)
    return (p / p.sum(axis=axis, keepdims=True)).astype(np.float32)


T3 = np.array([0, 3, 1], np.int64)
T3_IGNORED = np.array([0, IGNORE, 1], np.int64)
T_ALL_IGNORED = np.array([IGNORE, IGNORE, IGNORE], np.int64)
T_IGNORE_CLASS_1 = np.array([1, 1, 1], np.int64)  # every target ignored with ignore_index=1
T_SPATIAL = np.array([[0, 3, 1, 2, 2], [1, 1, 0, 3, 0]], np.int64)          # (2, 5)
T_IMAGE = np.array([[[0, 3], [1, 2], [2, 2]], [[1, 1], [0, 3], [3, 0]]], np.int64)  # (2, 3, 2)

CASES = [
    # ---- mse_loss ----
    case("mse", lambda L, x, t: F(L).mse_loss(x, t), R(3, 4), R(3, 4)),
    case("mse_sum", lambda L, x, t: F(L).mse_loss(x, t, reduction="sum"), R(3, 4), R(3, 4)),
    case("mse_none", lambda L, x, t: F(L).mse_loss(x, t, reduction="none"), R(3, 4), R(3, 4)),
    case("mse_0d", lambda L, x, t: F(L).mse_loss(x, t), R(), R()),
    case("mse_f64", lambda L, x, t: F(L).mse_loss(x, t), R(5, dtype=F64), R(5, dtype=F64)),
    case("mse_mixed_dtypes", lambda L, x, t: F(L).mse_loss(x, t), R(3, 4), R(3, 4, dtype=F64)),
    case("mse_int_target", lambda L, x: F(L).mse_loss(x, L.ones(3, 4, dtype=L.int64)), R(3, 4)),
    case("mse_strided", lambda L, x, t: F(L).mse_loss(x.t(), t), R(4, 3), R(3, 4)),
    case("mse_empty", lambda L, x, t: F(L).mse_loss(x, t), R(0), R(0)),
    case("mse_legacy_reduce", lambda L, x, t: F(L).mse_loss(x, t, reduce=False), R(3), R(3)),
    case("mse_legacy_size_average", lambda L, x, t: F(L).mse_loss(x, t, size_average=False), R(3),
         R(3)),
    # ---- l1_loss ----
    case("l1", lambda L, x, t: F(L).l1_loss(x, t), R(3, 4), R(3, 4)),
    case("l1_sum", lambda L, x, t: F(L).l1_loss(x, t, reduction="sum"), R(3, 4), R(3, 4)),
    case("l1_none", lambda L, x, t: F(L).l1_loss(x, t, reduction="none"), R(3, 4), R(3, 4)),
    case("l1_mixed_dtypes", lambda L, x, t: F(L).l1_loss(x, t), R(3, 4), R(3, 4, dtype=F64)),
    case("l1_strided", lambda L, x, t: F(L).l1_loss(x, t.t()), R(3, 4), R(4, 3)),
    # ---- nll_loss ----
    case("nll", lambda L, x, t: F(L).nll_loss(x, t), R(3, 4), T3),
    case("nll_sum", lambda L, x, t: F(L).nll_loss(x, t, reduction="sum"), R(3, 4), T3),
    case("nll_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(3, 4), T3),
    case("nll_weight", lambda L, x, t: F(L).nll_loss(x, t, weight=W(0.5, 2, 1, 3)(L)), R(3, 4), T3),
    case("nll_weight_none", lambda L, x, t: F(L).nll_loss(x, t, W(0.5, 2, 1, 3)(L), reduction="none"),
         R(3, 4), T3),
    case("nll_ignore_default", lambda L, x, t: F(L).nll_loss(x, t), R(3, 4), T3_IGNORED),
    case("nll_ignore_weight", lambda L, x, t: F(L).nll_loss(x, t, W(0.5, 2, 1, 3)(L)), R(3, 4),
         T3_IGNORED),
    case("nll_ignore_custom", lambda L, x, t: F(L).nll_loss(x, t, ignore_index=3), R(3, 4), T3),
    case("nll_ignore_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(3, 4),
         T3_IGNORED),
    case("nll_all_ignored", lambda L, x, t: F(L).nll_loss(x, t), R(3, 4), T_ALL_IGNORED),
    case("nll_all_ignored_sum", lambda L, x, t: F(L).nll_loss(x, t, reduction="sum"), R(3, 4),
         T_ALL_IGNORED),
    # All ignored, ignore_index a real class: the mean is NaN, the gradient still 0.
    case("nll_all_ignored_class", lambda L, x, t: F(L).nll_loss(x, t, ignore_index=1), R(3, 4),
         T_IGNORE_CLASS_1),
    case("nll_all_ignored_class_weight", lambda L, x, t: F(L).nll_loss(
        x, t, W(0.5, 2, 1, 3)(L), ignore_index=1), R(3, 4), T_IGNORE_CLASS_1),
    case("nll_all_ignored_class_sum", lambda L, x, t: F(L).nll_loss(
        x, t, ignore_index=1, reduction="sum"), R(3, 4), T_IGNORE_CLASS_1),
    case("nll_all_ignored_class_none", lambda L, x, t: F(L).nll_loss(
        x, t, ignore_index=1, reduction="none"), R(3, 4), T_IGNORE_CLASS_1),
    case("ce_all_ignored_class", lambda L, x, t: F(L).cross_entropy(x, t, ignore_index=1),
         R(3, 4), T_IGNORE_CLASS_1),
    case("ce_all_ignored_class_weight", lambda L, x, t: F(L).cross_entropy(
        x, t, W(0.5, 2, 1, 3)(L), ignore_index=1), R(3, 4), T_IGNORE_CLASS_1),
    case("ce_all_ignored_class_smooth", lambda L, x, t: F(L).cross_entropy(
        x, t, ignore_index=1, label_smoothing=0.1), R(3, 4), T_IGNORE_CLASS_1),
    case("ce_all_ignored_default", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4), T_ALL_IGNORED),
    # Empty inputs: no crash; 'mean' over no elements is NaN.
    case("ce_probs_no_classes", lambda L, x, t: F(L).cross_entropy(x, t), R(2, 0), R(2, 0)),
    case("ce_probs_no_classes_sum", lambda L, x, t: F(L).cross_entropy(x, t, reduction="sum"),
         R(2, 0), R(2, 0)),
    case("ce_probs_no_classes_none", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"),
         R(2, 0), R(2, 0)),
    case("ce_probs_empty_1d", lambda L, x, t: F(L).cross_entropy(x, t), R(0), R(0)),
    case("ce_probs_empty_batch", lambda L, x, t: F(L).cross_entropy(x, t), R(0, 3), R(0, 3)),
    case("ce_empty_batch", lambda L, x, t: F(L).cross_entropy(x, t), R(0, 3),
         np.zeros(0, np.int64)),
    case("ce_empty_batch_smooth", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.2),
         R(0, 3), np.zeros(0, np.int64)),
    case("nll_empty_batch", lambda L, x, t: F(L).nll_loss(x, t), R(0, 3), np.zeros(0, np.int64)),
    case("nll_empty_spatial", lambda L, x, t: F(L).nll_loss(x, t), R(2, 3, 0),
         np.zeros((2, 0), np.int64)),
    case("mse_empty", lambda L, x, t: F(L).mse_loss(x, t), R(0), R(0)),
    case("bce_empty", lambda L, x, t: F(L).binary_cross_entropy(x, t), R(0), R(0)),
    case("bcel_empty", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t), R(0), R(0)),
    case("nll_1d", lambda L, x, t: F(L).nll_loss(x, t), R(4), np.array(2)),
    # torch's own backward fails for a 1-D input with a 1-element target: forward only.
    case("nll_1d_target_1d", lambda L, x, t: F(L).nll_loss(x, t), R(4), np.array([1]), grad=False),
    case("nll_f64", lambda L, x, t: F(L).nll_loss(x, t), R(3, 4, dtype=F64), T3),
    case("nll_f64_weight", lambda L, x, t: F(L).nll_loss(x, t, W64(1, 2, 3, 4)(L)), R(3, 4, dtype=F64),
         T3),
    case("nll_strided", lambda L, x, t: F(L).nll_loss(x.t(), t), R(4, 3), T3),
    case("nll_3d", lambda L, x, t: F(L).nll_loss(x, t), R(2, 4, 5), T_SPATIAL),
    case("nll_3d_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(2, 4, 5), T_SPATIAL),
    case("nll_3d_sum_weight", lambda L, x, t: F(L).nll_loss(x, t, W(1, 2, 3, 4)(L), reduction="sum"),
         R(2, 4, 5), T_SPATIAL),
    case("nll_4d", lambda L, x, t: F(L).nll_loss(x, t), R(2, 4, 3, 2), T_IMAGE),
    case("nll_4d_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(2, 4, 3, 2), T_IMAGE),
    case("nll_5d", lambda L, x, t: F(L).nll_loss(x, t), R(2, 4, 3, 2, 1), T_IMAGE[..., None]),
    case("nll_5d_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(2, 4, 3, 2, 1),
         T_IMAGE[..., None]),
    # ---- cross_entropy, class indices ----
    case("ce", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4), T3),
    case("ce_sum", lambda L, x, t: F(L).cross_entropy(x, t, reduction="sum"), R(3, 4), T3),
    case("ce_none", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"), R(3, 4), T3),
    case("ce_weight", lambda L, x, t: F(L).cross_entropy(x, t, W(0.5, 2, 1, 3)(L)), R(3, 4), T3),
    case("ce_ignore", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4), T3_IGNORED),
    case("ce_1d", lambda L, x, t: F(L).cross_entropy(x, t), R(4), np.array(1)),
    case("ce_3d", lambda L, x, t: F(L).cross_entropy(x, t), R(2, 4, 5), T_SPATIAL),
    case("ce_4d_none", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"), R(2, 4, 3, 2),
         T_IMAGE),
    case("ce_f64", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4, dtype=F64), T3),
    case("ce_strided", lambda L, x, t: F(L).cross_entropy(x.t(), t), R(4, 3), T3),
    case("ce_large_logits", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4, low=-500, high=500), T3),
    case("ce_mlp_batch", lambda L, x, t: F(L).cross_entropy(x, t), R(16, 10),
         np.arange(16, dtype=np.int64) % 10),
    # ---- cross_entropy, label smoothing ----
    case("ce_smooth", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.1), R(3, 4), T3),
    case("ce_smooth_sum", lambda L, x, t: F(L).cross_entropy(x, t, reduction="sum", label_smoothing=0.2),
         R(3, 4), T3),
    case("ce_smooth_none", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none",
                                                              label_smoothing=0.1), R(3, 4), T3),
    case("ce_smooth_weight", lambda L, x, t: F(L).cross_entropy(x, t, W(0.5, 2, 1, 3)(L),
                                                                label_smoothing=0.1), R(3, 4), T3),
    case("ce_smooth_ignore", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.1), R(3, 4),
         T3_IGNORED),
    case("ce_smooth_weight_ignore", lambda L, x, t: F(L).cross_entropy(
        x, t, W(0.5, 2, 1, 3)(L), label_smoothing=0.1), R(3, 4), T3_IGNORED),
    case("ce_smooth_weight_none", lambda L, x, t: F(L).cross_entropy(
        x, t, W(0.5, 2, 1, 3)(L), reduction="none", label_smoothing=0.3), R(3, 4), T3_IGNORED),
    case("ce_smooth_3d", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.1), R(2, 4, 5),
         T_SPATIAL),
    case("ce_smooth_3d_weight", lambda L, x, t: F(L).cross_entropy(
        x, t, W(1, 2, 3, 4)(L), label_smoothing=0.1), R(2, 4, 5), T_SPATIAL),
    case("ce_smooth_1d", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.5), R(4),
         np.array(2)),
    case("ce_smooth_full", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=1.0), R(3, 4), T3),
    # ---- cross_entropy, class probabilities ----
    case("ce_probs", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4), soft(3, 4)),
    case("ce_probs_sum", lambda L, x, t: F(L).cross_entropy(x, t, reduction="sum"), R(3, 4), soft(3, 4)),
    case("ce_probs_none", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"), R(3, 4),
         soft(3, 4)),
    case("ce_probs_weight", lambda L, x, t: F(L).cross_entropy(x, t, W(0.5, 2, 1, 3)(L)), R(3, 4),
         soft(3, 4)),
    case("ce_probs_smooth", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.2), R(3, 4),
         soft(3, 4)),
    case("ce_probs_1d", lambda L, x, t: F(L).cross_entropy(x, t), R(4), soft(4, axis=0)),
    case("ce_probs_3d", lambda L, x, t: F(L).cross_entropy(x, t), R(2, 4, 3), soft(2, 4, 3)),
    # Mixed dtypes promote; a float64 input keeps log_softmax exact (a float32 one would
    # compare float32 roundings at float64 tolerance).
    case("ce_probs_mixed_dtypes", lambda L, x, t: F(L).cross_entropy(x, t), R(3, 4, dtype=F64),
         soft(3, 4)),
    # ---- binary_cross_entropy ----
    case("bce", lambda L, x, t: F(L).binary_cross_entropy(x, t), probs(3, 4), probs(3, 4)),
    case("bce_sum", lambda L, x, t: F(L).binary_cross_entropy(x, t, reduction="sum"), probs(3, 4),
         probs(3, 4)),
    case("bce_none", lambda L, x, t: F(L).binary_cross_entropy(x, t, reduction="none"), probs(3, 4),
         probs(3, 4)),
    case("bce_weight", lambda L, x, t: F(L).binary_cross_entropy(x, t, weight=W(1, 2, 0.5, 3)(L)),
         probs(3, 4), probs(3, 4)),
    case("bce_weight_column", lambda L, x, t: F(L).binary_cross_entropy(
        x, t, L.tensor(np.array([[1.0], [2.0], [0.5]], np.float32)), reduction="none"),
        probs(3, 4), probs(3, 4)),
    case("bce_hard_targets", lambda L, x, t: F(L).binary_cross_entropy(x, t), probs(6),
         np.array([0, 1, 1, 0, 1, 0], np.float32)),
    case("bce_saturated", lambda L, x, t: F(L).binary_cross_entropy(x, t, reduction="none"),
         np.array([0.0, 1.0, 0.0, 1.0], np.float32), np.array([1.0, 0.0, 0.0, 1.0], np.float32),
         grad=False),
    case("bce_f64", lambda L, x, t: F(L).binary_cross_entropy(x, t), probs(5, dtype=F64),
         probs(5, dtype=F64)),
    case("bce_0d", lambda L, x, t: F(L).binary_cross_entropy(x, t), probs(), probs()),
    case("bce_strided", lambda L, x, t: F(L).binary_cross_entropy(x.t(), t), probs(4, 3), probs(3, 4)),
    # ---- binary_cross_entropy_with_logits ----
    case("bcel", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t), R(3, 4), probs(3, 4)),
    case("bcel_sum", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t, reduction="sum"),
         R(3, 4), probs(3, 4)),
    case("bcel_none", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t, reduction="none"),
         R(3, 4), probs(3, 4)),
    case("bcel_weight", lambda L, x, t: F(L).binary_cross_entropy_with_logits(
        x, t, weight=W(1, 2, 0.5, 3)(L)), R(3, 4), probs(3, 4)),
    case("bcel_pos_weight", lambda L, x, t: F(L).binary_cross_entropy_with_logits(
        x, t, pos_weight=W(1, 2, 0.5, 3)(L)), R(3, 4), probs(3, 4)),
    case("bcel_both_weights_none", lambda L, x, t: F(L).binary_cross_entropy_with_logits(
        x, t, W(2, 1, 1, 0.5)(L), reduction="none", pos_weight=W(1, 2, 0.5, 3)(L)), R(3, 4), probs(3, 4)),
    case("bcel_large_logits", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t),
         R(3, 4, low=-200, high=200), probs(3, 4)),
    case("bcel_mixed_dtypes", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t),
         R(3, 4, dtype=F64), probs(3, 4)),
    case("bcel_f64", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t), R(5, dtype=F64),
         probs(5, dtype=F64)),
    case("bcel_strided", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t.t()), R(3, 4),
         probs(4, 3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_op(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_broadcast_target_warns_and_expands():
    x, t = np.ones((3, 4), np.float32), np.arange(4, dtype=np.float32)
    for name in ("mse_loss", "l1_loss"):
        check(lambda L, a, b: getattr(F(L), name)(a, b), x, t)
        with pytest.warns(UserWarning, match="Using a target size"):
            getattr(F(cgrad), name)(cgrad.tensor(x), cgrad.tensor(t))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F(cgrad).mse_loss(cgrad.tensor(x), cgrad.tensor(x))


def test_cross_entropy_graph_ends_in_log_softmax():
    x = cgrad.randn(3, 4, requires_grad=True)
    loss = F(cgrad).cross_entropy(x, cgrad.tensor([0, 3, 1]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_weights_requiring_grad_are_refused_as_in_torch():
    for L in (torch, cgrad):
        w = L.ones(4, requires_grad=True)
        x, t = L.full((3, 4), 0.5, requires_grad=True), L.full((3, 4), 0.5)
        with pytest.raises(RuntimeError, match="'nll_loss_forward' is not differentiable with "
                                               "respect to argument 'weight'"):
            F(L).nll_loss(x, L.tensor([0, 1, 2]), w)
        with pytest.raises(RuntimeError, match="'binary_cross_entropy' is not differentiable"):
            F(L).binary_cross_entropy(x, t, w)
        with pytest.raises(RuntimeError, match="argument 'pos_weight'"):
            F(L).binary_cross_entropy_with_logits(x, t, pos_weight=w)
        with L.no_grad():
            F(L).nll_loss(x, L.tensor([0, 1, 2]), w)


# Note [Ignored targets]: an ignored target's loss and gradient are +0.0 in torch; the
# value checks above compare -0.0 equal to 0.0, so the signs are compared here.
SIGNED_ZERO_CASES = [
    case("nll_none", lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), R(3, 4), T3_IGNORED),
    case("nll_sum", lambda L, x, t: F(L).nll_loss(x, t, reduction="sum"), R(3, 4), T3_IGNORED),
    case("nll_class_none", lambda L, x, t: F(L).nll_loss(x, t, ignore_index=1, reduction="none"),
         R(3, 4), T_IGNORE_CLASS_1),
    case("ce_class_none", lambda L, x, t: F(L).cross_entropy(x, t, ignore_index=1, reduction="none"),
         R(3, 4), T_IGNORE_CLASS_1),
    case("ce_smooth_none", lambda L, x, t: F(L).cross_entropy(
        x, t, reduction="none", label_smoothing=0.1), R(3, 4), T3_IGNORED),
    case("nll_weight_none", lambda L, x, t: F(L).nll_loss(x, t, W(0.5, 2, 1, 3)(L), reduction="none"),
         R(3, 4), T3_IGNORED),
]


@pytest.mark.parametrize("fn,inputs,grad", SIGNED_ZERO_CASES)
def test_ignored_targets_give_positive_zeros(fn, inputs, grad):
    x, t = inputs
    signs = {}
    for L in (torch, cgrad):
        xl = L.tensor(x, requires_grad=True)
        out = fn(L, xl, L.tensor(t))
        out.sum().backward()
        signs[L] = (np.signbit(out.detach().numpy()).tolist(), np.signbit(xl.grad.numpy()).tolist())
    assert signs[cgrad] == signs[torch]


ERRORS = [
    error_case("bad_reduction", lambda L: F(L).mse_loss(L.ones(3), L.ones(3), reduction="avg")),
    error_case("nll_bad_reduction", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 1, 2]),
                                                            reduction="x")),
    error_case("mse_shapes", lambda L: F(L).mse_loss(L.ones(3, 4), L.ones(3, 5))),
    error_case("mse_int", lambda L: F(L).mse_loss(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64))),
    error_case("nll_target_out_of_range", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 4, 1]))),
    error_case("nll_negative_target", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, -1, 1]))),
    error_case("nll_int32_target", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 1, 2], dtype=L.int32))),
    error_case("nll_float_target", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0.0, 1.0, 2.0]))),
    error_case("nll_batch", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 1]))),
    error_case("nll_weight_size", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 1, 2]), L.ones(3))),
    error_case("nll_weight_dtype", lambda L: F(L).nll_loss(L.ones(3, 4), L.tensor([0, 1, 2]),
                                                           L.ones(4, dtype=L.float64))),
    error_case("nll_0d", lambda L: F(L).nll_loss(L.ones(()), L.tensor(0))),
    error_case("nll_int_input", lambda L: F(L).nll_loss(L.ones(3, 4, dtype=L.int64), L.tensor([0, 1, 2]))),
    error_case("nll_3d_target", lambda L: F(L).nll_loss(L.ones(3, 4, 5), L.zeros(3, 6, dtype=L.int64))),
    error_case("nll_4d_target", lambda L: F(L).nll_loss(L.ones(2, 4, 3, 2), L.zeros(2, 3, 3, dtype=L.int64))),
    error_case("ce_int32_target", lambda L: F(L).cross_entropy(L.ones(3, 4), L.tensor([0, 1, 2], dtype=L.int32))),
    error_case("ce_probs_shape", lambda L: F(L).cross_entropy(L.ones(3, 4), L.ones(3, 5))),
    error_case("ce_smoothing_range", lambda L: F(L).cross_entropy(L.ones(3, 4), L.tensor([0, 1, 2]),
                                                                  label_smoothing=1.5)),
    error_case("bce_range", lambda L: F(L).binary_cross_entropy(L.tensor([1.5]), L.tensor([1.0]))),
    error_case("bce_nan", lambda L: F(L).binary_cross_entropy(L.tensor([float("nan")]), L.tensor([1.0]))),
    error_case("bce_target_above_1", lambda L: F(L).binary_cross_entropy(L.tensor([0.5]), L.tensor([2.0]))),
    error_case("bce_target_negative", lambda L: F(L).binary_cross_entropy(L.tensor([0.5]), L.tensor([-0.5]))),
    error_case("bce_target_nan", lambda L: F(L).binary_cross_entropy(L.tensor([0.5]),
                                                                     L.tensor([float("nan")]))),
    error_case("bce_input_checked_first", lambda L: F(L).binary_cross_entropy(L.tensor([2.0]),
                                                                              L.tensor([2.0]))),
    error_case("ce_no_classes_index_target", lambda L: F(L).cross_entropy(
        L.zeros(2, 0), L.zeros(2, dtype=L.int64))),
    error_case("bce_size", lambda L: F(L).binary_cross_entropy(L.ones(3, 4) / 2, L.ones(4) / 2),
               r"Using a target size \(\w+\.Size\(\[4\]\)\) that is different to the input size "
               r"\(\w+\.Size\(\[3, 4\]\)\) is deprecated"),
    error_case("bce_dtype", lambda L: F(L).binary_cross_entropy(L.ones(3) / 2, L.ones(3, dtype=L.float64) / 2)),
    error_case("bce_int_target", lambda L: F(L).binary_cross_entropy(L.ones(3) / 2, L.ones(3, dtype=L.int64))),
    error_case("bcel_size", lambda L: F(L).binary_cross_entropy_with_logits(L.ones(3, 4), L.ones(4)),
               r"Target size \(\w+\.Size\(\[4\]\)\) must be the same as input size "
               r"\(\w+\.Size\(\[3, 4\]\)\)"),
    error_case("bcel_int_target", lambda L: F(L).binary_cross_entropy_with_logits(
        L.ones(3, 4), L.ones(3, 4, dtype=L.int64))),
    error_case("bcel_pos_weight_shape", lambda L: F(L).binary_cross_entropy_with_logits(
        L.ones(3, 4), L.ones(3, 4), pos_weight=L.ones(3))),
    error_case("bcel_bad_reduction", lambda L: F(L).binary_cross_entropy_with_logits(
        L.ones(3), L.ones(3), reduction="x")),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
