"""float64 finite-difference gradchecks (first and second order) for the nn ops'
backward formulas."""
import numpy as np

import cgrad

F = cgrad.nn.functional
_nn = cgrad._C._nn


def gradcheck(fn, *shapes):
    inputs = [cgrad.tensor(np.random.default_rng(i).uniform(-2, 2, s), dtype=cgrad.float64,
                           requires_grad=True) for i, s in enumerate(shapes)]
    assert cgrad.autograd.gradcheck(fn, inputs)
    assert cgrad.autograd.gradgradcheck(fn, inputs)


def test_bilinear():
    gradcheck(lambda a, b, w, c: F.bilinear(a, b, w, c), (3, 2), (3, 4), (2, 2, 4), (2,))


def test_layer_norm():
    gradcheck(lambda x, w, b: F.layer_norm(x, (2, 3), w, b), (4, 2, 3), (2, 3), (2, 3))


def test_layer_norm_without_affine():
    gradcheck(lambda x: F.layer_norm(x, (5,)), (3, 5))


def test_native_layer_norm():
    gradcheck(lambda x, w: cgrad.native_layer_norm(x, [4], w, None, 1e-5)[0], (3, 4), (4,))


def test_group_norm():
    gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (3, 4, 2), (4,), (4,))
    gradcheck(lambda x: F.group_norm(x, 3, eps=0.1), (2, 6))


def test_rms_norm():
    gradcheck(lambda x, w: F.rms_norm(x, (2, 3), w, 0.1), (4, 2, 3), (2, 3))
    gradcheck(lambda x: F.rms_norm(x, [5]), (3, 5))


def test_pairwise_distance():
    gradcheck(lambda a, b: F.pairwise_distance(a, b, 3.0), (4, 5), (4, 5))
    gradcheck(lambda a, b: cgrad.pairwise_distance(a, b, keepdim=True), (4, 5), (5,))


def test_scalar_overloads_of_the_composite_losses():
    # AddBackward1 / SubBackward1 / MulBackward1: (a + 2 - 0.5) * 3, cubed so the second
    # derivative is not zero.
    gradcheck(lambda a: _nn._mul_scalar(_nn._sub_scalar(_nn._add_scalar(a, 2.0), 0.5), 3.0) ** 3,
              (3, 4))


def test_batch_norm_training():
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (4, 3, 2), (3,), (3,))


def test_batch_norm_eval():
    rm, rv = cgrad.zeros(3, dtype=cgrad.float64), cgrad.full((3,), 2.0, dtype=cgrad.float64)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), (4, 3), (3,), (3,))


# Runs of 8+ elements per channel take the per-channel kernels (Note [Batch norm passes])
# in first-order backward; gradgradcheck runs the recorded formulas.
def test_batch_norm_training_per_channel_kernels():
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (2, 3, 2, 4), (3,), (3,))


def test_batch_norm_eval_per_channel_kernels():
    rm, rv = cgrad.zeros(3, dtype=cgrad.float64), cgrad.full((3,), 2.0, dtype=cgrad.float64)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), (2, 3, 9), (3,), (3,))


def test_embedding():
    w = cgrad.tensor(np.random.default_rng(0).uniform(-1, 1, (5, 3)), requires_grad=True)
    idx = cgrad.tensor([[1, 0, 3], [3, 3, 4]])
    # (padding_idx withholds a gradient on purpose: compared with torch, not gradchecked)
    assert cgrad.autograd.gradcheck(lambda w: F.embedding(idx, w), [w])
    assert cgrad.autograd.gradgradcheck(lambda w: cgrad.embedding(w, idx) ** 2, [w])


def test_constant_pad_nd():
    gradcheck(lambda x: cgrad.constant_pad_nd(x, (1, -1, 2, 0), 1.5), (3, 4))


def test_pad_reflect_replicate_circular():
    gradcheck(lambda x: F.pad(x, (2, 1, 1, 1), mode="reflect") ** 2, (1, 3, 4))
    gradcheck(lambda x: F.pad(x, (2, 1), mode="replicate") ** 2, (2, 3))
    gradcheck(lambda x: F.pad(x, (2, 1), mode="circular") ** 2, (2, 3))
