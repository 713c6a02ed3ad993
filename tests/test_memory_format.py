"""Memory formats and Tensor.is_contiguous(memory_format=...) against torch, one line per
case (Note [Channels-last contiguity])."""
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def case(id, fn):
    return pytest.param(fn, id=id)


def nhwc(L, *shape):
    n, c, h, w = shape
    return L.ones(n, h, w, c).permute(0, 3, 1, 2)


def ndhwc(L, *shape):
    n, c, d, h, w = shape
    return L.ones(n, d, h, w, c).permute(0, 4, 1, 2, 3)


TENSORS = [
    case("nchw", lambda L: L.ones(2, 3, 4, 5)),
    case("nhwc", lambda L: nhwc(L, 2, 3, 4, 5)),
    case("one_channel", lambda L: L.ones(2, 1, 4, 5)),
    case("one_pixel", lambda L: L.ones(1, 3, 1, 1)),
    case("one_row", lambda L: L.ones(2, 3, 1, 5)),
    case("empty_batch", lambda L: L.ones(0, 3, 4, 5)),
    case("nhwc_sliced", lambda L: nhwc(L, 2, 3, 4, 5)[:, :, ::2]),
    case("matrix", lambda L: L.ones(2, 3)),
    case("matrix_t", lambda L: L.ones(2, 3).t()),
    case("ncdhw", lambda L: L.ones(2, 3, 4, 5, 6)),
    case("ndhwc", lambda L: ndhwc(L, 2, 3, 4, 5, 6)),
    case("expanded", lambda L: L.ones(1, 3, 1, 1).expand(2, 3, 4, 5)),
]
FORMATS = ["contiguous_format", "preserve_format", "channels_last", "channels_last_3d"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fn", TENSORS)
def test_is_contiguous(fn, fmt):
    c, t = fn(cgrad), fn(torch)
    assert c.is_contiguous(memory_format=getattr(cgrad, fmt)) == t.is_contiguous(memory_format=getattr(torch, fmt))
    assert c.is_contiguous() == t.is_contiguous()


@pytest.mark.parametrize("fmt", FORMATS)
def test_memory_format_objects(fmt):
    c, t = getattr(cgrad, fmt), getattr(torch, fmt)
    assert repr(c) == repr(t).replace("torch", "cgrad")
    assert isinstance(c, cgrad.memory_format) and c is getattr(cgrad, fmt)


ERRORS = [
    error_case("positional", lambda L: L.ones(2).is_contiguous(L.contiguous_format), None),
    error_case("str", lambda L: L.ones(2).is_contiguous(memory_format="a"), r"is_contiguous\(\): argument 'memory_format' must be \w+\.memory_format, not str"),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_errors(fn, match):
    check_error(fn, match)
