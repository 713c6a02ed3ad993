"""Autograd behaviour against torch 2.13: leaves, .grad, grad_fn, backward's arguments and
errors, grad mode, .data/detach, Variable."""
import re
import threading

import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")


def both(fn):
    """Runs fn(lib) for cgrad and torch; returns both results."""
    return fn(cgrad), fn(torch)


def raised(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return type(e), str(e)
    return None, ""


def assert_same_error(fn, message=None):
    (ours, our_msg), (theirs, their_msg) = raised(fn, cgrad), raised(fn, torch)
    assert theirs is not None and ours is theirs, (ours, our_msg, theirs, their_msg)
    if message:
        assert re.search(message, our_msg), our_msg


def test_requires_grad_argument_property_and_method():
    def fn(lib):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2)
        c = b.requires_grad_()
        d = lib.zeros(1)
        d.requires_grad = True
        return a.requires_grad, b.requires_grad, c is b, d.requires_grad, a.is_leaf
    ours, theirs = both(fn)
    assert ours == theirs


def test_grad_accumulates_across_backward_calls():
    def fn(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        return x.grad.tolist()
    ours, theirs = both(fn)
    assert ours == theirs


def test_grad_can_be_reset_and_zeroed():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        x.grad.zero_()
        (x * 5).sum().backward()
        first = x.grad.tolist()
        x.grad = None
        (x * 7).sum().backward()
        return first, x.grad.tolist()
    ours, theirs = both(fn)
    assert ours == theirs


def test_is_leaf_and_grad_fn_of_results():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        z = lib.ones(2) * 2
        return x.is_leaf, y.is_leaf, z.is_leaf, x.grad_fn, y.grad_fn.name(), z.grad_fn
    ours, theirs = both(fn)
    assert ours == theirs


def test_next_functions_structure():
    def structure(node):
        return [(None if n is None else n.name().split("::")[-1], nr)
                for n, nr in node.next_functions]

    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        w = lib.ones(2, requires_grad=True)
        y = (x * w + 2).sum()
        add = y.grad_fn.next_functions[0][0]
        mul = add.next_functions[0][0]
        leaf = mul.next_functions[0][0]
        return (structure(y.grad_fn), structure(add), structure(mul),
                leaf.variable is x, repr(leaf).split(" object")[0])
    ours, theirs = both(fn)
    assert ours == theirs


def test_grad_fn_repr():
    x = cgrad.ones(1, requires_grad=True)
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", repr((x + 1).grad_fn))
    assert (x + 1).grad_fn.name() == "AddBackward0"


def test_data_and_detach_share_storage_and_drop_history():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        d, e = y.data, y.detach()
        d.fill_(5.0)
        return (d.requires_grad, e.requires_grad, d.grad_fn, e.is_leaf,
                y.tolist()[0] == 5.0, e.tolist()[0] == 5.0)
    ours, theirs = both(fn)
    assert ours == theirs


def test_data_setter_replaces_values():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.data = lib.tensor([3.0, 4.0, 5.0])
        (x * x).sum().backward()
        return x.tolist(), x.grad.tolist(), x.requires_grad
    ours, theirs = both(fn)
    assert ours == theirs


def test_version_counters_of_data_and_its_setter():
    def fn(lib):
        x = lib.tensor([1.0, 2.0])
        view = x.view(2)
        d = x.data  # a counter of its own
        d.add_(1)
        src = lib.tensor([5.0, 6.0])
        src.add_(1)
        src.add_(1)
        y = lib.tensor([0.0, 0.0])
        y.add_(1)
        y.data = src  # y keeps its own counter
        after_set = (y._version, src._version)
        src.mul_(2)
        after_src_write = (y._version, src._version)
        del src  # y holds the storage
        y.add_(1)
        return (x._version, view._version, d._version, after_set, after_src_write,
                y._version, y.tolist())
    ours, theirs = both(fn)
    assert ours == theirs


def test_data_set_to_itself_changes_nothing():
    def fn(lib):
        x = lib.arange(6.0)
        x.data = x
        return x.tolist(), x._version
    ours, theirs = both(fn)
    assert ours == theirs


def test_data_setter_lets_the_old_memory_go():
    import sys
    arr = np.arange(4.0, dtype=np.float32)
    x = cgrad.from_numpy(arr)  # x's storage holds arr
    held = sys.getrefcount(arr)
    x.add_(1)
    x.data = cgrad.zeros(4)
    assert sys.getrefcount(arr) == held - 1
    assert x._version == 1 and x.tolist() == [0.0] * 4


def test_backward_with_gradient_argument():
    def fn(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([0.1, 1.0, 0.0001]))
        return x.grad.tolist()
    ours, theirs = both(fn)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_backward_of_a_one_element_non_scalar():
    def fn(lib):
        x = lib.tensor([[2.0]], requires_grad=True)
        (x * x).backward()
        return x.grad.tolist()
    ours, theirs = both(fn)
    assert ours == theirs


def test_backward_on_a_leaf():
    def fn(lib):
        x = lib.tensor(3.0, requires_grad=True)
        x.backward()
        return x.grad.item()
    ours, theirs = both(fn)
    assert ours == theirs


def test_shared_subexpression_gets_both_contributions():
    def fn(lib):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        y = x.exp()
        z = (y * y + y.sin() * x).sum()
        z.backward()
        return x.grad.tolist()
    ours, theirs = both(fn)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_retain_graph_allows_a_second_backward():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad.tolist()
    ours, theirs = both(fn)
    assert ours == theirs


def test_second_backward_without_retain_graph_raises():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    assert_same_error(fn, "backward through the graph a second time")


def test_second_backward_through_nodes_that_save_nothing_works():
    def fn(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 2).sum()
        y.backward()
        y.backward()
        return x.grad.tolist()
    ours, theirs = both(fn)
    assert ours == theirs


@pytest.mark.parametrize("case", [
    "implicit_non_scalar", "no_grad_output", "shape_mismatch", "int_requires_grad",
    "int_requires_grad_", "non_leaf_requires_grad_false",
])
def test_backward_errors_match_torch(case):
    cases = {
        "implicit_non_scalar": (lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(),
                                "grad can be implicitly created only for scalar outputs"),
        "no_grad_output": (lambda lib: (lib.ones(2) * 2).sum().backward(),
                           "element 0 of tensors does not require grad"),
        "shape_mismatch": (lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(lib.ones(3)),
                           r"Mismatch in shape: grad_output\[0\] has a shape of .*Size\(\[3\]\)"),
        "int_requires_grad": (lambda lib: lib.ones(2, dtype=lib.int64, requires_grad=True),
                              "floating point"),
        "int_requires_grad_": (lambda lib: lib.tensor([1, 2]).requires_grad_(),
                               "floating point"),
        "non_leaf_requires_grad_false": (
            lambda lib: setattr(lib.ones(1, requires_grad=True) * 2, "requires_grad", False),
            "leaf variables"),
    }
    fn, message = cases[case]
    assert_same_error(fn, message)


def test_implicit_backward_error_says_what_to_pass():
    x = cgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"pass a gradient of that shape"):
        (x * 2).backward()


