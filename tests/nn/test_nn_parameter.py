"""nn.Parameter against torch: type, repr, sharing, autograd, copy and pickle."""
import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import raised  # noqa: E402


def both(fn):
    return fn(cgrad), fn(torch)


def test_parameter_is_a_tensor_subclass_requiring_grad():
    for L in (cgrad, torch):
        p = L.nn.Parameter(L.tensor([1.0, 2.0]))
        assert isinstance(p, L.Tensor) and isinstance(p, L.nn.Parameter)
        assert type(p).__name__ == "Parameter"
        assert p.requires_grad and p.is_leaf and p.grad_fn is None


@pytest.mark.parametrize("make", [
    lambda L: L.nn.Parameter(L.tensor([1.0, 2.5])),
    lambda L: L.nn.Parameter(L.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=L.float64)),
    lambda L: L.nn.Parameter(L.tensor([1.0, 2.0]), requires_grad=False),
    lambda L: L.nn.Parameter(L.tensor(3.0)),
    lambda L: L.nn.Parameter(),
    lambda L: L.nn.Parameter(L.tensor([1, 2]), requires_grad=False),
])
def test_repr_and_str(make):
    c, t = both(make)
    assert repr(c).replace("cgrad.", "torch.") == repr(t)
    assert str(c).replace("cgrad.", "torch.") == str(t)


def test_parameter_shares_memory_and_detaches_from_graph():
    base = cgrad.tensor([1.0, 2.0], requires_grad=True)
    y = base * 2
    p = cgrad.nn.Parameter(y)
    assert p.is_leaf and p.grad_fn is None
    with cgrad.no_grad():
        p.add_(1)
    assert y.tolist() == [3.0, 5.0]  # same memory, as torch


def test_integer_parameter_requiring_grad_errors_as_torch():
    c, t = both(lambda L: raised(lambda: L.nn.Parameter(L.tensor([1, 2]))))
    assert c == t


def test_ops_on_parameters_give_plain_tensors_and_accumulate_grads():
    for L in (cgrad, torch):
        p = L.nn.Parameter(L.tensor([1.0, -2.0, 3.0]))
        y = (p * p).sum() + p.sum()
        assert type(y) is L.Tensor
        y.backward()
        y2 = (p * 3).sum()
        y2.backward()
        assert p.grad.tolist() == [6.0, 0.0, 10.0]
        assert type(p.grad) is L.Tensor
        assert type(p.data) is L.Tensor
        assert p.requires_grad_(False) is p


def test_operators_stay_bound_slots():
    # `p + p` runs no Python frame of ours: the operator is Tensor's C++ slot.
    assert cgrad.nn.Parameter.__add__ is cgrad.Tensor.__add__


def test_deepcopy_copies_data_and_keeps_type():
    for L in (cgrad, torch):
        p = L.nn.Parameter(L.tensor([1.0, 2.0]))
        q = copy.deepcopy(p)
        assert type(q) is L.nn.Parameter and q.requires_grad
        with L.no_grad():
            q.mul_(10)
        assert p.tolist() == [1.0, 2.0] and q.tolist() == [10.0, 20.0]
        memo = {}
        assert copy.deepcopy(p, memo) is copy.deepcopy(p, memo)


def test_pickle_round_trip():
    p = cgrad.nn.Parameter(cgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), requires_grad=False)
    p.tag = "w"
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is cgrad.nn.Parameter and not q.requires_grad and q.tag == "w"
    np.testing.assert_array_equal(q.numpy(), p.numpy())


def test_make_subclass_rejects_non_tensor_types():
    r = raised(lambda: cgrad.Tensor._make_subclass(int, cgrad.ones(2), False))
    assert r[0] == "TypeError"
