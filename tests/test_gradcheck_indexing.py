"""Float64 finite-difference checks of the indexing backward formulas, first and second
order. Every op here is linear in its differentiable inputs, so the second derivative
is the Jacobian of the backward pass in the upstream gradient: checking the gradients
that backward(v, create_graph=True) returns, as a function of v, exercises the nodes
the backward formulas record (IndexAddBackward0, ScatterAddBackward0, ...)."""
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import leaf


def idx(*v):
    return cgrad.tensor(v, dtype=cgrad.int64)


def mask(*v):
    return cgrad.tensor(v, dtype=cgrad.bool)


IX, IP, IP_ = cgrad._C._index, cgrad._C._index_put, cgrad._C._index_put_
ROWS = idx([0, 2], [1, 1])  # 2-d index with a duplicate
COLS = idx([3, 0], [1, 1], [2, 2])

# name -> (function, inputs factory)
CASES = {
    "index_select_dup": (lambda x: x.index_select(1, idx(3, 0, 3)), lambda: (leaf(2, 4),)),
    "index_select_0d_self": (lambda x: x.index_select(0, idx(0)), lambda: (leaf(),)),
    "index_add": (lambda x, s: x.index_add(0, idx(2, 0, 2), s, alpha=1.5),
                  lambda: (leaf(3, 2), leaf(3, 2, seed=1))),
    "index_copy": (lambda x, s: x.index_copy(1, idx(3, 0), s),
                   lambda: (leaf(2, 4), leaf(2, 2, seed=1))),
    "index_copy_0d_source": (lambda x, s: x.index_copy(0, idx(1), s), lambda: (leaf(3), leaf(seed=1))),
    "index_fill": (lambda x: x.index_fill(0, idx(2, 0), -1.5), lambda: (leaf(3, 2),)),
    "index_fill_tensor_value": (lambda x, v: x.index_fill(1, idx(1, -1, 1), v),
                                lambda: (leaf(2, 4), leaf(seed=1))),
    "gather": (lambda x: x.gather(1, COLS), lambda: (leaf(3, 4),)),
    "gather_dim0": (lambda x: x.gather(0, idx([2, 0, 0, 1])), lambda: (leaf(3, 4),)),
    "scatter_src": (lambda x, s: x.scatter(1, idx([3, 0], [1, 2]), s),
                    lambda: (leaf(2, 4), leaf(2, 2, seed=1))),
    "scatter_src_larger": (lambda x, s: x.scatter(1, idx([3, 0]), s),
                           lambda: (leaf(2, 4), leaf(2, 3, seed=1))),
    "scatter_value": (lambda x: x.scatter(0, idx([2, 0, 1, 1]), 2.0), lambda: (leaf(3, 4),)),
    "scatter_add_dup": (lambda x, s: x.scatter_add(1, idx([0, 0, 3], [1, 1, 1]), s),
                        lambda: (leaf(2, 4), leaf(2, 3, seed=1))),
    "scatter_add_src_larger": (lambda x, s: x.scatter_add(0, idx(1, 1), s),
                               lambda: (leaf(3), leaf(4, seed=1))),
    "masked_fill": (lambda x: x.masked_fill(mask(True, False, True), -1.0), lambda: (leaf(2, 3),)),
    "masked_fill_mask_larger": (lambda x: x.masked_fill(mask([True], [False]), 0.5),
                                lambda: (leaf(3),)),
    "masked_fill_value": (lambda x, v: x.masked_fill(mask(False, True, True), v),
                          lambda: (leaf(2, 3), leaf(seed=1))),
    "index_dup": (lambda x: IX(x, [idx(1, 1, 0)]), lambda: (leaf(3, 2),)),
    "index_2d_mask": (lambda x: IX(x, [mask([True, False], [True, True])]), lambda: (leaf(2, 2),)),
    "index_separated": (lambda x: IX(x, [ROWS, None, idx(1, 3)]), lambda: (leaf(3, 2, 4),)),
    "index_true": (lambda x: IX(x, [None, cgrad.tensor(True)]), lambda: (leaf(2, 3),)),
    "index_put": (lambda x, v: IP(x, [idx(2, 0)], v), lambda: (leaf(3, 2), leaf(2, 2, seed=1))),
    "index_put_bcast_values": (lambda x, v: IP(x, [None, idx(0, 2)], v),
                               lambda: (leaf(2, 3), leaf(2, seed=1))),
    "index_put_acc_dup": (lambda x, v: IP(x, [idx(1, 1, 0, 1)], v, True),
                          lambda: (leaf(3), leaf(4, seed=1))),
    "index_put_mask": (lambda x, v: IP(x, [mask([True, False, True], [False, True, False])], v),
                       lambda: (leaf(2, 3), leaf(seed=1))),
    "masked_fill_": (lambda x, v: (x * 1).masked_fill_(mask(True, False), v),
                     lambda: (leaf(3, 2), leaf(seed=1))),
    "index_put_": (lambda x, v: IP_(x * 1, [idx(1)], v, True),
                   lambda: (leaf(2, 3), leaf(3, seed=1))),
    "scatter_": (lambda x, s: (x * 1).scatter_(0, idx(2, 0), s),
                 lambda: (leaf(3), leaf(2, seed=1))),
    "scatter_add_": (lambda x, s: (x * 1).scatter_add_(0, idx(0, 0), s),
                     lambda: (leaf(3), leaf(2, seed=1))),
    "index_add_": (lambda x, s: (x * 1).index_add_(1, idx(1), s),
                   lambda: (leaf(2, 3), leaf(2, 1, seed=1))),
    "index_copy_": (lambda x, s: (x * 1).index_copy_(1, idx(2), s),
                    lambda: (leaf(2, 3), leaf(2, 1, seed=1))),
    "index_fill_": (lambda x, v: (x * 1).index_fill_(0, idx(0, 0), v),
                    lambda: (leaf(2, 3), leaf(seed=1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


def backward_as_function_of_upstream(fn, inputs):
    def grads(v):
        # gradcheck takes finite differences under no_grad, and expects plain results
        # there; the forward must still be recorded to have a backward to run.
        recording = cgrad.is_grad_enabled()
        with cgrad.enable_grad():
            leaves = [t.detach().requires_grad_() for t in inputs]
            fn(*leaves).backward(v, create_graph=recording)
        return tuple(t.grad for t in leaves)
    return grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_double_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    inputs = make()
    upstream = leaf(*fn(*inputs).shape, seed=7)
    assert gradcheck(backward_as_function_of_upstream(fn, inputs), (upstream,))