def test_no_grad_context_and_decorator():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            inside = (x * 2).requires_grad, lib.is_grad_enabled()

        @lib.no_grad()
        def decorated():
            return (x * 2).requires_grad

        return inside, decorated(), (x * 2).requires_grad, lib.is_grad_enabled()
    ours, theirs = both(fn)
    assert ours == theirs


def test_enable_grad_and_set_grad_enabled():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            with lib.enable_grad():
                a = (x * 2).requires_grad
            b = (x * 2).requires_grad
        with lib.set_grad_enabled(False):
            c = (x * 2).requires_grad
        lib.set_grad_enabled(False)
        d = (x * 2).requires_grad
        lib.set_grad_enabled(True)
        return a, b, c, d, (x * 2).requires_grad
    ours, theirs = both(fn)
    assert ours == theirs


def test_grad_mode_is_thread_local():
    seen = []
    with cgrad.no_grad():
        t = threading.Thread(target=lambda: seen.append(cgrad.is_grad_enabled()))
        t.start()
        t.join()
        assert not cgrad.is_grad_enabled()
    assert seen == [True]


def test_no_grad_sgd_step_updates_the_leaf_in_place():
    def fn(lib):
        p = lib.tensor([1.0, -2.0], requires_grad=True)
        (p * p).sum().backward()
        before = p
        with lib.no_grad():
            p -= 0.1 * p.grad
        return p is before, p.is_leaf, p.requires_grad, p.tolist()
    ours, theirs = both(fn)
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)


def test_variable_returns_a_leaf_tensor():
    from cgrad.autograd import Variable
    t = cgrad.tensor([1.0, 2.0])
    v = Variable(t, requires_grad=True)
    assert isinstance(v, cgrad.Tensor) and isinstance(v, Variable)
    assert v.requires_grad and v.is_leaf
    (v * 2).sum().backward()
    assert v.grad.tolist() == [2.0, 2.0]
    assert not t.requires_grad


def test_numpy_of_a_tensor_requiring_grad_raises():
    assert_same_error(lambda lib: lib.ones(2, requires_grad=True).numpy(), "detach")


def test_grad_of_int_to_float_conversion_has_no_history():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        return x.int().requires_grad, x.double().grad_fn.name(), x.float() is x
    ours, theirs = both(fn)
    assert ours == theirs
