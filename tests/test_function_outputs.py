"""Custom Function outputs against torch: inputs modified in place (mark_dirty), inputs
returned as is (a view of them, which may not be written later), and their errors."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def functions(L):
    class Double(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Ident(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class DirtyNotReturned(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class TwoOutputs(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 6

    return Double, Ident, DirtyNotReturned, TwoOutputs


def dirty_non_leaf(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = Double.apply(a)
    facts = (y is a, type(y.grad_fn).__name__, a._version)
    y.sum().backward()
    return facts, x.grad.tolist()


def dirty_view(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    v = b[:2]
    y = Double.apply(v)
    facts = (y is v, y.grad_fn.name(), b.grad_fn.name())
    (b * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return facts, x.grad.tolist()


def dirty_leaf(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    return Double.apply(L.tensor([1.0, 2.0], requires_grad=True))


def input_returned_as_is(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = Ident.apply(a)
    facts = (y is a, y._is_view(), y._base is a, type(y.grad_fn).__name__)
    y.sum().backward()
    return facts, x.grad.tolist()


def returned_input_written(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    y = Ident.apply(L.tensor([1.0, 2.0], requires_grad=True) * 1)
    y.mul_(2)
    return y.tolist()


def dirty_not_returned(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    a = L.tensor([1.0, 2.0], requires_grad=True) * 1
    return DirtyNotReturned.apply(a).tolist()


def dirty_view_two_outputs(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    v = (L.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1)[:2]
    return TwoOutputs.apply(v)[1].tolist()


def dirty_first_of_two_outputs(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y, z = TwoOutputs.apply(a)
    (y.sum() + z.sum()).backward()
    return (y is a, type(y.grad_fn).__name__, z.grad_fn is y.grad_fn), x.grad.tolist()


def input_returned_without_grad(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    x = L.tensor([1.0, 2.0])
    y = Ident.apply(x)
    return y is x, y._is_view(), y.requires_grad


def view_input_returned(L, Double, Ident, DirtyNotReturned, TwoOutputs):
    a = L.tensor([1.0, 2.0], requires_grad=True) * 1
    y = Ident.apply(a.view(2))
    return y._is_view(), y._base is a


CASES = [dirty_non_leaf, dirty_view, dirty_leaf, input_returned_as_is, returned_input_written,
         dirty_not_returned, dirty_view_two_outputs, dirty_first_of_two_outputs,
         input_returned_without_grad, view_input_returned]


def outcome(program, L):
    try:
        return program(L, *functions(L))
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize("program", CASES, ids=[c.__name__ for c in CASES])
def test_matches_torch(program):
    assert outcome(program, cgrad) == outcome(program, torch)


def _scaled(L, grads_back):
    class Scale(L.autograd.Function):
        @staticmethod
        def forward(ctx, k, x, name):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return grads_back(g)
    return Scale


@pytest.mark.parametrize("grads_back", [
    lambda g: (None, g * 3, None),
    lambda g: (None, g * 3),            # too few
    lambda g: (g, g * 3, None),         # a gradient for the number
    lambda g: (None, g * 3, None, None),  # trailing Nones are allowed
])
def test_non_tensor_arguments_get_no_edge(grads_back):
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = _scaled(L, grads_back).apply(3, x * 1, "s")
        edges = [type(fn).__name__ for fn, _ in y.grad_fn.next_functions]
        try:
            y.sum().backward()
        except RuntimeError as e:
            return edges, str(e)
        return edges, x.grad.tolist()
    assert run(cgrad) == run(torch)
