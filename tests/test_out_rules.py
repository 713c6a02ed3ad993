"""out= on every op table row (Note [out= rules]): the row's function takes out= where
torch's does, and an out of each dtype is written, or refused with torch's error, as in
torch. A new row is covered without an edit here."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

DTYPES = ["float32", "float64", "int64", "bool"]
UNARY = [r["name"] for r in cgrad._C._pointwise_ops() if r["family"] == "unary"]
BINARY = [r["name"] for r in cgrad._C._pointwise_ops() if r["family"] != "unary"]
REDUCTIONS = [r["name"] for r in cgrad._C._reduction_ops()]


def call(family, name, L, x_dtype, **kw):
    dt = getattr(L, x_dtype)
    if family == "unary":
        return getattr(L, name)(L.tensor([1.5, -2.0, 0.0]).to(dt), **kw)
    if family == "binary":
        return getattr(L, name)(L.tensor([1, 2, 0]).to(dt), L.tensor([2, 1, 1]).to(dt), **kw)
    x = L.tensor([[1.5, -2.0, 0.0], [3.0, 4.0, 0.5]]).to(dt)
    return getattr(L, name)(x, 0, **kw)


def outcome(L, fn):
    """The result's dtype and values, or the error's type and message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn()
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e)
    return str(r.dtype).split(".")[-1], np.asarray(r.tolist(), dtype=np.float64)


def same(got, expected):
    """Equal outcomes; values to float32 precision, NaN equal to NaN (kernels differ in ulps)."""
    if isinstance(expected[1], str) or isinstance(got[1], str):
        return got == expected
    return got[0] == expected[0] and got[1].shape == expected[1].shape and np.allclose(
        got[1], expected[1], rtol=1e-5, atol=1e-6, equal_nan=True)


def takes_out(L, family, name):
    """Whether L's function accepts out= (given its family's arguments, a reduction a dim)."""
    try:
        call(family, name, L, "float32", out=L.empty(0))
    except TypeError as e:
        refusals = ("unexpected keyword argument 'out'", "out=Tensor), but expected")
        return not any(r in str(e) for r in refusals)
    except Exception:  # noqa: BLE001 - any other error means out= was accepted
        pass
    return True


def lists_overloads_refusing_out(family, name):
    """torch refuses out= by listing the function's overloads (count_nonzero); cgrad names
    the keyword, its wording for a refused keyword whatever the overloads."""
    try:
        call(family, name, torch, "float32", out=torch.empty(0))
    except TypeError as e:
        return "out=Tensor), but expected one of" in str(e)
    except Exception:  # noqa: BLE001 - out= accepted
        pass
    return False


FAMILIES = (("unary", UNARY), ("binary", BINARY), ("reduction", REDUCTIONS))


def cases():
    for family, names in FAMILIES:
        for name in names:
            if lists_overloads_refusing_out(family, name):
                continue  # the test below checks that cgrad refuses it too
            for x_dtype in ("float32", "int64", "bool"):
                for out_dtype in DTYPES:
                    yield pytest.param(family, name, x_dtype, out_dtype,
                                       id=f"{name}-{x_dtype}-{out_dtype}")


@pytest.mark.parametrize("family, name, x_dtype, out_dtype", list(cases()))
def test_out_dtype_as_torch(family, name, x_dtype, out_dtype):
    def run(L):
        return outcome(L, lambda: call(family, name, L, x_dtype,
                                       out=L.empty(0, dtype=getattr(L, out_dtype))))
    got, expected = run(cgrad), run(torch)
    assert same(got, expected), (got, expected)


def test_every_row_takes_out_where_torch_does():
    differ = [n for family, names in FAMILIES for n in names
              if takes_out(cgrad, family, n) != takes_out(torch, family, n)]
    assert not differ


@pytest.mark.parametrize("name", ["sum", "cumsum", "prod"])
def test_dtype_argument_must_be_outs(name):
    """A dtype= given with out= must be out's dtype (torch computes in out's dtype)."""
    def run(L, dtype):
        return outcome(L, lambda: getattr(L, name)(
            L.tensor([[0.5, 0.7], [0.6, 0.9]]), 0, dtype=dtype and getattr(L, dtype),
            out=L.empty(2, dtype=L.float64)))
    for dtype in (None, "float32", "float64"):
        assert same(run(cgrad, dtype), run(torch, dtype))
